/* test_comms.c: update cadence, the template data model, every template in strict mode, the
 * outbox's claim/sent/failed cycle, destinations config and the secrets file rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "test_db.h"

#include "comms.h"
#include "store.h"

#define MIN (60 * 1000LL)
#define T0 1773144000000LL /* 2026-03-10T12:00:00Z */

static char tmpdir[256];

static struct incident fixture_inc(void)
{
    struct incident inc;
    incident_init(&inc);
    inc.id = 1;
    inc.created_ms = T0 - 20 * MIN;
    inc.milestones[MS_STARTED] = T0 - 15 * MIN;
    inc.milestones[MS_DECLARED] = T0 - 10 * MIN;
    return inc;
}

static void test_cadence_first_update(void **state)
{
    struct incident inc = fixture_inc();
    struct comms_due d;
    comms_cadence(&inc, 15, WR_TIME_NONE, T0 - 8 * MIN, &d);
    assert_true(d.scheduled);
    assert_int_equal(d.due_ms, T0 - 5 * MIN); /* declared + 5 min */
    assert_int_equal(d.overdue_ms, 0);
    comms_cadence(&inc, 15, WR_TIME_NONE, T0, &d);
    assert_int_equal(d.overdue_ms, 5 * MIN);
    /* Without declared, started is the base. */
    inc.milestones[MS_DECLARED] = WR_TIME_NONE;
    comms_cadence(&inc, 15, WR_TIME_NONE, T0, &d);
    assert_int_equal(d.due_ms, T0 - 10 * MIN);
}

static void test_cadence_after_sent(void **state)
{
    struct incident inc = fixture_inc();
    struct comms_due d;
    comms_cadence(&inc, 15, T0, T0 + 10 * MIN, &d);
    assert_true(d.scheduled);
    assert_int_equal(d.due_ms, T0 + 15 * MIN);
    assert_int_equal(d.overdue_ms, 0);
    comms_cadence(&inc, 30, T0, T0 + 33 * MIN, &d);
    assert_int_equal(d.due_ms, T0 + 30 * MIN);
    assert_int_equal(d.overdue_ms, 3 * MIN);
    comms_cadence(&inc, 0, T0, T0 + 33 * MIN, &d); /* SEV4: nothing scheduled */
    assert_false(d.scheduled);
    inc.milestones[MS_RESOLVED] = T0 + MIN;
    comms_cadence(&inc, 15, T0, T0 + 33 * MIN, &d);
    assert_false(d.scheduled);
}

static struct store *open_store(void)
{
    char path[512];
    struct store *s = NULL;
    struct wr_error err;
    test_db_fresh(path, sizeof path, tmpdir, "t", NULL, 0); /* SQLite, or PostgreSQL (.pg) */
    if (store_open(path, &s, &err) != 0)
        fail_msg("store_open: %s", err.msg);
    return s;
}

static void load_policy(struct sev_policy *p)
{
    struct wr_error err;
    char def[512];
    snprintf(def, sizeof def, "%s/severity.json", WARROOM_DATA_DIR);
    if (sev_policy_load(p, def, NULL, &err) != 0)
        fail_msg("policy: %s", err.msg);
}

/* A fixture incident: SEV1, roles, a pinned note and an SLI snapshot. */
static int64_t make_incident(struct store *s)
{
    struct wr_error err;
    struct incident inc;
    incident_init(&inc);
    inc.title = "Checkout failing";
    inc.services = "checkout-api, payments";
    inc.tags = "checkout";
    inc.impact = "Some payments fail";
    inc.created_ms = T0 - 20 * MIN;
    inc.milestones[MS_STARTED] = T0 - 15 * MIN;
    int64_t id = 0;
    assert_int_equal(store_incident_open(s, &inc, "ana", &id, &err), 0);
    assert_int_equal(store_milestone_set(s, id, MS_DECLARED, T0 - 10 * MIN, "ana", &err), 0);
    assert_int_equal(store_severity_set(s, id, 1, "core down for all", T0 - 9 * MIN, "ana", &err),
                     0);
    assert_int_equal(store_role_assign(s, id, ROLE_IC, "Ana", NULL, T0 - 9 * MIN, "ana", &err), 0);
    assert_int_equal(store_role_assign(s, id, ROLE_SME, "Bo", NULL, T0 - 8 * MIN, "ana", &err), 0);
    assert_int_equal(store_role_assign(s, id, ROLE_SME, "Cy", NULL, T0 - 8 * MIN, "ana", &err), 0);
    struct entry e;
    entry_init(&e);
    e.incident_id = id;
    e.kind = KIND_NOTE;
    e.text = "errors from the payments gateway";
    e.at_ms = T0 - 7 * MIN;
    e.author = "bo";
    e.pinned = true;
    assert_int_equal(store_entry_append(s, &e, &err), 0);
    const char *snap = "{\"evaluated_at\":\"x\",\"slis\":[{\"id\":\"avail\",\"name\":\"Success rate\","
                       "\"type\":\"availability\",\"state\":\"burning\",\"value\":0.996,"
                       "\"objective\":{\"target\":0.999},\"burn_rates\":[{\"long_burn\":4.2}]}]}";
    assert_int_equal(store_entry_append_data(s, id, KIND_SLI, T0 - 6 * MIN, "warroom", "SLIs",
                                             snap, NULL, &err),
                     0);
    return id;
}

/* Every key of `want` is present in `got` (recursively for objects; lists by their first item). */
static void assert_same_keys(const cJSON *want, const cJSON *got, const char *path)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, want)
    {
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, it->string);
        if (!g)
            fail_msg("data model: %s.%s missing", path, it->string);
        char sub[256];
        snprintf(sub, sizeof sub, "%s.%s", path, it->string);
        if (cJSON_IsObject(it) && cJSON_IsObject(g))
            assert_same_keys(it, g, sub);
        if (cJSON_IsArray(it) && cJSON_IsObject(cJSON_GetArrayItem(it, 0)) &&
            cJSON_GetArraySize(g) > 0)
            assert_same_keys(cJSON_GetArrayItem(it, 0), cJSON_GetArrayItem(g, 0), sub);
    }
}

static void test_data_model(void **state)
{
    struct store *s = open_store();
    struct wr_error err;
    struct sev_policy p;
    load_policy(&p);
    int64_t id = make_incident(s);
    struct incident inc;
    incident_init(&inc);
    assert_int_equal(store_incident_get(s, id, &inc, &err), 0);
    cJSON *data = comms_data_build(s, &inc, &p, T0, &err);
    if (!data)
        fail_msg("%s", err.msg);
    char path[512];
    snprintf(path, sizeof path, "%s/templates/example-data.json", WARROOM_SOURCE_DIR);
    char *text = wr_read_file(path, NULL, &err);
    assert_non_null(text);
    cJSON *example = cJSON_Parse(text);
    free(text);
    assert_non_null(example);
    assert_same_keys(example, data, "");
    cJSON_Delete(example);

    const cJSON *i = cJSON_GetObjectItem(data, "incident");
    assert_string_equal(cJSON_GetObjectItem(i, "id")->valuestring, "INC-1");
    assert_string_equal(cJSON_GetObjectItem(i, "severity")->valuestring, "SEV1");
    assert_int_equal(cJSON_GetObjectItem(i, "severity_level")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(i, "severity_rationale")->valuestring,
                        "core down for all");
    assert_string_equal(cJSON_GetObjectItem(i, "status_word")->valuestring, "Investigating");
    assert_string_equal(cJSON_GetObjectItem(i, "services_text")->valuestring,
                        "checkout-api, payments");
    assert_string_equal(cJSON_GetObjectItem(i, "elapsed")->valuestring, "15m 00s");
    assert_string_equal(cJSON_GetObjectItem(i, "started_utc")->valuestring, "2026-03-10 11:45 UTC");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(i, "resolved_local")));
    const cJSON *r = cJSON_GetObjectItem(data, "roles");
    assert_string_equal(cJSON_GetObjectItem(r, "ic")->valuestring, "Ana");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "comms")));
    assert_string_equal(cJSON_GetObjectItem(r, "sme_text")->valuestring, "Bo, Cy");
    /* Nothing sent yet: the first update was due 5 min after declared, so this one is late;
     * once sent, the next is due a SEV1 cadence (15 min) from now, which is what it promises. */
    const cJSON *nu = cJSON_GetObjectItem(data, "next_update");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(nu, "overdue")));
    assert_string_equal(cJSON_GetObjectItem(nu, "time_utc")->valuestring, "12:15 UTC");
    assert_string_equal(cJSON_GetObjectItem(nu, "in")->valuestring, "15 min");
    const cJSON *sli = cJSON_GetArrayItem(cJSON_GetObjectItem(data, "slis"), 0);
    assert_non_null(sli);
    assert_string_equal(cJSON_GetObjectItem(sli, "value")->valuestring, "99.60%");
    assert_string_equal(cJSON_GetObjectItem(sli, "state")->valuestring, "burning");
    assert_string_equal(cJSON_GetObjectItem(sli, "burn_rate")->valuestring, "4.2\u00d7");
    /* The figures are a snapshot's: when it was taken; not mitigated yet, so not "before". */
    const cJSON *sat = cJSON_GetObjectItem(data, "slis_at");
    assert_string_equal(cJSON_GetObjectItem(sat, "utc")->valuestring, "11:54 UTC");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(sat, "before_mitigation")));
    const cJSON *latest = cJSON_GetObjectItem(data, "latest");
    assert_int_equal(cJSON_GetArraySize(latest), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(latest, 0), "text")->valuestring,
                        "errors from the payments gateway");
    assert_string_equal(cJSON_GetObjectItem(data, "channel")->valuestring,
                        "#inc-2026-03-10-checkout");

    /* Every built-in template renders in strict mode in every escape mode. */
    struct comms_template *all = NULL;
    size_t n = 0;
    assert_int_equal(comms_templates_list(&all, &n, &err), 0);
    assert_true(n >= 8);
    static const enum tpl_escape modes[] = {TPL_ESCAPE_NONE, TPL_ESCAPE_MARKDOWN, TPL_ESCAPE_SLACK,
                                            TPL_ESCAPE_HTML};
    for (size_t k = 0; k < n; k++) {
        assert_true(all[k].name[0] != '_');
        for (size_t m = 0; m < 4; m++) {
            char *out = NULL;
            if (comms_render(&all[k], data, modes[m], &out, &err) != 0)
                fail_msg("%s: %s", all[k].name, err.msg);
            assert_true(strlen(out) > 20);
            char *subject = NULL, *body = NULL;
            assert_int_equal(comms_split(out, &subject, &body), 0);
            assert_true(strlen(subject) > 0 && !strchr(subject, '\n'));
            free(subject);
            free(body);
            free(out);
        }
    }
    free(all);
    cJSON_Delete(data);
    incident_clear(&inc);
    store_close(&s);
}

static void test_user_template_overrides(void **state)
{
    struct wr_error err;
    char dir[512], file[600];
    snprintf(dir, sizeof dir, "%s/cfg/warroom/templates", tmpdir);
    assert_int_equal(wr_mkdirs(dir, 0700, &err), 0);
    snprintf(file, sizeof file, "%s/update-internal.mustache", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("Custom {{incident.id}}\n\n{{> _slis}}", f);
    fclose(f);
    snprintf(file, sizeof file, "%s/_hidden.mustache", dir);
    f = fopen(file, "w");
    fputs("partial", f);
    fclose(f);
    struct comms_template t;
    assert_int_equal(comms_template_find("update-internal", &t, &err), 0);
    assert_true(t.user);
    assert_int_equal(comms_template_find("_hidden", &t, &err), -1);
    assert_int_equal(comms_template_find("initial-internal", &t, &err), 0);
    assert_false(t.user);
    assert_int_equal(comms_template_find("update-internal", &t, &err), 0);
    cJSON *data = cJSON_Parse("{\"incident\":{\"id\":\"INC-7\"},\"slis\":[]}");
    char *out = NULL;
    if (comms_render(&t, data, TPL_ESCAPE_NONE, &out, &err) != 0)
        fail_msg("%s", err.msg);
    assert_non_null(strstr(out, "Custom INC-7"));
    assert_non_null(strstr(out, "No SLI snapshot")); /* built-in partial found */
    free(out);
    /* Strict: an unknown name is an error naming it. */
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(data, "incident"), "id");
    assert_int_equal(comms_render(&t, data, TPL_ESCAPE_NONE, &out, &err), -1);
    assert_non_null(strstr(err.msg, "incident.id"));
    cJSON_Delete(data);
    unlink(file);
    snprintf(file, sizeof file, "%s/update-internal.mustache", dir);
    unlink(file);
}

static void test_outbox_cycle(void **state)
{
    struct store *s = open_store();
    struct wr_error err;
    int64_t id = make_incident(s);
    struct outbox_msg m = {.incident_id = id, .destination = "slack", .template_name = "u",
                           .subject = "S", .body = "B", .idempotency_key = "uid:1:slack",
                           .author = "ana", .created_ms = T0};
    int64_t oid = 0;
    bool dup = true;
    assert_int_equal(store_outbox_enqueue(s, &m, &oid, &dup, &err), 0);
    assert_false(dup);
    assert_true(oid > 0);
    assert_int_equal(store_outbox_enqueue(s, &m, &oid, &dup, &err), 0);
    assert_true(dup); /* same idempotency key: not queued twice */

    struct outbox_msg c;
    bool found = false;
    assert_int_equal(store_outbox_claim(s, T0, &c, &found, &err), 0);
    assert_true(found);
    assert_string_equal(c.status, "sending");
    assert_int_equal(c.attempts, 1);
    struct outbox_msg c2;
    assert_int_equal(store_outbox_claim(s, T0 + MIN, &c2, &found, &err), 0);
    assert_false(found); /* claimed by someone else and not stale yet */
    assert_int_equal(store_outbox_claim(s, T0 + 3 * MIN, &c2, &found, &err), 0);
    assert_true(found); /* stale claim (process died): reclaimable */
    assert_int_equal(c2.attempts, 2);
    outbox_msg_clear(&c2);

    assert_int_equal(store_outbox_mark_failed(s, c.id, "HTTP 500", T0 + 10 * MIN, &err), 0);
    outbox_msg_clear(&c);
    assert_int_equal(store_outbox_claim(s, T0 + 5 * MIN, &c2, &found, &err), 0);
    assert_false(found); /* backing off */
    int64_t pending = 0, failed = 0;
    assert_int_equal(store_outbox_counts(s, &pending, &failed, &err), 0);
    assert_int_equal(pending, 1);
    assert_int_equal(failed, 1);
    int64_t count = 0;
    assert_int_equal(store_outbox_retry_now(s, &count, &err), 0);
    assert_int_equal(count, 1);
    assert_int_equal(store_outbox_claim(s, T0 + 5 * MIN, &c2, &found, &err), 0);
    assert_true(found);

    int64_t last = 0;
    assert_int_equal(store_outbox_last_sent(s, id, &last, &err), 0);
    assert_true(last == WR_TIME_NONE);
    assert_int_equal(store_outbox_mark_sent(s, &c2, T0 + 6 * MIN, "Sent u to slack: S",
                                            "{\"destination\":\"slack\",\"x\":\"v1\"}", &err),
                     0);
    assert_int_equal(store_outbox_last_sent(s, id, &last, &err), 0);
    assert_int_equal(last, T0 + 6 * MIN);
    char *v = NULL;
    assert_int_equal(store_outbox_comms_value(s, id, "slack", "x", &v, &err), 0);
    assert_string_equal(v, "v1");
    free(v);
    struct entry_filter f = {.kinds = 1u << KIND_COMMS};
    int64_t ncomms = 0;
    assert_int_equal(store_entry_count(s, id, &f, &ncomms, &err), 0);
    assert_int_equal(ncomms, 1);
    assert_int_equal(store_outbox_claim(s, T0 + 60 * MIN, &c, &found, &err), 0);
    assert_false(found); /* sent: never again */
    outbox_msg_clear(&c2);

    /* Overdue: recorded once per due time. Sent at +6 min, SEV1 cadence 15: due at +21. */
    struct sev_policy p;
    load_policy(&p);
    struct incident inc;
    incident_init(&inc);
    assert_int_equal(store_incident_get(s, id, &inc, &err), 0);
    bool rec = false;
    assert_int_equal(comms_record_overdue(s, &inc, &p, T0 + 20 * MIN, "w", &rec, &err), 0);
    assert_false(rec);
    assert_int_equal(comms_record_overdue(s, &inc, &p, T0 + 24 * MIN, "w", &rec, &err), 0);
    assert_true(rec);
    assert_int_equal(comms_record_overdue(s, &inc, &p, T0 + 25 * MIN, "w", &rec, &err), 0);
    assert_false(rec);
    struct entry_filter af = {.kinds = 1u << KIND_ALERT, .text = "overdue by 3m"};
    int64_t nalerts = 0;
    assert_int_equal(store_entry_count(s, id, &af, &nalerts, &err), 0);
    assert_int_equal(nalerts, 1);
    incident_clear(&inc);
    store_close(&s);
}

static void test_destinations_config(void **state)
{
    struct wr_error err;
    struct comms_config *c = NULL;
    assert_int_equal(comms_config_parse("{\"destinations\":{\"s\":{\"type\":\"slack\"}}}", "c.json",
                                        &c, &err),
                     -1);
    assert_non_null(strstr(err.msg, "destinations.s.url_env"));
    assert_int_equal(comms_config_parse("{\"destinations\":{\"s\":{\"type\":\"slack\",\"url\":"
                                        "\"http://x\"}}}",
                                        "c.json", &c, &err),
                     -1);
    assert_non_null(strstr(err.msg, "destinations.s.url: unknown field"));
    char secrets[512], json[1200];
    snprintf(secrets, sizeof secrets, "%s/secrets.json", tmpdir);
    FILE *f = fopen(secrets, "w");
    fputs("{\"PD_TEST_KEY\": \"k-123\"}", f);
    fclose(f);
    chmod(secrets, 0644);
    snprintf(json, sizeof json,
             "{\"secrets_file\":\"%s\",\"destinations\":{\"pd\":{\"type\":\"pagerduty\","
             "\"routing_key_env\":\"PD_TEST_KEY\",\"default\":true}}}",
             secrets);
    assert_int_equal(comms_config_parse(json, "c.json", &c, &err), 0);
    const struct comms_dest *d = comms_dest_find(c, "pd");
    assert_non_null(d);
    assert_true(d->is_default);
    assert_int_equal(d->escape, TPL_ESCAPE_NONE);
    unsetenv("PD_TEST_KEY");
    char *v = NULL;
    assert_int_equal(comms_secret(c, d->token_env, &v, &err), -1);
    assert_non_null(strstr(err.msg, "mode 0600"));
    assert_null(strstr(err.msg, "k-123"));
    chmod(secrets, 0600);
    assert_int_equal(comms_secret(c, d->token_env, &v, &err), 0);
    assert_string_equal(v, "k-123");
    free(v);
    setenv("PD_TEST_KEY", "from-env", 1);
    assert_int_equal(comms_secret(c, d->token_env, &v, &err), 0);
    assert_string_equal(v, "from-env");
    free(v);
    unsetenv("PD_TEST_KEY");
    comms_config_free(&c);
    assert_null(c);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/warroom-test-comms-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    char cfg[512], tpl[512];
    snprintf(cfg, sizeof cfg, "%s/cfg", tmpdir);
    snprintf(tpl, sizeof tpl, "%s/templates", WARROOM_SOURCE_DIR);
    setenv("XDG_CONFIG_HOME", cfg, 1);
    setenv("WARROOM_TEMPLATES_DIR", tpl, 1);
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cadence_first_update),
        cmocka_unit_test(test_cadence_after_sent),
        cmocka_unit_test(test_data_model),
        cmocka_unit_test(test_user_template_overrides),
        cmocka_unit_test(test_outbox_cycle),
        cmocka_unit_test(test_destinations_config),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
