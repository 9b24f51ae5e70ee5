/* analyze_report.c: what the analysis says: recommendation rules over the findings (each
 * states its evidence), the JSON and Markdown reports, SVG charts and the replay file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analyze_internal.h"
#include "svg.h"
#include "template.h"

/* ---- formatting helpers ---- */

/* "12:12 UTC", plus " (09:12 local)" when the local zone differs at that instant: at most 23
 * characters. */
static char *fmt_clock(int64_t ms, char *buf, size_t n)
{
    char u[8], l[8]; /* "HH:MM" */
    wr_time_fmt(ms, true, "%H:%M", u, sizeof u);
    wr_time_fmt(ms, false, "%H:%M", l, sizeof l);
    if (strcmp(u, l) == 0)
        snprintf(buf, n, "%s UTC", u);
    else
        snprintf(buf, n, "%s UTC (%s local)", u, l);
    return buf;
}

/* 1234567 -> "1,234,567" */
static char *fmt_count(uint64_t v, char *buf, size_t n)
{
    char raw[32];
    snprintf(raw, sizeof raw, "%llu", (unsigned long long)v);
    size_t len = strlen(raw), o = 0;
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

static char *fmt_ms(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "n/a");
    else if (v >= 10000)
        snprintf(buf, n, "%.1f s", v / 1000);
    else if (v >= 100)
        snprintf(buf, n, "%.0f ms", v);
    else
        snprintf(buf, n, "%.1f ms", v);
    return buf;
}

static char *fmt_pct(double ratio, char *buf, size_t n)
{
    if (isnan(ratio))
        snprintf(buf, n, "n/a");
    else if (ratio > 0.999 && ratio < 1)
        snprintf(buf, n, "%.3f%%", ratio * 100);
    else
        snprintf(buf, n, "%.2f%%", ratio * 100);
    return buf;
}

static char *fmt_series_value(enum analyze_series s, double v, char *buf, size_t n)
{
    if (s == ANA_SERIES_ERROR_RATE)
        return fmt_pct(v, buf, n);
    if (s == ANA_SERIES_P99)
        return fmt_ms(v, buf, n);
    snprintf(buf, n, "%.0f/min", v);
    return buf;
}

/* ---- recommendations ---- */

static int add_rec(struct analyze_result *r, size_t *cap, const char *rule, const char *finding,
                   const char *action)
{
    if (r->nrecommendations == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct analyze_recommendation *a = realloc(r->recommendations, nc * sizeof *a);
        if (!a)
            return -1;
        r->recommendations = a;
        *cap = nc;
    }
    struct analyze_recommendation *o = &r->recommendations[r->nrecommendations];
    o->rule = strdup(rule);
    o->finding = strdup(finding);
    o->action = strdup(action);
    if (!o->rule || !o->finding || !o->action) {
        free(o->rule);
        free(o->finding);
        free(o->action);
        return -1;
    }
    r->nrecommendations++;
    return 0;
}

/* Errors of one class to one dependency, summed over its error types. */
struct dep_group {
    const char *dependency;
    enum analyze_error_class cls;
    uint64_t count;
    int64_t onset_ms;
};

static size_t group_by_dependency(const struct analyze_result *r, struct dep_group *g, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nerror_types; i++) {
        const struct analyze_error_type *t = &r->error_types[i];
        if (!t->dependency[0] || t->cls == ANA_CLASS_OTHER)
            continue;
        enum analyze_error_class cls = t->cls == ANA_CLASS_POOL ? ANA_CLASS_CONNECTION : t->cls;
        size_t k = 0;
        while (k < n && !(g[k].cls == cls && strcmp(g[k].dependency, t->dependency) == 0))
            k++;
        if (k == n) {
            if (n == max)
                continue;
            g[n++] = (struct dep_group){t->dependency, cls, 0, WR_TIME_NONE};
        }
        g[k].count += t->count;
        if (t->onset_ms != WR_TIME_NONE &&
            (g[k].onset_ms == WR_TIME_NONE || t->onset_ms < g[k].onset_ms))
            g[k].onset_ms = t->onset_ms;
    }
    /* most first */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && g[j].count > g[j - 1].count; j--) {
            struct dep_group t = g[j];
            g[j] = g[j - 1];
            g[j - 1] = t;
        }
    return n;
}

static const struct analyze_episode *first_episode(const struct analyze_result *r,
                                                   enum analyze_series s, bool low)
{
    for (size_t i = 0; i < r->nanomalies; i++)
        if (r->anomalies[i].series == s && r->anomalies[i].low == low)
            return &r->anomalies[i];
    return NULL;
}

int ana_recommend(struct analyze_result *r, struct wr_error *err)
{
    size_t cap = 0;
    char f[1024], a[1024], t1[32], t2[32], c1[32], c2[32], p1[32];
    struct dep_group groups[32];
    size_t ng = group_by_dependency(r, groups, 32);
    uint64_t events = r->error_events;
    const struct dep_group *timeouts = NULL;
    /* 1. timeouts to a dependency */
    for (size_t i = 0; i < ng; i++) {
        const struct dep_group *g = &groups[i];
        if (g->cls != ANA_CLASS_TIMEOUT || g->count < 10 || (double)g->count < 0.2 * (double)events)
            continue;
        if (!timeouts)
            timeouts = g;
        char since[64] = "";
        if (g->onset_ms != WR_TIME_NONE)
            snprintf(since, sizeof since, ", starting %s", fmt_clock(g->onset_ms, t1, sizeof t1));
        snprintf(f, sizeof f, "%.0f%% of error events (%s of %s) are timeouts to %s%s",
                 100.0 * (double)g->count / (double)events, fmt_count(g->count, c1, sizeof c1),
                 fmt_count(events, c2, sizeof c2), g->dependency, since);
        snprintf(a, sizeof a, "Put a circuit breaker and a retry budget on calls to %s, keep "
                 "attempts x timeout under the caller's deadline, and alert on its timeout rate",
                 g->dependency);
        if (add_rec(r, &cap, "dependency-timeouts", f, a) != 0)
            goto nomem;
    }
    /* 2. connection or pool errors, and whether they follow the timeouts */
    for (size_t i = 0; i < ng; i++) {
        const struct dep_group *g = &groups[i];
        if (g->cls != ANA_CLASS_CONNECTION || g->count < 10 ||
            (double)g->count < 0.05 * (double)events)
            continue;
        if (timeouts && timeouts->onset_ms != WR_TIME_NONE && g->onset_ms != WR_TIME_NONE &&
            g->onset_ms - timeouts->onset_ms >= 60000) {
            snprintf(f, sizeof f, "Connection errors to %s (%s, %.0f%% of error events) follow the "
                     "timeouts to %s by %lld min (from %s)", g->dependency,
                     fmt_count(g->count, c1, sizeof c1), 100.0 * (double)g->count / (double)events,
                     timeouts->dependency, (long long)((g->onset_ms - timeouts->onset_ms) / 60000),
                     fmt_clock(g->onset_ms, t1, sizeof t1));
            snprintf(a, sizeof a, "Size the connection pool for %s with retries in mind and do "
                     "not hold a connection while waiting on %s; alert on pool saturation",
                     g->dependency, timeouts->dependency);
        } else {
            char since[64] = "";
            if (g->onset_ms != WR_TIME_NONE)
                snprintf(since, sizeof since, " from %s", fmt_clock(g->onset_ms, t1, sizeof t1));
            snprintf(f, sizeof f, "%s connection errors to %s (%.0f%% of error events)%s",
                     fmt_count(g->count, c1, sizeof c1), g->dependency,
                     100.0 * (double)g->count / (double)events, since);
            snprintf(a, sizeof a, "Check %s's health and the client's pool size and timeouts; "
                     "alert on connection errors to it", g->dependency);
        }
        if (add_rec(r, &cap, "dependency-connections", f, a) != 0)
            goto nomem;
    }
    /* 3. latency rose before errors did */
    const struct analyze_episode *lat = first_episode(r, ANA_SERIES_P99, false);
    const struct analyze_episode *er = first_episode(r, ANA_SERIES_ERROR_RATE, false);
    if (lat && er && er->start_ms - lat->start_ms >= 2 * 60000 &&
        lat->end_ms >= er->start_ms - 5 * 60000) {
        char pk[32], bl[32];
        snprintf(f, sizeof f, "p99 rose %lld min before errors: p99 anomalous from %s (peak %s "
                 "against a baseline of %s), error rate from %s",
                 (long long)((er->start_ms - lat->start_ms) / 60000),
                 fmt_clock(lat->start_ms, t1, sizeof t1), fmt_ms(lat->peak, pk, sizeof pk),
                 fmt_ms(lat->baseline, bl, sizeof bl), fmt_clock(er->start_ms, t2, sizeof t2));
        snprintf(a, sizeof a, "Alert on latency SLO burn (p99 against its threshold), not only "
                 "on errors: it would have fired %lld min earlier",
                 (long long)((er->start_ms - lat->start_ms) / 60000));
        if (add_rec(r, &cap, "latency-before-errors", f, a) != 0)
            goto nomem;
    }
    /* 4. errors concentrated on one endpoint */
    if (r->nendpoints >= 2 && r->errors >= 10) {
        const struct analyze_endpoint *top = NULL;
        for (size_t i = 0; i < r->nendpoints; i++)
            if (!top || r->endpoints[i].errors > top->errors)
                top = &r->endpoints[i];
        if (top && (double)top->errors >= 0.8 * (double)r->errors) {
            snprintf(f, sizeof f, "%s has %.0f%% of the 5xx responses (%s of %s)", top->name,
                     100.0 * (double)top->errors / (double)r->errors,
                     fmt_count(top->errors, c1, sizeof c1), fmt_count(r->errors, c2, sizeof c2));
            snprintf(a, sizeof a, "Give %s its own availability SLO and burn-rate alert, so its "
                     "failures are not diluted by the other endpoints' traffic", top->name);
            if (add_rec(r, &cap, "endpoint-concentration", f, a) != 0)
                goto nomem;
        }
    }
    /* 5. availability under the objective, as error budget */
    if (r->requests >= 100 && r->target > 0 && r->target < 1 &&
        (double)(r->requests - r->errors) / (double)r->requests < r->target &&
        r->first_ms != WR_TIME_NONE) {
        double span = (double)(r->last_ms - r->first_ms);
        if (span < 60000)
            span = 60000;
        double month = (double)r->requests * (28.0 * 86400000.0 / span);
        double budget = (1 - r->target) * month;
        char d[32];
        wr_duration_fmt((int64_t)span, d, sizeof d);
        snprintf(f, sizeof f, "Availability %s over %s (%s of %s requests failed) is under the "
                 "%.4g%% objective: about %.0f%% of a 28-day error budget (traffic extrapolated "
                 "from these logs)",
                 fmt_pct((double)(r->requests - r->errors) / (double)r->requests, p1, sizeof p1),
                 d, fmt_count(r->errors, c1, sizeof c1), fmt_count(r->requests, c2, sizeof c2),
                 r->target * 100, 100.0 * (double)r->errors / budget);
        snprintf(a, sizeof a, "Apply the error-budget policy: hold risky deploys while the "
                 "budget is low, and review the objective in the postmortem");
        if (add_rec(r, &cap, "error-budget", f, a) != 0)
            goto nomem;
    }
    /* 6. traffic dropped */
    const struct analyze_episode *drop = first_episode(r, ANA_SERIES_REQUESTS, true);
    if (drop && drop->baseline > 0) {
        char pk[32], bl[32];
        snprintf(f, sizeof f, "Requests fell %.0f%% from %s for %lld min (%s against a baseline "
                 "of %s)", 100.0 * (1 - drop->peak / drop->baseline),
                 fmt_clock(drop->start_ms, t1, sizeof t1),
                 (long long)((drop->end_ms - drop->start_ms) / 60000),
                 fmt_series_value(ANA_SERIES_REQUESTS, drop->peak, pk, sizeof pk),
                 fmt_series_value(ANA_SERIES_REQUESTS, drop->baseline, bl, sizeof bl));
        snprintf(a, sizeof a, "Alert on a traffic drop of more than 30%% (a golden signal): "
                 "users giving up or an upstream failing show there first");
        if (add_rec(r, &cap, "traffic-drop", f, a) != 0)
            goto nomem;
    }
    /* 7. retries rose during the error episode */
    if (er) {
        double before = 0, during = 0;
        size_t nb = 0, nd = 0;
        for (size_t i = 0; i < r->nminutes; i++) {
            const struct analyze_minute *m = &r->minutes[i];
            if (isnan(m->retries_mean))
                continue;
            if (m->t_ms < er->start_ms) {
                before += m->retries_mean;
                nb++;
            } else if (m->t_ms < er->end_ms) {
                during += m->retries_mean;
                nd++;
            }
        }
        if (nb && nd) {
            before /= (double)nb;
            during /= (double)nd;
            if (during >= 1 && during >= 2 * before) {
                snprintf(f, sizeof f, "Retries per logged call rose from %.2f to %.2f during the "
                         "error episode from %s", before, during,
                         fmt_clock(er->start_ms, t1, sizeof t1));
                snprintf(a, sizeof a, "Cap retries with a retry budget and exponential backoff "
                         "with jitter: retries multiply the load on a struggling dependency");
                if (add_rec(r, &cap, "retry-amplification", f, a) != 0)
                    goto nomem;
            }
        }
    }
    /* 8. unreadable lines */
    if (r->lines >= 20 && (double)r->malformed >= 0.01 * (double)r->lines) {
        char where[300] = "";
        if (r->nsamples)
            snprintf(where, sizeof where, "; first: %.200s:%llu, %s", r->samples[0].file,
                     (unsigned long long)r->samples[0].line, r->samples[0].reason);
        snprintf(f, sizeof f, "%.1f%% of lines (%s) could not be parsed%s",
                 100.0 * (double)r->malformed / (double)r->lines,
                 fmt_count(r->malformed, c1, sizeof c1), where);
        snprintf(a, sizeof a, "Log one JSON object per line in the structured-log standard; "
                 "truncated or mixed lines hide failures from analysis");
        if (add_rec(r, &cap, "malformed-lines", f, a) != 0)
            goto nomem;
    }
    /* 9. requests without a duration */
    if (r->requests >= 100 && (double)r->with_latency < 0.5 * (double)r->requests) {
        snprintf(f, sizeof f, "%.0f%% of requests carry no duration",
                 100.0 * (double)(r->requests - r->with_latency) / (double)r->requests);
        snprintf(a, sizeof a, "Log duration_ms on every request (or map yours with --map "
                 "duration=NAME:UNIT) so latency objectives can be measured");
        if (add_rec(r, &cap, "missing-latency", f, a) != 0)
            goto nomem;
    }
    return 0;
nomem:
    return wr_fail(err, WR_E_NOMEM, "out of memory writing recommendations");
}

/* ---- JSON ---- */

static cJSON *num_or_null(double v)
{
    if (isnan(v) || isinf(v))
        return cJSON_CreateNull();
    return cJSON_CreateNumber(round(v * 1000) / 1000);
}

static cJSON *time_or_null(int64_t ms)
{
    char b[40];
    if (ms == WR_TIME_NONE)
        return cJSON_CreateNull();
    return cJSON_CreateString(wr_time_iso(ms, b, sizeof b));
}

static double ratio(uint64_t good, uint64_t total)
{
    return total ? (double)good / (double)total : NAN;
}

char *analyze_report_json(const struct analyze_result *r)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON *files = cJSON_AddArrayToObject(root, "files");
    for (size_t i = 0; i < r->nfiles; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", r->files[i].path);
        cJSON_AddStringToObject(o, "format", r->files[i].format);
        cJSON_AddBoolToObject(o, "gzip", r->files[i].gzip);
        cJSON_AddNumberToObject(o, "lines", (double)r->files[i].lines);
        cJSON_AddNumberToObject(o, "malformed", (double)r->files[i].malformed);
        cJSON_AddItemToArray(files, o);
    }
    cJSON_AddNumberToObject(root, "lines", (double)r->lines);
    cJSON_AddNumberToObject(root, "malformed", (double)r->malformed);
    cJSON *ms = cJSON_AddArrayToObject(root, "malformed_samples");
    for (size_t i = 0; i < r->nsamples; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", r->samples[i].file);
        cJSON_AddNumberToObject(o, "line", (double)r->samples[i].line);
        cJSON_AddStringToObject(o, "reason", r->samples[i].reason);
        cJSON_AddItemToArray(ms, o);
    }
    cJSON_AddNumberToObject(root, "requests", (double)r->requests);
    cJSON_AddNumberToObject(root, "errors", (double)r->errors);
    /* availability keeps every decimal: 0.99951 is not 0.9995 */
    cJSON_AddItemToObject(root, "availability",
                          r->requests ? cJSON_CreateNumber(ratio(r->requests - r->errors, r->requests))
                                      : cJSON_CreateNull());
    cJSON_AddItemToObject(root, "p50_ms", num_or_null(r->p50_ms));
    cJSON_AddItemToObject(root, "p95_ms", num_or_null(r->p95_ms));
    cJSON_AddItemToObject(root, "p99_ms", num_or_null(r->p99_ms));
    cJSON_AddNumberToObject(root, "health_checks_excluded", (double)r->health_excluded);
    cJSON_AddNumberToObject(root, "filtered_out", (double)r->filtered_out);
    cJSON_AddNumberToObject(root, "no_timestamp", (double)r->no_timestamp);
    cJSON_AddNumberToObject(root, "error_events", (double)r->error_events);
    cJSON_AddNumberToObject(root, "invalid_utf8", (double)r->invalid_utf8);
    cJSON_AddItemToObject(root, "first", time_or_null(r->first_ms));
    cJSON_AddItemToObject(root, "last", time_or_null(r->last_ms));
    cJSON *eps = cJSON_AddArrayToObject(root, "endpoints");
    for (size_t i = 0; i < r->nendpoints; i++) {
        const struct analyze_endpoint *e = &r->endpoints[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "endpoint", e->name);
        cJSON_AddNumberToObject(o, "requests", (double)e->requests);
        cJSON_AddNumberToObject(o, "errors", (double)e->errors);
        cJSON_AddNumberToObject(o, "availability", ratio(e->requests - e->errors, e->requests));
        cJSON_AddItemToObject(o, "p50_ms", num_or_null(e->p50_ms));
        cJSON_AddItemToObject(o, "p95_ms", num_or_null(e->p95_ms));
        cJSON_AddItemToObject(o, "p99_ms", num_or_null(e->p99_ms));
        cJSON_AddItemToArray(eps, o);
    }
    cJSON *ets = cJSON_AddArrayToObject(root, "error_types");
    for (size_t i = 0; i < r->nerror_types; i++) {
        const struct analyze_error_type *t = &r->error_types[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", t->type);
        cJSON_AddStringToObject(o, "dependency", t->dependency);
        cJSON_AddNumberToObject(o, "count", (double)t->count);
        cJSON_AddStringToObject(o, "class", analyze_error_class_name(t->cls));
        cJSON_AddItemToObject(o, "first", time_or_null(t->first_ms));
        cJSON_AddItemToObject(o, "onset", time_or_null(t->onset_ms));
        cJSON_AddItemToObject(o, "last", time_or_null(t->last_ms));
        cJSON_AddItemToArray(ets, o);
    }
    cJSON *mins = cJSON_AddArrayToObject(root, "minutes");
    for (size_t i = 0; i < r->nminutes; i++) {
        const struct analyze_minute *m = &r->minutes[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "t", time_or_null(m->t_ms));
        cJSON_AddNumberToObject(o, "requests", (double)m->requests);
        cJSON_AddNumberToObject(o, "errors", (double)m->errors);
        cJSON_AddItemToObject(o, "error_rate", m->requests ? cJSON_CreateNumber(
                                                   (double)m->errors / (double)m->requests)
                                               : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "p99_ms", num_or_null(m->p99_ms));
        cJSON_AddItemToArray(mins, o);
    }
    cJSON *an = cJSON_AddArrayToObject(root, "anomalies");
    for (size_t i = 0; i < r->nanomalies; i++) {
        const struct analyze_episode *e = &r->anomalies[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "series", analyze_series_name(e->series));
        cJSON_AddItemToObject(o, "start", time_or_null(e->start_ms));
        cJSON_AddItemToObject(o, "end", time_or_null(e->end_ms));
        cJSON_AddItemToObject(o, "peak", num_or_null(e->peak));
        cJSON_AddItemToObject(o, "baseline", num_or_null(e->baseline));
        cJSON_AddItemToObject(o, "peak_at", time_or_null(e->peak_ms));
        cJSON_AddStringToObject(o, "direction", e->low ? "down" : "up");
        cJSON_AddNumberToObject(o, "minutes", (double)e->minutes);
        cJSON_AddItemToObject(o, "score", num_or_null(e->score));
        cJSON_AddItemToArray(an, o);
    }
    cJSON *recs = cJSON_AddArrayToObject(root, "recommendations");
    for (size_t i = 0; i < r->nrecommendations; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "rule", r->recommendations[i].rule);
        cJSON_AddStringToObject(o, "finding", r->recommendations[i].finding);
        cJSON_AddStringToObject(o, "action", r->recommendations[i].action);
        cJSON_AddItemToArray(recs, o);
    }
    cJSON *warn = cJSON_AddArrayToObject(root, "warnings");
    for (size_t i = 0; i < r->nwarnings; i++)
        cJSON_AddItemToArray(warn, cJSON_CreateString(r->warnings[i]));
    cJSON *method = cJSON_AddObjectToObject(root, "method");
    cJSON_AddNumberToObject(method, "latency_relative_error", ANA_HIST_REL_ERROR);
    cJSON_AddStringToObject(method, "percentile", "nearest rank");
    cJSON_AddNumberToObject(method, "baseline_minutes", r->anomaly.baseline_minutes);
    cJSON_AddNumberToObject(method, "warmup_minutes", r->anomaly.warmup_minutes);
    cJSON_AddNumberToObject(method, "threshold", r->anomaly.threshold);
    cJSON_AddNumberToObject(method, "min_requests", r->anomaly.min_requests);
    cJSON_AddNumberToObject(method, "min_episode_minutes", r->anomaly.min_episode_minutes);
    cJSON_AddNumberToObject(method, "merge_gap_minutes", r->anomaly.merge_gap_minutes);
    cJSON_AddNumberToObject(method, "target", r->target);
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}

/* ---- Markdown ---- */

/* Rows of the endpoint and error tables in Markdown (the JSON has every one): a report meant
 * for people stays readable when a service has thousands of routes. */
#define ANA_MD_ROWS 25

static void md(struct wr_buf *b, const char *s)
{
    char *clean = wr_text_sanitize(s ? s : "", true);
    if (!clean) {
        b->oom = true;
        return;
    }
    tpl_escape_append(b, clean, strlen(clean), TPL_ESCAPE_MARKDOWN);
    free(clean);
}

int analyze_report_markdown(const struct analyze_result *r, const char *chart_prefix,
                            struct wr_buf *b)
{
    char t1[64], t2[64], c1[32], c2[32], v1[32], v2[32], v3[32];
    wr_buf_puts(b, "# Log analysis\n\n");
    if (r->first_ms != WR_TIME_NONE)
        wr_buf_printf(b, "Logs from %s to %s (UTC), %zu file%s.\n\n",
                      wr_time_fmt(r->first_ms, true, "%Y-%m-%d %H:%M:%S", t1, sizeof t1),
                      wr_time_fmt(r->last_ms, true, "%Y-%m-%d %H:%M:%S", t2, sizeof t2),
                      r->nfiles, r->nfiles == 1 ? "" : "s");
    wr_buf_puts(b, "| File | Format | Lines | Malformed |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < r->nfiles; i++) {
        wr_buf_puts(b, "| ");
        md(b, r->files[i].path);
        wr_buf_printf(b, " | %s%s | %s | %s |\n", r->files[i].format,
                      r->files[i].gzip ? " (gzip)" : "", fmt_count(r->files[i].lines, c1, sizeof c1),
                      fmt_count(r->files[i].malformed, c2, sizeof c2));
    }
    wr_buf_puts(b, "\n## Figures\n\n| Figure | Value | Definition |\n| --- | --- | --- |\n");
    wr_buf_printf(b, "| Requests | %s | lines with an HTTP status; health checks excluded (%s) |\n",
                  fmt_count(r->requests, c1, sizeof c1), fmt_count(r->health_excluded, c2, sizeof c2));
    wr_buf_printf(b, "| Errors | %s | requests with status >= 500 |\n",
                  fmt_count(r->errors, c1, sizeof c1));
    wr_buf_printf(b, "| Availability | %s | good / requests, good = status < 500 |\n",
                  fmt_pct(ratio(r->requests - r->errors, r->requests), v1, sizeof v1));
    wr_buf_printf(b, "| Latency p50 / p95 / p99 | %s / %s / %s | nearest-rank percentiles of "
                  "the requests' durations, within 1%% |\n", fmt_ms(r->p50_ms, v1, sizeof v1),
                  fmt_ms(r->p95_ms, v2, sizeof v2), fmt_ms(r->p99_ms, v3, sizeof v3));
    wr_buf_printf(b, "| Error events | %s | failed requests plus lines logged at error level |\n",
                  fmt_count(r->error_events, c1, sizeof c1));
    wr_buf_printf(b, "| Lines | %s | log lines or CloudWatch events read (blank lines not counted) |\n",
                  fmt_count(r->lines, c1, sizeof c1));
    wr_buf_printf(b, "| Malformed | %s | lines that could not be parsed, skipped |\n",
                  fmt_count(r->malformed, c1, sizeof c1));
    if (r->filtered_out)
        wr_buf_printf(b, "| Outside --from/--to | %s | lines skipped by the time filter |\n",
                      fmt_count(r->filtered_out, c1, sizeof c1));
    if (r->no_timestamp)
        wr_buf_printf(b, "| Without a time | %s | lines with no readable timestamp |\n",
                      fmt_count(r->no_timestamp, c1, sizeof c1));
    if (r->invalid_utf8)
        wr_buf_printf(b, "| Invalid UTF-8 | %s | lines counted whose endpoint or error text held "
                      "invalid UTF-8 (those bytes are shown as ?) |\n",
                      fmt_count(r->invalid_utf8, c1, sizeof c1));
    for (size_t i = 0; i < r->nsamples; i++) {
        if (i == 0)
            wr_buf_puts(b, "\nFirst malformed lines:\n\n");
        wr_buf_puts(b, "- ");
        md(b, r->samples[i].file);
        wr_buf_printf(b, ":%llu: ", (unsigned long long)r->samples[i].line);
        md(b, r->samples[i].reason);
        wr_buf_puts(b, "\n");
    }
    for (size_t i = 0; i < r->nwarnings; i++) {
        if (i == 0)
            wr_buf_puts(b, "\nWarnings:\n\n");
        wr_buf_puts(b, "- ");
        md(b, r->warnings[i]);
        wr_buf_puts(b, "\n");
    }
    wr_buf_puts(b, "\n## Recommendations\n\n");
    if (!r->nrecommendations)
        wr_buf_puts(b, "None: no rule found evidence in these logs.\n");
    for (size_t i = 0; i < r->nrecommendations; i++) {
        wr_buf_printf(b, "%zu. **", i + 1);
        md(b, r->recommendations[i].finding);
        wr_buf_puts(b, "** → ");
        md(b, r->recommendations[i].action);
        wr_buf_puts(b, ".\n");
    }
    wr_buf_puts(b, "\n## Anomalies\n\n");
    if (!r->nanomalies)
        wr_buf_puts(b, "None found.\n");
    else
        wr_buf_puts(b, "| Series | Start (UTC) | End (UTC) | Peak | At | Baseline |\n"
                       "| --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < r->nanomalies; i++) {
        const struct analyze_episode *e = &r->anomalies[i];
        char a[16], z[16], at[16];
        wr_buf_printf(b, "| %s%s | %s | %s | %s | %s | %s |\n", analyze_series_title(e->series),
                      e->low ? " (drop)" : "", wr_time_fmt(e->start_ms, true, "%H:%M", a, sizeof a),
                      wr_time_fmt(e->end_ms, true, "%H:%M", z, sizeof z),
                      fmt_series_value(e->series, e->peak, v1, sizeof v1),
                      wr_time_fmt(e->peak_ms, true, "%H:%M", at, sizeof at),
                      fmt_series_value(e->series, e->baseline, v2, sizeof v2));
    }
    if (chart_prefix) {
        wr_buf_printf(b, "\n![requests per minute](%sanalysis-requests.svg)\n\n"
                         "![error rate](%sanalysis-error-rate.svg)\n\n"
                         "![p99 latency](%sanalysis-p99.svg)\n",
                      chart_prefix, chart_prefix, chart_prefix);
    }
    wr_buf_puts(b, "\n## Endpoints\n\n| Endpoint | Requests | Errors | Availability | p50 | p95 | p99 |\n"
                   "| --- | --- | --- | --- | --- | --- | --- |\n");
    size_t shown = r->nendpoints < ANA_MD_ROWS ? r->nendpoints : ANA_MD_ROWS;
    for (size_t i = 0; i < shown; i++) {
        const struct analyze_endpoint *e = &r->endpoints[i];
        char p50[32], p95[32], p99[32];
        wr_buf_puts(b, "| ");
        md(b, e->name);
        wr_buf_printf(b, " | %s | %s | %s | %s | %s | %s |\n", fmt_count(e->requests, c1, sizeof c1),
                      fmt_count(e->errors, c2, sizeof c2),
                      fmt_pct(ratio(e->requests - e->errors, e->requests), v1, sizeof v1),
                      fmt_ms(e->p50_ms, p50, sizeof p50), fmt_ms(e->p95_ms, p95, sizeof p95),
                      fmt_ms(e->p99_ms, p99, sizeof p99));
    }
    if (shown < r->nendpoints)
        wr_buf_printf(b, "\n%zu more endpoints with fewer requests: `--json` lists them all.\n",
                      r->nendpoints - shown);
    wr_buf_puts(b, "\n## Errors by type and dependency\n\n");
    if (!r->nerror_types)
        wr_buf_puts(b, "No error events.\n");
    else
        wr_buf_puts(b, "| Type | Dependency | Class | Count | Share | Onset (UTC) |\n"
                       "| --- | --- | --- | --- | --- | --- |\n");
    shown = r->nerror_types < ANA_MD_ROWS ? r->nerror_types : ANA_MD_ROWS;
    for (size_t i = 0; i < shown; i++) {
        const struct analyze_error_type *t = &r->error_types[i];
        wr_buf_puts(b, "| ");
        md(b, t->type);
        wr_buf_puts(b, " | ");
        md(b, t->dependency[0] ? t->dependency : "-");
        char on[16] = "-";
        if (t->onset_ms != WR_TIME_NONE)
            wr_time_fmt(t->onset_ms, true, "%H:%M", on, sizeof on);
        wr_buf_printf(b, " | %s | %s | %.1f%% | %s |\n", analyze_error_class_name(t->cls),
                      fmt_count(t->count, c1, sizeof c1),
                      r->error_events ? 100.0 * (double)t->count / (double)r->error_events : 0.0, on);
    }
    if (shown < r->nerror_types)
        wr_buf_printf(b, "\n%zu rarer error types: `--json` lists them all.\n",
                      r->nerror_types - shown);
    wr_buf_printf(b, "\n## Method\n\n"
                     "A request is a line with an HTTP status; good means status < 500; health "
                     "checks are excluded. Latency percentiles are nearest-rank values read from a "
                     "log-bucketed histogram whose buckets are within %.0f%% of every value in "
                     "them; every count is exact. Anomalies: each minute's error rate, p99 and "
                     "request count is compared with the median of the last %d normal minutes "
                     "(robust z-score = (value - median) / (1.4826 x MAD), with a floor on the "
                     "spread); |z| >= %g is anomalous once %d normal minutes are known; minutes "
                     "with fewer than %d requests are not judged for error rate and p99; "
                     "anomalous minutes at most %d minutes apart form one episode, reported when "
                     "it has at least %d anomalous minutes. Onset of an error type: the first "
                     "minute with at least max(2, 10%% of its busiest minute). Error-rate minutes need at "
                     "least 3 errors; the baseline learns only from minutes with |z| under half "
                     "the threshold, and starts over after %d minutes without learning.\n",
                  ANA_HIST_REL_ERROR * 100, r->anomaly.baseline_minutes, r->anomaly.threshold,
                  r->anomaly.warmup_minutes, r->anomaly.min_requests, r->anomaly.merge_gap_minutes,
                  r->anomaly.min_episode_minutes, 3 * r->anomaly.baseline_minutes);
    return b->oom ? -1 : 0;
}

/* ---- charts and files ---- */

static int write_file(const char *path, const char *data, size_t len, struct wr_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return wr_fail(err, WR_E_IO, "cannot write %s: %s; check that its directory exists and "
                       "is writable", path, strerror(errno));
    size_t w = fwrite(data, 1, len, f);
    int rc = fclose(f);
    if (w != len || rc != 0)
        return wr_fail(err, WR_E_IO, "cannot write %s: %s; check that its directory exists and "
                       "is writable", path, strerror(errno));
    return 0;
}

static int chart(const struct analyze_result *r, enum analyze_series s, const char *dir,
                 const char *file, struct wr_error *err)
{
    struct svg_point *pts = calloc(r->nminutes ? r->nminutes : 1, sizeof *pts);
    struct svg_band *bands = calloc(r->nanomalies ? r->nanomalies : 1, sizeof *bands);
    if (!pts || !bands) {
        free(pts);
        free(bands);
        return wr_fail(err, WR_E_NOMEM, "out of memory drawing charts");
    }
    for (size_t i = 0; i < r->nminutes; i++) {
        const struct analyze_minute *m = &r->minutes[i];
        double v = NAN;
        if (s == ANA_SERIES_REQUESTS)
            v = (double)m->requests;
        else if (s == ANA_SERIES_ERROR_RATE && m->requests)
            v = 100.0 * (double)m->errors / (double)m->requests;
        else if (s == ANA_SERIES_P99)
            v = m->p99_ms;
        pts[i] = (struct svg_point){m->t_ms, v};
    }
    size_t nb = 0;
    for (size_t i = 0; i < r->nanomalies; i++)
        if (r->anomalies[i].series == s)
            bands[nb++] = (struct svg_band){r->anomalies[i].start_ms, r->anomalies[i].end_ms,
                                            r->anomalies[i].low ? "drop" : "anomaly"};
    const char *title = s == ANA_SERIES_REQUESTS ? "Requests per minute"
                        : s == ANA_SERIES_ERROR_RATE ? "Error rate per minute (5xx)"
                                                     : "p99 latency per minute";
    const char *unit = s == ANA_SERIES_REQUESTS ? "requests" : s == ANA_SERIES_ERROR_RATE ? "%" : "ms";
    int64_t from = r->nminutes ? r->minutes[0].t_ms : 0;
    int64_t to = r->nminutes ? r->minutes[r->nminutes - 1].t_ms + 60000 : 60000;
    struct svg_chart c = {title, unit, from, to, pts, r->nminutes, false, 0, NULL, 0};
    struct wr_buf b = {0};
    int rc = svg_chart_write_bands(&c, bands, nb, &b, err);
    if (rc == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, file);
        rc = write_file(path, b.data, b.len, err);
    }
    wr_buf_free(&b);
    free(pts);
    free(bands);
    return rc;
}

int analyze_report_dir(const struct analyze_result *r, const char *dir, struct wr_error *err)
{
    if (wr_mkdirs(dir, 0755, err) != 0)
        return -1;
    struct wr_buf b = {0};
    int rc = -1;
    if (analyze_report_markdown(r, "", &b) != 0) {
        wr_fail(err, WR_E_NOMEM, "out of memory writing the report");
        goto out;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/analysis.md", dir);
    if (write_file(path, b.data, b.len, err) != 0 ||
        chart(r, ANA_SERIES_REQUESTS, dir, "analysis-requests.svg", err) != 0 ||
        chart(r, ANA_SERIES_ERROR_RATE, dir, "analysis-error-rate.svg", err) != 0 ||
        chart(r, ANA_SERIES_P99, dir, "analysis-p99.svg", err) != 0)
        goto out;
    rc = 0;
out:
    wr_buf_free(&b);
    return rc;
}

int analyze_write_replay(const struct analyze_result *r, const char *path, struct wr_error *err)
{
    if (r->nminutes == 0)
        return wr_fail(err, WR_E_INPUT, "no timestamped lines: there is no per-minute series to "
                       "write to %s", path);
    struct wr_buf b = {0};
    char t[40];
    int64_t start = r->minutes[0].t_ms;
    wr_buf_printf(&b, "{\n  \"format\": \"warroom-replay\",\n  \"version\": 1,\n"
                      "  \"start\": \"%s\",\n  \"speed\": 1,\n"
                      "  \"note\": \"Per-minute series from warroom analyze (%zu file%s). Each "
                      "sample covers the minute that ends at its time.\",\n  \"series\": [\n",
                  wr_time_iso(start, t, sizeof t), r->nfiles, r->nfiles == 1 ? "" : "s");
    static const struct {
        const char *name, *unit, *kind, *desc;
    } series[] = {
        {"availability", "ratio", "good_total", "requests with status < 500 / requests, per minute"},
        {"requests", "requests", "gauge", "requests per minute"},
        {"error_rate", "ratio", "gauge", "5xx / requests per minute"},
        {"p99_ms", "ms", "gauge", "p99 latency per minute (within 1%)"},
    };
    for (size_t s = 0; s < 4; s++) {
        wr_buf_printf(&b, "    {\"name\": \"%s\", \"unit\": \"%s\", \"kind\": \"%s\", "
                          "\"description\": \"%s\",\n     \"samples\": [",
                      series[s].name, series[s].unit, series[s].kind, series[s].desc);
        for (size_t i = 0; i < r->nminutes; i++) {
            const struct analyze_minute *m = &r->minutes[i];
            long long at = (long long)((m->t_ms + 60000 - start) / 1000);
            wr_buf_puts(&b, i ? ", " : "");
            switch (s) {
            case 0:
                wr_buf_printf(&b, "[%lld, %llu, %llu]", at,
                              (unsigned long long)(m->requests - m->errors),
                              (unsigned long long)m->requests);
                break;
            case 1: wr_buf_printf(&b, "[%lld, %llu]", at, (unsigned long long)m->requests); break;
            case 2:
                if (m->requests)
                    wr_buf_printf(&b, "[%lld, %.6f]", at, (double)m->errors / (double)m->requests);
                else
                    wr_buf_printf(&b, "[%lld, null]", at);
                break;
            default:
                if (isnan(m->p99_ms))
                    wr_buf_printf(&b, "[%lld, null]", at);
                else
                    wr_buf_printf(&b, "[%lld, %.3f]", at, m->p99_ms);
            }
        }
        wr_buf_printf(&b, "]}%s\n", s + 1 < 4 ? "," : "");
    }
    wr_buf_puts(&b, "  ]\n}\n");
    int rc = b.oom ? wr_fail(err, WR_E_NOMEM, "out of memory writing %s", path)
                   : write_file(path, b.data, b.len, err);
    wr_buf_free(&b);
    return rc;
}
