/* facts.c: the incident's live facts: their list, proposals drawn from the timeline, and setting
 * them with their history kept as timeline entries. */
#include "facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tz.h"

static const struct {
    const char *key, *title, *prompt;
    bool customer;
} facts_table[] = {
#define FACT_X_TABLE(id, key, title, prompt, customer) {key, title, prompt, customer},
    FACT_LIST(FACT_X_TABLE)
#undef FACT_X_TABLE
};

const char *fact_key(enum fact_id f) { return f < FACT_COUNT ? facts_table[f].key : "?"; }
const char *fact_title(enum fact_id f) { return f < FACT_COUNT ? facts_table[f].title : "?"; }
const char *fact_prompt(enum fact_id f) { return f < FACT_COUNT ? facts_table[f].prompt : "?"; }
bool fact_customer_facing(enum fact_id f) { return f < FACT_COUNT && facts_table[f].customer; }

int fact_from_key(const char *key)
{
    for (int f = 0; key && f < FACT_COUNT; f++)
        if (wr_streq_ci(key, facts_table[f].key))
            return f;
    return -1;
}

void facts_clear(struct incident_facts *fs)
{
    for (int f = 0; f < FACT_COUNT; f++) {
        free(fs->f[f].value);
        free(fs->f[f].author);
        free(fs->f[f].proposal);
    }
    memset(fs, 0, sizeof *fs);
}

/* ---- phases ---- */

void facts_phase_window(const struct incident *inc, const struct entry *e, size_t n, enum phase p,
                        int64_t now_ms, struct phase_window *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind != KIND_PHASE || e[i].deleted)
            continue;
        int to = phase_from_entry_text(e[i].text);
        if (!out->known && to == (int)p) {
            out->known = true;
            out->from = e[i].at_ms;
            out->to = now_ms;
        } else if (out->known && to >= 0 && to != (int)p) {
            out->to = e[i].at_ms;
            return;
        }
    }
    if (out->known || p != PHASE_RESPOND)
        return;
    /* No phase entries (an incident run from scripts): respond from declaration to mitigation. */
    bool any_phase = false;
    for (size_t i = 0; i < n; i++)
        any_phase = any_phase || (e[i].kind == KIND_PHASE && !e[i].deleted);
    int64_t from = inc->milestones[MS_DECLARED] != WR_TIME_NONE ? inc->milestones[MS_DECLARED]
                                                                : inc->milestones[MS_STARTED];
    if (any_phase || from == WR_TIME_NONE)
        return;
    out->known = true;
    out->from = from;
    out->to = inc->milestones[MS_MITIGATED] != WR_TIME_NONE ? inc->milestones[MS_MITIGATED]
                                                            : now_ms;
}

/* ---- loading ---- */

static int set_field(struct fact_value *v, const char *value, int64_t at, const char *author)
{
    free(v->value);
    free(v->author);
    v->value = strdup(value);
    v->author = strdup(author ? author : "");
    v->at_ms = at;
    v->source = FACT_SOURCE_FIELD;
    return v->value && v->author ? 0 : -1;
}

/* Entries of the given kinds with at in [from, to), oldest first (at most `limit`). */
static int entries_between(struct store *s, int64_t id, unsigned kinds, bool pinned, int64_t from,
                           int64_t to, size_t limit, struct entry **out, size_t *n,
                           struct wr_error *err)
{
    struct entry_filter f = {.kinds = kinds, .pinned_only = pinned};
    if (store_entry_page(s, id, &f, from, INT64_MIN, true, limit, out, n, err) != 0)
        return -1;
    size_t keep = 0;
    while (keep < *n && (*out)[keep].at_ms < to)
        keep++;
    for (size_t i = keep; i < *n; i++)
        entry_clear(&(*out)[i]);
    *n = keep;
    return 0;
}

#define FACTS_PHASE_ENTRIES_MAX 1000
#define FACTS_MITIGATION_ENTRIES_MAX 12

static int propose(struct store *s, const struct incident *inc, int64_t now_ms,
                   struct incident_facts *out, struct wr_error *err)
{
    int rc = -1;
    struct entry *phases = NULL, *found = NULL;
    size_t nphases = 0, nfound = 0;
    struct wr_buf b = {0};
    struct entry_filter pf = {.kinds = 1u << KIND_PHASE};
    if (store_entry_page(s, inc->id, &pf, INT64_MIN, 0, true, FACTS_PHASE_ENTRIES_MAX, &phases,
                         &nphases, err) != 0)
        goto out;
    struct phase_window respond, mitigate;
    facts_phase_window(inc, phases, nphases, PHASE_RESPOND, now_ms, &respond);
    facts_phase_window(inc, phases, nphases, PHASE_MITIGATE, now_ms, &mitigate);
    out->identified = mitigate.known && mitigate.from <= now_ms;

    /* cause: the newest pinned note, hypothesis or alert of RESPOND */
    if (respond.known) {
        struct entry_filter cf = {.kinds = 1u << KIND_NOTE | 1u << KIND_HYPOTHESIS |
                                           1u << KIND_ALERT,
                                  .pinned_only = true};
        int64_t to = respond.to < now_ms ? respond.to : now_ms;
        if (store_entry_page(s, inc->id, &cf, to, INT64_MIN, false, 1, &found, &nfound, err) != 0)
            goto out;
        if (nfound == 1 && found[0].at_ms >= respond.from) {
            struct fact_value *v = &out->f[FACT_CAUSE];
            if (!(v->proposal = strdup(found[0].text)))
                goto nomem;
            v->proposal_at_ms = v->proposal_from_ms = found[0].at_ms;
        }
        store_entries_free(&found, nfound);
        nfound = 0;
    }

    /* mitigation: the decision that led into MITIGATE, then what was decided and done in it */
    if (mitigate.known && mitigate.from <= now_ms) {
        struct entry_filter df = {.kinds = 1u << KIND_DECISION, .pinned_only = true};
        int64_t start = inc->milestones[MS_DECLARED] != WR_TIME_NONE
                            ? inc->milestones[MS_DECLARED]
                            : inc->milestones[MS_STARTED];
        int64_t first = WR_TIME_NONE, last = WR_TIME_NONE;
        if (store_entry_page(s, inc->id, &df, mitigate.from, INT64_MIN, false, 1, &found, &nfound,
                             err) != 0)
            goto out;
        /* What was done on that decision counts from the decision on: a rollback is often
         * started before anyone logs the phase change. */
        int64_t from = mitigate.from;
        if (nfound == 1 && (start == WR_TIME_NONE || found[0].at_ms >= start)) {
            wr_buf_puts(&b, found[0].text);
            first = last = found[0].at_ms;
            from = found[0].at_ms + 1;
        }
        store_entries_free(&found, nfound);
        nfound = 0;
        int64_t to = mitigate.to < now_ms ? mitigate.to : now_ms + 1;
        if (entries_between(s, inc->id, 1u << KIND_DECISION | 1u << KIND_ACTION, false, from, to,
                            FACTS_MITIGATION_ENTRIES_MAX, &found, &nfound, err) != 0)
            goto out;
        for (size_t i = 0; i < nfound; i++) {
            wr_buf_printf(&b, "%s%s", b.len ? "; " : "", found[i].text);
            if (first == WR_TIME_NONE)
                first = found[i].at_ms;
            last = found[i].at_ms;
        }
        if (b.oom)
            goto nomem;
        if (b.len) {
            out->f[FACT_MITIGATION].proposal = wr_buf_steal(&b);
            out->f[FACT_MITIGATION].proposal_at_ms = last;
            out->f[FACT_MITIGATION].proposal_from_ms = first;
        }
    }
    rc = 0;
    goto out;
nomem:
    wr_fail(err, WR_E_NOMEM, "out of memory proposing the incident's facts");
out:
    store_entries_free(&phases, nphases);
    store_entries_free(&found, nfound);
    wr_buf_free(&b);
    return rc;
}

int facts_load(struct store *s, const struct incident *inc, int64_t now_ms,
               struct incident_facts *out, struct wr_error *err)
{
    struct store_fact *rows = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (store_fact_list(s, inc->id, &rows, &n, err) != 0)
        return -1;
    int rc = 0;
    if (inc->summary && *inc->summary)
        rc |= set_field(&out->f[FACT_SUMMARY], inc->summary, 0, NULL);
    if (inc->impact && *inc->impact)
        rc |= set_field(&out->f[FACT_IMPACT], inc->impact, 0, NULL);
    for (size_t i = 0; i < n; i++) {
        int f = fact_from_key(rows[i].field);
        if (strcmp(rows[i].field, FACT_CAUSE_CONFIRMED_KEY) == 0)
            out->cause_confirmed = rows[i].value[0] != '\0';
        else if (f >= 0 && rows[i].value[0])
            rc |= set_field(&out->f[f], rows[i].value, rows[i].updated_ms, rows[i].author);
    }
    store_facts_free(&rows, n);
    if (rc != 0) {
        facts_clear(out);
        return wr_fail(err, WR_E_NOMEM, "out of memory reading the incident's facts");
    }
    if (propose(s, inc, now_ms, out, err) != 0) {
        facts_clear(out);
        return -1;
    }
    out->cause_confirmed = out->cause_confirmed && out->f[FACT_CAUSE].source == FACT_SOURCE_FIELD;
    out->identified = out->identified || out->f[FACT_CAUSE].source == FACT_SOURCE_FIELD ||
                      out->f[FACT_MITIGATION].source == FACT_SOURCE_FIELD;
    /* The order every reader follows: the field, else the proposal, else nothing. */
    for (int f = 0; f < FACT_COUNT; f++) {
        struct fact_value *v = &out->f[f];
        if (v->source == FACT_SOURCE_NONE && v->proposal) {
            v->source = FACT_SOURCE_PROPOSAL;
            v->value = strdup(v->proposal);
            v->at_ms = v->proposal_at_ms;
            if (!v->value) {
                facts_clear(out);
                return wr_fail(err, WR_E_NOMEM, "out of memory reading the incident's facts");
            }
        }
    }
    return 0;
}

/* ---- setting ---- */

/* The fact's entry: "Current cause: TEXT" / "Current cause cleared", data {"fact", "value"}. */
static int record(struct store *s, int64_t id, const char *key, const char *title,
                  const char *value, const char *suffix, const char *author, struct wr_error *err)
{
    struct wr_buf text = {0};
    char *data = NULL;
    cJSON *o = cJSON_CreateObject();
    int rc = -1;
    if (*value)
        wr_buf_printf(&text, "%s%s: %s", title, suffix ? suffix : "", value);
    else
        wr_buf_printf(&text, "%s cleared", title);
    if (!o || !cJSON_AddStringToObject(o, "fact", key) ||
        !cJSON_AddStringToObject(o, "value", value) || !(data = cJSON_PrintUnformatted(o)) ||
        text.oom) {
        wr_fail(err, WR_E_NOMEM, "out of memory saving the incident's facts");
        goto out;
    }
    rc = store_fact_set(s, id, key, value, wr_now_ms(), author, text.data, data, err);
out:
    cJSON_Delete(o);
    free(data);
    wr_buf_free(&text);
    return rc;
}

/* The current stored value of a fact row ("" when unset); malloc'd in *out. */
static int stored_value(struct store *s, const struct incident *inc, const char *key, char **out,
                        struct wr_error *err)
{
    *out = NULL;
    if (strcmp(key, "summary") == 0 || strcmp(key, "impact") == 0) {
        const char *v = strcmp(key, "summary") == 0 ? inc->summary : inc->impact;
        *out = strdup(v ? v : "");
    } else {
        struct store_fact *rows = NULL;
        size_t n = 0;
        if (store_fact_list(s, inc->id, &rows, &n, err) != 0)
            return -1;
        for (size_t i = 0; i < n && !*out; i++)
            if (strcmp(rows[i].field, key) == 0)
                *out = strdup(rows[i].value);
        store_facts_free(&rows, n);
        if (!*out)
            *out = strdup("");
    }
    return *out ? 0 : wr_fail(err, WR_E_NOMEM, "out of memory");
}

int facts_set(struct store *s, int64_t id, enum fact_id f, const char *value, const char *author,
              struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    char *copy = strdup(value ? value : ""), *old = NULL, *confirmed = NULL;
    if (!copy)
        return wr_fail(err, WR_E_NOMEM, "out of memory");
    char *v = wr_trim(copy);
    for (char *p = v; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' '; /* one line: facts are quoted into one-line messages */
    if (f >= FACT_COUNT) {
        wr_fail(err, WR_E_INPUT, "unknown incident fact");
        goto out;
    }
    if (store_begin(s, err) != 0)
        goto out;
    if (store_incident_get(s, id, &inc, err) != 0 ||
        stored_value(s, &inc, fact_key(f), &old, err) != 0)
        goto fail;
    if (strcmp(old, v) != 0) {
        if (record(s, id, fact_key(f), fact_title(f), v, NULL, author, err) != 0)
            goto fail;
        /* A new cause is not confirmed until the IC says so again. */
        if (f == FACT_CAUSE) {
            if (stored_value(s, &inc, FACT_CAUSE_CONFIRMED_KEY, &confirmed, err) != 0)
                goto fail;
            if (*confirmed && store_fact_set(s, id, FACT_CAUSE_CONFIRMED_KEY, "", wr_now_ms(),
                                             author, NULL, NULL, err) != 0)
                goto fail;
        }
    }
    if (store_commit(s, err) != 0)
        goto out;
    rc = 0;
    goto out;
fail:
    store_rollback(s);
out:
    incident_clear(&inc);
    free(copy);
    free(old);
    free(confirmed);
    return rc;
}

int facts_confirm_cause(struct store *s, int64_t id, bool confirmed, const char *author,
                        struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    char *cause = NULL, *flag = NULL;
    if (store_begin(s, err) != 0)
        return -1;
    if (store_incident_get(s, id, &inc, err) != 0 ||
        stored_value(s, &inc, fact_key(FACT_CAUSE), &cause, err) != 0 ||
        stored_value(s, &inc, FACT_CAUSE_CONFIRMED_KEY, &flag, err) != 0)
        goto fail;
    if (!*cause) {
        wr_fail(err, WR_E_CONFLICT, "no cause is recorded yet: set it first (`warroom set %lld "
                                    "cause TEXT`), then confirm it",
                (long long)id);
        goto fail;
    }
    if ((*flag != '\0') != confirmed) {
        struct wr_buf text = {0};
        wr_buf_printf(&text, "%s %s: %s", fact_title(FACT_CAUSE),
                      confirmed ? "confirmed" : "no longer confirmed", cause);
        cJSON *o = cJSON_CreateObject();
        char *data = NULL;
        if (o && cJSON_AddStringToObject(o, "fact", FACT_CAUSE_CONFIRMED_KEY) &&
            cJSON_AddStringToObject(o, "value", confirmed ? "yes" : ""))
            data = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        int r = -1;
        if (!data || text.oom)
            wr_fail(err, WR_E_NOMEM, "out of memory");
        else
            r = store_fact_set(s, id, FACT_CAUSE_CONFIRMED_KEY, confirmed ? "yes" : "",
                               wr_now_ms(), author, text.data, data, err);
        free(data);
        wr_buf_free(&text);
        if (r != 0)
            goto fail;
    }
    if (store_commit(s, err) != 0)
        goto out;
    rc = 0;
    goto out;
fail:
    store_rollback(s);
out:
    incident_clear(&inc);
    free(cause);
    free(flag);
    return rc;
}

int facts_set_tz(struct store *s, int64_t id, const char *zone, const char *author,
                 struct wr_error *err)
{
    char tz[TZ_NAME_MAX];
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    if (tz_check(zone, tz, sizeof tz, err) != 0)
        return -1;
    if (store_begin(s, err) != 0)
        return -1;
    if (store_incident_get(s, id, &inc, err) != 0)
        goto fail;
    if (strcmp(inc.tz, tz) != 0 &&
        record(s, id, "tz", "Time zone", tz, NULL, author, err) != 0)
        goto fail;
    if (store_commit(s, err) != 0)
        goto out;
    rc = 0;
    goto out;
fail:
    store_rollback(s);
out:
    incident_clear(&inc);
    return rc;
}

/* ---- history ---- */

int facts_history(struct store *s, int64_t id, enum fact_id f, char ***out, size_t *n,
                  struct wr_error *err)
{
    struct entry *e = NULL;
    size_t ne = 0, cap = 0;
    struct entry_filter ff = {.kinds = 1u << KIND_FACT};
    *out = NULL;
    *n = 0;
    if (store_entry_page(s, id, &ff, INT64_MIN, 0, true, FACTS_PHASE_ENTRIES_MAX, &e, &ne,
                         err) != 0)
        return -1;
    for (size_t i = 0; i < ne; i++) {
        cJSON *d = e[i].data ? cJSON_Parse(e[i].data) : NULL;
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "fact"));
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "value"));
        if (k && v && *v && strcmp(k, fact_key(f)) == 0) {
            if (*n == cap) {
                size_t nc = cap ? cap * 2 : 8;
                char **g = realloc(*out, nc * sizeof *g);
                if (!g) {
                    cJSON_Delete(d);
                    break;
                }
                *out = g;
                cap = nc;
            }
            if (((*out)[*n] = strdup(v)))
                (*n)++;
        }
        cJSON_Delete(d);
    }
    store_entries_free(&e, ne);
    return 0;
}

void facts_history_free(char ***arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        free((*arr)[i]);
    free(*arr);
    *arr = NULL;
}
