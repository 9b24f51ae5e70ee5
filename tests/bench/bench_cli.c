/* bench_cli.c: what one command costs end to end, from fork to exit: `warroom --help` and
 * `warroom log ID TEXT` (a durable append), against a process that does nothing (/bin/true).
 * `log` is measured twice: alone (the last connection to close checkpoints the WAL and deletes it:
 * 5 fdatasyncs), and with another connection holding the database open, as the cockpit does
 * during an incident (the WAL stays: its sync and the directory's, 2 fdatasyncs).
 * Usage: bench_cli WARROOM_BIN [RUNS=300] [DIR=/tmp]. Prints p50/p90/p99/max; asserts nothing. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

extern char **environ;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Run argv to completion with stdout on /dev/null; the wall time in ms, or -1. */
static double run(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double t0 = now_ms();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st = 0;
    waitpid(pid, &st, 0);
    double t = now_ms() - t0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? t : -1;
}

static void report(const char *label, double *ms, int n)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    printf("%-22s n=%d p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", label, n, ms[n / 2],
           ms[n * 9 / 10], ms[n * 99 / 100 < n ? n * 99 / 100 : n - 1], ms[n - 1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_cli WARROOM_BIN [RUNS] [DIR]\n");
        return 2;
    }
    char *bin = argv[1];
    int runs = argc > 2 ? atoi(argv[2]) : 300;
    char dir[256], db[300];
    snprintf(dir, sizeof dir, "%s/wr-bench-cli-XXXXXX", argc > 3 ? argv[3] : "/tmp");
    if (runs < 10 || !mkdtemp(dir)) {
        fprintf(stderr, "bench_cli: need RUNS >= 10 and a writable DIR\n");
        return 2;
    }
    snprintf(db, sizeof db, "%s/bench.db", dir);
    double *ms = calloc((size_t)runs, sizeof *ms);
    char *new_argv[] = {bin, "--db", db, "new", "bench: checkout latency", NULL};
    if (!ms || run(new_argv) < 0) {
        fprintf(stderr, "bench_cli: %s could not create the incident\n", bin);
        return 1;
    }
    char *true_argv[] = {"/bin/true", NULL};
    char *help_argv[] = {bin, "--help", NULL};
    char text[96];
    char *log_argv[] = {bin, "--db", db, "log", "1", text, NULL};
    struct {
        const char *label;
        char **argv;
    } cases[] = {{"/bin/true", true_argv},
                 {"warroom --help", help_argv},
                 {"warroom log", log_argv},
                 {"log, cockpit open", log_argv}};
    struct store *held = NULL;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (c == 3) { /* a reader that keeps the WAL open, like a cockpit */
            struct wr_error err;
            int64_t count = 0;
            struct entry_filter all = {0};
            if (store_open(db, &held, &err) != 0 ||
                store_entry_count(held, 1, &all, &count, &err) != 0) {
                fprintf(stderr, "bench_cli: %s\n", err.msg);
                return 1;
            }
        }
        int n = 0;
        for (int i = 0; i < runs; i++) {
            snprintf(text, sizeof text, "! entry %d: roll back the scoring deploy", i);
            double t = run(cases[c].argv);
            if (t < 0) {
                fprintf(stderr, "bench_cli: %s failed\n", cases[c].label);
                return 1;
            }
            ms[n++] = t;
        }
        report(cases[c].label, ms, n);
    }
    store_close(&held);
    free(ms);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
