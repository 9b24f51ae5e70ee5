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
#include "lint.h"
#include "postmortem.h"
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

/*
 * A Markdown export reads the timeline once: the drafts, the analysis summary, the updates sent
 * and the rows all come from the same pass (three passes and a page of comms entries before).
 * The blameless findings, gathered for the rows during that pass and numbered after the
 * document's head later, are those of checking the written file from its first line.
 */
static void test_export_reads_timeline_once(void **state)
{
    struct fixture *f = *state;
    struct wr_error err = {0};
    struct incident inc;
    incident_init(&inc);
    inc.title = "Export";
    inc.milestones[MS_STARTED] = 1767258000000LL;
    int64_t id;
    assert_int_equal(store_incident_create(f->s, &inc, &id, &err), 0);
    enum { N = 3000 };
    static const char *const texts[] = {"checked the pool", "the on-call broke the deploy",
                                        "human error in `human error` code", "> human error",
                                        "status page updated"};
    assert_int_equal(store_begin(f->s, &err), 0);
    for (int i = 0; i < N; i++) {
        char text[128];
        snprintf(text, sizeof text, "%s %d", texts[i % 5], i);
        struct entry_revision r = {1, 1767258000000LL + i * 1000, "scribe", text,
                                   (enum entry_kind)(i % 7), 1767258000000LL + i * 1000,
                                   i % 40 == 0, false};
        assert_int_equal(store_entry_import(f->s, id, r.at_ms, NULL, &r, 1, &err), 0);
    }
    assert_int_equal(store_commit(f->s, &err), 0);
    struct lint_rules *rules = NULL;
    assert_int_equal(lint_rules_load(WARROOM_DATA_DIR "/blameless.json", &rules, &err), 0);
    struct pm_options opt = {.lint = rules, .now_ms = 1767258000000LL + N * 1000};
    struct lint_report rep = {0};
    char dir[128];
    snprintf(dir, sizeof dir, "%s/out", f->dir);
    uint64_t before = store_entries_read(f->s);
    if (pm_export(f->s, id, &opt, dir, &rep, &err) != 0)
        fail_msg("export: %s", err.msg);
    uint64_t read = store_entries_read(f->s) - before;
    print_message("timeline rows read by one export of %d entries: %llu\n", N,
                  (unsigned long long)read);
    int64_t live;
    assert_int_equal(store_entry_count(f->s, id, NULL, &live, &err), 0);
    assert_int_equal(live, N);
    assert_true(read <= (uint64_t)live + 16); /* the pass, and a few single-row lookups */
    /* The same findings as checking the whole file at once. */
    char path[160];
    snprintf(path, sizeof path, "%s/postmortem.md", dir);
    size_t len;
    char *md = wr_read_file(path, &len, &err);
    assert_non_null(md);
    struct lint_report whole = {0};
    lint_feed(rules, md, len, &whole);
    assert_true(rep.count > N / 5);
    assert_int_equal(rep.count, whole.count);
    assert_int_equal(rep.line, whole.line);
    for (size_t i = 0; i < rep.count; i++) {
        assert_int_equal(rep.items[i].line, whole.items[i].line);
        assert_string_equal(rep.items[i].match, whole.items[i].match);
        assert_string_equal(rep.items[i].suggestion, whole.items[i].suggestion);
    }
    lint_report_clear(&rep);
    lint_report_clear(&whole);
    lint_rules_free(&rules);
    free(md);
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
        cmocka_unit_test_setup_teardown(test_export_reads_timeline_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
