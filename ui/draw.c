/* draw.c: the theme and width-aware, clipped text drawing on stdscr. */
#include "draw.h"

#include <curses.h>
#include <stdlib.h>
#include <wchar.h>

#include "cells.h"

static int g_attr[STYLE_COUNT];
static bool g_color;

static void set_pair(enum ui_style s, short pair, short fg, short bg, int extra)
{
    if (g_color && init_pair(pair, fg, bg) == OK)
        g_attr[s] = (int)COLOR_PAIR(pair) | extra;
}

void draw_theme_init(void)
{
    const char *nc = getenv("NO_COLOR");
    g_color = has_colors() && !(nc && nc[0]);
    short bg = -1;
    if (g_color) {
        start_color();
        if (use_default_colors() != OK)
            bg = COLOR_BLACK;
    }

    /* Monochrome first: every style readable with attributes alone. */
    for (int i = 0; i < STYLE_COUNT; i++)
        g_attr[i] = A_NORMAL;
    g_attr[STYLE_DIM] = A_DIM;
    g_attr[STYLE_BAR] = A_REVERSE;
    g_attr[STYLE_TITLE] = A_REVERSE | A_BOLD;
    g_attr[STYLE_RULE] = A_DIM;
    g_attr[STYLE_SEV1] = A_REVERSE | A_BOLD;
    g_attr[STYLE_SEV2] = A_REVERSE | A_BOLD;
    g_attr[STYLE_SEV3] = A_BOLD;
    g_attr[STYLE_SEV4] = A_BOLD;
    g_attr[STYLE_SEV_NONE] = A_UNDERLINE;
    g_attr[STYLE_DEMO] = A_BOLD | A_UNDERLINE;
    g_attr[STYLE_ERROR] = A_BOLD | A_REVERSE;
    g_attr[STYLE_OK] = A_BOLD;
    g_attr[STYLE_WARN] = A_BOLD;
    g_attr[STYLE_KEY] = A_BOLD;
    g_attr[STYLE_SELECTED] = A_REVERSE;
    g_attr[STYLE_MATCH] = A_UNDERLINE | A_BOLD;
    g_attr[STYLE_PIN] = A_BOLD;
    g_attr[STYLE_TIME] = A_DIM;
    g_attr[STYLE_AUTHOR] = A_NORMAL;
    g_attr[STYLE_PROMPT] = A_BOLD;
    g_attr[STYLE_BOX] = A_NORMAL;
    g_attr[STYLE_KIND_FIRST + KIND_DECISION] = A_BOLD;
    g_attr[STYLE_KIND_FIRST + KIND_ALERT] = A_BOLD;
    g_attr[STYLE_KIND_FIRST + KIND_MILESTONE] = A_BOLD;
    g_attr[STYLE_KIND_FIRST + KIND_PHASE] = A_BOLD;
    g_attr[STYLE_KIND_FIRST + KIND_SEVERITY] = A_BOLD;
    if (!g_color)
        return;

    /* Colour on top; foregrounds only on the default background (no bright backgrounds). */
    short p = 1;
    set_pair(STYLE_BAR, p++, COLOR_WHITE, COLOR_BLUE, 0);
    set_pair(STYLE_TITLE, p++, COLOR_WHITE, COLOR_BLUE, A_BOLD);
    set_pair(STYLE_RULE, p++, COLOR_BLUE, bg, 0);
    set_pair(STYLE_SEV1, p++, COLOR_WHITE, COLOR_RED, A_BOLD);
    set_pair(STYLE_SEV2, p++, COLOR_BLACK, COLOR_YELLOW, A_BOLD);
    set_pair(STYLE_SEV3, p++, COLOR_BLACK, COLOR_CYAN, 0);
    set_pair(STYLE_SEV4, p++, COLOR_BLACK, COLOR_WHITE, 0);
    set_pair(STYLE_SEV_NONE, p++, COLOR_WHITE, COLOR_MAGENTA, 0);
    set_pair(STYLE_DEMO, p++, COLOR_YELLOW, COLOR_BLUE, A_BOLD);
    set_pair(STYLE_ERROR, p++, COLOR_RED, bg, A_BOLD);
    set_pair(STYLE_OK, p++, COLOR_GREEN, bg, A_BOLD);
    set_pair(STYLE_WARN, p++, COLOR_YELLOW, bg, A_BOLD);
    set_pair(STYLE_KEY, p++, COLOR_CYAN, bg, A_BOLD);
    set_pair(STYLE_MATCH, p++, COLOR_YELLOW, bg, A_BOLD | A_UNDERLINE);
    set_pair(STYLE_PIN, p++, COLOR_YELLOW, bg, A_BOLD);
    set_pair(STYLE_TIME, p++, COLOR_CYAN, bg, 0);
    set_pair(STYLE_AUTHOR, p++, COLOR_GREEN, bg, 0);
    set_pair(STYLE_PROMPT, p++, COLOR_CYAN, bg, A_BOLD);
    set_pair(STYLE_BOX, p++, COLOR_CYAN, bg, 0);
    static const struct {
        enum entry_kind k;
        short fg;
        int extra;
    } kinds[] = {
        {KIND_ACTION, COLOR_CYAN, 0},          {KIND_DECISION, COLOR_MAGENTA, A_BOLD},
        {KIND_HYPOTHESIS, COLOR_YELLOW, 0},    {KIND_TODO, COLOR_GREEN, 0},
        {KIND_COMMS, COLOR_BLUE, A_BOLD},      {KIND_ALERT, COLOR_RED, A_BOLD},
        {KIND_MILESTONE, COLOR_WHITE, A_BOLD}, {KIND_PHASE, COLOR_WHITE, A_BOLD},
        {KIND_SEVERITY, COLOR_RED, 0},         {KIND_ROLE, COLOR_CYAN, 0},
        {KIND_SLI, COLOR_GREEN, 0},            {KIND_FACT, COLOR_YELLOW, A_BOLD},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        set_pair((enum ui_style)(STYLE_KIND_FIRST + kinds[i].k), p++, kinds[i].fg, bg,
                 kinds[i].extra);
}

bool draw_theme_color(void) { return g_color; }

int draw_attr(enum ui_style s) { return (s >= 0 && s < STYLE_COUNT) ? g_attr[s] : (int)A_NORMAL; }

enum ui_style draw_kind_style(enum entry_kind k)
{
    if ((int)k < 0 || k >= KIND_COUNT)
        return STYLE_NORMAL;
    return (enum ui_style)(STYLE_KIND_FIRST + k);
}

enum ui_style draw_sev_style(int sev)
{
    switch (sev) {
    case 1: return STYLE_SEV1;
    case 2: return STYLE_SEV2;
    case 3: return STYLE_SEV3;
    case 4: return STYLE_SEV4;
    default: return STYLE_SEV_NONE;
    }
}

int draw_textn(int y, int x, int max_cells, const char *s, size_t len, int attr)
{
    int rows = LINES, cols = COLS;
    if (y < 0 || y >= rows || x < 0 || x >= cols || max_cells <= 0 || !s)
        return 0;
    if (max_cells > cols - x)
        max_cells = cols - x;
    wchar_t wbuf[256];
    int n = 0, used = 0;
    size_t i = 0;
    move(y, x);
    attrset(attr);
    while (i < len && s[i]) {
        uint32_t cp;
        i += cells_decode(s + i, len - i, &cp);
        int w = cells_cp_width(cp);
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || wcwidth((wchar_t)cp) < 0) {
            cp = '?';
            w = 1;
        }
        if (w == 0 && used == 0)
            continue; /* a combining mark with no base here */
        if (used + w > max_cells)
            break;
        wbuf[n++] = (wchar_t)cp;
        used += w;
        if (n >= (int)(sizeof wbuf / sizeof wbuf[0]) - 1) {
            addnwstr(wbuf, n);
            n = 0;
        }
    }
    if (n > 0)
        addnwstr(wbuf, n);
    attrset(A_NORMAL);
    return used;
}

int draw_text(int y, int x, int max_cells, const char *s, int attr)
{
    return draw_textn(y, x, max_cells, s, (size_t)-1 / 2, attr);
}

void draw_fill(int y, int x, int w, int attr)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
        return;
    if (w > COLS - x)
        w = COLS - x;
    attrset(attr);
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

void draw_rule(int y, int x, int w, const char *title, int attr)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
        return;
    if (w > COLS - x)
        w = COLS - x;
    attrset(attr);
    mvhline(y, x, ACS_HLINE, w);
    attrset(A_NORMAL);
    if (title && title[0] && w > 4) {
        int used = draw_text(y, x + 2, w - 4, " ", attr);
        used += draw_text(y, x + 2 + used, w - 4 - used, title, attr | A_BOLD);
        draw_text(y, x + 2 + used, w - 4 - used, " ", attr);
    }
}

struct ui_rect draw_box(struct ui_rect r, const char *title)
{
    struct ui_rect inner = {r.y + 1, r.x + 1, r.h - 2, r.w - 2};
    int attr = draw_attr(STYLE_BOX);
    for (int i = 0; i < r.h; i++)
        draw_fill(r.y + i, r.x, r.w, A_NORMAL);
    if (r.h < 3 || r.w < 3) {
        inner = r;
        return inner;
    }
    attrset(attr);
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    /* The bottom-right corner of the screen cannot be written without scrolling; skip it. */
    if (!(r.y + r.h == LINES && r.x + r.w == COLS))
        mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    attrset(A_NORMAL);
    if (title && r.w > 6) {
        int used = draw_text(r.y, r.x + 2, r.w - 4, " ", attr);
        used += draw_text(r.y, r.x + 2 + used, r.w - 4 - used, title, attr | A_BOLD);
        draw_text(r.y, r.x + 2 + used, r.w - 4 - used, " ", attr);
    }
    return inner;
}

struct ui_rect draw_center(int h, int w)
{
    struct ui_rect r;
    if (h > LINES)
        h = LINES;
    if (w > COLS)
        w = COLS;
    if (h < 0)
        h = 0;
    if (w < 0)
        w = 0;
    r.h = h;
    r.w = w;
    r.y = (LINES - h) / 2;
    r.x = (COLS - w) / 2;
    return r;
}
