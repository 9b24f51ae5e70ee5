/* sli.h: the SLI panel area: a row of SLI panels, each behind its own ops table. */
#ifndef WARROOM_UI_SLI_H
#define WARROOM_UI_SLI_H

#include <stdbool.h>
#include <stdint.h>

#include "draw.h"

struct tui;

/* One SLI panel. The SLI issue implements these for each configured SLI. */
struct sli_panel_ops {
    const char *name;
    /* Draw the panel in r (r.w >= SLI_PANEL_MIN_WIDTH unless the screen is narrower). */
    void (*draw)(struct tui *t, void *state, struct ui_rect r);
    /* The panel's time came (see next_tick), or once a second without next_tick. */
    void (*tick)(struct tui *t, void *state);
    /* Real ms until the panel's text moves by itself (an age), or -1 (ui_view_ops.next_tick). */
    int64_t (*next_tick)(struct tui *t, void *state);
    void (*destroy)(void *state);
};

#define SLI_PANEL_MIN_WIDTH 38
#define SLI_MAX_PANELS 16

/* Add a panel to the area (takes ownership of state). Returns 0, or -1 when full. */
int sli_area_add(struct tui *t, const struct sli_panel_ops *ops, void *state);
/* Remove and destroy every panel (config reload). */
void sli_area_clear(struct tui *t);
/* Show a one-line message in the area instead of panels (a broken config; error=true draws
 * it as an error). An empty format clears it. */
void sli_area_set_message(struct tui *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Show the next page of panels when they do not all fit (wraps to the first). */
void sli_area_next_page(struct tui *t);

/* Rows of one panel: marker and name, value and sparkline, budget and burn, state text. */
#define SLI_PANEL_ROWS 4

#endif
