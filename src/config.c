/* config.c: loading and validating the JSON configuration (services, SLIs, sources). */
#include "config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slo.h"

/* Parser state: the file name for messages and its directory for relative paths. */
struct cfg_parser {
    const char *name;
    struct wr_error *err;
};

const char *config_sli_type_name(enum cfg_sli_type t)
{
    switch (t) {
    case CFG_SLI_AVAILABILITY: return "availability";
    case CFG_SLI_LATENCY: return "latency";
    case CFG_SLI_THROUGHPUT: return "throughput";
    case CFG_SLI_CUSTOM: return "custom";
    }
    return "?";
}

char *config_default_path(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, n, "%s/warroom/config.json", xdg);
    else if (home && *home)
        snprintf(buf, n, "%s/.config/warroom/config.json", home);
    else
        return NULL;
    return buf;
}

int64_t config_duration_ms(const char *text)
{
    if (!text || !*text)
        return -1;
    int64_t total = 0;
    const char *p = text;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return -1;
        int64_t v = 0;
        while (isdigit((unsigned char)*p)) {
            if (v > INT64_MAX / 100)
                return -1;
            v = v * 10 + (*p++ - '0');
        }
        int64_t unit;
        if (strncmp(p, "ms", 2) == 0) {
            unit = 1;
            p += 2;
        } else if (*p == 's') {
            unit = 1000;
            p++;
        } else if (*p == 'm') {
            unit = 60000;
            p++;
        } else if (*p == 'h') {
            unit = 3600000;
            p++;
        } else if (*p == 'd') {
            unit = 86400000;
            p++;
        } else if (*p == 'w') {
            unit = 7 * 86400000LL;
            p++;
        } else {
            return -1;
        }
        if (v > INT64_MAX / unit / 2)
            return -1;
        total += v * unit;
    }
    return total > 0 ? total : -1;
}

char *config_prom_duration(int64_t ms, char *buf, size_t n)
{
    static const struct { int64_t ms; const char *u; } units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms > 0 && ms % units[i].ms == 0) {
            snprintf(buf, n, "%lld%s", (long long)(ms / units[i].ms), units[i].u);
            return buf;
        }
    snprintf(buf, n, "%lldms", (long long)ms);
    return buf;
}

/* A short rendering of a JSON value for "got ..." in messages. */
static void cfg_got(const cJSON *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "nothing");
        return;
    }
    char *s = cJSON_PrintUnformatted(v);
    if (!s) {
        snprintf(buf, n, "?");
        return;
    }
    if (strlen(s) > 60)
        memcpy(s + 57, "...", 4);
    snprintf(buf, n, "%s", s);
    free(s);
}

static int cfg_fail(struct cfg_parser *p, const char *field, const char *expected, const cJSON *got)
{
    char g[80];
    cfg_got(got, g, sizeof g);
    return wr_fail(p->err, WR_E_CONFIG, "%s: %s: expected %s, got %s", p->name, field, expected, g);
}

/* Optional string member: 0 (absent leaves *out NULL), -1 when present but not a string. */
static int cfg_string(struct cfg_parser *p, const cJSON *obj, const char *key, const char *path,
                      bool required, char **out)
{
    char field[256];
    snprintf(field, sizeof field, "%s.%s", path, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return cfg_fail(p, field, "a string (required)", NULL);
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return cfg_fail(p, field, "a non-empty string", v);
    *out = wr_strdup(v->valuestring);
    if (!*out)
        return wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
    return 0;
}

static int cfg_number(struct cfg_parser *p, const cJSON *obj, const char *key, const char *path,
                      double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        char field[256];
        snprintf(field, sizeof field, "%.190s.%.60s", path, key);
        return cfg_fail(p, field, "a number", v);
    }
    *out = v->valuedouble;
    return 0;
}

static int cfg_duration(struct cfg_parser *p, const cJSON *obj, const char *key, const char *path,
                        int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    int64_t ms = cJSON_IsString(v) ? config_duration_ms(v->valuestring) : -1;
    if (ms <= 0) {
        char field[256];
        snprintf(field, sizeof field, "%.190s.%.60s", path, key);
        return cfg_fail(p, field, "a duration like \"30s\", \"5m\", \"1h\" or \"28d\"", v);
    }
    *out = ms;
    return 0;
}

/* Members other than `allowed` (and "_..." comments) are errors: typos must not pass silently. */
static int cfg_known_keys(struct cfg_parser *p, const cJSON *obj, const char *path,
                          const char *const *allowed)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        if (it->string[0] == '_')
            continue;
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], it->string) == 0;
        if (!ok)
            return wr_fail(p->err, WR_E_CONFIG, "%s: %s.%s: unknown field (a typo?); see "
                           "data/example-config.json for the fields", p->name, path, it->string);
    }
    return 0;
}

static void cfg_source_clear(struct cfg_source *s)
{
    free(s->name);
    free(s->url);
    free(s->path);
    free(s->file);
    free(s->region);
    memset(s, 0, sizeof *s);
}

/* Resolve a replay file name relative to the config file's directory. */
static char *cfg_resolve(const char *config_name, const char *file)
{
    if (file[0] == '/')
        return wr_strdup(file);
    const char *slash = strrchr(config_name, '/');
    if (!slash)
        return wr_strdup(file);
    struct wr_buf b = {0};
    wr_buf_append(&b, config_name, (size_t)(slash - config_name) + 1);
    wr_buf_puts(&b, file);
    if (b.oom) {
        wr_buf_free(&b);
        return NULL;
    }
    return wr_buf_steal(&b);
}

static int cfg_parse_source(struct cfg_parser *p, const cJSON *obj, const char *path,
                            const char *name, struct cfg_source *out)
{
    static const char *const keys[] = {"type",  "url",     "path",   "file",
                                       "speed", "timeout", "region", NULL};
    int rc = -1;
    char *type = NULL, *file = NULL;
    memset(out, 0, sizeof *out);
    out->speed = 1;
    out->timeout_ms = 5000;
    if (!cJSON_IsObject(obj)) {
        cfg_fail(p, path, "an object with \"type\"", obj);
        goto out;
    }
    if (cfg_known_keys(p, obj, path, keys) || cfg_string(p, obj, "type", path, true, &type))
        goto out;
    char field[256];
    snprintf(field, sizeof field, "%s.type", path);
    if (strcmp(type, "prometheus") == 0)
        out->type = CFG_SOURCE_PROMETHEUS;
    else if (strcmp(type, "json") == 0)
        out->type = CFG_SOURCE_JSON;
    else if (strcmp(type, "replay") == 0)
        out->type = CFG_SOURCE_REPLAY;
    else if (strcmp(type, "cloudwatch") == 0)
        out->type = CFG_SOURCE_CLOUDWATCH;
    else {
        cfg_fail(p, field, "\"prometheus\", \"json\", \"replay\" or \"cloudwatch\"",
                 cJSON_GetObjectItemCaseSensitive(obj, "type"));
        goto out;
    }
    out->name = wr_strdup(name);
    bool needs_url = out->type == CFG_SOURCE_PROMETHEUS || out->type == CFG_SOURCE_JSON;
    if (cfg_string(p, obj, "url", path, needs_url, &out->url) ||
        cfg_string(p, obj, "region", path, out->type == CFG_SOURCE_CLOUDWATCH, &out->region) ||
        cfg_string(p, obj, "path", path, false, &out->path) ||
        cfg_string(p, obj, "file", path, out->type == CFG_SOURCE_REPLAY, &file) ||
        cfg_number(p, obj, "speed", path, &out->speed) ||
        cfg_duration(p, obj, "timeout", path, &out->timeout_ms))
        goto out;
    if (out->url && strncmp(out->url, "http://", 7) != 0 && strncmp(out->url, "https://", 8) != 0) {
        snprintf(field, sizeof field, "%s.url", path);
        cfg_fail(p, field, "an http:// or https:// URL",
                 cJSON_GetObjectItemCaseSensitive(obj, "url"));
        goto out;
    }
    if (out->region) {
        for (const char *c = out->region; *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '-') {
                snprintf(field, sizeof field, "%s.region", path);
                cfg_fail(p, field, "an AWS region such as \"eu-west-1\"",
                         cJSON_GetObjectItemCaseSensitive(obj, "region"));
                goto out;
            }
    }
    if (out->type == CFG_SOURCE_CLOUDWATCH && !out->url) {
        struct wr_buf u = {0};
        wr_buf_printf(&u, "https://monitoring.%s.amazonaws.com/", out->region);
        if (u.oom) {
            wr_buf_free(&u);
            wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
            goto out;
        }
        out->url = wr_buf_steal(&u);
    }
    if (file && !(out->file = cfg_resolve(p->name, file))) {
        wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
        goto out;
    }
    if (!(out->speed > 0)) {
        snprintf(field, sizeof field, "%s.speed", path);
        cfg_fail(p, field, "a number > 0", cJSON_GetObjectItemCaseSensitive(obj, "speed"));
        goto out;
    }
    rc = 0;
out:
    free(type);
    free(file);
    if (rc != 0)
        cfg_source_clear(out);
    return rc;
}

static void cfg_sli_clear(struct cfg_sli *s)
{
    free(s->id);
    free(s->name);
    free(s->service);
    free(s->query);
    free(s->good);
    free(s->total);
    free(s->series);
    free(s->json_path);
    free(s->metric_queries);
    cfg_source_clear(&s->source);
}

static int cfg_parse_rules(struct cfg_parser *p, const cJSON *arr, const char *path,
                           struct cfg_sli *s)
{
    static const char *const keys[] = {"name", "factor", "long", "short", NULL};
    char field[256];
    snprintf(field, sizeof field, "%s.burn_windows", path);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > CFG_MAX_BURN_RULES)
        return cfg_fail(p, field, "an array of at most 8 {name, factor, long, short}", arr);
    s->nrules = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char rpath[300];
        snprintf(rpath, sizeof rpath, "%s[%zu]", field, s->nrules);
        struct cfg_burn_rule *r = &s->rules[s->nrules];
        memset(r, 0, sizeof *r);
        r->factor = NAN;
        char *name = NULL;
        if (!cJSON_IsObject(it))
            return cfg_fail(p, rpath, "an object {name, factor, long, short}", it);
        if (cfg_known_keys(p, it, rpath, keys) || cfg_string(p, it, "name", rpath, false, &name) ||
            cfg_number(p, it, "factor", rpath, &r->factor) ||
            cfg_duration(p, it, "long", rpath, &r->long_ms) ||
            cfg_duration(p, it, "short", rpath, &r->short_ms)) {
            free(name);
            return -1;
        }
        snprintf(r->name, sizeof r->name, "%s", name ? name : "rule");
        free(name);
        if (!(r->factor > 0) || r->long_ms <= 0 || r->short_ms <= 0 || r->short_ms > r->long_ms)
            return cfg_fail(p, rpath,
                            "\"factor\" > 0 and durations \"long\" >= \"short\" (e.g. "
                            "{\"factor\": 14.4, \"long\": \"1h\", \"short\": \"5m\"})",
                            it);
        s->nrules++;
    }
    return 0;
}

static int cfg_parse_sli(struct cfg_parser *p, const cJSON *obj, const char *path,
                         const char *service, const cJSON *sources, struct cfg_sli *s)
{
    static const char *const keys[] = {
        "id", "name", "type", "source", "good", "total", "query", "threshold_ms", "min", "max",
        "scale", "target", "window", "burn_windows", "value_window", "refresh", "stale_after",
        "spark_range", "spark_step", "series", "json_path", "metric_queries", NULL};
    char *type = NULL;
    char field[256];
    int rc = -1;
    s->threshold_ms = s->min = s->max = s->target = NAN;
    s->scale = 1;
    s->window_ms = 28 * 86400000LL;
    s->value_window_ms = 5 * 60000;
    s->refresh_ms = 15000;
    s->spark_range_ms = 3600000;
    s->spark_step_ms = 60000;
    const struct slo_alert_rule *def = slo_default_rules();
    for (size_t i = 0; i < SLO_DEFAULT_RULES && i < CFG_MAX_BURN_RULES; i++) {
        snprintf(s->rules[i].name, sizeof s->rules[i].name, "%s", def[i].name);
        s->rules[i].factor = def[i].burn_rate;
        s->rules[i].long_ms = def[i].long_ms;
        s->rules[i].short_ms = def[i].short_ms;
        s->nrules = i + 1;
    }
    if (!cJSON_IsObject(obj)) {
        cfg_fail(p, path, "an SLI object with \"id\", \"type\" and \"source\"", obj);
        goto out;
    }
    if (cfg_known_keys(p, obj, path, keys) || cfg_string(p, obj, "id", path, true, &s->id) ||
        cfg_string(p, obj, "name", path, false, &s->name) ||
        cfg_string(p, obj, "type", path, true, &type) ||
        cfg_string(p, obj, "good", path, false, &s->good) ||
        cfg_string(p, obj, "total", path, false, &s->total) ||
        cfg_string(p, obj, "query", path, false, &s->query) ||
        cfg_string(p, obj, "series", path, false, &s->series) ||
        cfg_string(p, obj, "json_path", path, false, &s->json_path) ||
        cfg_number(p, obj, "threshold_ms", path, &s->threshold_ms) ||
        cfg_number(p, obj, "min", path, &s->min) || cfg_number(p, obj, "max", path, &s->max) ||
        cfg_number(p, obj, "scale", path, &s->scale) ||
        cfg_number(p, obj, "target", path, &s->target) ||
        cfg_duration(p, obj, "window", path, &s->window_ms) ||
        cfg_duration(p, obj, "value_window", path, &s->value_window_ms) ||
        cfg_duration(p, obj, "refresh", path, &s->refresh_ms) ||
        cfg_duration(p, obj, "stale_after", path, &s->stale_after_ms) ||
        cfg_duration(p, obj, "spark_range", path, &s->spark_range_ms) ||
        cfg_duration(p, obj, "spark_step", path, &s->spark_step_ms))
        goto out;
    const cJSON *mq = cJSON_GetObjectItemCaseSensitive(obj, "metric_queries");
    if (mq) {
        if (!cJSON_IsArray(mq) || cJSON_GetArraySize(mq) == 0) {
            snprintf(field, sizeof field, "%s.metric_queries", path);
            cfg_fail(p, field, "a non-empty array of GetMetricData MetricDataQueries", mq);
            goto out;
        }
        if (!(s->metric_queries = cJSON_PrintUnformatted(mq))) {
            wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
            goto out;
        }
    }
    s->service = wr_strdup(service);
    if (!s->name)
        s->name = wr_strdup(s->id);
    if (!s->service || !s->name) {
        wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
        goto out;
    }
    if (s->stale_after_ms <= 0)
        s->stale_after_ms = 3 * s->refresh_ms;
    for (const char *c = s->id; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("_.-", *c)) {
            snprintf(field, sizeof field, "%s.id", path);
            cfg_fail(p, field, "letters, digits, '_', '.' or '-'",
                     cJSON_GetObjectItemCaseSensitive(obj, "id"));
            goto out;
        }
    snprintf(field, sizeof field, "%s.type", path);
    if (strcmp(type, "availability") == 0)
        s->type = CFG_SLI_AVAILABILITY;
    else if (strcmp(type, "latency") == 0)
        s->type = CFG_SLI_LATENCY;
    else if (strcmp(type, "throughput") == 0)
        s->type = CFG_SLI_THROUGHPUT;
    else if (strcmp(type, "custom") == 0)
        s->type = CFG_SLI_CUSTOM;
    else {
        cfg_fail(p, field, "\"availability\", \"latency\", \"throughput\" or \"custom\"",
                 cJSON_GetObjectItemCaseSensitive(obj, "type"));
        goto out;
    }
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(obj, "burn_windows");
    if (rules && cfg_parse_rules(p, rules, path, s) != 0)
        goto out;
    if (!isnan(s->target) && !(s->target > 0 && s->target < 1)) {
        snprintf(field, sizeof field, "%s.target", path);
        cfg_fail(p, field, "a number in (0, 1) such as 0.999 for 99.9 %",
                 cJSON_GetObjectItemCaseSensitive(obj, "target"));
        goto out;
    }
    /* The source: a name from "sources" or an inline object. */
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(obj, "source");
    snprintf(field, sizeof field, "%s.source", path);
    if (cJSON_IsString(src)) {
        const cJSON *named = sources ? cJSON_GetObjectItemCaseSensitive(sources, src->valuestring)
                                     : NULL;
        if (!named) {
            cfg_fail(p, field, "the name of an entry in \"sources\"", src);
            goto out;
        }
        char spath[256];
        snprintf(spath, sizeof spath, "sources.%s", src->valuestring);
        if (cfg_parse_source(p, named, spath, src->valuestring, &s->source) != 0)
            goto out;
    } else if (cJSON_IsObject(src)) {
        if (cfg_parse_source(p, src, field, "inline", &s->source) != 0)
            goto out;
    } else {
        cfg_fail(p, field, "a source name or a source object", src);
        goto out;
    }
    /* What each combination needs. */
    const char *need = NULL;
    if (s->source.type == CFG_SOURCE_REPLAY) {
        if (!s->series)
            need = "\"series\": the replay series to show";
    } else if (s->source.type == CFG_SOURCE_JSON) {
        if (!s->json_path && !s->source.path)
            need = "\"json_path\" (or the source's \"path\"): where the number is";
    } else if (s->source.type == CFG_SOURCE_CLOUDWATCH) {
        if (!s->metric_queries)
            need = "\"metric_queries\": the GetMetricData MetricDataQueries";
        else if (s->type == CFG_SLI_AVAILABILITY && (!s->good || !s->total))
            need = "\"good\" and \"total\": the Ids of the good and total results";
    } else if (s->type == CFG_SLI_AVAILABILITY) {
        if (!s->good || !s->total)
            need = "\"good\" and \"total\" queries";
    } else if (!s->query) {
        need = "\"query\": the PromQL giving the value";
    }
    if (!need && s->type == CFG_SLI_AVAILABILITY && isnan(s->target))
        need = "\"target\" such as 0.999";
    if (!need && s->type == CFG_SLI_LATENCY && isnan(s->threshold_ms))
        need = "\"threshold_ms\"";
    if (!need && s->type == CFG_SLI_LATENCY && (s->good || s->total) &&
        (!s->good || !s->total || isnan(s->target)))
        need = "both \"good\" and \"total\" and a \"target\" for a latency SLO";
    if (need) {
        wr_fail(p->err, WR_E_CONFIG, "%s: %s: a %s SLI on a %s source needs %s", p->name, path,
                type,
                s->source.type == CFG_SOURCE_REPLAY       ? "replay"
                : s->source.type == CFG_SOURCE_JSON       ? "json"
                : s->source.type == CFG_SOURCE_CLOUDWATCH ? "cloudwatch"
                                                          : "prometheus",
                need);
        goto out;
    }
    rc = 0;
out:
    free(type);
    return rc;
}

static int cfg_string_list(struct cfg_parser *p, const cJSON *v, const char *field, char ***out,
                           size_t *n)
{
    if (!cJSON_IsArray(v))
        return cfg_fail(p, field, "an array of strings", v);
    size_t cap = (size_t)cJSON_GetArraySize(v);
    if (cap && !(*out = calloc(cap, sizeof **out)))
        return wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it) || !it->valuestring[0])
            return cfg_fail(p, field, "an array of non-empty strings", it);
        if (!((*out)[(*n)++] = wr_strdup(it->valuestring)))
            return wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
    }
    return 0;
}

/* The "analyze" section (see config.h). Field names in "map" are checked by the analyzer. */
static int cfg_parse_analyze(struct cfg_parser *p, const cJSON *obj, struct cfg_analyze *a)
{
    static const char *const keys[] = {"map", "health_paths", "target", "anomaly", NULL};
    static const char *const akeys[] = {"baseline_minutes", "warmup_minutes", "threshold",
                                        "min_requests", "min_episode_minutes",
                                        "merge_gap_minutes", NULL};
    a->present = true;
    a->target = a->threshold = NAN;
    a->baseline_minutes = a->warmup_minutes = a->min_requests = a->min_episode_minutes =
        a->merge_gap_minutes = -1;
    if (!cJSON_IsObject(obj))
        return cfg_fail(p, "analyze", "an object", obj);
    if (cfg_known_keys(p, obj, "analyze", keys))
        return -1;
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(obj, "map");
    if (map) {
        if (!cJSON_IsObject(map))
            return cfg_fail(p, "analyze.map", "an object {\"field\": \"your name\"}", map);
        size_t cap = (size_t)cJSON_GetArraySize(map);
        if (cap && !(a->map = calloc(cap, sizeof *a->map)))
            return wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
        const cJSON *it;
        cJSON_ArrayForEach(it, map)
        {
            if (it->string[0] == '_')
                continue;
            char field[160];
            snprintf(field, sizeof field, "analyze.map.%.100s", it->string);
            if (!cJSON_IsString(it) || !it->valuestring[0])
                return cfg_fail(p, field, "a field name (string)", it);
            size_t len = strlen(it->string) + strlen(it->valuestring) + 2;
            char *rule = malloc(len);
            if (!rule)
                return wr_fail(p->err, WR_E_NOMEM, "out of memory reading %s", p->name);
            snprintf(rule, len, "%s=%s", it->string, it->valuestring);
            a->map[a->nmap++] = rule;
        }
    }
    const cJSON *health = cJSON_GetObjectItemCaseSensitive(obj, "health_paths");
    if (health) {
        a->has_health = true;
        if (cfg_string_list(p, health, "analyze.health_paths", &a->health, &a->nhealth) != 0)
            return -1;
    }
    double target = NAN;
    if (cfg_number(p, obj, "target", "analyze", &target) != 0)
        return -1;
    if (!isnan(target) && !(target > 0 && target < 1))
        return cfg_fail(p, "analyze.target", "a number in (0, 1), e.g. 0.995",
                        cJSON_GetObjectItemCaseSensitive(obj, "target"));
    a->target = target;
    const cJSON *an = cJSON_GetObjectItemCaseSensitive(obj, "anomaly");
    if (an) {
        if (!cJSON_IsObject(an))
            return cfg_fail(p, "analyze.anomaly", "an object", an);
        if (cfg_known_keys(p, an, "analyze.anomaly", akeys))
            return -1;
        if (cfg_number(p, an, "threshold", "analyze.anomaly", &a->threshold) != 0)
            return -1;
        if (!isnan(a->threshold) && !(a->threshold > 0))
            return cfg_fail(p, "analyze.anomaly.threshold", "a positive number",
                            cJSON_GetObjectItemCaseSensitive(an, "threshold"));
        struct {
            const char *key;
            int *dst;
            int min;
        } ints[] = {{"baseline_minutes", &a->baseline_minutes, 3},
                    {"warmup_minutes", &a->warmup_minutes, 1},
                    {"min_requests", &a->min_requests, 1},
                    {"min_episode_minutes", &a->min_episode_minutes, 1},
                    {"merge_gap_minutes", &a->merge_gap_minutes, 0}};
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(an, ints[i].key);
            if (!v)
                continue;
            char field[96];
            snprintf(field, sizeof field, "analyze.anomaly.%s", ints[i].key);
            if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
                v->valuedouble < ints[i].min || v->valuedouble > 100000) {
                char want[64];
                snprintf(want, sizeof want, "a whole number >= %d", ints[i].min);
                return cfg_fail(p, field, want, v);
            }
            *ints[i].dst = (int)v->valuedouble;
        }
    }
    return 0;
}

static void cfg_analyze_clear(struct cfg_analyze *a)
{
    for (size_t i = 0; i < a->nmap; i++)
        free(a->map[i]);
    free(a->map);
    for (size_t i = 0; i < a->nhealth; i++)
        free(a->health[i]);
    free(a->health);
    memset(a, 0, sizeof *a);
}

int config_parse(const char *text, const char *name, struct config **out, struct wr_error *err)
{
    struct cfg_parser p = {.name = name, .err = err};
    struct config *c = NULL;
    int rc = -1;
    *out = NULL;
    cJSON *root = cJSON_Parse(text);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t line = 1;
        for (const char *q = text; at && q < at && *q; q++)
            line += *q == '\n';
        wr_fail(err, WR_E_CONFIG, "%s: line %zu: not valid JSON; check commas and quotes", name,
                line);
        goto out;
    }
    static const char *const keys[] = {"services", "sources", "destinations", "secrets_file",
                                       "analyze", NULL}; /* destinations: comms.c */
    if (!cJSON_IsObject(root)) {
        cfg_fail(&p, "(top level)", "an object with \"services\"", root);
        goto out;
    }
    if (cfg_known_keys(&p, root, "(top level)", keys))
        goto out;
    const cJSON *sources = cJSON_GetObjectItemCaseSensitive(root, "sources");
    if (sources && !cJSON_IsObject(sources)) {
        cfg_fail(&p, "sources", "an object of named sources", sources);
        goto out;
    }
    const cJSON *services = cJSON_GetObjectItemCaseSensitive(root, "services");
    const cJSON *analyze = cJSON_GetObjectItemCaseSensitive(root, "analyze");
    if (!services && analyze) {
        /* a file for `warroom analyze` alone */
        if (!(c = calloc(1, sizeof *c)) || !(c->path = wr_strdup(name))) {
            wr_fail(err, WR_E_NOMEM, "out of memory reading %s", name);
            goto out;
        }
        if (cfg_parse_analyze(&p, analyze, &c->analyze) != 0)
            goto out;
        *out = c;
        c = NULL;
        rc = 0;
        goto out;
    }
    if (!cJSON_IsArray(services)) {
        cfg_fail(&p, "services", "an array of {name, slis}", services);
        goto out;
    }
    size_t cap = 0;
    const cJSON *svc;
    cJSON_ArrayForEach(svc, services)
    {
        const cJSON *slis = cJSON_GetObjectItemCaseSensitive(svc, "slis");
        cap += cJSON_IsArray(slis) ? (size_t)cJSON_GetArraySize(slis) : 0;
    }
    c = calloc(1, sizeof *c);
    if (!c || !(c->path = wr_strdup(name)) ||
        (cap && !(c->slis = calloc(cap, sizeof *c->slis)))) {
        wr_fail(err, WR_E_NOMEM, "out of memory reading %s", name);
        goto out;
    }
    size_t si = 0;
    cJSON_ArrayForEach(svc, services)
    {
        static const char *const svc_keys[] = {"name", "slis", NULL};
        char path[128];
        snprintf(path, sizeof path, "services[%zu]", si++);
        char *svc_name = NULL;
        if (!cJSON_IsObject(svc)) {
            cfg_fail(&p, path, "an object {name, slis}", svc);
            goto out;
        }
        if (cfg_known_keys(&p, svc, path, svc_keys) ||
            cfg_string(&p, svc, "name", path, true, &svc_name))
            goto out;
        const cJSON *slis = cJSON_GetObjectItemCaseSensitive(svc, "slis");
        if (!cJSON_IsArray(slis)) {
            char field[160];
            snprintf(field, sizeof field, "%s.slis", path);
            free(svc_name);
            cfg_fail(&p, field, "an array of SLIs", slis);
            goto out;
        }
        size_t k = 0;
        const cJSON *sli;
        cJSON_ArrayForEach(sli, slis)
        {
            char spath[200];
            snprintf(spath, sizeof spath, "%s.slis[%zu]", path, k++);
            struct cfg_sli *s = &c->slis[c->nslis++];
            if (cfg_parse_sli(&p, sli, spath, svc_name, sources, s) != 0) {
                free(svc_name);
                goto out;
            }
            for (size_t j = 0; j + 1 < c->nslis; j++)
                if (strcmp(c->slis[j].id, s->id) == 0) {
                    wr_fail(err, WR_E_CONFIG, "%s: %s.id: \"%s\" is already used; ids must be "
                            "unique", name, spath, s->id);
                    free(svc_name);
                    goto out;
                }
        }
        free(svc_name);
    }
    if (analyze && cfg_parse_analyze(&p, analyze, &c->analyze) != 0)
        goto out;
    *out = c;
    c = NULL;
    rc = 0;
out:
    cJSON_Delete(root);
    config_free(&c);
    return rc;
}

int config_load(const char *path, struct config **out, struct wr_error *err)
{
    *out = NULL;
    char *text = wr_read_file(path, NULL, err);
    if (!text)
        return -1;
    int rc = config_parse(text, path, out, err);
    free(text);
    return rc;
}

void config_free(struct config **c)
{
    if (!c || !*c)
        return;
    for (size_t i = 0; i < (*c)->nslis; i++)
        cfg_sli_clear(&(*c)->slis[i]);
    cfg_analyze_clear(&(*c)->analyze);
    free((*c)->slis);
    free((*c)->path);
    free(*c);
    *c = NULL;
}

const struct cfg_sli *config_find_sli(const struct config *c, const char *id)
{
    for (size_t i = 0; c && i < c->nslis; i++)
        if (strcmp(c->slis[i].id, id) == 0)
            return &c->slis[i];
    return NULL;
}
