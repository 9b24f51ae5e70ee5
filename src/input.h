/* input.h: the scribe's input-line grammar, one pure parser shared by the CLI and the TUI. */
#ifndef WARROOM_INPUT_H
#define WARROOM_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

/*
 * Grammar (documented for users in README.md, "The input line"):
 *
 *   line    := { prefix } text
 *   prefix  := '@' TIME ' '          backdate: @09:15, @-10m, @2026-11-21T09:15Z
 *            | '*'                   pin as a key event
 *            | GLYPH                 '!' decision, '>' action, '?' hypothesis, '+' todo,
 *                                    '~' comms, '#' alert
 *            | WORD ':' ' '          kind by name: note: action: decision: hypothesis: hyp:
 *                                    todo: comms: alert: (case-insensitive; TODO: works)
 *            | '\'                   ends the prefixes: the rest is literal text
 *   Each prefix may appear once, in any order; white space between prefixes is allowed.
 *   The text is the rest of the line, trimmed; newlines inside it (CLI only) are kept.
 *
 * Details that keep a line impossible to misread:
 *   - TIME runs to the next white space, so a date-time needs the T: @2026-11-21T09:15
 *     (@2026-11-21 09:15 is refused). A time more than 60 s after now is refused. A bare
 *     clock time that is ahead of now today is refused when it is less than 12 hours ahead
 *     (@10:30 at 10:05 is a typo) and means yesterday otherwise (@23:50 at 00:05).
 *   - Only the six glyphs above are prefixes; any other first character starts the text.
 *   - WORD is ASCII letters. A word that is not a kind name is text ("Re: x", "http://x");
 *     a kind name with no space after the colon ("todo:x") is refused, not stored as a note.
 *   - Text that must start with '@', '*', a glyph or "kind:" is written after '\'.
 *
 * Refused (with a message saying what to type instead): empty text, a prefix given twice,
 * two kinds, a malformed or future @time, text over 64 KiB, invalid UTF-8, and a kind
 * name that only warroom records (milestone:, severity:, role:, phase:, sli:).
 */
struct input_result {
    enum entry_kind kind;
    bool pinned;
    bool backdated;
    int64_t at_ms; /* now_ms unless backdated */
    char *text;    /* malloc'd, trimmed; owned by the result */
};

/* Parse one input line. On success fills *out (free with input_result_clear) and returns 0;
 * on failure returns -1 with err (WR_E_INPUT) and leaves *out empty. The line is not changed. */
int input_parse(const char *line, int64_t now_ms, struct input_result *out,
                struct wr_error *err);
void input_result_clear(struct input_result *r);

#endif
