/* db_pg.c: the PostgreSQL backend of the database seam (team mode), through libpq.
 *
 * Statements are prepared on the server on first run, with the parameter types the binds gave
 * (?N is rewritten to $N); a run fetches its whole result, so a statement's rows can be read
 * while other statements run on the same connection. Changes arrive as NOTIFY on the channel
 * "warroom:SCHEMA" with the incident id as payload, sent by the schema's triggers at commit
 * (store_schema.c); LISTEN starts with the first db_change_counter call.
 */
#include "db_internal.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "libpq.h"

/* libpq's functions, loaded by the first db_pg_open (libpq.c). */
static const struct libpq *pq;

/* Type oids from pg_type (stable across releases). */
#define OID_INT8 20
#define OID_TEXT 25
#define OID_FLOAT8 701

struct pg_db {
    struct db base; /* first: a struct db * is a struct pg_db * */
    PGconn *conn;
    unsigned next_name;   /* prepared statement names w1, w2, ... */
    unsigned generation;  /* bumped by a reconnect: statements prepared before are gone */
    bool listening;
    int64_t notifications; /* from other sessions, the change counter */
};

struct pg_stmt {
    struct db_stmt base;
    char *sql;       /* with $N */
    int nparams;
    char name[16];   /* server-side name; "" until prepared */
    unsigned generation;
    Oid *types;      /* of the current binds (0 = unbound: the prepared type) */
    Oid *prepared_types;
    const char **values;
    char (*numbers)[32];
    PGresult *res;
    int row, nrows;
    bool executed;
    /* A private SELECT (db_stmt_new: a loop over a whole timeline) reads through a cursor, a
     * batch at a time, so memory stays flat however long the result. */
    bool stream;
    bool cursor_open;
    char cursor[16];
};

/* Rows per FETCH of a streamed statement. */
#define PG_FETCH_ROWS 1024

static PGconn *conn_of(struct db *db)
{
    return ((struct pg_db *)db)->conn;
}

/* Record a failure from a result (or from the connection when res is NULL); returns -1. */
static int fail_from(struct db *db, const PGresult *res)
{
    PGconn *c = conn_of(db);
    const char *state = res ? pq->PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? pq->PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = pq->PQerrorMessage(c);
    enum db_failure f = DB_FAIL_OTHER;
    if (pq->PQstatus(c) == CONNECTION_BAD || !state)
        f = pq->PQstatus(c) == CONNECTION_BAD ? DB_FAIL_CONNECTION : DB_FAIL_OTHER;
    else if (strcmp(state, "23505") == 0)
        f = DB_FAIL_UNIQUE;
    else if (strcmp(state, "23503") == 0)
        f = DB_FAIL_FOREIGN_KEY;
    else if (strncmp(state, "23", 2) == 0)
        f = DB_FAIL_CONSTRAINT;
    else if (strcmp(state, "53100") == 0)
        f = DB_FAIL_FULL;
    else if (strcmp(state, "25006") == 0)
        f = DB_FAIL_READONLY;
    else if (strcmp(state, "42501") == 0 || strncmp(state, "28", 2) == 0)
        f = DB_FAIL_DENIED;
    else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        f = DB_FAIL_CONNECTION;
    else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
             strcmp(state, "55P03") == 0)
        f = DB_FAIL_BUSY;
    return db_set_failure(db, f, msg);
}

/* Run a command without parameters; 0 when it succeeded. */
static int run(struct db *db, const char *sql)
{
    PGresult *res = pq->PQexec(conn_of(db), sql);
    ExecStatusType st = pq->PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = fail_from(db, res);
    else
        db_clear_failure(db);
    pq->PQclear(res);
    return rc;
}

static void pg_close(struct db *db)
{
    struct pg_db *p = (struct pg_db *)db;
    pq->PQfinish(p->conn);
    db_free_base(db);
    free(p);
}

/* Durability: a commit is acknowledged only once it is on disk (never weaker than `on`, but a
 * stronger setting such as remote_apply is kept). Times are integers, so the zone is moot. */
static int pg_configure(struct db *db)
{
    return run(db, "SET client_encoding = 'UTF8';"
                   "SELECT set_config('synchronous_commit', 'on', false)"
                   " WHERE current_setting('synchronous_commit') IN ('off', 'local')");
}

/* One integer (or NULL: *out untouched, *found false) from a query without parameters. */
static int query_int(struct db *db, const char *sql, int64_t *out, bool *found)
{
    PGresult *res = pq->PQexec(conn_of(db), sql);
    int rc = -1;
    if (pq->PQresultStatus(res) != PGRES_TUPLES_OK) {
        fail_from(db, res);
        goto out;
    }
    *found = pq->PQntuples(res) > 0 && !pq->PQgetisnull(res, 0, 0);
    if (*found)
        *out = strtoll(pq->PQgetvalue(res, 0, 0), NULL, 10);
    db_clear_failure(db);
    rc = 0;
out:
    pq->PQclear(res);
    return rc;
}

/* The version lives in table meta of the connection's schema; no table yet means 0. A
 * connection with no schema to create tables in cannot hold a warroom database. */
static int pg_schema_version(struct db *db, int *version)
{
    int64_t v = 0;
    bool found = false;
    if (query_int(db, "SELECT CASE WHEN current_schema() IS NULL THEN -1"
                      " WHEN to_regclass('meta') IS NULL THEN 0 ELSE 1 END",
                      &v, &found) != 0)
        return -1;
    if (v < 0)
        return db_set_failure(db, DB_FAIL_DENIED,
                              "no schema to create the tables in: create one and put it first on "
                              "the role's search_path (README, team mode)");
    *version = 0;
    if (v == 0)
        return 0;
    if (query_int(db, "SELECT value FROM meta WHERE key = 'schema_version'", &v, &found) != 0)
        return -1;
    *version = found ? (int)v : 0;
    return 0;
}

static int pg_set_schema_version(struct db *db, int version)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO meta(key, value) VALUES('schema_version', %d)"
             " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
             version);
    return run(db, sql);
}

/* Two warroom processes migrating one schema at once: the second waits here, then finds the
 * work done. The lock is per schema (its name's hash) and ends with the transaction. */
static int pg_lock_schema(struct db *db)
{
    return run(db, "SELECT pg_advisory_xact_lock(hashtext('warroom migrate ' ||"
                   " coalesce(current_schema(), '')))");
}

static int pg_exec(struct db *db, const char *script)
{
    return run(db, script);
}

/* ?N -> $N outside quotes; *nparams gets the highest N. NULL when out of memory. */
static char *rewrite_placeholders(const char *sql, int *nparams)
{
    size_t len = strlen(sql);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    char quote = 0;
    *nparams = 0;
    for (size_t i = 0; i < len; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            int n = 0;
            out[o++] = '$';
            while (sql[i + 1] >= '0' && sql[i + 1] <= '9') {
                n = n * 10 + (sql[i + 1] - '0');
                out[o++] = sql[++i];
            }
            if (n > *nparams)
                *nparams = n;
            continue;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

static void pg_reset(struct db_stmt *st);

static void pg_finalize(struct db_stmt *st)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    struct pg_db *d = (struct pg_db *)st->db;
    pg_reset(st); /* closes a streamed statement's cursor */
    /* Forget the server's copy, unless the connection it lived on is gone. */
    if (p->name[0] && p->generation == d->generation && pq->PQstatus(d->conn) == CONNECTION_OK &&
        pq->PQtransactionStatus(d->conn) == PQTRANS_IDLE) {
        char sql[40];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", p->name);
        pq->PQclear(pq->PQexec(d->conn, sql));
    }
    free(p->sql);
    free(p->types);
    free(p->prepared_types);
    free(p->values);
    free(p->numbers);
    free(p);
}

static struct db_stmt *pg_prepare(struct db *db, const char *sql, bool persistent)
{
    struct pg_stmt *p = calloc(1, sizeof *p);
    if (!p)
        goto nomem;
    p->base.db = db;
    /* Slot statements are prepared on the server at their first run; a private SELECT is
     * streamed through a cursor instead. */
    const char *q = sql;
    while (*q == ' ' || *q == '\n')
        q++;
    p->stream = !persistent && strncasecmp(q, "SELECT", 6) == 0;
    p->sql = rewrite_placeholders(sql, &p->nparams);
    size_t n = p->nparams ? (size_t)p->nparams : 1;
    p->types = calloc(n, sizeof *p->types);
    p->prepared_types = calloc(n, sizeof *p->prepared_types);
    p->values = calloc(n, sizeof *p->values);
    p->numbers = calloc(n, sizeof *p->numbers);
    if (!p->sql || !p->types || !p->prepared_types || !p->values || !p->numbers)
        goto nomem;
    return &p->base;
nomem:
    if (p)
        pg_finalize(&p->base);
    db_set_failure(db, DB_FAIL_OTHER, "out of memory");
    return NULL;
}

static void pg_reset(struct db_stmt *st)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    struct pg_db *d = (struct pg_db *)st->db;
    if (p->cursor_open) {
        p->cursor_open = false;
        /* A held cursor outlives transactions: close it, unless the session cannot run it. */
        if (pq->PQstatus(d->conn) == CONNECTION_OK &&
            pq->PQtransactionStatus(d->conn) != PQTRANS_INERROR) {
            char sql[40];
            snprintf(sql, sizeof sql, "CLOSE %s", p->cursor);
            pq->PQclear(pq->PQexec(d->conn, sql));
        }
    }
    pq->PQclear(p->res);
    p->res = NULL;
    p->executed = false;
    p->row = p->nrows = 0;
}

/* Reset and unbind; the types stay, so the prepared statement stays valid. */
static void pg_clear(struct db_stmt *st)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    pg_reset(st);
    for (int i = 0; i < p->nparams; i++)
        p->values[i] = NULL;
}

/* Parameters beyond the statement's are ignored, as SQLite does. */
static bool param_ok(struct pg_stmt *p, int i)
{
    return i >= 1 && i <= p->nparams;
}

static void pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    if (!param_ok(p, i))
        return;
    snprintf(p->numbers[i - 1], sizeof p->numbers[i - 1], "%lld", (long long)v);
    p->values[i - 1] = p->numbers[i - 1];
    p->types[i - 1] = OID_INT8;
}

static void pg_bind_double(struct db_stmt *st, int i, double v)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    if (!param_ok(p, i))
        return;
    snprintf(p->numbers[i - 1], sizeof p->numbers[i - 1], "%.17g", v);
    p->values[i - 1] = p->numbers[i - 1];
    p->types[i - 1] = OID_FLOAT8;
}

static void pg_bind_text(struct db_stmt *st, int i, const char *v)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    if (!param_ok(p, i))
        return;
    p->values[i - 1] = v;
    p->types[i - 1] = OID_TEXT;
}

static void pg_bind_null_int64(struct db_stmt *st, int i)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    if (!param_ok(p, i))
        return;
    p->values[i - 1] = NULL;
    p->types[i - 1] = OID_INT8;
}

/* Prepare on the server when never prepared on this connection, or when a bind's type differs
 * from the prepared one. */
static int ensure_prepared(struct pg_stmt *p)
{
    struct pg_db *d = (struct pg_db *)p->base.db;
    bool need = !p->name[0] || p->generation != d->generation;
    for (int i = 0; !need && i < p->nparams; i++)
        need = p->types[i] && p->types[i] != p->prepared_types[i];
    if (!need)
        return 0;
    if (p->name[0] && p->generation == d->generation) {
        char sql[40];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", p->name);
        pq->PQclear(pq->PQexec(d->conn, sql));
    }
    for (int i = 0; i < p->nparams; i++)
        if (p->types[i])
            p->prepared_types[i] = p->types[i];
    snprintf(p->name, sizeof p->name, "w%u", ++d->next_name);
    PGresult *res = pq->PQprepare(d->conn, p->name, p->sql, p->nparams, p->prepared_types);
    int rc = 0;
    if (pq->PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = fail_from(&d->base, res);
        p->name[0] = '\0';
    }
    pq->PQclear(res);
    p->generation = d->generation;
    return rc;
}

/* The next batch of a streamed statement into p->res (row index before its first row). */
static int fetch_batch(struct pg_stmt *p)
{
    char sql[48];
    snprintf(sql, sizeof sql, "FETCH %d FROM %s", PG_FETCH_ROWS, p->cursor);
    pq->PQclear(p->res);
    p->res = pq->PQexec(conn_of(p->base.db), sql);
    if (pq->PQresultStatus(p->res) != PGRES_TUPLES_OK) {
        fail_from(p->base.db, p->res);
        pq->PQclear(p->res);
        p->res = NULL;
        return -1;
    }
    p->nrows = pq->PQntuples(p->res);
    p->row = -1;
    return 0;
}

/* A streamed SELECT: DECLARE a cursor WITH HOLD (so it works in and out of a transaction) with
 * the bound parameters, then FETCH a batch whenever the current one is used up. */
static int stream_step(struct pg_stmt *p)
{
    struct pg_db *d = (struct pg_db *)p->base.db;
    if (!p->executed) {
        p->executed = true;
        snprintf(p->cursor, sizeof p->cursor, "wc%u", ++d->next_name);
        size_t n = strlen(p->sql) + 64;
        char *declare = malloc(n);
        if (!declare)
            return db_set_failure(p->base.db, DB_FAIL_OTHER, "out of memory");
        snprintf(declare, n, "DECLARE %s NO SCROLL CURSOR WITH HOLD FOR %s", p->cursor, p->sql);
        PGresult *res = pq->PQexecParams(d->conn, declare, p->nparams, p->types, p->values, NULL,
                                         NULL, 0);
        free(declare);
        int ok = pq->PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            fail_from(p->base.db, res);
        pq->PQclear(res);
        if (!ok)
            return DB_ERROR;
        p->cursor_open = true;
        if (fetch_batch(p) != 0)
            return DB_ERROR;
    }
    if (!p->res)
        return DB_DONE;
    if (p->row + 1 >= p->nrows) {
        if (p->nrows < PG_FETCH_ROWS) { /* that was the last batch */
            p->row = p->nrows;
            return DB_DONE;
        }
        if (fetch_batch(p) != 0)
            return DB_ERROR;
        if (p->nrows == 0)
            return DB_DONE;
    }
    p->row++;
    return DB_ROW;
}

static int pg_step(struct db_stmt *st)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    if (p->stream)
        return stream_step(p);
    if (!p->executed) {
        p->executed = true;
        if (ensure_prepared(p) != 0)
            return DB_ERROR;
        p->res = pq->PQexecPrepared(conn_of(st->db), p->name, p->nparams, p->values, NULL, NULL, 0);
        ExecStatusType s = pq->PQresultStatus(p->res);
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
            fail_from(st->db, p->res);
            pq->PQclear(p->res);
            p->res = NULL;
            return DB_ERROR;
        }
        const char *tuples = pq->PQcmdTuples(p->res);
        st->changes = *tuples ? strtoll(tuples, NULL, 10) : 0;
        p->nrows = pq->PQntuples(p->res);
        p->row = -1;
    }
    if (!p->res)
        return DB_DONE;
    if (p->row < p->nrows)
        p->row++;
    return p->row < p->nrows ? DB_ROW : DB_DONE;
}

static const char *value(struct db_stmt *st, int i)
{
    struct pg_stmt *p = (struct pg_stmt *)st;
    if (!p->res || p->row < 0 || p->row >= p->nrows || i < 0 || i >= pq->PQnfields(p->res) ||
        pq->PQgetisnull(p->res, p->row, i))
        return NULL;
    return pq->PQgetvalue(p->res, p->row, i);
}

/* Text-format integers; booleans (from EXISTS and the like) read as 1/0. */
static int64_t pg_col_int64(struct db_stmt *st, int i)
{
    const char *v = value(st, i);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1])
        return 1;
    if (v[0] == 'f' && !v[1])
        return 0;
    return strtoll(v, NULL, 10);
}

static double pg_col_double(struct db_stmt *st, int i)
{
    const char *v = value(st, i);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
    return value(st, i);
}

static bool pg_col_null(struct db_stmt *st, int i)
{
    return value(st, i) == NULL;
}

/* READ COMMITTED: a statement sees what was committed before it started. The store makes
 * read-then-write sequences safe by updating the incident's row first (a row lock held to the
 * end of the transaction) and claims outbox rows with FOR UPDATE SKIP LOCKED. */
static int pg_begin(struct db *db)
{
    return run(db, "BEGIN");
}

static int pg_begin_read(struct db *db)
{
    return run(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

/* A COMMIT of a transaction that already failed reports success as ROLLBACK: that is a
 * failure here. A connection lost during COMMIT leaves the outcome unknown; callers that must
 * not duplicate (the journal) make the write idempotent (entry uids). */
static int pg_commit(struct db *db)
{
    PGresult *res = pq->PQexec(conn_of(db), "COMMIT");
    int rc = 0;
    if (pq->PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = fail_from(db, res);
    else if (strcmp(pq->PQcmdStatus(res), "ROLLBACK") == 0)
        rc = db_set_failure(db, DB_FAIL_OTHER, "the transaction failed and was rolled back");
    else
        db_clear_failure(db);
    pq->PQclear(res);
    return rc;
}

static void pg_rollback(struct db *db)
{
    if (pq->PQtransactionStatus(conn_of(db)) != PQTRANS_IDLE)
        pq->PQclear(pq->PQexec(conn_of(db), "ROLLBACK"));
}

static bool pg_in_transaction(struct db *db)
{
    PGTransactionStatusType t = pq->PQtransactionStatus(conn_of(db));
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* LISTEN on this schema's channel (the triggers notify 'warroom:' || schema). */
static int start_listening(struct pg_db *d)
{
    PGresult *res = pq->PQexec(d->conn, "SELECT 'warroom:' || coalesce(current_schema(), '')");
    int rc = -1;
    if (pq->PQresultStatus(res) != PGRES_TUPLES_OK || pq->PQntuples(res) != 1) {
        fail_from(&d->base, res);
        goto out;
    }
    const char *channel = pq->PQgetvalue(res, 0, 0);
    char *ident = pq->PQescapeIdentifier(d->conn, channel, strlen(channel));
    if (!ident) {
        fail_from(&d->base, NULL);
        goto out;
    }
    size_t n = strlen(ident) + 16;
    char *sql = malloc(n);
    if (sql) {
        snprintf(sql, n, "LISTEN %s", ident);
        rc = run(&d->base, sql);
        free(sql);
    } else {
        db_set_failure(&d->base, DB_FAIL_OTHER, "out of memory");
    }
    pq->PQfreemem(ident);
    if (rc == 0)
        d->listening = true;
out:
    pq->PQclear(res);
    return rc;
}

/* Read what the socket holds (no round trip to the server) and count other sessions'
 * notifications; each payload is an incident id. */
static int pg_change_counter(struct db *db, int64_t *out)
{
    struct pg_db *d = (struct pg_db *)db;
    if (!d->listening && start_listening(d) != 0)
        return -1;
    if (!pq->PQconsumeInput(d->conn))
        return fail_from(db, NULL);
    PGnotify *n;
    int self = pq->PQbackendPID(d->conn);
    while ((n = pq->PQnotifies(d->conn)) != NULL) {
        if (n->be_pid != self) {
            d->notifications++;
            char *end;
            errno = 0;
            long long id = strtoll(n->extra, &end, 10);
            if (errno == 0 && end != n->extra && *end == '\0' && id > 0)
                db_note_change(db, id);
        }
        pq->PQfreemem(n);
    }
    *out = d->notifications;
    return 0;
}

static int pg_change_fd(struct db *db)
{
    return pq->PQsocket(conn_of(db));
}

static int pg_reconnect(struct db *db)
{
    struct pg_db *d = (struct pg_db *)db;
    pq->PQreset(d->conn);
    if (pq->PQstatus(d->conn) != CONNECTION_OK)
        return fail_from(db, NULL);
    d->generation++;
    bool was_listening = d->listening;
    d->listening = false;
    if (pg_configure(db) != 0 || (was_listening && start_listening(d) != 0))
        return -1;
    /* Whatever happened while disconnected is unknown: report a change of everything. */
    d->notifications++;
    db->changed_overflow = true;
    db_clear_failure(db);
    return 0;
}

static const struct db_ops pg_ops = {
    .close = pg_close,
    .configure = pg_configure,
    .schema_version = pg_schema_version,
    .set_schema_version = pg_set_schema_version,
    .lock_schema = pg_lock_schema,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .clear = pg_clear,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_null_int64 = pg_bind_null_int64,
    .step = pg_step,
    .reset = pg_reset,
    .col_int64 = pg_col_int64,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_null = pg_col_null,
    .begin = pg_begin,
    .begin_read = pg_begin_read,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .change_counter = pg_change_counter,
    .change_fd = pg_change_fd,
    .reconnect = pg_reconnect,
};

/* libpq prints notices (e.g. "relation already exists, skipping") on stderr by default, which
 * would land on the cockpit's screen: warroom has nothing to tell the user about them. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* What to check when a connection fails, from libpq's reason: each says where to look. */
static const char *connect_hint(const char *msg)
{
    static const struct {
        const char *needle, *hint;
    } hints[] = {
        {"password", "check the password source (PGPASSWORD, ~/.pgpass, service file)"},
        {"pg_hba.conf", "the server does not accept this role from this host: its pg_hba.conf "
                        "needs a line for it (README, team mode)"},
        {"SSL", "check sslmode and sslrootcert (in the URL or the service file)"},
        {"certificate", "check sslmode and sslrootcert (in the URL or the service file)"},
        {"does not exist", "check the database and user names in the URL"},
        {"invalid", "check the URL: postgresql://[USER@]HOST[:PORT]/DBNAME[?sslmode=...]"},
        {"service", "check the service name and the service file (PGSERVICEFILE, "
                    "~/.pg_service.conf)"},
        {"refused", "check the host and port, and that the server is running"},
        {"translate host name", "check the host and port, and that the server is running"},
        {"timeout", "check the host and port, and that the server is running"},
        {"unreachable", "check the host and port, and that the server is running"},
        {"No route", "check the host and port, and that the server is running"},
        {"shutting down", "the server is stopping or starting: retry in a moment"},
        {"starting up", "the server is stopping or starting: retry in a moment"},
    };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
        if (strstr(msg, hints[i].needle))
            return hints[i].hint;
    return "check the server, the URL and the password source (PGPASSWORD, ~/.pgpass, service "
           "file)";
}

int db_target_identity(const char *target, char *out, size_t n)
{
    struct wr_error err;
    if (!pq && !(pq = libpq_load(&err)))
        return -1;
    char *perr = NULL;
    PQconninfoOption *opts = pq->PQconninfoParse(target, &perr);
    if (!opts) {
        pq->PQfreemem(perr);
        return -1;
    }
    /* What selects the server, the database, the role and its schema (options may set
     * search_path); the rest (sslmode, timeouts, the password) only changes how to get there. */
    static const char *const keys[] = {"host", "hostaddr", "port", "dbname", "user", "options",
                                       "service", NULL};
    static const char *const envs[] = {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER",
                                       "PGOPTIONS", "PGSERVICE", NULL};
    const char *vals[7] = {0};
    for (PQconninfoOption *o = opts; o->keyword; o++)
        for (int k = 0; keys[k]; k++)
            if (o->val && o->val[0] && strcmp(o->keyword, keys[k]) == 0)
                vals[k] = o->val;
    for (int k = 0; keys[k]; k++)
        if (!vals[k]) {
            const char *e = getenv(envs[k]);
            vals[k] = e && e[0] ? e : NULL;
        }
    /* libpq's own defaults: port 5432, the login name, a database named after the user. */
    const struct passwd *pw = vals[4] ? NULL : getpwuid(geteuid());
    if (!vals[2])
        vals[2] = "5432";
    if (!vals[4])
        vals[4] = pw ? pw->pw_name : "";
    if (!vals[3])
        vals[3] = vals[4];
    size_t u = 0;
    out[0] = '\0';
    for (int k = 0; keys[k] && u < n; k++) {
        int w = snprintf(out + u, n - u, "%s=%s\n", keys[k], vals[k] ? vals[k] : "");
        if (w < 0)
            break;
        u += (size_t)w;
    }
    pq->PQconninfoFree(opts);
    return u < n ? 0 : -1;
}

int db_pg_open(const char *conninfo, struct db **out, struct wr_error *err)
{
    *out = NULL;
    if (!pq && !(pq = libpq_load(err)))
        return -1;
    struct pg_db *d = calloc(1, sizeof *d);
    if (!d)
        return wr_fail(err, WR_E_NOMEM, "out of memory opening the database");
    if (db_init_base(&d->base, &pg_ops, DB_POSTGRES, conninfo) != 0) {
        pg_close(&d->base);
        return wr_fail(err, WR_E_NOMEM, "out of memory opening the database");
    }
    /* Defaults first: whatever the target says wins (expand_dbname). Passwords come only from
     * libpq's own sources: the target, PGPASSWORD, ~/.pgpass, the service file. */
    /* A laptop's link can die without a word (suspend, a dropped VPN): TCP keepalives and a
     * user timeout make libpq notice within about half a minute instead of hours, so the
     * cockpit says "reconnecting" and a blocked call fails instead of hanging its thread. */
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "keepalives",
                                "keepalives_idle", "keepalives_interval", "keepalives_count",
                                "tcp_user_timeout", "dbname", NULL};
    const char *const vals[] = {"10", "warroom", "1", "15", "5", "3", "30000", conninfo, NULL};
    d->conn = pq->PQconnectdbParams(keys, vals, 1);
    if (!d->conn || pq->PQstatus(d->conn) != CONNECTION_OK) {
        char line[400], msg[400];
        db_message_line(d->conn ? pq->PQerrorMessage(d->conn) : "out of memory", line,
                        sizeof line);
        db_mask_message(conninfo, line, msg, sizeof msg);
        wr_fail(err, WR_E_DB, "cannot connect to %s: %s; %s", d->base.display, msg,
                connect_hint(msg));
        pg_close(&d->base);
        return -1;
    }
    pq->PQsetNoticeProcessor(d->conn, ignore_notice, NULL);
    *out = &d->base;
    return 0;
}
