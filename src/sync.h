/* sync.h: team mode on this laptop: the cockpit works on a local replica of the server's
 * incidents (all of its reads stay local and fast) that is also a journal (every write lands
 * there first, durably, and is sent to the server later, exactly once), and a worker thread
 * with its own server connection sends the journal and brings the server's changes in.
 *
 *   UI thread                           worker thread (sync.c)
 *   ---------                           ----------------------
 *   reads the replica                   owns the PostgreSQL connection (libpq blocks: only here)
 *   sync_journal_write(): the write     replays the journal in order: entries by uid
 *     and its journal row, one local      (store_entry_deliver), other writes through the same
 *     transaction, then sync_kick()       store call inside one transaction that records the
 *   polls sync_wake_fd()                  operation's uid (store_sync_claim): exactly once
 *   sync_take(): what changed,          LISTENs; on a notification for the followed incident
 *     status, messages                    reads what changed (store_pull_*) into the replica
 *                                       reconnects with backoff when the server is gone
 */
#ifndef WARROOM_SYNC_H
#define WARROOM_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comms.h"
#include "store.h"
#include "sync_op.h"
#include "util.h"

struct sync;

enum sync_state {
    SYNC_CONNECTING, /* first connection attempt in progress */
    SYNC_CONNECTED,
    SYNC_OFFLINE,    /* the server cannot be reached; retrying with backoff */
    SYNC_STOPPED,    /* cannot sync at all (reason says why); the journal keeps everything */
};

struct sync_status {
    enum sync_state state;
    int64_t since_ms;   /* SYNC_OFFLINE: wall-clock time the server was last lost */
    char reason[256];   /* the last connection or server error, safe to show (no password) */
    int64_t pending;    /* journal operations the server has not acknowledged */
    int64_t failed;     /* journal operations the server refused */
    bool copying;       /* the followed incident's first full copy is in progress */
    int64_t copied;     /* entries copied so far in it */
};

/* What happened since the last sync_take. */
struct sync_events {
    bool all;            /* reload everything */
    int64_t changed[32]; /* incidents whose rows in the replica changed */
    size_t n_changed;
    bool status;         /* sync_status changed */
    char message[512];   /* "" or a one-line report (a refused write, a delivery) */
    bool message_error;
    int64_t created;     /* an incident this cockpit asked for was created: its id, else 0 */
};

/* Where this laptop keeps its copy of `target`: $XDG_DATA_HOME/warroom/replicas/HASH.db (else
 * ~/.local/share/...), HASH from the target with its password masked; the directory is created
 * (0700). */
int sync_replica_path(const char *target, char *buf, size_t n, struct wr_error *err);

/* Start the worker for server `target` and the replica file (which the caller has opened and
 * set up: store_replica_setup). The worker opens its own connections. */
int sync_start(const char *target, const char *replica_path, struct sync **out,
               struct wr_error *err);
/* Stop the worker (waits for it, at most about a second while it is stuck connecting) and free;
 * sets *s to NULL. Accepts NULL. */
void sync_stop(struct sync **s);

/* Readable when sync_take has something. Poll it in the UI's loop. */
int sync_wake_fd(const struct sync *s);
/* Drain the wake fd and take the events. */
void sync_take(struct sync *s, struct sync_events *ev);
void sync_status(struct sync *s, struct sync_status *out);

/* Keep this incident current in the replica (0: none), reading it whole the first time. */
void sync_follow(struct sync *s, int64_t incident_id);
/* The journal has a new operation: send it now. */
void sync_kick(struct sync *s);
/* Deliver the server's outbox (its exactly-once claims) from the worker, with the destinations
 * of the config file at `config_path` (the worker loads its own copy; NULL stops). */
void sync_set_delivery(struct sync *s, const char *config_path);
/* Text a delivery wrote for a local destination (the clipboard's OSC 52 sequence, stdout) that
 * the UI thread must write; malloc'd, NULL when none. Call after sync_take. */
char *sync_take_output(struct sync *s, enum comms_dest_type *type);

/* A local write as the journal records it: fn(replica, ctx) when given, else sync_op_apply, on
 * the replica, and the journal row for op, in one local transaction (durable when this
 * returns). *journaled (may be NULL) is false when a SYNC_OP_ENTRIES write wrote nothing (no
 * row then). Errors are the local write's: nothing is journaled then. */
typedef int (*sync_local_fn)(struct store *replica, void *ctx, struct wr_error *err);
int sync_journal_write(struct store *replica, const struct sync_op *op, sync_local_fn fn, void *ctx,
                       bool *journaled, struct wr_error *err);

/* What sync_run_once did. */
struct sync_report {
    int64_t sent;    /* journal operations the server took */
    int64_t refused; /* ... and refused (kept in the journal, failed) */
    int64_t left;    /* still pending (the connection was lost meanwhile) */
    int64_t copied;  /* entries copied into the replica */
};
/* `warroom sync`, blocking: connect, send the journal of `replica_path`, then bring the list of
 * incidents and incidents ids[0..n) up to date in the replica (n 0: every incident the replica
 * already follows). */
int sync_run_once(const char *target, const char *replica_path, const int64_t *ids, size_t n,
                  struct sync_report *r, struct wr_error *err);
/* Only the first half of sync_run_once: send what the journal holds (r->copied stays 0). */
int sync_send_pending(const char *target, const char *replica_path, struct sync_report *r,
                      struct wr_error *err);

#endif
