/* lint.c: the blameless check over postmortem text, driven by the word lists in data/. */
#include "lint.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/*
 * The byte pairs of a text folded into 256 bits. A word can only occur in a line whose set
 * holds every pair of the word, so most of the dozens of words are ruled out for a line with
 * a few AND operations instead of a search each: an export lints 100,000 timeline rows.
 */
struct pair_set {
    uint64_t w[4];
};

static unsigned pair_bit(unsigned a, unsigned b)
{
    return ((a << 3) ^ b ^ (a >> 5)) & 255u;
}

static void pair_set_of(const char *s, size_t len, struct pair_set *ps)
{
    uint64_t w[4] = {0, 0, 0, 0};
    unsigned prev = len ? (unsigned char)s[0] : 0;
    for (size_t i = 1; i < len; i++) {
        unsigned c = (unsigned char)s[i], h = pair_bit(prev, c);
        w[h >> 6] |= 1ull << (h & 63);
        prev = c;
    }
    memcpy(ps->w, w, sizeof w);
}

/* False when the word (its pairs `word`) cannot be in the line (pairs `line`). */
static bool pair_set_allows(const struct pair_set *line, const struct pair_set *word)
{
    return !((word->w[0] & ~line->w[0]) | (word->w[1] & ~line->w[1]) |
             (word->w[2] & ~line->w[2]) | (word->w[3] & ~line->w[3]));
}

struct lint_phrase {
    char *match; /* lower case */
    char *suggest;
    struct pair_set pairs;
};

struct lint_rules {
    struct lint_phrase *phrases;
    size_t nphrases;
    char **who; /* lower-case names and roles */
    struct pair_set *who_pairs;
    size_t nwho, capwho;
    char **fault;
    struct pair_set *fault_pairs;
    size_t nfault;
    char *suggest_person;
    unsigned char lower[256]; /* tolower() of every byte, in the locale the rules were loaded */
};

static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    if (d)
        for (char *p = d; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return d;
}

int lint_rules_add_name(struct lint_rules *r, const char *name)
{
    if (!name || strlen(name) < 3)
        return 0;
    for (size_t i = 0; i < r->nwho; i++)
        if (wr_streq_ci(r->who[i], name))
            return 0;
    if (r->nwho == r->capwho) {
        size_t nc = r->capwho ? r->capwho * 2 : 16;
        char **nw = realloc(r->who, nc * sizeof *nw);
        if (!nw)
            return -1;
        r->who = nw;
        struct pair_set *np = realloc(r->who_pairs, nc * sizeof *np);
        if (!np)
            return -1;
        r->who_pairs = np;
        r->capwho = nc;
    }
    if (!(r->who[r->nwho] = lower_dup(name)))
        return -1;
    pair_set_of(r->who[r->nwho], strlen(r->who[r->nwho]), &r->who_pairs[r->nwho]);
    r->nwho++;
    return 0;
}

static int str_list(const cJSON *arr, const char *name, const char *key, char ***out, size_t *n,
                    struct wr_error *err)
{
    *n = 0;
    *out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
    if (!*out)
        return wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it) || !*it->valuestring)
            return wr_fail(err, WR_E_CONFIG, "%s: %s[%zu]: expected a non-empty string", name,
                           key, *n);
        if (!((*out)[(*n)++] = lower_dup(it->valuestring)))
            return wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
    }
    return 0;
}

int lint_rules_parse(const char *text, const char *name, struct lint_rules **out,
                     struct wr_error *err)
{
    int rc = -1;
    *out = NULL;
    struct lint_rules *r = calloc(1, sizeof *r);
    cJSON *root = cJSON_Parse(text);
    if (!r) {
        wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
        goto out;
    }
    for (int c = 0; c < 256; c++)
        r->lower[c] = (unsigned char)tolower(c);
    if (!cJSON_IsObject(root)) {
        wr_fail(err, WR_E_CONFIG, "%s: not a JSON object; see data/blameless.json", name);
        goto out;
    }
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(root, "phrases");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(root, "roles");
    const cJSON *fault = cJSON_GetObjectItemCaseSensitive(root, "fault_words");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(root, "suggest_person");
    if (!cJSON_IsArray(ph) || !cJSON_IsArray(roles) || !cJSON_IsArray(fault)) {
        wr_fail(err, WR_E_CONFIG,
                "%s: expected arrays \"phrases\", \"roles\" and \"fault_words\"", name);
        goto out;
    }
    r->phrases = calloc((size_t)cJSON_GetArraySize(ph) + 1, sizeof *r->phrases);
    if (!r->phrases) {
        wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
        goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, ph)
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "match");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "suggest");
        if (!cJSON_IsString(m) || !*m->valuestring || !cJSON_IsString(s)) {
            wr_fail(err, WR_E_CONFIG,
                    "%s: phrases[%zu]: expected {\"match\": \"words\", \"suggest\": \"text\"}", name,
                    r->nphrases);
            goto out;
        }
        struct lint_phrase *p = &r->phrases[r->nphrases++];
        p->match = lower_dup(m->valuestring);
        p->suggest = strdup(s->valuestring);
        if (!p->match || !p->suggest) {
            wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
            goto out;
        }
        pair_set_of(p->match, strlen(p->match), &p->pairs);
    }
    char **rl = NULL;
    size_t nrl = 0;
    int lrc = str_list(roles, name, "roles", &rl, &nrl, err);
    for (size_t i = 0; i < nrl; i++) {
        if (lrc == 0 && lint_rules_add_name(r, rl[i]) != 0)
            lrc = wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
        free(rl[i]);
    }
    free(rl);
    if (lrc != 0 || str_list(fault, name, "fault_words", &r->fault, &r->nfault, err) != 0)
        goto out;
    if (!(r->fault_pairs = calloc(r->nfault + 1, sizeof *r->fault_pairs))) {
        wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
        goto out;
    }
    for (size_t i = 0; i < r->nfault; i++)
        pair_set_of(r->fault[i], strlen(r->fault[i]), &r->fault_pairs[i]);
    r->suggest_person = strdup(cJSON_IsString(sp) ? sp->valuestring
                                                  : "describe the action and the conditions, "
                                                    "not the person");
    if (!r->suggest_person) {
        wr_fail(err, WR_E_NOMEM, "out of memory loading %s", name);
        goto out;
    }
    *out = r;
    r = NULL;
    rc = 0;
out:
    cJSON_Delete(root);
    lint_rules_free(&r);
    return rc;
}

int lint_rules_load(const char *path, struct lint_rules **out, struct wr_error *err)
{
    char *text = wr_read_file(path, NULL, err);
    if (!text)
        return -1;
    int rc = lint_rules_parse(text, path, out, err);
    free(text);
    return rc;
}

void lint_rules_free(struct lint_rules **rp)
{
    if (!rp || !*rp)
        return;
    struct lint_rules *r = *rp;
    for (size_t i = 0; i < r->nphrases; i++) {
        free(r->phrases[i].match);
        free(r->phrases[i].suggest);
    }
    free(r->phrases);
    for (size_t i = 0; i < r->nwho; i++)
        free(r->who[i]);
    free(r->who);
    free(r->who_pairs);
    free(r->fault_pairs);
    if (r->fault)
        for (size_t i = 0; r->fault[i]; i++)
            free(r->fault[i]);
    free(r->fault);
    free(r->suggest_person);
    free(r);
    *rp = NULL;
}

static bool is_word(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* Find `w` in m[from..len) at word boundaries; offset or -1. memchr on the first byte skips
 * most of the line at once: lint runs over every timeline row of an export. */
static long find_word(const char *m, size_t len, size_t from, const char *w)
{
    size_t wl = strlen(w);
    if (wl == 0)
        return -1;
    size_t i = from;
    while (i + wl <= len) {
        const char *hit = memchr(m + i, w[0], len - wl + 1 - i);
        if (!hit)
            return -1;
        i = (size_t)(hit - m);
        if (memcmp(m + i, w, wl) == 0 &&
            !(i > 0 && is_word((unsigned char)m[i - 1]) && is_word((unsigned char)w[0])) &&
            !(i + wl < len && is_word((unsigned char)m[i + wl]) &&
              is_word((unsigned char)w[wl - 1])))
            return (long)i;
        i++;
    }
    return -1;
}

static void add_finding(struct lint_report *rep, int lineno, const char *line, size_t off,
                        size_t len, const char *suggest)
{
    if (rep->count == rep->cap) {
        size_t nc = rep->cap ? rep->cap * 2 : 16;
        struct lint_finding *ni = realloc(rep->items, nc * sizeof *ni);
        if (!ni) {
            rep->oom = 1;
            return;
        }
        rep->items = ni;
        rep->cap = nc;
    }
    struct lint_finding *f = &rep->items[rep->count];
    f->line = lineno;
    f->match = strndup(line + off, len);
    f->suggestion = strdup(suggest);
    if (!f->match || !f->suggestion) {
        free(f->match);
        free(f->suggestion);
        rep->oom = 1;
        return;
    }
    rep->count++;
}

#define LINT_NEAR 40 /* a fault word this many bytes after a name or role ties them */

void lint_line(const struct lint_rules *r, const char *line, size_t len, int lineno,
               struct lint_report *rep)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && line[i] == '>')
        return; /* a quoted log line */
    char small[512];
    char *m = len < sizeof small ? small : malloc(len + 1);
    if (!m) {
        rep->oom = 1;
        return;
    }
    /* Lower-case copy with code spans and quoted text blanked (offsets kept). */
    bool code = false, quote = false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        /* Most bytes start no quote or code span: copy them a run at a time (a Markdown export
         * lints 100,000 timeline rows), lower-cased outside spans and blanked inside. */
        if (!(code || quote)) {
            while (c != '`' && c != '"' && c != 0xe2) {
                m[i] = (char)r->lower[c];
                if (++i == len)
                    break;
                c = (unsigned char)line[i];
            }
        } else {
            while (c != '`' && c != '"' && c != 0xe2) {
                m[i] = ' ';
                if (++i == len)
                    break;
                c = (unsigned char)line[i];
            }
        }
        if (i == len)
            break;
        bool open_q = i + 2 < len && c == 0xe2 && (unsigned char)line[i + 1] == 0x80 &&
                      ((unsigned char)line[i + 2] == 0x9c || (unsigned char)line[i + 2] == 0x9d);
        if (c == '`' && !quote) {
            code = !code;
            m[i] = ' ';
        } else if ((c == '"' || open_q) && !code) {
            quote = !quote;
            m[i] = ' ';
            if (open_q) {
                m[i + 1] = m[i + 2] = ' ';
                i += 2;
            }
        } else {
            m[i] = code || quote ? ' ' : (char)tolower(c);
        }
    }
    m[len] = '\0';
    struct pair_set line_pairs;
    pair_set_of(m, len, &line_pairs);
    size_t seen_from[64], seen_to[64], nseen = 0;
    for (size_t p = 0; p < r->nphrases; p++) {
        const char *w = r->phrases[p].match;
        long at = -1;
        size_t from = 0;
        if (!pair_set_allows(&line_pairs, &r->phrases[p].pairs))
            continue;
        while ((at = find_word(m, len, from, w)) >= 0) {
            size_t a = (size_t)at, b = a + strlen(w);
            bool inside = false;
            for (size_t k = 0; k < nseen; k++)
                inside = inside || (a >= seen_from[k] && b <= seen_to[k]) ||
                         (seen_from[k] >= a && seen_to[k] <= b);
            if (!inside) {
                add_finding(rep, lineno, line, a, b - a, r->phrases[p].suggest);
                if (nseen < 64) {
                    seen_from[nseen] = a;
                    seen_to[nseen++] = b;
                }
            }
            from = b;
        }
    }
    for (size_t k = 0; k < r->nwho; k++) {
        long at = -1;
        size_t from = 0;
        if (!pair_set_allows(&line_pairs, &r->who_pairs[k]))
            continue;
        while ((at = find_word(m, len, from, r->who[k])) >= 0) {
            size_t a = (size_t)at, b = a + strlen(r->who[k]);
            size_t lim = b + LINT_NEAR < len ? b + LINT_NEAR : len;
            for (size_t f = 0; r->fault && r->fault[f]; f++) {
                if (!pair_set_allows(&line_pairs, &r->fault_pairs[f]))
                    continue;
                long fa = find_word(m, lim, b, r->fault[f]);
                if (fa >= 0) {
                    add_finding(rep, lineno, line, a, (size_t)fa + strlen(r->fault[f]) - a,
                                r->suggest_person);
                    break;
                }
            }
            from = b;
        }
    }
    if (m != small)
        free(m);
}

void lint_feed(const struct lint_rules *r, const char *text, size_t len, struct lint_report *rep)
{
    size_t start = 0;
    for (;;) {
        const char *nl = memchr(text + start, '\n', len - start);
        if (!nl) {
            if (len > start) /* the last line, when it has no newline of its own */
                lint_line(r, text + start, len - start, ++rep->line, rep);
            return;
        }
        size_t i = (size_t)(nl - text);
        lint_line(r, text + start, i - start, ++rep->line, rep);
        start = i + 1;
    }
}

int lint_report_append(struct lint_report *to, struct lint_report *from)
{
    if (from->count > to->cap - to->count) {
        size_t nc = to->count + from->count;
        struct lint_finding *ni = realloc(to->items, nc * sizeof *ni);
        if (!ni) {
            to->oom = 1;
            return -1;
        }
        to->items = ni;
        to->cap = nc;
    }
    for (size_t i = 0; i < from->count; i++) {
        to->items[to->count] = from->items[i];
        to->items[to->count++].line += to->line;
    }
    to->line += from->line;
    to->oom |= from->oom;
    free(from->items);
    memset(from, 0, sizeof *from);
    return 0;
}

void lint_report_clear(struct lint_report *rep)
{
    for (size_t i = 0; i < rep->count; i++) {
        free(rep->items[i].match);
        free(rep->items[i].suggestion);
    }
    free(rep->items);
    memset(rep, 0, sizeof *rep);
}
