/* test_store.c: the SQLite store and the JSON exchange, against real temporary databases. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "exchange.h"
#include "store.h"

struct fixture {
    char dir[256];
    char path[300];
    struct store *s;
    int64_t inc;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/warroom-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    struct wr_error err = {0};
    assert_int_equal(store_open(f->path, &f->s, &err), 0);
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

static void test_newer_schema_refused_untouched(void **state)
{
    struct fixture *f = *state;
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

/* Two processes append to the same incident at once: every entry lands, nobody sees an error. */
static void test_concurrent_writers(void **state)
{
    struct fixture *f = *state;
    enum { WRITERS = 3, EACH = 150 };
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            struct store *s;
            struct wr_error err = {0};
            if (store_open(f->path, &s, &err) != 0)
                _exit(10);
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
    assert_int_equal(store_open(f->path, &other, &err), 0);
    struct entry e = {.incident_id = f->inc, .kind = KIND_NOTE, .author = "b", .text = "hi"};
    assert_int_equal(store_entry_append(other, &e, &err), 0);
    store_close(&other);
    assert_int_equal(store_data_version(f->s, &v3, &err), 0);
    assert_true(v3 != v2);
}

/* Count FTS matches through an independent connection. */
static int fts_count(const char *path, const char *query)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM entries_fts WHERE entries_fts "
                                            "MATCH ?1", -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, query, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static void test_fts_sync_is_lazy_and_exact(void **state)
{
    struct fixture *f = *state;
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
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_version_sees_other_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_sync_is_lazy_and_exact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
