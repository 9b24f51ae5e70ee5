/* cells.h: display-cell arithmetic over UTF-8 text (pure, no curses), shared by the editor and drawing. */
#ifndef WARROOM_UI_CELLS_H
#define WARROOM_UI_CELLS_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s[0..len) (len > 0). Returns the bytes consumed (>= 1); a malformed
 * sequence consumes one byte and yields U+FFFD. */
size_t cells_decode(const char *s, size_t len, uint32_t *cp);
/* Display cells of one code point: 0 for combining marks, 2 for wide (CJK, most emoji), 1 else.
 * Anything the locale calls unprintable counts 1 (it is drawn as '?'). */
int cells_cp_width(uint32_t cp);
/* Display cells of s[0..len). */
size_t cells_width(const char *s, size_t len);
/* Longest prefix of s[0..len) that fits in max_cells, never splitting a character or separating a
 * character from the combining marks that follow it. Returns its length in bytes; *used gets its
 * width (may be NULL). */
size_t cells_fit(const char *s, size_t len, size_t max_cells, size_t *used);
/* Byte offset of the character boundary before `pos` (0 stays 0), skipping combining marks so the
 * result is the start of a base character. */
size_t cells_prev(const char *s, size_t len, size_t pos);
/* Byte offset of the boundary after the character at `pos`, including its combining marks. */
size_t cells_next(const char *s, size_t len, size_t pos);

#endif
