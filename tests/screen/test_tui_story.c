/* test_tui_story.c: the incident's story in the cockpit (issue 11): the update countdown without
 * destinations, incident facts, entry actions on the timeline, export from the cockpit. Every
 * key path is checked in the database afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exchange.h"
#include "facts.h"
#include "model.h"
#include "store.h"
#include "util.h"
#include "vt.h"

#define NOW_ISO "2026-03-10T13:01:00Z"
#define NOW_MS 1773147660000LL

struct fixture {
    char dir[64], db[128], home[128], xdg[160], config[160], idbuf[32];
    int64_t id;
};

/* An incident started 30 min ago; declared `declared_ago_min` ago when >= 0. No config file at
 * all: no SLIs, no destinations. */
static void make_fixture(struct fixture *f, int declared_ago_min)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-story-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->xdg, sizeof f->xdg, "XDG_CONFIG_HOME=%s/config", f->dir);
    snprintf(f->config, sizeof f->config, "%s/none.json", f->dir);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Payments failing");
    inc.severity = 2;
    inc.milestones[MS_STARTED] = NOW_MS - 30 * 60000LL;
    if (declared_ago_min >= 0)
        inc.milestones[MS_DECLARED] = NOW_MS - declared_ago_min * 60000LL;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    store_close(&s);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static void remove_fixture(struct fixture *f)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

static struct vt *spawn(struct fixture *f, const char *const *extra_env)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "tui", f->idbuf, NULL};
    const char *env[16] = {"WARROOM_NOW=" NOW_ISO, f->home, f->xdg, "XDG_STATE_HOME=", "TZ=UTC",
                           "USER=", "LOGNAME=", "WARROOM_AS=scribe",
                           "WARROOM_TEMPLATES_DIR=" WARROOM_SOURCE_DIR "/templates"};
    size_t n = 9;
    for (size_t i = 0; extra_env && extra_env[i] && n + 1 < 16; i++)
        env[n++] = extra_env[i];
    env[n] = NULL;
    struct vt *vt = vt_spawn(argv, env, 24, 100);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "Payments failing", VT_WAIT_MAX_MS), 0);
    return vt;
}

/* spawn() for a fixture whose title is not "Payments failing". */
static struct vt *spawn_titled(struct fixture *f, const char *title)
{
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "tui", f->idbuf, NULL};
    const char *env[] = {"WARROOM_NOW=" NOW_ISO, f->home, f->xdg, "XDG_STATE_HOME=", "TZ=UTC",
                         "USER=", "LOGNAME=", "WARROOM_AS=scribe",
                         "WARROOM_TEMPLATES_DIR=" WARROOM_SOURCE_DIR "/templates", NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 100);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, title, VT_WAIT_MAX_MS), 0);
    return vt;
}

static void quit(struct vt **vt)
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

/* Entries of one kind, newest last; *n set. */
static struct entry *entries_of(struct fixture *f, enum entry_kind kind, size_t *n)
{
    struct wr_error err;
    struct store *s = NULL;
    struct entry *e = NULL;
    struct entry_filter fl = {.kinds = 1u << kind};
    assert_int_equal(store_open(f->db, &s, &err), 0);
    assert_int_equal(store_entry_page(s, f->id, &fl, INT64_MIN, 0, true, 1000, &e, n, &err), 0);
    store_close(&s);
    return e;
}

/* No destination configured: the countdown shows anyway once declared, overdue is recorded
 * once, authored by the user (never "unknown", even without $USER). */
static void test_countdown_without_destinations(void **state)
{
    (void)state;
    struct fixture f;
    make_fixture(&f, 20); /* declared 12:41; the first update was due at 12:46 */
    struct vt *vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "OVERDUE 15m", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "Stakeholder update overdue by 15m 00s: due at 12:46 UTC",
                                  VT_WAIT_MAX_MS), 0);
    quit(&vt);
    size_t n = 0;
    struct entry *e = entries_of(&f, KIND_ALERT, &n);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].author, "scribe");
    assert_string_equal(e[0].text, "Stakeholder update overdue by 15m 00s: due at 12:46 UTC (the first "
                                   "update, 5 min after the incident was declared)");
    store_entries_free(&e, n);
    remove_fixture(&f);

    /* Declared 2 min ago: the first update is due in 3 min. */
    make_fixture(&f, 2);
    vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "next update in 3m (13:04)", VT_WAIT_MAX_MS), 0);
    /* An incident in UTC: its clock once, not "13:01 UTC (13:01 UTC)". */
    assert_int_equal(vt_wait_text(vt, "13:01 UTC", VT_WAIT_MAX_MS), 0);
    assert_false(vt_find(vt, "(13:01 UTC)", NULL, NULL));
    quit(&vt);
    remove_fixture(&f);

    /* Declared 5 min ago: the first update is due this minute, not "in 0m". */
    make_fixture(&f, 5);
    vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "next update due now (13:01)", VT_WAIT_MAX_MS), 0);
    quit(&vt);
    remove_fixture(&f);

    /* Declared 5 min 30 s ago: late by seconds, not "OVERDUE 0m". */
    make_fixture(&f, 5);
    {
        struct wr_error err;
        struct store *s = NULL;
        assert_int_equal(store_open(f.db, &s, &err), 0);
        assert_int_equal(store_milestone_set(s, f.id, MS_DECLARED, NOW_MS - 330000, "ana", &err), 0);
        store_close(&s);
    }
    vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "OVERDUE 30s", VT_WAIT_MAX_MS), 0);
    quit(&vt);
    remove_fixture(&f);

    /* Not declared yet: no countdown. */
    make_fixture(&f, -1);
    vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "IC (unassigned)", VT_WAIT_MAX_MS), 0);
    assert_false(vt_find(vt, "next update", NULL, NULL));
    assert_false(vt_find(vt, "OVERDUE", NULL, NULL));
    quit(&vt);
    e = entries_of(&f, KIND_ALERT, &n);
    assert_int_equal(n, 0);
    store_entries_free(&e, n);
    remove_fixture(&f);
}


/* ---- entry actions on the timeline's cursor ---- */

#define T0 1773144000000LL /* 2026-03-10T12:00:00Z = 09:00 at the incident's UTC-3 */

static int64_t add(struct store *s, int64_t id, int64_t at, enum entry_kind kind, const char *text)
{
    struct wr_error err;
    struct entry e = {.incident_id = id, .at_ms = at, .kind = kind, .author = (char *)"ana",
                      .text = (char *)text};
    assert_int_equal(store_entry_append(s, &e, &err), 0);
    return e.id;
}

/* Revisions of an entry as "rev|kind|at|text|pinned|deleted|author" lines (the times of change
 * left out, and `at` only from revision at_from on), to compare the cockpit's history with the
 * CLI's. */
static char *history_of(const char *db, int64_t entry, int at_from)
{
    struct wr_error err;
    struct store *s = NULL;
    struct entry_revision *r = NULL;
    size_t n = 0;
    struct wr_buf b = {0};
    assert_int_equal(store_open(db, &s, &err), 0);
    assert_int_equal(store_entry_history(s, entry, &r, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        wr_buf_printf(&b, "%d|%s|%lld|%s|%d|%d|%s\n", r[i].rev, kind_name(r[i].kind),
                      r[i].rev >= at_from ? (long long)r[i].at_ms : 0LL, r[i].text, r[i].pinned,
                      r[i].deleted, r[i].author);
    store_revisions_free(&r, n);
    store_close(&s);
    return wr_buf_steal(&b);
}

static void test_entry_actions(void **state)
{
    (void)state;
    struct fixture f;
    make_fixture(&f, 5);
    struct wr_error err;
    struct store *s = NULL;
    assert_int_equal(store_open(f.db, &s, &err), 0);
    /* Two entries with the same text: the cockpit changes the newer, the CLI the older. */
    int64_t cli_one = add(s, f.id, NOW_MS - 20 * 60000LL, KIND_NOTE, "retry storm suspected");
    int64_t doomed = add(s, f.id, NOW_MS - 19 * 60000LL, KIND_NOTE, "aurora failover seen");
    int64_t tui_one = add(s, f.id, NOW_MS - 10 * 60000LL, KIND_NOTE, "retry storm suspected");
    int64_t milestone = 0;
    assert_int_equal(store_milestone_set(s, f.id, MS_DETECTED, NOW_MS - 9 * 60000LL, "ana", &err), 0);
    /* The incident's own zone: local times typed in the cockpit are UTC-3. */
    assert_int_equal(facts_set_tz(s, f.id, "-03:00", "ana", &err), 0);
    store_close(&s);
    struct vt *vt = spawn(&f, NULL);
    assert_int_equal(vt_wait_text(vt, "Milestone detected", VT_WAIT_MAX_MS), 0);
    /* The header's clock: the incident's local time beside UTC. */
    assert_int_equal(vt_wait_text(vt, "10:01 UTC-3 (13:01 UTC)", VT_WAIT_MAX_MS), 0);

    /* Esc: the cursor starts on the newest entry (the time zone's fact entry); entries warroom
     * records keep their kind and time. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "K"), 0);
    assert_int_equal(vt_wait_text(vt, "records a fact: warroom keeps its kind", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "k@"), 0);
    assert_int_equal(vt_wait_text(vt, "records a milestone: its time is the milestone's", VT_WAIT_MAX_MS), 0);
    /* k: the newest note; e edits it. */
    assert_int_equal(vt_keys(vt, "k"), 0);
    assert_int_equal(vt_keys(vt, "e"), 0);
    assert_int_equal(vt_wait_text(vt, "Edit: retry storm suspected", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, " from scoring<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "edited; the old text is kept", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "retry storm suspected from scoring", VT_WAIT_MAX_MS), 0);
    /* *: pin; K 3: decision; @: when it happened (09:40 local = 12:40 UTC). */
    assert_int_equal(vt_keys(vt, "*"), 0);
    assert_int_equal(vt_wait_text(vt, "pinned as a key event", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "K"), 0);
    assert_int_equal(vt_wait_text(vt, "Change the entry's kind", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "3"), 0);
    assert_int_equal(vt_wait_text(vt, "is now a decision", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "@"), 0);
    assert_int_equal(vt_wait_text(vt, "Happened at (UTC-3): 09:51:00", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<C-u>yesterday-ish<Enter>"), 0); /* refused, text kept */
    assert_int_equal(vt_wait_text(vt, "Happened at (UTC-3): yesterday-ish", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "cannot read time", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<C-u>09:40<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "now at 09:40:00", VT_WAIT_MAX_MS), 0);
    /* H: every revision. */
    assert_int_equal(vt_keys(vt, "H"), 0);
    assert_int_equal(vt_wait_text(vt, "History of entry", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "rev 5", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "History of entry", VT_WAIT_MAX_MS), 0);
    /* The cursor stayed on the moved entry, now the oldest: j j reaches the failover note, d
     * asks, y deletes. */
    assert_int_equal(vt_keys(vt, "jj<Del>"), 0); /* Del as d */
    assert_int_equal(vt_wait_text(vt, "aurora failover seen\"? Its history is kept.", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "y"), 0);
    assert_int_equal(vt_wait_text(vt, "deleted; its history keeps every revision", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_gone(vt, "aurora failover seen", VT_WAIT_MAX_MS), 0);
    /* The cursor moved to the next entry (the milestone), not into the void. */
    assert_int_equal(vt_keys(vt, "K"), 0);
    assert_int_equal(vt_wait_text(vt, "records a milestone", VT_WAIT_MAX_MS), 0);
    /* G puts the cursor on the newest entry (the time zone's fact), g on the oldest (the moved
     * entry): e then edits that one. */
    assert_int_equal(vt_keys(vt, "Ge"), 0);
    assert_int_equal(vt_wait_text(vt, "Edit: Time zone", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Edit: ", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "ge"), 0);
    assert_int_equal(vt_wait_text(vt, "Edit: retry storm suspected from scoring", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Edit: ", VT_WAIT_MAX_MS), 0);
    /* * twice: pinned, then unpinned again (both revisions, checked below). */
    assert_int_equal(vt_keys(vt, "*"), 0);
    assert_int_equal(vt_wait_text(vt, "unpinned", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "*"), 0);
    assert_int_equal(vt_wait_text(vt, "pinned as a key event", VT_WAIT_MAX_MS), 0);
    /* An entry just typed takes the cursor: Esc e edits it, not the entry selected before. */
    assert_int_equal(vt_keys(vt, "ichecked the canary<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "saved #", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "e"), 0);
    assert_int_equal(vt_wait_text(vt, "Edit: checked the canary", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Edit: ", VT_WAIT_MAX_MS), 0);
    /* The help lists the entry keys (from the same table that dispatches them). */
    assert_int_equal(vt_keys(vt, "?"), 0);
    assert_int_equal(vt_wait_text(vt, "Help: keys", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<PgDn><PgDn>"), 0);
    assert_int_equal(vt_wait_text(vt, "change when the entry under the cursor happened", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "q"), 0);
    assert_int_equal(vt_wait_gone(vt, "Help: keys", VT_WAIT_MAX_MS), 0);
    quit(&vt);
    (void)milestone;

    assert_int_equal(store_open(f.db, &s, &err), 0);
    struct entry e;
    assert_int_equal(store_entry_get(s, tui_one, &e, &err), 0);
    assert_string_equal(e.text, "retry storm suspected from scoring");
    assert_int_equal(e.kind, KIND_DECISION);
    assert_true(e.pinned);
    assert_int_equal(e.at_ms, T0 + 40 * 60000LL);
    assert_int_equal(e.rev, 7); /* then unpinned and pinned again */
    entry_clear(&e);
    assert_int_equal(store_entry_get(s, doomed, &e, &err), 0);
    assert_true(e.deleted);
    entry_clear(&e);
    store_close(&s);

    /* The same changes made with the CLI leave the same history, revision for revision. */
    char entry[32], cmd[1024];
    snprintf(entry, sizeof entry, "%lld", (long long)cli_one);
    static const char *const steps[][2] = {{"edit", "'retry storm suspected from scoring'"},
                                           {"pin", ""},
                                           {"edit", "--kind decision"},
                                           {"edit", "--at 09:40"},
                                           {"pin", "--off"},
                                           {"pin", ""}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "TZ=UTC WARROOM_NOW=" NOW_ISO " %s --db %s --as scribe %s %s %s %s >/dev/null",
                 WARROOM_BIN, f.db, steps[i][0], f.idbuf, entry, steps[i][1]);
        assert_int_equal(system(cmd), 0);
    }
    /* The two entries began at different times; from the @ change (revision 5) on they agree on
     * that too. Every revision is otherwise identical. */
    char *tui = history_of(f.db, tui_one, 5), *cli = history_of(f.db, cli_one, 5);
    assert_string_equal(cli, tui);
    assert_non_null(strstr(tui, "5|decision|1773146400000|retry storm suspected from scoring|1|0|scribe"));
    assert_non_null(strstr(tui, "6|decision|1773146400000|retry storm suspected from scoring|0|0|scribe"));
    assert_non_null(strstr(tui, "7|decision|1773146400000|retry storm suspected from scoring|1|0|scribe"));
    free(tui);
    free(cli);
    remove_fixture(&f);
}

/* ---- the facts dialog ---- */

/* The demo incident (seed 000) in a fresh database: its facts, proposals and time zone. */
static void make_demo_fixture(struct fixture *f)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-tui-story-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->home, sizeof f->home, "HOME=%s", f->dir);
    snprintf(f->xdg, sizeof f->xdg, "XDG_CONFIG_HOME=%s/config", f->dir);
    char *text = wr_read_file(WARROOM_SOURCE_DIR "/data/demo/incident.json", NULL, &err);
    assert_non_null(text);
    assert_int_equal(store_open(f->db, &s, &err), 0);
    assert_int_equal(exchange_import(s, text, false, &f->id, &err), 0);
    store_close(&s);
    free(text);
    snprintf(f->idbuf, sizeof f->idbuf, "%lld", (long long)f->id);
}

static void load_facts(struct fixture *f, struct incident *inc, struct incident_facts *fs)
{
    struct wr_error err;
    struct store *s = NULL;
    assert_int_equal(store_open(f->db, &s, &err), 0);
    assert_int_equal(store_incident_get(s, f->id, inc, &err), 0);
    assert_int_equal(facts_load(s, inc, NOW_MS, fs, &err), 0);
    store_close(&s);
}

static void test_facts_dialog(void **state)
{
    (void)state;
    struct fixture f;
    make_demo_fixture(&f);
    struct vt *vt = spawn_titled(&f, "Credit applications slow");
    /* One key opens it; the mitigation is warroom's proposal from the MITIGATE entries. */
    assert_int_equal(vt_keys(vt, "<F9>"), 0);
    assert_int_equal(vt_wait_text(vt, "Incident facts", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "proposed from 09:43 to 09:52 (a accepts): Roll back", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "[confirmed]", VT_WAIT_MAX_MS), 0);
    /* Down to the mitigation (the 7th row), a accepts the proposal. */
    assert_int_equal(vt_keys(vt, "<Down><Down><Down><Down><Down><Down>a"), 0);
    assert_int_equal(vt_wait_text(vt, "Mitigation in place set from the proposal", VT_WAIT_MAX_MS), 0);
    struct incident inc;
    struct incident_facts fs;
    load_facts(&f, &inc, &fs);
    assert_int_equal(fs.f[FACT_MITIGATION].source, FACT_SOURCE_FIELD);
    assert_string_equal(fs.f[FACT_MITIGATION].value, fs.f[FACT_MITIGATION].proposal);
    assert_string_equal(fs.f[FACT_MITIGATION].author, "scribe");
    facts_clear(&fs);
    incident_clear(&inc);

    /* The next step: Enter edits the current value; Up recalls the earlier one; Enter saves. */
    assert_int_equal(vt_keys(vt, "<Down><Enter>"), 0);
    /* (a long value scrolls: the field shows its end, where the cursor is) */
    assert_int_equal(vt_wait_text(vt, "resolved; the postmortem follows", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "Next step: ", NULL, NULL));
    assert_int_equal(vt_keys(vt, "<Up><Up>"), 0);
    assert_int_equal(vt_wait_text(vt, "p99 latency return to baseline", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Next step saved", VT_WAIT_MAX_MS), 0);
    /* c: the cause is no longer confirmed (and back). */
    assert_int_equal(vt_keys(vt, "<Up><Up>c"), 0);
    assert_int_equal(vt_wait_text(vt, "Current cause no longer confirmed", VT_WAIT_MAX_MS), 0);
    load_facts(&f, &inc, &fs);
    assert_false(fs.cause_confirmed);
    assert_string_equal(fs.f[FACT_NEXT_STEP].value,
                        "Roll back scoring-service to v2.13.2 and watch the success rate and p99 "
                        "latency return to baseline");
    facts_clear(&fs);
    incident_clear(&inc);
    assert_int_equal(vt_keys(vt, "c"), 0);
    assert_int_equal(vt_wait_text(vt, "Current cause confirmed", VT_WAIT_MAX_MS), 0);

    /* The time zone: an unknown one is refused, the text stays; an offset is taken. */
    assert_int_equal(vt_keys(vt, "<Down><Down><Down><Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Time zone: -03:00", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<C-u>Mars/Olympus<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "'Mars/Olympus' is unknown here", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "Time zone: Mars/Olympus", NULL, NULL));
    assert_int_equal(vt_keys(vt, "<C-u>+05:30<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Time zone saved", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "+05:30 (UTC+5:30 now)", VT_WAIT_MAX_MS), 0);
    /* x clears the summary (Down wraps to the first row). */
    assert_int_equal(vt_keys(vt, "<Down>x"), 0);
    assert_int_equal(vt_wait_text(vt, "Summary cleared", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Incident facts", VT_WAIT_MAX_MS), 0);
    /* The cockpit now shows local times in the new zone; F in command mode opens the dialog. */
    assert_int_equal(vt_wait_text(vt, "Timeline 2026-03-10 UTC+5:30", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "F"), 0);
    assert_int_equal(vt_wait_text(vt, "Incident facts", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Incident facts", VT_WAIT_MAX_MS), 0);
    quit(&vt);

    load_facts(&f, &inc, &fs);
    assert_string_equal(inc.tz, "+05:30");
    assert_string_equal(inc.summary, "");
    assert_true(fs.cause_confirmed);
    facts_clear(&fs);
    incident_clear(&inc);
    /* Every change is a fact entry by the cockpit's user. */
    size_t n = 0;
    struct entry *e = entries_of(&f, KIND_FACT, &n);
    int mine = 0;
    for (size_t i = 0; i < n; i++)
        mine += strcmp(e[i].author, "scribe") == 0;
    assert_int_equal(mine, 6); /* mitigation, next step, unconfirm, confirm, tz, summary */
    assert_string_equal(e[n - 1].text, "Summary cleared");
    store_entries_free(&e, n);
    remove_fixture(&f);
}

/* ---- export from the cockpit: the demo's figures on the cockpit's clock ---- */

/* Minutes of a "1h 12m" / "58m 30s" duration at the start of s; -1 when none. */
static long minutes_of(const char *s)
{
    long h = 0, m = 0, sec = 0;
    if (sscanf(s, "%ldh %ldm", &h, &m) == 2)
        return h * 60 + m;
    if (sscanf(s, "%ldm %lds", &m, &sec) == 2)
        return m;
    return -1;
}

/* The value cell of the markdown row that starts with "| name |". */
static const char *cell_after(const char *md, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "\n| %s | ", name);
    const char *p = strstr(md, key);
    return p ? p + strlen(key) : NULL;
}

static void test_demo_export(void **state)
{
    (void)state;
    char dir[] = "/tmp/wr-tui-export-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char home[64], tmpdir[64], db[96], cwd[4096], path[256];
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", dir);
    snprintf(db, sizeof db, "WARROOM_DB=%s/none.db", dir);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0); /* the export lands in the cockpit's directory */
    const char *argv[] = {WARROOM_BIN, "demo", NULL};
    const char *env[] = {home, tmpdir, db, "XDG_STATE_HOME=", "XDG_CONFIG_HOME=", "TZ=UTC", NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 100);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "DEMO", VT_WAIT_MAX_MS), 0);
    /* Two keys from typing: Esc x. The status line says where the files went. */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "x"), 0);
    char where[256];
    snprintf(where, sizeof where, "Exported to %s/INC-1-export", dir);
    assert_int_equal(vt_wait_text(vt, where, VT_WAIT_MAX_MS), 0);
    /* F10 does the same from anywhere: the files below are its own (the first export's are
     * gone; quitting waits for an export being written). */
    snprintf(path, sizeof path, "rm -r '%s/INC-1-export'", dir);
    assert_int_equal(system(path), 0);
    assert_int_equal(vt_keys(vt, "i"), 0);
    assert_int_equal(vt_wait_gone(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<F10>"), 0);
    quit(&vt);

    struct wr_error err;
    snprintf(path, sizeof path, "%s/INC-1-export/postmortem.md", dir);
    char *md = wr_read_file(path, NULL, &err);
    assert_non_null(md);
    /* Not resolved: measured to the demo's clock (10:01 onwards at UTC-3), and it says so. */
    assert_non_null(strstr(md, "(not resolved yet: measured to 10:"));
    assert_null(strstr(md, "259d"));
    const char *dur = cell_after(md, "Duration");
    assert_non_null(dur);
    long m = minutes_of(dur);
    if (m < 71 || m > 120)
        fail_msg("duration %ld min: the demo ran 70 min to mitigation and the cockpit's clock is "
                 "minutes past it", m);
    const char *total = cell_after(md, "Total duration");
    assert_non_null(total);
    assert_int_equal(minutes_of(total), m);
    const char *sev2 = cell_after(md, "Time in SEV2");
    assert_non_null(sev2);
    long s2 = minutes_of(sev2);
    if (s2 < 50 || s2 > m)
        fail_msg("time in SEV2 %ld min out of range (SEV2 from 09:11)", s2);
    assert_non_null(strstr(md, "| Time to mitigate | 1h 10m |"));
    /* Every error budget figure is a sane percentage of the budget. */
    int budgets = 0;
    for (const char *p = md; (p = strstr(p, "% |")) != NULL; p++) {
        const char *b = p;
        while (b > md && b[-1] != ' ')
            b--;
        double v = atof(b);
        if (v < 0 || v > 100)
            fail_msg("percentage %.*s out of 0..100", (int)(p - b + 1), b);
        budgets++;
    }
    assert_true(budgets >= 2);
    const char *consumed = strstr(md, "| /loan/apply success rate | 99.5% | ");
    assert_non_null(consumed);
    consumed = strchr(consumed + strlen("| /loan/apply success rate | 99.5% | "), '|');
    double pct = atof(consumed + 2);
    if (pct <= 0 || pct >= 100)
        fail_msg("error budget consumed %.2f %% is not between 0 and 100", pct);
    assert_non_null(strstr(md, "## Resolution\n\n_Drafted from the timeline by warroom"));
    free(md);
    snprintf(path, sizeof path, "%s/INC-1-export/incident.json", dir);
    char *json = wr_read_file(path, NULL, &err);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"tz\":\"-03:00\""));
    free(json);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the export runs beside the cockpit ---- */

/* Make `fifo` a named pipe: an export reading its template from it waits there until the test
 * writes the template (release_template), so the test sees the cockpit while it exports. */
static void hold_template(const char *fifo)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", fifo);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(wr_mkdirs(dir, 0755, NULL), 0);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
}

/* Write the shipped template into the named pipe once the export opened it (reading the
 * cockpit's output meanwhile), then remove the pipe. */
static void release_template(struct vt *vt, const char *fifo)
{
    struct wr_error err;
    size_t len = 0;
    char *tpl = wr_read_file(WARROOM_SOURCE_DIR "/templates/postmortem.md", &len, &err);
    assert_non_null(tpl);
    int fd = -1;
    double give_up = vt_clock_ms() + vt_scaled_ms(VT_WAIT_MAX_MS);
    /* O_NONBLOCK: ENXIO until a reader has the pipe open (the export thread). */
    while ((fd = open(fifo, O_WRONLY | O_NONBLOCK)) < 0 && errno == ENXIO &&
           vt_clock_ms() < give_up)
        vt_observe(vt, 10);
    if (fd < 0)
        fail_msg("the export never opened its template %s: %s", fifo, strerror(errno));
    assert_int_equal(fcntl(fd, F_SETFL, 0), 0);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, tpl + off, len - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    close(fd);
    unlink(fifo);
    free(tpl);
}

/* A cockpit on the demo incident with its SLIs (replayed from data/demo), its clock pinned,
 * started in `cwd` (where F10 writes). */
static struct vt *spawn_demo_in(struct fixture *f, const char *cwd)
{
    char here[4096];
    assert_non_null(getcwd(here, sizeof here));
    assert_int_equal(chdir(cwd), 0);
    const char *argv[] = {WARROOM_BIN, "--db", f->db, "--config",
                          WARROOM_SOURCE_DIR "/data/demo/config.json", "tui", f->idbuf, NULL};
    const char *env[] = {"WARROOM_NOW=" NOW_ISO, f->home, f->xdg, "XDG_STATE_HOME=", "TZ=UTC",
                         "USER=", "LOGNAME=", "WARROOM_AS=scribe",
                         "WARROOM_TEMPLATES_DIR=" WARROOM_SOURCE_DIR "/templates", NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 120);
    assert_int_equal(chdir(here), 0);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "Credit applications slow", VT_WAIT_MAX_MS), 0);
    return vt;
}

/* F10 says "Exporting ..." at once and the cockpit goes on taking keys while the files are
 * written; a second F10 meanwhile says one is under way; then "Exported to DIR", and the files
 * are exactly what `warroom export` writes at the same clock (the incident's own zone, the SLI
 * graphs). Quitting while an export is written waits for its files. */
static void test_export_beside_the_cockpit(void **state)
{
    (void)state;
    struct fixture f;
    make_demo_fixture(&f);
    char fifo[256], msg[512], cmd[2048], out[256];
    snprintf(fifo, sizeof fifo, "%s/config/warroom/templates/postmortem.md", f.dir);
    snprintf(out, sizeof out, "%s/INC-%s-export", f.dir, f.idbuf);
    hold_template(fifo);
    struct vt *vt = spawn_demo_in(&f, f.dir);
    assert_int_equal(vt_keys(vt, "<F10>"), 0);
    snprintf(msg, sizeof msg, "Exporting INC-%s to %s ...", f.idbuf, out);
    assert_int_equal(vt_wait_text(vt, msg, VT_WAIT_MAX_MS), 0);
    /* The export waits on its template: the cockpit takes what is typed meanwhile. */
    assert_int_equal(vt_keys(vt, "typed during the export<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "typed during the export", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<F10>"), 0);
    snprintf(msg, sizeof msg, "An export of INC-%s is still being written to %s", f.idbuf, out);
    assert_int_equal(vt_wait_text(vt, msg, VT_WAIT_MAX_MS), 0);
    release_template(vt, fifo);
    snprintf(msg, sizeof msg, "Exported to %s: postmortem.md, graphs, incident.json", out);
    assert_int_equal(vt_wait_text(vt, msg, VT_WAIT_MAX_MS), 0);
    quit(&vt);
    size_t n = 0;
    struct entry *e = entries_of(&f, KIND_NOTE, &n);
    assert_true(n > 0);
    assert_string_equal(e[n - 1].text, "typed during the export");
    store_entries_free(&e, n);

    /* The same files as the command line's, for the same clock. */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && HOME='%s' XDG_CONFIG_HOME='%s/config' XDG_STATE_HOME= TZ=UTC "
             "WARROOM_NOW=" NOW_ISO " WARROOM_TEMPLATES_DIR='" WARROOM_SOURCE_DIR "/templates' "
             "'%s' --db '%s' --config '" WARROOM_SOURCE_DIR "/data/demo/config.json' export %s "
             "--format md -o cli >/dev/null 2>&1 && "
             "HOME='%s' XDG_STATE_HOME= TZ=UTC WARROOM_NOW=" NOW_ISO " '%s' --db '%s' export %s "
             "-o cli/incident.json && diff -r '%s' cli >&2",
             f.dir, f.dir, f.dir, WARROOM_BIN, f.db, f.idbuf, f.dir, WARROOM_BIN, f.db, f.idbuf,
             out);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "ls '%s'/sli-*.svg >/dev/null", out);
    assert_int_equal(system(cmd), 0); /* the SLI configuration reached the export */

    /* Quitting while the files are written: the cockpit says so and waits for them. */
    snprintf(cmd, sizeof cmd, "rm -r '%s'", out);
    assert_int_equal(system(cmd), 0);
    hold_template(fifo);
    vt = spawn_demo_in(&f, f.dir);
    assert_int_equal(vt_keys(vt, "<F10>"), 0);
    snprintf(msg, sizeof msg, "Exporting INC-%s to %s ...", f.idbuf, out);
    assert_int_equal(vt_wait_text(vt, msg, VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_text(vt, "COMMAND mode", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "q"), 0);
    assert_int_equal(vt_wait_text(vt, "Quitting once the export is written", VT_WAIT_MAX_MS), 0);
    assert_false(vt_exited(vt));
    release_template(vt, fifo);
    int status = -1;
    assert_int_equal(vt_wait_exit(vt, VT_WAIT_MAX_MS, &status), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    vt_free(&vt);
    snprintf(cmd, sizeof cmd, "cd '%s' && diff -r '%s' cli >&2", f.dir, out);
    assert_int_equal(system(cmd), 0);
    remove_fixture(&f);
}

/* On an 80-column terminal the demo's header row has no room for everything: the countdown
 * stays (the issue: it always shows once declared) and the IC's name gives way. */
static void test_countdown_on_80_columns(void **state)
{
    (void)state;
    char dir[] = "/tmp/wr-tui-80-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char home[64], tmpdir[64], db[96], cmd[160];
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", dir);
    snprintf(db, sizeof db, "WARROOM_DB=%s/none.db", dir);
    const char *argv[] = {WARROOM_BIN, "demo", NULL};
    const char *env[] = {home, tmpdir, db, "XDG_STATE_HOME=", "XDG_CONFIG_HOME=", "TZ=UTC", NULL};
    struct vt *vt = vt_spawn(argv, env, 24, 80);
    assert_non_null(vt);
    assert_int_equal(vt_wait_text(vt, "DEMO", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_wait_text(vt, "next update in ", VT_WAIT_MAX_MS), 0);
    int row = -1, col = -1;
    assert_true(vt_find(vt, "IC Luc", &row, &col));
    assert_int_equal(row, 1);
    quit(&vt);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The cockpit's stakeholder update carries its live SLI panels, not the newest stored snapshot
 * (the demo's is from 09:56, before the mitigation, and reads "breached" at 10:05). */
static void test_demo_update_live_slis(void **state)
{
    (void)state;
    char dir[] = "/tmp/wr-tui-live-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char home[64], tmpdir[64], db[96], cmd[160];
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", dir);
    snprintf(db, sizeof db, "WARROOM_DB=%s/none.db", dir);
    /* Real time (--speed 1): the demo stays at 10:03, p99 over its threshold. */
    const char *argv[] = {WARROOM_BIN, "demo", "--speed", "1", NULL};
    const char *env[] = {home, tmpdir, db, "XDG_STATE_HOME=", "XDG_CONFIG_HOME=", "TZ=UTC", NULL};
    struct vt *vt = vt_spawn(argv, env, 40, 120);
    assert_non_null(vt);
    /* The panels have values once the replay answered. */
    assert_int_equal(vt_wait_text(vt, "ms \u2264 800 ms", VT_WAIT_MAX_MS), 0);
    /* A reason too long for its panel ends in "…", not mid-word as if it were all of it. */
    int row = -1, col = -1, erow = -1, ecol = -1;
    assert_int_equal(vt_wait_text(vt, "over the 800 ms th", VT_WAIT_MAX_MS), 0);
    assert_true(vt_find(vt, "over the 800 ms th", &row, &col));
    assert_true(vt_find(vt, "\u2026", &erow, &ecol));
    assert_int_equal(erow, row);
    assert_int_equal(vt_keys(vt, "<F6>"), 0); /* the due one (update-internal) preselected */
    assert_int_equal(vt_wait_text(vt, "Stakeholder update: template", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Enter>"), 0);
    assert_int_equal(vt_wait_text(vt, "Service level indicators (as of 10:", VT_WAIT_MAX_MS), 0);
    assert_false(vt_find(vt, "before the mitigation", NULL, NULL));
    assert_false(vt_find(vt, "86.64%", NULL, NULL)); /* the 09:56 snapshot's figure */
    assert_int_equal(vt_keys(vt, "<Esc>"), 0); /* back to the list */
    assert_int_equal(vt_wait_text(vt, "Stakeholder update: template", VT_WAIT_MAX_MS), 0);
    assert_int_equal(vt_keys(vt, "<Esc>"), 0);
    assert_int_equal(vt_wait_gone(vt, "Stakeholder update", VT_WAIT_MAX_MS), 0);
    quit(&vt);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    /* What the fixtures record here happens at the cockpit's pinned "now". */
    setenv("WARROOM_NOW", NOW_ISO, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_countdown_without_destinations),
        cmocka_unit_test(test_entry_actions),
        cmocka_unit_test(test_facts_dialog),
        cmocka_unit_test(test_demo_export),
        cmocka_unit_test(test_export_beside_the_cockpit),
        cmocka_unit_test(test_demo_update_live_slis),
        cmocka_unit_test(test_countdown_on_80_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
