/* store_outbox.c: the store's outbox of stakeholder messages (queue, claim, sent, failed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "store_internal.h"

enum {
    OB_INSERT = STORE_SLOTS_OUTBOX,
    OB_CLAIM,
    OB_ANY_DUE,
    OB_SENT,
    OB_FAILED,
    OB_LIST,
    OB_LIST_ALL,
    OB_RETRY,
    OB_COUNTS,
    OB_LAST_SENT,
    OB_COMMS_DATA,
    OB_GET,
    OB_NEXT_DUE,
    OB_CLAIM_PG,
};

#define OB_COLUMNS                                                                                 \
    "id, incident_id, destination, template, subject, body, idempotency_key, status, attempts,"    \
    " created_ms, next_attempt_ms, coalesce(claimed_ms, 0), coalesce(sent_ms, 0), last_error,"     \
    " author"

void outbox_msg_clear(struct outbox_msg *m)
{
    if (!m)
        return;
    free(m->destination);
    free(m->template_name);
    free(m->subject);
    free(m->body);
    free(m->idempotency_key);
    free(m->last_error);
    free(m->author);
    memset(m, 0, sizeof *m);
}

void store_outbox_free(struct outbox_msg **arr, size_t n)
{
    if (!arr || !*arr)
        return;
    for (size_t i = 0; i < n; i++)
        outbox_msg_clear(&(*arr)[i]);
    free(*arr);
    *arr = NULL;
}

/* store_row_fn: fill m from a row selected with OB_COLUMNS; -1 when out of memory. */
static int outbox_row(struct db_stmt *st, void *elem)
{
    struct outbox_msg *m = elem;
    memset(m, 0, sizeof *m);
    m->id = db_col_int64(st, 0);
    m->incident_id = db_col_int64(st, 1);
    m->destination = store_col_strdup(st, 2);
    m->template_name = store_col_strdup(st, 3);
    m->subject = store_col_strdup(st, 4);
    m->body = store_col_strdup(st, 5);
    m->idempotency_key = store_col_strdup(st, 6);
    const char *status = db_col_text(st, 7);
    snprintf(m->status, sizeof m->status, "%s", status ? status : "");
    m->attempts = db_col_int(st, 8);
    m->created_ms = db_col_int64(st, 9);
    m->next_attempt_ms = db_col_int64(st, 10);
    m->claimed_ms = db_col_int64(st, 11);
    m->sent_ms = db_col_int64(st, 12);
    m->last_error = store_col_strdup(st, 13);
    m->author = store_col_strdup(st, 14);
    if (!m->destination || !m->template_name || !m->subject || !m->body || !m->idempotency_key ||
        !m->last_error || !m->author) {
        outbox_msg_clear(m);
        return -1;
    }
    return 0;
}

static void clear_outbox_row(void *elem)
{
    outbox_msg_clear(elem);
}

int store_outbox_enqueue(struct store *s, const struct outbox_msg *m, int64_t *id, bool *duplicate,
                         struct wr_error *err)
{
    if (duplicate)
        *duplicate = false;
    struct db_stmt *st = store_stmt(
        s, OB_INSERT,
        "INSERT INTO outbox(incident_id, destination, template, subject, body, idempotency_key,"
        " status, created_ms, next_attempt_ms, author) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'queued',"
        " ?7, 0, ?8) ON CONFLICT(idempotency_key) DO NOTHING RETURNING id",
        err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, m->incident_id);
    db_bind_text(st, 2, m->destination);
    db_bind_text(st, 3, m->template_name ? m->template_name : "");
    db_bind_text(st, 4, m->subject ? m->subject : "");
    db_bind_text(st, 5, m->body ? m->body : "");
    db_bind_text(st, 6, m->idempotency_key);
    db_bind_int64(st, 7, m->created_ms ? m->created_ms : wr_now_ms());
    db_bind_text(st, 8, m->author ? m->author : "");
    int64_t new_id;
    if (store_step_id(s, st, &new_id, err, "queueing the message") != 0)
        return -1;
    if (duplicate)
        *duplicate = new_id == 0;
    if (id)
        *id = new_id;
    return 0;
}

int store_outbox_claim(struct store *s, int64_t now_ms, struct outbox_msg *out, bool *found,
                       struct wr_error *err)
{
    int rc = -1;
    *found = false;
    /* One UPDATE takes the row: the write lock (SQLite) or row lock (PostgreSQL) makes it atomic
     * across processes, so two warroom processes never both send a message. A claim older than
     * OUTBOX_STALE_CLAIM_MS belongs to a process that died while sending. */
    /* A read first: in WAL it never waits for another process's write lock, so the cockpit's
     * periodic delivery check stays off the lock (and off the disk) when nothing is due. */
    struct db_stmt *st = store_stmt(
        s, OB_ANY_DUE,
        "SELECT 1 FROM outbox WHERE (status IN ('queued', 'failed') AND next_attempt_ms <= ?1)"
        " OR (status = 'sending' AND claimed_ms < ?2) LIMIT 1",
        err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, now_ms);
    db_bind_int64(st, 2, now_ms - OUTBOX_STALE_CLAIM_MS);
    int due = db_step(st);
    db_reset(st);
    if (due == DB_DONE)
        return 0;
    if (due != DB_ROW)
        return store_db_fail(s, err, "checking the outbox");
    /* On PostgreSQL (READ COMMITTED) two claimers can pick the same id in the subquery: the
     * second then waits on the row lock and would re-check only the outer WHERE. So the due
     * condition is repeated outside (after the first claim the row is no longer due), and the
     * subquery skips rows another claimer holds, so it takes the next message instead. */
#define OB_DUE "((status IN ('queued', 'failed') AND next_attempt_ms <= ?1)" \
               " OR (status = 'sending' AND claimed_ms < ?2))"
    st = db_engine(s->db) == DB_POSTGRES
             ? store_stmt(s, OB_CLAIM_PG,
                          "UPDATE outbox SET status = 'sending', claimed_ms = ?1,"
                          " attempts = attempts + 1 WHERE id = (SELECT id FROM outbox WHERE " OB_DUE
                          " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AND " OB_DUE
                          " RETURNING " OB_COLUMNS,
                          err)
             : store_stmt(s, OB_CLAIM,
                          "UPDATE outbox SET status = 'sending', claimed_ms = ?1,"
                          " attempts = attempts + 1 WHERE id = (SELECT id FROM outbox WHERE " OB_DUE
                          " ORDER BY id LIMIT 1) AND " OB_DUE " RETURNING " OB_COLUMNS,
                          err);
#undef OB_DUE
    if (!st)
        return -1;
    db_bind_int64(st, 1, now_ms);
    db_bind_int64(st, 2, now_ms - OUTBOX_STALE_CLAIM_MS);
    int r = db_step(st);
    if (r == DB_ROW) {
        if (outbox_row(st, out) != 0) {
            wr_fail(err, WR_E_NOMEM, "out of memory reading the outbox");
            goto out;
        }
        *found = true;
        r = db_step(st);
    }
    if (r != DB_DONE) {
        if (*found)
            outbox_msg_clear(out);
        *found = false;
        store_db_fail(s, err, "claiming a message from the outbox");
        goto out;
    }
    rc = 0;
out:
    db_reset(st);
    return rc;
}

int store_outbox_mark_sent(struct store *s, const struct outbox_msg *m, int64_t now_ms,
                           const char *entry_text, const char *entry_data, struct wr_error *err)
{
    int rc = -1;
    bool outer = s->in_tx;
    if (store_tx_begin(s, err) != 0)
        return -1;
    struct db_stmt *st = store_stmt(
        s, OB_SENT,
        "UPDATE outbox SET status = 'sent', sent_ms = ?2, last_error = '' WHERE id = ?1", err);
    if (!st)
        goto out;
    db_bind_int64(st, 1, m->id);
    db_bind_int64(st, 2, now_ms);
    if (store_step_done(s, st, err, "marking the message sent") != 0)
        goto out;
    /* The timeline entry joins this transaction: store_entry_append_data's own begin and
     * commit are no-ops while in_tx is set. */
    s->in_tx = true;
    int r = store_entry_append_data(s, m->incident_id, KIND_COMMS, now_ms, m->author,
                                    entry_text, entry_data, NULL, err);
    s->in_tx = outer;
    if (r != 0)
        goto out;
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    s->in_tx = outer;
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}

int store_outbox_mark_failed(struct store *s, int64_t id, const char *error,
                             int64_t next_attempt_ms, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(
        s, OB_FAILED,
        "UPDATE outbox SET status = 'failed', last_error = ?2, next_attempt_ms = ?3 WHERE id = ?1",
        err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, id);
    db_bind_text(st, 2, error ? error : "");
    db_bind_int64(st, 3, next_attempt_ms);
    return store_step_done(s, st, err, "marking the message failed");
}

int store_outbox_list(struct store *s, int64_t incident_id, struct outbox_msg **out, size_t *n,
                      struct wr_error *err)
{
    *out = NULL;
    *n = 0;
    struct db_stmt *st =
        incident_id ? store_stmt(s, OB_LIST,
                                 "SELECT " OB_COLUMNS " FROM outbox WHERE incident_id = ?1"
                                 " ORDER BY id",
                                 err)
                    : store_stmt(s, OB_LIST_ALL, "SELECT " OB_COLUMNS " FROM outbox ORDER BY id",
                                 err);
    if (!st)
        return -1;
    if (incident_id)
        db_bind_int64(st, 1, incident_id);
    void *arr;
    if (store_read_rows(s, st, sizeof **out, outbox_row, clear_outbox_row, &arr, n,
                        "listing the outbox", err) != 0)
        return -1;
    *out = arr;
    return 0;
}

int store_outbox_retry_now(struct store *s, int64_t *count, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(
        s, OB_RETRY,
        "UPDATE outbox SET next_attempt_ms = 0 WHERE status IN ('queued', 'failed')", err);
    if (!st)
        return -1;
    if (store_step_done(s, st, err, "scheduling the outbox for a retry") != 0)
        return -1;
    if (count)
        *count = db_changes(st);
    return 0;
}

int store_outbox_counts(struct store *s, int64_t *pending, int64_t *failed, struct wr_error *err)
{
    struct db_stmt *st = store_stmt(
        s, OB_COUNTS,
        "SELECT count(*) FILTER (WHERE status IN ('queued', 'sending', 'failed')),"
        " count(*) FILTER (WHERE status = 'failed') FROM outbox",
        err);
    if (!st)
        return -1;
    int r = db_step(st);
    if (r == DB_ROW) {
        if (pending)
            *pending = db_col_int64(st, 0);
        if (failed)
            *failed = db_col_int64(st, 1);
    }
    db_reset(st);
    if (r != DB_ROW)
        return store_db_fail(s, err, "counting the outbox");
    return 0;
}

int store_outbox_next_due(struct store *s, int64_t *at_ms, struct wr_error *err)
{
    *at_ms = WR_TIME_NONE;
    /* The same conditions as store_outbox_claim's, solved for the time. */
    struct db_stmt *st = store_stmt(
        s, OB_NEXT_DUE,
        "SELECT min(CASE WHEN status = 'sending' THEN claimed_ms + ?1 + 1"
        " ELSE next_attempt_ms END) FROM outbox WHERE status IN ('queued', 'failed', 'sending')",
        err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, OUTBOX_STALE_CLAIM_MS);
    int r = db_step(st);
    if (r == DB_ROW && !db_col_null(st, 0))
        *at_ms = db_col_int64(st, 0);
    db_reset(st);
    if (r != DB_ROW)
        return store_db_fail(s, err, "checking when the outbox is due");
    return 0;
}

int store_outbox_last_sent(struct store *s, int64_t incident_id, int64_t *sent_ms,
                           struct wr_error *err)
{
    *sent_ms = WR_TIME_NONE;
    struct db_stmt *st = store_stmt(
        s, OB_LAST_SENT,
        /* Every message sent is a comms entry: the ones delivered through the outbox and the
         * ones the scribe logged with `~` after sending them by other means. */
        "SELECT max(at_ms) FROM entries WHERE incident_id = ?1 AND kind = 'comms'"
        " AND deleted = 0", err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    int r = db_step(st);
    if (r == DB_ROW && !db_col_null(st, 0))
        *sent_ms = db_col_int64(st, 0);
    db_reset(st);
    if (r != DB_ROW)
        return store_db_fail(s, err, "reading the last message sent");
    return 0;
}

/* json_extract's answer for one member: a string as it is, a number or object as JSON text. */
static char *json_member_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    return cJSON_PrintUnformatted(v);
}

int store_outbox_comms_value(struct store *s, int64_t incident_id, const char *destination,
                             const char *key, char **value, struct wr_error *err)
{
    *value = NULL;
    /* The JSON is read here rather than in SQL, so one statement serves both engines; an
     * incident has a handful of comms entries. */
    struct db_stmt *st = store_stmt(
        s, OB_COMMS_DATA,
        "SELECT data FROM entries WHERE incident_id = ?1 AND kind = ?2 AND data <> ''"
        " ORDER BY id DESC",
        err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    db_bind_text(st, 2, kind_name(KIND_COMMS));
    int r = DB_DONE;
    bool oom = false;
    while (!*value && !oom && (r = db_step(st)) == DB_ROW) {
        cJSON *data = cJSON_Parse(db_col_text(st, 0));
        const cJSON *dest = cJSON_GetObjectItemCaseSensitive(data, "destination");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, key);
        if (cJSON_IsString(dest) && strcmp(dest->valuestring, destination) == 0 && v &&
            !cJSON_IsNull(v)) {
            *value = json_member_text(v);
            oom = !*value;
        }
        cJSON_Delete(data);
    }
    db_reset(st);
    if (oom)
        return wr_fail(err, WR_E_NOMEM, "out of memory");
    if (!*value && r == DB_ERROR)
        return store_db_fail(s, err, "reading an earlier message's delivery data");
    return 0;
}
