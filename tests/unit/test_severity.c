/* test_severity.c: the severity policy loader and the classifier against the seed's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "severity.h"

#define DEFAULT_POLICY WARROOM_SOURCE_DIR "/data/severity.json"

/* The seed's matrix, written out independently of data/severity.json (seed 002, "Severity
 * Classification Matrix"). Rows: core down, degraded, non-core down, cosmetic. Columns: 1 user,
 * <25 %, >25 %, all users. */
static const char *const seed_table[4][4] = {
    {"SEV3", "SEV2", "SEV1", "SEV1"},
    {"SEV4", "SEV3", "SEV2", "SEV1"},
    {"SEV4", "SEV3", "SEV3", "SEV2"},
    {"SEV4", "SEV4", "SEV3", "SEV3"},
};

static struct sev_policy policy;

static int load_default(void **state)
{
    struct wr_error err = {0};
    int rc = sev_policy_load(&policy, DEFAULT_POLICY, NULL, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err.msg);
    return rc;
}

/* Write text to a fresh temporary file; returns its malloc'd path. */
static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/warroom-test-sev-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_matrix_cells_match_seed(void **state)
{
    for (int r = 0; r < SEV_ROWS; r++)
        for (int c = 0; c < SEV_COLS; c++) {
            struct sev_result res;
            assert_int_equal(sev_classify(&policy, r, c, 0, &res), 0);
            assert_string_equal(sev_name(res.severity), seed_table[r][c]);
            assert_int_equal(res.matrix_severity, res.severity);
            assert_int_equal(res.decided_by, -1);
            assert_int_equal(res.changed_by, 0);
            assert_non_null(strstr(res.rationale, "(matrix)"));
        }
}

/* Expected severity written from the rules' wording, not from the classifier's loop:
 * data loss or a PII breach means SEV1 at least, revenue means SEV2 at least, then an imminent
 * SLA breach escalates one level, never past SEV1. */
static int expected_severity(int matrix_sev, bool data_loss, bool pii, bool revenue, bool sla)
{
    int floor = 4;
    if (revenue)
        floor = 2;
    if (data_loss || pii)
        floor = 1;
    int sev = matrix_sev < floor ? matrix_sev : floor;
    if (sla && sev > 1)
        sev -= 1;
    return sev;
}

static void test_every_trigger_combination(void **state)
{
    for (int r = 0; r < SEV_ROWS; r++)
        for (int c = 0; c < SEV_COLS; c++)
            for (unsigned mask = 0; mask < 16; mask++) {
                int matrix_sev = seed_table[r][c][3] - '0';
                bool dl = mask & SEV_TRIGGER_BIT(SEV_TRIGGER_DATA_LOSS);
                bool pii = mask & SEV_TRIGGER_BIT(SEV_TRIGGER_PII_BREACH);
                bool rev = mask & SEV_TRIGGER_BIT(SEV_TRIGGER_REVENUE);
                bool sla = mask & SEV_TRIGGER_BIT(SEV_TRIGGER_SLA_IMMINENT);
                struct sev_result res;
                assert_int_equal(sev_classify(&policy, r, c, mask, &res), 0);
                int want = expected_severity(matrix_sev, dl, pii, rev, sla);
                if (res.severity != want)
                    fail_msg("row %d col %d mask %u: got SEV%d want SEV%d (%s)", r, c, mask,
                             res.severity, want, res.rationale);
                assert_int_equal(res.matrix_severity, matrix_sev);
                /* every ticked trigger is named in the rationale */
                for (int t = 0; t < SEV_TRIGGER_COUNT; t++)
                    if (mask & SEV_TRIGGER_BIT(t))
                        assert_non_null(strstr(res.rationale, policy.triggers[t].label));
                if (res.severity == matrix_sev)
                    assert_int_equal(res.decided_by, -1);
                else
                    assert_true(res.changed_by & SEV_TRIGGER_BIT(res.decided_by));
            }
}

static void test_rationale_texts(void **state)
{
    struct sev_result res;
    assert_int_equal(sev_classify(&policy, SEV_ROW_DEGRADED, SEV_COL_GT25,
                                  SEV_TRIGGER_BIT(SEV_TRIGGER_REVENUE), &res),
                     0);
    assert_string_equal(res.rationale, "Degraded performance × >25% users → SEV2 (matrix); "
                                       "revenue-impacting: at least SEV2 (no change)");
    assert_int_equal(res.severity, 2);

    assert_int_equal(sev_classify(&policy, SEV_ROW_DEGRADED, SEV_COL_LT25,
                                  SEV_TRIGGER_BIT(SEV_TRIGGER_SLA_IMMINENT), &res),
                     0);
    assert_string_equal(res.rationale, "Degraded performance × <25% users → SEV3 (matrix); "
                                       "SLA breach imminent: escalated one level → SEV2");
    assert_int_equal(res.decided_by, SEV_TRIGGER_SLA_IMMINENT);

    /* floors before escalation: SEV4 cell, revenue lifts to SEV2, SLA then to SEV1 */
    assert_int_equal(sev_classify(&policy, SEV_ROW_COSMETIC, SEV_COL_ONE,
                                  SEV_TRIGGER_BIT(SEV_TRIGGER_REVENUE) |
                                      SEV_TRIGGER_BIT(SEV_TRIGGER_SLA_IMMINENT),
                                  &res),
                     0);
    assert_int_equal(res.severity, 1);
    assert_string_equal(res.rationale, "Cosmetic/minor × 1 user → SEV4 (matrix); "
                                       "revenue-impacting: at least SEV2 → SEV2; "
                                       "SLA breach imminent: escalated one level → SEV1");

    /* never past SEV1 */
    assert_int_equal(sev_classify(&policy, SEV_ROW_CORE_DOWN, SEV_COL_ALL,
                                  SEV_TRIGGER_BIT(SEV_TRIGGER_SLA_IMMINENT), &res),
                     0);
    assert_int_equal(res.severity, 1);
    assert_non_null(strstr(res.rationale, "already SEV1"));
    assert_int_equal(res.decided_by, -1);

    assert_int_equal(sev_classify(&policy, SEV_ROW_NONCORE_DOWN, SEV_COL_ONE,
                                  SEV_TRIGGER_BIT(SEV_TRIGGER_DATA_LOSS), &res),
                     0);
    assert_string_equal(res.rationale, "Non-core feature down × 1 user → SEV4 (matrix); "
                                       "any data loss: at least SEV1 → SEV1");
}

static void test_classify_rejects_bad_arguments(void **state)
{
    struct sev_result res;
    assert_int_equal(sev_classify(&policy, -1, 0, 0, &res), -1);
    assert_int_equal(sev_classify(&policy, 4, 0, 0, &res), -1);
    assert_int_equal(sev_classify(&policy, 0, 4, 0, &res), -1);
    assert_int_equal(sev_classify(&policy, 0, 0, 1u << 4, &res), -1);
    assert_int_equal(sev_classify(NULL, 0, 0, 0, &res), -1);
}

static void test_policy_contents(void **state)
{
    assert_int_equal(sev_cadence_minutes(&policy, 1), 15);
    assert_int_equal(sev_cadence_minutes(&policy, 2), 30);
    assert_int_equal(sev_cadence_minutes(&policy, 3), 60);
    assert_int_equal(sev_cadence_minutes(&policy, 4), 0);
    assert_int_equal(sev_cadence_minutes(&policy, 5), -1);
    assert_string_equal(policy.row_labels[SEV_ROW_NONCORE_DOWN], "Non-core feature down");
    assert_string_equal(policy.col_labels[SEV_COL_ALL], "All users");
    for (int i = 0; i < SEV_LEVELS; i++) {
        assert_true(policy.levels[i].title[0]);
        assert_true(policy.levels[i].response[0]);
    }
}

static void test_key_lookup(void **state)
{
    assert_int_equal(sev_row_from_key("degraded"), SEV_ROW_DEGRADED);
    assert_int_equal(sev_row_from_key("Core-Down"), SEV_ROW_CORE_DOWN);
    assert_int_equal(sev_row_from_key("nope"), -1);
    assert_int_equal(sev_row_from_key(NULL), -1);
    assert_int_equal(sev_col_from_key("gt25"), SEV_COL_GT25);
    assert_int_equal(sev_col_from_key("ALL"), SEV_COL_ALL);
    assert_int_equal(sev_trigger_from_key("sla-imminent"), SEV_TRIGGER_SLA_IMMINENT);
    assert_int_equal(sev_trigger_from_key("pii_breach"), SEV_TRIGGER_PII_BREACH);
    assert_int_equal(sev_trigger_from_key("data"), -1);
    assert_string_equal(sev_row_key(SEV_ROW_NONCORE_DOWN), "noncore_down");
    assert_string_equal(sev_col_key(SEV_COL_LT25), "lt25");
    assert_string_equal(sev_trigger_key(SEV_TRIGGER_REVENUE), "revenue");
    assert_null(sev_row_key(9));
    assert_string_equal(sev_name(3), "SEV3");
    assert_string_equal(sev_name(0), "SEV?");
}

/* Merge onto a copy of the default policy; return the error text (static). */
static const char *merge_error(const char *text)
{
    static struct wr_error err;
    struct sev_policy p = policy;
    wr_error_clear(&err);
    int rc = sev_policy_merge_text(&p, text, "severity.json", true, &err);
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, WR_E_CONFIG);
    assert_memory_equal(&p, &policy, sizeof p); /* untouched on failure */
    return err.msg;
}

static void test_loader_errors(void **state)
{
    assert_string_equal(merge_error("{\"matrix\": {\"degraded\": [4, 3, \"x\", 1]}}"),
                        "severity.json: matrix.degraded[2]: expected an integer 1..4, got \"x\"");
    assert_string_equal(merge_error("{\"matrix\": {\"degraded\": [4, 3, 5, 1]}}"),
                        "severity.json: matrix.degraded[2]: expected an integer 1..4, got 5");
    assert_string_equal(merge_error("{\"matrix\": {\"degraded\": [4, 3, 2.5, 1]}}"),
                        "severity.json: matrix.degraded[2]: expected an integer 1..4, got 2.5");
    assert_non_null(strstr(merge_error("{\"matrix\": {\"degraded\": [4, 3]}}"),
                           "severity.json: matrix.degraded: expected an array of 4 severities"));
    assert_string_equal(merge_error("{\"matrix\": {\"slow\": [4, 3, 2, 1]}}"),
                        "severity.json: matrix.slow: unknown field; expected one of core_down, "
                        "degraded, noncore_down, cosmetic");
    assert_string_equal(merge_error("{\"cadence\": {}}"),
                        "severity.json: cadence: unknown field; expected one of version, levels, "
                        "rows, columns, matrix, triggers, cadence_minutes");
    assert_string_equal(merge_error("{\"cadence_minutes\": {\"SEV2\": -5}}"),
                        "severity.json: cadence_minutes.SEV2: expected an integer 0..1440 "
                        "(minutes; 0 = no scheduled updates), got -5");
    assert_string_equal(merge_error("{\"triggers\": {\"revenue\": {\"min_severity\": \"2\"}}}"),
                        "severity.json: triggers.revenue.min_severity: expected an integer 0..4 "
                        "(0 = no floor), got \"2\"");
    assert_string_equal(merge_error("{\"levels\": {\"SEV1\": {\"title\": \"\"}}}"),
                        "severity.json: levels.SEV1.title: expected a non-empty line of text of "
                        "at most 47 bytes, got \"\"");
    assert_string_equal(merge_error("{\"rows\": {\"cosmetic\": \"a\\nb\"}}"),
                        "severity.json: rows.cosmetic: expected text without control characters "
                        "(no newlines or tabs), got \"a?b\"");
    assert_string_equal(merge_error("{\"version\": 2}"),
                        "severity.json: version: expected 1, got 2");
    assert_string_equal(merge_error("[1]"),
                        "severity.json: (top level): expected an object, got an array");
    /* JSON syntax errors give line and column */
    assert_string_equal(merge_error("{\n  \"matrix\": {\n    \"degraded\": [4, 3,, 1]\n  }\n}"),
                        "severity.json:3:23: not valid JSON; fix the syntax near there");
}

static void test_incomplete_default_is_refused(void **state)
{
    char *path = temp_file("{\"cadence_minutes\": {\"SEV1\": 10}}");
    struct sev_policy p;
    memset(&p, 0x5a, sizeof p);
    struct sev_policy before = p;
    struct wr_error err = {0};
    assert_int_equal(sev_policy_load(&p, path, NULL, &err), -1);
    assert_int_equal(err.code, WR_E_CONFIG);
    char want[512];
    snprintf(want, sizeof want, "%s: levels.SEV1.title: missing; the policy must define it", path);
    assert_string_equal(err.msg, want);
    assert_memory_equal(&p, &before, sizeof p);
    unlink(path);
    free(path);

    assert_int_equal(sev_policy_load(&p, "/nonexistent/severity.json", NULL, &err), -1);
    assert_int_equal(err.code, WR_E_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/severity.json"));
    assert_int_equal(sev_policy_load(&p, NULL, NULL, &err), -1);
}

static void test_user_override_merges(void **state)
{
    /* Only the cadence: the matrix and everything else stay the defaults. */
    char *user = temp_file("{\"_comment\": \"faster updates\","
                           " \"cadence_minutes\": {\"SEV1\": 10, \"SEV4\": 240}}");
    struct sev_policy p;
    struct wr_error err = {0};
    assert_int_equal(sev_policy_load(&p, DEFAULT_POLICY, user, &err), 0);
    assert_int_equal(sev_cadence_minutes(&p, 1), 10);
    assert_int_equal(sev_cadence_minutes(&p, 2), 30);
    assert_int_equal(sev_cadence_minutes(&p, 4), 240);
    assert_memory_equal(p.matrix, policy.matrix, sizeof p.matrix);
    assert_memory_equal(p.triggers, policy.triggers, sizeof p.triggers);
    assert_string_equal(p.levels[0].title, policy.levels[0].title);
    unlink(user);
    free(user);

    /* A stricter policy: degraded for >25% is SEV1, revenue floors at SEV1, a new label. */
    user = temp_file("{\"matrix\": {\"degraded\": [3, 2, 1, 1]},"
                     " \"triggers\": {\"revenue\": {\"min_severity\": 1}},"
                     " \"rows\": {\"degraded\": \"Slow\"}}");
    assert_int_equal(sev_policy_load(&p, DEFAULT_POLICY, user, &err), 0);
    struct sev_result res;
    assert_int_equal(sev_classify(&p, SEV_ROW_DEGRADED, SEV_COL_GT25, 0, &res), 0);
    assert_int_equal(res.severity, 1);
    assert_string_equal(res.rationale, "Slow × >25% users → SEV1 (matrix)");
    assert_int_equal(
        sev_classify(&p, SEV_ROW_COSMETIC, SEV_COL_ONE, SEV_TRIGGER_BIT(SEV_TRIGGER_REVENUE), &res),
        0);
    assert_int_equal(res.severity, 1);
    assert_string_equal(p.triggers[SEV_TRIGGER_REVENUE].label, "revenue-impacting");
    assert_memory_equal(p.matrix[SEV_ROW_CORE_DOWN], policy.matrix[SEV_ROW_CORE_DOWN],
                        sizeof p.matrix[0]);
    unlink(user);
    free(user);

    /* An invalid user file is refused naming that file; the policy is unchanged. */
    user = temp_file("{\"matrix\": {\"cosmetic\": [4, 4, 3, 0]}}");
    struct sev_policy before = p;
    assert_int_equal(sev_policy_load(&p, DEFAULT_POLICY, user, &err), -1);
    char want[512];
    snprintf(want, sizeof want, "%s: matrix.cosmetic[3]: expected an integer 1..4, got 0", user);
    assert_string_equal(err.msg, want);
    assert_memory_equal(&p, &before, sizeof p);
    unlink(user);
    free(user);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_cells_match_seed),
        cmocka_unit_test(test_every_trigger_combination),
        cmocka_unit_test(test_rationale_texts),
        cmocka_unit_test(test_classify_rejects_bad_arguments),
        cmocka_unit_test(test_policy_contents),
        cmocka_unit_test(test_key_lookup),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_incomplete_default_is_refused),
        cmocka_unit_test(test_user_override_merges),
    };
    return cmocka_run_group_tests(tests, load_default, NULL);
}
