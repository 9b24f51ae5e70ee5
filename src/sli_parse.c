/* sli_parse.c: the SLI sources' response parsers (Prometheus, CloudWatch GetMetricData, generic
 * JSON). Pure functions over bytes, no libcurl, so tests and fuzz targets link them alone. */
#include "sli_parse.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- Prometheus parsing ---- */

int prom_value(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

char *prom_substitute(const char *expr, const char *window)
{
    struct wr_buf b = {0};
    const char *p = expr;
    for (const char *hit; (hit = strstr(p, "$window")) != NULL; p = hit + 7) {
        wr_buf_append(&b, p, (size_t)(hit - p));
        wr_buf_puts(&b, window);
    }
    wr_buf_puts(&b, p);
    if (b.oom) {
        wr_buf_free(&b);
        return NULL;
    }
    return wr_buf_steal(&b);
}

/* [t, "v"] -> point. */
static int prom_pair(const cJSON *pair, struct prom_point *pt)
{
    const cJSON *t = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);
    if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(t) ||
        !cJSON_IsString(v) || prom_value(v->valuestring, &pt->value) != 0)
        return -1;
    pt->t = t->valuedouble;
    return 0;
}

int prom_parse(const char *body, size_t len, long http_status, bool range, struct prom_parsed *out,
               char *err, size_t errn)
{
    int rc = -1;
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (!cJSON_IsString(status)) {
        char head[48];
        size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
        for (size_t i = 0; i < n; i++)
            head[i] = (body[i] >= 32 && body[i] < 127) ? body[i] : '.';
        head[n] = '\0';
        if (http_status >= 400)
            snprintf(err, errn, "HTTP %ld: %s", http_status, head);
        else
            snprintf(err, errn, "not a Prometheus API response (HTTP %ld): \"%s\"", http_status,
                     head);
        goto out;
    }
    const cJSON *warn = cJSON_GetObjectItemCaseSensitive(root, "warnings"), *w;
    cJSON_ArrayForEach(w, warn)
    {
        if (!cJSON_IsString(w))
            continue;
        size_t used = strlen(out->warnings);
        snprintf(out->warnings + used, sizeof out->warnings - used, "%s%s", used ? "; " : "",
                 w->valuestring);
    }
    if (strcmp(status->valuestring, "success") != 0) {
        const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
        const cJSON *em = cJSON_GetObjectItemCaseSensitive(root, "error");
        snprintf(err, errn, "%s: %s", cJSON_IsString(et) ? et->valuestring : "error",
                 cJSON_IsString(em) ? em->valuestring : "(no message)");
        goto out;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *rtype = cJSON_GetObjectItemCaseSensitive(data, "resultType");
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(data, "result");
    if (!cJSON_IsString(rtype) || !result) {
        snprintf(err, errn, "Prometheus answered without data.resultType/data.result");
        goto out;
    }
    const char *type = rtype->valuestring;
    struct prom_point pt;
    if (strcmp(type, "scalar") == 0 && !range) {
        if (prom_pair(result, &pt) != 0) {
            snprintf(err, errn, "malformed scalar result");
            goto out;
        }
        out->value = pt.value;
        rc = 0;
        goto out;
    }
    if (strcmp(type, range ? "matrix" : "vector") != 0) {
        snprintf(err, errn, "the query gave a %s result; expected %s", type,
                 range ? "a range (matrix)" : "one number (scalar or vector); is a [range] "
                                              "selector left outside a function?");
        goto out;
    }
    int nseries = cJSON_GetArraySize(result);
    if (!cJSON_IsArray(result)) {
        snprintf(err, errn, "malformed %s result", type);
        goto out;
    }
    if (nseries == 0) {
        out->no_data = true;
        rc = 0;
        goto out;
    }
    if (nseries > 1) {
        snprintf(err, errn, "the query returned %d series; aggregate it to one (e.g. sum(...))",
                 nseries);
        goto out;
    }
    const cJSON *series = cJSON_GetArrayItem(result, 0);
    if (!range) {
        if (prom_pair(cJSON_GetObjectItemCaseSensitive(series, "value"), &pt) != 0) {
            snprintf(err, errn, "malformed vector sample");
            goto out;
        }
        out->value = pt.value;
        rc = 0;
        goto out;
    }
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(series, "values"), *v;
    int n = cJSON_GetArraySize(values);
    if (!cJSON_IsArray(values)) {
        snprintf(err, errn, "malformed matrix series");
        goto out;
    }
    if (n > 0 && !(out->points = calloc((size_t)n, sizeof *out->points))) {
        snprintf(err, errn, "out of memory");
        goto out;
    }
    cJSON_ArrayForEach(v, values)
    {
        if (prom_pair(v, &out->points[out->npoints]) != 0) {
            snprintf(err, errn, "malformed matrix sample");
            goto out;
        }
        out->npoints++;
    }
    out->no_data = out->npoints == 0;
    rc = 0;
out:
    if (rc != 0) {
        free(out->points);
        out->points = NULL;
        out->npoints = 0;
    }
    cJSON_Delete(root);
    return rc;
}

/* ---- generic JSON source ---- */

/* Follow "a.b[0].c" into a JSON document. */
static int json_follow(const cJSON *root, const char *path, double *value, char *err, size_t errn)
{
    const cJSON *cur = root;
    const char *p = path;
    while (*p && cur) {
        if (*p == '.') {
            p++;
            continue;
        }
        if (*p == '[') {
            char *end;
            long idx = strtol(p + 1, &end, 10);
            if (*end != ']' || idx < 0) {
                snprintf(err, errn, "json_path \"%s\": bad index", path);
                return -1;
            }
            cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, (int)idx) : NULL;
            p = end + 1;
            continue;
        }
        size_t n = strcspn(p, ".[");
        char key[128];
        if (n >= sizeof key) {
            snprintf(err, errn, "json_path \"%s\": field name too long", path);
            return -1;
        }
        memcpy(key, p, n);
        key[n] = '\0';
        cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, key) : NULL;
        p += n;
    }
    if (cJSON_IsNumber(cur)) {
        *value = cur->valuedouble;
        return 0;
    }
    if (cJSON_IsString(cur) && prom_value(cur->valuestring, value) == 0)
        return 0;
    snprintf(err, errn, "json_path \"%s\": %s", path,
             cur ? "not a number" : "no such field in the response");
    return -1;
}

int json_source_parse(const char *body, size_t len, long http_status, const char *url,
                      const char *path, double *value, char *err, size_t errn)
{
    if (http_status >= 400) {
        snprintf(err, errn, "HTTP %ld from %s", http_status, url);
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) {
        snprintf(err, errn, "the response from %s is not JSON", url);
        return -1;
    }
    int rc = json_follow(root, path, value, err, errn);
    cJSON_Delete(root);
    return rc;
}

/* ---- CloudWatch GetMetricData ---- */

/* Copy one result's (timestamp, value) pairs, sorted by time. Returns the count or -1. */
static int cw_series(const cJSON *result, struct prom_point **out)
{
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(result, "Timestamps");
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(result, "Values");
    *out = NULL;
    if (!cJSON_IsArray(ts) || !cJSON_IsArray(vs) || cJSON_GetArraySize(ts) != cJSON_GetArraySize(vs))
        return -1;
    int n = cJSON_GetArraySize(ts);
    if (n == 0)
        return 0;
    struct prom_point *pts = calloc((size_t)n, sizeof *pts);
    if (!pts)
        return -1;
    for (int i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetArrayItem(ts, i), *v = cJSON_GetArrayItem(vs, i);
        if (!cJSON_IsNumber(v)) {
            free(pts);
            return -1;
        }
        double when;
        if (cJSON_IsNumber(t)) {
            when = t->valuedouble;
        } else if (cJSON_IsString(t)) {
            int64_t ms;
            if (wr_time_parse(t->valuestring, 0, &ms, NULL) != 0) {
                free(pts);
                return -1;
            }
            when = (double)ms / 1000.0;
        } else {
            free(pts);
            return -1;
        }
        pts[i] = (struct prom_point){when, v->valuedouble};
    }
    for (int i = 1; i < n; i++) /* insertion sort: results are short and usually sorted */
        for (int k = i; k > 0 && pts[k].t < pts[k - 1].t; k--) {
            struct prom_point tmp = pts[k];
            pts[k] = pts[k - 1];
            pts[k - 1] = tmp;
        }
    *out = pts;
    return n;
}

static const cJSON *cw_result(const cJSON *results, const char *id)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, results)
    {
        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(r, "Id");
        if (!id || (cJSON_IsString(rid) && strcmp(rid->valuestring, id) == 0))
            return r;
    }
    return NULL;
}

int cw_parse(const char *body, size_t len, long http_status, const char *value_id,
             const char *good_id, const char *total_id, struct prom_parsed *out, char *err,
             size_t errn)
{
    int rc = -1;
    memset(out, 0, sizeof *out);
    out->value = NAN;
    struct prom_point *good = NULL, *total = NULL;
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root || !cJSON_IsObject(root)) {
        snprintf(err, errn, "not a CloudWatch response (HTTP %ld): the body is not a JSON object",
                 http_status);
        goto out;
    }
    if (http_status >= 400) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "__type");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
        if (!cJSON_IsString(msg))
            msg = cJSON_GetObjectItemCaseSensitive(root, "Message");
        const char *tn = cJSON_IsString(type) ? type->valuestring : "error";
        const char *hash = strrchr(tn, '#'); /* "com.amazon.coral.service#AccessDenied" */
        snprintf(err, errn, "CloudWatch HTTP %ld: %s: %s", http_status, hash ? hash + 1 : tn,
                 cJSON_IsString(msg) ? msg->valuestring : "(no message)");
        goto out;
    }
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "MetricDataResults");
    if (!cJSON_IsArray(results)) {
        snprintf(err, errn, "not a GetMetricData response: no \"MetricDataResults\" array");
        goto out;
    }
    const char *ids[2] = {good_id ? good_id : value_id, good_id ? total_id : NULL};
    const cJSON *res[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        if (k == 1 && !ids[1])
            break;
        res[k] = cw_result(results, ids[k]);
        if (!res[k]) {
            snprintf(err, errn, "no result with Id \"%s\" in the GetMetricData response",
                     ids[k] ? ids[k] : "(any)");
            goto out;
        }
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(res[k], "StatusCode");
        const char *st = cJSON_IsString(status) ? status->valuestring : "Complete";
        struct wr_buf m = {0};
        const cJSON *msg;
        cJSON_ArrayForEach(msg, cJSON_GetObjectItemCaseSensitive(res[k], "Messages"))
        {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, "Value");
            if (cJSON_IsString(v))
                wr_buf_printf(&m, "%s%s", m.len ? "; " : "", v->valuestring);
        }
        if (strcmp(st, "InternalError") == 0 || strcmp(st, "Forbidden") == 0) {
            snprintf(err, errn, "CloudWatch result %s: %s%s%s", ids[k] ? ids[k] : "", st,
                     m.len ? ": " : "", m.len ? m.data : "");
            wr_buf_free(&m);
            goto out;
        }
        if ((strcmp(st, "PartialData") == 0 || m.len) && !out->warnings[0])
            snprintf(out->warnings, sizeof out->warnings, "%s%s%s",
                     strcmp(st, "PartialData") == 0 ? "partial data" : "",
                     m.len && strcmp(st, "PartialData") == 0 ? ": " : "", m.len ? m.data : "");
        wr_buf_free(&m);
    }
    int ng = cw_series(res[0], &good);
    int nt = res[1] ? cw_series(res[1], &total) : 0;
    if (ng < 0 || nt < 0) {
        snprintf(err, errn, "malformed GetMetricData result: Timestamps and Values must be "
                            "arrays of the same length");
        goto out;
    }
    if (!res[1]) {
        out->points = good;
        out->npoints = (size_t)ng;
        good = NULL;
    } else {
        /* A ratio per timestamp present in both series. */
        out->points = calloc((size_t)(ng > 0 ? ng : 1), sizeof *out->points);
        if (!out->points) {
            snprintf(err, errn, "out of memory");
            goto out;
        }
        /* One point per good sample at most: a timestamp repeated in the total series must
         * not add points past the ng allocated (found by fuzz_cloudwatch). */
        for (int a = 0; a < ng; a++)
            for (int b = 0; b < nt; b++)
                if (total[b].t == good[a].t && total[b].value > 0) {
                    out->points[out->npoints++] = (struct prom_point){good[a].t,
                                                                      good[a].value / total[b].value};
                    break;
                }
    }
    out->no_data = out->npoints == 0;
    if (!out->no_data)
        out->value = out->points[out->npoints - 1].value;
    rc = 0;
out:
    free(good);
    free(total);
    cJSON_Delete(root);
    return rc;
}
