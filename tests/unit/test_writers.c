/* test_writers.c: four processes append to one incident at once, 2,500 entries each, as an IC,
 * a scribe and two scripts would on one jump host: no writer sees an error (busy_timeout and
 * retry absorb the contention), and the timeline ends with exactly 10,000 entries, each one
 * once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

enum { WRITERS = 4, EACH = 2500 };

/* One writer: its own connection, one durable transaction per entry (like `warroom log`).
 * Exits 0, or non-zero after printing the first error. */
static void writer(const char *path, int64_t inc, int w)
{
    struct store *s;
    struct wr_error err = {0};
    if (store_open(path, &s, &err) != 0) {
        fprintf(stderr, "writer %d: open: %s\n", w, err.msg);
        _exit(10);
    }
    for (int i = 0; i < EACH; i++) {
        char text[64];
        snprintf(text, sizeof text, "writer %d entry %04d", w, i);
        struct entry e = {.incident_id = inc, .kind = KIND_NOTE, .author = "w", .text = text};
        if (store_entry_append(s, &e, &err) != 0) {
            fprintf(stderr, "writer %d entry %d: %s\n", w, i, err.msg);
            _exit(11);
        }
    }
    store_close(&s);
    _exit(0);
}

static void test_four_writers(void **state)
{
    (void)state;
    /* tmpfs when there is one: the test is about lock contention, and 10,000 fsyncs on a
     * shared CI disk would only measure the disk. */
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "%s/warroom-writers-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.db", dir);
    struct store *s;
    struct wr_error err = {0};
    assert_int_equal(store_open(path, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = "Four writers";
    inc.milestones[MS_STARTED] = 1000000;
    int64_t id;
    assert_int_equal(store_incident_create(s, &inc, &id, &err), 0);
    int64_t before;
    assert_int_equal(store_entry_count(s, id, NULL, &before, &err), 0);

    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0)
            writer(path, id, w);
    }
    int failed = 0;
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    assert_int_equal(failed, 0);

    int64_t count;
    assert_int_equal(store_entry_count(s, id, NULL, &count, &err), 0);
    assert_int_equal(count - before, WRITERS * EACH);
    /* Each entry exactly once: the first, a middle and the last of every writer. */
    const int probes[] = {0, EACH / 2, EACH - 1};
    for (int w = 0; w < WRITERS; w++)
        for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
            char text[64];
            snprintf(text, sizeof text, "writer %d entry %04d", w, probes[k]);
            struct entry_filter one = {.text = text};
            assert_int_equal(store_entry_count(s, id, &one, &count, &err), 0);
            assert_int_equal(count, 1);
        }
    store_close(&s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_four_writers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
