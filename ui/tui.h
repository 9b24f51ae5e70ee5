/* tui.h: the terminal front's entry point, called by the CLI for `warroom tui`, `warroom` and `warroom demo`. */
#ifndef WARROOM_UI_TUI_H
#define WARROOM_UI_TUI_H

#include "cli.h"
#include "util.h"

/* Run the cockpit until the user quits. Returns 0, or -1 with err set when the database cannot be
 * opened, the incident does not exist, or there is no usable terminal (reported after the
 * terminal is restored). */
int tui_run(const struct tui_request *req, struct wr_error *err);

#endif
