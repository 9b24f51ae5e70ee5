/* bench_append.c: team-mode store figures (issue 12) on any database target: acknowledged
 * append latency (one durable transaction each), the time until another connection is told of
 * the change (PostgreSQL's NOTIFY), and the throughput of 8 concurrent writers on one incident.
 * Prints figures; asserts nothing about time.
 *
 *   bench_append TARGET [APPENDS]     TARGET: a SQLite path or a PostgreSQL URL
 *   tests/bench/bench_team.sh         starts a local PostgreSQL 15 with fsync on and runs this
 *                                     against it and against SQLite, for comparison
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

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

static void die(const char *what, const struct wr_error *err)
{
    fprintf(stderr, "bench_append: %s: %s\n", what, err->msg);
    exit(1);
}

static void report(const char *what, int64_t *us, int n)
{
    qsort(us, (size_t)n, sizeof *us, cmp_i64);
    printf("%s (n=%d): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", what, n,
           (double)us[n / 2] / 1000.0, (double)us[(n * 99) / 100] / 1000.0,
           (double)us[n - 1] / 1000.0);
}

static int64_t new_incident(struct store *s, const char *title)
{
    struct wr_error err = {0};
    struct incident inc;
    incident_init(&inc);
    inc.title = (char *)title;
    int64_t id;
    if (store_incident_create(s, &inc, &id, &err) != 0)
        die("create", &err);
    return id;
}

static void append(struct store *s, int64_t id, const char *text)
{
    struct wr_error err = {0};
    struct entry e = {.incident_id = id, .kind = KIND_NOTE, .author = "bench", .text = (char *)text};
    if (store_entry_append(s, &e, &err) != 0)
        die("append", &err);
}

/* The server's durability settings, so the figures say what they were measured with. */
static void print_pg_settings(const char *target)
{
    PGconn *c = PQconnectdb(target);
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, "SELECT current_setting('server_version'),"
                                " current_setting('fsync'), current_setting('synchronous_commit'),"
                                " current_setting('wal_sync_method')");
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            printf("server: PostgreSQL %s, fsync=%s, synchronous_commit=%s (warroom raises off/"
                   "local to on), wal_sync_method=%s\n",
                   PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
                   PQgetvalue(r, 0, 3));
        PQclear(r);
    }
    PQfinish(c);
}

/* Another connection waits on the change socket; each append's latency runs from before the
 * writer's call to the moment the listener has drained the notification. */
static void visibility(const char *target, int n)
{
    struct wr_error err = {0};
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        perror("pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        struct store *l;
        if (store_open(target, &l, &err) != 0)
            die("listener open", &err);
        int64_t v, seen;
        if (store_data_version(l, &seen, &err) != 0) /* starts listening */
            die("listen", &err);
        char go = 1;
        if (write(to_parent[1], &go, 1) != 1)
            _exit(1);
        struct pollfd p = {.fd = store_change_fd(l), .events = POLLIN};
        for (int i = 0; i < n; i++) {
            for (;;) {
                if (store_data_version(l, &v, &err) != 0)
                    die("drain", &err);
                if (v != seen)
                    break;
                poll(&p, 1, 1000);
            }
            seen = v;
            int64_t t = now_us();
            if (write(to_parent[1], &t, sizeof t) != (ssize_t)sizeof t)
                _exit(1);
        }
        store_close(&l);
        _exit(0);
    }
    struct store *s;
    if (store_open(target, &s, &err) != 0)
        die("open", &err);
    int64_t id = new_incident(s, "visibility bench");
    char go;
    if (read(to_parent[0], &go, 1) != 1)
        exit(1);
    int64_t *lat = calloc((size_t)n, sizeof *lat);
    for (int i = 0; i < n; i++) {
        char text[64];
        snprintf(text, sizeof text, "visible %d", i);
        int64_t t0 = now_us(), t1;
        append(s, id, text);
        if (read(to_parent[0], &t1, sizeof t1) != (ssize_t)sizeof t1)
            exit(1);
        lat[i] = t1 - t0;
    }
    waitpid(pid, NULL, 0);
    report("append to another connection notified", lat, n);
    free(lat);
    store_close(&s);
}

/* 8 processes x `each` appends on one incident: wall time and appends per second. */
static void concurrent(const char *target, int writers, int each)
{
    struct wr_error err = {0};
    struct store *s;
    if (store_open(target, &s, &err) != 0)
        die("open", &err);
    int64_t id = new_incident(s, "concurrency bench");
    int64_t t0 = now_us();
    for (int w = 0; w < writers; w++) {
        if (fork() == 0) {
            struct store *c;
            if (store_open(target, &c, &err) != 0)
                die("writer open", &err);
            for (int i = 0; i < each; i++) {
                char text[64];
                snprintf(text, sizeof text, "writer %d entry %d", w, i);
                append(c, id, text);
            }
            store_close(&c);
            _exit(0);
        }
    }
    int failed = 0, status;
    for (int w = 0; w < writers; w++)
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    int64_t t1 = now_us();
    int64_t count = 0;
    if (store_entry_count(s, id, NULL, &count, &err) != 0)
        die("count", &err);
    printf("%d writers x %d appends on one incident: %.2f s, %.0f appends/s, %lld rows, %d "
           "writers failed\n",
           writers, each, (double)(t1 - t0) / 1e6, (double)writers * each * 1e6 / (double)(t1 - t0),
           (long long)count, failed);
    store_close(&s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_append TARGET [APPENDS]\n");
        return 2;
    }
    const char *target = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    if (n < 2)
        n = 2;
    struct wr_error err = {0};
    struct store *s;
    if (store_open(target, &s, &err) != 0)
        die("open", &err);
    printf("== %s (%s)\n", store_is_remote(s) ? "PostgreSQL" : "SQLite", store_path(s));
    if (store_is_remote(s))
        print_pg_settings(target);

    int64_t id = new_incident(s, "append bench");
    for (int i = 0; i < 20; i++) /* warm the prepared statements and the connection */
        append(s, id, "warm-up");
    int64_t *us = calloc((size_t)n, sizeof *us);
    for (int i = 0; i < n; i++) {
        char text[96];
        snprintf(text, sizeof text, "entry %d: p99 latency on /loan/apply rising", i);
        int64_t t0 = now_us();
        append(s, id, text);
        us[i] = now_us() - t0;
    }
    report("append acknowledged (durable commit)", us, n);
    free(us);
    store_close(&s);

    if (store_open(target, &s, &err) == 0 && store_change_fd(s) >= 0) {
        store_close(&s);
        visibility(target, n / 5 > 50 ? n / 5 : 50);
    } else {
        store_close(&s);
        printf("append to another connection notified: n/a (SQLite: the cockpit watches the "
               "file; see bench_tui)\n");
    }
    concurrent(target, 8, 500);
    return 0;
}
