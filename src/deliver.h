/* deliver.h: delivery of outbox messages to their destinations (libcurl multi, non-blocking). */
#ifndef WARROOM_DELIVER_H
#define WARROOM_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comms.h"
#include "store.h"
#include "util.h"

/*
 * Messages are claimed from the outbox (store_outbox_claim: queued -> sending, so two processes
 * never send one twice), sent, then marked sent with their comms timeline entry, or failed with
 * a backoff (30 s, 1 min, 2 min ... at most 30 min). HTTP destinations run on libcurl multi:
 * in the TUI through hooks like sli_fetch's (sockets and one timer registered with the loop),
 * in the CLI blocking with deliver_run_once. Secrets are resolved at send time and never
 * stored, printed or put in an error message: errors name the destination and the HTTP status.
 */

struct deliver_hooks {
    /* Watch fd for events (POLLIN/POLLOUT); 0 = stop watching. */
    void (*watch_fd)(void *ctx, int fd, short events);
    /* Call deliver_on_timeout after delay_ms; < 0 cancels. */
    void (*set_timer)(void *ctx, long delay_ms);
    /* Write text for a stdout or clipboard (OSC 52 sequence) destination; NULL: the process's
     * stdout / the controlling terminal (CLI). */
    void (*local_output)(void *ctx, enum comms_dest_type type, const char *text);
    /* A message finished (ok or not); detail is safe to show. May be NULL. */
    void (*report)(void *ctx, const struct outbox_msg *m, bool ok, const char *detail);
    void *ctx;
};

struct deliver;

/* Create the engine over a store and config (both borrowed, must outlive it). hooks may be
 * NULL for blocking use. */
int deliver_new(struct store *s, const struct comms_config *cfg, const struct deliver_hooks *hooks,
                struct deliver **out, struct wr_error *err);
/* Abort transfers (their claims go stale and are retried later) and free; *d = NULL. */
void deliver_free(struct deliver **d);
/* Claim and start every due message (at most a few in flight). Returns the ms until it should be
 * called again. */
int64_t deliver_start_due(struct deliver *d);
void deliver_on_socket(struct deliver *d, int fd, short revents);
void deliver_on_timeout(struct deliver *d);
size_t deliver_in_flight(const struct deliver *d);
/* Blocking: deliver every due message, waiting for each transfer (bounded by its timeout). */
int deliver_run_once(struct deliver *d, struct wr_error *err);
/* Backoff before attempt number `attempts` + 1. */
int64_t deliver_backoff_ms(int attempts);

#endif
