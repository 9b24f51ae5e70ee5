/* replay.c: loading replay files of recorded SLI series and reading them at a time. */
#include "replay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define REPLAY_MAX_SERIES 256
#define REPLAY_MAX_SAMPLES 2000000
#define REPLAY_NAME_MAX 128

struct load_ctx {
    const char *name;
    struct wr_error *err;
    int64_t start_ms;
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
            tmp[len++] = (char)(*s < 0x20 || *s == 0x7f || *s >= 0x80 ? '?' : *s);
        tmp[len] = '\0';
        snprintf(buf, n, "\"%s%s\"", tmp, strlen(v->valuestring) > len ? "..." : "");
    } else if (cJSON_IsNumber(v)) {
        snprintf(buf, n, "%.15g", v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        snprintf(buf, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNull(v)) {
        snprintf(buf, n, "null");
    } else if (cJSON_IsArray(v)) {
        snprintf(buf, n, "an array of %d", cJSON_GetArraySize(v));
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

/* An ISO 8601 date-time with an explicit zone; nothing relative to "now" is accepted. */
static int parse_abs_time(const char *text, int64_t *out)
{
    size_t len = strlen(text);
    if (len < 16 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' '))
        return -1;
    if (!strpbrk(text + 11, "Zz+-"))
        return -1;
    return wr_time_parse(text, 0, out, NULL);
}

static int parse_time(struct load_ctx *c, const cJSON *v, const char *field, int64_t *out)
{
    static const char expected[] = "seconds after start or an ISO 8601 time with a zone";
    if (cJSON_IsNumber(v)) {
        double ms = v->valuedouble * 1000.0;
        if (!isfinite(ms) || fabs(ms) > 1e15)
            return bad(c, field, expected, v);
        *out = c->start_ms + (int64_t)llround(ms);
        return 0;
    }
    if (cJSON_IsString(v) && parse_abs_time(v->valuestring, out) == 0)
        return 0;
    return bad(c, field, expected, v);
}

static int get_number(struct load_ctx *c, const cJSON *v, const char *field, bool counter,
                      double *out)
{
    if (cJSON_IsNull(v)) {
        *out = NAN;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || (counter && v->valuedouble < 0))
        return bad(c, field, counter ? "a count >= 0 or null (a gap)" : "a number or null (a gap)",
                   v);
    *out = v->valuedouble;
    return 0;
}

static int get_string(struct load_ctx *c, const cJSON *obj, const char *key, const char *prefix,
                      bool required, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char field[96];
    snprintf(field, sizeof field, "%s%s", prefix, key);
    if (!v) {
        if (required)
            return wr_fail(c->err, WR_E_CONFIG, "%s: %s: missing; expected a string", c->name,
                           field);
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0] ||
        !wr_utf8_valid(v->valuestring, strlen(v->valuestring)))
        return bad(c, field, "a non-empty UTF-8 string", v);
    *out = wr_strdup(v->valuestring);
    if (!*out)
        return wr_fail(c->err, WR_E_NOMEM, "%s: out of memory", c->name);
    return 0;
}

static bool known_key(const char *key, const char *const *keys)
{
    if (key[0] == '_')
        return true; /* comments */
    for (; *keys; keys++)
        if (strcmp(key, *keys) == 0)
            return true;
    return false;
}

static int check_keys(struct load_ctx *c, const cJSON *obj, const char *prefix,
                      const char *const *keys, const char *choices)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (!known_key(it->string, keys))
            return wr_fail(c->err, WR_E_CONFIG, "%s: %s%s: unknown field; expected one of %s",
                           c->name, prefix, it->string, choices);
    }
    return 0;
}

static int load_series(struct load_ctx *c, const cJSON *obj, size_t index, struct replay_series *s)
{
    static const char *const keys[] = {"name", "unit", "kind", "description", "samples", NULL};
    char prefix[64];
    snprintf(prefix, sizeof prefix, "series[%zu].", index);
    if (!cJSON_IsObject(obj)) {
        snprintf(prefix, sizeof prefix, "series[%zu]", index);
        return bad(c, prefix, "an object with name, unit and samples", obj);
    }
    if (check_keys(c, obj, prefix, keys, "name, unit, kind, description, samples") < 0)
        return -1;
    if (get_string(c, obj, "name", prefix, true, &s->name) < 0 ||
        get_string(c, obj, "unit", prefix, true, &s->unit) < 0 ||
        get_string(c, obj, "description", prefix, false, &s->description) < 0)
        return -1;
    char field[128];
    if (strlen(s->name) > REPLAY_NAME_MAX) {
        snprintf(field, sizeof field, "%sname", prefix);
        return bad(c, field, "a name of at most 128 bytes",
                   cJSON_GetObjectItemCaseSensitive(obj, "name"));
    }
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    s->kind = REPLAY_GAUGE;
    if (kind) {
        snprintf(field, sizeof field, "%skind", prefix);
        if (cJSON_IsString(kind) && strcmp(kind->valuestring, "gauge") == 0)
            s->kind = REPLAY_GAUGE;
        else if (cJSON_IsString(kind) && strcmp(kind->valuestring, "good_total") == 0)
            s->kind = REPLAY_GOOD_TOTAL;
        else
            return bad(c, field, "\"gauge\" or \"good_total\"", kind);
    }
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(obj, "samples");
    snprintf(field, sizeof field, "%ssamples", prefix);
    if (!cJSON_IsArray(samples))
        return bad(c, field, "an array of samples", samples);
    int n = cJSON_GetArraySize(samples);
    if (n > REPLAY_MAX_SAMPLES)
        return wr_fail(c->err, WR_E_CONFIG, "%s: %s: more than %d samples; split the file", c->name,
                       field, REPLAY_MAX_SAMPLES);
    if (n > 0) {
        s->samples = calloc((size_t)n, sizeof *s->samples);
        if (!s->samples)
            return wr_fail(c->err, WR_E_NOMEM, "%s: out of memory", c->name);
    }
    size_t want = s->kind == REPLAY_GOOD_TOTAL ? 3 : 2;
    const char *shape =
        s->kind == REPLAY_GOOD_TOTAL ? "[time, good, total] or [time, null]" : "[time, value]";
    const cJSON *sm;
    size_t i = 0;
    cJSON_ArrayForEach(sm, samples)
    {
        struct replay_sample *out = &s->samples[i];
        snprintf(field, sizeof field, "%ssamples[%zu]", prefix, i);
        int len = cJSON_IsArray(sm) ? cJSON_GetArraySize(sm) : -1;
        bool gap = len == 2 && cJSON_IsNull(cJSON_GetArrayItem(sm, 1));
        if (len != (int)want && !gap)
            return bad(c, field, shape, sm);
        snprintf(field, sizeof field, "%ssamples[%zu][0]", prefix, i);
        if (parse_time(c, cJSON_GetArrayItem(sm, 0), field, &out->t_ms) < 0)
            return -1;
        if (i > 0 && out->t_ms <= s->samples[i - 1].t_ms) {
            char a[32], b[32];
            return wr_fail(c->err, WR_E_CONFIG,
                           "%s: %s: expected a time after the previous sample (%s), got %s",
                           c->name, field, wr_time_iso(s->samples[i - 1].t_ms, a, sizeof a),
                           wr_time_iso(out->t_ms, b, sizeof b));
        }
        out->value = out->good = out->total = NAN;
        if (!gap && s->kind == REPLAY_GOOD_TOTAL) {
            snprintf(field, sizeof field, "%ssamples[%zu][1]", prefix, i);
            if (get_number(c, cJSON_GetArrayItem(sm, 1), field, true, &out->good) < 0)
                return -1;
            snprintf(field, sizeof field, "%ssamples[%zu][2]", prefix, i);
            if (get_number(c, cJSON_GetArrayItem(sm, 2), field, true, &out->total) < 0)
                return -1;
            if (isnan(out->good) != isnan(out->total) || out->good > out->total) {
                snprintf(field, sizeof field, "%ssamples[%zu]", prefix, i);
                return bad(c, field, "good <= total (both counts, or both null)", sm);
            }
            if (!isnan(out->total) && out->total > 0)
                out->value = out->good / out->total;
        } else if (!gap) {
            snprintf(field, sizeof field, "%ssamples[%zu][1]", prefix, i);
            if (get_number(c, cJSON_GetArrayItem(sm, 1), field, false, &out->value) < 0)
                return -1;
        }
        i++;
    }
    s->count = i;
    return 0;
}

static void series_clear(struct replay_series *s)
{
    free(s->name);
    free(s->unit);
    free(s->description);
    free(s->samples);
}

void replay_free(struct replay_file **f)
{
    if (!f || !*f)
        return;
    for (size_t i = 0; i < (*f)->count; i++)
        series_clear(&(*f)->series[i]);
    free((*f)->series);
    free((*f)->note);
    free(*f);
    *f = NULL;
}

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

int replay_parse(const char *text, const char *name, struct replay_file **out, struct wr_error *err)
{
    static const char *const keys[] = {"format", "version", "start", "speed",
                                       "note",   "series",  NULL};
    int rc = -1;
    struct load_ctx c = {name ? name : "replay", err, 0};
    struct replay_file *f = NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        int line, col;
        line_col(text, end && end >= text ? (size_t)(end - text) : 0, &line, &col);
        wr_fail(err, WR_E_CONFIG, "%s:%d:%d: not valid JSON; fix the syntax near there", c.name,
                line, col);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        bad(&c, "(top level)", "an object", root);
        goto out;
    }
    if (check_keys(&c, root, "", keys, "format, version, start, speed, note, series") < 0)
        goto out;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, "warroom-replay") != 0) {
        bad(&c, "format", "\"warroom-replay\"", v);
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(v) || v->valuedouble != 1.0) {
        bad(&c, "version", "1", v);
        goto out;
    }
    f = calloc(1, sizeof *f);
    if (!f) {
        wr_fail(err, WR_E_NOMEM, "%s: out of memory", c.name);
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "start");
    if (!cJSON_IsString(v) || parse_abs_time(v->valuestring, &f->start_ms) < 0) {
        bad(&c, "start", "an ISO 8601 time with a zone, like \"2026-03-10T08:30:00-03:00\"", v);
        goto out;
    }
    c.start_ms = f->start_ms;
    f->speed = 1.0;
    v = cJSON_GetObjectItemCaseSensitive(root, "speed");
    if (v) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble > 0.0) || v->valuedouble > 1e6) {
            bad(&c, "speed", "a number > 0 (1 = real time)", v);
            goto out;
        }
        f->speed = v->valuedouble;
    }
    if (get_string(&c, root, "note", "", false, &f->note) < 0)
        goto out;
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(root, "series");
    if (!cJSON_IsArray(series)) {
        bad(&c, "series", "an array of series", series);
        goto out;
    }
    int n = cJSON_GetArraySize(series);
    if (n > REPLAY_MAX_SERIES) {
        wr_fail(err, WR_E_CONFIG, "%s: series: more than %d series", c.name, REPLAY_MAX_SERIES);
        goto out;
    }
    if (n > 0) {
        f->series = calloc((size_t)n, sizeof *f->series);
        if (!f->series) {
            wr_fail(err, WR_E_NOMEM, "%s: out of memory", c.name);
            goto out;
        }
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, series)
    {
        struct replay_series *s = &f->series[f->count];
        f->count++; /* counted before loading so a partly loaded series is freed */
        if (load_series(&c, it, f->count - 1, s) < 0)
            goto out;
        for (size_t k = 0; k + 1 < f->count; k++)
            if (strcmp(f->series[k].name, s->name) == 0) {
                wr_fail(err, WR_E_CONFIG,
                        "%s: series[%zu].name: \"%s\" is already used by "
                        "series[%zu]; names must be unique",
                        c.name, f->count - 1, s->name, k);
                goto out;
            }
    }
    *out = f;
    f = NULL;
    rc = 0;
out:
    replay_free(&f);
    cJSON_Delete(root);
    return rc;
}

int replay_load(const char *path, struct replay_file **out, struct wr_error *err)
{
    char *text = wr_read_file(path, NULL, err);
    if (!text)
        return -1;
    int rc = replay_parse(text, path, out, err);
    free(text);
    return rc;
}

const struct replay_series *replay_find(const struct replay_file *f, const char *name)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->series[i].name, name) == 0)
            return &f->series[i];
    return NULL;
}

int64_t replay_end_ms(const struct replay_file *f)
{
    int64_t end = WR_TIME_NONE;
    for (size_t i = 0; f && i < f->count; i++) {
        const struct replay_series *s = &f->series[i];
        if (s->count && s->samples[s->count - 1].t_ms > end)
            end = s->samples[s->count - 1].t_ms;
    }
    return end;
}

/* Index of the first sample with t_ms > t (binary search); count when none. */
static size_t upper_bound(const struct replay_series *s, int64_t t)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->samples[mid].t_ms <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

enum replay_status replay_value_at(const struct replay_series *s, int64_t t_ms, double *value,
                                   const struct replay_sample **sample)
{
    if (sample)
        *sample = NULL;
    if (!s || s->count == 0)
        return REPLAY_NO_DATA;
    size_t i = upper_bound(s, t_ms);
    if (i == 0)
        return REPLAY_NO_DATA;
    const struct replay_sample *x = &s->samples[i - 1];
    if (sample)
        *sample = x;
    if (s->kind == REPLAY_GOOD_TOTAL && !isnan(x->total) && x->total == 0)
        return REPLAY_NO_TRAFFIC;
    if (isnan(x->value))
        return REPLAY_NO_DATA;
    if (value)
        *value = x->value;
    return REPLAY_OK;
}

size_t replay_window(const struct replay_series *s, int64_t from_ms, int64_t to_ms,
                     replay_sample_fn fn, void *ctx)
{
    if (!s || to_ms <= from_ms)
        return 0;
    size_t visited = 0;
    for (size_t i = upper_bound(s, from_ms); i < s->count && s->samples[i].t_ms <= to_ms; i++) {
        visited++;
        if (fn && fn(&s->samples[i], ctx) != 0)
            break;
    }
    return visited;
}

int replay_slo_samples(const struct replay_series *s, int64_t from_ms, int64_t to_ms,
                       struct slo_sample **out, size_t *n)
{
    if (!s || !out || !n || s->kind != REPLAY_GOOD_TOTAL)
        return -1;
    *out = NULL;
    *n = 0;
    if (to_ms <= from_ms)
        return 0;
    size_t first = upper_bound(s, from_ms), last = upper_bound(s, to_ms);
    if (last <= first)
        return 0;
    struct slo_sample *a = malloc((last - first) * sizeof *a);
    if (!a)
        return -1;
    size_t k = 0;
    for (size_t i = first; i < last; i++) {
        if (isnan(s->samples[i].total))
            continue;
        a[k].t_ms = s->samples[i].t_ms;
        a[k].good = s->samples[i].good;
        a[k].total = s->samples[i].total;
        k++;
    }
    if (k == 0) {
        free(a);
        return 0;
    }
    *out = a;
    *n = k;
    return 0;
}

int replay_points(const struct replay_series *s, int64_t from_ms, int64_t to_ms,
                  struct slo_point **out, size_t *n)
{
    if (!s || !out || !n)
        return -1;
    *out = NULL;
    *n = 0;
    if (to_ms <= from_ms)
        return 0;
    size_t first = upper_bound(s, from_ms), last = upper_bound(s, to_ms);
    if (last <= first)
        return 0;
    struct slo_point *a = malloc((last - first) * sizeof *a);
    if (!a)
        return -1;
    size_t k = 0;
    for (size_t i = first; i < last; i++) {
        if (isnan(s->samples[i].value))
            continue;
        a[k].t_ms = s->samples[i].t_ms;
        a[k].value = s->samples[i].value;
        k++;
    }
    if (k == 0) {
        free(a);
        return 0;
    }
    *out = a;
    *n = k;
    return 0;
}

struct replay_clock replay_clock_same_time(const struct replay_file *f)
{
    int64_t start = f ? f->start_ms : 0;
    struct replay_clock c = {start, start, 1.0};
    return c;
}

struct replay_clock replay_clock_from(const struct replay_file *f, int64_t clock_start_ms,
                                      double speed)
{
    struct replay_clock c = {clock_start_ms, f ? f->start_ms : 0, speed > 0 ? speed : 1.0};
    return c;
}

int64_t replay_clock_map(const struct replay_clock *c, int64_t clock_ms)
{
    double delta = (double)(clock_ms - c->clock_anchor_ms) * c->speed;
    return c->replay_anchor_ms + (int64_t)llround(delta);
}
