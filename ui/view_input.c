/* view_input.c: the always-ready input line: edit, parse with the shared grammar, save durably. */
#include <curses.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "input.h"
#include "timeline.h"

struct input_view {
    struct ui_rect last; /* where the field was drawn, for the cursor */
    int cursor_col;
};

static const char PROMPT[] = "> ";

static int append_entry(struct store *s, void *ctx, struct wr_error *err)
{
    return store_entry_append(s, ctx, err); /* run by tui_write_fn: journaled */
}

/* Parse and store the editor's line. The editor is cleared only after the durable commit. */
static void submit(struct tui *t)
{
    struct wr_error err;
    struct input_result res;
    struct entry e;
    wr_error_clear(&err);
    memset(&res, 0, sizeof res);
    entry_init(&e);
    if (t->inc.id == 0)
        return;
    if (t->read_only) {
        tui_message(t, true, "INC-%" PRId64 " is closed and read-only: Esc then R reopens it",
                    t->inc.id);
        return;
    }
    if (lineedit_empty(t->editor))
        return;
    char *line = strdup(lineedit_text(t->editor));
    if (!line) {
        tui_message(t, true, "out of memory: the text is still in the input line");
        return;
    }
    if (input_parse(line, wr_now_ms(), &res, &err) < 0) {
        tui_message(t, true, "%s", err.msg[0] ? err.msg : wr_code_text(err.code));
        goto out;
    }
    e.incident_id = t->inc.id;
    e.kind = res.kind;
    e.pinned = res.pinned;
    e.at_ms = res.at_ms;
    e.text = res.text;
    res.text = NULL;
    e.author = strdup(t->author);
    if (!e.author) {
        tui_message(t, true, "out of memory: the text is still in the input line");
        goto out;
    }
    struct sync_op op = {.kind = SYNC_OP_ENTRIES, .incident_id = t->inc.id, .author = t->author};
    if (tui_write_fn(t, &op, append_entry, &e, &err) < 0) {
        tui_message(t, true, "not saved: %s", err.msg[0] ? err.msg : wr_code_text(err.code));
        goto out;
    }
    lineedit_history_add(t->editor, line);
    lineedit_clear(t->editor);
    char hms[32];
    wr_time_fmt(e.at_ms, t->utc, "%H:%M:%S", hms, sizeof hms);
    if (t->sync) /* durable on this laptop; its id is the server's once it arrives there */
        tui_message(t, false, "saved here at %s%s%s; sending to the server", hms,
                    t->utc ? " UTC" : "", res.backdated ? " (backdated)" : "");
    else
        tui_message(t, false, "saved #%" PRId64 " at %s%s%s", e.id, hms, t->utc ? " UTC" : "",
                    res.backdated ? " (backdated)" : "");
    t->message_gen = lineedit_generation(t->editor);
    timeline_bottom(t);
    tui_reload(t);
out:
    free(line);
    entry_clear(&e);
    input_result_clear(&res);
}

static bool in_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct lineedit *le = t->editor;
    if (k->fn) {
        switch (k->code) {
        case KEY_ENTER: submit(t); return true;
        case KEY_LEFT: lineedit_left(le); break;
        case KEY_RIGHT: lineedit_right(le); break;
        case KEY_HOME: lineedit_home(le); break;
        case KEY_END: lineedit_end(le); break;
        case KEY_BACKSPACE: lineedit_backspace(le); break;
        case KEY_DC: lineedit_delete(le); break;
        case KEY_UP: lineedit_history_prev(le); break;
        case KEY_DOWN: lineedit_history_next(le); break;
        default: return false;
        }
        return true; /* the loop redraws this line and the status line */
    }
    switch (k->ch) {
    case '\r':
    case '\n': submit(t); return true;
    case UI_CTRL('a'): lineedit_home(le); break;
    case UI_CTRL('e'): lineedit_end(le); break;
    case UI_CTRL('b'): lineedit_left(le); break;
    case UI_CTRL('f'): lineedit_right(le); break;
    case UI_CTRL('w'): lineedit_kill_word(le); break;
    case UI_CTRL('u'): lineedit_kill_to_start(le); break;
    case UI_CTRL('k'): lineedit_kill_to_end(le); break;
    case UI_CTRL('d'): lineedit_delete(le); break;
    case UI_CTRL('h'):
    case 127: lineedit_backspace(le); break;
    default:
        if (k->ch < 0x20)
            return false;
        if (t->read_only) {
            tui_message(t, true, "INC-%" PRId64 " is closed and read-only: Esc then R reopens it",
                        t->inc.id);
            return true;
        }
        if (lineedit_insert_cp(le, k->ch) < 0)
            tui_message(t, true, "the line is full (%d bytes at most)", WR_TEXT_MAX);
        break;
    }
    return true; /* the loop redraws this line and the status line */
}

static void in_size(struct tui *t, void *state, int rows, int cols, int *min_rows, int *want)
{
    *min_rows = 1;
    *want = 1;
}

static void in_draw(struct tui *t, void *state, struct ui_rect r)
{
    struct input_view *iv = state;
    iv->last = r;
    if (r.h <= 0 || r.w <= 0)
        return;
    int y = r.y + r.h - 1;
    if (t->inc.id != 0 && t->read_only) {
        draw_text(y, r.x, r.w, "Closed incident, read-only: R reopens it, o picks another.",
                  draw_attr(STYLE_DIM));
        return;
    }
    bool typing = t->mode == MODE_INPUT;
    int pw = r.w > 8 ? (int)strlen(PROMPT) : 0;
    if (pw)
        draw_text(y, r.x, pw, typing ? PROMPT : ": ", draw_attr(typing ? STYLE_PROMPT : STYLE_DIM));
    int fw = r.w - pw;
    if (!typing && lineedit_empty(t->editor)) {
        draw_text(y, r.x + pw, fw, "COMMAND mode: i or Enter to type, ? for help", draw_attr(STYLE_DIM));
        iv->cursor_col = -1;
        return;
    }
    size_t start;
    int col;
    lineedit_layout(t->editor, fw, &start, &col);
    const char *text = lineedit_text(t->editor);
    draw_text(y, r.x + pw, fw, text + start, typing ? 0 : draw_attr(STYLE_DIM));
    iv->cursor_col = pw + col;
}

static bool in_cursor(struct tui *t, void *state, int *y, int *x)
{
    struct input_view *iv = state;
    if (t->mode != MODE_INPUT || t->read_only || iv->last.h <= 0 || iv->cursor_col < 0 ||
        iv->cursor_col >= iv->last.w)
        return false;
    *y = iv->last.y + iv->last.h - 1;
    *x = iv->last.x + iv->cursor_col;
    return true;
}

static void in_destroy(void *state) { free(state); }

static const struct ui_view_ops input_ops = {
    .name = "input",
    .size = in_size,
    .draw = in_draw,
    .key = in_key,
    .cursor = in_cursor,
    .destroy = in_destroy,
};

int input_view_open(struct tui *t, struct ui_view *v)
{
    struct input_view *iv = calloc(1, sizeof *iv);
    if (!iv)
        return -1;
    iv->cursor_col = -1;
    v->ops = &input_ops;
    v->state = iv;
    return 0;
}
