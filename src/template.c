/* template.c: Mustache (core spec, no lambdas) parsed to a flat node list, rendered over cJSON. */
#include "template.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TPL_MAX_DELIMITER 16 /* longest custom delimiter accepted, in bytes */

enum tpl_kind {
    TPL_TEXT,
    TPL_VAR,      /* {{x}}: escaped */
    TPL_RAW,      /* {{{x}}} or {{&x}} */
    TPL_SECTION,  /* {{#x}} ... {{/x}} */
    TPL_INVERTED, /* {{^x}} ... {{/x}} */
    TPL_PARTIAL,  /* {{>x}} */
};

/* One parsed piece. Text points into the document's source; names are their own strings. */
struct tpl_node {
    enum tpl_kind kind;
    const char *text; /* TPL_TEXT: bytes in doc->src */
    size_t len;
    char *name;   /* tag name, trimmed; NULL for text */
    int line;     /* line of the tag in its template, for messages */
    size_t end;   /* sections: index of the first node after the body */
    char *indent; /* standalone partials: the whitespace before the tag, else NULL */
};

/* A parsed template: the root one or one (partial name, indentation) pair. */
struct tpl_doc {
    char *src;
    struct tpl_node *nodes;
    size_t count, cap;
    char *partial_name; /* NULL for the root template */
    char *partial_indent;
    struct tpl_doc *next; /* the render's partial cache is a list */
};

struct tpl_state {
    const struct tpl_options *opt;
    struct wr_buf out;
    const cJSON **stack; /* context stack, top is stack[depth - 1] */
    size_t depth, cap;
    int partial_depth;
    int nesting;
    long steps;
    struct tpl_doc *partials;
    struct wr_error *err;
};

/* ---- documents ---- */

static void tpl_doc_free(struct tpl_doc **pdoc)
{
    struct tpl_doc *doc = *pdoc;
    if (!doc)
        return;
    for (size_t i = 0; i < doc->count; i++) {
        free(doc->nodes[i].name);
        free(doc->nodes[i].indent);
    }
    free(doc->nodes);
    free(doc->src);
    free(doc->partial_name);
    free(doc->partial_indent);
    free(doc);
    *pdoc = NULL;
}

/* " in partial 'x'" or "" so messages say which file a line number belongs to. */
static const char *tpl_where(const struct tpl_doc *doc, char *buf, size_t n)
{
    if (!doc->partial_name)
        return "";
    snprintf(buf, n, " in partial '%s'", doc->partial_name);
    return buf;
}

static struct tpl_node *tpl_doc_push(struct tpl_doc *doc, enum tpl_kind kind, int line)
{
    if (doc->count == doc->cap) {
        size_t cap = doc->cap ? doc->cap * 2 : 32;
        struct tpl_node *nodes = realloc(doc->nodes, cap * sizeof(*nodes));
        if (!nodes)
            return NULL;
        doc->nodes = nodes;
        doc->cap = cap;
    }
    struct tpl_node *node = &doc->nodes[doc->count++];
    memset(node, 0, sizeof(*node));
    node->kind = kind;
    node->line = line;
    return node;
}

/* ---- parsing ---- */

static bool tpl_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool tpl_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* First occurrence of needle[0..nlen) in s[from..len), or (size_t)-1. */
static size_t tpl_find(const char *s, size_t len, size_t from, const char *needle, size_t nlen)
{
    if (nlen == 0 || len < nlen)
        return (size_t)-1;
    for (size_t i = from; i + nlen <= len; i++) {
        if (s[i] == needle[0] && memcmp(s + i, needle, nlen) == 0)
            return i;
    }
    return (size_t)-1;
}

struct tpl_parser {
    struct tpl_doc *doc;
    size_t len;
    char open[TPL_MAX_DELIMITER + 1], close[TPL_MAX_DELIMITER + 1];
    size_t open_len, close_len;
    size_t line_pos; /* line counting has reached here ... */
    int line;        /* ... which is on this line */
    struct wr_error *err;
};

static int tpl_line_at(struct tpl_parser *p, size_t pos)
{
    for (; p->line_pos < pos; p->line_pos++) {
        if (p->doc->src[p->line_pos] == '\n')
            p->line++;
    }
    return p->line;
}

static int tpl_emit_text(struct tpl_parser *p, size_t from, size_t to)
{
    if (to <= from)
        return 0;
    struct tpl_node *node = tpl_doc_push(p->doc, TPL_TEXT, tpl_line_at(p, from));
    if (!node)
        return wr_fail(p->err, WR_E_NOMEM, "out of memory while parsing a template");
    node->text = p->doc->src + from;
    node->len = to - from;
    return 0;
}

/* Parse "{{=<% %>=}}"'s inside (between the '=' signs) into new delimiters. */
static int tpl_set_delimiters(struct tpl_parser *p, const char *s, size_t n, int line)
{
    char where[300];
    size_t i = 0, a0, a1, b0, b1;
    while (i < n && tpl_is_space(s[i]))
        i++;
    a0 = i;
    while (i < n && !tpl_is_space(s[i]))
        i++;
    a1 = i;
    while (i < n && tpl_is_space(s[i]))
        i++;
    b0 = i;
    while (i < n && !tpl_is_space(s[i]))
        i++;
    b1 = i;
    while (i < n && tpl_is_space(s[i]))
        i++;
    bool ok = a1 > a0 && b1 > b0 && i == n && a1 - a0 <= TPL_MAX_DELIMITER &&
              b1 - b0 <= TPL_MAX_DELIMITER && !memchr(s + a0, '=', a1 - a0) &&
              !memchr(s + b0, '=', b1 - b0);
    if (!ok)
        return wr_fail(p->err, WR_E_INPUT,
                       "bad delimiter change on line %d%s; write it as {{=<%% %%>=}}: two "
                       "delimiters of 1-%d characters, no spaces or '=' inside them",
                       line, tpl_where(p->doc, where, sizeof(where)), TPL_MAX_DELIMITER);
    memcpy(p->open, s + a0, a1 - a0);
    p->open[a1 - a0] = '\0';
    p->open_len = a1 - a0;
    memcpy(p->close, s + b0, b1 - b0);
    p->close[b1 - b0] = '\0';
    p->close_len = b1 - b0;
    return 0;
}

/* Show a template fragment in a message: at most 40 bytes, control characters as '?'. */
static const char *tpl_snippet(const char *s, size_t n, char *buf, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < size && i < 40; i++)
        buf[k++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (n > 40 && k + 4 < size) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

/* Split src into nodes. Sections get their `end`; the close tags are not kept. */
static int tpl_parse(struct tpl_doc *doc, struct wr_error *err)
{
    int rc = -1;
    char where[300], snip[64];
    struct tpl_parser p = {.doc = doc, .len = strlen(doc->src), .line = 1, .err = err};
    size_t *open_sections = NULL;
    size_t open_count = 0;
    memcpy(p.open, "{{", 3);
    memcpy(p.close, "}}", 3);
    p.open_len = p.close_len = 2;
    const char *src = doc->src;
    size_t text_start = 0, pos = 0;

    open_sections = malloc(TPL_MAX_NESTING * sizeof(*open_sections));
    if (!open_sections) {
        wr_fail(err, WR_E_NOMEM, "out of memory while parsing a template");
        goto out;
    }
    for (;;) {
        size_t tag_start = tpl_find(src, p.len, pos, p.open, p.open_len);
        if (tag_start == (size_t)-1) {
            if (tpl_emit_text(&p, text_start, p.len) < 0)
                goto out;
            break;
        }
        int line = tpl_line_at(&p, tag_start);
        size_t q = tag_start + p.open_len;
        char type = q < p.len ? src[q] : '\0';
        if (!strchr("#^/!>&{=", type) || type == '\0')
            type = 0;
        size_t body = type ? q + 1 : q;

        /* What ends the tag: the close delimiter, or '}'/'=' followed by it. */
        char closer[TPL_MAX_DELIMITER + 2];
        size_t closer_len = 0;
        if (type == '{' || type == '=')
            closer[closer_len++] = type == '{' ? '}' : '=';
        memcpy(closer + closer_len, p.close, p.close_len);
        closer_len += p.close_len;
        closer[closer_len] = '\0';
        size_t body_end = tpl_find(src, p.len, body, closer, closer_len);
        if (body_end == (size_t)-1) {
            wr_fail(err, WR_E_INPUT, "unclosed tag '%s' on line %d%s; end it with '%s'",
                    tpl_snippet(src + tag_start, p.len - tag_start, snip, sizeof(snip)), line,
                    tpl_where(doc, where, sizeof(where)), closer);
            goto out;
        }
        size_t tag_end = body_end + closer_len;

        /* Standalone: only white space around the tag on its line; then the line vanishes. */
        bool standalone = false;
        size_t line_start = tag_start, after = tag_end;
        if (type && type != '{' && type != '&') {
            while (line_start > text_start && tpl_is_blank(src[line_start - 1]))
                line_start--;
            bool blank_before = line_start == 0 || src[line_start - 1] == '\n';
            if (blank_before && line_start >= text_start) {
                while (after < p.len && tpl_is_blank(src[after]))
                    after++;
                if (after == p.len) {
                    standalone = true;
                } else if (src[after] == '\n') {
                    standalone = true;
                    after++;
                } else if (src[after] == '\r' && after + 1 < p.len && src[after + 1] == '\n') {
                    standalone = true;
                    after += 2;
                }
            }
        }
        if (standalone) {
            if (tpl_emit_text(&p, text_start, line_start) < 0)
                goto out;
            text_start = after;
        } else {
            if (tpl_emit_text(&p, text_start, tag_start) < 0)
                goto out;
            text_start = tag_end;
        }
        pos = text_start;

        if (type == '!')
            continue;
        if (type == '=') {
            if (tpl_set_delimiters(&p, src + body, body_end - body, line) < 0)
                goto out;
            continue;
        }

        /* The name: trimmed, non-empty, no white space inside. */
        size_t n0 = body, n1 = body_end;
        while (n0 < n1 && tpl_is_space(src[n0]))
            n0++;
        while (n1 > n0 && tpl_is_space(src[n1 - 1]))
            n1--;
        bool bad_name = n0 == n1;
        for (size_t i = n0; i < n1 && !bad_name; i++)
            bad_name = tpl_is_space(src[i]);
        if (bad_name) {
            wr_fail(err, WR_E_INPUT,
                    "bad tag '%s' on line %d%s; a tag holds one name without spaces, like "
                    "{{incident.title}}",
                    tpl_snippet(src + tag_start, tag_end - tag_start, snip, sizeof(snip)), line,
                    tpl_where(doc, where, sizeof(where)));
            goto out;
        }

        if (type == '/') {
            if (open_count == 0) {
                wr_fail(err, WR_E_INPUT,
                        "closing tag '%.*s' on line %d%s has no open section; remove it or add "
                        "{{#%.*s}} before it",
                        (int)(n1 - n0), src + n0, line, tpl_where(doc, where, sizeof(where)),
                        (int)(n1 - n0), src + n0);
                goto out;
            }
            struct tpl_node *open = &doc->nodes[open_sections[open_count - 1]];
            if (strlen(open->name) != n1 - n0 || memcmp(open->name, src + n0, n1 - n0) != 0) {
                wr_fail(err, WR_E_INPUT,
                        "closing tag '%.*s' on line %d%s does not match section '%s' opened on "
                        "line %d; close that one first with {{/%s}}",
                        (int)(n1 - n0), src + n0, line, tpl_where(doc, where, sizeof(where)),
                        open->name, open->line, open->name);
                goto out;
            }
            open->end = doc->count;
            open_count--;
            continue;
        }

        enum tpl_kind kind = TPL_VAR;
        if (type == '{' || type == '&')
            kind = TPL_RAW;
        else if (type == '#')
            kind = TPL_SECTION;
        else if (type == '^')
            kind = TPL_INVERTED;
        else if (type == '>')
            kind = TPL_PARTIAL;
        struct tpl_node *node = tpl_doc_push(doc, kind, line);
        if (!node || !(node->name = strndup(src + n0, n1 - n0))) {
            wr_fail(err, WR_E_NOMEM, "out of memory while parsing a template");
            goto out;
        }
        if (kind == TPL_PARTIAL && standalone && line_start < tag_start &&
            !(node->indent = strndup(src + line_start, tag_start - line_start))) {
            wr_fail(err, WR_E_NOMEM, "out of memory while parsing a template");
            goto out;
        }
        if (kind == TPL_SECTION || kind == TPL_INVERTED) {
            if (open_count == TPL_MAX_NESTING) {
                wr_fail(err, WR_E_INPUT,
                        "sections nested deeper than %d levels at '%s' on line %d%s; flatten "
                        "the template",
                        TPL_MAX_NESTING, node->name, line, tpl_where(doc, where, sizeof(where)));
                goto out;
            }
            open_sections[open_count++] = doc->count - 1;
        }
    }
    if (open_count > 0) {
        const struct tpl_node *open = &doc->nodes[open_sections[open_count - 1]];
        wr_fail(err, WR_E_INPUT,
                "section '%s' opened on line %d%s is never closed; add {{/%s}} where it ends",
                open->name, open->line, tpl_where(doc, where, sizeof(where)), open->name);
        goto out;
    }
    rc = 0;
out:
    free(open_sections);
    return rc;
}

/* Make a document from source text. On failure frees everything and returns NULL. */
static struct tpl_doc *tpl_doc_new(const char *text, const char *partial_name, const char *indent,
                                   struct wr_error *err)
{
    struct tpl_doc *doc = calloc(1, sizeof(*doc));
    if (!doc) {
        wr_fail(err, WR_E_NOMEM, "out of memory while parsing a template");
        return NULL;
    }
    if (indent && *indent) {
        /* A standalone partial is indented like its tag: every line of its source. */
        struct wr_buf b = {0};
        size_t ilen = strlen(indent);
        const char *s = text;
        while (*s) {
            const char *nl = strchr(s, '\n');
            size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);
            wr_buf_append(&b, indent, ilen);
            wr_buf_append(&b, s, n);
            s += n;
        }
        if (b.oom)
            wr_buf_free(&b);
        else
            doc->src = b.len ? wr_buf_steal(&b) : strdup("");
    } else {
        doc->src = strdup(text);
    }
    if (!doc->src || (partial_name && !(doc->partial_name = strdup(partial_name))) ||
        (indent && !(doc->partial_indent = strdup(indent)))) {
        wr_fail(err, WR_E_NOMEM, "out of memory while parsing a template");
        tpl_doc_free(&doc);
        return NULL;
    }
    if (tpl_parse(doc, err) < 0)
        tpl_doc_free(&doc);
    return doc;
}

/* ---- data ---- */

/* Child of `obj` named key[0..len), NULL when missing or obj is not an object. */
static const cJSON *tpl_json_child(const cJSON *obj, const char *key, size_t len)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (c->string && strlen(c->string) == len && memcmp(c->string, key, len) == 0)
            return c;
    }
    return NULL;
}

/* Resolve a (dotted) name against the context stack. NULL when the name is unknown. The first
 * part is searched from the innermost context out; later parts only inside what it found. */
static const cJSON *tpl_lookup(const struct tpl_state *st, const char *name)
{
    if (strcmp(name, ".") == 0)
        return st->depth ? st->stack[st->depth - 1] : NULL;
    const char *dot = strchr(name, '.');
    size_t first = dot ? (size_t)(dot - name) : strlen(name);
    const cJSON *v = NULL;
    for (size_t i = st->depth; i-- > 0 && !v;)
        v = tpl_json_child(st->stack[i], name, first);
    while (v && dot) {
        const char *part = dot + 1;
        dot = strchr(part, '.');
        v = tpl_json_child(v, part, dot ? (size_t)(dot - part) : strlen(part));
    }
    return v;
}

static bool tpl_truthy(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsArray(v))
        return v->child != NULL;
    if (cJSON_IsString(v))
        return v->valuestring && v->valuestring[0];
    return true;
}

static int tpl_push(struct tpl_state *st, const cJSON *v)
{
    if (st->depth == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        const cJSON **stack = realloc(st->stack, cap * sizeof(*stack));
        if (!stack)
            return wr_fail(st->err, WR_E_NOMEM, "out of memory while rendering a template");
        st->stack = stack;
        st->cap = cap;
    }
    st->stack[st->depth++] = v;
    return 0;
}

/* Shortest decimal text that reads back as the same double (85, 1.21, 1e+30). */
static void tpl_format_number(double d, char *buf, size_t n)
{
    if (!isfinite(d)) {
        snprintf(buf, n, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(buf, n, "%.*g", precision, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* ---- escaping ---- */

/*
 * Index of the one character in s that would start a Markdown block when s begins a line
 * ("# h", "- x", "+ x", "=== ", "1. x", "1) x"), or (size_t)-1. Inline markup is escaped
 * everywhere; these only matter at the start of a line, so text like "INC-1" stays readable.
 */
static size_t tpl_markdown_block_marker(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len)
        return (size_t)-1;
    if (strchr("#-+=", s[i]))
        return i;
    size_t digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 10) {
        i++;
        digits++;
    }
    if (digits > 0 && i < len && (s[i] == '.' || s[i] == ')'))
        return i;
    return (size_t)-1;
}

/* True when everything written on the current output line so far is blank. */
static bool tpl_at_line_start(const struct wr_buf *b)
{
    for (size_t i = b->len; i > 0; i--) {
        if (b->data[i - 1] == '\n')
            return true;
        if (b->data[i - 1] != ' ' && b->data[i - 1] != '\t')
            return false;
    }
    return true;
}

/* What the Markdown escape does with each byte (a postmortem escapes 100,000 timeline rows:
 * one table look-up per byte). Bytes not listed, UTF-8 included, are copied. */
enum md_class { MD_COPY = 0, MD_ESCAPE, MD_SPACE, MD_DROP };
#define MD_DROP_(c) [c] = MD_DROP
static const unsigned char md_class[256] = {
    /* control characters vanish, except the white space that becomes one space */
    MD_DROP_(0x00), MD_DROP_(0x01), MD_DROP_(0x02), MD_DROP_(0x03), MD_DROP_(0x04),
    MD_DROP_(0x05), MD_DROP_(0x06), MD_DROP_(0x07), MD_DROP_(0x08), MD_DROP_(0x0b),
    MD_DROP_(0x0c), MD_DROP_(0x0e), MD_DROP_(0x0f), MD_DROP_(0x10), MD_DROP_(0x11),
    MD_DROP_(0x12), MD_DROP_(0x13), MD_DROP_(0x14), MD_DROP_(0x15), MD_DROP_(0x16),
    MD_DROP_(0x17), MD_DROP_(0x18), MD_DROP_(0x19), MD_DROP_(0x1a), MD_DROP_(0x1b),
    MD_DROP_(0x1c), MD_DROP_(0x1d), MD_DROP_(0x1e), MD_DROP_(0x1f), MD_DROP_(0x7f),
    ['\t'] = MD_SPACE, ['\n'] = MD_SPACE, ['\r'] = MD_SPACE,
    /* the characters Markdown escapes with a backslash */
    ['\\'] = MD_ESCAPE, ['`'] = MD_ESCAPE, ['*'] = MD_ESCAPE, ['_'] = MD_ESCAPE,
    ['{'] = MD_ESCAPE, ['}'] = MD_ESCAPE, ['['] = MD_ESCAPE, [']'] = MD_ESCAPE,
    ['<'] = MD_ESCAPE, ['>'] = MD_ESCAPE, ['|'] = MD_ESCAPE, ['~'] = MD_ESCAPE,
    ['&'] = MD_ESCAPE,
};
#undef MD_DROP_

/* Escape s[from..to) into d (room for twice as many bytes); len bounds the look-ahead of a
 * "\r\n", which becomes one space. Returns the bytes written. */
static size_t tpl_markdown_run(char *d, const char *s, size_t from, size_t to, size_t len)
{
    char *o = d;
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)s[i];
        switch ((enum md_class)md_class[c]) {
        case MD_COPY:
            *o++ = (char)c;
            break;
        case MD_ESCAPE:
            *o++ = '\\';
            *o++ = (char)c;
            break;
        case MD_SPACE:
            if (!(c == '\r' && i + 1 < len && s[i + 1] == '\n'))
                *o++ = ' ';
            break;
        case MD_DROP:
            break;
        }
    }
    return (size_t)(o - d);
}

/* TPL_ESCAPE_MARKDOWN: inline markup escaped everywhere, and the block marker at `marker`
 * ((size_t)-1 for none). Written straight into the buffer, sized once for the worst case. */
static void tpl_escape_markdown(struct wr_buf *b, const char *s, size_t len, size_t marker)
{
    if (len > (SIZE_MAX - 1) / 2 - b->len) {
        b->oom = true;
        return;
    }
    if (!wr_buf_reserve(b, 2 * len))
        return;
    char *d = b->data + b->len;
    size_t n;
    if (marker < len) {
        n = tpl_markdown_run(d, s, 0, marker, len);
        d[n++] = '\\';
        d[n++] = s[marker];
        n += tpl_markdown_run(d + n, s, marker + 1, len, len);
    } else {
        n = tpl_markdown_run(d, s, 0, len, len);
    }
    b->len += n;
    b->data[b->len] = '\0';
}

static void tpl_escape_write(struct wr_buf *b, const char *s, size_t len, enum tpl_escape mode,
                             bool line_start)
{
    size_t run = 0; /* bytes of s copied as they are, pending */
    size_t marker =
        mode == TPL_ESCAPE_MARKDOWN && line_start ? tpl_markdown_block_marker(s, len) : (size_t)-1;
    if (mode == TPL_ESCAPE_MARKDOWN) {
        tpl_escape_markdown(b, s, len, marker);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        switch (mode) {
        case TPL_ESCAPE_NONE:
            break;
        case TPL_ESCAPE_HTML:
            rep = c == '&'   ? "&amp;"
                  : c == '<' ? "&lt;"
                  : c == '>' ? "&gt;"
                  : c == '"' ? "&quot;"
                             : NULL;
            break;
        case TPL_ESCAPE_SLACK:
            rep = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : NULL;
            break;
        case TPL_ESCAPE_MARKDOWN: /* tpl_escape_markdown */
            break;
        }
        if (rep) {
            wr_buf_append(b, s + i - run, run);
            run = 0;
            wr_buf_append(b, rep, strlen(rep));
        } else {
            run++;
        }
    }
    wr_buf_append(b, s + len - run, run);
}

void tpl_escape_append(struct wr_buf *b, const char *s, size_t len, enum tpl_escape mode)
{
    tpl_escape_write(b, s, len, mode, true);
}

static const char *const tpl_escape_names[] = {
    [TPL_ESCAPE_HTML] = "html",
    [TPL_ESCAPE_NONE] = "none",
    [TPL_ESCAPE_MARKDOWN] = "markdown",
    [TPL_ESCAPE_SLACK] = "slack",
};

const char *tpl_escape_name(enum tpl_escape mode)
{
    if ((size_t)mode >= sizeof(tpl_escape_names) / sizeof(tpl_escape_names[0]))
        return "?";
    return tpl_escape_names[mode];
}

int tpl_escape_parse(const char *name, enum tpl_escape *out, struct wr_error *err)
{
    for (size_t i = 0; i < sizeof(tpl_escape_names) / sizeof(tpl_escape_names[0]); i++) {
        if (name && wr_streq_ci(name, tpl_escape_names[i])) {
            *out = (enum tpl_escape)i;
            return 0;
        }
    }
    return wr_fail(err, WR_E_USAGE, "unknown escape mode '%s'; use html, none, markdown or slack",
                   name ? name : "");
}

/* ---- rendering ---- */

static int tpl_render_doc(struct tpl_state *st, const struct tpl_doc *doc);

static int tpl_unknown(struct tpl_state *st, const struct tpl_doc *doc, const struct tpl_node *node)
{
    char where[300];
    const char *what =
        node->kind == TPL_SECTION || node->kind == TPL_INVERTED ? "section" : "variable";
    return wr_fail(st->err, WR_E_INPUT,
                   "unknown %s '%s' on line %d%s; check the spelling or add it to the data", what,
                   node->name, node->line, tpl_where(doc, where, sizeof(where)));
}

static int tpl_interpolate(struct tpl_state *st, const struct tpl_doc *doc,
                           const struct tpl_node *node)
{
    char where[300];
    const cJSON *v = tpl_lookup(st, node->name);
    if (!v)
        return st->opt->strict ? tpl_unknown(st, doc, node) : 0;
    enum tpl_escape mode = node->kind == TPL_RAW ? TPL_ESCAPE_NONE : st->opt->escape;
    char num[64];
    const char *text = NULL;
    if (cJSON_IsString(v))
        text = v->valuestring ? v->valuestring : "";
    else if (cJSON_IsNumber(v)) {
        tpl_format_number(v->valuedouble, num, sizeof(num));
        text = num;
    } else if (cJSON_IsTrue(v))
        text = "true";
    else if (cJSON_IsFalse(v))
        text = "false";
    else if ((cJSON_IsObject(v) || cJSON_IsArray(v)) && st->opt->strict)
        return wr_fail(st->err, WR_E_INPUT,
                       "'%s' on line %d%s is %s, not text; use a section {{#%s}}...{{/%s}}",
                       node->name, node->line, tpl_where(doc, where, sizeof(where)),
                       cJSON_IsObject(v) ? "an object" : "a list", node->name, node->name);
    if (text)
        tpl_escape_write(&st->out, text, strlen(text), mode,
                         mode == TPL_ESCAPE_MARKDOWN && tpl_at_line_start(&st->out));
    return 0;
}

/* Render the body nodes [from, to) of doc once. */
static int tpl_render_range(struct tpl_state *st, const struct tpl_doc *doc, size_t from,
                            size_t to);

static int tpl_section(struct tpl_state *st, const struct tpl_doc *doc, size_t index)
{
    const struct tpl_node *node = &doc->nodes[index];
    const cJSON *v = tpl_lookup(st, node->name);
    if (!v && st->opt->strict)
        return tpl_unknown(st, doc, node);
    bool truthy = tpl_truthy(v);
    if (node->kind == TPL_INVERTED)
        return truthy ? 0 : tpl_render_range(st, doc, index + 1, node->end);
    if (!truthy)
        return 0;
    if (cJSON_IsTrue(v))
        return tpl_render_range(st, doc, index + 1, node->end);
    if (cJSON_IsArray(v)) {
        for (const cJSON *item = v->child; item; item = item->next) {
            if (tpl_push(st, item) < 0)
                return -1;
            int rc = tpl_render_range(st, doc, index + 1, node->end);
            st->depth--;
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    if (tpl_push(st, v) < 0)
        return -1;
    int rc = tpl_render_range(st, doc, index + 1, node->end);
    st->depth--;
    return rc;
}

static int tpl_partial(struct tpl_state *st, const struct tpl_doc *doc, const struct tpl_node *node)
{
    char where[300];
    if (st->partial_depth >= TPL_MAX_PARTIAL_DEPTH)
        return wr_fail(st->err, WR_E_INPUT,
                       "partials nested deeper than %d levels at '%s' on line %d%s; a partial "
                       "probably includes itself with no section that ends the recursion",
                       TPL_MAX_PARTIAL_DEPTH, node->name, node->line,
                       tpl_where(doc, where, sizeof(where)));
    const char *indent = node->indent ? node->indent : "";
    struct tpl_doc *part = st->partials;
    while (part && !(strcmp(part->partial_name, node->name) == 0 &&
                     strcmp(part->partial_indent, indent) == 0))
        part = part->next;
    if (!part) {
        char *text = NULL;
        int found = 1;
        if (st->opt->load_partial) {
            found = st->opt->load_partial(st->opt->partial_ctx, node->name, &text, st->err);
            if (found < 0)
                return -1;
        }
        if (found != 0) {
            free(text);
            if (!st->opt->strict)
                return 0;
            return wr_fail(st->err, WR_E_INPUT,
                           "unknown partial '%s' on line %d%s; check the name or the partials "
                           "directory",
                           node->name, node->line, tpl_where(doc, where, sizeof(where)));
        }
        part = tpl_doc_new(text ? text : "", node->name, indent, st->err);
        free(text);
        if (!part)
            return -1;
        part->next = st->partials;
        st->partials = part;
    }
    st->partial_depth++;
    int rc = tpl_render_doc(st, part);
    st->partial_depth--;
    return rc;
}

static int tpl_render_range(struct tpl_state *st, const struct tpl_doc *doc, size_t from, size_t to)
{
    char where[300];
    if (++st->nesting > TPL_MAX_NESTING) {
        st->nesting--;
        return wr_fail(st->err, WR_E_INPUT,
                       "sections and partials nested deeper than %d levels%s; flatten the "
                       "template",
                       TPL_MAX_NESTING, tpl_where(doc, where, sizeof(where)));
    }
    int rc = 0;
    size_t i = from;
    while (i < to && rc == 0) {
        const struct tpl_node *node = &doc->nodes[i];
        size_t next = i + 1;
        long max_steps = st->opt->max_steps > 0 ? st->opt->max_steps : TPL_MAX_STEPS;
        if (++st->steps > max_steps) {
            rc = wr_fail(st->err, WR_E_INPUT,
                         "template stopped after %ld steps at line %d%s; a partial probably "
                         "includes itself more than once per level",
                         max_steps, node->line, tpl_where(doc, where, sizeof(where)));
            break;
        }
        switch (node->kind) {
        case TPL_TEXT:
            wr_buf_append(&st->out, node->text, node->len);
            break;
        case TPL_VAR:
        case TPL_RAW:
            rc = tpl_interpolate(st, doc, node);
            break;
        case TPL_SECTION:
        case TPL_INVERTED:
            rc = tpl_section(st, doc, i);
            next = node->end;
            break;
        case TPL_PARTIAL:
            rc = tpl_partial(st, doc, node);
            break;
        }
        i = next;
    }
    st->nesting--;
    return rc;
}

static int tpl_render_doc(struct tpl_state *st, const struct tpl_doc *doc)
{
    return tpl_render_range(st, doc, 0, doc->count);
}

int tpl_render(const char *tpl, const cJSON *data, const struct tpl_options *opt, char **out,
               struct wr_error *err)
{
    int rc = -1;
    static const struct tpl_options defaults = {.escape = TPL_ESCAPE_HTML};
    struct tpl_state st = {.opt = opt ? opt : &defaults, .err = err};
    struct tpl_doc *doc = NULL;
    *out = NULL;

    doc = tpl_doc_new(tpl ? tpl : "", NULL, NULL, err);
    if (!doc)
        goto out;
    if (data && tpl_push(&st, data) < 0)
        goto out;
    if (tpl_render_doc(&st, doc) < 0)
        goto out;
    *out = st.out.oom ? NULL : st.out.len ? wr_buf_steal(&st.out) : strdup("");
    if (!*out) {
        wr_fail(err, WR_E_NOMEM, "out of memory while rendering a template");
        goto out;
    }
    rc = 0;
out:
    while (st.partials) {
        struct tpl_doc *next = st.partials->next;
        tpl_doc_free(&st.partials);
        st.partials = next;
    }
    tpl_doc_free(&doc);
    wr_buf_free(&st.out);
    free(st.stack);
    return rc;
}

/* ---- files ---- */

int tpl_partials_from_dir(void *ctx, const char *name, char **text, struct wr_error *err)
{
    const char *dir = ctx;
    *text = NULL;
    if (!dir || name[0] == '.' || strchr(name, '/') || strchr(name, '\\'))
        return 1;
    size_t n = strlen(dir) + strlen(name) + sizeof("/.mustache");
    char *path = malloc(n);
    if (!path)
        return wr_fail(err, WR_E_NOMEM, "out of memory while loading partial '%s'", name);
    snprintf(path, n, "%s/%s.mustache", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int saved = errno;
        free(path);
        if (saved == ENOENT || saved == ENOTDIR)
            return 1;
        return wr_fail(err, WR_E_IO, "cannot read partial '%s' from %s: %s", name, dir,
                       strerror(saved));
    }
    fclose(f);
    *text = wr_read_file(path, NULL, err);
    free(path);
    return *text ? 0 : -1;
}

/* Line and column (1-based) of byte offset `at` in text. */
static void tpl_line_col(const char *text, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int tpl_render_files(const char *template_path, const char *data_path, const char *partials_dir,
                     const struct tpl_options *opt, char **out, struct wr_error *err)
{
    int rc = -1;
    char *tpl = NULL, *json = NULL, *dir = NULL;
    cJSON *data = NULL;
    struct tpl_options o = {.escape = TPL_ESCAPE_HTML};
    if (opt)
        o = *opt;
    *out = NULL;

    tpl = wr_read_file(template_path, NULL, err);
    if (!tpl)
        goto out;
    if (data_path) {
        size_t len = 0;
        json = wr_read_file(data_path, &len, err);
        if (!json)
            goto out;
        const char *end = NULL;
        data = cJSON_ParseWithLengthOpts(json, len, &end, false);
        if (!data) {
            int line, col;
            size_t at = end && end >= json ? (size_t)(end - json) : 0;
            tpl_line_col(json, at, &line, &col);
            wr_fail(err, WR_E_INPUT, "%s: invalid JSON at line %d, column %d; fix the data file",
                    data_path, line, col);
            goto out;
        }
    }
    if (partials_dir) {
        dir = strdup(partials_dir);
    } else {
        const char *slash = strrchr(template_path, '/');
        size_t n = slash ? (size_t)(slash - template_path) : 0;
        dir = slash ? strndup(template_path, n ? n : 1) : strdup(".");
    }
    if (!dir) {
        wr_fail(err, WR_E_NOMEM, "out of memory");
        goto out;
    }
    o.load_partial = tpl_partials_from_dir;
    o.partial_ctx = dir;
    if (tpl_render(tpl, data, &o, out, err) < 0) {
        /* Say which file the line numbers belong to. */
        if (err) {
            char msg[sizeof(err->msg) + 1024];
            snprintf(msg, sizeof(msg), "%s: %s", template_path, err->msg);
            size_t n = strlen(msg);
            if (n >= sizeof(err->msg))
                n = sizeof(err->msg) - 1;
            memcpy(err->msg, msg, n);
            err->msg[n] = '\0';
        }
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(data);
    free(tpl);
    free(json);
    free(dir);
    return rc;
}
