/* exchange.c: versioned JSON export/import of an incident, and the `show --json` record. */
#include "exchange.h"
#include "postmortem.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "facts.h"
#include "severity.h"

/* ---- writing ---- */

static void add_time(cJSON *obj, const char *key, int64_t ms)
{
    char buf[40];
    if (ms == WR_TIME_NONE)
        cJSON_AddNullToObject(obj, key);
    else
        cJSON_AddStringToObject(obj, key, wr_time_iso(ms, buf, sizeof buf));
}

/* Split "a,b" into a JSON array of trimmed non-empty strings. */
static cJSON *csv_array(const char *csv)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr || !csv)
        return arr;
    char *copy = strdup(csv);
    if (!copy)
        return arr;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        wr_trim(tok);
        if (*tok)
            cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
    }
    free(copy);
    return arr;
}

static void add_duration(cJSON *obj, const char *key, int64_t ms)
{
    if (ms == WR_TIME_NONE)
        cJSON_AddNullToObject(obj, key);
    else
        cJSON_AddNumberToObject(obj, key, (double)ms / 1000.0);
}

static cJSON *incident_json(const struct incident *inc, enum exchange_mode mode)
{
    cJSON *o = cJSON_CreateObject();
    if (mode == EXCHANGE_SHOW)
        cJSON_AddNumberToObject(o, "id", (double)inc->id);
    cJSON_AddStringToObject(o, "uid", inc->uid);
    cJSON_AddStringToObject(o, "title", inc->title);
    cJSON_AddItemToObject(o, "services", csv_array(inc->services));
    cJSON_AddItemToObject(o, "tags", csv_array(inc->tags));
    cJSON_AddStringToObject(o, "summary", inc->summary);
    cJSON_AddStringToObject(o, "impact", inc->impact);
    if (inc->tz[0]) /* absent when unset, so files from before time zones round-trip */
        cJSON_AddStringToObject(o, "tz", inc->tz);
    cJSON_AddStringToObject(o, "phase", phase_name(inc->phase));
    cJSON_AddNumberToObject(o, "severity", inc->severity);
    if (mode == EXCHANGE_SHOW)
        cJSON_AddStringToObject(o, "status", incident_is_open(inc) ? "open" : "closed");
    add_time(o, "created", inc->created_ms);
    cJSON *ms = cJSON_AddObjectToObject(o, "milestones");
    for (int m = 0; m < MS_COUNT; m++)
        if (inc->milestones[m] != WR_TIME_NONE)
            add_time(ms, milestone_name((enum milestone)m), inc->milestones[m]);
    if (mode == EXCHANGE_SHOW) {
        struct incident_durations d;
        incident_durations(inc, wr_now_ms(), &d);
        cJSON *dj = cJSON_AddObjectToObject(o, "durations_seconds");
        add_duration(dj, "to_detect", d.to_detect);
        add_duration(dj, "to_acknowledge", d.to_acknowledge);
        add_duration(dj, "to_mitigate", d.to_mitigate);
        add_duration(dj, "to_resolve", d.to_resolve);
        add_duration(dj, "total", d.total);
    }
    return o;
}

/* show --json: seconds spent unclassified and in each severity (incident_time_in_severity). */
static void add_time_in_severity(cJSON *incj, const struct incident *inc,
                                 const struct severity_change *sev, size_t nsev)
{
    struct severity_mark *marks = nsev ? calloc(nsev, sizeof *marks) : NULL;
    int64_t spent[SEVERITY_SLOTS];
    if (nsev && !marks)
        return;
    for (size_t i = 0; i < nsev; i++)
        marks[i] = (struct severity_mark){sev[i].at_ms, sev[i].severity};
    incident_time_in_severity(inc, marks, nsev, wr_now_ms(), spent);
    free(marks);
    cJSON *o = cJSON_AddObjectToObject(incj, "time_in_severity_seconds");
    add_duration(o, "unclassified", spent[0]);
    for (int i = 1; i < SEVERITY_SLOTS; i++)
        add_duration(o, sev_name(i), spent[i]);
}

static cJSON *history_json(struct store *s, const struct incident *inc, cJSON *show_incj,
                           struct wr_error *err, cJSON **roles_out)
{
    int64_t id = inc->id;
    struct severity_change *sev = NULL;
    struct role_assignment *roles = NULL;
    size_t nsev = 0, nroles = 0;
    cJSON *sevs = NULL;
    *roles_out = NULL;
    if (store_severity_history(s, id, &sev, &nsev, err) != 0 ||
        store_role_history(s, id, &roles, &nroles, err) != 0)
        goto out;
    if (show_incj)
        add_time_in_severity(show_incj, inc, sev, nsev);
    sevs = cJSON_CreateArray();
    for (size_t i = 0; i < nsev; i++) {
        cJSON *c = cJSON_CreateObject();
        add_time(c, "at", sev[i].at_ms);
        cJSON_AddNumberToObject(c, "severity", sev[i].severity);
        cJSON_AddStringToObject(c, "rationale", sev[i].rationale);
        cJSON_AddStringToObject(c, "author", sev[i].author);
        cJSON_AddItemToArray(sevs, c);
    }
    cJSON *rj = cJSON_CreateArray();
    for (size_t i = 0; i < nroles; i++) {
        cJSON *a = cJSON_CreateObject();
        add_time(a, "at", roles[i].at_ms);
        cJSON_AddStringToObject(a, "role", role_key(roles[i].role));
        cJSON_AddStringToObject(a, "name", roles[i].name);
        cJSON_AddStringToObject(a, "note", roles[i].note);
        cJSON_AddStringToObject(a, "author", roles[i].author);
        cJSON_AddBoolToObject(a, "current", roles[i].current);
        cJSON_AddItemToArray(rj, a);
    }
    *roles_out = rj;
out:
    store_severity_history_free(&sev, nsev);
    store_role_history_free(&roles, nroles);
    return sevs;
}

/* {"cause": {"value", "updated", "author"}, ...} of the incident_facts rows; NULL when none. */
static int facts_json(struct store *s, int64_t id, cJSON **out, struct wr_error *err)
{
    struct store_fact *rows = NULL;
    size_t n = 0;
    *out = NULL;
    if (store_fact_list(s, id, &rows, &n, err) != 0)
        return -1;
    cJSON *o = n ? cJSON_CreateObject() : NULL;
    for (size_t i = 0; o && i < n; i++) {
        cJSON *fj = cJSON_AddObjectToObject(o, rows[i].field);
        cJSON_AddStringToObject(fj, "value", rows[i].value);
        add_time(fj, "updated", rows[i].updated_ms);
        cJSON_AddStringToObject(fj, "author", rows[i].author);
    }
    store_facts_free(&rows, n);
    if (n && !o)
        return wr_fail(err, WR_E_NOMEM, "out of memory exporting the incident's facts");
    *out = o;
    return 0;
}

struct writer {
    FILE *f;
    size_t count;
    int64_t entry_id; /* FULL: entry whose revisions are being written */
    bool failed;
};

/* Print one item of the streamed "entries" array. */
static void emit(struct writer *w, cJSON *item)
{
    char *text = item ? cJSON_PrintUnformatted(item) : NULL;
    if (!text) {
        w->failed = true;
        return;
    }
    fprintf(w->f, "%s\n    %s", w->count ? "," : "", text);
    w->count++;
    free(text);
}

static int emit_show_entry(const struct entry *e, void *ctx)
{
    struct writer *w = ctx;
    if (e->deleted)
        return 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)e->id);
    add_time(o, "at", e->at_ms);
    add_time(o, "recorded", e->recorded_ms);
    cJSON_AddStringToObject(o, "kind", kind_name(e->kind));
    cJSON_AddStringToObject(o, "author", e->author);
    cJSON_AddStringToObject(o, "text", e->text);
    cJSON_AddBoolToObject(o, "pinned", e->pinned);
    cJSON_AddNumberToObject(o, "rev", e->rev);
    if (e->data) {
        cJSON *data = cJSON_Parse(e->data);
        cJSON_AddItemToObject(o, "data", data ? data : cJSON_CreateString(e->data));
    }
    emit(w, o);
    cJSON_Delete(o);
    return w->failed;
}

/* FULL mode: revisions arrive grouped by entry; collect one entry, then emit it. */
struct full_writer {
    struct writer w;
    cJSON *current; /* entry object being filled */
};

static void flush_full(struct full_writer *fw)
{
    if (fw->current) {
        emit(&fw->w, fw->current);
        cJSON_Delete(fw->current);
        fw->current = NULL;
    }
}

static int emit_revision(int64_t entry_id, int64_t recorded_ms, const char *entry_data,
                         const struct entry_revision *r, void *ctx)
{
    struct full_writer *fw = ctx;
    if (!fw->current || entry_id != fw->w.entry_id) {
        flush_full(fw);
        fw->current = cJSON_CreateObject();
        fw->w.entry_id = entry_id;
        add_time(fw->current, "recorded", recorded_ms);
        if (entry_data && *entry_data)
            cJSON_AddStringToObject(fw->current, "data", entry_data);
        cJSON_AddArrayToObject(fw->current, "revisions");
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rev", r->rev);
    add_time(o, "changed", r->changed_ms);
    cJSON_AddStringToObject(o, "author", r->author);
    cJSON_AddStringToObject(o, "kind", kind_name(r->kind));
    add_time(o, "at", r->at_ms);
    cJSON_AddStringToObject(o, "text", r->text);
    cJSON_AddBoolToObject(o, "pinned", r->pinned);
    cJSON_AddBoolToObject(o, "deleted", r->deleted);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fw->current, "revisions"), o);
    return fw->w.failed;
}

/* Print a JSON value after `"key": ` with two-space indentation of its first level. */
static int print_member(FILE *f, const char *key, cJSON *value, bool first)
{
    char *text = value ? cJSON_PrintUnformatted(value) : NULL;
    if (!text)
        return -1;
    fprintf(f, "%s\n  \"%s\": %s", first ? "" : ",", key, text);
    free(text);
    return 0;
}

int exchange_write(struct store *s, int64_t id, enum exchange_mode mode, FILE *f,
                   struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    cJSON *incj = NULL, *sevs = NULL, *roles = NULL;
    if (store_incident_get(s, id, &inc, err) != 0)
        return -1;
    incj = incident_json(&inc, mode);
    sevs = history_json(s, &inc, incj && mode == EXCHANGE_SHOW ? incj : NULL, err, &roles);
    if (!incj || !sevs || !roles) {
        if (err && err->code == WR_OK)
            wr_fail(err, WR_E_NOMEM, "out of memory exporting incident %lld", (long long)id);
        goto out;
    }
    fputc('{', f);
    if (mode == EXCHANGE_FULL) {
        fprintf(f, "\n  \"format\": \"%s\",\n  \"version\": %d", EXCHANGE_FORMAT,
                EXCHANGE_VERSION);
    }
    if (print_member(f, "incident", incj, mode != EXCHANGE_FULL) != 0 ||
        print_member(f, "severity_history", sevs, false) != 0 ||
        print_member(f, "roles", roles, false) != 0) {
        wr_fail(err, WR_E_NOMEM, "out of memory exporting incident %lld", (long long)id);
        goto out;
    }
    { /* the live facts, when any are set */
        cJSON *fj = NULL;
        if (facts_json(s, id, &fj, err) != 0)
            goto out;
        int frc = fj && print_member(f, "facts", fj, false) != 0 ? -1 : 0;
        cJSON_Delete(fj);
        if (frc != 0) {
            wr_fail(err, WR_E_NOMEM, "out of memory exporting incident %lld", (long long)id);
            goto out;
        }
    }
    if (mode == EXCHANGE_FULL) { /* the postmortem worksheet and action items, when any */
        cJSON *pmj = NULL, *acts = NULL;
        int prc = pm_exchange_json(s, id, &pmj, &acts, err);
        if (prc == 0 && ((pmj && print_member(f, "postmortem", pmj, false) != 0) ||
                         (acts && print_member(f, "action_items", acts, false) != 0)))
            prc = wr_fail(err, WR_E_NOMEM, "out of memory exporting incident %lld", (long long)id);
        cJSON_Delete(pmj);
        cJSON_Delete(acts);
        if (prc != 0)
            goto out;
    }
    fputs(",\n  \"entries\": [", f);
    struct full_writer fw = {.w = {.f = f}};
    int erc;
    if (mode == EXCHANGE_FULL) {
        erc = store_revision_each(s, id, emit_revision, &fw, err);
        flush_full(&fw);
    } else {
        erc = store_entry_each(s, id, emit_show_entry, &fw.w, err);
    }
    if (erc != 0)
        goto out;
    if (fw.w.failed) {
        wr_fail(err, WR_E_NOMEM, "out of memory exporting incident %lld", (long long)id);
        goto out;
    }
    fputs(fw.w.count ? "\n  ]\n}\n" : "]\n}\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        wr_fail(err, WR_E_IO, "writing the export failed (disk full or closed pipe?)");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(incj);
    cJSON_Delete(sevs);
    cJSON_Delete(roles);
    incident_clear(&inc);
    return rc;
}

/* ---- reading ---- */

struct reader {
    struct wr_error *err;
    /* The document's end: every parse is length-bounded (cJSON_ParseWithOpts would strlen the
     * rest of the file for each element, making a large import quadratic). */
    const char *end;
    char path[128]; /* field path for messages, e.g. entries[3].revisions[0].at */
    struct store_import *entries; /* while the entries array is read */
    /* The top-level object (read_top): its members but "entries" in doc; the entries array's
     * text at entries_at; rest_unread when reading stopped there (read_members' `stop`). */
    const char *text;
    cJSON *doc;
    const char *entries_at;
    bool rest_unread;
};

static int field_error(struct reader *r, const char *field, const char *expected)
{
    return wr_fail(r->err, WR_E_INPUT, "import: %s%s%s: expected %s; fix the file and import again",
                   r->path, *r->path && *field ? "." : "", field, expected);
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int get_string(struct reader *r, const cJSON *obj, const char *key, bool required,
                      const char **out)
{
    const cJSON *v = get(obj, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return field_error(r, key, "a string");
        *out = "";
        return 0;
    }
    if (!cJSON_IsString(v))
        return field_error(r, key, "a string");
    *out = v->valuestring;
    return 0;
}

static int get_time(struct reader *r, const cJSON *obj, const char *key, bool required,
                    int64_t *out)
{
    const cJSON *v = get(obj, key);
    *out = WR_TIME_NONE;
    if (!v || cJSON_IsNull(v))
        return required ? field_error(r, key, "an ISO 8601 time like 2026-03-10T12:00:00.000Z")
                        : 0;
    if (!cJSON_IsString(v) || wr_time_parse(v->valuestring, 0, out, NULL) != 0 ||
        strchr(v->valuestring, 'T') == NULL)
        return field_error(r, key, "an ISO 8601 time like 2026-03-10T12:00:00.000Z");
    return 0;
}

static int get_int(struct reader *r, const cJSON *obj, const char *key, int lo, int hi, int *out)
{
    const cJSON *v = get(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
        v->valuedouble != (double)(int)v->valuedouble) {
        char what[64];
        snprintf(what, sizeof what, "an integer %d..%d", lo, hi);
        return field_error(r, key, what);
    }
    *out = (int)v->valuedouble;
    return 0;
}

static int get_bool(struct reader *r, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = get(obj, key);
    if (!v) {
        *out = false;
        return 0;
    }
    if (!cJSON_IsBool(v))
        return field_error(r, key, "true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

/* Join a JSON array of strings with ","; writes a malloc'd string. */
static int get_csv(struct reader *r, const cJSON *obj, const char *key, char **out)
{
    struct wr_buf b = {0};
    const cJSON *arr = get(obj, key), *it;
    wr_buf_append(&b, "", 0);
    *out = NULL;
    if (arr && !cJSON_IsArray(arr)) {
        wr_buf_free(&b); /* leaked before (found by fuzz_import under LeakSanitizer) */
        return field_error(r, key, "an array of strings");
    }
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it) || strchr(it->valuestring, ',')) {
            wr_buf_free(&b);
            return field_error(r, key, "an array of strings without commas");
        }
        if (b.len)
            wr_buf_puts(&b, ",");
        wr_buf_puts(&b, it->valuestring);
    }
    if (b.oom) {
        wr_buf_free(&b);
        return wr_fail(r->err, WR_E_NOMEM, "out of memory importing");
    }
    *out = wr_buf_steal(&b);
    return 0;
}

static int read_kind(struct reader *r, const cJSON *obj, enum entry_kind *out)
{
    const char *name;
    if (get_string(r, obj, "kind", true, &name) != 0)
        return -1;
    int k = kind_from_name(name);
    if (k < 0)
        return field_error(r, "kind", "a kind name (note, action, decision, hypothesis, todo, "
                                      "comms, alert, milestone, phase, severity, role, sli, "
                                      "fact)");
    *out = (enum entry_kind)k;
    return 0;
}

static int import_entry(struct store *s, struct reader *r, int64_t id, const cJSON *ej)
{
    int rc = -1;
    int64_t recorded;
    const cJSON *revs = get(ej, "revisions"), *rj;
    int n = cJSON_GetArraySize(revs);
    struct entry_revision *arr = NULL;
    if (!cJSON_IsObject(ej))
        return field_error(r, "", "an object");
    const char *data;
    if (get_time(r, ej, "recorded", true, &recorded) != 0 ||
        get_string(r, ej, "data", false, &data) != 0)
        return -1;
    if (!cJSON_IsArray(revs) || n < 1)
        return field_error(r, "revisions", "a non-empty array");
    arr = calloc((size_t)n, sizeof *arr);
    if (!arr)
        return wr_fail(r->err, WR_E_NOMEM, "out of memory importing");
    size_t base = strlen(r->path);
    int i = 0;
    cJSON_ArrayForEach(rj, revs)
    {
        snprintf(r->path + base, sizeof r->path - base, ".revisions[%d]", i);
        struct entry_revision *v = &arr[i];
        const char *author, *text;
        if (!cJSON_IsObject(rj)) { /* found by fuzz_import: refused without saying why */
            field_error(r, "", "an object");
            goto out;
        }
        if (get_int(r, rj, "rev", i + 1, i + 1, &v->rev) != 0 ||
            get_time(r, rj, "changed", true, &v->changed_ms) != 0 ||
            get_string(r, rj, "author", true, &author) != 0 || read_kind(r, rj, &v->kind) != 0 ||
            get_time(r, rj, "at", true, &v->at_ms) != 0 ||
            get_string(r, rj, "text", true, &text) != 0 ||
            get_bool(r, rj, "pinned", &v->pinned) != 0 ||
            get_bool(r, rj, "deleted", &v->deleted) != 0)
            goto out;
        v->author = (char *)author;
        v->text = (char *)text;
        i++;
    }
    r->path[base] = '\0';
    if (store_import_entry(r->entries, recorded, *data ? data : NULL, arr, (size_t)n,
                           r->err) != 0) {
        /* Name the entry in store errors too. */
        char msg[sizeof r->err->msg];
        snprintf(msg, sizeof msg, "%s", r->err->msg);
        wr_fail(r->err, r->err->code, "import: %s: %s", r->path, msg);
        goto out;
    }
    rc = 0;
out:
    free(arr);
    return rc;
}

/* ---- the entries, read straight from the text ---- */

/*
 * An exported entry has one shape: {"recorded": T, ["data": S,] "revisions": [{"rev": N,
 * "changed": T, "author": S, "kind": S, "at": T, "text": S, "pinned": B, "deleted": B}...]}.
 * Building a cJSON tree for each of 100,000 of them (a dozen allocations, then as many frees)
 * cost more than storing them, so that shape is read here directly. Anything else (a missing
 * or repeated key, another type, a number that is not a small integer, an escape this reader
 * does not decode) makes it decline, and the entry goes through cJSON and import_entry,
 * which accept and refuse exactly as before and say why.
 */
#define FAST_MAX_REVS 8

struct fast_str {
    size_t off, len; /* in the scratch buffer */
};

struct fast_rev {
    double rev;
    int64_t changed, at;
    struct fast_str author, kind, text;
    bool pinned, deleted;
    unsigned seen; /* one bit per key */
};

struct fast_entry {
    int64_t recorded;
    struct fast_str data;
    bool has_data;
    struct fast_rev revs[FAST_MAX_REVS];
    size_t nrevs;
    struct wr_buf scratch; /* decoded strings, NUL-terminated, reused entry after entry */
};

/* cJSON skips every byte up to the space between tokens. */
static const char *fast_ws(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= 32 && *p)
        p++;
    return p;
}

static bool fast_utf8(struct wr_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    wr_buf_append(b, u, n);
    return true;
}

static int fast_hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* A string at p (after its opening quote) into the scratch buffer; NULL to decline. */
static const char *fast_string(const char *p, const char *end, struct wr_buf *b,
                               struct fast_str *out)
{
    out->off = b->len;
    const char *run = p;
    while (p < end) {
        /* Eight bytes at a time while none of them is a quote, a backslash or a control
         * character (the bit tricks of "determine if a word has a zero byte"). */
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
            uint64_t q = v ^ (ones * '"'), bs = v ^ (ones * '\\');
            uint64_t special = ((q - ones) & ~q) | ((bs - ones) & ~bs) | ((v - ones * 0x20) & ~v);
            if (special & highs)
                break;
            p += 8;
        }
        if (p >= end)
            break;
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            wr_buf_append(b, run, (size_t)(p - run));
            out->len = b->len - out->off;
            wr_buf_append(b, "", 1); /* the NUL */
            return b->oom ? NULL : p + 1;
        }
        if (c < 0x20)
            return NULL;
        if (c != '\\') {
            p++;
            continue;
        }
        wr_buf_append(b, run, (size_t)(p - run));
        if (end - p < 2)
            return NULL;
        char e = p[1], one = 0;
        p += 2;
        switch (e) {
        case '"': one = '"'; break;
        case '\\': one = '\\'; break;
        case '/': one = '/'; break;
        case 'b': one = '\b'; break;
        case 'f': one = '\f'; break;
        case 'n': one = '\n'; break;
        case 'r': one = '\r'; break;
        case 't': one = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (fast_hex4(p, end, &cp) != 0 || cp == 0)
                return NULL;
            p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return NULL;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* a pair, or decline */
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || fast_hex4(p + 2, end, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return NULL;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            fast_utf8(b, cp);
            break;
        }
        default:
            return NULL;
        }
        if (one)
            wr_buf_append(b, &one, 1);
        run = p;
    }
    return NULL;
}

/* Bytes a key is read over: not a quote, a backslash or a control character. */
static const bool key_byte[256] = {
    [0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0xff] = 1,
};

/* A key at p (its opening quote); *key points into the text, keys have no escapes. */
static const char *fast_key(const char *p, const char *end, const char **key, size_t *len)
{
    if (p >= end || *p != '"')
        return NULL;
    const char *k = ++p;
    while (p < end && key_byte[(unsigned char)*p])
        p++;
    if (p >= end || *p != '"')
        return NULL;
    *key = k;
    *len = (size_t)(p - k);
    p = fast_ws(p + 1, end);
    return p < end && *p == ':' ? fast_ws(p + 1, end) : NULL;
}

static bool key_is(const char *key, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(key, name, len) == 0;
}

/* A time string: the exported form directly, others through wr_time_parse; NULL to decline. */
static const char *fast_time(const char *p, const char *end, struct wr_buf *b, int64_t *out)
{
    if (p >= end || *p != '"')
        return NULL;
    const char *q = p + 1, *close = q + 24; /* the exported form's length first */
    if (end - q <= 24 || *close != '"')
        for (close = q; close < end && *close != '"' && *close != '\\';)
            close++;
    if (close < end && *close == '"' && wr_time_parse_iso_utc(q, (size_t)(close - q), out) == 0)
        return close + 1;
    struct fast_str t;
    size_t mark = b->len;
    const char *after = fast_string(q, end, b, &t);
    if (!after)
        return NULL;
    const char *text = b->data + t.off;
    int ok = strlen(text) == t.len && wr_time_parse(text, 0, out, NULL) == 0 && strchr(text, 'T');
    b->len = mark;
    return ok ? after : NULL;
}

static const char *fast_bool(const char *p, const char *end, bool *out)
{
    if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
        *out = true;
        return p + 4;
    }
    if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
        *out = false;
        return p + 5;
    }
    return NULL;
}

/* A plain non-negative integer (what the exporter writes for "rev"). */
static const char *fast_uint(const char *p, const char *end, double *out)
{
    double v = 0;
    const char *start = p;
    while (p < end && *p >= '0' && *p <= '9' && p - start < 9)
        v = v * 10 + (*p++ - '0');
    if (p == start || (p < end && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9'))))
        return NULL;
    *out = v;
    return p;
}

/* Past the member or element that ended at p: at the next one (after its ',') or at `close`;
 * NULL (decline) otherwise, a ',' right before `close` included, which JSON does not allow. */
static const char *fast_next(const char *p, const char *end, char close)
{
    p = fast_ws(p, end);
    if (p < end && *p == ',') {
        p = fast_ws(p + 1, end);
        return p < end && *p != close ? p : NULL;
    }
    return p < end && *p == close ? p : NULL;
}

enum { K_REV = 1, K_CHANGED = 2, K_AUTHOR = 4, K_KIND = 8, K_AT = 16, K_TEXT = 32,
       K_PINNED = 64, K_DELETED = 128 };

static const char *fast_revision(const char *p, const char *end, struct fast_entry *fe,
                                 struct fast_rev *v)
{
    memset(v, 0, sizeof *v);
    if (p >= end || *p != '{')
        return NULL;
    p = fast_ws(p + 1, end);
    while (p < end && *p != '}') {
        const char *key;
        size_t kl;
        unsigned bit;
        if (!(p = fast_key(p, end, &key, &kl)))
            return NULL;
        /* The key by its length and first letter, then the whole of it. */
        switch (kl << 8 | (unsigned char)key[0]) {
        case 3 << 8 | 'r': bit = K_REV; break;
        case 7 << 8 | 'c': bit = K_CHANGED; break;
        case 6 << 8 | 'a': bit = K_AUTHOR; break;
        case 4 << 8 | 'k': bit = K_KIND; break;
        case 2 << 8 | 'a': bit = K_AT; break;
        case 4 << 8 | 't': bit = K_TEXT; break;
        case 6 << 8 | 'p': bit = K_PINNED; break;
        case 7 << 8 | 'd': bit = K_DELETED; break;
        default: return NULL;
        }
        static const char *const names[] = {"rev", "changed", "author", "kind", "at", "text",
                                            "pinned", "deleted"};
        if (memcmp(key, names[__builtin_ctz(bit)], kl) != 0)
            return NULL;
        switch (bit) {
        case K_REV: p = fast_uint(p, end, &v->rev); break;
        case K_CHANGED: p = fast_time(p, end, &fe->scratch, &v->changed); break;
        case K_AUTHOR: p = *p == '"' ? fast_string(p + 1, end, &fe->scratch, &v->author) : NULL; break;
        case K_KIND: p = *p == '"' ? fast_string(p + 1, end, &fe->scratch, &v->kind) : NULL; break;
        case K_AT: p = fast_time(p, end, &fe->scratch, &v->at); break;
        case K_TEXT: p = *p == '"' ? fast_string(p + 1, end, &fe->scratch, &v->text) : NULL; break;
        case K_PINNED: p = fast_bool(p, end, &v->pinned); break;
        default: p = fast_bool(p, end, &v->deleted); break;
        }
        if (!p || (v->seen & bit) || !(p = fast_next(p, end, '}')))
            return NULL;
        v->seen |= bit;
    }
    return p < end ? p + 1 : NULL;
}

/* The entry object at p; its end, or NULL to decline. */
static const char *fast_entry_parse(const char *p, const char *end, struct fast_entry *fe)
{
    bool recorded = false, revisions = false;
    fe->scratch.len = 0;
    fe->has_data = false;
    fe->nrevs = 0;
    if (p >= end || *p != '{')
        return NULL;
    p = fast_ws(p + 1, end);
    while (p < end && *p != '}') {
        const char *key;
        size_t kl;
        if (!(p = fast_key(p, end, &key, &kl)))
            return NULL;
        if (key_is(key, kl, "recorded") && !recorded) {
            recorded = true;
            p = fast_time(p, end, &fe->scratch, &fe->recorded);
        } else if (key_is(key, kl, "data") && !fe->has_data) {
            fe->has_data = true;
            p = *p == '"' ? fast_string(p + 1, end, &fe->scratch, &fe->data) : NULL;
        } else if (key_is(key, kl, "revisions") && !revisions && *p == '[') {
            revisions = true;
            p = fast_ws(p + 1, end);
            while (p && p < end && *p != ']') {
                if (fe->nrevs == FAST_MAX_REVS)
                    return NULL;
                p = fast_revision(p, end, fe, &fe->revs[fe->nrevs++]);
                p = p ? fast_next(p, end, ']') : NULL;
            }
            if (!p || p >= end)
                return NULL;
            p++;
        } else {
            return NULL;
        }
        if (!p || !(p = fast_next(p, end, '}')))
            return NULL;
    }
    if (p >= end || !recorded || !revisions || fe->nrevs == 0 || fe->scratch.oom)
        return NULL;
    return p + 1;
}

/* Store a parsed entry when it passes every check import_entry makes; 1 when it does not
 * (import_entry then reports the problem), -1 when storing failed. */
static int fast_entry_store(struct reader *r, struct fast_entry *fe, int index)
{
    struct entry_revision revs[FAST_MAX_REVS];
    const char *base = fe->scratch.data;
    for (size_t i = 0; i < fe->nrevs; i++) {
        const struct fast_rev *v = &fe->revs[i];
        const unsigned required = K_REV | K_CHANGED | K_AUTHOR | K_KIND | K_AT | K_TEXT;
        if ((v->seen & required) != required || v->rev != (double)(i + 1))
            return 1;
        int k = kind_from_name(base + v->kind.off);
        /* A string with a NUL inside reads shorter in cJSON: leave those to it. */
        if (k < 0 || strlen(base + v->author.off) != v->author.len ||
            strlen(base + v->text.off) != v->text.len || strlen(base + v->kind.off) != v->kind.len)
            return 1;
        revs[i] = (struct entry_revision){.rev = (int)(i + 1), .changed_ms = v->changed,
                                          .author = (char *)base + v->author.off,
                                          .kind = (enum entry_kind)k, .at_ms = v->at,
                                          .text = (char *)base + v->text.off,
                                          .pinned = v->pinned, .deleted = v->deleted};
    }
    const char *data = fe->has_data ? base + fe->data.off : "";
    if (fe->has_data && strlen(data) != fe->data.len)
        return 1;
    if (store_import_entry(r->entries, fe->recorded, *data ? data : NULL, revs, fe->nrevs,
                           r->err) != 0) {
        char msg[sizeof r->err->msg];
        snprintf(msg, sizeof msg, "%s", r->err->msg);
        wr_fail(r->err, r->err->code, "import: entries[%d]: %s", index, msg);
        return -1;
    }
    return 0;
}

static int import_entries(struct store *s, struct reader *r, int64_t id, const char **after);
static int read_members(struct reader *r, const char *p, bool first, bool stop);


static int import_doc(struct store *s, struct reader *r, bool new_uid, int64_t *id)
{
    const cJSON *doc = r->doc;
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    const cJSON *v = get(doc, "format");
    if (!cJSON_IsObject(doc) || !cJSON_IsString(v) || strcmp(v->valuestring, EXCHANGE_FORMAT))
        return wr_fail(r->err, WR_E_INPUT,
                       "import: not a warroom incident export (\"format\" must be \"%s\")",
                       EXCHANGE_FORMAT);
    v = get(doc, "version");
    if (!cJSON_IsNumber(v) || v->valuedouble < 1)
        return field_error(r, "version", "a positive integer");
    if (v->valuedouble > EXCHANGE_VERSION)
        return wr_fail(r->err, WR_E_INPUT,
                       "import: the file has format version %g but this warroom reads up to %d; "
                       "upgrade warroom",
                       v->valuedouble, EXCHANGE_VERSION); /* %g: any double (fuzz_import) */
    const cJSON *ij = get(doc, "incident");
    if (!cJSON_IsObject(ij))
        return field_error(r, "incident", "an object");
    snprintf(r->path, sizeof r->path, "incident");
    const char *uid, *title, *summary, *impact, *phase, *zone;
    if (get_string(r, ij, "uid", true, &uid) != 0 ||
        get_string(r, ij, "title", true, &title) != 0 ||
        get_string(r, ij, "summary", false, &summary) != 0 ||
        get_string(r, ij, "impact", false, &impact) != 0 ||
        get_string(r, ij, "tz", false, &zone) != 0 ||
        get_string(r, ij, "phase", true, &phase) != 0 ||
        get_int(r, ij, "severity", 0, 4, &inc.severity) != 0 ||
        get_time(r, ij, "created", true, &inc.created_ms) != 0 ||
        get_csv(r, ij, "services", &inc.services) != 0 ||
        get_csv(r, ij, "tags", &inc.tags) != 0)
        goto out;
    if (!*title) {
        field_error(r, "title", "a non-empty string");
        goto out;
    }
    int p = phase_from_name(phase);
    if (p < 0) {
        field_error(r, "phase", "DETECT, TRIAGE, RESPOND, MITIGATE, RESOLVE or REVIEW");
        goto out;
    }
    inc.phase = (enum phase)p;
    /* A zone this machine's database lacks is kept (the file came from elsewhere); only text
     * that cannot be a zone name is refused. */
    if (strlen(zone) >= sizeof inc.tz || strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                                      "opqrstuvwxyz0123456789_+-/:") !=
                                             strlen(zone) ||
        strstr(zone, "..")) {
        field_error(r, "tz", "an IANA time zone name or an offset such as -03:00");
        goto out;
    }
    snprintf(inc.tz, sizeof inc.tz, "%s", zone);
    const cJSON *msj = get(ij, "milestones"), *mj;
    if (msj && !cJSON_IsObject(msj)) {
        field_error(r, "milestones", "an object of milestone name to time");
        goto out;
    }
    snprintf(r->path, sizeof r->path, "incident.milestones");
    cJSON_ArrayForEach(mj, msj)
    {
        int m = milestone_from_name(mj->string);
        if (m < 0) {
            field_error(r, mj->string, "a milestone name (started, detected, declared, "
                                       "mitigated, resolved, closed)");
            goto out;
        }
        if (get_time(r, msj, mj->string, true, &inc.milestones[m]) != 0)
            goto out;
    }
    inc.title = (char *)title;
    inc.summary = (char *)summary;
    inc.impact = (char *)impact;
    if (!new_uid)
        snprintf(inc.uid, sizeof inc.uid, "%s", uid);

    int64_t existing = 0;
    if (!new_uid && store_incident_find_uid(s, uid, &existing, r->err) != 0)
        goto out;
    if (existing) {
        wr_fail(r->err, WR_E_CONFLICT,
                "import: incident %s is already here as %lld; pass --new to import a copy",
                uid, (long long)existing);
        goto out;
    }
    if (store_incident_create(s, &inc, id, r->err) != 0)
        goto out;

    /* The entries first: with the incident read, read_top stopped at them (they are most of the
     * file); every other member is known once they are stored. */
    const char *after = NULL;
    if (r->entries_at && import_entries(s, r, *id, &after) != 0)
        goto out;
    /* The members after the entries, when read_top stopped at them. */
    if (r->rest_unread && read_members(r, after, false, false) != 0)
        goto out;
    if (get(doc, "entries")) { /* present but not an array: read_top kept it aside */
        *r->path = '\0';
        field_error(r, "entries", "an array");
        goto out;
    }
    const cJSON *arr = get(doc, "severity_history"), *it;
    int i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        snprintf(r->path, sizeof r->path, "severity_history[%d]", i++);
        struct severity_change c = {0};
        const char *rationale, *author;
        if (get_time(r, it, "at", true, &c.at_ms) != 0 ||
            get_int(r, it, "severity", 1, 4, &c.severity) != 0 ||
            get_string(r, it, "rationale", false, &rationale) != 0 ||
            get_string(r, it, "author", true, &author) != 0)
            goto out;
        c.rationale = (char *)rationale;
        c.author = (char *)author;
        if (store_severity_import(s, *id, &c, r->err) != 0)
            goto out;
    }
    arr = get(doc, "roles");
    i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        snprintf(r->path, sizeof r->path, "roles[%d]", i++);
        struct role_assignment a = {0};
        const char *role, *name, *note, *author;
        if (get_time(r, it, "at", true, &a.at_ms) != 0 ||
            get_string(r, it, "role", true, &role) != 0 ||
            get_string(r, it, "name", false, &name) != 0 ||
            get_string(r, it, "note", false, &note) != 0 ||
            get_string(r, it, "author", true, &author) != 0 ||
            get_bool(r, it, "current", &a.current) != 0)
            goto out;
        int ro = role_from_name(role);
        if (ro < 0) {
            field_error(r, "role", "ic, comms, ops, sme or scribe");
            goto out;
        }
        a.role = (enum role)ro;
        a.name = (char *)name;
        a.note = (char *)note;
        a.author = (char *)author;
        if (store_role_import(s, *id, &a, r->err) != 0)
            goto out;
    }
    if (pm_exchange_import(s, *id, get(doc, "postmortem"), get(doc, "action_items"), r->err) != 0)
        goto out;
    const cJSON *facts = get(doc, "facts"), *fj;
    if (facts && !cJSON_IsObject(facts)) {
        *r->path = '\0';
        field_error(r, "facts", "an object of fact name to {value, updated, author}");
        goto out;
    }
    cJSON_ArrayForEach(fj, facts)
    {
        snprintf(r->path, sizeof r->path, "facts.%.60s", fj->string);
        struct store_fact sf = {0};
        const char *value, *author;
        if ((fact_from_key(fj->string) < 0 && strcmp(fj->string, FACT_CAUSE_CONFIRMED_KEY)) ||
            strlen(fj->string) >= sizeof sf.field || !cJSON_IsObject(fj)) {
            field_error(r, "", "a known fact name with an object {value, updated, author}");
            goto out;
        }
        snprintf(sf.field, sizeof sf.field, "%s", fj->string);
        if (get_string(r, fj, "value", true, &value) != 0 ||
            get_time(r, fj, "updated", true, &sf.updated_ms) != 0 ||
            get_string(r, fj, "author", false, &author) != 0)
            goto out;
        sf.value = (char *)value;
        sf.author = (char *)author;
        if (store_fact_import(s, *id, &sf, r->err) != 0)
            goto out;
    }
    rc = 0;
out:
    inc.title = inc.summary = inc.impact = NULL; /* borrowed from the document */
    incident_clear(&inc);
    return rc;
}

/* The error for malformed JSON at `at` in text, with its line and column. */
static int json_error(struct wr_error *err, const char *text, const char *at)
{
    size_t line = 1, col = 1;
    for (const char *p = text; at && *p && p < at; p++) {
        if (*p == '\n')
            line++, col = 1;
        else
            col++;
    }
    return wr_fail(err, WR_E_INPUT,
                   "import: malformed JSON near line %zu, column %zu; fix the file (nothing was "
                   "imported)",
                   line, col);
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Skip one JSON array or object at p without building it (strings and nesting respected).
 * Returns the byte after it, or NULL when it never closes. */
static const char *skip_container(const char *p)
{
    int depth = 0;
    /* From one quote or bracket to the next (strpbrk and strchr go many bytes a step): this
     * runs over the whole entries array of an import before any of it is read. */
    while ((p = strpbrk(p, "\"[]{}")) != NULL) {
        if (*p == '"') {
            /* The closing quote is the first one after an even run of backslashes. */
            const char *open = p;
            for (;;) {
                p = strchr(p + 1, '"');
                if (!p)
                    return NULL;
                const char *b = p;
                while (b > open + 1 && b[-1] == '\\')
                    b--;
                if ((p - b) % 2 == 0)
                    break;
            }
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if (--depth == 0) {
            return p + 1;
        }
        p++;
    }
    return NULL;
}

/* After an element of the entries array or a member of the top-level object (fast_next's
 * rule, `close` its ']' or '}'): 1 with *p at the next one, 0 with *p at `close`, or -1 with
 * the error. */
static int list_next(struct reader *r, const char **p, char close)
{
    const char *q = fast_next(*p, r->end, close);
    if (!q)
        return json_error(r->err, r->text, skip_ws(*p));
    *p = q;
    return *q != close;
}

/* Import the "entries" array (r->entries_at, at its '[') one element at a time, so a
 * 100,000-entry file never becomes one tree in memory. */
static int import_entries(struct store *s, struct reader *r, int64_t id, const char **after)
{
    const char *text = r->text, *p = skip_ws(r->entries_at + 1); /* past its '[' */
    if (store_import_new(s, id, &r->entries, r->err) != 0)
        return -1;
    int rc = -1;
    struct fast_entry fe;
    memset(&fe, 0, sizeof fe);
    for (int i = 0; *p != ']'; i++) {
        const char *end = NULL;
        /* Messages name the entry: the path is written when one may be needed, not for every
         * entry read (100,000 snprintf calls cost more than the key lookups). */
        if ((end = fast_entry_parse(p, r->end, &fe)) != NULL) {
            int frc = fast_entry_store(r, &fe, i);
            if (frc < 0)
                goto out;
            if (frc == 0) {
                p = end;
                if (list_next(r, &p, ']') < 0)
                    goto out;
                continue;
            }
        }
        snprintf(r->path, sizeof r->path, "entries[%d]", i);
        cJSON *e = cJSON_ParseWithLengthOpts(p, (size_t)(r->end - p), &end, false);
        if (!e) {
            json_error(r->err, text, end ? end : p);
            goto out;
        }
        int erc = import_entry(s, r, id, e);
        cJSON_Delete(e);
        p = end;
        if (erc != 0 || list_next(r, &p, ']') < 0)
            goto out;
    }
    if (store_import_finish(r->entries, r->err) != 0)
        goto out;
    *after = p + 1;
    rc = 0;
out:
    wr_buf_free(&fe.scratch);
    store_import_free(&r->entries);
    return rc;
}

/*
 * Read members of the top-level object into r->doc from p: its first member (`first`: p just
 * after the '{') or the one after a value, to the end of the text. The "entries" array is not
 * parsed here: r->entries_at points at it. With `stop`, reading ends there once what the import
 * needs before the entries has been read (format, version, incident; r->rest_unread): the
 * import streams the array and then reads the rest from its end, so the file is crossed once.
 * Otherwise (and when the entries come before those) the array is skipped over, only checked
 * for balance, and read after the other members.
 */
static int read_members(struct reader *r, const char *p, bool first, bool stop)
{
    r->rest_unread = false;
    p = skip_ws(p);
    int more = first ? *p != '}' : list_next(r, &p, '}');
    while (more > 0) {
        const char *end = NULL;
        cJSON *key = cJSON_ParseWithLengthOpts(p, (size_t)(r->end - p), &end, false);
        if (!key || !cJSON_IsString(key)) {
            cJSON_Delete(key);
            return json_error(r->err, r->text, end ? end : p);
        }
        p = skip_ws(end);
        if (*p != ':') {
            cJSON_Delete(key);
            return json_error(r->err, r->text, p);
        }
        p = skip_ws(p + 1);
        bool entries = strcmp(key->valuestring, "entries") == 0;
        if (entries && (r->entries_at || get(r->doc, "entries"))) {
            cJSON_Delete(key);
            return wr_fail(r->err, WR_E_INPUT, "import: the file has two \"entries\" members; "
                                               "keep one (nothing was imported)");
        }
        if (entries && *p == '[') {
            r->entries_at = p;
            if (stop && get(r->doc, "format") && get(r->doc, "version") &&
                get(r->doc, "incident")) {
                cJSON_Delete(key);
                r->rest_unread = true;
                return 0;
            }
            end = skip_container(p);
            if (!end) {
                cJSON_Delete(key);
                return json_error(r->err, r->text, p + strlen(p));
            }
        } else {
            cJSON *value = cJSON_ParseWithLengthOpts(p, (size_t)(r->end - p), &end, false);
            if (!value) {
                cJSON_Delete(key);
                return json_error(r->err, r->text, end ? end : p);
            }
            cJSON_AddItemToObject(r->doc, key->valuestring, value);
        }
        cJSON_Delete(key);
        p = end;
        more = list_next(r, &p, '}');
    }
    if (more < 0)
        return -1;
    p = skip_ws(p + 1);
    if (*p)
        return json_error(r->err, r->text, p);
    return 0;
}

/* Read the top-level object (read_members, stopping at the entries). */
static int read_top(struct reader *r)
{
    if (!(r->doc = cJSON_CreateObject()))
        return wr_fail(r->err, WR_E_NOMEM, "out of memory importing");
    const char *p = skip_ws(r->text);
    if (*p != '{')
        return json_error(r->err, r->text, p);
    return read_members(r, p + 1, true, true);
}

int exchange_import(struct store *s, const char *text, bool new_uid, int64_t *id,
                    struct wr_error *err)
{
    struct reader r = {.err = err, .end = text + strlen(text), .text = text};
    int rc = -1;
    if (read_top(&r) != 0)
        goto out;
    if (store_begin_import(s, err) != 0)
        goto out;
    if (import_doc(s, &r, new_uid, id) != 0) {
        store_rollback(s);
        goto out;
    }
    if (store_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(r.doc);
    return rc;
}
