/* test_tui_main.c: the cockpit's main screen at 80x24, saving an entry, help, quit, hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "store.h"
#include "vt.h"

#define T0 1767258000000LL /* 2026-01-01T09:00:00Z: impact started */
#define MIN 60000LL

struct fixture {
    char dir[64];
    char db[128];
    char home[128];
    char idbuf[32];
    int64_t id;
};

static void add_entry(struct store *s, int64_t id, int64_t at, enum entry_kind kind, bool pinned,
                      const char *author, const char *text)
{
    struct wr_error err;
    struct entry e;
    entry_init(&e);
    e.incident_id = id;
    e.at_ms = at;
    e.kind = kind;
    e.pinned = pinned;
    e.author = (char *)author;
    e.text = (char *)text;
    assert_int_equal(store_entry_append(s, &e, &err), 0);
}

/* A database with one SEV2 incident, an IC and a short timeline, in a fresh directory. */
static void make_fixture(struct fixture *f)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-main-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
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
    add_entry(s, f->id, T0 + 10 * MIN, KIND_NOTE, false, "bob", "5xx rate at 12% on /checkout");
    add_entry(s, f->id, T0 + 12 * MIN, KIND_HYPOTHESIS, false, "bob", "payments client timeout too low");
    add_entry(s, f->id, T0 + 15 * MIN, KIND_DECISION, true, "alice", "roll back checkout to v41");
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static struct vt *spawn(struct fixture *f, const char *const *more_env)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "--as", "scribe", "tui", f->idbuf, NULL};
    const char *env[8] = {"WARROOM_NOW=2026-01-01T09:42:00Z", f->home, "XDG_STATE_HOME=", NULL};
    size_t n = 3;
    for (size_t i = 0; more_env && more_env[i] && n < 7; i++)
        env[n++] = more_env[i];
    env[n] = NULL;
    struct vt *vt = vt_spawn(argv, env, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "roll back checkout to v41", VT_WAIT_MAX_MS), 0);
    return vt;
}

static void expect_exit_ok(struct vt **vt)
{
    int status = -1;
    assert_int_equal(vt_wait_exit(*vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(vt);
}

static void test_main_screen_80x24(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f, NULL);
    const char *expected[] = {
        " INC-1 Checkout 500s after deploy                                     09:42 UTC", /* the clock at the right */
        " SEV2  | DETECT | elapsed 42m 00s | IC alice",
        "~~ SLIs ~*",
        " No SLIs configured.",
        " Add services[].slis to ~*",
        "",
        "",
        "~~ Timeline 2026-01-01 UTC ~*",
        "", "", "", "", "", "", "", "", "",
        "09:05:00 R  alice      Incident Commander: alice",
        "09:06:00 S  alice      Severity set to SEV2: checkout failing for 20%",
        "09:10:00 -  bob        5xx rate at 12% on /checkout",
        "09:12:00 ?  bob        payments client timeout too low",
        "09:15:00 !* alice      roll back checkout to v41",
        ">",
        "Enter save  Esc commands  PgUp/PgDn scroll  F1 help",
        NULL,
    };
    assert_int_equal(vt_wait_screen(vt, expected, VT_WAIT_MAX_MS), 0);
    /* The position counter sits at the right of the timeline rule. */
    int row, col;
    assert_true(vt_find(vt, "1-5/5", &row, &col));
    assert_int_equal(row, 7);
    /* The severity badge stands out even without colour. */
    assert_true(vt_find(vt, "SEV2", &row, &col));
    struct vt_attrs a = vt_cell_attrs(vt, row, col);
    assert_true(a.reverse || a.bg != VT_COLOR_DEFAULT);
    /* The cursor waits in the input line. */
    vt_cursor(vt, &row, &col);
    assert_int_equal(row, 22);
    assert_int_equal(col, 2);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "q"), 0);
    expect_exit_ok(&vt);
}

static void test_typing_saves_entry(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f, NULL);
    assert_int_equal(vt_keys(vt, "*@09:40 ! page the payments team"), 0);
    /* The live hint says what the prefixes mean before anything is saved. */
    assert_int_equal(vt_wait_text(vt, "decision \xc2\xb7 pinned \xc2\xb7 at 09:40:00", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "saved #", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "09:40:00 !* scribe     page the payments team", VT_WAIT_MAX_MS), 0);
    /* The editor is empty again: the prompt row holds only the prompt. */
    assert_string_equal(vt_row(vt, 22), ">");

    /* It is in the database as typed, not only on screen. */
    struct store *s = NULL;
    struct wr_error err;
    struct entry *page = NULL;
    size_t n = 0;
    assert_int_equal(store_open(f.db, &s, &err), 0);
    assert_int_equal(store_entry_page(s, f.id, NULL, INT64_MAX, INT64_MAX, false, 1, &page, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(page[0].text, "page the payments team");
    assert_int_equal(page[0].kind, KIND_DECISION);
    assert_true(page[0].pinned);
    assert_string_equal(page[0].author, "scribe");
    assert_int_equal(page[0].at_ms, T0 + 40 * MIN);
    store_entries_free(&page, n);
    store_close(&s);

    /* A line the grammar refuses stays in the editor with the error shown. */
    assert_int_equal(vt_keys(vt, "@25:99 nonsense<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "> @25:99 nonsense", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "25:99", VT_WAIT_MAX_MS), 0);
    int row, col;
    assert_true(vt_find(vt, "saved #", &row, &col) == false);

    /* q with text in the editor asks first; n keeps the session, y quits. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, ": @25:99 nonsense", VT_WAIT_MAX_MS), 0); /* command prompt */
    assert_int_equal(vt_keys(vt, "q"), 0);
    assert_int_equal(vt_wait_text(vt, "Quit anyway?", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "n"), 0);
    assert_int_equal(vt_wait_gone(vt, "Quit anyway?", VT_WAIT_MAX_MS), 0);
    assert_false(vt_exited(vt));
    assert_int_equal(vt_keys(vt, "q"), 0);
    assert_int_equal(vt_wait_text(vt, "Quit anyway?", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "y"), 0);
    expect_exit_ok(&vt);
}

static void test_help_overlay(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct vt *vt = spawn(&f, NULL);
    assert_int_equal(vt_keys(vt, "<F1>"), 0);
    assert_int_equal(vt_wait_text(vt, "Help: keys", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "save the line as a timeline entry", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Down><Down><Down>"), 0);
    assert_int_equal(vt_wait_text(vt, "delete the word before the cursor", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Help: keys", VT_WAIT_MAX_MS), 0);
    /* ? opens it from command mode, and it scrolls to the command keys. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "?"), 0);
    assert_int_equal(vt_wait_text(vt, "Help: keys", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<PgDn><PgDn><PgDn>"), 0);
    assert_int_equal(vt_wait_text(vt, "reopen a closed incident", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<PgUp>"), 0);
    assert_int_equal(vt_wait_text(vt, "filter the timeline by kind", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "q"), 0); /* closes help, does not quit */
    assert_int_equal(vt_wait_gone(vt, "Help: keys", VT_WAIT_MAX_MS), 0);
    assert_false(vt_exited(vt));
    assert_int_equal(vt_keys(vt, "q"), 0);
    expect_exit_ok(&vt);
}

static void test_escape_sequences_shown_harmlessly(void **state)
{
    struct fixture f;
    make_fixture(&f);
    struct wr_error err;
    struct store *s = NULL;
    assert_int_equal(store_open(f.db, &s, &err), 0);
    add_entry(s, f.id, T0 + 20 * MIN, KIND_NOTE, false, "evil\x1b[2J",
              "x\x1b[31mRED\x1b]0;pwned\x07 \xe4\xb8\xad\xe6\x96\x87 end");
    store_close(&s);
    const char *env[] = {"NO_COLOR=1", NULL};
    struct vt *vt = spawn(&f, env);
    assert_int_equal(vt_wait_text(vt, "x^[[31mRED^[]0;pwned^G 中文 end", VT_WAIT_MAX_MS), 0);
    int row, col;
    assert_true(vt_find(vt, "end", &row, &col));
    struct vt_attrs a = vt_cell_attrs(vt, row, col);
    assert_int_equal(a.fg, VT_COLOR_DEFAULT); /* no colour escaped into the text */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "q"), 0);
    expect_exit_ok(&vt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_screen_80x24),
        cmocka_unit_test(test_typing_saves_entry),
        cmocka_unit_test(test_help_overlay),
        cmocka_unit_test(test_escape_sequences_shown_harmlessly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
