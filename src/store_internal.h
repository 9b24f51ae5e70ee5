/* store_internal.h: what the store's files (store.c, store_*.c) share. Never included outside
 * src/store*.c: the rest of warroom sees only store.h. */
#ifndef WARROOM_STORE_INTERNAL_H
#define WARROOM_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* Statement slots for the store's other files, each file owning a fixed range so they never
 * collide: store_outbox.c 0..31, store_postmortem.c 32..63. */
#define STORE_EXT_STMTS 64
#define STORE_SLOTS_OUTBOX 0
#define STORE_SLOTS_POSTMORTEM 32

struct store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmts[64]; /* store.c's own statements (enum stmt_id) */
    sqlite3_stmt *ext_stmts[STORE_EXT_STMTS];
    bool in_tx; /* inside store_begin(): inner writes don't open their own transaction */
};

/* The statement for `slot`, prepared on first use with `sql` (always the same text for a slot),
 * reset and unbound. NULL with err set on failure. */
sqlite3_stmt *store_stmt_ext(struct store *s, int slot, const char *sql, struct wr_error *err);
/* Make room for `need` elements of size elem in the realloc'd array `arr` of capacity *cap
 * (doubling). Returns the array to use from now on, or NULL when out of memory (then `arr` is
 * still valid and unchanged). */
void *store_array_grow(void *arr, size_t *cap, size_t need, size_t elem);
/* Fill err from the connection's last error, naming what was being done ("saving the entry"). */
int store_db_fail(struct store *s, struct wr_error *err, const char *what);
/* Step a statement that returns no rows, then reset it. */
int store_step_done(struct store *s, sqlite3_stmt *st, struct wr_error *err, const char *what);
/* Bind text or NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *text);
/* strdup of a text column ("" for NULL); NULL only when out of memory. */
char *store_col_strdup(sqlite3_stmt *st, int i);
/* Write transaction helpers that respect an outer store_begin(): begin (BEGIN IMMEDIATE with
 * retry), commit, and roll back. */
int store_tx_begin(struct store *s, struct wr_error *err);
int store_tx_commit(struct store *s, struct wr_error *err);
void store_tx_rollback(struct store *s);
/* Inside a transaction: bump the incident's updated time (WR_E_NOT_FOUND when absent) and append
 * an entry recorded by warroom itself. */
int store_touch_incident(struct store *s, int64_t incident_id, struct wr_error *err);
int store_system_entry(struct store *s, int64_t incident_id, enum entry_kind kind, int64_t at,
                       const char *author, const char *text, struct wr_error *err);

#endif
