/* template.h: a Mustache template engine over cJSON data, with escaping chosen by destination. */
#ifndef WARROOM_TEMPLATE_H
#define WARROOM_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util.h"

/* How escaped interpolations ({{x}}) are written; {{{x}}} and {{&x}} are always raw. */
enum tpl_escape {
    TPL_ESCAPE_HTML,     /* & < > " become entities (the Mustache spec's rule) */
    TPL_ESCAPE_NONE,     /* text as is (plain-text e-mail, terminal) */
    TPL_ESCAPE_MARKDOWN, /* inline markup \ ` * _ { } [ ] < > | ~ & backslash-escaped; block
                            markers (# - + = "1.") too when the value starts a line; newlines
                            become spaces, other control characters are dropped */
    TPL_ESCAPE_SLACK,    /* & < > become &amp; &lt; &gt; (Slack mrkdwn control characters) */
};

/*
 * Partial loader: put the text of partial `name` in *text (malloc'd, the engine frees it) and
 * return 0; return 1 when there is no such partial (rendered as empty, or an error in strict
 * mode); return -1 with err filled for a real failure (unreadable file), which stops rendering.
 */
typedef int (*tpl_partial_fn)(void *ctx, const char *name, char **text, struct wr_error *err);

struct tpl_options {
    enum tpl_escape escape;
    bool strict;                 /* unknown names and missing partials are errors */
    tpl_partial_fn load_partial; /* NULL: every partial is missing */
    void *partial_ctx;
    long max_steps;              /* 0: TPL_MAX_STEPS; fuzzing sets less to spend its time
                                    on parsing rather than on 2^n nested loops */
};

#define TPL_MAX_PARTIAL_DEPTH 64 /* partials including partials, deeper is an error */
#define TPL_MAX_NESTING 512      /* sections + partials open at once, deeper is an error */
/* Tags and texts rendered per call: 30 nested loops over two items would otherwise run 2^30. */
#define TPL_MAX_STEPS 10000000L

/*
 * Render Mustache template `tpl` with `data` as the root context. opt NULL means HTML escaping,
 * not strict, no partials. On success returns 0 and *out is a malloc'd string the caller
 * frees. On failure returns -1, *out is NULL, and err (WR_E_INPUT for a malformed template or
 * a strict-mode miss, WR_E_NOMEM) names the problem and its line.
 */
int tpl_render(const char *tpl, const cJSON *data, const struct tpl_options *opt, char **out,
               struct wr_error *err);

/* Append s[0..len) to b escaped for `mode`, as if it started a line (the safe assumption for
 * Markdown). Shared with code that builds messages by hand. */
void tpl_escape_append(struct wr_buf *b, const char *s, size_t len, enum tpl_escape mode);
/* Parse "html", "none", "markdown" or "slack". 0, or -1 with err naming the accepted values. */
int tpl_escape_parse(const char *name, enum tpl_escape *out, struct wr_error *err);
/* The name tpl_escape_parse accepts for a mode. */
const char *tpl_escape_name(enum tpl_escape mode);

/*
 * A tpl_partial_fn reading partials from a directory: ctx is the directory path (const char *),
 * partial NAME is the file DIR/NAME.mustache. Names with '/' or a leading '.' are refused so a
 * template cannot read files outside the directory.
 */
int tpl_partials_from_dir(void *ctx, const char *name, char **text, struct wr_error *err);

/*
 * Render the template file `template_path` with the JSON file `data_path` as data. Partials are
 * read from `partials_dir`, or from the template's own directory when it is NULL (opt's loader
 * is ignored). opt's escape and strict are used (opt NULL: HTML, not strict). Errors name the
 * file and, for bad JSON, the line and column. *out as for tpl_render.
 */
int tpl_render_files(const char *template_path, const char *data_path, const char *partials_dir,
                     const struct tpl_options *opt, char **out, struct wr_error *err);

#endif
