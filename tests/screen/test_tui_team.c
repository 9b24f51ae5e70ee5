/* test_tui_team.c: two cockpits on one PostgreSQL incident (team mode), under
 * tests/tools/pg_server.sh: what one types appears on the other within a second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "test_db.h"
#include "util.h"
#include "vt.h"

/* What a change on one host may take to show on another (the budget). */
#define LIVE_MS 1000
/* Reconnection: the worker's backoff reaches a few seconds over a short outage. */
#define RECONNECT_MS 20000

struct fixture {
    char dir[64];
    char url[512];
    char home[128], state[128], data[128];
    char idbuf[32];
    int64_t id;
    char cockpit_url[600]; /* what the next spawn passes to --db, when not url */
    const char *laptop;    /* the next spawn's HOME under dir, when not named after who */
};

/* A fresh schema on the test server with one incident; each cockpit gets its own HOME. */
static void make_fixture(struct fixture *f, const char *name)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-team-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_db_fresh(f->url, sizeof f->url, f->dir, name, NULL, 0);
    assert_int_equal(store_open(f->url, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Scoring timeouts");
    inc.milestones[MS_STARTED] = wr_now_ms() - 20 * 60000;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
    f->cockpit_url[0] = '\0';
    f->laptop = NULL;
}

/* The fixture's URL with the test role's password written into it (user:PASSWORD@). */
static void url_with_password(const struct fixture *f, char *out, size_t n)
{
    const char *at = strchr(strstr(f->url, "://") + 3, '@');
    snprintf(out, n, "%.*s:%s%s", (int)(at - f->url), f->url, getenv("PGPASSWORD"), at);
}

static void remove_fixture(struct fixture *f)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

/* A cockpit as `who` on its own "laptop" (HOME under the fixture); now_env pins its clock
 * (or NULL). */
static struct vt *spawn_at(struct fixture *f, const char *who, const char *now_env,
                           const char *config)
{
    char home[160], state[200], data[200], as[64];
    snprintf(home, sizeof home, "%s/%s", f->dir, f->laptop ? f->laptop : who);
    assert_int_equal(wr_mkdirs(home, 0700, NULL), 0);
    char homev[180];
    snprintf(homev, sizeof homev, "HOME=%s", home);
    snprintf(state, sizeof state, "XDG_STATE_HOME=%s/state", home);
    snprintf(data, sizeof data, "XDG_DATA_HOME=%s/data", home);
    snprintf(as, sizeof as, "WARROOM_AS=%s", who);
    const char *argv[] = {WARROOM_BIN, "--db", f->cockpit_url[0] ? f->cockpit_url : f->url, "--config", config ? config : "/nonexistent",
                          "tui", f->idbuf, NULL};
    const char *env[] = {homev, state, data, as, "XDG_CONFIG_HOME=",
                         "WARROOM_TEMPLATES_DIR=" WARROOM_SOURCE_DIR "/templates", now_env, NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 100);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "Scoring timeouts", VT_WAIT_MAX_MS), 0);
    return vt;
}

static struct vt *spawn(struct fixture *f, const char *who)
{
    return spawn_at(f, who, NULL, NULL);
}

/* With a config file (destinations) and the clock pinned at 2026-03-10T13:01:00Z. */
static struct vt *spawn_config(struct fixture *f, const char *who, const char *config)
{
    return spawn_at(f, who, "WARROOM_NOW=2026-03-10T13:01:00Z", config);
}

static void quit(struct vt **vt)
{
    int status = -1;
    assert_int_equal(vt_keys(*vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(*vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(*vt, "q"), 0);
    assert_int_equal(vt_wait_exit(*vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    vt_free(vt);
}

/* Entries whose text is exactly `text` in the server's database. */
static int64_t server_count(struct fixture *f, const char *text)
{
    struct wr_error err;
    struct store *s = NULL;
    struct entry_filter flt = {.text = text};
    int64_t n = -1;
    assert_int_equal(store_open(f->url, &s, &err), 0);
    assert_int_equal(store_entry_count(s, f->id, &flt, &n, &err), 0);
    store_close(&s);
    return n;
}

/* The scribe types on one laptop; the IC's cockpit on another shows it within a second, and the
 * other way round. */
static void test_entry_appears_on_the_other_cockpit(void **state)
{
    struct fixture f;
    make_fixture(&f, "live");
    struct vt *scribe = spawn(&f, "scribe");
    struct vt *ic = spawn(&f, "ic");

    assert_int_equal(vt_keys(scribe, "? scoring pool exhausted<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "scoring pool exhausted", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(ic, "scoring pool exhausted", LIVE_MS), 0);

    assert_int_equal(vt_keys(ic, "! roll back scoring to v41<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "roll back scoring to v41", LIVE_MS), 0);

    assert_int_equal(server_count(&f, "scoring pool exhausted"), 1);
    assert_int_equal(server_count(&f, "roll back scoring to v41"), 1);
    quit(&scribe);
    quit(&ic);
    remove_fixture(&f);
}

/* Times the cockpit's threads went to sleep and woke up again (every thread of the process). */
static long process_wakeups(struct vt *vt)
{
    char path[64], line[256];
    long total = 0;
    snprintf(path, sizeof path, "/proc/%d/task", (int)vt_pid(vt));
    FILE *ls = NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "cat %s/*/status", path);
    ls = popen(cmd, "r");
    assert_non_null(ls);
    while (fgets(line, sizeof line, ls)) {
        long v;
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
            total += v;
    }
    pclose(ls);
    return total;
}

/* Statements the server has logged so far (log_statement = all, set by log_statements()). */
static long server_statements(void)
{
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/../server.log", getenv("WARROOM_TEST_PG_DATA"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long n = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "LOG:  statement:") || strstr(line, "LOG:  execute "))
            n++;
    fclose(f);
    return n;
}

/* Make the server log every statement it runs, so a test can count them. */
static void log_statements(void)
{
    test_db_pg_exec(NULL, "ALTER SYSTEM SET log_statement = 'all'");
    test_db_pg_exec(NULL, "SELECT pg_reload_conf()");
}

/* Two cockpits connected and idle, clocks pinned so nothing on screen changes by itself: they
 * sleep (no tick) and send the server nothing; yet a change still shows at once. */
static void test_idle_cockpits_send_nothing(void **state)
{
    struct fixture f;
    make_fixture(&f, "idle");
    log_statements();
    struct vt *a = spawn_at(&f, "ic", "WARROOM_NOW=2026-01-01T12:00:00Z", NULL);
    struct vt *b = spawn_at(&f, "scribe", "WARROOM_NOW=2026-01-01T12:00:00Z", NULL);
    vt_wait_quiet(a, 300, VT_WAIT_MAX_MS);
    vt_wait_quiet(b, 300, VT_WAIT_MAX_MS);
    /* The reload triggered by pg_reload_conf's own statements settles first. */
    long q0 = server_statements();
    long wa = process_wakeups(a), wb = process_wakeups(b);
    vt_observe(a, 3000);
    vt_observe(b, 10);
    long dwa = process_wakeups(a) - wa, dwb = process_wakeups(b) - wb;
    long dq = server_statements() - q0;
    fprintf(stderr, "idle 3 s: wakeups %ld and %ld, server statements %ld\n", dwa, dwb, dq);
    assert_true(dwa <= 1);
    assert_true(dwb <= 1);
    assert_int_equal(dq, 0);

    assert_int_equal(vt_keys(b, "db failover started<Enter>"), 0);
    assert_int_equal(vt_wait_text(a, "db failover started", LIVE_MS), 0);
    test_db_pg_exec(NULL, "ALTER SYSTEM RESET log_statement");
    test_db_pg_exec(NULL, "SELECT pg_reload_conf()");
    quit(&a);
    quit(&b);
    remove_fixture(&f);
}

/* Stop the test server at once (no checkpoint, connections cut), or start it again. */
static void server_stop(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s '%s/pg_ctl' -D '%s' -m immediate stop >/dev/null 2>&1",
             getenv("WARROOM_TEST_PG_RUN"), getenv("WARROOM_TEST_PG_BIN"),
             getenv("WARROOM_TEST_PG_DATA"));
    assert_int_equal(system(cmd), 0);
}

static void server_start(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd / && %s '%s/pg_ctl' -D '%s' -l '%s/../restart.log' -w -o '%s' start "
             ">/dev/null 2>&1",
             getenv("WARROOM_TEST_PG_RUN"), getenv("WARROOM_TEST_PG_BIN"),
             getenv("WARROOM_TEST_PG_DATA"), getenv("WARROOM_TEST_PG_DATA"),
             getenv("WARROOM_TEST_PG_OPTS"));
    assert_int_equal(system(cmd), 0);
}

/* The row showing `text` carries the pending mark (saved here, not yet on the server). */
static bool shown_pending(struct vt *vt, const char *text)
{
    int row, col;
    if (!vt_find(vt, text, &row, &col))
        return false;
    return strstr(vt_row(vt, row), "\xe2\x86\x91") != NULL; /* ↑ */
}

/* Wait until the header shows `state` (it is on row 1). */
static void wait_header(struct vt *vt, const char *state, int ms)
{
    assert_int_equal(vt_wait_text(vt, state, ms), 0);
    int row, col;
    assert_true(vt_find(vt, state, &row, &col));
    assert_int_equal(row, 1);
}

/* The server goes away mid-incident: typing goes on, entries show pending and the header says
 * so; once it is back they arrive exactly once, on the server and on the other cockpit. */
static void test_server_outage(void **state)
{
    struct fixture f;
    make_fixture(&f, "outage");
    url_with_password(&f, f.cockpit_url, sizeof f.cockpit_url); /* the log must mask it */
    struct vt *scribe = spawn(&f, "scribe");
    f.cockpit_url[0] = '\0';
    struct vt *ic = spawn(&f, "ic");
    wait_header(scribe, "connected", VT_WAIT_MAX_MS);

    server_stop();
    wait_header(scribe, "reconnecting since", VT_WAIT_MAX_MS);
    assert_int_equal(vt_keys(scribe, "scoring pods restarting<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "scoring pods restarting", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(scribe, "> failing over to the standby<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "failing over to the standby", VT_WAIT_MAX_MS), 0);
    assert_true(shown_pending(scribe, "scoring pods restarting"));
    assert_true(shown_pending(scribe, "failing over to the standby"));
    wait_header(scribe, "2 pending", VT_WAIT_MAX_MS);
    /* The dialogs still work offline, and their changes wait in the journal too. */
    assert_int_equal(vt_keys(scribe, "<F8>"), 0);
    assert_int_equal(vt_wait_text(scribe, "Milestones", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(scribe, "2"), 0);
    assert_int_equal(vt_wait_text(scribe, "detected set to now", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(scribe, "<Esc>"), 0);
    wait_header(scribe, "3 pending", VT_WAIT_MAX_MS);

    server_start();
    wait_header(scribe, "| connected |", RECONNECT_MS);
    assert_int_equal(vt_wait_gone(scribe, "pending", VT_WAIT_MAX_MS), 0);
    assert_false(shown_pending(scribe, "scoring pods restarting"));
    assert_int_equal(vt_wait_text(ic, "failing over to the standby", RECONNECT_MS), 0);
    assert_int_equal(vt_wait_text(ic, "Milestone detected", VT_WAIT_MAX_MS), 0);
    assert_int_equal(server_count(&f, "scoring pods restarting"), 1);
    assert_int_equal(server_count(&f, "failing over to the standby"), 1);
    assert_int_equal(server_count(&f, "Milestone detected"), 1);
    quit(&scribe);
    quit(&ic);
    /* The worker logged the outage naming the server, password masked, one line each. */
    char path[256];
    struct wr_error err;
    snprintf(path, sizeof path, "%s/scribe/state/warroom/warroom.log", f.dir);
    char *log = wr_read_file(path, NULL, &err);
    assert_non_null(log);
    assert_non_null(strstr(log, "warroom:***@127.0.0.1"));
    assert_null(strstr(log, getenv("PGPASSWORD")));
    for (const char *line = log; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0))
        assert_int_equal(strncmp(line, "warroom: ", 9), 0); /* no continuation lines */
    free(log);
    remove_fixture(&f);
}

/* README's first try: two terminals on one machine (one laptop, one local copy). With the
 * server gone, what one types still shows on the other at once, marked pending, and reaches the
 * server once when it is back. */
static void test_two_terminals_one_laptop_offline(void **state)
{
    struct fixture f;
    make_fixture(&f, "onelaptop");
    f.laptop = "laptop";
    struct vt *ic = spawn(&f, "ic");
    struct vt *scribe = spawn(&f, "scribe");
    wait_header(ic, "connected", VT_WAIT_MAX_MS);
    wait_header(scribe, "connected", VT_WAIT_MAX_MS);
    server_stop();
    wait_header(scribe, "reconnecting since", VT_WAIT_MAX_MS);
    assert_int_equal(vt_keys(scribe, "typed on the scribe's terminal<Enter>"), 0);
    assert_int_equal(vt_wait_text(ic, "typed on the scribe's terminal", LIVE_MS), 0);
    assert_true(shown_pending(ic, "typed on the scribe's terminal"));
    assert_int_equal(vt_keys(ic, "typed on the IC's terminal<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "typed on the IC's terminal", LIVE_MS), 0);
    server_start();
    wait_header(ic, "| connected |", RECONNECT_MS);
    assert_int_equal(vt_wait_gone(ic, "pending", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_gone(scribe, "pending", VT_WAIT_MAX_MS), 0);
    assert_int_equal(server_count(&f, "typed on the scribe's terminal"), 1);
    assert_int_equal(server_count(&f, "typed on the IC's terminal"), 1);
    quit(&ic);
    quit(&scribe);
    remove_fixture(&f);
}

/* Every process of the test server (the postmaster and its children) stopped or resumed with
 * sig: a server that hangs mid-query, the connection still open. */
static void server_signal(int sig)
{
    char path[600], line[256];
    snprintf(path, sizeof path, "%s/postmaster.pid", getenv("WARROOM_TEST_PG_DATA"));
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    fclose(fp);
    pid_t postmaster = (pid_t)atol(line);
    assert_true(postmaster > 0);
    assert_int_equal(kill(postmaster, sig), 0);
    FILE *ps = popen("for d in /proc/[0-9]*; do cat \"$d/stat\" 2>/dev/null; echo; done", "r");
    assert_non_null(ps);
    char stat[1024];
    while (fgets(stat, sizeof stat, ps)) {
        /* pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'. */
        char *close = strrchr(stat, ')');
        long pid = atol(stat), ppid = 0;
        char st;
        if (close && sscanf(close + 1, " %c %ld", &st, &ppid) == 2 && ppid == postmaster)
            kill((pid_t)pid, sig);
    }
    pclose(ps);
}

/* Teardown of a test that stops the server's processes: resumed even when the test failed, so
 * the next tests (and pg_server.sh's shutdown) find it running. */
static int server_resume(void **state)
{
    (void)state;
    server_signal(SIGCONT);
    return 0;
}

/* The server hangs in the middle of the worker's query (stopped, not gone: the connection stays
 * open and nothing answers): the cockpit keeps echoing, saving and showing what is typed, and its
 * dialogs open; once the server resumes, everything arrives once. */
static void test_server_hangs_mid_query(void **state)
{
    struct fixture f;
    make_fixture(&f, "hang");
    struct vt *scribe = spawn(&f, "scribe");
    wait_header(scribe, "connected", VT_WAIT_MAX_MS);
    server_signal(SIGSTOP);
    /* The first entry sends the worker into a round trip that does not come back. */
    assert_int_equal(vt_keys(scribe, "scoring pods restarting<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "scoring pods restarting", LIVE_MS), 0);
    vt_observe(scribe, 300);
    assert_int_equal(vt_keys(scribe, "typed while the server hangs<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "typed while the server hangs", LIVE_MS), 0);
    assert_true(shown_pending(scribe, "typed while the server hangs"));
    wait_header(scribe, "2 pending", LIVE_MS);
    assert_int_equal(vt_keys(scribe, "<F8>"), 0);
    assert_int_equal(vt_wait_text(scribe, "Milestones", LIVE_MS), 0);
    assert_int_equal(vt_keys(scribe, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(scribe, "Milestones", LIVE_MS), 0);
    assert_int_equal(vt_keys(scribe, "still typing<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "still typing", LIVE_MS), 0);
    wait_header(scribe, "3 pending", LIVE_MS);
    /* Nothing fails, nothing arrives: the header stops saying all is well. */
    wait_header(scribe, "connected, no answer since", RECONNECT_MS);
    server_signal(SIGCONT);
    assert_int_equal(vt_wait_gone(scribe, "pending", RECONNECT_MS), 0);
    assert_int_equal(vt_wait_gone(scribe, "no answer", VT_WAIT_MAX_MS), 0);
    assert_int_equal(server_count(&f, "scoring pods restarting"), 1);
    assert_int_equal(server_count(&f, "typed while the server hangs"), 1);
    assert_int_equal(server_count(&f, "still typing"), 1);
    quit(&scribe);
    remove_fixture(&f);
}

/* Set the server schema's version (the fixture's own schema, named in its URL's search_path). */
static void server_schema_version(const struct fixture *f, int version)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE meta SET value = %d WHERE key = 'schema_version'", version);
    test_db_pg_exec(strstr(f->url, "%3D") + 3, sql);
}

/* The server was upgraded by a newer warroom: this cockpit stops syncing and says why (header,
 * status line, log: one line), keeps working on this laptop's copy, and touches nothing there;
 * once the server is readable again the next start sends what was typed, once. */
static void test_newer_server_schema(void **state)
{
    struct fixture f;
    make_fixture(&f, "newer");
    struct vt *scribe = spawn(&f, "scribe");
    wait_header(scribe, "connected", VT_WAIT_MAX_MS);
    quit(&scribe);
    server_schema_version(&f, 99);
    scribe = spawn(&f, "scribe");
    wait_header(scribe, "not syncing", VT_WAIT_MAX_MS);
    assert_int_equal(vt_wait_text(scribe, "upgrade warroom", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(scribe, "typed while the server is newer<Enter>"), 0);
    assert_int_equal(vt_wait_text(scribe, "typed while the server is newer", VT_WAIT_MAX_MS), 0);
    wait_header(scribe, "1 pending", VT_WAIT_MAX_MS);
    quit(&scribe);
    /* Not sent, and the newer schema untouched (read outside warroom, which refuses it). */
    test_db_pg_exec(strstr(f.url, "%3D") + 3,
                    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM entries WHERE text ="
                    " 'typed while the server is newer') OR (SELECT value FROM meta WHERE key ="
                    " 'schema_version') <> 99 THEN RAISE 'written'; END IF; END $$");
    char path[256];
    struct wr_error err;
    snprintf(path, sizeof path, "%s/scribe/state/warroom/warroom.log", f.dir);
    char *log = wr_read_file(path, NULL, &err);
    assert_non_null(log);
    assert_non_null(strstr(log, "has schema version 99 but this warroom knows up to"));
    free(log);

    server_schema_version(&f, STORE_PG_SCHEMA_VERSION);
    scribe = spawn(&f, "scribe");
    wait_header(scribe, "| connected |", RECONNECT_MS);
    assert_int_equal(vt_wait_gone(scribe, "pending", VT_WAIT_MAX_MS), 0);
    assert_int_equal(server_count(&f, "typed while the server is newer"), 1);
    quit(&scribe);
    remove_fixture(&f);
}

/* Run `warroom ARGS` as `who` on its laptop; its output (stdout and stderr) in out. */
static void run_cli(struct fixture *f, const char *who, const char *args, char *out, size_t n)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "HOME='%s/%s' XDG_DATA_HOME='%s/%s/data' XDG_STATE_HOME='%s/%s/state' '%s' --db '%s' "
             "%s 2>&1",
             f->dir, who, f->dir, who, f->dir, who, WARROOM_BIN, f->url, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    assert_int_equal(pclose(p), 0);
}

/* kill -9 while entries wait for the server: nothing is lost. `warroom sync` sends them, and
 * the next cockpit start finds nothing left to send (each arrives once). */
static void test_killed_with_pending_entries(void **state)
{
    struct fixture f;
    char out[512];
    make_fixture(&f, "killed");
    struct vt *scribe = spawn(&f, "scribe");
    wait_header(scribe, "connected", VT_WAIT_MAX_MS);
    server_stop();
    wait_header(scribe, "reconnecting since", VT_WAIT_MAX_MS);
    assert_int_equal(vt_keys(scribe, "typed before the crash<Enter>"), 0);
    assert_int_equal(vt_keys(scribe, "! declared SEV2 by phone<Enter>"), 0);
    wait_header(scribe, "2 pending", VT_WAIT_MAX_MS);
    kill(vt_pid(scribe), SIGKILL);
    vt_free(&scribe);

    server_start();
    run_cli(&f, "scribe", "sync", out, sizeof out);
    fprintf(stderr, "warroom sync: %s", out);
    assert_non_null(strstr(out, "sent 2 changes"));
    assert_int_equal(server_count(&f, "typed before the crash"), 1);
    assert_int_equal(server_count(&f, "declared SEV2 by phone"), 1);

    /* Killed again with one pending: this time the cockpit's next start sends it. */
    scribe = spawn(&f, "scribe");
    wait_header(scribe, "connected", VT_WAIT_MAX_MS);
    server_stop();
    wait_header(scribe, "reconnecting since", VT_WAIT_MAX_MS);
    assert_int_equal(vt_keys(scribe, "typed before the second crash<Enter>"), 0);
    wait_header(scribe, "1 pending", VT_WAIT_MAX_MS);
    kill(vt_pid(scribe), SIGKILL);
    vt_free(&scribe);
    server_start();
    scribe = spawn(&f, "scribe");
    wait_header(scribe, "| connected |", RECONNECT_MS);
    assert_int_equal(vt_wait_gone(scribe, "pending", VT_WAIT_MAX_MS), 0);
    assert_int_equal(server_count(&f, "typed before the second crash"), 1);
    assert_int_equal(server_count(&f, "typed before the crash"), 1);

    /* And a third time: any command that reaches the server sends what the cockpit left. */
    server_stop();
    wait_header(scribe, "reconnecting since", VT_WAIT_MAX_MS);
    assert_int_equal(vt_keys(scribe, "typed before the third crash<Enter>"), 0);
    wait_header(scribe, "1 pending", VT_WAIT_MAX_MS);
    kill(vt_pid(scribe), SIGKILL);
    vt_free(&scribe);
    server_start();
    run_cli(&f, "scribe", "list", out, sizeof out);
    fprintf(stderr, "warroom list: %s", out);
    assert_non_null(strstr(out, "sent 1 change the cockpit had saved"));
    assert_int_equal(server_count(&f, "typed before the third crash"), 1);
    remove_fixture(&f);
}

/* Stakeholder messages in team mode: queued on one laptop, sent once by whichever laptop's
 * worker claims it on the server, though both have the destination; and the overdue alert both
 * cockpits notice is one entry on the server. */
static void test_message_sent_once_from_two_laptops(void **state)
{
    struct fixture f;
    struct wr_error err;
    struct store *s = NULL;
    char config[160], log[160];
    make_fixture(&f, "comms");
    assert_int_equal(store_open(f.url, &s, &err), 0);
    int64_t now = 1773147660000LL; /* 2026-03-10T13:01:00Z, the cockpits' pinned clock */
    assert_int_equal(store_milestone_set(s, f.id, MS_STARTED, now - 30 * 60000LL, "ic", &err), 0);
    assert_int_equal(store_milestone_set(s, f.id, MS_DECLARED, now - 20 * 60000LL, "ic", &err), 0);
    store_close(&s);
    snprintf(config, sizeof config, "%s/config.json", f.dir);
    snprintf(log, sizeof log, "%s/sent.log", f.dir);
    FILE *fp = fopen(config, "w");
    assert_non_null(fp);
    fprintf(fp, "{\"services\": [], \"destinations\": {\"log\": {\"type\": \"file\", "
                "\"path\": \"%s\", \"default\": true}}}",
            log);
    fclose(fp);
    struct vt *ic = spawn_config(&f, "ic", config);
    struct vt *comms = spawn_config(&f, "comms", config);
    wait_header(ic, "connected", VT_WAIT_MAX_MS);
    wait_header(comms, "connected", VT_WAIT_MAX_MS);
    assert_int_equal(vt_wait_text(ic, "Stakeholder update overdue by 15m", VT_WAIT_MAX_MS), 0);

    assert_int_equal(vt_keys(ic, "<F6>"), 0);
    assert_int_equal(vt_wait_text(ic, "initial-internal", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(ic, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(ic, "1[x]log", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(ic, "<Enter>"), 0);
    /* The comms entry of the delivery shows on both cockpits once it is sent. */
    assert_int_equal(vt_wait_text(ic, "next update in 30m (13:31)", RECONNECT_MS), 0);
    assert_int_equal(vt_wait_text(comms, "next update in 30m (13:31)", RECONNECT_MS), 0);
    vt_observe(comms, 1500); /* time for a second delivery, were there one */
    char *text = wr_read_file(log, NULL, &err);
    assert_non_null(text);
    int copies = 0; /* the subject line, once per message written */
    for (const char *p = text; (p = strstr(p, "INCIDENT INC-")) != NULL; p++)
        copies++;
    free(text);
    assert_int_equal(copies, 1);
    int64_t sent = server_count(&f, "Sent initial-internal");
    fprintf(stderr, "deliveries recorded on the server: %lld\n", (long long)sent);
    assert_int_equal(sent, 1);
    assert_int_equal(server_count(&f, "Stakeholder update overdue by"), 1);
    quit(&ic);
    quit(&comms);
    remove_fixture(&f);
}

/* F10 in team mode reads this laptop's replica, never the server: with the server down the
 * export still works, and it holds the entry still waiting for the server. */
static void test_export_offline_reads_the_replica(void **state)
{
    struct fixture f;
    struct wr_error err;
    char here[4096], where[256], path[512];
    make_fixture(&f, "export");
    assert_non_null(getcwd(here, sizeof here));
    assert_int_equal(chdir(f.dir), 0); /* F10 writes INC-<id>-export/ in the cockpit's directory */
    struct vt *scribe = spawn(&f, "scribe");
    assert_int_equal(chdir(here), 0);
    wait_header(scribe, "connected", VT_WAIT_MAX_MS);
    server_stop();
    wait_header(scribe, "reconnecting since", VT_WAIT_MAX_MS);
    assert_int_equal(vt_keys(scribe, "typed with the server down<Enter>"), 0);
    wait_header(scribe, "1 pending", VT_WAIT_MAX_MS);
    assert_int_equal(vt_keys(scribe, "<F10>"), 0);
    snprintf(where, sizeof where, "Exported to %s/INC-%s-export", f.dir, f.idbuf);
    if (vt_wait_text(scribe, where, VT_WAIT_MAX_MS) != 0) {
        vt_dump(scribe, "F10 with the server down");
        fail_msg("the export did not finish from the replica");
    }
    wait_header(scribe, "1 pending", VT_WAIT_MAX_MS); /* still offline, still waiting */
    snprintf(path, sizeof path, "%s/INC-%s-export/incident.json", f.dir, f.idbuf);
    char *json = wr_read_file(path, NULL, &err);
    assert_non_null(json);
    assert_non_null(strstr(json, "typed with the server down"));
    assert_non_null(strstr(json, "Scoring timeouts"));
    free(json);
    snprintf(path, sizeof path, "%s/INC-%s-export/postmortem.md", f.dir, f.idbuf);
    assert_int_equal(access(path, F_OK), 0);
    server_start();
    wait_header(scribe, "| connected |", RECONNECT_MS);
    assert_int_equal(vt_wait_gone(scribe, "pending", VT_WAIT_MAX_MS), 0);
    quit(&scribe);
    assert_int_equal(server_count(&f, "typed with the server down"), 1);
    remove_fixture(&f);
}

int main(void)
{
    if (!test_db_is_pg()) {
        fprintf(stderr, "test_tui_team: run it under tests/tools/pg_server.sh; skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_appears_on_the_other_cockpit),
        cmocka_unit_test(test_idle_cockpits_send_nothing),
        cmocka_unit_test(test_server_outage),
        cmocka_unit_test_teardown(test_server_hangs_mid_query, server_resume),
        cmocka_unit_test(test_two_terminals_one_laptop_offline),
        cmocka_unit_test(test_killed_with_pending_entries),
        cmocka_unit_test(test_newer_server_schema),
        cmocka_unit_test(test_message_sent_once_from_two_laptops),
        cmocka_unit_test(test_export_offline_reads_the_replica),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
