/* db.h: the database seam under the store: one small API over SQLite (db_sqlite.c) and
 * PostgreSQL (db_pg.c). Only src/store*.c call it; the rest of warroom sees store.h.
 *
 * How the store uses it:
 *   struct db_stmt *st = store_stmt(s, SLOT, "SELECT a, b FROM t WHERE id = ?1", err);
 *   db_bind_int64(st, 1, id);                 // the bind function carries the type
 *   while ((r = db_step(st)) == DB_ROW)       // DB_ROW, DB_DONE or DB_ERROR
 *       use(db_col_int64(st, 0), db_col_text(st, 1));
 *   db_reset(st);                             // always, also on the error path
 *   if (r == DB_ERROR) return store_db_fail(s, err, "reading t");   // db_failure() says why
 *
 * SQL is written once with ?N placeholders (numbered, from 1) and portable syntax: RETURNING id
 * instead of last_insert_rowid, coalesce, ON CONFLICT, count(*) FILTER. The PostgreSQL backend
 * rewrites ?N to $N. A statement that must differ between engines picks its text with
 * db_engine(). Bound pointers (text) must stay valid until the statement is reset: neither
 * engine copies them.
 */
#ifndef WARROOM_DB_H
#define WARROOM_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct db;
struct db_stmt;

enum db_engine { DB_SQLITE, DB_POSTGRES };

/* Statement slots per connection (see store_internal.h for who owns which range). */
#define DB_SLOTS 320

/* db_step's result. */
enum { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

/* Why the last operation on a connection failed: what the store needs to choose its message
 * and its reaction (a unique violation is "already there", a lost connection is retried). */
#define DB_FAILURE_LIST(X)                                                                     \
    X(DB_FAIL_NONE, "no error")                                                                \
    X(DB_FAIL_BUSY, "locked by another writer for too long")                                   \
    X(DB_FAIL_FULL, "disk full")                                                               \
    X(DB_FAIL_READONLY, "read-only")                                                           \
    X(DB_FAIL_DENIED, "permission denied")                                                     \
    X(DB_FAIL_UNIQUE, "unique constraint")                                                     \
    X(DB_FAIL_FOREIGN_KEY, "foreign key constraint")                                           \
    X(DB_FAIL_CONSTRAINT, "other constraint")                                                  \
    X(DB_FAIL_CONNECTION, "connection lost")                                                   \
    X(DB_FAIL_NOT_A_DATABASE, "not a database")                                                \
    X(DB_FAIL_OTHER, "error")

enum db_failure {
#define DB_X_ENUM(name, text) name,
    DB_FAILURE_LIST(DB_X_ENUM)
#undef DB_X_ENUM
};

/* True when `target` names a PostgreSQL database (postgresql://, postgres://, or a libpq
 * keyword/value string such as "service=warroom" or "host=... dbname=..."); else it is a path. */
bool db_target_is_postgres(const char *target);

/* Copy `target` into out (n bytes) with any password replaced by "***": the user:PASSWORD@ of a
 * URL, its password= query parameter, and the password=VALUE keyword of a conninfo string. */
void db_mask_target(const char *target, char *out, size_t n);

/* Copy a message about `target` into out (n bytes) with the target's passwords, as written in
 * it, replaced by "***" (libpq quotes a URL's malformed %-escape back, password or not). */
void db_mask_message(const char *target, const char *msg, char *out, size_t n);

/* An engine's error message (libpq's span lines: "ERROR:  x\nLINE 1: ...\n   ^", or
 * "...refused\n\tIs the server running...") as one line in out (n bytes): lines joined, the
 * statement excerpt and its caret dropped, runs of white space made one space. */
void db_message_line(const char *msg, char *out, size_t n);

/* Which PostgreSQL database `target` reaches, without secrets, the same for every spelling of
 * it (URL or keywords, postgres:// or postgresql://, the password in it or not, sslmode and
 * timeouts aside): host, hostaddr, port, dbname, user, options and service, with libpq's
 * environment variables and defaults filled in. -1 when libpq cannot be loaded or cannot parse
 * the target. */
int db_target_identity(const char *target, char *out, size_t n);

/* Connect to `target` (a SQLite path, created 0600 when absent, whose directory must exist; or a
 * PostgreSQL URL / conninfo). Nothing is written yet. Errors: WR_E_IO (directory missing or
 * unwritable), WR_E_DB (cannot connect; the message masks any password), WR_E_USAGE (a target
 * that looks like a mistyped PostgreSQL URL: "postgresql:db", "Postgres://..."), WR_E_NOMEM. */
int db_open(const char *target, struct db **out, struct wr_error *err);
/* Finalize every statement, close and set *db to NULL. Accepts NULL. */
void db_close(struct db **db);
enum db_engine db_engine(const struct db *db);
/* How to name the database to a user: the path, or the connection string with its password
 * masked. Never contains a secret. */
const char *db_display_name(const struct db *db);

/* The target the connection was opened with, password included when it had one: only for
 * opening another connection to the same database, never for showing. */
const char *db_target(const struct db *db);

/* Settings every warroom connection needs (SQLite: WAL, synchronous=FULL, foreign keys).
 * SQLite writes the file here, so the store calls it only after checking the schema version. */
int db_configure(struct db *db);
/* The schema version stored in the database (0 for an empty one), and setting it (inside the
 * migration's transaction). */
int db_schema_version(struct db *db, int *version);
int db_set_schema_version(struct db *db, int version);
/* Inside a transaction: wait until no other connection is migrating (SQLite's BEGIN IMMEDIATE
 * already excludes them; PostgreSQL takes an advisory lock until the transaction ends). */
int db_lock_schema(struct db *db);

/* Run a script of statements without parameters (schema, migrations). */
int db_exec(struct db *db, const char *script);

/* The statement in `slot` (0..DB_SLOTS-1), prepared on first use from `sql` (always the same
 * text for a slot on a connection), reset and with every binding cleared. NULL on failure. */
struct db_stmt *db_stmt(struct db *db, int slot, const char *sql);
/* A private statement, for a loop whose body runs other statements; free with db_stmt_free. */
struct db_stmt *db_stmt_new(struct db *db, const char *sql);
void db_stmt_free(struct db_stmt **st);

/* Bind parameter ?i (from 1). A NULL text binds a NULL of type text. */
void db_bind_int(struct db_stmt *st, int i, int v);
void db_bind_int64(struct db_stmt *st, int i, int64_t v);
void db_bind_double(struct db_stmt *st, int i, double v);
void db_bind_text(struct db_stmt *st, int i, const char *v);
/* A NULL of type integer (e.g. no deadline). */
void db_bind_null_int64(struct db_stmt *st, int i);

/* Run the statement or move to its next row: DB_ROW, DB_DONE, or DB_ERROR (see db_failure).
 * Writes happen on the first step. */
int db_step(struct db_stmt *st);
/* Back to the start, keeping the bindings; call when done with a statement. */
void db_reset(struct db_stmt *st);
/* Rows inserted, updated or deleted by the statement's last run. */
int64_t db_changes(const struct db_stmt *st);

/* Columns of the current row, from 0. NULL reads as 0 / NULL text. */
int64_t db_col_int64(struct db_stmt *st, int i);
int db_col_int(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
const char *db_col_text(struct db_stmt *st, int i);
bool db_col_null(struct db_stmt *st, int i);

/* A write transaction. SQLite: BEGIN IMMEDIATE (takes the write lock up front, retried past
 * busy_timeout, so writers queue instead of failing). PostgreSQL: READ COMMITTED; the store
 * serialises writers of one incident by updating its row first. */
int db_begin(struct db *db);
/* A read-only transaction on one consistent snapshot (SQLite: a deferred BEGIN, which WAL keeps
 * on its snapshot; PostgreSQL: REPEATABLE READ READ ONLY). End it with db_rollback. */
int db_begin_read(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
bool db_in_transaction(struct db *db);

/* A counter that moves when another connection commits a change. SQLite: PRAGMA data_version.
 * PostgreSQL: notifications received on the warroom channel (see db_pg.c). */
int db_change_counter(struct db *db, int64_t *out);

/* The socket that becomes readable when a change notification arrives (PostgreSQL), or -1
 * (SQLite: watch the file instead). Poll it, then call db_change_counter to drain it; also call
 * db_change_counter after other queries, which may have read notifications off the socket. */
int db_change_fd(struct db *db);
/* Incident ids named by the notifications drained so far (each once), moved into ids (up to
 * max) and forgotten; *all is set when more arrived than could be kept (reload everything). */
void db_take_changes(struct db *db, int64_t *ids, size_t max, size_t *n, bool *all);
/* Re-establish a lost connection (PostgreSQL; blocks up to connect_timeout). Prepared
 * statements are prepared again on their next use. SQLite: nothing to do. */
int db_reconnect(struct db *db);

/* The last failure on the connection: its kind and the engine's message. */
enum db_failure db_failure(const struct db *db);
const char *db_errmsg(const struct db *db);

#endif
