/* test_tui_state.c: the severity dialog, the roles dialog, phase advance and the info overlay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "vt.h"

#define T0 1767258000000LL /* 2026-01-01T09:00:00Z: impact started */
#define MIN 60000LL

struct fixture {
    char dir[64];
    char db[128];
    char home[128];
    char config[160];
    char idbuf[32];
    int64_t id;
};

/*
 * One incident, started 09:00, detected 09:05, declared 09:12; SEV3 at 09:10, SEV2 at 09:25
 * (neither from the matrix); IC alice. The clock is pinned at 09:42.
 */
static void make_fixture(struct fixture *f)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-state-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->config, sizeof f->config, "XDG_CONFIG_HOME=%s/config", f->dir);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Checkout 500s after deploy");
    inc.services = strdup("checkout");
    inc.milestones[MS_STARTED] = T0;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    assert_int_equal(store_milestone_set(s, f->id, MS_DETECTED, T0 + 5 * MIN, "alice", &err), 0);
    assert_int_equal(store_role_assign(s, f->id, ROLE_IC, "alice", NULL, T0 + 6 * MIN, "alice", &err), 0);
    assert_int_equal(store_severity_set(s, f->id, 3, "first guess", T0 + 10 * MIN, "alice", &err), 0);
    assert_int_equal(store_milestone_set(s, f->id, MS_DECLARED, T0 + 12 * MIN, "alice", &err), 0);
    assert_int_equal(store_severity_set(s, f->id, 2, "checkout failing for 20%", T0 + 25 * MIN, "alice", &err), 0);
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static struct vt *spawn(struct fixture *f)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "--as", "ic", "tui", f->idbuf, NULL};
    const char *env[] = {"WARROOM_NOW=2026-01-01T09:42:00Z", f->home, f->config, "XDG_STATE_HOME=",
                         NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "checkout failing for 20%", VT_WAIT_MAX_MS), 0);
    return vt;
}

static void quit_ok(struct vt **vt)
{
    assert_int_equal(vt_keys(*vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(*vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(*vt, "q"), 0);
    int status = -1;
    assert_int_equal(vt_wait_exit(*vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(vt);
}

/* The newest severity change in the database. */
static void last_severity(struct fixture *f, int *sev, char *why, size_t n)
{
    struct store *s = NULL;
    struct wr_error err;
    struct severity_change *hist = NULL;
    size_t count = 0;
    assert_int_equal(store_open(f->db, &s, &err), 0);
    assert_int_equal(store_severity_history(s, f->id, &hist, &count, &err), 0);
    assert_true(count > 0);
    *sev = hist[count - 1].severity;
    snprintf(why, n, "%s", hist[count - 1].rationale);
    store_severity_history_free(&hist, count);
    store_close(&s);
}

static bool header_has(struct vt *vt, const char *text)
{
    return strstr(vt_row(vt, 1), text) != NULL;
}

static void test_severity_dialog(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f);
    assert_true(header_has(vt, " SEV2 "));

    /* F2 opens on degraded × >25% (the last change was not from the matrix). */
    assert_int_equal(vt_keys(vt, "<F2>"), 0);
    assert_int_equal(vt_wait_text(vt, "Escalation triggers", VT_WAIT_MAX_MS), 0);
    int row, col;
    assert_true(vt_find(vt, "[ SEV2 ]", &row, &col));
    assert_non_null(strstr(vt_row(vt, row), "Degraded performance"));
    assert_int_equal(vt_wait_text(vt, "Degraded performance \xc3\x97 >25% users \xe2\x86\x92 SEV2 (matrix)",
                                  VT_WAIT_MAX_MS), 0);

    /* Down: non-core feature down × >25% is SEV3; trigger 3 (revenue) lifts it to SEV2. */
    assert_int_equal(vt_keys(vt, "<Down>"), 0);
    assert_int_equal(vt_wait_text(vt, "Result:  SEV3  Minor", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "3"), 0);
    assert_int_equal(vt_wait_text(vt, "[x] 3 revenue-impacting", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "Result:  SEV2  Major", VT_WAIT_MAX_MS), 0);
    /* Toggling data loss on and off shows SEV1 and back, live. */
    assert_int_equal(vt_keys(vt, "1"), 0);
    assert_int_equal(vt_wait_text(vt, "Result:  SEV1  Critical", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "1"), 0);
    assert_int_equal(vt_wait_text(vt, "Result:  SEV2  Major", VT_WAIT_MAX_MS), 0);
    /* Up twice: core function down × >25% = SEV1. Left: core × <25% = SEV2 (floor: no change). */
    assert_int_equal(vt_keys(vt, "<Up><Up><Left>"), 0);
    assert_int_equal(vt_wait_text(vt, "Core function down \xc3\x97 <25% users", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Down><Down><Right>"), 0);
    assert_int_equal(vt_wait_text(vt, "Non-core feature down \xc3\x97 >25% users", VT_WAIT_MAX_MS), 0);
    /* Then SLA imminent lifts the result to SEV1, and Enter records it. */
    assert_int_equal(vt_keys(vt, "4"), 0); /* SLA breach imminent: one level up -> SEV1 */
    assert_int_equal(vt_wait_text(vt, "Result:  SEV1  Critical", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Escalation triggers", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, " SEV1 ", VT_WAIT_MAX_MS), 0);
    assert_true(header_has(vt, " SEV1 "));
    assert_true(vt_find(vt, "SEV1", &row, &col));
    assert_int_equal(row, 1);
    struct vt_attrs a = vt_cell_attrs(vt, row, col);
    assert_true(a.reverse || a.bg != VT_COLOR_DEFAULT);
    /* The timeline got the store's entry. */
    assert_int_equal(vt_wait_text(vt, "Severity SEV2 \xe2\x86\x92 SEV1", VT_WAIT_MAX_MS), 0);

    int sev = 0;
    char why[1024];
    last_severity(&f, &sev, why, sizeof why);
    assert_int_equal(sev, 1);
    assert_non_null(strstr(why, "Non-core feature down \xc3\x97 >25% users \xe2\x86\x92 SEV3 (matrix)"));
    assert_non_null(strstr(why, "revenue-impacting"));
    assert_non_null(strstr(why, "SLA breach imminent"));

    /* Re-run: it opens on the last cell with its triggers ticked. */
    assert_int_equal(vt_keys(vt, "<F2>"), 0);
    assert_int_equal(vt_wait_text(vt, "[x] 3 revenue-impacting", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "[x] 4 SLA breach imminent", &row, &col));
    assert_true(vt_find(vt, "[ SEV3 ]", &row, &col));
    assert_non_null(strstr(vt_row(vt, row), "Non-core feature down"));
    /* Esc cancels: nothing recorded. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Escalation triggers", VT_WAIT_MAX_MS), 0);

    /* The direct path from command mode: s d 3 reason Enter. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "sd"), 0);
    assert_int_equal(vt_wait_text(vt, "press 1-4", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "3"), 0);
    assert_int_equal(vt_wait_text(vt, "SEV3 because:", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "rollback done, errors down to 1%<Enter>"), 0);
    assert_int_equal(vt_wait_gone(vt, "SEV3 because:", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, " SEV3 ", VT_WAIT_MAX_MS), 0);
    assert_true(header_has(vt, " SEV3 "));
    last_severity(&f, &sev, why, sizeof why);
    assert_int_equal(sev, 3);
    assert_string_equal(why, "rollback done, errors down to 1%");
    assert_int_equal(vt_keys(vt, "q"), 0);
    int status = -1;
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(&vt);
}

static void test_roles_dialog(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f);
    assert_true(header_has(vt, "IC alice"));

    /* F3, 1 (IC), the name, Tab, a handoff note, Enter. */
    assert_int_equal(vt_keys(vt, "<F3>"), 0);
    assert_int_equal(vt_wait_text(vt, "1 Incident Commander", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "1carol<Tab>alice off shift, paged carol<Enter>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Handoff note:", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "IC carol", VT_WAIT_MAX_MS), 0);
    assert_true(header_has(vt, "IC carol"));
    assert_int_equal(vt_wait_text(vt, "handed off from alice to carol", VT_WAIT_MAX_MS), 0);

    /* SMEs add up: two of them, from command mode with r. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "r4dave<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Subject Matter Expert: dave", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "r<Down><Down><Down>erin<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Subject Matter Expert: erin", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "r"), 0);
    assert_int_equal(vt_wait_text(vt, "dave, erin", VT_WAIT_MAX_MS), 0);
    /* An empty name releases: the scribe nobody holds is refused, the ops lead is released. */
    assert_int_equal(vt_keys(vt, "5<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Nobody holds Scribe", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Handoff note:", VT_WAIT_MAX_MS), 0);

    struct store *s = NULL;
    struct wr_error err;
    struct role_assignment *roles = NULL;
    size_t n = 0;
    assert_int_equal(store_open(f.db, &s, &err), 0);
    assert_int_equal(store_role_history(s, f.id, &roles, &n, &err), 0);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (roles[i].role == ROLE_IC && strcmp(roles[i].name, "carol") == 0) {
            assert_string_equal(roles[i].note, "alice off shift, paged carol");
            assert_string_equal(roles[i].author, "ic");
            assert_true(roles[i].current);
            found = true;
        }
    assert_true(found);
    store_role_history_free(&roles, n);
    char sme[256];
    assert_int_equal(store_role_holder(s, f.id, ROLE_SME, sme, sizeof sme, &err), 0);
    assert_string_equal(sme, "dave, erin");
    store_close(&s);
    assert_int_equal(vt_keys(vt, "q"), 0);
    int status = -1;
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(&vt);
}

static int stored_phase(struct fixture *f)
{
    struct store *s = NULL;
    struct wr_error err;
    struct incident inc;
    incident_init(&inc);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    assert_int_equal(store_incident_get(s, f->id, &inc, &err), 0);
    int p = (int)inc.phase;
    incident_clear(&inc);
    store_close(&s);
    return p;
}

static void test_phase_advance(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f);
    assert_true(header_has(vt, "DETECT"));
    /* F4 asks; n keeps the phase. */
    assert_int_equal(vt_keys(vt, "<F4>"), 0);
    assert_int_equal(vt_wait_text(vt, "Advance the phase from DETECT to TRIAGE?", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "n"), 0);
    assert_int_equal(vt_wait_gone(vt, "Advance the phase", VT_WAIT_MAX_MS), 0);
    assert_int_equal(stored_phase(&f), PHASE_DETECT);
    /* F4 y: two keys. */
    assert_int_equal(vt_keys(vt, "<F4>"), 0);
    assert_int_equal(vt_wait_text(vt, "Advance the phase from DETECT to TRIAGE?", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "y"), 0);
    assert_int_equal(vt_wait_text(vt, "| TRIAGE |", VT_WAIT_MAX_MS), 0);
    assert_int_equal(stored_phase(&f), PHASE_TRIAGE);
    /* a from command mode does the same. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "a"), 0);
    assert_int_equal(vt_wait_text(vt, "from TRIAGE to RESPOND?", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "y"), 0);
    assert_int_equal(vt_wait_text(vt, "| RESPOND |", VT_WAIT_MAX_MS), 0);
    assert_int_equal(stored_phase(&f), PHASE_RESPOND);
    assert_int_equal(vt_keys(vt, "q"), 0);
    int status = -1;
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(&vt);
}

static void test_info_overlay(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f);
    assert_int_equal(vt_keys(vt, "<F8>"), 0);
    assert_int_equal(vt_wait_text(vt, "Incident info", VT_WAIT_MAX_MS), 0);
    /* By hand: started 09:00, detected 09:05, declared 09:12, now 09:42; SEV3 09:10-09:25,
     * SEV2 since 09:25. TZ=UTC, so local and UTC read the same. */
    assert_int_equal(vt_wait_text(vt, "to detect      5m 00s", VT_WAIT_MAX_MS), 0);
    const char *needles[] = {
        "1 started                      2026-01-01 09:00:00   2026-01-01 09:00:00Z",
        "3 declared                     2026-01-01 09:12:00   2026-01-01 09:12:00Z",
        "to acknowledge 7m 00s",
        "to mitigate    -",
        "total so far   42m 00s",
        "unclassified  10m 00s",
        "SEV2          17m 00s",
        "SEV3          15m 00s",
        "SEV1          0s",
        "Incident Commander      alice",
        "Scribe                  (nobody)",
        NULL,
    };
    for (int i = 0; needles[i]; i++) {
        int row, col;
        if (!vt_find(vt, needles[i], &row, &col)) {
            vt_dump(vt, needles[i]);
            fail_msg("not on screen: %s", needles[i]);
        }
    }
    /* Setting started to now (09:42) would put it after detected: refused with both times. */
    assert_int_equal(vt_keys(vt, "1"), 0);
    assert_int_equal(vt_wait_text(vt, "started at 2026-01-01T09:42:00.000Z would be", VT_WAIT_MAX_MS), 0);
    /* Mitigated now is in order: recorded, and the duration appears. */
    assert_int_equal(vt_keys(vt, "4"), 0);
    assert_int_equal(vt_wait_text(vt, "mitigated set to now", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "to mitigate    42m 00s", VT_WAIT_MAX_MS), 0);
    struct store *s = NULL;
    struct wr_error err;
    struct incident inc;
    incident_init(&inc);
    assert_int_equal(store_open(f.db, &s, &err), 0);
    assert_int_equal(store_incident_get(s, f.id, &inc, &err), 0);
    assert_int_equal(inc.milestones[MS_MITIGATED], T0 + 42 * MIN);
    assert_int_equal(inc.milestones[MS_STARTED], T0);
    incident_clear(&inc);
    store_close(&s);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Incident info", VT_WAIT_MAX_MS), 0);
    /* I opens it from command mode. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "I"), 0);
    assert_int_equal(vt_wait_text(vt, "Incident info", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Incident info", VT_WAIT_MAX_MS), 0);
    quit_ok(&vt);
}

static void test_help_lists_state_keys(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f);
    assert_int_equal(vt_keys(vt, "<F1>"), 0);
    assert_int_equal(vt_wait_text(vt, "severity: matrix and triggers", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "roles: assign or hand off", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "advance to the next phase", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "incident info: milestones", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Help: keys", VT_WAIT_MAX_MS), 0);
    quit_ok(&vt);
}

/* Every dialog survives the terminal shrinking to 1x1 and growing to 300x100 while open. */
static void test_dialogs_survive_resize(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f);
    const char *open_keys[] = {"<F2>", "<F3>", "<F8>", "<F2>d"};
    const char *shown[] = {"Escalation triggers", "Handoff note:", "Incident info", "press 1-4"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(vt_keys(vt, open_keys[i]), 0);
        assert_int_equal(vt_wait_text(vt, shown[i], VT_WAIT_MAX_MS), 0);
        const int sizes[][2] = {{1, 1}, {5, 20}, {100, 300}, {24, 80}};
        for (int k = 0; k < 4; k++) {
            assert_int_equal(vt_resize(vt, sizes[k][0], sizes[k][1]), 0);
            assert_int_equal(vt_wait_quiet(vt, 60, VT_WAIT_MAX_MS), 0);
            assert_false(vt_exited(vt));
        }
        assert_int_equal(vt_wait_text(vt, shown[i], VT_WAIT_MAX_MS), 0);
        assert_int_equal(vt_keys(vt, "<Esc>"), 0);
        if (i == 3) { /* Esc leaves the direct path for the matrix; a second one closes */
            assert_int_equal(vt_wait_text(vt, "Escalation triggers", VT_WAIT_MAX_MS), 0);
            assert_int_equal(vt_keys(vt, "<Esc>"), 0);
        }
        assert_int_equal(vt_wait_gone(vt, shown[i], VT_WAIT_MAX_MS), 0);
    }
    quit_ok(&vt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_severity_dialog),
        cmocka_unit_test(test_roles_dialog),
        cmocka_unit_test(test_phase_advance),
        cmocka_unit_test(test_info_overlay),
        cmocka_unit_test(test_help_lists_state_keys),
        cmocka_unit_test(test_dialogs_survive_resize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
