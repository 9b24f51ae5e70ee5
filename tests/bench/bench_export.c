/* bench_export.c: Markdown postmortem export of a 100,000-entry incident: time and peak memory.
 * Usage: bench_export [N]   (prints figures; goal <= 80 ms, memory flat). The export runs in a
 * posix_spawn'ed child so its VmHWM is its own, not the builder's; BENCH_KEEP=1 keeps the
 * database for `bench_export --child DB OUTDIR [RUNS]` under a profiler. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lint.h"
#include "postmortem.h"
#include "store.h"

extern char **environ;

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time beside wall time: on a machine shared with other sessions, wall time also holds
 * the time this process waited to run. */
static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

/* Export incident 1 of db into dir three ways: the draft alone (pm_build: the document's data,
 * no timeline rows), the whole export, and the whole export with the blameless check the CLI
 * runs. Best of `runs` each (a shared machine only ever adds time). */
static int child(const char *db, const char *dir, int runs)
{
    struct store *s = NULL;
    struct lint_rules *lint = NULL;
    struct wr_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/blameless.json", WARROOM_DATA_DIR);
    if (store_open(db, &s, &err) != 0 || lint_rules_load(path, &lint, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    long before = vm_hwm_kb();
    double best[3] = {1e9, 1e9, 1e9}, cbest[3] = {1e9, 1e9, 1e9};
    for (int r = 0; r < runs; r++) {
        struct pm_options opt = {NULL, NULL, NULL, NULL, wr_now_ms()};
        cJSON *data = NULL;
        struct pm_graph *graphs = NULL;
        size_t ng = 0;
        double t0 = now_ms(), c0 = cpu_ms();
        if (pm_build(s, 1, &opt, &data, &graphs, &ng, &err) != 0)
            goto fail;
        double t1 = now_ms(), c1 = cpu_ms();
        cJSON_Delete(data);
        pm_graphs_free(&graphs, ng);
        if (pm_export(s, 1, &opt, dir, NULL, &err) != 0)
            goto fail;
        double t2 = now_ms(), c2 = cpu_ms();
        struct lint_report rep = {0};
        opt.lint = lint;
        if (pm_export(s, 1, &opt, dir, &rep, &err) != 0)
            goto fail;
        double t3 = now_ms(), c3 = cpu_ms();
        lint_report_clear(&rep);
        double t[3] = {t1 - t0, t2 - t1, t3 - t2}, c[3] = {c1 - c0, c2 - c1, c3 - c2};
        for (int i = 0; i < 3; i++) {
            best[i] = t[i] < best[i] ? t[i] : best[i];
            cbest[i] = c[i] < cbest[i] ? c[i] : cbest[i];
        }
    }
    struct stat st;
    snprintf(path, sizeof path, "%s/postmortem.md", dir);
    double mb = stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
    printf("draft (pm_build)       %.1f ms (CPU %.1f ms)\n", best[0], cbest[0]);
    printf("export md              %.1f ms (CPU %.1f ms)\n", best[1], cbest[1]);
    printf("export md + lint       %.1f ms (CPU %.1f ms; what `warroom export --format md` does)\n",
           best[2], cbest[2]);
    printf("throughput             %.0f MB/s (%.0f MB/s of CPU), md + lint\n", mb / best[2] * 1e3,
           mb / cbest[2] * 1e3);
    printf("memory                 VmHWM %ld kB (%ld kB after opening the database)\n",
           vm_hwm_kb(), before);
    lint_rules_free(&lint);
    store_close(&s);
    return 0;
fail:
    fprintf(stderr, "%s\n", err.msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--child") == 0)
        return child(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 3);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    char dir[] = "/tmp/wr-bench-export-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char db[128], out[160];
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    struct store *s = NULL;
    struct wr_error err;
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Bench incident");
    int64_t id;
    if (store_open(db, &s, &err) != 0 || store_incident_create(s, &inc, &id, &err) != 0 ||
        store_begin(s, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    incident_clear(&inc);
    int64_t t0 = 1767258000000LL;
    for (long i = 0; i < n; i++) {
        char text[160];
        snprintf(text, sizeof text, "entry %ld: checked the pool | latency `p99` <b>%ld</b> ms", i,
                 i % 997);
        struct entry_revision r = {1, t0 + i * 100, "bench", text, (enum entry_kind)(i % 7),
                                   t0 + i * 100, i % 50 == 0, false};
        if (store_entry_import(s, id, t0 + i * 100, NULL, &r, 1, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    if (store_commit(s, &err) != 0)
        return 1;
    store_close(&s);
    char *cargv[] = {argv[0], "--child", db, out, NULL};
    pid_t pid;
    if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, cargv, environ) != 0) {
        perror("posix_spawn");
        return 1;
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("entries: %ld\n", n);
    char cmd[256];
    if (getenv("BENCH_KEEP")) /* profile the export alone: bench_export --child DB OUTDIR */
        snprintf(cmd, sizeof cmd, "wc -c %s/postmortem.md; echo kept %s", out, dir);
    else
        snprintf(cmd, sizeof cmd, "wc -c %s/postmortem.md; rm -rf %s", out, dir);
    if (system(cmd) != 0)
        return 1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
