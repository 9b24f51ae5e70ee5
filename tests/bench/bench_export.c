/* bench_export.c: Markdown postmortem export of a 100,000-entry incident: time and peak memory.
 * Usage: bench_export [N]   (prints figures; goal <= 200 ms, memory bounded). The export runs in a
 * posix_spawn'ed child so its VmHWM is its own, not the builder's. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static int child(const char *db, const char *dir)
{
    struct store *s = NULL;
    struct wr_error err;
    if (store_open(db, &s, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    long before = vm_hwm_kb();
    struct pm_options opt = {NULL, NULL, NULL, NULL, wr_now_ms()};
    int64_t t0 = wr_mono_ms();
    if (pm_export(s, 1, &opt, dir, NULL, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int64_t t1 = wr_mono_ms();
    printf("export: %lld ms, VmHWM %ld kB (after open %ld kB)\n", (long long)(t1 - t0),
           vm_hwm_kb(), before);
    store_close(&s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0)
        return child(argv[2], argv[3]);
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
