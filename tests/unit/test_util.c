/* test_util.c: specification tests for util.h: time parsing/formatting, UTF-8 and text helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include "util.h"

/* Fixed "now": 2026-11-21T10:05:00.000Z (CTest runs with TZ=UTC; main() makes sure). */
#define NOW ((int64_t)1795255500000)
#define SEC ((int64_t)1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-11-21T00:00:00Z */
#define TODAY (NOW - 10 * HOUR - 5 * MIN)

static void use_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* wr_time_parse(text, NOW) must succeed and give `want`. */
#define EXPECT_TIME(text, want) expect_time(__LINE__, (text), NOW, (want))
/* wr_time_parse(text, NOW) must be refused with WR_E_INPUT and a message naming the text. */
#define EXPECT_BAD_TIME(text) expect_bad_time(__LINE__, (text))

static void expect_time(int line, const char *text, int64_t now, int64_t want)
{
    struct wr_error err;
    wr_error_clear(&err);
    int64_t got = 0;
    int rc = wr_time_parse(text, now, &got, &err);
    if (rc != 0 || got != want) {
        char a[32], b[32];
        print_error("line %d: '%s' gave rc=%d %s (want %s) %s\n", line, text, rc,
                    wr_time_iso(got, a, sizeof a), wr_time_iso(want, b, sizeof b), err.msg);
    }
    assert_int_equal(rc, 0);
    assert_true(got == want);
}

static void expect_bad_time(int line, const char *text)
{
    struct wr_error err;
    wr_error_clear(&err);
    int64_t got = 0;
    int rc = wr_time_parse(text, NOW, &got, &err);
    if (rc == 0) {
        char a[32];
        print_error("line %d: '%s' accepted as %s\n", line, text, wr_time_iso(got, a, sizeof a));
    }
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, WR_E_INPUT);
    /* The message names the text and shows an accepted form. */
    if (!strstr(err.msg, text) || !strstr(err.msg, "-15m"))
        print_error("line %d: message for '%s' is '%s'\n", line, text, err.msg);
    assert_non_null(strstr(err.msg, text));
    assert_non_null(strstr(err.msg, "-15m"));
}

/* ---- wr_time_parse ---- */

static void test_time_iso_with_zone(void **state)
{
    (void)state;
    EXPECT_TIME("2026-11-21T09:15Z", TODAY + 9 * HOUR + 15 * MIN);
    EXPECT_TIME("2026-11-21T09:15:30Z", TODAY + 9 * HOUR + 15 * MIN + 30 * SEC);
    EXPECT_TIME("2026-11-21T09:15:30.250Z", TODAY + 9 * HOUR + 15 * MIN + 30 * SEC + 250);
    EXPECT_TIME("2026-11-21T09:15:30.250+02:00", TODAY + 7 * HOUR + 15 * MIN + 30 * SEC + 250);
    EXPECT_TIME("2026-11-21T09:15-05:30", TODAY + 14 * HOUR + 45 * MIN);
    EXPECT_TIME("2026-11-21T00:30+01:00", TODAY - 30 * MIN);
    EXPECT_TIME("1970-01-01T00:00Z", 0);
    EXPECT_TIME("2028-02-29T12:00Z", (int64_t)1835438400000);
    EXPECT_TIME("2000-02-29T00:00Z", (int64_t)951782400000);
    EXPECT_TIME("2026-12-31T23:59:59.999Z", (int64_t)1798761599999);
    /* A zone-qualified time does not depend on the local zone. */
    use_tz("EST5");
    EXPECT_TIME("2026-11-21T09:15Z", TODAY + 9 * HOUR + 15 * MIN);
    use_tz("UTC");
}

static void test_time_iso_local(void **state)
{
    (void)state;
    EXPECT_TIME("2026-11-21T09:15", TODAY + 9 * HOUR + 15 * MIN);
    EXPECT_TIME("2026-11-21 09:15", TODAY + 9 * HOUR + 15 * MIN);
    EXPECT_TIME("2026-11-21T09:15:30", TODAY + 9 * HOUR + 15 * MIN + 30 * SEC);
    /* Without a zone the time is local: in EST (UTC-5) 09:15 is 14:15Z. */
    use_tz("EST5");
    EXPECT_TIME("2026-11-21T09:15", TODAY + 14 * HOUR + 15 * MIN);
    EXPECT_TIME("2026-11-21 09:15", TODAY + 14 * HOUR + 15 * MIN);
    use_tz("UTC");
}

static void test_time_clock(void **state)
{
    (void)state;
    EXPECT_TIME("09:15", TODAY + 9 * HOUR + 15 * MIN);
    EXPECT_TIME("09:15:30", TODAY + 9 * HOUR + 15 * MIN + 30 * SEC);
    EXPECT_TIME("00:00", TODAY);
    EXPECT_TIME("10:05", NOW);
    /* Up to one minute ahead is still today... */
    EXPECT_TIME("10:06", NOW + MIN);
    /* ...more than that is yesterday. */
    EXPECT_TIME("10:07", NOW + 2 * MIN - DAY);
    EXPECT_TIME("23:59", TODAY - MIN);
    /* Local: at 10:05Z it is 05:05 in EST; 09:15 EST is ahead, so yesterday 09:15 EST. */
    use_tz("EST5");
    EXPECT_TIME("05:00", TODAY + 10 * HOUR);
    EXPECT_TIME("09:15", TODAY + 14 * HOUR + 15 * MIN - DAY);
    use_tz("UTC");
}

static void test_time_relative(void **state)
{
    (void)state;
    EXPECT_TIME("-15m", NOW - 15 * MIN);
    EXPECT_TIME("-2h", NOW - 2 * HOUR);
    EXPECT_TIME("-90s", NOW - 90 * SEC);
    EXPECT_TIME("-1h30m", NOW - 90 * MIN);
    EXPECT_TIME("-1d", NOW - DAY);
    EXPECT_TIME("-1d2h3m4s", NOW - DAY - 2 * HOUR - 3 * MIN - 4 * SEC);
    /* Decided: "-0m" is zero before now, i.e. now. Harmless, and what the form says. */
    EXPECT_TIME("-0m", NOW);
    EXPECT_TIME("now", NOW);
}

static void test_time_malformed(void **state)
{
    (void)state;
    /* Impossible dates and times. */
    EXPECT_BAD_TIME("2026-02-30T10:00Z");
    EXPECT_BAD_TIME("2026-02-29T10:00Z"); /* 2026 is not a leap year */
    EXPECT_BAD_TIME("1900-02-29T10:00Z"); /* nor is 1900 */
    EXPECT_BAD_TIME("2026-04-31T10:00Z");
    EXPECT_BAD_TIME("2026-13-01T10:00Z");
    EXPECT_BAD_TIME("2026-00-10T10:00Z");
    EXPECT_BAD_TIME("2026-11-00T10:00Z");
    EXPECT_BAD_TIME("2026-11-21T25:00Z");
    EXPECT_BAD_TIME("2026-11-21T10:60Z");
    EXPECT_BAD_TIME("2026-11-21T10:00:60Z");
    EXPECT_BAD_TIME("25:00");
    EXPECT_BAD_TIME("24:00");
    EXPECT_BAD_TIME("10:60");
    EXPECT_BAD_TIME("10:15:75");
    /* Malformed shapes. */
    EXPECT_BAD_TIME("9:15");
    EXPECT_BAD_TIME("09:5");
    EXPECT_BAD_TIME("0915");
    EXPECT_BAD_TIME("09:15pm");
    EXPECT_BAD_TIME("2026-11-21");
    EXPECT_BAD_TIME("2026-11-21T");
    EXPECT_BAD_TIME("2026-11-21T09");
    EXPECT_BAD_TIME("2026-11-21T09:15Zjunk");
    EXPECT_BAD_TIME("2026-11-21T09:15 Z");
    EXPECT_BAD_TIME("2026-11-21T09:15+25:00");
    EXPECT_BAD_TIME("2026-11-21T09:15+02:75");
    EXPECT_BAD_TIME("2026-11-21T09:15+");
    EXPECT_BAD_TIME("26-11-21T09:15Z");
    EXPECT_BAD_TIME("2026/11/21 09:15");
    EXPECT_BAD_TIME("2026-11-21T09:15:30.Z");
    /* Relative forms need a minus, a number and a unit each time. */
    EXPECT_BAD_TIME("-");
    EXPECT_BAD_TIME("-15");
    EXPECT_BAD_TIME("-m");
    EXPECT_BAD_TIME("-15x");
    EXPECT_BAD_TIME("-1h30");
    EXPECT_BAD_TIME("- 15m");
    EXPECT_BAD_TIME("15m");
    EXPECT_BAD_TIME("+15m");
    EXPECT_BAD_TIME("-99999999999999999999d");
    /* Words. */
    EXPECT_BAD_TIME("tomorrow");
    EXPECT_BAD_TIME("yesterday 09:15");
    EXPECT_BAD_TIME("nowish");

    struct wr_error err;
    int64_t got;
    assert_int_equal(wr_time_parse("", NOW, &got, &err), -1);
    assert_int_equal(err.code, WR_E_INPUT);
    assert_int_equal(wr_time_parse(NULL, NOW, &got, &err), -1);
    /* err may be NULL (wr_fail accepts it). */
    assert_int_equal(wr_time_parse("25:00", NOW, &got, NULL), -1);
}

static void test_now_pinned_by_env(void **state)
{
    (void)state;
    setenv("WARROOM_NOW", "2026-11-21T10:05:00Z", 1);
    assert_true(wr_now_ms() == NOW);
    setenv("WARROOM_NOW", "2026-11-21T10:05:00.250+01:00", 1);
    assert_true(wr_now_ms() == NOW - HOUR + 250);
    unsetenv("WARROOM_NOW");
    /* The virtual clock starts where it is told (and only moves forward). */
    wr_clock_set_virtual(NOW, 60.0);
    int64_t v = wr_now_ms();
    assert_true(v >= NOW && v < NOW + DAY);
    wr_clock_set_virtual(0, 0);
    assert_true(wr_now_ms() > (int64_t)1600000000000);
}

/* ---- formatting ---- */

static void test_time_iso_format(void **state)
{
    (void)state;
    char buf[32];
    assert_ptr_equal(wr_time_iso(0, buf, sizeof buf), buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    assert_string_equal(wr_time_iso(NOW, buf, sizeof buf), "2026-11-21T10:05:00.000Z");
    assert_string_equal(wr_time_iso(NOW + 250, buf, sizeof buf), "2026-11-21T10:05:00.250Z");
    assert_string_equal(wr_time_iso(NOW + 59 * SEC + 999, buf, sizeof buf),
                        "2026-11-21T10:05:59.999Z");
    assert_string_equal(wr_time_iso(-1, buf, sizeof buf), "1969-12-31T23:59:59.999Z");
    assert_string_equal(wr_time_iso(-1000, buf, sizeof buf), "1969-12-31T23:59:59.000Z");
    /* Always UTC, whatever the local zone. */
    use_tz("EST5");
    assert_string_equal(wr_time_iso(NOW, buf, sizeof buf), "2026-11-21T10:05:00.000Z");
    use_tz("UTC");
    /* What it writes, wr_time_parse reads back exactly. */
    const int64_t samples[] = {0, NOW, NOW + 1, NOW + 999, (int64_t)1798761599999, TODAY};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        int64_t back = 0;
        assert_int_equal(wr_time_parse(wr_time_iso(samples[i], buf, sizeof buf), NOW, &back, NULL),
                         0);
        assert_true(back == samples[i]);
    }
}

static void test_time_fmt(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(wr_time_fmt(NOW, true, "%Y-%m-%d %H:%M:%S", buf, sizeof buf),
                        "2026-11-21 10:05:00");
    use_tz("EST5");
    assert_string_equal(wr_time_fmt(NOW, false, "%H:%M", buf, sizeof buf), "05:05");
    assert_string_equal(wr_time_fmt(NOW, true, "%H:%M", buf, sizeof buf), "10:05");
    use_tz("UTC");
}

/* The text of a growing duration stays the same until exactly wr_duration_next_change later. */
static void test_duration_next_change(void **state)
{
    (void)state;
    const int64_t samples[] = {0,          1,           999,          SEC,        45 * SEC + 1,
                               MIN - 1,    MIN,         12 * MIN + 30 * SEC + 250,
                               HOUR - 1,   HOUR,        HOUR + 5 * MIN + 17 * SEC,
                               DAY - 1,    DAY,         2 * DAY + 3 * HOUR + 59 * MIN,
                               -1,         -999,        -45 * SEC - 500, -(HOUR + 5 * MIN)};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        int64_t ms = samples[i], next = wr_duration_next_change(ms);
        char now[32], before[32], after[32];
        assert_true(next >= 1);
        wr_duration_fmt(ms, now, sizeof now);
        wr_duration_fmt(ms + next - 1, before, sizeof before);
        assert_string_equal(now, before);
        if (ms >= 0) { /* growing positive durations change exactly then */
            wr_duration_fmt(ms + next, after, sizeof after);
            assert_string_not_equal(now, after);
        }
    }
    assert_int_equal(wr_duration_next_change(12 * MIN + 30 * SEC + 250), 750);
    assert_int_equal(wr_duration_next_change(HOUR + 5 * MIN + 17 * SEC), 43 * SEC);
    assert_int_equal(wr_duration_next_change(2 * DAY + 3 * HOUR + 59 * MIN), MIN);
}

/* The report formatter agrees with strftime everywhere, leap days and negative times too. */
static void test_time_utc_seconds(void **state)
{
    (void)state;
    const int64_t fixed[] = {0, -1, -999, -1000, -1001, 86399999, 86400000, NOW, 951782400000LL,
                             951868799999LL, 4102444800000LL, -62135596800000LL,
                             253402300799999LL, 253402300800000LL, -62167219200001LL};
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200000 + (int)(sizeof fixed / sizeof fixed[0]); i++) {
        int64_t ms;
        if (i < (int)(sizeof fixed / sizeof fixed[0])) {
            ms = fixed[i];
        } else { /* xorshift over roughly years 1600 to 2400 */
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            ms = (int64_t)(x % 25246080000000ULL) - 11676096000000LL;
        }
        char want[64], got[64];
        wr_time_fmt(ms, true, "%Y-%m-%d %H:%M:%S", want, sizeof want);
        size_t n = wr_time_utc_seconds(ms, got);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
}

/* Local times through the zone cache agree with localtime/strftime, across DST changes, in
 * zones with odd offsets, and with a fresh cache per zone. */
static void test_time_local_hms(void **state)
{
    (void)state;
    const char *zones[] = {"America/Sao_Paulo", "Europe/Berlin", "Australia/Lord_Howe",
                           "Asia/Kathmandu", "America/St_Johns", "EST5", "UTC"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        use_tz(zones[z]);
        struct wr_zone_cache zc = {0};
        /* Every 7 minutes 13 seconds over two years, in order like a timeline... */
        for (int64_t ms = 1704067200000LL; ms < 1767225600000LL; ms += 433000) {
            char want[32], got[32];
            wr_time_fmt(ms, false, "%H:%M:%S", want, sizeof want);
            assert_int_equal(wr_time_local_hms(ms, &zc, got), strlen(want));
            assert_string_equal(got, want);
        }
        /* ...and jumping around, a second apart across a whole day of each month. */
        for (int64_t ms = 1735689600000LL - 86400000LL; ms < 1767225600000LL; ms += 86400000LL * 30)
            for (int64_t d = 0; d < 86400000; d += 1000 * 97) {
                char want[32], got[32];
                wr_time_fmt(ms + d, false, "%H:%M:%S", want, sizeof want);
                wr_time_local_hms(ms + d, &zc, got);
                assert_string_equal(got, want);
            }
    }
    use_tz("UTC");
}

/* The importer's shortcut for export times gives wr_time_parse's answer, or declines. */
static void test_time_parse_iso_utc(void **state)
{
    (void)state;
    uint64_t x = 0x2545F4914F6CDD1DULL;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t ms = (int64_t)(x % 253402300800000ULL) - (i % 2 ? 0 : 62135596800000LL / 2);
        char iso[40];
        wr_time_iso(ms, iso, sizeof iso);
        int64_t fast = 0, slow = 0;
        assert_int_equal(wr_time_parse(iso, 0, &slow, NULL), 0);
        if (strlen(iso) == 24) {
            assert_int_equal(wr_time_parse_iso_utc(iso, strlen(iso), &fast), 0);
            assert_int_equal(fast, slow);
        }
    }
    int64_t t;
    const char *no[] = {"2026-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z",
                        "2026-01-01T24:00:00.000Z", "2026-01-01T00:60:00.000Z",
                        "2026-01-01T00:00:60.000Z", "2026-01-01T00:00:00.000+00:00",
                        "2026-01-01 00:00:00.000Z", "2026-01-01T00:00:00Z", "2026-1-01T00:00:00.000Z"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_int_equal(wr_time_parse_iso_utc(no[i], strlen(no[i]), &t), -1);
    assert_int_equal(wr_time_parse_iso_utc("2024-02-29T23:59:59.999Z", 24, &t), 0);
    assert_int_equal(t, 1709251199999LL);
}

/* Timers that wait for the wall clock: real time, a virtual clock's speed, a pinned clock. */
static void test_clock_wait(void **state)
{
    (void)state;
    unsetenv("WARROOM_NOW");
    int64_t now = wr_now_ms();
    assert_int_equal(wr_clock_wait_ms(now - 5000), 0);
    int64_t w = wr_clock_wait_ms(now + 60000);
    assert_true(w > 59000 && w <= 60000);
    wr_clock_set_virtual(NOW, 60.0); /* an hour a minute */
    w = wr_clock_wait_ms(NOW + 60000);
    assert_true(w > 900 && w <= 1001);
    wr_clock_set_virtual(0, 0);
    setenv("WARROOM_NOW", "2026-11-21T10:05:00Z", 1);
    assert_int_equal(wr_clock_wait_ms(NOW + 60000), -1); /* a pinned clock never gets there */
    unsetenv("WARROOM_NOW");
}

static void test_duration_fmt(void **state)
{
    (void)state;
    char buf[32];
    assert_ptr_equal(wr_duration_fmt(HOUR + 5 * MIN, buf, sizeof buf), buf);
    assert_string_equal(buf, "1h 05m");
    assert_string_equal(wr_duration_fmt(12 * MIN + 30 * SEC, buf, sizeof buf), "12m 30s");
    assert_string_equal(wr_duration_fmt(45 * SEC, buf, sizeof buf), "45s");
    assert_string_equal(wr_duration_fmt(2 * DAY + 3 * HOUR, buf, sizeof buf), "2d 3h");
    assert_string_equal(wr_duration_fmt(2 * DAY + 3 * HOUR + 59 * MIN, buf, sizeof buf), "2d 3h");
    assert_string_equal(wr_duration_fmt(0, buf, sizeof buf), "0s");
    assert_string_equal(wr_duration_fmt(HOUR, buf, sizeof buf), "1h 00m");
    assert_string_equal(wr_duration_fmt(MIN, buf, sizeof buf), "1m 00s");
    assert_string_equal(wr_duration_fmt(23 * HOUR + 59 * MIN + 59 * SEC, buf, sizeof buf),
                        "23h 59m");
    assert_string_equal(wr_duration_fmt(DAY, buf, sizeof buf), "1d 0h");
    assert_string_equal(wr_duration_fmt(-(12 * MIN + 30 * SEC), buf, sizeof buf), "-12m 30s");
    assert_string_equal(wr_duration_fmt(-(HOUR + 5 * MIN), buf, sizeof buf), "-1h 05m");
    assert_string_equal(wr_duration_fmt(-45 * SEC, buf, sizeof buf), "-45s");
    /* A small buffer truncates, never overflows. */
    char tiny[4];
    wr_duration_fmt(2 * DAY + 3 * HOUR, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 3);
}

/* ---- UTF-8 ---- */

#define VALID(lit) assert_true(wr_utf8_valid((lit), sizeof(lit) - 1))
#define INVALID(lit) assert_false(wr_utf8_valid((lit), sizeof(lit) - 1))

static void test_utf8_valid(void **state)
{
    (void)state;
    VALID("");
    VALID("plain ascii");
    VALID("héllo 漢字 🚀");
    VALID("a\0b");             /* U+0000 is well-formed when the length says so */
    VALID("\x7f");             /* DEL is ASCII */
    VALID("\xc2\x80");         /* U+0080, smallest 2-byte */
    VALID("\xdf\xbf");         /* U+07FF */
    VALID("\xe0\xa0\x80");     /* U+0800, smallest 3-byte */
    VALID("\xed\x9f\xbf");     /* U+D7FF, just below the surrogates */
    VALID("\xee\x80\x80");     /* U+E000, just above them */
    VALID("\xef\xbf\xbf");     /* U+FFFF */
    VALID("\xf0\x90\x80\x80"); /* U+10000, smallest 4-byte */
    VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the last code point */
    /* Overlong encodings. */
    INVALID("\xc0\xaf"); /* '/' in 2 bytes */
    INVALID("\xc1\xbf");
    INVALID("\xc0\x80");         /* NUL in 2 bytes */
    INVALID("\xe0\x80\xaf");     /* '/' in 3 bytes */
    INVALID("\xe0\x9f\xbf");     /* U+07FF in 3 bytes */
    INVALID("\xf0\x80\x80\xaf"); /* '/' in 4 bytes */
    INVALID("\xf0\x8f\xbf\xbf"); /* U+FFFF in 4 bytes */
    /* UTF-16 surrogates. */
    INVALID("\xed\xa0\x80");             /* U+D800 */
    INVALID("\xed\xbf\xbf");             /* U+DFFF */
    INVALID("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 pair */
    /* Beyond U+10FFFF. */
    INVALID("\xf4\x90\x80\x80");
    INVALID("\xf5\x80\x80\x80");
    INVALID("\xf8\x88\x80\x80\x80");
    INVALID("\xfc\x84\x80\x80\x80\x80");
    INVALID("\xfe");
    INVALID("\xff");
    /* Broken sequences. */
    INVALID("\x80");
    INVALID("a\xbf"
            "b");
    INVALID("\xe6\xbc"); /* truncated 漢 */
    INVALID("\xe6\xbc"
            "a"); /* continuation replaced by ASCII */
    INVALID("\xc3");
    INVALID("x\xf0\x9f\x9a"); /* truncated 🚀 */
    /* The length is honoured: a valid character cut by len is invalid. */
    assert_false(wr_utf8_valid("漢", 2));
    assert_true(wr_utf8_valid("漢x", 3));
    assert_true(wr_utf8_valid("ab\xff", 2));
}

/* ---- wr_text_sanitize ---- */

/* No byte that a terminal would act on: C0, DEL, raw C1 bytes or UTF-8 encoded C1. */
static void assert_terminal_safe(const char *s, bool one_line)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; p[i]; i++) {
        if (p[i] == '\n' && !one_line)
            continue;
        if (p[i] < 0x20 || p[i] == 0x7f)
            fail_msg("control byte 0x%02x at %zu in '%s'", p[i], i, s);
        if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
            fail_msg("C1 control U+00%02X at %zu", p[i + 1], i);
    }
    assert_true(wr_utf8_valid(s, strlen(s)));
}

static void expect_sanitized(const char *in, bool one_line, const char *want)
{
    char *out = wr_text_sanitize(in, one_line);
    assert_non_null(out);
    assert_terminal_safe(out, one_line);
    assert_string_equal(out, want);
    free(out);
}

static void test_sanitize_keeps_text(void **state)
{
    (void)state;
    expect_sanitized("héllo 漢字 🚀", true, "héllo 漢字 🚀");
    expect_sanitized("héllo 漢字 🚀", false, "héllo 漢字 🚀");
    expect_sanitized("", true, "");
    expect_sanitized("p99 > 2s & <ok> \"quoted\" \\ ~", true, "p99 > 2s & <ok> \"quoted\" \\ ~");
    /* U+00A0 (just past C1) and U+FFFD are ordinary characters. */
    expect_sanitized("a\xc2\xa0"
                     "b \xef\xbf\xbd",
                     true,
                     "a\xc2\xa0"
                     "b \xef\xbf\xbd");
}

static void test_sanitize_escape_sequences(void **state)
{
    (void)state;
    expect_sanitized("\x1b[31mred\x1b[0m", true, "^[[31mred^[[0m");
    /* OSC title change ended by BEL; OSC 52 clipboard write. */
    expect_sanitized("\x1b]0;pwned\x07", true, "^[]0;pwned^G");
    expect_sanitized("\x1b]52;c;ZXZpbA==\x1b\\", true, "^[]52;c;ZXZpbA==^[\\");
    expect_sanitized("a\rb", true, "a^Mb");
    expect_sanitized("a\rb", false, "a^Mb");
    expect_sanitized("\x01\x08\x0b\x0c\x1f", true, "^A^H^K^L^_");
    /* DEL, in its caret form. */
    expect_sanitized("a\x7f"
                     "b",
                     true, "a^?b");
}

static void test_sanitize_c1(void **state)
{
    (void)state;
    expect_sanitized("a\xc2\x85"
                     "b",
                     true, "a\\u0085b");
    /* U+009B is CSI for 8-bit terminals: it must not survive. */
    char *out = wr_text_sanitize("x\xc2\x9b"
                                 "31my",
                                 true);
    assert_non_null(out);
    assert_terminal_safe(out, true);
    assert_int_equal(strncasecmp(out, "x\\u009B31my", 12), 0);
    free(out);
    expect_sanitized("\xc2\x80\xc2\x9f", true, "\\u0080\\u009F");
}

static void test_sanitize_invalid_utf8(void **state)
{
    (void)state;
    /* A raw 0x9B byte (8-bit CSI) is invalid UTF-8 and becomes '?'. */
    expect_sanitized("a\x9b"
                     "31mb",
                     true, "a?31mb");
    expect_sanitized("\xff\xfe", true, "??");
    expect_sanitized("ok \xc0\xaf", true, "ok ??");
    expect_sanitized("\xed\xa0\x80", true, "???");
    expect_sanitized("cut \xe6\xbc", true, "cut ??");
}

static void test_sanitize_newlines_and_tabs(void **state)
{
    (void)state;
    expect_sanitized("a\tb", true, "a b");
    expect_sanitized("a\tb", false, "a b");
    expect_sanitized("one\ntwo", true, "one / two");
    expect_sanitized("one\ntwo\n", false, "one\ntwo\n");
    expect_sanitized("\n", true, " / ");
}

/* ---- small text helpers ---- */

static void test_trim_and_friends(void **state)
{
    (void)state;
    char a[] = "  \t spaced \n ";
    assert_ptr_equal(wr_trim(a), a);
    assert_string_equal(a, "spaced");
    char b[] = "   ";
    assert_string_equal(wr_trim(b), "");
    char c[] = "";
    assert_string_equal(wr_trim(c), "");
    char d[] = " a  b ";
    assert_string_equal(wr_trim(d), "a  b");
    char e[] = " 漢字 ";
    assert_string_equal(wr_trim(e), "漢字");

    assert_null(wr_strdup(NULL));
    char *dup = wr_strdup("copy");
    assert_string_equal(dup, "copy");
    free(dup);

    assert_true(wr_streq_ci("TODO", "todo"));
    assert_true(wr_streq_ci("", ""));
    assert_false(wr_streq_ci("todo", "todos"));
    assert_false(wr_streq_ci("tod", "todo"));
}

static void test_buf(void **state)
{
    (void)state;
    struct wr_buf b = {0};
    wr_buf_puts(&b, "ab");
    wr_buf_append(&b, "cdef", 2);
    wr_buf_printf(&b, "-%d-", 42);
    assert_string_equal(b.data, "abcd-42-");
    assert_int_equal(b.len, 8);
    /* Longer than any internal scratch space. */
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    wr_buf_printf(&b, "%s!", big);
    assert_int_equal(b.len, 8 + 999 + 1);
    assert_int_equal(b.data[b.len - 1], '!');
    char *s = wr_buf_steal(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(strlen(s), 1008);
    free(s);
    /* Stealing an empty buffer still gives a string. */
    s = wr_buf_steal(&b);
    assert_string_equal(s, "");
    free(s);
    wr_buf_free(&b);
}

static void test_errors(void **state)
{
    (void)state;
    struct wr_error err;
    wr_error_clear(&err);
    assert_int_equal(err.code, WR_OK);
    assert_string_equal(err.msg, "");
    assert_int_equal(wr_fail(&err, WR_E_NOT_FOUND, "incident %d not found", 7), -1);
    assert_int_equal(err.code, WR_E_NOT_FOUND);
    assert_string_equal(err.msg, "incident 7 not found");
    assert_int_equal(wr_fail(NULL, WR_E_FAIL, "x"), -1);
    assert_int_equal(wr_code_exit(WR_OK), 0);
    assert_int_equal(wr_code_exit(WR_E_USAGE), 2);
    assert_int_equal(wr_code_exit(WR_E_INPUT), 3);
    assert_string_equal(wr_code_text(WR_E_NOT_FOUND), "not found");
    assert_non_null(wr_code_text((enum wr_code)999));
    /* A long message is cut, never overflows. */
    char long_text[2000];
    memset(long_text, 'y', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    wr_fail(&err, WR_E_FAIL, "%s", long_text);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
}

int main(void)
{
    use_tz("UTC");
    unsetenv("WARROOM_NOW");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_iso_with_zone),
        cmocka_unit_test(test_time_iso_local),
        cmocka_unit_test(test_time_clock),
        cmocka_unit_test(test_time_relative),
        cmocka_unit_test(test_time_malformed),
        cmocka_unit_test(test_now_pinned_by_env),
        cmocka_unit_test(test_time_iso_format),
        cmocka_unit_test(test_time_fmt),
        cmocka_unit_test(test_duration_fmt),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_sanitize_keeps_text),
        cmocka_unit_test(test_sanitize_escape_sequences),
        cmocka_unit_test(test_sanitize_c1),
        cmocka_unit_test(test_sanitize_invalid_utf8),
        cmocka_unit_test(test_sanitize_newlines_and_tabs),
        cmocka_unit_test(test_trim_and_friends),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_duration_next_change),
        cmocka_unit_test(test_clock_wait),
        cmocka_unit_test(test_time_utc_seconds),
        cmocka_unit_test(test_time_local_hms),
        cmocka_unit_test(test_time_parse_iso_utc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
