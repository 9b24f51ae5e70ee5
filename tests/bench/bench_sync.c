/* bench_sync.c: team mode's figures (issue 12) through the pty harness, against a real
 * PostgreSQL server: from a commit to another cockpit's screen (p50/p99), the first frame of a
 * 100,000-entry incident (cold: this laptop's first copy; warm: its replica), the idle cost of 4
 * connected cockpits (wakeups of every thread, CPU, statements the server ran), and typing while
 * the server is 100 ms away. Prints figures; asserts nothing about time.
 *
 *   tests/tools/pg_server.sh build/tests/bench_sync build/ui/warroom [PROBES] [ENTRIES] [IDLE_S]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "test_db.h"
#include "vt.h"

static const char *g_bin;
static char g_dir[64];

static void die(const char *what, const struct wr_error *err)
{
    fprintf(stderr, "bench_sync: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

/* One value from the test server (bench set-up and inspection only). */
static long long pg_scalar(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("WARROOM_TEST_PG"));
    PGresult *r = PQexec(c, sql);
    long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                      ? atoll(PQgetvalue(r, 0, 0))
                      : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

static int64_t make_incident(struct store *s, const char *title)
{
    struct wr_error err;
    struct incident inc;
    int64_t id = 0;
    incident_init(&inc);
    inc.title = strdup(title);
    inc.milestones[MS_STARTED] = wr_now_ms() - 3600 * 1000;
    if (store_incident_create(s, &inc, &id, &err) != 0)
        die("create incident", &err);
    incident_clear(&inc);
    return id;
}

/* A cockpit on its own laptop (HOME) `who`; now_env pins the clock or is NULL. */
static struct vt *cockpit(const char *url, int64_t id, const char *who, const char *now_env,
                          int rows)
{
    char home[160], homev[180], data[200], state[200], idbuf[32];
    snprintf(home, sizeof home, "%s/%s", g_dir, who);
    if (wr_mkdirs(home, 0700, NULL) != 0)
        die("mkdir", NULL);
    snprintf(homev, sizeof homev, "HOME=%s", home);
    snprintf(data, sizeof data, "XDG_DATA_HOME=%s/data", home);
    snprintf(state, sizeof state, "XDG_STATE_HOME=%s/state", home);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
    const char *argv[] = {g_bin, "--db", url, "tui", idbuf, NULL};
    const char *env[] = {homev, data, state, "XDG_CONFIG_HOME=", now_env, NULL};
    struct vt *vt = vt_spawn(argv, env, rows, 100);
    if (!vt)
        die("spawn", NULL);
    return vt;
}

static void quit(struct vt **vt)
{
    vt_keys(*vt, "<Esc>");
    vt_wait_text(*vt, "COMMAND mode", VT_WAIT_MAX_MS);
    vt_keys(*vt, "q");
    vt_wait_exit(*vt, VT_WAIT_MAX_MS, NULL);
    vt_free(vt);
}

/* Voluntary context switches of every thread of the process: its wakeups. */
static long wakeups(struct vt *vt)
{
    char cmd[96], line[256];
    long total = 0, v;
    snprintf(cmd, sizeof cmd, "cat /proc/%d/task/*/status 2>/dev/null", (int)vt_pid(vt));
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof line, p))
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
            total += v;
    if (p)
        pclose(p);
    return total;
}

static long server_statements(void)
{
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/../server.log", getenv("WARROOM_TEST_PG_DATA"));
    FILE *f = fopen(path, "r");
    long n = 0;
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "LOG:  statement:") || strstr(line, "LOG:  execute "))
            n++;
    if (f)
        fclose(f);
    return n;
}

/* ---- commit on one connection -> the other cockpit's screen ---- */

static void bench_visibility(const char *url, int probes)
{
    struct wr_error err;
    struct store *s = NULL;
    if (store_open(url, &s, &err) != 0)
        die("open", &err);
    int64_t id = make_incident(s, "Bench: visibility");
    struct vt *vt = cockpit(url, id, "viewer", NULL, 40);
    if (vt_wait_text(vt, "connected", 20000) != 0)
        die("the cockpit did not connect", NULL);
    vt_wait_quiet(vt, 200, VT_WAIT_MAX_MS);
    double *lat = calloc((size_t)probes, sizeof *lat);
    int got = 0;
    for (int i = 0; i < probes; i++) {
        char text[64];
        snprintf(text, sizeof text, "probe %04d from another laptop", i);
        struct entry e;
        entry_init(&e);
        e.incident_id = id;
        e.kind = KIND_NOTE;
        e.author = (char *)"bench";
        e.text = text;
        if (store_entry_append(s, &e, &err) != 0) /* returns after the durable commit */
            die("append", &err);
        double committed = vt_clock_ms();
        if (vt_wait_text(vt, text, 5000) != 0) {
            fprintf(stderr, "bench_sync: probe %d not seen\n", i);
            continue;
        }
        /* The frame that shows it: the last byte of the burst that drew it. */
        lat[got++] = vt_last_output_ms(vt) - committed;
    }
    if (got > 0)
        printf("visibility, commit -> other cockpit's screen (%d probes): p50 %.1f ms, p99 %.1f "
               "ms, max %.1f ms\n",
               got, pct(lat, (size_t)got, 0.50), pct(lat, (size_t)got, 0.99),
               pct(lat, (size_t)got, 1.0));
    free(lat);
    quit(&vt);
    store_close(&s);
}

/* ---- the first frame of a big incident ---- */

static void bench_first_frame(const char *url, long entries)
{
    struct wr_error err;
    struct store *s = NULL;
    char sql[2048], newest[64];
    if (store_open(url, &s, &err) != 0)
        die("open", &err);
    int64_t id = make_incident(s, "Bench: a long incident");
    store_close(&s);
    /* Bulk rows straight into the server (set-up, not what is measured). */
    double t0 = vt_clock_ms();
    snprintf(sql, sizeof sql,
             "INSERT INTO entries(incident_id, at_ms, recorded_ms, kind, author, text, uid,"
             " changed_ms) SELECT %lld, %lld + g * 100, %lld + g * 100, (ARRAY['note','action',"
             "'decision','comms','hypothesis'])[1 + g %% 5], 'bench', 'entry ' || g || ': pool"
             " waiters ' || (g %% 37) || ', p99 ' || (100 + g %% 900) || ' ms on /checkout',"
             " md5(g::text || '%lld'), %lld + g * 100 FROM generate_series(1, %ld) g",
             (long long)id, (long long)(wr_now_ms() - 3600 * 1000), (long long)wr_now_ms(),
             (long long)id, (long long)wr_now_ms(), entries);
    test_db_pg_exec(NULL, sql);
    printf("set-up: %ld entries written on the server in %.0f ms\n", entries,
           vt_clock_ms() - t0);
    snprintf(newest, sizeof newest, "entry %ld:", entries);

    /* Cold: this laptop has never seen the incident; the start copies it, then draws. */
    t0 = vt_clock_ms();
    struct vt *vt = cockpit(url, id, "newcomer", NULL, 40);
    if (vt_wait_text(vt, newest, 600000) != 0)
        die("cold start: no first frame", NULL);
    double cold = vt_last_output_ms(vt) - t0;
    struct vt_proc_stats st;
    vt_proc_stats(vt, &st);
    quit(&vt);
    char replica[512];
    snprintf(sql, sizeof sql, "du -k %s/newcomer/data/warroom/replicas/*.db | cut -f1", g_dir);
    FILE *p = popen(sql, "r");
    replica[0] = '\0';
    if (p && fgets(replica, sizeof replica, p))
        replica[strcspn(replica, "\n")] = '\0';
    if (p)
        pclose(p);
    printf("first frame, %ld entries, COLD (no local copy: start, copy, draw): %.0f ms "
           "(RSS %ld kB; replica %s kB)\n",
           entries, cold, st.peak_rss_kb, replica);

    /* Warm: the replica holds it; the worker only asks what changed since. */
    double warm[3];
    for (int r = 0; r < 3; r++) {
        t0 = vt_clock_ms();
        vt = cockpit(url, id, "newcomer", NULL, 40);
        if (vt_wait_text(vt, newest, 60000) != 0)
            die("warm start: no first frame", NULL);
        warm[r] = vt_last_output_ms(vt) - t0;
        quit(&vt);
    }
    qsort(warm, 3, sizeof warm[0], cmp_double);
    printf("first frame, %ld entries, WARM (the replica holds it): best %.0f ms, median %.0f ms "
           "of 3 (process start included)\n",
           entries, warm[0], warm[1]);
}

/* ---- idle cost ---- */

static void bench_idle(const char *url, int idle_s)
{
    struct wr_error err;
    struct store *s = NULL;
    if (store_open(url, &s, &err) != 0)
        die("open", &err);
    int64_t id = make_incident(s, "Bench: idle");
    store_close(&s);
    test_db_pg_exec(NULL, "ALTER SYSTEM SET log_statement = 'all'");
    test_db_pg_exec(NULL, "SELECT pg_reload_conf()");
    struct vt *vt[4];
    const char *who[4] = {"ic", "scribe", "comms", "ops"};
    for (int i = 0; i < 4; i++) {
        vt[i] = cockpit(url, id, who[i], "WARROOM_NOW=2026-01-01T12:00:00Z", 24);
        if (vt_wait_text(vt[i], "connected", 20000) != 0)
            die("a cockpit did not connect", NULL);
    }
    for (int i = 0; i < 4; i++)
        vt_wait_quiet(vt[i], 300, VT_WAIT_MAX_MS);
    long backends0 = (long)pg_scalar("SELECT count(*) FROM pg_stat_activity WHERE "
                                     "application_name = 'warroom'");
    vt_observe(vt[0], 200); /* the server's log catches up with that query */
    long w0[4], q0 = server_statements();
    struct vt_proc_stats a[4], b[4];
    for (int i = 0; i < 4; i++) {
        w0[i] = wakeups(vt[i]);
        vt_proc_stats(vt[i], &a[i]);
    }
    vt_observe(vt[0], idle_s * 1000);
    long q1 = server_statements();
    long total_w = 0;
    double total_cpu = 0;
    for (int i = 0; i < 4; i++) {
        vt_observe(vt[i], 1);
        vt_proc_stats(vt[i], &b[i]);
        total_w += wakeups(vt[i]) - w0[i];
        total_cpu += b[i].cpu_ms - a[i].cpu_ms;
    }
    printf("idle, 4 cockpits connected (%ld server connections) for %d s, clocks pinned: %ld "
           "wakeups in all (every thread), %.0f ms CPU in all, %ld statements on the server\n",
           backends0, idle_s, total_w, total_cpu, q1 - q0);
    /* The same with real clocks: what the header's elapsed time costs, for comparison. */
    for (int i = 0; i < 4; i++)
        quit(&vt[i]);
    for (int i = 0; i < 4; i++) {
        vt[i] = cockpit(url, id, who[i], NULL, 24);
        vt_wait_text(vt[i], "connected", 20000);
    }
    for (int i = 0; i < 4; i++)
        vt_wait_quiet(vt[i], 300, VT_WAIT_MAX_MS);
    q0 = server_statements();
    total_w = 0;
    for (int i = 0; i < 4; i++)
        w0[i] = wakeups(vt[i]);
    vt_observe(vt[0], idle_s * 1000);
    for (int i = 0; i < 4; i++) {
        vt_observe(vt[i], 1);
        total_w += wakeups(vt[i]) - w0[i];
    }
    printf("idle, the same with real clocks (the header's elapsed time ticks): %ld wakeups, %ld "
           "statements on the server\n",
           total_w, server_statements() - q0);
    for (int i = 0; i < 4; i++)
        quit(&vt[i]);
    test_db_pg_exec(NULL, "ALTER SYSTEM RESET log_statement");
    test_db_pg_exec(NULL, "SELECT pg_reload_conf()");
}

/* ---- typing while the server is 100 ms away ---- */

static void bench_slow_server(const char *url_in, int entries)
{
    char cmd[1024], port[32], url[1024];
    const char *at = strstr(url_in, "@127.0.0.1:");
    if (!at) {
        printf("slow server: skipped (the URL is not 127.0.0.1:PORT)\n");
        return;
    }
    int pg_port = atoi(at + strlen("@127.0.0.1:"));
    snprintf(cmd, sizeof cmd, "exec python3 '%s/tests/tools/slow_proxy.py' 127.0.0.1 %d 50",
             WARROOM_SOURCE_DIR, pg_port);
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe", NULL);
    pid_t proxy = fork();
    if (proxy == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *pf = fdopen(fds[0], "r");
    if (!pf || !fgets(port, sizeof port, pf))
        die("the slow proxy did not start", NULL);
    port[strcspn(port, "\n")] = '\0';
    /* The same database through the proxy: postgresql://user@127.0.0.1:PROXY/... */
    snprintf(url, sizeof url, "%.*s@127.0.0.1:%s%s", (int)(at - url_in), url_in, port,
             strchr(at + 1, '/'));
    struct wr_error err;
    struct store *s = NULL;
    if (store_open(url_in, &s, &err) != 0)
        die("open", &err);
    int64_t id = make_incident(s, "Bench: a far server");
    struct vt *vt = cockpit(url, id, "far", NULL, 40);
    if (vt_wait_text(vt, "connected", 60000) != 0)
        die("no connection through the proxy", NULL);
    vt_wait_quiet(vt, 300, VT_WAIT_MAX_MS);
    double *key = calloc((size_t)entries * 8, sizeof *key), *saved = calloc((size_t)entries,
                                                                            sizeof *saved);
    size_t nk = 0;
    double t_all = vt_clock_ms();
    for (int i = 0; i < entries; i++) {
        /* A word typed key by key, then Enter: each key's echo, and Enter to the entry shown. */
        const char *word = "probe";
        for (const char *c = word; *c; c++) {
            char k[2] = {*c, 0};
            double ms;
            if (vt_time_keys(vt, k, 15, 5000, &ms) == 0)
                key[nk++] = ms;
        }
        char rest[64], shown[64];
        snprintf(rest, sizeof rest, " %03d far away<Enter>", i);
        snprintf(shown, sizeof shown, "probe %03d far away", i);
        double t0 = vt_clock_ms();
        vt_keys(vt, rest);
        if (vt_wait_text(vt, shown, 5000) != 0)
            die("an entry typed was not shown", NULL);
        saved[i] = vt_last_output_ms(vt) - t0;
    }
    double typed = vt_clock_ms() - t_all;
    double t0 = vt_clock_ms();
    if (vt_wait_gone(vt, "pending", 120000) != 0)
        die("the entries did not reach the server", NULL);
    double drained = vt_clock_ms() - t0;
    printf("server 100 ms away (round trip, via tests/tools/slow_proxy.py), %d entries typed in "
           "%.1f s:\n  keystroke -> echo p50 %.1f ms, p99 %.1f ms; Enter -> entry on screen p50 "
           "%.1f ms, p99 %.1f ms; the last reached the server %.0f ms after the typing ended\n",
           entries, typed / 1000, pct(key, nk, 0.5), pct(key, nk, 0.99),
           pct(saved, (size_t)entries, 0.5), pct(saved, (size_t)entries, 0.99), drained);
    free(key);
    free(saved);
    quit(&vt);
    store_close(&s);
    kill(proxy, SIGTERM);
    fclose(pf);
    waitpid(proxy, NULL, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !test_db_is_pg()) {
        fprintf(stderr, "usage: tests/tools/pg_server.sh bench_sync WARROOM_BIN [PROBES] "
                        "[ENTRIES] [IDLE_S]\n");
        return 2;
    }
    g_bin = argv[1];
    int probes = argc > 2 ? atoi(argv[2]) : 200;
    long entries = argc > 3 ? atol(argv[3]) : 100000;
    int idle_s = argc > 4 ? atoi(argv[4]) : 10;
    snprintf(g_dir, sizeof g_dir, "/tmp/wr-bench-sync-XXXXXX");
    if (!mkdtemp(g_dir))
        die("mkdtemp", NULL);
    char load[128] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fgets(load, sizeof load, f))
        load[strcspn(load, "\n")] = '\0';
    if (f)
        fclose(f);
    printf("bench_sync: PostgreSQL on loopback; load average %s\n", load);
    const char *url = getenv("WARROOM_TEST_PG");
    bench_visibility(url, probes);
    bench_idle(url, idle_s);
    bench_slow_server(url, 20);
    bench_first_frame(url, entries);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_sync: could not remove %s\n", g_dir);
    return 0;
}
