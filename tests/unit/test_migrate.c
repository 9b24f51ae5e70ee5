/* test_migrate.c: databases written by earlier schemas open, migrate forward, and keep every row
 * exactly: tests/fixtures/schema-v2.db (see test_v2_fixture_...), tests/fixtures/schema-v4.db
 * (made by warroom at commit 956c084, see test_v4_fixture_...) and tests/fixtures/schema-v5.db (the schema before the
 * current one, made at commit 70ec700, see test_v5_fixture_...). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

/* Rows and a digest (FNV-1a over every value as text, with separators) of one query. */
static void digest(sqlite3 *db, const char *sql, long *rows, unsigned long long *h)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    *rows = 0;
    *h = 1469598103934665603ULL;
    while (sqlite3_step(q) == SQLITE_ROW) {
        (*rows)++;
        for (int c = 0; c < sqlite3_column_count(q); c++) {
            const unsigned char *t = sqlite3_column_text(q, c);
            int n = sqlite3_column_bytes(q, c);
            for (int i = 0; t && i < n; i++)
                *h = (*h ^ t[i]) * 1099511628211ULL;
            *h = (*h ^ (t ? 0x1f : 0x1e)) * 1099511628211ULL;
        }
    }
    sqlite3_finalize(q);
}

static long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long v = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Every ordinary table of the fixture (FTS tables are derived data) with the columns it had
 * before migrating, so the digest covers what the old schema stored and ignores new columns. */
#define MAX_TABLES 32
struct table_query {
    char sql[2048];
};

static size_t old_tables(sqlite3 *db, struct table_query *out)
{
    sqlite3_stmt *t;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                        "name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' "
                                        "ORDER BY name",
                                        -1, &t, NULL),
                     SQLITE_OK);
    size_t n = 0;
    while (sqlite3_step(t) == SQLITE_ROW) {
        assert_true(n < MAX_TABLES);
        const char *name = (const char *)sqlite3_column_text(t, 0);
        char cols[1500] = "", order[300] = "", q[200];
        snprintf(q, sizeof q, "PRAGMA table_info(%s)", name);
        sqlite3_stmt *c;
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &c, NULL), SQLITE_OK);
        int k = 0;
        while (sqlite3_step(c) == SQLITE_ROW) {
            const char *col = (const char *)sqlite3_column_text(c, 1);
            size_t l = strlen(cols);
            snprintf(cols + l, sizeof cols - l, "%s\"%s\"", k ? ", " : "", col);
            l = strlen(order);
            snprintf(order + l, sizeof order - l, "%s%d", k ? ", " : "", k + 1);
            k++;
        }
        sqlite3_finalize(c);
        assert_true(k > 0 && strlen(cols) < sizeof cols - 1);
        snprintf(out[n].sql, sizeof out[n].sql, "SELECT %s FROM \"%s\" ORDER BY %s", cols, name,
                 order);
        n++;
    }
    sqlite3_finalize(t);
    return n;
}

/*
 * Copy tests/fixtures/NAME into a fresh directory (*dir, *path), check it holds schema
 * `version`, digest every table it has (at least tables_at_least), open it with the store (which migrates it to
 * STORE_SCHEMA_VERSION) and check every one of those rows is still there, value for value. A
 * table that became a view (entry_revisions in schema 6) is read through the view.
 */
static void migrate_keeps_every_row(const char *name, int version, size_t tables_at_least,
                                    char *dir, size_t dir_n, char *path, size_t path_n)
{
    char cmd[1200];
    snprintf(dir, dir_n, "/tmp/warroom-migrate-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, path_n, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "cp '%s/tests/fixtures/%s' '%s'", WARROOM_SOURCE_DIR, name, path);
    assert_int_equal(system(cmd), 0);

    static struct table_query tables[MAX_TABLES];
    long rows_before[MAX_TABLES];
    unsigned long long h_before[MAX_TABLES];
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(scalar(db, "PRAGMA user_version"), version);
    long page_size = scalar(db, "PRAGMA page_size");
    size_t nt = old_tables(db, tables);
    assert_true(nt >= tables_at_least);
    for (size_t i = 0; i < nt; i++)
        digest(db, tables[i].sql, &rows_before[i], &h_before[i]);
    sqlite3_close(db);

    struct store *s = NULL;
    struct wr_error err = {0};
    assert_int_equal(store_open(path, &s, &err), 0);
    store_close(&s);

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(scalar(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    /* an existing database keeps its pages (new ones get 32 KiB: test_store) */
    assert_int_equal(scalar(db, "PRAGMA page_size"), page_size);
    for (size_t i = 0; i < nt; i++) {
        long rows;
        unsigned long long h;
        digest(db, tables[i].sql, &rows, &h);
        if (rows != rows_before[i] || h != h_before[i])
            fail_msg("rows changed by the migration: %s", tables[i].sql);
    }
    sqlite3_close(db);
}

static void remove_dir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Schema 2: made by warroom at schema 2 from the demo plus worksheet, action item, outbox and a
 * second incident. */
static void test_v2_fixture_migrates_with_every_row(void **state)
{
    (void)state;
    char dir[64], path[300];
    migrate_keeps_every_row("schema-v2.db", 2, 10, dir, sizeof dir, path, sizeof path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* the fixture really holds the demo's timeline */
    assert_true(scalar(db, "SELECT count(*) FROM entries") > 50);
    /* Schema 3: every old entry got its own uid. */
    assert_int_equal(scalar(db, "SELECT count(DISTINCT uid) FROM entries"),
                     scalar(db, "SELECT count(*) FROM entries"));
    assert_int_equal(scalar(db, "SELECT count(*) FROM entries WHERE length(uid) <> 32"), 0);
    /* Schema 5: so did every old action item. */
    assert_true(scalar(db, "SELECT count(*) FROM action_items") > 0);
    assert_int_equal(scalar(db, "SELECT count(DISTINCT uid) FROM action_items"),
                     scalar(db, "SELECT count(*) FROM action_items"));
    assert_int_equal(scalar(db, "SELECT count(*) FROM action_items WHERE length(uid) <> 32"), 0);
    sqlite3_close(db);

    /* The migrated database works: a new entry, its uid, and search over old and new text. */
    struct store *s = NULL;
    struct wr_error err = {0};
    assert_int_equal(store_open(path, &s, &err), 0);
    struct entry e = {.incident_id = 1, .kind = KIND_NOTE, .author = "alice",
                      .text = "after migration"};
    assert_int_equal(store_entry_append(s, &e, &err), 0);
    assert_int_equal((int)strlen(e.uid), 32);
    struct store_search_hit *hits = NULL;
    size_t n = 0;
    assert_int_equal(store_search(s, "migration", 10, &hits, &n, &err), 0);
    assert_int_equal(n, 1);
    store_search_free(&hits, n);
    assert_int_equal(store_search(s, "scoring", 50, &hits, &n, &err), 0);
    assert_true(n > 3);
    store_search_free(&hits, n);
    store_close(&s);
    remove_dir(dir);
}

/* Schema 4, as a laptop running that release had it: incident time zones, live facts, entry
 * uids, an analysis attached (entries with JSON payloads), edited, deleted and pinned entries,
 * roles, severity by the matrix, worksheet, action items, outbox. Made by the warroom binary of
 * commit 956c084 (schema 4): import of data/demo/incident.json, analyze --attach of
 * data/demo/logs, set/pm/action/comms on it, then a second incident (new --tz Europe/Madrid,
 * log/edit --at/rm/pin/todo, role, set, milestone, sev by the matrix). */
static void test_v4_fixture_migrates_with_every_row(void **state)
{
    (void)state;
    char dir[64], path[300];
    migrate_keeps_every_row("schema-v4.db", 4, 11, dir, sizeof dir, path, sizeof path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* the fixture holds what schemas 3 and 4 added */
    assert_true(scalar(db, "SELECT count(*) FROM incident_facts") >= 5);
    assert_int_equal(scalar(db, "SELECT count(*) FROM incidents WHERE tz = 'Europe/Madrid'"), 1);
    assert_true(scalar(db, "SELECT count(*) FROM entries WHERE data LIKE '%warroom analyze%'") >=
                4);
    assert_true(scalar(db, "SELECT count(*) FROM entries WHERE deleted = 1") >= 1);
    assert_true(scalar(db, "SELECT count(*) FROM action_items") >= 7);
    /* Schema 5: every old action item got its own uid. */
    assert_int_equal(scalar(db, "SELECT count(DISTINCT uid) FROM action_items"),
                     scalar(db, "SELECT count(*) FROM action_items"));
    assert_int_equal(scalar(db, "SELECT count(*) FROM action_items WHERE length(uid) <> 32"), 0);
    sqlite3_close(db);

    /* The migrated database works: an entry, an action item, search over old and new text. */
    struct store *s = NULL;
    struct wr_error err = {0};
    assert_int_equal(store_open(path, &s, &err), 0);
    struct entry e = {
        .incident_id = 2, .kind = KIND_NOTE, .author = "alice", .text = "after the v4 migration"};
    assert_int_equal(store_entry_append(s, &e, &err), 0);
    struct store_search_hit *hits = NULL;
    size_t n = 0;
    assert_int_equal(store_search(s, "checkout", 50, &hits, &n, &err), 0);
    assert_true(n >= 2);
    store_search_free(&hits, n);
    store_close(&s);
    remove_dir(dir);
}

/* Schema 5, the one before the current: made by the warroom binary of commit 70ec700 the same
 * way as schema-v4.db (the demo imported and analysed, facts, worksheet, an action item, one
 * message sent to a file and one failed to a webhook; a second incident in Europe/Madrid with an
 * entry edited by alice and then bob, one backdated, one deleted, one pinned, a TODO, a role, a
 * fact, milestones and severity by the matrix). Schema 6 stores each entry's current revision
 * once: the digest above reads entry_revisions (now a view) and finds every revision again,
 * who made it and when included. */
static void test_v5_fixture_migrates_with_every_row(void **state)
{
    (void)state;
    char dir[64], path[300], uri[400];
    /* Entries whose current revision someone other than their author made, in the fixture as
     * it is (read-only, untouched). */
    snprintf(uri, sizeof uri, "file:%s/tests/fixtures/schema-v5.db?immutable=1",
             WARROOM_SOURCE_DIR);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL),
                     SQLITE_OK);
    long edited_by_other = scalar(db, "SELECT count(*) FROM entries e JOIN entry_revisions r"
                                      " ON r.entry_id = e.id AND r.rev = e.rev"
                                      " WHERE r.author <> e.author");
    sqlite3_close(db);
    assert_true(edited_by_other >= 1);

    migrate_keeps_every_row("schema-v5.db", 5, 11, dir, sizeof dir, path, sizeof path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* the fixture holds edits, deletions, pins */
    assert_true(scalar(db, "SELECT count(*) FROM entries WHERE rev > 1") >= 4);
    /* who made the current revision is stored only when it is not the author */
    assert_int_equal(scalar(db, "SELECT count(*) FROM entries WHERE changed_by IS NOT NULL"),
                     edited_by_other);
    assert_true(scalar(db, "SELECT count(*) FROM entries WHERE deleted = 1") >= 1);
    assert_true(scalar(db, "SELECT count(*) FROM outbox") >= 2);
    /* Schema 6: the history table holds the superseded revisions only, one per edit. */
    assert_int_equal(scalar(db, "SELECT count(*) FROM entry_history"),
                     scalar(db, "SELECT sum(rev - 1) FROM entries"));
    assert_int_equal(scalar(db, "SELECT count(*) FROM entry_history h JOIN entries e"
                                " ON e.id = h.entry_id WHERE h.rev >= e.rev"),
                     0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM entries WHERE changed_ms <= 0"), 0);
    sqlite3_close(db);

    /* The migrated database works: an edit keeps the old text in the history, by its author. */
    struct store *s = NULL;
    struct wr_error err = {0};
    assert_int_equal(store_open(path, &s, &err), 0);
    struct entry e = {
        .incident_id = 2, .kind = KIND_NOTE, .author = "alice", .text = "after the v5 migration"};
    assert_int_equal(store_entry_append(s, &e, &err), 0);
    assert_int_equal(store_entry_edit(s, 2, e.id, "after the v5 migration, edited", "bob", &err),
                     0);
    struct entry_revision *revs = NULL;
    size_t n = 0;
    assert_int_equal(store_entry_history(s, e.id, &revs, &n, &err), 0);
    assert_int_equal((int)n, 2);
    assert_string_equal(revs[0].text, "after the v5 migration");
    assert_string_equal(revs[0].author, "alice");
    assert_string_equal(revs[1].text, "after the v5 migration, edited");
    assert_string_equal(revs[1].author, "bob");
    store_revisions_free(&revs, n);
    store_close(&s);
    remove_dir(dir);
}

static void test_entry_uids_are_unique_and_fresh(void **state)
{
    (void)state;
    char a[40], b[40];
    wr_uid_new(a, sizeof a);
    wr_uid_new(b, sizeof b);
    assert_int_equal((int)strlen(a), 32);
    assert_string_not_equal(a, b);
    /* A forked child must not repeat the parent's sequence. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c[40];
        wr_uid_new(c, sizeof c);
        ssize_t w = write(fds[1], c, 33);
        _exit(w == 33 ? 0 : 1);
    }
    char child[40] = "", parent[40];
    assert_int_equal(read(fds[0], child, 33), 33);
    wr_uid_new(parent, sizeof parent);
    assert_string_not_equal(child, parent);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2_fixture_migrates_with_every_row),
        cmocka_unit_test(test_v4_fixture_migrates_with_every_row),
        cmocka_unit_test(test_v5_fixture_migrates_with_every_row),
        cmocka_unit_test(test_entry_uids_are_unique_and_fresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
