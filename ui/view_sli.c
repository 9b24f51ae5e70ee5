/* view_sli.c: the SLI panel area; states that nothing is configured until panels are added. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "sli.h"

struct sli_area {
    struct {
        const struct sli_panel_ops *ops;
        void *state;
    } panels[SLI_MAX_PANELS];
    int n;
    int page;           /* first panel shown = page * panels per screen */
    int per_page;       /* panels that fit at the last draw */
    char message[512];  /* shown instead of panels when set (sanitised) */
    bool message_error;
};

static struct sli_area *g_area; /* one per process, like the screen */

int sli_area_add(struct tui *t, const struct sli_panel_ops *ops, void *state)
{
    if (!g_area || g_area->n == SLI_MAX_PANELS) {
        if (ops->destroy)
            ops->destroy(state);
        return -1;
    }
    g_area->panels[g_area->n].ops = ops;
    g_area->panels[g_area->n].state = state;
    g_area->n++;
    tui_dirty(t);
    return 0;
}

void sli_area_clear(struct tui *t)
{
    if (!g_area)
        return;
    for (int i = 0; i < g_area->n; i++)
        if (g_area->panels[i].ops->destroy)
            g_area->panels[i].ops->destroy(g_area->panels[i].state);
    g_area->n = 0;
    tui_dirty(t);
}

void sli_area_set_message(struct tui *t, bool error, const char *fmt, ...)
{
    if (!g_area)
        return;
    char raw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char *safe = wr_text_sanitize(raw, true);
    snprintf(g_area->message, sizeof g_area->message, "%s", safe ? safe : "");
    free(safe);
    g_area->message_error = error;
    tui_dirty(t);
}

void sli_area_next_page(struct tui *t)
{
    if (!g_area || g_area->n == 0)
        return;
    int per = g_area->per_page > 0 ? g_area->per_page : 1;
    g_area->page = (g_area->page + 1) * per >= g_area->n ? 0 : g_area->page + 1;
    int first = g_area->page * per, last = first + per < g_area->n ? first + per : g_area->n;
    tui_message(t, false, "SLI panels %d-%d of %d", first + 1, last, g_area->n);
    tui_dirty(t);
}

static void sa_size(struct tui *t, void *state, int rows, int cols, int *min_rows, int *want)
{
    struct sli_area *a = state;
    *min_rows = 0;
    /* 1 rule + one row of panels at 80x24 (two side by side); a second row when the panels
     * wrap and the screen is tall; a one-line summary area on short screens. */
    int per_row = cols / SLI_PANEL_MIN_WIDTH > 0 ? cols / SLI_PANEL_MIN_WIDTH : 1;
    int panel_rows = a->n > per_row ? 2 : 1;
    if (rows < 12)
        *want = 0;
    else if (rows < 16)
        *want = 3; /* rule + value row + state row */
    else if (rows < 40)
        *want = 1 + SLI_PANEL_ROWS;
    else if (panel_rows == 1)
        *want = rows / 6 > 12 ? 12 : rows / 6;
    else
        *want = rows / 6 > 1 + 2 * SLI_PANEL_ROWS + 1 ? (rows / 6 > 12 ? 12 : rows / 6)
                                                      : 1 + 2 * SLI_PANEL_ROWS + 1;
}

static void sa_draw(struct tui *t, void *state, struct ui_rect r)
{
    struct sli_area *a = state;
    if (r.h <= 0 || r.w <= 0)
        return;
    draw_rule(r.y, r.x, r.w, "SLIs", draw_attr(STYLE_RULE));
    struct ui_rect body = {r.y + 1, r.x, r.h - 1, r.w};
    if (body.h <= 0)
        return;
    if (a->message[0]) {
        draw_text(body.y, body.x + 1, body.w - 1, a->message,
                  draw_attr(a->message_error ? STYLE_ERROR : STYLE_DIM));
        return;
    }
    if (a->n == 0) {
        const char *cfg = t->req->config_path ? t->req->config_path
                                              : "~/.config/warroom/config.json";
        char line[512];
        draw_text(body.y, body.x + 1, body.w - 1, "No SLIs configured.", draw_attr(STYLE_DIM));
        snprintf(line, sizeof line, "Add services[].slis to %s (example: data/example-config.json)",
                 cfg);
        if (body.h > 1) {
            char *safe = wr_text_sanitize(line, true);
            draw_text(body.y + 1, body.x + 1, body.w - 1, safe ? safe : "", draw_attr(STYLE_DIM));
            free(safe);
        }
        return;
    }
    /* Panels fill rows of per_row; a row needs SLI_PANEL_ROWS (fewer on short screens, where
     * the panel drops its lower rows) plus one blank row between rows of panels. */
    int per_row = body.w / SLI_PANEL_MIN_WIDTH;
    if (per_row < 1)
        per_row = 1;
    int grid_rows = body.h >= 2 * SLI_PANEL_ROWS + 1 ? (body.h + 1) / (SLI_PANEL_ROWS + 1) : 1;
    int row_h = grid_rows > 1 ? SLI_PANEL_ROWS : body.h;
    a->per_page = per_row * grid_rows;
    if (a->page * a->per_page >= a->n)
        a->page = 0;
    int first = a->page * a->per_page;
    int shown = a->n - first < a->per_page ? a->n - first : a->per_page;
    int cols = shown < per_row ? shown : per_row;
    int w = body.w / cols;
    for (int i = 0; i < shown; i++) {
        int gr = i / per_row, gc = i % per_row;
        struct ui_rect pr = {body.y + gr * (SLI_PANEL_ROWS + 1), body.x + gc * w, row_h,
                             gc == cols - 1 ? body.w - gc * w : w - 1};
        a->panels[first + i].ops->draw(t, a->panels[first + i].state, pr);
    }
    if (shown < a->n) {
        char more[64];
        snprintf(more, sizeof more, " %d-%d of %d (] more) ", first + 1, first + shown, a->n);
        int mw = (int)strlen(more);
        if (mw < r.w - 8)
            draw_text(r.y, r.x + r.w - mw - 1, mw, more, draw_attr(STYLE_WARN));
    }
}

/* Real ms until panel i moves by itself, or -1. */
static int64_t panel_wait(struct tui *t, struct sli_area *a, int i)
{
    if (a->panels[i].ops->next_tick)
        return a->panels[i].ops->next_tick(t, a->panels[i].state);
    return a->panels[i].ops->tick ? 1000 : -1;
}

static void sa_tick(struct tui *t, void *state)
{
    struct sli_area *a = state;
    for (int i = 0; i < a->n; i++)
        if (a->panels[i].ops->tick && (!a->panels[i].ops->next_tick || panel_wait(t, a, i) == 0))
            a->panels[i].ops->tick(t, a->panels[i].state);
}

static int64_t sa_next_tick(struct tui *t, void *state)
{
    struct sli_area *a = state;
    int64_t wait = -1;
    for (int i = 0; i < a->n; i++) {
        int64_t w = panel_wait(t, a, i);
        if (w >= 0 && (wait < 0 || w < wait))
            wait = w;
    }
    return wait;
}

static void sa_destroy(void *state)
{
    struct sli_area *a = state;
    for (int i = 0; i < a->n; i++)
        if (a->panels[i].ops->destroy)
            a->panels[i].ops->destroy(a->panels[i].state);
    if (g_area == a)
        g_area = NULL;
    free(a);
}

static const struct ui_view_ops sli_ops = {
    .name = "sli",
    .size = sa_size,
    .draw = sa_draw,
    .tick = sa_tick,
    .next_tick = sa_next_tick,
    .destroy = sa_destroy,
};

int sli_view_open(struct tui *t, struct ui_view *v)
{
    struct sli_area *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    g_area = a;
    v->ops = &sli_ops;
    v->state = a;
    return 0;
}
