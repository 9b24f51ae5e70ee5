/* overlay_dialogs.c: small modal dialogs: yes/no confirmation, one-line prompt, kind filter menu. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "timeline.h"

/* ---- yes/no ---- */

struct confirm {
    char question[256];
    void (*on_yes)(struct tui *t);
};

static void confirm_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct confirm *c = state;
    int w = (int)cells_width(c->question, strlen(c->question)) + 4;
    if (w < 30)
        w = 30;
    struct ui_rect in = draw_box(draw_center(4, w), "Confirm");
    if (in.h <= 0)
        return;
    draw_text(in.y, in.x + 1, in.w - 1, c->question, A_BOLD);
    if (in.h > 1) {
        int col = draw_text(in.y + 1, in.x + 1, in.w - 1, "y", draw_attr(STYLE_KEY));
        col += draw_text(in.y + 1, in.x + 1 + col, in.w - 1 - col, " yes   ", 0);
        col += draw_text(in.y + 1, in.x + 1 + col, in.w - 1 - col, "n/Esc", draw_attr(STYLE_KEY));
        draw_text(in.y + 1, in.x + 1 + col, in.w - 1 - col, " no", 0);
    }
}

static bool confirm_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct confirm *c = state;
    if (!k->fn && (k->ch == 'y' || k->ch == 'Y')) {
        void (*fn)(struct tui *) = c->on_yes;
        tui_pop_overlay(t);
        fn(t);
    } else if (!k->fn && (k->ch == 'n' || k->ch == 'N' || k->ch == UI_ESC || k->ch == 'q')) {
        tui_pop_overlay(t);
    }
    return true;
}

static const struct ui_view_ops confirm_ops = {
    .name = "confirm",
    .draw = confirm_draw,
    .key = confirm_key,
    .destroy = free,
};

int confirm_overlay_open(struct tui *t, const char *question, void (*on_yes)(struct tui *t))
{
    struct confirm *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    snprintf(c->question, sizeof c->question, "%s", question);
    c->on_yes = on_yes;
    return tui_push_overlay(t, &confirm_ops, c);
}

/* ---- one-line prompt (search) ---- */

struct prompt {
    int opened_frame; /* errors set from this frame on are shown above the field */
    char label[64];
    struct lineedit *le;
    void (*on_submit)(struct tui *t, const char *text);
    int cursor_y, cursor_x;
};

static void prompt_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct prompt *p = state;
    int y = LINES - 1;
    p->cursor_y = -1;
    if (y < 0 || COLS <= 0)
        return;
    draw_fill(y, 0, COLS, 0);
    /* The prompt covers the status line: a refusal of what was submitted shows just above, so
     * the text stays in the field and the reason stays in sight. */
    if (t->message[0] && t->message_error && t->message_frame >= p->opened_frame && y > 0) {
        draw_fill(y - 1, 0, COLS, 0);
        draw_text(y - 1, 0, COLS, t->message, draw_attr(STYLE_ERROR));
    }
    int lw = draw_text(y, 0, COLS, p->label, draw_attr(STYLE_PROMPT));
    int fw = COLS - lw;
    if (fw <= 0)
        return;
    size_t start;
    int col;
    lineedit_layout(p->le, fw, &start, &col);
    draw_text(y, lw, fw, lineedit_text(p->le) + start, 0);
    p->cursor_y = y;
    p->cursor_x = lw + col;
}

static bool prompt_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct prompt *p = state;
    struct lineedit *le = p->le;
    tui_dirty(t);
    if (!k->fn && k->ch == UI_ESC) {
        tui_pop_overlay(t);
        return true;
    }
    bool enter = k->fn ? k->code == KEY_ENTER : k->ch == '\r' || k->ch == '\n';
    if (!enter) {
        ui_field_key(le, k);
        return true;
    }
    /* Enter: hand the text over after closing, so the callback may open another overlay. */
    char *text = strdup(lineedit_text(le));
    void (*fn)(struct tui *, const char *) = p->on_submit;
    tui_pop_overlay(t);
    if (text)
        fn(t, text);
    free(text);
    return true;
}

static bool prompt_cursor(struct tui *t, void *state, int *y, int *x)
{
    struct prompt *p = state;
    if (p->cursor_y < 0 || p->cursor_x >= COLS)
        return false;
    *y = p->cursor_y;
    *x = p->cursor_x;
    return true;
}

static void prompt_destroy(void *state)
{
    struct prompt *p = state;
    lineedit_free(&p->le);
    free(p);
}

static const struct ui_view_ops prompt_ops = {
    .name = "prompt",
    .draw = prompt_draw,
    .key = prompt_key,
    .cursor = prompt_cursor,
    .destroy = prompt_destroy,
};

int prompt_overlay_open(struct tui *t, const char *label, const char *initial,
                        void (*on_submit)(struct tui *t, const char *text))
{
    struct prompt *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->le = lineedit_new(WR_TEXT_MAX); /* whole entries are edited here, not only searches */
    if (!p->le) {
        free(p);
        return -1;
    }
    snprintf(p->label, sizeof p->label, "%s", label);
    if (initial)
        lineedit_set(p->le, initial);
    p->on_submit = on_submit;
    p->cursor_y = -1;
    p->opened_frame = t->frames;
    return tui_push_overlay(t, &prompt_ops, p);
}

/* ---- kind filter menu ---- */

struct kindmenu {
    unsigned kinds; /* being edited; 0 = all */
    int cursor;
};

static void kindmenu_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct kindmenu *m = state;
    struct ui_rect in = draw_box(draw_center(KIND_COUNT + 4, 50), "Show kinds");
    if (in.h <= 0 || in.w <= 0)
        return;
    for (int k = 0; k < KIND_COUNT && k < in.h; k++) {
        char line[64];
        bool on = m->kinds == 0 || (m->kinds & (1u << k));
        char g = kind_glyph((enum entry_kind)k);
        snprintf(line, sizeof line, "[%c] %c %s", on ? 'x' : ' ', g == ' ' ? '-' : g,
                 kind_name((enum entry_kind)k));
        int attr = k == m->cursor ? draw_attr(STYLE_SELECTED) : 0;
        if (k == m->cursor)
            draw_fill(in.y + k, in.x, in.w, attr);
        draw_text(in.y + k, in.x + 1, in.w - 1, line, attr);
    }
    if (in.h > KIND_COUNT + 1)
        draw_text(in.y + KIND_COUNT + 1, in.x + 1, in.w - 1,
                  "Space toggle  a all  Enter apply  Esc cancel", draw_attr(STYLE_DIM));
}

static bool kindmenu_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct kindmenu *m = state;
    unsigned all = (1u << KIND_COUNT) - 1;
    tui_dirty(t);
    if ((k->fn && k->code == KEY_UP) || (!k->fn && k->ch == 'k')) {
        m->cursor = m->cursor > 0 ? m->cursor - 1 : KIND_COUNT - 1;
    } else if ((k->fn && k->code == KEY_DOWN) || (!k->fn && k->ch == 'j')) {
        m->cursor = (m->cursor + 1) % KIND_COUNT;
    } else if (!k->fn && (k->ch == ' ' || k->ch == 'x')) {
        unsigned cur = m->kinds ? m->kinds : all;
        cur ^= 1u << m->cursor;
        m->kinds = (cur == all || cur == 0) ? 0 : cur;
    } else if (!k->fn && k->ch == 'a') {
        m->kinds = 0;
    } else if (!k->fn && k->ch == 'o') { /* only this kind */
        m->kinds = 1u << m->cursor;
    } else if ((k->fn && k->code == KEY_ENTER) || (!k->fn && (k->ch == '\r' || k->ch == '\n'))) {
        unsigned kinds = m->kinds;
        tui_pop_overlay(t);
        timeline_set_kinds(t, kinds);
    } else if ((!k->fn && (k->ch == UI_ESC || k->ch == 'q'))) {
        tui_pop_overlay(t);
    }
    return true;
}

static const struct ui_view_ops kindmenu_ops = {
    .name = "kinds",
    .draw = kindmenu_draw,
    .key = kindmenu_key,
    .destroy = free,
};

int kindmenu_overlay_open(struct tui *t)
{
    struct kindmenu *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->kinds = timeline_kinds(t);
    return tui_push_overlay(t, &kindmenu_ops, m);
}
