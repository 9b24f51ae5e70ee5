/* bench_sli.c: idle cost of six SLI panels and keypress latency while an endpoint hangs. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "vt.h"

/*
 * Usage: bench_sli WARROOM_BIN BAD_ENDPOINT_PY [IDLE_SECONDS=60] [KEYS=100]
 * Six JSON SLIs refreshing every 15 s against tests/integration/bad_endpoint.py: idle CPU and
 * wakeups (voluntary context switches) over IDLE_SECONDS; then the time from a keypress to
 * the end of the redraw, all healthy versus one endpoint that never answers. Prints figures.
 */

static pid_t start_endpoint(const char *script, int *port)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        execlp("python3", "python3", script, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[32] = "";
    size_t got = 0;
    while (got < sizeof buf - 1 && read(p[0], buf + got, 1) == 1 && buf[got] != '\n')
        got++;
    close(p[0]);
    *port = atoi(buf);
    return *port > 0 ? pid : -1;
}

static int write_config(const char *path, int port, bool one_hangs)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"services\": [{\"name\": \"bench\", \"slis\": [\n");
    for (int i = 0; i < 6; i++)
        fprintf(f, "%s{\"id\": \"s%d\", \"type\": \"throughput\", \"min\": 1, \"refresh\": \"15s\","
                   " \"source\": {\"type\": \"json\", \"timeout\": \"60s\", \"path\": \"data.items[0].value\","
                   " \"url\": \"http://127.0.0.1:%d/%s\"}}\n",
                i ? "," : "", i, port, one_hangs && i == 0 ? "hang" : "json");
    fprintf(f, "]}]}\n");
    return fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run(const char *bin, const char *db, const char *config, const char *id, int idle_s,
               int nkeys, const char *label)
{
    const char *argv[] = {bin, "--db", db, "--config", config, "tui", id, NULL};
    const char *env[] = {"XDG_STATE_HOME=/tmp", NULL};
    struct vt *vt = vt_spawn(argv, env, 40, 120);
    if (!vt || vt_wait_text(vt, "bench", 10000) != 0)
        return -1;
    vt_wait_quiet(vt, 500, 5000);
    if (idle_s > 0) {
        struct vt_proc_stats a, b;
        vt_proc_stats(vt, &a);
        vt_observe(vt, idle_s * 1000);
        vt_proc_stats(vt, &b);
        printf("%-8s idle %ds: cpu %.1f ms (%.3f %%), %ld wakeups (%.2f/s), rss %ld kB\n", label,
               idle_s, b.cpu_ms - a.cpu_ms, (b.cpu_ms - a.cpu_ms) / (idle_s * 10.0),
               b.voluntary_switches - a.voluntary_switches,
               (double)(b.voluntary_switches - a.voluntary_switches) / idle_s, b.rss_kb);
    }
    double *lat = calloc((size_t)nkeys, sizeof *lat);
    int n = 0;
    for (int i = 0; i < nkeys && lat; i++) {
        double ms = 0;
        if (vt_time_keys(vt, i % 20 == 19 ? "<C-u>" : "x", 20, 2000, &ms) == 0 && ms > 0)
            lat[n++] = ms;
    }
    if (n > 0) {
        qsort(lat, (size_t)n, sizeof *lat, cmp_double);
        printf("%-8s keypress (%d): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", label, n,
               lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], lat[n - 1]);
    }
    free(lat);
    vt_free(&vt);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_sli WARROOM_BIN BAD_ENDPOINT_PY [IDLE_SECONDS] [KEYS]\n");
        return 2;
    }
    int idle_s = argc > 3 ? atoi(argv[3]) : 60, nkeys = argc > 4 ? atoi(argv[4]) : 100;
    char dir[] = "/tmp/wr-bench-sli-XXXXXX", db[128], config[128], id[32];
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/b.db", dir);
    snprintf(config, sizeof config, "%s/c.json", dir);
    struct store *s = NULL;
    struct wr_error err;
    struct incident inc;
    int64_t iid = 0;
    incident_init(&inc);
    inc.title = strdup("bench");
    if (store_open(db, &s, &err) != 0 || store_incident_create(s, &inc, &iid, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    incident_clear(&inc);
    store_close(&s);
    snprintf(id, sizeof id, "%" PRId64, iid);
    int port = 0;
    pid_t server = start_endpoint(argv[2], &port);
    if (server < 0)
        return 1;
    int rc = 0;
    if (write_config(config, port, false) != 0 || run(argv[1], db, config, id, idle_s, nkeys, "healthy") != 0)
        rc = 1;
    if (write_config(config, port, true) != 0 || run(argv[1], db, config, id, idle_s, nkeys, "one-hang") != 0)
        rc = 1;
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    char p[192];
    const char *files[] = {"b.db", "b.db-wal", "b.db-shm", "c.json"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
    return rc;
}
