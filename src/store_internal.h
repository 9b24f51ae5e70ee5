/* store_internal.h: what the store's files (store.c, store_*.c) share. Never included outside
 * src/store*.c: the rest of warroom sees only store.h.
 *
 * A store function is written once for both engines on the db.h seam:
 *   - SQL with ?N placeholders and portable syntax (db.h says which); a statement that must
 *     differ picks its text with db_engine(s->db);
 *   - its statement from its file's slot range below (store_stmt), prepared once;
 *   - writes between store_tx_begin and store_tx_commit (store_tx_rollback on the error path),
 *     which respect an outer store_begin(); a write to an incident updates the incident row
 *     first (store_touch_incident), which on PostgreSQL serialises the incident's writers;
 *   - a list read with store_read_rows and a row function, instead of its own loop;
 *   - failures turned into one-line messages by store_db_fail.
 */
#ifndef WARROOM_STORE_INTERNAL_H
#define WARROOM_STORE_INTERNAL_H

#include "db.h"
#include "store.h"

/* Statement slots (db_stmt's slot): each store file owns a range so they never collide. */
enum store_slot_range {
    STORE_SLOTS_CORE = 0,        /* store.c */
    STORE_SLOTS_OUTBOX = 64,     /* store_outbox.c */
    STORE_SLOTS_POSTMORTEM = 96, /* store_postmortem.c */
    STORE_SLOTS_FACTS = 128,     /* incident facts */
    STORE_SLOTS_ANALYZE = 160,   /* log-analysis findings */
    STORE_SLOTS_IMPORT = 192,    /* bulk import */
    STORE_SLOTS_SYNC = 224,      /* team mode: db copy */
    STORE_SLOTS_REPLICA = 256,   /* team mode: the cockpit's replica and journal (store_sync.c) */
    STORE_SLOTS_END = DB_SLOTS
};

struct store {
    struct db *db;
    const char *path; /* how to name the database in messages (db_display_name) */
    bool in_tx;       /* inside store_begin(): inner writes don't open their own transaction */
    int tx_depth;     /* store_begin() calls not yet committed or rolled back (nesting) */
    bool tx_doomed;   /* an inner store_rollback(): the outermost commit must fail */
    bool fk_paused;   /* store_begin_import turned foreign keys off until the transaction ends */
    uint64_t entries_read; /* rows handed out by store_entry_scan* and store_entry_page */
    /* Uids for the next entries written without one (store_force_uids), in order. */
    const char *const *forced_uids;
    size_t n_forced_uids, used_forced_uids;
};

/* The statement for `slot`, prepared on first use with `sql` (always the same text for a slot),
 * reset and unbound. NULL with err set on failure. */
struct db_stmt *store_stmt(struct store *s, int slot, const char *sql, struct wr_error *err);
/* Make room for `need` elements of size elem in the realloc'd array `arr` of capacity *cap
 * (doubling). Returns the array to use from now on, or NULL when out of memory (then `arr` is
 * still valid and unchanged). */
void *store_array_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* Fill one element of a list from the current row. Returns 0, or -1 when out of memory; either
 * way the element must be left safe to clear. */
typedef int (*store_row_fn)(struct db_stmt *st, void *elem);
/* Clear one element's owned memory (not the element itself). */
typedef void (*store_clear_fn)(void *elem);
/*
 * Run the bound statement st and map every row through `row` into a growing array of elements
 * of size `elem`: *out (malloc'd, NULL when empty) and *n. The statement is reset. On failure
 * every element read is cleared, the array freed, *out NULL, *n 0, and err says `what` failed.
 */
int store_read_rows(struct store *s, struct db_stmt *st, size_t elem, store_row_fn row,
                    store_clear_fn clear, void **out, size_t *n, const char *what,
                    struct wr_error *err);

/* Fill err from the connection's last failure, naming what was being done ("saving the entry").
 * Returns -1. */
int store_db_fail(struct store *s, struct wr_error *err, const char *what);
/* Step a statement that returns no rows (or ignore its rows), then reset it. */
int store_step_done(struct store *s, struct db_stmt *st, struct wr_error *err, const char *what);
/* Step an INSERT ... RETURNING id and reset it: *id gets the new row's id, or 0 when the insert
 * returned nothing (ON CONFLICT DO NOTHING). */
int store_step_id(struct store *s, struct db_stmt *st, int64_t *id, struct wr_error *err,
                  const char *what);
/* An entry's text as the store accepts it: not empty, at most WR_TEXT_MAX bytes, valid UTF-8
 * (WR_E_INPUT saying which). */
int store_check_text(const char *text, struct wr_error *err);
/* strdup of a text column ("" for NULL); NULL only when out of memory. */
char *store_col_strdup(struct db_stmt *st, int i);
/* Write transaction helpers that respect an outer store_begin(): begin, commit, and roll back. */
int store_tx_begin(struct store *s, struct wr_error *err);
int store_tx_commit(struct store *s, struct wr_error *err);
void store_tx_rollback(struct store *s);
/* Inside a transaction: bump the incident's updated time (WR_E_NOT_FOUND when absent) and append
 * an entry recorded by warroom itself. */
int store_touch_incident(struct store *s, int64_t incident_id, struct wr_error *err);
int store_system_entry(struct store *s, int64_t incident_id, enum entry_kind kind, int64_t at,
                       const char *author, const char *text, struct wr_error *err);

/* store_schema.c: read the schema version, refusing a newer one (WR_E_DB_VERSION) or a file that
 * is not a database; and bring the schema up to STORE_SCHEMA_VERSION. */
int store_schema_check(struct store *s, int *version, struct wr_error *err);
int store_migrate(struct store *s, struct wr_error *err);

#endif
