/* overlay_picker.c: the incident picker (open ones first) and the new-incident dialog. */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "tz.h"

struct picker {
    struct incident *list;
    size_t n;
    int cursor;
    int scroll;
    int page;
};

static void picker_load(struct tui *t, struct picker *p)
{
    struct wr_error err;
    wr_error_clear(&err);
    store_incidents_free(&p->list, p->n);
    p->list = NULL;
    p->n = 0;
    if (store_incident_list(t->store, true, &p->list, &p->n, &err) < 0)
        tui_message(t, true, "%s", err.msg);
    if (p->cursor >= (int)p->n)
        p->cursor = p->n ? (int)p->n - 1 : 0;
}

static void picker_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct picker *p = state;
    struct ui_rect box = {0, 0, LINES, COLS};
    struct ui_rect in = draw_box(box, "Incidents");
    if (in.h <= 0 || in.w <= 0)
        return;
    int list_h = in.h - 2;
    if (list_h < 1)
        list_h = in.h;
    p->page = list_h;
    if (p->cursor < p->scroll)
        p->scroll = p->cursor;
    if (p->cursor >= p->scroll + list_h)
        p->scroll = p->cursor - list_h + 1;
    if (p->n == 0)
        draw_text(in.y, in.x + 1, in.w - 1, "No incidents yet. Press n to declare one.",
                  draw_attr(STYLE_DIM));
    for (int row = 0; row < list_h && p->scroll + row < (int)p->n; row++) {
        const struct incident *inc = &p->list[p->scroll + row];
        bool sel = p->scroll + row == p->cursor;
        int y = in.y + row;
        int base = sel ? draw_attr(STYLE_SELECTED) : 0;
        if (sel)
            draw_fill(y, in.x, in.w, base);
        char id[32], sev[16], day[32];
        snprintf(id, sizeof id, "INC-%-4" PRId64, inc->id);
        snprintf(sev, sizeof sev, inc->severity >= 1 && inc->severity <= 4 ? "SEV%d" : "----",
                 inc->severity);
        int64_t start = inc->milestones[MS_STARTED] != WR_TIME_NONE ? inc->milestones[MS_STARTED]
                                                                   : inc->created_ms;
        wr_time_fmt(start, t->utc, "%Y-%m-%d %H:%M", day, sizeof day);
        bool open = incident_is_open(inc);
        int col = 1;
        col += draw_text(y, in.x + col, in.w - col, id, base | A_BOLD);
        col += draw_text(y, in.x + col, in.w - col, " ", base);
        col += draw_text(y, in.x + col, in.w - col, open ? "open  " : "closed",
                         base | (open ? draw_attr(STYLE_OK) : draw_attr(STYLE_DIM)));
        col += draw_text(y, in.x + col, in.w - col, " ", base);
        col += draw_text(y, in.x + col, in.w - col, sev, base | draw_attr(draw_sev_style(inc->severity)));
        col += draw_text(y, in.x + col, in.w - col, " ", base);
        if (in.w > 70) {
            char ph[16];
            snprintf(ph, sizeof ph, "%-9s", phase_name(inc->phase));
            col += draw_text(y, in.x + col, in.w - col, ph, base);
            col += draw_text(y, in.x + col, in.w - col, day, base | draw_attr(STYLE_TIME));
            col += draw_text(y, in.x + col, in.w - col, "  ", base);
        }
        char *title = wr_text_sanitize(inc->title ? inc->title : "", true);
        draw_text(y, in.x + col, in.w - col, title ? title : "", base);
        free(title);
    }
    if (in.h >= 3) {
        static const char *const keys[] = {"Enter", "open", "n", "new incident", "r", "reopen",
                                           "q", "quit", NULL};
        int col = 1;
        for (int i = 0; keys[i]; i += 2) {
            col += draw_text(in.y + in.h - 1, in.x + col, in.w - col, keys[i], draw_attr(STYLE_KEY));
            col += draw_text(in.y + in.h - 1, in.x + col, in.w - col, " ", 0);
            col += draw_text(in.y + in.h - 1, in.x + col, in.w - col, keys[i + 1], 0);
            col += draw_text(in.y + in.h - 1, in.x + col, in.w - col, "   ", 0);
        }
    }
    if (t->message[0] && in.h >= 4)
        draw_text(in.y + in.h - 2, in.x + 1, in.w - 1, t->message,
                  draw_attr(t->message_error ? STYLE_ERROR : STYLE_OK));
}

static void pick(struct tui *t, struct picker *p)
{
    struct wr_error err;
    wr_error_clear(&err);
    if (p->n == 0)
        return;
    int64_t id = p->list[p->cursor].id;
    if (tui_open_incident(t, id, &err) < 0) {
        tui_message(t, true, "%s", err.msg);
        return;
    }
    while (t->n_overlays > 0)
        tui_pop_overlay(t);
}

static void reopen(struct tui *t, struct picker *p)
{
    struct wr_error err;
    wr_error_clear(&err);
    if (p->n == 0)
        return;
    const struct incident *inc = &p->list[p->cursor];
    if (incident_is_open(inc)) {
        tui_message(t, false, "INC-%" PRId64 " is already open", inc->id);
        return;
    }
    int64_t id = inc->id;
    if (tui_reopen_incident(t, id, &err) < 0) {
        tui_message(t, true, "%s", err.msg);
        return;
    }
    tui_message(t, false, "INC-%" PRId64 " reopened", id);
    picker_load(t, p);
    for (size_t i = 0; i < p->n; i++)
        if (p->list[i].id == id)
            p->cursor = (int)i;
}

static bool picker_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct picker *p = state;
    tui_dirty(t);
    if ((k->fn && k->code == KEY_UP) || (!k->fn && k->ch == 'k')) {
        if (p->cursor > 0)
            p->cursor--;
    } else if ((k->fn && k->code == KEY_DOWN) || (!k->fn && k->ch == 'j')) {
        if (p->cursor + 1 < (int)p->n)
            p->cursor++;
    } else if (k->fn && k->code == KEY_PPAGE) {
        p->cursor -= p->page > 1 ? p->page - 1 : 1;
        if (p->cursor < 0)
            p->cursor = 0;
    } else if (k->fn && k->code == KEY_NPAGE) {
        p->cursor += p->page > 1 ? p->page - 1 : 1;
        if (p->cursor >= (int)p->n)
            p->cursor = p->n ? (int)p->n - 1 : 0;
    } else if ((k->fn && k->code == KEY_HOME) || (!k->fn && k->ch == 'g')) {
        p->cursor = 0;
    } else if ((k->fn && k->code == KEY_END) || (!k->fn && k->ch == 'G')) {
        p->cursor = p->n ? (int)p->n - 1 : 0;
    } else if ((k->fn && k->code == KEY_ENTER) ||
               (!k->fn && (k->ch == '\r' || k->ch == '\n' || k->ch == 'o'))) {
        pick(t, p);
    } else if (!k->fn && k->ch == 'n') {
        newinc_overlay_open(t);
    } else if (!k->fn && (k->ch == 'r' || k->ch == 'R')) {
        reopen(t, p);
    } else if (!k->fn && (k->ch == 'q' || k->ch == UI_ESC)) {
        if (t->inc.id == 0)
            tui_request_quit(t);
        else
            tui_pop_overlay(t);
    } else if (k->fn && k->code == KEY_F(1)) {
        help_overlay_open(t);
    }
    return true;
}

static void picker_reload(struct tui *t, void *state) { picker_load(t, state); }

static void picker_destroy(void *state)
{
    struct picker *p = state;
    store_incidents_free(&p->list, p->n);
    free(p);
}

static const struct ui_view_ops picker_ops = {
    .name = "picker",
    .draw = picker_draw,
    .key = picker_key,
    .reload = picker_reload,
    .destroy = picker_destroy,
};

int picker_overlay_open(struct tui *t)
{
    struct picker *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    picker_load(t, p);
    return tui_push_overlay(t, &picker_ops, p);
}

/* ---- new incident ---- */

struct newinc {
    struct lineedit *field[2]; /* title, service */
    int focus;
    int cursor_y, cursor_x;
};

static const char *const field_labels[2] = {"Title:   ", "Service: "};

static void newinc_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct newinc *d = state;
    struct ui_rect in = draw_box(draw_center(7, 70), "New incident");
    d->cursor_y = -1;
    if (in.h <= 0 || in.w <= 0)
        return;
    for (int i = 0; i < 2 && i * 2 < in.h; i++) {
        int y = in.y + i * 2;
        int lw = draw_text(y, in.x + 1, in.w - 1, field_labels[i],
                           draw_attr(i == d->focus ? STYLE_PROMPT : STYLE_DIM));
        int fx = in.x + 1 + lw, fw = in.w - 1 - lw;
        if (fw <= 0)
            continue;
        size_t start;
        int col;
        lineedit_layout(d->field[i], fw, &start, &col);
        draw_fill(y, fx, fw, A_UNDERLINE);
        draw_text(y, fx, fw, lineedit_text(d->field[i]) + start, A_UNDERLINE);
        if (i == d->focus) {
            d->cursor_y = y;
            d->cursor_x = fx + col;
        }
    }
    if (in.h >= 5)
        draw_text(in.y + 4, in.x + 1, in.w - 1, "Tab next field  Enter create  Esc cancel",
                  draw_attr(STYLE_DIM));
}

/* Team mode's new incident: nothing to write locally (its id is the server's). */
static int journal_only(struct store *s, void *ctx, struct wr_error *err)
{
    (void)s;
    (void)ctx;
    (void)err;
    return 0;
}

static void newinc_create(struct tui *t, struct newinc *d)
{
    struct wr_error err;
    struct incident inc;
    int64_t id = 0;
    wr_error_clear(&err);
    incident_init(&inc);
    char *title = strdup(lineedit_text(d->field[0]));
    char *service = strdup(lineedit_text(d->field[1]));
    if (!title || !service)
        goto out;
    wr_trim(title);
    wr_trim(service);
    if (!title[0]) {
        tui_message(t, true, "an incident needs a title: type what is broken");
        d->focus = 0;
        goto out;
    }
    inc.title = title;
    inc.services = service;
    title = service = NULL;
    int64_t now = wr_now_ms();
    inc.milestones[MS_STARTED] = now;
    tz_default(inc.tz, sizeof inc.tz); /* the incident keeps its creator's zone */
    if (t->sync) {
        /* Team mode: the id is the server's, so the server creates it; the cockpit opens it
         * when the worker says it exists (at once when connected). */
        struct sync_op op = {.kind = SYNC_OP_INCIDENT_OPEN, .author = t->author, .at = now,
                             .text = inc.title, .text2 = inc.tz, .text3 = inc.services};
        wr_uid_new(op.entry_uid, sizeof op.entry_uid);
        if (tui_write_fn(t, &op, journal_only, NULL, &err) < 0) {
            tui_message(t, true, "%s", err.msg);
            goto out;
        }
        tui_message(t, false, "Declared: it opens as soon as the team server has it");
        goto out;
    }
    /* SQLite: no journal (team mode returned above). */
    if (store_incident_open(t->store, &inc, t->author, &id, &err) < 0 || /* journaled: n/a */
        tui_open_incident(t, id, &err) < 0) {
        tui_message(t, true, "%s", err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    while (t->n_overlays > 0)
        tui_pop_overlay(t);
    tui_message(t, false, "INC-%" PRId64 " declared: type what happens and press Enter", id);
out:
    free(title);
    free(service);
    incident_clear(&inc);
}

static bool newinc_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct newinc *d = state;
    struct lineedit *le = d->field[d->focus];
    tui_dirty(t);
    if (k->fn) {
        switch (k->code) {
        case KEY_ENTER: break;
        case KEY_UP:
        case KEY_DOWN:
        case KEY_BTAB: d->focus ^= 1; return true;
        default: ui_field_key(le, k); return true;
        }
    } else if (k->ch == UI_ESC) {
        tui_pop_overlay(t);
        return true;
    } else if (k->ch == '\t') {
        d->focus ^= 1;
        return true;
    } else if (k->ch != '\r' && k->ch != '\n') {
        ui_field_key(le, k);
        return true;
    }
    if (d->focus == 0 && lineedit_empty(d->field[1])) {
        d->focus = 1; /* Enter on the title moves on to the service */
        return true;
    }
    newinc_create(t, d);
    return true;
}

static bool newinc_cursor(struct tui *t, void *state, int *y, int *x)
{
    struct newinc *d = state;
    if (d->cursor_y < 0 || d->cursor_x >= COLS)
        return false;
    *y = d->cursor_y;
    *x = d->cursor_x;
    return true;
}

static void newinc_destroy(void *state)
{
    struct newinc *d = state;
    lineedit_free(&d->field[0]);
    lineedit_free(&d->field[1]);
    free(d);
}

static const struct ui_view_ops newinc_ops = {
    .name = "new-incident",
    .draw = newinc_draw,
    .key = newinc_key,
    .cursor = newinc_cursor,
    .destroy = newinc_destroy,
};

int newinc_overlay_open(struct tui *t)
{
    struct newinc *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    d->field[0] = lineedit_new(1024);
    d->field[1] = lineedit_new(1024);
    d->cursor_y = -1;
    if (!d->field[0] || !d->field[1]) {
        newinc_destroy(d);
        return -1;
    }
    return tui_push_overlay(t, &newinc_ops, d);
}
