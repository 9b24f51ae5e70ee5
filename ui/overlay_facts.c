/* overlay_facts.c: the incident facts dialog: each fact with its value, or warroom's proposal
 * from the timeline (a accepts it), or "not known yet"; a line editor whose Up/Down recall the
 * fact's earlier values; the cause's confirmation; the incident's time zone. */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "facts.h"
#include "tz.h"

#define ROW_TZ FACT_COUNT /* the last row: the time zone */
#define ROWS (FACT_COUNT + 1)

struct factsdlg {
    struct incident_facts facts;
    bool loaded;
    int sel;
    bool editing;
    struct lineedit *le;
    int cursor_y, cursor_x;
};

static bool fk_is(const struct ui_key *k, uint32_t ch) { return !k->fn && k->ch == ch; }
static bool fk_fn(const struct ui_key *k, int code) { return k->fn && k->code == code; }

static void fd_reload(struct tui *t, void *state)
{
    struct factsdlg *d = state;
    struct wr_error err;
    wr_error_clear(&err);
    if (d->loaded)
        facts_clear(&d->facts);
    d->loaded = false;
    if (t->inc.id == 0)
        return;
    if (facts_load(t->store, &t->inc, wr_now_ms(), &d->facts, &err) != 0)
        tui_message(t, true, "%s", err.msg);
    else
        d->loaded = true;
}

static const char *row_title(int row) { return row == ROW_TZ ? "Time zone" : fact_title(row); }

/* Draw sanitised text clipped to w cells; returns the cells used. */
static int fd_text(int y, int x, int w, const char *s, int attr)
{
    if (w <= 0)
        return 0;
    char *clean = wr_text_sanitize(s ? s : "", true);
    int used = draw_text(y, x, w, clean ? clean : "", attr);
    free(clean);
    return used;
}

static void fd_draw_value(struct tui *t, struct factsdlg *d, int row, int y, int x, int w, int attr)
{
    char buf[160], tb[32];
    if (row == ROW_TZ) {
        tz_label(wr_now_ms(), tb, sizeof tb);
        snprintf(buf, sizeof buf, "%s (%s now)", t->inc.tz[0] ? t->inc.tz : "the viewer's zone", tb);
        fd_text(y, x, w, buf, attr);
        return;
    }
    const struct fact_value *v = d->loaded ? &d->facts.f[row] : NULL;
    if (v && v->source == FACT_SOURCE_FIELD) {
        int used = 0;
        if (row == FACT_CAUSE) /* first: a long cause must not hide whether it is confirmed */
            used = fd_text(y, x, w, d->facts.cause_confirmed ? "[confirmed] " : "[not confirmed: c] ",
                           attr | A_BOLD);
        fd_text(y, x + used, w - used, v->value, attr);
    } else if (v && v->source == FACT_SOURCE_PROPOSAL) {
        /* The times of the entries it is drawn from (the mitigation joins several). */
        char tf[32];
        if (v->proposal_from_ms != v->proposal_at_ms)
            snprintf(buf, sizeof buf, "proposed from %s to %s (a accepts): ",
                     wr_time_fmt(v->proposal_from_ms, t->utc, "%H:%M", tf, sizeof tf),
                     wr_time_fmt(v->proposal_at_ms, t->utc, "%H:%M", tb, sizeof tb));
        else
            snprintf(buf, sizeof buf, "proposed from %s (a accepts): ",
                     wr_time_fmt(v->proposal_at_ms, t->utc, "%H:%M", tb, sizeof tb));
        int used = fd_text(y, x, w, buf, attr | draw_attr(STYLE_WARN));
        fd_text(y, x + used, w - used, v->value, attr | draw_attr(STYLE_DIM));
    } else {
        snprintf(buf, sizeof buf, "not known yet: %s", fact_prompt(row));
        fd_text(y, x, w, buf, attr | draw_attr(STYLE_DIM));
    }
}

static void fd_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct factsdlg *d = state;
    struct ui_rect in = draw_box(draw_center(ROWS + 5, 110), "Incident facts (every change is a timeline entry)");
    d->cursor_y = -1;
    if (in.h <= 0 || in.w <= 2)
        return;
    int x = in.x + 1, w = in.w - 2;
    int title_w = w > 60 ? 25 : w / 3;
    int list_rows = in.h - 3 < ROWS ? in.h - 3 : ROWS;
    int top = d->sel >= list_rows ? d->sel - list_rows + 1 : 0;
    for (int r = 0; r < list_rows; r++) {
        int row = top + r;
        int y = in.y + r;
        bool here = row == d->sel;
        int attr = here ? draw_attr(STYLE_SELECTED) : 0;
        if (here)
            draw_fill(y, x, w, attr);
        fd_text(y, x, title_w, row_title(row), attr | A_BOLD);
        fd_draw_value(t, d, row, y, x + title_w, w - title_w, attr);
    }
    int ey = in.y + in.h - 2;
    if (d->editing && ey > in.y) {
        char lab[64];
        snprintf(lab, sizeof lab, "%s: ", row_title(d->sel));
        int lw = fd_text(ey, x, w, lab, draw_attr(STYLE_PROMPT) | A_BOLD);
        int fw = w - lw;
        if (fw > 0) {
            size_t start;
            int ccol;
            draw_fill(ey, x + lw, fw, A_UNDERLINE);
            lineedit_layout(d->le, fw, &start, &ccol);
            fd_text(ey, x + lw, fw, lineedit_text(d->le) + start, A_UNDERLINE);
            d->cursor_y = ey;
            d->cursor_x = x + lw + ccol;
        }
    }
    const char *hint = d->editing ? "Enter save  Up/Down earlier values  Esc cancel"
                                  : "Enter edit  a accept proposal  c confirm cause  x clear  Esc close";
    draw_text(in.y + in.h - 1, x, w, hint, draw_attr(STYLE_DIM));
}

static bool fd_refuse(struct tui *t)
{
    if (t->read_only) {
        tui_message(t, true, "INC-%" PRId64 " is closed and read-only: R reopens it", t->inc.id);
        return true;
    }
    return false;
}

/* Save `value` into the selected row; false (with the message shown) when refused. */
static bool fd_save(struct tui *t, struct factsdlg *d, const char *value, const char *done)
{
    struct wr_error err;
    wr_error_clear(&err);
    struct sync_op op = {.kind = d->sel == ROW_TZ ? SYNC_OP_TZ : SYNC_OP_FACT,
                         .incident_id = t->inc.id, .author = t->author, .value = d->sel,
                         .text = value};
    int rc = tui_write(t, &op, &err);
    if (rc != 0) {
        tui_message(t, true, "%s", err.msg);
        return false;
    }
    tui_reload(t); /* the header, the timeline's new fact entry, this dialog, the zone */
    tui_message(t, false, "%s %s", row_title(d->sel), done);
    return true;
}

static void fd_start_edit(struct tui *t, struct factsdlg *d)
{
    struct wr_error err;
    char **hist = NULL;
    size_t n = 0;
    lineedit_free(&d->le);
    if (!(d->le = lineedit_new(WR_TEXT_MAX)))
        return;
    wr_error_clear(&err);
    if (d->sel != ROW_TZ && facts_history(t->store, t->inc.id, (enum fact_id)d->sel, &hist, &n,
                                          &err) == 0) {
        for (size_t i = 0; i < n; i++)
            lineedit_history_add(d->le, hist[i]);
        facts_history_free(&hist, n);
    }
    if (d->sel == ROW_TZ)
        lineedit_set(d->le, t->inc.tz);
    else if (d->loaded && d->facts.f[d->sel].source == FACT_SOURCE_FIELD)
        lineedit_set(d->le, d->facts.f[d->sel].value);
    d->editing = true;
}

static bool fd_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct factsdlg *d = state;
    bool enter = fk_fn(k, KEY_ENTER) || fk_is(k, '\r') || fk_is(k, '\n');
    tui_dirty(t);
    if (d->editing) {
        if (fk_is(k, UI_ESC)) {
            d->editing = false;
        } else if (enter) {
            char *text = strdup(lineedit_text(d->le));
            /* Refused: the editor keeps what was typed. */
            if (text && fd_save(t, d, text, *wr_trim(text) ? "saved" : "cleared"))
                d->editing = false;
            free(text);
        } else if (fk_fn(k, KEY_UP)) {
            lineedit_history_prev(d->le);
        } else if (fk_fn(k, KEY_DOWN)) {
            lineedit_history_next(d->le);
        } else {
            ui_field_key(d->le, k);
        }
        return true;
    }
    if (fk_is(k, UI_ESC) || fk_is(k, 'q')) {
        tui_pop_overlay(t); /* d is freed */
    } else if (fk_fn(k, KEY_UP) || fk_is(k, 'k')) {
        d->sel = d->sel > 0 ? d->sel - 1 : ROWS - 1;
    } else if (fk_fn(k, KEY_DOWN) || fk_is(k, 'j')) {
        d->sel = (d->sel + 1) % ROWS;
    } else if (enter) {
        if (!fd_refuse(t))
            fd_start_edit(t, d);
    } else if (fk_is(k, 'a')) {
        const struct fact_value *v = d->sel < FACT_COUNT && d->loaded ? &d->facts.f[d->sel] : NULL;
        if (fd_refuse(t))
            return true;
        if (!v || !v->proposal) {
            tui_message(t, true, "No proposal for %s: %s", row_title(d->sel),
                        d->sel == FACT_CAUSE ? "it comes from the newest pinned note, hypothesis "
                                               "or alert of RESPOND"
                        : d->sel == FACT_MITIGATION
                            ? "it comes from the decisions and actions of MITIGATE"
                            : "only the cause and the mitigation are drawn from the timeline");
        } else if (v->source == FACT_SOURCE_FIELD && strcmp(v->value, v->proposal) == 0) {
            tui_message(t, false, "%s already holds the proposal", row_title(d->sel));
        } else {
            char *p = strdup(v->proposal);
            if (p)
                fd_save(t, d, p, "set from the proposal");
            free(p);
        }
    } else if (fk_is(k, 'c')) {
        struct wr_error err;
        wr_error_clear(&err);
        if (fd_refuse(t))
            return true;
        bool now = !(d->loaded && d->facts.cause_confirmed);
        struct sync_op op = {.kind = SYNC_OP_CAUSE_CONFIRMED, .incident_id = t->inc.id,
                             .author = t->author, .value = now};
        if (tui_write(t, &op, &err) != 0) {
            tui_message(t, true, "%s", err.msg);
        } else {
            tui_reload(t);
            tui_message(t, false, now ? "Current cause confirmed" : "Current cause no longer confirmed");
        }
    } else if (fk_is(k, 'x') || fk_fn(k, KEY_DC)) {
        if (!fd_refuse(t))
            fd_save(t, d, "", "cleared (its earlier values stay in the timeline)");
    }
    return true;
}

static bool fd_cursor(struct tui *t, void *state, int *y, int *x)
{
    struct factsdlg *d = state;
    if (!d->editing || d->cursor_y < 0 || d->cursor_x >= COLS)
        return false;
    *y = d->cursor_y;
    *x = d->cursor_x;
    return true;
}

static void fd_destroy(void *state)
{
    struct factsdlg *d = state;
    if (d->loaded)
        facts_clear(&d->facts);
    lineedit_free(&d->le);
    free(d);
}

static const struct ui_view_ops facts_ops = {
    .name = "facts",
    .draw = fd_draw,
    .key = fd_key,
    .reload = fd_reload,
    .cursor = fd_cursor,
    .destroy = fd_destroy,
};

int facts_overlay_open(struct tui *t)
{
    if (t->inc.id == 0) {
        tui_message(t, true, "No incident is open: o picks one");
        return 0;
    }
    struct factsdlg *d = calloc(1, sizeof *d);
    if (!d) {
        tui_message(t, true, "out of memory opening the facts");
        return -1;
    }
    d->cursor_y = -1;
    fd_reload(t, d);
    return tui_push_overlay(t, &facts_ops, d);
}
