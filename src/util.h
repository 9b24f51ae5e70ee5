/* util.h: error codes, time, UTF-8 and text helpers shared by every engine module. */
#ifndef WARROOM_UTIL_H
#define WARROOM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One list of error codes: the enum, the process exit code and the generic message all come
 * from here. A function that fails fills a struct wr_error with a specific one-line message
 * (what was wrong and what to do); the generic text is the fallback.
 */
#define WR_ERROR_LIST(X)                                                                       \
    X(WR_OK, 0, "ok")                                                                          \
    X(WR_E_FAIL, 1, "operation failed")                                                        \
    X(WR_E_USAGE, 2, "invalid command line; see --help")                                       \
    X(WR_E_INPUT, 3, "invalid input")                                                          \
    X(WR_E_NOT_FOUND, 4, "not found")                                                          \
    X(WR_E_CONFLICT, 5, "refused: it contradicts what is already recorded")                    \
    X(WR_E_DB, 6, "database error")                                                            \
    X(WR_E_DB_VERSION, 7, "database was written by a newer warroom; upgrade warroom")          \
    X(WR_E_IO, 8, "file error")                                                                \
    X(WR_E_NOMEM, 9, "out of memory")                                                          \
    X(WR_E_CONFIG, 10, "invalid configuration")                                                \
    X(WR_E_NETWORK, 11, "network error")

enum wr_code {
#define WR_X_ENUM(name, exit_code, text) name,
    WR_ERROR_LIST(WR_X_ENUM)
#undef WR_X_ENUM
        WR_CODE_COUNT
};

struct wr_error {
    enum wr_code code;
    char msg[512];
};

/* Generic message for a code. */
const char *wr_code_text(enum wr_code code);
/* Process exit status documented for a code (see README "Exit codes"). */
int wr_code_exit(enum wr_code code);
/* Record an error: sets err->code and a printf-style message. Returns -1 for `return wr_fail(...)`.
 * err may be NULL. */
int wr_fail(struct wr_error *err, enum wr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clear an error to WR_OK. */
void wr_error_clear(struct wr_error *err);

/* ---- time: int64 milliseconds since the Unix epoch, always UTC ---- */

#define WR_TIME_NONE INT64_MIN

/* Wall clock now in ms. Honours WARROOM_NOW (ISO 8601) so tests and the demo can pin "now". */
int64_t wr_now_ms(void);
/* Monotonic clock in ms, for timers and durations. */
int64_t wr_mono_ms(void);
/* Write a new random 128-bit id as 32 lowercase hex digits into buf (n >= 33). Unique across
 * hosts and processes (seeded from getrandom per process, reseeded after fork); no syscall per
 * call, so bulk imports pay nothing for it. */
void wr_uid_new(char *buf, size_t n);
/* Make wr_now_ms() a virtual clock: it reads `start_ms` now and advances `speed` times faster
 * than real time (the demo replays 09:00-10:00 quickly). speed <= 0 restores the wall clock. */
void wr_clock_set_virtual(int64_t start_ms, double speed);
/* Real (monotonic) milliseconds until wr_now_ms() reaches `at_ms`, for timers that wake the UI
 * when a clock it shows changes: 0 when already past, scaled by a virtual clock's speed, and -1
 * when the clock is pinned by WARROOM_NOW (it never gets there). */
int64_t wr_clock_wait_ms(int64_t at_ms);
/* How fast wr_now_ms() runs against real time: 1 (the wall clock), a virtual clock's speed, or
 * 0 when WARROOM_NOW pins it. */
double wr_clock_speed(void);

/*
 * Parse a user time relative to `now_ms`. Accepted forms:
 *   ISO 8601 with Z or offset: 2026-11-21T09:15Z, 2026-11-21T09:15:30.250+02:00
 *   ISO 8601 date-time without zone: local time (2026-11-21T09:15 or "2026-11-21 09:15")
 *   HH:MM[:SS]: local time today; if that is more than 1 minute in the future, yesterday
 *   relative: -15m, -2h, -90s, -1h30m, -1d (before now)
 *   now
 * Returns 0, or -1 with err filled (WR_E_INPUT) naming the text and the accepted forms.
 */
int wr_time_parse(const char *text, int64_t now_ms, int64_t *out, struct wr_error *err);
/* The exact form wr_time_iso writes (2026-11-21T09:15:00.000Z, `len` bytes at s, no NUL
 * needed): *out the same as wr_time_parse gives, without its general parsing, for importing
 * 100,000 entries. -1 (nothing set) for anything else, even a time wr_time_parse accepts. */
int wr_time_parse_iso_utc(const char *s, size_t len, int64_t *out);
/* Format as 2026-11-21T09:15:00.000Z. buf needs 32 bytes. Returns buf. */
char *wr_time_iso(int64_t ms, char *buf, size_t n);
/* Days since 1970-01-01 of a proleptic Gregorian date; day 0 is the month's previous day. */
int64_t wr_days_from_civil(int y, int m, int d);
/* Format with strftime in UTC (utc=true) or local time (the thread's zone: tz_use). Returns
 * buf. */
char *wr_time_fmt(int64_t ms, bool utc, const char *fmt, char *buf, size_t n);
/* "2026-11-21 09:15:00" in UTC, the same as wr_time_fmt(ms, true, "%Y-%m-%d %H:%M:%S") but
 * without gmtime or strftime, for reports of 100,000 rows. buf has room for 32 bytes; returns
 * the length written (19 for years 1000 to 9999). */
size_t wr_time_utc_seconds(int64_t ms, char *buf);
/* What the local zone does in one 15-minute slice of time, so a report shows local times for
 * 100,000 rows without a localtime call each: zero one per report; it holds no zone names,
 * so a zone switched (tz_use) during the report needs a fresh one. */
struct wr_zone_cache {
    int64_t slice;   /* floor(seconds / 900) */
    int64_t base;    /* local seconds of the day at the slice's start */
    bool valid;      /* slice and base describe the current slice */
    bool steady;     /* no offset change or leap second inside the slice */
};
/* "09:15:00" in local time, the same as wr_time_fmt(ms, false, "%H:%M:%S"). buf has room for
 * 32 bytes; returns the length written. */
size_t wr_time_local_hms(int64_t ms, struct wr_zone_cache *zc, char *buf);
/* Format a duration like "1h 05m", "12m 30s", "45s", "2d 3h". Negative gets a leading '-'. */
char *wr_duration_fmt(int64_t ms, char *buf, size_t n);
/* How much longer (ms, >= 1) until wr_duration_fmt's text for a growing duration `ms` changes:
 * to the next second, minute or hour, whichever unit the text shows last. */
int64_t wr_duration_next_change(int64_t ms);

/* ---- text ---- */

#define WR_TEXT_MAX (64 * 1024) /* largest timeline text accepted, in bytes */

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool wr_utf8_valid(const char *s, size_t len);
/*
 * Copy text made safe for a terminal: every C0/C1 control character and DEL (so every escape
 * sequence) becomes a visible U+FFFD-free stand-in ("^[" style caret form for C0, "\u0085" for
 * C1); tabs become one space; newlines become " / " when `one_line`, otherwise kept.
 * Invalid UTF-8 bytes become '?'. Returns a malloc'd string the caller frees (NULL on OOM).
 */
char *wr_text_sanitize(const char *s, bool one_line);
/* Strip leading and trailing ASCII white space in place; returns s. */
char *wr_trim(char *s);
/* strdup that accepts NULL (returns NULL). */
char *wr_strdup(const char *s);
/* Case-insensitive ASCII equality. */
bool wr_streq_ci(const char *a, const char *b);

/* A growable byte buffer; always NUL-terminated once anything was appended. */
struct wr_buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
};
void wr_buf_append(struct wr_buf *b, const char *s, size_t len);
/* Make room for `extra` more bytes and the NUL after them, for a caller that writes into
 * data + len itself (then moves len and terminates). False, with oom set, when out of memory. */
bool wr_buf_reserve(struct wr_buf *b, size_t extra);
void wr_buf_puts(struct wr_buf *b, const char *s);
void wr_buf_printf(struct wr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (who frees it) and reset the buffer. */
char *wr_buf_steal(struct wr_buf *b);
void wr_buf_free(struct wr_buf *b);

/* Read a whole file into a malloc'd NUL-terminated string; len may be NULL. */
char *wr_read_file(const char *path, size_t *len, struct wr_error *err);
/* mkdir -p with the given mode for each created directory. */
int wr_mkdirs(const char *path, unsigned mode, struct wr_error *err);

#endif
