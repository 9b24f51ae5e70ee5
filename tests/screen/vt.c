/* vt.c: screen-test harness: a child on a pty, its output interpreted by libvterm. */
#include "vt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

extern char **environ;

/* One screen row rendered as text, with the cell column where each byte's character starts. */
struct vt_row_text {
    char *text;
    int *col_at; /* col_at[i]: column of the character starting at byte i; [len] = width */
    size_t len;
};

struct vt {
    pid_t pid;
    int fd;        /* pty master */
    int pidfd;     /* -1 when the kernel has no pidfd_open */
    bool eof;      /* the pty reported hang-up: no process holds the terminal any more */
    bool exited;   /* child reaped */
    int status;
    VTerm *term;
    VTermScreen *screen;
    int rows, cols;
    char wildcard;
    bool write_failed;
    struct vt_row_text *row_cache; /* rows entries; text == NULL means not built */
    struct vt *next_live;          /* list of children to kill if the test aborts */
    double last_output_ms;         /* vt_clock_ms() of the last byte read */
    uint64_t bytes_read;           /* everything the program wrote to the terminal */
};

/* Children still running: a failed cmocka assertion jumps past vt_free(), so an atexit
 * handler kills what is left instead of leaving stray processes behind CI. */
static struct vt *vt_live;

static void vt_kill_all(void)
{
    for (struct vt *vt = vt_live; vt; vt = vt->next_live) {
        if (vt->exited)
            continue;
        kill(-vt->pid, SIGKILL);
        kill(vt->pid, SIGKILL);
        waitpid(vt->pid, NULL, 0);
    }
}

static void vt_live_add(struct vt *vt)
{
    static bool registered;
    if (!registered && atexit(vt_kill_all) == 0)
        registered = true;
    vt->next_live = vt_live;
    vt_live = vt;
}

static void vt_live_remove(struct vt *vt)
{
    for (struct vt **p = &vt_live; *p; p = &(*p)->next_live)
        if (*p == vt) {
            *p = vt->next_live;
            return;
        }
}

/* ---------------------------------------------------------------- small helpers */

double vt_clock_ms(void);

static int64_t vt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vt_scaled_ms(int ms)
{
    const char *s = getenv("VT_TIMEOUT_SCALE");
    double scale = s ? strtod(s, NULL) : 1.0;
    if (!(scale >= 1.0) || scale > 100.0)
        scale = 1.0;
    return (int)(ms * scale);
}

static size_t vt_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        cp = 0xFFFD;
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length in bytes of the UTF-8 character starting at s (1 for stray bytes). */
static size_t vt_utf8_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

static void vt_cache_clear(struct vt *vt)
{
    if (!vt->row_cache)
        return;
    for (int r = 0; r < vt->rows; r++) {
        free(vt->row_cache[r].text);
        free(vt->row_cache[r].col_at);
        vt->row_cache[r].text = NULL;
        vt->row_cache[r].col_at = NULL;
        vt->row_cache[r].len = 0;
    }
}

/* ---------------------------------------------------------------- output to the child */

/* Write all of buf to the pty, waiting (bounded) while the child's input queue is full. */
static int vt_write_all(struct vt *vt, const char *buf, size_t len)
{
    int64_t deadline = vt_now_ms() + vt_scaled_ms(2000);
    while (len > 0) {
        ssize_t n = write(vt->fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            int64_t left = deadline - vt_now_ms();
            if (left <= 0)
                break;
            struct pollfd p = {.fd = vt->fd, .events = POLLOUT};
            poll(&p, 1, (int)left);
            continue;
        }
        break;
    }
    if (len > 0) {
        fprintf(stderr, "vt: could not write %zu bytes to the child's terminal: %s\n", len,
                strerror(errno));
        vt->write_failed = true;
        return -1;
    }
    return 0;
}

/* libvterm's answers (cursor reports, device attributes) and encoded keys go to the child. */
static void vt_on_output(const char *s, size_t len, void *user)
{
    vt_write_all(user, s, len);
}

/* ---------------------------------------------------------------- spawn / free */

static bool vt_env_name_is(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* Variables from the test's environment that would change how the child draws. */
static bool vt_env_dropped(const char *entry)
{
    static const char *const names[] = {"TERM", "LANG", "LINES", "COLUMNS", "NO_COLOR",
                                        "COLORTERM", "TERMCAP", "TMUX", "STY", "ESCDELAY"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (vt_env_name_is(entry, names[i]))
            return true;
    return strncmp(entry, "LC_", 3) == 0;
}

static bool vt_env_overridden(const char *entry, const char *const *extra)
{
    const char *eq = strchr(entry, '=');
    size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
    for (size_t i = 0; extra && extra[i]; i++)
        if (strncmp(extra[i], entry, n) == 0 && extra[i][n] == '=')
            return true;
    return false;
}

/* Build the child's environment (array owned by the caller; strings are borrowed except
 * the TERM entry, which is stored in *term_entry). */
static char **vt_env_build(const char *term, const char *const *extra, char **term_entry)
{
    size_t n = 0, m = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    for (size_t i = 0; extra && extra[i]; i++)
        m++;
    char **env = calloc(n + m + 4, sizeof *env);
    size_t len = strlen("TERM=") + strlen(term) + 1;
    *term_entry = malloc(len);
    if (!env || !*term_entry) {
        free(env);
        free(*term_entry);
        *term_entry = NULL;
        return NULL;
    }
    snprintf(*term_entry, len, "TERM=%s", term);
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (!vt_env_dropped(*e) && !vt_env_overridden(*e, extra))
            env[k++] = *e;
    static char lang[] = "LANG=C.UTF-8", lc_all[] = "LC_ALL=C.UTF-8";
    char *defaults[] = {*term_entry, lang, lc_all};
    for (size_t i = 0; i < 3; i++)
        if (!vt_env_overridden(defaults[i], extra))
            env[k++] = defaults[i];
    for (size_t i = 0; i < m; i++)
        env[k++] = (char *)extra[i];
    env[k] = NULL;
    return env;
}

struct vt *vt_spawn(const char *const argv[], const char *const envp_extra[], int rows, int cols)
{
    struct vt_options o = {.rows = rows, .cols = cols, .env = envp_extra};
    return vt_spawn_opts(argv, &o);
}

struct vt *vt_spawn_opts(const char *const argv[], const struct vt_options *opts)
{
    struct vt *vt = NULL;
    char **env = NULL, *term_entry = NULL;
    int rows = opts && opts->rows > 0 ? opts->rows : 24;
    int cols = opts && opts->cols > 0 ? opts->cols : 80;
    const char *term = opts && opts->term ? opts->term : VT_TERM_DEFAULT;

    if (!argv || !argv[0]) {
        fprintf(stderr, "vt_spawn: no program given\n");
        return NULL;
    }
    vt = calloc(1, sizeof *vt);
    env = vt_env_build(term, opts ? opts->env : NULL, &term_entry);
    if (!vt || !env)
        goto fail;
    vt->fd = -1;
    vt->pidfd = -1;
    vt->wildcard = '~';
    vt->rows = rows;
    vt->cols = cols;
    vt->row_cache = calloc((size_t)rows, sizeof *vt->row_cache);
    vt->term = vterm_new(rows, cols);
    if (!vt->row_cache || !vt->term)
        goto fail;
    vterm_set_utf8(vt->term, 1);
    vterm_output_set_callback(vt->term, vt_on_output, vt);
    vt->screen = vterm_obtain_screen(vt->term);
    vterm_screen_enable_altscreen(vt->screen, 1);
    vterm_screen_reset(vt->screen, 1);

    /* Flush our stdio so the child does not inherit buffered test output. */
    fflush(stdout);
    fflush(stderr);
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    pid_t pid = forkpty(&vt->fd, NULL, NULL, &ws);
    if (pid < 0) {
        fprintf(stderr, "vt_spawn: forkpty failed: %s\n", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        environ = env;
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], (char *const *)argv);
        dprintf(2, "vt_spawn: cannot run %s: %s\r\n", argv[0], strerror(errno));
        _exit(127);
    }
    vt->pid = pid;
    fcntl(vt->fd, F_SETFL, fcntl(vt->fd, F_GETFL) | O_NONBLOCK);
    fcntl(vt->fd, F_SETFD, FD_CLOEXEC);
#ifdef SYS_pidfd_open
    vt->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
    free(env);
    free(term_entry);
    vt_live_add(vt);
    return vt;

fail:
    if (vt && vt->term)
        vterm_free(vt->term);
    if (vt)
        free(vt->row_cache);
    free(vt);
    free(env);
    free(term_entry);
    return NULL;
}

/* Read whatever the pty has now, without waiting. Returns bytes read, -1 at hang-up. */
static ssize_t vt_read_some(struct vt *vt)
{
    char buf[8192];
    ssize_t total = 0;
    for (;;) {
        ssize_t n = read(vt->fd, buf, sizeof buf);
        if (n > 0) {
            vterm_input_write(vt->term, buf, (size_t)n);
            total += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        vt->eof = true; /* EIO on Linux once no process holds the pty's other side */
        break;
    }
    if (total > 0) {
        vt_cache_clear(vt);
        vt->last_output_ms = vt_clock_ms();
        vt->bytes_read += (uint64_t)total;
    }
    return total > 0 ? total : vt->eof ? -1 : 0;
}

/* Wait up to timeout_ms for output and read it. Returns 1 if something was read, 0 on
 * timeout, -1 when the terminal hung up. */
static int vt_pump(struct vt *vt, int timeout_ms)
{
    if (vt->eof)
        return -1;
    struct pollfd p = {.fd = vt->fd, .events = POLLIN};
    int n = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0)
        return 0;
    ssize_t got = vt_read_some(vt);
    return got > 0 ? 1 : got < 0 ? -1 : 0;
}

static bool vt_try_reap(struct vt *vt)
{
    if (vt->exited)
        return true;
    int st;
    pid_t r = waitpid(vt->pid, &st, WNOHANG);
    if (r == vt->pid) {
        vt->exited = true;
        vt->status = st;
    }
    return vt->exited;
}

int vt_wait_exit(struct vt *vt, int ms_max, int *status)
{
    int64_t deadline = vt_now_ms() + vt_scaled_ms(ms_max);
    while (!vt_try_reap(vt)) {
        int64_t left = deadline - vt_now_ms();
        if (left <= 0) {
            fprintf(stderr, "vt: process %d still running after %d ms\n", (int)vt->pid, ms_max);
            return -1;
        }
        struct pollfd p[2];
        nfds_t n = 0;
        if (!vt->eof)
            p[n++] = (struct pollfd){.fd = vt->fd, .events = POLLIN};
        if (vt->pidfd >= 0)
            p[n++] = (struct pollfd){.fd = vt->pidfd, .events = POLLIN};
        /* Without pidfd (old kernels) the exit is only noticed by re-checking waitpid. */
        int wait_ms = vt->pidfd >= 0 ? (int)left : (int)(left < 20 ? left : 20);
        if (poll(p, n, wait_ms) > 0 && !vt->eof)
            vt_read_some(vt);
    }
    /* Output written just before exit is still in the pty: take it. */
    if (!vt->eof)
        vt_read_some(vt);
    if (status)
        *status = vt->status;
    return 0;
}

bool vt_exited(const struct vt *vt)
{
    return vt->exited;
}

void vt_free(struct vt **pvt)
{
    struct vt *vt = pvt ? *pvt : NULL;
    if (!vt)
        return;
    if (vt->pid > 0 && !vt_try_reap(vt)) {
        kill(-vt->pid, SIGTERM);
        kill(vt->pid, SIGTERM);
        if (vt_wait_exit(vt, 1000, NULL) < 0) {
            kill(-vt->pid, SIGKILL);
            kill(vt->pid, SIGKILL);
            int st;
            while (waitpid(vt->pid, &st, 0) < 0 && errno == EINTR) {
            }
            vt->exited = true;
        }
    }
    /* Stragglers of the child's process group (e.g. a shell's background jobs). */
    if (vt->pid > 0)
        kill(-vt->pid, SIGKILL);
    vt_live_remove(vt);
    if (vt->fd >= 0)
        close(vt->fd);
    if (vt->pidfd >= 0)
        close(vt->pidfd);
    vt_cache_clear(vt);
    free(vt->row_cache);
    vterm_free(vt->term);
    free(vt);
    *pvt = NULL;
}

pid_t vt_pid(const struct vt *vt)
{
    return vt->pid;
}

int vt_rows(const struct vt *vt)
{
    return vt->rows;
}

int vt_cols(const struct vt *vt)
{
    return vt->cols;
}

/* ---------------------------------------------------------------- keys */

int vt_send(struct vt *vt, const char *bytes)
{
    vt->write_failed = false;
    return vt_write_all(vt, bytes, strlen(bytes));
}

static VTermModifier vt_mods(int mods)
{
    VTermModifier m = VTERM_MOD_NONE;
    if (mods & VT_MOD_SHIFT)
        m |= VTERM_MOD_SHIFT;
    if (mods & VT_MOD_ALT)
        m |= VTERM_MOD_ALT;
    if (mods & VT_MOD_CTRL)
        m |= VTERM_MOD_CTRL;
    return m;
}

int vt_key(struct vt *vt, enum vt_key key, int mods)
{
    static const VTermKey map[] = {
        [VT_ENTER] = VTERM_KEY_ENTER,       [VT_TAB] = VTERM_KEY_TAB,
        [VT_BACKSPACE] = VTERM_KEY_BACKSPACE, [VT_ESC] = VTERM_KEY_ESCAPE,
        [VT_UP] = VTERM_KEY_UP,             [VT_DOWN] = VTERM_KEY_DOWN,
        [VT_LEFT] = VTERM_KEY_LEFT,         [VT_RIGHT] = VTERM_KEY_RIGHT,
        [VT_INSERT] = VTERM_KEY_INS,        [VT_DELETE] = VTERM_KEY_DEL,
        [VT_HOME] = VTERM_KEY_HOME,         [VT_END] = VTERM_KEY_END,
        [VT_PGUP] = VTERM_KEY_PAGEUP,       [VT_PGDN] = VTERM_KEY_PAGEDOWN,
    };
    vt->write_failed = false;
    if (key >= VT_F1 && key <= VT_F12)
        vterm_keyboard_key(vt->term, VTERM_KEY_FUNCTION(1 + (int)(key - VT_F1)), vt_mods(mods));
    else if ((size_t)key < sizeof map / sizeof map[0])
        vterm_keyboard_key(vt->term, map[key], vt_mods(mods));
    else
        return -1;
    return vt->write_failed ? -1 : 0;
}

int vt_ctrl(struct vt *vt, char letter)
{
    char c = (char)(tolower((unsigned char)letter) & 0x1f);
    char s[2] = {c, 0};
    if (c == 0) /* ^@ / ^Space: NUL cannot go through a C string */
        return vt_write_all(vt, s, 1);
    return vt_send(vt, s);
}

struct vt_key_name {
    const char *name;
    enum vt_key key;
};

static const struct vt_key_name vt_key_names[] = {
    {"Enter", VT_ENTER}, {"CR", VT_ENTER},     {"Return", VT_ENTER}, {"Tab", VT_TAB},
    {"BS", VT_BACKSPACE}, {"Backspace", VT_BACKSPACE}, {"Esc", VT_ESC}, {"Up", VT_UP},
    {"Down", VT_DOWN},   {"Left", VT_LEFT},    {"Right", VT_RIGHT},  {"Ins", VT_INSERT},
    {"Insert", VT_INSERT}, {"Del", VT_DELETE}, {"Delete", VT_DELETE}, {"Home", VT_HOME},
    {"End", VT_END},     {"PgUp", VT_PGUP},    {"PageUp", VT_PGUP},  {"PgDn", VT_PGDN},
    {"PageDown", VT_PGDN}, {"F1", VT_F1},      {"F2", VT_F2},        {"F3", VT_F3},
    {"F4", VT_F4},       {"F5", VT_F5},        {"F6", VT_F6},        {"F7", VT_F7},
    {"F8", VT_F8},       {"F9", VT_F9},        {"F10", VT_F10},      {"F11", VT_F11},
    {"F12", VT_F12},
};

/* Send one <name> (without brackets). Returns 0, or -1 for an unknown name. */
static int vt_key_named(struct vt *vt, const char *name, size_t len, bool *was_esc)
{
    *was_esc = false;
    if (len == 2 && strncasecmp(name, "lt", 2) == 0)
        return vt_send(vt, "<");
    if (len == 5 && strncasecmp(name, "S-Tab", 5) == 0)
        return vt_key(vt, VT_TAB, VT_MOD_SHIFT);
    if (len >= 3 && name[1] == '-' && (name[0] == 'C' || name[0] == 'c') && len == 3)
        return vt_ctrl(vt, name[2]);
    if (len >= 3 && name[1] == '-' && (name[0] == 'M' || name[0] == 'm' || name[0] == 'A')) {
        char rest[8];
        size_t n = len - 2;
        if (n >= sizeof rest)
            return -1;
        memcpy(rest, name + 2, n);
        rest[n] = 0;
        /* Alt sends ESC before the key, as xterm does with metaSendsEscape. */
        if (vt_send(vt, "\x1b") < 0)
            return -1;
        if (n == vt_utf8_len(rest))
            return vt_send(vt, rest);
        for (size_t i = 0; i < sizeof vt_key_names / sizeof vt_key_names[0]; i++)
            if (strcasecmp(rest, vt_key_names[i].name) == 0)
                return vt_key(vt, vt_key_names[i].key, 0);
        return -1;
    }
    for (size_t i = 0; i < sizeof vt_key_names / sizeof vt_key_names[0]; i++) {
        const char *k = vt_key_names[i].name;
        if (strlen(k) == len && strncasecmp(k, name, len) == 0) {
            *was_esc = vt_key_names[i].key == VT_ESC;
            return vt_key(vt, vt_key_names[i].key, 0);
        }
    }
    return -1;
}

int vt_keys(struct vt *vt, const char *keys)
{
    const char *p = keys;
    while (*p) {
        const char *lt = strchr(p, '<');
        size_t textlen = lt ? (size_t)(lt - p) : strlen(p);
        if (textlen > 0) {
            vt->write_failed = false;
            if (vt_write_all(vt, p, textlen) < 0)
                return -1;
            p += textlen;
            continue;
        }
        const char *gt = strchr(p + 1, '>');
        if (!gt || gt - p > 16) {
            fprintf(stderr, "vt_keys: '<' must start a key name like <Enter> (use <lt> for '<'): %s\n",
                    p);
            return -1;
        }
        bool was_esc;
        if (vt_key_named(vt, p + 1, (size_t)(gt - p - 1), &was_esc) < 0) {
            fprintf(stderr, "vt_keys: unknown key <%.*s> in \"%s\"\n", (int)(gt - p - 1), p + 1,
                    keys);
            return -1;
        }
        p = gt + 1;
        /* ncurses tells a lone Esc from the start of a key sequence only by a pause. */
        if (was_esc && *p)
            vt_wait_quiet(vt, VT_ESC_GAP_MS, VT_WAIT_MAX_MS);
    }
    return 0;
}

/* ---------------------------------------------------------------- reading the screen */

static const struct vt_row_text *vt_row_get(struct vt *vt, int row)
{
    static char empty_text[1];
    static int empty_col[1];
    static const struct vt_row_text empty = {.text = empty_text, .col_at = empty_col, .len = 0};
    if (row < 0 || row >= vt->rows)
        return &empty;
    struct vt_row_text *rt = &vt->row_cache[row];
    if (rt->text)
        return rt;
    /* At most 6 code points of 4 bytes per cell. */
    size_t cap = (size_t)vt->cols * VTERM_MAX_CHARS_PER_CELL * 4 + 1;
    char *text = malloc(cap);
    int *col_at = malloc((cap + 1) * sizeof *col_at);
    if (!text || !col_at) {
        free(text);
        free(col_at);
        return &empty;
    }
    size_t len = 0, trimmed = 0;
    int col = 0, trimmed_col = 0;
    while (col < vt->cols) {
        VTermScreenCell cell;
        VTermPos pos = {.row = row, .col = col};
        int width = 1;
        if (vterm_screen_get_cell(vt->screen, pos, &cell) && cell.chars[0] != (uint32_t)-1 &&
            cell.chars[0] != 0) {
            for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i]; i++) {
                char enc[4];
                size_t n = vt_utf8_encode(cell.chars[i], enc);
                for (size_t j = 0; j < n; j++)
                    col_at[len + j] = col;
                memcpy(text + len, enc, n);
                len += n;
            }
            width = cell.width > 1 ? cell.width : 1;
        } else {
            col_at[len] = col;
            text[len++] = ' ';
        }
        col += width;
        if (text[len - 1] != ' ') {
            trimmed = len;
            trimmed_col = col;
        }
    }
    text[trimmed] = 0;
    col_at[trimmed] = trimmed_col;
    rt->text = text;
    rt->col_at = col_at;
    rt->len = trimmed;
    return rt;
}

const char *vt_row(struct vt *vt, int row)
{
    return vt_row_get(vt, row)->text;
}

char *vt_screen_text(struct vt *vt)
{
    size_t total = 1;
    for (int r = 0; r < vt->rows; r++)
        total += vt_row_get(vt, r)->len + 1;
    char *s = malloc(total), *w = s;
    if (!s)
        return NULL;
    for (int r = 0; r < vt->rows; r++) {
        const struct vt_row_text *rt = vt_row_get(vt, r);
        memcpy(w, rt->text, rt->len);
        w += rt->len;
        if (r + 1 < vt->rows)
            *w++ = '\n';
    }
    *w = 0;
    return s;
}

bool vt_find(struct vt *vt, const char *needle, int *row, int *col)
{
    for (int r = 0; r < vt->rows; r++) {
        const struct vt_row_text *rt = vt_row_get(vt, r);
        const char *hit = strstr(rt->text, needle);
        if (hit) {
            if (row)
                *row = r;
            if (col)
                *col = rt->col_at[hit - rt->text];
            return true;
        }
    }
    return false;
}

void vt_cursor(struct vt *vt, int *row, int *col)
{
    VTermPos pos;
    vterm_state_get_cursorpos(vterm_obtain_state(vt->term), &pos);
    if (row)
        *row = pos.row;
    if (col)
        *col = pos.col;
}

void vt_dump(struct vt *vt, const char *title)
{
    fprintf(stderr, "---- %s (%dx%d) ----\n", title ? title : "screen", vt->rows, vt->cols);
    for (int r = 0; r < vt->rows; r++)
        fprintf(stderr, "%3d|%s|\n", r, vt_row(vt, r));
    fprintf(stderr, "----\n");
}

static int vt_color_value(const VTermColor *c, bool is_bg)
{
    if (is_bg ? VTERM_COLOR_IS_DEFAULT_BG(c) : VTERM_COLOR_IS_DEFAULT_FG(c))
        return VT_COLOR_DEFAULT;
    if (VTERM_COLOR_IS_INDEXED(c))
        return c->indexed.idx;
    return 0x1000000 | (c->rgb.red << 16) | (c->rgb.green << 8) | c->rgb.blue;
}

struct vt_attrs vt_cell_attrs(struct vt *vt, int row, int col)
{
    struct vt_attrs a = {.fg = VT_COLOR_DEFAULT, .bg = VT_COLOR_DEFAULT, .width = 1};
    VTermScreenCell cell;
    if (row < 0 || row >= vt->rows || col < 0 || col >= vt->cols)
        return a;
    if (!vterm_screen_get_cell(vt->screen, (VTermPos){.row = row, .col = col}, &cell))
        return a;
    a.bold = cell.attrs.bold;
    a.underline = cell.attrs.underline != 0;
    a.reverse = cell.attrs.reverse;
    a.italic = cell.attrs.italic;
    a.blink = cell.attrs.blink;
    a.strike = cell.attrs.strike;
    a.fg = vt_color_value(&cell.fg, false);
    a.bg = vt_color_value(&cell.bg, true);
    a.width = cell.width > 1 ? cell.width : 1;
    return a;
}

void vt_cell_text(struct vt *vt, int row, int col, char *buf, size_t size)
{
    VTermScreenCell cell;
    size_t len = 0;
    if (size == 0)
        return;
    buf[0] = 0;
    if (row < 0 || row >= vt->rows || col < 0 || col >= vt->cols)
        return;
    if (!vterm_screen_get_cell(vt->screen, (VTermPos){.row = row, .col = col}, &cell) ||
        cell.chars[0] == (uint32_t)-1)
        return;
    for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i]; i++) {
        char enc[4];
        size_t n = vt_utf8_encode(cell.chars[i], enc);
        if (len + n + 1 > size)
            break;
        memcpy(buf + len, enc, n);
        len += n;
    }
    buf[len] = 0;
}

/* ---------------------------------------------------------------- waiting */

int vt_wait_quiet(struct vt *vt, int ms_quiet, int ms_max)
{
    int64_t start = vt_now_ms(), last = start, deadline = start + vt_scaled_ms(ms_max);
    for (;;) {
        int64_t now = vt_now_ms();
        if (vt->eof || now - last >= ms_quiet)
            return 0;
        if (now >= deadline) {
            fprintf(stderr, "vt: screen still changing after %d ms\n", ms_max);
            return -1;
        }
        int64_t wait = last + ms_quiet - now;
        if (deadline - now < wait)
            wait = deadline - now;
        if (vt_pump(vt, (int)wait) > 0)
            last = vt_now_ms();
    }
}

/* Read output until cond(vt, arg) holds or ms_max passes. Returns 0 when it holds. */
static int vt_wait_until(struct vt *vt, bool (*cond)(struct vt *, const void *), const void *arg,
                         int ms_max)
{
    int64_t deadline = vt_now_ms() + vt_scaled_ms(ms_max);
    for (;;) {
        if (cond(vt, arg)) {
            vt_wait_quiet(vt, VT_QUIET_MS, 1000);
            return 0;
        }
        int64_t left = deadline - vt_now_ms();
        if (left <= 0 || vt->eof) {
            /* Output may have arrived with the hang-up; look once more. */
            return cond(vt, arg) ? 0 : -1;
        }
        vt_pump(vt, (int)left);
    }
}

static bool vt_has_text(struct vt *vt, const void *needle)
{
    return vt_find(vt, needle, NULL, NULL);
}

static bool vt_lacks_text(struct vt *vt, const void *needle)
{
    return !vt_find(vt, needle, NULL, NULL);
}

int vt_wait_text(struct vt *vt, const char *needle, int ms_max)
{
    if (vt_wait_until(vt, vt_has_text, needle, ms_max) == 0)
        return 0;
    char title[256];
    snprintf(title, sizeof title, "\"%s\" did not appear within %d ms%s", needle, ms_max,
             vt->eof ? " (the program closed its terminal)" : "");
    vt_dump(vt, title);
    return -1;
}

int vt_wait_gone(struct vt *vt, const char *needle, int ms_max)
{
    if (vt_wait_until(vt, vt_lacks_text, needle, ms_max) == 0)
        return 0;
    char title[256];
    snprintf(title, sizeof title, "\"%s\" still on screen after %d ms", needle, ms_max);
    vt_dump(vt, title);
    return -1;
}

/* ---------------------------------------------------------------- comparing */

void vt_set_wildcard(struct vt *vt, char wildcard)
{
    vt->wildcard = wildcard;
}

/* Compare; on mismatch *at_expected / *at_actual are the byte offsets of the difference. */
static bool vt_row_match_at(char wc, const char *expected, const char *actual,
                            size_t *at_expected, size_t *at_actual)
{
    size_t elen = strlen(expected), alen = strlen(actual);
    while (elen > 0 && expected[elen - 1] == ' ')
        elen--;
    while (alen > 0 && actual[alen - 1] == ' ')
        alen--;
    size_t e = 0, a = 0;
    bool ok = true;
    while (e < elen) {
        if (expected[e] == wc && e + 2 == elen && expected[e + 1] == '*')
            return true;
        size_t en = vt_utf8_len(expected + e);
        size_t an = a < alen ? vt_utf8_len(actual + a) : 0;
        if (expected[e] == wc) {
            /* matches any one character, or a trimmed trailing space */
        } else if (an == 0 ? !(en == 1 && expected[e] == ' ')
                           : en != an || memcmp(expected + e, actual + a, en) != 0) {
            ok = false;
            break;
        }
        e += en;
        a += an;
    }
    if (ok && a < alen)
        ok = false;
    if (at_expected)
        *at_expected = e;
    if (at_actual)
        *at_actual = a;
    return ok;
}

bool vt_row_matches(const struct vt *vt, const char *expected, const char *actual)
{
    if (strcmp(expected, VT_SKIP) == 0)
        return true;
    return vt_row_match_at(vt->wildcard, expected, actual, NULL, NULL);
}

static int vt_count(const char *const rows[])
{
    int n = 0;
    while (rows && rows[n])
        n++;
    return n;
}

static bool vt_rows_match(struct vt *vt, int first_row, const char *const expected[])
{
    int n = vt_count(expected);
    if (first_row < 0 || first_row + n > vt->rows)
        return false;
    for (int i = 0; i < n; i++)
        if (!vt_row_matches(vt, expected[i], vt_row(vt, first_row + i)))
            return false;
    return true;
}

static uint32_t vt_utf8_decode(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | ((unsigned char)s[i] & 0x3F);
    return cp;
}

/* "'x' U+0078" for the character at s, or "end of row"; identical-looking rows (combining
 * accents vs precomposed, look-alike letters) differ visibly in this form. */
static const char *vt_describe_char(const char *s, char *buf, size_t size)
{
    if (!*s) {
        snprintf(buf, size, "end of row");
        return buf;
    }
    size_t n = vt_utf8_len(s);
    snprintf(buf, size, "'%.*s' U+%04X", (int)n, s, (unsigned)vt_utf8_decode(s, n));
    return buf;
}

static int vt_report(struct vt *vt, int first_row, const char *const expected[], bool whole)
{
    int n = vt_count(expected);
    if (whole && n != vt->rows) {
        fprintf(stderr, "vt: expected screen has %d rows but the terminal has %d\n", n, vt->rows);
        vt_dump(vt, "actual screen");
        return -1;
    }
    if (first_row < 0 || first_row + n > vt->rows) {
        fprintf(stderr, "vt: expected rows %d..%d but the terminal has %d rows\n", first_row,
                first_row + n - 1, vt->rows);
        vt_dump(vt, "actual screen");
        return -1;
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        int r = first_row + i;
        const char *actual = vt_row(vt, r);
        if (strcmp(expected[i], VT_SKIP) == 0)
            continue;
        size_t at_e, at_a;
        char desc_e[48], desc_a[48];
        if (vt_row_match_at(vt->wildcard, expected[i], actual, &at_e, &at_a))
            continue;
        if (bad++ == 0)
            fprintf(stderr, "vt: screen (%dx%d) differs from the expected one "
                            "(wildcard '%c'):\n", vt->rows, vt->cols, vt->wildcard);
        const struct vt_row_text *rt = vt_row_get(vt, r);
        int col = at_a <= rt->len ? rt->col_at[at_a] : rt->col_at[rt->len];
        fprintf(stderr, "  row %3d expected |%s|\n", r, expected[i]);
        fprintf(stderr, "          actual   |%s|\n", actual);
        fprintf(stderr, "                    %*s^ column %d: expected %s, found %s\n", col, "",
                col, vt_describe_char(expected[i] + at_e, desc_e, sizeof desc_e),
                vt_describe_char(actual + at_a, desc_a, sizeof desc_a));
    }
    if (bad == 0)
        return 0;
    vt_dump(vt, "actual screen");
    return -1;
}

int vt_expect_rows(struct vt *vt, int first_row, const char *const expected[])
{
    return vt_report(vt, first_row, expected, false);
}

int vt_expect_screen(struct vt *vt, const char *const expected[])
{
    return vt_report(vt, 0, expected, true);
}

static bool vt_screen_is(struct vt *vt, const void *expected)
{
    const char *const *rows = expected;
    return vt_count(rows) == vt->rows && vt_rows_match(vt, 0, rows);
}

int vt_wait_screen(struct vt *vt, const char *const expected[], int ms_max)
{
    if (vt_wait_until(vt, vt_screen_is, expected, ms_max) == 0)
        return 0;
    fprintf(stderr, "vt: the expected screen did not appear within %d ms\n", ms_max);
    vt_expect_screen(vt, expected);
    return -1;
}

/* ---------------------------------------------------------------- resize */

int vt_resize(struct vt *vt, int rows, int cols)
{
    if (rows < 1 || cols < 1 || rows > 1000 || cols > 1000) {
        fprintf(stderr, "vt_resize: %dx%d is out of range\n", rows, cols);
        return -1;
    }
    if (!vt->eof)
        vt_read_some(vt);
    struct vt_row_text *cache = calloc((size_t)rows, sizeof *cache);
    if (!cache)
        return -1;
    vt_cache_clear(vt);
    free(vt->row_cache);
    vt->row_cache = cache;
    vt->rows = rows;
    vt->cols = cols;
    vterm_set_size(vt->term, rows, cols);
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(vt->fd, TIOCSWINSZ, &ws) < 0) {
        fprintf(stderr, "vt_resize: TIOCSWINSZ failed: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- measuring */

double vt_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int vt_time_keys(struct vt *vt, const char *keys, int quiet_ms, int ms_max, double *settled_ms)
{
    double start = vt_clock_ms(), last = start;
    double deadline = start + vt_scaled_ms(ms_max);
    if (vt_keys(vt, keys) < 0)
        return -1;
    for (;;) {
        double now = vt_clock_ms();
        double quiet_until = (last > start ? last : now) + quiet_ms;
        if (last > start && now >= quiet_until)
            break;
        if (last == start && now >= start + quiet_ms * 4) /* nothing drawn at all */
            break;
        if (now >= deadline) {
            fprintf(stderr, "vt: screen still changing %d ms after \"%s\"\n", ms_max, keys);
            return -1;
        }
        double wait = (last > start ? quiet_until : start + quiet_ms * 4) - now;
        if (deadline - now < wait)
            wait = deadline - now;
        int r = vt_pump(vt, (int)wait + 1);
        if (r > 0)
            last = vt_clock_ms();
        else if (r < 0)
            break;
    }
    if (settled_ms)
        *settled_ms = last > start ? last - start : 0.0;
    return 0;
}

int vt_proc_stats(const struct vt *vt, struct vt_proc_stats *out)
{
    char path[64], line[512];
    memset(out, 0, sizeof *out);
    if (vt->exited)
        return -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)vt->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &out->rss_kb);
        sscanf(line, "VmHWM: %ld", &out->peak_rss_kb);
        sscanf(line, "voluntary_ctxt_switches: %ld", &out->voluntary_switches);
        sscanf(line, "nonvoluntary_ctxt_switches: %ld", &out->involuntary_switches);
    }
    fclose(f);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)vt->pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    char stat[1024];
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = 0;
    /* Fields after the command name (which may hold spaces) start after the last ')'. */
    const char *p = strrchr(stat, ')');
    unsigned long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                     &stime) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    out->cpu_ms = (double)(utime + stime) * 1000.0 / (double)(hz > 0 ? hz : 100);
    return 0;
}

double vt_last_output_ms(const struct vt *vt)
{
    return vt->last_output_ms;
}

uint64_t vt_bytes_read(const struct vt *vt)
{
    return vt->bytes_read;
}

void vt_observe(struct vt *vt, int ms)
{
    int64_t end = vt_now_ms() + ms;
    for (int64_t left = ms; left > 0 && !vt->eof; left = end - vt_now_ms())
        vt_pump(vt, (int)left);
}
