/* test_tui_speed.c: what the cockpit's key path and idle time cost, counted (never timed):
 * wakeups while idle, bytes a keystroke writes to the terminal, whole-screen redraws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "vt.h"

#define MIN 60000LL
#define PINNED "WARROOM_NOW=2026-01-01T12:00:00Z"
#define PINNED_MS 1767268800000LL

struct fixture {
    char dir[64];
    char db[128];
    char home[160];
    char idbuf[32];
};

/* One incident started `started` with 300 entries a second apart, the newest "entry 300". */
static void make_fixture(struct fixture *f, int64_t started)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-speed-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Checkout latency");
    inc.milestones[MS_STARTED] = started;
    int64_t id = 0;
    assert_int_equal(store_incident_create(s, &inc, &id, &err), 0);
    incident_clear(&inc);
    assert_int_equal(store_begin(s, &err), 0);
    for (int i = 1; i <= 300; i++) {
        char text[64];
        struct entry e;
        entry_init(&e);
        snprintf(text, sizeof text, "entry %d: pool waiters %d", i, i % 37);
        e.incident_id = id;
        e.at_ms = started + i * 1000;
        e.kind = KIND_NOTE;
        e.author = (char *)"bench";
        e.text = text;
        assert_int_equal(store_entry_append(s, &e, &err), 0);
    }
    assert_int_equal(store_commit(s, &err), 0);
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)id);
}

static void remove_fixture(struct fixture *f)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

/* The cockpit on the fixture, no SLIs, no destinations; now_env pins the clock (or NULL). */
static struct vt *spawn(struct fixture *f, const char *now_env)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "tui", f->idbuf, NULL};
    const char *env[] = {f->home, "XDG_STATE_HOME=", "XDG_CONFIG_HOME=", now_env, NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "entry 300:", VT_WAIT_MAX_MS), 0);
    vt_wait_quiet(vt, 300, VT_WAIT_MAX_MS);
    return vt;
}

/* Times the process went to sleep and woke up again while nothing happened for `ms`. */
static long idle_wakeups(struct vt *vt, int ms)
{
    struct vt_proc_stats a, b;
    assert_int_equal(vt_proc_stats(vt, &a), 0);
    vt_observe(vt, ms);
    assert_int_equal(vt_proc_stats(vt, &b), 0);
    return b.voluntary_switches - a.voluntary_switches;
}

static void quit(struct vt **vt)
{
    int status = -1;
    assert_int_equal(vt_keys(*vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(*vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(*vt, "q"), 0);
    assert_int_equal(vt_wait_exit(*vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    vt_free(vt);
}

/* Frames drawn and whole-screen redraws, from the session log's last line. */
static void session_frames(struct fixture *f, int *frames, int *full)
{
    char path[256], line[512];
    snprintf(path, sizeof path, "%s/.local/state/warroom/warroom.log", f->dir);
    FILE *log = fopen(path, "r");
    assert_non_null(log);
    *frames = *full = -1;
    while (fgets(line, sizeof line, log)) {
        const char *p = strstr(line, "session ended after ");
        if (p)
            assert_int_equal(sscanf(p, "session ended after %d frames (%d full)", frames, full), 2);
    }
    fclose(log);
    assert_true(*frames >= 0);
}

/* Nothing on screen can change by itself when the clock is pinned: no wakeups at all. */
static void test_idle_pinned_clock_sleeps(void **state)
{
    struct fixture f;
    make_fixture(&f, PINNED_MS - 3 * 60 * MIN);
    struct vt *vt = spawn(&f, PINNED);
    long n = idle_wakeups(vt, 3000);
    if (n > 1)
        fprintf(stderr, "woke %ld times in 3 s with nothing to show\n", n);
    assert_true(n <= 1);
    quit(&vt);
    remove_fixture(&f);
}

/* Elapsed over an hour shows minutes: the cockpit wakes once a minute, not once a second. */
static void test_idle_real_clock_wakes_per_minute(void **state)
{
    struct fixture f;
    make_fixture(&f, wr_now_ms() - 2 * 60 * MIN - 30000);
    struct vt *vt = spawn(&f, NULL);
    long n = idle_wakeups(vt, 3500);
    if (n > 1)
        fprintf(stderr, "woke %ld times in 3.5 s; the header changes once a minute\n", n);
    assert_true(n <= 1); /* one minute boundary may fall inside the window */
    quit(&vt);
    remove_fixture(&f);
}

/* The header's elapsed time (over an hour: minutes) turns over with the title row's clock, at the
 * wall minute, not at the start's own second: one wakeup a minute, not two. The window below
 * holds a minute of the start's and none of the wall clock's. */
static void test_elapsed_turns_with_the_clock(void **state)
{
    int64_t now = wr_now_ms();
    if (now % 60000 >= 45000) { /* keep the next wall minute out of the window */
        struct timespec ts = {0, 0};
        int64_t wait = 60000 - now % 60000 + 500;
        ts.tv_sec = wait / 1000;
        ts.tv_nsec = (wait % 1000) * 1000000;
        nanosleep(&ts, NULL);
        now = wr_now_ms();
    }
    struct fixture f;
    /* 2 h 03 min ago, give or take: its next minute of elapsed time is 6 s from now. */
    make_fixture(&f, now + 6000 - 123 * MIN);
    struct vt *vt = spawn(&f, NULL);
    int64_t left = now + 10000 - wr_now_ms(); /* to 4 s past the start's minute */
    if (left < 4000) /* the start took so long the window may miss that minute: say so */
        fprintf(stderr, "slow start: %lld ms of the window left\n", (long long)left);
    long n = idle_wakeups(vt, left > 0 ? (int)left : 0);
    if (n != 0)
        fprintf(stderr, "woke %ld times around the start's minute (%lld ms after the fixture; the "
                        "header should turn at the wall minute only)\n",
                n, (long long)(wr_now_ms() - now));
    assert_int_equal(n, 0);
    quit(&vt);
    remove_fixture(&f);
}

/* A keystroke writes a few bytes and redraws the input and status lines, not the screen;
 * scrolling redraws the timeline. */
static void test_keys_redraw_only_what_changed(void **state)
{
    struct fixture f;
    make_fixture(&f, PINNED_MS - 3 * 60 * MIN);
    struct vt *vt = spawn(&f, PINNED);
    double ms;
    assert_int_equal(vt_time_keys(vt, "p", 30, VT_WAIT_MAX_MS, &ms), 0); /* hint appears */
    uint64_t before = vt_bytes_read(vt), most = 0;
    const char *text = "ool waiters rising on checkout after the deploy";
    for (const char *c = text; *c; c++) {
        char key[2] = {*c, '\0'};
        uint64_t b0 = vt_bytes_read(vt);
        assert_int_equal(vt_time_keys(vt, key, 30, VT_WAIT_MAX_MS, &ms), 0);
        uint64_t used = vt_bytes_read(vt) - b0;
        most = used > most ? used : most;
    }
    uint64_t typed = vt_bytes_read(vt) - before;
    fprintf(stderr, "typing: %zu keys, %llu bytes, at most %llu per key\n", strlen(text),
            (unsigned long long)typed, (unsigned long long)most);
    assert_true(most <= 24); /* the character, a cursor move, an attribute or two */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(vt_time_keys(vt, "<PgUp>", 30, VT_WAIT_MAX_MS, &ms), 0);
        assert_int_equal(vt_time_keys(vt, "<PgDn>", 30, VT_WAIT_MAX_MS, &ms), 0);
    }
    assert_int_equal(vt_time_keys(vt, "<C-u>", 30, VT_WAIT_MAX_MS, &ms), 0);
    quit(&vt);
    int frames, full;
    session_frames(&f, &frames, &full);
    fprintf(stderr, "frames: %d, of which full redraws: %d\n", frames, full);
    assert_true(frames >= (int)strlen(text) + 20);
    /* The first frame, Esc (command mode changes the status and input lines and the keys),
     * and a little room: never one per keystroke. */
    assert_true(full <= 4);
    remove_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_pinned_clock_sleeps),
        cmocka_unit_test(test_idle_real_clock_wakes_per_minute),
        cmocka_unit_test(test_elapsed_turns_with_the_clock),
        cmocka_unit_test(test_keys_redraw_only_what_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
