/* store_analyze.c: findings recorded once: timeline entries that carry their own uid (log
 * analysis attaches its anomaly episodes and summary this way), skipped when already saved. */
#include <string.h>

#include "store_internal.h"

enum {
    SLOT_INSERT = STORE_SLOTS_ANALYZE,
};

int store_entries_append_once(struct store *s, struct entry *entries, size_t n, size_t *added,
                              struct wr_error *err)
{
    int rc = -1;
    *added = 0;
    for (size_t i = 0; i < n; i++) {
        const struct entry *e = &entries[i];
        if (!e->uid[0] || !e->text || !*e->text || !wr_utf8_valid(e->text, strlen(e->text)) ||
            (e->data && !wr_utf8_valid(e->data, strlen(e->data))) ||
            e->incident_id != entries[0].incident_id)
            return wr_fail(err, WR_E_INPUT, "a finding needs a uid, valid UTF-8 text and the "
                           "same incident as the others");
    }
    if (n == 0)
        return 0;
    if (store_tx_begin(s, err) != 0)
        return -1;
    if (store_touch_incident(s, entries[0].incident_id, err) != 0)
        goto out;
    int64_t now = wr_now_ms();
    for (size_t i = 0; i < n; i++) {
        struct entry *e = &entries[i];
        e->recorded_ms = now;
        e->rev = 1;
        /* a uid already saved is the same finding: nothing is inserted, no error is raised
         * (which on PostgreSQL would abort the whole transaction) */
        struct db_stmt *st = store_stmt(
            s, SLOT_INSERT,
            "INSERT INTO entries(incident_id, at_ms, recorded_ms, kind, author, text, pinned,"
            " deleted, rev, data, uid, changed_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 1,"
            " coalesce(?7, ''), ?8, ?3) ON CONFLICT(uid) DO NOTHING RETURNING id",
            err);
        if (!st)
            goto out;
        db_bind_int64(st, 1, e->incident_id);
        db_bind_int64(st, 2, e->at_ms);
        db_bind_int64(st, 3, e->recorded_ms);
        db_bind_text(st, 4, kind_name(e->kind));
        db_bind_text(st, 5, e->author);
        db_bind_text(st, 6, e->text);
        db_bind_text(st, 7, e->data);
        db_bind_text(st, 8, e->uid);
        if (store_step_id(s, st, &e->id, err, "saving a finding") != 0)
            goto out;
        if (e->id != 0)
            (*added)++;
    }
    if (store_tx_commit(s, err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        store_tx_rollback(s);
    return rc;
}
