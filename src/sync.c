/* sync.c: team mode's worker: sends the local journal to the PostgreSQL server exactly once and
 * keeps the replica current from the server's change notifications (see sync.h). */
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "deliver.h"
#include "store_sync.h"

/* Entries per read of the server: one local transaction each, so the cockpit's own writes to the
 * replica never wait long behind a copy. */
#define SYNC_BATCH 500
/* Reconnection backoff: from the first, doubling, at most. */
#define SYNC_BACKOFF_FIRST_MS 500
#define SYNC_BACKOFF_MAX_MS 15000
/* A write the server failed for another reason than the connection is retried this many times
 * before it is reported as refused (a full disk there clears; a constraint does not). */
#define SYNC_MAX_ATTEMPTS 5
/* How long sync_stop waits for a worker stuck in a blocking connect. */
#define SYNC_STOP_WAIT_MS 1500

enum outcome { DONE, LOST, REFUSED, BLOCKED, FAILED, RETRY };

struct sync {
    char *target;
    char masked[512]; /* the target as shown; status reasons say "the server" instead */
    char *replica_path;
    pthread_t thread;
    bool started;
    int wake_ui[2];     /* worker -> UI */
    int wake_worker[2]; /* UI -> worker */

    pthread_mutex_t mu; /* guards everything below until "worker only" */
    bool stop, kicked, finished;
    int64_t follow;
    char *cfg_path;     /* destinations to deliver with (sync_set_delivery), NULL: none */
    unsigned cfg_gen;
    struct sync_status status;
    struct sync_events ev;
    char *output;
    enum comms_dest_type output_type;

    /* worker only */
    struct store *replica, *pg;
    int64_t followed;
    bool need_list, need_pull;
    int64_t rows[32]; /* other incidents whose rows changed */
    size_t n_rows;
    struct deliver *deliver;
    struct comms_config *cfg; /* the worker's own copy */
    unsigned cfg_loaded;      /* cfg_gen it was loaded for */
    int64_t deliver_at; /* wall clock of the next due outbox message, WR_TIME_NONE */
    int64_t pulled;     /* entries copied in, for sync_run_once's report */
    bool delivered;     /* deliver_run_once finished a message */
};

/* Sync objects whose worker could not be joined in time (stuck in a blocking connect): kept
 * reachable, never freed, so the exiting process does not pull memory from under it. */
static struct sync *g_abandoned[8];

/* ---- plumbing ---- */

static int make_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static void poke(int fd)
{
    char c = 1;
    ssize_t w = write(fd, &c, 1); /* a full pipe means a wakeup is pending anyway */
    (void)w;
}

static void drain(int fd)
{
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

/* ---- events for the UI (the worker's side; callers hold no lock) ---- */

static void wake_ui(struct sync *s)
{
    poke(s->wake_ui[1]);
}

static void post_changed(struct sync *s, int64_t id)
{
    pthread_mutex_lock(&s->mu);
    bool known = false;
    for (size_t i = 0; i < s->ev.n_changed; i++)
        known |= s->ev.changed[i] == id;
    if (!known) {
        if (s->ev.n_changed < sizeof s->ev.changed / sizeof s->ev.changed[0])
            s->ev.changed[s->ev.n_changed++] = id;
        else
            s->ev.all = true;
    }
    pthread_mutex_unlock(&s->mu);
    wake_ui(s);
}

static void post_all(struct sync *s)
{
    pthread_mutex_lock(&s->mu);
    s->ev.all = true;
    pthread_mutex_unlock(&s->mu);
    wake_ui(s);
}

static void post_message(struct sync *s, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void post_message(struct sync *s, bool error, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&s->mu);
    va_start(ap, fmt);
    vsnprintf(s->ev.message, sizeof s->ev.message, fmt, ap);
    va_end(ap);
    s->ev.message_error = error;
    pthread_mutex_unlock(&s->mu);
    fprintf(stderr, "warroom: sync: %s\n", s->ev.message);
    wake_ui(s);
}

/* Update the status under the lock and wake the UI when it changed. */
static void set_state(struct sync *s, enum sync_state st, const char *full)
{
    /* The header and the status line have one row: the server's long name stays in the log. */
    char shown[sizeof s->status.reason];
    const char *reason = full;
    const char *name = full && s->masked[0] ? strstr(full, s->masked) : NULL;
    if (name) {
        snprintf(shown, sizeof shown, "%.*sthe server%s", (int)(name - full), full,
                 name + strlen(s->masked));
        reason = shown;
    }
    pthread_mutex_lock(&s->mu);
    bool changed = s->status.state != st;
    if (st == SYNC_OFFLINE && s->status.state != SYNC_OFFLINE)
        s->status.since_ms = wr_now_ms();
    s->status.state = st;
    if (reason && strcmp(s->status.reason, reason) != 0) {
        snprintf(s->status.reason, sizeof s->status.reason, "%s", reason);
        changed = true;
    }
    if (changed)
        s->ev.status = true;
    pthread_mutex_unlock(&s->mu);
    if (changed) {
        if (full && *full)
            fprintf(stderr, "warroom: sync: %s\n", full);
        wake_ui(s);
    }
}

static void publish_counts(struct sync *s)
{
    struct wr_error err;
    int64_t pending = 0, failed = 0;
    if (store_journal_counts(s->replica, &pending, &failed, &err) != 0)
        return;
    pthread_mutex_lock(&s->mu);
    bool changed = s->status.pending != pending || s->status.failed != failed;
    s->status.pending = pending;
    s->status.failed = failed;
    if (changed)
        s->ev.status = true;
    pthread_mutex_unlock(&s->mu);
    if (changed)
        wake_ui(s);
}

static void set_copying(struct sync *s, bool copying, int64_t copied)
{
    pthread_mutex_lock(&s->mu);
    bool changed = s->status.copying != copying || s->status.copied != copied;
    s->status.copying = copying;
    s->status.copied = copied;
    if (changed)
        s->ev.status = true;
    pthread_mutex_unlock(&s->mu);
}

/* ---- the connection ---- */

static enum outcome lost(struct sync *s, const struct wr_error *err)
{
    store_close(&s->pg);
    deliver_free(&s->deliver); /* made again over the next connection */
    set_state(s, SYNC_OFFLINE, err ? err->msg : "the connection to the server was lost");
    return LOST;
}

/* What a failed call on the server means: the connection (retry after reconnecting) or the
 * server's answer. */
static enum outcome failure(struct sync *s, const struct wr_error *err)
{
    if (!s->pg || store_connection_lost(s->pg))
        return lost(s, err);
    return FAILED;
}

static int connect_server(struct sync *s, struct wr_error *err)
{
    struct store *pg = NULL;
    char mine[32], theirs[32];
    int64_t instance = 0;
    if (store_open(s->target, &pg, err) != 0)
        return err->code == WR_E_DB_VERSION ? -2 : -1; /* retrying cannot help that one */
    if (!store_is_remote(pg)) {
        store_close(&pg);
        return wr_fail(err, WR_E_USAGE, "team mode needs a PostgreSQL server");
    }
    /* A server re-created at the same address is another database: this laptop's copy (and
     * its journal) belongs to the old one and must not be mixed into it. */
    if (store_sync_instance(pg, &instance, err) != 0 ||
        store_replica_state_get(s->replica, "instance", mine, sizeof mine, err) != 0)
        goto fail;
    snprintf(theirs, sizeof theirs, "%lld", (long long)instance);
    if (!mine[0]) {
        if (store_replica_state_set(s->replica, "instance", theirs, err) != 0)
            goto fail;
    } else if (strcmp(mine, theirs) != 0) {
        wr_fail(err, WR_E_CONFLICT,
                "the server %s holds another database than this laptop's copy (%s; re-created?): "
                "quit, move that file aside and start again",
                store_path(pg), s->replica_path);
        store_close(&pg);
        return -2;
    }
    int64_t v;
    if (store_data_version(pg, &v, err) != 0) /* LISTEN from now on */
        goto fail;
    s->pg = pg;
    return 0;
fail:
    store_close(&pg);
    return -1;
}

/* ---- replaying the journal ---- */

/* Deliver the entries and outbox messages an operation wrote, as they were written. */
static int deliver_rows(struct sync *s, const struct store_journal_op *op, struct wr_error *err)
{
    for (size_t i = 0; i < op->n_entries; i++) {
        struct entry e;
        bool already = false;
        if (store_entry_original(s->replica, op->entry_uids[i], &e, err) != 0) {
            if (err->code == WR_E_NOT_FOUND)
                continue; /* removed here since: nothing to send */
            return -1;
        }
        int rc = store_entry_deliver(s->pg, &e, &already, err);
        entry_clear(&e);
        if (rc != 0)
            return -1;
    }
    for (size_t i = 0; i < op->n_outbox; i++) {
        struct outbox_msg m;
        bool found = false, dup = false;
        if (store_outbox_find_key(s->replica, op->outbox_keys[i], &m, &found, err) != 0)
            return -1;
        if (!found)
            continue;
        int64_t id;
        int rc = store_outbox_enqueue(s->pg, &m, &id, &dup, err); /* the key dedupes a resend */
        outbox_msg_clear(&m);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Send one operation. *used gets how many of its local entries the server's run recorded (the
 * rest had no counterpart there and are removed here). */
static enum outcome replay_one(struct sync *s, const struct store_journal_op *op, size_t *used,
                               int64_t *created, struct wr_error *err)
{
    struct sync_op o;
    void *doc = NULL;
    *used = op->n_entries;
    *created = 0;
    if (sync_op_parse(op->op, &o, &doc, err) != 0)
        return REFUSED;
    enum outcome out = FAILED;
    if (store_begin(s->pg, err) != 0) {
        out = failure(s, err);
        goto done;
    }
    if (o.kind == SYNC_OP_ENTRIES) {
        /* Each entry is idempotent by its uid, each message by its key: no claim needed. */
        if (deliver_rows(s, op, err) != 0)
            goto fail;
    } else {
        bool fresh = false;
        if (store_sync_claim(s->pg, op->uid, &fresh, err) != 0)
            goto fail;
        if (!fresh) { /* applied before; its acknowledgement was lost */
            store_rollback(s->pg);
            out = DONE;
            goto done;
        }
        store_force_uids(s->pg, (const char *const *)op->entry_uids, op->n_entries);
        int rc = sync_op_apply(s->pg, &o, err);
        *used = store_forced_uids_used(s->pg);
        store_force_uids(s->pg, NULL, 0);
        if (rc != 0)
            goto fail;
        if (deliver_rows(s, &(struct store_journal_op){.outbox_keys = op->outbox_keys,
                                                        .n_outbox = op->n_outbox},
                         err) != 0)
            goto fail;
        if (o.kind == SYNC_OP_INCIDENT_OPEN &&
            store_incident_find_uid(s->pg, o.entry_uid, created, err) != 0)
            goto fail;
    }
    if (store_commit(s->pg, err) != 0) {
        out = failure(s, err);
        goto done;
    }
    out = DONE;
    goto done;
fail:
    /* The reason first: the rollback may clear the connection's last failure. */
    out = failure(s, err);
    if (s->pg)
        store_rollback(s->pg);
    if (out == FAILED && (err->code == WR_E_CONFLICT || err->code == WR_E_NOT_FOUND ||
                          err->code == WR_E_INPUT))
        out = REFUSED;
done:
    sync_op_doc_free(&doc);
    return out;
}

/* After the server took (or refused) an operation: one local transaction. */
static int journal_settle(struct sync *s, const struct store_journal_op *op, size_t used,
                          bool refused, const char *reason, struct wr_error *err)
{
    struct sync_op o;
    void *doc = NULL;
    bool entries_op = true, entry_change = false;
    if (sync_op_parse(op->op, &o, &doc, err) == 0) {
        entries_op = o.kind == SYNC_OP_ENTRIES;
        entry_change = o.kind >= SYNC_OP_EDIT && o.kind <= SYNC_OP_AT;
    }
    sync_op_doc_free(&doc);
    wr_error_clear(err);
    if (store_begin(s->replica, err) != 0)
        return -1;
    if (refused) {
        /* A refused state change is undone here (its entries now; the rest with the next read
         * of the incident); refused entries stay, marked, for the user to retype elsewhere. */
        if ((!entries_op && store_entries_forget(s->replica, op->entry_uids, op->n_entries,
                                                 err) != 0) ||
            store_journal_failed(s->replica, op->seq, reason, err) != 0)
            goto fail;
        /* A refused change of an entry left its local revision: read the incident's entries
         * again from the start. */
        if (entry_change && store_replica_forget_watermark(s->replica, op->incident_id, err) != 0)
            goto fail;
    } else if ((used < op->n_entries &&
                store_entries_forget(s->replica, op->entry_uids + used, op->n_entries - used,
                                     err) != 0) ||
               store_journal_done(s->replica, op->seq, err) != 0) {
        goto fail;
    }
    return store_commit(s->replica, err);
fail:
    store_rollback(s->replica);
    return -1;
}


/* Whether the operation only delivers what was written locally (typed entries, snapshots,
 * queued messages): such operations can share one server transaction. */
static bool only_rows(const struct store_journal_op *op)
{
    struct sync_op o;
    void *doc = NULL;
    struct wr_error err;
    bool rows = sync_op_parse(op->op, &o, &doc, &err) == 0 && o.kind == SYNC_OP_ENTRIES;
    sync_op_doc_free(&doc);
    return rows;
}

/* Several such operations in one server transaction: a journal that filled during an outage,
 * or over a far link, drains in a few round trips instead of five per entry. */
static enum outcome replay_rows_batch(struct sync *s, struct store_journal_op *ops, size_t n,
                                      struct wr_error *err)
{
    if (store_begin(s->pg, err) != 0)
        return failure(s, err);
    for (size_t i = 0; i < n; i++)
        if (deliver_rows(s, &ops[i], err) != 0) {
            enum outcome o = failure(s, err);
            if (s->pg)
                store_rollback(s->pg);
            return o;
        }
    if (store_commit(s->pg, err) != 0)
        return failure(s, err);
    return DONE;
}

/* Forget a delivered batch in the journal: one local transaction. */
static int settle_batch(struct sync *s, struct store_journal_op *ops, size_t n,
                        struct wr_error *err)
{
    if (store_begin(s->replica, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (journal_settle(s, &ops[i], ops[i].n_entries, false, NULL, err) != 0) {
            store_rollback(s->replica);
            return -1;
        }
    return store_commit(s->replica, err);
}

#define SYNC_BATCH_OPS 64

static enum outcome replay(struct sync *s)
{
    struct wr_error err;
    int64_t after = 0;
    bool any = false, retry = false;
    for (;;) {
        struct store_journal_op op;
        bool found = false;
        if (store_journal_next(s->replica, after, &op, &found, &err) != 0) {
            set_state(s, SYNC_STOPPED, err.msg);
            return FAILED;
        }
        if (!found)
            break;
        if (only_rows(&op)) {
            struct store_journal_op batch[SYNC_BATCH_OPS];
            size_t nb = 0;
            batch[nb++] = op;
            while (nb < SYNC_BATCH_OPS) {
                struct store_journal_op next;
                bool more = false;
                if (store_journal_next(s->replica, batch[nb - 1].seq, &next, &more, &err) != 0 ||
                    !more)
                    break;
                if (!only_rows(&next)) {
                    store_journal_op_clear(&next);
                    break;
                }
                batch[nb++] = next;
            }
            enum outcome r = nb > 1 ? replay_rows_batch(s, batch, nb, &err) : FAILED;
            if (r == DONE && settle_batch(s, batch, nb, &err) != 0) {
                set_state(s, SYNC_STOPPED, err.msg);
                for (size_t i = 0; i < nb; i++)
                    store_journal_op_clear(&batch[i]);
                return FAILED;
            }
            for (size_t i = 1; i < nb; i++) {
                if (r == DONE)
                    post_changed(s, batch[i].incident_id);
                store_journal_op_clear(&batch[i]);
            }
            if (r == LOST) {
                store_journal_op_clear(&op);
                return LOST;
            }
            if (r == DONE) {
                post_changed(s, op.incident_id);
                any = true;
                after = batch[nb - 1].seq;
                store_journal_op_clear(&op);
                continue;
            }
            /* One of them failed: one at a time, so only that one is retried or refused. */
        }
        size_t used = 0;
        int64_t created = 0;
        wr_error_clear(&err);
        enum outcome r = replay_one(s, &op, &used, &created, &err);
        if (r == LOST) {
            store_journal_op_clear(&op);
            return LOST;
        }
        if (r == FAILED && op.attempts + 1 < SYNC_MAX_ATTEMPTS) {
            /* Not the connection, not a refusal: maybe the server's passing trouble. Keep it
             * and try again on the next round, after the others. */
            struct wr_error e2;
            store_journal_retry(s->replica, op.seq, &e2);
            fprintf(stderr, "warroom: sync: will retry: %s\n", err.msg);
            retry = true;
            after = op.seq;
            store_journal_op_clear(&op);
            continue;
        }
        bool refused = r != DONE;
        char reason[sizeof err.msg];
        snprintf(reason, sizeof reason, "%s", err.msg[0] ? err.msg : "refused");
        struct sync_op o;
        void *doc = NULL;
        enum sync_op_kind kind = SYNC_OP_ENTRIES;
        if (sync_op_parse(op.op, &o, &doc, &err) == 0)
            kind = o.kind;
        sync_op_doc_free(&doc);
        struct wr_error serr;
        if (journal_settle(s, &op, used, refused, reason, &serr) != 0) {
            set_state(s, SYNC_STOPPED, serr.msg);
            store_journal_op_clear(&op);
            return FAILED;
        }
        if (refused)
            post_message(s, true, "the server refused %s made here: %s", sync_op_what(kind),
                         reason);
        if (created) {
            pthread_mutex_lock(&s->mu);
            s->ev.created = created;
            pthread_mutex_unlock(&s->mu);
            s->need_list = true;
            wake_ui(s);
        }
        any = true;
        after = op.seq;
        post_changed(s, op.incident_id);
        store_journal_op_clear(&op);
    }
    if (any) {
        s->need_pull = true; /* the server's copies, with their ids */
        publish_counts(s);
    }
    return retry ? RETRY : DONE;
}

/* ---- reading the server's changes ---- */

static enum outcome pull(struct sync *s, enum store_pull_what what, int64_t id)
{
    struct wr_error err;
    for (;;) {
        int64_t seq = -1, last = 0;
        bool complete = false;
        if (what == PULL_INCIDENT &&
            store_replica_watermark(s->replica, id, &seq, &last, &complete, &err) != 0) {
            set_state(s, SYNC_STOPPED, err.msg);
            return FAILED;
        }
        struct store_pull *p = NULL;
        if (store_pull_read(s->pg, what, id, seq, last, SYNC_BATCH, &p, &err) != 0) {
            enum outcome r = failure(s, &err);
            if (r == FAILED)
                fprintf(stderr, "warroom: sync: %s\n", err.msg);
            return r;
        }
        bool blocked = false;
        int rc = store_pull_apply(s->replica, p, &blocked, &err);
        bool more = store_pull_more(p);
        size_t got = store_pull_entries(p);
        s->pulled += (int64_t)got;
        store_pull_free(&p);
        if (rc != 0) {
            set_state(s, SYNC_STOPPED, err.msg);
            return FAILED;
        }
        if (blocked)
            return BLOCKED;
        if (what == PULL_LIST)
            post_all(s);
        else
            post_changed(s, id);
        if (what == PULL_INCIDENT && !complete) {
            pthread_mutex_lock(&s->mu);
            int64_t copied = s->status.copied + (int64_t)got;
            pthread_mutex_unlock(&s->mu);
            set_copying(s, more, more ? copied : 0);
            wake_ui(s);
        }
        if (!more)
            return DONE;
        pthread_mutex_lock(&s->mu);
        bool stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            return DONE;
    }
}

/* Take the notifications libpq holds (read off the socket, or during a query). */
static enum outcome notifications(struct sync *s)
{
    struct wr_error err;
    int64_t v, ids[64];
    size_t n = 0;
    bool all = false;
    if (store_data_version(s->pg, &v, &err) != 0)
        return lost(s, &err);
    store_changed_incidents(s->pg, ids, sizeof ids / sizeof ids[0], &n, &all);
    if (all) {
        s->need_list = s->need_pull = true;
        return DONE;
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == s->followed) {
            s->need_pull = true;
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < s->n_rows; k++)
            known |= s->rows[k] == ids[i];
        if (known)
            continue;
        if (s->n_rows < sizeof s->rows / sizeof s->rows[0])
            s->rows[s->n_rows++] = ids[i];
        else
            s->need_list = true;
    }
    return DONE;
}

/* ---- delivering the outbox (the server's, claimed there exactly once) ---- */

static void hook_output(void *ctx, enum comms_dest_type type, const char *text)
{
    struct sync *s = ctx;
    char *copy = strdup(text);
    if (!copy)
        return;
    pthread_mutex_lock(&s->mu);
    free(s->output);
    s->output = copy;
    s->output_type = type;
    pthread_mutex_unlock(&s->mu);
    wake_ui(s);
}

static void hook_report(void *ctx, const struct outbox_msg *m, bool ok, const char *detail)
{
    struct sync *s = ctx;
    s->delivered = true;
    if (ok)
        post_message(s, false, "Sent to %s", m->destination);
    else
        post_message(s, true, "Not delivered (%s); kept in the outbox, retried later",
                     detail ? detail : m->destination);
    post_changed(s, m->incident_id);
}

static enum outcome deliver_due(struct sync *s)
{
    struct wr_error err;
    pthread_mutex_lock(&s->mu);
    unsigned gen = s->cfg_gen;
    char *path = s->cfg_path ? strdup(s->cfg_path) : NULL;
    pthread_mutex_unlock(&s->mu);
    if (gen != s->cfg_loaded) {
        deliver_free(&s->deliver);
        comms_config_free(&s->cfg);
        s->cfg_loaded = gen;
        if (path && comms_config_load(path, &s->cfg, &err) != 0)
            fprintf(stderr, "warroom: sync: %s\n", err.msg);
    }
    free(path);
    if (s->cfg && !s->deliver) {
        struct deliver_hooks hooks = {.local_output = hook_output, .report = hook_report,
                                      .ctx = s};
        if (deliver_new(s->pg, s->cfg, &hooks, &s->deliver, &err) != 0)
            fprintf(stderr, "warroom: sync: %s\n", err.msg);
    }
    s->deliver_at = WR_TIME_NONE;
    if (!s->deliver)
        return DONE;
    int64_t due = WR_TIME_NONE;
    if (store_outbox_next_due(s->pg, &due, &err) != 0)
        return failure(s, &err) == LOST ? LOST : DONE;
    if (due != WR_TIME_NONE && due <= wr_now_ms()) {
        if (deliver_run_once(s->deliver, &err) != 0)
            fprintf(stderr, "warroom: sync: %s\n", err.msg);
        /* Marked sent (with its comms entry) or failed by this connection, whose own
         * notifications do not come back: read the incident again. */
        if (s->delivered)
            s->need_pull = s->need_list = true;
        s->delivered = false;
        if (store_outbox_next_due(s->pg, &due, &err) != 0)
            return failure(s, &err) == LOST ? LOST : DONE;
    }
    s->deliver_at = due;
    return DONE;
}

/* ---- the worker ---- */

/* Sleep until the server's socket or the UI wakes us, or timeout_ms (-1: no limit). Returns
 * true when the socket is readable. */
static bool wait_for(struct sync *s, int64_t timeout_ms)
{
    struct pollfd p[2] = {{.fd = s->wake_worker[0], .events = POLLIN},
                          {.fd = s->pg ? store_change_fd(s->pg) : -1, .events = POLLIN}};
    int t = timeout_ms < 0 ? -1 : timeout_ms > INT_MAX ? INT_MAX : (int)timeout_ms;
    int r = poll(p, 2, t);
    if (r > 0 && (p[0].revents & POLLIN))
        drain(s->wake_worker[0]);
    return r > 0 && p[1].fd >= 0 && p[1].revents != 0;
}

static void *worker_main(void *arg)
{
    struct sync *s = arg;
    struct wr_error err;
    int64_t retry_at = 0, backoff = 0;
    if (store_open(s->replica_path, &s->replica, &err) != 0 ||
        store_replica_setup(s->replica, &err) != 0) {
        set_state(s, SYNC_STOPPED, err.msg);
        goto out;
    }
    s->need_list = s->need_pull = true;
    publish_counts(s);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stop;
        int64_t follow = s->follow;
        s->kicked = false;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        if (follow != s->followed) {
            s->followed = follow;
            s->need_pull = true;
        }
        if (!s->pg) {
            int64_t now = wr_mono_ms();
            if (now < retry_at) {
                wait_for(s, retry_at - now);
                continue;
            }
            wr_error_clear(&err);
            int rc = connect_server(s, &err);
            if (rc == -2) {
                set_state(s, SYNC_STOPPED, err.msg);
                wait_for(s, -1);
                continue;
            }
            if (rc != 0) {
                backoff = backoff ? backoff * 2 : SYNC_BACKOFF_FIRST_MS;
                if (backoff > SYNC_BACKOFF_MAX_MS)
                    backoff = SYNC_BACKOFF_MAX_MS;
                retry_at = wr_mono_ms() + backoff;
                set_state(s, SYNC_OFFLINE, err.msg);
                continue;
            }
            backoff = 0;
            s->need_list = s->need_pull = true;
            set_state(s, SYNC_CONNECTED, "");
        }
        enum outcome r = replay(s);
        if (r == LOST)
            continue;
        if (r == FAILED)
            break;
        if (r == RETRY) {
            /* A write the server failed for a passing reason: give it a moment. */
            if (wait_for(s, 2000) && s->pg)
                notifications(s);
            continue;
        }
        if (s->need_list) {
            r = pull(s, PULL_LIST, 0);
            if (r == LOST)
                continue;
            if (r == BLOCKED)
                continue; /* the journal first */
            s->need_list = false;
        }
        while (s->n_rows > 0 && s->pg) {
            int64_t id = s->rows[--s->n_rows];
            r = pull(s, PULL_ROW, id);
            if (r == BLOCKED) {
                s->rows[s->n_rows++] = id;
                break;
            }
        }
        if (!s->pg)
            continue;
        if (s->need_pull && s->followed > 0) {
            r = pull(s, PULL_INCIDENT, s->followed);
            if (r == LOST || r == BLOCKED)
                continue;
            s->need_pull = false;
        }
        if (deliver_due(s) == LOST)
            continue;
        /* Notifications libpq read while answering our queries: poll would not see them. */
        if (notifications(s) == LOST)
            continue;
        pthread_mutex_lock(&s->mu);
        bool again = s->kicked || s->stop || s->follow != s->followed;
        pthread_mutex_unlock(&s->mu);
        if (again || s->need_pull || s->need_list || s->n_rows)
            continue;
        int64_t wait = s->deliver_at == WR_TIME_NONE ? -1 : wr_clock_wait_ms(s->deliver_at) + 1;
        if (wait_for(s, wait) && s->pg)
            notifications(s);
    }
out:
    deliver_free(&s->deliver);
    comms_config_free(&s->cfg);
    store_close(&s->pg);
    store_close(&s->replica);
    pthread_mutex_lock(&s->mu);
    s->finished = true;
    pthread_mutex_unlock(&s->mu);
    wake_ui(s);
    return NULL;
}

/* ---- the UI's side ---- */

/* FNV-1a of a name: a stable file name, not a secret. */
static uint64_t name_hash(const char *prefix, const char *name)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = prefix; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

int sync_replica_path(const char *target, char *buf, size_t n, struct wr_error *err)
{
    char masked[1024], identity[2048], dir[PATH_MAX];
    db_mask_target(target, masked, sizeof masked);
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(dir, sizeof dir, "%s/warroom/replicas", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.local/share/warroom/replicas", home);
    else
        return wr_fail(err, WR_E_IO,
                       "neither XDG_DATA_HOME nor HOME is set: no place for this laptop's copy of "
                       "the team database");
    if (wr_mkdirs(dir, 0700, err) != 0)
        return -1;
    /* Named after the database the target reaches, not its spelling: a journal left by a
     * killed cockpit must be found again when the password moves to ~/.pgpass or sslmode is
     * added. The first team-mode builds named it after the masked target: such a file is kept
     * (it may hold unsent work). */
    uint64_t h = name_hash("", masked);
    if ((size_t)snprintf(buf, n, "%s/%016llx.db", dir, (unsigned long long)h) >= n)
        return wr_fail(err, WR_E_IO, "the local copy's path is too long");
    if (access(buf, F_OK) == 0)
        return 0;
    if (db_target_identity(target, identity, sizeof identity) == 0)
        h = name_hash("database\n", identity);
    if ((size_t)snprintf(buf, n, "%s/%016llx.db", dir, (unsigned long long)h) >= n)
        return wr_fail(err, WR_E_IO, "the local copy's path is too long");
    return 0;
}

int sync_start(const char *target, const char *replica_path, struct sync **out,
               struct wr_error *err)
{
    *out = NULL;
    struct sync *s = calloc(1, sizeof *s);
    if (!s)
        return wr_fail(err, WR_E_NOMEM, "out of memory starting team mode");
    s->wake_ui[0] = s->wake_ui[1] = s->wake_worker[0] = s->wake_worker[1] = -1;
    pthread_mutex_init(&s->mu, NULL);
    s->status.state = SYNC_CONNECTING;
    s->deliver_at = WR_TIME_NONE;
    s->target = strdup(target);
    db_mask_target(target, s->masked, sizeof s->masked);
    s->replica_path = strdup(replica_path);
    if (!s->target || !s->replica_path) {
        wr_fail(err, WR_E_NOMEM, "out of memory starting team mode");
        goto fail;
    }
    if (make_pipe(s->wake_ui) != 0 || make_pipe(s->wake_worker) != 0) {
        wr_fail(err, WR_E_FAIL, "cannot create team mode's wake pipes: %s", strerror(errno));
        goto fail;
    }
    /* Signals are the UI thread's (its loop turns them into flags): block them here. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&s->thread, NULL, worker_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        wr_fail(err, WR_E_FAIL, "cannot start team mode's worker thread: %s", strerror(rc));
        goto fail;
    }
    s->started = true;
    *out = s;
    return 0;
fail:
    sync_stop(&s);
    return -1;
}

static void free_sync(struct sync *s)
{
    for (int i = 0; i < 2; i++) {
        if (s->wake_ui[i] >= 0)
            close(s->wake_ui[i]);
        if (s->wake_worker[i] >= 0)
            close(s->wake_worker[i]);
    }
    if (s->target) /* may hold a password */
        memset(s->target, 0, strlen(s->target));
    free(s->target);
    free(s->replica_path);
    free(s->cfg_path);
    free(s->output);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void sync_stop(struct sync **sp)
{
    if (!sp || !*sp)
        return;
    struct sync *s = *sp;
    *sp = NULL;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_mutex_unlock(&s->mu);
        poke(s->wake_worker[1]);
        /* A connect blocks up to its timeout: wait a little, then leave the worker to the
         * process's exit (its local writes are transactions: nothing half-written). */
        int64_t until = wr_mono_ms() + SYNC_STOP_WAIT_MS;
        bool finished = false;
        while (!finished && wr_mono_ms() < until) {
            pthread_mutex_lock(&s->mu);
            finished = s->finished;
            pthread_mutex_unlock(&s->mu);
            if (!finished) {
                struct pollfd p = {.fd = s->wake_ui[0], .events = POLLIN};
                poll(&p, 1, 50);
                drain(s->wake_ui[0]);
            }
        }
        if (!finished) {
            fprintf(stderr, "warroom: sync: the worker is still connecting; leaving it\n");
            for (size_t i = 0; i < sizeof g_abandoned / sizeof g_abandoned[0]; i++)
                if (!g_abandoned[i]) {
                    g_abandoned[i] = s;
                    break;
                }
            pthread_detach(s->thread);
            return;
        }
        pthread_join(s->thread, NULL);
    }
    free_sync(s);
}

int sync_wake_fd(const struct sync *s)
{
    return s->wake_ui[0];
}

void sync_take(struct sync *s, struct sync_events *ev)
{
    drain(s->wake_ui[0]);
    pthread_mutex_lock(&s->mu);
    *ev = s->ev;
    memset(&s->ev, 0, sizeof s->ev);
    pthread_mutex_unlock(&s->mu);
}

void sync_status(struct sync *s, struct sync_status *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->status;
    pthread_mutex_unlock(&s->mu);
}

void sync_follow(struct sync *s, int64_t incident_id)
{
    pthread_mutex_lock(&s->mu);
    bool changed = s->follow != incident_id;
    s->follow = incident_id;
    pthread_mutex_unlock(&s->mu);
    if (changed)
        poke(s->wake_worker[1]);
}

void sync_kick(struct sync *s)
{
    pthread_mutex_lock(&s->mu);
    s->kicked = true;
    pthread_mutex_unlock(&s->mu);
    poke(s->wake_worker[1]);
}

void sync_set_delivery(struct sync *s, const char *config_path)
{
    char *copy = config_path ? strdup(config_path) : NULL;
    pthread_mutex_lock(&s->mu);
    free(s->cfg_path);
    s->cfg_path = copy;
    s->cfg_gen++;
    s->kicked = true;
    pthread_mutex_unlock(&s->mu);
    poke(s->wake_worker[1]);
}

char *sync_take_output(struct sync *s, enum comms_dest_type *type)
{
    pthread_mutex_lock(&s->mu);
    char *out = s->output;
    *type = s->output_type;
    s->output = NULL;
    pthread_mutex_unlock(&s->mu);
    return out;
}

int sync_journal_write(struct store *replica, const struct sync_op *op, sync_local_fn fn, void *ctx,
                       bool *journaled, struct wr_error *err)
{
    struct store_journal_mark mark;
    char *json = NULL;
    if (journaled)
        *journaled = true;
    if (store_begin(replica, err) != 0)
        return -1;
    if (store_journal_mark(replica, &mark, err) != 0)
        goto fail;
    if ((fn ? fn(replica, ctx, err) : sync_op_apply(replica, op, err)) != 0)
        goto fail;
    if (op->kind == SYNC_OP_ENTRIES) {
        /* Nothing written (an overdue alert already there): nothing to send. */
        struct store_journal_mark after;
        if (store_journal_mark(replica, &after, err) != 0)
            goto fail;
        if (after.entries == mark.entries && after.outbox == mark.outbox) {
            if (journaled)
                *journaled = false;
            return store_commit(replica, err);
        }
    }
    if (!(json = sync_op_json(op))) {
        wr_fail(err, WR_E_NOMEM, "out of memory saving the change");
        goto fail;
    }
    if (store_journal_add(replica, &mark, op->incident_id, json, NULL, err) != 0)
        goto fail;
    free(json);
    return store_commit(replica, err);
fail:
    free(json);
    store_rollback(replica);
    return -1;
}

static int run_once(const char *target, const char *replica_path, bool pull_too,
                    const int64_t *ids, size_t n, struct sync_report *r, struct wr_error *err);

int sync_run_once(const char *target, const char *replica_path, const int64_t *ids, size_t n,
                  struct sync_report *r, struct wr_error *err)
{
    return run_once(target, replica_path, true, ids, n, r, err);
}

int sync_send_pending(const char *target, const char *replica_path, struct sync_report *r,
                      struct wr_error *err)
{
    return run_once(target, replica_path, false, NULL, 0, r, err);
}

static int run_once(const char *target, const char *replica_path, bool pull_too,
                    const int64_t *ids, size_t n, struct sync_report *r, struct wr_error *err)
{
    int rc = -1;
    struct sync s;
    int64_t *known = NULL;
    size_t nknown = 0;
    memset(&s, 0, sizeof s);
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&s.mu, NULL);
    s.wake_ui[0] = s.wake_ui[1] = s.wake_worker[0] = s.wake_worker[1] = -1;
    s.target = (char *)target;
    s.replica_path = (char *)replica_path;
    s.deliver_at = WR_TIME_NONE;
    if (make_pipe(s.wake_ui) != 0) {
        wr_fail(err, WR_E_FAIL, "cannot create a pipe: %s", strerror(errno));
        goto out;
    }
    if (store_open(replica_path, &s.replica, err) != 0 || store_replica_setup(s.replica, err) != 0)
        goto out;
    int64_t before = 0, failed_before = 0, failed_after = 0;
    if (store_journal_counts(s.replica, &before, &failed_before, err) != 0)
        goto out;
    if (connect_server(&s, err) != 0)
        goto out;
    enum outcome o = replay(&s);
    if (store_journal_counts(s.replica, &r->left, &failed_after, err) != 0)
        goto out;
    r->refused = failed_after - failed_before;
    r->sent = before - r->left - r->refused;
    if (o == LOST || o == FAILED) {
        wr_fail(err, WR_E_DB, "%s", s.status.reason[0] ? s.status.reason
                                                       : "the connection to the server was lost");
        goto out;
    }
    if (!pull_too) {
        rc = 0;
        goto out;
    }
    if (n == 0 && store_replica_followed(s.replica, &known, &nknown, err) != 0)
        goto out;
    if (n == 0) {
        ids = known;
        n = nknown;
    }
    if ((o = pull(&s, PULL_LIST, 0)) != DONE)
        goto lost;
    for (size_t i = 0; i < n; i++) {
        if ((o = pull(&s, PULL_INCIDENT, ids[i])) != DONE)
            goto lost;
    }
    r->copied = s.status.copied + s.pulled;
    rc = 0;
    goto out;
lost:
    wr_fail(err, WR_E_DB, "%s",
            o == BLOCKED ? "new changes were written here meanwhile; run warroom sync again"
            : s.status.reason[0] ? s.status.reason
                                 : "reading the server's changes failed (see the log)");
out:
    free(known);
    store_close(&s.pg);
    store_close(&s.replica);
    for (int i = 0; i < 2; i++)
        if (s.wake_ui[i] >= 0)
            close(s.wake_ui[i]);
    pthread_mutex_destroy(&s.mu);
    return rc;
}
