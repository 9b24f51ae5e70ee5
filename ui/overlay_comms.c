/* overlay_comms.c: stakeholder updates in the TUI: the header countdown, the outbox delivered
 * from the event loop, and the compose dialog (template, preview, edit, destinations, send). */
#include <curses.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "comms.h"
#include "config.h"
#include "deliver.h"

struct comms_compose;

struct tui_comms {
    struct tui *t;
    struct comms_config *cfg;
    char cfg_error[512];
    struct deliver *deliver;
    int curl_timer, schedule_timer;
    int64_t pending, failed;
    int64_t cadence_next; /* cadence_next_change at the last schedule */
    struct comms_compose *compose; /* the open dialog, NULL when none */
};

/* Updates are tracked (countdown, overdue entries) once the incident is declared, destinations
 * or not: the IC who posts by hand and logs it with ~ needs the cadence most. */
static bool comms_tracked(const struct tui *t)
{
    return t->inc.id != 0 && !t->read_only && t->inc.milestones[MS_DECLARED] != WR_TIME_NONE;
}

/* ---- loop wiring (as sli_panels.c) ---- */

static void on_curl_socket(struct loop *l, int fd, short revents, void *ctx)
{
    struct tui_comms *tc = ctx;
    deliver_on_socket(tc->deliver, fd, revents);
}

static void hook_watch_fd(void *ctx, int fd, short events)
{
    struct tui_comms *tc = ctx;
    if (events == 0)
        loop_del_fd(tc->t->loop, fd);
    else if (loop_add_fd(tc->t->loop, fd, events, on_curl_socket, tc) < 0)
        fprintf(stderr, "warroom: cannot watch a delivery connection (out of memory)\n");
}

static void on_curl_timer(struct loop *l, int id, void *ctx)
{
    struct tui_comms *tc = ctx;
    tc->curl_timer = 0;
    deliver_on_timeout(tc->deliver);
}

static void hook_set_timer(void *ctx, long delay_ms)
{
    struct tui_comms *tc = ctx;
    loop_cancel_timer(tc->t->loop, tc->curl_timer);
    tc->curl_timer = 0;
    if (delay_ms >= 0)
        tc->curl_timer = loop_set_timer(tc->t->loop, delay_ms, on_curl_timer, tc);
}

/* stdout cannot be used under curses: the text goes to the session log; the clipboard's OSC 52
 * sequence goes to the terminal between two screen updates (it prints nothing). */
static void hook_local_output(void *ctx, enum comms_dest_type type, const char *text)
{
    if (type == DEST_CLIPBOARD) {
        putp(text);
        fflush(stdout);
    } else {
        fputs(text, stderr);
    }
}

static void refresh_counts(struct tui_comms *tc)
{
    struct wr_error err;
    if (store_outbox_counts(tc->t->store, &tc->pending, &tc->failed, &err) != 0)
        tc->pending = tc->failed = 0;
}

static void hook_report(void *ctx, const struct outbox_msg *m, bool ok, const char *detail)
{
    struct tui_comms *tc = ctx;
    if (ok)
        tui_message(tc->t, false, "Sent to %s", m->destination);
    else
        tui_message(tc->t, true, "Not delivered (%s); kept in the outbox, retried later",
                    detail ? detail : m->destination);
    refresh_counts(tc);
    if (ok && m->incident_id == tc->t->inc.id)
        tui_reload(tc->t);
    tui_dirty(tc->t);
}

/* When the header's countdown next changes: "in N m" each minute, the update falling due, then
 * "OVERDUE N m" each minute: a wall-clock time, WR_TIME_NONE when no update is scheduled. */
static int64_t cadence_next_change(struct tui *t)
{
    struct wr_error err;
    struct comms_due due;
    if (!comms_tracked(t) ||
        comms_due_get(t->store, &t->inc, t->policy_ok ? &t->policy : NULL, wr_now_ms(), &due,
                      &err) != 0 ||
        !due.scheduled)
        return WR_TIME_NONE;
    if (due.overdue_ms <= 0) {
        /* "in N m" (minutes rounded up) turns over each whole minute before the due time, then
         * "OVERDUE" from the next ms. */
        int64_t left = due.due_ms - wr_now_ms();
        int64_t shown = (left + 59999) / 60000;
        return shown >= 2 ? due.due_ms - (shown - 1) * 60000 : due.due_ms + 1;
    }
    return due.due_ms + (due.overdue_ms / 60000 + 1) * 60000;
}

/* comms_record_overdue through tui_write_fn (team mode journals the alert entry). */
struct overdue_args {
    const struct incident *inc;
    const struct sev_policy *policy;
    const char *author;
    bool recorded;
};

static int record_overdue(struct store *s, void *ctx, struct wr_error *err)
{
    struct overdue_args *o = ctx;
    int64_t now = wr_now_ms();
    /* journaled: */ return comms_record_overdue(s, o->inc, o->policy, now, o->author,
                                                 &o->recorded, err);
}

/* Deliver what is due, record a missed update, then sleep until the next thing that can
 * change: a retry coming due (or a claim going stale), the update falling due, the overdue
 * count turning over. Another process's writes wake us through tui_comms_changed, and
 * transfers in flight through libcurl's own timers: no polling. */
static void on_schedule(struct loop *l, int id, void *ctx)
{
    struct tui_comms *tc = ctx;
    struct tui *t = tc->t;
    struct wr_error err;
    tc->schedule_timer = 0;
    int64_t pending = tc->pending, failed = tc->failed;
    if (tc->deliver)
        deliver_start_due(tc->deliver);
    refresh_counts(tc);
    if (comms_tracked(t)) {
        struct overdue_args o = {.inc = &t->inc, .policy = t->policy_ok ? &t->policy : NULL,
                                 .author = t->author};
        struct sync_op op = {.kind = SYNC_OP_ENTRIES, .incident_id = t->inc.id,
                             .author = t->author};
        if (tui_write_fn(t, &op, record_overdue, &o, &err) == 0 && o.recorded)
            tui_reload(t);
    }
    /* The header shows the countdown and the outbox count: redraw when either moved. */
    int64_t cadence = cadence_next_change(t);
    if (pending != tc->pending || failed != tc->failed || cadence != tc->cadence_next)
        tui_dirty(t);
    tc->cadence_next = cadence;
    int64_t next = cadence, retry = WR_TIME_NONE;
    if (tc->deliver && store_outbox_next_due(t->store, &retry, &err) == 0 &&
        retry != WR_TIME_NONE && (next == WR_TIME_NONE || retry < next))
        next = retry;
    int64_t wait = next == WR_TIME_NONE ? -1 : wr_clock_wait_ms(next);
    if (wait >= 0 && tc->schedule_timer == 0)
        tc->schedule_timer = loop_set_timer(t->loop, wait + 1, on_schedule, tc);
}

static void comms_kick(struct tui_comms *tc)
{
    loop_cancel_timer(tc->t->loop, tc->schedule_timer);
    tc->schedule_timer = loop_set_timer(tc->t->loop, 0, on_schedule, tc);
}

void tui_comms_changed(struct tui *t)
{
    if (t->comms)
        comms_kick(t->comms);
}

/* ---- the header countdown ---- */

static bool next_update_text(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    struct tui_comms *tc = t->comms;
    struct wr_error err;
    struct comms_due due;
    char when[32], dur[32];
    size_t len = 0;
    buf[0] = '\0';
    if (!tc || t->inc.id == 0)
        return false;
    if (comms_tracked(t) &&
        comms_due_get(t->store, &t->inc, t->policy_ok ? &t->policy : NULL, wr_now_ms(), &due,
                      &err) == 0 &&
        due.scheduled) {
        if (due.overdue_ms > 0) {
            int64_t m = due.overdue_ms / 60000;
            if (m == 0) /* late by seconds: not "OVERDUE 0m" */
                snprintf(buf, n, "OVERDUE %" PRId64 "s", (due.overdue_ms + 999) / 1000);
            else if (m < 60)
                snprintf(buf, n, "OVERDUE %" PRId64 "m", m);
            else
                snprintf(buf, n, "OVERDUE %s", wr_duration_fmt(due.overdue_ms, dur, sizeof dur));
            *style = STYLE_SEV1; /* reverse video, bold: unmistakable */
        } else {
            /* A countdown the IC reads at a glance, and the clock time it falls on. */
            int64_t left = (due.due_ms - wr_now_ms() + 59999) / 60000;
            wr_time_fmt(due.due_ms, t->utc, "%H:%M", when, sizeof when);
            if (left > 0)
                snprintf(buf, n, "next update in %" PRId64 "m (%s)", left, when);
            else /* due this very minute: "in 0m" reads like a glitch */
                snprintf(buf, n, "next update due now (%s)", when);
        }
        len = strlen(buf);
    }
    if (tc->pending > 0 && len + 1 < n) {
        /* Short: the header drops a segment that does not fit rather than cutting it. */
        snprintf(buf + len, n - len, "%soutbox: %" PRId64 " pending", len ? ", " : "",
                 tc->pending);
        if (tc->failed > 0 && *style != STYLE_SEV1)
            *style = STYLE_WARN;
    }
    return buf[0] != '\0';
}

void tui_comms_start(struct tui *t)
{
    char pathbuf[4096];
    struct wr_error err;
    struct tui_comms *tc = calloc(1, sizeof *tc);
    if (!tc)
        return;
    tc->t = t;
    tc->cadence_next = WR_TIME_NONE;
    const char *path = t->req->config_path;
    if (!path)
        path = config_default_path(pathbuf, sizeof pathbuf);
    if (comms_config_load(path, &tc->cfg, &err) != 0) {
        snprintf(tc->cfg_error, sizeof tc->cfg_error, "%s", err.msg);
        fprintf(stderr, "warroom: %s\n", err.msg);
    }
    struct deliver_hooks hooks = {hook_watch_fd, hook_set_timer, hook_local_output, hook_report, tc};
    if (t->sync) {
        /* Team mode: the outbox is the server's, claimed there exactly once, by the worker
         * (a copy here would send what other laptops send too). */
        if (tc->cfg)
            sync_set_delivery(t->sync, path);
    } else if (tc->cfg && deliver_new(t->store, tc->cfg, &hooks, &tc->deliver, &err) != 0) {
        fprintf(stderr, "warroom: %s\n", err.msg);
    }
    t->comms = tc;
    t->hooks.next_update = next_update_text;
    tc->schedule_timer = loop_set_timer(t->loop, 0, on_schedule, tc);
}

void tui_comms_stop(struct tui *t)
{
    struct tui_comms *tc = t->comms;
    if (!tc)
        return;
    deliver_free(&tc->deliver); /* unregisters its sockets: the loop must still exist */
    loop_cancel_timer(t->loop, tc->curl_timer);
    loop_cancel_timer(t->loop, tc->schedule_timer);
    comms_config_free(&tc->cfg);
    t->hooks.next_update = NULL;
    free(tc);
    t->comms = NULL;
}

/* ---- the compose dialog ---- */

#define COMPOSE_MAX_DESTS 9

struct comms_compose {
    struct tui_comms *tc; /* its compose pointer is cleared when the dialog goes */
    struct comms_template *templates;
    size_t ntemplates, sel;
    bool preview;
    char *subject, *body; /* the preview (escape none), editable */
    bool edited;
    bool chosen[COMPOSE_MAX_DESTS];
    int scroll;
    char error[512];
};

static void compose_free(void *state)
{
    struct comms_compose *c = state;
    if (!c)
        return;
    free(c->templates);
    free(c->subject);
    free(c->body);
    free(c);
}

static void compose_destroy(void *state)
{
    struct comms_compose *c = state;
    if (c && c->tc && c->tc->compose == c)
        c->tc->compose = NULL;
    compose_free(c);
}

/* The template data at the cockpit's now, with the live SLI panels' figures when they have any:
 * fresher than the newest stored snapshot (which may predate the mitigation). */
static cJSON *compose_data(struct tui *t, struct wr_error *err)
{
    int64_t now = wr_now_ms();
    cJSON *data = comms_data_build(t->store, &t->inc, t->policy_ok ? &t->policy : NULL, now, err);
    char *live = data ? tui_sli_live_json(t) : NULL;
    if (live)
        comms_data_use_slis(data, live, now, &t->inc, now);
    free(live);
    return data;
}

/* Render the selected template for the preview. */
static void compose_render(struct tui *t, struct comms_compose *c)
{
    struct wr_error err;
    char *text = NULL;
    free(c->subject);
    free(c->body);
    c->subject = c->body = NULL;
    c->edited = false;
    c->error[0] = '\0';
    c->scroll = 0;
    cJSON *data = compose_data(t, &err);
    if (!data || comms_render(&c->templates[c->sel], data, TPL_ESCAPE_NONE, &text, &err) != 0 ||
        comms_split(text, &c->subject, &c->body) != 0)
        snprintf(c->error, sizeof c->error, "%s", err.msg);
    free(text);
    cJSON_Delete(data);
}

/* comms_queue's arguments, for tui_write_fn (team mode journals the queued messages). */
struct queue_args {
    const struct incident *inc;
    const struct comms_template *tpl;
    const cJSON *data;
    const char *override;
    const struct comms_config *cfg;
    const char *const *dests;
    size_t n;
    const char *author;
};

static int queue_messages(struct store *s, void *ctx, struct wr_error *err)
{
    const struct queue_args *q = ctx;
    return comms_queue(s, q->inc, q->tpl, q->data, q->override, q->cfg, q->dests, /* journaled */
                       q->n, q->author, NULL, err);
}

static void compose_send(struct tui *t, struct comms_compose *c)
{
    struct tui_comms *tc = t->comms;
    struct wr_error err;
    const char *dests[COMPOSE_MAX_DESTS];
    size_t n = 0;
    for (size_t k = 0; tc->cfg && k < tc->cfg->n && k < COMPOSE_MAX_DESTS; k++)
        if (c->chosen[k])
            dests[n++] = tc->cfg->dests[k].name;
    if (n == 0) {
        snprintf(c->error, sizeof c->error,
                 "Choose a destination (1-9), or add one to the config file's \"destinations\"");
        return;
    }
    struct wr_buf override = {0};
    if (c->edited)
        wr_buf_printf(&override, "%s\n\n%s", c->subject ? c->subject : "", c->body ? c->body : "");
    cJSON *data = compose_data(t, &err);
    struct queue_args q = {.inc = &t->inc, .tpl = &c->templates[c->sel], .data = data,
                           .override = c->edited ? override.data : NULL, .cfg = tc->cfg,
                           .dests = dests, .n = n, .author = t->author};
    struct sync_op op = {.kind = SYNC_OP_ENTRIES, .incident_id = t->inc.id, .author = t->author};
    int rc = data ? tui_write_fn(t, &op, queue_messages, &q, &err) : -1;
    cJSON_Delete(data);
    wr_buf_free(&override);
    if (rc != 0) {
        snprintf(c->error, sizeof c->error, "%s", err.msg);
        return;
    }
    tui_message(t, false, "Queued %s for %zu destination%s; delivering",
                c->templates[c->sel].name, n, n == 1 ? "" : "s");
    tui_pop_overlay(t);
    refresh_counts(tc);
    comms_kick(tc);
}

static void on_edit_subject(struct tui *t, const char *text)
{
    struct comms_compose *c = t->comms ? t->comms->compose : NULL;
    if (!c || !text || !*text)
        return;
    char *dup = strdup(text);
    if (!dup)
        return;
    free(c->subject);
    c->subject = dup;
    c->edited = true;
}

static void on_add_line(struct tui *t, const char *text)
{
    struct comms_compose *c = t->comms ? t->comms->compose : NULL;
    if (!c || !text)
        return;
    struct wr_buf b = {0};
    wr_buf_printf(&b, "%s%s%s\n", c->body ? c->body : "",
                  c->body && *c->body && c->body[strlen(c->body) - 1] != '\n' ? "\n" : "", text);
    if (b.oom) {
        wr_buf_free(&b);
        return;
    }
    free(c->body);
    c->body = wr_buf_steal(&b);
    c->edited = true;
}

static int draw_hint(int y, int x, int w, const char *key, const char *what)
{
    int col = draw_text(y, x, w, key, draw_attr(STYLE_KEY));
    col += draw_text(y, x + col, w - col, what, 0);
    return col;
}

static void compose_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct comms_compose *c = state;
    struct tui_comms *tc = t->comms;
    int h = LINES - 2, w = COLS - 4;
    struct ui_rect in = draw_box(draw_center(h, w), c->preview ? "Stakeholder update: preview"
                                                               : "Stakeholder update: template");
    if (in.h <= 2)
        return;
    int y = in.y;
    if (!c->preview) {
        for (size_t k = 0; k < c->ntemplates && y < in.y + in.h - 2; k++, y++)
            draw_text(y, in.x + 1, in.w - 1, c->templates[k].name,
                      k == c->sel ? draw_attr(STYLE_SELECTED) : 0);
        if (c->ntemplates == 0)
            draw_text(y++, in.x + 1, in.w - 1, "No templates found", draw_attr(STYLE_ERROR));
        int col = draw_hint(in.y + in.h - 1, in.x + 1, in.w - 1, "Enter", " preview  ");
        draw_hint(in.y + in.h - 1, in.x + 1 + col, in.w - 1 - col, "Esc", " close");
        return;
    }
    /* Destinations line. */
    int col = draw_text(y, in.x + 1, in.w - 1, "To: ", A_BOLD);
    if (!tc->cfg || tc->cfg->n == 0)
        draw_text(y, in.x + 1 + col, in.w - 1 - col,
                  tc->cfg_error[0] ? tc->cfg_error
                                   : "no destinations: add \"destinations\" to the config file",
                  draw_attr(STYLE_ERROR));
    for (size_t k = 0; tc->cfg && k < tc->cfg->n && k < COMPOSE_MAX_DESTS; k++) {
        char item[96];
        snprintf(item, sizeof item, "%zu[%c]%s  ", k + 1, c->chosen[k] ? 'x' : ' ',
                 tc->cfg->dests[k].name);
        col += draw_text(y, in.x + 1 + col, in.w - 1 - col, item,
                         c->chosen[k] ? (int)A_BOLD : draw_attr(STYLE_DIM));
    }
    y += 2;
    if (c->error[0]) {
        char *safe = wr_text_sanitize(c->error, true);
        draw_text(y++, in.x + 1, in.w - 1, safe ? safe : "", draw_attr(STYLE_ERROR));
        free(safe);
    }
    char *subj = wr_text_sanitize(c->subject ? c->subject : "", true);
    draw_text(y++, in.x + 1, in.w - 1, subj ? subj : "", A_BOLD);
    free(subj);
    y++;
    char *body = wr_text_sanitize(c->body ? c->body : "", false);
    const char *p = body ? body : "";
    for (int line = 0; *p && y < in.y + in.h - 1; line++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (line >= c->scroll)
            draw_textn(y++, in.x + 1, in.w - 1, p, len, 0);
        p = e ? e + 1 : p + len;
    }
    free(body);
    int hx = in.x + 1, hw = in.w - 1, hy = in.y + in.h - 1;
    col = draw_hint(hy, hx, hw, "Enter", " send  ");
    col += draw_hint(hy, hx + col, hw - col, "1-9", " destinations  ");
    col += draw_hint(hy, hx + col, hw - col, "e", " edit subject  ");
    col += draw_hint(hy, hx + col, hw - col, "a", " add a line  ");
    draw_hint(hy, hx + col, hw - col, "Esc", " back");
}

static bool compose_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct comms_compose *c = state;
    bool esc = !k->fn && (k->ch == UI_ESC || k->ch == 'q');
    bool enter = (!k->fn && (k->ch == '\r' || k->ch == '\n')) || (k->fn && k->code == KEY_ENTER);
    bool up = (k->fn && k->code == KEY_UP) || (!k->fn && k->ch == 'k');
    bool down = (k->fn && k->code == KEY_DOWN) || (!k->fn && k->ch == 'j');
    if (!c->preview) {
        if (esc) {
            tui_pop_overlay(t);
        } else if (up && c->sel > 0) {
            c->sel--;
        } else if (down && c->sel + 1 < c->ntemplates) {
            c->sel++;
        } else if (enter && c->ntemplates) {
            c->preview = true;
            compose_render(t, c);
        }
        tui_dirty(t);
        return true;
    }
    if (esc) {
        c->preview = false;
        c->error[0] = '\0';
    } else if (enter || (!k->fn && k->ch == 's')) {
        compose_send(t, c);
        return true; /* the overlay may be gone */
    } else if (!k->fn && k->ch >= '1' && k->ch <= '9') {
        size_t i = k->ch - '1';
        if (t->comms->cfg && i < t->comms->cfg->n)
            c->chosen[i] = !c->chosen[i];
    } else if (!k->fn && k->ch == 'e') {
        prompt_overlay_open(t, "Subject: ", c->subject ? c->subject : "", on_edit_subject);
    } else if (!k->fn && k->ch == 'a') {
        prompt_overlay_open(t, "Add line: ", "", on_add_line);
    } else if (up || (k->fn && k->code == KEY_PPAGE)) {
        c->scroll = c->scroll > 5 && !up ? c->scroll - 5 : (c->scroll > 0 ? c->scroll - 1 : 0);
    } else if (down || (k->fn && k->code == KEY_NPAGE)) {
        c->scroll += up || down ? 1 : 5;
    }
    tui_dirty(t);
    return true;
}

static const struct ui_view_ops compose_ops = {
    .name = "comms",
    .draw = compose_draw,
    .key = compose_key,
    .destroy = compose_destroy,
};

/* The template the cadence calls for: initial before anything was sent, resolution once
 * resolved, the periodic update otherwise. */
static const char *due_template(struct tui *t)
{
    struct wr_error err;
    int64_t last = WR_TIME_NONE;
    if (t->inc.milestones[MS_RESOLVED] != WR_TIME_NONE)
        return "resolution";
    if (store_outbox_last_sent(t->store, t->inc.id, &last, &err) == 0 && last == WR_TIME_NONE)
        return "initial-internal";
    return "update-internal";
}

int comms_overlay_open(struct tui *t)
{
    struct wr_error err;
    if (!t->comms || t->inc.id == 0) {
        tui_message(t, true, "Open an incident first");
        return -1;
    }
    if (t->read_only) {
        tui_message(t, true, "INC-%" PRId64 " is closed and read-only: R reopens it", t->inc.id);
        return -1;
    }
    struct comms_compose *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    if (comms_templates_list(&c->templates, &c->ntemplates, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        compose_free(c);
        return -1;
    }
    const char *want = due_template(t);
    for (size_t k = 0; k < c->ntemplates; k++)
        if (strcmp(c->templates[k].name, want) == 0)
            c->sel = k;
    for (size_t k = 0; t->comms->cfg && k < t->comms->cfg->n && k < COMPOSE_MAX_DESTS; k++)
        c->chosen[k] = t->comms->cfg->dests[k].is_default;
    c->tc = t->comms;
    t->comms->compose = c;
    if (tui_push_overlay(t, &compose_ops, c) < 0)
        return -1; /* destroyed: the pointer was cleared */
    return 0;
}
