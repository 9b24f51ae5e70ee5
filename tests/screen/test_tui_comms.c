/* test_tui_comms.c: the header's overdue countdown, sending the due update in three keys, and
 * the outbox count when a destination fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "util.h"
#include "vt.h"

#define NOW_ISO "2026-03-10T13:01:00Z"
#define NOW_MS 1773147660000LL

struct fixture {
    char dir[64], db[128], home[128], xdg[160], config[160], log[160], idbuf[32];
    int64_t id;
};

static void make_fixture(struct fixture *f, const char *dest_json)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-comms-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->xdg, sizeof f->xdg, "XDG_CONFIG_HOME=%s/config", f->dir);
    snprintf(f->config, sizeof f->config, "%s/config.json", f->dir);
    snprintf(f->log, sizeof f->log, "%s/comms.log", f->dir);
    FILE *fp = fopen(f->config, "w");
    assert_non_null(fp);
    fprintf(fp, "{\"services\": [], \"destinations\": {%s}}", dest_json);
    fclose(fp);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Payments failing");
    inc.milestones[MS_STARTED] = NOW_MS - 30 * 60000LL;
    inc.milestones[MS_DECLARED] = NOW_MS - 20 * 60000LL; /* first update was due at -15 min */
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

static struct vt *spawn(struct fixture *f)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "--config", f->config, "--as", "ic", "tui",
                          f->idbuf, NULL};
    const char *env[] = {"WARROOM_NOW=" NOW_ISO, f->home, f->xdg, "XDG_STATE_HOME=", "TZ=UTC",
                         "WARROOM_TEMPLATES_DIR=" WARROOM_SOURCE_DIR "/templates", NULL};
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
    assert_int_equal(status, 0);
    vt_free(vt);
}

static void test_overdue_then_send_in_three_keys(void **state)
{
    struct fixture f;
    char dest[256];
    make_fixture(&f, "");
    snprintf(dest, sizeof dest, "\"log\": {\"type\": \"file\", \"path\": \"%s\", \"default\": true}",
             f.log);
    FILE *fp = fopen(f.config, "w");
    fprintf(fp, "{\"services\": [], \"destinations\": {%s}}", dest);
    fclose(fp);
    struct vt *vt = spawn(&f);
    assert_int_equal(vt_wait_text(vt, "OVERDUE 15m", VT_WAIT_MAX_MS), 0);
    int row, col;
    assert_true(vt_find(vt, "OVERDUE 15m", &row, &col));
    /* Unmistakable: reverse video (monochrome) or white on red (colour), unlike the bar. */
    struct vt_attrs a = vt_cell_attrs(vt, row, col);
    assert_true(a.bold && (a.reverse || a.bg == VT_RED));
    /* The overdue update became a timeline entry. */
    assert_int_equal(vt_wait_text(vt, "Stakeholder update overdue by 15m", VT_WAIT_MAX_MS), 0);

    /* Three keys: F6 (the due template is preselected), Enter (preview), Enter (send). */
    assert_int_equal(vt_keys(vt, "<F6>"), 0);
    assert_int_equal(vt_wait_text(vt, "initial-internal", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "1[x]log", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Sent initial-internal to log", VT_WAIT_MAX_MS), 0);
    /* Sent now, unclassified: the SEV2 cadence (30 min) applies. */
    assert_int_equal(vt_wait_text(vt, "next update in 30m (13:31)", VT_WAIT_MAX_MS), 0);
    assert_false(vt_find(vt, "OVERDUE", NULL, NULL));
    struct wr_error err;
    char *text = wr_read_file(f.log, NULL, &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "Payments failing"));
    free(text);
    quit(&vt);
    remove_fixture(&f);
}

static void test_failed_destination_shows_in_outbox_count(void **state)
{
    struct fixture f;
    make_fixture(&f, "\"hook\": {\"type\": \"webhook\", \"url_env\": \"WR_TEST_UNSET_URL\","
                     " \"default\": true}");
    struct vt *vt = spawn(&f);
    assert_int_equal(vt_keys(vt, "<F6>"), 0);
    assert_int_equal(vt_wait_text(vt, "initial-internal", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "1[x]hook", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "OVERDUE 15m, outbox: 1 pending", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "WR_TEST_UNSET_URL is not set", VT_WAIT_MAX_MS), 0);
    quit(&vt);
    remove_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overdue_then_send_in_three_keys),
        cmocka_unit_test(test_failed_destination_shows_in_outbox_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
