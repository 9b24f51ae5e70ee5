/* view_status.c: the status line: the last message, a live hint for the input line, the keys that matter now. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "input.h"

struct status_view {
    unsigned hint_gen; /* editor generation the hint was computed for */
    bool hint_valid;
    char hint[600];
    bool hint_error;
};

/* What the typed prefixes mean, recomputed only when the text changes. */
static void update_hint(struct tui *t, struct status_view *sv)
{
    unsigned gen = lineedit_generation(t->editor);
    if (sv->hint_valid && sv->hint_gen == gen)
        return;
    sv->hint_valid = true;
    sv->hint_gen = gen;
    sv->hint[0] = '\0';
    sv->hint_error = false;
    if (lineedit_empty(t->editor))
        return;
    struct input_result res;
    struct wr_error err;
    wr_error_clear(&err);
    memset(&res, 0, sizeof res);
    if (input_parse(lineedit_text(t->editor), wr_now_ms(), &res, &err) < 0) {
        snprintf(sv->hint, sizeof sv->hint, "%s", err.msg);
        sv->hint_error = true;
        return;
    }
    const char *dot = MB_CUR_MAX > 1 ? " \xc2\xb7 " : " | ";
    size_t o = 0;
    o += (size_t)snprintf(sv->hint + o, sizeof sv->hint - o, "%s", kind_name(res.kind));
    if (res.pinned && o < sizeof sv->hint)
        o += (size_t)snprintf(sv->hint + o, sizeof sv->hint - o, "%spinned", dot);
    if (res.backdated && o < sizeof sv->hint) {
        char hm[32];
        wr_time_fmt(res.at_ms, t->utc, "%H:%M:%S", hm, sizeof hm);
        o += (size_t)snprintf(sv->hint + o, sizeof sv->hint - o, "%sat %s", dot, hm);
    }
    if (o < sizeof sv->hint)
        snprintf(sv->hint + o, sizeof sv->hint - o, "%sEnter saves", dot);
    input_result_clear(&res);
}

/* Draw "key label" pairs while they fit; returns the cells used. */
static int draw_keys(int y, int x, int w, const char *const *pairs)
{
    int col = 0;
    for (int i = 0; pairs[i]; i += 2) {
        int need = (int)(cells_width(pairs[i], strlen(pairs[i])) +
                         cells_width(pairs[i + 1], strlen(pairs[i + 1]))) + 3;
        if (col + need > w)
            break;
        col += draw_text(y, x + col, w - col, pairs[i], draw_attr(STYLE_KEY));
        col += draw_text(y, x + col, w - col, " ", 0);
        col += draw_text(y, x + col, w - col, pairs[i + 1], 0);
        col += draw_text(y, x + col, w - col, "  ", 0);
    }
    return col;
}

static void st_size(struct tui *t, void *state, int rows, int cols, int *min_rows, int *want)
{
    *min_rows = 1;
    *want = 1;
}

static void st_draw(struct tui *t, void *state, struct ui_rect r)
{
    struct status_view *sv = state;
    if (r.h <= 0 || r.w <= 0)
        return;
    int y = r.y;
    static const char *const input_keys[] = {"Enter", "save", "Esc", "commands", "PgUp/PgDn",
                                             "scroll", "F1", "help", NULL};
    static const char *const command_keys[] = {"q", "quit", "i", "type", "k/j", "entry", "e",
                                               "edit", "d", "delete", "*", "pin", "K", "kind",
                                               "@", "time", "F", "facts", "x", "export", "?",
                                               "help", NULL};
    static const char *const readonly_keys[] = {"q", "quit", "R", "reopen", "o", "incidents",
                                                "/", "search", "?", "help", NULL};
    bool fresh_message = t->message[0] &&
                         (t->message_gen == lineedit_generation(t->editor) || t->mode != MODE_INPUT);
    if (fresh_message) {
        draw_text(y, r.x, r.w, t->message, draw_attr(t->message_error ? STYLE_ERROR : STYLE_OK));
        return;
    }
    if (t->mode == MODE_INPUT && !lineedit_empty(t->editor)) {
        update_hint(t, sv);
        draw_text(y, r.x, r.w, sv->hint, draw_attr(STYLE_DIM));
        return;
    }
    const char *const *keys = t->read_only ? readonly_keys
                              : t->mode == MODE_INPUT ? input_keys : command_keys;
    draw_keys(y, r.x, r.w, keys);
}

static void st_destroy(void *state) { free(state); }

static const struct ui_view_ops status_ops = {
    .name = "status",
    .size = st_size,
    .draw = st_draw,
    .destroy = st_destroy,
};

int status_view_open(struct tui *t, struct ui_view *v)
{
    struct status_view *sv = calloc(1, sizeof *sv);
    if (!sv)
        return -1;
    v->ops = &status_ops;
    v->state = sv;
    return 0;
}
