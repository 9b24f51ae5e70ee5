/* fuzz_import.c: the incident import document (`warroom import FILE`: files from other machines
 * and from git), imported into a temporary SQLite database. An accepted document must export,
 * and that export must import again and export to the same bytes (the format's promise). */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "exchange.h"
#include "fuzz.h"
#include "store.h"

static char dir[256], db_path[300], pristine[300];
static struct store *store;

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char buf[65536];
    ssize_t n;
    FUZZ_CHECK(in >= 0 && out >= 0);
    while ((n = read(in, buf, sizeof buf)) > 0)
        FUZZ_CHECK(write(out, buf, (size_t)n) == n);
    FUZZ_CHECK(n == 0);
    close(in);
    close(out);
}

/* Back to an empty database: the pristine copy made at start (cheaper than a new schema). */
static void reset_store(void)
{
    char side[320];
    store_close(&store);
    copy_file(pristine, db_path);
    snprintf(side, sizeof side, "%s-wal", db_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db_path);
    unlink(side);
    struct wr_error err = {0};
    FUZZ_CHECK(store_open(db_path, &store, &err) == 0);
}

static void remove_dir(void)
{
    char side[320];
    store_close(&store);
    const char *names[] = {"fuzz.db", "fuzz.db-wal", "fuzz.db-shm", "pristine.db"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(side, sizeof side, "%s/%s", dir, names[i]);
        unlink(side);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("TZ", "UTC", 1);
    tzset();
    setenv("WARROOM_NOW", "2026-11-21T10:05:00Z", 1);
    /* tmpfs when there is one: every commit is synchronous=FULL, and fsync there is free. */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/warroom-fuzz-import-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(dir) != NULL);
    snprintf(db_path, sizeof db_path, "%s/fuzz.db", dir);
    snprintf(pristine, sizeof pristine, "%s/pristine.db", dir);
    struct wr_error err = {0};
    FUZZ_CHECK(store_open(pristine, &store, &err) == 0);
    store_close(&store);
    reset_store();
    atexit(remove_dir);
    return 0;
}

/* Export incident id to a malloc'd string. */
static char *export_text(int64_t id, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_CHECK(f);
    struct wr_error err = {0};
    int rc = exchange_write(store, id, EXCHANGE_FULL, f, &err);
    FUZZ_CHECK(fclose(f) == 0);
    FUZZ_CHECK(rc == 0);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (!text)
        return 0;
    struct wr_error err = {0};
    int64_t id = 0;
    if (exchange_import(store, text, false, &id, &err) == 0) {
        FUZZ_CHECK(id > 0);
        size_t len1, len2;
        char *first = export_text(id, &len1);
        reset_store();
        wr_error_clear(&err);
        if (exchange_import(store, first, false, &id, &err) != 0) {
            fprintf(stderr, "re-import of an export failed: %s\n", err.msg);
            abort();
        }
        char *second = export_text(id, &len2);
        if (len1 != len2 || memcmp(first, second, len1) != 0) {
            fprintf(stderr, "export -> import -> export changed the document\n");
            abort();
        }
        free(first);
        free(second);
        reset_store();
    } else {
        /* All or nothing: a refused document says why and leaves no incident behind. */
        FUZZ_CHECK(err.msg[0] && err.code != WR_OK);
    }
    free(text);
    return 0;
}
