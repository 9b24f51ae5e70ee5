/* test_tui_worksheet.c: the postmortem worksheet overlay: edit a field, add and finish an action item. */
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

#define T0 1767258000000LL /* 2026-01-01T09:00:00Z */

struct fixture {
    char dir[64];
    char db[128];
    char home[128];
    char config[160];
    char idbuf[32];
    int64_t id;
};

/* One open incident started at 09:00; the clock is pinned at 09:42. */
static void make_fixture(struct fixture *f)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-ws-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->config, sizeof f->config, "XDG_CONFIG_HOME=%s/config", f->dir);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Checkout 500s after deploy");
    inc.milestones[MS_STARTED] = T0;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static char *field(struct fixture *f, const char *key)
{
    struct wr_error err;
    struct store *s = NULL;
    char *v = NULL;
    assert_int_equal(store_open(f->db, &s, &err), 0);
    assert_int_equal(store_pm_field_get(s, f->id, key, &v, &err), 0);
    store_close(&s);
    return v;
}

static void test_worksheet_edit_and_actions(void **state)
{
    struct fixture f;
    make_fixture(&f);
    const char *argv[] = {WARROOM_BIN, "--db", f.db, "--as", "ic", "tui", f.idbuf, NULL};
    const char *env[] = {"WARROOM_NOW=2026-01-01T09:42:00Z", f.home, f.config, "XDG_STATE_HOME=",
                         NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 100);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "Checkout 500s after deploy", VT_WAIT_MAX_MS), 0);

    /* F7 opens it; empty fields show their prompt. */
    assert_int_equal(vt_keys(vt, "<F7>"), 0);
    assert_int_equal(vt_wait_text(vt, "Postmortem worksheet", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "What happened, in two or three sentences?", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "Where we got lucky", VT_WAIT_MAX_MS), 0);

    /* Enter edits the summary; Esc cancels, nothing saved. */
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Enter save  Esc cancel", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "discarded<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Enter save  Esc cancel", VT_WAIT_MAX_MS), 0);
    char *v = field(&f, "summary");
    assert_string_equal(v, "");
    free(v);

    /* Enter, type, Enter saves. */
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Enter save  Esc cancel", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "Bad deploy broke checkout<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Summary saved", VT_WAIT_MAX_MS), 0);
    v = field(&f, "summary");
    assert_string_equal(v, "Bad deploy broke checkout");
    free(v);
    int row = 0, col = 0;
    assert_true(vt_find(vt, "Bad deploy broke checkout", &row, &col));

    /* Editing again is pre-filled: append to it. */
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Enter save  Esc cancel", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, " v2<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Bad deploy broke checkout v2", VT_WAIT_MAX_MS), 0);
    v = field(&f, "summary");
    assert_string_equal(v, "Bad deploy broke checkout v2");
    free(v);

    /* Tab: action items; a adds one, d marks it done. */
    assert_int_equal(vt_keys(vt, "<Tab>"), 0);
    assert_int_equal(vt_wait_text(vt, "No action items yet", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "a"), 0);
    assert_int_equal(vt_wait_text(vt, "New action item:", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "Add canary stage<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Action item added", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "prevent  P1 -            open  Add canary stage", VT_WAIT_MAX_MS), 0);

    struct wr_error err;
    struct store *s = NULL;
    struct action_item *items = NULL;
    size_t n = 0;
    assert_int_equal(store_open(f.db, &s, &err), 0);
    assert_int_equal(store_action_list(s, f.id, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].description, "Add canary stage");
    assert_string_equal(items[0].type, "prevent");
    assert_string_equal(items[0].priority, "P1");
    assert_string_equal(items[0].status, "open");
    store_actions_free(&items, n);

    assert_int_equal(vt_keys(vt, "d"), 0);
    assert_int_equal(vt_wait_text(vt, "Action item marked done", VT_WAIT_MAX_MS), 0);
    assert_int_equal(store_action_list(s, f.id, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].status, "done");
    assert_string_equal(items[0].description, "Add canary stage");
    store_actions_free(&items, n);
    store_close(&s);

    /* Tiny terminal and back, overlay open. */
    assert_int_equal(vt_resize(vt, 5, 20), 0);
    assert_int_equal(vt_wait_quiet(vt, 100, VT_WAIT_MAX_MS), 0);
    assert_false(vt_exited(vt));
    assert_int_equal(vt_resize(vt, 24, 100), 0);
    assert_int_equal(vt_wait_text(vt, "Add canary stage", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Tab>"), 0);
    assert_int_equal(vt_wait_text(vt, "Bad deploy broke checkout v2", VT_WAIT_MAX_MS), 0);

    /* Esc closes; w in command mode opens it again. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Postmortem worksheet", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "w"), 0);
    assert_int_equal(vt_wait_text(vt, "Postmortem worksheet", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Postmortem worksheet", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "q"), 0);
    int status = -1;
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(&vt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_worksheet_edit_and_actions)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
