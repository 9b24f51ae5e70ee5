/* view_timeline.c: the timeline panel. Fetches only the visible page (keyset paging). */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cells.h"
#include "timeline.h"
#include "tz.h"

struct timeline {
    struct tui *t;
    unsigned kinds;
    char *search;
    bool follow;            /* pinned to the newest entry */
    int64_t top_at, top_id; /* first visible entry when not following */
    struct entry *rows;     /* the visible page, oldest first */
    size_t n_rows;
    int height;             /* entry rows the panel had at the last draw */
    bool stale;             /* refetch before drawing */
    bool counts_stale;
    int64_t total;          /* entries matching the kind filter */
    int64_t top_rank;       /* 0-based rank of rows[0] */
    int64_t matches;        /* entries matching the search, -1 unknown */
    int64_t selected_id;    /* highlighted entry (a match or pinned jump), 0 none */
    bool select_newest;     /* put the cursor on the newest entry at the next fetch (G, End,
                               an entry just typed: Esc e then edits it) */
};

static struct entry_filter view_filter(const struct timeline *tl)
{
    struct entry_filter f;
    memset(&f, 0, sizeof f);
    f.kinds = tl->kinds;
    return f;
}

static void report(struct tui *t, const struct wr_error *err)
{
    tui_message(t, true, "%s", err->msg[0] ? err->msg : wr_code_text(err->code));
}

static void free_rows(struct timeline *tl)
{
    store_entries_free(&tl->rows, tl->n_rows);
    tl->rows = NULL;
    tl->n_rows = 0;
}

static void refresh_counts(struct timeline *tl)
{
    struct tui *t = tl->t;
    struct wr_error err;
    struct entry_filter f = view_filter(tl);
    wr_error_clear(&err);
    tl->counts_stale = false;
    if (t->inc.id == 0) {
        tl->total = 0;
        return;
    }
    if (store_entry_count(t->store, t->inc.id, &f, &tl->total, &err) < 0)
        report(t, &err);
    tl->matches = -1;
    if (tl->search) {
        f.text = tl->search;
        if (store_entry_count(t->store, t->inc.id, &f, &tl->matches, &err) < 0)
            tl->matches = -1;
    }
}

/* Load the page the view shows: the newest `height` entries when following, else `height`
 * entries from the top key (switching to follow when they reach the end). */
static void fetch(struct timeline *tl)
{
    struct tui *t = tl->t;
    struct wr_error err;
    struct entry_filter f = view_filter(tl);
    size_t n = 0;
    struct entry *rows = NULL;
    wr_error_clear(&err);
    tl->stale = false;
    if (tl->counts_stale)
        refresh_counts(tl);
    free_rows(tl);
    if (t->inc.id == 0 || tl->height <= 0)
        return;
    size_t h = (size_t)tl->height;
    if (!tl->follow) {
        /* One extra row tells whether the end is in view. The key just before top makes the
         * strictly-after query include the top entry itself. */
        if (store_entry_page(t->store, t->inc.id, &f, tl->top_at, tl->top_id - 1, true, h + 1,
                             &rows, &n, &err) < 0) {
            report(t, &err);
            return;
        }
        if (n > h) {
            entry_clear(&rows[n - 1]);
            n--;
            tl->rows = rows;
            tl->n_rows = n;
            return;
        }
        store_entries_free(&rows, n);
        tl->follow = true; /* the rest fits: we are at the bottom */
    }
    if (store_entry_page(t->store, t->inc.id, &f, INT64_MAX, INT64_MAX, false, h, &rows, &n,
                         &err) < 0) {
        report(t, &err);
        return;
    }
    tl->rows = rows;
    tl->n_rows = n;
    tl->top_rank = tl->total - (int64_t)n;
    if (tl->top_rank < 0)
        tl->top_rank = 0;
    if (tl->select_newest && n > 0) {
        tl->selected_id = rows[n - 1].id;
        tl->select_newest = false;
    }
}

static const struct ui_view_ops timeline_ops;

/* Make (at, id) the first visible entry. */
static void set_top(struct timeline *tl, int64_t at, int64_t id)
{
    tl->follow = false;
    tl->top_at = at;
    tl->top_id = id;
    tl->stale = true;
}

void timeline_scroll(struct tui *t, int lines)
{
    struct timeline *tl = t->timeline;
    struct wr_error err;
    struct entry_filter f = view_filter(tl);
    struct entry *page = NULL;
    size_t n = 0;
    wr_error_clear(&err);
    if (!tl)
        return;
    tui_dirty_view(t, &timeline_ops); /* scrolling changes this panel only */
    if (t->inc.id == 0 || lines == 0)
        return;
    if (tl->stale)
        fetch(tl);
    if (tl->n_rows == 0)
        return;
    const struct entry *top = &tl->rows[0];
    if (lines < 0) {
        if (store_entry_page(t->store, t->inc.id, &f, top->at_ms, top->id, false,
                             (size_t)-lines, &page, &n, &err) < 0) {
            report(t, &err);
            return;
        }
        if (n == 0) {
            if (!tl->follow || tl->n_rows < (size_t)tl->height)
                tui_message(t, false, "Top of the timeline");
            set_top(tl, top->at_ms, top->id);
        } else {
            set_top(tl, page[0].at_ms, page[0].id);
            tl->top_rank -= (int64_t)n;
        }
    } else {
        if (tl->follow)
            return;
        if (store_entry_page(t->store, t->inc.id, &f, top->at_ms, top->id, true, (size_t)lines,
                             &page, &n, &err) < 0) {
            report(t, &err);
            return;
        }
        if (n > 0) {
            set_top(tl, page[n - 1].at_ms, page[n - 1].id);
            tl->top_rank += (int64_t)n;
        }
    }
    store_entries_free(&page, n);
    if (tl->top_rank < 0)
        tl->top_rank = 0;
    fetch(tl);
}

void timeline_page(struct tui *t, int pages)
{
    struct timeline *tl = t->timeline;
    int h = tl && tl->height > 2 ? tl->height - 1 : 1;
    timeline_scroll(t, pages * h);
}

void timeline_top(struct tui *t)
{
    struct timeline *tl = t->timeline;
    set_top(tl, INT64_MIN, INT64_MIN + 1); /* strictly after (MIN, MIN) = from the first */
    tl->top_rank = 0;
    fetch(tl);
    /* The cursor goes with the view: g then e edits the oldest entry. */
    tl->select_newest = false;
    if (tl->n_rows > 0)
        tl->selected_id = tl->rows[0].id;
    tui_dirty_view(t, &timeline_ops);
}

void timeline_bottom(struct tui *t)
{
    struct timeline *tl = t->timeline;
    tl->follow = true;
    tl->stale = true;
    tl->select_newest = true; /* the cursor goes with the view (at the next fetch: no query now) */
    tui_dirty_view(t, &timeline_ops);
}

/* Show entry (at, id) with some context above it and select it. */
static void jump_to(struct timeline *tl, const struct entry *e)
{
    struct tui *t = tl->t;
    struct wr_error err;
    struct entry_filter f = view_filter(tl);
    struct entry *page = NULL;
    size_t n = 0;
    wr_error_clear(&err);
    tl->selected_id = e->id;
    for (size_t i = 0; i < tl->n_rows; i++)
        if (tl->rows[i].id == e->id)
            return; /* already visible */
    size_t above = tl->height > 2 ? (size_t)tl->height / 2 : 0;
    if (above > 0 && store_entry_page(t->store, t->inc.id, &f, e->at_ms, e->id, false, above,
                                      &page, &n, &err) < 0) {
        report(t, &err);
        return;
    }
    if (n > 0)
        set_top(tl, page[0].at_ms, page[0].id);
    else
        set_top(tl, e->at_ms, e->id);
    store_entries_free(&page, n);
    int64_t rank = 0;
    if (store_entry_rank(t->store, t->inc.id, &f, tl->top_at, tl->top_id, &rank, &err) == 0)
        tl->top_rank = rank;
    fetch(tl);
}

/* Find the nearest entry matching f from the selection (or the visible edge) in a direction. */
static void find_next(struct tui *t, struct entry_filter *f, bool older, const char *what)
{
    struct timeline *tl = t->timeline;
    struct wr_error err;
    struct entry *hit = NULL;
    size_t n = 0;
    int64_t key_at, key_id;
    wr_error_clear(&err);
    if (t->inc.id == 0)
        return;
    if (tl->stale)
        fetch(tl);
    const struct entry *from = NULL;
    for (size_t i = 0; i < tl->n_rows; i++)
        if (tl->rows[i].id == tl->selected_id)
            from = &tl->rows[i];
    if (from) {
        key_at = from->at_ms;
        key_id = from->id;
    } else if (older) {
        /* From below the last visible row, so a visible match is found first. */
        key_at = tl->n_rows ? tl->rows[tl->n_rows - 1].at_ms : INT64_MAX;
        key_id = tl->n_rows ? tl->rows[tl->n_rows - 1].id + 1 : INT64_MAX;
    } else {
        key_at = tl->n_rows ? tl->rows[0].at_ms : INT64_MIN;
        key_id = tl->n_rows ? tl->rows[0].id - 1 : INT64_MIN;
    }
    if (store_entry_page(t->store, t->inc.id, f, key_at, key_id, !older, 1, &hit, &n, &err) < 0) {
        report(t, &err);
        return;
    }
    if (n == 0) {
        tui_message(t, false, "No %s %s", older ? "older" : "newer", what);
    } else {
        jump_to(tl, &hit[0]);
        tui_message(t, false, "%s at %s", what,
                    wr_time_fmt(hit[0].at_ms, t->utc, "%H:%M:%S", (char[32]){0}, 32));
    }
    store_entries_free(&hit, n);
    tui_dirty(t);
}

void timeline_search(struct tui *t, const char *text)
{
    struct timeline *tl = t->timeline;
    free(tl->search);
    tl->search = (text && text[0]) ? strdup(text) : NULL;
    tl->selected_id = 0;
    refresh_counts(tl);
    if (!tl->search) {
        tui_message(t, false, "Search cleared");
        tui_dirty(t);
        return;
    }
    if (tl->matches == 0) {
        char *safe = wr_text_sanitize(tl->search, true);
        tui_message(t, true, "No entry contains \"%s\"", safe ? safe : "");
        free(safe);
        tui_dirty(t);
        return;
    }
    timeline_search_next(t, true);
}

const char *timeline_search_text(const struct tui *t) { return t->timeline->search; }

void timeline_search_next(struct tui *t, bool older)
{
    struct timeline *tl = t->timeline;
    if (!tl->search) {
        tui_message(t, false, "No search yet: press / to search the timeline");
        return;
    }
    struct entry_filter f = view_filter(tl);
    f.text = tl->search;
    char what[64];
    if (tl->matches >= 0)
        snprintf(what, sizeof what, "Match (%" PRId64 " in all)", tl->matches);
    else
        snprintf(what, sizeof what, "Match");
    find_next(t, &f, older, what);
}

void timeline_pinned_next(struct tui *t, bool older)
{
    struct timeline *tl = t->timeline;
    struct entry_filter f = view_filter(tl);
    f.pinned_only = true;
    find_next(t, &f, older, "Pinned entry");
}

void timeline_set_kinds(struct tui *t, unsigned kinds)
{
    struct timeline *tl = t->timeline;
    tl->kinds = kinds;
    tl->follow = true;
    tl->selected_id = 0;
    tl->counts_stale = true;
    tl->stale = true;
    tui_dirty(t);
}

unsigned timeline_kinds(const struct tui *t) { return t->timeline->kinds; }

const struct entry *timeline_selected(struct tui *t)
{
    struct timeline *tl = t->timeline;
    if (!tl || tl->selected_id == 0 || t->inc.id == 0)
        return NULL;
    if (tl->stale)
        fetch(tl);
    for (size_t i = 0; i < tl->n_rows; i++)
        if (tl->rows[i].id == tl->selected_id)
            return &tl->rows[i];
    return NULL;
}

void timeline_cursor_ensure(struct tui *t)
{
    struct timeline *tl = t->timeline;
    if (!tl || t->inc.id == 0)
        return;
    if (tl->stale)
        fetch(tl);
    if (!timeline_selected(t) && tl->n_rows > 0) {
        tl->selected_id = tl->rows[tl->n_rows - 1].id;
        tui_dirty(t);
    }
}

void timeline_cursor(struct tui *t, int delta)
{
    struct timeline *tl = t->timeline;
    if (!tl || t->inc.id == 0 || delta == 0)
        return;
    if (tl->stale)
        fetch(tl);
    if (tl->n_rows == 0)
        return;
    int idx = -1;
    for (size_t i = 0; i < tl->n_rows; i++)
        if (tl->rows[i].id == tl->selected_id)
            idx = (int)i;
    if (idx < 0) {
        /* No cursor in view: start at the newest visible entry. */
        tl->selected_id = tl->rows[tl->n_rows - 1].id;
        tui_dirty(t);
        return;
    }
    int target = idx + delta, last = (int)tl->n_rows - 1;
    if (target < 0) {
        int64_t before = tl->rows[0].id;
        timeline_scroll(t, target); /* the view follows the cursor up */
        if (tl->stale)
            fetch(tl);
        if (tl->n_rows > 0 && tl->rows[0].id != before)
            tl->selected_id = tl->rows[0].id;
    } else if (target > last) {
        if (tl->follow) {
            tui_message(t, false, "Newest entry");
        } else {
            timeline_scroll(t, target - last);
            if (tl->stale)
                fetch(tl);
            if (tl->n_rows > 0)
                tl->selected_id = tl->rows[tl->n_rows - 1].id;
        }
    } else {
        tl->selected_id = tl->rows[target].id;
    }
    tui_dirty(t);
}

void timeline_cursor_step_aside(struct tui *t)
{
    struct timeline *tl = t->timeline;
    if (!tl)
        return;
    for (size_t i = 0; i < tl->n_rows; i++)
        if (tl->rows[i].id == tl->selected_id) {
            tl->selected_id = i + 1 < tl->n_rows ? tl->rows[i + 1].id
                              : i > 0            ? tl->rows[i - 1].id
                                                 : 0;
            tui_dirty_view(t, &timeline_ops);
            return;
        }
}

void timeline_clear_selection(struct tui *t)
{
    t->timeline->selected_id = 0;
    tui_dirty(t);
}

void timeline_position(const struct tui *t, char *buf, size_t n, bool *following)
{
    const struct timeline *tl = t->timeline;
    *following = tl->follow;
    if (tl->n_rows == 0)
        snprintf(buf, n, "0/%" PRId64, tl->total);
    else
        snprintf(buf, n, "%" PRId64 "-%" PRId64 "/%" PRId64, tl->top_rank + 1,
                 tl->top_rank + (int64_t)tl->n_rows, tl->total);
}

/* ---- the panel ---- */

static void tl_size(struct tui *t, void *state, int rows, int cols, int *min_rows, int *want)
{
    *min_rows = 2;
    *want = -1;
}

/* Case-insensitive (ASCII) find of needle in hay; returns the offset or -1. */
static long find_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0)
        return -1;
    for (size_t i = 0; hay[i]; i++) {
        size_t j = 0;
        while (j < nl && hay[i + j]) {
            char a = hay[i + j], b = needle[j];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
            j++;
        }
        if (j == nl)
            return (long)i;
    }
    return -1;
}

static void draw_entry(struct timeline *tl, const struct entry *e, int y, int x, int w)
{
    struct tui *t = tl->t;
    bool selected = e->id == tl->selected_id;
    int base = selected ? draw_attr(STYLE_SELECTED) : 0;
    char tbuf[32];
    int col = 0;
    if (selected)
        draw_fill(y, x, w, base);
    wr_time_fmt(e->at_ms, t->utc, t->utc ? "%H:%M:%SZ" : "%H:%M:%S", tbuf, sizeof tbuf);
    if (w >= 30) {
        col += draw_text(y, x + col, w - col, tbuf, base | draw_attr(STYLE_TIME));
        col += draw_text(y, x + col, w - col, " ", base);
    }
    char glyph[2] = {kind_glyph(e->kind), '\0'};
    if (glyph[0] == ' ')
        glyph[0] = '-';
    int kattr = base | draw_attr(draw_kind_style(e->kind));
    col += draw_text(y, x + col, w - col, glyph, kattr);
    col += draw_text(y, x + col, w - col, e->pinned ? "*" : " ", base | draw_attr(STYLE_PIN));
    /* Team mode: ↑ saved here, on its way to the server; ✗ refused by the server. */
    int mark = tui_entry_mark(t, e);
    col += draw_text(y, x + col, w - col, mark == 1 ? "↑" : mark == 2 ? "✗" : " ",
                     base | (mark ? draw_attr(mark == 1 ? STYLE_WARN : STYLE_ERROR) : 0));
    if (w >= 50) {
        char *author = wr_text_sanitize(e->author ? e->author : "", true);
        int aw = 10;
        int used = draw_text(y, x + col, aw, author ? author : "?", base | draw_attr(STYLE_AUTHOR));
        free(author);
        col += aw + 1;
        (void)used;
    }
    if (col >= w)
        return;
    char *text = wr_text_sanitize(e->text ? e->text : "", true);
    if (!text)
        return;
    /* Kinds recorded by warroom itself read as labels ("phase:"), so they cannot pass for notes. */
    int tattr = base | (e->kind == KIND_NOTE ? 0 : draw_attr(draw_kind_style(e->kind)));
    long m = tl->search ? find_ci(text, tl->search) : -1;
    if (m < 0) {
        draw_text(y, x + col, w - col, text, tattr);
    } else {
        size_t ml = strlen(tl->search);
        col += draw_textn(y, x + col, w - col, text, (size_t)m, tattr);
        col += draw_textn(y, x + col, w - col, text + m, ml, base | draw_attr(STYLE_MATCH));
        draw_text(y, x + col, w - col, text + m + ml, tattr);
    }
    free(text);
}

static void tl_draw(struct tui *t, void *state, struct ui_rect r)
{
    struct timeline *tl = state;
    if (r.h <= 0 || r.w <= 0)
        return;
    int body = r.h - 1;
    if (body != tl->height) {
        tl->height = body;
        tl->stale = true;
    }
    if (tl->stale)
        fetch(tl);

    /* Title rule: what is shown and where we are. */
    struct wr_buf title = {0};
    wr_buf_puts(&title, "Timeline");
    int n_kinds = 0;
    for (int k = 0; k < KIND_COUNT; k++)
        n_kinds += (tl->kinds >> k) & 1u;
    if (n_kinds > 3) {
        wr_buf_printf(&title, " [%d of %d kinds]", n_kinds, KIND_COUNT);
    } else if (tl->kinds) {
        wr_buf_puts(&title, " [");
        bool first = true;
        for (int k = 0; k < KIND_COUNT; k++)
            if (tl->kinds & (1u << k)) {
                wr_buf_printf(&title, "%s%s", first ? "" : ",", kind_name((enum entry_kind)k));
                first = false;
            }
        wr_buf_puts(&title, "]");
    }
    if (tl->search) {
        char *s = wr_text_sanitize(tl->search, true);
        wr_buf_printf(&title, " /%s", s ? s : "");
        free(s);
    }
    if (tl->n_rows > 0) {
        char day[32];
        wr_time_fmt(tl->rows[tl->n_rows - 1].at_ms, t->utc, "%Y-%m-%d", day, sizeof day);
        char zone[32];
        tz_label(tl->rows[tl->n_rows - 1].at_ms, zone, sizeof zone);
        wr_buf_printf(&title, " %s %s", day, t->utc ? "UTC" : zone);
    }
    draw_rule(r.y, r.x, r.w, title.data ? title.data : "Timeline", draw_attr(STYLE_RULE));
    wr_buf_free(&title);
    char pos[64];
    bool following;
    timeline_position(t, pos, sizeof pos, &following);
    char right[96];
    snprintf(right, sizeof right, " %s%s ", pos, following ? "" : " SCROLLED");
    int rw = (int)cells_width(right, strlen(right));
    if (r.w > rw + 30)
        draw_text(r.y, r.x + r.w - rw - 2, rw, right,
                  following ? draw_attr(STYLE_RULE) : draw_attr(STYLE_WARN));

    if (body <= 0)
        return;
    if (t->inc.id == 0) {
        draw_text(r.y + 1, r.x + 1, r.w - 1, "No incident open.", draw_attr(STYLE_DIM));
        return;
    }
    if (tl->n_rows == 0) {
        const char *msg = tl->kinds ? "No entries of these kinds (f to change the filter)."
                                    : "No entries yet. Type what happens and press Enter.";
        draw_text(r.y + r.h - 1, r.x + 1, r.w - 1, msg, draw_attr(STYLE_DIM));
        return;
    }
    /* Newest at the bottom: a short page sits right above the input line. */
    int y0 = r.y + 1 + body - (int)tl->n_rows;
    for (size_t i = 0; i < tl->n_rows; i++)
        draw_entry(tl, &tl->rows[i], y0 + (int)i, r.x, r.w);
}

static void tl_reload(struct tui *t, void *state)
{
    struct timeline *tl = state;
    tl->stale = true;
    tl->counts_stale = true;
    if (t->inc.id == 0 || (tl->n_rows > 0 && tl->rows[0].incident_id != t->inc.id)) {
        tl->follow = true;
        tl->selected_id = 0;
    }
}

static void tl_destroy(void *state)
{
    struct timeline *tl = state;
    free_rows(tl);
    free(tl->search);
    free(tl);
}

static const struct ui_view_ops timeline_ops = {
    .name = "timeline",
    .size = tl_size,
    .draw = tl_draw,
    .reload = tl_reload,
    .destroy = tl_destroy,
};

int timeline_view_open(struct tui *t, struct ui_view *v)
{
    struct timeline *tl = calloc(1, sizeof *tl);
    if (!tl)
        return -1;
    tl->t = t;
    tl->follow = true;
    tl->stale = true;
    tl->counts_stale = true;
    tl->matches = -1;
    v->ops = &timeline_ops;
    v->state = tl;
    t->timeline = tl;
    return 0;
}
