/* lineedit.c: the input line's UTF-8 line editor (pure; see lineedit.h). */
#include "lineedit.h"

#include <stdlib.h>
#include <string.h>

#include "cells.h"

struct lineedit {
    char *buf;
    size_t len, cap, max;
    size_t cursor;
    size_t scroll; /* byte offset of the first visible character */
    unsigned gen;
    char *history[LINEEDIT_HISTORY_MAX]; /* oldest first */
    size_t n_history;
    size_t browse; /* == n_history when not browsing */
    char *draft;   /* what was being typed when browsing started */
};

struct lineedit *lineedit_new(size_t max_bytes)
{
    struct lineedit *le = calloc(1, sizeof *le);
    if (!le)
        return NULL;
    le->cap = 64;
    le->buf = malloc(le->cap);
    if (!le->buf) {
        free(le);
        return NULL;
    }
    le->buf[0] = '\0';
    le->max = max_bytes;
    return le;
}

void lineedit_free(struct lineedit **lep)
{
    if (!lep || !*lep)
        return;
    struct lineedit *le = *lep;
    for (size_t i = 0; i < le->n_history; i++)
        free(le->history[i]);
    free(le->draft);
    free(le->buf);
    free(le);
    *lep = NULL;
}

const char *lineedit_text(const struct lineedit *le) { return le->buf; }
size_t lineedit_len(const struct lineedit *le) { return le->len; }
bool lineedit_empty(const struct lineedit *le) { return le->len == 0; }
size_t lineedit_cursor(const struct lineedit *le) { return le->cursor; }
unsigned lineedit_generation(const struct lineedit *le) { return le->gen; }

static int reserve(struct lineedit *le, size_t need)
{
    if (need + 1 <= le->cap)
        return 0;
    size_t cap = le->cap;
    while (cap < need + 1)
        cap *= 2;
    char *p = realloc(le->buf, cap);
    if (!p)
        return -1;
    le->buf = p;
    le->cap = cap;
    return 0;
}

/* Keep only printable, valid UTF-8 from src; tabs become spaces. Returns a malloc'd copy. */
static char *clean(const char *src, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    size_t o = 0, i = 0;
    if (!out)
        return NULL;
    while (i < len) {
        uint32_t cp;
        size_t k = cells_decode(src + i, len - i, &cp);
        if (cp == '\t') {
            out[o++] = ' ';
        } else if (cp == 0xFFFD && k == 1) {
            /* malformed byte: dropped */
        } else if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0)) {
            memcpy(out + o, src + i, k);
            o += k;
        }
        i += k;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static void changed(struct lineedit *le)
{
    le->gen++;
    le->browse = le->n_history;
}

int lineedit_insert(struct lineedit *le, const char *utf8, size_t len)
{
    size_t n;
    char *c = clean(utf8, len, &n);
    int rc = -1;
    if (!c)
        return -1;
    if (n == 0) {
        rc = 0;
        goto out;
    }
    if (le->len + n > le->max || reserve(le, le->len + n) < 0)
        goto out;
    memmove(le->buf + le->cursor + n, le->buf + le->cursor, le->len - le->cursor + 1);
    memcpy(le->buf + le->cursor, c, n);
    le->len += n;
    le->cursor += n;
    changed(le);
    rc = 0;
out:
    free(c);
    return rc;
}

int lineedit_insert_cp(struct lineedit *le, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return lineedit_insert(le, u, n);
}

/* Replace the whole text without touching history browsing state. */
static int replace_text(struct lineedit *le, const char *text)
{
    size_t n;
    char *c = clean(text, strlen(text), &n);
    if (!c)
        return -1;
    if (n > le->max || reserve(le, n) < 0) {
        free(c);
        return -1;
    }
    memcpy(le->buf, c, n + 1);
    free(c);
    le->len = n;
    le->cursor = n;
    le->scroll = 0;
    le->gen++;
    return 0;
}

int lineedit_set(struct lineedit *le, const char *text)
{
    if (replace_text(le, text) < 0)
        return -1;
    le->browse = le->n_history;
    return 0;
}

void lineedit_clear(struct lineedit *le)
{
    le->len = 0;
    le->cursor = 0;
    le->scroll = 0;
    le->buf[0] = '\0';
    changed(le);
}

void lineedit_left(struct lineedit *le) { le->cursor = cells_prev(le->buf, le->len, le->cursor); }
void lineedit_right(struct lineedit *le) { le->cursor = cells_next(le->buf, le->len, le->cursor); }
void lineedit_home(struct lineedit *le) { le->cursor = 0; }
void lineedit_end(struct lineedit *le) { le->cursor = le->len; }

static bool is_space_at(const struct lineedit *le, size_t pos) { return le->buf[pos] == ' '; }

static size_t word_start_before(const struct lineedit *le, size_t pos)
{
    while (pos > 0) {
        size_t p = cells_prev(le->buf, le->len, pos);
        if (!is_space_at(le, p))
            break;
        pos = p;
    }
    while (pos > 0) {
        size_t p = cells_prev(le->buf, le->len, pos);
        if (is_space_at(le, p))
            break;
        pos = p;
    }
    return pos;
}

void lineedit_word_left(struct lineedit *le) { le->cursor = word_start_before(le, le->cursor); }

void lineedit_word_right(struct lineedit *le)
{
    size_t pos = le->cursor;
    while (pos < le->len && is_space_at(le, pos))
        pos = cells_next(le->buf, le->len, pos);
    while (pos < le->len && !is_space_at(le, pos))
        pos = cells_next(le->buf, le->len, pos);
    le->cursor = pos;
}

/* Delete bytes [from, to) and put the cursor at `from`. */
static void cut(struct lineedit *le, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(le->buf + from, le->buf + to, le->len - to + 1);
    le->len -= to - from;
    le->cursor = from;
    changed(le);
}

void lineedit_backspace(struct lineedit *le)
{
    cut(le, cells_prev(le->buf, le->len, le->cursor), le->cursor);
}

void lineedit_delete(struct lineedit *le)
{
    cut(le, le->cursor, cells_next(le->buf, le->len, le->cursor));
}

void lineedit_kill_word(struct lineedit *le) { cut(le, word_start_before(le, le->cursor), le->cursor); }
void lineedit_kill_to_start(struct lineedit *le) { cut(le, 0, le->cursor); }

void lineedit_kill_to_end(struct lineedit *le)
{
    size_t c = le->cursor;
    cut(le, c, le->len);
    le->cursor = c;
}

void lineedit_history_add(struct lineedit *le, const char *line)
{
    free(le->draft);
    le->draft = NULL;
    if (line[0] != '\0' &&
        (le->n_history == 0 || strcmp(le->history[le->n_history - 1], line) != 0)) {
        char *copy = strdup(line);
        if (copy) {
            if (le->n_history == LINEEDIT_HISTORY_MAX) {
                free(le->history[0]);
                memmove(le->history, le->history + 1, (LINEEDIT_HISTORY_MAX - 1) * sizeof(char *));
                le->n_history--;
            }
            le->history[le->n_history++] = copy;
        }
    }
    le->browse = le->n_history;
}

bool lineedit_history_prev(struct lineedit *le)
{
    if (le->browse == 0)
        return false;
    if (le->browse == le->n_history) {
        free(le->draft);
        le->draft = strdup(le->buf);
        if (!le->draft)
            return false;
    }
    if (replace_text(le, le->history[le->browse - 1]) < 0)
        return false;
    le->browse--;
    return true;
}

bool lineedit_history_next(struct lineedit *le)
{
    if (le->browse >= le->n_history)
        return false;
    le->browse++;
    const char *t = le->browse == le->n_history ? (le->draft ? le->draft : "")
                                                : le->history[le->browse];
    replace_text(le, t);
    if (le->browse == le->n_history) {
        free(le->draft);
        le->draft = NULL;
    }
    return true;
}

void lineedit_layout(struct lineedit *le, int width, size_t *start, int *cursor_col)
{
    if (width < 1)
        width = 1;
    if (le->scroll > le->cursor)
        le->scroll = le->cursor;
    /* Keep a few characters of context to the left when scrolling back. */
    if (le->scroll == le->cursor && le->scroll > 0) {
        for (int i = 0; i < width / 4 && le->scroll > 0; i++)
            le->scroll = cells_prev(le->buf, le->len, le->scroll);
    }
    /* The cursor needs its own cell after the text before it. */
    while (le->scroll < le->cursor &&
           cells_width(le->buf + le->scroll, le->cursor - le->scroll) + 1 > (size_t)width)
        le->scroll = cells_next(le->buf, le->len, le->scroll);
    /* Scroll back when the text got shorter and there is room again. */
    while (le->scroll > 0) {
        size_t p = cells_prev(le->buf, le->len, le->scroll);
        if (cells_width(le->buf + p, le->len - p) + 1 > (size_t)width ||
            cells_width(le->buf + p, le->cursor - p) + 1 > (size_t)width)
            break;
        le->scroll = p;
    }
    *start = le->scroll;
    *cursor_col = (int)cells_width(le->buf + le->scroll, le->cursor - le->scroll);
}
