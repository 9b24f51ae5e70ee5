/* analyze_attach.c: attaching log analysis findings to an incident's timeline, idempotently,
 * and reading them back for the postmortem. */
#include "analyze_attach.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "tz.h"

#define ANALYZE_SOURCE "warroom analyze"

/* A deterministic 128-bit uid (32 hex digits) from the text of a finding: two FNV-1a hashes
 * with different offsets, each finished by a splitmix step. */
static void finding_uid(const char *text, char *out, size_t n)
{
    uint64_t h1 = 1469598103934665603ull, h2 = 0x84222325cbf29ce4ull;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h1 = (h1 ^ *p) * 1099511628211ull;
        h2 = (h2 ^ *p) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull;
    }
    uint64_t v[2] = {h1, h2};
    for (int i = 0; i < 2; i++) {
        uint64_t z = v[i] + 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        v[i] = z ^ (z >> 31);
    }
    snprintf(out, n, "%016llx%016llx", (unsigned long long)v[0], (unsigned long long)v[1]);
}

static void value_text(enum analyze_series s, double v, char *buf, size_t n)
{
    if (s == ANA_SERIES_ERROR_RATE)
        snprintf(buf, n, "%.2f%%", v * 100);
    else if (s == ANA_SERIES_P99)
        snprintf(buf, n, "%.0f ms", v);
    else
        snprintf(buf, n, "%.0f/min", v);
}

static cJSON *iso(int64_t ms)
{
    char b[40];
    return ms == WR_TIME_NONE ? cJSON_CreateNull() : cJSON_CreateString(wr_time_iso(ms, b, sizeof b));
}

/*
 * "08:53 to 10:04 UTC-3 (11:53 to 13:04 UTC)" in the zone in use (the incident's: the timeline
 * beside these entries shows it), or "11:53 to 13:04 UTC" when that zone is UTC. to_ms may be
 * WR_TIME_NONE for a single time.
 */
static bool same_day(int64_t a_ms, int64_t b_ms)
{
    char a[16], b[16];
    wr_time_fmt(a_ms, true, "%Y-%m-%d", a, sizeof a);
    wr_time_fmt(b_ms, true, "%Y-%m-%d", b, sizeof b);
    return strcmp(a, b) == 0;
}

static char *span_text(int64_t from_ms, int64_t to_ms, char *buf, size_t n)
{
    char uf[16], ut[16], lf[16], lt[16], zone[32];
    wr_time_fmt(from_ms, true, "%H:%M", uf, sizeof uf);
    wr_time_fmt(from_ms, false, "%H:%M", lf, sizeof lf);
    bool one = to_ms == WR_TIME_NONE;
    if (!one) {
        wr_time_fmt(to_ms, true, "%H:%M", ut, sizeof ut);
        wr_time_fmt(to_ms, false, "%H:%M", lt, sizeof lt);
    }
    tz_label(from_ms, zone, sizeof zone);
    if (strcmp(zone, "UTC") == 0 || (strcmp(uf, lf) == 0 && (one || strcmp(ut, lt) == 0)))
        snprintf(buf, n, one ? "%s UTC" : "%s to %s UTC", uf, one ? "" : ut);
    else if (one)
        snprintf(buf, n, "%s %s (%s UTC)", lf, zone, uf);
    else
        snprintf(buf, n, "%s to %s %s (%s to %s UTC)", lf, lt, zone, uf, ut);
    return buf;
}

int analyze_attach(struct store *s, int64_t incident_id, const struct analyze_result *r,
                   const char *author, size_t *added, size_t *total, struct wr_error *err)
{
    struct incident inc;
    incident_init(&inc);
    size_t n = r->nanomalies + 1;
    struct entry *es = calloc(n, sizeof *es);
    char **texts = calloc(n, sizeof *texts), **datas = calloc(n, sizeof *datas);
    struct analyze_window_error *top = NULL;
    size_t ntop = 0;
    int rc = -1;
    *added = *total = 0;
    if (!es || !texts || !datas) {
        wr_fail(err, WR_E_NOMEM, "out of memory");
        goto out;
    }
    if (!s || store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    if (r->first_ms == WR_TIME_NONE) {
        if (r->filtered_out)
            wr_fail(err, WR_E_INPUT, "no line is inside --from/--to: nothing attached");
        else
            wr_fail(err, WR_E_INPUT, "the logs have no timestamps: nothing can be placed on the "
                    "incident's timeline");
        goto out;
    }
    /* the incident window the summary counts: started to resolved (else mitigated); without a
     * start, the logs' own range */
    int64_t from =
        inc.milestones[MS_STARTED] != WR_TIME_NONE ? inc.milestones[MS_STARTED] : r->first_ms;
    int64_t to = inc.milestones[MS_RESOLVED] != WR_TIME_NONE    ? inc.milestones[MS_RESOLVED]
                 : inc.milestones[MS_MITIGATED] != WR_TIME_NONE ? inc.milestones[MS_MITIGATED]
                                                                : r->last_ms + 1;
    /* Logs that miss the window entirely are the wrong logs or the wrong incident: attached,
     * they would backdate entries to another day and state 0 requests as the incident's. */
    if (r->last_ms < from || r->first_ms >= to) {
        char lf[32], lt[32], w[32];
        wr_time_fmt(r->first_ms, true, "%Y-%m-%d %H:%M", lf, sizeof lf);
        wr_time_fmt(r->last_ms, true,
                    same_day(r->first_ms, r->last_ms) ? "%H:%M" : "%Y-%m-%d %H:%M", lt, sizeof lt);
        if (r->last_ms < from) {
            wr_time_fmt(from, true, "%Y-%m-%d %H:%M", w, sizeof w);
            wr_fail(
                err, WR_E_INPUT,
                "the logs run from %s to %s UTC, before INC-%lld started "
                "(%s UTC): nothing attached; if the impact began earlier, record that first "
                "(warroom milestone %lld started TIME), else check the incident id or the files",
                lf, lt, (long long)incident_id, w, (long long)incident_id);
        } else {
            wr_time_fmt(to, true, "%Y-%m-%d %H:%M", w, sizeof w);
            wr_fail(err, WR_E_INPUT,
                    "the logs run from %s to %s UTC, after INC-%lld's window "
                    "ended (%s %s UTC): nothing attached; check the incident id, the files or "
                    "--from/--to",
                    lf, lt, (long long)incident_id,
                    inc.milestones[MS_RESOLVED] != WR_TIME_NONE ? "resolved" : "mitigated", w);
        }
        goto out;
    }
    char key[256];
    for (size_t i = 0; i < r->nanomalies; i++) {
        const struct analyze_episode *e = &r->anomalies[i];
        char pk[32], bl[32], span[160], at[96];
        value_text(e->series, e->peak, pk, sizeof pk);
        value_text(e->series, e->baseline, bl, sizeof bl);
        size_t len = 400;
        if (!(texts[i] = malloc(len)))
            goto nomem;
        snprintf(texts[i], len, "Log analysis: %s %s from %s, %s %s at %s against a baseline of %s",
                 analyze_series_title(e->series), e->low ? "dropped" : "anomalous",
                 span_text(e->start_ms, e->end_ms, span, sizeof span), e->low ? "low" : "peak", pk,
                 span_text(e->peak_ms, WR_TIME_NONE, at, sizeof at), bl);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "source", ANALYZE_SOURCE);
        cJSON_AddStringToObject(d, "finding", "anomaly");
        cJSON_AddStringToObject(d, "series", analyze_series_name(e->series));
        cJSON_AddItemToObject(d, "start", iso(e->start_ms));
        cJSON_AddItemToObject(d, "end", iso(e->end_ms));
        cJSON_AddNumberToObject(d, "peak", e->peak);
        cJSON_AddItemToObject(d, "peak_at", iso(e->peak_ms));
        cJSON_AddNumberToObject(d, "baseline", e->baseline);
        cJSON_AddStringToObject(d, "direction", e->low ? "down" : "up");
        cJSON_AddNumberToObject(d, "minutes", (double)e->minutes);
        datas[i] = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        if (!datas[i])
            goto nomem;
        snprintf(key, sizeof key, "%s|analyze|episode|%s|%lld", inc.uid,
                 analyze_series_name(e->series), (long long)e->start_ms);
        es[i] = (struct entry){.incident_id = incident_id, .at_ms = e->start_ms, .kind = KIND_ALERT,
                               .author = (char *)author, .text = texts[i], .data = datas[i]};
        finding_uid(key, es[i].uid, sizeof es[i].uid);
    }
    /* the summary: figures over the incident window */
    uint64_t wreq, werr;
    if (analyze_window(r, from, to, &wreq, &werr, &top, &ntop, 5) != 0)
        goto nomem;
    uint64_t wevents = 0;
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].minute_ms >= from && r->cells[i].minute_ms < to)
            wevents += r->cells[i].count;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "source", ANALYZE_SOURCE);
    cJSON_AddStringToObject(d, "finding", "summary");
    cJSON *files = cJSON_AddArrayToObject(d, "files");
    for (size_t i = 0; i < r->nfiles; i++) {
        const char *base = strrchr(r->files[i].path, '/');
        cJSON_AddItemToArray(files, cJSON_CreateString(base ? base + 1 : r->files[i].path));
    }
    /* the part of the window the logs (after --from/--to) cover */
    int64_t cov_from = r->first_ms > from ? r->first_ms : from;
    int64_t cov_to = r->last_ms + 1 < to ? r->last_ms + 1 : to;
    cJSON *w = cJSON_AddObjectToObject(d, "window");
    cJSON_AddItemToObject(w, "from", iso(from));
    cJSON_AddItemToObject(w, "to", iso(to));
    cJSON_AddItemToObject(w, "covered_from", iso(cov_from));
    cJSON_AddItemToObject(w, "covered_to", iso(cov_to));
    cJSON_AddNumberToObject(w, "requests", (double)wreq);
    cJSON_AddNumberToObject(w, "errors", (double)werr);
    cJSON_AddItemToObject(w, "availability", wreq ? cJSON_CreateNumber((double)(wreq - werr) / (double)wreq)
                                                  : cJSON_CreateNull());
    cJSON_AddNumberToObject(w, "error_events", (double)wevents);
    cJSON *tt = cJSON_AddArrayToObject(w, "top_error_types");
    for (size_t i = 0; i < ntop; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", top[i].type->type);
        cJSON_AddStringToObject(o, "dependency", top[i].type->dependency);
        cJSON_AddNumberToObject(o, "count", (double)top[i].count);
        cJSON_AddNumberToObject(o, "share", wevents ? (double)top[i].count / (double)wevents : 0);
        cJSON_AddItemToArray(tt, o);
    }
    cJSON *all = cJSON_AddObjectToObject(d, "analysed");
    cJSON_AddItemToObject(all, "from", iso(r->first_ms));
    cJSON_AddItemToObject(all, "to", iso(r->last_ms));
    cJSON_AddNumberToObject(all, "lines", (double)r->lines);
    cJSON_AddNumberToObject(all, "malformed", (double)r->malformed);
    cJSON_AddNumberToObject(all, "requests", (double)r->requests);
    cJSON_AddNumberToObject(all, "errors", (double)r->errors);
    cJSON_AddNumberToObject(d, "anomalies", (double)r->nanomalies);
    cJSON *recs = cJSON_AddArrayToObject(d, "recommendations");
    for (size_t i = 0; i < r->nrecommendations; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "finding", r->recommendations[i].finding);
        cJSON_AddStringToObject(o, "action", r->recommendations[i].action);
        cJSON_AddItemToArray(recs, o);
    }
    size_t k = r->nanomalies;
    datas[k] = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    struct wr_buf tb = {0};
    char span[160];
    wr_buf_printf(&tb, "Log analysis (%zu file%s): %llu requests and %llu errors (5xx) from %s",
                  r->nfiles, r->nfiles == 1 ? "" : "s", (unsigned long long)wreq,
                  (unsigned long long)werr, span_text(from, to, span, sizeof span));
    if (wreq)
        wr_buf_printf(&tb, ", %.2f%% available", 100.0 * (double)(wreq - werr) / (double)wreq);
    /* figures for part of the window read as the window's: say which part the logs cover */
    if (cov_from - from >= 60000 || to - cov_to >= 60000)
        wr_buf_printf(&tb, "; the logs cover only %s of that window",
                      span_text(cov_from, cov_to, span, sizeof span));
    if (ntop) {
        wr_buf_puts(&tb, "; top errors:");
        for (size_t i = 0; i < ntop && i < 3; i++)
            wr_buf_printf(&tb, "%s %s%s%s %.0f%%", i ? "," : "", top[i].type->type,
                          top[i].type->dependency[0] ? " to " : "", top[i].type->dependency,
                          wevents ? 100.0 * (double)top[i].count / (double)wevents : 0);
    }
    wr_buf_printf(&tb, "; %zu anomaly episode%s, %zu recommendation%s", r->nanomalies,
                  r->nanomalies == 1 ? "" : "s", r->nrecommendations,
                  r->nrecommendations == 1 ? "" : "s");
    texts[k] = wr_buf_steal(&tb);
    if (!datas[k] || !texts[k])
        goto nomem;
    /* the same analysis (same logs) gives the same summary uid */
    snprintf(key, sizeof key, "%s|analyze|summary|%lld|%lld|%llu|%llu|%llu|%lld|%lld", inc.uid,
             (long long)r->first_ms, (long long)r->last_ms, (unsigned long long)r->lines,
             (unsigned long long)r->requests, (unsigned long long)r->errors, (long long)from,
             (long long)to);
    int64_t at = to <= r->last_ms ? to : r->last_ms;
    es[k] = (struct entry){.incident_id = incident_id, .at_ms = at, .kind = KIND_NOTE,
                           .author = (char *)author, .text = texts[k], .data = datas[k]};
    finding_uid(key, es[k].uid, sizeof es[k].uid);
    if (store_entries_append_once(s, es, n, added, err) != 0)
        goto out;
    *total = n;
    rc = 0;
    goto out;
nomem:
    wr_fail(err, WR_E_NOMEM, "out of memory attaching the analysis");
out:
    for (size_t i = 0; texts && datas && i < n; i++) {
        free(texts[i]);
        free(datas[i]);
    }
    free(texts);
    free(datas);
    free(es);
    free(top);
    incident_clear(&inc);
    return rc;
}

/* ---- the postmortem's Impact ---- */

int analyze_impact_find(const struct entry *e, void *finder)
{
    struct analyze_impact_finder *c = finder;
    if (e->deleted || !e->data || !strstr(e->data, "\"" ANALYZE_SOURCE "\""))
        return 0;
    cJSON *d = cJSON_Parse(e->data);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(d, "finding");
    if (cJSON_IsString(f) && strcmp(f->valuestring, "summary") == 0) {
        /* entries come in timeline order: the last summary wins */
        free(c->data);
        c->data = strdup(e->data);
        c->id = e->id;
    }
    cJSON_Delete(d);
    return 0;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int analyze_impact_append(struct store *s, int64_t incident_id, char **text,
                          struct wr_error *err)
{
    struct analyze_impact_finder c = {0, NULL};
    /* store_entry_scan: a postmortem of 100,000 entries reads them without copying each. */
    if (store_entry_scan(s, incident_id, analyze_impact_find, &c, err) != 0) {
        free(c.data);
        return -1;
    }
    return analyze_impact_append_found(&c, text, err);
}

int analyze_impact_append_found(struct analyze_impact_finder *found, char **text,
                                struct wr_error *err)
{
    struct analyze_impact_finder c = *found;
    found->data = NULL;
    if (!c.data)
        return 0;
    cJSON *d = cJSON_Parse(c.data);
    free(c.data);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(d, "window");
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(w, "from");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(w, "to");
    double req = num(w, "requests"), er = num(w, "errors");
    if (!cJSON_IsObject(w) || isnan(req) || isnan(er) || !cJSON_IsString(from) ||
        !cJSON_IsString(to)) {
        cJSON_Delete(d);
        return 0; /* not a summary this version wrote: say nothing rather than guess */
    }
    struct wr_buf b = {0};
    if (*text && **text)
        wr_buf_printf(&b, "%s\n", *text);
    int64_t f_ms = WR_TIME_NONE, t_ms = WR_TIME_NONE;
    char f1[32] = "?", t1[32] = "?", lf[32] = "", lt[32] = "", zone[32] = "UTC", when[256];
    if (wr_time_parse(from->valuestring, 0, &f_ms, NULL) == 0) {
        wr_time_fmt(f_ms, true, "%Y-%m-%d %H:%M", f1, sizeof f1);
        wr_time_fmt(f_ms, false, "%Y-%m-%d %H:%M", lf, sizeof lf);
        tz_label(f_ms, zone, sizeof zone);
    }
    if (wr_time_parse(to->valuestring, 0, &t_ms, NULL) == 0) {
        wr_time_fmt(t_ms, true, "%H:%M", t1, sizeof t1);
        wr_time_fmt(t_ms, false, "%H:%M", lt, sizeof lt);
    }
    /* in the incident's zone first (the postmortem has switched to it), UTC beside it */
    if (strcmp(zone, "UTC") != 0 && f_ms != WR_TIME_NONE && t_ms != WR_TIME_NONE)
        snprintf(when, sizeof when, "%s to %s %s, %s to %s UTC", lf, lt, zone, f1, t1);
    else
        snprintf(when, sizeof when, "%s to %s UTC", f1, t1);
    wr_buf_printf(&b, "Requests in the incident window (%s): %.0f, of which %.0f failed with a "
                  "5xx", when, req, er);
    if (req > 0)
        wr_buf_printf(&b, " (%.2f%% available)", 100.0 * (req - er) / req);
    wr_buf_puts(&b, ".");
    /* figures for part of the window read as the window's: say which part the logs cover (as
     * the summary entry does; a summary written before covered_* was recorded says nothing) */
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(w, "covered_from");
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(w, "covered_to");
    int64_t cf_ms, ct_ms;
    if (f_ms != WR_TIME_NONE && t_ms != WR_TIME_NONE && cJSON_IsString(cf) && cJSON_IsString(ct) &&
        wr_time_parse(cf->valuestring, 0, &cf_ms, NULL) == 0 &&
        wr_time_parse(ct->valuestring, 0, &ct_ms, NULL) == 0 &&
        (cf_ms - f_ms >= 60000 || t_ms - ct_ms >= 60000)) {
        char span[160];
        wr_buf_printf(&b, " The logs cover only %s of that window: the figures are for that part.",
                      span_text(cf_ms, ct_ms, span, sizeof span));
    }
    const cJSON *tt = cJSON_GetObjectItemCaseSensitive(w, "top_error_types");
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, tt)
    {
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(it, "type");
        const cJSON *dep = cJSON_GetObjectItemCaseSensitive(it, "dependency");
        double cnt = num(it, "count"), share = num(it, "share");
        if (!cJSON_IsString(ty) || isnan(cnt))
            continue;
        wr_buf_printf(&b, "%s%s%s%s (%.0f, %.0f%%)", k ? "; " : " Top error types: ",
                      ty->valuestring,
                      cJSON_IsString(dep) && dep->valuestring[0] ? " to " : "",
                      cJSON_IsString(dep) ? dep->valuestring : "", cnt,
                      isnan(share) ? 0 : share * 100);
        if (++k == 3)
            break;
    }
    if (k)
        wr_buf_puts(&b, ".");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(d, "files");
    int nf = cJSON_GetArraySize(files);
    wr_buf_printf(&b, " Source: log analysis (warroom analyze) of %d log file%s, timeline entry %lld.", nf,
                  nf == 1 ? "" : "s", (long long)c.id);
    cJSON_Delete(d);
    if (b.oom) {
        wr_buf_free(&b);
        return wr_fail(err, WR_E_NOMEM, "out of memory");
    }
    free(*text);
    *text = wr_buf_steal(&b);
    return 0;
}
