/* view_header.c: the header panel: incident, severity badge, phase, elapsed, IC, next update. */
#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "tz.h"

/*
 * The second header row is a list of segments drawn left to right while they fit, so the most
 * important ones survive a narrow terminal. Later features add a segment here or fill a hook.
 */
struct header_segment {
    /* Fill buf (empty: segment skipped) and its style. */
    void (*render)(struct tui *t, char *buf, size_t n, enum ui_style *style);
    /* For a segment that shows a clock: the wr_now_ms() time its text next changes, or
     * WR_TIME_NONE. NULL: only events change it. The header sleeps until the soonest. */
    int64_t (*next_change)(struct tui *t);
    /* May be cut short (down to HEADER_SHRINK_MIN cells, ending in "…") so that the segments
     * after it still fit: the IC's name yields to the update countdown, which the issue wants
     * on screen whenever an incident is declared. */
    bool shrinkable;
};

#define HEADER_SHRINK_MIN 8

/* "…" where the terminal's locale is UTF-8, else "~" (one cell either way). */
static const char *header_ellipsis(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0) ? "\u2026" : "~";
}

static void seg_severity(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    *style = draw_sev_style(t->inc.severity);
    if (t->inc.severity >= 1 && t->inc.severity <= 4)
        snprintf(buf, n, " SEV%d ", t->inc.severity);
    else
        snprintf(buf, n, " UNCLASSIFIED ");
}

static void seg_phase(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    *style = STYLE_BAR;
    if (!incident_is_open(&t->inc))
        snprintf(buf, n, "CLOSED");
    else
        snprintf(buf, n, "%s", phase_name(t->inc.phase));
}

/* Team mode: the server connection and what waits for it, early so a narrow header keeps it. */
static void seg_sync(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    if (!tui_team_status(t, buf, n, style))
        buf[0] = '\0';
}

/* Time since `start` as the header shows it while the incident runs. Once it reads in minutes
 * (an hour and more) it is counted from the start's minute, so it turns over with the title
 * row's clock: one wakeup a minute, not two (the start's seconds and the clock's are unrelated),
 * and "elapsed" agrees with the clock and the timeline's minutes. Under an hour it shows seconds,
 * exact. */
static int64_t elapsed_ms(int64_t start, int64_t now)
{
    int64_t ms = now - start;
    if (ms >= 3600000)
        ms = now - (start - ((start % 60000) + 60000) % 60000);
    return ms;
}

static void seg_elapsed(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    char d[32];
    int64_t start = t->inc.milestones[MS_STARTED];
    int64_t end = t->inc.milestones[MS_RESOLVED];
    if (end == WR_TIME_NONE)
        end = t->inc.milestones[MS_CLOSED];
    *style = STYLE_BAR;
    if (start == WR_TIME_NONE)
        start = t->inc.created_ms;
    if (end == WR_TIME_NONE) {
        snprintf(buf, n, "elapsed %s",
                 wr_duration_fmt(elapsed_ms(start, wr_now_ms()), d, sizeof d));
    } else {
        snprintf(buf, n, "lasted %s", wr_duration_fmt(end - start, d, sizeof d));
    }
}

static int64_t seg_elapsed_change(struct tui *t)
{
    int64_t start = t->inc.milestones[MS_STARTED];
    if (start == WR_TIME_NONE)
        start = t->inc.created_ms;
    if (t->inc.milestones[MS_RESOLVED] != WR_TIME_NONE ||
        t->inc.milestones[MS_CLOSED] != WR_TIME_NONE)
        return WR_TIME_NONE; /* "lasted": fixed */
    int64_t now = wr_now_ms();
    return now + wr_duration_next_change(elapsed_ms(start, now));
}

static void seg_ic(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    *style = STYLE_BAR;
    char *safe = wr_text_sanitize(t->ic_name, true);
    snprintf(buf, n, "IC %s", safe && safe[0] ? safe : "(unassigned)");
    free(safe);
}

static void seg_next_update(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    *style = STYLE_BAR;
    buf[0] = '\0';
    if (t->hooks.next_update && !t->hooks.next_update(t, buf, n, style))
        buf[0] = '\0';
}

static const struct header_segment segments[] = {
    {seg_severity, NULL, false},     {seg_phase, NULL, false}, {seg_sync, NULL, false},
    {seg_elapsed, seg_elapsed_change, false},
    {seg_ic, NULL, true},            {seg_next_update, NULL, false}, /* overlay_comms.c
                                                                        schedules its own */
};
#define NSEGMENTS (sizeof segments / sizeof segments[0])

static void hd_size(struct tui *t, void *state, int rows, int cols, int *min_rows, int *want)
{
    *min_rows = 1;
    *want = 2;
}

/* " 10:03 UTC-3 (13:03 UTC) ": the cockpit's clock (the demo's virtual one in the demo) in the
 * incident's zone beside UTC, so people in other zones read the timeline's local times; just
 * " 13:03 UTC " when the zone is UTC. Empty without an incident. */
static void clock_text(struct tui *t, char *buf, size_t n)
{
    char local[16], utc[16], zone[32];
    buf[0] = '\0';
    if (t->inc.id == 0)
        return;
    int64_t now = wr_now_ms();
    tz_label(now, zone, sizeof zone);
    wr_time_fmt(now, true, "%H:%M", utc, sizeof utc);
    if (strcmp(zone, "UTC") == 0)
        snprintf(buf, n, " %s UTC ", utc);
    else
        snprintf(buf, n, " %s %s (%s UTC) ", wr_time_fmt(now, false, "%H:%M", local, sizeof local),
                 zone, utc);
}

static void draw_row1(struct tui *t, struct ui_rect r)
{
    int bar = draw_attr(STYLE_BAR);
    draw_fill(r.y, r.x, r.w, bar);
    char id[32], clock[64];
    char *title = wr_text_sanitize(t->inc.title ? t->inc.title : "", true);
    const char *right = t->req->demo ? " DEMO " : "";
    int rw = (int)strlen(right);
    /* The clock sits left of DEMO where it leaves 20 columns of title: the title matters more.
     * w is what the id, title and DEMO share. */
    clock_text(t, clock, sizeof clock);
    int cw = (int)strlen(clock), w = r.w;
    if (cw > 0 && r.w - cw - rw - 12 >= 20) {
        w = r.w - cw;
        draw_text(r.y, r.x + w - rw, cw, clock, bar);
    }
    int col = 0;
    if (t->inc.id == 0) {
        col += draw_text(r.y, r.x, w, " warroom: pick an incident", draw_attr(STYLE_TITLE));
    } else {
        snprintf(id, sizeof id, " INC-%" PRId64 " ", t->inc.id);
        col += draw_text(r.y, r.x, w, id, draw_attr(STYLE_TITLE));
        int avail = w - col - (rw > 0 && w - col > rw + 8 ? rw + 1 : 0);
        col += draw_text(r.y, r.x + col, avail, title ? title : "", draw_attr(STYLE_TITLE));
        if (t->read_only && w - col > 13 + rw)
            col += draw_text(r.y, r.x + col, w - col, " [read-only]", bar);
    }
    if (rw > 0 && w - col > rw)
        draw_text(r.y, r.x + r.w - rw, rw, right, draw_attr(STYLE_DEMO));
    free(title);
}

static void hd_draw(struct tui *t, void *state, struct ui_rect r)
{
    if (r.h <= 0 || r.w <= 0)
        return;
    if (r.h == 1 && t->inc.id != 0) {
        /* One row only: the severity badge and the title. */
        char b[64];
        enum ui_style st;
        draw_fill(r.y, r.x, r.w, draw_attr(STYLE_BAR));
        seg_severity(t, b, sizeof b, &st);
        int col = draw_text(r.y, r.x, r.w, b, draw_attr(st));
        char *title = wr_text_sanitize(t->inc.title ? t->inc.title : "", true);
        col += draw_text(r.y, r.x + col, r.w - col, " ", draw_attr(STYLE_BAR));
        draw_text(r.y, r.x + col, r.w - col, title ? title : "", draw_attr(STYLE_TITLE));
        free(title);
        return;
    }
    draw_row1(t, r);
    if (r.h < 2)
        return;
    int y = r.y + 1;
    draw_fill(y, r.x, r.w, draw_attr(STYLE_BAR));
    if (t->inc.id == 0)
        return;
    char b[NSEGMENTS][160];
    enum ui_style st[NSEGMENTS];
    int width[NSEGMENTS], total = 0, shown = 0;
    for (size_t i = 0; i < NSEGMENTS; i++) {
        st[i] = STYLE_BAR;
        b[i][0] = '\0';
        segments[i].render(t, b[i], sizeof b[i], &st[i]);
        width[i] = b[i][0] ? (int)cells_width(b[i], strlen(b[i])) : 0;
        if (width[i]) {
            total += width[i] + (shown ? 3 : 0);
            shown++;
        }
    }
    /* Too long: a shrinkable segment gives up what the row lacks (keeping at least
     * HEADER_SHRINK_MIN cells), so the ones after it are not dropped. */
    for (size_t i = 0; i < NSEGMENTS && total > r.w; i++) {
        int cut = total - r.w + 1; /* +1 for the "…" */
        if (!segments[i].shrinkable || width[i] - cut < HEADER_SHRINK_MIN)
            continue;
        size_t used = 0, keep = cells_fit(b[i], strlen(b[i]), (size_t)(width[i] - cut), &used);
        snprintf(b[i] + keep, sizeof b[i] - keep, "%s", header_ellipsis());
        total -= width[i] - ((int)used + 1);
        width[i] = (int)used + 1;
    }
    int col = 0;
    for (size_t i = 0; i < NSEGMENTS; i++) {
        if (!width[i])
            continue;
        int need = width[i] + (col ? 3 : 0);
        if (col + need > r.w)
            break; /* later segments matter less: drop them whole rather than cut them */
        if (col)
            col += draw_text(y, r.x + col, r.w - col, " | ", draw_attr(STYLE_BAR));
        col += draw_text(y, r.x + col, r.w - col, b[i], draw_attr(st[i]));
    }
}

static const struct ui_view_ops header_ops;

static void hd_tick(struct tui *t, void *state) { tui_dirty_view(t, &header_ops); }

/* The soonest change of a segment that shows a clock. */
static int64_t hd_next_tick(struct tui *t, void *state)
{
    if (t->inc.id == 0)
        return -1;
    int64_t next = WR_TIME_NONE;
    for (size_t i = 0; i < NSEGMENTS; i++) {
        int64_t at = segments[i].next_change ? segments[i].next_change(t) : WR_TIME_NONE;
        if (at != WR_TIME_NONE && (next == WR_TIME_NONE || at < next))
            next = at;
    }
    /* The clock in the title row changes at each minute. */
    int64_t now = wr_now_ms(), minute = now - now % 60000 + 60000;
    if (next == WR_TIME_NONE || minute < next)
        next = minute;
    return wr_clock_wait_ms(next);
}

static const struct ui_view_ops header_ops = {
    .name = "header",
    .size = hd_size,
    .draw = hd_draw,
    .tick = hd_tick,
    .next_tick = hd_next_tick,
};

int header_view_open(struct tui *t, struct ui_view *v)
{
    v->ops = &header_ops;
    v->state = NULL;
    return 0;
}
