/* overlay_worksheet.c: the postmortem worksheet overlay: fields with a line editor, and action items. */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "postmortem.h"

struct wsdlg {
    int tab;                     /* 0: fields, 1: action items */
    int sel[2];                  /* selected row per tab */
    int top[2];                  /* first visible row per tab */
    char *values[PM_FIELD_COUNT]; /* sanitised one-line previews */
    struct action_item *items;
    size_t nitems;
    int editing;                 /* 0 no, 1 field, 2 new action item */
    struct lineedit *le;
    int cursor_y, cursor_x;
};

static bool ws_is(const struct ui_key *k, uint32_t ch) { return !k->fn && k->ch == ch; }
static bool ws_fn(const struct ui_key *k, int code) { return k->fn && k->code == code; }

static void ws_free_data(struct wsdlg *d)
{
    for (int i = 0; i < PM_FIELD_COUNT; i++) {
        free(d->values[i]);
        d->values[i] = NULL;
    }
    store_actions_free(&d->items, d->nitems);
    d->nitems = 0;
}

static void ws_reload(struct tui *t, void *state)
{
    struct wsdlg *d = state;
    struct wr_error err;
    wr_error_clear(&err);
    ws_free_data(d);
    for (int i = 0; i < PM_FIELD_COUNT; i++) {
        char *v = NULL;
        if (store_pm_field_get(t->store, t->inc.id, pm_field_key(i), &v, &err) == 0) {
            d->values[i] = wr_text_sanitize(v ? v : "", true);
            free(v);
        }
    }
    if (store_action_list(t->store, t->inc.id, &d->items, &d->nitems, &err) != 0) {
        d->items = NULL;
        d->nitems = 0;
        tui_message(t, true, "%s", err.msg);
    }
    int n = (int)d->nitems;
    if (d->sel[1] >= n)
        d->sel[1] = n > 0 ? n - 1 : 0;
}

/* Draw sanitised text clipped to w cells. */
static int ws_text(int y, int x, int w, const char *s, int attr)
{
    if (w <= 0)
        return 0;
    char *clean = wr_text_sanitize(s ? s : "", true);
    int used = draw_text(y, x, w, clean ? clean : "", attr);
    free(clean);
    return used;
}

static void ws_scroll(struct wsdlg *d, int rows)
{
    int tab = d->tab;
    if (rows < 1)
        rows = 1;
    if (d->sel[tab] < d->top[tab])
        d->top[tab] = d->sel[tab];
    if (d->sel[tab] >= d->top[tab] + rows)
        d->top[tab] = d->sel[tab] - rows + 1;
}

static void ws_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct wsdlg *d = state;
    struct ui_rect in = draw_box(draw_center(PM_FIELD_COUNT + 6, 96), "Postmortem worksheet");
    d->cursor_y = -1;
    if (in.h <= 0 || in.w <= 2)
        return;
    int x = in.x + 1, w = in.w - 2;
    int col = draw_text(in.y, x, w, d->tab == 0 ? "[Fields]" : " Fields ", d->tab == 0 ? A_BOLD : 0);
    draw_text(in.y, x + col + 1, w - col - 1, d->tab == 1 ? "[Action items]" : " Action items ",
              d->tab == 1 ? A_BOLD : 0);
    int list_rows = in.h - 3; /* tabs row, edit row, hint row */
    if (list_rows < 0)
        list_rows = 0;
    ws_scroll(d, list_rows);
    int title_w = w > 40 ? 22 : w / 2;
    if (d->tab == 0) {
        for (int r = 0; r < list_rows; r++) {
            int i = d->top[0] + r;
            if (i >= PM_FIELD_COUNT)
                break;
            int y = in.y + 1 + r;
            bool here = i == d->sel[0];
            int attr = here ? draw_attr(STYLE_SELECTED) : 0;
            if (here)
                draw_fill(y, x, w, attr);
            ws_text(y, x, title_w, pm_field_title(i), attr | A_BOLD);
            const char *v = d->values[i];
            if (v && *v)
                ws_text(y, x + title_w, w - title_w, v, attr);
            else
                ws_text(y, x + title_w, w - title_w, pm_field_prompt(i),
                        here ? attr : draw_attr(STYLE_DIM));
        }
    } else if (d->nitems == 0) {
        if (list_rows > 0)
            draw_text(in.y + 1, x, w, "No action items yet: a adds one", draw_attr(STYLE_DIM));
    } else {
        for (int r = 0; r < list_rows; r++) {
            size_t i = (size_t)(d->top[1] + r);
            if (i >= d->nitems)
                break;
            const struct action_item *a = &d->items[i];
            int y = in.y + 1 + r;
            bool here = (int)i == d->sel[1];
            int attr = here ? draw_attr(STYLE_SELECTED) : 0;
            if (here)
                draw_fill(y, x, w, attr);
            char head[96];
            snprintf(head, sizeof head, "%-8.8s %-2.2s %-12.12s %-5.5s ", a->type, a->priority,
                     a->owner && *a->owner ? a->owner : "-", a->status);
            int used = ws_text(y, x, w, head, attr | (strcmp(a->status, "done") == 0 ? 0 : A_BOLD));
            ws_text(y, x + used, w - used, a->description, attr);
        }
    }
    int ey = in.y + in.h - 2;
    if (d->editing && ey > in.y) {
        const char *label = d->editing == 1 ? pm_field_title(d->sel[0]) : "New action item";
        char lab[64];
        snprintf(lab, sizeof lab, "%s: ", label);
        int lw = ws_text(ey, x, w, lab, draw_attr(STYLE_PROMPT) | A_BOLD);
        int fw = w - lw;
        if (fw > 0) {
            size_t start;
            int ccol;
            draw_fill(ey, x + lw, fw, A_UNDERLINE);
            lineedit_layout(d->le, fw, &start, &ccol);
            ws_text(ey, x + lw, fw, lineedit_text(d->le) + start, A_UNDERLINE);
            d->cursor_y = ey;
            d->cursor_x = x + lw + ccol;
        }
    }
    const char *hint = d->editing ? "Enter save  Esc cancel"
                       : d->tab == 0 ? "arrows select  Enter edit  Tab action items  Esc close"
                                     : "arrows select  a add  d done  Tab fields  Esc close";
    draw_text(in.y + in.h - 1, x, w, hint, draw_attr(STYLE_DIM));
}

static bool ws_refuse(struct tui *t)
{
    if (t->read_only) {
        tui_message(t, true, "INC-%" PRId64 " is closed and read-only: R reopens it", t->inc.id);
        return true;
    }
    return false;
}


static void ws_save(struct tui *t, struct wsdlg *d)
{
    struct wr_error err;
    wr_error_clear(&err);
    char *text = strdup(lineedit_text(d->le));
    if (!text) {
        tui_message(t, true, "out of memory saving the worksheet");
        return;
    }
    char *tr = wr_trim(text);
    if (d->editing == 1) {
        struct sync_op op = {.kind = SYNC_OP_PM_FIELD, .incident_id = t->inc.id,
                             .author = t->author, .text = pm_field_key(d->sel[0]), .text2 = tr};
        if (tui_write(t, &op, &err) != 0)
            tui_message(t, true, "%s", err.msg);
        else
            tui_message(t, false, "%s saved", pm_field_title(d->sel[0]));
    } else if (*tr) {
        struct action_item a;
        memset(&a, 0, sizeof a);
        a.incident_id = t->inc.id;
        snprintf(a.type, sizeof a.type, "prevent");
        snprintf(a.priority, sizeof a.priority, "P1");
        snprintf(a.status, sizeof a.status, "open");
        a.deadline_ms = WR_TIME_NONE;
        a.description = tr;
        a.owner = (char *)"";
        a.ticket = (char *)"";
        /* Its uid now: the journal's replay creates the same item on the server. */
        wr_uid_new(a.uid, sizeof a.uid);
        struct sync_op op = {.kind = SYNC_OP_ACTION_ADD, .incident_id = t->inc.id,
                             .author = t->author, .action = a};
        if (tui_write(t, &op, &err) != 0)
            tui_message(t, true, "%s", err.msg);
        else
            tui_message(t, false, "Action item added");
    }
    free(text);
    d->editing = 0;
    ws_reload(t, d);
    if (d->tab == 1 && d->nitems > 0 && d->editing == 0)
        d->sel[1] = (int)d->nitems - 1;
}

static void ws_done(struct tui *t, struct wsdlg *d)
{
    if (d->nitems == 0 || d->sel[1] >= (int)d->nitems)
        return;
    struct wr_error err;
    wr_error_clear(&err);
    struct action_item *a = &d->items[d->sel[1]];
    if (strcmp(a->status, "done") == 0) {
        tui_message(t, false, "Already done");
        return;
    }
    snprintf(a->status, sizeof a->status, "done");
    struct sync_op op = {.kind = SYNC_OP_ACTION_UPDATE, .incident_id = t->inc.id,
                         .author = t->author, .action = *a};
    if (tui_write(t, &op, &err) != 0)
        tui_message(t, true, "%s", err.msg);
    else
        tui_message(t, false, "Action item marked done");
    ws_reload(t, d);
}

static bool ws_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct wsdlg *d = state;
    bool enter = ws_fn(k, KEY_ENTER) || ws_is(k, '\r') || ws_is(k, '\n');
    tui_dirty(t);
    if (d->editing) {
        if (ws_is(k, UI_ESC))
            d->editing = 0;
        else if (enter)
            ws_save(t, d);
        else
            ui_field_key(d->le, k);
        return true;
    }
    int n = d->tab == 0 ? PM_FIELD_COUNT : (int)d->nitems;
    if (ws_is(k, UI_ESC) || ws_is(k, 'q')) {
        tui_pop_overlay(t); /* d is freed */
        return true;
    } else if (ws_is(k, '\t') || ws_fn(k, KEY_BTAB)) {
        d->tab = !d->tab;
    } else if (ws_fn(k, KEY_UP) || ws_is(k, 'k')) {
        if (d->sel[d->tab] > 0)
            d->sel[d->tab]--;
    } else if (ws_fn(k, KEY_DOWN) || ws_is(k, 'j')) {
        if (d->sel[d->tab] < n - 1)
            d->sel[d->tab]++;
    } else if (d->tab == 0 && enter) {
        if (!ws_refuse(t)) {
            char *v = NULL;
            struct wr_error err;
            wr_error_clear(&err);
            if (store_pm_field_get(t->store, t->inc.id, pm_field_key(d->sel[0]), &v, &err) != 0) {
                tui_message(t, true, "%s", err.msg);
                return true;
            }
            for (char *p = v; p && *p; p++)
                if (*p == '\n' || *p == '\t')
                    *p = ' ';
            lineedit_clear(d->le);
            lineedit_set(d->le, v ? v : "");
            free(v);
            d->editing = 1;
        }
    } else if (d->tab == 1 && ws_is(k, 'a')) {
        if (!ws_refuse(t)) {
            lineedit_clear(d->le);
            d->editing = 2;
        }
    } else if (d->tab == 1 && ws_is(k, 'd')) {
        if (!ws_refuse(t))
            ws_done(t, d);
    }
    return true;
}

static bool ws_cursor(struct tui *t, void *state, int *y, int *x)
{
    struct wsdlg *d = state;
    if (!d->editing || d->cursor_y < 0 || d->cursor_x >= COLS)
        return false;
    *y = d->cursor_y;
    *x = d->cursor_x;
    return true;
}

static void ws_destroy(void *state)
{
    struct wsdlg *d = state;
    ws_free_data(d);
    lineedit_free(&d->le);
    free(d);
}

static const struct ui_view_ops ws_ops = {
    .name = "worksheet",
    .draw = ws_draw,
    .key = ws_key,
    .reload = ws_reload,
    .cursor = ws_cursor,
    .destroy = ws_destroy,
};

int worksheet_overlay_open(struct tui *t)
{
    if (t->inc.id == 0) {
        tui_message(t, true, "No incident is open: o picks one");
        return 0;
    }
    struct wsdlg *d = calloc(1, sizeof *d);
    if (!d || !(d->le = lineedit_new(4096))) {
        free(d);
        tui_message(t, true, "out of memory opening the worksheet");
        return -1;
    }
    d->cursor_y = -1;
    ws_reload(t, d);
    return tui_push_overlay(t, &ws_ops, d);
}
