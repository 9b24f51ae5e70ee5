/* test_tui_story.c: the incident's story in the cockpit (issue 11): the update countdown without
 * destinations, incident facts, entry actions on the timeline, export from the cockpit. Every
 * key path is checked in the database afterwards. */
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
#include "util.h"
#include "vt.h"

#define NOW_ISO "2026-03-10T13:01:00Z"
#define NOW_MS 1773147660000LL

struct fixture {
    char dir[64], db[128], home[128], xdg[160], config[160], idbuf[32];
    int64_t id;
};

/* An incident started 30 min ago; declared `declared_ago_min` ago when >= 0. No config file at
 * all: no SLIs, no destinations. */
static void make_fixture(struct fixture *f, int declared_ago_min)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-story-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->xdg, sizeof f->xdg, "XDG_CONFIG_HOME=%s/config", f->dir);
    snprintf(f->config, sizeof f->config, "%s/none.json", f->dir);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Payments failing");
    inc.severity = 2;
    inc.milestones[MS_STARTED] = NOW_MS - 30 * 60000LL;
    if (declared_ago_min >= 0)
        inc.milestones[MS_DECLARED] = NOW_MS - declared_ago_min * 60000LL;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static void remove_fixture(struct fixture *f)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

static struct vt *spawn(struct fixture *f, const char *const *extra_env)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "tui", f->idbuf, NULL};
    const char *env[16] = {"WARROOM_NOW=" NOW_ISO, f->home, f->xdg, "XDG_STATE_HOME=", "TZ=UTC",
                           "USER=", "LOGNAME=", "WARROOM_AS=scribe",
                           "WARROOM_TEMPLATES_DIR=" WARROOM_SOURCE_DIR "/templates"};
    size_t n = 9;
    for (size_t i = 0; extra_env && extra_env[i] && n + 1 < 16; i++)
        env[n++] = extra_env[i];
    env[n] = NULL;
    struct vt *vt = vt_spawn(argv, env, 24, 100);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "Payments failing", VT_WAIT_MAX_MS), 0);
    return vt;
}

static void quit(struct vt **vt)
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

/* Entries of one kind, newest last; *n set. */
static struct entry *entries_of(struct fixture *f, enum entry_kind kind, size_t *n)
{
    struct wr_error err;
    struct store *s = NULL;
    struct entry *e = NULL;
    struct entry_filter fl = {.kinds = 1u << kind};
    assert_int_equal(store_open(f->db, &s, &err), 0);
    assert_int_equal(store_entry_page(s, f->id, &fl, INT64_MIN, 0, true, 1000, &e, n, &err), 0);
    store_close(&s);
    return e;
}

/* No destination configured: the countdown shows anyway once declared, overdue is recorded
 * once, authored by the user (never "unknown", even without $USER). */
static void test_countdown_without_destinations(void **state)
{
    (void)state;
    struct fixture f;
    make_fixture(&f, 20); /* declared 12:41; the first update was due at 12:46 */
    struct vt *vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "OVERDUE 15m", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "Stakeholder update overdue by 15m", VT_WAIT_MAX_MS), 0);
    quit(&vt);
    size_t n = 0;
    struct entry *e = entries_of(&f, KIND_ALERT, &n);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].author, "scribe");
    store_entries_free(&e, n);
    remove_fixture(&f);

    /* Declared 2 min ago: the first update is due in 3 min. */
    make_fixture(&f, 2);
    vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "next update 13:04", VT_WAIT_MAX_MS), 0);
    quit(&vt);
    remove_fixture(&f);

    /* Not declared yet: no countdown. */
    make_fixture(&f, -1);
    vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "IC (unassigned)", VT_WAIT_MAX_MS), 0);
    assert_false(vt_find(vt, "next update", NULL, NULL));
    assert_false(vt_find(vt, "OVERDUE", NULL, NULL));
    quit(&vt);
    e = entries_of(&f, KIND_ALERT, &n);
    assert_int_equal(n, 0);
    store_entries_free(&e, n);
    remove_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_countdown_without_destinations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
