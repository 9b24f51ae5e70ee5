/* draw.h: the theme (colour or monochrome) and width-aware, clipped text drawing on stdscr. */
#ifndef WARROOM_UI_DRAW_H
#define WARROOM_UI_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct ui_rect {
    int y, x, h, w;
};

/* Semantic styles; the theme maps each to colour + attributes, or attributes only. */
#define UI_STYLE_LIST(X)                                                                       \
    X(STYLE_NORMAL)                                                                            \
    X(STYLE_DIM)                                                                               \
    X(STYLE_BAR)       /* header bar */                                                        \
    X(STYLE_TITLE)     /* incident title */                                                    \
    X(STYLE_RULE)      /* section rules */                                                     \
    X(STYLE_SEV1)                                                                              \
    X(STYLE_SEV2)                                                                              \
    X(STYLE_SEV3)                                                                              \
    X(STYLE_SEV4)                                                                              \
    X(STYLE_SEV_NONE)                                                                          \
    X(STYLE_DEMO)                                                                              \
    X(STYLE_ERROR)                                                                             \
    X(STYLE_OK)                                                                                \
    X(STYLE_WARN)                                                                              \
    X(STYLE_KEY)       /* key names in hints */                                                \
    X(STYLE_SELECTED)                                                                          \
    X(STYLE_MATCH)                                                                             \
    X(STYLE_PIN)                                                                               \
    X(STYLE_TIME)                                                                              \
    X(STYLE_AUTHOR)                                                                            \
    X(STYLE_PROMPT)                                                                            \
    X(STYLE_BOX)

enum ui_style {
#define UI_X_ENUM(n) n,
    UI_STYLE_LIST(UI_X_ENUM)
#undef UI_X_ENUM
        STYLE_KIND_FIRST,
    STYLE_COUNT = STYLE_KIND_FIRST + KIND_COUNT
};

/* Pick colours (has_colors() and NO_COLOR unset) or attributes only. Call after initscr. */
void draw_theme_init(void);
bool draw_theme_color(void);
/* The curses attributes (including colour pair) of a style. */
int draw_attr(enum ui_style s);
enum ui_style draw_kind_style(enum entry_kind k);
enum ui_style draw_sev_style(int sev);

/*
 * Draw UTF-8 text at (y, x) using at most max_cells columns and never past the screen edge.
 * Control characters and anything unprintable become '?' (callers sanitise stored text first;
 * this is the last line of defence). A wide character that does not fit whole is left out.
 * Returns the cells drawn.
 */
int draw_text(int y, int x, int max_cells, const char *utf8, int attr);
/* The same for the first len bytes. */
int draw_textn(int y, int x, int max_cells, const char *utf8, size_t len, int attr);
/* Fill `w` cells with spaces in attr. */
void draw_fill(int y, int x, int w, int attr);
/* A horizontal rule across r's first row, with an optional title after two rule cells. */
void draw_rule(int y, int x, int w, const char *title, int attr);
/* Clear r and draw a box around it with an optional title; returns the inner rect. */
struct ui_rect draw_box(struct ui_rect r, const char *title);
/* A centred rect of at most h×w inside the screen (clipped to it). */
struct ui_rect draw_center(int h, int w);

#endif
