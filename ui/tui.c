/* tui.c: the cockpit's setup, layout, frame drawing and event handling around the one poll loop. */
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "timeline.h"
#include "tz.h"

#define TICK_MS 1000         /* views without next_tick; the data-version poll without inotify */
#define CHANGE_COALESCE_MS 50 /* inotify bursts (a WAL write is several events) become one check */

/* The main screen, top to bottom, and which panel keeps its rows first when space is short. */
static const struct {
    int (*open)(struct tui *t, struct ui_view *v);
    int priority;
} main_panels[] = {
    {header_view_open, 2},
    {sli_view_open, 4},
    {timeline_view_open, 3},
    {input_view_open, 0},
    {status_view_open, 1},
};

/* ---- small services for the panels ---- */

void tui_dirty(struct tui *t) { t->dirty = true; }

void tui_dirty_view(struct tui *t, const struct ui_view_ops *ops)
{
    for (int i = 0; i < t->n_panels; i++)
        if (t->panels[i].ops == ops)
            t->damage |= 1u << i;
}

/* The status line: it shows the hint for the text being typed and the latest message. */
static void damage_status(struct tui *t)
{
    for (int i = 0; i < t->n_panels; i++)
        if (strcmp(t->panels[i].ops->name, "status") == 0)
            t->damage |= 1u << i;
}

void tui_message(struct tui *t, bool error, const char *fmt, ...)
{
    char raw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char *safe = wr_text_sanitize(raw, true);
    snprintf(t->message, sizeof t->message, "%s", safe ? safe : "");
    free(safe);
    t->message_error = error;
    t->message_gen = lineedit_generation(t->editor);
    t->message_frame = t->frames;
    if (error)
        fprintf(stderr, "warroom: %s\n", t->message); /* stderr is the log file here */
    tui_dirty(t);
}

int tui_push_overlay(struct tui *t, const struct ui_view_ops *ops, void *state)
{
    if (t->n_overlays == TUI_MAX_OVERLAYS) {
        if (ops->destroy)
            ops->destroy(state);
        return -1;
    }
    struct ui_view *v = &t->overlays[t->n_overlays++];
    memset(v, 0, sizeof *v);
    v->ops = ops;
    v->state = state;
    tui_dirty(t);
    return 0;
}

void tui_pop_overlay(struct tui *t)
{
    if (t->n_overlays == 0)
        return;
    struct ui_view *v = &t->overlays[--t->n_overlays];
    if (v->ops->destroy)
        v->ops->destroy(v->state);
    memset(v, 0, sizeof *v);
    tui_dirty(t);
}

void tui_set_mode(struct tui *t, enum tui_mode m)
{
    t->mode = m;
    tui_dirty(t);
}

/* Re-read the incident row and the IC; false when it vanished. */
static bool load_incident(struct tui *t, int64_t id, struct wr_error *err)
{
    struct incident inc;
    incident_init(&inc);
    if (store_incident_get(t->store, id, &inc, err) < 0)
        return false;
    incident_clear(&t->inc);
    t->inc = inc;
    t->read_only = !incident_is_open(&t->inc);
    /* Local times on every panel are the incident's own zone (its UTC offset is in the
     * timeline's title); a zone this machine lacks falls back to the machine's, and says so. */
    if (strcmp(tz_current(), t->inc.tz) != 0) {
        struct wr_error zerr;
        if (tz_use(t->inc.tz, &zerr) != 0)
            tui_message(t, true, "%s", zerr.msg);
    }
    if (store_role_holder(t->store, id, ROLE_IC, t->ic_name, sizeof t->ic_name, err) < 0)
        t->ic_name[0] = '\0';
    return true;
}

static void reload_views(struct tui *t)
{
    for (int i = 0; i < t->n_panels; i++)
        if (t->panels[i].ops->reload)
            t->panels[i].ops->reload(t, t->panels[i].state);
    for (int i = 0; i < t->n_overlays; i++)
        if (t->overlays[i].ops->reload)
            t->overlays[i].ops->reload(t, t->overlays[i].state);
    tui_dirty(t);
}

void tui_reload(struct tui *t)
{
    struct wr_error err;
    wr_error_clear(&err);
    if (t->inc.id != 0 && !load_incident(t, t->inc.id, &err))
        tui_message(t, true, "%s", err.msg);
    tui_team_refresh(t);
    if (t->read_only && t->mode == MODE_INPUT)
        t->mode = MODE_COMMAND;
    reload_views(t);
    tui_comms_changed(t);
}

int tui_open_incident(struct tui *t, int64_t id, struct wr_error *err)
{
    if (!load_incident(t, id, err))
        return -1;
    t->mode = t->read_only ? MODE_COMMAND : MODE_INPUT;
    tui_team_follow(t);
    tui_team_refresh(t);
    if (t->read_only)
        tui_message(t, false, "INC-%" PRId64 " is closed: read-only (R reopens it)", id);
    reload_views(t);
    tui_comms_changed(t);
    return 0;
}

int tui_reopen_incident(struct tui *t, int64_t id, struct wr_error *err)
{
    struct sync_op op = {.kind = SYNC_OP_REOPEN, .incident_id = id, .author = t->author};
    return tui_write(t, &op, err);
}

static void quit_now(struct tui *t)
{
    t->quit = true;
    loop_stop(t->loop);
}

void tui_request_quit(struct tui *t)
{
    if (!lineedit_empty(t->editor)) {
        confirm_overlay_open(t, "The input line holds unsaved text. Quit anyway?", quit_now);
        return;
    }
    quit_now(t);
}

/* ---- layout and drawing ---- */

static void layout(struct tui *t)
{
    int rows = LINES > 0 ? LINES : 0, cols = COLS > 0 ? COLS : 0;
    int min[TUI_MAX_PANELS], want[TUI_MAX_PANELS], got[TUI_MAX_PANELS];
    int order[TUI_MAX_PANELS] = {0}; /* zeroed: gcc -O3 cannot see that only [0, n) is read */
    int n = t->n_panels;
    for (int i = 0; i < n; i++) {
        min[i] = 0;
        want[i] = 0;
        got[i] = 0;
        order[i] = i;
        if (t->panels[i].ops->size)
            t->panels[i].ops->size(t, t->panels[i].state, rows, cols, &min[i], &want[i]);
    }
    /* Priority order (insertion sort: a handful of panels). */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && t->panels[order[j]].priority < t->panels[order[j - 1]].priority; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    int left = rows;
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < n; k++) {
            int i = order[k];
            int target = pass == 0 ? min[i] : (want[i] < 0 ? got[i] : want[i]);
            int give = target - got[i];
            if (give > left)
                give = left;
            if (give > 0) {
                got[i] += give;
                left -= give;
            }
        }
    for (int k = 0; k < n && left > 0; k++) /* the filler takes the rest */
        if (want[order[k]] < 0) {
            got[order[k]] += left;
            left = 0;
        }
    int y = 0;
    for (int i = 0; i < n; i++) {
        t->panels[i].rect = (struct ui_rect){y, 0, got[i], cols};
        y += got[i];
    }
    t->relayout = false;
}

/* Clear a panel's rows and draw it again (the rest of the screen keeps what it shows). */
static void redraw_panel(struct tui *t, struct ui_view *v)
{
    if (!v->ops->draw || v->rect.h <= 0)
        return;
    for (int y = v->rect.y; y < v->rect.y + v->rect.h; y++) {
        move(y, v->rect.x);
        clrtoeol(); /* panels span the screen's width */
    }
    v->ops->draw(t, v->state, v->rect);
}

static void draw_frame(struct tui *t)
{
    /* Only the damaged panels when nothing else changed: a keystroke then costs the input and
     * status lines, not a timeline page of text through ncurses. Overlays cover the panels,
     * so with one open everything is drawn. */
    bool full = t->dirty || t->relayout || t->n_overlays > 0;
    if (t->relayout)
        layout(t);
    if (full)
        erase();
    struct ui_rect screen = {0, 0, LINES, COLS};
    bool full_overlay = false;
    for (int i = 0; i < t->n_overlays; i++)
        if (strcmp(t->overlays[i].ops->name, "picker") == 0)
            full_overlay = true;
    if (!full_overlay)
        for (int i = 0; i < t->n_panels; i++)
            if (full ? t->panels[i].ops->draw && t->panels[i].rect.h > 0
                     : (t->damage & (1u << i)) != 0)
                full ? t->panels[i].ops->draw(t, t->panels[i].state, t->panels[i].rect)
                     : redraw_panel(t, &t->panels[i]);
    for (int i = 0; i < t->n_overlays; i++)
        if (t->overlays[i].ops->draw)
            t->overlays[i].ops->draw(t, t->overlays[i].state, screen);

    /* The cursor belongs to the top overlay, else to the input line. */
    int cy = 0, cx = 0;
    bool show = false;
    if (t->n_overlays > 0) {
        struct ui_view *v = &t->overlays[t->n_overlays - 1];
        show = v->ops->cursor && v->ops->cursor(t, v->state, &cy, &cx);
    } else {
        for (int i = 0; i < t->n_panels && !show; i++)
            if (t->panels[i].ops->cursor)
                show = t->panels[i].ops->cursor(t, t->panels[i].state, &cy, &cx);
    }
    if (show && cy >= 0 && cy < LINES && cx >= 0 && cx < COLS) {
        curs_set(1);
        move(cy, cx);
    } else {
        curs_set(0);
    }
    wnoutrefresh(stdscr);
    doupdate();
    t->full_frames += full;
    t->dirty = false;
    t->damage = 0;
    t->frames++;
}

/* ---- input ---- */

static void dispatch_key(struct tui *t, const struct ui_key *k)
{
    if (t->n_overlays > 0) {
        struct ui_view *v = &t->overlays[t->n_overlays - 1];
        if (v->ops->key)
            v->ops->key(t, v->state, k); /* modal: keys never fall through */
        return;
    }
    if (tui_run_binding(t, k))
        return;
    if (t->mode == MODE_INPUT) {
        for (int i = 0; i < t->n_panels; i++)
            if (t->panels[i].ops->key && t->panels[i].ops->key(t, t->panels[i].state, k)) {
                t->damage |= 1u << i;
                return;
            }
    } else if (!k->fn && k->ch >= 0x20 && k->ch != 0x7f) {
        tui_message(t, false, "'%lc' is not a command here: i types, ? lists the keys",
                    (wint_t)k->ch);
    }
}

static void handle_key(struct tui *t, const struct ui_key *k)
{
    if (k->fn && k->code == KEY_RESIZE) {
        t->relayout = true;
        t->dirty = true;
        return;
    }
    /* What this key asks to redraw, apart from what earlier keys of the batch asked. */
    bool dirty = t->dirty;
    unsigned damage = t->damage;
    t->dirty = false;
    t->damage = 0;
    dispatch_key(t, k);
    if (!t->dirty && !t->damage)
        t->dirty = true; /* a handler that says nothing gets everything redrawn */
    else if (!t->dirty)
        damage_status(t);
    t->dirty |= dirty;
    t->damage |= damage;
}

/* Read every key ncurses has (including ones it buffered that poll cannot see). */
/* Take every key waiting; returns how many. */
static int drain_keys(struct tui *t)
{
    wint_t ch;
    int r, n = 0;
    while (!t->quit && (r = get_wch(&ch)) != ERR) {
        struct ui_key k = {.fn = r == KEY_CODE_YES, .code = r == KEY_CODE_YES ? (int)ch : 0,
                           .ch = r == KEY_CODE_YES ? 0 : (uint32_t)ch};
        handle_key(t, &k);
        n++;
    }
    return n;
}

static void on_terminal(struct loop *l, int fd, short revents, void *ctx)
{
    struct tui *t = ctx;
    if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
        fprintf(stderr, "warroom: terminal closed; exiting\n");
        quit_now(t); /* the terminal is gone: nothing to confirm with */
        return;
    }
    if (drain_keys(t) == 0 && (revents & POLLIN) && !isatty(fd)) {
        /* Readable with nothing to read: the end of a file or of /dev/null, in a headless run
         * (a terminal that goes away says POLLHUP). Watching it further would wake the loop
         * forever, and no key can come: the run is over once this frame is drawn. */
        fprintf(stderr, "warroom: input ended; exiting\n");
        loop_del_fd(l, fd);
        t->input_ended = true;
    }
}

/* ---- other processes' changes ---- */

static void check_data_version(struct tui *t)
{
    struct wr_error err;
    int64_t v = 0;
    wr_error_clear(&err);
    if (store_data_version(t->store, &v, &err) < 0) {
        fprintf(stderr, "warroom: %s\n", err.msg);
        return;
    }
    if (v != t->data_version) {
        t->data_version = v;
        tui_reload(t);
    }
}

static void on_check_timer(struct loop *l, int id, void *ctx)
{
    struct tui *t = ctx;
    t->check_timer = 0;
    check_data_version(t);
}

static void on_inotify(struct loop *l, int fd, short revents, void *ctx)
{
    struct tui *t = ctx;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool relevant = false;
    const char *base = strrchr(store_path(t->store), '/');
    base = base ? base + 1 : store_path(t->store);
    size_t bl = strlen(base);
    ssize_t len;
    while ((len = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *ev = (struct inotify_event *)(void *)p;
            if (ev->len > 0 && strncmp(ev->name, base, bl) == 0)
                relevant = true; /* the db, its -wal or -journal */
            p += sizeof *ev + ev->len;
        }
    }
    if (relevant && t->check_timer == 0)
        t->check_timer = loop_set_timer(l, CHANGE_COALESCE_MS, on_check_timer, t);
}

static void watch_database_dir(struct tui *t)
{
    char *copy = strdup(store_path(t->store));
    t->inotify_fd = -1;
    if (!copy)
        return;
    const char *dir = dirname(copy);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd >= 0 && inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) >= 0 &&
        loop_add_fd(t->loop, fd, POLLIN, on_inotify, t) == 0) {
        t->inotify_fd = fd;
    } else {
        /* The 1 s tick still notices changes; inotify only makes it immediate. */
        fprintf(stderr, "warroom: cannot watch %s (%s); checking for changes every second\n", dir,
                strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    free(copy);
}

/* ---- clocks: wake when something shown changes by itself ---- */

/* Real ms until view v next changes by itself (0: now), or -1 when only events change it. */
static int64_t view_wait(struct tui *t, struct ui_view *v)
{
    if (v->ops->next_tick)
        return v->ops->next_tick(t, v->state);
    return v->ops->tick ? TICK_MS : -1; /* a view that only has tick: once a second */
}

/* Tick v when its time has come (always, for a view without next_tick). */
static void tick_view(struct tui *t, struct ui_view *v, int panel)
{
    if (v->ops->next_tick && v->ops->next_tick(t, v->state) != 0)
        return;
    if (v->ops->tick)
        v->ops->tick(t, v->state);
    else if (panel >= 0)
        t->damage |= 1u << panel;
    else
        tui_dirty(t);
}

static void on_tick(struct loop *l, int id, void *ctx)
{
    struct tui *t = ctx;
    t->clock_timer = 0;
    t->clock_last_mono = wr_mono_ms();
    if (t->inotify_fd < 0 && !t->sync)
        check_data_version(t);
    for (int i = 0; i < t->n_panels; i++)
        tick_view(t, &t->panels[i], i);
    for (int i = 0; i < t->n_overlays; i++)
        tick_view(t, &t->overlays[i], -1);
}

/* (Re)arm the one clock timer for the soonest view. Called before every sleep. */
static void schedule_clock(struct tui *t)
{
    /* Neither inotify nor team mode's worker: poll the data version. */
    int64_t wait = t->inotify_fd < 0 && !t->sync ? TICK_MS : -1;
    for (int i = 0; i < t->n_panels + t->n_overlays; i++) {
        struct ui_view *v = i < t->n_panels ? &t->panels[i] : &t->overlays[i - t->n_panels];
        int64_t w = view_wait(t, v);
        if (w >= 0 && (wait < 0 || w < wait))
            wait = w;
    }
    /* The demo's clock runs 60 times faster than real time: a clock showing seconds would be
     * redrawn 60 times a second. Once a real second is as often as anyone reads it. */
    if (wait >= 0 && wr_clock_speed() > 1.0) {
        int64_t floor = t->clock_last_mono + TICK_MS - wr_mono_ms();
        if (wait < floor)
            wait = floor;
    }
    loop_cancel_timer(t->loop, t->clock_timer);
    /* One ms late rather than early: a tick before the second turns would show the old one. */
    t->clock_timer = wait >= 0 ? loop_set_timer(t->loop, wait + 1, on_tick, t) : 0;
}

/* ---- the turn before every sleep ---- */

static void on_prepare(struct loop *l, void *ctx)
{
    struct tui *t = ctx;
    unsigned sig = loop_take_signals(l);
    if (sig & LOOP_SIG_TERM) {
        quit_now(t);
        return;
    }
    if (sig & LOOP_SIG_WINCH) {
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
            resizeterm(ws.ws_row, ws.ws_col);
        t->relayout = true;
        t->dirty = true;
    }
    if (sig & LOOP_SIG_INT) {
        /* Ctrl-C: quit like q; a second one while asking quits. */
        if (t->n_overlays > 0 && strcmp(t->overlays[t->n_overlays - 1].ops->name, "confirm") == 0)
            quit_now(t);
        else
            tui_request_quit(t);
    }
    drain_keys(t);
    if (t->quit)
        return;
    if (t->dirty || t->relayout || t->damage)
        draw_frame(t);
    if ((t->req->max_frames > 0 && t->frames >= t->req->max_frames) || t->input_ended)
        quit_now(t);
    schedule_clock(t);
}

/* ---- setup and teardown ---- */

/* Send stderr to the log file while curses owns the screen. Returns the saved fd or -1. */
static int redirect_stderr(void)
{
    char dir[1024], path[1100];
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (state && state[0] == '/')
        snprintf(dir, sizeof dir, "%s/warroom", state);
    else if (home && home[0])
        snprintf(dir, sizeof dir, "%s/.local/state/warroom", home);
    else
        snprintf(dir, sizeof dir, "/tmp/warroom-%u", (unsigned)getuid());
    if (wr_mkdirs(dir, 0700, NULL) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/warroom.log", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    if (saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
        if (saved >= 0)
            close(saved);
        close(fd);
        return -1;
    }
    close(fd);
    char now[32];
    fprintf(stderr, "warroom: session started %s pid %d\n", wr_time_iso(wr_now_ms(), now, sizeof now),
            (int)getpid());
    return saved;
}

static void restore_stderr(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static void teardown(struct tui *t)
{
    while (t->n_overlays > 0)
        tui_pop_overlay(t);
    /* An export thread reads the SLI configuration and the policy: let it finish its files
     * (a local write) before they go, and say why quitting waits. */
    if (tui_export_running(t)) {
        tui_message(t, false, "Quitting once the export is written ...");
        draw_frame(t);
    }
    tui_export_stop(t);
    tui_sli_stop(t);    /* before the panels and the loop: it unregisters its sockets */
    tui_comms_stop(t);
    tui_team_stop(t); /* after comms: its delivery borrows comms' destinations */
    for (int i = 0; i < t->n_panels; i++)
        if (t->panels[i].ops->destroy)
            t->panels[i].ops->destroy(t->panels[i].state);
    t->n_panels = 0;
    if (t->inotify_fd >= 0)
        close(t->inotify_fd);
    lineedit_free(&t->editor);
    incident_clear(&t->inc);
}

int tui_run(const struct tui_request *req, struct wr_error *err)
{
    int rc = -1;
    struct tui t;
    SCREEN *screen = NULL;
    int saved_stderr = -1;
    memset(&t, 0, sizeof t);
    t.req = req;
    t.inotify_fd = -1;
    t.author = model_author(req->author);
    incident_init(&t.inc);
    t.mode = MODE_INPUT;

    /* Everything that can fail with a plain message fails before curses takes the screen. */
    /* A PostgreSQL target is team mode: this laptop's replica, kept by a worker thread. */
    if (store_target_is_remote(req->db_path)
            ? tui_team_open(&t, req->db_path, req->incident_id, err) < 0
            : store_open(req->db_path, &t.store, err) < 0)
        goto out;
    if (req->incident_id != 0) {
        struct incident probe;
        incident_init(&probe);
        if (store_incident_get(t.store, req->incident_id, &probe, err) < 0)
            goto out;
        incident_clear(&probe);
    }
    t.editor = lineedit_new(WR_TEXT_MAX);
    if (!t.editor) {
        wr_fail(err, WR_E_NOMEM, "out of memory starting the TUI");
        goto out;
    }
    /* Headless smoke runs (max_frames > 0) may draw into a pipe or a file. */
    if (req->max_frames <= 0 && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        wr_fail(err, WR_E_USAGE, "the TUI needs a terminal; use the subcommands (warroom --help) in scripts");
        goto out;
    }
    /* Handlers go in before curses starts, so ncurses leaves SIGWINCH to us. */
    if (loop_new(&t.loop, err) < 0)
        goto out;

    setlocale(LC_ALL, "");
    const char *term = getenv("TERM");
    screen = newterm(term && term[0] ? NULL : "vt100", stdout, stdin);
    if (!screen) {
        wr_fail(err, WR_E_USAGE, "cannot use terminal type '%s'; set TERM (for example TERM=xterm)",
                term ? term : "");
        goto out;
    }
    set_term(screen);
    saved_stderr = redirect_stderr();
    set_escdelay(25);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE); /* timeout(0): the loop decides when to wait */
    draw_theme_init();
    tui_policy_load(&t);

    for (size_t i = 0; i < sizeof main_panels / sizeof main_panels[0]; i++) {
        struct ui_view *v = &t.panels[t.n_panels];
        memset(v, 0, sizeof *v);
        if (main_panels[i].open(&t, v) < 0) {
            wr_fail(err, WR_E_NOMEM, "out of memory starting the TUI");
            goto out;
        }
        v->priority = main_panels[i].priority;
        t.n_panels++;
    }
    store_data_version(t.store, &t.data_version, NULL);
    if (req->incident_id != 0) {
        if (tui_open_incident(&t, req->incident_id, err) < 0)
            goto out;
    } else if (picker_overlay_open(&t) < 0) {
        wr_fail(err, WR_E_NOMEM, "out of memory starting the TUI");
        goto out;
    }
    if (loop_add_fd(t.loop, STDIN_FILENO, POLLIN, on_terminal, &t) < 0) {
        wr_fail(err, WR_E_NOMEM, "out of memory starting the TUI");
        goto out;
    }
    /* Team mode: the worker's wake fd says when the replica changed (no server query here).
     * Another cockpit on this laptop shares the replica and writes it directly, offline too:
     * the file is watched as in SQLite mode, so its entries show here at once. */
    if (t.sync && tui_team_start(&t) < 0) {
        wr_fail(err, WR_E_NOMEM, "out of memory starting the TUI");
        goto out;
    }
    watch_database_dir(&t);
    tui_sli_start(&t);
    tui_comms_start(&t);
    loop_set_prepare(t.loop, on_prepare, &t);
    t.relayout = true;
    t.dirty = true;
    if (loop_run(t.loop, err) < 0)
        goto out;
    /* Counted, for tests: a keystroke that redraws the whole screen shows up here. */
    fprintf(stderr, "warroom: session ended after %d frames (%d full), %" PRIu64 " wakeups\n",
            t.frames, t.full_frames, loop_wakeups(t.loop));
    rc = 0;
out:
    teardown(&t);
    if (screen) {
        endwin();
        delscreen(screen);
    }
    restore_stderr(saved_stderr);
    loop_free(&t.loop);
    store_close(&t.store);
    return rc;
}
