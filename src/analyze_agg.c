/* analyze_agg.c: the aggregation state of log analysis: exact counts per endpoint, error type
 * and minute plus latency histograms, all mergeable so that each thread keeps its own. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"

/* ---- options and field maps ---- */

static const char *const field_names[ANA_F_COUNT] = {
#define ANA_X_NAME(id, name) name,
    ANALYZE_FIELD_LIST(ANA_X_NAME)
#undef ANA_X_NAME
};

static void map_put(struct analyze_map *m, const char *name, int field, int prio, bool user,
                    double scale)
{
    if (m->count >= ANALYZE_MAX_NAMES)
        return;
    struct analyze_map_name *n = &m->names[m->count++];
    snprintf(n->name, sizeof n->name, "%s", name);
    n->len = (uint8_t)strlen(n->name);
    n->field = (uint8_t)field;
    n->prio = (uint8_t)prio;
    n->user = user;
    n->scale = scale;
    if (strchr(n->name, '.'))
        m->nested = true;
}

void analyze_map_defaults(struct analyze_map *m)
{
    memset(m, 0, sizeof *m);
    static const struct {
        const char *name;
        int field;
    } defs[] = {
        {"timestamp", ANA_F_TIMESTAMP}, {"@timestamp", ANA_F_TIMESTAMP}, {"time", ANA_F_TIMESTAMP},
        {"ts", ANA_F_TIMESTAMP},        {"level", ANA_F_LEVEL},          {"severity", ANA_F_LEVEL},
        {"service", ANA_F_SERVICE},     {"message", ANA_F_MESSAGE},      {"msg", ANA_F_MESSAGE},
        {"error_type", ANA_F_ERROR_TYPE}, {"error_message", ANA_F_ERROR_MESSAGE},
        {"http_method", ANA_F_METHOD},  {"method", ANA_F_METHOD},        {"http_path", ANA_F_PATH},
        {"path", ANA_F_PATH},           {"http_status", ANA_F_STATUS},   {"status", ANA_F_STATUS},
        {"duration_ms", ANA_F_DURATION}, {"dependency", ANA_F_DEPENDENCY},
        {"retry_count", ANA_F_RETRY_COUNT},
    };
    int prio[ANA_F_COUNT] = {0};
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        map_put(m, defs[i].name, defs[i].field, prio[defs[i].field]++, false, 1);
}

int analyze_map_apply(struct analyze_map *m, const char *rule, const char *where,
                      struct wr_error *err)
{
    const char *eq = strchr(rule, '=');
    if (!eq || eq == rule || !eq[1])
        return wr_fail(err, WR_E_USAGE, "%s %s: expected FIELD=NAME, e.g. status=statusCode or "
                       "duration=latency:s", where, rule);
    char field[32], name[ANALYZE_NAME_MAX + 8];
    size_t fl = (size_t)(eq - rule);
    if (fl >= sizeof field)
        return wr_fail(err, WR_E_USAGE, "%s %s: unknown field; fields: timestamp, level, "
                       "service, message, error_type, error_message, method, path, status, "
                       "duration, dependency, retry_count", where, rule);
    memcpy(field, rule, fl);
    field[fl] = '\0';
    snprintf(name, sizeof name, "%s", eq + 1);
    static const struct {
        const char *alias;
        int field;
    } aliases[] = {{"method", ANA_F_METHOD}, {"path", ANA_F_PATH}, {"status", ANA_F_STATUS},
                   {"duration", ANA_F_DURATION}, {"latency", ANA_F_DURATION},
                   {"time", ANA_F_TIMESTAMP}, {"error", ANA_F_ERROR_TYPE},
                   {"retries", ANA_F_RETRY_COUNT}};
    int f = -1;
    for (int i = 0; i < ANA_F_COUNT && f < 0; i++)
        if (strcmp(field, field_names[i]) == 0)
            f = i;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0] && f < 0; i++)
        if (strcmp(field, aliases[i].alias) == 0)
            f = aliases[i].field;
    if (f < 0)
        return wr_fail(err, WR_E_USAGE, "%s %s: unknown field '%s'; fields: timestamp, level, "
                       "service, message, error_type, error_message, method, path, status, "
                       "duration, dependency, retry_count", where, rule, field);
    double scale = 1;
    char *colon = strrchr(name, ':');
    if (colon) {
        if (f != ANA_F_DURATION)
            return wr_fail(err, WR_E_USAGE, "%s %s: only duration takes a unit", where, rule);
        *colon = '\0';
        const char *u = colon + 1;
        if (strcmp(u, "ms") == 0)
            scale = 1;
        else if (strcmp(u, "s") == 0)
            scale = 1000;
        else if (strcmp(u, "us") == 0)
            scale = 0.001;
        else if (strcmp(u, "ns") == 0)
            scale = 1e-6;
        else
            return wr_fail(err, WR_E_USAGE, "%s %s: unknown unit '%s'; use ns, us, ms or s",
                           where, rule, u);
    }
    size_t nl = strlen(name);
    if (nl == 0 || nl >= ANALYZE_NAME_MAX || name[0] == '.' || name[nl - 1] == '.' ||
        strstr(name, ".."))
        return wr_fail(err, WR_E_USAGE, "%s %s: the name must be 1-%d characters (dots for "
                       "nested keys: http.status)", where, rule, ANALYZE_NAME_MAX - 1);
    /* the rule replaces the defaults of this field (a second rule for it adds a fallback) */
    struct analyze_map out = {0};
    int prio = 0;
    bool had_user = false;
    for (size_t i = 0; i < m->count; i++) {
        const struct analyze_map_name *n = &m->names[i];
        if (n->field == f && !n->user)
            continue;
        if (n->field == f)
            had_user = true;
        out.names[out.count++] = *n;
        if (strchr(n->name, '.'))
            out.nested = true;
    }
    for (size_t i = 0; i < out.count; i++)
        if (out.names[i].field == f && out.names[i].prio >= prio)
            prio = out.names[i].prio + 1;
    (void)had_user;
    if (out.count >= ANALYZE_MAX_NAMES)
        return wr_fail(err, WR_E_USAGE, "%s: too many field names (at most %d)", where,
                       ANALYZE_MAX_NAMES);
    map_put(&out, name, f, prio, true, scale);
    *m = out;
    return 0;
}

void analyze_anomaly_defaults(struct analyze_anomaly_params *p)
{
    p->baseline_minutes = 60;
    p->warmup_minutes = 10;
    p->threshold = 4.0;
    p->min_requests = 20;
    p->min_episode_minutes = 2;
    p->merge_gap_minutes = 2;
}

void analyze_options_init(struct analyze_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = ANALYZE_FORMAT_AUTO;
    o->from_ms = o->to_ms = WR_TIME_NONE;
    analyze_map_defaults(&o->map);
    static const char *const health[] = {"/healthz", "/readyz", "/livez", "/health"};
    for (size_t i = 0; i < 4; i++)
        o->health[o->nhealth++] = health[i];
    analyze_anomaly_defaults(&o->anomaly);
    o->target = 0.995;
}

/* ---- keyed tables ---- */

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static void keys_free(struct ana_keys *k)
{
    for (size_t i = 0; i < k->count; i++)
        free(k->keys[i]);
    free(k->keys);
    free(k->lens);
    free(k->hashes);
    free(k->slots);
    memset(k, 0, sizeof *k);
}

static int keys_rehash(struct ana_keys *k, size_t nslots)
{
    uint32_t *s = calloc(nslots, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < k->count; i++) {
        size_t j = k->hashes[i] & (nslots - 1);
        while (s[j])
            j = (j + 1) & (nslots - 1);
        s[j] = (uint32_t)(i + 1);
    }
    free(k->slots);
    k->slots = s;
    k->nslots = nslots;
    return 0;
}

/* Index of key, adding it when absent (*added). -1 on OOM. */
static long keys_get(struct ana_keys *k, const char *p, size_t n, bool *added)
{
    uint64_t h = hash_bytes(p, n);
    *added = false;
    if (k->nslots) {
        size_t j = h & (k->nslots - 1);
        while (k->slots[j]) {
            size_t i = k->slots[j] - 1;
            if (k->hashes[i] == h && k->lens[i] == n && memcmp(k->keys[i], p, n) == 0)
                return (long)i;
            j = (j + 1) & (k->nslots - 1);
        }
    }
    if ((k->count + 1) * 2 > k->nslots && keys_rehash(k, k->nslots ? k->nslots * 2 : 64) != 0)
        return -1;
    if (k->count == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 32;
        char **keys = realloc(k->keys, cap * sizeof *keys);
        if (!keys)
            return -1;
        k->keys = keys;
        size_t *lens = realloc(k->lens, cap * sizeof *lens);
        if (!lens)
            return -1;
        k->lens = lens;
        uint64_t *hs = realloc(k->hashes, cap * sizeof *hs);
        if (!hs)
            return -1;
        k->hashes = hs;
        k->cap = cap;
    }
    char *copy = malloc(n + 1);
    if (!copy)
        return -1;
    memcpy(copy, p, n);
    copy[n] = '\0';
    size_t i = k->count++;
    k->keys[i] = copy;
    k->lens[i] = n;
    k->hashes[i] = h;
    size_t j = h & (k->nslots - 1);
    while (k->slots[j])
        j = (j + 1) & (k->nslots - 1);
    k->slots[j] = (uint32_t)(i + 1);
    *added = true;
    return (long)i;
}

/* Grow a parallel accumulator array to the key count. */
static void *acc_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : 32;
    while (nc < need)
        nc *= 2;
    char *a = realloc(arr, nc * elem);
    if (!a)
        return NULL;
    memset(a + *cap * elem, 0, (nc - *cap) * elem);
    *cap = nc;
    return a;
}

void ana_agg_init(struct ana_agg *a, const struct analyze_options *opt)
{
    memset(a, 0, sizeof *a);
    a->opt = opt;
    a->first_ms = a->last_ms = WR_TIME_NONE;
    a->out_first_ms = a->out_last_ms = WR_TIME_NONE;
}

void ana_agg_free(struct ana_agg *a)
{
    for (size_t i = 0; i < a->endpoints.count; i++)
        ana_hist_clear(&a->ep[i].hist);
    for (size_t i = 0; i < a->nmins; i++)
        ana_hist_clear(&a->mins[i].hist);
    keys_free(&a->endpoints);
    keys_free(&a->etypes);
    free(a->ep);
    free(a->et);
    free(a->mslots);
    free(a->mins);
    free(a->cslots);
    free(a->cells);
    memset(a, 0, sizeof *a);
}

static long endpoint_index(struct ana_agg *a, const char *k, size_t n)
{
    bool added;
    if (a->endpoints.count >= ANA_MAX_ENDPOINTS) {
        /* full: existing keys still count; new ones fold into "(other)" */
        uint64_t h = hash_bytes(k, n);
        size_t j = h & (a->endpoints.nslots - 1);
        while (a->endpoints.slots[j]) {
            size_t i = a->endpoints.slots[j] - 1;
            if (a->endpoints.hashes[i] == h && a->endpoints.lens[i] == n &&
                memcmp(a->endpoints.keys[i], k, n) == 0)
                return (long)i;
            j = (j + 1) & (a->endpoints.nslots - 1);
        }
        a->overflow_keys++;
        k = "(other)";
        n = 7;
        uint64_t h2 = hash_bytes(k, n);
        j = h2 & (a->endpoints.nslots - 1);
        while (a->endpoints.slots[j]) {
            size_t i = a->endpoints.slots[j] - 1;
            if (a->endpoints.lens[i] == n && memcmp(a->endpoints.keys[i], k, n) == 0)
                return (long)i;
            j = (j + 1) & (a->endpoints.nslots - 1);
        }
    }
    long i = keys_get(&a->endpoints, k, n, &added);
    if (i < 0)
        return -1;
    if (added) {
        struct ana_endpoint_acc *ep = acc_grow(a->ep, &a->ep_cap, a->endpoints.count, sizeof *ep);
        if (!ep)
            return -1;
        a->ep = ep;
    }
    return i;
}

static long etype_index(struct ana_agg *a, const char *k, size_t n, size_t dep_len)
{
    bool added;
    if (a->etypes.count >= ANA_MAX_ETYPES) {
        uint64_t h = hash_bytes(k, n);
        size_t j = h & (a->etypes.nslots - 1);
        while (a->etypes.slots[j]) {
            size_t i = a->etypes.slots[j] - 1;
            if (a->etypes.hashes[i] == h && a->etypes.lens[i] == n &&
                memcmp(a->etypes.keys[i], k, n) == 0)
                return (long)i;
            j = (j + 1) & (a->etypes.nslots - 1);
        }
        a->overflow_keys++;
        k = "(other)\x1f";
        n = 8;
        dep_len = 0;
    }
    long i = keys_get(&a->etypes, k, n, &added);
    if (i < 0)
        return -1;
    if (added) {
        struct ana_etype_acc *et = acc_grow(a->et, &a->et_cap, a->etypes.count, sizeof *et);
        if (!et)
            return -1;
        a->et = et;
        et[i].first_ms = et[i].last_ms = WR_TIME_NONE;
        et[i].dep_len = dep_len;
    }
    return i;
}

static struct ana_minute_acc *minute_get(struct ana_agg *a, int64_t minute)
{
    if (a->last_min && a->mins[a->last_min - 1].minute == minute)
        return &a->mins[a->last_min - 1];
    uint64_t h = (uint64_t)minute * 0x9E3779B97F4A7C15ull;
    if (a->nmslots) {
        size_t j = (h >> 20) & (a->nmslots - 1);
        while (a->mslots[j]) {
            size_t i = a->mslots[j] - 1;
            if (a->mins[i].minute == minute) {
                a->last_min = i + 1;
                return &a->mins[i];
            }
            j = (j + 1) & (a->nmslots - 1);
        }
    }
    if (a->nmins >= ANA_MAX_MINUTES) {
        a->overflow_keys++;
        return NULL;
    }
    if ((a->nmins + 1) * 2 > a->nmslots) {
        size_t ns = a->nmslots ? a->nmslots * 2 : 256;
        uint32_t *s = calloc(ns, sizeof *s);
        if (!s)
            return NULL;
        for (size_t i = 0; i < a->nmins; i++) {
            size_t j = (((uint64_t)a->mins[i].minute * 0x9E3779B97F4A7C15ull) >> 20) & (ns - 1);
            while (s[j])
                j = (j + 1) & (ns - 1);
            s[j] = (uint32_t)(i + 1);
        }
        free(a->mslots);
        a->mslots = s;
        a->nmslots = ns;
    }
    struct ana_minute_acc *m = acc_grow(a->mins, &a->mins_cap, a->nmins + 1, sizeof *m);
    if (!m)
        return NULL;
    a->mins = m;
    size_t i = a->nmins++;
    m[i].minute = minute;
    size_t j = (h >> 20) & (a->nmslots - 1);
    while (a->mslots[j])
        j = (j + 1) & (a->nmslots - 1);
    a->mslots[j] = (uint32_t)(i + 1);
    a->last_min = i + 1;
    return &m[i];
}

static int cell_add(struct ana_agg *a, uint32_t etype, int64_t minute, uint64_t count)
{
    uint64_t h = ((uint64_t)minute * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)etype * 0xC2B2AE3D27D4EB4Full);
    if (a->ncslots) {
        size_t j = (h >> 17) & (a->ncslots - 1);
        while (a->cslots[j]) {
            struct ana_cell_acc *c = &a->cells[a->cslots[j] - 1];
            if (c->etype == etype && c->minute == minute) {
                c->count += count;
                return 0;
            }
            j = (j + 1) & (a->ncslots - 1);
        }
    }
    if (a->ncells >= ANA_MAX_CELLS) {
        a->overflow_keys++;
        return 0;
    }
    if ((a->ncells + 1) * 2 > a->ncslots) {
        size_t ns = a->ncslots ? a->ncslots * 2 : 256;
        uint32_t *s = calloc(ns, sizeof *s);
        if (!s)
            return -1;
        for (size_t i = 0; i < a->ncells; i++) {
            uint64_t hh = ((uint64_t)a->cells[i].minute * 0x9E3779B97F4A7C15ull) ^
                          ((uint64_t)a->cells[i].etype * 0xC2B2AE3D27D4EB4Full);
            size_t j = (hh >> 17) & (ns - 1);
            while (s[j])
                j = (j + 1) & (ns - 1);
            s[j] = (uint32_t)(i + 1);
        }
        free(a->cslots);
        a->cslots = s;
        a->ncslots = ns;
    }
    struct ana_cell_acc *c = acc_grow(a->cells, &a->cells_cap, a->ncells + 1, sizeof *c);
    if (!c)
        return -1;
    a->cells = c;
    size_t i = a->ncells++;
    c[i] = (struct ana_cell_acc){etype, minute, count};
    size_t j = (h >> 17) & (a->ncslots - 1);
    while (a->cslots[j])
        j = (j + 1) & (a->ncslots - 1);
    a->cslots[j] = (uint32_t)(i + 1);
    return 0;
}

/* ---- one record ---- */

/* The field's text: unescaped into buf when it has escapes. */
static const char *field_text(const struct ana_str *s, char *buf, size_t cap, size_t *n)
{
    if (!s->p) {
        *n = 0;
        return "";
    }
    if (s->esc) {
        *n = ana_json_unescape(s->p, s->n, buf, cap - 1);
        buf[*n] = '\0';
        return buf;
    }
    *n = s->n < cap ? s->n : cap;
    return s->p;
}

/*
 * Make text safe to keep as a key: control characters become '?', invalid UTF-8 bytes '?'.
 * Writes into out (cap bytes); returns the length; *bad set when the UTF-8 was invalid.
 */
static size_t clean_key(const char *p, size_t n, char *out, size_t cap, bool *bad)
{
    size_t o = 0;
    *bad = false;
    for (size_t i = 0; i < n && o + 4 < cap;) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        if (c < 0x80) {
            out[o++] = '?';
            i++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (len > 1 && i + len <= n && wr_utf8_valid(p + i, len)) {
            /* C1 controls (U+0080..U+009F) are controls too */
            if (len == 2 && c == 0xC2 && (unsigned char)p[i + 1] < 0xA0) {
                out[o++] = '?';
            } else {
                memcpy(out + o, p + i, len);
                o += len;
            }
            i += len;
        } else {
            *bad = true;
            out[o++] = '?';
            i++;
        }
    }
    return o;
}

/*
 * An epoch number in s, ms, us or ns (told apart by size) as ms; false for one that is not a
 * time of years 1973..9999 (a huge number from a hostile line must not overflow the cast).
 */
static bool epoch_to_ms(double v, int64_t *ms)
{
    double m = v > 1e17 ? v / 1e6 : v > 1e14 ? v / 1e3 : v > 1e11 ? v : v * 1000.0;
    if (!(m >= 0 && m < 253402300800000.0)) /* 9999-12-31T23:59:59Z */
        return false;
    *ms = (int64_t)m;
    return true;
}

static int64_t record_time(const struct ana_record *r, char *buf, size_t cap)
{
    const struct ana_str *s = &r->f[ANA_F_TIMESTAMP];
    int64_t ms;
    if (s->p) {
        if (!isnan(r->num[ANA_F_TIMESTAMP]) && r->num[ANA_F_TIMESTAMP] > 0 &&
            epoch_to_ms(r->num[ANA_F_TIMESTAMP], &ms))
            return ms;
        size_t n;
        const char *t = field_text(s, buf, cap, &n);
        if (ana_time_parse(t, n, &ms, NULL) == 0)
            return ms;
        bool digits = n > 0;
        double v = 0;
        for (size_t i = 0; i < n && digits; i++) {
            if (t[i] == '.')
                break;
            digits = isdigit((unsigned char)t[i]) != 0;
            v = v * 10 + (t[i] - '0');
        }
        if (digits && v > 0 && epoch_to_ms(v, &ms))
            return ms;
    }
    return r->env_ts_ms;
}

/* A number from a field that may be a JSON number or a numeric string. */
static double field_number(const struct ana_record *r, int f)
{
    if (!isnan(r->num[f]))
        return r->num[f];
    const struct ana_str *s = &r->f[f];
    if (!s->p || s->n == 0 || s->n > 32)
        return NAN;
    char b[40];
    memcpy(b, s->p, s->n);
    b[s->n] = '\0';
    char *end;
    double v = strtod(b, &end);
    if (end == b || *end)
        return NAN;
    return v;
}

static bool level_is_error(const struct ana_record *r)
{
    const struct ana_str *s = &r->f[ANA_F_LEVEL];
    if (!s->p)
        return false;
    if (!isnan(r->num[ANA_F_LEVEL]))
        return r->num[ANA_F_LEVEL] >= 50; /* pino/bunyan: 50 error, 60 fatal */
    static const char *const words[] = {"error", "err", "fatal", "critical", "crit", "alert",
                                        "emerg", "emergency", "panic", "severe"};
    if (s->n > 9)
        return false;
    char b[10];
    for (size_t i = 0; i < s->n; i++)
        b[i] = (char)tolower((unsigned char)s->p[i]);
    b[s->n] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(b, words[i]) == 0)
            return true;
    return false;
}

void ana_agg_add(struct ana_agg *a, const struct ana_record *r)
{
    const struct analyze_options *opt = a->opt;
    a->names_seen |= r->names_hit;
    a->json_records += r->is_json;
    int64_t ts = record_time(r, a->sbuf[0], sizeof a->sbuf[0]);
    if (ts == WR_TIME_NONE) {
        a->no_timestamp++;
        if (opt->from_ms != WR_TIME_NONE || opt->to_ms != WR_TIME_NONE)
            return; /* cannot be placed in the window */
    } else {
        if ((opt->from_ms != WR_TIME_NONE && ts < opt->from_ms) ||
            (opt->to_ms != WR_TIME_NONE && ts >= opt->to_ms)) {
            a->filtered_out++;
            if (a->out_first_ms == WR_TIME_NONE || ts < a->out_first_ms)
                a->out_first_ms = ts;
            if (a->out_last_ms == WR_TIME_NONE || ts > a->out_last_ms)
                a->out_last_ms = ts;
            return;
        }
        if (a->first_ms == WR_TIME_NONE || ts < a->first_ms)
            a->first_ms = ts;
        if (a->last_ms == WR_TIME_NONE || ts > a->last_ms)
            a->last_ms = ts;
    }
    int status = r->status;
    if (status < 0 && r->f[ANA_F_STATUS].p) {
        double v = field_number(r, ANA_F_STATUS);
        if (v >= 100 && v <= 599 && v == floor(v))
            status = (int)v;
    }
    bool request = status >= 100 && status <= 599;
    char *key = a->sbuf[1];
    size_t keylen = 0;
    bool bad_utf8 = false;
    if (request) {
        size_t pn, mn;
        const char *path = field_text(&r->f[ANA_F_PATH], a->sbuf[2], sizeof a->sbuf[2], &pn);
        char norm[1024];
        size_t nn = ana_path_normalise(path, pn, norm, sizeof norm);
        for (size_t i = 0; i < opt->nhealth; i++)
            if (opt->health[i] && strlen(opt->health[i]) == nn &&
                memcmp(opt->health[i], norm, nn) == 0) {
                a->health_excluded++;
                return;
            }
        const char *method = field_text(&r->f[ANA_F_METHOD], a->sbuf[3], 32, &mn);
        char raw[1100];
        size_t rl = 0;
        for (size_t i = 0; i < mn && i < 16; i++)
            raw[rl++] = (char)toupper((unsigned char)method[i]);
        if (rl)
            raw[rl++] = ' ';
        memcpy(raw + rl, norm, nn);
        rl += nn;
        keylen = clean_key(raw, rl, key, sizeof a->sbuf[1], &bad_utf8);
    }
    struct ana_minute_acc *m = NULL;
    if (ts != WR_TIME_NONE) {
        int64_t minute = ts >= 0 ? ts / 60000 : (ts - 59999) / 60000;
        m = minute_get(a, minute);
    }
    bool bad = status >= 500;
    if (request) {
        long ei = endpoint_index(a, key, keylen);
        if (ei < 0) {
            a->oom = true;
            return;
        }
        struct ana_endpoint_acc *ep = &a->ep[ei];
        a->requests++;
        ep->requests++;
        if (m)
            m->requests++;
        if (bad) {
            a->errors++;
            ep->errors++;
            if (m)
                m->errors++;
        }
        double d = r->duration_ms;
        if (isnan(d) && r->f[ANA_F_DURATION].p)
            d = field_number(r, ANA_F_DURATION) * r->scale;
        if (d >= 0 && d < 1e15) {
            int32_t idx = d > ANA_HIST_MIN_MS ? ana_hist_index(d) : 0;
            a->with_latency++;
            if (ana_hist_add_idx(&ep->hist, d, idx) != 0 ||
                (m && ana_hist_add_idx(&m->hist, d, idx) != 0))
                a->oom = true;
        }
    }
    if (m && r->f[ANA_F_RETRY_COUNT].p) {
        double rc = field_number(r, ANA_F_RETRY_COUNT);
        if (rc >= 0 && rc < 1e6) {
            m->retry_sum += rc;
            m->retry_n++;
        }
    }
    bool level_err = level_is_error(r);
    bool error_event = bad || level_err || (!r->f[ANA_F_LEVEL].p && !request && r->f[ANA_F_ERROR_TYPE].p);
    if (!error_event) {
        if (bad_utf8)
            a->invalid_utf8++;
        return;
    }
    a->error_events++;
    if (m)
        m->error_events++;
    size_t tn, mn, dn;
    const char *etype = field_text(&r->f[ANA_F_ERROR_TYPE], a->sbuf[0], 256, &tn);
    const struct ana_str *msrc = r->f[ANA_F_ERROR_MESSAGE].p ? &r->f[ANA_F_ERROR_MESSAGE]
                                                           : &r->f[ANA_F_MESSAGE];
    const char *msg = field_text(msrc, a->sbuf[2], sizeof a->sbuf[2], &mn);
    if (mn > 1024)
        mn = 1024;
    char dep[256];
    const char *dsrc = field_text(&r->f[ANA_F_DEPENDENCY], a->sbuf[3], 200, &dn);
    memcpy(dep, dsrc, dn);
    dep[dn] = '\0';
    char type[256];
    enum analyze_error_class cls;
    ana_classify(etype, tn, msg, mn, status, type, sizeof type, dep, sizeof dep, &cls);
    char raw[520];
    int rl = snprintf(raw, sizeof raw, "%s\x1f%s", type, dep);
    if (rl < 0)
        return;
    if ((size_t)rl >= sizeof raw)
        rl = (int)sizeof raw - 1;
    bool b2;
    size_t kl = clean_key(raw, (size_t)rl, key, sizeof a->sbuf[1], &b2);
    /* the separator is a control character: clean_key turned it into '?' */
    size_t sep = 0, dep_len = 0;
    {
        bool bt;
        char tmp[300];
        sep = clean_key(type, strlen(type), tmp, sizeof tmp, &bt);
        if (sep < kl)
            key[sep] = '\x1f';
        dep_len = kl > sep ? kl - sep - 1 : 0;
    }
    if (bad_utf8 || b2)
        a->invalid_utf8++;
    long ti = etype_index(a, key, kl, dep_len);
    if (ti < 0) {
        a->oom = true;
        return;
    }
    struct ana_etype_acc *et = &a->et[ti];
    et->count++;
    et->by_class[cls]++;
    if (ts != WR_TIME_NONE) {
        if (et->first_ms == WR_TIME_NONE || ts < et->first_ms)
            et->first_ms = ts;
        if (et->last_ms == WR_TIME_NONE || ts > et->last_ms)
            et->last_ms = ts;
        if (m && cell_add(a, (uint32_t)ti, m->minute, 1) != 0)
            a->oom = true;
    }
}

void ana_agg_malformed(struct ana_agg *a, size_t file, size_t chunk, uint64_t line,
                       const char *why)
{
    a->malformed++;
    if (a->nsamples < ANA_MAX_SAMPLES)
        a->samples[a->nsamples++] = (struct ana_sample_acc){file, chunk, line, why};
}

static bool sample_before(const struct ana_sample_acc *x, const struct ana_sample_acc *y)
{
    if (x->file != y->file)
        return x->file < y->file;
    if (x->chunk != y->chunk)
        return x->chunk < y->chunk;
    return x->line < y->line;
}

int ana_agg_merge(struct ana_agg *d, const struct ana_agg *s)
{
    d->lines += s->lines;
    d->malformed += s->malformed;
    d->requests += s->requests;
    d->errors += s->errors;
    d->health_excluded += s->health_excluded;
    d->filtered_out += s->filtered_out;
    d->no_timestamp += s->no_timestamp;
    d->error_events += s->error_events;
    d->invalid_utf8 += s->invalid_utf8;
    d->with_latency += s->with_latency;
    d->overflow_keys += s->overflow_keys;
    d->names_seen |= s->names_seen;
    d->json_records += s->json_records;
    d->oom |= s->oom;
    if (s->first_ms != WR_TIME_NONE && (d->first_ms == WR_TIME_NONE || s->first_ms < d->first_ms))
        d->first_ms = s->first_ms;
    if (s->last_ms != WR_TIME_NONE && (d->last_ms == WR_TIME_NONE || s->last_ms > d->last_ms))
        d->last_ms = s->last_ms;
    if (s->out_first_ms != WR_TIME_NONE &&
        (d->out_first_ms == WR_TIME_NONE || s->out_first_ms < d->out_first_ms))
        d->out_first_ms = s->out_first_ms;
    if (s->out_last_ms != WR_TIME_NONE &&
        (d->out_last_ms == WR_TIME_NONE || s->out_last_ms > d->out_last_ms))
        d->out_last_ms = s->out_last_ms;
    for (size_t i = 0; i < s->endpoints.count; i++) {
        long j = endpoint_index(d, s->endpoints.keys[i], s->endpoints.lens[i]);
        if (j < 0)
            return -1;
        d->ep[j].requests += s->ep[i].requests;
        d->ep[j].errors += s->ep[i].errors;
        if (ana_hist_merge(&d->ep[j].hist, &s->ep[i].hist) != 0)
            return -1;
    }
    uint32_t *remap = calloc(s->etypes.count + 1, sizeof *remap);
    if (!remap)
        return -1;
    for (size_t i = 0; i < s->etypes.count; i++) {
        long j = etype_index(d, s->etypes.keys[i], s->etypes.lens[i], s->et[i].dep_len);
        if (j < 0) {
            free(remap);
            return -1;
        }
        remap[i] = (uint32_t)j;
        struct ana_etype_acc *de = &d->et[j];
        const struct ana_etype_acc *se = &s->et[i];
        de->count += se->count;
        for (int c = 0; c < 4; c++)
            de->by_class[c] += se->by_class[c];
        if (se->first_ms != WR_TIME_NONE && (de->first_ms == WR_TIME_NONE || se->first_ms < de->first_ms))
            de->first_ms = se->first_ms;
        if (se->last_ms != WR_TIME_NONE && (de->last_ms == WR_TIME_NONE || se->last_ms > de->last_ms))
            de->last_ms = se->last_ms;
    }
    for (size_t i = 0; i < s->nmins; i++) {
        const struct ana_minute_acc *sm = &s->mins[i];
        struct ana_minute_acc *dm = minute_get(d, sm->minute);
        if (!dm) {
            if (d->nmins >= ANA_MAX_MINUTES)
                continue;
            free(remap);
            return -1;
        }
        dm->requests += sm->requests;
        dm->errors += sm->errors;
        dm->error_events += sm->error_events;
        dm->retry_sum += sm->retry_sum;
        dm->retry_n += sm->retry_n;
        if (ana_hist_merge(&dm->hist, &sm->hist) != 0) {
            free(remap);
            return -1;
        }
    }
    for (size_t i = 0; i < s->ncells; i++)
        if (cell_add(d, remap[s->cells[i].etype], s->cells[i].minute, s->cells[i].count) != 0) {
            free(remap);
            return -1;
        }
    free(remap);
    /* keep the first samples in (file, chunk, line) order */
    struct ana_sample_acc all[2 * ANA_MAX_SAMPLES];
    size_t n = 0;
    for (size_t i = 0; i < d->nsamples; i++)
        all[n++] = d->samples[i];
    for (size_t i = 0; i < s->nsamples; i++)
        all[n++] = s->samples[i];
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && sample_before(&all[j], &all[j - 1]); j--) {
            struct ana_sample_acc t = all[j];
            all[j] = all[j - 1];
            all[j - 1] = t;
        }
    d->nsamples = n < ANA_MAX_SAMPLES ? n : ANA_MAX_SAMPLES;
    if (d->nsamples)
        memcpy(d->samples, all, d->nsamples * sizeof *all);
    return 0;
}

/* ---- finishing ---- */

static int cmp_endpoint(const void *x, const void *y)
{
    const struct analyze_endpoint *a = x, *b = y;
    if (a->requests != b->requests)
        return a->requests > b->requests ? -1 : 1;
    return strcmp(a->name, b->name);
}

struct etype_sort {
    struct analyze_error_type t;
    size_t orig;
};

static int cmp_etype(const void *x, const void *y)
{
    const struct etype_sort *a = x, *b = y;
    if (a->t.count != b->t.count)
        return a->t.count > b->t.count ? -1 : 1;
    int c = strcmp(a->t.type, b->t.type);
    return c ? c : strcmp(a->t.dependency, b->t.dependency);
}

static int cmp_minute(const void *x, const void *y)
{
    const struct ana_minute_acc *const *a = x, *const *b = y;
    return (*a)->minute < (*b)->minute ? -1 : (*a)->minute > (*b)->minute;
}

static int cmp_cell(const void *x, const void *y)
{
    const struct analyze_cell *a = x, *b = y;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return a->minute_ms < b->minute_ms ? -1 : a->minute_ms > b->minute_ms;
}

int ana_agg_finish(struct ana_agg *a, struct analyze_result *r, struct wr_error *err)
{
    struct ana_hist all = {0};
    struct etype_sort *ets = NULL;
    struct ana_minute_acc **order = NULL;
    int rc = -1;
    r->lines = a->lines;
    r->malformed = a->malformed;
    r->requests = a->requests;
    r->errors = a->errors;
    r->health_excluded = a->health_excluded;
    r->filtered_out = a->filtered_out;
    r->no_timestamp = a->no_timestamp;
    r->error_events = a->error_events;
    r->invalid_utf8 = a->invalid_utf8;
    r->with_latency = a->with_latency;
    r->overflow_keys = a->overflow_keys;
    r->first_ms = a->first_ms;
    r->last_ms = a->last_ms;
    /* endpoints */
    if (a->endpoints.count &&
        !(r->endpoints = calloc(a->endpoints.count, sizeof *r->endpoints)))
        goto nomem;
    for (size_t i = 0; i < a->endpoints.count; i++) {
        struct analyze_endpoint *e = &r->endpoints[i];
        const struct ana_endpoint_acc *ep = &a->ep[i];
        if (!(e->name = wr_strdup(a->endpoints.keys[i])))
            goto nomem;
        r->nendpoints++;
        e->requests = ep->requests;
        e->errors = ep->errors;
        e->with_latency = ep->hist.total;
        e->p50_ms = ana_hist_quantile(&ep->hist, 0.50);
        e->p95_ms = ana_hist_quantile(&ep->hist, 0.95);
        e->p99_ms = ana_hist_quantile(&ep->hist, 0.99);
        if (ana_hist_merge(&all, &ep->hist) != 0)
            goto nomem;
    }
    if (r->nendpoints > 1)
        qsort(r->endpoints, r->nendpoints, sizeof *r->endpoints, cmp_endpoint);
    r->p50_ms = ana_hist_quantile(&all, 0.50);
    r->p95_ms = ana_hist_quantile(&all, 0.95);
    r->p99_ms = ana_hist_quantile(&all, 0.99);
    /* error types: sorted, with the class most of their lines had */
    size_t nt = a->etypes.count;
    if (nt && !(ets = calloc(nt, sizeof *ets)))
        goto nomem;
    for (size_t i = 0; i < nt; i++) {
        const char *k = a->etypes.keys[i];
        size_t kl = a->etypes.lens[i];
        const char *sep = memchr(k, '\x1f', kl);
        size_t tl = sep ? (size_t)(sep - k) : kl;
        struct analyze_error_type *t = &ets[i].t;
        ets[i].orig = i;
        t->type = strndup(k, tl);
        t->dependency = strdup(sep ? sep + 1 : "");
        if (!t->type || !t->dependency) {
            for (size_t j = 0; j <= i; j++) {
                free(ets[j].t.type);
                free(ets[j].t.dependency);
            }
            goto nomem;
        }
        const struct ana_etype_acc *et = &a->et[i];
        t->count = et->count;
        t->first_ms = et->first_ms;
        t->last_ms = et->last_ms;
        t->onset_ms = WR_TIME_NONE;
        int best = ANA_CLASS_OTHER;
        for (int c = 1; c < 4; c++)
            if (et->by_class[c] > et->by_class[best])
                best = c;
        t->cls = (enum analyze_error_class)best;
    }
    if (nt > 1)
        qsort(ets, nt, sizeof *ets, cmp_etype);
    size_t *rank = NULL;
    if (nt && !(rank = calloc(nt, sizeof *rank))) {
        for (size_t j = 0; j < nt; j++) {
            free(ets[j].t.type);
            free(ets[j].t.dependency);
        }
        goto nomem;
    }
    if (nt && !(r->error_types = calloc(nt, sizeof *r->error_types))) {
        free(rank);
        for (size_t j = 0; j < nt; j++) {
            free(ets[j].t.type);
            free(ets[j].t.dependency);
        }
        goto nomem;
    }
    for (size_t i = 0; i < nt; i++) {
        r->error_types[i] = ets[i].t;
        rank[ets[i].orig] = i;
    }
    r->nerror_types = nt;
    /* cells, in the sorted type order; then onsets */
    if (a->ncells && !(r->cells = calloc(a->ncells, sizeof *r->cells))) {
        free(rank);
        goto nomem;
    }
    for (size_t i = 0; i < a->ncells; i++)
        r->cells[i] = (struct analyze_cell){(uint32_t)rank[a->cells[i].etype],
                                            a->cells[i].minute * 60000, a->cells[i].count};
    r->ncells = a->ncells;
    free(rank);
    if (r->ncells > 1)
        qsort(r->cells, r->ncells, sizeof *r->cells, cmp_cell);
    for (size_t i = 0; i < r->ncells;) {
        size_t j = i;
        uint64_t peak = 0;
        while (j < r->ncells && r->cells[j].type == r->cells[i].type) {
            if (r->cells[j].count > peak)
                peak = r->cells[j].count;
            j++;
        }
        uint64_t need = peak / 10 + (peak % 10 != 0);
        if (need < 2)
            need = peak >= 2 ? 2 : 1;
        struct analyze_error_type *t = &r->error_types[r->cells[i].type];
        t->peak_minute_count = peak;
        for (size_t k = i; k < j; k++)
            if (r->cells[k].count >= need) {
                t->onset_ms = r->cells[k].minute_ms;
                break;
            }
        i = j;
    }
    /* minutes: every minute from the first to the last, when the span is reasonable */
    if (a->nmins) {
        if (!(order = malloc(a->nmins * sizeof *order)))
            goto nomem;
        for (size_t i = 0; i < a->nmins; i++)
            order[i] = &a->mins[i];
        qsort(order, a->nmins, sizeof *order, cmp_minute);
        int64_t lo = order[0]->minute, hi = order[a->nmins - 1]->minute;
        bool dense = hi - lo < ANA_MAX_MINUTES;
        size_t n = dense ? (size_t)(hi - lo + 1) : a->nmins;
        if (!(r->minutes = calloc(n, sizeof *r->minutes)))
            goto nomem;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            struct analyze_minute *mo = &r->minutes[i];
            int64_t minute = dense ? lo + (int64_t)i : order[i]->minute;
            mo->t_ms = minute * 60000;
            mo->p99_ms = mo->retries_mean = NAN;
            if (k < a->nmins && order[k]->minute == minute) {
                const struct ana_minute_acc *mi = order[k++];
                mo->requests = mi->requests;
                mo->errors = mi->errors;
                mo->error_events = mi->error_events;
                mo->with_latency = mi->hist.total;
                mo->p99_ms = ana_hist_quantile(&mi->hist, 0.99);
                if (mi->retry_n)
                    mo->retries_mean = mi->retry_sum / (double)mi->retry_n;
            }
        }
        r->nminutes = n;
    }
    rc = 0;
    goto out;
nomem:
    wr_fail(err, WR_E_NOMEM, "out of memory summarising the logs");
out:
    free(order);
    free(ets);
    ana_hist_clear(&all);
    return rc;
}

int analyze_window(const struct analyze_result *r, int64_t from_ms, int64_t to_ms,
                   uint64_t *requests, uint64_t *errors, struct analyze_window_error **types,
                   size_t *ntypes, size_t max)
{
    *requests = *errors = 0;
    *types = NULL;
    *ntypes = 0;
    for (size_t i = 0; i < r->nminutes; i++) {
        const struct analyze_minute *m = &r->minutes[i];
        if (m->t_ms < from_ms || m->t_ms >= to_ms)
            continue;
        *requests += m->requests;
        *errors += m->errors;
    }
    if (!r->nerror_types || max == 0)
        return 0;
    uint64_t *per = calloc(r->nerror_types, sizeof *per);
    struct analyze_window_error *out = calloc(max, sizeof *out);
    if (!per || !out) {
        free(per);
        free(out);
        return -1;
    }
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].minute_ms >= from_ms && r->cells[i].minute_ms < to_ms)
            per[r->cells[i].type] += r->cells[i].count;
    size_t n = 0;
    for (size_t k = 0; k < max; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < r->nerror_types; i++)
            if (per[i] && (best == SIZE_MAX || per[i] > per[best]))
                best = i;
        if (best == SIZE_MAX)
            break;
        out[n++] = (struct analyze_window_error){&r->error_types[best], per[best]};
        per[best] = 0;
    }
    free(per);
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *types = out;
    *ntypes = n;
    return 0;
}
