/* severity.c: loading the severity policy from JSON (default + user override) and classifying. */
#include "severity.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>


static const char *const row_keys[SEV_ROWS] = {
#define SEV_X_KEY(id, key) key,
    SEV_ROW_LIST(SEV_X_KEY)};
static const char *const col_keys[SEV_COLS] = {SEV_COL_LIST(SEV_X_KEY)};
static const char *const trigger_keys[SEV_TRIGGER_COUNT] = {SEV_TRIGGER_LIST(SEV_X_KEY)};
#undef SEV_X_KEY

static const char *const level_names[SEV_LEVELS] = {"SEV1", "SEV2", "SEV3", "SEV4"};

const char *sev_row_key(int row)
{
    return row >= 0 && row < SEV_ROWS ? row_keys[row] : NULL;
}

const char *sev_col_key(int col)
{
    return col >= 0 && col < SEV_COLS ? col_keys[col] : NULL;
}

const char *sev_trigger_key(int trigger)
{
    return trigger >= 0 && trigger < SEV_TRIGGER_COUNT ? trigger_keys[trigger] : NULL;
}

/* Key comparison that forgives case and '-' for '_' (CLI users type --impact core-down). */
static bool key_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

static int key_find(const char *const *keys, int n, const char *key)
{
    if (!key)
        return -1;
    for (int i = 0; i < n; i++)
        if (key_eq(keys[i], key))
            return i;
    return -1;
}

int sev_row_from_key(const char *key)
{
    return key_find(row_keys, SEV_ROWS, key);
}

int sev_col_from_key(const char *key)
{
    return key_find(col_keys, SEV_COLS, key);
}

int sev_trigger_from_key(const char *key)
{
    return key_find(trigger_keys, SEV_TRIGGER_COUNT, key);
}

const char *sev_name(int severity)
{
    return severity >= 1 && severity <= SEV_LEVELS ? level_names[severity - 1] : "SEV?";
}

int sev_cadence_minutes(const struct sev_policy *p, int severity)
{
    if (!p || severity < 1 || severity > SEV_LEVELS)
        return -1;
    return p->levels[severity - 1].cadence_minutes;
}

/* ---- loading ---- */

struct load_ctx {
    const char *name; /* file name for messages */
    struct wr_error *err;
};

/* Short, terminal-safe description of a JSON value for "got ..." in messages. */
static void describe(const cJSON *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "nothing");
    } else if (cJSON_IsString(v)) {
        char tmp[44];
        size_t len = 0;
        for (const unsigned char *s = (const unsigned char *)v->valuestring; *s && len < 40; s++)
            tmp[len++] = (char)(*s < 0x20 || *s == 0x7f ? '?' : *s);
        /* do not end inside a UTF-8 sequence */
        while (len > 0 && ((unsigned char)tmp[len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0 && ((unsigned char)tmp[len - 1] & 0xC0) == 0xC0)
            len--;
        tmp[len] = '\0';
        snprintf(buf, n, "\"%s%s\"", tmp, strlen(v->valuestring) > len ? "..." : "");
    } else if (cJSON_IsNumber(v)) {
        snprintf(buf, n, "%.15g", v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        snprintf(buf, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNull(v)) {
        snprintf(buf, n, "null");
    } else if (cJSON_IsArray(v)) {
        snprintf(buf, n, "an array");
    } else {
        snprintf(buf, n, "an object");
    }
}

static int bad(struct load_ctx *c, const char *field, const char *expected, const cJSON *got)
{
    char desc[64];
    describe(got, desc, sizeof desc);
    return wr_fail(c->err, WR_E_CONFIG, "%s: %s: expected %s, got %s", c->name, field, expected,
                   desc);
}

static bool is_comment(const cJSON *item)
{
    return item->string && item->string[0] == '_';
}

/* An integer lo..hi; `what` explains the range in the message (may be NULL). */
static int get_int(struct load_ctx *c, const cJSON *v, const char *field, int lo, int hi,
                   const char *what, int *out)
{
    char expected[96];
    if (lo == hi)
        snprintf(expected, sizeof expected, "%d", lo);
    else
        snprintf(expected, sizeof expected, "an integer %d..%d%s%s%s", lo, hi, what ? " (" : "",
                 what ? what : "", what ? ")" : "");
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
        v->valuedouble != (double)(int)v->valuedouble)
        return bad(c, field, expected, v);
    *out = (int)v->valuedouble;
    return 0;
}

static int get_text(struct load_ctx *c, const cJSON *v, const char *field, char *dst, size_t n)
{
    char expected[80];
    snprintf(expected, sizeof expected, "a non-empty line of text of at most %zu bytes", n - 1);
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return bad(c, field, expected, v);
    size_t len = strlen(v->valuestring);
    if (len >= n)
        return bad(c, field, expected, v);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)v->valuestring[i];
        if (ch < 0x20 || ch == 0x7f)
            return bad(c, field, "text without control characters (no newlines or tabs)", v);
    }
    if (!wr_utf8_valid(v->valuestring, len))
        return bad(c, field, "valid UTF-8 text", v);
    memcpy(dst, v->valuestring, len + 1);
    return 0;
}

static int unknown(struct load_ctx *c, const char *parent, const cJSON *item, const char *choices)
{
    char field[160];
    snprintf(field, sizeof field, "%s%s%s", parent, parent[0] ? "." : "", item->string);
    return wr_fail(c->err, WR_E_CONFIG, "%s: %s: unknown field; expected one of %s", c->name, field,
                   choices);
}

static int need_object(struct load_ctx *c, const cJSON *v, const char *field)
{
    if (!cJSON_IsObject(v))
        return bad(c, field, "an object", v);
    return 0;
}

static int level_index(const char *key)
{
    /* Only the canonical spelling, so files stay greppable. */
    for (int i = 0; i < SEV_LEVELS; i++)
        if (strcmp(key, level_names[i]) == 0)
            return i;
    return -1;
}

static int load_levels(struct load_ctx *c, struct sev_policy *p, const cJSON *obj)
{
    if (need_object(c, obj, "levels") < 0)
        return -1;
    const cJSON *lv;
    cJSON_ArrayForEach(lv, obj)
    {
        if (is_comment(lv))
            continue;
        int i = level_index(lv->string);
        if (i < 0)
            return unknown(c, "levels", lv, "SEV1, SEV2, SEV3, SEV4");
        char field[96];
        snprintf(field, sizeof field, "levels.%s", level_names[i]);
        if (need_object(c, lv, field) < 0)
            return -1;
        const cJSON *f;
        cJSON_ArrayForEach(f, lv)
        {
            if (is_comment(f))
                continue;
            snprintf(field, sizeof field, "levels.%s.%s", level_names[i], f->string);
            struct sev_level *L = &p->levels[i];
            int rc;
            if (strcmp(f->string, "title") == 0)
                rc = get_text(c, f, field, L->title, sizeof L->title);
            else if (strcmp(f->string, "description") == 0)
                rc = get_text(c, f, field, L->description, sizeof L->description);
            else if (strcmp(f->string, "response") == 0)
                rc = get_text(c, f, field, L->response, sizeof L->response);
            else {
                snprintf(field, sizeof field, "levels.%s", level_names[i]);
                rc = unknown(c, field, f, "title, description, response");
            }
            if (rc < 0)
                return -1;
        }
    }
    return 0;
}

static int load_labels(struct load_ctx *c, const char *name, const cJSON *obj,
                       const char *const *keys, int n, char (*labels)[48], const char *choices)
{
    if (need_object(c, obj, name) < 0)
        return -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (is_comment(it))
            continue;
        int i = -1;
        for (int k = 0; k < n; k++)
            if (strcmp(it->string, keys[k]) == 0)
                i = k;
        if (i < 0)
            return unknown(c, name, it, choices);
        char field[96];
        snprintf(field, sizeof field, "%s.%s", name, keys[i]);
        if (get_text(c, it, field, labels[i], 48) < 0)
            return -1;
    }
    return 0;
}

#define ROW_CHOICES "core_down, degraded, noncore_down, cosmetic"
#define COL_CHOICES "one, lt25, gt25, all"
#define TRIGGER_CHOICES "data_loss, pii_breach, revenue, sla_imminent"

static int load_matrix(struct load_ctx *c, struct sev_policy *p, const cJSON *obj)
{
    if (need_object(c, obj, "matrix") < 0)
        return -1;
    const cJSON *row;
    cJSON_ArrayForEach(row, obj)
    {
        if (is_comment(row))
            continue;
        int r = -1;
        for (int k = 0; k < SEV_ROWS; k++)
            if (strcmp(row->string, row_keys[k]) == 0)
                r = k;
        if (r < 0)
            return unknown(c, "matrix", row, ROW_CHOICES);
        char field[96];
        snprintf(field, sizeof field, "matrix.%s", row_keys[r]);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != SEV_COLS)
            return bad(c, field, "an array of 4 severities (1 user, <25%, >25%, all users)", row);
        int cells[SEV_COLS];
        for (int k = 0; k < SEV_COLS; k++) {
            snprintf(field, sizeof field, "matrix.%s[%d]", row_keys[r], k);
            if (get_int(c, cJSON_GetArrayItem(row, k), field, 1, SEV_LEVELS, NULL, &cells[k]) < 0)
                return -1;
        }
        memcpy(p->matrix[r], cells, sizeof cells);
    }
    return 0;
}

static int load_triggers(struct load_ctx *c, struct sev_policy *p, const cJSON *obj)
{
    if (need_object(c, obj, "triggers") < 0)
        return -1;
    const cJSON *tr;
    cJSON_ArrayForEach(tr, obj)
    {
        if (is_comment(tr))
            continue;
        int t = -1;
        for (int k = 0; k < SEV_TRIGGER_COUNT; k++)
            if (strcmp(tr->string, trigger_keys[k]) == 0)
                t = k;
        if (t < 0)
            return unknown(c, "triggers", tr, TRIGGER_CHOICES);
        char field[96];
        snprintf(field, sizeof field, "triggers.%s", trigger_keys[t]);
        if (need_object(c, tr, field) < 0)
            return -1;
        struct sev_trigger_rule *R = &p->triggers[t];
        const cJSON *f;
        cJSON_ArrayForEach(f, tr)
        {
            if (is_comment(f))
                continue;
            snprintf(field, sizeof field, "triggers.%s.%s", trigger_keys[t], f->string);
            int rc;
            if (strcmp(f->string, "label") == 0) {
                rc = get_text(c, f, field, R->label, sizeof R->label);
            } else if (strcmp(f->string, "min_severity") == 0) {
                rc = get_int(c, f, field, 0, SEV_LEVELS, "0 = no floor", &R->min_severity);
            } else if (strcmp(f->string, "escalate_levels") == 0) {
                rc = get_int(c, f, field, 0, SEV_LEVELS - 1, NULL, &R->escalate_levels);
            } else {
                snprintf(field, sizeof field, "triggers.%s", trigger_keys[t]);
                rc = unknown(c, field, f, "label, min_severity, escalate_levels");
            }
            if (rc < 0)
                return -1;
        }
    }
    return 0;
}

static int load_cadence(struct load_ctx *c, struct sev_policy *p, const cJSON *obj)
{
    if (need_object(c, obj, "cadence_minutes") < 0)
        return -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (is_comment(it))
            continue;
        int i = level_index(it->string);
        if (i < 0)
            return unknown(c, "cadence_minutes", it, "SEV1, SEV2, SEV3, SEV4");
        char field[96];
        snprintf(field, sizeof field, "cadence_minutes.%s", level_names[i]);
        if (get_int(c, it, field, 0, 24 * 60, "minutes; 0 = no scheduled updates",
                    &p->levels[i].cadence_minutes) < 0)
            return -1;
        p->levels[i].cadence_set = true;
    }
    return 0;
}

/* Name the first part the merged policy still lacks, or return false when complete. */
static bool find_missing(const struct sev_policy *p, char *field, size_t n)
{
    for (int i = 0; i < SEV_LEVELS; i++) {
        const struct sev_level *L = &p->levels[i];
        const char *part = !L->title[0]         ? "title"
                           : !L->description[0] ? "description"
                           : !L->response[0]    ? "response"
                                                : NULL;
        if (part) {
            snprintf(field, n, "levels.%s.%s", level_names[i], part);
            return true;
        }
        if (!L->cadence_set) {
            snprintf(field, n, "cadence_minutes.%s", level_names[i]);
            return true;
        }
    }
    for (int r = 0; r < SEV_ROWS; r++) {
        if (!p->row_labels[r][0]) {
            snprintf(field, n, "rows.%s", row_keys[r]);
            return true;
        }
        for (int k = 0; k < SEV_COLS; k++)
            if (p->matrix[r][k] < 1 || p->matrix[r][k] > SEV_LEVELS) {
                snprintf(field, n, "matrix.%s", row_keys[r]);
                return true;
            }
    }
    for (int k = 0; k < SEV_COLS; k++)
        if (!p->col_labels[k][0]) {
            snprintf(field, n, "columns.%s", col_keys[k]);
            return true;
        }
    for (int t = 0; t < SEV_TRIGGER_COUNT; t++)
        if (!p->triggers[t].label[0]) {
            snprintf(field, n, "triggers.%s.label", trigger_keys[t]);
            return true;
        }
    return false;
}

/* Line and column of byte offset `off` in text, both 1-based. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int sev_policy_merge_text(struct sev_policy *p, const char *text, const char *name,
                          bool require_complete, struct wr_error *err)
{
    int rc = -1;
    struct load_ctx c = {name ? name : "severity policy", err};
    struct sev_policy tmp = *p;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        int line, col;
        size_t off = end && end >= text ? (size_t)(end - text) : 0;
        line_col(text, off, &line, &col);
        wr_fail(err, WR_E_CONFIG, "%s:%d:%d: not valid JSON; fix the syntax near there", c.name,
                line, col);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        bad(&c, "(top level)", "an object", root);
        goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        int r;
        if (is_comment(it))
            continue;
        if (strcmp(it->string, "version") == 0) {
            int v;
            r = get_int(&c, it, "version", 1, 1, NULL, &v);
        } else if (strcmp(it->string, "levels") == 0) {
            r = load_levels(&c, &tmp, it);
        } else if (strcmp(it->string, "rows") == 0) {
            r = load_labels(&c, "rows", it, row_keys, SEV_ROWS, tmp.row_labels, ROW_CHOICES);
        } else if (strcmp(it->string, "columns") == 0) {
            r = load_labels(&c, "columns", it, col_keys, SEV_COLS, tmp.col_labels, COL_CHOICES);
        } else if (strcmp(it->string, "matrix") == 0) {
            r = load_matrix(&c, &tmp, it);
        } else if (strcmp(it->string, "triggers") == 0) {
            r = load_triggers(&c, &tmp, it);
        } else if (strcmp(it->string, "cadence_minutes") == 0) {
            r = load_cadence(&c, &tmp, it);
        } else {
            r = unknown(&c, "", it,
                        "version, levels, rows, columns, matrix, triggers, cadence_minutes");
        }
        if (r < 0)
            goto out;
    }
    char field[96];
    if (require_complete && find_missing(&tmp, field, sizeof field)) {
        wr_fail(err, WR_E_CONFIG, "%s: %s: missing; the policy must define it", c.name, field);
        goto out;
    }
    *p = tmp;
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

static int merge_file(struct sev_policy *p, const char *path, struct wr_error *err)
{
    char *text = wr_read_file(path, NULL, err);
    if (!text)
        return -1;
    int rc = sev_policy_merge_text(p, text, path, false, err);
    free(text);
    return rc;
}

int sev_policy_load(struct sev_policy *p, const char *default_path, const char *user_path,
                    struct wr_error *err)
{
    struct sev_policy tmp;
    memset(&tmp, 0, sizeof tmp);
    if (!default_path && !user_path)
        return wr_fail(err, WR_E_CONFIG,
                       "no severity policy file given; expected the path of "
                       "data/severity.json");
    if (default_path && merge_file(&tmp, default_path, err) < 0)
        return -1;
    if (user_path && merge_file(&tmp, user_path, err) < 0)
        return -1;
    char field[96];
    if (find_missing(&tmp, field, sizeof field)) {
        if (default_path && user_path)
            return wr_fail(err, WR_E_CONFIG,
                           "%s: %s: missing, and %s does not give it either; the policy must "
                           "define it",
                           default_path, field, user_path);
        return wr_fail(err, WR_E_CONFIG, "%s: %s: missing; the policy must define it",
                       default_path ? default_path : user_path, field);
    }
    *p = tmp;
    return 0;
}

/* ---- classification ---- */

struct text_out {
    char *buf;
    size_t cap, len;
};

static void out_printf(struct text_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void out_printf(struct text_out *o, const char *fmt, ...)
{
    if (o->len >= o->cap - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    o->len += (size_t)n;
    if (o->len >= o->cap)
        o->len = o->cap - 1;
}

int sev_classify(const struct sev_policy *p, int row, int col, unsigned triggers,
                 struct sev_result *out)
{
    if (!p || !out || row < 0 || row >= SEV_ROWS || col < 0 || col >= SEV_COLS ||
        (triggers & ~SEV_TRIGGER_ALL))
        return -1;
    int sev = p->matrix[row][col];
    if (sev < 1 || sev > SEV_LEVELS)
        return -1;
    memset(out, 0, sizeof *out);
    out->matrix_severity = sev;
    out->decided_by = -1;
    struct text_out o = {out->rationale, sizeof out->rationale, 0};
    out_printf(&o, "%s × %s → %s (matrix)", p->row_labels[row], p->col_labels[col], sev_name(sev));

    /* Step 2: floors, in trigger order. */
    for (int t = 0; t < SEV_TRIGGER_COUNT; t++) {
        const struct sev_trigger_rule *R = &p->triggers[t];
        if (!(triggers & SEV_TRIGGER_BIT(t)))
            continue;
        if (R->min_severity == 0 && R->escalate_levels == 0) {
            out_printf(&o, "; %s: no effect in this policy", R->label);
            continue;
        }
        if (R->min_severity == 0)
            continue;
        if (sev > R->min_severity) {
            sev = R->min_severity;
            out->decided_by = t;
            out->changed_by |= SEV_TRIGGER_BIT(t);
            out_printf(&o, "; %s: at least %s → %s", R->label, sev_name(R->min_severity),
                       sev_name(sev));
        } else {
            out_printf(&o, "; %s: at least %s (no change)", R->label, sev_name(R->min_severity));
        }
    }
    /* Step 3: escalations, after every floor. */
    for (int t = 0; t < SEV_TRIGGER_COUNT; t++) {
        const struct sev_trigger_rule *R = &p->triggers[t];
        if (!(triggers & SEV_TRIGGER_BIT(t)) || R->escalate_levels == 0)
            continue;
        char levels[24];
        if (R->escalate_levels == 1)
            snprintf(levels, sizeof levels, "one level");
        else
            snprintf(levels, sizeof levels, "%d levels", R->escalate_levels);
        if (sev == 1) {
            out_printf(&o, "; %s: already SEV1, cannot escalate further (no change)", R->label);
            continue;
        }
        int target = sev - R->escalate_levels;
        bool capped = target < 1;
        sev = capped ? 1 : target;
        out->decided_by = t;
        out->changed_by |= SEV_TRIGGER_BIT(t);
        out_printf(&o, "; %s: escalated %s%s → %s", R->label, levels,
                   capped ? ", capped at SEV1" : "", sev_name(sev));
    }
    out->severity = sev;
    return 0;
}
