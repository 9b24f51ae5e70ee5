/* test_pm_draft.c: the postmortem drafts only where the timeline has evidence, never over what a
 * person wrote; hypotheses and their outcomes; impact from SLI snapshot payloads; facts and their
 * proposals (field, then proposal) on both database engines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "pm_draft.h"
#include "postmortem.h"
#include "store.h"
#include "tz.h"

#define T0 1773144000000LL /* 2026-03-10T12:00:00Z */
#define MIN 60000LL

static char dbdir[64];

static struct store *open_store(void)
{
    snprintf(dbdir, sizeof dbdir, "/tmp/wr-pmd-XXXXXX");
    assert_non_null(mkdtemp(dbdir));
    char path[512];
    test_db_fresh(path, sizeof path, dbdir, "db", NULL, 0);
    struct store *s = NULL;
    struct wr_error err;
    assert_int_equal(store_open(path, &s, &err), 0);
    return s;
}

static void close_store(struct store **s)
{
    char cmd[128];
    store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dbdir);
    assert_int_equal(system(cmd), 0);
}

static int64_t new_incident(struct store *s)
{
    struct wr_error err;
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Checkout failing");
    inc.milestones[MS_STARTED] = T0;
    snprintf(inc.tz, sizeof inc.tz, "-03:00");
    int64_t id;
    assert_int_equal(store_incident_create(s, &inc, &id, &err), 0);
    incident_clear(&inc);
    return id;
}

static int64_t log_entry(struct store *s, int64_t id, int64_t at, enum entry_kind kind, bool pin,
                         const char *text)
{
    struct wr_error err;
    struct entry e = {.incident_id = id, .at_ms = at, .kind = kind, .author = (char *)"ana",
                      .text = (char *)text, .pinned = pin};
    assert_int_equal(store_entry_append(s, &e, &err), 0);
    return e.id;
}

static cJSON *build(struct store *s, int64_t id, int64_t now)
{
    struct wr_error err;
    cJSON *data = NULL;
    struct pm_graph *g = NULL;
    size_t ng = 0;
    struct pm_options opt = {NULL, NULL, NULL, NULL, now};
    if (pm_build(s, id, &opt, &data, &g, &ng, &err) != 0)
        fail_msg("pm_build: %s", err.msg);
    pm_graphs_free(&g, ng);
    return data;
}

static const cJSON *field(const cJSON *data, const char *key)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(data, "f"), key);
}

static bool drafted(const cJSON *data, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItem(field(data, key), "drafted"));
}

/* Does any draft line of the field contain `needle`? */
static bool draft_says(const cJSON *data, const char *key, const char *needle)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(field(data, key), "draft"))
    {
        if (strstr(cJSON_GetObjectItem(it, "text")->valuestring, needle))
            return true;
    }
    return false;
}

/* Nothing logged: every section keeps its prompt (no draft made of nothing). */
/* What the drafts keep of a timeline is bounded: after a pinned decision the next 32 decisions
 * and actions are kept (a rollback is often under way before anyone logs MITIGATE), not every
 * one of a timeline that never gets a phase entry; another pinned decision keeps 32 more; once
 * in MITIGATE every action is kept, as the mitigation draft lists them. */
static void test_kept_after_pinned_decision_is_bounded(void **state)
{
    (void)state;
    struct incident inc;
    incident_init(&inc);
    struct pm_draft_timeline *t = pm_draft_timeline_new(&inc);
    assert_non_null(t);
    struct entry e = {.kind = KIND_DECISION, .author = "ic", .text = "roll back the release",
                      .pinned = true, .at_ms = T0};
    assert_int_equal(pm_draft_timeline_add(&e, t), 0);
    e.pinned = false;
    e.kind = KIND_ACTION;
    e.text = "restarted a scoring pod";
    for (int i = 0; i < 10000; i++) {
        e.at_ms = T0 + i;
        assert_int_equal(pm_draft_timeline_add(&e, t), 0);
    }
    assert_int_equal(pm_draft_timeline_kept(t), 1 + 32);
    e.kind = KIND_DECISION;
    e.pinned = true;
    assert_int_equal(pm_draft_timeline_add(&e, t), 0);
    e.kind = KIND_ACTION;
    e.pinned = false;
    for (int i = 0; i < 100; i++)
        assert_int_equal(pm_draft_timeline_add(&e, t), 0);
    assert_int_equal(pm_draft_timeline_kept(t), 2 + 64);
    e.kind = KIND_PHASE;
    e.text = "Phase RESPOND \u2192 MITIGATE";
    assert_int_equal(pm_draft_timeline_add(&e, t), 0);
    e.kind = KIND_ACTION;
    e.text = "restarted a scoring pod";
    for (int i = 0; i < 100; i++)
        assert_int_equal(pm_draft_timeline_add(&e, t), 0);
    assert_int_equal(pm_draft_timeline_kept(t), 2 + 64 + 1 + 100);
    pm_draft_timeline_free(&t);
    incident_clear(&inc);
}

static void test_no_evidence_no_draft(void **state)
{
    (void)state;
    struct store *s = open_store();
    int64_t id = new_incident(s);
    cJSON *d = build(s, id, T0 + 30 * MIN);
    for (int f = 0; f < PM_FIELD_COUNT; f++)
        if (drafted(d, pm_field_key(f)))
            fail_msg("%s drafted without evidence", pm_field_key(f));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(d, "has_hypotheses")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(d, "has_snapshots")));
    /* Not resolved: measured to "now", and it says so, with the incident's local time. */
    const char *win = cJSON_GetObjectItem(d, "window")->valuestring;
    assert_non_null(strstr(win, "not resolved yet: measured to 09:30 UTC-3 (12:30 UTC)"));
    assert_string_equal(cJSON_GetObjectItem(d, "duration")->valuestring, "30m 00s so far (not resolved yet)");
    cJSON_Delete(d);
    close_store(&s);
}

static void test_drafts_from_evidence(void **state)
{
    (void)state;
    struct wr_error err;
    struct store *s = open_store();
    int64_t id = new_incident(s);
    log_entry(s, id, T0 + 2 * MIN, KIND_ALERT, false, "Latency alarm went to a ticket queue, did not page");
    assert_int_equal(store_milestone_set(s, id, MS_DETECTED, T0 + 6 * MIN, "ana", &err), 0);
    log_entry(s, id, T0 + 7 * MIN, KIND_ALERT, false, "Page: error budget fast burn");
    assert_int_equal(store_milestone_set(s, id, MS_DECLARED, T0 + 8 * MIN, "ana", &err), 0);
    assert_int_equal(store_phase_set(s, id, PHASE_RESPOND, T0 + 9 * MIN, "ana", &err), 0);
    log_entry(s, id, T0 + 10 * MIN, KIND_HYPOTHESIS, false, "Payment gateway returning errors?");
    log_entry(s, id, T0 + 11 * MIN, KIND_HYPOTHESIS, false, "Redis cache evicting sessions?");
    log_entry(s, id, T0 + 14 * MIN, KIND_NOTE, false, "Payment gateway ruled out: status green, our calls succeed");
    log_entry(s, id, T0 + 15 * MIN, KIND_NOTE, true, "Identified: config change to the session store deployed at 08:55");
    log_entry(s, id, T0 + 16 * MIN, KIND_DECISION, true, "Revert the session store config");
    assert_int_equal(store_phase_set(s, id, PHASE_MITIGATE, T0 + 17 * MIN, "ana", &err), 0);
    log_entry(s, id, T0 + 20 * MIN, KIND_ACTION, false, "Config reverted on all nodes");
    assert_int_equal(store_milestone_set(s, id, MS_MITIGATED, T0 + 25 * MIN, "ana", &err), 0);
    /* The person's own words win over any draft. */
    assert_int_equal(store_pm_field_set(s, id, "detection", "Seen on the dashboard.", "ana", &err), 0);

    cJSON *d = build(s, id, T0 + 40 * MIN);
    assert_true(drafted(d, "resolution"));
    assert_true(draft_says(d, "resolution", "Impact mitigated at 09:25 UTC-3 (12:25 UTC), 25m 00s after it began"));
    assert_true(draft_says(d, "resolution", "decision (ana): Revert the session store config"));
    assert_true(draft_says(d, "resolution", "action (ana): Config reverted on all nodes"));
    assert_true(draft_says(d, "resolution", "Not resolved yet when this draft was made"));
    assert_false(drafted(d, "detection"));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(field(d, "detection"), "has")));
    assert_true(drafted(d, "root_causes"));
    assert_true(draft_says(d, "root_causes", "Key event, 09:15 UTC-3 (12:15 UTC): Identified: config change"));
    assert_true(drafted(d, "trigger"));
    assert_true(draft_says(d, "trigger", "naming a change"));
    assert_true(drafted(d, "went_wrong"));
    assert_true(draft_says(d, "went_wrong", "Impact ran 6m 00s before it was detected"));
    assert_true(draft_says(d, "went_wrong", "The first signal, at 09:02 UTC-3 (12:02 UTC), did not page."));
    assert_true(draft_says(d, "went_wrong", "No severity was ever recorded."));
    assert_true(drafted(d, "factors_detection"));
    assert_false(drafted(d, "five_whys")); /* thinking is left to people */
    assert_false(drafted(d, "got_lucky"));

    /* Hypotheses: the gateway was ruled out by the entry that names it; the cache has none. */
    const cJSON *h = cJSON_GetObjectItem(d, "hypotheses");
    assert_int_equal(cJSON_GetArraySize(h), 2);
    assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "outcome")->valuestring,
                           "ruled out at 09:14 UTC-3 (12:14 UTC): Payment gateway ruled out"));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 1), "outcome")->valuestring,
                        "outcome not logged");
    cJSON_Delete(d);
    close_store(&s);
}

/* A note that could settle two hypotheses equally names neither. */
static void test_hypothesis_tie_names_no_outcome(void **state)
{
    (void)state;
    struct store *s = open_store();
    int64_t id = new_incident(s);
    log_entry(s, id, T0 + 1 * MIN, KIND_HYPOTHESIS, false, "Database primary overloaded?");
    log_entry(s, id, T0 + 2 * MIN, KIND_HYPOTHESIS, false, "Database replica lagging?");
    log_entry(s, id, T0 + 3 * MIN, KIND_NOTE, false, "Database ruled out");
    cJSON *d = build(s, id, T0 + 10 * MIN);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(d, "hypotheses"))
        assert_string_equal(cJSON_GetObjectItem(it, "outcome")->valuestring, "outcome not logged");
    cJSON_Delete(d);
    close_store(&s);
}

/* Impact figures come from the payloads stored with the snapshots. */
static void test_snapshot_figures(void **state)
{
    (void)state;
    struct wr_error err;
    struct store *s = open_store();
    int64_t id = new_incident(s);
    static const char *const payload[] = {
        "{\"slis\":[{\"id\":\"avail\",\"name\":\"Success rate\",\"type\":\"availability\","
        "\"value\":0.95,\"budget_remaining\":0.9,\"burn_rates\":[{\"name\":\"fast\",\"long_burn\":3.5}]}]}",
        "{\"slis\":[{\"id\":\"avail\",\"name\":\"Success rate\",\"type\":\"availability\","
        "\"value\":0.91,\"budget_remaining\":0.8,\"burn_rates\":[{\"name\":\"fast\",\"long_burn\":16}]}]}",
        "{\"slis\":[{\"id\":\"avail\",\"name\":\"Success rate\",\"type\":\"availability\","
        "\"value\":0.99,\"budget_remaining\":0.78,\"burn_rates\":[{\"name\":\"fast\",\"long_burn\":2}]}]}",
    };
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_entry_append_data(s, id, KIND_SLI, T0 + (i + 1) * 10 * MIN, "ana",
                                                 "SLI snapshot", payload[i], NULL, &err), 0);
    cJSON *d = build(s, id, T0 + 40 * MIN);
    const cJSON *snap = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "snapshots"), 0);
    assert_non_null(snap);
    assert_string_equal(cJSON_GetObjectItem(snap, "worst")->valuestring,
                        "91.00 % at 09:20 UTC-3 (12:20 UTC)");
    assert_string_equal(cJSON_GetObjectItem(snap, "budget")->valuestring, "78.0 %");
    assert_string_equal(cJSON_GetObjectItem(snap, "burn")->valuestring,
                        "16.0x (fast rule's long window)");
    assert_int_equal(cJSON_GetObjectItem(snap, "count")->valueint, 3);
    cJSON_Delete(d);
    close_store(&s);
}

/* Facts: the field, else the proposal, else nothing; a new cause text is not confirmed. */
static void test_facts_order(void **state)
{
    (void)state;
    struct wr_error err;
    struct store *s = open_store();
    int64_t id = new_incident(s);
    assert_int_equal(store_phase_set(s, id, PHASE_RESPOND, T0 + 5 * MIN, "ana", &err), 0);
    log_entry(s, id, T0 + 6 * MIN, KIND_NOTE, false, "not pinned: no proposal");
    log_entry(s, id, T0 + 7 * MIN, KIND_DECISION, true, "a pinned decision says what was done, not why");
    struct incident inc;
    struct incident_facts fs;
    assert_int_equal(store_incident_get(s, id, &inc, &err), 0);
    assert_int_equal(facts_load(s, &inc, T0 + 8 * MIN, &fs, &err), 0);
    assert_int_equal(fs.f[FACT_CAUSE].source, FACT_SOURCE_NONE);
    assert_null(fs.f[FACT_CAUSE].value);
    facts_clear(&fs);
    log_entry(s, id, T0 + 9 * MIN, KIND_HYPOTHESIS, true, "Session store config change?");
    assert_int_equal(facts_load(s, &inc, T0 + 10 * MIN, &fs, &err), 0);
    assert_int_equal(fs.f[FACT_CAUSE].source, FACT_SOURCE_PROPOSAL);
    assert_string_equal(fs.f[FACT_CAUSE].value, "Session store config change?");
    assert_false(fs.identified); /* a proposal alone identifies nothing */
    facts_clear(&fs);
    assert_int_equal(facts_set(s, id, FACT_CAUSE, "Session store config change", "ana", &err), 0);
    assert_int_equal(facts_confirm_cause(s, id, true, "ana", &err), 0);
    assert_int_equal(facts_load(s, &inc, T0 + 11 * MIN, &fs, &err), 0);
    assert_int_equal(fs.f[FACT_CAUSE].source, FACT_SOURCE_FIELD);
    assert_true(fs.cause_confirmed && fs.identified);
    assert_string_equal(fs.f[FACT_CAUSE].proposal, "Session store config change?");
    facts_clear(&fs);
    /* A changed cause must be confirmed again; the same text keeps its confirmation. */
    assert_int_equal(facts_set(s, id, FACT_CAUSE, "Session store config change", "ana", &err), 0);
    assert_int_equal(facts_load(s, &inc, T0 + 11 * MIN, &fs, &err), 0);
    assert_true(fs.cause_confirmed);
    facts_clear(&fs);
    assert_int_equal(facts_set(s, id, FACT_CAUSE, "Session store TTL change", "ana", &err), 0);
    assert_int_equal(facts_load(s, &inc, T0 + 11 * MIN, &fs, &err), 0);
    assert_false(fs.cause_confirmed);
    facts_clear(&fs);
    incident_clear(&inc);
    /* Summary and impact are the incident's own; tz too; an empty text clears. */
    assert_int_equal(facts_set(s, id, FACT_SUMMARY, "  one line \n summary  ", "ana", &err), 0);
    assert_int_equal(facts_set_tz(s, id, "UTC+05:30", "ana", &err), 0);
    assert_int_equal(facts_set_tz(s, id, "Mars/Olympus", "ana", &err), -1);
    assert_int_equal(err.code, WR_E_INPUT);
    assert_int_equal(facts_confirm_cause(s, id, true, "ana", &err), 0);
    assert_int_equal(facts_set(s, id, FACT_CAUSE, "", "ana", &err), 0);
    assert_int_equal(facts_confirm_cause(s, id, true, "ana", &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    assert_int_equal(store_incident_get(s, id, &inc, &err), 0);
    assert_string_equal(inc.summary, "one line   summary");
    assert_string_equal(inc.tz, "+05:30");
    incident_clear(&inc);
    /* The history is the fact entries, oldest first. */
    char **hist = NULL;
    size_t n = 0;
    assert_int_equal(facts_history(s, id, FACT_CAUSE, &hist, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(hist[0], "Session store config change");
    assert_string_equal(hist[1], "Session store TTL change");
    facts_history_free(&hist, n);
    close_store(&s);
}

int main(void)
{
    tz_use("", NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_evidence_no_draft),
        cmocka_unit_test(test_kept_after_pinned_decision_is_bounded),
        cmocka_unit_test(test_drafts_from_evidence),
        cmocka_unit_test(test_hypothesis_tie_names_no_outcome),
        cmocka_unit_test(test_snapshot_figures),
        cmocka_unit_test(test_facts_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
