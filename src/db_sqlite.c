/* db_sqlite.c: the SQLite backend of the database seam (the embedded default). */
#include "db_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

struct sqlite_db {
    struct db base; /* first: a struct db * is a struct sqlite_db * */
    sqlite3 *conn;
    sqlite3_stmt *data_version, *begin, *commit; /* prepared once, on first use */
};

struct sqlite_stmt {
    struct db_stmt base;
    sqlite3_stmt *st;
};

static sqlite3 *conn_of(struct db *db)
{
    return ((struct sqlite_db *)db)->conn;
}

static sqlite3_stmt *st_of(struct db_stmt *st)
{
    return ((struct sqlite_stmt *)st)->st;
}

/* False when path, or the directory that must hold its -wal and -shm files, cannot be written. */
static bool file_writable(const char *path)
{
    if (!path || !*path)
        return true; /* in memory, or no file: nothing to say about permissions */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    return access(path, W_OK) == 0 && access(dir, W_OK) == 0;
}

/* Classify the connection's last error and record it; returns -1. */
static int fail_from_conn(struct db *db)
{
    sqlite3 *c = conn_of(db);
    int ext = sqlite3_extended_errcode(c);
    enum db_failure f;
    switch (ext & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: f = DB_FAIL_BUSY; break;
    case SQLITE_FULL: f = DB_FAIL_FULL; break;
    case SQLITE_READONLY: f = DB_FAIL_READONLY; break;
    case SQLITE_CANTOPEN:
        /* A WAL database whose directory cannot be written (read-only mount, chattr +i, no
         * permission) cannot make its -wal/-shm files: to the user it is read-only, which the
         * message must say instead of "unable to open database file" (tests/fault/readonly.sh). */
        f = file_writable(sqlite3_db_filename(c, "main")) ? DB_FAIL_OTHER : DB_FAIL_READONLY;
        break;
    case SQLITE_PERM:
    case SQLITE_AUTH: f = DB_FAIL_DENIED; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: f = DB_FAIL_NOT_A_DATABASE; break;
    case SQLITE_CONSTRAINT:
        f = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY
                ? DB_FAIL_UNIQUE
                : ext == SQLITE_CONSTRAINT_FOREIGNKEY ? DB_FAIL_FOREIGN_KEY : DB_FAIL_CONSTRAINT;
        break;
    default: f = DB_FAIL_OTHER; break;
    }
    return db_set_failure(db, f, sqlite3_errmsg(c));
}

/* Make sure the file exists with mode 0600 before SQLite opens it (SQLite would use the umask;
 * its -wal and -shm files copy the main file's mode). */
static int create_private_file(const char *path, struct wr_error *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return wr_fail(err, WR_E_IO,
                       "the database directory %s does not exist; create it or pass another --db",
                       dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EACCES || errno == EROFS || errno == EPERM) {
            /* Maybe readable only (EPERM: an immutable file, chattr +i): let SQLite report
             * read-only on the first write. */
            if (access(path, R_OK) == 0)
                return 0;
            return wr_fail(err, WR_E_IO,
                           "cannot write the database %s: %s; check the directory's permissions "
                           "or pass another --db",
                           path, strerror(errno));
        }
        return wr_fail(err, WR_E_IO, "cannot open the database %s: %s", path, strerror(errno));
    }
    close(fd);
    return 0;
}

static void sq_close(struct db *db)
{
    struct sqlite_db *s = (struct sqlite_db *)db;
    sqlite3_finalize(s->data_version);
    sqlite3_finalize(s->begin);
    sqlite3_finalize(s->commit);
    sqlite3_close(s->conn);
    db_free_base(db);
    free(s);
}

static int sq_exec(struct db *db, const char *script)
{
    if (sqlite3_exec(conn_of(db), script, NULL, NULL, NULL) != SQLITE_OK)
        return fail_from_conn(db);
    db_clear_failure(db);
    return 0;
}

/* A one-row, one-integer query through a throwaway statement. */
static int query_int(struct db *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(conn_of(db), sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        fail_from_conn(db);
        goto out;
    }
    *out = sqlite3_column_int64(st, 0);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/*
 * page_size applies to a database created by this connection (an existing one keeps its own):
 * 32 KiB instead of 4 KiB. A bulk import of 100,000 entries then takes 182-195 ms instead of
 * 253-302 ms (fewer page splits and cell moves, a checkpoint of ~850 page writes instead of
 * ~10,000; 16 KiB pages: 201-216 ms); a durable append writes more bytes to the WAL (its p50
 * goes from 0.13-0.15 to 0.18-0.23 ms, far within what `warroom log` is allowed). bench_store
 * prints both imports and the append.
 * The WAL is checkpointed at about 4 MiB whatever the page size (SQLite's default of 1,000
 * pages, in bytes, for 4 KiB pages).
 * temp_store: a statement journal (a multi-row INSERT keeps one) stays in memory instead of
 * spilling to a temporary file past 64 KiB; a bulk import wrote 150,000 pages there.
 */
static int sq_configure(struct db *db)
{
    int64_t page = 0;
    char sql[64];
    if (sq_exec(db, "PRAGMA page_size = 32768;"
                    "PRAGMA journal_mode = WAL;"
                    "PRAGMA synchronous = FULL;"
                    "PRAGMA foreign_keys = ON;"
                    "PRAGMA temp_store = MEMORY;") != 0 ||
        query_int(db, "PRAGMA page_size", &page) != 0)
        return -1;
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %lld",
             (long long)(page > 0 ? (4 << 20) / page : 1000));
    return sq_exec(db, sql);
}

static int sq_schema_version(struct db *db, int *version)
{
    int64_t v = 0;
    if (query_int(db, "PRAGMA user_version", &v) != 0)
        return -1;
    *version = (int)v;
    return 0;
}

static int sq_set_schema_version(struct db *db, int version)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    return sq_exec(db, sql);
}

static struct db_stmt *sq_prepare(struct db *db, const char *sql, bool persistent)
{
    struct sqlite_stmt *s = calloc(1, sizeof *s);
    if (!s) {
        db_set_failure(db, DB_FAIL_OTHER, "out of memory");
        return NULL;
    }
    s->base.db = db;
    if (sqlite3_prepare_v3(conn_of(db), sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
                           &s->st, NULL) != SQLITE_OK) {
        fail_from_conn(db);
        sqlite3_finalize(s->st);
        free(s);
        return NULL;
    }
    return &s->base;
}

static void sq_finalize(struct db_stmt *st)
{
    sqlite3_finalize(st_of(st));
    free(st);
}

static void sq_clear(struct db_stmt *st)
{
    sqlite3_reset(st_of(st));
    sqlite3_clear_bindings(st_of(st));
}

static void sq_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(st_of(st), i, v);
}

static void sq_bind_double(struct db_stmt *st, int i, double v)
{
    sqlite3_bind_double(st_of(st), i, v);
}

/* SQLITE_STATIC: the seam's contract is that bound text outlives the statement's run. */
static void sq_bind_text(struct db_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st_of(st), i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st_of(st), i);
}

static void sq_bind_null_int64(struct db_stmt *st, int i)
{
    sqlite3_bind_null(st_of(st), i);
}

static int sq_step(struct db_stmt *st)
{
    int rc = sqlite3_step(st_of(st));
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        st->changes = sqlite3_changes64(conn_of(st->db));
        return DB_DONE;
    }
    return fail_from_conn(st->db);
}

static void sq_reset(struct db_stmt *st)
{
    sqlite3_reset(st_of(st));
}

static int64_t sq_col_int64(struct db_stmt *st, int i)
{
    return sqlite3_column_int64(st_of(st), i);
}

static double sq_col_double(struct db_stmt *st, int i)
{
    return sqlite3_column_double(st_of(st), i);
}

static const char *sq_col_text(struct db_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st_of(st), i);
}

static bool sq_col_null(struct db_stmt *st, int i)
{
    return sqlite3_column_type(st_of(st), i) == SQLITE_NULL;
}

/* Run BEGIN IMMEDIATE or COMMIT (prepared once into *cached), retrying past busy_timeout so
 * "database is locked" never reaches the user: writers queue instead of failing. */
static int step_retrying(struct db *db, sqlite3_stmt **cached, const char *sql)
{
    if (!*cached && sqlite3_prepare_v3(conn_of(db), sql, -1, SQLITE_PREPARE_PERSISTENT, cached,
                                       NULL) != SQLITE_OK)
        return fail_from_conn(db);
    for (int attempt = 0;; attempt++) {
        int rc = sqlite3_step(*cached);
        if (rc == SQLITE_DONE) {
            sqlite3_reset(*cached);
            db_clear_failure(db);
            return 0;
        }
        if ((rc & 0xff) != SQLITE_BUSY || attempt >= 20) {
            fail_from_conn(db);
            sqlite3_reset(*cached);
            return -1;
        }
        sqlite3_reset(*cached);
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* BEGIN IMMEDIATE takes the write lock up front so two writers wait (busy_timeout) instead of
 * deadlocking on a read-to-write upgrade. */
static int sq_begin(struct db *db)
{
    return step_retrying(db, &((struct sqlite_db *)db)->begin, "BEGIN IMMEDIATE");
}

static int sq_begin_read(struct db *db)
{
    return sq_exec(db, "BEGIN");
}

static int sq_commit(struct db *db)
{
    return step_retrying(db, &((struct sqlite_db *)db)->commit, "COMMIT");
}

static void sq_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(conn_of(db)))
        sqlite3_exec(conn_of(db), "ROLLBACK", NULL, NULL, NULL);
}

static bool sq_in_transaction(struct db *db)
{
    return !sqlite3_get_autocommit(conn_of(db));
}

/* PRAGMA data_version: moves when another connection commits; cheap, no disk access. */
static int sq_change_counter(struct db *db, int64_t *out)
{
    struct sqlite_db *s = (struct sqlite_db *)db;
    if (!s->data_version &&
        sqlite3_prepare_v3(s->conn, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
                           &s->data_version, NULL) != SQLITE_OK)
        return fail_from_conn(db);
    int rc = sqlite3_step(s->data_version);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s->data_version, 0);
    sqlite3_reset(s->data_version);
    return rc == SQLITE_ROW ? 0 : fail_from_conn(db);
}

/* BEGIN IMMEDIATE already holds the only write lock. */
static int sq_lock_schema(struct db *db)
{
    (void)db;
    return 0;
}

/* SQLite has no change socket: the cockpit watches the database's directory. */
static int sq_change_fd(struct db *db)
{
    (void)db;
    return -1;
}

static int sq_reconnect(struct db *db)
{
    (void)db;
    return 0;
}

static const struct db_ops sqlite_ops = {
    .close = sq_close,
    .configure = sq_configure,
    .schema_version = sq_schema_version,
    .set_schema_version = sq_set_schema_version,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .clear = sq_clear,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_null_int64 = sq_bind_null_int64,
    .step = sq_step,
    .reset = sq_reset,
    .col_int64 = sq_col_int64,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
    .begin = sq_begin,
    .begin_read = sq_begin_read,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_transaction = sq_in_transaction,
    .change_counter = sq_change_counter,
    .change_fd = sq_change_fd,
    .reconnect = sq_reconnect,
    .lock_schema = sq_lock_schema,
};

int db_sqlite_open(const char *path, struct db **out, struct wr_error *err)
{
    *out = NULL;
    struct sqlite_db *s = calloc(1, sizeof *s);
    if (!s)
        return wr_fail(err, WR_E_NOMEM, "out of memory opening the database");
    if (db_init_base(&s->base, &sqlite_ops, DB_SQLITE, path) != 0) {
        sq_close(&s->base);
        return wr_fail(err, WR_E_NOMEM, "out of memory opening the database");
    }
    if (create_private_file(path, err) != 0)
        goto fail;
    /* NOMUTEX: each connection is used by one thread. */
    if (sqlite3_open_v2(path, &s->conn,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        wr_fail(err, WR_E_DB, "opening the database: %s (database %s)",
                s->conn ? sqlite3_errmsg(s->conn) : "out of memory", path);
        goto fail;
    }
    sqlite3_extended_result_codes(s->conn, 1);
    sqlite3_busy_timeout(s->conn, 5000);
    *out = &s->base;
    return 0;
fail:
    sq_close(&s->base);
    return -1;
}
