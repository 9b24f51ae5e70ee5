/* bench_analyze.c: how fast `warroom analyze` reads logs, against the jq pipeline of issue 10,
 * and how much memory it needs; prints figures, asserts nothing about time.
 *
 *   bench_analyze WARROOM_BINARY [MB] [DIR]
 *
 * Generates a JSON-lines file of MB megabytes (default 150) with tests/tools/gen_demo_logs.py in
 * DIR (default a temporary directory), then measures in the same run:
 *   1. warroom analyze --json FILE (all cores) and --threads 1
 *   2. jq -cR 'fromjson? | select(.http_status != null) | [...]' FILE | sort | uniq -c
 *   3. the same file gzipped: MB/s of uncompressed data
 *   4. peak memory (max RSS) for about 1 GB of input (the file given several times)
 * and the load average seen, since the machine may be shared. Each warroom figure is the best
 * of 3 runs, jq's the best of 2 (the other processes of a shared machine only add time); CPU
 * time is printed beside wall time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double g_cpu; /* CPU seconds (user + system) of the last run, children included */

/* Run argv with stdout to /dev/null; wall seconds and max RSS (KiB). -1 on failure. */
static double run(char *const argv[], long *maxrss_kb)
{
    struct rusage before;
    getrusage(RUSAGE_CHILDREN, &before);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    double t = now_s() - t0;
    if (maxrss_kb)
        *maxrss_kb = ru.ru_maxrss;
    struct rusage after;
    getrusage(RUSAGE_CHILDREN, &after);
    /* RUSAGE_CHILDREN covers the shell pipeline's processes too */
    g_cpu = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
            (double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
            (double)(after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
            (double)(after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_analyze: %s exited with %d\n", argv[0],
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return t;
}

/* The best of `n` runs (least wall time; its CPU time in g_cpu): on a shared machine the other
 * processes only ever add time, so the best run is the closest to the program's own cost. */
static double best_of(int n, char *const argv[], long *maxrss_kb)
{
    double best = -1, best_cpu = 0;
    long rss = 0, best_rss = 0;
    for (int i = 0; i < n; i++) {
        double t = run(argv, &rss);
        if (t < 0)
            return -1;
        if (best < 0 || t < best) {
            best = t;
            best_cpu = g_cpu;
        }
        if (rss > best_rss)
            best_rss = rss;
    }
    g_cpu = best_cpu;
    if (maxrss_kb)
        *maxrss_kb = best_rss;
    return best;
}

static double file_mb(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0;
}

static void load(const char *when)
{
    double l[3];
    if (getloadavg(l, 3) == 3)
        printf("load average %s: %.2f %.2f %.2f (2 cores shared)\n", when, l[0], l[1], l[2]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_analyze WARROOM_BINARY [MB] [DIR]\n");
        return 2;
    }
    const char *bin = argv[1];
    int mb = argc > 2 ? atoi(argv[2]) : 150;
    char dir[4096];
    if (argc > 3) {
        snprintf(dir, sizeof dir, "%s", argv[3]);
    } else {
        snprintf(dir, sizeof dir, "/tmp/bench_analyze.XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    }
    char file[4200], gz[4300], cmd[9000];
    snprintf(file, sizeof file, "%s/bench.jsonl", dir);
    snprintf(gz, sizeof gz, "%s/bench.jsonl.gz", dir);
    load("at start");
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/tools/gen_demo_logs.py' --jsonl '%s' --mb %d",
             WARROOM_SOURCE_DIR, file, mb);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_analyze: cannot generate %s\n", file);
        return 1;
    }
    double size = file_mb(file);
    printf("input: %s, %.1f MB of JSON lines\n", file, size);

    long rss = 0;
    char *a_all[] = {(char *)bin, "analyze", "--json", file, NULL};
    double t_all = best_of(3, a_all, &rss), c_all = g_cpu;
    char *a_one[] = {(char *)bin, "analyze", "--json", "--threads", "1", file, NULL};
    double t_one = best_of(3, a_one, NULL), c_one = g_cpu;
    printf("warroom analyze (all cores): %.2f s wall (%.0f MB/s), %.2f s CPU, max RSS %.1f MB\n",
           t_all, size / t_all, c_all, (double)rss / 1024.0);
    printf("warroom analyze (1 thread):  %.2f s wall (%.0f MB/s), %.2f s CPU (%.0f MB/s per core)\n",
           t_one, size / t_one, c_one, size / c_one);

    snprintf(cmd, sizeof cmd,
             "jq -cR 'fromjson? | select(.http_status != null) | [.http_method, .http_path, "
             "(.http_status >= 500)]' '%s' | sort | uniq -c",
             file);
    char *a_jq[] = {"sh", "-c", cmd, NULL};
    double t_jq = best_of(2, a_jq, NULL), c_jq = g_cpu;
    if (t_jq > 0)
        printf("jq | sort | uniq -c:         %.2f s wall (%.0f MB/s), %.2f s CPU -> warroom is "
               "%.1fx faster in wall time (1 thread: %.1fx), %.1fx less CPU\n", t_jq, size / t_jq,
               c_jq, t_jq / t_all, t_jq / t_one, c_jq / c_one);

    snprintf(cmd, sizeof cmd, "gzip -6 -c '%s' > '%s'", file, gz);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_analyze: gzip failed\n");
        return 1;
    }
    char *a_gz[] = {(char *)bin, "analyze", "--json", gz, NULL};
    double t_gz = best_of(3, a_gz, &rss), c_gz = g_cpu;
    printf("gzip input (%.1f MB compressed): %.2f s wall, %.0f MB/s of uncompressed data "
           "(%.2f s CPU), max RSS %.1f MB\n", file_mb(gz), t_gz, size / t_gz, c_gz,
           (double)rss / 1024.0);
    char *a_gz1[] = {(char *)bin, "analyze", "--json", "--threads", "1", gz, NULL};
    double t_gz1 = best_of(3, a_gz1, NULL);
    printf("gzip input, 1 thread (inflate and parse in turn): %.2f s wall, %.0f MB/s (%.2f s "
           "CPU)\n", t_gz1, size / t_gz1, g_cpu);

    /* about 1 GB: the plain file given several times, and the gzip one too */
    int copies = (int)(1024.0 / size + 0.999);
    char *a_big[40] = {(char *)bin, "analyze", "--json"};
    int k = 3;
    for (int i = 0; i < copies && k < 36; i++)
        a_big[k++] = file;
    a_big[k] = NULL;
    double t_big = run(a_big, &rss);
    printf("1 GB input (%d x %.0f MB plain): %.2f s, %.0f MB/s, max RSS %.1f MB\n", copies, size,
           t_big, size * copies / t_big, (double)rss / 1024.0);
    k = 3;
    for (int i = 0; i < copies && k < 36; i++)
        a_big[k++] = gz;
    a_big[k] = NULL;
    t_big = run(a_big, &rss);
    printf("1 GB input (%d x gzip): %.2f s, %.0f MB/s of uncompressed data, max RSS %.1f MB\n",
           copies, t_big, size * copies / t_big, (double)rss / 1024.0);
    load("at the end");
    if (argc <= 3) {
        unlink(file);
        unlink(gz);
        rmdir(dir);
    }
    return 0;
}
