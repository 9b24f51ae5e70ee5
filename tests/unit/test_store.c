/* test_store.c: the store and the JSON exchange, against real temporary databases: SQLite files,
 * and (unit.test_store.pg) a real PostgreSQL server, with the same test bodies (test_db.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "exchange.h"
#include "store.h"
#include "test_db.h"

struct fixture {
    char dir[256];
    char path[300];   /* the SQLite file (SQLite-only tests) */
    char target[600]; /* what store_open gets: the file, or the PostgreSQL URL */
    char schema[64];  /* PostgreSQL: the test's own schema */
    bool pg;
    struct store *s;
    int64_t inc;
};

/* Skip a test about SQLite files when running on PostgreSQL. */
#define SQLITE_ONLY(f)                                                                         \
    do {                                                                                       \
        if ((f)->pg)                                                                           \
            skip();                                                                            \
    } while (0)

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/warroom-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    f->pg = test_db_is_pg();
    test_db_fresh(f->target, sizeof f->target, f->dir, "t", f->schema, sizeof f->schema);
    struct wr_error err = {0};
    if (store_open(f->target, &f->s, &err) != 0)
        fail_msg("store_open: %s", err.msg);
    struct incident inc;
    incident_init(&inc);
    inc.title = "Checkout failing";
    inc.services = "checkout,payments";
    inc.milestones[MS_STARTED] = 1000000;
    assert_int_equal(store_incident_create(f->s, &inc, &f->inc, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(&f->s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int64_t append(struct fixture *f, int64_t at, enum entry_kind kind, const char *text)
{
    struct wr_error err = {0};
    struct entry e = {.incident_id = f->inc, .at_ms = at, .kind = kind, .author = "alice",
                      .text = (char *)text};
    assert_int_equal(store_entry_append(f->s, &e, &err), 0);
    assert_true(e.id > 0);
    return e.id;
}

static void test_file_is_private_and_wal(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* Independent check of the pragmas through a second connection. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), STORE_SCHEMA_VERSION);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* One SQLite integer answered by an independent connection; arg (if not NULL) binds ?1. */
static long long sqlite_scalar(const char *path, const char *sql, const char *arg)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    if (arg)
        sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* Schema 6: an entry's current revision is its row, stored once; entry_history holds only the
 * revisions an edit superseded, whichever way the entry came (append, edit, import entry by
 * entry or in bulk). Rows counted, not timed: a change that stores the text twice again fails
 * here. A new database has 32 KiB pages (what the bulk import's speed rests on). */
static void test_current_revision_stored_once(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    struct wr_error err = {0};
    assert_int_equal(sqlite_scalar(f->path, "PRAGMA page_size", NULL), 32768);
#define COUNT(rows) sqlite_scalar(f->path, "SELECT count(*) FROM " rows, NULL)
    int64_t a = append(f, 2000000, KIND_NOTE, "first words");
    append(f, 2000001, KIND_NOTE, "never edited");
    assert_int_equal(COUNT("entry_history"), 0);
    assert_int_equal(COUNT("entry_revisions"), 2);
    assert_int_equal(store_entry_edit(f->s, f->inc, a, "second words", "bob", &err), 0);
    assert_int_equal(COUNT("entry_history"), 1);
    assert_int_equal(COUNT("entries WHERE changed_by IS NOT NULL"), 1);

    /* A bulk import: 100 entries of one revision and one of three. */
    struct entry_revision three[3] = {
        {1, 1000, "alice", "v1", KIND_NOTE, 3000000, false, false},
        {2, 2000, "bob", "v2", KIND_DECISION, 3000000, true, false},
        {3, 3000, "alice", "v3", KIND_DECISION, 3000001, true, false},
    };
    struct store_import *im = NULL;
    assert_int_equal(store_begin_import(f->s, &err), 0);
    assert_int_equal(store_import_new(f->s, f->inc, &im, &err), 0);
    for (int i = 0; i < 100; i++) {
        struct entry_revision one = {1, 4000 + i, "carol", "imported", KIND_NOTE, 4000000 + i,
                                     false, false};
        assert_int_equal(store_import_entry(im, 4000 + i, NULL, &one, 1, &err), 0);
    }
    assert_int_equal(store_import_entry(im, 1000, NULL, three, 3, &err), 0);
    assert_int_equal(store_import_finish(im, &err), 0);
    assert_int_equal(store_commit(f->s, &err), 0);
    store_import_free(&im);
    assert_int_equal(COUNT("entry_history"), 1 + 2);
    assert_int_equal(COUNT("entry_revisions"), 2 + 1 + 103);
    /* The imported entry's last revision is its row, by alice, not a change by someone else. */
    assert_int_equal(COUNT("entries WHERE text = 'v3' AND rev = 3 AND changed_ms = 3000"
                           " AND changed_by IS NULL"),
                     1);
    assert_int_equal(COUNT("entries WHERE changed_by IS NOT NULL"), 1);
#undef COUNT
}

/* The WAL is checkpointed at about 4 MiB whatever the page size: with 32 KiB pages SQLite's
 * default (1,000 pages) would let it grow to 32 MiB. 300 appends write about 1,500 pages. */
static void test_wal_checkpointed_at_4_mib(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    static char text[2001];
    memset(text, 'w', sizeof text - 1);
    for (int i = 0; i < 300; i++)
        append(f, 2000000 + i, KIND_NOTE, text);
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    struct stat st;
    assert_int_equal(stat(wal, &st), 0);
    if (st.st_size > 6 * 1024 * 1024)
        fail_msg("the WAL grew to %lld bytes", (long long)st.st_size);
}

static void test_newer_schema_refused_untouched(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    store_close(&f->s);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct stat before, after;
    assert_int_equal(stat(f->path, &before), 0);
    struct wr_error err = {0};
    assert_int_equal(store_open(f->path, &f->s, &err), -1);
    assert_int_equal(err.code, WR_E_DB_VERSION);
    assert_non_null(strstr(err.msg, "upgrade warroom"));
    assert_null(f->s);
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 99);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_not_a_database(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    char path[400];
    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is a plain text file, not a database\n", fp);
    fclose(fp);
    struct store *s = NULL;
    struct wr_error err = {0};
    assert_int_equal(store_open(path, &s, &err), -1);
    assert_int_equal(err.code, WR_E_DB);
    assert_non_null(strstr(err.msg, "not a warroom database"));
}

static void test_missing_directory(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    char path[400];
    snprintf(path, sizeof path, "%s/no/such/dir/x.db", f->dir);
    struct store *s = NULL;
    struct wr_error err = {0};
    assert_int_equal(store_open(path, &s, &err), -1);
    assert_int_equal(err.code, WR_E_IO);
    assert_non_null(strstr(err.msg, "does not exist"));
}

static void test_read_only_database(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    if (geteuid() == 0)
        skip(); /* root ignores file modes */
    store_close(&f->s);
    assert_int_equal(chmod(f->path, 0400), 0);
    struct wr_error err = {0};
    int rc = store_open(f->path, &f->s, &err);
    if (rc == 0) {
        struct entry e = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "a", .text = "x"};
        assert_int_equal(store_entry_append(f->s, &e, &err), -1);
    }
    assert_true(err.code == WR_E_DB || err.code == WR_E_IO);
    chmod(f->path, 0600);
}

static void test_edit_delete_keep_history(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    int64_t id = append(f, 2000000, KIND_HYPOTHESIS, "database saturated");
    assert_int_equal(store_entry_edit(f->s, f->inc, id, "scoring provider timing out", "bob", &err),
                     0);
    assert_int_equal(store_entry_delete(f->s, f->inc, id, "carol", &err), 0);
    /* A deleted entry cannot be edited any more, and says so. */
    assert_int_equal(store_entry_edit(f->s, f->inc, id, "again", "bob", &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    struct entry_revision *revs;
    size_t n;
    assert_int_equal(store_entry_history(f->s, id, &revs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(revs[0].text, "database saturated");
    assert_string_equal(revs[0].author, "alice");
    assert_string_equal(revs[1].text, "scoring provider timing out");
    assert_string_equal(revs[1].author, "bob");
    assert_false(revs[1].deleted);
    assert_true(revs[2].deleted);
    assert_string_equal(revs[2].author, "carol");
    assert_int_equal(revs[2].kind, KIND_HYPOTHESIS);
    store_revisions_free(&revs, n);
    struct entry e;
    assert_int_equal(store_entry_get(f->s, id, &e, &err), 0);
    assert_true(e.deleted);
    assert_int_equal(e.rev, 3);
    entry_clear(&e);
    /* Wrong incident or unknown entry: not found, with the ids named. */
    assert_int_equal(store_entry_edit(f->s, f->inc + 1, id, "x", "bob", &err), -1);
    assert_int_equal(err.code, WR_E_NOT_FOUND);
    assert_int_equal(store_entry_delete(f->s, f->inc, 999999, "bob", &err), -1);
    assert_int_equal(err.code, WR_E_NOT_FOUND);
}

static void test_bad_text_refused(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    struct entry e = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "a", .text = ""};
    assert_int_equal(store_entry_append(f->s, &e, &err), -1);
    assert_int_equal(err.code, WR_E_INPUT);
    e.text = "bad \xC3\x28 utf8";
    assert_int_equal(store_entry_append(f->s, &e, &err), -1);
    assert_int_equal(err.code, WR_E_INPUT);
    assert_non_null(strstr(err.msg, "UTF-8"));
    char *big = malloc(WR_TEXT_MAX + 2);
    memset(big, 'x', WR_TEXT_MAX + 1);
    big[WR_TEXT_MAX + 1] = '\0';
    e.text = big;
    assert_int_equal(store_entry_append(f->s, &e, &err), -1);
    assert_non_null(strstr(err.msg, "64 KiB"));
    big[WR_TEXT_MAX] = '\0'; /* exactly the limit is accepted */
    assert_int_equal(store_entry_append(f->s, &e, &err), 0);
    free(big);
    e.incident_id = 424242;
    e.text = "to nowhere";
    assert_int_equal(store_entry_append(f->s, &e, &err), -1);
    assert_int_equal(err.code, WR_E_NOT_FOUND);
}

static void test_paging_and_filters(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    /* Inserted out of order: backdated entries must land in their true place. */
    for (int i = 0; i < 50; i++)
        append(f, 5000000 + (int64_t)((i * 37) % 50) * 1000, i % 5 == 0 ? KIND_DECISION : KIND_NOTE,
               i == 7 ? "Rollback of scoring" : "note");
    int64_t count;
    assert_int_equal(store_entry_count(f->s, f->inc, NULL, &count, &err), 0);
    assert_int_equal(count, 50);
    struct entry_filter decisions = {.kinds = 1u << KIND_DECISION};
    assert_int_equal(store_entry_count(f->s, f->inc, &decisions, &count, &err), 0);
    assert_int_equal(count, 10);
    struct entry_filter search = {.text = "ROLLBACK"};
    assert_int_equal(store_entry_count(f->s, f->inc, &search, &count, &err), 0);
    assert_int_equal(count, 1);

    /* Walk backwards from the end in pages of 8: timeline order, no gaps, no repeats. */
    int64_t key_at = INT64_MAX, key_id = INT64_MAX, prev_at = INT64_MAX;
    int seen = 0;
    for (;;) {
        struct entry *page;
        size_t n;
        assert_int_equal(store_entry_page(f->s, f->inc, NULL, key_at, key_id, false, 8, &page, &n,
                                          &err),
                         0);
        if (n == 0)
            break;
        for (size_t i = n; i-- > 0;) {
            assert_true(page[i].at_ms <= prev_at);
            prev_at = page[i].at_ms;
        }
        seen += (int)n;
        key_at = page[0].at_ms;
        key_id = page[0].id;
        store_entries_free(&page, n);
    }
    assert_int_equal(seen, 50);
    int64_t rank;
    assert_int_equal(store_entry_rank(f->s, f->inc, NULL, 5000000 + 10 * 1000, 0, &rank, &err), 0);
    assert_int_equal(rank, 10);
}

static void test_milestones_never_go_backwards(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    assert_int_equal(store_milestone_set(f->s, f->inc, MS_DETECTED, 2000000, "ic", &err), 0);
    assert_int_equal(store_milestone_set(f->s, f->inc, MS_MITIGATED, 5000000, "ic", &err), 0);
    /* declared before detected: refused, naming both. */
    assert_int_equal(store_milestone_set(f->s, f->inc, MS_DECLARED, 1500000, "ic", &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    assert_non_null(strstr(err.msg, "declared"));
    assert_non_null(strstr(err.msg, "detected"));
    /* declared after mitigated: refused too. */
    assert_int_equal(store_milestone_set(f->s, f->inc, MS_DECLARED, 6000000, "ic", &err), -1);
    assert_non_null(strstr(err.msg, "mitigated"));
    assert_int_equal(store_milestone_set(f->s, f->inc, MS_DECLARED, 3000000, "ic", &err), 0);
    struct incident inc;
    assert_int_equal(store_incident_get(f->s, f->inc, &inc, &err), 0);
    assert_int_equal(inc.milestones[MS_DECLARED], 3000000);
    assert_true(incident_is_open(&inc));
    incident_clear(&inc);
    struct entry_filter ms = {.kinds = 1u << KIND_MILESTONE};
    int64_t count;
    assert_int_equal(store_entry_count(f->s, f->inc, &ms, &count, &err), 0);
    assert_int_equal(count, 3);
}

static void test_roles_and_severity(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    char who[128];
    assert_int_equal(store_role_assign(f->s, f->inc, ROLE_IC, "ana", NULL, 10, "ana", &err), 0);
    assert_int_equal(store_role_assign(f->s, f->inc, ROLE_IC, "bruno", "shift change", 20, "ana",
                                       &err),
                     0);
    assert_int_equal(store_role_assign(f->s, f->inc, ROLE_SME, "carla", NULL, 30, "bruno", &err),
                     0);
    assert_int_equal(store_role_assign(f->s, f->inc, ROLE_SME, "dario", NULL, 40, "bruno", &err),
                     0);
    assert_int_equal(store_role_holder(f->s, f->inc, ROLE_IC, who, sizeof who, &err), 0);
    assert_string_equal(who, "bruno");
    assert_int_equal(store_role_holder(f->s, f->inc, ROLE_SME, who, sizeof who, &err), 0);
    assert_string_equal(who, "carla, dario");
    assert_int_equal(store_severity_set(f->s, f->inc, 3, "degraded, few users", 50, "bruno", &err),
                     0);
    assert_int_equal(store_severity_set(f->s, f->inc, 2, "revenue impacting", 60, "bruno", &err),
                     0);
    assert_int_equal(store_severity_set(f->s, f->inc, 7, "x", 70, "bruno", &err), -1);
    struct severity_change *h;
    size_t n;
    assert_int_equal(store_severity_history(f->s, f->inc, &h, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(h[1].severity, 2);
    assert_string_equal(h[1].rationale, "revenue impacting");
    store_severity_history_free(&h, n);
    /* The handoff is on the timeline, with its note. */
    struct entry_filter roles = {.kinds = 1u << KIND_ROLE, .text = "handed off"};
    int64_t count;
    assert_int_equal(store_entry_count(f->s, f->inc, &roles, &count, &err), 0);
    assert_int_equal(count, 1);
}

static char *export_text(struct store *s, int64_t id)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    struct wr_error err = {0};
    assert_int_equal(exchange_write(s, id, EXCHANGE_FULL, m, &err), 0);
    fclose(m);
    return buf;
}

static void test_export_import_round_trip(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    int64_t a = append(f, 2000000, KIND_DECISION, "roll back \"scoring\"\n\ttab and ünïcode 漢字");
    append(f, 1500000, KIND_NOTE, "backdated");
    assert_int_equal(store_entry_edit(f->s, f->inc, a, "roll back scoring v2", "bob", &err), 0);
    assert_int_equal(store_entry_pin(f->s, f->inc, a, true, "bob", &err), 0);
    assert_int_equal(store_role_assign(f->s, f->inc, ROLE_IC, "ana", "first", 10, "ana", &err), 0);
    assert_int_equal(store_severity_set(f->s, f->inc, 2, "why", 20, "ana", &err), 0);
    assert_int_equal(store_milestone_set(f->s, f->inc, MS_DETECTED, 1100000, "ana", &err), 0);
    int64_t snap;
    assert_int_equal(store_entry_append_data(f->s, f->inc, KIND_SLI, 1200000, "warroom",
                                             "SLI snapshot: availability 97.1%",
                                             "{\"availability\":0.971}", &snap, &err),
                     0);
    struct entry got;
    assert_int_equal(store_entry_get(f->s, snap, &got, &err), 0);
    assert_string_equal(got.data, "{\"availability\":0.971}");
    entry_clear(&got);
    char *first = export_text(f->s, f->inc);
    assert_non_null(strstr(first, "\"data\":\"{\\\"availability\\\":0.971}\""));

    char path2[400];
    snprintf(path2, sizeof path2, "%s/other.db", f->dir);
    struct store *s2;
    assert_int_equal(store_open(path2, &s2, &err), 0);
    int64_t id2;
    assert_int_equal(exchange_import(s2, first, false, &id2, &err), 0);
    char *second = export_text(s2, id2);
    assert_string_equal(first, second);
    /* Importing the same incident twice is refused; --new makes a copy. */
    assert_int_equal(exchange_import(s2, first, false, &id2, &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    assert_int_equal(exchange_import(s2, first, true, &id2, &err), 0);
    store_close(&s2);
    free(first);
    free(second);
}

static void test_import_bad_documents_import_nothing(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    static const struct {
        const char *doc;
        const char *expect;
    } cases[] = {
        {"{\"format\": \"warroom-incident\", \"version\": 1, ", "malformed JSON near line 1"},
        {"{\"format\": \"other\", \"version\": 1}", "not a warroom incident export"},
        {"{\"format\":\"warroom-incident\",\"version\":1,\"incident\":{\"uid\":\"u3\","
         "\"title\":\"t\",\"phase\":\"RESPOND\",\"severity\":2,\"created\":\"2026-03-10T12:00:00Z\"},"
         "\n\"entries\": [\n{\"recorded\": \"2026-03-10T12:00:00Z\", \"revisions\": [}]}",
         "malformed JSON near line 3"},
        {"{\"format\":\"warroom-incident\",\"version\":1,\"incident\":{\"uid\":\"u4\","
         "\"title\":\"t\",\"phase\":\"RESPOND\",\"severity\":2,\"created\":\"2026-03-10T12:00:00Z\"},"
         "\"entries\": 5}",
         "entries: expected an array"},
        {"{\"format\": \"warroom-incident\", \"version\": 1} trailing", "malformed JSON"},
        {"{\"format\": \"warroom-incident\", \"version\": 9}", "format version 9"},
        {"{\"format\":\"warroom-incident\",\"version\":1,\"incident\":{\"uid\":\"u1\","
         "\"title\":\"t\",\"phase\":\"RESPOND\",\"severity\":2,\"created\":\"2026-03-10T12:00:00Z\"},"
         "\"entries\":[{\"recorded\":\"2026-03-10T12:00:00Z\",\"revisions\":[{\"rev\":1,"
         "\"changed\":\"2026-03-10T12:00:00Z\",\"author\":\"a\",\"kind\":\"note\","
         "\"at\":\"2026-03-10T12:00:00Z\",\"text\":\"ok\"}]},{\"recorded\":\"2026-03-10T12:00:00Z\","
         "\"revisions\":[{\"rev\":1,\"changed\":\"2026-03-10T12:00:00Z\",\"author\":\"a\","
         "\"kind\":\"gossip\",\"at\":\"2026-03-10T12:00:00Z\",\"text\":\"bad\"}]}]}",
         "entries[1].revisions[0].kind"},
        {"{\"format\":\"warroom-incident\",\"version\":1,\"incident\":{\"uid\":\"u2\","
         "\"title\":\"t\",\"phase\":\"RESPOND\",\"severity\":2,\"created\":\"2026-03-10T12:00:00Z\","
         "\"milestones\":{\"started\":\"2026-03-10T12:00:00Z\",\"detected\":\"2026-03-10T11:00:00Z\"}}}",
         "would be"},
        /* a ',' before a closing bracket is not JSON, in any of the entries' four places (the
         * fast entry reader took all four) */
#define TC_HEAD                                                                                \
    "{\"format\":\"warroom-incident\",\"version\":1,\"incident\":{\"uid\":\"tc\",\"title\":\"t\","      \
    "\"phase\":\"RESPOND\",\"severity\":2,\"created\":\"2026-03-10T12:00:00Z\"},\"entries\":"   \
    "[{\"recorded\":\"2026-03-10T12:00:00Z\",\"revisions\":[{\"rev\":1,"                       \
    "\"changed\":\"2026-03-10T12:00:00Z\",\"author\":\"a\",\"kind\":\"note\","                 \
    "\"at\":\"2026-03-10T12:00:00Z\",\"text\":\"ok\""
        {TC_HEAD ",}]}]}", "malformed JSON"},
        {TC_HEAD "},]}]}", "malformed JSON"},
        {TC_HEAD "}],}]}", "malformed JSON"},
        {TC_HEAD "}]},]}", "malformed JSON"},
        /* the members after the entries are read once the entries are stored (the file is
         * crossed once): the same rules hold there, and nothing of the entries stays */
        {TC_HEAD "}]}],}", "malformed JSON"},
        {TC_HEAD "}]}], \"facts\": }", "malformed JSON"},
        {TC_HEAD "}]}], \"facts\": 5}", "facts"},
        {TC_HEAD "}]}], \"entries\": []}", "two \"entries\" members"},
        {TC_HEAD "}]}]} trailing", "malformed JSON"},
#undef TC_HEAD
        {"{\"format\": \"warroom-incident\", \"version\": 1,}", "malformed JSON"},
    };
    struct incident *list;
    size_t before, after;
    assert_int_equal(store_incident_list(f->s, true, &list, &before, &err), 0);
    store_incidents_free(&list, before);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t id = 0;
        wr_error_clear(&err);
        assert_int_equal(exchange_import(f->s, cases[i].doc, false, &id, &err), -1);
        if (!strstr(err.msg, cases[i].expect))
            fail_msg("case %zu: expected '%s' in '%s'", i, cases[i].expect, err.msg);
    }
    assert_int_equal(store_incident_list(f->s, true, &list, &after, &err), 0);
    store_incidents_free(&list, after);
    assert_int_equal(before, after);
}

/* Members may come in any order: after the entries (read once the entries are streamed), or
 * the entries before the incident or before the format (the entries are then read after
 * everything else). */
static void test_import_member_order(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
#define MO_INCIDENT(uid)                                                                       \
    "\"incident\":{\"uid\":\"" uid "\",\"title\":\"order\",\"phase\":\"RESPOND\","              \
    "\"severity\":2,\"created\":\"2026-03-10T12:00:00Z\"}"
#define MO_ENTRIES                                                                             \
    "\"entries\":[{\"recorded\":\"2026-03-10T12:00:00Z\",\"revisions\":[{\"rev\":1,"            \
    "\"changed\":\"2026-03-10T12:00:00Z\",\"author\":\"a\",\"kind\":\"note\","                  \
    "\"at\":\"2026-03-10T12:00:00Z\",\"text\":\"streamed entry\"}]}]"
#define MO_REST                                                                                \
    "\"roles\":[{\"at\":\"2026-03-10T12:01:00Z\",\"role\":\"ic\",\"name\":\"zoe-ic\","         \
    "\"author\":\"a\",\"current\":true}],\"facts\":{\"symptom\":{\"value\":\"slow-checkout\","  \
    "\"updated\":\"2026-03-10T12:02:00Z\",\"author\":\"a\"}}"
    static const char *const docs[] = {
        "{\"format\":\"warroom-incident\",\"version\":1," MO_INCIDENT("mo1") "," MO_ENTRIES
        "," MO_REST "}",
        "{" MO_ENTRIES ",\"format\":\"warroom-incident\",\"version\":1," MO_REST ","
        MO_INCIDENT("mo2") "}",
        "{" MO_INCIDENT("mo3") "," MO_ENTRIES "," MO_REST ",\"format\":\"warroom-incident\","
        "\"version\":1}",
    };
#undef MO_INCIDENT
#undef MO_ENTRIES
#undef MO_REST
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        int64_t id = 0;
        if (exchange_import(f->s, docs[i], false, &id, &err) != 0)
            fail_msg("document %zu: %s", i, err.msg);
        char *out = export_text(f->s, id);
        assert_non_null(strstr(out, "streamed entry"));
        assert_non_null(strstr(out, "zoe-ic"));
        assert_non_null(strstr(out, "slow-checkout"));
        free(out);
    }
}

/* Eight processes append to the same incident at once: every entry lands exactly once, nobody
 * sees an error (SQLite: BEGIN IMMEDIATE queues them; PostgreSQL: the incident's row lock).
 * 8 x 500 on PostgreSQL; 8 x 100 on SQLite, whose every commit waits for its own fsync. */
static void test_concurrent_writers(void **state)
{
    struct fixture *f = *state;
    enum { WRITERS = 8 };
    const int EACH = f->pg ? 500 : 100;
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            struct store *s;
            struct wr_error err = {0};
            if (store_open(f->target, &s, &err) != 0) {
                fprintf(stderr, "writer %d: %s\n", w, err.msg);
                _exit(10);
            }
            for (int i = 0; i < EACH; i++) {
                char text[64];
                snprintf(text, sizeof text, "writer %d entry %d", w, i);
                struct entry e = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "w",
                                  .text = text};
                if (store_entry_append(s, &e, &err) != 0) {
                    fprintf(stderr, "writer %d: %s\n", w, err.msg);
                    _exit(11);
                }
            }
            store_close(&s);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    struct wr_error err = {0};
    int64_t count;
    assert_int_equal(store_entry_count(f->s, f->inc, NULL, &count, &err), 0);
    assert_int_equal(count, WRITERS * EACH);
    for (int w = 0; w < WRITERS; w++) {
        char text[64];
        snprintf(text, sizeof text, "writer %d entry %d", w, EACH - 1);
        struct entry_filter one = {.text = text};
        assert_int_equal(store_entry_count(f->s, f->inc, &one, &count, &err), 0);
        assert_int_equal(count, 1);
    }
}

/* The change counter moves when another connection commits, and not otherwise. */
static void test_data_version_sees_other_writers(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    int64_t v1, v2, v3;
    assert_int_equal(store_data_version(f->s, &v1, &err), 0);
    assert_int_equal(store_data_version(f->s, &v2, &err), 0);
    assert_true(v1 == v2);
    struct store *other;
    assert_int_equal(store_open(f->target, &other, &err), 0);
    /* Our own writes do not count as another connection's. */
    struct entry mine = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "a", .text = "me"};
    assert_int_equal(store_entry_append(f->s, &mine, &err), 0);
    struct entry e = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "b", .text = "hi"};
    assert_int_equal(store_entry_append(other, &e, &err), 0);
    store_close(&other);
    int fd = store_change_fd(f->s);
    assert_int_equal(fd >= 0, f->pg); /* PostgreSQL: a socket to poll; SQLite: watch the file */
    if (fd >= 0) { /* the notification travels through the server: wait for it, bounded */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        for (int i = 0; i < 50; i++) {
            assert_int_equal(store_data_version(f->s, &v3, &err), 0);
            if (v3 != v2)
                break;
            poll(&p, 1, 100);
        }
    }
    assert_int_equal(store_data_version(f->s, &v3, &err), 0);
    assert_true(v3 != v2);
    int64_t ids[8];
    size_t n;
    bool all;
    store_changed_incidents(f->s, ids, 8, &n, &all);
    assert_false(all);
    if (f->pg) { /* the notification names the incident, once */
        assert_int_equal(n, 1);
        assert_int_equal(ids[0], f->inc);
    } else {
        assert_int_equal(n, 0);
    }
    store_changed_incidents(f->s, ids, 8, &n, &all);
    assert_int_equal(n, 0);
}

/* A read snapshot does not see what another connection commits meanwhile (the cockpit's export
 * writes two files from it); after it ends, the next read does. Not inside a write. */
static void test_snapshot_is_stable(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    struct entry_filter all = {0};
    int64_t before, during, after;
    struct store *other;
    assert_int_equal(store_open(f->target, &other, &err), 0);
    assert_int_equal(store_snapshot_begin(f->s, &err), 0);
    assert_int_equal(store_entry_count(f->s, f->inc, &all, &before, &err), 0);
    struct entry e = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "b", .text = "later"};
    assert_int_equal(store_entry_append(other, &e, &err), 0);
    assert_int_equal(store_entry_count(f->s, f->inc, &all, &during, &err), 0);
    assert_int_equal(during, before);
    store_snapshot_end(f->s);
    assert_int_equal(store_entry_count(f->s, f->inc, &all, &after, &err), 0);
    assert_int_equal(after, before + 1);
    store_close(&other);
    assert_int_equal(store_begin(f->s, &err), 0);
    assert_int_equal(store_snapshot_begin(f->s, &err), -1);
    assert_int_equal(err.code, WR_E_FAIL);
    store_rollback(f->s);
}

/* The journal's delivery: the entry uid is the idempotency key. */
static void test_deliver_is_idempotent(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    struct entry e = {.incident_id = f->inc, .kind = KIND_TODO, .author = "carol",
                      .text = "add a retry budget", .uid = "0123456789abcdef0123456789abcdef"};
    bool already = true;
    assert_int_equal(store_entry_deliver(f->s, &e, &already, &err), 0);
    assert_false(already);
    int64_t first = e.id;
    assert_true(first > 0);
    int64_t count, count2;
    assert_int_equal(store_entry_count(f->s, f->inc, NULL, &count, &err), 0);
    struct action_item *acts;
    size_t nacts;
    assert_int_equal(store_action_list(f->s, f->inc, &acts, &nacts, &err), 0);
    store_actions_free(&acts, nacts);
    assert_int_equal(nacts, 1);
    /* Again (the acknowledgement was lost): nothing written, the same id. */
    struct entry again = e;
    again.id = 0;
    assert_int_equal(store_entry_deliver(f->s, &again, &already, &err), 0);
    assert_true(already);
    assert_int_equal(again.id, first);
    assert_int_equal(store_entry_count(f->s, f->inc, NULL, &count2, &err), 0);
    assert_int_equal(count2, count);
    assert_int_equal(store_action_list(f->s, f->inc, &acts, &nacts, &err), 0);
    store_actions_free(&acts, nacts);
    assert_int_equal(nacts, 1);
    /* A plain append of a saved uid is a conflict; so is the uid in another incident. */
    struct entry dup = e;
    assert_int_equal(store_entry_append(f->s, &dup, &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    struct incident inc;
    incident_init(&inc);
    inc.title = "Other";
    int64_t other;
    assert_int_equal(store_incident_create(f->s, &inc, &other, &err), 0);
    struct entry elsewhere = e;
    elsewhere.incident_id = other;
    assert_int_equal(store_entry_deliver(f->s, &elsewhere, &already, &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    /* Without a uid a delivery is refused (a journal always has one). */
    struct entry nouid = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "c", .text = "x"};
    assert_int_equal(store_entry_deliver(f->s, &nouid, &already, &err), -1);
    assert_int_equal(err.code, WR_E_INPUT);
}

/* Search finds live entries and worksheet fields containing every word, best first, with the
 * matched words marked. */
static void test_search_ranked(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    append(f, 2000000, KIND_NOTE, "scoring provider timeout on loan apply");
    append(f, 2100000, KIND_NOTE, "scoring timeout timeout timeout: scoring retries amplify");
    append(f, 2200000, KIND_NOTE, "scoring is fine");
    int64_t gone = append(f, 2300000, KIND_NOTE, "scoring timeout again");
    assert_int_equal(store_entry_delete(f->s, f->inc, gone, "bob", &err), 0);
    assert_int_equal(store_pm_field_set(f->s, f->inc, "summary",
                                        "Retries without a budget turned a scoring timeout into an "
                                        "outage",
                                        "bob", &err),
                     0);
    struct store_search_hit *hits;
    size_t n;
    assert_int_equal(store_search(f->s, "scoring timeout", 10, &hits, &n, &err), 0);
    assert_int_equal(n, 3);
    int fields = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hits[i].incident_id, f->inc);
        assert_true(hits[i].entry_id != gone);
        assert_non_null(strstr(hits[i].snippet, "[timeout]"));
        if (i > 0)
            assert_true(hits[i - 1].rank <= hits[i].rank);
        if (strcmp(hits[i].where, "postmortem:summary") == 0)
            fields++;
        else
            assert_string_equal(hits[i].where, "note");
    }
    assert_int_equal(fields, 1);
    store_search_free(&hits, n);
    assert_int_equal(store_search(f->s, "nothing-like-this", 10, &hits, &n, &err), 0);
    assert_int_equal(n, 0);
    store_search_free(&hits, n);
    assert_int_equal(store_search(f->s, "  ", 10, &hits, &n, &err), -1);
    assert_int_equal(err.code, WR_E_INPUT);
}

/* Four processes drain one outbox at once: every message is claimed and sent exactly once. */
static void test_outbox_claim_exactly_once(void **state)
{
    struct fixture *f = *state;
    enum { MESSAGES = 120, CLAIMERS = 4 };
    struct wr_error err = {0};
    int64_t first_id = 0;
    for (int i = 0; i < MESSAGES; i++) {
        char key[32];
        snprintf(key, sizeof key, "key-%d", i);
        struct outbox_msg m = {.incident_id = f->inc, .destination = "slack",
                               .template_name = "t", .subject = "s", .body = "b",
                               .idempotency_key = key, .author = "a", .created_ms = 1000 + i};
        int64_t id;
        bool dup;
        assert_int_equal(store_outbox_enqueue(f->s, &m, &id, &dup, &err), 0);
        assert_false(dup);
        if (i == 0)
            first_id = id;
        assert_int_equal(id, first_id + i);
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pids[CLAIMERS];
    for (int c = 0; c < CLAIMERS; c++) {
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] == 0) {
            close(fds[0]);
            struct store *s;
            if (store_open(f->target, &s, &err) != 0)
                _exit(10);
            for (;;) {
                struct outbox_msg m;
                bool found;
                if (store_outbox_claim(s, wr_now_ms(), &m, &found, &err) != 0) {
                    fprintf(stderr, "claimer %d: %s\n", c, err.msg);
                    _exit(11);
                }
                if (!found)
                    break;
                int64_t id = m.id;
                if (write(fds[1], &id, sizeof id) != (ssize_t)sizeof id)
                    _exit(12);
                if (store_outbox_mark_sent(s, &m, wr_now_ms(), "sent", "{}", &err) != 0) {
                    fprintf(stderr, "claimer %d: %s\n", c, err.msg);
                    _exit(13);
                }
                outbox_msg_clear(&m);
            }
            store_close(&s);
            _exit(0);
        }
    }
    close(fds[1]);
    int seen[MESSAGES] = {0};
    int64_t id, total = 0;
    while (read(fds[0], &id, sizeof id) == (ssize_t)sizeof id) {
        assert_true(id >= first_id && id < first_id + MESSAGES);
        seen[id - first_id]++;
        total++;
    }
    close(fds[0]);
    for (int c = 0; c < CLAIMERS; c++) {
        int status;
        assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(total, MESSAGES);
    for (int i = 0; i < MESSAGES; i++)
        assert_int_equal(seen[i], 1);
    struct outbox_msg *list;
    size_t n;
    assert_int_equal(store_outbox_list(f->s, f->inc, &list, &n, &err), 0);
    assert_int_equal(n, MESSAGES);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(list[i].status, "sent");
        assert_int_equal(list[i].attempts, 1);
    }
    store_outbox_free(&list, n);
    struct entry_filter comms = {.kinds = 1u << KIND_COMMS};
    int64_t sent;
    assert_int_equal(store_entry_count(f->s, f->inc, &comms, &sent, &err), 0);
    assert_int_equal(sent, MESSAGES);
}


/* db copy: everything of an incident reaches the other database (here always a SQLite file, so
 * the .pg run copies PostgreSQL -> SQLite), and a copy that collides copies nothing. */
static void test_copy_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    int64_t a = append(f, 2000000, KIND_NOTE, "first words");
    assert_int_equal(store_entry_edit(f->s, f->inc, a, "edited words", "bob", &err), 0);
    int64_t todo = append(f, 2100000, KIND_TODO, "add a retry budget");
    assert_int_equal(store_severity_set(f->s, f->inc, 2, "checkout errors", 2200000, "ic", &err),
                     0);
    assert_int_equal(store_pm_field_set(f->s, f->inc, "summary", "It broke", "bob", &err), 0);
    struct outbox_msg m = {.incident_id = f->inc, .destination = "slack", .template_name = "t",
                           .subject = "s", .body = "b", .idempotency_key = "copy-key",
                           .author = "a", .created_ms = 1000};
    assert_int_equal(store_outbox_enqueue(f->s, &m, NULL, NULL, &err), 0);
    char target[400];
    snprintf(target, sizeof target, "%s/copy.db", f->dir);
    struct store *to;
    assert_int_equal(store_open(target, &to, &err), 0);
    struct store_copy_result res;
    assert_int_equal(store_copy(f->s, to, NULL, 0, &res, &err), 0);
    assert_int_equal(res.incidents, 1);
    assert_int_equal(res.entries, 3);
    int64_t copied;
    struct incident inc;
    assert_int_equal(store_incident_get(f->s, f->inc, &inc, &err), 0);
    assert_int_equal(store_incident_find_uid(to, inc.uid, &copied, &err), 0);
    incident_clear(&inc);
    assert_true(copied > 0);
    char *before = export_text(f->s, f->inc), *after = export_text(to, copied);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* The action item still points at its TODO entry, by that entry's new id. */
    struct action_item *acts;
    size_t n;
    assert_int_equal(store_action_list(to, copied, &acts, &n, &err), 0);
    assert_int_equal(n, 1);
    struct entry e;
    assert_int_equal(store_entry_get(to, acts[0].source_entry_id, &e, &err), 0);
    assert_string_equal(e.text, "add a retry budget");
    entry_clear(&e);
    store_actions_free(&acts, n);
    (void)todo;
    struct outbox_msg *ob;
    assert_int_equal(store_outbox_list(to, copied, &ob, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ob[0].idempotency_key, "copy-key");
    store_outbox_free(&ob, n);
    /* Again: the uid is there, so nothing at all is copied (not even a second incident). */
    struct incident other;
    incident_init(&other);
    other.title = "Not yet copied";
    int64_t oid;
    assert_int_equal(store_incident_create(f->s, &other, &oid, &err), 0);
    assert_int_equal(store_copy(f->s, to, NULL, 0, &res, &err), -1);
    assert_int_equal(err.code, WR_E_CONFLICT);
    struct incident *list;
    assert_int_equal(store_incident_list(to, true, &list, &n, &err), 0);
    store_incidents_free(&list, n);
    assert_int_equal(n, 1);
    /* Only the listed one: it arrives. A missing id: WR_E_NOT_FOUND. */
    assert_int_equal(store_copy(f->s, to, &oid, 1, &res, &err), 0);
    assert_int_equal(res.incidents, 1);
    int64_t missing = 9999;
    assert_int_equal(store_copy(f->s, to, &missing, 1, &res, &err), -1);
    assert_int_equal(err.code, WR_E_NOT_FOUND);
    store_close(&to);
}

struct each_ctx {
    struct store *s;
    int64_t count, last_at, stop_after; /* stop_after 0: read everything */
    bool ordered, queried;
};

static int count_entry(const struct entry *e, void *p)
{
    struct each_ctx *c = p;
    if (e->at_ms < c->last_at)
        c->ordered = false;
    c->last_at = e->at_ms;
    /* Another query while the loop is open (the exchange writer does such things). */
    if (c->count++ % 500 == 0) {
        struct entry again;
        struct wr_error err = {0};
        c->queried = store_entry_get(c->s, e->id, &again, &err) == 0 && again.id == e->id;
        entry_clear(&again);
    }
    return c->stop_after && c->count >= c->stop_after;
}

/* A whole timeline read in one loop: past several of PostgreSQL's cursor batches, in order, with
 * other queries between rows. */
static void test_entry_each_streams(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    enum { N = 2600 };
    assert_int_equal(store_begin(f->s, &err), 0);
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof text, "row %d", i);
        struct entry e = {.incident_id = f->inc, .at_ms = 5000000 - i, .kind = KIND_NOTE,
                          .author = "a", .text = text};
        assert_int_equal(store_entry_append(f->s, &e, &err), 0);
    }
    assert_int_equal(store_commit(f->s, &err), 0);
    struct each_ctx c = {.s = f->s, .last_at = INT64_MIN, .ordered = true};
    assert_int_equal(store_entry_each(f->s, f->inc, count_entry, &c, &err), 0);
    assert_int_equal(c.count, N);
    assert_true(c.ordered);
    assert_true(c.queried);
    /* Stopping early leaves nothing open: the next loop starts from the beginning. */
    struct each_ctx part = {.s = f->s, .last_at = INT64_MIN, .ordered = true, .stop_after = 10};
    assert_int_equal(store_entry_each(f->s, f->inc, count_entry, &part, &err), 0);
    assert_int_equal(part.count, 10);
    struct each_ctx again = {.s = f->s, .last_at = INT64_MIN, .ordered = true};
    assert_int_equal(store_entry_each(f->s, f->inc, count_entry, &again, &err), 0);
    assert_int_equal(again.count, N);
}

/* A password never reaches what is shown: masked in the name, absent from errors. */
static void test_password_masked(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"postgresql://ana:s3cret@db.example:5432/warroom?sslmode=verify-full",
         "postgresql://ana:***@db.example:5432/warroom?sslmode=verify-full"},
        {"postgres://ana@db/warroom?password=s3cret&sslmode=require",
         "postgres://ana@db/warroom?password=***&sslmode=require"},
        {"postgresql://db/warroom", "postgresql://db/warroom"},
        {"host=db user=ana password=s3cret dbname=warroom",
         "host=db user=ana password=*** dbname=warroom"},
        {"host=db password = 'se cr\\'et' dbname=w", "host=db password = *** dbname=w"},
        {"service=warroom", "service=warroom"},
        /* libpq ends the user:password part at '@' or '/', so '?' and '#' belong to it. */
        {"postgresql://ana:pa?ss#w@db/warroom", "postgresql://ana:***@db/warroom"},
        {"postgresql://ana:p@ss@db/warroom", "postgresql://ana:***@db/warroom"},
        /* libpq decodes %XX in a query's keyword too. */
        {"postgresql://db/warroom?pass%77ord=s3cret&sslmode=require",
         "postgresql://db/warroom?pass%77ord=***&sslmode=require"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        db_mask_target(cases[i].in, out, sizeof out);
        assert_string_equal(out, cases[i].out);
        assert_true(db_target_is_postgres(cases[i].in));
    }
    assert_false(db_target_is_postgres("/tmp/x.db"));
    assert_false(db_target_is_postgres("./a=b.db"));
    assert_false(db_target_is_postgres("warroom.db"));
    /* Nothing listens on port 1: the error names the masked target, never the password. */
    struct store *s = NULL;
    struct wr_error err = {0};
    assert_int_equal(store_open("postgresql://ana:s3cret@127.0.0.1:1/warroom?connect_timeout=2",
                                &s, &err),
                     -1);
    assert_null(s);
    assert_int_equal(err.code, WR_E_DB);
    assert_null(strstr(err.msg, "s3cret"));
    assert_non_null(strstr(err.msg, "ana:***@127.0.0.1:1"));
    /* libpq's message spans lines ("Connection refused\n\tIs the server running..."). */
    assert_null(strpbrk(err.msg, "\n\t"));
    /* libpq quotes a malformed %-escape back: the password must not come with it. */
    assert_int_equal(store_open("postgresql://ana:s3cr%zzet@127.0.0.1:1/warroom", &s, &err), -1);
    assert_non_null(strstr(err.msg, "percent"));
    assert_null(strstr(err.msg, "s3cr"));
    assert_int_equal(store_open("postgresql://ana@127.0.0.1:1/warroom?password=s3cr%zzet", &s,
                                &err),
                     -1);
    assert_null(strstr(err.msg, "s3cr"));
}

/* A mistyped URL must not quietly become a SQLite file named "postgresql:..." in the current
 * directory (the responder would write to it believing the team sees it): it is refused,
 * without echoing what may hold a password. */
static void test_url_lookalike_refused(void **state)
{
    (void)state;
    const char *bad[] = {"postgresql:warroom", "postgres:/db/warroom",
                         "Postgresql://ana:s3cret@db/warroom", "POSTGRES://db/warroom",
                         "postgresql:/ana:s3cret@db/warroom"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct store *s = NULL;
        struct wr_error err = {0};
        assert_false(db_target_is_postgres(bad[i]));
        assert_int_equal(store_open(bad[i], &s, &err), -1);
        assert_null(s);
        assert_int_equal(err.code, WR_E_USAGE);
        assert_non_null(strstr(err.msg, "postgresql://"));
        assert_null(strstr(err.msg, "s3cret"));
        assert_int_equal(access("postgresql:warroom", F_OK), -1);
    }
    /* A file that really is named like that is still reachable as ./postgresql:x.db. */
    assert_false(db_target_is_postgres("./postgresql:x.db"));
}

/* PostgreSQL: a schema written by a newer warroom is refused and left as it is. */
static void test_pg_newer_schema_refused(void **state)
{
    struct fixture *f = *state;
    if (!f->pg)
        skip();
    store_close(&f->s);
    test_db_pg_exec(f->schema, "UPDATE meta SET value = 99 WHERE key = 'schema_version'");
    struct wr_error err = {0};
    assert_int_equal(store_open(f->target, &f->s, &err), -1);
    assert_int_equal(err.code, WR_E_DB_VERSION);
    assert_non_null(strstr(err.msg, "upgrade warroom"));
    /* Still 99, and still exactly the one incident. */
    test_db_pg_exec(f->schema, "DO $$ BEGIN IF (SELECT value FROM meta WHERE key ="
                               " 'schema_version') <> 99 OR (SELECT count(*) FROM incidents) <> 1"
                               " THEN RAISE 'changed'; END IF; END $$");
}

/* PostgreSQL: a connection the server ends (a restart, a DBA's pg_terminate_backend) is reported
 * as lost, on one line (libpq's message spans three), with the password masked. */
static void test_pg_lost_connection_one_line(void **state)
{
    struct fixture *f = *state;
    if (!f->pg)
        skip();
    test_db_pg_exec(NULL, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE application_name = 'warroom' AND pid <> pg_backend_pid()");
    struct incident inc;
    incident_init(&inc);
    struct wr_error err = {0};
    assert_int_equal(store_incident_get(f->s, f->inc, &inc, &err), -1);
    assert_true(store_connection_lost(f->s));
    assert_non_null(strstr(err.msg, "lost"));
    assert_null(strpbrk(err.msg, "\n\t"));
}

/* PostgreSQL: a server still at schema version 1 (the first team-mode release: no kind index,
 * no action item uids, no change counter, no applied-operation marks, every revision in table
 * entry_revisions) is upgraded forward in place, its rows kept, and works as a current one
 * afterwards. Version 1 is made from the current schema by undoing steps 4 (back to a table
 * of every revision), 3 and 2 (which only add). */
static void test_pg_old_schema_upgraded(void **state)
{
    struct fixture *f = *state;
    if (!f->pg)
        skip();
    struct wr_error err = {0};
    int64_t edited = append(f, 2000000, KIND_NOTE, "written at version 3");
    assert_int_equal(store_entry_edit(f->s, f->inc, edited, "written at version 3, edited",
                                      "bob", &err),
                     0);
    struct action_item a = {.incident_id = f->inc, .description = "add a retry budget",
                            .owner = "", .ticket = "", .deadline_ms = WR_TIME_NONE};
    snprintf(a.type, sizeof a.type, "prevent");
    snprintf(a.priority, sizeof a.priority, "P1");
    snprintf(a.status, sizeof a.status, "open");
    assert_int_equal(store_action_add(f->s, &a, &err), 0);
    store_close(&f->s);
    test_db_pg_exec(f->schema,
                    "ALTER VIEW entry_revisions RENAME TO every_revision;"
                    "CREATE TABLE entry_revisions("
                    "  entry_id bigint NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
                    "  rev integer NOT NULL, changed_ms bigint NOT NULL, author text NOT NULL,"
                    "  kind text NOT NULL, at_ms bigint NOT NULL, text text NOT NULL,"
                    "  pinned integer NOT NULL, deleted integer NOT NULL,"
                    "  PRIMARY KEY(entry_id, rev));"
                    "INSERT INTO entry_revisions SELECT * FROM every_revision;"
                    "DROP VIEW every_revision;"
                    "DROP TABLE entry_history;"
                    "ALTER TABLE entries DROP COLUMN changed_ms, DROP COLUMN changed_by;"
                    "DROP TABLE sync_applied;"
                    "DROP TRIGGER entries_change_seq ON entries;"
                    "DROP FUNCTION warroom_entry_change_seq();"
                    "DROP INDEX entries_changes;"
                    "ALTER TABLE entries DROP COLUMN change_seq;"
                    "ALTER TABLE incidents DROP COLUMN change_seq, DROP COLUMN change_txid;"
                    "ALTER TABLE action_items DROP COLUMN uid;"
                    "DELETE FROM meta WHERE key = 'instance_id';"
                    "DROP INDEX entries_by_kind;"
                    "UPDATE meta SET value = 1 WHERE key = 'schema_version'");
    assert_int_equal(store_open(f->target, &f->s, &err), 0);
    int version = 0;
    const char *engine = NULL;
    assert_int_equal(store_schema_info(f->s, &version, &engine, &err), 0);
    assert_int_equal(version, STORE_PG_SCHEMA_VERSION);
    struct action_item *acts = NULL;
    size_t n = 0;
    assert_int_equal(store_action_list(f->s, f->inc, &acts, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(acts[0].description, "add a retry budget");
    assert_true(strlen(acts[0].uid) > 0); /* given one by the upgrade */
    store_actions_free(&acts, n);
    append(f, 2100000, KIND_NOTE, "written after the upgrade");
    struct entry_filter flt = {.text = "written"};
    int64_t count = 0;
    assert_int_equal(store_entry_count(f->s, f->inc, &flt, &count, &err), 0);
    assert_int_equal(count, 2);
    /* The edited entry's two revisions, who wrote each, as before the upgrade. */
    struct entry_revision *revs = NULL;
    assert_int_equal(store_entry_history(f->s, edited, &revs, &n, &err), 0);
    assert_int_equal((int)n, 2);
    assert_string_equal(revs[0].text, "written at version 3");
    assert_string_equal(revs[0].author, "alice");
    assert_string_equal(revs[1].text, "written at version 3, edited");
    assert_string_equal(revs[1].author, "bob");
    store_revisions_free(&revs, n);
    /* The upgrade's parts are in place: the change counter moved, the instance has an id. */
    test_db_pg_exec(f->schema, "DO $$ BEGIN IF (SELECT change_seq FROM incidents) < 1 OR NOT"
                               " EXISTS (SELECT 1 FROM meta WHERE key = 'instance_id') OR"
                               " to_regclass('sync_applied') IS NULL"
                               " THEN RAISE 'not upgraded'; END IF; END $$");
}

/* Count FTS matches through an independent connection. */
static int fts_count(const char *path, const char *query)
{
    return (int)sqlite_scalar(path, "SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?1",
                              query);
}

static void test_fts_sync_is_lazy_and_exact(void **state)
{
    struct fixture *f = *state;
    SQLITE_ONLY(f);
    struct wr_error err = {0};
    int64_t a = append(f, 2000000, KIND_NOTE, "aurora connection pool exhausted");
    append(f, 2100000, KIND_NOTE, "scoring provider timeouts");
    assert_int_equal(fts_count(f->path, "aurora"), 0); /* not indexed on append */
    assert_int_equal(store_fts_sync(f->s, &err), 0);
    assert_int_equal(fts_count(f->path, "aurora"), 1);
    assert_int_equal(fts_count(f->path, "scoring"), 1);
    /* An edit of an indexed entry replaces its terms. */
    assert_int_equal(store_entry_edit(f->s, f->inc, a, "database failover", "bob", &err), 0);
    assert_int_equal(fts_count(f->path, "aurora"), 0);
    assert_int_equal(fts_count(f->path, "failover"), 1);
    /* An entry edited before it was ever indexed is indexed with its final text. */
    int64_t b = append(f, 2200000, KIND_NOTE, "first words");
    assert_int_equal(store_entry_edit(f->s, f->inc, b, "rollback approved", "bob", &err), 0);
    assert_int_equal(store_fts_sync(f->s, &err), 0);
    assert_int_equal(fts_count(f->path, "rollback"), 1);
    assert_int_equal(fts_count(f->path, "first"), 0);
    assert_int_equal(store_fts_sync(f->s, &err), 0); /* idempotent */
    assert_int_equal(fts_count(f->path, "rollback"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_is_private_and_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_revision_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_checkpointed_at_4_mib, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_delete_keep_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_text_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_and_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_milestones_never_go_backwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_severity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_import_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_bad_documents_import_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_member_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_version_sees_other_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_is_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_sync_is_lazy_and_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deliver_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_ranked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_claim_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_each_streams, setup, teardown),
        cmocka_unit_test(test_password_masked),
        cmocka_unit_test(test_url_lookalike_refused),
        cmocka_unit_test_setup_teardown(test_pg_lost_connection_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_old_schema_upgraded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
