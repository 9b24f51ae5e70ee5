/* util.c: error codes, clocks, time parsing/formatting, UTF-8 and text helpers. */
#include "util.h"

#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct {
    const char *text;
    int exit_code;
} code_table[] = {
#define WR_X_TABLE(name, exit_code, text) {text, exit_code},
    WR_ERROR_LIST(WR_X_TABLE)
#undef WR_X_TABLE
};

const char *wr_code_text(enum wr_code code)
{
    if ((unsigned)code >= WR_CODE_COUNT)
        return "unknown error";
    return code_table[code].text;
}

int wr_code_exit(enum wr_code code)
{
    if ((unsigned)code >= WR_CODE_COUNT)
        return 1;
    return code_table[code].exit_code;
}

int wr_fail(struct wr_error *err, enum wr_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void wr_error_clear(struct wr_error *err)
{
    if (!err)
        return;
    err->code = WR_OK;
    err->msg[0] = '\0';
}

/* ---- clocks ---- */

static struct {
    bool on;
    int64_t start_ms;
    int64_t mono0;
    double speed;
} virtual_clock;

int64_t wr_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wr_clock_set_virtual(int64_t start_ms, double speed)
{
    virtual_clock.on = speed > 0;
    virtual_clock.start_ms = start_ms;
    virtual_clock.mono0 = wr_mono_ms();
    virtual_clock.speed = speed;
}

static bool clock_pinned(void)
{
    const char *pinned = getenv("WARROOM_NOW");
    int64_t t;
    return pinned && *pinned && wr_time_parse(pinned, 0, &t, NULL) == 0;
}

double wr_clock_speed(void)
{
    if (virtual_clock.on)
        return virtual_clock.speed;
    return clock_pinned() ? 0.0 : 1.0;
}

int64_t wr_clock_wait_ms(int64_t at_ms)
{
    if (wr_clock_speed() == 0.0)
        return -1;
    int64_t ahead = at_ms - wr_now_ms();
    if (ahead <= 0)
        return 0;
    if (virtual_clock.on)
        return (int64_t)((double)ahead / virtual_clock.speed) + 1; /* round up: never early */
    return ahead;
}

int64_t wr_now_ms(void)
{
    if (virtual_clock.on)
        return virtual_clock.start_ms +
               (int64_t)((double)(wr_mono_ms() - virtual_clock.mono0) * virtual_clock.speed);
    const char *pinned = getenv("WARROOM_NOW");
    if (pinned && *pinned) {
        int64_t t;
        /* Parsing an absolute ISO time never consults "now", so 0 is a safe base. */
        if (wr_time_parse(pinned, 0, &t, NULL) == 0)
            return t;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- time parsing ---- */

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

int64_t wr_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Read exactly n digits. */
static bool read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Local wall-clock fields (the thread's zone, tz_use) to UTC ms. */
static int64_t local_to_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
    return tz_mktime(y, mo, d, h, mi, s) * 1000 + ms;
}

/* Parse "HH:MM[:SS[.mmm]]" at *p. */
static bool parse_clock(const char **p, int *h, int *mi, int *s, int *ms)
{
    *s = 0;
    *ms = 0;
    if (!read_digits(p, 2, h) || **p != ':')
        return false;
    (*p)++;
    if (!read_digits(p, 2, mi))
        return false;
    if (**p == ':') {
        (*p)++;
        if (!read_digits(p, 2, s))
            return false;
        if (**p == '.' || **p == ',') {
            (*p)++;
            int digits = 0, frac = 0;
            while (isdigit((unsigned char)**p)) {
                if (digits < 3) {
                    frac = frac * 10 + (**p - '0');
                    digits++;
                }
                (*p)++;
            }
            if (digits == 0)
                return false;
            while (digits++ < 3)
                frac *= 10;
            *ms = frac;
        }
    }
    return *h <= 23 && *mi <= 59 && *s <= 59;
}

static int time_error(struct wr_error *err, const char *text, const char *why)
{
    return wr_fail(err, WR_E_INPUT,
                   "cannot read time '%s'%s%s; use 2026-11-21T09:15Z, HH:MM (local, today) or "
                   "-15m / -2h (relative)",
                   text, why ? ": " : "", why ? why : "");
}

static int parse_relative(const char *text, int64_t now_ms, int64_t *out, struct wr_error *err)
{
    const char *p = text + 1;
    int64_t total = 0;
    bool any = false;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return time_error(err, text, "expected a number followed by d, h, m or s");
        int64_t n = 0;
        while (isdigit((unsigned char)*p)) {
            n = n * 10 + (*p - '0');
            if (n > 100000000)
                return time_error(err, text, "too far back");
            p++;
        }
        int64_t unit;
        switch (*p) {
        case 'd': unit = 86400000; break;
        case 'h': unit = 3600000; break;
        case 'm': unit = 60000; break;
        case 's': unit = 1000; break;
        default: return time_error(err, text, "a number needs a unit: d, h, m or s");
        }
        p++;
        total += n * unit;
        if (total > (int64_t)3650 * 86400000)
            return time_error(err, text, "too far back");
        any = true;
    }
    if (!any)
        return time_error(err, text, "nothing after '-'");
    *out = now_ms - total;
    return 0;
}

int wr_time_parse_iso_utc(const char *s, size_t len, int64_t *out)
{
    /* Straight-line over the fixed shape "dddd-dd-ddTdd:dd:dd.dddZ": an import reads three of
     * these per entry. Each digit is checked by its distance from '0'; `bad` collects them. */
    if (len != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != '.' || s[23] != 'Z')
        return -1;
#define DIGIT(i) ((unsigned)((unsigned char)s[i] - '0'))
    unsigned bad = (DIGIT(0) > 9) | (DIGIT(1) > 9) | (DIGIT(2) > 9) | (DIGIT(3) > 9) |
                   (DIGIT(5) > 9) | (DIGIT(6) > 9) | (DIGIT(8) > 9) | (DIGIT(9) > 9) |
                   (DIGIT(11) > 9) | (DIGIT(12) > 9) | (DIGIT(14) > 9) | (DIGIT(15) > 9) |
                   (DIGIT(17) > 9) | (DIGIT(18) > 9) | (DIGIT(20) > 9) | (DIGIT(21) > 9) |
                   (DIGIT(22) > 9);
    if (bad)
        return -1;
    int64_t y = DIGIT(0) * 1000 + DIGIT(1) * 100 + DIGIT(2) * 10 + DIGIT(3);
    int64_t mo = DIGIT(5) * 10 + DIGIT(6), d = DIGIT(8) * 10 + DIGIT(9);
    int64_t h = DIGIT(11) * 10 + DIGIT(12), mi = DIGIT(14) * 10 + DIGIT(15);
    int64_t sec = DIGIT(17) * 10 + DIGIT(18), ms = DIGIT(20) * 100 + DIGIT(21) * 10 + DIGIT(22);
#undef DIGIT
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month((int)y, (int)mo) || h > 23 || mi > 59 ||
        sec > 59)
        return -1; /* wr_time_parse decides what such a text means */
    /* Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years). */
    int64_t yy = mo <= 2 ? y - 1 : y, era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400, mp = mo > 2 ? mo - 3 : mo + 9;
    int64_t doy = (153 * mp + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *out = ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
    return 0;
}

int wr_time_parse(const char *text, int64_t now_ms, int64_t *out, struct wr_error *err)
{
    if (!text || !*text)
        return time_error(err, "", "empty");
    if (strcmp(text, "now") == 0) {
        *out = now_ms;
        return 0;
    }
    if (text[0] == '-')
        return parse_relative(text, now_ms, out, err);

    const char *p = text;
    int h, mi, s, ms;
    size_t len = strlen(text);
    if (len >= 5 && text[2] == ':') {
        /* HH:MM[:SS]: local time today, or yesterday when today's would lie ahead. */
        if (!parse_clock(&p, &h, &mi, &s, &ms) || *p)
            return time_error(err, text, "not a valid time of day");
        struct tm lt;
        tz_localtime(now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000, &lt);
        int64_t t = local_to_ms(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday, h, mi, s, ms);
        if (t > now_ms + 60000)
            t = local_to_ms(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday - 1, h, mi, s, ms);
        *out = t;
        return 0;
    }

    int y, mo, d;
    if (!read_digits(&p, 4, &y) || *p++ != '-' || !read_digits(&p, 2, &mo) || *p++ != '-' ||
        !read_digits(&p, 2, &d))
        return time_error(err, text, NULL);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return time_error(err, text, "no such date");
    if (*p != 'T' && *p != 't' && *p != ' ')
        return time_error(err, text, "a date needs a time: add T09:15");
    p++;
    if (!parse_clock(&p, &h, &mi, &s, &ms))
        return time_error(err, text, "not a valid time of day");
    if (*p == '\0') {
        *out = local_to_ms(y, mo, d, h, mi, s, ms);
        return 0;
    }
    int offset_min = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        offset_min = 0;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (!read_digits(&p, 2, &oh))
            return time_error(err, text, "bad UTC offset");
        if (*p == ':')
            p++;
        if (*p && !read_digits(&p, 2, &om))
            return time_error(err, text, "bad UTC offset");
        if (*p || oh > 23 || om > 59)
            return time_error(err, text, "bad UTC offset");
        offset_min = sign * (oh * 60 + om);
    } else {
        return time_error(err, text, "unexpected text after the time");
    }
    int64_t days = wr_days_from_civil(y, mo, d);
    *out = ((days * 24 + h) * 60 + mi - offset_min) * 60000 + (int64_t)s * 1000 + ms;
    return 0;
}

char *wr_time_iso(int64_t ms, char *buf, size_t n)
{
    int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int msec = (int)(ms - sec * 1000);
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
    return buf;
}

size_t wr_time_utc_seconds(int64_t ms, char *buf)
{
    int64_t t = ms >= 0 ? ms / 1000 : (ms - 999) / 1000; /* floor, like wr_time_fmt */
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, sec = t - days * 86400;
    /* Civil date from days since 1970-01-01 (proleptic Gregorian, eras of 400 years). */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y < 1000 || y > 9999) { /* strftime does not pad these to four digits */
        wr_time_fmt(ms, true, "%Y-%m-%d %H:%M:%S", buf, 32);
        return strlen(buf);
    }
    const int64_t v[6] = {y, m, d, sec / 3600, sec / 60 % 60, sec % 60};
    char *p = buf;
    *p++ = (char)('0' + v[0] / 1000);
    *p++ = (char)('0' + v[0] / 100 % 10);
    *p++ = (char)('0' + v[0] / 10 % 10);
    *p++ = (char)('0' + v[0] % 10);
    for (int i = 1; i < 6; i++) {
        *p++ = i == 1 || i == 2 ? '-' : i == 3 ? ' ' : ':';
        *p++ = (char)('0' + v[i] / 10);
        *p++ = (char)('0' + v[i] % 10);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

/* Local seconds of the day at Unix time t. */
static int64_t local_second_of_day(int64_t t)
{
    struct tm tm;
    if (!tz_localtime(t, &tm))
        return 0;
    return tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

size_t wr_time_local_hms(int64_t ms, struct wr_zone_cache *zc, char *buf)
{
    int64_t t = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t slice = t >= 0 ? t / 900 : (t - 899) / 900;
    if (!zc->valid || zc->slice != slice) {
        /* Zone offsets move in whole quarter hours at the earliest: a slice whose end is its
         * start plus 899 s has one offset throughout (no DST change, no leap second). */
        zc->slice = slice;
        zc->base = local_second_of_day(slice * 900);
        zc->steady = local_second_of_day(slice * 900 + 899) == (zc->base + 899) % 86400;
        zc->valid = true;
    }
    if (!zc->steady) {
        wr_time_fmt(ms, false, "%H:%M:%S", buf, 32);
        return strlen(buf);
    }
    int64_t sod = (zc->base + (t - slice * 900)) % 86400;
    const int64_t v[3] = {sod / 3600, sod / 60 % 60, sod % 60};
    char *p = buf;
    for (int i = 0; i < 3; i++) {
        if (i)
            *p++ = ':';
        *p++ = (char)('0' + v[i] / 10);
        *p++ = (char)('0' + v[i] % 10);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

char *wr_time_fmt(int64_t ms, bool utc, const char *fmt, char *buf, size_t n)
{
    int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    time_t t = (time_t)sec;
    struct tm tm;
    if (!(utc ? gmtime_r(&t, &tm) : tz_localtime(sec, &tm))) {
        if (n)
            buf[0] = '\0';
        return buf;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    if (n && strftime(buf, n, fmt, &tm) == 0)
        buf[0] = '\0';
#pragma GCC diagnostic pop
    return buf;
}

int64_t wr_duration_next_change(int64_t ms)
{
    /* The units mirror wr_duration_fmt: seconds under an hour, minutes under a day, then hours. */
    if (ms < 0) /* "-2s" until -1999 ms (seconds are cut toward zero), "-0s" until 0 */
        return ms > -1000 ? -ms : (-ms) % 1000 + 1;
    int64_t unit = ms < 3600000 ? 1000 : ms < 86400000 ? 60000 : 3600000;
    return unit - ms % unit;
}

char *wr_duration_fmt(int64_t ms, char *buf, size_t n)
{
    const char *sign = ms < 0 ? "-" : "";
    uint64_t s = (uint64_t)(ms < 0 ? -(ms / 1000) : ms / 1000);
    uint64_t d = s / 86400, h = (s / 3600) % 24, m = (s / 60) % 60, sec = s % 60;
    if (d)
        snprintf(buf, n, "%s%llud %lluh", sign, (unsigned long long)d, (unsigned long long)h);
    else if (h)
        snprintf(buf, n, "%s%lluh %02llum", sign, (unsigned long long)h, (unsigned long long)m);
    else if (m)
        snprintf(buf, n, "%s%llum %02llus", sign, (unsigned long long)m, (unsigned long long)sec);
    else
        snprintf(buf, n, "%s%llus", sign, (unsigned long long)sec);
    return buf;
}

/* ---- UTF-8 and text ---- */

/* Decode one UTF-8 sequence at s (len bytes left). Returns its length, or 0 when malformed. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    if (len == 0)
        return 0;
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

bool wr_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) { /* ASCII, most of any text: no decoding */
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

char *wr_text_sanitize(const char *s, bool one_line)
{
    struct wr_buf b = {0};
    if (!s)
        s = "";
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    wr_buf_append(&b, "", 0);
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            wr_buf_append(&b, "?", 1);
            i++;
            continue;
        }
        if (cp == '\n') {
            if (one_line)
                wr_buf_puts(&b, " / ");
            else
                wr_buf_append(&b, "\n", 1);
        } else if (cp == '\t') {
            wr_buf_append(&b, " ", 1);
        } else if (cp < 0x20 || cp == 0x7F) {
            char caret[3] = {'^', (char)(cp == 0x7F ? '?' : cp + 0x40), '\0'};
            wr_buf_puts(&b, caret);
        } else if (cp >= 0x80 && cp < 0xA0) {
            wr_buf_printf(&b, "\\u%04X", (unsigned)cp);
        } else if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
                   (cp >= 0x2066 && cp <= 0x2069)) {
            /* Line separators and bidi overrides can reorder or hide what follows. */
            wr_buf_printf(&b, "\\u%04X", (unsigned)cp);
        } else {
            wr_buf_append(&b, (const char *)p + i, n);
        }
        i += n;
    }
    if (b.oom) {
        wr_buf_free(&b);
        return NULL;
    }
    return wr_buf_steal(&b);
}

char *wr_trim(char *s)
{
    if (!s)
        return s;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    size_t start = 0;
    while (s[start] && isspace((unsigned char)s[start]))
        start++;
    if (start)
        memmove(s, s + start, len - start + 1);
    return s;
}

char *wr_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool wr_streq_ci(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    while (*a && *b) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a++, b++;
    }
    return *a == *b;
}

/* ---- buffers and files ---- */

bool wr_buf_reserve(struct wr_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + extra + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->oom = true;
            return false;
        }
        b->data = p;
        b->cap = cap;
    }
    return true;
}

void wr_buf_append(struct wr_buf *b, const char *s, size_t len)
{
    if (!wr_buf_reserve(b, len))
        return;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void wr_buf_puts(struct wr_buf *b, const char *s)
{
    wr_buf_append(b, s, strlen(s));
}

void wr_buf_printf(struct wr_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        wr_buf_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    wr_buf_append(b, big, (size_t)n);
    free(big);
}

char *wr_buf_steal(struct wr_buf *b)
{
    char *d = b->data;
    if (!d)
        d = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
    return d;
}

void wr_buf_free(struct wr_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

char *wr_read_file(const char *path, size_t *len, struct wr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        wr_fail(err, WR_E_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct wr_buf b = {0};
    char chunk[65536];
    size_t n;
    wr_buf_append(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        wr_buf_append(&b, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad || b.oom) {
        wr_buf_free(&b);
        wr_fail(err, bad ? WR_E_IO : WR_E_NOMEM, "cannot read %s", path);
        return NULL;
    }
    if (len)
        *len = b.len;
    return wr_buf_steal(&b);
}

int wr_mkdirs(const char *path, unsigned mode, struct wr_error *err)
{
    char tmp[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof tmp)
        return wr_fail(err, WR_E_IO, "directory path is empty or too long");
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
            return wr_fail(err, WR_E_IO, "cannot create directory %s: %s; check the path and its "
                           "permissions", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
        return wr_fail(err, WR_E_IO, "cannot create directory %s: %s; check the path and its "
                           "permissions", tmp, strerror(errno));
    return 0;
}

/* xoshiro256** over a per-process seed from getrandom; reseeded when the pid changes. */
void wr_uid_new(char *buf, size_t n)
{
    static uint64_t state[4];
    static pid_t seeded_pid;
    pid_t pid = getpid();
    if (seeded_pid != pid) {
        if (getrandom(state, sizeof state, 0) != (ssize_t)sizeof state) {
            uint64_t x = (uint64_t)wr_mono_ms() ^ ((uint64_t)pid << 32) ^ (uint64_t)time(NULL);
            for (int i = 0; i < 4; i++) {
                x += 0x9e3779b97f4a7c15ULL;
                uint64_t z = x;
                z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
                z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
                state[i] = z ^ (z >> 31);
            }
        }
        seeded_pid = pid;
    }
    uint64_t out[2];
    for (int k = 0; k < 2; k++) {
        uint64_t r = state[1] * 5;
        out[k] = ((r << 7) | (r >> 57)) * 9;
        uint64_t t = state[1] << 17;
        state[2] ^= state[0];
        state[3] ^= state[1];
        state[1] ^= state[2];
        state[0] ^= state[3];
        state[2] ^= t;
        state[3] = (state[3] << 45) | (state[3] >> 19);
    }
    snprintf(buf, n, "%016llx%016llx", (unsigned long long)out[0], (unsigned long long)out[1]);
}
