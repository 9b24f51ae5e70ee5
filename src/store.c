/* store.c: the SQLite store. All SQL of warroom lives in this file. */
#include "store.h"
#include "store_internal.h"

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

/*
 * Schema migrations. migrations[i] takes a database from user_version i to i+1. Never edit a
 * released step: add a new one. Each runs inside the same transaction as the version bump.
 */
static const char *const migrations[] = {
    /* 0 -> 1: the foundation tables. */
    "CREATE TABLE incidents("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  services TEXT NOT NULL DEFAULT '',"
    "  summary TEXT NOT NULL DEFAULT '',"
    "  impact TEXT NOT NULL DEFAULT '',"
    "  tags TEXT NOT NULL DEFAULT '',"
    "  phase TEXT NOT NULL DEFAULT 'DETECT',"
    "  severity INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL);"
    "CREATE TABLE milestones("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(incident_id, name)) WITHOUT ROWID;"
    "CREATE TABLE entries("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms INTEGER NOT NULL,"
    "  recorded_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  pinned INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0,"
    "  rev INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX entries_timeline ON entries(incident_id, at_ms, id);"
    /* Every revision, the original included: edits and deletions never destroy text. */
    "CREATE TABLE entry_revisions("
    "  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
    "  rev INTEGER NOT NULL,"
    "  changed_ms INTEGER NOT NULL,"
    "  author TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  text TEXT NOT NULL,"
    "  pinned INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL,"
    "  PRIMARY KEY(entry_id, rev)) WITHOUT ROWID;"
    "CREATE TABLE severity_changes("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms INTEGER NOT NULL,"
    "  severity INTEGER NOT NULL CHECK(severity BETWEEN 1 AND 4),"
    "  rationale TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL);"
    "CREATE INDEX severity_changes_incident ON severity_changes(incident_id, at_ms);"
    "CREATE TABLE role_assignments("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  at_ms INTEGER NOT NULL,"
    "  role TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL,"
    "  current INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX role_assignments_incident ON role_assignments(incident_id, role);"
    "CREATE TABLE action_items("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  type TEXT NOT NULL DEFAULT 'prevent',"
    "  description TEXT NOT NULL,"
    "  owner TEXT NOT NULL DEFAULT '',"
    "  priority TEXT NOT NULL DEFAULT 'P1',"
    "  deadline_ms INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'open',"
    "  ticket TEXT NOT NULL DEFAULT '',"
    "  source_entry_id INTEGER REFERENCES entries(id),"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL);",
    /* 1 -> 2: the outbox, the postmortem worksheet, and full-text search over timelines. */
    "CREATE TABLE outbox("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  destination TEXT NOT NULL,"
    "  template TEXT NOT NULL DEFAULT '',"
    "  subject TEXT NOT NULL DEFAULT '',"
    "  body TEXT NOT NULL,"
    "  idempotency_key TEXT NOT NULL UNIQUE,"
    "  status TEXT NOT NULL DEFAULT 'queued',"   /* queued, sending, sent, failed */
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    "  claimed_ms INTEGER,"
    "  sent_ms INTEGER,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  author TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_due ON outbox(status, next_attempt_ms);"
    "CREATE TABLE postmortem_fields("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  author TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY(incident_id, field)) WITHOUT ROWID;"
    /* Structured payload of entries warroom records itself (an SLI snapshot's values, as JSON). */
    "ALTER TABLE entries ADD COLUMN data TEXT NOT NULL DEFAULT '';"
    /* Full-text search is indexed lazily (store_fts_sync) up to a high-water mark, so appends
     * and bulk imports pay nothing for it; edits and deletes of already indexed rows keep the
     * index exact through the triggers. */
    /* The worksheet is small and rarely written: its index is kept exact by triggers. */
    "CREATE VIRTUAL TABLE postmortem_fts USING fts5(incident_id UNINDEXED, field UNINDEXED,"
    "  value);"
    "CREATE TRIGGER postmortem_fts_insert AFTER INSERT ON postmortem_fields BEGIN"
    "  INSERT INTO postmortem_fts(incident_id, field, value)"
    "  VALUES (new.incident_id, new.field, new.value); END;"
    "CREATE TRIGGER postmortem_fts_update AFTER UPDATE ON postmortem_fields BEGIN"
    "  DELETE FROM postmortem_fts WHERE incident_id = old.incident_id AND field = old.field;"
    "  INSERT INTO postmortem_fts(incident_id, field, value)"
    "  VALUES (new.incident_id, new.field, new.value); END;"
    "CREATE TRIGGER postmortem_fts_delete AFTER DELETE ON postmortem_fields BEGIN"
    "  DELETE FROM postmortem_fts WHERE incident_id = old.incident_id AND field = old.field; END;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO meta(key, value) VALUES('fts_indexed_upto', 0);"
    "CREATE VIRTUAL TABLE entries_fts USING fts5(text, content='entries', content_rowid='id');"
    "CREATE TRIGGER entries_fts_update AFTER UPDATE OF text ON entries"
    "  WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed_upto') BEGIN"
    "  INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    "  INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text); END;"
    "CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries"
    "  WHEN old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed_upto') BEGIN"
    "  INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text); END;",
    /* 2 -> 3: a globally unique id per entry (the idempotency key when an entry travels between
     * databases or waits in a journal), the incident's own time zone, and the live incident
     * facts the IC keeps current (symptom, impact, cause, mitigation, next step). */
    "ALTER TABLE entries ADD COLUMN uid TEXT;"
    "UPDATE entries SET uid = lower(hex(randomblob(16)));"
    "CREATE UNIQUE INDEX entries_uid ON entries(uid);"
    /* '' = not set: local times use the viewer's zone. Otherwise an IANA name or +-HH:MM. */
    "ALTER TABLE incidents ADD COLUMN tz TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE incident_facts("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  author TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY(incident_id, field)) WITHOUT ROWID;",
};
#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(MIGRATION_COUNT == STORE_SCHEMA_VERSION, "one migration per schema version");


/* The filter used by every timeline query, as parameters ?1..?6 (see bind_filter). */
#define ENTRY_FILTER_SQL                                                                       \
    " incident_id = ?1"                                                                        \
    " AND (?2 IS NULL OR instr(?2, ',' || kind || ',') > 0)"                                   \
    " AND (?3 IS NULL OR instr(lower(text), lower(?3)) > 0)"                                   \
    " AND (?4 IS NULL OR author = ?4)"                                                         \
    " AND (?5 = 0 OR pinned = 1)"                                                              \
    " AND (?6 = 1 OR deleted = 0)"

#define ENTRY_COLUMNS                                                                          \
    "id, incident_id, at_ms, recorded_ms, kind, author, text, pinned, deleted, rev, data, uid"

#define INCIDENT_COLUMNS                                                                       \
    "id, uid, title, services, summary, impact, tags, phase, severity, created_ms, updated_ms"

/* Every statement, prepared once on first use and kept for the life of the connection. */
#define STMT_LIST(X)                                                                           \
    X(ST_BEGIN, "BEGIN IMMEDIATE")                                                             \
    X(ST_COMMIT, "COMMIT")                                                                     \
    X(ST_ROLLBACK, "ROLLBACK")                                                                 \
    X(ST_DATA_VERSION, "PRAGMA data_version")                                                  \
    X(ST_INCIDENT_INSERT,                                                                      \
      "INSERT INTO incidents(uid, title, services, summary, impact, tags, phase, severity,"     \
      " created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)")               \
    X(ST_INCIDENT_GET, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = ?1")             \
    X(ST_INCIDENT_FIND_UID, "SELECT id FROM incidents WHERE uid = ?1")                         \
    X(ST_INCIDENT_LIST,                                                                        \
      "SELECT " INCIDENT_COLUMNS " FROM incidents i WHERE ?1 = 1 OR NOT EXISTS("              \
      " SELECT 1 FROM milestones m WHERE m.incident_id = i.id AND m.name = 'closed')"          \
      " ORDER BY EXISTS(SELECT 1 FROM milestones m WHERE m.incident_id = i.id"                 \
      " AND m.name = 'closed'), created_ms DESC, id DESC")                                     \
    X(ST_INCIDENT_UPDATE_TEXT,                                                                 \
      "UPDATE incidents SET title = ?2, services = ?3, summary = ?4, impact = ?5, tags = ?6,"  \
      " updated_ms = ?7 WHERE id = ?1")                                                        \
    X(ST_INCIDENT_SET_PHASE, "UPDATE incidents SET phase = ?2, updated_ms = ?3 WHERE id = ?1") \
    X(ST_INCIDENT_SET_SEVERITY,                                                                \
      "UPDATE incidents SET severity = ?2, updated_ms = ?3 WHERE id = ?1")                     \
    X(ST_INCIDENT_TOUCH, "UPDATE incidents SET updated_ms = ?2 WHERE id = ?1")                 \
    X(ST_MILESTONES_GET, "SELECT name, at_ms FROM milestones WHERE incident_id = ?1")          \
    X(ST_MILESTONE_SET,                                                                        \
      "INSERT INTO milestones(incident_id, name, at_ms) VALUES(?1, ?2, ?3)"                    \
      " ON CONFLICT(incident_id, name) DO UPDATE SET at_ms = excluded.at_ms")                  \
    X(ST_MILESTONE_DELETE, "DELETE FROM milestones WHERE incident_id = ?1 AND name = ?2")      \
    X(ST_ENTRY_INSERT,                                                                         \
      "INSERT INTO entries(incident_id, at_ms, recorded_ms, kind, author, text, pinned,"       \
      " deleted, rev, data, uid) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ifnull(?10, ''),"  \
      " ?11)")                                                                                 \
    X(ST_REVISION_INSERT,                                                                      \
      "INSERT INTO entry_revisions(entry_id, rev, changed_ms, author, kind, at_ms, text,"       \
      " pinned, deleted) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                          \
    X(ST_ENTRY_GET, "SELECT " ENTRY_COLUMNS " FROM entries WHERE id = ?1")                     \
    X(ST_ENTRY_UPDATE,                                                                         \
      "UPDATE entries SET kind = ?2, at_ms = ?3, text = ?4, pinned = ?5, deleted = ?6,"        \
      " rev = ?7 WHERE id = ?1")                                                               \
    X(ST_ENTRY_COUNT, "SELECT count(*) FROM entries WHERE" ENTRY_FILTER_SQL)                   \
    X(ST_ENTRY_RANK,                                                                           \
      "SELECT count(*) FROM entries WHERE" ENTRY_FILTER_SQL " AND (at_ms, id) < (?7, ?8)")     \
    X(ST_ENTRY_PAGE_FWD,                                                                       \
      "SELECT " ENTRY_COLUMNS " FROM entries WHERE" ENTRY_FILTER_SQL                           \
      " AND (at_ms, id) > (?7, ?8) ORDER BY at_ms, id LIMIT ?9")                               \
    X(ST_ENTRY_PAGE_BACK,                                                                      \
      "SELECT " ENTRY_COLUMNS " FROM entries WHERE" ENTRY_FILTER_SQL                           \
      " AND (at_ms, id) < (?7, ?8) ORDER BY at_ms DESC, id DESC LIMIT ?9")                     \
    X(ST_ENTRY_EACH,                                                                           \
      "SELECT " ENTRY_COLUMNS " FROM entries WHERE incident_id = ?1 ORDER BY at_ms, id")       \
    X(ST_HISTORY,                                                                              \
      "SELECT rev, changed_ms, author, kind, at_ms, text, pinned, deleted"                     \
      " FROM entry_revisions WHERE entry_id = ?1 ORDER BY rev")                                \
    X(ST_REVISION_EACH,                                                                        \
      "SELECT r.entry_id, r.rev, r.changed_ms, r.author, r.kind, r.at_ms, r.text, r.pinned,"   \
      " r.deleted, e.recorded_ms, e.data FROM entries e JOIN entry_revisions r ON r.entry_id = e.id"                  \
      " WHERE e.incident_id = ?1 ORDER BY e.at_ms, e.id, r.rev")                               \
    X(ST_ACTION_FROM_TODO,                                                                     \
      "INSERT INTO action_items(incident_id, description, owner, source_entry_id, created_ms,"  \
      " updated_ms) VALUES(?1, ?2, '', ?3, ?4, ?4)")                                            \
    X(ST_FTS_SYNC,                                                                             \
      "INSERT INTO entries_fts(rowid, text) SELECT id, text FROM entries WHERE id >"            \
      " (SELECT value FROM meta WHERE key = 'fts_indexed_upto') ORDER BY id")                  \
    X(ST_FTS_MARK,                                                                             \
      "UPDATE meta SET value = (SELECT ifnull(max(id), 0) FROM entries)"                       \
      " WHERE key = 'fts_indexed_upto'")                                                       \
    X(ST_SEVERITY_INSERT,                                                                      \
      "INSERT INTO severity_changes(incident_id, at_ms, severity, rationale, author)"          \
      " VALUES(?1, ?2, ?3, ?4, ?5)")                                                           \
    X(ST_SEVERITY_HISTORY,                                                                     \
      "SELECT at_ms, severity, rationale, author FROM severity_changes WHERE incident_id = ?1" \
      " ORDER BY at_ms, id")                                                                   \
    X(ST_ROLE_RELEASE,                                                                         \
      "UPDATE role_assignments SET current = 0 WHERE incident_id = ?1 AND role = ?2")          \
    X(ST_ROLE_INSERT,                                                                          \
      "INSERT INTO role_assignments(incident_id, at_ms, role, name, note, author, current)"    \
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                                   \
    X(ST_ROLE_HISTORY,                                                                         \
      "SELECT at_ms, role, name, note, author, current FROM role_assignments"                  \
      " WHERE incident_id = ?1 ORDER BY at_ms, id")                                            \
    X(ST_ROLE_HOLDERS,                                                                         \
      "SELECT name FROM role_assignments WHERE incident_id = ?1 AND role = ?2 AND current = 1" \
      " ORDER BY at_ms, id")

enum stmt_id {
#define STORE_X_ENUM(id, sql) id,
    STMT_LIST(STORE_X_ENUM)
#undef STORE_X_ENUM
        ST_COUNT
};

_Static_assert(ST_COUNT <= 64, "store.c statements fit struct store's array");

static const char *const stmt_sql[ST_COUNT] = {
#define STORE_X_SQL(id, sql) sql,
    STMT_LIST(STORE_X_SQL)
#undef STORE_X_SQL
};


/* ---- plumbing ---- */

int store_db_fail(struct store *s, struct wr_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(s->db);
    if ((code & 0xff) == SQLITE_FULL)
        return wr_fail(err, WR_E_DB, "%s: the disk is full; free space and try again", what);
    if ((code & 0xff) == SQLITE_READONLY)
        return wr_fail(err, WR_E_DB,
                       "%s: the database %s is read-only; check its permissions", what, s->path);
    if ((code & 0xff) == SQLITE_BUSY)
        return wr_fail(err, WR_E_DB,
                       "%s: the database stayed locked by another warroom for too long; retry",
                       what);
    return wr_fail(err, WR_E_DB, "%s: %s (database %s)", what, sqlite3_errmsg(s->db), s->path);
}

/* The cached statement `id`, reset and with bindings cleared. NULL on failure (err set). */
static sqlite3_stmt *stmt(struct store *s, enum stmt_id id, struct wr_error *err)
{
    if (!s->stmts[id]) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id],
                               NULL) != SQLITE_OK) {
            store_db_fail(s, err, "preparing a query");
            return NULL;
        }
    }
    sqlite3_reset(s->stmts[id]);
    sqlite3_clear_bindings(s->stmts[id]);
    return s->stmts[id];
}

void *store_array_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(arr, ncap * elem);
    if (p)
        *cap = ncap;
    return p;
}

sqlite3_stmt *store_stmt_ext(struct store *s, int slot, const char *sql, struct wr_error *err)
{
    if (slot < 0 || slot >= STORE_EXT_STMTS) {
        wr_fail(err, WR_E_FAIL, "internal error: statement slot %d out of range", slot);
        return NULL;
    }
    if (!s->ext_stmts[slot]) {
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->ext_stmts[slot],
                               NULL) != SQLITE_OK) {
            store_db_fail(s, err, "preparing a query");
            return NULL;
        }
    }
    sqlite3_reset(s->ext_stmts[slot]);
    sqlite3_clear_bindings(s->ext_stmts[slot]);
    return s->ext_stmts[slot];
}

/* Step a statement that returns no rows; resets it. */
int store_step_done(struct store *s, sqlite3_stmt *st, struct wr_error *err, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_db_fail(s, err, what);
    return 0;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

char *store_col_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

/* Begin a write transaction unless the caller already holds one. BEGIN IMMEDIATE takes the
 * write lock up front so two writers wait (busy_timeout) instead of deadlocking on upgrade;
 * the loop retries past the timeout so "database is locked" never reaches the user. */
int store_tx_begin(struct store *s, struct wr_error *err)
{
    if (s->in_tx)
        return 0;
    sqlite3_stmt *st = stmt(s, ST_BEGIN, err);
    if (!st)
        return -1;
    for (int attempt = 0;; attempt++) {
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY || attempt >= 20)
            return store_db_fail(s, err, "starting a write");
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int store_tx_commit(struct store *s, struct wr_error *err)
{
    if (s->in_tx)
        return 0;
    sqlite3_stmt *st = stmt(s, ST_COMMIT, err);
    if (!st)
        return -1;
    for (int attempt = 0;; attempt++) {
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY || attempt >= 20)
            return store_db_fail(s, err, "saving");
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void store_tx_rollback(struct store *s)
{
    if (s->in_tx || sqlite3_get_autocommit(s->db))
        return;
    sqlite3_stmt *st = stmt(s, ST_ROLLBACK, NULL);
    if (st) {
        sqlite3_step(st);
        sqlite3_reset(st);
    }
}

int store_begin(struct store *s, struct wr_error *err)
{
    if (store_tx_begin(s, err) != 0)
        return -1;
    s->in_tx = true;
    return 0;
}

int store_commit(struct store *s, struct wr_error *err)
{
    s->in_tx = false;
    if (store_tx_commit(s, err) != 0) {
        store_tx_rollback(s);
        return -1;
    }
    return 0;
}

void store_rollback(struct store *s)
{
    s->in_tx = false;
    store_tx_rollback(s);
}

/* ---- open, migrate, close ---- */

int store_default_path(char *buf, size_t n, bool create_dir, struct wr_error *err)
{
    const char *env = getenv("WARROOM_DB");
    if (env && *env) {
        if ((size_t)snprintf(buf, n, "%s", env) >= n)
            return wr_fail(err, WR_E_IO, "WARROOM_DB is too long");
        return 0;
    }
    char dir[PATH_MAX];
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(dir, sizeof dir, "%s/warroom", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.local/share/warroom", home);
    else
        return wr_fail(err, WR_E_IO, "neither XDG_DATA_HOME nor HOME is set; pass --db PATH");
    if (create_dir && wr_mkdirs(dir, 0700, err) != 0)
        return -1;
    if ((size_t)snprintf(buf, n, "%s/warroom.db", dir) >= n)
        return wr_fail(err, WR_E_IO, "database path is too long");
    return 0;
}

static int exec_sql(struct store *s, const char *sql, struct wr_error *err, const char *what)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_db_fail(s, err, what);
    return 0;
}

static int read_user_version(struct store *s, int *version, struct wr_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW)
        goto out;
    *version = sqlite3_column_int(st, 0);
    rc = 0;
out:
    if (rc != 0) {
        int code = sqlite3_errcode(s->db);
        if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
            wr_fail(err, WR_E_DB,
                    "%s is not a warroom database (not SQLite, or damaged); pass another --db",
                    s->path);
        else
            store_db_fail(s, err, "reading the schema version");
    }
    sqlite3_finalize(st);
    return rc;
}

static int migrate(struct store *s, struct wr_error *err)
{
    int version;
    if (read_user_version(s, &version, err) != 0)
        return -1;
    if (version > STORE_SCHEMA_VERSION)
        return wr_fail(err, WR_E_DB_VERSION,
                       "%s has schema version %d but this warroom knows up to %d; upgrade "
                       "warroom (the database was left untouched)",
                       s->path, version, STORE_SCHEMA_VERSION);
    if (version == STORE_SCHEMA_VERSION)
        return 0;
    if (exec_sql(s, "BEGIN IMMEDIATE", err, "upgrading the database") != 0)
        return -1;
    /* Re-read under the write lock: another process may have migrated meanwhile. */
    if (read_user_version(s, &version, err) != 0)
        goto fail;
    for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
        if (exec_sql(s, migrations[v], err, "upgrading the database schema") != 0)
            goto fail;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (exec_sql(s, sql, err, "upgrading the database schema") != 0)
            goto fail;
    }
    if (exec_sql(s, "COMMIT", err, "upgrading the database") != 0)
        goto fail;
    return 0;
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
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
        if (errno == EACCES || errno == EROFS) {
            /* Maybe readable only: let SQLite report read-only on the first write. */
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

int store_open(const char *path, struct store **out, struct wr_error *err)
{
    int rc = -1;
    *out = NULL;
    struct store *s = calloc(1, sizeof *s);
    if (!s)
        return wr_fail(err, WR_E_NOMEM, "out of memory opening the database");
    s->path = strdup(path);
    if (!s->path) {
        wr_fail(err, WR_E_NOMEM, "out of memory opening the database");
        goto out;
    }
    if (create_private_file(path, err) != 0)
        goto out;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) !=
        SQLITE_OK) {
        store_db_fail(s, err, "opening the database");
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    int version;
    /* Check the version before any pragma that writes, so a newer database stays untouched. */
    if (read_user_version(s, &version, err) != 0)
        goto out;
    if (version > STORE_SCHEMA_VERSION) {
        wr_fail(err, WR_E_DB_VERSION,
                "%s has schema version %d but this warroom knows up to %d; upgrade warroom "
                "(the database was left untouched)",
                path, version, STORE_SCHEMA_VERSION);
        goto out;
    }
    if (exec_sql(s, "PRAGMA journal_mode = WAL", err, "enabling the write-ahead log") != 0 ||
        exec_sql(s, "PRAGMA synchronous = FULL", err, "enabling durable writes") != 0 ||
        exec_sql(s, "PRAGMA foreign_keys = ON", err, "enabling foreign keys") != 0)
        goto out;
    if (migrate(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_close(&s);
    *out = s;
    return rc;
}

void store_close(struct store **sp)
{
    if (!sp || !*sp)
        return;
    struct store *s = *sp;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    for (int i = 0; i < STORE_EXT_STMTS; i++)
        sqlite3_finalize(s->ext_stmts[i]);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
    *sp = NULL;
}

const char *store_path(const struct store *s)
{
    return s->path;
}

int store_data_version(struct store *s, int64_t *out, struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_DATA_VERSION, err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return store_db_fail(s, err, "checking for changes");
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* ---- incidents ---- */

static void make_uid(char *buf, size_t n)
{
    unsigned char r[16];
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(r, 1, sizeof r, f) : 0;
    if (f)
        fclose(f);
    if (got != sizeof r) {
        uint64_t x = (uint64_t)wr_mono_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
        for (size_t i = 0; i < sizeof r; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r[i] = (unsigned char)(x >> 56);
        }
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(buf, n,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
}

static int milestone_put(struct store *s, int64_t id, enum milestone m, int64_t at,
                         struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_MILESTONE_SET, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, milestone_name(m), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    return store_step_done(s, st, err, "saving a milestone");
}

int store_incident_create(struct store *s, const struct incident *inc, int64_t *id,
                          struct wr_error *err)
{
    int rc = -1;
    char uid[40];
    if (!inc->title || !*inc->title)
        return wr_fail(err, WR_E_INPUT, "an incident needs a title");
    if (inc->uid[0])
        snprintf(uid, sizeof uid, "%s", inc->uid);
    else
        make_uid(uid, sizeof uid);
    int64_t created = inc->created_ms ? inc->created_ms : wr_now_ms();
    if (store_tx_begin(s, err) != 0)
        return -1;
    sqlite3_stmt *st = stmt(s, ST_INCIDENT_INSERT, err);
    if (!st)
        goto out;
    store_bind_text(st, 1, uid);
    store_bind_text(st, 2, inc->title);
    store_bind_text(st, 3, inc->services ? inc->services : "");
    store_bind_text(st, 4, inc->summary ? inc->summary : "");
    store_bind_text(st, 5, inc->impact ? inc->impact : "");
    store_bind_text(st, 6, inc->tags ? inc->tags : "");
    store_bind_text(st, 7, phase_name(inc->phase));
    sqlite3_bind_int(st, 8, inc->severity);
    sqlite3_bind_int64(st, 9, created);
    if (sqlite3_step(st) != SQLITE_DONE) {
        if ((sqlite3_extended_errcode(s->db)) == SQLITE_CONSTRAINT_UNIQUE)
            wr_fail(err, WR_E_CONFLICT, "an incident with uid %s already exists", uid);
        else
            store_db_fail(s, err, "creating the incident");
        sqlite3_reset(st);
        goto out;
    }
    sqlite3_reset(st);
    *id = sqlite3_last_insert_rowid(s->db);
    for (int m = 0; m < MS_COUNT; m++) {
        if (inc->milestones[m] == WR_TIME_NONE)
            continue;
        if (milestone_check_order(inc->milestones, (enum milestone)m, inc->milestones[m], err))
            goto out;
        if (milestone_put(s, *id, (enum milestone)m, inc->milestones[m], err) != 0)
            goto out;
    }
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}


int store_incident_open(struct store *s, const struct incident *inc, const char *author,
                        int64_t *id, struct wr_error *err)
{
    int rc = -1;
    bool outer = s->in_tx;
    if (store_begin(s, err) != 0)
        return -1;
    if (store_incident_create(s, inc, id, err) != 0)
        goto out;
    struct wr_buf text = {0};
    wr_buf_printf(&text, "Incident opened: %s", inc->title);
    int64_t now = wr_now_ms();
    int erc = text.oom ? wr_fail(err, WR_E_NOMEM, "out of memory")
                       : store_system_entry(s, *id, KIND_MILESTONE, now, author, text.data, err);
    wr_buf_free(&text);
    if (erc != 0)
        goto out;
    rc = 0;
out:
    if (outer)
        return rc;
    if (rc != 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

int store_incident_reopen(struct store *s, int64_t incident_id, const char *author,
                          struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    if (!incident_is_open(&inc)) {
        sqlite3_stmt *st = stmt(s, ST_MILESTONE_DELETE, err);
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, incident_id);
        sqlite3_bind_text(st, 2, milestone_name(MS_CLOSED), -1, SQLITE_STATIC);
        if (store_step_done(s, st, err, "reopening the incident") != 0 ||
            store_touch_incident(s, incident_id, err) != 0 ||
            store_system_entry(s, incident_id, KIND_MILESTONE, wr_now_ms(), author,
                         "Incident reopened (the closed milestone was cleared)", err) != 0)
            goto out;
    }
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    incident_clear(&inc);
    return rc;
}

static void read_incident_row(sqlite3_stmt *st, struct incident *out)
{
    incident_init(out);
    out->id = sqlite3_column_int64(st, 0);
    const unsigned char *uid = sqlite3_column_text(st, 1);
    snprintf(out->uid, sizeof out->uid, "%s", uid ? (const char *)uid : "");
    out->title = store_col_strdup(st, 2);
    out->services = store_col_strdup(st, 3);
    out->summary = store_col_strdup(st, 4);
    out->impact = store_col_strdup(st, 5);
    out->tags = store_col_strdup(st, 6);
    const unsigned char *ph = sqlite3_column_text(st, 7);
    int p = phase_from_name(ph ? (const char *)ph : "");
    out->phase = p < 0 ? PHASE_DETECT : (enum phase)p;
    out->severity = sqlite3_column_int(st, 8);
    out->created_ms = sqlite3_column_int64(st, 9);
    out->updated_ms = sqlite3_column_int64(st, 10);
}

static int load_milestones(struct store *s, struct incident *inc, struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_MILESTONES_GET, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, inc->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int m = milestone_from_name((const char *)sqlite3_column_text(st, 0));
        if (m >= 0)
            inc->milestones[m] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_db_fail(s, err, "reading milestones");
}

int store_incident_get(struct store *s, int64_t id, struct incident *out, struct wr_error *err)
{
    incident_init(out);
    sqlite3_stmt *st = stmt(s, ST_INCIDENT_GET, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return wr_fail(err, WR_E_NOT_FOUND,
                       "no incident %lld in %s; `warroom list --all` shows the ids", (long long)id,
                       s->path);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return store_db_fail(s, err, "reading the incident");
    }
    read_incident_row(st, out);
    sqlite3_reset(st);
    if (!out->title || !out->services || !out->summary || !out->impact || !out->tags) {
        incident_clear(out);
        return wr_fail(err, WR_E_NOMEM, "out of memory reading incident %lld", (long long)id);
    }
    if (load_milestones(s, out, err) != 0) {
        incident_clear(out);
        return -1;
    }
    return 0;
}

int store_incident_find_uid(struct store *s, const char *uid, int64_t *id, struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_INCIDENT_FIND_UID, err);
    if (!st)
        return -1;
    store_bind_text(st, 1, uid);
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_fail(s, err, "looking up an incident");
    return 0;
}

int store_incident_list(struct store *s, bool all, struct incident **out, size_t *n,
                        struct wr_error *err)
{
    int rc = -1;
    size_t count = 0, cap = 0;
    struct incident *arr = NULL;
    sqlite3_stmt *st = stmt(s, ST_INCIDENT_LIST, err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, all ? 1 : 0);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        void *grown = store_array_grow(arr, &cap, count + 1, sizeof *arr);
        if (!grown) {
            wr_fail(err, WR_E_NOMEM, "out of memory listing incidents");
            goto out;
        }
        arr = grown;
        read_incident_row(st, &arr[count++]);
    }
    if (step != SQLITE_DONE) {
        store_db_fail(s, err, "listing incidents");
        goto out;
    }
    sqlite3_reset(st);
    for (size_t i = 0; i < count; i++)
        if (load_milestones(s, &arr[i], err) != 0)
            goto out;
    rc = 0;
out:
    sqlite3_reset(st);
    if (rc != 0) {
        store_incidents_free(&arr, count);
        count = 0;
    }
    *out = arr;
    *n = count;
    return rc;
}

void store_incidents_free(struct incident **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        incident_clear(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

int store_incident_update_text(struct store *s, const struct incident *inc,
                               struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_INCIDENT_UPDATE_TEXT, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, inc->id);
    store_bind_text(st, 2, inc->title ? inc->title : "");
    store_bind_text(st, 3, inc->services ? inc->services : "");
    store_bind_text(st, 4, inc->summary ? inc->summary : "");
    store_bind_text(st, 5, inc->impact ? inc->impact : "");
    store_bind_text(st, 6, inc->tags ? inc->tags : "");
    sqlite3_bind_int64(st, 7, wr_now_ms());
    if (store_step_done(s, st, err, "updating the incident") != 0)
        return -1;
    if (sqlite3_changes(s->db) == 0)
        return wr_fail(err, WR_E_NOT_FOUND, "no incident %lld", (long long)inc->id);
    return 0;
}

/* ---- timeline ---- */

static int revision_insert(struct store *s, int64_t entry_id, const struct entry_revision *r,
                           struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_REVISION_INSERT, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, entry_id);
    sqlite3_bind_int(st, 2, r->rev);
    sqlite3_bind_int64(st, 3, r->changed_ms);
    store_bind_text(st, 4, r->author);
    store_bind_text(st, 5, kind_name(r->kind));
    sqlite3_bind_int64(st, 6, r->at_ms);
    store_bind_text(st, 7, r->text);
    sqlite3_bind_int(st, 8, r->pinned);
    sqlite3_bind_int(st, 9, r->deleted);
    return store_step_done(s, st, err, "saving the entry's history");
}

static int check_text(const char *text, struct wr_error *err)
{
    if (!text || !*text)
        return wr_fail(err, WR_E_INPUT, "the entry text is empty; type what happened");
    size_t len = strlen(text);
    if (len > WR_TEXT_MAX)
        return wr_fail(err, WR_E_INPUT,
                       "the entry is %zu bytes, over the %d KiB limit; split it or attach a file "
                       "path instead",
                       len, WR_TEXT_MAX / 1024);
    if (!wr_utf8_valid(text, len))
        return wr_fail(err, WR_E_INPUT, "the entry is not valid UTF-8; check the terminal's "
                                        "encoding (LANG) or the file's");
    return 0;
}

/* Insert the entry row and its first revision; inside a transaction. */
static int entry_insert(struct store *s, struct entry *e, struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_ENTRY_INSERT, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, e->incident_id);
    sqlite3_bind_int64(st, 2, e->at_ms);
    sqlite3_bind_int64(st, 3, e->recorded_ms);
    store_bind_text(st, 4, kind_name(e->kind));
    store_bind_text(st, 5, e->author);
    store_bind_text(st, 6, e->text);
    sqlite3_bind_int(st, 7, e->pinned);
    sqlite3_bind_int(st, 8, e->deleted);
    sqlite3_bind_int(st, 9, e->rev);
    store_bind_text(st, 10, e->data);
    if (!e->uid[0])
        wr_uid_new(e->uid, sizeof e->uid);
    store_bind_text(st, 11, e->uid);
    if (sqlite3_step(st) != SQLITE_DONE) {
        int ext = sqlite3_extended_errcode(s->db);
        sqlite3_reset(st);
        if (ext == SQLITE_CONSTRAINT_UNIQUE)
            return wr_fail(err, WR_E_CONFLICT, "an entry with uid %s is already saved", e->uid);
        if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
            return wr_fail(err, WR_E_NOT_FOUND, "no incident %lld; `warroom list` shows the ids",
                           (long long)e->incident_id);
        return store_db_fail(s, err, "saving the entry");
    }
    sqlite3_reset(st);
    e->id = sqlite3_last_insert_rowid(s->db);
    struct entry_revision r = {.rev = e->rev, .changed_ms = e->recorded_ms,
                               .author = e->author, .text = e->text, .kind = e->kind,
                               .at_ms = e->at_ms, .pinned = e->pinned, .deleted = e->deleted};
    return revision_insert(s, e->id, &r, err);
}

int store_touch_incident(struct store *s, int64_t incident_id, struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_INCIDENT_TOUCH, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int64(st, 2, wr_now_ms());
    if (store_step_done(s, st, err, "updating the incident") != 0)
        return -1;
    if (sqlite3_changes(s->db) == 0)
        return wr_fail(err, WR_E_NOT_FOUND, "no incident %lld; `warroom list` shows the ids",
                       (long long)incident_id);
    return 0;
}

int store_entry_append(struct store *s, struct entry *e, struct wr_error *err)
{
    int rc = -1;
    if (check_text(e->text, err) != 0)
        return -1;
    if (!e->author || !*e->author)
        return wr_fail(err, WR_E_INPUT, "an entry needs an author");
    e->recorded_ms = wr_now_ms();
    if (e->at_ms == 0 || e->at_ms == WR_TIME_NONE)
        e->at_ms = e->recorded_ms;
    e->rev = 1;
    e->deleted = false;
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_touch_incident(s, e->incident_id, err) != 0 || entry_insert(s, e, err) != 0)
        goto out;
    if (e->kind == KIND_TODO) {
        /* A TODO: line is an action item from the moment it is saved (postmortem §6). */
        sqlite3_stmt *st = stmt(s, ST_ACTION_FROM_TODO, err);
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, e->incident_id);
        store_bind_text(st, 2, e->text);
        sqlite3_bind_int64(st, 3, e->id);
        sqlite3_bind_int64(st, 4, e->recorded_ms);
        if (store_step_done(s, st, err, "recording the action item") != 0)
            goto out;
    }
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0) {
        store_tx_rollback(s);
        e->id = 0;
    }
    return rc;
}

static void read_entry_row(sqlite3_stmt *st, struct entry *e)
{
    entry_init(e);
    e->id = sqlite3_column_int64(st, 0);
    e->incident_id = sqlite3_column_int64(st, 1);
    e->at_ms = sqlite3_column_int64(st, 2);
    e->recorded_ms = sqlite3_column_int64(st, 3);
    int k = kind_from_name((const char *)sqlite3_column_text(st, 4));
    e->kind = k < 0 ? KIND_NOTE : (enum entry_kind)k;
    e->author = store_col_strdup(st, 5);
    e->text = store_col_strdup(st, 6);
    e->pinned = sqlite3_column_int(st, 7) != 0;
    e->deleted = sqlite3_column_int(st, 8) != 0;
    e->rev = sqlite3_column_int(st, 9);
    const unsigned char *data = sqlite3_column_text(st, 10);
    e->data = data && *data ? strdup((const char *)data) : NULL;
    const unsigned char *uid = sqlite3_column_text(st, 11);
    snprintf(e->uid, sizeof e->uid, "%s", uid ? (const char *)uid : "");
}

int store_entry_get(struct store *s, int64_t entry_id, struct entry *out, struct wr_error *err)
{
    entry_init(out);
    sqlite3_stmt *st = stmt(s, ST_ENTRY_GET, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, entry_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_entry_row(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return wr_fail(err, WR_E_NOT_FOUND, "no entry %lld; `warroom show ID` lists entry ids",
                       (long long)entry_id);
    if (rc != SQLITE_ROW)
        return store_db_fail(s, err, "reading the entry");
    if (!out->author || !out->text) {
        entry_clear(out);
        return wr_fail(err, WR_E_NOMEM, "out of memory reading an entry");
    }
    return 0;
}

/* Write a new revision of an entry: the change is applied to *cur by the caller. */
static int entry_revise(struct store *s, struct entry *cur, const char *author,
                        struct wr_error *err)
{
    cur->rev++;
    sqlite3_stmt *st = stmt(s, ST_ENTRY_UPDATE, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, cur->id);
    store_bind_text(st, 2, kind_name(cur->kind));
    sqlite3_bind_int64(st, 3, cur->at_ms);
    store_bind_text(st, 4, cur->text);
    sqlite3_bind_int(st, 5, cur->pinned);
    sqlite3_bind_int(st, 6, cur->deleted);
    sqlite3_bind_int(st, 7, cur->rev);
    if (store_step_done(s, st, err, "saving the change") != 0)
        return -1;
    struct entry_revision r = {.rev = cur->rev, .changed_ms = wr_now_ms(),
                               .author = (char *)author, .text = cur->text, .kind = cur->kind,
                               .at_ms = cur->at_ms, .pinned = cur->pinned,
                               .deleted = cur->deleted};
    if (revision_insert(s, cur->id, &r, err) != 0)
        return -1;
    return store_touch_incident(s, cur->incident_id, err);
}

enum revise_op { REVISE_TEXT, REVISE_PIN, REVISE_DELETE };

static int revise(struct store *s, int64_t incident_id, int64_t entry_id, enum revise_op op,
                  const char *text, bool pin, const char *author, struct wr_error *err)
{
    int rc = -1;
    struct entry cur;
    entry_init(&cur);
    if (op == REVISE_TEXT && check_text(text, err) != 0)
        return -1;
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_entry_get(s, entry_id, &cur, err) != 0)
        goto out;
    if (cur.incident_id != incident_id) {
        wr_fail(err, WR_E_NOT_FOUND,
                "entry %lld belongs to incident %lld, not %lld; check both ids",
                (long long)entry_id, (long long)cur.incident_id, (long long)incident_id);
        goto out;
    }
    if (cur.deleted) {
        wr_fail(err, WR_E_CONFLICT, "entry %lld was deleted; its history is kept but it cannot "
                                    "be changed", (long long)entry_id);
        goto out;
    }
    switch (op) {
    case REVISE_TEXT: {
        char *copy = strdup(text);
        if (!copy) {
            wr_fail(err, WR_E_NOMEM, "out of memory");
            goto out;
        }
        free(cur.text);
        cur.text = copy;
        break;
    }
    case REVISE_PIN: cur.pinned = pin; break;
    case REVISE_DELETE: cur.deleted = true; break;
    }
    if (entry_revise(s, &cur, author, err) != 0 || store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    entry_clear(&cur);
    return rc;
}

int store_entry_edit(struct store *s, int64_t incident_id, int64_t entry_id, const char *text,
                     const char *author, struct wr_error *err)
{
    return revise(s, incident_id, entry_id, REVISE_TEXT, text, false, author, err);
}

int store_entry_pin(struct store *s, int64_t incident_id, int64_t entry_id, bool pinned,
                    const char *author, struct wr_error *err)
{
    return revise(s, incident_id, entry_id, REVISE_PIN, NULL, pinned, author, err);
}

int store_entry_delete(struct store *s, int64_t incident_id, int64_t entry_id,
                       const char *author, struct wr_error *err)
{
    return revise(s, incident_id, entry_id, REVISE_DELETE, NULL, false, author, err);
}

/* Bind ?1..?6 from a filter. kinds_buf receives the ",a,b," list for the kinds mask. */
static void bind_filter(sqlite3_stmt *st, int64_t incident_id, const struct entry_filter *f,
                        char *kinds_buf, size_t kinds_n)
{
    static const struct entry_filter none = {0};
    if (!f)
        f = &none;
    sqlite3_bind_int64(st, 1, incident_id);
    if (f->kinds) {
        size_t used = 0;
        kinds_buf[0] = '\0';
        for (int k = 0; k < KIND_COUNT; k++)
            if (f->kinds & (1u << k)) {
                int w = snprintf(kinds_buf + used, kinds_n - used, ",%s", kind_name(k));
                if (w > 0 && (size_t)w < kinds_n - used)
                    used += (size_t)w;
            }
        if (used + 2 < kinds_n) {
            kinds_buf[used++] = ',';
            kinds_buf[used] = '\0';
        }
        sqlite3_bind_text(st, 2, kinds_buf, -1, SQLITE_STATIC);
    }
    if (f->text && *f->text)
        sqlite3_bind_text(st, 3, f->text, -1, SQLITE_STATIC);
    if (f->author && *f->author)
        sqlite3_bind_text(st, 4, f->author, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, f->pinned_only ? 1 : 0);
    sqlite3_bind_int(st, 6, f->include_deleted ? 1 : 0);
}

static int count_query(struct store *s, enum stmt_id id, int64_t incident_id,
                       const struct entry_filter *f, int64_t key_at, int64_t key_id,
                       int64_t *count, struct wr_error *err)
{
    char kinds[256];
    sqlite3_stmt *st = stmt(s, id, err);
    if (!st)
        return -1;
    bind_filter(st, incident_id, f, kinds, sizeof kinds);
    if (id == ST_ENTRY_RANK) {
        sqlite3_bind_int64(st, 7, key_at);
        sqlite3_bind_int64(st, 8, key_id);
    }
    int rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : store_db_fail(s, err, "counting entries");
}

int store_entry_count(struct store *s, int64_t incident_id, const struct entry_filter *f,
                      int64_t *count, struct wr_error *err)
{
    return count_query(s, ST_ENTRY_COUNT, incident_id, f, 0, 0, count, err);
}

int store_entry_rank(struct store *s, int64_t incident_id, const struct entry_filter *f,
                     int64_t key_at, int64_t key_id, int64_t *rank, struct wr_error *err)
{
    return count_query(s, ST_ENTRY_RANK, incident_id, f, key_at, key_id, rank, err);
}

int store_entry_page(struct store *s, int64_t incident_id, const struct entry_filter *f,
                     int64_t key_at, int64_t key_id, bool forward, size_t limit,
                     struct entry **out, size_t *n, struct wr_error *err)
{
    int rc = -1;
    char kinds[256];
    size_t count = 0;
    struct entry *arr = NULL;
    *out = NULL;
    *n = 0;
    if (limit == 0)
        return 0;
    arr = calloc(limit, sizeof *arr);
    if (!arr)
        return wr_fail(err, WR_E_NOMEM, "out of memory reading the timeline");
    sqlite3_stmt *st = stmt(s, forward ? ST_ENTRY_PAGE_FWD : ST_ENTRY_PAGE_BACK, err);
    if (!st)
        goto out;
    bind_filter(st, incident_id, f, kinds, sizeof kinds);
    sqlite3_bind_int64(st, 7, key_at);
    sqlite3_bind_int64(st, 8, key_id);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)limit);
    int step;
    while (count < limit && (step = sqlite3_step(st)) == SQLITE_ROW)
        read_entry_row(st, &arr[count++]);
    if (count < limit && step != SQLITE_DONE) {
        store_db_fail(s, err, "reading the timeline");
        goto out;
    }
    if (!forward) /* fetched newest-first; hand back in timeline order */
        for (size_t i = 0; i < count / 2; i++) {
            struct entry tmp = arr[i];
            arr[i] = arr[count - 1 - i];
            arr[count - 1 - i] = tmp;
        }
    for (size_t i = 0; i < count; i++)
        if (!arr[i].author || !arr[i].text) {
            wr_fail(err, WR_E_NOMEM, "out of memory reading the timeline");
            goto out;
        }
    rc = 0;
out:
    if (st)
        sqlite3_reset(st);
    if (rc != 0 || count == 0) {
        store_entries_free(&arr, count);
        count = 0;
    }
    *out = arr;
    *n = count;
    return rc;
}

void store_entries_free(struct entry **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        entry_clear(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

static void read_revision_row(sqlite3_stmt *st, int first, struct entry_revision *r)
{
    memset(r, 0, sizeof *r);
    r->rev = sqlite3_column_int(st, first);
    r->changed_ms = sqlite3_column_int64(st, first + 1);
    r->author = store_col_strdup(st, first + 2);
    int k = kind_from_name((const char *)sqlite3_column_text(st, first + 3));
    r->kind = k < 0 ? KIND_NOTE : (enum entry_kind)k;
    r->at_ms = sqlite3_column_int64(st, first + 4);
    r->text = store_col_strdup(st, first + 5);
    r->pinned = sqlite3_column_int(st, first + 6) != 0;
    r->deleted = sqlite3_column_int(st, first + 7) != 0;
}

static void revision_clear(struct entry_revision *r)
{
    free(r->author);
    free(r->text);
    memset(r, 0, sizeof *r);
}

int store_entry_history(struct store *s, int64_t entry_id, struct entry_revision **out,
                        size_t *n, struct wr_error *err)
{
    int rc = -1;
    size_t count = 0, cap = 0;
    struct entry_revision *arr = NULL;
    sqlite3_stmt *st = stmt(s, ST_HISTORY, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, entry_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        void *grown = store_array_grow(arr, &cap, count + 1, sizeof *arr);
        if (!grown) {
            wr_fail(err, WR_E_NOMEM, "out of memory reading history");
            goto out;
        }
        arr = grown;
        read_revision_row(st, 0, &arr[count++]);
    }
    if (step != SQLITE_DONE) {
        store_db_fail(s, err, "reading history");
        goto out;
    }
    if (count == 0) {
        wr_fail(err, WR_E_NOT_FOUND, "no entry %lld", (long long)entry_id);
        goto out;
    }
    rc = 0;
out:
    sqlite3_reset(st);
    if (rc != 0) {
        store_revisions_free(&arr, count);
        count = 0;
    }
    *out = arr;
    *n = count;
    return rc;
}

void store_revisions_free(struct entry_revision **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        revision_clear(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

int store_entry_each(struct store *s, int64_t incident_id, store_entry_fn fn, void *ctx,
                     struct wr_error *err)
{
    /* A private statement: callbacks may run other store queries meanwhile. */
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, stmt_sql[ST_ENTRY_EACH], -1, &st, NULL) != SQLITE_OK)
        return store_db_fail(s, err, "reading the timeline");
    sqlite3_bind_int64(st, 1, incident_id);
    int step;
    struct entry e;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        read_entry_row(st, &e);
        int stop = fn(&e, ctx);
        entry_clear(&e);
        if (stop) {
            rc = 0;
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        store_db_fail(s, err, "reading the timeline");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int store_revision_each(struct store *s, int64_t incident_id, store_revision_fn fn, void *ctx,
                        struct wr_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db, stmt_sql[ST_REVISION_EACH], -1, &st, NULL) != SQLITE_OK)
        return store_db_fail(s, err, "reading the timeline history");
    sqlite3_bind_int64(st, 1, incident_id);
    int step;
    struct entry_revision r;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        read_revision_row(st, 1, &r);
        int stop = fn(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 9),
                      (const char *)sqlite3_column_text(st, 10), &r, ctx);
        revision_clear(&r);
        if (stop) {
            rc = 0;
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        store_db_fail(s, err, "reading the timeline history");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int store_entry_import(struct store *s, int64_t incident_id, int64_t recorded_ms,
                       const char *data, const struct entry_revision *revs, size_t n,
                       struct wr_error *err)
{
    int rc = -1;
    if (n == 0)
        return wr_fail(err, WR_E_INPUT, "an entry without revisions cannot be imported");
    for (size_t i = 0; i < n; i++)
        if (check_text(revs[i].text, err) != 0)
            return -1;
    const struct entry_revision *last = &revs[n - 1];
    struct entry e = {.incident_id = incident_id, .at_ms = last->at_ms,
                      .recorded_ms = recorded_ms, .kind = last->kind,
                      .author = revs[0].author, .text = last->text, .pinned = last->pinned,
                      .deleted = last->deleted, .rev = last->rev};
    if (store_tx_begin(s, err) != 0)
        return -1;
    sqlite3_stmt *st = stmt(s, ST_ENTRY_INSERT, err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, e.incident_id);
    sqlite3_bind_int64(st, 2, e.at_ms);
    sqlite3_bind_int64(st, 3, e.recorded_ms);
    store_bind_text(st, 4, kind_name(e.kind));
    store_bind_text(st, 5, e.author);
    store_bind_text(st, 6, e.text);
    sqlite3_bind_int(st, 7, e.pinned);
    sqlite3_bind_int(st, 8, e.deleted);
    sqlite3_bind_int(st, 9, e.rev);
    store_bind_text(st, 10, data);
    wr_uid_new(e.uid, sizeof e.uid);
    store_bind_text(st, 11, e.uid);
    if (store_step_done(s, st, err, "importing an entry") != 0)
        goto out;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    for (size_t i = 0; i < n; i++)
        if (revision_insert(s, id, &revs[i], err) != 0)
            goto out;
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

/* ---- state changes ---- */

/* Append a system entry inside the current transaction. */
int store_system_entry(struct store *s, int64_t incident_id, enum entry_kind kind, int64_t at,
                        const char *author, const char *text, struct wr_error *err)
{
    struct entry e = {.incident_id = incident_id, .at_ms = at, .recorded_ms = wr_now_ms(),
                      .kind = kind, .author = (char *)author, .text = (char *)text, .rev = 1};
    return entry_insert(s, &e, err);
}

int store_milestone_set(struct store *s, int64_t incident_id, enum milestone m, int64_t at,
                        const char *author, struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    if (milestone_check_order(inc.milestones, m, at, err) != 0)
        goto out;
    if (milestone_put(s, incident_id, m, at, err) != 0 || store_touch_incident(s, incident_id, err))
        goto out;
    char text[128];
    snprintf(text, sizeof text, "%s %s", inc.milestones[m] == WR_TIME_NONE ? "Milestone" : "Moved milestone",
             milestone_name(m));
    if (store_system_entry(s, incident_id, KIND_MILESTONE, at, author, text, err) != 0)
        goto out;
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    incident_clear(&inc);
    return rc;
}

int store_phase_set(struct store *s, int64_t incident_id, enum phase p, int64_t at,
                    const char *author, struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    sqlite3_stmt *st = stmt(s, ST_INCIDENT_SET_PHASE, err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, incident_id);
    store_bind_text(st, 2, phase_name(p));
    sqlite3_bind_int64(st, 3, wr_now_ms());
    if (store_step_done(s, st, err, "changing the phase") != 0)
        goto out;
    char text[128];
    snprintf(text, sizeof text, "Phase %s → %s", phase_name(inc.phase), phase_name(p));
    if (store_system_entry(s, incident_id, KIND_PHASE, at, author, text, err) != 0)
        goto out;
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    incident_clear(&inc);
    return rc;
}

int store_severity_set(struct store *s, int64_t incident_id, int sev, const char *rationale,
                       int64_t at, const char *author, struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    if (sev < 1 || sev > 4)
        return wr_fail(err, WR_E_INPUT, "severity must be SEV1..SEV4");
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    sqlite3_stmt *st = stmt(s, ST_SEVERITY_INSERT, err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_int(st, 3, sev);
    store_bind_text(st, 4, rationale ? rationale : "");
    store_bind_text(st, 5, author);
    if (store_step_done(s, st, err, "recording the severity") != 0)
        goto out;
    st = stmt(s, ST_INCIDENT_SET_SEVERITY, err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int(st, 2, sev);
    sqlite3_bind_int64(st, 3, wr_now_ms());
    if (store_step_done(s, st, err, "recording the severity") != 0)
        goto out;
    struct wr_buf text = {0};
    if (inc.severity)
        wr_buf_printf(&text, "Severity SEV%d → SEV%d", inc.severity, sev);
    else
        wr_buf_printf(&text, "Severity set to SEV%d", sev);
    if (rationale && *rationale)
        wr_buf_printf(&text, ": %s", rationale);
    int erc = text.oom ? wr_fail(err, WR_E_NOMEM, "out of memory")
                       : store_system_entry(s, incident_id, KIND_SEVERITY, at, author, text.data, err);
    wr_buf_free(&text);
    if (erc != 0 || store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    incident_clear(&inc);
    return rc;
}

int store_role_assign(struct store *s, int64_t incident_id, enum role role, const char *name,
                      const char *note, int64_t at, const char *author, struct wr_error *err)
{
    int rc = -1;
    bool release = !name || !*name;
    char before[512] = "";
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_touch_incident(s, incident_id, err) != 0)
        goto out;
    if (store_role_holder(s, incident_id, role, before, sizeof before, err) != 0)
        goto out;
    if (role != ROLE_SME || release) {
        sqlite3_stmt *st = stmt(s, ST_ROLE_RELEASE, err);
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, incident_id);
        store_bind_text(st, 2, role_key(role));
        if (store_step_done(s, st, err, "assigning the role") != 0)
            goto out;
    }
    sqlite3_stmt *st = stmt(s, ST_ROLE_INSERT, err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int64(st, 2, at);
    store_bind_text(st, 3, role_key(role));
    store_bind_text(st, 4, release ? "" : name);
    store_bind_text(st, 5, note ? note : "");
    store_bind_text(st, 6, author);
    sqlite3_bind_int(st, 7, release ? 0 : 1);
    if (store_step_done(s, st, err, "assigning the role") != 0)
        goto out;
    struct wr_buf text = {0};
    if (release)
        wr_buf_printf(&text, "%s released%s%s", role_title(role), *before ? " by " : "", before);
    else if (*before && role != ROLE_SME)
        wr_buf_printf(&text, "%s handed off from %s to %s", role_title(role), before, name);
    else
        wr_buf_printf(&text, "%s: %s", role_title(role), name);
    if (note && *note)
        wr_buf_printf(&text, " (note: %s)", note);
    int erc = text.oom ? wr_fail(err, WR_E_NOMEM, "out of memory")
                       : store_system_entry(s, incident_id, KIND_ROLE, at, author, text.data, err);
    wr_buf_free(&text);
    if (erc != 0 || store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

int store_severity_history(struct store *s, int64_t incident_id, struct severity_change **out,
                           size_t *n, struct wr_error *err)
{
    int rc = -1;
    size_t count = 0, cap = 0;
    struct severity_change *arr = NULL;
    sqlite3_stmt *st = stmt(s, ST_SEVERITY_HISTORY, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, incident_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        void *grown = store_array_grow(arr, &cap, count + 1, sizeof *arr);
        if (!grown) {
            wr_fail(err, WR_E_NOMEM, "out of memory");
            goto out;
        }
        arr = grown;
        struct severity_change *c = &arr[count++];
        c->at_ms = sqlite3_column_int64(st, 0);
        c->severity = sqlite3_column_int(st, 1);
        c->rationale = store_col_strdup(st, 2);
        c->author = store_col_strdup(st, 3);
    }
    if (step != SQLITE_DONE) {
        store_db_fail(s, err, "reading severity history");
        goto out;
    }
    rc = 0;
out:
    sqlite3_reset(st);
    if (rc != 0) {
        store_severity_history_free(&arr, count);
        count = 0;
    }
    *out = arr;
    *n = count;
    return rc;
}

void store_severity_history_free(struct severity_change **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*arr)[i].rationale);
        free((*arr)[i].author);
    }
    free(*arr);
    *arr = NULL;
}

int store_role_history(struct store *s, int64_t incident_id, struct role_assignment **out,
                       size_t *n, struct wr_error *err)
{
    int rc = -1;
    size_t count = 0, cap = 0;
    struct role_assignment *arr = NULL;
    sqlite3_stmt *st = stmt(s, ST_ROLE_HISTORY, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, incident_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        void *grown = store_array_grow(arr, &cap, count + 1, sizeof *arr);
        if (!grown) {
            wr_fail(err, WR_E_NOMEM, "out of memory");
            goto out;
        }
        arr = grown;
        struct role_assignment *a = &arr[count++];
        a->at_ms = sqlite3_column_int64(st, 0);
        int r = role_from_name((const char *)sqlite3_column_text(st, 1));
        a->role = r < 0 ? ROLE_SME : (enum role)r;
        a->name = store_col_strdup(st, 2);
        a->note = store_col_strdup(st, 3);
        a->author = store_col_strdup(st, 4);
        a->current = sqlite3_column_int(st, 5) != 0;
    }
    if (step != SQLITE_DONE) {
        store_db_fail(s, err, "reading roles");
        goto out;
    }
    rc = 0;
out:
    sqlite3_reset(st);
    if (rc != 0) {
        store_role_history_free(&arr, count);
        count = 0;
    }
    *out = arr;
    *n = count;
    return rc;
}

void store_role_history_free(struct role_assignment **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*arr)[i].name);
        free((*arr)[i].note);
        free((*arr)[i].author);
    }
    free(*arr);
    *arr = NULL;
}

int store_role_holder(struct store *s, int64_t incident_id, enum role role, char *buf, size_t n,
                      struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_ROLE_HOLDERS, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, incident_id);
    store_bind_text(st, 2, role_key(role));
    size_t used = 0;
    if (n)
        buf[0] = '\0';
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", name ? name : "");
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        return store_db_fail(s, err, "reading roles");
    return 0;
}

int store_severity_import(struct store *s, int64_t incident_id, const struct severity_change *c,
                          struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_SEVERITY_INSERT, err);
    if (!st)
        return -1;
    if (c->severity < 1 || c->severity > 4)
        return wr_fail(err, WR_E_INPUT, "severity history holds %d; expected 1..4", c->severity);
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int64(st, 2, c->at_ms);
    sqlite3_bind_int(st, 3, c->severity);
    store_bind_text(st, 4, c->rationale ? c->rationale : "");
    store_bind_text(st, 5, c->author && *c->author ? c->author : MODEL_SYSTEM_AUTHOR);
    return store_step_done(s, st, err, "importing severity history");
}

int store_role_import(struct store *s, int64_t incident_id, const struct role_assignment *a,
                      struct wr_error *err)
{
    sqlite3_stmt *st = stmt(s, ST_ROLE_INSERT, err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int64(st, 2, a->at_ms);
    store_bind_text(st, 3, role_key(a->role));
    store_bind_text(st, 4, a->name ? a->name : "");
    store_bind_text(st, 5, a->note ? a->note : "");
    store_bind_text(st, 6, a->author && *a->author ? a->author : MODEL_SYSTEM_AUTHOR);
    sqlite3_bind_int(st, 7, a->current ? 1 : 0);
    return store_step_done(s, st, err, "importing roles");
}

int store_entry_append_data(struct store *s, int64_t incident_id, enum entry_kind kind,
                            int64_t at, const char *author, const char *text, const char *data,
                            int64_t *id, struct wr_error *err)
{
    int rc = -1;
    if (!text || !*text || !wr_utf8_valid(text, strlen(text)) ||
        (data && !wr_utf8_valid(data, strlen(data))))
        return wr_fail(err, WR_E_INPUT, "a recorded entry needs valid UTF-8 text");
    if (store_tx_begin(s, err) != 0)
        return -1;
    struct entry e = {.incident_id = incident_id, .at_ms = at, .recorded_ms = wr_now_ms(),
                      .kind = kind, .author = (char *)author, .text = (char *)text,
                      .data = (char *)data, .rev = 1};
    if (store_touch_incident(s, incident_id, err) != 0 || entry_insert(s, &e, err) != 0 ||
        store_tx_commit(s, err) != 0)
        goto out;
    if (id)
        *id = e.id;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

int store_fts_sync(struct store *s, struct wr_error *err)
{
    int rc = -1;
    if (store_tx_begin(s, err) != 0)
        return -1;
    sqlite3_stmt *st = stmt(s, ST_FTS_SYNC, err);
    if (!st || store_step_done(s, st, err, "indexing the timelines for search") != 0)
        goto out;
    st = stmt(s, ST_FTS_MARK, err);
    if (!st || store_step_done(s, st, err, "indexing the timelines for search") != 0)
        goto out;
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}
