/* store.c: the SQLite store. All SQL of warroom lives in this file. */
#include "store.h"
#include "store_internal.h"
#include "store_sync.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    "id, uid, title, services, summary, impact, tags, phase, severity, created_ms, updated_ms, tz"

/* Every statement, prepared once on first use and kept for the life of the connection. */
#define STMT_LIST(X)                                                                           \
    X(ST_INCIDENT_INSERT,                                                                      \
      "INSERT INTO incidents(uid, title, services, summary, impact, tags, phase, severity,"     \
      " created_ms, updated_ms, tz) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)"        \
      " RETURNING id")                                                                         \
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
      " deleted, rev, data, uid, changed_ms, changed_by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"\
      " ?9, coalesce(?10, ''), ?11, ?12, nullif(?13, ?5)) ON CONFLICT(uid) DO NOTHING"          \
      " RETURNING id")                                                                         \
    /* A revision the entry's row no longer holds (schema 6: see store_schema.c). */           \
    X(ST_HISTORY_INSERT,                                                                       \
      "INSERT INTO entry_history(entry_id, rev, changed_ms, author, kind, at_ms, text,"        \
      " pinned, deleted) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                          \
    /* Before an edit: the row's current revision becomes history. */                         \
    X(ST_HISTORY_KEEP,                                                                         \
      "INSERT INTO entry_history(entry_id, rev, changed_ms, author, kind, at_ms, text,"        \
      " pinned, deleted) SELECT id, rev, changed_ms, coalesce(changed_by, author), kind,"      \
      " at_ms, text, pinned, deleted FROM entries WHERE id = ?1")                              \
    X(ST_ENTRY_GET, "SELECT " ENTRY_COLUMNS " FROM entries WHERE id = ?1")                     \
    X(ST_ENTRY_FIND_UID, "SELECT id, incident_id FROM entries WHERE uid = ?1")                     \
    X(ST_ENTRY_UPDATE,                                                                         \
      "UPDATE entries SET kind = ?2, at_ms = ?3, text = ?4, pinned = ?5, deleted = ?6,"        \
      " rev = ?7, changed_ms = ?8, changed_by = nullif(?9, author) WHERE id = ?1")             \
    X(ST_ENTRY_COUNT, "SELECT count(*) FROM entries WHERE" ENTRY_FILTER_SQL)                   \
    /* The view's own filter (kinds, live entries): counted from entries_by_kind alone. */     \
    X(ST_ENTRY_COUNT_LIVE,                                                                     \
      "SELECT count(*) FROM entries WHERE incident_id = ?1 AND deleted = 0")                   \
    X(ST_ENTRY_COUNT_LIVE_KINDS,                                                               \
      "SELECT count(*) FROM entries WHERE incident_id = ?1 AND deleted = 0 AND kind IN"        \
      " (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)")              \
    /* One kind, live entries (the postmortem's updates, the overdue check): a range of      \
     * entries_by_kind in timeline order, not a walk over every entry. */                      \
    X(ST_ENTRY_PAGE_KIND_FWD,                                                                  \
      "SELECT " ENTRY_COLUMNS " FROM entries WHERE incident_id = ?1 AND deleted = 0"           \
      " AND kind = ?2 AND (at_ms, id) > (?3, ?4) ORDER BY at_ms, id LIMIT ?5")                 \
    X(ST_ENTRY_PAGE_KIND_BACK,                                                                 \
      "SELECT " ENTRY_COLUMNS " FROM entries WHERE incident_id = ?1 AND deleted = 0"           \
      " AND kind = ?2 AND (at_ms, id) < (?3, ?4) ORDER BY at_ms DESC, id DESC LIMIT ?5")       \
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
    /* Every revision of an incident in timeline order: the superseded ones and the rows' own,   \
     * merged (each side comes in that order from entries_timeline: no sort, no temporary      \
     * table). */                                                                              \
    X(ST_REVISION_EACH,                                                                        \
      "SELECT e.id, h.rev, h.changed_ms, h.author, h.kind, h.at_ms, h.text, h.pinned,"         \
      " h.deleted, e.recorded_ms, e.data, e.at_ms AS o_at FROM entries e"                      \
      " JOIN entry_history h ON h.entry_id = e.id WHERE e.incident_id = ?1 UNION ALL"          \
      " SELECT id, rev, changed_ms, coalesce(changed_by, author), kind, at_ms, text, pinned,"  \
      " deleted, recorded_ms, data, at_ms FROM entries WHERE incident_id = ?1"                 \
      " ORDER BY 12, 1, 2")                                                                    \
    X(ST_ACTION_FROM_TODO,                                                                     \
      "INSERT INTO action_items(incident_id, description, owner, source_entry_id, created_ms,"  \
      " updated_ms, uid) VALUES(?1, ?2, '', ?3, ?4, ?4, ?5)")                                   \
    X(ST_ACTION_FROM_RETYPED_TODO,                                                             \
      "INSERT INTO action_items(incident_id, description, owner, source_entry_id, created_ms,"  \
      " updated_ms, uid) SELECT ?1, ?2, '', ?3, ?4, ?4, ?5 WHERE NOT EXISTS("                   \
      " SELECT 1 FROM action_items WHERE source_entry_id = ?3)")                               \
    X(ST_FTS_SYNC,                                                                             \
      "INSERT INTO entries_fts(rowid, text) SELECT id, text FROM entries WHERE id >"            \
      " (SELECT value FROM meta WHERE key = 'fts_indexed_upto') ORDER BY id")                  \
    X(ST_FTS_MARK,                                                                             \
      "UPDATE meta SET value = (SELECT coalesce(max(id), 0) FROM entries)"                       \
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
    bool remote = db_engine(s->db) == DB_POSTGRES;
    switch (db_failure(s->db)) {
    case DB_FAIL_FULL:
        return wr_fail(err, WR_E_DB, "%s: the %s is full; free space and try again", what,
                       remote ? "database server's disk" : "disk");
    case DB_FAIL_READONLY:
        return wr_fail(err, WR_E_DB, "%s: the database %s is read-only; check its %s", what,
                       s->path, remote ? "server (a standby?)" : "permissions");
    case DB_FAIL_DENIED:
        return wr_fail(err, WR_E_DB,
                       "%s: permission denied in %s (%s); grant the role its rights (README, "
                       "team mode)",
                       what, s->path, db_errmsg(s->db));
    case DB_FAIL_BUSY:
        return wr_fail(err, WR_E_DB,
                       "%s: the database stayed locked by another warroom for too long; retry",
                       what);
    case DB_FAIL_CONNECTION:
        return wr_fail(err, WR_E_DB,
                       "%s: the connection to %s was lost (%s); check the server and retry",
                       what, s->path, db_errmsg(s->db));
    default:
        return wr_fail(err, WR_E_DB, "%s: %s (database %s)", what, db_errmsg(s->db), s->path);
    }
}

struct db_stmt *store_stmt(struct store *s, int slot, const char *sql, struct wr_error *err)
{
    struct db_stmt *st = db_stmt(s->db, slot, sql);
    if (!st)
        store_db_fail(s, err, "preparing a query");
    return st;
}

/* The cached statement `id` of this file, reset and with bindings cleared. */
static struct db_stmt *stmt(struct store *s, enum stmt_id id, struct wr_error *err)
{
    return store_stmt(s, STORE_SLOTS_CORE + (int)id, stmt_sql[id], err);
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

int store_read_rows(struct store *s, struct db_stmt *st, size_t elem, store_row_fn row,
                    store_clear_fn clear, void **out, size_t *n, const char *what,
                    struct wr_error *err)
{
    int rc = -1;
    size_t count = 0, cap = 0;
    char *arr = NULL;
    int step;
    while ((step = db_step(st)) == DB_ROW) {
        void *grown = store_array_grow(arr, &cap, count + 1, elem);
        if (!grown) {
            wr_fail(err, WR_E_NOMEM, "out of memory %s", what);
            goto out;
        }
        arr = grown;
        void *e = arr + count * elem;
        count++;
        if (row(st, e) != 0) {
            wr_fail(err, WR_E_NOMEM, "out of memory %s", what);
            goto out;
        }
    }
    if (step != DB_DONE) {
        store_db_fail(s, err, what);
        goto out;
    }
    rc = 0;
out:
    db_reset(st);
    if (rc != 0) {
        for (size_t i = 0; i < count; i++)
            clear(arr + i * elem);
        free(arr);
        arr = NULL;
        count = 0;
    }
    *out = arr;
    *n = count;
    return rc;
}

int store_step_done(struct store *s, struct db_stmt *st, struct wr_error *err, const char *what)
{
    int rc = db_step(st);
    db_reset(st);
    if (rc == DB_ERROR)
        return store_db_fail(s, err, what);
    return 0;
}

int store_step_id(struct store *s, struct db_stmt *st, int64_t *id, struct wr_error *err,
                  const char *what)
{
    int rc = db_step(st);
    *id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_reset(st);
    if (rc == DB_ERROR)
        return store_db_fail(s, err, what);
    return 0;
}

char *store_col_strdup(struct db_stmt *st, int i)
{
    const char *t = db_col_text(st, i);
    return strdup(t ? t : "");
}

/* Begin a write transaction unless the caller already holds one (db_begin says how each engine
 * makes concurrent writers queue instead of failing). */
int store_tx_begin(struct store *s, struct wr_error *err)
{
    if (s->in_tx)
        return 0;
    if (db_begin(s->db) != 0)
        return store_db_fail(s, err, "starting a write");
    return 0;
}

int store_tx_commit(struct store *s, struct wr_error *err)
{
    if (s->in_tx)
        return 0;
    if (db_commit(s->db) != 0)
        return store_db_fail(s, err, "saving");
    return 0;
}

void store_tx_rollback(struct store *s)
{
    if (s->in_tx || !db_in_transaction(s->db))
        return;
    db_rollback(s->db);
}

static int store_fk_resume(struct store *s, struct wr_error *err);

/* store_begin nests: an inner begin/commit pair (comms_queue inside team mode's journal) is
 * part of the outermost transaction, which alone commits. */
int store_begin(struct store *s, struct wr_error *err)
{
    if (s->in_tx) {
        s->tx_depth++;
        return 0;
    }
    if (store_tx_begin(s, err) != 0)
        return -1;
    s->in_tx = true;
    s->tx_depth = 1;
    s->tx_doomed = false;
    return 0;
}

int store_snapshot_begin(struct store *s, struct wr_error *err)
{
    if (s->in_tx || db_in_transaction(s->db))
        return wr_fail(err, WR_E_FAIL, "a read snapshot cannot start inside a transaction");
    if (db_begin_read(s->db) != 0)
        return store_db_fail(s, err, "starting a read");
    return 0;
}

void store_snapshot_end(struct store *s)
{
    if (!s->in_tx && db_in_transaction(s->db))
        db_rollback(s->db);
}

int store_begin_import(struct store *s, struct wr_error *err)
{
    if (!s->in_tx && db_engine(s->db) == DB_SQLITE) {
        if (db_exec(s->db, "PRAGMA foreign_keys = OFF") != 0)
            return store_db_fail(s, err, "starting the import");
        s->fk_paused = true;
    }
    if (store_begin(s, err) != 0) {
        store_fk_resume(s, NULL);
        return -1;
    }
    return 0;
}

/* After the transaction store_begin_import opened: foreign keys are checked again. */
static int store_fk_resume(struct store *s, struct wr_error *err)
{
    if (!s->fk_paused)
        return 0;
    s->fk_paused = false;
    if (db_exec(s->db, "PRAGMA foreign_keys = ON") != 0)
        return store_db_fail(s, err, "checking foreign keys again after the import");
    return 0;
}

int store_commit(struct store *s, struct wr_error *err)
{
    if (s->tx_depth > 1) {
        s->tx_depth--;
        return 0;
    }
    bool doomed = s->tx_doomed;
    s->in_tx = false;
    s->tx_depth = 0;
    s->tx_doomed = false;
    if (doomed) {
        store_tx_rollback(s);
        store_fk_resume(s, NULL);
        return wr_fail(err, WR_E_FAIL, "a step of the change failed; nothing was saved");
    }
    if (store_tx_commit(s, err) != 0) {
        store_tx_rollback(s);
        store_fk_resume(s, NULL);
        return -1;
    }
    return store_fk_resume(s, err);
}

void store_rollback(struct store *s)
{
    if (s->tx_depth > 1) {
        s->tx_depth--;
        s->tx_doomed = true;
        return;
    }
    s->in_tx = false;
    s->tx_depth = 0;
    s->tx_doomed = false;
    store_tx_rollback(s);
    store_fk_resume(s, NULL);
}

void store_force_uids(struct store *s, const char *const *uids, size_t n)
{
    s->forced_uids = n ? uids : NULL;
    s->n_forced_uids = n;
    s->used_forced_uids = 0;
}

size_t store_forced_uids_used(const struct store *s)
{
    return s->used_forced_uids;
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

int store_open(const char *path, struct store **out, struct wr_error *err)
{
    int rc = -1;
    *out = NULL;
    struct store *s = calloc(1, sizeof *s);
    if (!s)
        return wr_fail(err, WR_E_NOMEM, "out of memory opening the database");
    if (db_open(path, &s->db, err) != 0)
        goto out;
    s->path = db_display_name(s->db);
    int version;
    /* Check the version before any setting that writes, so a newer database stays untouched. */
    if (store_schema_check(s, &version, err) != 0)
        goto out;
    if (db_configure(s->db) != 0) {
        store_db_fail(s, err, "configuring the database connection");
        goto out;
    }
    if (store_migrate(s, err) != 0)
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
    db_close(&s->db);
    free(s);
    *sp = NULL;
}

const char *store_path(const struct store *s)
{
    return s->path;
}

const char *store_target(const struct store *s)
{
    return db_target(s->db);
}

bool store_is_remote(const struct store *s)
{
    return db_engine(s->db) == DB_POSTGRES;
}

bool store_target_is_remote(const char *target)
{
    return db_target_is_postgres(target);
}

int store_data_version(struct store *s, int64_t *out, struct wr_error *err)
{
    if (db_change_counter(s->db, out) != 0)
        return store_db_fail(s, err, "checking for changes");
    return 0;
}

int store_change_fd(struct store *s)
{
    return db_change_fd(s->db);
}

void store_changed_incidents(struct store *s, int64_t *ids, size_t max, size_t *n, bool *all)
{
    db_take_changes(s->db, ids, max, n, all);
}

bool store_connection_lost(const struct store *s)
{
    return db_failure(s->db) == DB_FAIL_CONNECTION;
}

int store_reconnect(struct store *s, struct wr_error *err)
{
    if (db_reconnect(s->db) != 0)
        return store_db_fail(s, err, "reconnecting");
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
    struct db_stmt *st = stmt(s, ST_MILESTONE_SET, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    db_bind_text(st, 2, milestone_name(m));
    db_bind_int64(st, 3, at);
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
    struct db_stmt *st = stmt(s, ST_INCIDENT_INSERT, err);
    if (!st)
        goto out;
    db_bind_text(st, 1, uid);
    db_bind_text(st, 2, inc->title);
    db_bind_text(st, 3, inc->services ? inc->services : "");
    db_bind_text(st, 4, inc->summary ? inc->summary : "");
    db_bind_text(st, 5, inc->impact ? inc->impact : "");
    db_bind_text(st, 6, inc->tags ? inc->tags : "");
    db_bind_text(st, 7, phase_name(inc->phase));
    db_bind_int(st, 8, inc->severity);
    db_bind_int64(st, 9, created);
    db_bind_text(st, 10, inc->tz);
    if (db_step(st) != DB_ROW) {
        if (db_failure(s->db) == DB_FAIL_UNIQUE)
            wr_fail(err, WR_E_CONFLICT, "an incident with uid %s already exists", uid);
        else
            store_db_fail(s, err, "creating the incident");
        db_reset(st);
        goto out;
    }
    *id = db_col_int64(st, 0);
    db_reset(st);
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
    if (store_touch_incident(s, incident_id, err) != 0 ||
        store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    if (!incident_is_open(&inc)) {
        struct db_stmt *st = stmt(s, ST_MILESTONE_DELETE, err);
        if (!st)
            goto out;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, milestone_name(MS_CLOSED));
        if (store_step_done(s, st, err, "reopening the incident") != 0 ||
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

/* store_row_fn for INCIDENT_COLUMNS (milestones are loaded separately). */
static int read_incident_row(struct db_stmt *st, void *elem)
{
    struct incident *out = elem;
    incident_init(out);
    out->id = db_col_int64(st, 0);
    const char *uid = db_col_text(st, 1);
    snprintf(out->uid, sizeof out->uid, "%s", uid ? uid : "");
    out->title = store_col_strdup(st, 2);
    out->services = store_col_strdup(st, 3);
    out->summary = store_col_strdup(st, 4);
    out->impact = store_col_strdup(st, 5);
    out->tags = store_col_strdup(st, 6);
    const char *ph = db_col_text(st, 7);
    int p = phase_from_name(ph ? ph : "");
    out->phase = p < 0 ? PHASE_DETECT : (enum phase)p;
    out->severity = db_col_int(st, 8);
    out->created_ms = db_col_int64(st, 9);
    out->updated_ms = db_col_int64(st, 10);
    const char *tz = db_col_text(st, 11);
    snprintf(out->tz, sizeof out->tz, "%s", tz ? tz : "");
    return out->title && out->services && out->summary && out->impact && out->tags ? 0 : -1;
}

static void clear_incident(void *elem)
{
    incident_clear(elem);
}

static int load_milestones(struct store *s, struct incident *inc, struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_MILESTONES_GET, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, inc->id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int m = milestone_from_name(db_col_text(st, 0));
        if (m >= 0)
            inc->milestones[m] = db_col_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_DONE ? 0 : store_db_fail(s, err, "reading milestones");
}

int store_incident_get(struct store *s, int64_t id, struct incident *out, struct wr_error *err)
{
    incident_init(out);
    struct db_stmt *st = stmt(s, ST_INCIDENT_GET, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_DONE) {
        db_reset(st);
        return wr_fail(err, WR_E_NOT_FOUND,
                       "no incident %lld in %s; `warroom list --all` shows the ids", (long long)id,
                       s->path);
    }
    if (rc != DB_ROW) {
        db_reset(st);
        return store_db_fail(s, err, "reading the incident");
    }
    int oom = read_incident_row(st, out);
    db_reset(st);
    if (oom) {
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
    struct db_stmt *st = stmt(s, ST_INCIDENT_FIND_UID, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, uid);
    int rc = db_step(st);
    *id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return store_db_fail(s, err, "looking up an incident");
    return 0;
}

int store_incident_list(struct store *s, bool all, struct incident **out, size_t *n,
                        struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = stmt(s, ST_INCIDENT_LIST, err);
    if (!st)
        return -1;
    db_bind_int(st, 1, all ? 1 : 0);
    void *arr;
    size_t count;
    if (store_read_rows(s, st, sizeof(struct incident), read_incident_row, clear_incident, &arr,
                        &count, "listing incidents", err) != 0)
        return -1;
    struct incident *incs = arr;
    for (size_t i = 0; i < count; i++)
        if (load_milestones(s, &incs[i], err) != 0) {
            store_incidents_free(&incs, count);
            return -1;
        }
    *out = incs;
    *n = count;
    return 0;
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
    struct db_stmt *st = stmt(s, ST_INCIDENT_UPDATE_TEXT, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, inc->id);
    db_bind_text(st, 2, inc->title ? inc->title : "");
    db_bind_text(st, 3, inc->services ? inc->services : "");
    db_bind_text(st, 4, inc->summary ? inc->summary : "");
    db_bind_text(st, 5, inc->impact ? inc->impact : "");
    db_bind_text(st, 6, inc->tags ? inc->tags : "");
    db_bind_int64(st, 7, wr_now_ms());
    if (store_step_done(s, st, err, "updating the incident") != 0)
        return -1;
    if (db_changes(st) == 0)
        return wr_fail(err, WR_E_NOT_FOUND, "no incident %lld", (long long)inc->id);
    return 0;
}

/* ---- timeline ---- */

/* A superseded revision (an imported entry's earlier ones). */
static int history_insert(struct store *s, int64_t entry_id, const struct entry_revision *r,
                          struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_HISTORY_INSERT, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, entry_id);
    db_bind_int(st, 2, r->rev);
    db_bind_int64(st, 3, r->changed_ms);
    db_bind_text(st, 4, r->author);
    db_bind_text(st, 5, kind_name(r->kind));
    db_bind_int64(st, 6, r->at_ms);
    db_bind_text(st, 7, r->text);
    db_bind_int(st, 8, r->pinned);
    db_bind_int(st, 9, r->deleted);
    return store_step_done(s, st, err, "saving the entry's history");
}

int store_check_text(const char *text, struct wr_error *err)
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

/* Insert the entry row, which is also its first revision (made at recorded_ms by its author);
 * inside a transaction. Returns 0, 1 when an entry with e->uid is already saved (nothing
 * written), or -1. */
static int entry_insert(struct store *s, struct entry *e, struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_ENTRY_INSERT, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, e->incident_id);
    db_bind_int64(st, 2, e->at_ms);
    db_bind_int64(st, 3, e->recorded_ms);
    db_bind_text(st, 4, kind_name(e->kind));
    db_bind_text(st, 5, e->author);
    db_bind_text(st, 6, e->text);
    db_bind_int(st, 7, e->pinned);
    db_bind_int(st, 8, e->deleted);
    db_bind_int(st, 9, e->rev);
    db_bind_text(st, 10, e->data);
    if (!e->uid[0] && s->used_forced_uids < s->n_forced_uids)
        snprintf(e->uid, sizeof e->uid, "%s", s->forced_uids[s->used_forced_uids++]);
    if (!e->uid[0])
        wr_uid_new(e->uid, sizeof e->uid);
    db_bind_text(st, 11, e->uid);
    db_bind_int64(st, 12, e->recorded_ms);
    db_bind_text(st, 13, e->author);
    int r = db_step(st);
    if (r == DB_ERROR) {
        enum db_failure f = db_failure(s->db);
        db_reset(st);
        if (f == DB_FAIL_FOREIGN_KEY)
            return wr_fail(err, WR_E_NOT_FOUND, "no incident %lld; `warroom list` shows the ids",
                           (long long)e->incident_id);
        return store_db_fail(s, err, "saving the entry");
    }
    if (r == DB_DONE) { /* ON CONFLICT(uid) DO NOTHING: the uid is the idempotency key */
        db_reset(st);
        return 1;
    }
    e->id = db_col_int64(st, 0);
    db_reset(st);
    return 0;
}

/* entry_insert for entries warroom writes itself: an existing uid is an error. */
static int entry_insert_new(struct store *s, struct entry *e, struct wr_error *err)
{
    int r = entry_insert(s, e, err);
    if (r == 1)
        return wr_fail(err, WR_E_CONFLICT, "an entry with uid %s is already saved", e->uid);
    return r;
}

int store_touch_incident(struct store *s, int64_t incident_id, struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_INCIDENT_TOUCH, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, wr_now_ms());
    if (store_step_done(s, st, err, "updating the incident") != 0)
        return -1;
    if (db_changes(st) == 0)
        return wr_fail(err, WR_E_NOT_FOUND, "no incident %lld; `warroom list` shows the ids",
                       (long long)incident_id);
    return 0;
}

/* store_entry_append and store_entry_deliver: `already` NULL makes an existing uid an error. */
static int entry_append(struct store *s, struct entry *e, bool *already, struct wr_error *err)
{
    int rc = -1;
    if (already)
        *already = false;
    if (store_check_text(e->text, err) != 0)
        return -1;
    if (!e->author || !*e->author)
        return wr_fail(err, WR_E_INPUT, "an entry needs an author");
    if (already && !e->uid[0])
        return wr_fail(err, WR_E_INPUT, "an entry delivered from a journal needs its uid");
    e->recorded_ms = wr_now_ms();
    if (e->at_ms == 0 || e->at_ms == WR_TIME_NONE)
        e->at_ms = e->recorded_ms;
    e->rev = 1;
    e->deleted = false;
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_touch_incident(s, e->incident_id, err) != 0)
        goto out;
    int r = already ? entry_insert(s, e, err) : entry_insert_new(s, e, err);
    if (r < 0)
        goto out;
    if (r == 1) { /* delivered before: report where it is, write nothing */
        struct db_stmt *st = stmt(s, ST_ENTRY_FIND_UID, err);
        if (!st)
            goto out;
        db_bind_text(st, 1, e->uid);
        int step = db_step(st);
        int64_t id = step == DB_ROW ? db_col_int64(st, 0) : 0;
        int64_t inc = step == DB_ROW ? db_col_int64(st, 1) : 0;
        db_reset(st);
        if (step == DB_ERROR) {
            store_db_fail(s, err, "looking up the entry");
            goto out;
        }
        if (inc != e->incident_id) {
            wr_fail(err, WR_E_CONFLICT, "entry uid %s is already saved in incident %lld, not %lld",
                    e->uid, (long long)inc, (long long)e->incident_id);
            goto out;
        }
        e->id = id;
        *already = true;
        store_tx_rollback(s);
        return 0;
    }
    if (e->kind == KIND_TODO) {
        /* A TODO: line is an action item from the moment it is saved (postmortem §6). */
        struct db_stmt *st = stmt(s, ST_ACTION_FROM_TODO, err);
        if (!st)
            goto out;
        db_bind_int64(st, 1, e->incident_id);
        db_bind_text(st, 2, e->text);
        db_bind_int64(st, 3, e->id);
        db_bind_int64(st, 4, e->recorded_ms);
        /* The entry's uid: the same item wherever the entry is delivered (team mode). */
        db_bind_text(st, 5, e->uid);
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

int store_entry_append(struct store *s, struct entry *e, struct wr_error *err)
{
    return entry_append(s, e, NULL, err);
}

int store_entry_deliver(struct store *s, struct entry *e, bool *already, struct wr_error *err)
{
    bool dummy;
    return entry_append(s, e, already ? already : &dummy, err);
}

/* store_row_fn for ENTRY_COLUMNS. */
static int read_entry_row(struct db_stmt *st, void *elem)
{
    struct entry *e = elem;
    entry_init(e);
    e->id = db_col_int64(st, 0);
    e->incident_id = db_col_int64(st, 1);
    e->at_ms = db_col_int64(st, 2);
    e->recorded_ms = db_col_int64(st, 3);
    int k = kind_from_name(db_col_text(st, 4));
    e->kind = k < 0 ? KIND_NOTE : (enum entry_kind)k;
    e->author = store_col_strdup(st, 5);
    e->text = store_col_strdup(st, 6);
    e->pinned = db_col_int(st, 7) != 0;
    e->deleted = db_col_int(st, 8) != 0;
    e->rev = db_col_int(st, 9);
    const char *data = db_col_text(st, 10);
    e->data = data && *data ? strdup(data) : NULL;
    const char *uid = db_col_text(st, 11);
    snprintf(e->uid, sizeof e->uid, "%s", uid ? uid : "");
    return e->author && e->text && (e->data || !data || !*data) ? 0 : -1;
}

static void clear_entry(void *elem)
{
    entry_clear(elem);
}

int store_entry_get(struct store *s, int64_t entry_id, struct entry *out, struct wr_error *err)
{
    entry_init(out);
    struct db_stmt *st = stmt(s, ST_ENTRY_GET, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, entry_id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        read_entry_row(st, out);
    db_reset(st);
    if (rc == DB_DONE)
        return wr_fail(err, WR_E_NOT_FOUND, "no entry %lld; `warroom show ID` lists entry ids",
                       (long long)entry_id);
    if (rc != DB_ROW)
        return store_db_fail(s, err, "reading the entry");
    if (!out->author || !out->text) {
        entry_clear(out);
        return wr_fail(err, WR_E_NOMEM, "out of memory reading an entry");
    }
    return 0;
}

/* Write a new revision of an entry: the change is applied to *cur by the caller. The row's
 * current revision moves to the history first. */
static int entry_revise(struct store *s, struct entry *cur, const char *author,
                        struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_HISTORY_KEEP, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, cur->id);
    if (store_step_done(s, st, err, "saving the entry's history") != 0)
        return -1;
    cur->rev++;
    st = stmt(s, ST_ENTRY_UPDATE, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, cur->id);
    db_bind_text(st, 2, kind_name(cur->kind));
    db_bind_int64(st, 3, cur->at_ms);
    db_bind_text(st, 4, cur->text);
    db_bind_int(st, 5, cur->pinned);
    db_bind_int(st, 6, cur->deleted);
    db_bind_int(st, 7, cur->rev);
    db_bind_int64(st, 8, wr_now_ms());
    db_bind_text(st, 9, author);
    return store_step_done(s, st, err, "saving the change");
}

enum revise_op { REVISE_TEXT, REVISE_PIN, REVISE_DELETE, REVISE_KIND, REVISE_AT };

/* The new value a revision sets (the one its op names). */
struct revise_arg {
    const char *text;
    bool pin;
    enum entry_kind kind;
    int64_t at;
};

static int revise(struct store *s, int64_t incident_id, int64_t entry_id, enum revise_op op,
                  const struct revise_arg *arg, const char *author, struct wr_error *err)
{
    const char *text = arg->text;
    int rc = -1;
    struct entry cur;
    entry_init(&cur);
    if (op == REVISE_TEXT && store_check_text(text, err) != 0)
        return -1;
    if (store_tx_begin(s, err) != 0)
        return -1;
    /* The incident's row first: two edits of one entry queue there (PostgreSQL), so the second
     * reads the first's revision instead of writing the same revision number. */
    if (store_touch_incident(s, incident_id, err) != 0 ||
        store_entry_get(s, entry_id, &cur, err) != 0)
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
    case REVISE_PIN: cur.pinned = arg->pin; break;
    case REVISE_DELETE: cur.deleted = true; break;
    case REVISE_KIND:
    case REVISE_AT:
        /* An entry warroom recorded mirrors state kept elsewhere (a milestone's time, a
         * severity change): its kind and time change with that state, never on their own. */
        if (!kind_typeable(cur.kind)) {
            wr_fail(err, WR_E_CONFLICT,
                    "entry %lld records a %s: warroom keeps its %s (change the %s itself)",
                    (long long)entry_id, kind_name(cur.kind), op == REVISE_KIND ? "kind" : "time",
                    kind_name(cur.kind));
            goto out;
        }
        if (op == REVISE_KIND && !kind_typeable(arg->kind)) {
            wr_fail(err, WR_E_INPUT,
                    "'%s' entries are recorded by warroom; use note, action, decision, "
                    "hypothesis, todo, comms or alert",
                    kind_name(arg->kind));
            goto out;
        }
        if (op == REVISE_AT && arg->at > wr_now_ms() + 60000) {
            wr_fail(err, WR_E_INPUT, "that time is in the future; an entry records what already "
                                     "happened");
            goto out;
        }
        if (op == REVISE_KIND && arg->kind == KIND_TODO && cur.kind != KIND_TODO) {
            /* Like a TODO: line, a todo is an action item from now on (once). */
            struct db_stmt *st = stmt(s, ST_ACTION_FROM_RETYPED_TODO, err);
            if (!st)
                goto out;
            db_bind_int64(st, 1, cur.incident_id);
            db_bind_text(st, 2, cur.text);
            db_bind_int64(st, 3, cur.id);
            db_bind_int64(st, 4, wr_now_ms());
            db_bind_text(st, 5, cur.uid);
            if (store_step_done(s, st, err, "recording the action item") != 0)
                goto out;
        }
        if (op == REVISE_KIND)
            cur.kind = arg->kind;
        else
            cur.at_ms = arg->at;
        break;
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
    struct revise_arg a = {.text = text};
    return revise(s, incident_id, entry_id, REVISE_TEXT, &a, author, err);
}

int store_entry_pin(struct store *s, int64_t incident_id, int64_t entry_id, bool pinned,
                    const char *author, struct wr_error *err)
{
    struct revise_arg a = {.pin = pinned};
    return revise(s, incident_id, entry_id, REVISE_PIN, &a, author, err);
}

int store_entry_set_kind(struct store *s, int64_t incident_id, int64_t entry_id,
                         enum entry_kind kind, const char *author, struct wr_error *err)
{
    struct revise_arg a = {.kind = kind};
    return revise(s, incident_id, entry_id, REVISE_KIND, &a, author, err);
}

int store_entry_set_at(struct store *s, int64_t incident_id, int64_t entry_id, int64_t at,
                       const char *author, struct wr_error *err)
{
    struct revise_arg a = {.at = at};
    return revise(s, incident_id, entry_id, REVISE_AT, &a, author, err);
}

int store_entry_delete(struct store *s, int64_t incident_id, int64_t entry_id,
                       const char *author, struct wr_error *err)
{
    struct revise_arg a = {0};
    return revise(s, incident_id, entry_id, REVISE_DELETE, &a, author, err);
}

/* Bind ?1..?6 from a filter. kinds_buf receives the ",a,b," list for the kinds mask. */
static void bind_filter(struct db_stmt *st, int64_t incident_id, const struct entry_filter *f,
                        char *kinds_buf, size_t kinds_n)
{
    static const struct entry_filter none = {0};
    if (!f)
        f = &none;
    db_bind_int64(st, 1, incident_id);
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
        db_bind_text(st, 2, kinds_buf);
    } else {
        db_bind_text(st, 2, NULL); /* typed NULL: PostgreSQL needs every parameter's type */
    }
    db_bind_text(st, 3, f->text && *f->text ? f->text : NULL);
    db_bind_text(st, 4, f->author && *f->author ? f->author : NULL);
    db_bind_int(st, 5, f->pinned_only ? 1 : 0);
    db_bind_int(st, 6, f->include_deleted ? 1 : 0);
}

static int count_query(struct store *s, enum stmt_id id, int64_t incident_id,
                       const struct entry_filter *f, int64_t key_at, int64_t key_id,
                       int64_t *count, struct wr_error *err)
{
    char kinds[256];
    struct db_stmt *st = stmt(s, id, err);
    if (!st)
        return -1;
    bind_filter(st, incident_id, f, kinds, sizeof kinds);
    if (id == ST_ENTRY_RANK) {
        db_bind_int64(st, 7, key_at);
        db_bind_int64(st, 8, key_id);
    }
    int rc = db_step(st);
    *count = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_reset(st);
    return rc == DB_ROW ? 0 : store_db_fail(s, err, "counting entries");
}

/* Only kinds and live entries: what entries_by_kind answers without reading the entries. */
static bool filter_by_kind_only(const struct entry_filter *f)
{
    return !f || ((!f->text || !*f->text) && (!f->author || !*f->author) && !f->pinned_only &&
                  !f->include_deleted);
}

_Static_assert(KIND_COUNT <= 16, "ST_ENTRY_COUNT_LIVE_KINDS has 16 kind parameters");

int store_entry_count(struct store *s, int64_t incident_id, const struct entry_filter *f,
                      int64_t *count, struct wr_error *err)
{
    if (!filter_by_kind_only(f))
        return count_query(s, ST_ENTRY_COUNT, incident_id, f, 0, 0, count, err);
    unsigned kinds = f ? f->kinds : 0;
    struct db_stmt *st = stmt(s, kinds ? ST_ENTRY_COUNT_LIVE_KINDS : ST_ENTRY_COUNT_LIVE, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    for (int k = 0; kinds && k < 16; k++) /* a kind not asked for stays a NULL: matches nothing */
        db_bind_text(st, 2 + k,
                     k < KIND_COUNT && (kinds & (1u << k)) ? kind_name((enum entry_kind)k) : NULL);
    int rc = db_step(st);
    *count = rc == DB_ROW ? db_col_int64(st, 0) : 0;
    db_reset(st);
    return rc == DB_ROW ? 0 : store_db_fail(s, err, "counting entries");
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
    char kinds[256];
    *out = NULL;
    *n = 0;
    if (limit == 0)
        return 0;
    bool one_kind = f && f->kinds && (f->kinds & (f->kinds - 1)) == 0 && filter_by_kind_only(f);
    struct db_stmt *st = stmt(s, one_kind ? (forward ? ST_ENTRY_PAGE_KIND_FWD : ST_ENTRY_PAGE_KIND_BACK)
                                          : (forward ? ST_ENTRY_PAGE_FWD : ST_ENTRY_PAGE_BACK),
                              err);
    if (!st)
        return -1;
    int key = 7; /* where the key and the limit go: after the filter's parameters */
    if (one_kind) {
        db_bind_int64(st, 1, incident_id);
        int k = 0;
        while (!(f->kinds & (1u << k)))
            k++;
        db_bind_text(st, 2, kind_name((enum entry_kind)k));
        key = 3;
    } else {
        bind_filter(st, incident_id, f, kinds, sizeof kinds);
    }
    db_bind_int64(st, key, key_at);
    db_bind_int64(st, key + 1, key_id);
    db_bind_int64(st, key + 2, (int64_t)limit);
    void *arr;
    size_t count;
    if (store_read_rows(s, st, sizeof(struct entry), read_entry_row, clear_entry, &arr, &count,
                        "reading the timeline", err) != 0)
        return -1;
    struct entry *entries = arr;
    s->entries_read += count;
    if (!forward) /* fetched newest-first; hand back in timeline order */
        for (size_t i = 0; i < count / 2; i++) {
            struct entry tmp = entries[i];
            entries[i] = entries[count - 1 - i];
            entries[count - 1 - i] = tmp;
        }
    *out = entries;
    *n = count;
    return 0;
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

/* Fill r from the revision columns starting at `first`; -1 when out of memory (r clearable). */
static int read_revision_row(struct db_stmt *st, int first, struct entry_revision *r)
{
    memset(r, 0, sizeof *r);
    r->rev = db_col_int(st, first);
    r->changed_ms = db_col_int64(st, first + 1);
    r->author = store_col_strdup(st, first + 2);
    int k = kind_from_name(db_col_text(st, first + 3));
    r->kind = k < 0 ? KIND_NOTE : (enum entry_kind)k;
    r->at_ms = db_col_int64(st, first + 4);
    r->text = store_col_strdup(st, first + 5);
    r->pinned = db_col_int(st, first + 6) != 0;
    r->deleted = db_col_int(st, first + 7) != 0;
    return r->author && r->text ? 0 : -1;
}

static int read_history_row(struct db_stmt *st, void *elem)
{
    return read_revision_row(st, 0, elem);
}

static void revision_clear(void *elem)
{
    struct entry_revision *r = elem;
    free(r->author);
    free(r->text);
    memset(r, 0, sizeof *r);
}

int store_entry_history(struct store *s, int64_t entry_id, struct entry_revision **out,
                        size_t *n, struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = stmt(s, ST_HISTORY, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, entry_id);
    void *arr;
    size_t count;
    if (store_read_rows(s, st, sizeof(struct entry_revision), read_history_row, revision_clear,
                        &arr, &count, "reading history", err) != 0)
        return -1;
    if (count == 0)
        return wr_fail(err, WR_E_NOT_FOUND, "no entry %lld", (long long)entry_id);
    *out = arr;
    *n = count;
    return 0;
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
    struct db_stmt *st = NULL;
    int rc = -1;
    if (!(st = db_stmt_new(s->db, stmt_sql[ST_ENTRY_EACH])))
        return store_db_fail(s, err, "reading the timeline");
    db_bind_int64(st, 1, incident_id);
    int step;
    struct entry e;
    while ((step = db_step(st)) == DB_ROW) {
        if (read_entry_row(st, &e) != 0) {
            entry_clear(&e);
            wr_fail(err, WR_E_NOMEM, "out of memory reading the timeline");
            goto out;
        }
        int stop = fn(&e, ctx);
        entry_clear(&e);
        if (stop) {
            rc = 0;
            goto out;
        }
    }
    if (step != DB_DONE) {
        store_db_fail(s, err, "reading the timeline");
        goto out;
    }
    rc = 0;
out:
    db_stmt_free(&st);
    return rc;
}

int store_revision_each(struct store *s, int64_t incident_id, store_revision_fn fn, void *ctx,
                        struct wr_error *err)
{
    struct db_stmt *st = NULL;
    int rc = -1;
    if (!(st = db_stmt_new(s->db, stmt_sql[ST_REVISION_EACH])))
        return store_db_fail(s, err, "reading the timeline history");
    db_bind_int64(st, 1, incident_id);
    int step;
    struct entry_revision r;
    while ((step = db_step(st)) == DB_ROW) {
        if (read_revision_row(st, 1, &r) != 0) {
            revision_clear(&r);
            wr_fail(err, WR_E_NOMEM, "out of memory reading the timeline history");
            goto out;
        }
        int stop = fn(db_col_int64(st, 0), db_col_int64(st, 9),
                      db_col_text(st, 10), &r, ctx);
        revision_clear(&r);
        if (stop) {
            rc = 0;
            goto out;
        }
    }
    if (step != DB_DONE) {
        store_db_fail(s, err, "reading the timeline history");
        goto out;
    }
    rc = 0;
out:
    db_stmt_free(&st);
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
        if (store_check_text(revs[i].text, err) != 0)
            return -1;
    const struct entry_revision *last = &revs[n - 1];
    struct entry e = {.incident_id = incident_id, .at_ms = last->at_ms,
                      .recorded_ms = recorded_ms, .kind = last->kind,
                      .author = revs[0].author, .text = last->text, .pinned = last->pinned,
                      .deleted = last->deleted, .rev = last->rev};
    if (store_tx_begin(s, err) != 0)
        return -1;
    struct db_stmt *st = stmt(s, ST_ENTRY_INSERT, err);
    if (!st)
        goto out;
    db_bind_int64(st, 1, e.incident_id);
    db_bind_int64(st, 2, e.at_ms);
    db_bind_int64(st, 3, e.recorded_ms);
    db_bind_text(st, 4, kind_name(e.kind));
    db_bind_text(st, 5, e.author);
    db_bind_text(st, 6, e.text);
    db_bind_int(st, 7, e.pinned);
    db_bind_int(st, 8, e.deleted);
    db_bind_int(st, 9, e.rev);
    db_bind_text(st, 10, data);
    wr_uid_new(e.uid, sizeof e.uid);
    db_bind_text(st, 11, e.uid);
    db_bind_int64(st, 12, last->changed_ms);
    db_bind_text(st, 13, last->author);
    int64_t id;
    if (store_step_id(s, st, &id, err, "importing an entry") != 0)
        goto out;
    if (id == 0) {
        wr_fail(err, WR_E_CONFLICT, "an entry with uid %s is already saved", e.uid);
        goto out;
    }
    for (size_t i = 0; i + 1 < n; i++) /* the last one is the row */
        if (history_insert(s, id, &revs[i], err) != 0)
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
    return entry_insert_new(s, &e, err);
}

int store_milestone_set(struct store *s, int64_t incident_id, enum milestone m, int64_t at,
                        const char *author, struct wr_error *err)
{
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    if (store_tx_begin(s, err) != 0)
        return -1;
    /* Touch first: the incident's row lock makes the order check and the write one step for
     * concurrent writers on PostgreSQL (SQLite's BEGIN IMMEDIATE already does). */
    if (store_touch_incident(s, incident_id, err) != 0 ||
        store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    if (milestone_check_order(inc.milestones, m, at, err) != 0)
        goto out;
    if (milestone_put(s, incident_id, m, at, err) != 0)
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
    if (store_touch_incident(s, incident_id, err) != 0 ||
        store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    struct db_stmt *st = stmt(s, ST_INCIDENT_SET_PHASE, err);
    if (!st)
        goto out;
    db_bind_int64(st, 1, incident_id);
    db_bind_text(st, 2, phase_name(p));
    db_bind_int64(st, 3, wr_now_ms());
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
    if (store_touch_incident(s, incident_id, err) != 0 ||
        store_incident_get(s, incident_id, &inc, err) != 0)
        goto out;
    struct db_stmt *st = stmt(s, ST_SEVERITY_INSERT, err);
    if (!st)
        goto out;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, at);
    db_bind_int(st, 3, sev);
    db_bind_text(st, 4, rationale ? rationale : "");
    db_bind_text(st, 5, author);
    if (store_step_done(s, st, err, "recording the severity") != 0)
        goto out;
    st = stmt(s, ST_INCIDENT_SET_SEVERITY, err);
    if (!st)
        goto out;
    db_bind_int64(st, 1, incident_id);
    db_bind_int(st, 2, sev);
    db_bind_int64(st, 3, wr_now_ms());
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
        struct db_stmt *st = stmt(s, ST_ROLE_RELEASE, err);
        if (!st)
            goto out;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, role_key(role));
        if (store_step_done(s, st, err, "assigning the role") != 0)
            goto out;
    }
    struct db_stmt *st = stmt(s, ST_ROLE_INSERT, err);
    if (!st)
        goto out;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, at);
    db_bind_text(st, 3, role_key(role));
    db_bind_text(st, 4, release ? "" : name);
    db_bind_text(st, 5, note ? note : "");
    db_bind_text(st, 6, author);
    db_bind_int(st, 7, release ? 0 : 1);
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

static int read_severity_row(struct db_stmt *st, void *elem)
{
    struct severity_change *c = elem;
    c->at_ms = db_col_int64(st, 0);
    c->severity = db_col_int(st, 1);
    c->rationale = store_col_strdup(st, 2);
    c->author = store_col_strdup(st, 3);
    return c->rationale && c->author ? 0 : -1;
}

static void clear_severity(void *elem)
{
    struct severity_change *c = elem;
    free(c->rationale);
    free(c->author);
}

int store_severity_history(struct store *s, int64_t incident_id, struct severity_change **out,
                           size_t *n, struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = stmt(s, ST_SEVERITY_HISTORY, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    void *arr;
    if (store_read_rows(s, st, sizeof **out, read_severity_row, clear_severity, &arr, n,
                        "reading severity history", err) != 0)
        return -1;
    *out = arr;
    return 0;
}

void store_severity_history_free(struct severity_change **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        clear_severity(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

static int read_role_row(struct db_stmt *st, void *elem)
{
    struct role_assignment *a = elem;
    a->at_ms = db_col_int64(st, 0);
    int r = role_from_name(db_col_text(st, 1));
    a->role = r < 0 ? ROLE_SME : (enum role)r;
    a->name = store_col_strdup(st, 2);
    a->note = store_col_strdup(st, 3);
    a->author = store_col_strdup(st, 4);
    a->current = db_col_int(st, 5) != 0;
    return a->name && a->note && a->author ? 0 : -1;
}

static void clear_role(void *elem)
{
    struct role_assignment *a = elem;
    free(a->name);
    free(a->note);
    free(a->author);
}

/* All assignments in time order; `current` marks the ones in force. */
int store_role_history(struct store *s, int64_t incident_id, struct role_assignment **out,
                       size_t *n, struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = stmt(s, ST_ROLE_HISTORY, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    void *arr;
    if (store_read_rows(s, st, sizeof **out, read_role_row, clear_role, &arr, n,
                        "reading roles", err) != 0)
        return -1;
    *out = arr;
    return 0;
}

void store_role_history_free(struct role_assignment **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        clear_role(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

int store_role_holder(struct store *s, int64_t incident_id, enum role role, char *buf, size_t n,
                      struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_ROLE_HOLDERS, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    db_bind_text(st, 2, role_key(role));
    size_t used = 0;
    if (n)
        buf[0] = '\0';
    int step;
    while ((step = db_step(st)) == DB_ROW) {
        const char *name = db_col_text(st, 0);
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", name ? name : "");
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    db_reset(st);
    if (step != DB_DONE && step != DB_ROW)
        return store_db_fail(s, err, "reading roles");
    return 0;
}

int store_severity_import(struct store *s, int64_t incident_id, const struct severity_change *c,
                          struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_SEVERITY_INSERT, err);
    if (!st)
        return -1;
    if (c->severity < 1 || c->severity > 4)
        return wr_fail(err, WR_E_INPUT, "severity history holds %d; expected 1..4", c->severity);
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, c->at_ms);
    db_bind_int(st, 3, c->severity);
    db_bind_text(st, 4, c->rationale ? c->rationale : "");
    db_bind_text(st, 5, c->author && *c->author ? c->author : MODEL_SYSTEM_AUTHOR);
    return store_step_done(s, st, err, "importing severity history");
}

int store_role_import(struct store *s, int64_t incident_id, const struct role_assignment *a,
                      struct wr_error *err)
{
    struct db_stmt *st = stmt(s, ST_ROLE_INSERT, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    db_bind_int64(st, 2, a->at_ms);
    db_bind_text(st, 3, role_key(a->role));
    db_bind_text(st, 4, a->name ? a->name : "");
    db_bind_text(st, 5, a->note ? a->note : "");
    db_bind_text(st, 6, a->author && *a->author ? a->author : MODEL_SYSTEM_AUTHOR);
    db_bind_int(st, 7, a->current ? 1 : 0);
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
    if (store_touch_incident(s, incident_id, err) != 0 || entry_insert_new(s, &e, err) != 0 ||
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
    if (db_engine(s->db) == DB_POSTGRES)
        return 0; /* its GIN index is kept by PostgreSQL on every write */
    if (store_tx_begin(s, err) != 0)
        return -1;
    struct db_stmt *st = stmt(s, ST_FTS_SYNC, err);
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
