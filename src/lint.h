/* lint.h: the blameless check: flags blaming language in postmortem text with line numbers. */
#ifndef WARROOM_LINT_H
#define WARROOM_LINT_H

#include <stddef.h>

#include "util.h"

struct lint_rules;

/* Load the word lists (data/blameless.json format). -1 with err naming the file and field. */
int lint_rules_load(const char *path, struct lint_rules **out, struct wr_error *err);
/* Same from JSON text; `name` is used in messages. */
int lint_rules_parse(const char *text, const char *name, struct lint_rules **out,
                     struct wr_error *err);
/* Add a person's name (a responder): the name followed by a fault word is flagged. */
int lint_rules_add_name(struct lint_rules *r, const char *name);
void lint_rules_free(struct lint_rules **r);

struct lint_finding {
    int line;          /* 1-based */
    char *match;       /* the words flagged, as written */
    char *suggestion;  /* neutral rephrasing advice */
};

struct lint_report {
    struct lint_finding *items;
    size_t count, cap;
    int line; /* lines seen so far by lint_feed */
    int oom;
};

/* Check one line (no newline) as line number `lineno`, appending findings to rep. Text in
 * `code spans`, in "double quotes" (“ ” too) and lines starting with '>' (quoted logs) are
 * not checked. */
void lint_line(const struct lint_rules *r, const char *line, size_t len, int lineno,
               struct lint_report *rep);
/* Check a whole text, numbering its lines after rep->line (so texts can be fed in pieces,
 * each ending at a line break). */
void lint_feed(const struct lint_rules *r, const char *text, size_t len, struct lint_report *rep);
/* Move the findings of `from` (a text checked on its own, lines numbered from 1) to the end of
 * `to`, as if that text had been fed to `to` after what it holds: their lines are renumbered
 * after to->line. `from` is left empty. -1 (to->oom set, `from` untouched) when out of memory. */
int lint_report_append(struct lint_report *to, struct lint_report *from);
void lint_report_clear(struct lint_report *rep);

#endif
