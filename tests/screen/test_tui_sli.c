/* test_tui_sli.c: SLI panels from a replay, a hanging endpoint, and the F5 snapshot entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "util.h"
#include "vt.h"

#define REPLAY WARROOM_SOURCE_DIR "/data/demo/replay.json"
#define NOW_ISO "2026-03-10T13:01:00Z" /* 10:01 at UTC-03:00, just after the rollback */
#define NOW_MS 1773147660000LL

struct fixture {
    char dir[64], db[128], home[128], xdg[160], config[160], idbuf[32];
    int64_t id;
};

static void make_fixture(struct fixture *f, const char *config_text)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-sli-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->xdg, sizeof f->xdg, "XDG_CONFIG_HOME=%s/config", f->dir);
    snprintf(f->config, sizeof f->config, "%s/sli.json", f->dir);
    FILE *fp = fopen(f->config, "w");
    assert_non_null(fp);
    fputs(config_text, fp);
    fclose(fp);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Loan applications failing");
    inc.services = strdup("loan-api");
    inc.milestones[MS_STARTED] = NOW_MS - 70 * 60000LL;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static void remove_fixture(struct fixture *f)
{
    char cmd[160]; /* the database, the config and the log the TUI wrote under HOME */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

static struct vt *spawn_locale(struct fixture *f, const char *lc_all)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "--config", f->config, "--as", "ic", "tui",
                          f->idbuf, NULL};
    const char *env[] = {"WARROOM_NOW=" NOW_ISO, f->home, f->xdg, "XDG_STATE_HOME=", lc_all, NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "Loan applications failing", VT_WAIT_MAX_MS), 0);
    return vt;
}

static struct vt *spawn(struct fixture *f) { return spawn_locale(f, NULL); }

static void quit_ok(struct vt **vt)
{
    assert_int_equal(vt_keys(*vt, "<C-u><Esc>"), 0);
    assert_int_equal(vt_wait_text(*vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(*vt, "q"), 0);
    int status = -1;
    assert_int_equal(vt_wait_exit(*vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(vt);
}

/* The value of a replay series at NOW, read straight from the file (not through warroom). */
static double replay_value(const char *series, bool ratio)
{
    char *text = wr_read_file(REPLAY, NULL, NULL);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    struct wr_error err;
    int64_t start = 0;
    assert_int_equal(wr_time_parse(cJSON_GetObjectItem(root, "start")->valuestring, 0, &start, &err), 0);
    double offset = (double)(NOW_MS - start) / 1000.0, value = -1;
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(root, "series"))
    {
        if (strcmp(cJSON_GetObjectItem(s, "name")->valuestring, series) != 0)
            continue;
        const cJSON *sample;
        cJSON_ArrayForEach(sample, cJSON_GetObjectItem(s, "samples"))
        {
            if (cJSON_GetArrayItem(sample, 0)->valuedouble > offset)
                break;
            value = ratio ? 100.0 * cJSON_GetArrayItem(sample, 1)->valuedouble /
                                cJSON_GetArrayItem(sample, 2)->valuedouble
                          : cJSON_GetArrayItem(sample, 1)->valuedouble;
        }
    }
    cJSON_Delete(root);
    free(text);
    assert_true(value >= 0);
    return value;
}

static const char replay_config[] =
    "{\"sources\": {\"demo\": {\"type\": \"replay\", \"file\": \"" REPLAY "\"}},\n"
    " \"services\": [{\"name\": \"loan-api\", \"slis\": [\n"
    "  {\"id\": \"avail\", \"name\": \"/loan/apply success rate\", \"type\": \"availability\",\n"
    "   \"source\": \"demo\", \"series\": \"loan_apply_availability\", \"target\": 0.995,\n"
    "   \"window\": \"28d\", \"refresh\": \"1s\"},\n"
    "  {\"id\": \"p99\", \"name\": \"/loan/apply p99\", \"type\": \"latency\", \"source\": \"demo\",\n"
    "   \"series\": \"loan_apply_latency_p99\", \"threshold_ms\": 800, \"refresh\": \"1s\"},\n"
    "  {\"id\": \"rps\", \"name\": \"/loan/apply rps\", \"type\": \"throughput\", \"source\": \"demo\",\n"
    "   \"series\": \"loan_apply_throughput\", \"min\": 90, \"refresh\": \"1s\"}]}]}\n";

/* Two panels side by side at 80x24 with the values of the replay at 10:01; the third is one
 * page on; F5 stores an sli entry whose payload is the JSON of all three. */
static void test_panels_and_snapshot(void **state)
{
    struct fixture f;
    make_fixture(&f, replay_config);
    struct vt *vt = spawn(&f);
    char want[64];
    snprintf(want, sizeof want, "%.3f %% obj 99.5 %%", replay_value("loan_apply_availability", true));
    assert_int_equal(vt_wait_text(vt, want, VT_WAIT_MAX_MS), 0);
    snprintf(want, sizeof want, "%.1f ms ≤ 800 ms", replay_value("loan_apply_latency_p99", false));
    assert_int_equal(vt_wait_text(vt, want, VT_WAIT_MAX_MS), 0);
    int row, col, row2, col2;
    assert_true(vt_find(vt, "[BURN] /loan/apply success rate", &row, &col));
    assert_true(vt_find(vt, "[BREACH] /loan/apply p99", &row2, &col2));
    assert_int_equal(row, row2); /* side by side */
    assert_true(col2 >= 38);
    assert_true(vt_find(vt, "burning: fast (14.4x over 1h and 5m)", NULL, NULL));
    assert_true(vt_find(vt, "1-2 of 3", NULL, NULL));
    /* The state marker is coloured (red for a breach). */
    assert_int_equal(vt_cell_attrs(vt, row2, col2 + 1).fg, VT_RED);

    /* ] pages to the third panel. */
    assert_int_equal(vt_keys(vt, "<Esc>]"), 0);
    snprintf(want, sizeof want, "%.1f ≥ 90", replay_value("loan_apply_throughput", false));
    assert_int_equal(vt_wait_text(vt, "[BREACH] /loan/apply rps", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, want, NULL, NULL));

    /* Short and tiny terminals: the area shrinks (marker and value only), then hides. */
    assert_int_equal(vt_resize(vt, 14, 60), 0); /* one panel a page: the second page */
    assert_int_equal(vt_wait_text(vt, "2-2 of 3", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "[BREACH] /loan/apply p99", NULL, NULL));
    assert_int_equal(vt_resize(vt, 8, 30), 0);
    assert_int_equal(vt_wait_gone(vt, "[BREACH]", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_resize(vt, 1, 1), 0);
    vt_wait_quiet(vt, VT_QUIET_MS, VT_WAIT_MAX_MS);
    assert_int_equal(vt_resize(vt, 24, 80), 0);
    assert_int_equal(vt_wait_text(vt, "[BREACH] /loan/apply rps", VT_WAIT_MAX_MS), 0);

    assert_int_equal(vt_keys(vt, "<F5>"), 0);
    assert_int_equal(vt_wait_text(vt, "SLI snapshot stored", VT_WAIT_MAX_MS), 0);
    quit_ok(&vt);

    struct store *s = NULL;
    struct wr_error err;
    struct entry *arr = NULL;
    size_t n = 0;
    struct entry_filter filter = {.kinds = 1u << KIND_SLI};
    assert_int_equal(store_open(f.db, &s, &err), 0);
    assert_int_equal(store_entry_page(s, f.id, &filter, INT64_MIN, 0, true, 10, &arr, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(arr[0].at_ms, NOW_MS);
    assert_non_null(strstr(arr[0].text, "SLI snapshot: avail"));
    assert_non_null(arr[0].data);
    cJSON *j = cJSON_Parse(arr[0].data);
    assert_non_null(j);
    const cJSON *slis = cJSON_GetObjectItem(j, "slis");
    assert_int_equal(cJSON_GetArraySize(slis), 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(slis, 0), "state")->valuestring,
                        "burning");
    cJSON_Delete(j);
    store_entries_free(&arr, n);
    store_close(&s);
    remove_fixture(&f);
}

/* Start tests/integration/bad_endpoint.py; returns its pid and writes its port. */
static pid_t start_endpoint(int *port)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        execlp("python3", "python3", WARROOM_SOURCE_DIR "/tests/integration/bad_endpoint.py",
               (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[32] = "";
    ssize_t got = 0, r;
    while (got < (ssize_t)sizeof buf - 1 && (r = read(p[0], buf + got, 1)) == 1 && buf[got] != '\n')
        got++;
    close(p[0]);
    buf[got] = '\0';
    *port = atoi(buf);
    assert_true(*port > 0);
    return pid;
}

/* A JSON endpoint that never answers: typing stays prompt, the panel shows the timeout. */
static void test_hanging_endpoint(void **state)
{
    int port = 0;
    pid_t server = start_endpoint(&port);
    char config[1024];
    snprintf(config, sizeof config,
             "{\"sources\": {\"bad\": {\"type\": \"json\", \"url\": \"http://127.0.0.1:%d/hang\","
             " \"path\": \"data.value\", \"timeout\": \"1s\"}},\n"
             " \"services\": [{\"name\": \"api\", \"slis\": [{\"id\": \"hung\", \"name\": \"hung api\","
             " \"type\": \"throughput\", \"source\": \"bad\", \"min\": 1, \"refresh\": \"15s\"},\n"
             "  {\"id\": \"slow\", \"name\": \"slow api\", \"type\": \"throughput\", \"min\": 1,"
             " \"refresh\": \"15s\", \"source\": {\"type\": \"json\", \"timeout\": \"60s\","
             " \"url\": \"http://127.0.0.1:%d/hang\", \"path\": \"data.value\"}}]}]}\n",
             port, port);
    struct fixture f;
    make_fixture(&f, config);
    struct vt *vt = spawn(&f);
    assert_true(vt_find(vt, "hung api", NULL, NULL));
    /* Both requests are in flight; "slow api" waits up to 60 s, so a UI that blocked on it
     * could not show the typed text within the (much shorter) wait. */
    assert_int_equal(vt_keys(vt, "still typing while it hangs"), 0);
    assert_int_equal(vt_wait_text(vt, "still typing while it hangs", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "[ERR] hung api", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "timed out", NULL, NULL));
    assert_true(vt_find(vt, "[...] slow api", NULL, NULL)); /* still pending, not in error */
    assert_int_equal(vt_keys(vt, " and after"), 0);
    assert_int_equal(vt_wait_text(vt, "still typing while it hangs and after", VT_WAIT_MAX_MS), 0);
    quit_ok(&vt);
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    remove_fixture(&f);
}

/* A config that does not parse: the area shows the one-line error, the rest works. */
static void test_broken_config(void **state)
{
    struct fixture f;
    make_fixture(&f, "{\"services\": [{\"name\": \"x\", \"slis\": [{\"id\": \"a\", \"type\": \"availability\","
                     " \"target\": 99.9}]}]}");
    struct vt *vt = spawn(&f);
    assert_int_equal(vt_wait_text(vt, "sli.json: services[0].slis[0]", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "typing works"), 0);
    assert_int_equal(vt_wait_text(vt, "typing works", VT_WAIT_MAX_MS), 0);
    quit_ok(&vt);
    remove_fixture(&f);
}

/* Without a UTF-8 locale the objective and the sparkline use ASCII. */
static void test_ascii_fallback(void **state)
{
    struct fixture f;
    make_fixture(&f, replay_config);
    struct vt *vt = spawn_locale(&f, "LC_ALL=C");
    assert_int_equal(vt_wait_text(vt, "ms <= 800 ms", VT_WAIT_MAX_MS), 0);
    char *screen = vt_screen_text(vt);
    assert_non_null(screen);
    assert_null(strstr(screen, "▁"));
    assert_null(strstr(screen, "█"));
    assert_non_null(strstr(screen, "#")); /* the top of the p99 sparkline (ASCII '@' or '#') */
    free(screen);
    quit_ok(&vt);
    remove_fixture(&f);
}

/* The demo replays the incident from 10:01: its burn-rate alert stops once the 30-minute window
 * has left the bad period, and that stores a snapshot by itself (sped up 600x here). */
static void test_demo_alert_snapshot(void **state)
{
    char dir[] = "/tmp/wr-tui-sli-demo-XXXXXX", home[96], xdg[128], tmp[96];
    assert_non_null(mkdtemp(dir));
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s/config", dir);
    snprintf(tmp, sizeof tmp, "TMPDIR=%s", dir);
    const char *argv[] = {WARROOM_BIN, "demo", "--speed", "600", NULL};
    const char *env[] = {home, xdg, tmp, "XDG_STATE_HOME=", "WARROOM_DATA_DIR=" WARROOM_SOURCE_DIR "/data",
                         NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "[BURN] /loan/apply success rate", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "burn-rate alert stopped: loan_apply_availability", 4 * VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "[OK] /loan/apply success rate", NULL, NULL));
    quit_ok(&vt);
    /* The demo removed its temporary database (only the log under HOME remains). */
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        assert_null(strstr(e->d_name, "warroom-demo-"));
    closedir(d);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panels_and_snapshot),
        cmocka_unit_test(test_hanging_endpoint),
        cmocka_unit_test(test_broken_config),
        cmocka_unit_test(test_ascii_fallback),
        cmocka_unit_test(test_demo_alert_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
