/* loop.h: the TUI's single poll(2) event loop: file descriptors, deadline timers, signal flags. */
#ifndef WARROOM_UI_LOOP_H
#define WARROOM_UI_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/*
 * One loop per process, run by the thread that owns curses. Everything that can wake the UI is
 * registered here: the terminal, inotify on the database directory, and later libcurl multi's
 * sockets (CURLMOPT_SOCKETFUNCTION -> loop_add_fd/loop_del_fd) and its timeout
 * (CURLMOPT_TIMERFUNCTION -> loop_set_timer/loop_cancel_timer). With nothing due, poll sleeps
 * until the nearest timer deadline (or forever): no busy waiting.
 */
struct loop;

/* Signals the loop turns into flags (handlers only set a bit and write to a self-pipe). */
enum loop_signal {
    LOOP_SIG_WINCH = 1u << 0,
    LOOP_SIG_INT = 1u << 1,
    LOOP_SIG_TERM = 1u << 2, /* SIGTERM or SIGHUP */
};

typedef void (*loop_fd_fn)(struct loop *l, int fd, short revents, void *ctx);
typedef void (*loop_timer_fn)(struct loop *l, int timer_id, void *ctx);
/* Called before every sleep (drain buffered input, handle signal flags, draw). */
typedef void (*loop_prepare_fn)(struct loop *l, void *ctx);

/* Create the loop and install the signal handlers (SIGWINCH, SIGINT, SIGTERM, SIGHUP). */
int loop_new(struct loop **out, struct wr_error *err);
/* Restore the previous signal handlers and free; sets *l to NULL. Accepts NULL. */
void loop_free(struct loop **l);

/* Watch fd for `events` (POLLIN/POLLOUT); re-adding a watched fd replaces its events and callback.
 * events == 0 keeps the fd registered but ignored. */
int loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *ctx);
/* Stop watching fd (no-op when unknown). Safe to call from any callback. */
void loop_del_fd(struct loop *l, int fd);

/* Call fn once, delay_ms from now (monotonic). Returns a timer id > 0, or -1 on out of memory. */
int loop_set_timer(struct loop *l, int64_t delay_ms, loop_timer_fn fn, void *ctx);
/* Cancel a pending timer (no-op when it already fired or id <= 0). */
void loop_cancel_timer(struct loop *l, int timer_id);

void loop_set_prepare(struct loop *l, loop_prepare_fn fn, void *ctx);
/* Take and clear the pending signal flags (a mask of enum loop_signal). */
unsigned loop_take_signals(struct loop *l);

/* Run until loop_stop(). Each turn: prepare, poll until an fd is ready, a timer is due or a
 * signal arrives, then dispatch. Returns 0, or -1 with err when poll itself fails. */
int loop_run(struct loop *l, struct wr_error *err);
void loop_stop(struct loop *l);
/* Number of times poll returned (for counting idle wakeups). */
uint64_t loop_wakeups(const struct loop *l);

#endif
