/* entry_actions.c: what the cockpit does to the entry under the timeline's cursor: edit, delete,
 * pin, change kind, change time, show its history. Every change is one revision made by the
 * same store call as `warroom edit/rm/pin`, so the history reads the same either way. */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "timeline.h"
#include "tz.h"

/* The entry under the cursor, or NULL after saying why nothing can be done. */
static const struct entry *target(struct tui *t, bool change)
{
    if (t->inc.id == 0) {
        tui_message(t, true, "No incident is open: o picks one");
        return NULL;
    }
    if (change && t->read_only) {
        tui_message(t, true, "INC-%" PRId64 " is closed and read-only: R reopens it", t->inc.id);
        return NULL;
    }
    const struct entry *e = timeline_selected(t);
    if (!e)
        tui_message(t, true, "No entry selected: Up/Down (k/j) put the cursor on one");
    return e;
}

/* "09:40:00 'Identified: the overn...'" for messages. */
static void describe(struct tui *t, const struct entry *e, char *buf, size_t n)
{
    char tb[32];
    char *safe = wr_text_sanitize(e->text ? e->text : "", true);
    size_t fit = safe ? cells_fit(safe, strlen(safe), 40, NULL) : 0;
    snprintf(buf, n, "%s \"%.*s%s\"", wr_time_fmt(e->at_ms, t->utc, "%H:%M:%S", tb, sizeof tb),
             (int)fit, safe ? safe : "", safe && fit < strlen(safe) ? "..." : "");
    free(safe);
}


/* One change of entry e, named by its uid (its id may change when team mode's server copy
 * arrives), through tui_write: the journal in team mode. */
static int change_entry(struct tui *t, const struct entry *e, enum sync_op_kind kind, int value,
                        int64_t at, const char *text, struct wr_error *err)
{
    struct sync_op op = {.kind = kind, .incident_id = t->inc.id, .author = t->author,
                         .value = value, .at = at, .text = text};
    snprintf(op.entry_uid, sizeof op.entry_uid, "%s", e->uid);
    return tui_write(t, &op, err);
}

/* ---- edit ---- */

static void on_edit(struct tui *t, const char *text)
{
    struct wr_error err;
    const struct entry *e = target(t, true);
    if (!e)
        return;
    int64_t id = e->id;
    char *copy = strdup(text);
    if (!copy)
        return;
    char *v = wr_trim(copy);
    wr_error_clear(&err);
    if (!*v) {
        tui_message(t, true, "The text is empty: d deletes an entry; Esc leaves it as it was");
        prompt_overlay_open(t, "Edit: ", text, on_edit);
    } else if (strcmp(v, e->text) == 0) {
        tui_message(t, false, "Entry %" PRId64 " unchanged", id);
    } else if (change_entry(t, e, SYNC_OP_EDIT, 0, 0, v, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        prompt_overlay_open(t, "Edit: ", text, on_edit); /* nothing typed is lost */
    } else {
        tui_reload(t);
        tui_message(t, false, "Entry %" PRId64 " edited; the old text is kept in its history (H)",
                    id);
    }
    free(copy);
}

void entry_action_edit(struct tui *t)
{
    const struct entry *e = target(t, true);
    if (!e)
        return;
    char *text = strdup(e->text ? e->text : "");
    if (!text)
        return;
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    prompt_overlay_open(t, "Edit: ", text, on_edit);
    free(text);
}

/* ---- delete ---- */

static void on_delete(struct tui *t)
{
    struct wr_error err;
    const struct entry *e = target(t, true);
    if (!e)
        return;
    int64_t id = e->id;
    wr_error_clear(&err);
    if (change_entry(t, e, SYNC_OP_DELETE, 0, 0, NULL, &err) != 0)
        tui_message(t, true, "%s", err.msg);
    else
    {
        timeline_cursor_step_aside(t); /* before the reload: e points into the old page */
        tui_reload(t);
        tui_message(t, false, "Entry %" PRId64 " deleted; its history keeps every revision", id);
    }
}

void entry_action_delete(struct tui *t)
{
    const struct entry *e = target(t, true);
    if (!e)
        return;
    char what[160], q[256];
    describe(t, e, what, sizeof what);
    snprintf(q, sizeof q, "Delete %s? Its history is kept.", what);
    confirm_overlay_open(t, q, on_delete);
}

/* ---- pin ---- */

void entry_action_pin(struct tui *t)
{
    struct wr_error err;
    const struct entry *e = target(t, true);
    if (!e)
        return;
    int64_t id = e->id;
    bool pin = !e->pinned;
    wr_error_clear(&err);
    if (change_entry(t, e, SYNC_OP_PIN, pin, 0, NULL, &err) != 0)
        tui_message(t, true, "%s", err.msg);
    else
    {
        tui_reload(t);
        tui_message(t, false, "Entry %" PRId64 " %s", id, pin ? "pinned as a key event" : "unpinned");
    }
}

/* ---- time ---- */

/* "Happened at (UTC-3): ": HH:MM is read in the incident's zone, also while the timeline shows
 * UTC (t), so the prompt names it. */
static const char *time_prompt(struct tui *t, char *buf, size_t n)
{
    (void)t;
    char zone[32];
    snprintf(buf, n, "Happened at (%s): ", tz_label(wr_now_ms(), zone, sizeof zone));
    return buf;
}

static void on_time(struct tui *t, const char *text)
{
    struct wr_error err;
    const struct entry *e = target(t, true);
    if (!e)
        return;
    int64_t id = e->id, at;
    char label[64];
    wr_error_clear(&err);
    /* Read like @TIME on the input line: local forms are the incident's zone. */
    if (wr_time_parse(text, wr_now_ms(), &at, &err) != 0 ||
        change_entry(t, e, SYNC_OP_AT, 0, at, NULL, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        prompt_overlay_open(t, time_prompt(t, label, sizeof label), text, on_time);
        return;
    }
    char tb[32];
    tui_reload(t);
    tui_message(t, false, "Entry %" PRId64 " now at %s%s; the old time is kept in its history", id,
                wr_time_fmt(at, t->utc, "%H:%M:%S", tb, sizeof tb), t->utc ? " UTC" : "");
}

void entry_action_time(struct tui *t)
{
    const struct entry *e = target(t, true);
    if (!e)
        return;
    if (!kind_typeable(e->kind)) {
        tui_message(t, true, "This entry records a %s: its time is the %s's (F8 sets milestones)",
                    kind_name(e->kind), kind_name(e->kind));
        return;
    }
    char tb[32], label[64];
    prompt_overlay_open(t, time_prompt(t, label, sizeof label),
                        wr_time_fmt(e->at_ms, false, "%H:%M:%S", tb, sizeof tb), on_time);
}

/* ---- kind ---- */

struct kindpick {
    int cursor; /* index among the typeable kinds */
    int n;
    enum entry_kind kinds[KIND_COUNT];
};

static void kindpick_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct kindpick *m = state;
    const struct entry *e = timeline_selected(t);
    struct ui_rect in = draw_box(draw_center(m->n + 4, 46), "Change the entry's kind");
    if (in.h <= 0 || in.w <= 0)
        return;
    for (int i = 0; i < m->n && i < in.h; i++) {
        char line[64];
        char g = kind_glyph(m->kinds[i]);
        snprintf(line, sizeof line, "%d  %c %s%s", i + 1, g == ' ' ? '-' : g,
                 kind_name(m->kinds[i]), e && e->kind == m->kinds[i] ? "  (now)" : "");
        int attr = i == m->cursor ? draw_attr(STYLE_SELECTED) : 0;
        if (i == m->cursor)
            draw_fill(in.y + i, in.x, in.w, attr);
        draw_text(in.y + i, in.x + 1, in.w - 1, line, attr);
    }
    if (in.h > m->n + 1)
        draw_text(in.y + m->n + 1, in.x + 1, in.w - 1, "1-7 or Enter sets it  Esc cancel",
                  draw_attr(STYLE_DIM));
}

static void kind_apply(struct tui *t, enum entry_kind k)
{
    struct wr_error err;
    const struct entry *e = target(t, true);
    if (!e)
        return;
    int64_t id = e->id;
    wr_error_clear(&err);
    if (e->kind == k)
        tui_message(t, false, "Entry %" PRId64 " is already a %s", id, kind_name(k));
    else if (change_entry(t, e, SYNC_OP_KIND, (int)k, 0, NULL, &err) != 0)
        tui_message(t, true, "%s", err.msg);
    else {
        tui_reload(t);
        tui_message(t, false, "Entry %" PRId64 " is now a %s%s", id, kind_name(k),
                    k == KIND_TODO ? " (and an action item)" : "");
    }
}

static bool kindpick_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct kindpick *m = state;
    tui_dirty(t);
    if ((k->fn && k->code == KEY_UP) || (!k->fn && k->ch == 'k')) {
        m->cursor = m->cursor > 0 ? m->cursor - 1 : m->n - 1;
    } else if ((k->fn && k->code == KEY_DOWN) || (!k->fn && k->ch == 'j')) {
        m->cursor = (m->cursor + 1) % m->n;
    } else if (!k->fn && k->ch >= '1' && k->ch < (uint32_t)('1' + m->n)) {
        enum entry_kind kind = m->kinds[k->ch - '1'];
        tui_pop_overlay(t);
        kind_apply(t, kind);
    } else if ((k->fn && k->code == KEY_ENTER) || (!k->fn && (k->ch == '\r' || k->ch == '\n'))) {
        enum entry_kind kind = m->kinds[m->cursor];
        tui_pop_overlay(t);
        kind_apply(t, kind);
    } else if (!k->fn && (k->ch == UI_ESC || k->ch == 'q')) {
        tui_pop_overlay(t);
    }
    return true;
}

static const struct ui_view_ops kindpick_ops = {
    .name = "entry-kind",
    .draw = kindpick_draw,
    .key = kindpick_key,
    .destroy = free,
};

void entry_action_kind(struct tui *t)
{
    const struct entry *e = target(t, true);
    if (!e)
        return;
    if (!kind_typeable(e->kind)) {
        tui_message(t, true, "This entry records a %s: warroom keeps its kind", kind_name(e->kind));
        return;
    }
    struct kindpick *m = calloc(1, sizeof *m);
    if (!m)
        return;
    for (int k = 0; k < KIND_COUNT; k++)
        if (kind_typeable((enum entry_kind)k)) {
            if ((enum entry_kind)k == e->kind)
                m->cursor = m->n;
            m->kinds[m->n++] = (enum entry_kind)k;
        }
    tui_push_overlay(t, &kindpick_ops, m);
}

/* ---- history ---- */

struct history_view {
    int64_t entry_id;
    struct entry_revision *revs;
    size_t n;
    int top;
};

static void history_draw(struct tui *t, void *state, struct ui_rect screen)
{
    struct history_view *h = state;
    char title[64];
    snprintf(title, sizeof title, "History of entry %" PRId64, h->entry_id);
    struct ui_rect in = draw_box(draw_center((int)h->n + 4, 100), title);
    if (in.h <= 1 || in.w <= 2)
        return;
    int rows = in.h - 1;
    for (int r = 0; r < rows && (size_t)(h->top + r) < h->n; r++) {
        const struct entry_revision *v = &h->revs[h->top + r];
        char head[160], at[32], changed[32];
        snprintf(head, sizeof head, "rev %d  %s by %s  %s at %s%s%s  ", v->rev,
                 wr_time_fmt(v->changed_ms, t->utc, "%H:%M:%S", changed, sizeof changed),
                 v->author ? v->author : "", kind_name(v->kind),
                 wr_time_fmt(v->at_ms, t->utc, "%H:%M:%S", at, sizeof at), v->pinned ? " pinned" : "",
                 v->deleted ? " DELETED" : "");
        char *sh = wr_text_sanitize(head, true), *st = wr_text_sanitize(v->text ? v->text : "", true);
        int used = draw_text(in.y + r, in.x + 1, in.w - 1, sh ? sh : "", draw_attr(STYLE_DIM));
        draw_text(in.y + r, in.x + 1 + used, in.w - 1 - used, st ? st : "", 0);
        free(sh);
        free(st);
    }
    draw_text(in.y + in.h - 1, in.x + 1, in.w - 1, "Up/Down scroll  Esc close", draw_attr(STYLE_DIM));
}

static bool history_key(struct tui *t, void *state, const struct ui_key *k)
{
    struct history_view *h = state;
    tui_dirty(t);
    if ((k->fn && k->code == KEY_UP) || (!k->fn && k->ch == 'k')) {
        if (h->top > 0)
            h->top--;
    } else if ((k->fn && k->code == KEY_DOWN) || (!k->fn && k->ch == 'j')) {
        if ((size_t)h->top + 1 < h->n)
            h->top++;
    } else if (!k->fn && (k->ch == UI_ESC || k->ch == 'q' || k->ch == 'H')) {
        tui_pop_overlay(t);
    }
    return true;
}

static void history_destroy(void *state)
{
    struct history_view *h = state;
    store_revisions_free(&h->revs, h->n);
    free(h);
}

static const struct ui_view_ops history_ops = {
    .name = "entry-history",
    .draw = history_draw,
    .key = history_key,
    .destroy = history_destroy,
};

void entry_action_history(struct tui *t)
{
    struct wr_error err;
    const struct entry *e = target(t, false);
    if (!e)
        return;
    struct history_view *h = calloc(1, sizeof *h);
    if (!h)
        return;
    h->entry_id = e->id;
    wr_error_clear(&err);
    if (store_entry_history(t->store, e->id, &h->revs, &h->n, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        free(h);
        return;
    }
    tui_push_overlay(t, &history_ops, h);
}
