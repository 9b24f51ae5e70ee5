/* team.c: team mode in the cockpit: it works on this laptop's replica of the PostgreSQL
 * database, writes through the local journal, wakes on the sync worker's fd, and shows the
 * connection in the header and pending entries in the timeline (src/sync.h has the design). */
#include <curses.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "store_sync.h"

/* How long a start waits for the server to hand over an incident this laptop has no copy of. */
#define TEAM_FIRST_COPY_WAIT_MS 120000

int tui_write_fn(struct tui *t, const struct sync_op *op, sync_local_fn fn, void *ctx,
                 struct wr_error *err)
{
    if (!t->sync)
        return fn ? fn(t->store, ctx, err) : sync_op_apply(t->store, op, err);
    bool journaled = false;
    if (sync_journal_write(t->store, op, fn, ctx, &journaled, err) != 0)
        return -1;
    if (journaled) {
        sync_kick(t->sync);
        tui_team_refresh(t);
    }
    return 0;
}

int tui_write(struct tui *t, const struct sync_op *op, struct wr_error *err)
{
    return tui_write_fn(t, op, NULL, NULL, err);
}

/* How long pending changes may wait, connected and without progress, before the header says
 * the server does not answer (a pull of a large incident or a slow link makes progress). */
#define TEAM_STALL_MS 10000

static void on_stall(struct loop *l, int id, void *ctx)
{
    (void)l;
    (void)id;
    struct tui *t = ctx;
    t->stall_timer = 0;
    t->stalled = true;
    tui_dirty(t);
}

/* Progress (or nothing pending): the stall clock starts again, armed while something waits. */
static void stall_reset(struct tui *t, bool arm)
{
    if (t->stall_timer && t->loop)
        loop_cancel_timer(t->loop, t->stall_timer);
    t->stall_timer = 0;
    if (t->stalled)
        tui_dirty(t);
    t->stalled = false;
    t->stall_since_ms = wr_now_ms();
    if (arm && t->loop)
        t->stall_timer = loop_set_timer(t->loop, TEAM_STALL_MS, on_stall, t);
}

void tui_team_refresh(struct tui *t)
{
    struct wr_error err;
    if (!t->sync)
        return;
    free(t->journal_entries);
    t->journal_entries = NULL;
    t->n_journal_entries = 0;
    if (t->inc.id != 0 && store_journal_entries(t->store, t->inc.id, &t->journal_entries,
                                                &t->n_journal_entries, &err) != 0)
        fprintf(stderr, "warroom: %s\n", err.msg);
    int64_t pending = 0, failed = 0;
    if (store_journal_counts(t->store, &pending, &failed, &err) != 0)
        return;
    if (pending == 0 || pending < t->journal_pending || t->journal_pending == 0 ||
        (!t->stall_timer && !t->stalled))
        stall_reset(t, pending > 0);
    if (pending != t->journal_pending || failed != t->journal_failed) {
        t->journal_pending = pending;
        t->journal_failed = failed;
        tui_dirty(t);
    }
}

int tui_entry_mark(const struct tui *t, const struct entry *e)
{
    for (size_t i = 0; i < t->n_journal_entries; i++)
        if (strcmp(t->journal_entries[i].uid, e->uid) == 0)
            return t->journal_entries[i].failed ? 2 : 1;
    return 0;
}

bool tui_team_status(struct tui *t, char *buf, size_t n, enum ui_style *style)
{
    struct sync_status *st = &t->sync_status;
    char when[32];
    size_t len = 0;
    buf[0] = '\0';
    if (!t->sync)
        return false;
    *style = STYLE_BAR;
    switch (st->state) {
    case SYNC_CONNECTING:
        snprintf(buf, n, "connecting");
        break;
    case SYNC_CONNECTED:
        if (st->copying)
            snprintf(buf, n, "copying (%" PRId64 " entries)", st->copied);
        else if (t->stalled && t->journal_pending > 0) {
            wr_time_fmt(t->stall_since_ms, t->utc, "%H:%M", when, sizeof when);
            snprintf(buf, n, "connected, no answer since %s", when);
            *style = STYLE_WARN;
        } else
            snprintf(buf, n, "connected");
        break;
    case SYNC_OFFLINE:
        wr_time_fmt(st->since_ms, t->utc, "%H:%M", when, sizeof when);
        snprintf(buf, n, "reconnecting since %s", when);
        *style = STYLE_WARN;
        break;
    case SYNC_STOPPED:
        snprintf(buf, n, "not syncing (see the log)");
        *style = STYLE_ERROR;
        break;
    }
    len = strlen(buf);
    if (t->journal_pending > 0 && len + 1 < n) {
        snprintf(buf + len, n - len, ", %" PRId64 " pending", t->journal_pending);
        len = strlen(buf);
    }
    if (t->journal_failed > 0 && len + 1 < n) {
        snprintf(buf + len, n - len, ", %" PRId64 " refused", t->journal_failed);
        *style = STYLE_ERROR;
    }
    return true;
}

/* The worker said something: reload what changed, show the state and its messages. */
static void on_sync_wake(struct loop *l, int fd, short revents, void *ctx)
{
    struct tui *t = ctx;
    struct sync_events ev;
    sync_take(t->sync, &ev);
    if (ev.status) {
        enum sync_state was = t->sync_status.state;
        sync_status(t->sync, &t->sync_status);
        /* The header only says "not syncing": the status line says why, once. */
        if (t->sync_status.state == SYNC_STOPPED && was != SYNC_STOPPED && !ev.message[0])
            tui_message(t, true, "not syncing: %s", t->sync_status.reason);
        tui_dirty(t);
    }
    bool concern = ev.all || t->inc.id == 0 || t->n_overlays > 0;
    for (size_t i = 0; i < ev.n_changed && !concern; i++)
        concern = ev.changed[i] == t->inc.id;
    if (concern)
        tui_reload(t); /* also the journal marks and counts */
    else
        tui_team_refresh(t);
    enum comms_dest_type type;
    char *out;
    while ((out = sync_take_output(t->sync, &type)) != NULL) {
        if (type == DEST_CLIPBOARD) {
            putp(out); /* OSC 52: prints nothing, between two screen updates */
            fflush(stdout);
        } else {
            fputs(out, stderr); /* stdout belongs to curses: the session log */
        }
        free(out);
    }
    if (ev.created) {
        /* Open it when the picker that declared it is still what the user looks at. */
        struct wr_error err;
        bool picking = t->inc.id == 0 ||
                       (t->n_overlays > 0 && strcmp(t->overlays[0].ops->name, "picker") == 0);
        if (!picking) {
            tui_message(t, false, "INC-%" PRId64 " created on the server: o opens it", ev.created);
        } else {
            while (t->n_overlays > 0)
                tui_pop_overlay(t);
            if (tui_open_incident(t, ev.created, &err) != 0)
                tui_message(t, true, "%s", err.msg);
            else
                tui_message(t, false, "INC-%" PRId64 " declared: type what happens and press "
                                      "Enter", ev.created);
        }
    }
    if (ev.message[0])
        tui_message(t, ev.message_error, "%s", ev.message);
}

/* Before curses: wait until the replica holds incident `id` whole, or the server is found out
 * to be unreachable (then work on what this laptop has, if anything). */
static int first_copy(struct tui *t, int64_t id, struct wr_error *err)
{
    int64_t seq, last, until = wr_mono_ms() + TEAM_FIRST_COPY_WAIT_MS, shown = 0;
    bool complete = false, said = false;
    sync_follow(t->sync, id);
    for (;;) {
        if (store_replica_watermark(t->store, id, &seq, &last, &complete, err) != 0)
            return -1;
        if (complete)
            return 0;
        struct incident probe;
        struct wr_error perr;
        bool have = store_incident_get(t->store, id, &probe, &perr) == 0;
        if (have)
            incident_clear(&probe);
        sync_status(t->sync, &t->sync_status);
        const struct sync_status *st = &t->sync_status;
        if (st->state == SYNC_OFFLINE || st->state == SYNC_STOPPED) {
            if (have) {
                fprintf(stderr, "warroom: %s unreachable (%s); working on this laptop's copy\n",
                        "the server is", st->reason);
                return 0;
            }
            return wr_fail(err, WR_E_DB,
                           "INC-%" PRId64 " is not on this laptop yet and the server cannot be "
                           "reached: %s",
                           id, st->reason);
        }
        if (wr_mono_ms() > until)
            return have ? 0
                        : wr_fail(err, WR_E_DB, "INC-%" PRId64 " did not arrive from the server "
                                                "in time; try again",
                                  id);
        if (st->copying && st->copied >= shown + 10000) {
            fprintf(stderr, "warroom: copying INC-%" PRId64 ": %" PRId64 " entries\n", id,
                    st->copied);
            shown = st->copied;
        } else if (!said) {
            fprintf(stderr, "warroom: copying INC-%" PRId64 " from the server to this laptop\n",
                    id);
            said = true;
        }
        struct pollfd p = {.fd = sync_wake_fd(t->sync), .events = POLLIN};
        poll(&p, 1, 250);
        struct sync_events ev;
        sync_take(t->sync, &ev);
        if (ev.message[0])
            fprintf(stderr, "warroom: %s\n", ev.message);
    }
}

int tui_team_open(struct tui *t, const char *target, int64_t incident_id, struct wr_error *err)
{
    char path[4096];
    if (sync_replica_path(target, path, sizeof path, err) != 0 ||
        store_open(path, &t->store, err) != 0 || store_replica_setup(t->store, err) != 0 ||
        sync_start(target, path, &t->sync, err) != 0)
        return -1;
    sync_status(t->sync, &t->sync_status);
    if (incident_id != 0 && first_copy(t, incident_id, err) != 0)
        return -1;
    tui_team_refresh(t);
    return 0;
}

int tui_team_start(struct tui *t)
{
    if (!t->sync)
        return 0;
    sync_status(t->sync, &t->sync_status);
    return loop_add_fd(t->loop, sync_wake_fd(t->sync), POLLIN, on_sync_wake, t);
}

void tui_team_follow(struct tui *t)
{
    if (t->sync)
        sync_follow(t->sync, t->inc.id);
}

void tui_team_stop(struct tui *t)
{
    if (!t->sync)
        return;
    loop_del_fd(t->loop, sync_wake_fd(t->sync));
    if (t->stall_timer)
        loop_cancel_timer(t->loop, t->stall_timer);
    t->stall_timer = 0;
    sync_stop(&t->sync);
    free(t->journal_entries);
    t->journal_entries = NULL;
    t->n_journal_entries = 0;
}
