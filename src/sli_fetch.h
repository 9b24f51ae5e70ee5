/* sli_fetch.h: non-blocking evaluation of SLIs (libcurl multi) for the TUI loop and the CLI. */
#ifndef WARROOM_SLI_FETCH_H
#define WARROOM_SLI_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sli.h"
#include "sli_parse.h"
#include "util.h"

/*
 * Each SLI is evaluated as a short sequence of HTTP requests, at most one in flight per SLI:
 * Prometheus: the value (instant query, $window = value_window), the sparkline (query_range
 * over spark_range), then for an SLO one instant query of (good)/(total) per distinct
 * burn-rate window and one over the SLO window. JSON: one GET. Replay sources are evaluated
 * synchronously without I/O. Results go to sli_apply(); a failure retries with exponential
 * backoff (2x, 4x, ... the refresh interval, at most 10 minutes).
 *
 * Event-loop use (TUI): create with hooks; the engine reports the sockets to watch and the
 * timeout it wants through the hooks (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), and
 * the loop calls back sli_fetch_on_socket / sli_fetch_on_timeout. Refreshes are started by
 * sli_fetch_start_due, which says when to call it next. Blocking use (CLI): no hooks,
 * sli_fetch_run_once.
 */

#define SLI_FETCH_BODY_MAX (1024 * 1024) /* larger responses fail with "response too large" */

struct sli_fetch_hooks {
    /* Watch fd for `events` (POLLIN and/or POLLOUT); events == 0: stop watching it. */
    void (*watch_fd)(void *ctx, int fd, short events);
    /* Call sli_fetch_on_timeout after delay_ms (0 = as soon as possible); < 0: cancel. */
    void (*set_timer)(void *ctx, long delay_ms);
    /* An SLI's state changed (redraw its panel). May be NULL. */
    void (*changed)(void *ctx, struct sli *s);
    void *ctx;
};

struct sli_fetch;

/* Create the engine for a set of SLIs (borrowed; must outlive it). hooks NULL: blocking use
 * only. Returns 0, or -1 with err (WR_E_NETWORK when libcurl cannot start). */
int sli_fetch_new(struct sli_set *set, const struct sli_fetch_hooks *hooks,
                  struct sli_fetch **out, struct wr_error *err);
/* Abort requests in flight, unregister sockets and free. Sets *f to NULL; accepts NULL. */
void sli_fetch_free(struct sli_fetch **f);
/* Evaluate at a fixed wall time (ms) instead of now (WR_TIME_NONE: now). For tests and for
 * looking at a past incident. */
void sli_fetch_set_time(struct sli_fetch *f, int64_t at_ms);

/* Start every SLI whose refresh is due at monotonic time now_mono (wr_mono_ms()) and that has
 * nothing in flight. Returns the ms until the next SLI becomes due (>= 0): arm a timer; or -1
 * when every SLI is in flight: call again when one finishes (hooks.changed). */
int64_t sli_fetch_start_due(struct sli_fetch *f, int64_t now_mono);
/* Start one SLI now regardless of its schedule (a "refresh" key). No-op while in flight. */
void sli_fetch_start(struct sli_fetch *f, struct sli *s);
/* The loop saw `revents` (POLLIN/POLLOUT/POLLERR/POLLHUP) on a socket reported by watch_fd. */
void sli_fetch_on_socket(struct sli_fetch *f, int fd, short revents);
/* The timer requested through set_timer expired. */
void sli_fetch_on_timeout(struct sli_fetch *f);
/* Number of SLIs with a request in flight. */
size_t sli_fetch_in_flight(const struct sli_fetch *f);

/* Blocking: evaluate every SLI (or only the one with id `only_id`) once, driving the same
 * state machine with curl_multi_poll. Returns 0 when all finished (each SLI's own state tells
 * whether it failed), -1 with err for a misuse (hooks set) or an unknown id (WR_E_NOT_FOUND). */
int sli_fetch_run_once(struct sli_fetch *f, const char *only_id, struct wr_error *err);

#endif
