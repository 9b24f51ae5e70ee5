/* bench_store.c: store performance figures (issue 2): durable append latency, bulk import rate,
 * and `show --json` time and peak memory on a 100,000-entry incident. Prints figures; asserts
 * nothing about time (machines are noisy). Usage: bench_store [DIR] [ENTRIES] */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include <sqlite3.h>

#include "exchange.h"
#include "store.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* User and system CPU time of this process. */
static int64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static void die(const char *what, const struct wr_error *err)
{
    fprintf(stderr, "bench: %s: %s\n", what, err->msg);
    exit(1);
}

/* Write an export document with n entries to path. */
static void write_big_export(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "{\"format\":\"warroom-incident\",\"version\":1,\"incident\":{\"uid\":\"bench-%d\","
               "\"title\":\"Benchmark incident\",\"services\":[\"loan-api\"],\"tags\":[],"
               "\"summary\":\"\",\"impact\":\"\",\"phase\":\"RESPOND\",\"severity\":2,"
               "\"created\":\"2026-03-10T11:50:00.000Z\",\"milestones\":{\"started\":"
               "\"2026-03-10T11:50:00.000Z\"}},\"severity_history\":[],\"roles\":[],\"entries\":[",
            n);
    static const char *const kinds[] = {"note", "action", "decision", "hypothesis"};
    for (int i = 0; i < n; i++) {
        int64_t t = 1773143400000LL + (int64_t)i * 250; /* 2026-03-10T11:50Z + i*250ms */
        char iso[40];
        wr_time_iso(t, iso, sizeof iso);
        fprintf(f, "%s{\"recorded\":\"%s\",\"revisions\":[{\"rev\":1,\"changed\":\"%s\","
                   "\"author\":\"scribe\",\"kind\":\"%s\",\"at\":\"%s\",\"text\":\"entry %d: "
                   "p99 latency on /loan/apply at %d ms, scoring provider timeouts rising\","
                   "\"pinned\":%s,\"deleted\":false}]}",
                i ? "," : "", iso, iso, kinds[i % 4], iso, i, 300 + i % 5000,
                i % 1000 == 0 ? "true" : "false");
    }
    fputs("]}\n", f);
    fclose(f);
}

/* The store's share of an import: the same n entries handed to store_import_* already parsed,
 * into a fresh database, in one import transaction. What is left of the import is the JSON. */
static void store_floor(const char *path, int n)
{
    struct wr_error err = {0};
    struct store *s;
    if (store_open(path, &s, &err) != 0)
        die("open floor", &err);
    struct incident inc;
    incident_init(&inc);
    inc.title = "floor";
    int64_t id;
    if (store_incident_create(s, &inc, &id, &err) != 0)
        die("create floor", &err);
    static const enum entry_kind kinds[] = {KIND_NOTE, KIND_ACTION, KIND_DECISION,
                                            KIND_HYPOTHESIS};
    char(*texts)[96] = malloc((size_t)n * sizeof *texts);
    for (int i = 0; i < n; i++)
        snprintf(texts[i], sizeof texts[i],
                 "entry %d: p99 latency on /loan/apply at %d ms, scoring provider timeouts rising",
                 i, 300 + i % 5000);
    int64_t c0 = cpu_us(), t0 = now_us();
    struct store_import *im = NULL;
    if (store_begin_import(s, &err) != 0 || store_import_new(s, id, &im, &err) != 0)
        die("floor begin", &err);
    for (int i = 0; i < n; i++) {
        int64_t t = 1773143400000LL + (int64_t)i * 250;
        struct entry_revision r = {1, t, "scribe", texts[i], kinds[i % 4], t, i % 1000 == 0,
                                   false};
        if (store_import_entry(im, t, NULL, &r, 1, &err) != 0)
            die("floor entry", &err);
    }
    if (store_import_finish(im, &err) != 0 || store_commit(s, &err) != 0)
        die("floor commit", &err);
    int64_t dt = now_us() - t0, dc = cpu_us() - c0;
    store_import_free(&im);
    printf("  of which the store (n=%d, parsed already, fresh db): %.1f ms, %.0f entries/s "
           "(CPU %.1f ms)\n",
           n, (double)dt / 1000.0, (double)n / ((double)dt / 1e6), (double)dc / 1000.0);
    free(texts);
    store_close(&s);
}

/* Child mode: stream the `show --json` record of incident id to /dev/null; print time, peak RSS. */
static int show_child(const char *path, int64_t id)
{
    struct wr_error err = {0};
    struct store *cs;
    if (store_open(path, &cs, &err) != 0)
        die("open", &err);
    FILE *devnull = fopen("/dev/null", "w");
    int64_t c0 = now_us();
    if (exchange_write(cs, id, EXCHANGE_SHOW, devnull, &err) != 0)
        die("show", &err);
    int64_t c1 = now_us();
    fclose(devnull);
    store_close(&cs);
    /* VmHWM, not getrusage: ru_maxrss inherits the spawning process's high-water mark. */
    long hwm_kb = -1;
    char line[256];
    FILE *st = fopen("/proc/self/status", "r");
    while (st && fgets(line, sizeof line, st))
        if (strncmp(line, "VmHWM:", 6) == 0)
            hwm_kb = atol(line + 6);
    if (st)
        fclose(st);
    printf("show --json: %.1f ms, peak RSS %.1f MB\n", (double)(c1 - c0) / 1000.0,
           (double)hwm_kb / 1024.0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--show") == 0)
        return show_child(argv[2], atoll(argv[3]));
    char dir[256];
    snprintf(dir, sizeof dir, "%s/warroom-bench-XXXXXX", argc > 1 ? argv[1] : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    int n = argc > 2 ? atoi(argv[2]) : 100000;
    char path[512], json[512];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    snprintf(json, sizeof json, "%s/big.json", dir);
    struct wr_error err = {0};
    struct store *s;
    if (store_open(path, &s, &err) != 0)
        die("open", &err);

    /* 1. durable single appends: one transaction each, synchronous=FULL. */
    struct incident inc;
    incident_init(&inc);
    inc.title = "append bench";
    int64_t id;
    if (store_incident_create(s, &inc, &id, &err) != 0)
        die("create", &err);
    enum { APPENDS = 1000 };
    int64_t *lat = calloc(APPENDS, sizeof *lat);
    for (int i = 0; i < APPENDS; i++) {
        struct entry e = {.incident_id = id, .kind = KIND_NOTE, .author = "bench",
                          .text = "scoring provider timeouts; rolling back"};
        int64_t t0 = now_us();
        if (store_entry_append(s, &e, &err) != 0)
            die("append", &err);
        lat[i] = now_us() - t0;
    }
    qsort(lat, APPENDS, sizeof *lat, cmp_i64);
    printf("durable append (n=%d): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", APPENDS,
           (double)lat[APPENDS / 2] / 1000.0, (double)lat[APPENDS * 99 / 100] / 1000.0,
           (double)lat[APPENDS - 1] / 1000.0);
    free(lat);

    /* 2. bulk import of an n-entry incident (parse + one transaction). */
    write_big_export(json, n);
    char *text = wr_read_file(json, NULL, &err);
    if (!text)
        die("read", &err);
    int64_t c0 = cpu_us(), t0 = now_us(), big;
    if (exchange_import(s, text, false, &big, &err) != 0)
        die("import", &err);
    int64_t dt = now_us() - t0, dc = cpu_us() - c0;
    /* CPU time beside the wall time: on a shared machine the wall time also holds waits for
     * the disk (the commit's fsync) and for other processes. */
    printf("bulk import (n=%d): %.1f ms, %.0f entries/s (CPU %.1f ms)\n", n, (double)dt / 1000.0,
           (double)n / ((double)dt / 1e6), (double)dc / 1000.0);
    store_close(&s);

    char floor_db[512];
    snprintf(floor_db, sizeof floor_db, "%s/floor.db", dir);
    store_floor(floor_db, n);

    /* The same into a database with 4 KiB pages, as warroom before schema 6 created them (the
     * store keeps an existing database's page size). */
    char old_db[512];
    snprintf(old_db, sizeof old_db, "%s/old-pages.db", dir);
    sqlite3 *raw;
    if (sqlite3_open(old_db, &raw) != SQLITE_OK ||
        sqlite3_exec(raw, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;", NULL, NULL,
                     NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: 4 KiB pages: %s\n", sqlite3_errmsg(raw));
        return 1;
    }
    sqlite3_close(raw);
    if (store_open(old_db, &s, &err) != 0)
        die("open 4 KiB pages", &err);
    int64_t old_id;
    c0 = cpu_us();
    t0 = now_us();
    if (exchange_import(s, text, false, &old_id, &err) != 0)
        die("import 4 KiB pages", &err);
    dt = now_us() - t0;
    dc = cpu_us() - c0;
    printf("  the same into 4 KiB pages (a database made before schema 6): %.1f ms, %.0f "
           "entries/s (CPU %.1f ms)\n",
           (double)dt / 1000.0, (double)n / ((double)dt / 1e6), (double)dc / 1000.0);
    store_close(&s);
    free(text);

    /* 3. `warroom show ID --json` in a fresh process, so its peak memory is its own. */
    fflush(stdout);
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)big);
    char *child_argv[] = {argv[0], "--show", path, sid, NULL};
    pid_t pid;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, child_argv, environ) != 0) {
        perror("posix_spawn");
        return 1;
    }
    int status;
    waitpid(pid, &status, 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (getenv("BENCH_KEEP"))
        printf("kept %s\n", dir);
    else if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
