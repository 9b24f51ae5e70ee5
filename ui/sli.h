/* sli.h: the SLI panel area: a row of SLI panels, each behind its own ops table. */
#ifndef WARROOM_UI_SLI_H
#define WARROOM_UI_SLI_H

#include "draw.h"

struct tui;

/* One SLI panel. The SLI issue implements these for each configured SLI. */
struct sli_panel_ops {
    const char *name;
    /* Draw the panel in r (r.w >= SLI_PANEL_MIN_WIDTH unless the screen is narrower). */
    void (*draw)(struct tui *t, void *state, struct ui_rect r);
    /* Once a second (age of the last sample, replay clock). */
    void (*tick)(struct tui *t, void *state);
    void (*destroy)(void *state);
};

#define SLI_PANEL_MIN_WIDTH 38
#define SLI_MAX_PANELS 16

/* Add a panel to the area (takes ownership of state). Returns 0, or -1 when full. */
int sli_area_add(struct tui *t, const struct sli_panel_ops *ops, void *state);
/* Remove and destroy every panel (config reload). */
void sli_area_clear(struct tui *t);

#endif
