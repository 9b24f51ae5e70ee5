/* store_sync.h: the store functions team mode's sync (sync.c) is built on: the cockpit's replica
 * (a local SQLite copy of the server's incidents that is also the journal of what this laptop
 * wrote and the server has not acknowledged yet), the reads that bring the server's changes into
 * it, and the server-side marks that make a journal operation apply exactly once. */
#ifndef WARROOM_STORE_SYNC_H
#define WARROOM_STORE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* ---- the replica (a SQLite store) ---- */

/* Create the replica's own tables (journal, sync state, watermarks) when absent. */
int store_replica_setup(struct store *s, struct wr_error *err);
/* A value of the replica's sync state ("target", "instance"), "" when unset. */
int store_replica_state_get(struct store *s, const char *key, char *buf, size_t n,
                            struct wr_error *err);
int store_replica_state_set(struct store *s, const char *key, const char *value,
                            struct wr_error *err);

/* ---- the journal (in the replica) ---- */

/* Where the replica's rows ended before a local write: what the write adds after it is what the
 * journal operation must bring to the server. */
struct store_journal_mark {
    int64_t entries, outbox;
};
/* Inside the local write's transaction, before it writes. */
int store_journal_mark(struct store *s, struct store_journal_mark *m, struct wr_error *err);
/* Inside the same transaction, after the write: record operation `op` (JSON text made by
 * sync_op.c) for incident_id with the entries and outbox messages written since `m`, pending.
 * uid (40 bytes, may be NULL) gets the operation's uid. */
int store_journal_add(struct store *s, const struct store_journal_mark *m, int64_t incident_id,
                      const char *op, char *uid, struct wr_error *err);

/* One journal operation. Strings owned; clear with store_journal_op_clear. */
struct store_journal_op {
    int64_t seq; /* journal order */
    char uid[40];
    int64_t incident_id;
    char *op;            /* JSON */
    char **entry_uids;   /* entries it wrote locally, in the order they were written */
    size_t n_entries;
    char **outbox_keys;  /* outbox messages it queued locally */
    size_t n_outbox;
    int attempts;
    int64_t created_ms;
    char *reason; /* a refused one: the server's one-line reason; else "" */
};
void store_journal_op_clear(struct store_journal_op *op);
/* The oldest pending operation after seq `after` into *out; *found false when none. */
int store_journal_next(struct store *s, int64_t after, struct store_journal_op *out, bool *found,
                       struct wr_error *err);
/* The same for the operations the server refused (warroom sync --refused lists them). */
int store_journal_next_refused(struct store *s, int64_t after, struct store_journal_op *out,
                               bool *found, struct wr_error *err);
/* The operation reached the server (or was already there), or a refused one is dismissed:
 * forget it. */
int store_journal_done(struct store *s, int64_t seq, struct wr_error *err);
/* The server refused it for good: keep it, failed, with the server's one-line reason. */
int store_journal_failed(struct store *s, int64_t seq, const char *reason, struct wr_error *err);
/* Count one more attempt that failed for a passing reason (the connection). */
int store_journal_retry(struct store *s, int64_t seq, struct wr_error *err);
/* Operations waiting for the server, and ones it refused. */
int store_journal_counts(struct store *s, int64_t *pending, int64_t *failed, struct wr_error *err);

/* An entry of the journal as the timeline marks it. */
struct store_journal_entry {
    char uid[40];
    bool failed; /* refused by the server (kept here, not there) */
};
/* The entries of incident_id that pending or failed operations wrote. *out malloc'd. */
int store_journal_entries(struct store *s, int64_t incident_id, struct store_journal_entry **out,
                          size_t *n, struct wr_error *err);

/* ---- reads and writes the replay needs (either engine) ---- */

/* The id (and incident) of the entry with this uid; *id 0 when absent. */
int store_entry_find_uid(struct store *s, const char *uid, int64_t *id, int64_t *incident_id,
                         struct wr_error *err);
/* The id of the action item with this uid (*id 0 when absent) and the entry it came from
 * (source, may be NULL; 0 when none). */
int store_action_find_uid(struct store *s, const char *uid, int64_t *id, int64_t *source,
                          struct wr_error *err);
/* The entry with this uid as it was first saved (its first revision: text, kind, time, pin; its
 * data and author), to deliver it elsewhere. WR_E_NOT_FOUND when absent. */
int store_entry_original(struct store *s, const char *uid, struct entry *out, struct wr_error *err);
/* Remove entries (with their history) by uid: a refused operation's local effects. */
int store_entries_forget(struct store *s, char *const *uids, size_t n, struct wr_error *err);
/* The outbox message with this idempotency key; *found false when absent. */
int store_outbox_find_key(struct store *s, const char *key, struct outbox_msg *out, bool *found,
                          struct wr_error *err);

/* ---- the server's side of a replay (PostgreSQL) ---- */

/* Give the next n entries this connection writes without a uid the uids in `uids`, in order
 * (the strings must outlive their use); n 0 stops. store_forced_uids_used then tells how many
 * were taken. The journal replays a write on the server so that the entries it records there
 * carry the uids they got in the local copy (and replace them there when they come back). */
void store_force_uids(struct store *s, const char *const *uids, size_t n);
size_t store_forced_uids_used(const struct store *s);


/* The server database's instance id (random, set when its schema was created). */
int store_sync_instance(struct store *s, int64_t *id, struct wr_error *err);
/* Inside the operation's transaction: record that operation `uid` is applied. *fresh false when
 * it already was (then roll back: nothing to do). */
int store_sync_claim(struct store *s, const char *uid, bool *fresh, struct wr_error *err);

/* ---- bringing the server's changes into the replica ---- */

/* What one read of the server holds, ready to apply to the replica (opaque). */
struct store_pull;
enum store_pull_what {
    PULL_ROW,      /* the incident row and its milestones (the picker's line) */
    PULL_INCIDENT, /* the row, the next batch of changed entries, and when that batch is the
                    * last one, everything else of the incident (roles, severity, facts ...) */
    PULL_LIST,     /* every incident's row and milestones */
};
/*
 * Read from the server `s` (one consistent snapshot): what `what` says for incident_id, entries
 * changed after the replica's watermark (since_seq, since_id), at most `limit` of them.
 * WR_E_NOT_FOUND when the incident is not on the server.
 */
int store_pull_read(struct store *s, enum store_pull_what what, int64_t incident_id,
                    int64_t since_seq, int64_t since_id, size_t limit, struct store_pull **out,
                    struct wr_error *err);
/* True when entries remain after this batch (read again from the new watermark). */
bool store_pull_more(const struct store_pull *p);
/* Entries the batch holds. */
size_t store_pull_entries(const struct store_pull *p);
/*
 * Apply a read to the replica in one transaction and move its watermark. Refused (nothing
 * written, *blocked true) while the journal has pending operations: they reach the server first,
 * and the next read brings them back with the server's ids. Entries are matched by uid: an entry
 * written here and delivered takes the server's id.
 */
int store_pull_apply(struct store *s, const struct store_pull *p, bool *blocked,
                     struct wr_error *err);
void store_pull_free(struct store_pull **p);
/* The incidents the replica has copied (pulled at least once), malloc'd in *ids. */
int store_replica_followed(struct store *s, int64_t **ids, size_t *n, struct wr_error *err);
/* Read the incident's entries again from the start on its next pull. */
int store_replica_forget_watermark(struct store *s, int64_t incident_id, struct wr_error *err);
/* The replica's watermark for incident_id ((-1, 0) before its first pull) and whether a full
 * pull (everything of the incident) completed once. */
int store_replica_watermark(struct store *s, int64_t incident_id, int64_t *seq, int64_t *id,
                            bool *complete, struct wr_error *err);

#endif
