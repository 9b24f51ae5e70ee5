/* view_sli.c: the SLI panel area; states that nothing is configured until panels are added. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "sli.h"

struct sli_area {
    struct {
        const struct sli_panel_ops *ops;
        void *state;
    } panels[SLI_MAX_PANELS];
    int n;
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

static void sa_size(struct tui *t, void *state, int rows, int cols, int *min_rows, int *want)
{
    *min_rows = 0;
    /* 1 rule + 4 panel rows at 80x24 (room for two panels side by side); more when tall. */
    if (rows < 16)
        *want = 0;
    else if (rows < 40)
        *want = 5;
    else
        *want = rows / 6 > 12 ? 12 : rows / 6;
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
    if (a->n == 0) {
        const char *cfg = t->req->config_path ? t->req->config_path
                                              : "~/.config/warroom/config.json";
        char line[512];
        draw_text(body.y, body.x + 1, body.w - 1, "No SLIs configured.", draw_attr(STYLE_DIM));
        snprintf(line, sizeof line, "Add services[].slis to %s (example: data/config.example.json)",
                 cfg);
        if (body.h > 1) {
            char *safe = wr_text_sanitize(line, true);
            draw_text(body.y + 1, body.x + 1, body.w - 1, safe ? safe : "", draw_attr(STYLE_DIM));
            free(safe);
        }
        return;
    }
    int per_row = body.w / SLI_PANEL_MIN_WIDTH;
    if (per_row < 1)
        per_row = 1;
    int shown = a->n < per_row ? a->n : per_row;
    int hidden = a->n - shown;
    int w = body.w / shown;
    for (int i = 0; i < shown; i++) {
        struct ui_rect pr = {body.y, body.x + i * w, body.h, i == shown - 1 ? body.w - i * w : w - 1};
        a->panels[i].ops->draw(t, a->panels[i].state, pr);
    }
    if (hidden > 0) {
        char more[32];
        snprintf(more, sizeof more, " +%d more ", hidden);
        draw_text(r.y, r.x + r.w - 12, 11, more, draw_attr(STYLE_WARN));
    }
}

static void sa_tick(struct tui *t, void *state)
{
    struct sli_area *a = state;
    for (int i = 0; i < a->n; i++)
        if (a->panels[i].ops->tick)
            a->panels[i].ops->tick(t, a->panels[i].state);
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
