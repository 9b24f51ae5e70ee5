/* test_postmortem.c: postmortem figures on a hand-built incident, SVG determinism, lint rules,
 * action items and search in the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lint.h"
#include "postmortem.h"
#include "store.h"
#include "svg.h"

#define T0 1767258000000LL /* 2026-01-01T09:00:00Z */
#define MIN 60000LL

static char dbdir[64];

static struct store *open_store(void)
{
    snprintf(dbdir, sizeof dbdir, "/tmp/wr-pm-XXXXXX");
    assert_non_null(mkdtemp(dbdir));
    char path[512];
    test_db_fresh(path, sizeof path, dbdir, "db", NULL, 0); /* SQLite, or PostgreSQL (.pg) */
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

static const char *figure(const cJSON *data, const char *name)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(data, "figures"))
    {
        if (strcmp(cJSON_GetObjectItem(it, "name")->valuestring, name) == 0)
            return cJSON_GetObjectItem(it, "value")->valuestring;
    }
    return NULL;
}

/*
 * By hand: started 09:00, detected 09:05, declared 09:12, mitigated 10:00, resolved 10:30.
 * Severity SEV3 at 09:10, SEV2 at 09:25. Time to detect 5m, acknowledge 7m, mitigate 1h 00m,
 * resolve 1h 30m; time unclassified 10m, SEV3 15m, SEV2 65m. Comms at 09:20, 09:40, 10:30 with
 * a 15-minute cadence for SEV2 and 30 for SEV3: gaps 09:12-09:20 (8m, SEV0: no cadence),
 * 09:20-09:40 (20m, SEV3 cadence 30: ok), 09:40-10:30 (50m, SEV2 cadence 15: missed) => 1 missed,
 * longest 50m.
 */
static void test_hand_built_figures(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct wr_error err;
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Hand built");
    inc.created_ms = T0;
    inc.milestones[MS_STARTED] = T0;
    int64_t id;
    assert_int_equal(store_incident_create(s, &inc, &id, &err), 0);
    incident_clear(&inc);
    assert_int_equal(store_milestone_set(s, id, MS_DETECTED, T0 + 5 * MIN, "a", &err), 0);
    assert_int_equal(store_milestone_set(s, id, MS_DECLARED, T0 + 12 * MIN, "a", &err), 0);
    assert_int_equal(store_milestone_set(s, id, MS_MITIGATED, T0 + 60 * MIN, "a", &err), 0);
    assert_int_equal(store_milestone_set(s, id, MS_RESOLVED, T0 + 90 * MIN, "a", &err), 0);
    assert_int_equal(store_severity_set(s, id, 3, "x", T0 + 10 * MIN, "a", &err), 0);
    assert_int_equal(store_severity_set(s, id, 2, "y", T0 + 25 * MIN, "a", &err), 0);
    int64_t comms[] = {20, 40, 90};
    for (int i = 0; i < 3; i++) {
        struct entry e;
        entry_init(&e);
        e.incident_id = id;
        e.kind = KIND_COMMS;
        e.text = strdup("update");
        e.author = strdup("a");
        e.at_ms = T0 + comms[i] * MIN;
        assert_int_equal(store_entry_append(s, &e, &err), 0);
        entry_clear(&e);
    }
    struct sev_policy pol;
    memset(&pol, 0, sizeof pol);
    pol.levels[1].cadence_minutes = 15;
    pol.levels[2].cadence_minutes = 30;
    struct pm_options opt = {&pol, NULL, NULL, NULL, T0 + 200 * MIN};
    cJSON *data = NULL;
    struct pm_graph *g = NULL;
    size_t ng = 0;
    assert_int_equal(pm_build(s, id, &opt, &data, &g, &ng, &err), 0);
    assert_int_equal(ng, 0);
    assert_string_equal(figure(data, "Time to detect"), "5m 00s");
    assert_string_equal(figure(data, "Time to acknowledge"), "7m 00s");
    assert_string_equal(figure(data, "Time to mitigate"), "1h 00m");
    assert_string_equal(figure(data, "Time to resolve"), "1h 30m");
    assert_string_equal(figure(data, "Time in no severity"), "10m 00s");
    assert_string_equal(figure(data, "Time in SEV3"), "15m 00s");
    assert_string_equal(figure(data, "Time in SEV2"), "1h 05m");
    assert_string_equal(figure(data, "Updates sent"), "3");
    assert_string_equal(figure(data, "Missed update cadence"), "1 (longest gap 50m 00s)");
    assert_string_equal(cJSON_GetObjectItem(data, "highest_severity")->valuestring, "SEV2");
    /* no SLIs configured: explained, not zero */
    assert_non_null(strstr(cJSON_GetObjectItem(data, "slis_missing")->valuestring, "cannot be computed"));
    /* empty worksheet fields carry their prompt */
    const cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(data, "f"), "got_lucky");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(f, "has")));
    cJSON_Delete(data);
    pm_graphs_free(&g, ng);
    /* without a policy the cadence says why */
    opt.policy = NULL;
    assert_int_equal(pm_build(s, id, &opt, &data, &g, &ng, &err), 0);
    assert_string_equal(figure(data, "Missed update cadence"),
                        "not computed: no severity policy loaded");
    cJSON_Delete(data);
    close_store(&s);
}

static void test_actions_fields_search(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct wr_error err;
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Search me");
    int64_t id, id2;
    assert_int_equal(store_incident_create(s, &inc, &id, &err), 0);
    assert_int_equal(store_incident_create(s, &inc, &id2, &err), 0);
    incident_clear(&inc);
    struct entry e;
    entry_init(&e);
    e.incident_id = id;
    e.kind = KIND_TODO;
    e.text = strdup("rotate the replica certificates");
    e.author = strdup("a");
    e.at_ms = T0;
    assert_int_equal(store_entry_append(s, &e, &err), 0);
    entry_clear(&e);
    struct action_item *list = NULL;
    size_t n = 0;
    assert_int_equal(store_action_list(s, id, &list, &n, &err), 0);
    assert_int_equal(n, 1); /* the TODO became an action item */
    assert_string_equal(list[0].description, "rotate the replica certificates");
    snprintf(list[0].status, sizeof list[0].status, "done");
    assert_int_equal(store_action_update(s, &list[0], &err), 0);
    store_actions_free(&list, n);
    assert_int_equal(store_action_list(s, 0, &list, &n, &err), 0);
    assert_string_equal(list[0].status, "done");
    store_actions_free(&list, n);
    assert_int_equal(store_pm_field_set(s, id2, "root_causes", "expired replica certificate", "a", &err), 0);
    char *v = NULL;
    assert_int_equal(store_pm_field_get(s, id2, "root_causes", &v, &err), 0);
    assert_string_equal(v, "expired replica certificate");
    free(v);
    struct store_search_hit *hits = NULL;
    assert_int_equal(store_search(s, "replica", 10, &hits, &n, &err), 0);
    assert_int_equal(n, 2);
    /* One hit from the worksheet (FTS5 over postmortem_fields), one from the timeline; both are
     * ranked by bm25, so either may come first. */
    size_t f = strcmp(hits[0].where, "postmortem:root_causes") == 0 ? 0 : 1;
    assert_true(hits[f].incident_id == id2 && strcmp(hits[f].where, "postmortem:root_causes") == 0);
    assert_non_null(strstr(hits[f].snippet, "[replica]"));
    assert_true(hits[1 - f].incident_id == id && hits[1 - f].entry_id > 0);
    assert_non_null(strstr(hits[1 - f].snippet, "[replica]"));
    assert_true(hits[0].rank <= hits[1].rank);
    store_search_free(&hits, n);
    /* Rewriting a field replaces its indexed words. */
    assert_int_equal(store_pm_field_set(s, id2, "root_causes", "certificate rotation gap", "a", &err),
                     0);
    assert_int_equal(store_search(s, "expired", 10, &hits, &n, &err), 0);
    assert_int_equal(n, 0);
    store_search_free(&hits, n);
    assert_int_equal(store_search(s, "rotation gap", 10, &hits, &n, &err), 0);
    assert_int_equal(n, 1);
    store_search_free(&hits, n);
    assert_int_equal(store_search(s, "\"unbalanced AND (", 10, &hits, &n, &err), 0);
    assert_int_equal(n, 0);
    close_store(&s);
}

static void test_svg_deterministic(void **state)
{
    (void)state;
    struct svg_point pts[] = {{T0, 99.9}, {T0 + MIN, NAN}, {T0 + 2 * MIN, 97.5}, {T0 + 3 * MIN, 99.0}};
    struct svg_marker m[] = {{T0 + MIN, "detected <&>"}};
    struct svg_chart c = {"avail \"x\" <y>", "%", T0, T0 + 4 * MIN, pts, 4, true, 99.5, m, 1};
    struct wr_buf a = {0}, b = {0};
    struct wr_error err;
    assert_int_equal(svg_chart_write(&c, &a, &err), 0);
    assert_int_equal(svg_chart_write(&c, &b, &err), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_non_null(strstr(a.data, "detected &lt;&amp;&gt;"));
    assert_non_null(strstr(a.data, "objective 99.5"));
    assert_null(strstr(a.data, "<y>"));
    /* a gap splits the line in two */
    size_t polys = 0;
    for (const char *p = a.data; (p = strstr(p, "<polyline")); p++)
        polys++;
    assert_int_equal(polys, 2);
    wr_buf_free(&a);
    wr_buf_free(&b);
    c.to_ms = c.from_ms;
    assert_int_equal(svg_chart_write(&c, &a, &err), -1);
    wr_buf_free(&a);
}

static void test_lint(void **state)
{
    (void)state;
    const char *rules =
        "{\"phrases\":[{\"match\":\"human error\",\"suggest\":\"s1\"},"
        "{\"match\":\"failed to\",\"suggest\":\"s2\"},{\"match\":\"blame\",\"suggest\":\"s3\"},"
        "{\"match\":\"to blame\",\"suggest\":\"s4\"}],"
        "\"roles\":[\"the engineer\"],\"fault_words\":[\"broke\",\"caused\"]}";
    struct lint_rules *r = NULL;
    struct wr_error err;
    assert_int_equal(lint_rules_parse(rules, "t", &r, &err), 0);
    assert_int_equal(lint_rules_add_name(r, "Diego"), 0);
    const char *text = "ok line\n"
                       "Human error caused it\n"
                       "Diego broke prod\n"
                       "`failed to connect` in logs\n"
                       "> failed to connect\n"
                       "the log said \"failed to open\"\n"
                       "Diegoville failed\n"
                       "nobody is to blame\n"
                       "the engineer on call caused the rollback";
    struct lint_report rep = {0};
    lint_feed(r, text, strlen(text), &rep);
    assert_int_equal(rep.count, 4);
    assert_int_equal(rep.items[0].line, 2);
    assert_string_equal(rep.items[0].match, "Human error");
    assert_int_equal(rep.items[1].line, 3);
    assert_string_equal(rep.items[1].match, "Diego broke");
    assert_int_equal(rep.items[2].line, 8);
    assert_string_equal(rep.items[2].match, "blame");
    assert_int_equal(rep.items[3].line, 9);
    lint_report_clear(&rep);
    lint_rules_free(&r);
    assert_int_equal(lint_rules_parse("{\"phrases\":1}", "bad.json", &r, &err), -1);
    assert_non_null(strstr(err.msg, "bad.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_built_figures),
        cmocka_unit_test(test_actions_fields_search),
        cmocka_unit_test(test_svg_deterministic),
        cmocka_unit_test(test_lint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
