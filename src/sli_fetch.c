/* sli_fetch.c: SLI sources over HTTP (Prometheus, CloudWatch, generic JSON) with libcurl multi;
 * replay. The response parsers are in sli_parse.c. */
#include "sli_fetch.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libcurl.h"
#include "replay.h"
#include "slo.h"

#define FETCH_MAX_WINDOWS (2 * CFG_MAX_BURN_RULES + 1)
#define FETCH_MAX_BACKOFF_MS (10 * 60 * 1000)

enum step_kind { STEP_VALUE, STEP_SPARK, STEP_RATIO, STEP_JSON, STEP_CLOUDWATCH };

struct fetch_step {
    enum step_kind kind;
    size_t window; /* STEP_RATIO: index into job->windows */
};

/* One SLI's evaluation in progress and its schedule. */
struct sli_job {
    struct sli_fetch *f;
    struct sli *sli;
    CURL *easy;     /* the request in flight, or NULL */
    char *url;      /* of the request in flight */
    char *post;     /* request body (CloudWatch), or NULL */
    struct curl_slist *headers; /* request headers (CloudWatch), or NULL */
    struct wr_buf body;
    bool too_large;
    char curl_err[CURL_ERROR_SIZE];
    bool active;    /* an evaluation is under way */
    int64_t at_ms;  /* evaluation time of this run */
    int64_t next_due_mono;
    struct fetch_step steps[FETCH_MAX_WINDOWS + 2];
    size_t nsteps, cur;
    int64_t windows[FETCH_MAX_WINDOWS];
    double ratios[FETCH_MAX_WINDOWS];
    bool ratio_ok[FETCH_MAX_WINDOWS];
    size_t nwindows;
    struct sli_result result;
    struct replay_file *replay; /* cached replay file */
};

struct sli_fetch {
    struct sli_set *set;
    struct sli_fetch_hooks hooks;
    bool has_hooks;
    CURLM *multi;
    struct sli_job *jobs;
    int64_t at_ms;
};

/* libcurl, loaded by the first HTTP request (replay sources never need it). */
static const struct libcurl *curl;

/* ---- the state machine ---- */

static void job_add_window(struct sli_job *j, int64_t ms)
{
    for (size_t i = 0; i < j->nwindows; i++)
        if (j->windows[i] == ms)
            return;
    if (j->nwindows < FETCH_MAX_WINDOWS) {
        j->windows[j->nwindows] = ms;
        j->ratio_ok[j->nwindows] = false;
        j->steps[j->nsteps++] = (struct fetch_step){STEP_RATIO, j->nwindows};
        j->nwindows++;
    }
}

static size_t job_window_index(const struct sli_job *j, int64_t ms)
{
    for (size_t i = 0; i < j->nwindows; i++)
        if (j->windows[i] == ms)
            return i;
    return 0;
}

static bool job_has_slo(const struct cfg_sli *c)
{
    return !isnan(c->target) && c->good && c->total;
}

/* The PromQL for a step (caller frees). */
static char *job_expr(const struct sli_job *j, const struct fetch_step *st)
{
    const struct cfg_sli *c = j->sli->cfg;
    char win[32];
    int64_t w = st->kind == STEP_RATIO ? j->windows[st->window] : c->value_window_ms;
    config_prom_duration(w, win, sizeof win);
    if (st->kind == STEP_RATIO || c->type == CFG_SLI_AVAILABILITY) {
        struct wr_buf b = {0};
        wr_buf_printf(&b, "(%s) / (%s)", c->good, c->total);
        if (b.oom) {
            wr_buf_free(&b);
            return NULL;
        }
        char *e = prom_substitute(b.data, win);
        wr_buf_free(&b);
        return e;
    }
    return prom_substitute(c->query, win);
}

static char *job_url(struct sli_job *j, const struct fetch_step *st)
{
    const struct cfg_sli *c = j->sli->cfg;
    struct wr_buf b = {0};
    if (st->kind == STEP_JSON || st->kind == STEP_CLOUDWATCH)
        return wr_strdup(c->source.url);
    char *expr = job_expr(j, st);
    CURL *e = curl->easy_init();
    char *q = expr && e ? curl->easy_escape(e, expr, 0) : NULL;
    if (!q)
        goto out;
    size_t ulen = strlen(c->source.url);
    while (ulen > 0 && c->source.url[ulen - 1] == '/')
        ulen--;
    wr_buf_append(&b, c->source.url, ulen);
    double at = (double)j->at_ms / 1000.0;
    if (st->kind == STEP_SPARK) {
        double step = (double)c->spark_step_ms / 1000.0;
        wr_buf_printf(&b, "/api/v1/query_range?query=%s&start=%.3f&end=%.3f&step=%.3f", q,
                      at - (double)c->spark_range_ms / 1000.0 + step, at, step);
    } else {
        wr_buf_printf(&b, "/api/v1/query?query=%s&time=%.3f", q, at);
    }
out:
    curl->free(q);
    curl->easy_cleanup(e);
    free(expr);
    if (b.oom || !b.data) {
        wr_buf_free(&b);
        return NULL;
    }
    return wr_buf_steal(&b);
}

static size_t job_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sli_job *j = userdata;
    size_t n = size * nmemb;
    if (j->body.len + n > SLI_FETCH_BODY_MAX) {
        j->too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    wr_buf_append(&j->body, ptr, n);
    return j->body.oom ? 0 : n;
}

static void job_finish(struct sli_job *j);

static void job_fail(struct sli_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void job_fail(struct sli_job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    j->result.failed = true;
    vsnprintf(j->result.error, sizeof j->result.error, fmt, ap);
    va_end(ap);
    job_finish(j);
}

static void job_clear_request(struct sli_job *j)
{
    free(j->post);
    j->post = NULL;
    if (j->headers) /* set only once libcurl is loaded */
        curl->slist_free_all(j->headers);
    j->headers = NULL;
}

/* ---- CloudWatch GetMetricData (AWS JSON 1.0, SigV4 by libcurl) ---- */

/* The request body: the user's MetricDataQueries over [at - spark_range, at]. */
static char *cw_body(const struct sli_job *j)
{
    const struct cfg_sli *c = j->sli->cfg;
    cJSON *root = cJSON_CreateObject();
    cJSON *queries = cJSON_Parse(c->metric_queries);
    char *text = NULL;
    if (!root || !queries) {
        cJSON_Delete(queries);
        goto out;
    }
    cJSON_AddItemToObject(root, "MetricDataQueries", queries);
    double end = floor((double)j->at_ms / 1000.0);
    double start = end - (double)(c->spark_range_ms / 1000);
    if (!cJSON_AddNumberToObject(root, "StartTime", start) ||
        !cJSON_AddNumberToObject(root, "EndTime", end) ||
        !cJSON_AddStringToObject(root, "ScanBy", "TimestampAscending"))
        goto out;
    text = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return text;
}

/* Body, headers and SigV4 signing for one GetMetricData call; fails the job when the
 * credentials are missing. The secret goes to libcurl only: never into messages. */
static int cw_prepare(struct sli_job *j, CURL *e)
{
    const struct cfg_sli *c = j->sli->cfg;
    const char *key = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");
    if (!key || !*key || !secret || !*secret) {
        job_fail(j, "CloudWatch needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
                    "environment");
        return -1;
    }
    job_clear_request(j);
    j->post = cw_body(j);
    struct wr_buf sig = {0}, tok = {0};
    wr_buf_printf(&sig, "aws:amz:%s:monitoring", c->source.region);
    struct curl_slist *h = NULL, *t;
    if ((t = curl->slist_append(h, "Content-Type: application/x-amz-json-1.0")))
        h = t;
    if (t && (t = curl->slist_append(h, "X-Amz-Target: GraniteServiceVersion20100801.GetMetricData")))
        h = t;
    if (t && token && *token) {
        wr_buf_printf(&tok, "X-Amz-Security-Token: %s", token);
        if (tok.oom || !(t = curl->slist_append(h, tok.data)))
            t = NULL;
        else
            h = t;
    }
    wr_buf_free(&tok);
    j->headers = h;
    if (!j->post || !t || sig.oom) {
        wr_buf_free(&sig);
        job_fail(j, "out of memory building the CloudWatch request");
        return -1;
    }
    curl->easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
    curl->easy_setopt(e, CURLOPT_POSTFIELDS, j->post);
    curl->easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(j->post));
    curl->easy_setopt(e, CURLOPT_AWS_SIGV4, sig.data); /* libcurl copies option strings */
    curl->easy_setopt(e, CURLOPT_USERNAME, key);
    curl->easy_setopt(e, CURLOPT_PASSWORD, secret);
    wr_buf_free(&sig);
    return 0;
}

static CURLM *fetch_multi(struct sli_fetch *f, struct wr_error *err);

/* Start the request for j->steps[j->cur]. */
static void job_send(struct sli_job *j)
{
    const struct cfg_sli *c = j->sli->cfg;
    struct wr_error err;
    if (!fetch_multi(j->f, &err)) {
        job_fail(j, "%s", err.msg);
        return;
    }
    free(j->url);
    j->url = job_url(j, &j->steps[j->cur]);
    wr_buf_free(&j->body);
    j->too_large = false;
    j->curl_err[0] = '\0';
    CURL *e = j->url ? curl->easy_init() : NULL;
    if (!e) {
        job_fail(j, "out of memory starting a request");
        return;
    }
    curl->easy_setopt(e, CURLOPT_URL, j->url);
    curl->easy_setopt(e, CURLOPT_PRIVATE, j);
    curl->easy_setopt(e, CURLOPT_WRITEFUNCTION, job_write);
    curl->easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl->easy_setopt(e, CURLOPT_ERRORBUFFER, j->curl_err);
    curl->easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->source.timeout_ms);
    curl->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->source.timeout_ms);
    curl->easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SLI_FETCH_BODY_MAX);
    curl->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(e, CURLOPT_USERAGENT, "warroom");
    curl->easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (j->steps[j->cur].kind == STEP_CLOUDWATCH && cw_prepare(j, e) != 0) {
        curl->easy_cleanup(e);
        return; /* cw_prepare failed the job */
    }
    j->easy = e;
    if (curl->multi_add_handle(j->f->multi, e) != CURLM_OK) {
        j->easy = NULL;
        curl->easy_cleanup(e);
        job_fail(j, "cannot start the request (libcurl multi refused it)");
    }
}

/* Turn the ratios into burn rates and the budget, apply, schedule the next run. */
static void job_finish(struct sli_job *j)
{
    struct sli *s = j->sli;
    const struct cfg_sli *c = s->cfg;
    struct sli_result *r = &j->result;
    if (!r->failed && j->nwindows > 0) {
        for (size_t i = 0; i < c->nrules; i++) {
            struct sli_burn *b = &r->burns[i];
            size_t li = job_window_index(j, c->rules[i].long_ms);
            size_t si = job_window_index(j, c->rules[i].short_ms);
            b->long_ok = j->ratio_ok[li] && slo_burn_rate_from_error_rate(
                                                c->target, 1.0 - j->ratios[li], &b->long_burn) ==
                                                SLO_OK;
            b->short_ok = j->ratio_ok[si] && slo_burn_rate_from_error_rate(
                                                 c->target, 1.0 - j->ratios[si], &b->short_burn) ==
                                                 SLO_OK;
            b->firing = b->long_ok && b->short_ok && b->long_burn > c->rules[i].factor &&
                        b->short_burn > c->rules[i].factor;
        }
        size_t wi = job_window_index(j, c->window_ms);
        r->has_budget = j->ratio_ok[wi] && slo_budget_remaining(c->target, j->ratios[wi], 1.0,
                                                                &r->budget_remaining) == SLO_OK;
    }
    sli_apply(s, r, wr_mono_ms());
    int64_t delay = c->refresh_ms;
    if (s->failures > 0) {
        unsigned shift = s->failures > 6 ? 6 : s->failures;
        delay = c->refresh_ms << shift;
        if (delay > FETCH_MAX_BACKOFF_MS)
            delay = FETCH_MAX_BACKOFF_MS > c->refresh_ms ? FETCH_MAX_BACKOFF_MS : c->refresh_ms;
    }
    j->next_due_mono = wr_mono_ms() + delay;
    j->active = false;
    free(j->url);
    j->url = NULL;
    wr_buf_free(&j->body);
    if (j->f->hooks.changed)
        j->f->hooks.changed(j->f->hooks.ctx, s);
}

/* The response for the current step arrived (or failed). */
static void job_done(struct sli_job *j, CURLcode code)
{
    const struct cfg_sli *c = j->sli->cfg;
    long http = 0;
    curl->easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
    curl->multi_remove_handle(j->f->multi, j->easy);
    curl->easy_cleanup(j->easy);
    j->easy = NULL;
    job_clear_request(j);
    char msg[SLI_ERROR_MAX];
    char dur[32];
    if (j->too_large || code == CURLE_FILESIZE_EXCEEDED) {
        job_fail(j, "response too large (over 1 MiB) from %s", c->source.url);
        return;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        config_prom_duration(c->source.timeout_ms, dur, sizeof dur);
        job_fail(j, "timed out after %s waiting for %s", dur, c->source.url);
        return;
    }
    if (code != CURLE_OK) {
        snprintf(msg, sizeof msg, "%s", j->curl_err[0] ? j->curl_err : curl->easy_strerror(code));
        job_fail(j, "%s (%s)", msg, c->source.url);
        return;
    }
    const struct fetch_step *st = &j->steps[j->cur];
    struct sli_result *r = &j->result;
    const char *body = j->body.data ? j->body.data : "";
    if (st->kind == STEP_CLOUDWATCH) {
        struct prom_parsed p;
        if (cw_parse(body, j->body.len, http, c->query, c->type == CFG_SLI_AVAILABILITY ? c->good : NULL,
                     c->total, &p, msg, sizeof msg) != 0) {
            job_fail(j, "%s", msg);
            return;
        }
        snprintf(r->warnings, sizeof r->warnings, "%s", p.warnings);
        if (!p.no_data) {
            r->has_value = true;
            r->value = p.value * c->scale;
            r->value_t_ms = (int64_t)(p.points[p.npoints - 1].t * 1000.0);
        } else {
            snprintf(r->error, sizeof r->error, "CloudWatch returned no data points");
        }
        size_t nslots = (size_t)(c->spark_range_ms / c->spark_step_ms);
        nslots = nslots > SLI_SPARK_MAX ? SLI_SPARK_MAX : nslots < 1 ? 1 : nslots;
        for (size_t i = 0; i < nslots; i++)
            r->spark[i] = NAN;
        double end = (double)j->at_ms / 1000.0, step = (double)c->spark_step_ms / 1000.0;
        for (size_t i = 0; i < p.npoints; i++) {
            double back = floor((end - p.points[i].t) / step);
            if (back >= 0 && back < (double)nslots)
                r->spark[nslots - 1 - (size_t)back] = p.points[i].value * c->scale;
        }
        r->nspark = nslots;
        r->has_spark = true;
        free(p.points);
    } else if (st->kind == STEP_JSON) {
        double v;
        if (json_source_parse(body, j->body.len, http, c->source.url,
                              c->json_path ? c->json_path : c->source.path, &v, msg,
                              sizeof msg) != 0) {
            job_fail(j, "%s", msg);
            return;
        }
        r->has_value = true;
        r->value = v * c->scale;
        r->value_t_ms = j->at_ms;
    } else {
        struct prom_parsed p;
        if (prom_parse(body, j->body.len, http, st->kind == STEP_SPARK, &p, msg, sizeof msg) !=
            0) {
            job_fail(j, "%s", msg);
            return;
        }
        if (p.warnings[0] && !r->warnings[0])
            snprintf(r->warnings, sizeof r->warnings, "%s", p.warnings);
        if (st->kind == STEP_VALUE && !p.no_data && isnan(p.value)) {
            snprintf(r->error, sizeof r->error,
                     "the query gave NaN (no traffic in the %s window?)",
                     config_prom_duration(c->value_window_ms, dur, sizeof dur));
        } else if (st->kind == STEP_VALUE && !p.no_data) {
            r->has_value = true;
            r->value = p.value * c->scale;
            r->value_t_ms = j->at_ms;
        } else if (st->kind == STEP_RATIO && !p.no_data && isfinite(p.value)) {
            j->ratios[st->window] = p.value;
            j->ratio_ok[st->window] = true;
        } else if (st->kind == STEP_SPARK) {
            /* Place each point in its step slot; missing steps stay gaps. */
            size_t nslots = (size_t)(c->spark_range_ms / c->spark_step_ms);
            if (nslots > SLI_SPARK_MAX)
                nslots = SLI_SPARK_MAX;
            if (nslots < 1)
                nslots = 1;
            for (size_t i = 0; i < nslots; i++)
                r->spark[i] = NAN;
            double end = (double)j->at_ms / 1000.0, step = (double)c->spark_step_ms / 1000.0;
            for (size_t i = 0; i < p.npoints; i++) {
                double back = floor((end - p.points[i].t) / step + 0.5);
                if (back >= 0 && back < (double)nslots)
                    r->spark[nslots - 1 - (size_t)back] = p.points[i].value * c->scale;
            }
            r->nspark = nslots;
            r->has_spark = true;
        }
        free(p.points);
    }
    if (++j->cur < j->nsteps)
        job_send(j);
    else
        job_finish(j);
}

/* Begin an evaluation of one SLI. */
static void job_start(struct sli_job *j)
{
    if (j->active)
        return;
    const struct cfg_sli *c = j->sli->cfg;
    memset(&j->result, 0, sizeof j->result);
    j->at_ms = j->f->at_ms != WR_TIME_NONE ? j->f->at_ms : wr_now_ms();
    j->nsteps = j->cur = j->nwindows = 0;
    j->active = true;
    if (c->source.type == CFG_SOURCE_REPLAY) {
        sli_eval_replay(c, j->at_ms, &j->replay, &j->result);
        job_finish(j);
        return;
    }
    if (c->source.type == CFG_SOURCE_CLOUDWATCH) {
        j->steps[j->nsteps++] = (struct fetch_step){STEP_CLOUDWATCH, 0};
    } else if (c->source.type == CFG_SOURCE_JSON) {
        j->steps[j->nsteps++] = (struct fetch_step){STEP_JSON, 0};
    } else {
        j->steps[j->nsteps++] = (struct fetch_step){STEP_VALUE, 0};
        j->steps[j->nsteps++] = (struct fetch_step){STEP_SPARK, 0};
        if (job_has_slo(c)) {
            for (size_t i = 0; i < c->nrules; i++) {
                job_add_window(j, c->rules[i].long_ms);
                job_add_window(j, c->rules[i].short_ms);
            }
            job_add_window(j, c->window_ms);
        }
    }
    job_send(j);
}

/* Hand every finished transfer to its job. */
static void fetch_collect(struct sli_fetch *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl->multi_info_read(f->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct sli_job *j = NULL;
        curl->easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        CURLcode code = m->data.result;
        if (j && j->easy == m->easy_handle)
            job_done(j, code);
    }
}

static int fetch_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct sli_fetch *f = userp;
    short ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= POLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= POLLOUT;
    f->hooks.watch_fd(f->hooks.ctx, (int)s, what == CURL_POLL_REMOVE ? 0 : ev);
    return 0;
}

static int fetch_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct sli_fetch *f = userp;
    f->hooks.set_timer(f->hooks.ctx, timeout_ms);
    return 0;
}

/* The multi handle, made with the first HTTP request: loading libcurl costs more than a
 * `warroom log`, and replay sources (the demo) never need it. NULL with err when libcurl cannot
 * be loaded; the request's SLI shows that error and the others carry on. */
static CURLM *fetch_multi(struct sli_fetch *f, struct wr_error *err)
{
    if (f->multi)
        return f->multi;
    if (!(curl = libcurl_load(err)))
        return NULL;
    f->multi = curl->multi_init();
    if (!f->multi) {
        wr_fail(err, WR_E_NETWORK, "libcurl multi failed to initialise (out of memory?)");
        return NULL;
    }
    if (f->has_hooks) {
        curl->multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fetch_socket_cb);
        curl->multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
        curl->multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fetch_timer_cb);
        curl->multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    }
    return f->multi;
}

int sli_fetch_new(struct sli_set *set, const struct sli_fetch_hooks *hooks,
                  struct sli_fetch **out, struct wr_error *err)
{
    *out = NULL;
    struct sli_fetch *f = calloc(1, sizeof *f);
    if (!f || (set->count && !(f->jobs = calloc(set->count, sizeof *f->jobs)))) {
        free(f);
        return wr_fail(err, WR_E_NOMEM, "out of memory starting the SLI fetcher");
    }
    f->set = set;
    f->at_ms = WR_TIME_NONE;
    if (hooks) {
        f->hooks = *hooks;
        f->has_hooks = true;
    }
    int64_t now = wr_mono_ms();
    for (size_t i = 0; i < set->count; i++) {
        f->jobs[i].f = f;
        f->jobs[i].sli = &set->slis[i];
        f->jobs[i].next_due_mono = now;
    }
    *out = f;
    return 0;
}

void sli_fetch_free(struct sli_fetch **fp)
{
    if (!fp || !*fp)
        return;
    struct sli_fetch *f = *fp;
    for (size_t i = 0; i < f->set->count; i++) {
        struct sli_job *j = &f->jobs[i];
        if (j->easy) {
            curl->multi_remove_handle(f->multi, j->easy);
            curl->easy_cleanup(j->easy);
        }
        free(j->url);
        job_clear_request(j);
        wr_buf_free(&j->body);
        replay_free(&j->replay);
    }
    if (f->multi)
        curl->multi_cleanup(f->multi);
    free(f->jobs);
    free(f);
    *fp = NULL;
}

void sli_fetch_set_time(struct sli_fetch *f, int64_t at_ms)
{
    f->at_ms = at_ms;
}

int64_t sli_fetch_start_due(struct sli_fetch *f, int64_t now_mono)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < f->set->count; i++) {
        struct sli_job *j = &f->jobs[i];
        if (!j->active && j->next_due_mono <= now_mono)
            job_start(j);
        if (!j->active && j->next_due_mono - now_mono < next)
            next = j->next_due_mono - now_mono;
    }
    if (next == INT64_MAX)
        return -1; /* everything in flight: the next finish reschedules */
    return next < 0 ? 0 : next;
}

void sli_fetch_start(struct sli_fetch *f, struct sli *s)
{
    for (size_t i = 0; i < f->set->count; i++)
        if (f->jobs[i].sli == s)
            job_start(&f->jobs[i]);
}

void sli_fetch_on_socket(struct sli_fetch *f, int fd, short revents)
{
    if (!f->multi)
        return;
    int mask = 0, running = 0;
    if (revents & POLLIN)
        mask |= CURL_CSELECT_IN;
    if (revents & POLLOUT)
        mask |= CURL_CSELECT_OUT;
    if (revents & (POLLERR | POLLHUP | POLLNVAL))
        mask |= CURL_CSELECT_ERR;
    curl->multi_socket_action(f->multi, fd, mask, &running);
    fetch_collect(f);
}

void sli_fetch_on_timeout(struct sli_fetch *f)
{
    if (!f->multi)
        return;
    int running = 0;
    curl->multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    fetch_collect(f);
}

size_t sli_fetch_in_flight(const struct sli_fetch *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->set->count; i++)
        n += f->jobs[i].active;
    return n;
}

int sli_fetch_run_once(struct sli_fetch *f, const char *only_id, struct wr_error *err)
{
    if (f->has_hooks)
        return wr_fail(err, WR_E_FAIL, "sli_fetch_run_once needs a fetcher made without hooks");
    bool any = false;
    for (size_t i = 0; i < f->set->count; i++)
        if (!only_id || strcmp(f->jobs[i].sli->cfg->id, only_id) == 0) {
            any = true;
            job_start(&f->jobs[i]);
        }
    if (!any)
        return wr_fail(err, WR_E_NOT_FOUND, "no SLI with id \"%s\" in %s; `warroom sli` lists them",
                       only_id ? only_id : "", f->set->config->path);
    while (sli_fetch_in_flight(f) > 0) {
        int running = 0;
        if (curl->multi_perform(f->multi, &running) != CURLM_OK)
            return wr_fail(err, WR_E_NETWORK, "libcurl multi failed");
        fetch_collect(f);
        if (sli_fetch_in_flight(f) == 0)
            break;
        if (curl->multi_poll(f->multi, NULL, 0, 1000, NULL) != CURLM_OK)
            return wr_fail(err, WR_E_NETWORK, "libcurl multi poll failed");
    }
    return 0;
}
