/* vt.h: screen-test harness: run a program in a pty behind libvterm, send keys, read the screen. */
#ifndef WARROOM_TESTS_VT_H
#define WARROOM_TESTS_VT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A test drives one or more `struct vt`: each is a child process on its own pty whose output
 * is interpreted by a libvterm terminal of the same size. Nothing here sleeps: every wait
 * reads the pty with poll() and is bounded by a maximum, so a hung child fails the test
 * instead of hanging CI. Maximum waits are multiplied by VT_TIMEOUT_SCALE (environment,
 * default 1) so slow builds (ASan) can stretch them without editing tests.
 *
 * Terminal type: VT_TERM_DEFAULT ("xterm-xfree86", in Debian's ncurses-base). It has 8
 * colours, F1..F12, arrows, Home/End, PgUp/PgDn, Insert/Delete and no `rep` (which Debian
 * 12's libvterm 0.1.4 mis-handles). Its key strings are exactly what libvterm's own keyboard
 * encoder sends, which is what vt_key() uses. vt220 (vt_options.term = "vt220") is the
 * monochrome choice; it has no F5, Home or End, so ncurses does not recognise those keys there.
 */
#define VT_TERM_DEFAULT "xterm-xfree86"

/* Default maximum wait for the vt_wait_* helpers that take none (milliseconds, before scale). */
#define VT_WAIT_MAX_MS 5000
/* Default "quiet" period that counts as a settled screen (milliseconds, not scaled). */
#define VT_QUIET_MS 40

struct vt;

/* Options for vt_spawn_opts(); zero-initialise and set what you need. */
struct vt_options {
    int rows, cols;           /* terminal size; 24x80 if zero */
    const char *term;         /* TERM for the child; VT_TERM_DEFAULT if NULL */
    const char *const *env;   /* extra "NAME=value" entries (NULL-terminated); they win */
};

/*
 * Start argv (argv[0] searched in PATH) on a new pty of rows x cols. The child gets
 * TERM=VT_TERM_DEFAULT, LANG=LC_ALL=C.UTF-8, no LINES/COLUMNS/NO_COLOR/COLORTERM from the
 * test's environment, then every "NAME=value" of envp_extra (NULL-terminated, may be NULL).
 * Returns NULL (and prints why to stderr) on failure. Free with vt_free().
 */
struct vt *vt_spawn(const char *const argv[], const char *const envp_extra[], int rows, int cols);
/* As vt_spawn() with a struct of options (terminal type, size, environment). */
struct vt *vt_spawn_opts(const char *const argv[], const struct vt_options *opts);
/* Kill the child's process group if it still runs (SIGTERM, then SIGKILL), reap it, free
 * everything and set *vt to NULL. Safe on NULL. */
void vt_free(struct vt **vt);

/* Child's process id (its process group too: the child leads its own session). */
pid_t vt_pid(const struct vt *vt);
/* Current terminal size. */
int vt_rows(const struct vt *vt);
int vt_cols(const struct vt *vt);

/* ---- keys ---- */

/* Keys that are not text. */
enum vt_key {
    VT_ENTER, VT_TAB, VT_BACKSPACE, VT_ESC,
    VT_UP, VT_DOWN, VT_LEFT, VT_RIGHT,
    VT_INSERT, VT_DELETE, VT_HOME, VT_END, VT_PGUP, VT_PGDN,
    VT_F1, VT_F2, VT_F3, VT_F4, VT_F5, VT_F6, VT_F7, VT_F8, VT_F9, VT_F10, VT_F11, VT_F12,
};

/* Modifier bits for vt_key()/vt_ctrl(). */
#define VT_MOD_SHIFT 1
#define VT_MOD_ALT 2
#define VT_MOD_CTRL 4

/* Send raw bytes (UTF-8 text, or escape sequences you build yourself). Returns 0 or -1. */
int vt_send(struct vt *vt, const char *bytes);
/* Send one special key with modifiers, encoded the way the terminal would (libvterm's
 * encoder, which follows the cursor-key/keypad modes the program has set). Returns 0 or -1. */
int vt_key(struct vt *vt, enum vt_key key, int mods);
/* Send Ctrl+letter (vt_ctrl(vt, 'x') is ^X). Returns 0 or -1. */
int vt_ctrl(struct vt *vt, char letter);
/*
 * Send keys written in a small notation: plain text goes as UTF-8, and <Name> is a key:
 * <Enter> <Tab> <BS> <Esc> <Up> <Down> <Left> <Right> <Ins> <Del> <Home> <End> <PgUp> <PgDn>
 * <F1>..<F12>, <C-x> (Ctrl), <M-x> (Alt), <S-Tab>, <lt> for a literal '<'.
 * A lone <Esc> followed by more keys is tricky for curses programs (ESC then 'q' within
 * ESCDELAY reads as Alt-q), so after an <Esc> that is not last, vt_keys waits for the screen
 * to settle (VT_ESC_GAP_MS of silence) before sending the rest.
 * An unknown <Name> sends nothing and returns -1 (the message says which name).
 */
int vt_keys(struct vt *vt, const char *keys);
#define VT_ESC_GAP_MS 150

/* ---- waiting (all bounded; ms_max is multiplied by VT_TIMEOUT_SCALE) ---- */

/* Read output until the pty has been silent for ms_quiet, or ms_max has passed, or the child
 * closed the terminal. Returns 0 when settled (or the child is gone), -1 if still busy at
 * ms_max (prints a note). */
int vt_wait_quiet(struct vt *vt, int ms_quiet, int ms_max);
/* Read output until the screen contains needle (one row, UTF-8), then settle VT_QUIET_MS.
 * Returns 0, or -1 after ms_max (and prints the screen to stderr). */
int vt_wait_text(struct vt *vt, const char *needle, int ms_max);
/* Read output until the screen no longer contains needle, then settle. Returns 0 or -1. */
int vt_wait_gone(struct vt *vt, const char *needle, int ms_max);
/* Read output until the screen matches the expected rows (see vt_expect_screen), then
 * settle. Returns 0, or -1 after ms_max and prints the diff of the last screen. */
int vt_wait_screen(struct vt *vt, const char *const expected[], int ms_max);
/* Wait for the child to exit (reading its output meanwhile). On success stores the raw
 * waitpid status in *status (may be NULL) and returns 0; -1 if it still runs after ms_max. */
int vt_wait_exit(struct vt *vt, int ms_max, int *status);
/* True once the child has been reaped (by vt_wait_exit or a wait that saw it exit). */
bool vt_exited(const struct vt *vt);

/* Resize: the libvterm screen and the pty (TIOCSWINSZ, so the child gets SIGWINCH). Output
 * already waiting is read first at the old size. Returns 0 or -1. */
int vt_resize(struct vt *vt, int rows, int cols);

/* ---- reading the screen ---- */

/* Row `row` (0-based) as UTF-8 text, trailing spaces trimmed; a wide character appears once
 * and covers two columns. The pointer stays valid until the next call that reads output or
 * resizes. Returns "" for rows out of range. */
const char *vt_row(struct vt *vt, int row);
/* The whole screen, rows joined by '\n' (each trimmed). Caller frees. NULL on ENOMEM. */
char *vt_screen_text(struct vt *vt);
/* Find needle on screen: returns true and the row and cell column of its first cell. */
bool vt_find(struct vt *vt, const char *needle, int *row, int *col);
/* Cursor position (0-based). */
void vt_cursor(struct vt *vt, int *row, int *col);
/* Print the screen with row numbers to stderr (for debugging a test). */
void vt_dump(struct vt *vt, const char *title);

/* Colour value for "the terminal's default colour". */
#define VT_COLOR_DEFAULT (-1)
/* Colours of the 8-colour palette, as ncurses' COLOR_* numbers. */
enum vt_color {
    VT_BLACK, VT_RED, VT_GREEN, VT_YELLOW, VT_BLUE, VT_MAGENTA, VT_CYAN, VT_WHITE,
};

/* What a cell looks like. fg/bg: VT_COLOR_DEFAULT, a palette index 0..255, or for
 * 24-bit colours 0x1000000 | 0xRRGGBB. */
struct vt_attrs {
    bool bold, underline, reverse, italic, blink, strike;
    int fg, bg;
    int width; /* 1, or 2 for a wide character's first cell */
};
/* Attributes of the cell at row, col (0-based). Out of range gives all-default. */
struct vt_attrs vt_cell_attrs(struct vt *vt, int row, int col);
/* Text of one cell (its character plus combining marks) as UTF-8 into buf; "" for an empty
 * cell or the second half of a wide character. */
void vt_cell_text(struct vt *vt, int row, int col, char *buf, size_t size);

/* ---- comparing with an expected screen ---- */

/*
 * Expected rows are UTF-8 strings written as the screen shows them (trailing spaces do not
 * matter). In them the wildcard character (default '~', see vt_set_wildcard) matches any one
 * character, and a row ending in wildcard+'*' ("12:~~*") matches anything from there on.
 * VT_SKIP as a whole row ignores that row.
 */
#define VT_SKIP "\x01skip"

/* Change the wildcard character (an ASCII character) for this vt. */
void vt_set_wildcard(struct vt *vt, char wildcard);
/* True if `actual` (a screen row) matches `expected` under the wildcard rules. */
bool vt_row_matches(const struct vt *vt, const char *expected, const char *actual);
/*
 * Compare the whole screen with expected (NULL-terminated, one string per row; the count must
 * equal the number of rows). Returns 0 on match; on mismatch prints a readable diff to stderr
 * (each differing row as expected/actual with its row number and a caret at the first
 * differing column, then the whole actual screen) and returns -1.
 */
int vt_expect_screen(struct vt *vt, const char *const expected[]);
/* Like vt_expect_screen for the rows first_row.. (as many as expected holds). */
int vt_expect_rows(struct vt *vt, int first_row, const char *const expected[]);

/* ---- measuring (for tests/bench; figures are printed, never asserted) ---- */

/* Send keys (vt_keys notation) and read until the screen has been silent for quiet_ms.
 * *settled_ms is the time from sending to the last byte of the reaction (0 if nothing was
 * drawn). Returns 0, or -1 if still drawing after ms_max. */
int vt_time_keys(struct vt *vt, const char *keys, int quiet_ms, int ms_max, double *settled_ms);
/* Monotonic milliseconds (microsecond resolution), the clock vt_time_keys uses. */
double vt_clock_ms(void);
/* vt_clock_ms() at which the last output byte was read (0 before any). */
double vt_last_output_ms(const struct vt *vt);
/* Bytes the program has written to the terminal so far (to count what a keystroke costs). */
uint64_t vt_bytes_read(const struct vt *vt);
/* Keep reading output for exactly ms (an observation window for benchmarks, e.g. idle CPU). */
void vt_observe(struct vt *vt, int ms);

/* What the kernel reports about the child (from /proc/PID/status and /proc/PID/stat). */
struct vt_proc_stats {
    long rss_kb, peak_rss_kb;      /* VmRSS, VmHWM */
    double cpu_ms;                 /* user + system time */
    long voluntary_switches;       /* times it slept: a wakeup count */
    long involuntary_switches;
};
/* Read the child's figures. Returns 0, or -1 if it is gone. */
int vt_proc_stats(const struct vt *vt, struct vt_proc_stats *out);

/* Multiply a maximum wait by VT_TIMEOUT_SCALE (exposed for tests' own loops). */
int vt_scaled_ms(int ms);

#endif
