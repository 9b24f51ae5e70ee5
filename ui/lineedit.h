/* lineedit.h: the input line's UTF-8 line editor. Pure: no curses, no I/O; keys are mapped by the UI. */
#ifndef WARROOM_UI_LINEEDIT_H
#define WARROOM_UI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lineedit;

/* Most lines kept in the history; older ones are dropped. */
#define LINEEDIT_HISTORY_MAX 200

/* New empty editor holding at most max_bytes of text. NULL on out of memory. */
struct lineedit *lineedit_new(size_t max_bytes);
/* Free the editor and its history; sets *le to NULL. Accepts NULL. */
void lineedit_free(struct lineedit **le);

/* Current text, always NUL-terminated, owned by the editor (valid until the next change). */
const char *lineedit_text(const struct lineedit *le);
size_t lineedit_len(const struct lineedit *le);
bool lineedit_empty(const struct lineedit *le);
/* Cursor as a byte offset into the text (always on a character boundary). */
size_t lineedit_cursor(const struct lineedit *le);
/* Bumped on every change to the text (for caching derived state such as a parse hint). */
unsigned lineedit_generation(const struct lineedit *le);

/* Replace the text (cursor at the end). Control characters and invalid UTF-8 are dropped.
 * Returns -1 (text unchanged) when it would exceed the size limit or memory runs out. */
int lineedit_set(struct lineedit *le, const char *text);
void lineedit_clear(struct lineedit *le);
/* Insert UTF-8 text at the cursor; control characters and invalid bytes are dropped (a pasted
 * tab becomes a space). Returns -1 and inserts nothing when the limit would be exceeded. */
int lineedit_insert(struct lineedit *le, const char *utf8, size_t len);
/* Insert one code point (a typed key). Control characters are refused (-1). */
int lineedit_insert_cp(struct lineedit *le, uint32_t cp);

/* Cursor movement by character (a base character with its combining marks). */
void lineedit_left(struct lineedit *le);
void lineedit_right(struct lineedit *le);
void lineedit_home(struct lineedit *le); /* Ctrl-A */
void lineedit_end(struct lineedit *le);  /* Ctrl-E */
/* Cursor to the start of the previous / end of the next word. */
void lineedit_word_left(struct lineedit *le);
void lineedit_word_right(struct lineedit *le);

void lineedit_backspace(struct lineedit *le);      /* delete the character before the cursor */
void lineedit_delete(struct lineedit *le);         /* delete the character under the cursor */
void lineedit_kill_word(struct lineedit *le);      /* Ctrl-W: delete the word before the cursor */
void lineedit_kill_to_start(struct lineedit *le);  /* Ctrl-U */
void lineedit_kill_to_end(struct lineedit *le);    /* Ctrl-K */

/* Remember a submitted line (empty lines and a repeat of the newest are not stored) and leave
 * history browsing. */
void lineedit_history_add(struct lineedit *le, const char *line);
/* Up: show the previous (older) history line; the unsent draft is kept and comes back when
 * Down walks past the newest. Return false when there is nothing further. */
bool lineedit_history_prev(struct lineedit *le);
bool lineedit_history_next(struct lineedit *le);

/*
 * Horizontal scrolling for a field `width` cells wide: adjusts the editor's scroll offset so the
 * cursor is visible, then gives the byte offset of the first visible character and the cursor's
 * column relative to it. The visible text is cells_fit(text + *start, ..., width).
 */
void lineedit_layout(struct lineedit *le, int width, size_t *start, int *cursor_col);

#endif
