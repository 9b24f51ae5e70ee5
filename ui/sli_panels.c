/* sli_panels.c: one panel per configured SLI, the fetcher wired into the loop, and snapshots. */
#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cells.h"
#include "config.h"
#include "sli.h"
#include "sli_fetch.h"

/* Everything the SLI panels own: the config, the SLI set, the fetcher and its loop timers. */
struct tui_sli {
    struct tui *t;
    struct config *config;
    struct sli_set *set;
    struct sli_fetch *fetch;
    int curl_timer;     /* libcurl's timeout (CURLMOPT_TIMERFUNCTION), 0 when none */
    int schedule_timer; /* the next sli_fetch_start_due, 0 when none */
    bool scheduling;    /* inside sli_fetch_start_due */
    bool utf8;
};

/* ---- loop wiring ---- */

static void on_curl_socket(struct loop *l, int fd, short revents, void *ctx)
{
    struct tui_sli *ts = ctx;
    sli_fetch_on_socket(ts->fetch, fd, revents);
}

static void hook_watch_fd(void *ctx, int fd, short events)
{
    struct tui_sli *ts = ctx;
    if (events == 0)
        loop_del_fd(ts->t->loop, fd);
    else if (loop_add_fd(ts->t->loop, fd, events, on_curl_socket, ts) < 0)
        fprintf(stderr, "warroom: cannot watch an SLI connection (out of memory)\n");
}

static void on_curl_timer(struct loop *l, int id, void *ctx)
{
    struct tui_sli *ts = ctx;
    ts->curl_timer = 0;
    sli_fetch_on_timeout(ts->fetch);
}

static void hook_set_timer(void *ctx, long delay_ms)
{
    struct tui_sli *ts = ctx;
    loop_cancel_timer(ts->t->loop, ts->curl_timer);
    ts->curl_timer = 0;
    if (delay_ms >= 0)
        ts->curl_timer = loop_set_timer(ts->t->loop, delay_ms, on_curl_timer, ts);
}

static void on_schedule(struct loop *l, int id, void *ctx);

static void hook_changed(void *ctx, struct sli *s)
{
    struct tui_sli *ts = ctx;
    tui_dirty(ts->t);
    /* With every SLI in flight nothing was scheduled: this one's next refresh is now known. */
    if (ts->schedule_timer == 0 && !ts->scheduling)
        ts->schedule_timer = loop_set_timer(ts->t->loop, 0, on_schedule, ts);
    /* The first evaluation only finds out where things stand: not an alert starting. */
    if (s->alert_transition != 0 && s->generation > 1) {
        char reason[160];
        const char *rule = s->burning_rule >= 0 && (size_t)s->burning_rule < s->cfg->nrules
                               ? s->cfg->rules[s->burning_rule].name
                               : "";
        if (s->alert_transition > 0)
            snprintf(reason, sizeof reason, "burn-rate alert started: %s (%s)", s->cfg->id, rule);
        else
            snprintf(reason, sizeof reason, "burn-rate alert stopped: %s", s->cfg->id);
        s->alert_transition = 0;
        tui_sli_snapshot(ts->t, reason);
    }
    s->alert_transition = 0;
}

static void on_schedule(struct loop *l, int id, void *ctx)
{
    struct tui_sli *ts = ctx;
    ts->schedule_timer = 0;
    ts->scheduling = true; /* replay sources finish inside start_due */
    int64_t next = sli_fetch_start_due(ts->fetch, wr_mono_ms());
    ts->scheduling = false;
    if (next < 0)
        return; /* all in flight: hook_changed schedules when one finishes */
    if (next < 1)
        next = 1;
    if (ts->schedule_timer == 0)
        ts->schedule_timer = loop_set_timer(ts->t->loop, next, on_schedule, ts);
}

/* ---- drawing one panel ---- */

static const char *const spark_utf8[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char spark_ascii[] = "_.-=+*#@";

static enum ui_style state_style(enum sli_state st)
{
    switch (st) {
    case SLI_OK:
        return STYLE_OK;
    case SLI_BURNING:
    case SLI_STALE:
        return STYLE_WARN;
    case SLI_BREACHED:
    case SLI_ERROR:
        return STYLE_ERROR;
    default:
        return STYLE_DIM;
    }
}

/* "obj 99.5 %", "<= 800 ms", ">= 50": what the value is measured against. */
static void objective_text(const struct cfg_sli *c, bool utf8, char *buf, size_t n)
{
    const char *le = utf8 ? "≤" : "<=", *ge = utf8 ? "≥" : ">=";
    if (c->type == CFG_SLI_AVAILABILITY && !isnan(c->target))
        snprintf(buf, n, "obj %.4g %%", c->target * 100);
    else if (!isnan(c->threshold_ms))
        snprintf(buf, n, "%s %g ms", le, c->threshold_ms);
    else if (!isnan(c->min) && !isnan(c->max))
        snprintf(buf, n, "%g..%g", c->min, c->max);
    else if (!isnan(c->min))
        snprintf(buf, n, "%s %g", ge, c->min);
    else if (!isnan(c->max))
        snprintf(buf, n, "%s %g", le, c->max);
    else
        buf[0] = '\0';
}

/* The last `cells` samples as block characters scaled between their min and max. */
static void draw_spark(const struct sli *s, bool utf8, int y, int x, int cells, int attr)
{
    if (cells <= 0 || s->nspark == 0)
        return;
    size_t first = s->nspark > (size_t)cells ? s->nspark - (size_t)cells : 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = first; i < s->nspark; i++)
        if (isfinite(s->spark[i])) {
            lo = s->spark[i] < lo ? s->spark[i] : lo;
            hi = s->spark[i] > hi ? s->spark[i] : hi;
        }
    int col = x + cells - (int)(s->nspark - first); /* right-aligned: newest at the right */
    for (size_t i = first; i < s->nspark; i++, col++) {
        double v = s->spark[i];
        if (!isfinite(v) || !isfinite(lo)) {
            draw_text(y, col, 1, " ", attr);
            continue;
        }
        int level = hi > lo ? (int)((v - lo) / (hi - lo) * 7.0 + 0.5) : 3;
        level = level < 0 ? 0 : level > 7 ? 7 : level;
        if (utf8) {
            draw_text(y, col, 1, spark_utf8[level], attr);
        } else {
            char c[2] = {spark_ascii[level], '\0'};
            draw_text(y, col, 1, c, attr);
        }
    }
}

/* The burn rate to show: the firing rule's, else the first rule's long window. */
static bool burn_text(const struct sli *s, char *buf, size_t n)
{
    const struct cfg_sli *c = s->cfg;
    if (c->nrules == 0 || isnan(c->target))
        return false;
    size_t k = s->state == SLI_BURNING && s->burning_rule >= 0 ? (size_t)s->burning_rule : 0;
    if (k >= c->nrules || !s->burns[k].long_ok)
        return false;
    char d[32];
    snprintf(buf, n, "burn %.1fx/%s", s->burns[k].long_burn,
             config_prom_duration(c->rules[k].long_ms, d, sizeof d));
    return true;
}

static void panel_draw(struct tui *t, void *state, struct ui_rect r)
{
    struct sli *s = state;
    struct tui_sli *ts = t->sli;
    const struct cfg_sli *c = s->cfg;
    bool utf8 = ts && ts->utf8;
    int64_t now = wr_mono_ms();
    if (r.h <= 0 || r.w <= 2)
        return;
    int x = r.x + 1, w = r.w - 1;
    int sattr = draw_attr(state_style(s->state));
    char line[SLI_ERROR_MAX + 64], val[64], obj[64];

    /* Row 0: the state marker (readable without colour) and the name. */
    snprintf(line, sizeof line, "[%s]", sli_state_marker(s->state));
    int used = draw_text(r.y, x, w, line, sattr | A_BOLD);
    char *name = wr_text_sanitize(c->name ? c->name : c->id, true);
    draw_text(r.y, x + used + 1, w - used - 1, name ? name : "", draw_attr(STYLE_TITLE));
    free(name);
    if (r.h < 2)
        return;

    /* Row 1: value against the objective, then the sparkline in what is left. */
    objective_text(c, utf8, obj, sizeof obj);
    snprintf(line, sizeof line, "%s %s", sli_format_value(s, val, sizeof val), obj);
    used = draw_text(r.y + 1, x, w, line, draw_attr(STYLE_NORMAL));
    int spark_w = w - used - 2;
    if (spark_w > 40)
        spark_w = 40;
    draw_spark(s, utf8, r.y + 1, x + w - spark_w, spark_w, sattr);

    /* Row 2: budget remaining and the current burn rate. */
    int row = 2;
    if (r.h >= 4) {
        char burn[64];
        line[0] = '\0';
        if (s->has_budget)
            snprintf(line, sizeof line, "budget %.1f %%", s->budget_remaining * 100);
        else if (!isnan(c->target))
            snprintf(line, sizeof line, "budget -");
        if (burn_text(s, burn, sizeof burn)) {
            size_t l = strlen(line);
            snprintf(line + l, sizeof line - l, "%s%s", l ? "  " : "", burn);
        }
        draw_text(r.y + row, x, w, line, draw_attr(STYLE_NORMAL));
        row++;
    }
    /* Last row: the state in words (which window fired, the age, the error). */
    if (r.h > row) {
        char *safe = wr_text_sanitize(sli_state_text(s, now, line, sizeof line), true);
        size_t len = safe ? strlen(safe) : 0;
        if (safe && w > 1 && cells_width(safe, len) > (size_t)w) {
            /* Cut: say so, so "over the 800 ms thre" is not read as the whole reason. */
            size_t keep = cells_fit(safe, len, (size_t)w - 1, NULL);
            int cut = draw_textn(r.y + row, x, w - 1, safe, keep, sattr);
            draw_text(r.y + row, x + cut, 1, utf8 ? "\u2026" : "~", sattr);
        } else {
            draw_text(r.y + row, x, w, safe ? safe : "", sattr);
        }
        free(safe);
    }
}

static void panel_tick(struct tui *t, void *state)
{
    struct sli *s = state;
    if (sli_check_stale(s, wr_mono_ms()) || s->state == SLI_STALE || s->state == SLI_ERROR)
        tui_dirty(t); /* ages move */
}

/* What moves by itself on a panel: the age of the last good sample while stale, and the
 * moment a fresh one goes stale. */
static int64_t panel_next_tick(struct tui *t, void *state)
{
    struct sli *s = state;
    int64_t now = wr_mono_ms();
    if (s->state == SLI_STALE) {
        int64_t age = sli_age_ms(s, now);
        return age < 0 ? -1 : wr_duration_next_change(age);
    }
    if ((s->state == SLI_OK || s->state == SLI_BURNING || s->state == SLI_BREACHED) &&
        s->last_good_ms != WR_TIME_NONE) {
        int64_t stale = s->last_good_ms + s->cfg->stale_after_ms + 1 - now; /* '>' goes stale */
        return stale < 0 ? 0 : stale;
    }
    return -1;
}

static const struct sli_panel_ops panel_ops = {
    .name = "sli",
    .draw = panel_draw,
    .tick = panel_tick,
    .next_tick = panel_next_tick,
    .destroy = NULL, /* the struct sli belongs to the set */
};

/* ---- start, stop, snapshot ---- */

void tui_sli_start(struct tui *t)
{
    struct wr_error err;
    char pathbuf[4096];
    wr_error_clear(&err);
    const char *path = t->req->config_path;
    if (!path && !(path = config_default_path(pathbuf, sizeof pathbuf)))
        return;
    if (!t->req->config_path && access(path, F_OK) != 0)
        return; /* no config: the area says how to add one */
    struct tui_sli *ts = calloc(1, sizeof *ts);
    if (!ts) {
        sli_area_set_message(t, true, "SLIs: out of memory");
        return;
    }
    ts->t = t;
    const char *cs = nl_langinfo(CODESET);
    ts->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    struct sli_fetch_hooks hooks = {hook_watch_fd, hook_set_timer, hook_changed, ts};
    if (config_load(path, &ts->config, &err) != 0 || sli_set_new(ts->config, &ts->set, &err) != 0 ||
        sli_fetch_new(ts->set, &hooks, &ts->fetch, &err) != 0) {
        fprintf(stderr, "warroom: %s\n", err.msg);
        sli_area_set_message(t, true, "%s", err.msg);
        sli_fetch_free(&ts->fetch);
        sli_set_free(&ts->set);
        config_free(&ts->config);
        free(ts);
        return;
    }
    t->sli = ts;
    for (size_t i = 0; i < ts->set->count; i++)
        sli_area_add(t, &panel_ops, &ts->set->slis[i]);
    if (ts->set->count == 0)
        sli_area_set_message(t, false, "No SLIs configured in %s", path);
    ts->schedule_timer = loop_set_timer(t->loop, 0, on_schedule, ts);
}

const struct config *tui_sli_config(struct tui *t)
{
    return t->sli ? t->sli->config : NULL;
}

void tui_sli_stop(struct tui *t)
{
    struct tui_sli *ts = t->sli;
    if (!ts)
        return;
    sli_area_clear(t);
    /* The fetcher unregisters its sockets through the hooks: the loop must still exist. */
    sli_fetch_free(&ts->fetch);
    loop_cancel_timer(t->loop, ts->curl_timer);
    loop_cancel_timer(t->loop, ts->schedule_timer);
    sli_set_free(&ts->set);
    config_free(&ts->config);
    free(ts);
    t->sli = NULL;
}

struct snapshot {
    int64_t incident_id, at;
    const char *author, *text, *json;
};

static int store_snapshot(struct store *s, void *ctx, struct wr_error *err)
{
    const struct snapshot *sn = ctx;
    return store_entry_append_data(s, sn->incident_id, KIND_SLI, sn->at, /* journaled */
                                   sn->author, sn->text, sn->json, NULL, err);
}

int tui_sli_snapshot(struct tui *t, const char *reason)
{
    struct tui_sli *ts = t->sli;
    struct wr_error err;
    int rc = -1;
    char *json = NULL, *summary = NULL;
    struct wr_buf text = {0};
    wr_error_clear(&err);
    if (!ts || ts->set->count == 0) {
        if (reason) /* automatic: nothing to record */
            return 0;
        tui_message(t, true, "No SLIs configured: nothing to snapshot");
        return -1;
    }
    if (t->inc.id == 0 || t->read_only) {
        tui_message(t, true, "Open an incident (not read-only) to store an SLI snapshot");
        return -1;
    }
    int64_t at = wr_now_ms(), now = wr_mono_ms();
    json = sli_set_json(ts->set, NULL, at, now);
    summary = sli_set_summary(ts->set, now);
    if (!json || !summary) {
        tui_message(t, true, "Out of memory taking the SLI snapshot");
        goto out;
    }
    wr_buf_puts(&text, summary);
    if (reason && *reason)
        wr_buf_printf(&text, " [%s]", reason);
    struct snapshot snap = {.incident_id = t->inc.id, .at = at, .author = t->author,
                            .text = text.data ? text.data : summary, .json = json};
    struct sync_op op = {.kind = SYNC_OP_ENTRIES, .incident_id = t->inc.id, .author = t->author};
    if (tui_write_fn(t, &op, store_snapshot, &snap, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        goto out;
    }
    tui_message(t, false, "SLI snapshot stored%s%s", reason && *reason ? ": " : "",
                reason ? reason : "");
    tui_reload(t);
    rc = 0;
out:
    wr_buf_free(&text);
    free(json);
    free(summary);
    return rc;
}

char *tui_sli_live_json(struct tui *t)
{
    struct tui_sli *ts = t->sli;
    if (!ts)
        return NULL;
    bool any = false;
    for (size_t i = 0; i < ts->set->count && !any; i++)
        any = ts->set->slis[i].has_value;
    return any ? sli_set_json(ts->set, NULL, wr_now_ms(), wr_mono_ms()) : NULL;
}

void tui_sli_refresh(struct tui *t)
{
    struct tui_sli *ts = t->sli;
    if (!ts)
        return;
    for (size_t i = 0; i < ts->set->count; i++)
        sli_fetch_start(ts->fetch, &ts->set->slis[i]);
    tui_message(t, false, "Refreshing %zu SLIs", ts->set->count);
}
