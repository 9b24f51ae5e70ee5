/* test_vt_selftest.c: proves the screen harness reads real programs' screens faithfully. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "vt.h"

#ifndef VT_KEYECHO_BIN
#define VT_KEYECHO_BIN "./vt_keyecho"
#endif

/* Run a /bin/sh script on a rows x cols terminal. */
static struct vt *sh_spawn(const char *script, int rows, int cols)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct vt *vt = vt_spawn(argv, NULL, rows, cols);
    assert_non_null(vt);
    return vt;
}

/* Run a script to completion and assert it exited 0. */
static struct vt *sh_run(const char *script, int rows, int cols)
{
    struct vt *vt = sh_spawn(script, rows, cols);
    int status = -1;
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return vt;
}

static void test_cursor_movement_and_erase(void **state)
{
    /* Clear, write at absolute positions, overwrite, erase to end of line, move relative. */
    struct vt *vt = sh_run("printf '\\033[2J\\033[3;5Hhello world\\033[1;1Htop'"
                           "'\\033[3;11H\\033[K!\\033[2B\\033[3Dxy'"
                           "'\\033[10;78HABCDEF'", 12, 80);
    const char *expected[] = {
        "top",
        "",
        "    hello !",
        "",
        "        xy",
        "",
        "",
        "",
        "",
        "                                                                             ABC",
        "DEF",
        "",
        NULL,
    };
    assert_int_equal(vt_expect_screen(vt, expected), 0);
    assert_string_equal(vt_row(vt, 2), "    hello !");
    int row, col;
    assert_true(vt_find(vt, "hello", &row, &col));
    assert_int_equal(row, 2);
    assert_int_equal(col, 4);
    vt_free(&vt);
    assert_null(vt);
}

static void test_colours_and_attributes(void **state)
{
    struct vt *vt = sh_run("printf '\\033[1;31mRED\\033[0m \\033[7mREV\\033[0m "
                           "\\033[4;44mUL\\033[0m \\033[38;5;208mX\\033[0m "
                           "\\033[38;2;1;2;3mT\\033[0m \\033[3mI\\033[0m plain'", 5, 40);
    assert_string_equal(vt_row(vt, 0), "RED REV UL X T I plain");
    struct vt_attrs a = vt_cell_attrs(vt, 0, 0);
    assert_true(a.bold);
    assert_int_equal(a.fg, VT_RED);
    assert_int_equal(a.bg, VT_COLOR_DEFAULT);
    assert_false(a.reverse);
    a = vt_cell_attrs(vt, 0, 4);
    assert_true(a.reverse);
    assert_false(a.bold);
    a = vt_cell_attrs(vt, 0, 8);
    assert_true(a.underline);
    assert_int_equal(a.bg, VT_BLUE);
    assert_int_equal(a.fg, VT_COLOR_DEFAULT);
    assert_int_equal(vt_cell_attrs(vt, 0, 11).fg, 208);
    assert_int_equal(vt_cell_attrs(vt, 0, 13).fg, 0x1010203);
    assert_true(vt_cell_attrs(vt, 0, 15).italic);
    a = vt_cell_attrs(vt, 0, 17);
    assert_false(a.bold || a.reverse || a.underline || a.italic);
    assert_int_equal(a.fg, VT_COLOR_DEFAULT);
    vt_free(&vt);
}

static void test_wide_and_combining_characters(void **state)
{
    /* CJK and emoji take two cells; a combining accent shares its base's cell. */
    struct vt *vt = sh_run("printf '\\346\\227\\245\\346\\234\\254\\350\\252\\236|\\r\\n"
                           "\\360\\237\\230\\200x|\\r\\n"
                           "e\\314\\201|caf\\303\\251|\\r\\n"
                           "\\033[4;3H\\344\\270\\255'", 6, 20);
    const char *expected[] = {"日本語|", "😀x|", "e\xcc\x81|café|", "  中", "", "", NULL};
    assert_int_equal(vt_expect_screen(vt, expected), 0);
    int row, col;
    assert_true(vt_find(vt, "|", &row, &col));
    assert_int_equal(row, 0);
    assert_int_equal(col, 6);
    assert_true(vt_find(vt, "x|", &row, &col));
    assert_int_equal(col, 2);
    assert_true(vt_find(vt, "|caf", &row, &col));
    assert_int_equal(col, 1);
    assert_int_equal(vt_cell_attrs(vt, 0, 0).width, 2);
    assert_int_equal(vt_cell_attrs(vt, 1, 0).width, 2);
    char cell[32];
    vt_cell_text(vt, 0, 2, cell, sizeof cell);
    assert_string_equal(cell, "本");
    vt_cell_text(vt, 0, 3, cell, sizeof cell);
    assert_string_equal(cell, "");
    vt_cell_text(vt, 2, 0, cell, sizeof cell);
    assert_string_equal(cell, "e\xcc\x81");
    vt_free(&vt);
}

static void test_resize_reaches_child(void **state)
{
    struct vt *vt = sh_spawn("trap 'stty size' WINCH; echo ready; "
                             "while :; do sleep 10 & wait $!; done", 24, 80);
    assert_int_equal(vt_wait_text(vt, "ready", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_resize(vt, 30, 100), 0);
    assert_int_equal(vt_rows(vt), 30);
    assert_int_equal(vt_cols(vt), 100);
    assert_int_equal(vt_wait_text(vt, "30 100", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_resize(vt, 5, 20), 0);
    assert_int_equal(vt_wait_text(vt, "5 20", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_resize(vt, 1, 1), 0);
    assert_int_equal(vt_resize(vt, 100, 300), 0);
    assert_int_equal(vt_wait_text(vt, "100 300", VT_WAIT_MAX_MS), 0);
    pid_t pid = vt_pid(vt);
    vt_free(&vt);
    /* The shell and its background sleeps were killed and reaped. */
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

static void test_tput_and_environment(void **state)
{
    struct vt *vt = sh_run("tput clear; tput cup 5 10; printf X; tput bold; printf B; tput sgr0; "
                           "tput setaf 2; printf G; tput sgr0; tput cup 0 0; "
                           "printf '%s %s %s [%s] [%s]' \"$TERM\" \"$LANG\" \"$LC_ALL\" "
                           "\"$NO_COLOR\" \"$LINES\"; tput cup 1 0; tput cols; tput lines",
                           24, 80);
    assert_string_equal(vt_row(vt, 0), VT_TERM_DEFAULT " C.UTF-8 C.UTF-8 [] []");
    assert_string_equal(vt_row(vt, 1), "80");
    assert_string_equal(vt_row(vt, 2), "24");
    assert_string_equal(vt_row(vt, 5), "          XBG");
    assert_false(vt_cell_attrs(vt, 5, 10).bold);
    assert_true(vt_cell_attrs(vt, 5, 11).bold);
    assert_int_equal(vt_cell_attrs(vt, 5, 12).fg, VT_GREEN);
    assert_false(vt_cell_attrs(vt, 5, 12).bold);
    vt_free(&vt);
}

static void test_extra_environment_wins(void **state)
{
    setenv("NO_COLOR", "1", 1);
    const char *argv[] = {"/bin/sh", "-c", "printf '%s|%s|%s' \"$TERM\" \"$NO_COLOR\" \"$WR_X\"",
                          NULL};
    const char *env[] = {"WR_X=42", "TERM=vt220", NULL};
    struct vt *vt = vt_spawn(argv, env, 5, 40);
    unsetenv("NO_COLOR");
    assert_non_null(vt);
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, NULL), 0);
    assert_string_equal(vt_row(vt, 0), "vt220||42");
    vt_free(&vt);
}

static void test_escape_sequences(void **state)
{
    /* Scroll region, insert/delete line, the alternate screen and a cursor-position report
     * the terminal must answer through the pty. */
    struct vt *vt = sh_run("printf '\\033[2J\\033[H1\\r\\n2\\r\\n3\\r\\n4\\r\\n5'; "
                           "printf '\\033[2;4r\\033[4;1H\\n\\033[r'; "     /* scroll rows 2-4 */
                           "printf '\\033[5;1H\\033[L\\033[5;1Hnew'; "      /* insert line */
                           "printf '\\033[?1049h\\033[HALT\\033[?1049l'; "  /* alt screen */
                           "stty raw -echo; printf '\\033[7;3H\\033[6n'; "
                           "r=$(dd bs=1 count=6 2>/dev/null); stty sane; "
                           "printf '\\033[8;1H'; printf 'reply:%s' \"$r\" | tr '\\033' E",
                           10, 20);
    const char *expected[] = {"1", "3", "4", "", "new", "5", "", "reply:E[7;3R", "", "", NULL};
    assert_int_equal(vt_expect_screen(vt, expected), 0);
    vt_free(&vt);
}

static void test_ncurses_program_keys_and_drawing(void **state)
{
    const char *argv[] = {VT_KEYECHO_BIN, NULL};
    struct vt *vt = vt_spawn(argv, NULL, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "last 0: none", VT_WAIT_MAX_MS), 0);
    const char *top[] = {
        "keyecho 24x80 colors=8",
        "┌────┐",
        "RED BOLD REV ULBLUE",
        "日本|",
        "😀|",
        "e\xcc\x81|café|",
        NULL,
    };
    assert_int_equal(vt_expect_rows(vt, 0, top), 0);
    assert_int_equal(vt_cell_attrs(vt, 2, 0).fg, VT_RED);
    assert_true(vt_cell_attrs(vt, 2, 4).bold);
    assert_true(vt_cell_attrs(vt, 2, 9).reverse);
    struct vt_attrs a = vt_cell_attrs(vt, 2, 13);
    assert_true(a.underline);
    assert_int_equal(a.fg, VT_BLUE);
    assert_int_equal(a.bg, VT_YELLOW);

    /* Every key arrives as the key ncurses' terminfo for VT_TERM_DEFAULT expects. */
    static const struct {
        const char *keys, *seen;
    } cases[] = {
        {"<F1>", "KEY_F(1)"},   {"<F5>", "KEY_F(5)"},     {"<F10>", "KEY_F(10)"},
        {"<F12>", "KEY_F(12)"}, {"<Up>", "KEY_UP"},       {"<Down>", "KEY_DOWN"},
        {"<Left>", "KEY_LEFT"}, {"<Right>", "KEY_RIGHT"}, {"<Home>", "KEY_HOME"},
        {"<End>", "KEY_END"},   {"<PgUp>", "KEY_PPAGE"},  {"<PgDn>", "KEY_NPAGE"},
        {"<Del>", "KEY_DC"},    {"<Ins>", "KEY_IC"},      {"<BS>", "KEY_BACKSPACE"},
        {"<C-x>", "^X"},        {"<C-a>", "^A"},          {"<Enter>", "^M"},
        {"<Tab>", "^I"},        {"<S-Tab>", "KEY_BTAB"},  {"é", "char é"},
        {"<lt>", "char <"},     {"<Esc>", "^["},          {"日", "char 日"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "last %zu: %s", i + 1, cases[i].seen);
        assert_int_equal(vt_keys(vt, cases[i].keys), 0);
        assert_int_equal(vt_wait_text(vt, want, VT_WAIT_MAX_MS), 0);
        assert_string_equal(vt_row(vt, 7), want);
    }
    /* An Esc followed by more keys is separated so curses sees a lone Esc. */
    size_t n = sizeof cases / sizeof cases[0];
    char want[64];
    snprintf(want, sizeof want, "last %zu: char z", n + 2);
    assert_int_equal(vt_keys(vt, "<Esc>z"), 0);
    assert_int_equal(vt_wait_text(vt, want, VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Bogus>"), -1);
    assert_int_equal(vt_keys(vt, "a<b"), -1); /* the text before the error was sent */
    snprintf(want, sizeof want, "last %zu: char a", n + 3);
    assert_int_equal(vt_wait_text(vt, want, VT_WAIT_MAX_MS), 0);

    /* KEY_RESIZE reaches the program and it redraws at the new size. */
    assert_int_equal(vt_resize(vt, 10, 40), 0);
    assert_int_equal(vt_wait_text(vt, "keyecho 10x40", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_resize(vt, 43, 132), 0);
    assert_int_equal(vt_wait_text(vt, "keyecho 43x132", VT_WAIT_MAX_MS), 0);

    int status = 0;
    assert_int_equal(vt_send(vt, "Q"), 0);
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(vt_exited(vt));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    vt_free(&vt);
}

static void test_vt220_is_monochrome(void **state)
{
    const char *argv[] = {VT_KEYECHO_BIN, NULL};
    struct vt_options o = {.rows = 24, .cols = 80, .term = "vt220"};
    struct vt *vt = vt_spawn_opts(argv, &o);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "keyecho 24x80 colors=0", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_cell_attrs(vt, 2, 0).fg, VT_COLOR_DEFAULT);
    assert_int_equal(vt_keys(vt, "<Up>"), 0);
    assert_int_equal(vt_wait_text(vt, "last 1: KEY_UP", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<F1>"), 0);
    assert_int_equal(vt_wait_text(vt, "last 2: KEY_F(1)", VT_WAIT_MAX_MS), 0);
    vt_free(&vt);
}

static void test_expected_screens_with_wildcards(void **state)
{
    struct vt *vt = sh_run("printf 'clock 12:34:56 up\\r\\nstatic row\\r\\nnoise 98765\\r\\n"
                           "~tilde'", 4, 30);
    const char *ok[] = {"clock ##:##:## up", "static row", VT_SKIP, "#tilde", NULL};
    vt_set_wildcard(vt, '#');
    assert_int_equal(vt_expect_screen(vt, ok), 0);
    vt_set_wildcard(vt, '~');
    const char *rest[] = {"clock ~*", "static row   ", "noise ~~~~~", "~tilde", NULL};
    assert_int_equal(vt_expect_screen(vt, rest), 0);
    assert_int_equal(vt_wait_screen(vt, rest, 100), 0);

    /* Mismatches are reported (diff on stderr) and fail. */
    const char *wrong_text[] = {"clock ~~:~~:~~ up", "static ROW", VT_SKIP, "~tilde", NULL};
    assert_int_equal(vt_expect_screen(vt, wrong_text), -1);
    const char *too_short[] = {"clock ~~:~~:~~", "static row", VT_SKIP, "~tilde", NULL};
    assert_int_equal(vt_expect_screen(vt, too_short), -1);
    const char *too_long[] = {"clock ~~:~~:~~ up!", "static row", VT_SKIP, "~tilde", NULL};
    assert_int_equal(vt_expect_screen(vt, too_long), -1);
    const char *few_rows[] = {"clock ~*", NULL};
    assert_int_equal(vt_expect_screen(vt, few_rows), -1);
    assert_int_equal(vt_expect_rows(vt, 1, (const char *[]){"static row", NULL}), 0);
    assert_int_equal(vt_expect_rows(vt, 3, (const char *[]){"~tilde", "beyond", NULL}), -1);
    assert_true(vt_row_matches(vt, "a~c", "abc"));
    assert_true(vt_row_matches(vt, "a~c", "a日c"));
    assert_false(vt_row_matches(vt, "a~c", "abbc"));
    assert_true(vt_row_matches(vt, "ab~", "ab"));

    char *text = vt_screen_text(vt);
    assert_non_null(text);
    assert_string_equal(text, "clock 12:34:56 up\nstatic row\nnoise 98765\n~tilde");
    free(text);
    vt_free(&vt);
}

static void test_hung_child_fails_instead_of_hanging(void **state)
{
    struct vt *vt = sh_spawn("echo started; exec sleep 600", 5, 20);
    assert_int_equal(vt_wait_text(vt, "started", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "never printed", 200), -1);
    assert_int_equal(vt_wait_exit(vt, 200, NULL), -1);
    assert_false(vt_exited(vt));
    pid_t pid = vt_pid(vt);
    vt_free(&vt);
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

static void test_busy_child_never_settles(void **state)
{
    struct vt *vt = sh_spawn("while :; do echo spam; done", 5, 20);
    assert_int_equal(vt_wait_quiet(vt, 200, 300), -1);
    vt_free(&vt);
}

static void test_exit_status_and_missing_program(void **state)
{
    struct vt *vt = sh_spawn("echo bye; exit 7", 5, 20);
    int status = 0;
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_int_equal(WEXITSTATUS(status), 7);
    assert_string_equal(vt_row(vt, 0), "bye");
    /* Waiting on a finished program returns at once. */
    assert_int_equal(vt_wait_quiet(vt, 100000, 100000), 0);
    vt_free(&vt);

    const char *argv[] = {"/nonexistent/program", NULL};
    vt = vt_spawn(argv, NULL, 5, 60);
    assert_non_null(vt);
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_int_equal(WEXITSTATUS(status), 127);
    assert_true(vt_find(vt, "cannot run /nonexistent/program", NULL, NULL));
    vt_free(&vt);
}

static void test_measuring_helpers(void **state)
{
    const char *argv[] = {VT_KEYECHO_BIN, NULL};
    struct vt *vt = vt_spawn(argv, NULL, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "last 0: none", VT_WAIT_MAX_MS), 0);
    double ms = -1;
    assert_int_equal(vt_time_keys(vt, "<Down>", 30, VT_WAIT_MAX_MS, &ms), 0);
    assert_true(ms > 0);
    assert_string_equal(vt_row(vt, 7), "last 1: KEY_DOWN");
    struct vt_proc_stats st;
    assert_int_equal(vt_proc_stats(vt, &st), 0);
    assert_true(st.rss_kb > 0);
    assert_true(st.peak_rss_kb >= st.rss_kb);
    assert_true(st.voluntary_switches > 0);
    assert_true(st.cpu_ms >= 0);
    assert_int_equal(vt_send(vt, "Q"), 0);
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, NULL), 0);
    assert_int_equal(vt_proc_stats(vt, &st), -1);
    vt_free(&vt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_movement_and_erase),
        cmocka_unit_test(test_colours_and_attributes),
        cmocka_unit_test(test_wide_and_combining_characters),
        cmocka_unit_test(test_resize_reaches_child),
        cmocka_unit_test(test_tput_and_environment),
        cmocka_unit_test(test_extra_environment_wins),
        cmocka_unit_test(test_escape_sequences),
        cmocka_unit_test(test_ncurses_program_keys_and_drawing),
        cmocka_unit_test(test_vt220_is_monochrome),
        cmocka_unit_test(test_expected_screens_with_wildcards),
        cmocka_unit_test(test_hung_child_fails_instead_of_hanging),
        cmocka_unit_test(test_busy_child_never_settles),
        cmocka_unit_test(test_exit_status_and_missing_program),
        cmocka_unit_test(test_measuring_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
