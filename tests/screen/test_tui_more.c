/* test_tui_more.c: the cockpit at 132x43, resizes, live entries from another process, wide text, demo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "vt.h"

extern char **environ;

#define T0 1767258000000LL /* 2026-01-01T09:00:00Z: impact started */
#define MIN 60000LL
#define NOW "WARROOM_NOW=2026-01-01T09:42:00Z"

struct fixture {
    char dir[64];
    char db[128];
    char home[128];
    char tmpdir[128];
    char idbuf[32];
    int64_t id;
};

static void add_entry(struct store *s, int64_t id, int64_t at, enum entry_kind kind,
                      const char *author, const char *text)
{
    struct wr_error err;
    struct entry e;
    entry_init(&e);
    e.incident_id = id;
    e.at_ms = at;
    e.kind = kind;
    e.author = (char *)author;
    e.text = (char *)text;
    assert_int_equal(store_entry_append(s, &e, &err), 0);
}

/* A fresh directory and database with one SEV2 incident, IC alice and three entries. */
static void make_fixture(struct fixture *f)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-more-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->tmpdir, sizeof f->tmpdir, "TMPDIR=%s", f->dir);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Checkout 500s after deploy");
    inc.services = strdup("checkout");
    inc.milestones[MS_STARTED] = T0;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    assert_int_equal(store_role_assign(s, f->id, ROLE_IC, "alice", NULL, T0 + 5 * MIN, "alice", &err), 0);
    assert_int_equal(store_severity_set(s, f->id, 2, "checkout failing for 20%", T0 + 6 * MIN, "alice", &err), 0);
    add_entry(s, f->id, T0 + 10 * MIN, KIND_NOTE, "bob", "5xx rate at 12% on /checkout");
    add_entry(s, f->id, T0 + 12 * MIN, KIND_HYPOTHESIS, "bob", "payments client timeout too low");
    add_entry(s, f->id, T0 + 15 * MIN, KIND_DECISION, "alice", "roll back checkout to v41");
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Remove a test directory and everything the binary left in it (database, WAL, state files). */
static void remove_tree(const char *dir)
{
    assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void drop_fixture(struct fixture *f)
{
    remove_tree(f->dir);
}

/* The cockpit on the fixture's incident at rows x cols, once the last entry is drawn. */
static struct vt *spawn_tui(struct fixture *f, int rows, int cols, const char *wait_for)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "--as", "scribe", "tui", f->idbuf, NULL};
    const char *env[] = {NOW, f->home, f->tmpdir, "XDG_STATE_HOME=", NULL};
    struct vt *vt = vt_spawn(argv, env, rows, cols);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, wait_for, VT_WAIT_MAX_MS), 0);
    return vt;
}

/* Quit from insert mode through command mode and check a clean exit (no sanitizer report). */
static void quit_ok(struct vt **vt)
{
    assert_int_equal(vt_keys(*vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(*vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(*vt, "q"), 0);
    int status = -1;
    assert_int_equal(vt_wait_exit(*vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(vt);
}

static void test_main_screen_132x43(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn_tui(&f, 43, 132, "roll back checkout to v41");
    const char *expected[43 + 1];
    int n = 0;
    expected[n++] = " INC-1 Checkout 500s after deploy                                                                                         09:42 UTC"; /* the clock at the right */
    expected[n++] = " SEV2  | DETECT | elapsed 42m 00s | IC alice";
    expected[n++] = "~~ SLIs ~*";
    expected[n++] = " No SLIs configured.";
    expected[n++] = " Add services[].slis to ~*";
    while (n < 9)
        expected[n++] = "";
    /* The rule runs to the right edge with the position counter near its end. */
    expected[n++] = "~~ Timeline 2026-01-01 UTC ~*";
    while (n < 36)
        expected[n++] = "";
    expected[n++] = "09:05:00 R  alice      Incident Commander: alice";
    expected[n++] = "09:06:00 S  alice      Severity set to SEV2: checkout failing for 20%";
    expected[n++] = "09:10:00 -  bob        5xx rate at 12% on /checkout";
    expected[n++] = "09:12:00 ?  bob        payments client timeout too low";
    expected[n++] = "09:15:00 !  alice      roll back checkout to v41";
    expected[n++] = ">";
    expected[n++] = "Enter save  Esc commands  PgUp/PgDn scroll  F1 help";
    expected[n] = NULL;
    assert_int_equal(n, 43);
    assert_int_equal(vt_wait_screen(vt, expected, VT_WAIT_MAX_MS), 0);

    int row, col;
    /* The rule spans the full 132 columns and ends in the counter. */
    assert_true(vt_find(vt, "1-5/5", &row, &col));
    assert_int_equal(row, 9);
    assert_int_equal(col, 132 - 3 - 5);
    char cell[16];
    vt_cell_text(vt, 9, 131, cell, sizeof cell);
    assert_string_equal(cell, "\xe2\x94\x80"); /* U+2500 */
    /* The severity badge stands out. */
    assert_true(vt_find(vt, "SEV2", &row, &col));
    assert_int_equal(row, 1);
    struct vt_attrs a = vt_cell_attrs(vt, row, col);
    assert_true(a.reverse || a.bg != VT_COLOR_DEFAULT);
    /* The cursor waits in the input line, one row above the status bar. */
    vt_cursor(vt, &row, &col);
    assert_int_equal(row, 41);
    assert_int_equal(col, 2);
    quit_ok(&vt);
    drop_fixture(&f);
}

/* Split a vt_screen_text() copy into NULL-terminated rows (pointers into text). */
static void split_rows(char *text, const char **rows, int max)
{
    int n = 0;
    rows[n++] = text;
    for (char *p = text; *p && n < max; p++) {
        if (*p == '\n') {
            *p = '\0';
            rows[n++] = p + 1;
        }
    }
    rows[n] = NULL;
}

/* Wait until the child has finished drawing and check it is still running. */
static void expect_alive(struct vt *vt)
{
    assert_int_equal(vt_wait_quiet(vt, 100, VT_WAIT_MAX_MS), 0);
    assert_false(vt_exited(vt));
}

static void test_resize_round_trip(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn_tui(&f, 24, 80, "roll back checkout to v41");
    assert_int_equal(vt_wait_text(vt, "F1 help", VT_WAIT_MAX_MS), 0);
    char *before = vt_screen_text(vt);
    assert_non_null(before);
    const char *rows[24 + 1];
    split_rows(before, rows, 24);
    int row0, col0;
    vt_cursor(vt, &row0, &col0);

    assert_int_equal(vt_resize(vt, 1, 1), 0);
    const char *tiny[] = {"", NULL}; /* too small to draw anything useful: blank, no crash */
    assert_int_equal(vt_wait_screen(vt, tiny, VT_WAIT_MAX_MS), 0);
    expect_alive(vt);
    assert_int_equal(vt_resize(vt, 5, 20), 0);
    const char *small[] = {
        " SEV2  Checkout 500s",
        "~~ Timeline 2026-0~~",
        "!  roll back checkou",
        ">",
        "Enter save",
        NULL,
    };
    assert_int_equal(vt_wait_screen(vt, small, VT_WAIT_MAX_MS), 0);
    expect_alive(vt);
    assert_int_equal(vt_resize(vt, 100, 300), 0);
    assert_int_equal(vt_wait_text(vt, "roll back checkout to v41", VT_WAIT_MAX_MS), 0);
    expect_alive(vt);
    assert_int_equal(vt_resize(vt, 24, 80), 0);
    /* Back at 80x24 the screen is exactly what it was: nothing left over from other sizes. */
    assert_int_equal(vt_wait_screen(vt, rows, VT_WAIT_MAX_MS), 0);
    int row1, col1;
    vt_cursor(vt, &row1, &col1);
    assert_int_equal(row1, row0);
    assert_int_equal(col1, col0);
    assert_false(vt_exited(vt));
    free(before);
    quit_ok(&vt);
    drop_fixture(&f);
}

/* Run `warroom --db DB log ID TEXT` as another process, as the scribe's terminal would. */
static void log_from_cli(struct fixture *f, const char *text)
{
    char *argv[] = {(char *)WARROOM_BIN, (char *)"--db", f->db, (char *)"--as", (char *)"scribe2",
                    (char *)"log", f->idbuf, (char *)text, NULL};
    /* The child's environment: ours plus the pinned clock and the fixture's HOME. */
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    assert_non_null(env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "WARROOM_NOW=", 12) != 0 && strncmp(environ[i], "HOME=", 5) != 0)
            env[k++] = environ[i];
    env[k++] = (char *)"WARROOM_NOW=2026-01-01T09:41:00Z";
    env[k++] = f->home;
    env[k] = NULL;
    posix_spawn_file_actions_t fa;
    assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0), 0);
    pid_t pid = -1;
    assert_int_equal(posix_spawn(&pid, WARROOM_BIN, &fa, NULL, argv, env), 0);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    int status = -1;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_entry_from_another_process(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn_tui(&f, 24, 80, "roll back checkout to v41");
    assert_int_equal(vt_wait_text(vt, "F1 help", VT_WAIT_MAX_MS), 0);
    assert_false(vt_find(vt, "from the scribe", NULL, NULL));
    log_from_cli(&f, "from the scribe");
    /* No key is sent: the cockpit notices the database changed by itself, within 3 s. */
    assert_int_equal(vt_wait_text(vt, "09:41:00 -  scribe2    from the scribe", vt_scaled_ms(3000)), 0);
    int row, col;
    assert_true(vt_find(vt, "from the scribe", &row, &col));
    assert_int_equal(row, 21); /* the newest entry, just above the input line */
    assert_true(vt_find(vt, "1-6/6", NULL, NULL));
    quit_ok(&vt);
    drop_fixture(&f);
}

static void test_wide_text_alignment(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct wr_error err;
    struct store *s = NULL;
    assert_int_equal(store_open(f.db, &s, &err), 0);
    add_entry(s, f.id, T0 + 20 * MIN, KIND_NOTE, "zoë", "café ünïcode");
    add_entry(s, f.id, T0 + 21 * MIN, KIND_NOTE, "李明", "漢字テスト");
    add_entry(s, f.id, T0 + 22 * MIN, KIND_NOTE, "margarethe", "rocket 🚀 launch");
    add_entry(s, f.id, T0 + 23 * MIN, KIND_NOTE, "x", "plain ascii");
    store_close(&s);
    struct vt *vt = spawn_tui(&f, 24, 80, "plain ascii");
    const char *texts[] = {"roll back checkout to v41", "café ünïcode", "漢字テスト",
                           "rocket 🚀 launch", "plain ascii"};
    int text_col = -1, prev_row = -1;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int row, col;
        assert_true(vt_find(vt, texts[i], &row, &col));
        assert_true(row > prev_row); /* in time order, one row each */
        prev_row = row;
        if (text_col < 0)
            text_col = col;
        assert_int_equal(col, text_col); /* the text column lines up whatever the author */
    }
    /* Wide characters take two cells: the second is the first's continuation. */
    int row, col;
    char cell[16];
    assert_true(vt_find(vt, "漢字テスト", &row, &col));
    const char *cjk[] = {"漢", "字", "テ", "ス", "ト"};
    for (int i = 0; i < 5; i++) {
        vt_cell_text(vt, row, col + 2 * i, cell, sizeof cell);
        assert_string_equal(cell, cjk[i]);
        assert_int_equal(vt_cell_attrs(vt, row, col + 2 * i).width, 2);
        vt_cell_text(vt, row, col + 2 * i + 1, cell, sizeof cell);
        assert_string_equal(cell, "");
    }
    /* The author column holds a wide name in its two-cell characters too. */
    assert_true(vt_find(vt, "李明", &row, &col));
    vt_cell_text(vt, row, col + 1, cell, sizeof cell);
    assert_string_equal(cell, "");
    vt_cell_text(vt, row, col + 2, cell, sizeof cell);
    assert_string_equal(cell, "明");
    /* The rocket is one wide cell pair followed by " launch" two columns later. */
    assert_true(vt_find(vt, "rocket ", &row, &col));
    vt_cell_text(vt, row, col + 7, cell, sizeof cell);
    assert_string_equal(cell, "\xf0\x9f\x9a\x80");
    assert_int_equal(vt_cell_attrs(vt, row, col + 7).width, 2);
    vt_cell_text(vt, row, col + 8, cell, sizeof cell);
    assert_string_equal(cell, "");
    vt_cell_text(vt, row, col + 10, cell, sizeof cell);
    assert_string_equal(cell, "l");
    /* Accented letters are one cell each. */
    assert_true(vt_find(vt, "café ", &row, &col));
    vt_cell_text(vt, row, col + 3, cell, sizeof cell);
    assert_string_equal(cell, "\xc3\xa9");
    vt_cell_text(vt, row, col + 4, cell, sizeof cell);
    assert_string_equal(cell, " ");
    quit_ok(&vt);
    drop_fixture(&f);
}

static void test_demo_80x24(void **state)
{
    char dir[] = "/tmp/wr-tui-demo-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char home[64], tmpdir[64], db[96];
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", dir);
    snprintf(db, sizeof db, "WARROOM_DB=%s/none.db", dir);
    const char *argv[] = {WARROOM_BIN, "demo", NULL};
    const char *env[] = {home, tmpdir, db, "XDG_STATE_HOME=", "XDG_CONFIG_HOME=", NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "Credit applications slow", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "DEMO", VT_WAIT_MAX_MS), 0);
    int row, col;
    assert_true(vt_find(vt, "DEMO", &row, &col));
    assert_int_equal(row, 0);
    assert_true(vt_find(vt, "SEV2", &row, &col));
    assert_int_equal(row, 1);
    assert_int_equal(col, 1);
    assert_true(vt_find(vt, "MITIGATE", &row, NULL));
    assert_int_equal(row, 1);
    /* The timeline holds the demo incident's own entries. */
    assert_int_equal(vt_wait_text(vt, "lfernandez Milestone mitigated", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "cbenitez   Rollback complete", VT_WAIT_MAX_MS), 0);
    /* In the incident's own zone (UTC-3), whatever the machine's: the seed's 09:00-10:00. */
    assert_int_equal(vt_wait_text(vt, "09:52:00 >  cbenitez   Rollback complete", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "Timeline 2026-03-10", &row, NULL));
    quit_ok(&vt);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_screen_132x43),
        cmocka_unit_test(test_resize_round_trip),
        cmocka_unit_test(test_entry_from_another_process),
        cmocka_unit_test(test_wide_text_alignment),
        cmocka_unit_test(test_demo_80x24),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
