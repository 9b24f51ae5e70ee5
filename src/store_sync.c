/* store_sync.c: team mode's store functions: the cockpit's replica and journal (SQLite), the
 * server reads that feed the replica, and the server's record of applied operations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_sync.h"

enum {
    SY_STATE_GET = STORE_SLOTS_REPLICA,
    SY_STATE_SET,
    SY_MAX_ENTRY,
    SY_MAX_OUTBOX,
    SY_JOURNAL_INSERT,
    SY_JOURNAL_ITEMS_ENTRIES,
    SY_JOURNAL_ITEMS_OUTBOX,
    SY_JOURNAL_NEXT,
    SY_JOURNAL_ITEMS,
    SY_JOURNAL_DELETE,
    SY_JOURNAL_FAIL,
    SY_JOURNAL_RETRY,
    SY_JOURNAL_COUNTS,
    SY_JOURNAL_ENTRIES,
    SY_JOURNAL_PENDING,
    SY_ENTRY_FIND_UID,
    SY_ACTION_FIND_UID,
    SY_ENTRY_ORIGINAL,
    SY_ENTRY_FORGET_REVS,
    SY_ENTRY_FORGET_ACTIONS,
    SY_ENTRY_FORGET,
    SY_OUTBOX_KEY,
    SY_INSTANCE,
    SY_CLAIM,
    SY_WATERMARK_GET,
    SY_WATERMARK_SET,
    SY_WATERMARK_FORGET,
    SY_FOLLOWED,
    SY_PULL_ENTRY_ID,
    SY_PULL_MOVE_ENTRY,
    SY_PULL_MOVE_REVS,
    SY_PULL_MOVE_ACTIONS,
    SY_PULL_ENTRY_UPSERT,
    SY_PULL_REVS_DELETE,
    SY_PULL_REV_INSERT,
    SY_PULL_INCIDENT_UPSERT,
    SY_PULL_READ_INCIDENT,
    SY_PULL_READ_LIST,
    SY_PULL_READ_MILESTONES,
    SY_PULL_READ_ALL_MILESTONES,
    SY_PULL_READ_ENTRIES,
    SY_PULL_READ_REVS,
    SY_PULL_MILESTONES_DELETE,
    SY_PULL_MILESTONE_INSERT,
    SY_PULL_TABLES, /* 3 per small table: read (server), delete, insert (replica) */
};

/* ---- the replica's own tables ---- */

/*
 * The journal: one row per local write, in order, with the entries and outbox messages it wrote
 * (by uid / idempotency key: their local ids change when the server's copies arrive). A row is
 * deleted once the server has it; a refused one stays, failed, for the user to see.
 * sync_incidents: per incident, how far its entries were read (the server's change counter and
 * entry id of the last one) and whether everything else of it was read once.
 */
static const char replica_schema[] =
    "CREATE TABLE IF NOT EXISTS sync_state(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sync_journal("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  incident_id INTEGER NOT NULL,"
    "  op TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending',"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sync_journal_items("
    "  seq INTEGER NOT NULL REFERENCES sync_journal(seq) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  what TEXT NOT NULL,"
    "  ref TEXT NOT NULL,"
    "  PRIMARY KEY(seq, pos)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sync_journal_items_ref ON sync_journal_items(ref);"
    "CREATE TABLE IF NOT EXISTS sync_incidents("
    "  incident_id INTEGER PRIMARY KEY,"
    "  seq INTEGER NOT NULL,"
    "  last_id INTEGER NOT NULL,"
    "  complete INTEGER NOT NULL DEFAULT 0);";

int store_replica_setup(struct store *s, struct wr_error *err)
{
    if (db_engine(s->db) != DB_SQLITE)
        return wr_fail(err, WR_E_DB, "a replica is a local SQLite file, not %s", s->path);
    if (db_exec(s->db, replica_schema) != 0)
        return store_db_fail(s, err, "preparing the local copy");
    return 0;
}

int store_replica_state_get(struct store *s, const char *key, char *buf, size_t n,
                            struct wr_error *err)
{
    struct db_stmt *st =
        store_stmt(s, SY_STATE_GET, "SELECT value FROM sync_state WHERE key = ?1", err);
    if (!st)
        return -1;
    db_bind_text(st, 1, key);
    int r = db_step(st);
    const char *v = r == DB_ROW ? db_col_text(st, 0) : "";
    snprintf(buf, n, "%s", v ? v : "");
    db_reset(st);
    return r == DB_ERROR ? store_db_fail(s, err, "reading the local copy's state") : 0;
}

int store_replica_state_set(struct store *s, const char *key, const char *value,
                            struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, SY_STATE_SET,
                                    "INSERT INTO sync_state(key, value) VALUES(?1, ?2)"
                                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                    err);
    if (!st)
        return -1;
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value);
    return store_step_done(s, st, err, "saving the local copy's state");
}

/* ---- the journal ---- */

static int scalar(struct store *s, int slot, const char *sql, int64_t *out, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, slot, sql, err);
    if (!st)
        return -1;
    int r = db_step(st);
    *out = r == DB_ROW ? db_col_int64(st, 0) : 0;
    db_reset(st);
    return r == DB_ERROR ? store_db_fail(s, err, "reading the local copy") : 0;
}

int store_journal_mark(struct store *s, struct store_journal_mark *m, struct wr_error *err)
{
    if (scalar(s, SY_MAX_ENTRY, "SELECT coalesce(max(id), 0) FROM entries", &m->entries, err) ||
        scalar(s, SY_MAX_OUTBOX, "SELECT coalesce(max(id), 0) FROM outbox", &m->outbox, err))
        return -1;
    return 0;
}

int store_journal_add(struct store *s, const struct store_journal_mark *m, int64_t incident_id,
                      const char *op, char *uid_out, struct wr_error *err)
{
    char uid[40];
    wr_uid_new(uid, sizeof uid);
    struct db_stmt *st = store_stmt(s, SY_JOURNAL_INSERT,
                                    "INSERT INTO sync_journal(uid, incident_id, op, created_ms)"
                                    " VALUES(?1, ?2, ?3, ?4) RETURNING seq",
                                    err);
    if (!st)
        return -1;
    db_bind_text(st, 1, uid);
    db_bind_int64(st, 2, incident_id);
    db_bind_text(st, 3, op);
    db_bind_int64(st, 4, wr_now_ms());
    int64_t seq;
    if (store_step_id(s, st, &seq, err, "saving the change in the local journal") != 0)
        return -1;
    /* The rows the write added, in the order it added them (ids grow). */
    st = store_stmt(s, SY_JOURNAL_ITEMS_ENTRIES,
                    "INSERT INTO sync_journal_items(seq, pos, what, ref)"
                    " SELECT ?1, row_number() OVER (ORDER BY id), 'entry', uid FROM entries"
                    " WHERE id > ?2",
                    err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, seq);
    db_bind_int64(st, 2, m->entries);
    if (store_step_done(s, st, err, "saving the change in the local journal") != 0)
        return -1;
    st = store_stmt(s, SY_JOURNAL_ITEMS_OUTBOX,
                    "INSERT INTO sync_journal_items(seq, pos, what, ref)"
                    " SELECT ?1, 1000000 + row_number() OVER (ORDER BY id), 'outbox',"
                    " idempotency_key FROM outbox WHERE id > ?2",
                    err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, seq);
    db_bind_int64(st, 2, m->outbox);
    if (store_step_done(s, st, err, "saving the change in the local journal") != 0)
        return -1;
    if (uid_out)
        memcpy(uid_out, uid, sizeof uid);
    return 0;
}

void store_journal_op_clear(struct store_journal_op *op)
{
    free(op->op);
    free(op->reason);
    for (size_t i = 0; i < op->n_entries; i++)
        free(op->entry_uids[i]);
    free(op->entry_uids);
    for (size_t i = 0; i < op->n_outbox; i++)
        free(op->outbox_keys[i]);
    free(op->outbox_keys);
    memset(op, 0, sizeof *op);
}

/* Append a copy of text to the growing list *arr of *n. */
static int push_string(char ***arr, size_t *n, const char *text)
{
    char **grown = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!grown)
        return -1;
    *arr = grown;
    if (!(grown[*n] = strdup(text ? text : "")))
        return -1;
    (*n)++;
    return 0;
}

/* The next operation after `after` in `state` ("pending" or "failed"). */
static int journal_next(struct store *s, const char *state, int64_t after,
                        struct store_journal_op *out, bool *found, struct wr_error *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    struct db_stmt *st = store_stmt(s, SY_JOURNAL_NEXT,
                                    "SELECT seq, uid, incident_id, op, attempts, created_ms, reason"
                                    " FROM sync_journal WHERE state = ?2 AND seq > ?1"
                                    " ORDER BY seq LIMIT 1",
                                    err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, after);
    db_bind_text(st, 2, state);
    int r = db_step(st);
    if (r == DB_ROW) {
        out->seq = db_col_int64(st, 0);
        snprintf(out->uid, sizeof out->uid, "%s", db_col_text(st, 1));
        out->incident_id = db_col_int64(st, 2);
        out->op = store_col_strdup(st, 3);
        out->attempts = db_col_int(st, 4);
        out->created_ms = db_col_int64(st, 5);
        out->reason = store_col_strdup(st, 6);
    }
    db_reset(st);
    if (r == DB_ERROR)
        return store_db_fail(s, err, "reading the local journal");
    if (r != DB_ROW)
        return 0;
    if (!out->op || !out->reason)
        goto oom;
    st = store_stmt(s, SY_JOURNAL_ITEMS,
                    "SELECT what, ref FROM sync_journal_items WHERE seq = ?1 ORDER BY pos", err);
    if (!st)
        goto fail;
    db_bind_int64(st, 1, out->seq);
    while ((r = db_step(st)) == DB_ROW) {
        bool entry = strcmp(db_col_text(st, 0), "entry") == 0;
        if (entry ? push_string(&out->entry_uids, &out->n_entries, db_col_text(st, 1))
                  : push_string(&out->outbox_keys, &out->n_outbox, db_col_text(st, 1))) {
            db_reset(st);
            goto oom;
        }
    }
    db_reset(st);
    if (r == DB_ERROR) {
        store_db_fail(s, err, "reading the local journal");
        goto fail;
    }
    *found = true;
    return 0;
oom:
    wr_fail(err, WR_E_NOMEM, "out of memory reading the local journal");
fail:
    store_journal_op_clear(out);
    return -1;
}

int store_journal_next(struct store *s, int64_t after, struct store_journal_op *out, bool *found,
                       struct wr_error *err)
{
    return journal_next(s, "pending", after, out, found, err);
}

int store_journal_next_refused(struct store *s, int64_t after, struct store_journal_op *out,
                               bool *found, struct wr_error *err)
{
    return journal_next(s, "failed", after, out, found, err);
}

static int journal_update(struct store *s, int slot, const char *sql, int64_t seq,
                          const char *reason, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, slot, sql, err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, seq);
    if (reason)
        db_bind_text(st, 2, reason);
    return store_step_done(s, st, err, "updating the local journal");
}

int store_journal_done(struct store *s, int64_t seq, struct wr_error *err)
{
    /* Items go with it (ON DELETE CASCADE: the replica has foreign keys on). */
    return journal_update(s, SY_JOURNAL_DELETE, "DELETE FROM sync_journal WHERE seq = ?1", seq,
                          NULL, err);
}

int store_journal_failed(struct store *s, int64_t seq, const char *reason, struct wr_error *err)
{
    return journal_update(s, SY_JOURNAL_FAIL,
                          "UPDATE sync_journal SET state = 'failed', reason = ?2,"
                          " attempts = attempts + 1 WHERE seq = ?1",
                          seq, reason ? reason : "", err);
}

int store_journal_retry(struct store *s, int64_t seq, struct wr_error *err)
{
    return journal_update(s, SY_JOURNAL_RETRY,
                          "UPDATE sync_journal SET attempts = attempts + 1 WHERE seq = ?1", seq,
                          NULL, err);
}

int store_journal_counts(struct store *s, int64_t *pending, int64_t *failed, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, SY_JOURNAL_COUNTS,
                                    "SELECT count(*) FILTER (WHERE state = 'pending'),"
                                    " count(*) FILTER (WHERE state = 'failed') FROM sync_journal",
                                    err);
    if (!st)
        return -1;
    int r = db_step(st);
    *pending = r == DB_ROW ? db_col_int64(st, 0) : 0;
    *failed = r == DB_ROW ? db_col_int64(st, 1) : 0;
    db_reset(st);
    return r == DB_ROW ? 0 : store_db_fail(s, err, "reading the local journal");
}

static int read_journal_entry(struct db_stmt *st, void *elem)
{
    struct store_journal_entry *e = elem;
    snprintf(e->uid, sizeof e->uid, "%s", db_col_text(st, 0));
    e->failed = db_col_int(st, 1) != 0;
    return 0;
}

static void clear_nothing(void *elem)
{
    (void)elem;
}

int store_journal_entries(struct store *s, int64_t incident_id, struct store_journal_entry **out,
                          size_t *n, struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st = store_stmt(s, SY_JOURNAL_ENTRIES,
                                    "SELECT i.ref, j.state = 'failed' FROM sync_journal j"
                                    " JOIN sync_journal_items i ON i.seq = j.seq"
                                    " WHERE j.incident_id = ?1 AND i.what = 'entry'",
                                    err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    void *arr;
    if (store_read_rows(s, st, sizeof **out, read_journal_entry, clear_nothing, &arr, n,
                        "reading the local journal", err) != 0)
        return -1;
    *out = arr;
    return 0;
}

/* ---- lookups the replay needs ---- */

int store_entry_find_uid(struct store *s, const char *uid, int64_t *id, int64_t *incident_id,
                         struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, SY_ENTRY_FIND_UID,
                                    "SELECT id, incident_id FROM entries WHERE uid = ?1", err);
    if (!st)
        return -1;
    db_bind_text(st, 1, uid);
    int r = db_step(st);
    *id = r == DB_ROW ? db_col_int64(st, 0) : 0;
    if (incident_id)
        *incident_id = r == DB_ROW ? db_col_int64(st, 1) : 0;
    db_reset(st);
    return r == DB_ERROR ? store_db_fail(s, err, "looking up an entry") : 0;
}

int store_action_find_uid(struct store *s, const char *uid, int64_t *id, int64_t *source,
                          struct wr_error *err)
{
    struct db_stmt *st = store_stmt(
        s, SY_ACTION_FIND_UID,
        "SELECT id, coalesce(source_entry_id, 0) FROM action_items WHERE uid = ?1", err);
    if (!st)
        return -1;
    db_bind_text(st, 1, uid);
    int r = db_step(st);
    *id = r == DB_ROW ? db_col_int64(st, 0) : 0;
    if (source)
        *source = r == DB_ROW ? db_col_int64(st, 1) : 0;
    db_reset(st);
    return r == DB_ERROR ? store_db_fail(s, err, "looking up an action item") : 0;
}

int store_entry_original(struct store *s, const char *uid, struct entry *out, struct wr_error *err)
{
    entry_init(out);
    struct db_stmt *st = store_stmt(
        s, SY_ENTRY_ORIGINAL,
        "SELECT e.id, e.incident_id, coalesce(h.at_ms, e.at_ms), e.recorded_ms,"
        " coalesce(h.kind, e.kind), e.author, coalesce(h.text, e.text),"
        " coalesce(h.pinned, e.pinned), e.data FROM entries e"
        " LEFT JOIN entry_history h ON h.entry_id = e.id AND h.rev = 1 WHERE e.uid = ?1",
        err);
    if (!st)
        return -1;
    db_bind_text(st, 1, uid);
    int r = db_step(st);
    if (r == DB_ROW) {
        out->id = db_col_int64(st, 0);
        snprintf(out->uid, sizeof out->uid, "%s", uid);
        out->incident_id = db_col_int64(st, 1);
        out->at_ms = db_col_int64(st, 2);
        out->recorded_ms = db_col_int64(st, 3);
        int k = kind_from_name(db_col_text(st, 4));
        out->kind = k < 0 ? KIND_NOTE : (enum entry_kind)k;
        out->author = store_col_strdup(st, 5);
        out->text = store_col_strdup(st, 6);
        out->pinned = db_col_int(st, 7) != 0;
        const char *data = db_col_text(st, 8);
        out->data = data && *data ? strdup(data) : NULL;
        out->rev = 1;
    }
    db_reset(st);
    if (r == DB_ERROR)
        return store_db_fail(s, err, "reading an entry of the local journal");
    if (r != DB_ROW)
        return wr_fail(err, WR_E_NOT_FOUND, "entry %s is no longer in the local copy", uid);
    if (!out->author || !out->text) {
        entry_clear(out);
        return wr_fail(err, WR_E_NOMEM, "out of memory reading an entry");
    }
    return 0;
}

int store_entries_forget(struct store *s, char *const *uids, size_t n, struct wr_error *err)
{
    static const struct {
        int slot;
        const char *sql;
    } steps[] = {
        {SY_ENTRY_FORGET_ACTIONS,
         "DELETE FROM action_items WHERE source_entry_id IN"
         " (SELECT id FROM entries WHERE uid = ?1)"},
        {SY_ENTRY_FORGET_REVS,
         "DELETE FROM entry_history WHERE entry_id IN (SELECT id FROM entries WHERE uid = ?1)"},
        {SY_ENTRY_FORGET, "DELETE FROM entries WHERE uid = ?1"},
    };
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
            struct db_stmt *st = store_stmt(s, steps[k].slot, steps[k].sql, err);
            if (!st)
                return -1;
            db_bind_text(st, 1, uids[i]);
            if (store_step_done(s, st, err, "removing a refused change from the local copy") != 0)
                return -1;
        }
    return 0;
}

int store_outbox_find_key(struct store *s, const char *key, struct outbox_msg *out, bool *found,
                          struct wr_error *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    struct db_stmt *st = store_stmt(s, SY_OUTBOX_KEY,
                                    "SELECT id, incident_id, destination, template, subject, body,"
                                    " idempotency_key, author, created_ms FROM outbox"
                                    " WHERE idempotency_key = ?1",
                                    err);
    if (!st)
        return -1;
    db_bind_text(st, 1, key);
    int r = db_step(st);
    if (r == DB_ROW) {
        out->id = db_col_int64(st, 0);
        out->incident_id = db_col_int64(st, 1);
        out->destination = store_col_strdup(st, 2);
        out->template_name = store_col_strdup(st, 3);
        out->subject = store_col_strdup(st, 4);
        out->body = store_col_strdup(st, 5);
        out->idempotency_key = store_col_strdup(st, 6);
        out->author = store_col_strdup(st, 7);
        out->created_ms = db_col_int64(st, 8);
        snprintf(out->status, sizeof out->status, "queued");
        *found = true;
    }
    db_reset(st);
    if (r == DB_ERROR)
        return store_db_fail(s, err, "reading the local outbox");
    if (*found && !(out->destination && out->template_name && out->subject && out->body &&
                    out->idempotency_key && out->author)) {
        outbox_msg_clear(out);
        *found = false;
        return wr_fail(err, WR_E_NOMEM, "out of memory reading the local outbox");
    }
    return 0;
}

/* ---- the server's side ---- */

int store_sync_instance(struct store *s, int64_t *id, struct wr_error *err)
{
    return scalar(s, SY_INSTANCE, "SELECT value FROM meta WHERE key = 'instance_id'", id, err);
}

int store_sync_claim(struct store *s, const char *uid, bool *fresh, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, SY_CLAIM,
                                    "INSERT INTO sync_applied(uid, applied_ms) VALUES(?1, ?2)"
                                    " ON CONFLICT(uid) DO NOTHING RETURNING 1",
                                    err);
    if (!st)
        return -1;
    db_bind_text(st, 1, uid);
    db_bind_int64(st, 2, wr_now_ms());
    int r = db_step(st);
    *fresh = r == DB_ROW;
    db_reset(st);
    return r == DB_ERROR ? store_db_fail(s, err, "recording the change as applied") : 0;
}

/* ---- rows read from the server, kept until they are applied to the replica ---- */

/* One column's value. Column types (one letter per column):
 *   i  integer   n  integer or NULL   t  text   T  text or NULL */
struct pull_value {
    int64_t i;
    char *t; /* text, or NULL for a NULL */
    bool null;
};

struct pull_rows {
    const char *types;
    int ncols;
    size_t n, cap; /* rows */
    struct pull_value *v;
};

static void rows_free(struct pull_rows *r)
{
    for (size_t k = 0; k < r->n * (size_t)r->ncols; k++)
        free(r->v[k].t);
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* Read every row of the bound statement st as `types`. The statement is reset. */
static int rows_read(struct store *s, struct db_stmt *st, const char *types, struct pull_rows *r,
                     struct wr_error *err)
{
    int step, rc = -1;
    r->types = types;
    r->ncols = (int)strlen(types);
    while ((step = db_step(st)) == DB_ROW) {
        struct pull_value *grown = store_array_grow(r->v, &r->cap, (r->n + 1) * (size_t)r->ncols,
                                                    sizeof *r->v);
        if (!grown) {
            wr_fail(err, WR_E_NOMEM, "out of memory reading the server's changes");
            goto out;
        }
        r->v = grown;
        struct pull_value *row = r->v + r->n * (size_t)r->ncols;
        memset(row, 0, (size_t)r->ncols * sizeof *row);
        r->n++;
        for (int c = 0; c < r->ncols; c++) {
            row[c].null = db_col_null(st, c);
            if (types[c] == 't' || types[c] == 'T') {
                if (!row[c].null || types[c] == 't') {
                    const char *t = db_col_text(st, c);
                    if (!(row[c].t = strdup(t ? t : ""))) {
                        wr_fail(err, WR_E_NOMEM, "out of memory reading the server's changes");
                        goto out;
                    }
                    row[c].null = false;
                }
            } else {
                row[c].i = db_col_int64(st, c);
            }
        }
    }
    if (step != DB_DONE) {
        store_db_fail(s, err, "reading the server's changes");
        goto out;
    }
    rc = 0;
out:
    db_reset(st);
    return rc;
}

static const struct pull_value *rows_at(const struct pull_rows *r, size_t row)
{
    return r->v + row * (size_t)r->ncols;
}

/* Bind the columns of one row as parameters first, first + 1, ... */
static void rows_bind(struct db_stmt *st, const struct pull_rows *r, size_t row, int first)
{
    const struct pull_value *v = rows_at(r, row);
    for (int c = 0; c < r->ncols; c++) {
        char t = r->types[c];
        if (t == 't' || t == 'T')
            db_bind_text(st, first + c, v[c].null ? NULL : v[c].t);
        else if (v[c].null)
            db_bind_null_int64(st, first + c);
        else
            db_bind_int64(st, first + c, v[c].i);
    }
}

/*
 * Everything of an incident besides its row and its entries: small, so read whole and replaced
 * whole in the replica. Ids are the server's: INSERT OR REPLACE drops a row of the replica that
 * holds the same id or unique key (one this laptop wrote, now on the server under its own id).
 */
static const struct pull_table {
    const char *what;
    const char *read;   /* server: ?1 = incident id */
    const char *types;
    const char *clear;  /* replica: ?1 = incident id */
    const char *insert; /* replica: ?1 = incident id, ?2.. = the columns read */
} pull_tables[] = {
    {"severity history",
     "SELECT id, at_ms, severity, rationale, author FROM severity_changes WHERE incident_id = ?1",
     "iiitt", "DELETE FROM severity_changes WHERE incident_id = ?1",
     "INSERT OR REPLACE INTO severity_changes(incident_id, id, at_ms, severity, rationale, author)"
     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
    {"roles",
     "SELECT id, at_ms, role, name, note, author, current FROM role_assignments"
     " WHERE incident_id = ?1",
     "iitttti", "DELETE FROM role_assignments WHERE incident_id = ?1",
     "INSERT OR REPLACE INTO role_assignments(incident_id, id, at_ms, role, name, note, author,"
     " current) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
    {"action items",
     "SELECT id, type, description, owner, priority, deadline_ms, status, ticket,"
     " source_entry_id, created_ms, updated_ms, uid FROM action_items WHERE incident_id = ?1",
     "ittttnttniiT", "DELETE FROM action_items WHERE incident_id = ?1",
     "INSERT OR REPLACE INTO action_items(incident_id, id, type, description, owner, priority,"
     " deadline_ms, status, ticket, source_entry_id, created_ms, updated_ms, uid)"
     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"},
    {"outbox",
     "SELECT id, destination, template, subject, body, idempotency_key, status, attempts,"
     " created_ms, next_attempt_ms, claimed_ms, sent_ms, last_error, author FROM outbox"
     " WHERE incident_id = ?1",
     "ittttttiiinntt", "DELETE FROM outbox WHERE incident_id = ?1",
     "INSERT OR REPLACE INTO outbox(incident_id, id, destination, template, subject, body,"
     " idempotency_key, status, attempts, created_ms, next_attempt_ms, claimed_ms, sent_ms,"
     " last_error, author) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
     " ?15)"},
    {"worksheet",
     "SELECT field, value, updated_ms, author FROM postmortem_fields WHERE incident_id = ?1",
     "ttit", "DELETE FROM postmortem_fields WHERE incident_id = ?1",
     "INSERT INTO postmortem_fields(incident_id, field, value, updated_ms, author)"
     " VALUES(?1, ?2, ?3, ?4, ?5)"},
    {"facts", "SELECT field, value, updated_ms, author FROM incident_facts WHERE incident_id = ?1",
     "ttit", "DELETE FROM incident_facts WHERE incident_id = ?1",
     "INSERT INTO incident_facts(incident_id, field, value, updated_ms, author)"
     " VALUES(?1, ?2, ?3, ?4, ?5)"},
};
#define PULL_TABLES ((int)(sizeof pull_tables / sizeof pull_tables[0]))
_Static_assert(SY_PULL_TABLES + 3 * PULL_TABLES <= STORE_SLOTS_END,
               "the replica's statements fit their slot range");

#define INCIDENT_TYPES "itttttttiiit"
#define ENTRY_TYPES "iiiitttiiitTiT"
#define REVISION_TYPES "iiittitii"

struct store_pull {
    enum store_pull_what what;
    int64_t incident_id;
    struct pull_rows incidents;  /* INCIDENT_TYPES, then the server's change counter (PULL_LIST:
                                  * without it) */
    struct pull_rows milestones; /* incident_id, name, at_ms */
    struct pull_rows entries;    /* ENTRY_TYPES: id, incident_id, at_ms, ..., uid, changed_ms,
                                  * changed_by, then change_seq */
    struct pull_rows revisions;  /* REVISION_TYPES: their superseded revisions */
    struct pull_rows tables[PULL_TABLES];
    bool whole;      /* the batch ends the entries: everything else was read too */
    bool more;       /* entries remain */
    int64_t since_seq, since_id;
    int64_t seq, last_id; /* the watermark once applied */
};

void store_pull_free(struct store_pull **pp)
{
    if (!pp || !*pp)
        return;
    struct store_pull *p = *pp;
    rows_free(&p->incidents);
    rows_free(&p->milestones);
    rows_free(&p->entries);
    rows_free(&p->revisions);
    for (int t = 0; t < PULL_TABLES; t++)
        rows_free(&p->tables[t]);
    free(p);
    *pp = NULL;
}

bool store_pull_more(const struct store_pull *p)
{
    return p->more;
}

size_t store_pull_entries(const struct store_pull *p)
{
    return p->entries.n;
}

/* Run a read of the server into r: bind ?1 = id unless id < 0. */
static int pull_query(struct store *s, int slot, const char *sql, int64_t id, const char *types,
                      struct pull_rows *r, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, slot, sql, err);
    if (!st)
        return -1;
    if (id >= 0)
        db_bind_int64(st, 1, id);
    return rows_read(s, st, types, r, err);
}

static int pull_read_entries(struct store *s, struct store_pull *p, size_t limit,
                             struct wr_error *err)
{
    struct db_stmt *st = store_stmt(
        s, SY_PULL_READ_ENTRIES,
        "SELECT id, incident_id, at_ms, recorded_ms, kind, author, text, pinned, deleted, rev,"
        " data, uid, changed_ms, changed_by, change_seq FROM entries WHERE incident_id = ?1"
        " AND (change_seq, id) > (?2, ?3) ORDER BY change_seq, id LIMIT ?4",
        err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, p->incident_id);
    db_bind_int64(st, 2, p->since_seq);
    db_bind_int64(st, 3, p->since_id);
    db_bind_int64(st, 4, (int64_t)limit);
    if (rows_read(s, st, ENTRY_TYPES "i", &p->entries, err) != 0)
        return -1;
    if (p->entries.n == 0)
        return 0;
    const struct pull_value *last = rows_at(&p->entries, p->entries.n - 1);
    int64_t last_seq = last[14].i, last_id = last[0].i;
    st = store_stmt(
        s, SY_PULL_READ_REVS,
        "SELECT r.entry_id, r.rev, r.changed_ms, r.author, r.kind, r.at_ms, r.text, r.pinned,"
        " r.deleted FROM entry_history r JOIN entries e ON e.id = r.entry_id"
        " WHERE e.incident_id = ?1 AND (e.change_seq, e.id) > (?2, ?3)"
        " AND (e.change_seq, e.id) <= (?4, ?5) ORDER BY r.entry_id, r.rev",
        err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, p->incident_id);
    db_bind_int64(st, 2, p->since_seq);
    db_bind_int64(st, 3, p->since_id);
    db_bind_int64(st, 4, last_seq);
    db_bind_int64(st, 5, last_id);
    if (rows_read(s, st, REVISION_TYPES, &p->revisions, err) != 0)
        return -1;
    p->seq = last_seq;
    p->last_id = last_id;
    return 0;
}

int store_pull_read(struct store *s, enum store_pull_what what, int64_t incident_id,
                    int64_t since_seq, int64_t since_id, size_t limit, struct store_pull **out,
                    struct wr_error *err)
{
    int rc = -1;
    *out = NULL;
    struct store_pull *p = calloc(1, sizeof *p);
    if (!p)
        return wr_fail(err, WR_E_NOMEM, "out of memory reading the server's changes");
    p->what = what;
    p->incident_id = incident_id;
    p->since_seq = p->seq = since_seq;
    p->since_id = p->last_id = since_id;
    /* One snapshot: the counter read with the row bounds the entries read after it. */
    if (db_begin_read(s->db) != 0) {
        store_db_fail(s, err, "reading the server's changes");
        goto out;
    }
    if (what == PULL_LIST) {
        if (pull_query(s, SY_PULL_READ_LIST,
                       "SELECT id, uid, title, services, summary, impact, tags, phase, severity,"
                       " created_ms, updated_ms, tz FROM incidents ORDER BY id",
                       -1, INCIDENT_TYPES, &p->incidents, err) != 0 ||
            pull_query(s, SY_PULL_READ_ALL_MILESTONES,
                       "SELECT incident_id, name, at_ms FROM milestones ORDER BY incident_id",
                       -1, "iti", &p->milestones, err) != 0)
            goto out;
        rc = 0;
        goto out;
    }
    if (pull_query(s, SY_PULL_READ_INCIDENT,
                   "SELECT id, uid, title, services, summary, impact, tags, phase, severity,"
                   " created_ms, updated_ms, tz, change_seq FROM incidents WHERE id = ?1",
                   incident_id, INCIDENT_TYPES "i", &p->incidents, err) != 0 ||
        pull_query(s, SY_PULL_READ_MILESTONES,
                   "SELECT incident_id, name, at_ms FROM milestones WHERE incident_id = ?1",
                   incident_id, "iti", &p->milestones, err) != 0)
        goto out;
    if (p->incidents.n == 0) {
        wr_fail(err, WR_E_NOT_FOUND, "no incident %lld on the server %s", (long long)incident_id,
                s->path);
        goto out;
    }
    if (what == PULL_ROW) {
        rc = 0;
        goto out;
    }
    if (pull_read_entries(s, p, limit, err) != 0)
        goto out;
    p->more = p->entries.n >= limit;
    if (!p->more) {
        /* The last batch: every entry up to the counter read in this snapshot is in the
         * replica once it is applied, and so is everything else of the incident. */
        p->whole = true;
        int64_t counter = rows_at(&p->incidents, 0)[12].i;
        if (counter > p->seq) {
            p->seq = counter;
            p->last_id = INT64_MAX;
        }
        for (int t = 0; t < PULL_TABLES; t++)
            if (pull_query(s, SY_PULL_TABLES + 3 * t, pull_tables[t].read, incident_id,
                           pull_tables[t].types, &p->tables[t], err) != 0)
                goto out;
    }
    rc = 0;
out:
    if (db_in_transaction(s->db))
        db_rollback(s->db);
    if (rc != 0)
        store_pull_free(&p);
    *out = p;
    return rc;
}

/* ---- applying a read to the replica ---- */

static int apply_incident_row(struct store *s, const struct pull_rows *r, size_t row,
                              struct wr_error *err)
{
    struct db_stmt *st = store_stmt(
        s, SY_PULL_INCIDENT_UPSERT,
        "INSERT INTO incidents(id, uid, title, services, summary, impact, tags, phase, severity,"
        " created_ms, updated_ms, tz) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        " ON CONFLICT(id) DO UPDATE SET uid = excluded.uid, title = excluded.title,"
        " services = excluded.services, summary = excluded.summary, impact = excluded.impact,"
        " tags = excluded.tags, phase = excluded.phase, severity = excluded.severity,"
        " created_ms = excluded.created_ms, updated_ms = excluded.updated_ms, tz = excluded.tz",
        err);
    if (!st)
        return -1;
    rows_bind(st, r, row, 1); /* a 13th column (the counter) has no parameter: ignored */
    return store_step_done(s, st, err, "copying an incident");
}

/* Replace the milestones of every incident in `incidents` with those in `ms`. */
static int apply_milestones(struct store *s, const struct pull_rows *incidents,
                            const struct pull_rows *ms, struct wr_error *err)
{
    for (size_t i = 0; i < incidents->n; i++) {
        struct db_stmt *st = store_stmt(s, SY_PULL_MILESTONES_DELETE,
                                        "DELETE FROM milestones WHERE incident_id = ?1", err);
        if (!st)
            return -1;
        db_bind_int64(st, 1, rows_at(incidents, i)[0].i);
        if (store_step_done(s, st, err, "copying milestones") != 0)
            return -1;
    }
    for (size_t i = 0; i < ms->n; i++) {
        struct db_stmt *st = store_stmt(
            s, SY_PULL_MILESTONE_INSERT,
            "INSERT OR REPLACE INTO milestones(incident_id, name, at_ms) VALUES(?1, ?2, ?3)", err);
        if (!st)
            return -1;
        rows_bind(st, ms, i, 1);
        if (store_step_done(s, st, err, "copying milestones") != 0)
            return -1;
    }
    return 0;
}

/* Give the replica's entry `from` the id `to` (free), with its history and action item. */
static int move_entry(struct store *s, int64_t from, int64_t to, struct wr_error *err)
{
    static const struct {
        int slot;
        const char *sql;
    } steps[] = {
        {SY_PULL_MOVE_ENTRY, "UPDATE entries SET id = ?2 WHERE id = ?1"},
        {SY_PULL_MOVE_REVS, "UPDATE entry_history SET entry_id = ?2 WHERE entry_id = ?1"},
        {SY_PULL_MOVE_ACTIONS,
         "UPDATE action_items SET source_entry_id = ?2 WHERE source_entry_id = ?1"},
    };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        struct db_stmt *st = store_stmt(s, steps[k].slot, steps[k].sql, err);
        if (!st)
            return -1;
        db_bind_int64(st, 1, from);
        db_bind_int64(st, 2, to);
        if (store_step_done(s, st, err, "renumbering a local entry") != 0)
            return -1;
    }
    return 0;
}

/*
 * Put the server's entry (row `i` of p->entries) at its server id. The replica may hold it under
 * another id (written here, then delivered), and the server's id may be taken by an entry written
 * here that the server numbered otherwise: that one moves to a free id first.
 */
static int apply_entry(struct store *s, const struct store_pull *p, size_t i, struct wr_error *err)
{
    const struct pull_value *v = rows_at(&p->entries, i);
    int64_t server_id = v[0].i;
    const char *uid = v[11].null ? NULL : v[11].t;
    int64_t local_id = 0;
    if (uid && store_entry_find_uid(s, uid, &local_id, NULL, err) != 0)
        return -1;
    if (local_id != server_id) {
        struct db_stmt *st =
            store_stmt(s, SY_PULL_ENTRY_ID, "SELECT coalesce(max(id), 0) + 1,"
                                            " EXISTS(SELECT 1 FROM entries WHERE id = ?1)"
                                            " FROM entries",
                       err);
        if (!st)
            return -1;
        db_bind_int64(st, 1, server_id);
        int r = db_step(st);
        int64_t free_id = r == DB_ROW ? db_col_int64(st, 0) : 0;
        bool taken = r == DB_ROW && db_col_int(st, 1) != 0;
        db_reset(st);
        if (r != DB_ROW)
            return store_db_fail(s, err, "copying an entry");
        if (taken && move_entry(s, server_id, free_id, err) != 0)
            return -1;
        if (local_id != 0 && move_entry(s, local_id, server_id, err) != 0)
            return -1;
    }
    struct db_stmt *st = store_stmt(
        s, SY_PULL_ENTRY_UPSERT,
        "INSERT INTO entries(id, incident_id, at_ms, recorded_ms, kind, author, text, pinned,"
        " deleted, rev, data, uid, changed_ms, changed_by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        " ON CONFLICT(id) DO UPDATE SET incident_id = excluded.incident_id,"
        " at_ms = excluded.at_ms, recorded_ms = excluded.recorded_ms, kind = excluded.kind,"
        " author = excluded.author, text = excluded.text, pinned = excluded.pinned,"
        " deleted = excluded.deleted, rev = excluded.rev, data = excluded.data,"
        " uid = excluded.uid, changed_ms = excluded.changed_ms,"
        " changed_by = excluded.changed_by",
        err);
    if (!st)
        return -1;
    rows_bind(st, &p->entries, i, 1); /* the 15th column, the counter, is not stored */
    if (store_step_done(s, st, err, "copying an entry") != 0)
        return -1;
    st = store_stmt(s, SY_PULL_REVS_DELETE, "DELETE FROM entry_history WHERE entry_id = ?1", err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, server_id);
    return store_step_done(s, st, err, "copying an entry's history");
}

static int apply_entries(struct store *s, const struct store_pull *p, struct wr_error *err)
{
    for (size_t i = 0; i < p->entries.n; i++)
        if (apply_entry(s, p, i, err) != 0)
            return -1;
    for (size_t i = 0; i < p->revisions.n; i++) {
        struct db_stmt *st = store_stmt(
            s, SY_PULL_REV_INSERT,
            "INSERT INTO entry_history(entry_id, rev, changed_ms, author, kind, at_ms, text,"
            " pinned, deleted) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            err);
        if (!st)
            return -1;
        rows_bind(st, &p->revisions, i, 1);
        if (store_step_done(s, st, err, "copying an entry's history") != 0)
            return -1;
    }
    return 0;
}

static int apply_tables(struct store *s, const struct store_pull *p, struct wr_error *err)
{
    for (int t = 0; t < PULL_TABLES; t++) {
        struct db_stmt *st = store_stmt(s, SY_PULL_TABLES + 3 * t + 1, pull_tables[t].clear, err);
        if (!st)
            return -1;
        db_bind_int64(st, 1, p->incident_id);
        if (store_step_done(s, st, err, pull_tables[t].what) != 0)
            return -1;
        for (size_t i = 0; i < p->tables[t].n; i++) {
            st = store_stmt(s, SY_PULL_TABLES + 3 * t + 2, pull_tables[t].insert, err);
            if (!st)
                return -1;
            db_bind_int64(st, 1, p->incident_id);
            rows_bind(st, &p->tables[t], i, 2);
            if (store_step_done(s, st, err, pull_tables[t].what) != 0)
                return -1;
        }
    }
    return 0;
}

int store_replica_watermark(struct store *s, int64_t incident_id, int64_t *seq, int64_t *id,
                            bool *complete, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(
        s, SY_WATERMARK_GET,
        "SELECT seq, last_id, complete FROM sync_incidents WHERE incident_id = ?1", err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    int r = db_step(st);
    *seq = r == DB_ROW ? db_col_int64(st, 0) : -1;
    *id = r == DB_ROW ? db_col_int64(st, 1) : 0;
    if (complete)
        *complete = r == DB_ROW && db_col_int(st, 2) != 0;
    db_reset(st);
    return r == DB_ERROR ? store_db_fail(s, err, "reading the local copy's state") : 0;
}

static int read_id_row(struct db_stmt *st, void *elem)
{
    *(int64_t *)elem = db_col_int64(st, 0);
    return 0;
}

int store_replica_followed(struct store *s, int64_t **ids, size_t *n, struct wr_error *err)
{
    *ids = NULL;
    *n = 0;
    struct db_stmt *st = store_stmt(
        s, SY_FOLLOWED, "SELECT incident_id FROM sync_incidents ORDER BY incident_id", err);
    if (!st)
        return -1;
    void *arr;
    if (store_read_rows(s, st, sizeof **ids, read_id_row, clear_nothing, &arr, n,
                        "reading the local copy's state", err) != 0)
        return -1;
    *ids = arr;
    return 0;
}

int store_replica_forget_watermark(struct store *s, int64_t incident_id, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(s, SY_WATERMARK_FORGET,
                                    "DELETE FROM sync_incidents WHERE incident_id = ?1", err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    return store_step_done(s, st, err, "saving the local copy's state");
}

int store_pull_apply(struct store *s, const struct store_pull *p, bool *blocked,
                     struct wr_error *err)
{
    int rc = -1;
    *blocked = false;
    if (store_tx_begin(s, err) != 0)
        return -1;
    /* Checked inside the write lock: a write the cockpit commits meanwhile waits for us, and
     * one committed before is seen here. */
    int64_t pending = 0;
    if (scalar(s, SY_JOURNAL_PENDING,
               "SELECT count(*) FROM sync_journal WHERE state = 'pending'", &pending, err) != 0)
        goto out;
    if (pending > 0) {
        *blocked = true;
        rc = 0;
        goto out;
    }
    /* Renumbering entries passes through states the foreign keys would refuse; they are
     * checked at commit. */
    if (db_exec(s->db, "PRAGMA defer_foreign_keys = ON") != 0) {
        store_db_fail(s, err, "copying the server's changes");
        goto out;
    }
    for (size_t i = 0; i < p->incidents.n; i++)
        if (apply_incident_row(s, &p->incidents, i, err) != 0)
            goto out;
    if (apply_milestones(s, &p->incidents, &p->milestones, err) != 0)
        goto out;
    if (p->what == PULL_INCIDENT) {
        if (apply_entries(s, p, err) != 0 || (p->whole && apply_tables(s, p, err) != 0))
            goto out;
        struct db_stmt *st = store_stmt(
            s, SY_WATERMARK_SET,
            "INSERT INTO sync_incidents(incident_id, seq, last_id, complete)"
            " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(incident_id) DO UPDATE SET seq = excluded.seq,"
            " last_id = excluded.last_id, complete = max(complete, excluded.complete)",
            err);
        if (!st)
            goto out;
        db_bind_int64(st, 1, p->incident_id);
        db_bind_int64(st, 2, p->seq);
        db_bind_int64(st, 3, p->last_id);
        db_bind_int(st, 4, p->whole ? 1 : 0);
        if (store_step_done(s, st, err, "saving the local copy's state") != 0)
            goto out;
    }
    if (store_tx_commit(s, err) != 0)
        goto out;
    return 0;
out:
    store_tx_rollback(s);
    return rc;
}
