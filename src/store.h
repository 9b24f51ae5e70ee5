/* store.h: the store: SQLite (embedded) or PostgreSQL (team mode). The only module that speaks
 * SQL (through the db.h seam). */
#ifndef WARROOM_STORE_H
#define WARROOM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

struct store;

/* Schema version this build writes. A database with a higher user_version is refused. */
#define STORE_SCHEMA_VERSION 6
/* The same for a PostgreSQL database (its own count, kept in table meta; see store_schema.c):
 * version 1 holds everything of SQLite's version 3, version 2 its version 4, version 3 SQLite's
 * version 5 and what team mode's cockpits read (change counters, applied journal operations),
 * version 4 SQLite's version 6. */
#define STORE_PG_SCHEMA_VERSION 4

/*
 * Default database path: $WARROOM_DB, else $XDG_DATA_HOME/warroom/warroom.db, else
 * ~/.local/share/warroom/warroom.db. Creates the warroom directory (0700) when `create_dir`.
 */
int store_default_path(char *buf, size_t n, bool create_dir, struct wr_error *err);

/*
 * Open and migrate the database named by `target`:
 *  - a path: SQLite, created if absent with mode 0600; WAL, synchronous=FULL, foreign_keys=ON,
 *    busy_timeout. The directory must exist.
 *  - postgresql://..., postgres://... or a libpq keyword=value string (service=warroom):
 *    PostgreSQL through libpq. Tables live in the connection's current schema (first on the
 *    search_path); TLS as libpq's sslmode says; the password only from libpq's own sources
 *    (the URL, PGPASSWORD, ~/.pgpass, the service file). synchronous_commit at least on.
 * Errors: WR_E_IO (directory missing or unwritable), WR_E_DB (not a SQLite database, cannot
 * connect, no rights), WR_E_DB_VERSION (written by a newer warroom: nothing is changed).
 */
int store_open(const char *target, struct store **out, struct wr_error *err);
/* Close and set *s to NULL. Accepts NULL. */
void store_close(struct store **s);
/* The database as it may be shown: the path, or the connection string with its password
 * masked. */
const char *store_path(const struct store *s);
/* What the store was opened with, password included when it had one: only for opening another
 * connection (the cockpit's), never for showing. */
const char *store_target(const struct store *s);
/* True on PostgreSQL (team mode), false on SQLite. */
bool store_is_remote(const struct store *s);
/* True when `target` names a PostgreSQL database (team mode), false for a path (SQLite). */
bool store_target_is_remote(const char *target);

/* Change counter: differs from the previous call when another connection committed.
 * Cheap: SQLite's PRAGMA data_version; on PostgreSQL it reads notifications already on the socket
 * (no query to the server). The first call on PostgreSQL starts listening. */
int store_data_version(struct store *s, int64_t *out, struct wr_error *err);
/* PostgreSQL: the socket to add to a poll loop (readable when a change notification arrives;
 * then call store_data_version). -1 on SQLite (watch the database's directory instead). */
int store_change_fd(struct store *s);
/* The incidents named by other connections' change notifications since the last call, each
 * once, up to max, into ids; *all is set when more changed than could be listed or the
 * connection was re-established (reload everything). Always empty on SQLite. */
void store_changed_incidents(struct store *s, int64_t *ids, size_t max, size_t *n, bool *all);
/* Re-establish a lost PostgreSQL connection (blocks up to the connect timeout, 10 s unless the
 * target sets connect_timeout). Errors: WR_E_DB. A no-op on SQLite. */
int store_reconnect(struct store *s, struct wr_error *err);

/* True when the last failure on this store was a lost connection (PostgreSQL): worth retrying
 * once store_reconnect succeeds, unlike a refused write. */
bool store_connection_lost(const struct store *s);

/* Explicit transactions for multi-step writes (import). They nest: an inner begin/commit joins
 * the outermost transaction, which alone commits (an inner rollback makes it fail). */
int store_begin(struct store *s, struct wr_error *err);
int store_commit(struct store *s, struct wr_error *err);
void store_rollback(struct store *s);
/* One read snapshot for several reads that must agree (the cockpit's export: the postmortem
 * and incident.json from the same moment), never for a write. SQLite: a deferred transaction
 * (WAL keeps it on its snapshot while others write); PostgreSQL: REPEATABLE READ READ ONLY.
 * End it with store_snapshot_end, whatever happened. Errors: WR_E_FAIL inside a transaction,
 * WR_E_DB. */
int store_snapshot_begin(struct store *s, struct wr_error *err);
void store_snapshot_end(struct store *s);
/* store_begin for an import, whose rows refer only to the incident it creates and to rows it
 * wrote itself: on SQLite, foreign keys are not checked until the transaction ends. Checking
 * them cost a lookup per row and made every multi-row INSERT keep a statement journal (a
 * sixth of an import's time); PRAGMA foreign_keys cannot change inside a transaction, hence a
 * begin of its own. Nested in another transaction, or on PostgreSQL, it is store_begin. */
int store_begin_import(struct store *s, struct wr_error *err);

/* ---- incidents ---- */

/* Create an incident from inc (title required; uid generated when empty; created_ms set when 0).
 * Writes its id to *id. Records a `started` milestone when inc->milestones[MS_STARTED] is set. */
int store_incident_create(struct store *s, const struct incident *inc, int64_t *id,
                          struct wr_error *err);
/* Open an incident: store_incident_create plus its "Incident opened: TITLE" timeline entry by
 * `author`, in one transaction (what `warroom new` and the TUI's new-incident dialog do). */
int store_incident_open(struct store *s, const struct incident *inc, const char *author,
                        int64_t *id, struct wr_error *err);
/* Load incident `id` into *out (incident_clear it after). WR_E_NOT_FOUND when absent. */
int store_incident_get(struct store *s, int64_t id, struct incident *out, struct wr_error *err);
/* Find by uid; *id = 0 when absent (not an error). */
int store_incident_find_uid(struct store *s, const char *uid, int64_t *id, struct wr_error *err);
/* List incidents, open ones first then newest first. `all` includes closed ones.
 * *out is a malloc'd array of *n incidents; free with store_incidents_free. */
int store_incident_list(struct store *s, bool all, struct incident **out, size_t *n,
                        struct wr_error *err);
void store_incidents_free(struct incident **arr, size_t n);
/* Reopen a closed incident (the TUI picker's "reopen"): clears the `closed` milestone and
 * records a milestone timeline entry by `author`. WR_E_NOT_FOUND when absent; a no-op when open. */
int store_incident_reopen(struct store *s, int64_t incident_id, const char *author,
                          struct wr_error *err);
/* Update free-text fields (title, services, summary, impact, tags) from inc. */
int store_incident_update_text(struct store *s, const struct incident *inc,
                               struct wr_error *err);

/* ---- timeline ---- */

/* Append an entry: e->incident_id, kind, text, at_ms, author, pinned are read; e->id,
 * recorded_ms and rev are written. Returns only after the durable commit. */
int store_entry_append(struct store *s, struct entry *e, struct wr_error *err);
/* Deliver an entry written earlier elsewhere (a journal): like store_entry_append, but e->uid
 * must be set and is the idempotency key: when an entry with that uid is already saved in the
 * incident, nothing is written, *already is true and e->id is the saved entry's id (so a
 * delivery whose acknowledgement was lost can be repeated safely). WR_E_CONFLICT when the uid
 * is saved in another incident. */
int store_entry_deliver(struct store *s, struct entry *e, bool *already, struct wr_error *err);
/* Replace an entry's text (and optionally kind/pin/time: pass current values to keep them),
 * keeping the old revision. WR_E_NOT_FOUND if entry is not in incident. */
int store_entry_edit(struct store *s, int64_t incident_id, int64_t entry_id, const char *text,
                     const char *author, struct wr_error *err);
/* Set or clear the pin (a new revision). */
int store_entry_pin(struct store *s, int64_t incident_id, int64_t entry_id, bool pinned,
                    const char *author, struct wr_error *err);
/* Change an entry's kind (a new revision). Only between the kinds the scribe types: an entry
 * warroom records (milestone, severity, ...) keeps its kind (WR_E_CONFLICT). Becoming a todo
 * makes it an action item, once. */
int store_entry_set_kind(struct store *s, int64_t incident_id, int64_t entry_id,
                         enum entry_kind kind, const char *author, struct wr_error *err);
/* Move an entry to when it happened (backdate or correct its time; a new revision). Refused for
 * entries warroom records (their time is the state's) and for future times. */
int store_entry_set_at(struct store *s, int64_t incident_id, int64_t entry_id, int64_t at,
                       const char *author, struct wr_error *err);
/* Soft delete: the entry stays, marked deleted, with its history. */
int store_entry_delete(struct store *s, int64_t incident_id, int64_t entry_id,
                       const char *author, struct wr_error *err);
int store_entry_get(struct store *s, int64_t entry_id, struct entry *out, struct wr_error *err);

/* Which entries a timeline query returns. Zeroed = all live entries. */
struct entry_filter {
    unsigned kinds;       /* bit mask of (1u << kind); 0 = every kind */
    bool pinned_only;
    bool include_deleted;
    const char *text;     /* substring (case-insensitive) or NULL */
    const char *author;   /* exact author or NULL */
};

/* Number of entries matching the filter. */
int store_entry_count(struct store *s, int64_t incident_id, const struct entry_filter *f,
                      int64_t *count, struct wr_error *err);
/*
 * Fetch up to `limit` entries in timeline order (at_ms, id) relative to a key:
 * forward=true: entries strictly after (at_ms, id); forward=false: strictly before, returned
 * oldest-first. Pass (INT64_MIN, 0) / (INT64_MAX, INT64_MAX) for the ends.
 * *out: malloc'd array of *n entries; free with store_entries_free.
 */
int store_entry_page(struct store *s, int64_t incident_id, const struct entry_filter *f,
                     int64_t key_at, int64_t key_id, bool forward, size_t limit,
                     struct entry **out, size_t *n, struct wr_error *err);
void store_entries_free(struct entry **arr, size_t n);
/* Position (0-based) of the entry with key (at_ms,id) in the filtered order. */
int store_entry_rank(struct store *s, int64_t incident_id, const struct entry_filter *f,
                     int64_t key_at, int64_t key_id, int64_t *rank, struct wr_error *err);

/* One revision of an entry, oldest first (rev 1 is the original). */
struct entry_revision {
    int rev;
    int64_t changed_ms;
    char *author; /* who made this revision */
    char *text;
    enum entry_kind kind;
    int64_t at_ms;
    bool pinned;
    bool deleted;
};
int store_entry_history(struct store *s, int64_t entry_id, struct entry_revision **out,
                        size_t *n, struct wr_error *err);
void store_revisions_free(struct entry_revision **arr, size_t n);

/* Timeline rows this store has handed out (store_entry_scan, store_entry_scan_brief and
 * store_entry_page) since it was opened: tests count what an export or a frame reads. */
uint64_t store_entries_read(const struct store *s);

/* Call fn for every entry of the incident in timeline order, deleted ones included, without
 * loading them all. fn returns non-zero to stop. */
typedef int (*store_entry_fn)(const struct entry *e, void *ctx);
int store_entry_each(struct store *s, int64_t incident_id, store_entry_fn fn, void *ctx,
                     struct wr_error *err);
/* The live (not deleted) entries in timeline order for a report of 100,000 of them
 * (store_bulk.c): nothing is copied, so e's author and text are valid only during the call,
 * and e carries everything but its uid. fn may use the store but not store_entry_scan
 * itself. */
int store_entry_scan(struct store *s, int64_t incident_id, store_entry_fn fn, void *ctx,
                     struct wr_error *err);
/* store_entry_scan with only a timeline table's columns filled: id, at_ms, kind, author, text,
 * pinned (the rest zero). */
int store_entry_scan_brief(struct store *s, int64_t incident_id, store_entry_fn fn, void *ctx,
                           struct wr_error *err);
typedef int (*store_revision_fn)(int64_t entry_id, int64_t recorded_ms, const char *entry_data,
                                 const struct entry_revision *r, void *ctx);
/* Every revision of every entry of the incident (for export), in entry then rev order. */
int store_revision_each(struct store *s, int64_t incident_id, store_revision_fn fn, void *ctx,
                        struct wr_error *err);

/* Importing a file of entries into one incident inside store_begin()...store_commit()
 * (store_bulk.c): store_import_entry has store_entry_import's contract and checks, faster
 * on SQLite (ids numbered in advance, uids of one import in one random series). */
struct store_import;
int store_import_new(struct store *s, int64_t incident_id, struct store_import **out,
                     struct wr_error *err);
int store_import_entry(struct store_import *im, int64_t recorded_ms, const char *data,
                       const struct entry_revision *revs, size_t n, struct wr_error *err);
/* Write the entries still held back (up to a batch of them): call before reading them or
 * committing. Then free with store_import_free (which writes nothing). */
int store_import_finish(struct store_import *im, struct wr_error *err);
void store_import_free(struct store_import **im);

/* Import path: insert an entry with all of its revisions exactly as given (ids are new).
 * revs[0] is the original; the entry's current state is revs[n-1]. */
int store_entry_import(struct store *s, int64_t incident_id, int64_t recorded_ms,
                       const char *data, const struct entry_revision *revs, size_t n,
                       struct wr_error *err);

/* Bring the full-text index (table entries_fts) up to date with every entry; call before a
 * search. Cheap when nothing is new: appends are indexed here, not when written. */
int store_fts_sync(struct store *s, struct wr_error *err);

/* Append an entry that warroom records itself (e.g. KIND_SLI snapshots) with a structured JSON
 * payload `data` (may be NULL) kept beside the text; *id (may be NULL) gets its id. */
int store_entry_append_data(struct store *s, int64_t incident_id, enum entry_kind kind,
                            int64_t at, const char *author, const char *text, const char *data,
                            int64_t *id, struct wr_error *err);

/* Append entries that carry their own uid (e->uid set: findings that must be recorded once),
 * in one transaction; an entry whose uid is already saved is skipped (e->id left 0). *added
 * gets how many were new. Every entry must belong to the same incident. */
int store_entries_append_once(struct store *s, struct entry *entries, size_t n, size_t *added,
                              struct wr_error *err);

/* ---- state changes: each also appends its timeline entry in the same transaction ---- */

/* Set milestone m to `at` (refused with WR_E_CONFLICT when out of order). */
int store_milestone_set(struct store *s, int64_t incident_id, enum milestone m, int64_t at,
                        const char *author, struct wr_error *err);
/* Change the phase at time `at`. */
int store_phase_set(struct store *s, int64_t incident_id, enum phase p, int64_t at,
                    const char *author, struct wr_error *err);
/* Record a severity (1..4) with its rationale at `at`. */
int store_severity_set(struct store *s, int64_t incident_id, int sev, const char *rationale,
                       int64_t at, const char *author, struct wr_error *err);
/* Assign `role` to `name` (NULL/"" releases it) with an optional handoff note. For ROLE_SME
 * the name is added to the holders; for other roles it replaces the holder. */
int store_role_assign(struct store *s, int64_t incident_id, enum role role, const char *name,
                      const char *note, int64_t at, const char *author, struct wr_error *err);

struct severity_change {
    int64_t at_ms;
    int severity;
    char *rationale;
    char *author;
};
int store_severity_history(struct store *s, int64_t incident_id, struct severity_change **out,
                           size_t *n, struct wr_error *err);
void store_severity_history_free(struct severity_change **arr, size_t n);

struct role_assignment {
    int64_t at_ms;
    enum role role;
    char *name; /* "" when released */
    char *note;
    char *author;
    bool current; /* still held */
};
/* All assignments in time order; `current` marks the ones in force. */
int store_role_history(struct store *s, int64_t incident_id, struct role_assignment **out,
                       size_t *n, struct wr_error *err);
void store_role_history_free(struct role_assignment **arr, size_t n);
/* Import path: restore one row of severity / role history exactly, without timeline entries
 * (the imported timeline already has them). */
int store_severity_import(struct store *s, int64_t incident_id, const struct severity_change *c,
                          struct wr_error *err);
int store_role_import(struct store *s, int64_t incident_id, const struct role_assignment *a,
                      struct wr_error *err);

/* ---- postmortem worksheet, action items, search (store_postmortem.c) ---- */

/* Set worksheet field `field` (e.g. "summary") of the incident; "" clears it. */
int store_pm_field_set(struct store *s, int64_t incident_id, const char *field, const char *value,
                       const char *author, struct wr_error *err);
/* The value of one worksheet field as a malloc'd string in *out ("" when unset). */
int store_pm_field_get(struct store *s, int64_t incident_id, const char *field, char **out,
                       struct wr_error *err);

struct action_item {
    int64_t id;
    int64_t incident_id;
    char type[16];     /* prevent, detect, mitigate, process */
    char *description;
    char *owner;       /* "" when unassigned */
    char priority[4];  /* P0..P2 */
    int64_t deadline_ms; /* WR_TIME_NONE when none */
    char status[16];   /* open, done */
    char *ticket;      /* "" when none */
    int64_t source_entry_id; /* the TODO entry it came from, 0 when none */
    int64_t created_ms, updated_ms;
    char uid[40]; /* globally unique, kept across databases; generated when empty */
};
/* Free the strings of one item. */
void action_item_clear(struct action_item *a);
/* Add an action item (id, created_ms, updated_ms and, when empty, uid written back; the
 * timestamps when 0). WR_E_CONFLICT when the uid is already saved. */
int store_action_add(struct store *s, struct action_item *a, struct wr_error *err);
/* Replace every field of item a->id (must belong to a->incident_id); updated_ms set to now. */
int store_action_update(struct store *s, struct action_item *a, struct wr_error *err);
/* Action items of an incident in id order, or of every incident when incident_id is 0. */
int store_action_list(struct store *s, int64_t incident_id, struct action_item **out, size_t *n,
                      struct wr_error *err);
void store_actions_free(struct action_item **arr, size_t n);

struct store_search_hit {
    int64_t incident_id;
    int64_t entry_id; /* 0 for a worksheet field hit */
    int64_t at_ms;    /* entry time, or the field's update time */
    char *where;      /* entry kind, or "postmortem:FIELD" */
    char *snippet;    /* matched text with [ ] around the hits */
    double rank;      /* lower is better (bm25) */
};
/* Full-text search over every timeline, plus worksheet fields containing every word; best first,
 * at most `limit` hits. SQLite (FTS5, bm25): the query is taken as words, not FTS syntax.
 * PostgreSQL (tsvector, ts_rank): websearch_to_tsquery, so words are required too, and
 * "a phrase", `or` and -word also work. */
int store_search(struct store *s, const char *query, size_t limit, struct store_search_hit **out,
                 size_t *n, struct wr_error *err);
void store_search_free(struct store_search_hit **arr, size_t n);

/* ---- outbox of stakeholder messages (store_outbox.c) ---- */

/* A claim in status "sending" older than this belongs to a process that died: reclaimable. */
#define OUTBOX_STALE_CLAIM_MS (2 * 60 * 1000)

/* One outbox row. Strings owned; free with outbox_msg_clear. status: queued, sending, sent,
 * failed. Secrets are never part of a row: only the destination's name is stored. */
struct outbox_msg {
    int64_t id, incident_id;
    char *destination, *template_name, *subject, *body, *idempotency_key, *last_error, *author;
    char status[12];
    int attempts;
    int64_t created_ms, next_attempt_ms, claimed_ms, sent_ms; /* 0 when unset */
};
void outbox_msg_clear(struct outbox_msg *m);
void store_outbox_free(struct outbox_msg **arr, size_t n);
/* Queue m (incident_id, destination, template_name, subject, body, idempotency_key, author,
 * created_ms). A key already queued is not queued again: *duplicate set, *id 0. */
int store_outbox_enqueue(struct store *s, const struct outbox_msg *m, int64_t *id, bool *duplicate,
                         struct wr_error *err);
/* Atomically take the oldest due message (queued/failed with next_attempt_ms <= now, or a stale
 * "sending" claim) into *out, now "sending". *found false when nothing is due. */
int store_outbox_claim(struct store *s, int64_t now_ms, struct outbox_msg *out, bool *found,
                       struct wr_error *err);
/* Mark m sent and append its KIND_COMMS timeline entry (text, JSON data) in one transaction. */
int store_outbox_mark_sent(struct store *s, const struct outbox_msg *m, int64_t now_ms,
                           const char *entry_text, const char *entry_data, struct wr_error *err);
/* Mark a message failed with the error shown to the user; retried from next_attempt_ms. */
int store_outbox_mark_failed(struct store *s, int64_t id, const char *error,
                             int64_t next_attempt_ms, struct wr_error *err);
/* Messages of an incident (0: all) in id order; free with store_outbox_free. */
int store_outbox_list(struct store *s, int64_t incident_id, struct outbox_msg **out, size_t *n,
                      struct wr_error *err);
/* Make every queued or failed message due now; *count (may be NULL) gets how many. */
int store_outbox_retry_now(struct store *s, int64_t *count, struct wr_error *err);
/* Messages not yet sent (queued, sending, failed) and, of those, failed ones. */
int store_outbox_counts(struct store *s, int64_t *pending, int64_t *failed, struct wr_error *err);
/* The earliest time (wr_now_ms clock) store_outbox_claim can next find a message: a retry's
 * time, or when a claim goes stale; WR_TIME_NONE when nothing waits to be sent. */
int store_outbox_next_due(struct store *s, int64_t *at_ms, struct wr_error *err);
/* When the incident's last message was sent: the newest live comms entry (outbox deliveries and
 * messages the scribe logged with ~); WR_TIME_NONE when none was. */
int store_outbox_last_sent(struct store *s, int64_t incident_id, int64_t *sent_ms,
                           struct wr_error *err);
/* Value of `key` in the data of the newest comms entry sent to `destination` (e.g. the
 * Statuspage incident id), malloc'd in *value; NULL when none. */
int store_outbox_comms_value(struct store *s, int64_t incident_id, const char *destination,
                             const char *key, char **value, struct wr_error *err);

/* ---- live incident facts (store_facts.c; facts.h gives them meaning) ---- */

struct store_fact {
    char field[32];
    char *value;
    int64_t updated_ms;
    char *author;
};
/*
 * Set fact `field` of the incident to `value` ("" clears it) and, when `text` is given, append
 * its timeline entry (KIND_FACT, `text`, JSON `data`) by `author` at `at`, in one transaction.
 * "summary", "impact" and "tz" are the incident's own columns; every other field is a row of
 * incident_facts. WR_E_NOT_FOUND when the incident is absent.
 */
int store_fact_set(struct store *s, int64_t incident_id, const char *field, const char *value,
                   int64_t at, const char *author, const char *text, const char *data,
                   struct wr_error *err);
/* The incident_facts rows of an incident, by field name (summary, impact and tz are in struct
 * incident). *out malloc'd; free with store_facts_free. */
int store_fact_list(struct store *s, int64_t incident_id, struct store_fact **out, size_t *n,
                    struct wr_error *err);
void store_facts_free(struct store_fact **arr, size_t n);
/* Import path: restore one incident_facts row exactly, without a timeline entry (the imported
 * timeline already has it). */
int store_fact_import(struct store *s, int64_t incident_id, const struct store_fact *f,
                      struct wr_error *err);

/* ---- moving whole databases (store_copy.c) ---- */

struct store_copy_result {
    int64_t incidents, entries;
};
/*
 * Copy incidents from `from` into `to`, between any two engines: every incident when n is 0,
 * else ids[0..n). All or nothing: one transaction on `to`, one read snapshot of `from`. A copy
 * keeps everything (uids, entry uids, every revision, severity and role history, milestones,
 * worksheet, facts, action items, the outbox); only the local ids are new. Errors:
 * WR_E_NOT_FOUND (an id is not in `from`), WR_E_CONFLICT (an incident, entry uid or outbox key is
 * already in `to`; nothing copied), WR_E_DB.
 */
int store_copy(struct store *from, struct store *to, const int64_t *ids, size_t n,
               struct store_copy_result *result, struct wr_error *err);
/* The schema version of the open database and its engine's name ("sqlite", "postgresql"). */
int store_schema_info(struct store *s, int *version, const char **engine, struct wr_error *err);

/* Current holder(s) of a role joined with ", " into buf ("" when nobody). */
int store_role_holder(struct store *s, int64_t incident_id, enum role role, char *buf, size_t n,
                      struct wr_error *err);

#endif
