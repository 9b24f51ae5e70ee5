/* test_sync.c: team mode's journal and replica against a real PostgreSQL server (run under
 * tests/tools/pg_server.sh): writes made on a laptop reach the server exactly once, keep their
 * entries' uids, a refused one is undone locally, and the replica ends equal to the server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "db.h"
#include "store.h"
#include "store_sync.h"
#include "sync.h"
#include "sync_op.h"
#include "test_db.h"

#define HOUR (3600 * 1000LL)

struct fixture {
    char dir[64];
    char url[512];
    int64_t id;       /* the incident, on the server */
    int64_t started;
};

static void setup(struct fixture *f, const char *name)
{
    struct wr_error err;
    struct store *s = NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/wr-sync-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_db_fresh(f->url, sizeof f->url, f->dir, name, NULL, 0);
    assert_int_equal(store_open(f->url, &s, &err), 0);
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Scoring timeouts");
    f->started = wr_now_ms() - 2 * HOUR;
    inc.milestones[MS_STARTED] = f->started;
    assert_int_equal(store_incident_create(s, &inc, &f->id, &err), 0);
    incident_clear(&inc);
    store_close(&s);
}

static void teardown(struct fixture *f)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

static struct store *server(struct fixture *f)
{
    struct wr_error err;
    struct store *s = NULL;
    if (store_open(f->url, &s, &err) != 0)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(s);
    return s;
}

/* A laptop's replica file under the fixture, set up. */
static void replica_path(struct fixture *f, const char *laptop, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s.db", f->dir, laptop);
}

static struct store *replica(const char *path)
{
    struct wr_error err;
    struct store *r = NULL;
    assert_int_equal(store_open(path, &r, &err), 0);
    assert_int_equal(store_replica_setup(r, &err), 0);
    return r;
}

static void sync_now(struct fixture *f, const char *path, struct sync_report *rep)
{
    struct wr_error err;
    wr_error_clear(&err);
    int rc = sync_run_once(f->url, path, &f->id, 1, rep, &err);
    if (rc != 0)
        fprintf(stderr, "sync: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

static int append_fn(struct store *r, void *ctx, struct wr_error *err)
{
    return store_entry_append(r, ctx, err);
}

/* Type an entry on the laptop: local first, journaled. Returns its uid in uid (40 bytes). */
static void type_entry(struct store *r, int64_t id, const char *text, enum entry_kind kind,
                       char *uid)
{
    struct wr_error err;
    struct entry e;
    entry_init(&e);
    e.incident_id = id;
    e.kind = kind;
    e.author = (char *)"scribe";
    e.text = (char *)text;
    struct sync_op op = {.kind = SYNC_OP_ENTRIES, .incident_id = id, .author = "scribe"};
    assert_int_equal(sync_journal_write(r, &op, append_fn, &e, NULL, &err), 0);
    if (uid)
        memcpy(uid, e.uid, 40);
}

static int64_t count(struct store *s, int64_t id, const char *text)
{
    struct wr_error err;
    struct entry_filter flt = {.text = text, .include_deleted = true};
    int64_t n = -1;
    assert_int_equal(store_entry_count(s, id, &flt, &n, &err), 0);
    return n;
}

static void journal_counts(struct store *r, int64_t *pending, int64_t *failed)
{
    struct wr_error err;
    assert_int_equal(store_journal_counts(r, pending, failed, &err), 0);
}

/* Every entry of the incident as "id uid rev text\n", in id order (deleted ones too). */
static char *timeline_dump(struct store *s, int64_t id)
{
    struct wr_error err;
    struct entry *rows = NULL;
    size_t n = 0;
    struct entry_filter flt = {.include_deleted = true};
    assert_int_equal(store_entry_page(s, id, &flt, INT64_MIN, 0, true, 100000, &rows, &n, &err), 0);
    struct wr_buf b = {0};
    for (size_t i = 0; i < n; i++)
        wr_buf_printf(&b, "%lld %s %d %s\n", (long long)rows[i].id, rows[i].uid, rows[i].rev,
                      rows[i].text);
    store_entries_free(&rows, n);
    return b.data ? wr_buf_steal(&b) : strdup("");
}

static void assert_same_timeline(struct store *a, struct store *b, int64_t id)
{
    char *x = timeline_dump(a, id), *y = timeline_dump(b, id);
    if (strcmp(x, y) != 0)
        fprintf(stderr, "---- one\n%s---- other\n%s", x, y);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* Typed offline, sent once: the server has each entry once, the replica the server's ids, and a
 * second run sends nothing. */
static void test_entries_reach_the_server_once(void **state)
{
    struct fixture f;
    struct sync_report rep;
    char path[128];
    setup(&f, "once");
    replica_path(&f, "laptop", path, sizeof path);
    struct store *r = replica(path);
    sync_now(&f, path, &rep); /* the first copy */
    type_entry(r, f.id, "ALB 5xx rising", KIND_NOTE, NULL);
    type_entry(r, f.id, "checking the pool", KIND_ACTION, NULL);
    type_entry(r, f.id, "roll back scoring", KIND_DECISION, NULL);
    int64_t pending, failed;
    journal_counts(r, &pending, &failed);
    assert_int_equal(pending, 3);

    sync_now(&f, path, &rep);
    assert_int_equal(rep.sent, 3);
    assert_int_equal(rep.refused, 0);
    journal_counts(r, &pending, &failed);
    assert_int_equal(pending + failed, 0);
    struct store *s = server(&f);
    assert_int_equal(count(s, f.id, "ALB 5xx rising"), 1);
    assert_int_equal(count(s, f.id, "roll back scoring"), 1);
    assert_same_timeline(r, s, f.id);

    sync_now(&f, path, &rep);
    assert_int_equal(rep.sent, 0);
    assert_int_equal(count(s, f.id, ""), 3);
    store_close(&s);
    store_close(&r);
    teardown(&f);
}

/* The server committed but the laptop never heard (killed, or the link dropped before the
 * acknowledgement): the replay recognises the entry by its uid and the state change by its
 * operation uid, and writes nothing twice. */
static void test_lost_acknowledgement_is_not_applied_twice(void **state)
{
    struct fixture f;
    struct sync_report rep;
    struct wr_error err;
    char path[128], uid[40];
    setup(&f, "lostack");
    replica_path(&f, "laptop", path, sizeof path);
    struct store *r = replica(path);
    sync_now(&f, path, &rep);
    type_entry(r, f.id, "pool exhausted", KIND_NOTE, uid);
    struct sync_op sev = {.kind = SYNC_OP_SEVERITY, .incident_id = f.id, .author = "ic",
                          .at = wr_now_ms(), .value = 2, .text = "checkout down for 30%"};
    assert_int_equal(sync_journal_write(r, &sev, NULL, NULL, NULL, &err), 0);

    /* What the server did before the acknowledgement was lost: both operations, committed. */
    struct store *s = server(&f);
    struct store_journal_op op;
    bool found;
    assert_int_equal(store_journal_next(r, 0, &op, &found, &err), 0);
    assert_true(found);
    struct entry e;
    bool already = true;
    assert_int_equal(store_entry_original(r, uid, &e, &err), 0);
    assert_int_equal(store_entry_deliver(s, &e, &already, &err), 0);
    assert_false(already);
    entry_clear(&e);
    int64_t after = op.seq;
    store_journal_op_clear(&op);
    assert_int_equal(store_journal_next(r, after, &op, &found, &err), 0);
    assert_true(found);
    struct sync_op o;
    void *doc;
    bool fresh = false;
    assert_int_equal(sync_op_parse(op.op, &o, &doc, &err), 0);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_sync_claim(s, op.uid, &fresh, &err), 0);
    assert_true(fresh);
    store_force_uids(s, (const char *const *)op.entry_uids, op.n_entries);
    assert_int_equal(sync_op_apply(s, &o, &err), 0);
    store_force_uids(s, NULL, 0);
    assert_int_equal(store_commit(s, &err), 0);
    sync_op_doc_free(&doc);
    store_journal_op_clear(&op);

    sync_now(&f, path, &rep);
    assert_int_equal(rep.sent, 2);
    assert_int_equal(count(s, f.id, "pool exhausted"), 1);
    struct severity_change *hist = NULL;
    size_t n = 0;
    assert_int_equal(store_severity_history(s, f.id, &hist, &n, &err), 0);
    assert_int_equal(n, 1);
    store_severity_history_free(&hist, n);
    assert_int_equal(count(s, f.id, "Severity"), 1);
    assert_same_timeline(r, s, f.id);
    store_close(&s);
    store_close(&r);
    teardown(&f);
}

/* A state change made on the laptop records its timeline entry there at once; on the server the
 * same call records it under the same uid, so the replica ends with one, not two. */
static void test_state_change_keeps_its_entry(void **state)
{
    struct fixture f;
    struct sync_report rep;
    struct wr_error err;
    char path[128];
    setup(&f, "state");
    replica_path(&f, "laptop", path, sizeof path);
    struct store *r = replica(path);
    sync_now(&f, path, &rep);
    struct sync_op ops[] = {
        {.kind = SYNC_OP_ROLE, .incident_id = f.id, .author = "ic", .at = wr_now_ms(),
         .value = ROLE_IC, .text = "alice"},
        {.kind = SYNC_OP_MILESTONE, .incident_id = f.id, .author = "ic", .at = wr_now_ms(),
         .value = MS_DETECTED},
        {.kind = SYNC_OP_PHASE, .incident_id = f.id, .author = "ic", .at = wr_now_ms(),
         .value = PHASE_TRIAGE},
        {.kind = SYNC_OP_PM_FIELD, .incident_id = f.id, .author = "ic", .text = "summary",
         .text2 = "checkout slow"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        assert_int_equal(sync_journal_write(r, &ops[i], NULL, NULL, NULL, &err), 0);
    char holder[64];
    assert_int_equal(store_role_holder(r, f.id, ROLE_IC, holder, sizeof holder, &err), 0);
    assert_string_equal(holder, "alice"); /* shown at once, before any server */
    char *local = timeline_dump(r, f.id);

    sync_now(&f, path, &rep);
    assert_int_equal(rep.sent, 4);
    struct store *s = server(&f);
    assert_int_equal(store_role_holder(s, f.id, ROLE_IC, holder, sizeof holder, &err), 0);
    assert_string_equal(holder, "alice");
    struct incident inc;
    assert_int_equal(store_incident_get(s, f.id, &inc, &err), 0);
    assert_int_equal(inc.phase, PHASE_TRIAGE);
    assert_true(inc.milestones[MS_DETECTED] != WR_TIME_NONE);
    incident_clear(&inc);
    char *field = NULL;
    assert_int_equal(store_pm_field_get(s, f.id, "summary", &field, &err), 0);
    assert_string_equal(field, "checkout slow");
    free(field);
    assert_same_timeline(r, s, f.id);
    /* The same entries (uids, texts) as the laptop showed before it synced. */
    char *after = timeline_dump(r, f.id);
    for (char *a = local, *b = after; *a && *b;) {
        const char *sa = strchr(a, ' '), *sb = strchr(b, ' ');
        char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        assert_non_null(sa);
        assert_non_null(sb);
        assert_int_equal((int)(ea - sa), (int)(eb - sb));
        assert_memory_equal(sa, sb, (size_t)(ea - sa));
        a = ea + 1;
        b = eb + 1;
    }
    free(local);
    free(after);
    store_close(&s);
    store_close(&r);
    teardown(&f);
}

/* Two laptops offline at once, each typing: after both sync, each replica is the server's
 * timeline exactly (ids included), though both had numbered their entries the same way. */
static void test_two_laptops_converge(void **state)
{
    struct fixture f;
    struct sync_report rep;
    char pa[128], pb[128];
    setup(&f, "two");
    replica_path(&f, "a", pa, sizeof pa);
    replica_path(&f, "b", pb, sizeof pb);
    struct store *a = replica(pa), *b = replica(pb);
    sync_now(&f, pa, &rep);
    sync_now(&f, pb, &rep);
    for (int i = 0; i < 5; i++) {
        char text[64];
        snprintf(text, sizeof text, "from a %d", i);
        type_entry(a, f.id, text, KIND_NOTE, NULL);
        snprintf(text, sizeof text, "from b %d", i);
        type_entry(b, f.id, text, i == 2 ? KIND_TODO : KIND_NOTE, NULL);
    }
    sync_now(&f, pa, &rep);
    assert_int_equal(rep.sent, 5);
    sync_now(&f, pb, &rep);
    assert_int_equal(rep.sent, 5);
    sync_now(&f, pa, &rep);
    struct store *s = server(&f);
    assert_int_equal(count(s, f.id, "from "), 10);
    assert_same_timeline(a, s, f.id);
    assert_same_timeline(b, s, f.id);
    /* b's TODO is one action item, the same on the server and both laptops. */
    struct wr_error err;
    struct action_item *items = NULL;
    size_t n = 0;
    assert_int_equal(store_action_list(a, f.id, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    char uid[40];
    memcpy(uid, items[0].uid, sizeof uid);
    store_actions_free(&items, n);
    assert_int_equal(store_action_list(s, f.id, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].uid, uid);
    store_actions_free(&items, n);
    store_close(&s);
    store_close(&a);
    store_close(&b);
    teardown(&f);
}

/* A milestone set on a laptop that had not seen the server's newer one is refused by the
 * server's order check: reported, kept as failed in the journal, and undone locally. */
static void test_refused_change_is_undone(void **state)
{
    struct fixture f;
    struct sync_report rep;
    struct wr_error err;
    char path[128];
    setup(&f, "refused");
    replica_path(&f, "laptop", path, sizeof path);
    struct store *r = replica(path);
    sync_now(&f, path, &rep);
    struct store *s = server(&f);
    int64_t resolved = f.started + HOUR;
    assert_int_equal(store_milestone_set(s, f.id, MS_RESOLVED, resolved, "ops", &err), 0);
    struct sync_op ms = {.kind = SYNC_OP_MILESTONE, .incident_id = f.id, .author = "ic",
                         .at = resolved + HOUR / 2, .value = MS_MITIGATED};
    assert_int_equal(sync_journal_write(r, &ms, NULL, NULL, NULL, &err), 0);
    assert_int_equal(count(r, f.id, "Milestone mitigated"), 1);

    sync_now(&f, path, &rep);
    assert_int_equal(rep.refused, 1);
    int64_t pending, failed;
    journal_counts(r, &pending, &failed);
    assert_int_equal(pending, 0);
    assert_int_equal(failed, 1);
    struct incident inc;
    assert_int_equal(store_incident_get(r, f.id, &inc, &err), 0);
    assert_true(inc.milestones[MS_MITIGATED] == WR_TIME_NONE);
    assert_true(inc.milestones[MS_RESOLVED] == resolved);
    incident_clear(&inc);
    assert_int_equal(count(r, f.id, "Milestone mitigated"), 0);
    assert_int_equal(count(s, f.id, "Milestone mitigated"), 0);
    assert_same_timeline(r, s, f.id);
    store_close(&s);
    store_close(&r);
    teardown(&f);
}

/* A large incident is copied in batches; afterwards a change on the server brings exactly the
 * changed entry (the change counter), with its history. */
static void test_copy_in_batches_then_only_changes(void **state)
{
    struct fixture f;
    struct sync_report rep;
    struct wr_error err;
    char path[128];
    setup(&f, "batches");
    struct store *s = server(&f);
    assert_int_equal(store_begin(s, &err), 0);
    int64_t first = 0;
    for (int i = 0; i < 1234; i++) {
        char text[64];
        snprintf(text, sizeof text, "line %d", i);
        struct entry e;
        entry_init(&e);
        e.incident_id = f.id;
        e.kind = KIND_NOTE;
        e.author = (char *)"bulk";
        e.text = text;
        e.at_ms = f.started + i;
        assert_int_equal(store_entry_append(s, &e, &err), 0);
        if (i == 0)
            first = e.id;
    }
    assert_int_equal(store_commit(s, &err), 0);
    replica_path(&f, "laptop", path, sizeof path);
    struct store *r = replica(path);
    sync_now(&f, path, &rep);
    assert_int_equal(rep.copied, 1234);
    assert_same_timeline(r, s, f.id);

    assert_int_equal(store_entry_edit(s, f.id, first, "line 0, corrected", "ops", &err), 0);
    sync_now(&f, path, &rep);
    assert_int_equal(rep.copied, 1);
    struct entry_revision *revs = NULL;
    size_t n = 0;
    assert_int_equal(store_entry_history(r, first, &revs, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(revs[1].text, "line 0, corrected");
    store_revisions_free(&revs, n);
    sync_now(&f, path, &rep);
    assert_int_equal(rep.copied, 0);
    store_close(&s);
    store_close(&r);
    teardown(&f);
}

static int todo_fn(struct store *r, void *ctx, struct wr_error *err)
{
    return store_entry_append(r, ctx, err);
}

/* A TODO typed offline is an action item at once; changing that item offline too reaches the
 * server's item (named by uid, not by the laptop's id). */
static void test_offline_action_item_edit(void **state)
{
    struct fixture f;
    struct sync_report rep;
    struct wr_error err;
    char path[128];
    setup(&f, "action");
    replica_path(&f, "laptop", path, sizeof path);
    struct store *r = replica(path);
    sync_now(&f, path, &rep);
    struct store *s = server(&f);
    struct entry other;
    entry_init(&other);
    other.incident_id = f.id;
    other.kind = KIND_NOTE;
    other.author = (char *)"ops";
    other.text = (char *)"someone else's note"; /* ids differ between the two from here on */
    assert_int_equal(store_entry_append(s, &other, &err), 0);
    struct entry e;
    entry_init(&e);
    e.incident_id = f.id;
    e.kind = KIND_TODO;
    e.author = (char *)"scribe";
    e.text = (char *)"alert on scoring error rate";
    struct sync_op op = {.kind = SYNC_OP_ENTRIES, .incident_id = f.id, .author = "scribe"};
    assert_int_equal(sync_journal_write(r, &op, todo_fn, &e, NULL, &err), 0);
    struct action_item *items = NULL;
    size_t n = 0;
    assert_int_equal(store_action_list(r, f.id, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    struct sync_op upd = {.kind = SYNC_OP_ACTION_UPDATE, .incident_id = f.id, .author = "ic",
                          .action = items[0]};
    upd.action.owner = (char *)"bob";
    snprintf(upd.action.priority, sizeof upd.action.priority, "P0");
    assert_int_equal(sync_journal_write(r, &upd, NULL, NULL, NULL, &err), 0);
    store_actions_free(&items, n);

    sync_now(&f, path, &rep);
    assert_int_equal(rep.sent, 2);
    assert_int_equal(store_action_list(s, f.id, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].owner, "bob");
    assert_string_equal(items[0].priority, "P0");
    assert_true(items[0].source_entry_id > 0);
    store_actions_free(&items, n);
    store_close(&s);
    store_close(&r);
    teardown(&f);
}

/* `warroom --db URL sync ARG` in this process (cli_main), its stdout as a malloc'd string. */
static char *run_warroom(const char *url, const char *arg)
{
    char tmpl[] = "/tmp/wr-sync-out-XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(dup2(fd, STDOUT_FILENO) >= 0);
    char *argv[] = {"warroom", "--db", (char *)url, "sync", (char *)arg, NULL};
    int rc = cli_main(5, argv, NULL);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fd);
    struct wr_error err;
    char *text = wr_read_file(tmpl, NULL, &err);
    unlink(tmpl);
    assert_int_equal(rc, 0);
    assert_non_null(text);
    return text;
}

/* Entries waiting together go in one server transaction; one the server refuses (its uid is
 * saved in another incident there) does not hold back the others, and stays here, marked. */
static void test_refused_entry_in_a_batch(void **state)
{
    struct fixture f;
    struct sync_report rep;
    struct wr_error err;
    char path[128], uid[40];
    setup(&f, "batchrefused");
    /* The replica where the cockpit (and warroom sync) keeps it, for the CLI part below. */
    char xdg[96];
    snprintf(xdg, sizeof xdg, "%s/xdg", f.dir);
    setenv("XDG_DATA_HOME", xdg, 1);
    assert_int_equal(sync_replica_path(f.url, path, sizeof path, &err), 0);
    struct store *r = replica(path);
    sync_now(&f, path, &rep);
    type_entry(r, f.id, "first of three", KIND_NOTE, NULL);
    type_entry(r, f.id, "second of three", KIND_NOTE, uid);
    type_entry(r, f.id, "third of three", KIND_NOTE, NULL);
    struct store *s = server(&f);
    int64_t other = 0;
    struct incident inc;
    incident_init(&inc);
    inc.title = strdup("Another incident");
    assert_int_equal(store_incident_create(s, &inc, &other, &err), 0);
    incident_clear(&inc);
    struct entry e;
    entry_init(&e);
    e.incident_id = other;
    e.kind = KIND_NOTE;
    e.author = (char *)"ops";
    e.text = (char *)"same uid, elsewhere";
    memcpy(e.uid, uid, sizeof e.uid);
    bool already = true;
    assert_int_equal(store_entry_deliver(s, &e, &already, &err), 0);

    sync_now(&f, path, &rep);
    assert_int_equal(rep.sent, 2);
    assert_int_equal(rep.refused, 1);
    assert_int_equal(count(s, f.id, "of three"), 2);
    struct store_journal_entry *marks = NULL;
    size_t n = 0;
    assert_int_equal(store_journal_entries(r, f.id, &marks, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(marks[0].uid, uid);
    assert_true(marks[0].failed);
    free(marks);
    assert_int_equal(count(r, f.id, "second of three"), 1); /* the text is not lost */

    /* warroom sync --refused says what and why; --dismiss forgets it, and the laptop's copy is
     * the server's again. */
    char *out = run_warroom(f.url, "--refused");
    assert_non_null(strstr(out, "second of three"));
    assert_non_null(strstr(out, "already saved in incident"));
    free(out);
    out = run_warroom(f.url, "--dismiss");
    assert_non_null(strstr(out, "dismissed 1 refused change"));
    free(out);
    int64_t pending, failed;
    journal_counts(r, &pending, &failed);
    assert_int_equal(pending + failed, 0);
    assert_int_equal(count(r, f.id, "second of three"), 0);
    assert_same_timeline(r, s, f.id);
    unsetenv("XDG_DATA_HOME");
    store_close(&s);
    store_close(&r);
    teardown(&f);
}

/* This laptop's replica file for `url` (XDG_DATA_HOME set by the caller). */
static void replica_for(const char *url, char *buf, size_t n)
{
    struct wr_error err;
    assert_int_equal(sync_replica_path(url, buf, n, &err), 0);
}

/* The journal a cockpit leaves is found by the database the target names, not by how it is
 * spelled: after a kill -9 the next start (or warroom sync) sends it even when the password
 * moved from the URL to ~/.pgpass, sslmode was added, or the URL became keywords. */
static void test_journal_found_under_any_spelling(void **state)
{
    (void)state;
    struct fixture f;
    struct sync_report rep;
    char path[256], other[256], xdg[96], sch[64];
    setup(&f, "spelling");
    snprintf(xdg, sizeof xdg, "%s/xdg", f.dir);
    setenv("XDG_DATA_HOME", xdg, 1);
    replica_for(f.url, path, sizeof path);
    /* f.url is postgresql://warroom@127.0.0.1:PORT/warroom?options=-csearch_path%3DSCHEMA */
    const char *rest = strstr(f.url, "://") + 3, *at = strchr(rest, '@');
    const char *port = strchr(at, ':') + 1;
    snprintf(sch, sizeof sch, "%s", strstr(f.url, "%3D") + 3);
    char same[5][640], differ[4][640];
    snprintf(same[0], sizeof same[0], "postgres://%s", rest);
    snprintf(same[1], sizeof same[1], "%s&sslmode=prefer&connect_timeout=7", f.url);
    snprintf(same[2], sizeof same[2], "postgresql://warroom:not-shown@%s", at + 1);
    snprintf(same[3], sizeof same[3],
             "host=127.0.0.1 port=%.*s dbname=warroom user=warroom options='-csearch_path=%s'",
             (int)strcspn(port, "/"), port, sch);
    snprintf(same[4], sizeof same[4], "%s&password=not-shown", f.url);
    for (size_t i = 0; i < 5; i++) {
        replica_for(same[i], other, sizeof other);
        if (strcmp(other, path) != 0)
            fail_msg("%s and %s get different replicas", f.url, same[i]);
    }
    snprintf(differ[0], sizeof differ[0], "postgresql://someone@%s", at + 1);
    snprintf(differ[1], sizeof differ[1], "postgresql://warroom@127.0.0.1:1/warroom?%s",
             strchr(f.url, '?') + 1);
    snprintf(differ[2], sizeof differ[2], "postgresql://warroom@127.0.0.1:%.*s/other?%s",
             (int)strcspn(port, "/"), port, strchr(f.url, '?') + 1);
    snprintf(differ[3], sizeof differ[3], "%.*sx", (int)strlen(f.url), f.url); /* schema */
    for (size_t i = 0; i < 4; i++) {
        replica_for(differ[i], other, sizeof other);
        if (strcmp(other, path) == 0)
            fail_msg("%s and %s share a replica", f.url, differ[i]);
    }

    /* Typed, saved here, and the cockpit killed before the server had it. */
    struct store *r = replica(path);
    sync_now(&f, path, &rep);
    type_entry(r, f.id, "typed before the crash", KIND_NOTE, NULL);
    store_close(&r);
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)f.id);
    free(run_warroom(same[1], id));
    free(run_warroom(same[0], id));
    struct store *s = server(&f);
    assert_int_equal(count(s, f.id, "typed before the crash"), 1);
    store_close(&s);

    /* A replica the first team-mode builds named after the masked target is still used. */
    char masked[640], legacy[256];
    db_mask_target(differ[0], masked, sizeof masked);
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = masked; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(legacy, sizeof legacy, "%s/warroom/replicas/%016llx.db", xdg, (unsigned long long)h);
    FILE *fp = fopen(legacy, "w");
    assert_non_null(fp);
    fclose(fp);
    replica_for(differ[0], other, sizeof other);
    assert_string_equal(other, legacy);
    unsetenv("XDG_DATA_HOME");
    teardown(&f);
}

/* A replica made against one server database is not mixed into another one that took its
 * address (re-created): the sync stops with a message that says what to do. */
static void test_other_database_is_refused(void **state)
{
    struct fixture f;
    struct sync_report rep;
    struct wr_error err;
    char path[128];
    setup(&f, "instance");
    replica_path(&f, "laptop", path, sizeof path);
    struct store *r = replica(path);
    assert_int_equal(store_replica_state_set(r, "instance", "12345", &err), 0);
    assert_int_equal(sync_run_once(f.url, path, &f.id, 1, &rep, &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    assert_non_null(strstr(err.msg, "another database"));
    store_close(&r);
    teardown(&f);
}

int main(void)
{
    if (!test_db_is_pg()) {
        fprintf(stderr, "test_sync: run it under tests/tools/pg_server.sh; skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_reach_the_server_once),
        cmocka_unit_test(test_lost_acknowledgement_is_not_applied_twice),
        cmocka_unit_test(test_state_change_keeps_its_entry),
        cmocka_unit_test(test_two_laptops_converge),
        cmocka_unit_test(test_refused_change_is_undone),
        cmocka_unit_test(test_copy_in_batches_then_only_changes),
        cmocka_unit_test(test_offline_action_item_edit),
        cmocka_unit_test(test_refused_entry_in_a_batch),
        cmocka_unit_test(test_other_database_is_refused),
        cmocka_unit_test(test_journal_found_under_any_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
