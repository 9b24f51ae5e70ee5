/* timeline.h: commands on the timeline panel (scrolling, search, kind filter, pinned jumps). */
#ifndef WARROOM_UI_TIMELINE_H
#define WARROOM_UI_TIMELINE_H

#include <stdbool.h>

struct tui;

/* Scroll by `lines` entries: negative towards older entries, positive towards newer. */
void timeline_scroll(struct tui *t, int lines);
/* Scroll by screenfuls (pages < 0: older). */
void timeline_page(struct tui *t, int pages);
/* To the oldest entry; the cursor goes to it too. */
void timeline_top(struct tui *t);
/* Back to the newest entry and follow new ones; the cursor goes to it too. */
void timeline_bottom(struct tui *t);
/* The entry under the cursor is going away (deleted): the cursor moves to the next newer
 * visible entry, else the next older one, so the next key acts on a neighbour. */
void timeline_cursor_step_aside(struct tui *t);
/* Set the search text (NULL or "" clears it) and jump to the newest match. */
void timeline_search(struct tui *t, const char *text);
const char *timeline_search_text(const struct tui *t);
/* Jump to the next match: older when `older`, else newer. */
void timeline_search_next(struct tui *t, bool older);
/* Jump to the previous (older) or next (newer) pinned entry. */
void timeline_pinned_next(struct tui *t, bool older);
/* Show only these kinds (bit mask of 1u << kind; 0 = all). */
void timeline_set_kinds(struct tui *t, unsigned kinds);
unsigned timeline_kinds(const struct tui *t);
/* The entry under the cursor (the selection), when it is on screen; NULL otherwise. Valid
 * until the timeline refetches (the next key or reload). */
struct entry;
const struct entry *timeline_selected(struct tui *t);
/* Put the cursor on the newest visible entry unless one is already selected on screen. */
void timeline_cursor_ensure(struct tui *t);
/* Move the cursor by `delta` entries (negative: older), scrolling to keep it on screen. */
void timeline_cursor(struct tui *t, int delta);
/* Forget the selection (the highlighted match). */
void timeline_clear_selection(struct tui *t);
/* "42-55/1200" style position text and whether the view follows new entries. */
void timeline_position(const struct tui *t, char *buf, size_t n, bool *following);

#endif
