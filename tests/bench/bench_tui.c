/* bench_tui.c: TUI figures (issue 3) through the pty harness on a large incident: start to first
 * full frame, keypress to settled screen (typing, scrolling), resident memory, idle wakeups and
 * CPU. Prints figures; asserts nothing about time. Usage: bench_tui WARROOM_BIN [ENTRIES] [IDLE_S] */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "vt.h"

static void die(const char *what, const struct wr_error *err)
{
    fprintf(stderr, "bench_tui: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One incident with n entries, written in one transaction. Returns its id. */
static int64_t make_incident(const char *db, long n)
{
    static const enum entry_kind kinds[] = {KIND_NOTE, KIND_ACTION, KIND_DECISION, KIND_COMMS,
                                            KIND_HYPOTHESIS, KIND_TODO};
    struct store *s = NULL;
    struct wr_error err;
    struct incident inc;
    int64_t id = 0;
    const int64_t t0 = 1767258000000; /* 2026-01-01T09:00:00Z */
    if (store_open(db, &s, &err) < 0)
        die("open", &err);
    incident_init(&inc);
    inc.title = strdup("Bench: checkout latency");
    inc.severity = 2;
    inc.milestones[MS_STARTED] = t0;
    if (store_incident_create(s, &inc, &id, &err) < 0)
        die("create incident", &err);
    incident_clear(&inc);
    if (store_begin(s, &err) < 0)
        die("begin", &err);
    for (long i = 0; i < n; i++) {
        char text[160];
        struct entry e;
        entry_init(&e);
        snprintf(text, sizeof text, "entry %ld: pool waiters %ld, p99 %ld ms on /checkout (host-%ld)",
                 i + 1, i % 37, 100 + i % 900, i % 12);
        e.incident_id = id;
        e.kind = kinds[i % (long)(sizeof kinds / sizeof kinds[0])];
        e.text = text;
        e.author = (char *)"bench";
        e.at_ms = t0 + i * 100;
        if (store_entry_append(s, &e, &err) < 0)
            die("append", &err);
    }
    if (store_commit(s, &err) < 0)
        die("commit", &err);
    store_close(&s);
    return id;
}

/* A second incident, started two hours ago by the real clock, with 50 entries. */
static int64_t make_live_incident(const char *db)
{
    struct store *s = NULL;
    struct wr_error err;
    struct incident inc;
    int64_t id = 0, t0 = wr_now_ms() - 2 * 3600 * 1000 - 30000;
    if (store_open(db, &s, &err) < 0)
        die("open", &err);
    incident_init(&inc);
    inc.title = strdup("Bench: live clock");
    inc.milestones[MS_STARTED] = t0;
    if (store_incident_create(s, &inc, &id, &err) < 0)
        die("create incident", &err);
    incident_clear(&inc);
    for (int i = 1; i <= 50; i++) {
        char text[64];
        struct entry e;
        entry_init(&e);
        snprintf(text, sizeof text, "live entry %d", i);
        e.incident_id = id;
        e.kind = KIND_NOTE;
        e.text = text;
        e.author = (char *)"bench";
        e.at_ms = t0 + i * 60000;
        if (store_entry_append(s, &e, &err) < 0)
            die("append", &err);
    }
    store_close(&s);
    return id;
}

/* Time `reps` presses of each key pair and print p50/p99/max. */
static void bench_keys(struct vt *vt, const char *label, const char *a, const char *b, int reps)
{
    double *ms = calloc((size_t)reps, sizeof *ms);
    int got = 0;
    for (int i = 0; i < reps && ms; i++) {
        double t;
        if (vt_time_keys(vt, i % 2 ? b : a, 20, 5000, &t) < 0)
            break;
        ms[got++] = t;
    }
    if (got == 0) {
        printf("%-22s no measurements\n", label);
        free(ms);
        return;
    }
    qsort(ms, (size_t)got, sizeof *ms, cmp_double);
    printf("%-22s n=%d p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", label, got, ms[got / 2],
           ms[(got * 99) / 100 < got ? (got * 99) / 100 : got - 1], ms[got - 1]);
    free(ms);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_tui WARROOM_BIN [ENTRIES] [IDLE_SECONDS]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 100000;
    int idle_s = argc > 3 ? atoi(argv[3]) : 60;
    char dir[] = "/tmp/wr-bench-tui-XXXXXX", db[128], idbuf[32];
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    snprintf(db, sizeof db, "%s/bench.db", dir);
    double t = vt_clock_ms();
    int64_t id = make_incident(db, n);
    printf("fixture                %ld entries in %.0f ms\n", n, vt_clock_ms() - t);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);

    char newest[64];
    snprintf(newest, sizeof newest, "entry %ld:", n);
    /* Absolute: the cockpit starts in the fixture's directory (below). */
    char bin[PATH_MAX];
    if (!realpath(argv[1], bin))
        die("realpath of WARROOM_BIN", NULL);
    const char *args[] = {bin, "--db", db, "tui", idbuf, NULL};
    const char *env[] = {"WARROOM_NOW=2026-01-01T12:00:00Z", NULL};
    double spawn = vt_clock_ms();
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || chdir(dir) != 0) /* F10 writes INC-<id>-export/ here */
        die("chdir", NULL);
    struct vt *vt = vt_spawn(args, env, 24, 80);
    if (chdir(cwd) != 0)
        die("chdir back", NULL);
    if (!vt || vt_wait_text(vt, newest, 10000) < 0)
        die("first frame", NULL);
    vt_wait_quiet(vt, 100, 5000);
    printf("first full frame       %.1f ms (spawn to last byte of the first settled screen)\n",
           vt_last_output_ms(vt) - spawn);

    bench_keys(vt, "typing (x, BS)", "x", "<BS>", 400);
    bench_keys(vt, "scroll (PgUp, PgDn)", "<PgUp>", "<PgDn>", 400);

    /* Export from the cockpit (F10) of the whole incident: how soon the cockpit answers
     * ("Exporting ..."), how fast keys echo while the files are written (x and BS in turn: the
     * export runs beside the cockpit, so at typing speed, not after the export), and when the
     * files are there (incident.json is written last). */
    double ack = -1, written = -1, t0 = vt_clock_ms(), typed[512];
    int ntyped = 0;
    char done[256];
    snprintf(done, sizeof done, "%s/INC-%s-export/incident.json", dir, idbuf);
    /* vt_time_keys, not vt_wait_text: the latter waits for 40 ms of quiet after the text. */
    if (vt_time_keys(vt, "<F10>", 20, 5000, &ack) == 0 && vt_find(vt, "Exporting INC-", NULL, NULL)) {
        while (access(done, F_OK) != 0 && ntyped < 512 &&
               vt_time_keys(vt, ntyped % 2 ? "<BS>" : "x", 20, 5000, &typed[ntyped]) == 0)
            ntyped++;
        while (access(done, F_OK) != 0 && vt_clock_ms() - t0 < 60000)
            vt_observe(vt, 10);
        if (access(done, F_OK) == 0)
            written = vt_clock_ms() - t0;
        /* The thread is joined when the status line says so: the memory below is after it. A
         * key clears that message, so the input line is put back only after it showed. */
        if (vt_wait_text(vt, "Exported to", 60000) != 0)
            written = -1;
        if (ntyped % 2)
            vt_time_keys(vt, "<BS>", 20, 5000, NULL);
    }
    if (written >= 0 && ntyped > 0) {
        qsort(typed, (size_t)ntyped, sizeof *typed, cmp_double);
        printf("export (F10)           'Exporting' shown in %.1f ms; files written in %.0f ms; "
               "keys meanwhile n=%d p50 %.2f ms max %.2f ms\n",
               ack, written, ntyped, typed[ntyped / 2], typed[ntyped - 1]);
    } else {
        printf("export (F10)           no measurement\n");
    }

    struct vt_proc_stats before, after;
    if (vt_proc_stats(vt, &before) == 0)
        printf("resident memory        %ld kB now, %ld kB peak\n", before.rss_kb,
               before.peak_rss_kb);
    vt_observe(vt, idle_s * 1000);
    if (vt_proc_stats(vt, &after) == 0)
        printf("idle %3d s             %ld wakeups (voluntary switches), %.0f ms CPU "
               "(clock pinned)\n",
               idle_s, after.voluntary_switches - before.voluntary_switches,
               after.cpu_ms - before.cpu_ms);
    vt_free(&vt);

    /* The same with the real clock on an incident two hours old: its header shows minutes. */
    int64_t live = make_live_incident(db);
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)live);
    const char *largs[] = {bin, "--db", db, "tui", idbuf, NULL};
    const char *lenv[] = {"XDG_STATE_HOME=/tmp", NULL};
    vt = vt_spawn(largs, lenv, 24, 80);
    if (!vt || vt_wait_text(vt, "live entry 50", 10000) < 0)
        die("live incident", NULL);
    vt_wait_quiet(vt, 300, 5000);
    if (vt_proc_stats(vt, &before) == 0) {
        vt_observe(vt, idle_s * 1000);
        if (vt_proc_stats(vt, &after) == 0)
            printf("idle %3d s             %ld wakeups (%.1f a minute), %.0f ms CPU (real clock)\n",
                   idle_s, after.voluntary_switches - before.voluntary_switches,
                   (double)(after.voluntary_switches - before.voluntary_switches) * 60.0 / idle_s,
                   after.cpu_ms - before.cpu_ms);
    }
    vt_free(&vt);
    char rm[256];
    snprintf(rm, sizeof rm, "rm -rf '%s'/INC-*-export", dir);
    if (system(rm) != 0)
        fprintf(stderr, "bench_tui: could not remove %s/INC-*-export\n", dir);
    unlink(db);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    rmdir(dir);
    return 0;
}
