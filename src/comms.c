/* comms.c: stakeholder communication: template data model, templates, cadence, destinations. */
#include "comms.h"
#include "store_sync.h"
#include "facts.h"
#include "tz.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"

/* ---- cadence ---- */

void comms_cadence(const struct incident *inc, int cadence_minutes, int64_t last_sent_ms,
                   int64_t now_ms, struct comms_due *out)
{
    memset(out, 0, sizeof *out);
    out->cadence_minutes = cadence_minutes;
    out->last_sent_ms = last_sent_ms;
    if (inc->milestones[MS_RESOLVED] != WR_TIME_NONE || inc->milestones[MS_CLOSED] != WR_TIME_NONE)
        return;
    if (last_sent_ms == WR_TIME_NONE) {
        int64_t base = inc->milestones[MS_DECLARED];
        if (base == WR_TIME_NONE)
            base = inc->milestones[MS_STARTED];
        if (base == WR_TIME_NONE)
            base = inc->created_ms;
        out->due_ms = base + COMMS_FIRST_UPDATE_MS;
    } else {
        if (cadence_minutes <= 0)
            return;
        out->due_ms = last_sent_ms + (int64_t)cadence_minutes * 60000;
    }
    out->scheduled = true;
    out->overdue_ms = now_ms > out->due_ms ? now_ms - out->due_ms : 0;
}

static int comms_cadence_for(const struct sev_policy *p, int severity)
{
    int sev = severity >= 1 && severity <= 4 ? severity : 2;
    if (p)
        return sev_cadence_minutes(p, sev);
    static const int fallback[] = {15, 30, 60, 0};
    return fallback[sev - 1];
}

int comms_due_get(struct store *s, const struct incident *inc, const struct sev_policy *p,
                  int64_t now_ms, struct comms_due *out, struct wr_error *err)
{
    int64_t last;
    if (store_outbox_last_sent(s, inc->id, &last, err) != 0)
        return -1;
    comms_cadence(inc, comms_cadence_for(p, inc->severity), last, now_ms, out);
    return 0;
}

#define OVERDUE_TEXT "Stakeholder update overdue"

/* The overdue entry's uid for (incident, due time): 32 hex digits like wr_uid_new's. */
static void overdue_uid(const struct incident *inc, int64_t due_ms, char *buf, size_t n)
{
    char key[96];
    snprintf(key, sizeof key, "overdue:%s:%lld", inc->uid, (long long)due_ms);
    uint64_t h[2] = {1469598103934665603ULL, 0x9e3779b97f4a7c15ULL};
    for (int k = 0; k < 2; k++)
        for (const char *p = key; *p; p++)
            h[k] = (h[k] ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(buf, n, "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
}

int comms_record_overdue(struct store *s, const struct incident *inc, const struct sev_policy *p,
                         int64_t now_ms, const char *author, bool *recorded, struct wr_error *err)
{
    struct comms_due due;
    struct entry *found = NULL;
    size_t n = 0;
    if (recorded)
        *recorded = false;
    if (comms_due_get(s, inc, p, now_ms, &due, err) != 0)
        return -1;
    if (!due.scheduled || due.overdue_ms <= 0)
        return 0;
    struct entry_filter f = {.kinds = 1u << KIND_ALERT, .text = OVERDUE_TEXT};
    if (store_entry_page(s, inc->id, &f, due.due_ms, -1, true, 1, &found, &n, err) != 0)
        return -1;
    store_entries_free(&found, n);
    if (n > 0)
        return 0; /* already recorded for this due time */
    /* Recorded the moment it falls due by a running cockpit ("overdue by 0s" says nothing), or
     * later by the first warroom to look: either way say when it was due and why then. */
    char dur[32], by[48] = "", when[16], zone[32], last[16], why[96], text[256];
    if (due.overdue_ms >= 1000)
        snprintf(by, sizeof by, " by %s", wr_duration_fmt(due.overdue_ms, dur, sizeof dur));
    wr_time_fmt(due.due_ms, false, "%H:%M", when, sizeof when);
    tz_label(due.due_ms, zone, sizeof zone);
    if (due.last_sent_ms == WR_TIME_NONE)
        snprintf(why, sizeof why, "the first update, 5 min after the incident was declared");
    else
        snprintf(why, sizeof why, "%d min after the last one, sent at %s", due.cadence_minutes,
                 wr_time_fmt(due.last_sent_ms, false, "%H:%M", last, sizeof last));
    snprintf(text, sizeof text, OVERDUE_TEXT "%s: due at %s %s (%s)", by, when, zone, why);
    /* One uid per incident and missed due time, whoever notices first: a second terminal, or a
     * second laptop's cockpit (team mode), records the same entry, which the store keeps once. */
    char uid[40];
    const char *uids[1] = {uid};
    overdue_uid(inc, due.due_ms, uid, sizeof uid);
    store_force_uids(s, uids, 1);
    int rc = store_entry_append_data(s, inc->id, KIND_ALERT, now_ms, author ? author : "warroom",
                                     text, NULL, NULL, err);
    store_force_uids(s, NULL, 0);
    if (rc != 0)
        return err && err->code == WR_E_CONFLICT ? 0 : -1;
    if (recorded)
        *recorded = true;
    return 0;
}

/* ---- data model ---- */

static cJSON *add_str_or_null(cJSON *obj, const char *key, const char *v)
{
    if (v && *v)
        return cJSON_AddStringToObject(obj, key, v);
    return cJSON_AddNullToObject(obj, key);
}

static void add_time_pair(cJSON *obj, const char *prefix, int64_t ms, const char *zone)
{
    char key[64], buf[64], val[96];
    snprintf(key, sizeof key, "%s_local", prefix);
    if (ms == WR_TIME_NONE) {
        cJSON_AddNullToObject(obj, key);
        snprintf(key, sizeof key, "%s_utc", prefix);
        cJSON_AddNullToObject(obj, key);
        return;
    }
    snprintf(val, sizeof val, "%s %s", wr_time_fmt(ms, false, "%Y-%m-%d %H:%M", buf, sizeof buf),
             zone);
    cJSON_AddStringToObject(obj, key, val);
    snprintf(key, sizeof key, "%s_utc", prefix);
    snprintf(val, sizeof val, "%s UTC", wr_time_fmt(ms, true, "%Y-%m-%d %H:%M", buf, sizeof buf));
    cJSON_AddStringToObject(obj, key, val);
}

static void add_duration(cJSON *obj, const char *key, int64_t ms)
{
    char buf[32];
    if (ms == WR_TIME_NONE)
        cJSON_AddNullToObject(obj, key);
    else
        cJSON_AddStringToObject(obj, key, wr_duration_fmt(ms, buf, sizeof buf));
}

/* Comma-separated text as a JSON array of trimmed, non-empty strings. */
static cJSON *csv_array(const char *csv)
{
    cJSON *arr = cJSON_CreateArray();
    if (!csv || !arr)
        return arr;
    const char *p = csv;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            char *item = strndup(p, len);
            if (item)
                cJSON_AddItemToArray(arr, cJSON_CreateString(item));
            free(item);
        }
        if (!e)
            break;
        p = e + 1;
    }
    return arr;
}

/* The status page's word for where the incident stands. */
enum comms_status { STATUS_INVESTIGATING, STATUS_IDENTIFIED, STATUS_MONITORING, STATUS_RESOLVED };

static enum comms_status comms_status(const struct incident *inc, bool identified)
{
    if (inc->milestones[MS_RESOLVED] != WR_TIME_NONE || inc->milestones[MS_CLOSED] != WR_TIME_NONE)
        return STATUS_RESOLVED;
    if (inc->milestones[MS_MITIGATED] != WR_TIME_NONE)
        return STATUS_MONITORING;
    return identified ? STATUS_IDENTIFIED : STATUS_INVESTIGATING;
}

static const char *const status_words[] = {"Investigating", "Identified", "Monitoring",
                                           "Resolved"};
static const char *const status_keys[] = {"investigating", "identified", "monitoring",
                                          "resolved"};

/* One SLI from a snapshot entry's payload into the model's {name, value, objective, state,
 * burn_rate}. */
static cJSON *sli_item(const cJSON *in)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(in, "name");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(in, "id");
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "type"));
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(in, "value");
    const cJSON *objective = cJSON_GetObjectItemCaseSensitive(in, "objective");
    const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "state"));
    bool ratio = type && strcmp(type, "availability") == 0;
    bool latency = type && strcmp(type, "latency") == 0;
    char buf[64];
    cJSON_AddStringToObject(o, "name", cJSON_IsString(name) && *name->valuestring
                                           ? name->valuestring
                                           : (cJSON_GetStringValue(id) ? id->valuestring : "SLI"));
    if (cJSON_IsNumber(value)) {
        if (ratio)
            snprintf(buf, sizeof buf, "%.2f%%", value->valuedouble * 100.0);
        else if (latency)
            snprintf(buf, sizeof buf, "%.0f ms", value->valuedouble);
        else
            snprintf(buf, sizeof buf, "%g", value->valuedouble);
        cJSON_AddStringToObject(o, "value", buf);
    } else {
        cJSON_AddStringToObject(o, "value", "no data");
    }
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(objective, "target");
    const cJSON *thr = cJSON_GetObjectItemCaseSensitive(objective, "threshold_ms");
    if (ratio && cJSON_IsNumber(target)) {
        snprintf(buf, sizeof buf, "\u2265 %g%%", target->valuedouble * 100.0);
        cJSON_AddStringToObject(o, "objective", buf);
    } else if (latency && cJSON_IsNumber(thr)) {
        snprintf(buf, sizeof buf, "\u2264 %g ms", thr->valuedouble);
        cJSON_AddStringToObject(o, "objective", buf);
    } else {
        cJSON_AddNullToObject(o, "objective");
    }
    const char *st = "OK";
    if (state && !wr_streq_ci(state, "ok"))
        st = state;
    cJSON_AddStringToObject(o, "state", st);
    double burn = NAN;
    const cJSON *rate;
    cJSON_ArrayForEach(rate, cJSON_GetObjectItemCaseSensitive(in, "burn_rates"))
    {
        const cJSON *lb = cJSON_GetObjectItemCaseSensitive(rate, "long_burn");
        if (cJSON_IsNumber(lb) && (isnan(burn) || lb->valuedouble > burn))
            burn = lb->valuedouble;
    }
    if (isnan(burn)) {
        cJSON_AddNullToObject(o, "burn_rate");
    } else {
        snprintf(buf, sizeof buf, "%.1f\u00d7", burn);
        cJSON_AddStringToObject(o, "burn_rate", buf);
    }
    return o;
}

static char *pm_value(struct store *s, int64_t id, const char *field)
{
    char *v = NULL;
    struct wr_error e;
    if (store_pm_field_get(s, id, field, &v, &e) != 0)
        return NULL;
    return v;
}

/* "slis" and "slis_at" of the template data from a snapshot's JSON payload (sli_set_json's form;
 * NULL or "" for none) taken at `at`. The figures are that snapshot's, not necessarily the
 * current state: the message says when they were taken, and whether that was before the
 * mitigation (else "Mitigated at 10:00" sits above "breached" figures from 09:56 that read as
 * now). Replaces keys already there. */
static void add_slis(cJSON *root, const char *snap_json, int64_t at, const struct incident *inc,
                     int64_t now_ms, const char *zone)
{
    char buf[64], val[128];
    const cJSON *it;
    cJSON_DeleteItemFromObjectCaseSensitive(root, "slis");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "slis_at");
    cJSON *slis = cJSON_AddArrayToObject(root, "slis");
    if (snap_json && *snap_json) {
        cJSON *snap = cJSON_Parse(snap_json);
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(snap, "slis"))
            cJSON_AddItemToArray(slis, sli_item(it));
        cJSON_Delete(snap);
    }
    if (cJSON_GetArraySize(slis) == 0 || at == WR_TIME_NONE) {
        cJSON_AddNullToObject(root, "slis_at");
        return;
    }
    int64_t mit = inc->milestones[MS_MITIGATED];
    bool same_day = strcmp(wr_time_fmt(at, false, "%Y-%m-%d", buf, sizeof buf),
                           wr_time_fmt(now_ms, false, "%Y-%m-%d", val, sizeof val)) == 0;
    cJSON *sa = cJSON_AddObjectToObject(root, "slis_at");
    snprintf(val, sizeof val, "%s %s",
             wr_time_fmt(at, false, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", buf, sizeof buf), zone);
    cJSON_AddStringToObject(sa, "local", val);
    snprintf(val, sizeof val, "%s UTC",
             wr_time_fmt(at, true, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", buf, sizeof buf));
    cJSON_AddStringToObject(sa, "utc", val);
    cJSON_AddBoolToObject(sa, "before_mitigation", mit != WR_TIME_NONE && at < mit);
}

void comms_data_use_slis(cJSON *data, const char *snapshot_json, int64_t at_ms,
                         const struct incident *inc, int64_t now_ms)
{
    char zone[32];
    tz_use(inc->tz, NULL);
    tz_label(now_ms, zone, sizeof zone);
    add_slis(data, snapshot_json, at_ms, inc, now_ms, zone);
}

cJSON *comms_data_build(struct store *s, const struct incident *inc, const struct sev_policy *p,
                        int64_t now_ms, struct wr_error *err)
{
    cJSON *root = cJSON_CreateObject(), *ret = NULL;
    struct role_assignment *roles = NULL;
    size_t nroles = 0;
    struct entry *ents = NULL;
    size_t nents = 0;
    struct action_item *items = NULL;
    size_t nitems = 0;
    struct incident_facts facts;
    memset(&facts, 0, sizeof facts);
    char *pm_root_causes = NULL, *pm_url = NULL;
    char zone[32], buf[128], val[256];
    if (!root) {
        wr_fail(err, WR_E_NOMEM, "out of memory");
        goto out;
    }
    /* Every *_local time is in the incident's own zone (the viewer's when it has none). */
    tz_use(inc->tz, NULL);
    tz_label(now_ms, zone, sizeof zone);
    if (facts_load(s, inc, now_ms, &facts, err) != 0)
        goto out;
    pm_root_causes = pm_value(s, inc->id, "root_causes");
    pm_url = pm_value(s, inc->id, "url");

    cJSON *i = cJSON_AddObjectToObject(root, "incident");
    snprintf(buf, sizeof buf, "INC-%lld", (long long)inc->id);
    cJSON_AddStringToObject(i, "id", buf);
    cJSON_AddStringToObject(i, "uid", inc->uid);
    cJSON_AddStringToObject(i, "title", inc->title ? inc->title : "");
    bool sev = inc->severity >= 1 && inc->severity <= 4;
    cJSON_AddStringToObject(i, "severity", sev ? sev_name(inc->severity) : "");
    cJSON_AddNumberToObject(i, "severity_level", sev ? inc->severity : 0);
    cJSON_AddStringToObject(i, "severity_title", sev && p ? p->levels[inc->severity - 1].title : "");
    cJSON_AddStringToObject(i, "severity_description",
                            sev && p ? p->levels[inc->severity - 1].description : "");
    const char *rationale = "";
    struct severity_change *hist = NULL;
    size_t nhist = 0;
    if (store_severity_history(s, inc->id, &hist, &nhist, err) != 0)
        goto out;
    if (sev && nhist && hist[nhist - 1].rationale)
        rationale = hist[nhist - 1].rationale;
    cJSON_AddStringToObject(i, "severity_rationale", rationale);
    store_severity_history_free(&hist, nhist);
    cJSON_AddStringToObject(i, "phase", phase_name(inc->phase));
    enum comms_status status = comms_status(inc, facts.identified);
    cJSON_AddStringToObject(i, "status_word", status_words[status]);
    cJSON *sj = cJSON_AddObjectToObject(root, "status");
    for (int k = STATUS_INVESTIGATING; k <= STATUS_RESOLVED; k++)
        cJSON_AddBoolToObject(sj, status_keys[k], k == (int)status);
    cJSON_AddStringToObject(i, "impact", inc->impact ? inc->impact : "");
    cJSON_AddStringToObject(i, "summary", inc->summary ? inc->summary : "");
    cJSON *services = csv_array(inc->services);
    cJSON_AddItemToObject(i, "services", services);
    struct wr_buf st = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, services)
    {
        if (st.len)
            wr_buf_puts(&st, ", ");
        wr_buf_puts(&st, it->valuestring);
    }
    cJSON_AddStringToObject(i, "services_text", st.data ? st.data : "");
    wr_buf_free(&st);
    cJSON *tags = csv_array(inc->tags);
    cJSON_AddItemToObject(i, "tags", tags);
    int64_t began = inc->milestones[MS_STARTED] != WR_TIME_NONE ? inc->milestones[MS_STARTED]
                    : inc->milestones[MS_DECLARED] != WR_TIME_NONE ? inc->milestones[MS_DECLARED]
                                                                   : inc->created_ms;
    cJSON_AddStringToObject(i, "date", wr_time_fmt(began, false, "%Y-%m-%d", buf, sizeof buf));
    static const enum milestone shown[] = {MS_STARTED, MS_DETECTED, MS_DECLARED, MS_MITIGATED,
                                           MS_RESOLVED};
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
        add_time_pair(i, milestone_name(shown[k]), inc->milestones[shown[k]], zone);
    add_duration(i, "elapsed", now_ms - began);
    struct incident_durations d;
    incident_durations(inc, now_ms, &d);
    add_duration(i, "duration", d.to_resolve);
    add_duration(i, "time_to_detect", d.to_detect);
    add_duration(i, "time_to_mitigate", d.to_mitigate);
    add_duration(i, "time_to_resolve", d.to_resolve);

    cJSON *r = cJSON_AddObjectToObject(root, "roles");
    if (store_role_history(s, inc->id, &roles, &nroles, err) != 0)
        goto out;
    static const enum role single[] = {ROLE_IC, ROLE_COMMS, ROLE_OPS, ROLE_SCRIBE};
    for (size_t k = 0; k < sizeof single / sizeof single[0]; k++) {
        const char *holder = NULL;
        for (size_t j = 0; j < nroles; j++)
            if (roles[j].current && roles[j].role == single[k] && roles[j].name[0])
                holder = roles[j].name;
        add_str_or_null(r, role_key(single[k]), holder);
    }
    cJSON *sme = cJSON_AddArrayToObject(r, "sme");
    struct wr_buf smet = {0};
    for (size_t j = 0; j < nroles; j++)
        if (roles[j].current && roles[j].role == ROLE_SME && roles[j].name[0]) {
            cJSON_AddItemToArray(sme, cJSON_CreateString(roles[j].name));
            if (smet.len)
                wr_buf_puts(&smet, ", ");
            wr_buf_puts(&smet, roles[j].name);
        }
    add_str_or_null(r, "sme_text", smet.data);
    wr_buf_free(&smet);

    /* A message is rendered to be sent now, and sending it restarts the cadence: the update it
     * promises is due one cadence period from now, not at the time the previous one set (which
     * may have passed: "an update within 0 min"). */
    struct comms_due due;
    if (comms_due_get(s, inc, p, now_ms, &due, err) != 0)
        goto out;
    if (due.scheduled && due.cadence_minutes > 0) {
        int64_t next_ms = now_ms + (int64_t)due.cadence_minutes * 60000;
        cJSON *nu = cJSON_AddObjectToObject(root, "next_update");
        snprintf(val, sizeof val, "%s %s",
                 wr_time_fmt(next_ms, false, "%H:%M", buf, sizeof buf), zone);
        cJSON_AddStringToObject(nu, "time", val);
        snprintf(val, sizeof val, "%s UTC", wr_time_fmt(next_ms, true, "%H:%M", buf, sizeof buf));
        cJSON_AddStringToObject(nu, "time_utc", val);
        snprintf(val, sizeof val, "%d min", due.cadence_minutes);
        cJSON_AddStringToObject(nu, "in", val);
        cJSON_AddBoolToObject(nu, "overdue", due.overdue_ms > 0);
    } else {
        cJSON_AddNullToObject(root, "next_update");
    }

    const char *tag0 = cJSON_GetArraySize(tags) > 0 ? cJSON_GetArrayItem(tags, 0)->valuestring
                                                     : NULL;
    char slug[64] = "";
    if (!tag0) {
        size_t k = 0;
        for (const char *q = inc->title ? inc->title : ""; *q && k + 1 < 32; q++) {
            char c = *q;
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                slug[k++] = c;
            else if (c >= 'A' && c <= 'Z')
                slug[k++] = (char)(c - 'A' + 'a');
            else if (k && slug[k - 1] != '-')
                slug[k++] = '-';
        }
        while (k && slug[k - 1] == '-')
            k--;
        slug[k] = '\0';
    }
    snprintf(val, sizeof val, "#inc-%s-%s", wr_time_fmt(began, false, "%Y-%m-%d", buf, sizeof buf),
             tag0 ? tag0 : slug);
    cJSON_AddStringToObject(root, "channel", val);
    cJSON_AddStringToObject(root, "timezone", zone);
    cJSON *now = cJSON_AddObjectToObject(root, "now");
    snprintf(val, sizeof val, "%s %s", wr_time_fmt(now_ms, false, "%Y-%m-%d %H:%M", buf, sizeof buf),
             zone);
    cJSON_AddStringToObject(now, "local", val);
    snprintf(val, sizeof val, "%s UTC", wr_time_fmt(now_ms, true, "%Y-%m-%d %H:%M", buf, sizeof buf));
    cJSON_AddStringToObject(now, "utc", val);

    /* Customer wording comes only from the facts the IC wrote: timeline text is internal. */
    cJSON *cust = cJSON_AddObjectToObject(root, "customer");
    add_str_or_null(cust, "service", facts.f[FACT_CUSTOMER_SERVICE].value);
    add_str_or_null(cust, "symptom", facts.f[FACT_SYMPTOM].value);
    add_str_or_null(cust, "impact", facts.f[FACT_CUSTOMER_IMPACT].value);

    struct entry_filter sf = {.kinds = 1u << KIND_SLI};
    if (store_entry_page(s, inc->id, &sf, INT64_MAX, INT64_MAX, false, 1, &ents, &nents, err) != 0)
        goto out;
    add_slis(root, nents ? ents[0].data : NULL, nents ? ents[0].at_ms : WR_TIME_NONE, inc, now_ms,
             zone);
    store_entries_free(&ents, nents);
    nents = 0;

    /* The facts in the documented order: the field, else the proposal, else null. */
    const struct fact_value *cause = &facts.f[FACT_CAUSE], *mit = &facts.f[FACT_MITIGATION];
    add_str_or_null(root, "cause", cause->value);
    cJSON_AddBoolToObject(root, "cause_confirmed", facts.cause_confirmed);
    cJSON_AddBoolToObject(root, "cause_proposed", cause->source == FACT_SOURCE_PROPOSAL);
    add_str_or_null(root, "root_cause", facts.cause_confirmed ? cause->value : pm_root_causes);
    add_str_or_null(root, "mitigation", mit->value);
    cJSON_AddBoolToObject(root, "mitigation_proposed", mit->source == FACT_SOURCE_PROPOSAL);
    /* A next step written before the resolution was a step towards it: once resolved it is no
     * longer what happens next (the demo's "watch the SLIs for 30 minutes before declaring the
     * incident resolved" under "Status: Resolved"); the templates then name the postmortem. */
    const struct fact_value *step = &facts.f[FACT_NEXT_STEP];
    int64_t done = inc->milestones[MS_RESOLVED] != WR_TIME_NONE ? inc->milestones[MS_RESOLVED]
                                                                : inc->milestones[MS_CLOSED];
    bool step_stale = done != WR_TIME_NONE && step->at_ms < done;
    add_str_or_null(root, "next_step", step_stale ? NULL : step->value);
    add_str_or_null(root, "postmortem_url", pm_url);

    /* Key entries: pinned ones and milestones, the last eight, oldest first. */
    cJSON *latest = cJSON_AddArrayToObject(root, "latest");
    struct entry_filter kf = {.pinned_only = true};
    if (store_entry_page(s, inc->id, &kf, INT64_MAX, INT64_MAX, false, 8, &ents, &nents, err) != 0)
        goto out;
    for (size_t k = 0; k < nents; k++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "time", wr_time_fmt(ents[k].at_ms, false, "%H:%M", buf, sizeof buf));
        cJSON_AddStringToObject(e, "time_utc", wr_time_fmt(ents[k].at_ms, true, "%H:%M", buf, sizeof buf));
        cJSON_AddStringToObject(e, "kind", kind_name(ents[k].kind));
        cJSON_AddStringToObject(e, "author", ents[k].author ? ents[k].author : "");
        cJSON_AddBoolToObject(e, "pinned", ents[k].pinned);
        cJSON_AddStringToObject(e, "text", ents[k].text ? ents[k].text : "");
        cJSON_AddItemToArray(latest, e);
    }

    cJSON *ai = cJSON_AddArrayToObject(root, "action_items");
    if (store_action_list(s, inc->id, &items, &nitems, err) != 0)
        goto out;
    for (size_t k = 0; k < nitems; k++) {
        cJSON *a = cJSON_CreateObject();
        snprintf(buf, sizeof buf, "AI-%lld", (long long)items[k].id);
        cJSON_AddStringToObject(a, "id", buf);
        cJSON_AddStringToObject(a, "text", items[k].description ? items[k].description : "");
        add_str_or_null(a, "owner", items[k].owner);
        add_str_or_null(a, "priority", items[k].priority);
        cJSON_AddItemToArray(ai, a);
    }
    ret = root;
    root = NULL;
out:
    cJSON_Delete(root);
    store_role_history_free(&roles, nroles);
    store_entries_free(&ents, nents);
    store_actions_free(&items, nitems);
    facts_clear(&facts);
    free(pm_root_causes);
    free(pm_url);
    return ret;
}

/* ---- templates ---- */

static const char *builtin_dir(void)
{
    return paths_template_dir();
}

static bool user_dir(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, n, "%s/warroom/templates", xdg);
    else if (home && *home)
        snprintf(buf, n, "%s/.config/warroom/templates", home);
    else
        return false;
    return true;
}

static int tpl_cmp(const void *a, const void *b)
{
    return strcmp(((const struct comms_template *)a)->name, ((const struct comms_template *)b)->name);
}

/* Add DIR's templates to the list; user ones replace built-ins of the same name. */
static int scan_dir(const char *dir, bool user, struct comms_template **arr, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        static const char ext[] = ".mustache";
        if (de->d_name[0] == '_' || de->d_name[0] == '.' || len <= sizeof ext - 1 ||
            strcmp(de->d_name + len - (sizeof ext - 1), ext) != 0 || len - 9 >= 128)
            continue;
        struct comms_template t = {.user = user};
        memcpy(t.name, de->d_name, len - 9);
        t.name[len - 9] = '\0';
        snprintf(t.path, sizeof t.path, "%s/%s", dir, de->d_name);
        size_t k = 0;
        while (k < *n && strcmp((*arr)[k].name, t.name) != 0)
            k++;
        if (k == *n) {
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                struct comms_template *g = realloc(*arr, nc * sizeof **arr);
                if (!g) {
                    closedir(d);
                    return -1;
                }
                *arr = g;
                *cap = nc;
            }
            (*n)++;
        }
        (*arr)[k] = t;
    }
    closedir(d);
    return 0;
}

int comms_templates_list(struct comms_template **out, size_t *n, struct wr_error *err)
{
    size_t cap = 0;
    char ud[4096];
    *out = NULL;
    *n = 0;
    if (scan_dir(builtin_dir(), false, out, n, &cap) != 0 ||
        (user_dir(ud, sizeof ud) && scan_dir(ud, true, out, n, &cap) != 0)) {
        free(*out);
        *out = NULL;
        *n = 0;
        return wr_fail(err, WR_E_NOMEM, "out of memory listing templates");
    }
    if (*n)
        qsort(*out, *n, sizeof **out, tpl_cmp);
    return 0;
}

int comms_template_find(const char *name, struct comms_template *out, struct wr_error *err)
{
    struct comms_template *all = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (strchr(name, '/')) {
        if (access(name, R_OK) != 0)
            return wr_fail(err, WR_E_NOT_FOUND, "cannot read template %s: %s", name,
                           strerror(errno));
        snprintf(out->path, sizeof out->path, "%s", name);
        const char *base = strrchr(name, '/') + 1;
        snprintf(out->name, sizeof out->name, "%.*s", (int)strcspn(base, "."), base);
        return 0;
    }
    if (comms_templates_list(&all, &n, err) != 0)
        return -1;
    int rc = -1;
    for (size_t k = 0; k < n; k++)
        if (strcmp(all[k].name, name) == 0) {
            *out = all[k];
            rc = 0;
        }
    free(all);
    if (rc != 0)
        wr_fail(err, WR_E_NOT_FOUND,
                "no template named '%s'; `warroom comms ID --list` shows the templates", name);
    return rc;
}

/* Partials: the user's directory first, then the template's own, then the built-in one. */
struct partial_dirs {
    const char *dirs[3];
};

static int comms_partial(void *ctx, const char *name, char **text, struct wr_error *err)
{
    struct partial_dirs *pd = ctx;
    for (int k = 0; k < 3; k++) {
        if (!pd->dirs[k])
            continue;
        int r = tpl_partials_from_dir((void *)pd->dirs[k], name, text, err);
        if (r != 1)
            return r;
    }
    return 1;
}

int comms_render(const struct comms_template *t, const cJSON *data, enum tpl_escape escape,
                 char **out, struct wr_error *err)
{
    char ud[4096], own[4096];
    *out = NULL;
    char *text = wr_read_file(t->path, NULL, err);
    if (!text)
        return -1;
    snprintf(own, sizeof own, "%s", t->path);
    char *slash = strrchr(own, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(own, sizeof own, ".");
    struct partial_dirs pd = {{user_dir(ud, sizeof ud) ? ud : NULL, own, builtin_dir()}};
    struct tpl_options opt = {.escape = escape, .strict = true, .load_partial = comms_partial,
                              .partial_ctx = &pd};
    int rc = tpl_render(text, data, &opt, out, err);
    if (rc != 0) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        wr_fail(err, err->code, "template %s: %.400s", t->name, msg);
    }
    free(text);
    return rc;
}

int comms_split(const char *text, char **subject, char **body)
{
    const char *nl = strchr(text, '\n');
    size_t slen = nl ? (size_t)(nl - text) : strlen(text);
    const char *b = nl ? nl + 1 : text + slen;
    while (*b == '\n')
        b++;
    *subject = strndup(text, slen);
    *body = strdup(b);
    if (!*subject || !*body) {
        free(*subject);
        free(*body);
        *subject = *body = NULL;
        return -1;
    }
    return 0;
}

/* ---- destinations ---- */

const char *comms_dest_type_name(enum comms_dest_type t)
{
    static const char *const names[] = {
#define COMMS_X_NAME(id, name) name,
        COMMS_DEST_TYPES(COMMS_X_NAME)
#undef COMMS_X_NAME
    };
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

void comms_config_free(struct comms_config **cp)
{
    if (!cp || !*cp)
        return;
    struct comms_config *c = *cp;
    for (size_t i = 0; i < c->n; i++) {
        struct comms_dest *d = &c->dests[i];
        free(d->path);
        free(d->url_env);
        free(d->token_env);
        free(d->base_url);
        free(d->page_id);
        for (size_t k = 0; k < d->ncomponents; k++)
            free(d->components[k]);
        free(d->components);
    }
    free(c->dests);
    free(c->secrets_file);
    free(c);
    *cp = NULL;
}

const struct comms_dest *comms_dest_find(const struct comms_config *c, const char *name)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (strcmp(c->dests[i].name, name) == 0)
            return &c->dests[i];
    return NULL;
}

/* The string at key, copied into *out; absent is fine unless required. */
static int dest_str(const cJSON *o, const char *name, const char *dest, const char *key,
                    bool required, char **out, struct wr_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        if (required)
            return wr_fail(err, WR_E_CONFIG, "%s: destinations.%s.%s: required for this type",
                           name, dest, key);
        return 0;
    }
    if (!cJSON_IsString(v) || !*v->valuestring)
        return wr_fail(err, WR_E_CONFIG, "%s: destinations.%s.%s: expected a non-empty string",
                       name, dest, key);
    *out = strdup(v->valuestring);
    return *out ? 0 : wr_fail(err, WR_E_NOMEM, "out of memory");
}

static int dest_parse(const cJSON *o, const char *name, struct comms_dest *d, struct wr_error *err)
{
    static const char *const known[] = {"type", "escape", "default", "path", "url_env",
                                        "token_env", "routing_key_env", "base_url",
                                        "page_id", "components", "timeout_ms", NULL};
    const cJSON *it;
    if (!cJSON_IsObject(o))
        return wr_fail(err, WR_E_CONFIG, "%s: destinations.%s: expected an object", name, d->name);
    cJSON_ArrayForEach(it, o)
    {
        bool ok = it->string[0] == '_';
        for (size_t k = 0; known[k] && !ok; k++)
            ok = strcmp(known[k], it->string) == 0;
        if (!ok)
            return wr_fail(err, WR_E_CONFIG, "%s: destinations.%s.%s: unknown field (a typo?)",
                           name, d->name, it->string);
    }
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type"));
    int t = -1;
    for (int k = DEST_STDOUT; type && k <= DEST_PAGERDUTY; k++)
        if (strcmp(type, comms_dest_type_name((enum comms_dest_type)k)) == 0)
            t = k;
    if (t < 0)
        return wr_fail(err, WR_E_CONFIG,
                       "%s: destinations.%s.type: expected stdout, file, clipboard, slack, "
                       "webhook, statuspage or pagerduty",
                       name, d->name);
    d->type = (enum comms_dest_type)t;
    d->escape = d->type == DEST_SLACK ? TPL_ESCAPE_SLACK : TPL_ESCAPE_NONE;
    d->timeout_ms = 10000;
    const char *esc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "escape"));
    if (esc && tpl_escape_parse(esc, &d->escape, err) != 0)
        return -1;
    d->is_default = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "default"));
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(o, "timeout_ms");
    if (to && (!cJSON_IsNumber(to) || to->valuedouble < 100 || to->valuedouble > 120000))
        return wr_fail(err, WR_E_CONFIG, "%s: destinations.%s.timeout_ms: expected 100..120000",
                       name, d->name);
    if (to)
        d->timeout_ms = (long)to->valuedouble;
    if (dest_str(o, name, d->name, "path", d->type == DEST_FILE, &d->path, err) ||
        dest_str(o, name, d->name, "url_env", d->type == DEST_SLACK || d->type == DEST_WEBHOOK,
                 &d->url_env, err) ||
        dest_str(o, name, d->name, "base_url", false, &d->base_url, err) ||
        dest_str(o, name, d->name, "page_id", d->type == DEST_STATUSPAGE, &d->page_id, err))
        return -1;
    if (d->type == DEST_STATUSPAGE || d->type == DEST_PAGERDUTY) {
        const char *key = d->type == DEST_PAGERDUTY &&
                                  cJSON_GetObjectItemCaseSensitive(o, "routing_key_env")
                              ? "routing_key_env"
                              : "token_env";
        if (dest_str(o, name, d->name, key, true, &d->token_env, err))
            return -1;
    }
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(o, "components");
    if (comps) {
        if (!cJSON_IsArray(comps))
            return wr_fail(err, WR_E_CONFIG,
                           "%s: destinations.%s.components: expected an array of component ids",
                           name, d->name);
        size_t n = (size_t)cJSON_GetArraySize(comps);
        d->components = calloc(n ? n : 1, sizeof *d->components);
        if (!d->components)
            return wr_fail(err, WR_E_NOMEM, "out of memory");
        cJSON_ArrayForEach(it, comps)
        {
            if (!cJSON_IsString(it))
                return wr_fail(err, WR_E_CONFIG,
                               "%s: destinations.%s.components: expected strings", name, d->name);
            if (!(d->components[d->ncomponents++] = strdup(it->valuestring)))
                return wr_fail(err, WR_E_NOMEM, "out of memory");
        }
    }
    return 0;
}

int comms_config_parse(const char *text, const char *name, struct comms_config **out,
                       struct wr_error *err)
{
    int rc = -1;
    struct comms_config *c = calloc(1, sizeof *c);
    cJSON *root = cJSON_Parse(text);
    if (!c) {
        wr_fail(err, WR_E_NOMEM, "out of memory");
        goto out;
    }
    if (!root) {
        wr_fail(err, WR_E_CONFIG, "%s: not valid JSON; check commas and quotes", name);
        goto out;
    }
    const cJSON *sf = cJSON_GetObjectItemCaseSensitive(root, "secrets_file");
    if (sf) {
        if (!cJSON_IsString(sf)) {
            wr_fail(err, WR_E_CONFIG, "%s: secrets_file: expected a path", name);
            goto out;
        }
        const char *home = getenv("HOME");
        struct wr_buf p = {0};
        if (sf->valuestring[0] == '~' && home)
            wr_buf_printf(&p, "%s%s", home, sf->valuestring + 1);
        else
            wr_buf_puts(&p, sf->valuestring);
        c->secrets_file = wr_buf_steal(&p);
    }
    const cJSON *dests = cJSON_GetObjectItemCaseSensitive(root, "destinations");
    if (dests && !cJSON_IsObject(dests)) {
        wr_fail(err, WR_E_CONFIG, "%s: destinations: expected an object of named destinations",
                name);
        goto out;
    }
    size_t n = dests ? (size_t)cJSON_GetArraySize(dests) : 0;
    c->dests = calloc(n ? n : 1, sizeof *c->dests);
    if (!c->dests) {
        wr_fail(err, WR_E_NOMEM, "out of memory");
        goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, dests)
    {
        if (it->string[0] == '_')
            continue;
        struct comms_dest *d = &c->dests[c->n++];
        if (strlen(it->string) >= sizeof d->name) {
            wr_fail(err, WR_E_CONFIG, "%s: destinations: name '%.40s…' is too long", name,
                    it->string);
            goto out;
        }
        snprintf(d->name, sizeof d->name, "%s", it->string);
        if (dest_parse(it, name, d, err) != 0)
            goto out;
    }
    *out = c;
    c = NULL;
    rc = 0;
out:
    cJSON_Delete(root);
    comms_config_free(&c);
    return rc;
}

int comms_config_load(const char *path, struct comms_config **out, struct wr_error *err)
{
    *out = NULL;
    if (!path || access(path, F_OK) != 0) {
        *out = calloc(1, sizeof **out);
        return *out ? 0 : wr_fail(err, WR_E_NOMEM, "out of memory");
    }
    char *text = wr_read_file(path, NULL, err);
    if (!text)
        return -1;
    int rc = comms_config_parse(text, path, out, err);
    free(text);
    return rc;
}

int comms_secret(const struct comms_config *c, const char *name, char **value,
                 struct wr_error *err)
{
    *value = NULL;
    if (!name)
        return wr_fail(err, WR_E_CONFIG, "the destination names no secret");
    const char *env = getenv(name);
    if (env && *env) {
        *value = strdup(env);
        return *value ? 0 : wr_fail(err, WR_E_NOMEM, "out of memory");
    }
    if (!c || !c->secrets_file)
        return wr_fail(err, WR_E_CONFIG,
                       "secret %s is not set: export %s or add it to a secrets_file (mode 0600)",
                       name, name);
    struct stat st;
    if (stat(c->secrets_file, &st) != 0)
        return wr_fail(err, WR_E_CONFIG, "secret %s is not set and the secrets file %s cannot be "
                       "read: %s", name, c->secrets_file, strerror(errno));
    if ((st.st_mode & 077) != 0 || st.st_uid != getuid())
        return wr_fail(err, WR_E_CONFIG,
                       "refusing the secrets file %s: it must be yours and mode 0600 (run chmod "
                       "600 %s)",
                       c->secrets_file, c->secrets_file);
    struct wr_error e2;
    char *text = wr_read_file(c->secrets_file, NULL, &e2);
    if (!text)
        return wr_fail(err, WR_E_CONFIG, "cannot read the secrets file %s", c->secrets_file);
    cJSON *root = cJSON_Parse(text);
    memset(text, 0, strlen(text));
    free(text);
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, name));
    bool found = v && *v;
    if (found)
        *value = strdup(v);
    cJSON_Delete(root);
    if (!found)
        return wr_fail(err, WR_E_CONFIG, "secret %s is in neither the environment nor %s", name,
                       c->secrets_file);
    return *value ? 0 : wr_fail(err, WR_E_NOMEM, "out of memory");
}

int comms_queue(struct store *s, const struct incident *inc, const struct comms_template *t,
                const cJSON *data, const char *override, const struct comms_config *cfg,
                const char *const *dests, size_t ndests, const char *author, const char *msg_id,
                struct wr_error *err)
{
    int rc = -1;
    char idbuf[48];
    int64_t now = wr_now_ms();
    if (!msg_id) {
        snprintf(idbuf, sizeof idbuf, "%llx-%lx", (unsigned long long)now, (long)getpid());
        msg_id = idbuf;
    }
    for (size_t k = 0; k < ndests; k++) {
        const struct comms_dest *d = comms_dest_find(cfg, dests[k]);
        if (!d)
            return wr_fail(err, WR_E_CONFIG,
                           "no destination named '%s' in the config file's \"destinations\"",
                           dests[k]);
    }
    if (store_begin(s, err) != 0)
        return -1;
    for (size_t k = 0; k < ndests; k++) {
        const struct comms_dest *d = comms_dest_find(cfg, dests[k]);
        char *text = NULL, *subject = NULL, *body = NULL;
        if (override)
            text = strdup(override);
        else if (comms_render(t, data, d->escape, &text, err) != 0)
            goto out;
        if (!text || comms_split(text, &subject, &body) != 0) {
            free(text);
            wr_fail(err, WR_E_NOMEM, "out of memory");
            goto out;
        }
        free(text);
        struct wr_buf key = {0};
        wr_buf_printf(&key, "%s:%s:%s", inc->uid, msg_id, d->name);
        struct outbox_msg m = {.incident_id = inc->id, .destination = (char *)d->name,
                               .template_name = (char *)t->name, .subject = subject,
                               .body = body, .idempotency_key = key.data,
                               .author = (char *)(author ? author : ""), .created_ms = now};
        int r = key.data ? store_outbox_enqueue(s, &m, NULL, NULL, err)
                         : wr_fail(err, WR_E_NOMEM, "out of memory");
        wr_buf_free(&key);
        free(subject);
        free(body);
        if (r != 0)
            goto out;
    }
    if (store_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_rollback(s);
    return rc;
}
