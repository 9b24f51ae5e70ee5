/* loop.c: the TUI's single poll(2) event loop (see loop.h). */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct loop_fd {
    int fd;
    short events;
    loop_fd_fn fn;
    void *ctx;
};

struct loop_timer {
    int id;
    int64_t due_ms; /* monotonic */
    loop_timer_fn fn;
    void *ctx;
};

struct loop {
    struct loop_fd *fds;
    size_t n_fds, cap_fds;
    struct loop_timer *timers;
    size_t n_timers, cap_timers;
    int next_timer_id;
    loop_prepare_fn prepare;
    void *prepare_ctx;
    bool stop;
    uint64_t wakeups;
    struct sigaction old[4];
};

/* Signal state is process-wide: handlers can only reach globals. */
static volatile sig_atomic_t g_signals;
static int g_wake_pipe[2] = {-1, -1};
static const int g_handled[4] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP};

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGWINCH)
        g_signals |= LOOP_SIG_WINCH;
    else if (sig == SIGINT)
        g_signals |= LOOP_SIG_INT;
    else
        g_signals |= LOOP_SIG_TERM;
    if (g_wake_pipe[1] >= 0) {
        char c = 1;
        ssize_t r = write(g_wake_pipe[1], &c, 1); /* full pipe: a wakeup is pending anyway */
        (void)r;
    }
    errno = saved;
}

static void drain_wake_pipe(struct loop *l, int fd, short revents, void *ctx)
{
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

int loop_new(struct loop **out, struct wr_error *err)
{
    int rc = -1;
    struct loop *l = calloc(1, sizeof *l);
    *out = NULL;
    if (!l)
        return wr_fail(err, WR_E_NOMEM, "out of memory creating the event loop");
    if (pipe(g_wake_pipe) < 0) {
        wr_fail(err, WR_E_FAIL, "cannot create the event loop's wake pipe: %s", strerror(errno));
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(g_wake_pipe[i], F_SETFL, fcntl(g_wake_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(g_wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    if (loop_add_fd(l, g_wake_pipe[0], POLLIN, drain_wake_pipe, NULL) < 0) {
        wr_fail(err, WR_E_NOMEM, "out of memory creating the event loop");
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; i++)
        sigaction(g_handled[i], &sa, &l->old[i]);
    g_signals = 0;
    *out = l;
    rc = 0;
out:
    if (rc < 0) {
        for (int i = 0; i < 2; i++) {
            if (g_wake_pipe[i] >= 0)
                close(g_wake_pipe[i]);
            g_wake_pipe[i] = -1;
        }
        free(l->fds);
        free(l);
    }
    return rc;
}

void loop_free(struct loop **lp)
{
    if (!lp || !*lp)
        return;
    struct loop *l = *lp;
    for (int i = 0; i < 4; i++)
        sigaction(g_handled[i], &l->old[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (g_wake_pipe[i] >= 0)
            close(g_wake_pipe[i]);
        g_wake_pipe[i] = -1;
    }
    free(l->fds);
    free(l->timers);
    free(l);
    *lp = NULL;
}

int loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *ctx)
{
    for (size_t i = 0; i < l->n_fds; i++) {
        if (l->fds[i].fd == fd) {
            l->fds[i].events = events;
            l->fds[i].fn = fn;
            l->fds[i].ctx = ctx;
            return 0;
        }
    }
    if (l->n_fds == l->cap_fds) {
        size_t cap = l->cap_fds ? l->cap_fds * 2 : 8;
        struct loop_fd *p = realloc(l->fds, cap * sizeof *p);
        if (!p)
            return -1;
        l->fds = p;
        l->cap_fds = cap;
    }
    l->fds[l->n_fds++] = (struct loop_fd){fd, events, fn, ctx};
    return 0;
}

void loop_del_fd(struct loop *l, int fd)
{
    for (size_t i = 0; i < l->n_fds; i++) {
        if (l->fds[i].fd == fd) {
            /* Mark dead; compacted outside dispatch so iteration stays valid. */
            l->fds[i].fd = -1;
            l->fds[i].fn = NULL;
            return;
        }
    }
}

int loop_set_timer(struct loop *l, int64_t delay_ms, loop_timer_fn fn, void *ctx)
{
    if (l->n_timers == l->cap_timers) {
        size_t cap = l->cap_timers ? l->cap_timers * 2 : 8;
        struct loop_timer *p = realloc(l->timers, cap * sizeof *p);
        if (!p)
            return -1;
        l->timers = p;
        l->cap_timers = cap;
    }
    if (delay_ms < 0)
        delay_ms = 0;
    if (++l->next_timer_id <= 0)
        l->next_timer_id = 1;
    l->timers[l->n_timers++] =
        (struct loop_timer){l->next_timer_id, wr_mono_ms() + delay_ms, fn, ctx};
    return l->next_timer_id;
}

void loop_cancel_timer(struct loop *l, int timer_id)
{
    for (size_t i = 0; i < l->n_timers; i++) {
        if (l->timers[i].id == timer_id) {
            l->timers[i] = l->timers[--l->n_timers];
            return;
        }
    }
}

void loop_set_prepare(struct loop *l, loop_prepare_fn fn, void *ctx)
{
    l->prepare = fn;
    l->prepare_ctx = ctx;
}

unsigned loop_take_signals(struct loop *l)
{
    unsigned s = (unsigned)g_signals;
    g_signals = 0;
    return s;
}

void loop_stop(struct loop *l) { l->stop = true; }
uint64_t loop_wakeups(const struct loop *l) { return l->wakeups; }

/* Fire every timer already due. A callback may add or cancel timers, so take one at a time. */
static void run_due_timers(struct loop *l)
{
    for (;;) {
        int64_t now = wr_mono_ms();
        size_t best = l->n_timers;
        for (size_t i = 0; i < l->n_timers; i++)
            if (l->timers[i].due_ms <= now && (best == l->n_timers || l->timers[i].due_ms < l->timers[best].due_ms))
                best = i;
        if (best == l->n_timers || l->stop)
            return;
        struct loop_timer t = l->timers[best];
        l->timers[best] = l->timers[--l->n_timers];
        t.fn(l, t.id, t.ctx);
    }
}

static int next_timeout(const struct loop *l)
{
    if (l->n_timers == 0)
        return -1;
    int64_t due = INT64_MAX;
    for (size_t i = 0; i < l->n_timers; i++)
        if (l->timers[i].due_ms < due)
            due = l->timers[i].due_ms;
    int64_t wait = due - wr_mono_ms();
    if (wait < 0)
        return 0;
    return wait > 60000 ? 60000 : (int)wait;
}

static void compact_fds(struct loop *l)
{
    size_t o = 0;
    for (size_t i = 0; i < l->n_fds; i++)
        if (l->fds[i].fd >= 0)
            l->fds[o++] = l->fds[i];
    l->n_fds = o;
}

int loop_run(struct loop *l, struct wr_error *err)
{
    struct pollfd *pfds = NULL;
    size_t cap = 0;
    int rc = -1;
    l->stop = false;
    while (!l->stop) {
        if (l->prepare)
            l->prepare(l, l->prepare_ctx);
        if (l->stop)
            break;
        compact_fds(l);
        if (cap < l->n_fds) {
            struct pollfd *p = realloc(pfds, l->n_fds * sizeof *p);
            if (!p) {
                wr_fail(err, WR_E_NOMEM, "out of memory in the event loop");
                goto out;
            }
            pfds = p;
            cap = l->n_fds;
        }
        size_t n = l->n_fds;
        for (size_t i = 0; i < n; i++) {
            pfds[i].fd = l->fds[i].events ? l->fds[i].fd : -1;
            pfds[i].events = l->fds[i].events;
            pfds[i].revents = 0;
        }
        /* A signal that arrived after prepare already wrote to the wake pipe, so poll returns. */
        int ready = poll(pfds, (nfds_t)n, next_timeout(l));
        l->wakeups++;
        if (ready < 0 && errno != EINTR) {
            wr_fail(err, WR_E_FAIL, "the event loop's poll failed: %s", strerror(errno));
            goto out;
        }
        for (size_t i = 0; ready > 0 && i < n && !l->stop; i++) {
            if (!pfds[i].revents)
                continue;
            /* Callbacks may have removed or replaced this fd: look it up again. */
            if (i < l->n_fds && l->fds[i].fd == pfds[i].fd && l->fds[i].fn)
                l->fds[i].fn(l, pfds[i].fd, pfds[i].revents, l->fds[i].ctx);
        }
        run_due_timers(l);
    }
    rc = 0;
out:
    free(pfds);
    return rc;
}
