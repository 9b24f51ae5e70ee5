/* store_bulk.c: the store's reads and writes of whole timelines (exports, imports), where the
 * per-entry cost is what counts: one pass, no copies, nothing held for the whole incident. */
#include <string.h>

#include "store_internal.h"

enum {
    BULK_SCAN = STORE_SLOTS_IMPORT,
};

int store_entry_scan(struct store *s, int64_t incident_id, store_entry_fn fn, void *ctx,
                     struct wr_error *err)
{
    /* What a report reads of an entry: its uid and recording time stay on disk. */
    struct db_stmt *st = store_stmt(s, BULK_SCAN,
                                    "SELECT id, at_ms, kind, author, text, pinned, rev, data"
                                    " FROM entries WHERE incident_id = ?1 AND deleted = 0"
                                    " ORDER BY at_ms, id",
                                    err);
    if (!st)
        return -1;
    db_bind_int64(st, 1, incident_id);
    int step;
    struct entry e;
    memset(&e, 0, sizeof e);
    e.incident_id = incident_id;
    while ((step = db_step(st)) == DB_ROW) {
        e.id = db_col_int64(st, 0);
        e.at_ms = db_col_int64(st, 1);
        int k = kind_from_name(db_col_text(st, 2));
        e.kind = k < 0 ? KIND_NOTE : (enum entry_kind)k;
        /* Borrowed from the statement's row: valid until the next step (see store.h). */
        e.author = (char *)db_col_text(st, 3);
        e.text = (char *)db_col_text(st, 4);
        e.pinned = db_col_int(st, 5) != 0;
        e.rev = db_col_int(st, 6);
        const char *data = db_col_text(st, 7);
        e.data = data && *data ? (char *)data : NULL;
        if (!e.author || !e.text) {
            db_reset(st);
            return wr_fail(err, WR_E_NOMEM, "out of memory reading the timeline");
        }
        if (fn(&e, ctx)) {
            db_reset(st);
            return 0;
        }
    }
    db_reset(st);
    if (step != DB_DONE)
        return store_db_fail(s, err, "reading the timeline");
    return 0;
}
