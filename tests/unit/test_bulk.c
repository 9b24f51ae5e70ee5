/* test_bulk.c: what a bulk import costs, counted rather than timed (issue 13): SQLite's own
 * allocations per imported entry, and that the foreign keys an import pauses are checked again
 * afterwards, whether it succeeded or failed. SQLite files only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "exchange.h"
#include "store.h"

/* Every allocation SQLite makes goes through these (installed before it initialises). */
static sqlite3_mem_methods base;
static long sqlite_allocs;

static void *count_malloc(int n)
{
    sqlite_allocs++;
    return base.xMalloc(n);
}

static void *count_realloc(void *p, int n)
{
    sqlite_allocs++;
    return base.xRealloc(p, n);
}

struct fixture {
    char dir[64], path[128];
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/warroom-bulk-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    struct wr_error err = {0};
    if (store_open(f->path, &f->s, &err) != 0)
        fail_msg("store_open: %s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(&f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* An export document of n entries in the shape warroom writes; `bad_at` (or -1) gets an empty
 * text, which the store refuses, so the import fails there. */
static char *export_doc(int n, int bad_at, const char *uid)
{
    size_t cap = 512 + (size_t)n * 400;
    char *doc = malloc(cap);
    assert_non_null(doc);
    size_t len = (size_t)snprintf(
        doc, cap,
        "{\"format\":\"warroom-incident\",\"version\":1,\"incident\":{\"uid\":\"%s\","
        "\"title\":\"Bulk\",\"services\":[],\"tags\":[],\"phase\":\"RESPOND\",\"severity\":2,"
        "\"created\":\"2026-03-10T11:50:00.000Z\"},\"entries\":[",
        uid);
    for (int i = 0; i < n; i++) {
        char iso[40];
        wr_time_iso(1773143400000LL + (int64_t)i * 250, iso, sizeof iso);
        len += (size_t)snprintf(doc + len, cap - len,
                                "%s{\"recorded\":\"%s\",\"revisions\":[{\"rev\":1,\"changed\":"
                                "\"%s\",\"author\":\"scribe\",\"kind\":\"note\",\"at\":\"%s\","
                                "\"text\":\"%s%d\",\"pinned\":false,\"deleted\":false}]}",
                                i ? "," : "", iso, iso, iso, i == bad_at ? "" : "entry ",
                                i == bad_at ? 0 : i);
    }
    len += (size_t)snprintf(doc + len, cap - len, "]}");
    if (bad_at >= 0) { /* "text":"0" -> "text":"" */
        char *p = strstr(doc, "\"text\":\"0\"");
        assert_non_null(p);
        memmove(p + 8, p + 9, strlen(p + 9) + 1);
    }
    return doc;
}

/* An action item citing an entry that does not exist: refused while foreign keys are on. */
static void assert_foreign_keys_checked(struct store *s, int64_t incident_id)
{
    struct wr_error err = {0};
    struct action_item a = {.incident_id = incident_id, .description = "dangling",
                            .owner = "", .ticket = "", .source_entry_id = 999999999,
                            .deadline_ms = WR_TIME_NONE};
    snprintf(a.type, sizeof a.type, "prevent");
    snprintf(a.priority, sizeof a.priority, "P1");
    snprintf(a.status, sizeof a.status, "open");
    assert_int_not_equal(store_action_add(s, &a, &err), 0);
}

/*
 * SQLite allocations per imported entry. With every multi-row INSERT keeping a statement
 * journal (foreign keys checked during the import) this import made 2.6 per entry; without
 * it, 1.35. Fails if the journal comes back.
 */
static void test_import_allocations(void **state)
{
    struct fixture *f = *state;
    enum { N = 4000 };
    char *doc = export_doc(N, -1, "bulk-allocs");
    struct wr_error err = {0};
    int64_t id;
    long before = sqlite_allocs;
    assert_int_equal(exchange_import(f->s, doc, false, &id, &err), 0);
    long used = sqlite_allocs - before;
    print_message("SQLite allocations importing %d entries: %ld (%.2f per entry)\n", N, used,
                  (double)used / N);
    assert_true(used < 2 * N);
    free(doc);
}

/* A successful import leaves foreign keys checked on the connection it used. */
static void test_import_restores_foreign_keys(void **state)
{
    struct fixture *f = *state;
    char *doc = export_doc(300, -1, "bulk-fk");
    struct wr_error err = {0};
    int64_t id;
    assert_int_equal(exchange_import(f->s, doc, false, &id, &err), 0);
    assert_foreign_keys_checked(f->s, id);
    free(doc);
}

/* A failed import stores nothing of itself and leaves foreign keys checked too. */
static void test_failed_import_restores_foreign_keys(void **state)
{
    struct fixture *f = *state;
    char *doc = export_doc(300, 200, "bulk-fail");
    struct wr_error err = {0};
    int64_t id = 0;
    assert_int_equal(exchange_import(f->s, doc, false, &id, &err), -1);
    assert_non_null(strstr(err.msg, "entries[200]"));
    struct incident *list = NULL;
    size_t n = 0;
    assert_int_equal(store_incident_list(f->s, true, &list, &n, &err), 0);
    assert_int_equal(n, 0);
    store_incidents_free(&list, n);
    struct incident inc;
    incident_init(&inc);
    inc.title = "after the failed import";
    int64_t other;
    assert_int_equal(store_incident_create(f->s, &inc, &other, &err), 0);
    assert_foreign_keys_checked(f->s, other);
    free(doc);
}

static int collect_text(const struct entry *e, void *ctx)
{
    struct wr_buf *b = ctx;
    wr_buf_printf(b, "%s\n", e->text);
    return 0;
}

/*
 * The entries array is skipped over before the incident is read when it comes first: quotes
 * behind backslashes (escaped or not), brackets inside strings and a string ending in a
 * backslash must all be read as JSON reads them.
 */
static void test_import_entries_before_incident(void **state)
{
    struct fixture *f = *state;
    static const char doc[] =
        "{\"format\":\"warroom-incident\",\"version\":1,\"entries\":["
        "{\"recorded\":\"2026-03-10T11:50:00.000Z\",\"revisions\":[{\"rev\":1,"
        "\"changed\":\"2026-03-10T11:50:00.000Z\",\"author\":\"a\",\"kind\":\"note\","
        "\"at\":\"2026-03-10T11:50:00.000Z\",\"text\":\"q \\\" ]} [{ \\\\\",\"pinned\":false,"
        "\"deleted\":false}]},"
        "{\"recorded\":\"2026-03-10T11:51:00.000Z\",\"revisions\":[{\"rev\":1,"
        "\"changed\":\"2026-03-10T11:51:00.000Z\",\"author\":\"a\",\"kind\":\"note\","
        "\"at\":\"2026-03-10T11:51:00.000Z\",\"text\":\"\\\\\\\"}{\",\"pinned\":false,"
        "\"deleted\":false}]}],"
        "\"incident\":{\"uid\":\"bulk-order\",\"title\":\"Order\",\"phase\":\"RESPOND\","
        "\"severity\":2,\"created\":\"2026-03-10T11:50:00.000Z\"}}";
    struct wr_error err = {0};
    int64_t id;
    if (exchange_import(f->s, doc, false, &id, &err) != 0)
        fail_msg("import: %s", err.msg);
    struct wr_buf b = {0};
    assert_int_equal(store_entry_scan(f->s, id, collect_text, &b, &err), 0);
    assert_string_equal(b.data, "q \" ]} [{ \\\n\\\"}{\n");
    wr_buf_free(&b);
}

int main(void)
{
    sqlite3_mem_methods counted;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &base) != SQLITE_OK)
        return 1;
    counted = base;
    counted.xMalloc = count_malloc;
    counted.xRealloc = count_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &counted) != SQLITE_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_allocations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_restores_foreign_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_import_restores_foreign_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_import_entries_before_incident, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
