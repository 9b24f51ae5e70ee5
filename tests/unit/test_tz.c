/* test_tz.c: incident time zones: accepted forms, switching the local zone, labels, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>

#include "tz.h"
#include "util.h"

#define NOON_UTC 1773144000000LL /* 2026-03-10T12:00:00Z */

static void test_check_forms(void **state)
{
    (void)state;
    char out[TZ_NAME_MAX];
    struct wr_error err;
    static const char *const cases[][2] = {
        {"", ""},          {"  ", ""},           {"UTC", "UTC"},       {"z", "UTC"},
        {"+00:00", "UTC"}, {"-3", "-03:00"},     {"-03", "-03:00"},    {"-0300", "-03:00"},
        {"-03:00", "-03:00"}, {"UTC-3", "-03:00"}, {"utc+05:30", "+05:30"}, {"GMT+1", "+01:00"},
        {"+14:00", "+14:00"}, {" -03:00 ", "-03:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (tz_check(cases[i][0], out, sizeof out, &err) != 0)
            fail_msg("'%s' refused: %s", cases[i][0], err.msg);
        assert_string_equal(out, cases[i][1]);
    }
    static const char *const bad[] = {"-15:00", "+03:60", "-3:5", "Nowhere/Atlantis", "../etc/passwd",
                                      "/etc/localtime", "America/../../x", "Europe/Madrid;rm",
                                      "+", "UTC-", "three"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tz_check(bad[i], out, sizeof out, &err) == 0)
            fail_msg("'%s' accepted as '%s'", bad[i], out);
        assert_int_equal(err.code, WR_E_INPUT);
        assert_non_null(strstr(err.msg, "-03:00")); /* says what is accepted */
    }
}

static void test_use_fixed_offset(void **state)
{
    (void)state;
    char buf[64];
    struct wr_error err;
    assert_int_equal(tz_use("-03:00", &err), 0);
    assert_string_equal(tz_current(), "-03:00");
    assert_string_equal(wr_time_fmt(NOON_UTC, false, "%Y-%m-%d %H:%M", buf, sizeof buf),
                        "2026-03-10 09:00");
    assert_string_equal(wr_time_fmt(NOON_UTC, true, "%H:%M", buf, sizeof buf), "12:00");
    assert_string_equal(tz_label(NOON_UTC, buf, sizeof buf), "UTC-3");
    /* Local forms are read in the incident's zone too: 09:15 there is 12:15 UTC. */
    int64_t t;
    assert_int_equal(wr_time_parse("2026-03-10T09:15", 0, &t, &err), 0);
    assert_int_equal(t, NOON_UTC + 15 * 60000);
    assert_int_equal(wr_time_parse("09:15", NOON_UTC + 3600000, &t, &err), 0);
    assert_int_equal(t, NOON_UTC + 15 * 60000);
    assert_int_equal(tz_use("+05:30", &err), 0);
    assert_string_equal(tz_label(NOON_UTC, buf, sizeof buf), "UTC+5:30");
    assert_string_equal(wr_time_fmt(NOON_UTC, false, "%H:%M", buf, sizeof buf), "17:30");
    /* Back to the process's own zone (the test runs with TZ=UTC). */
    assert_int_equal(tz_use("", &err), 0);
    assert_string_equal(tz_label(NOON_UTC, buf, sizeof buf), "UTC");
    assert_string_equal(wr_time_fmt(NOON_UTC, false, "%H:%M", buf, sizeof buf), "12:00");
}

static void test_use_named_zone(void **state)
{
    (void)state;
    char buf[64], out[TZ_NAME_MAX];
    struct wr_error err;
    if (access("/usr/share/zoneinfo/America/Argentina/Buenos_Aires", R_OK) == 0 &&
        !getenv("TZDIR")) {
        assert_int_equal(tz_check("America/Argentina/Buenos_Aires", out, sizeof out, &err), 0);
        assert_string_equal(out, "America/Argentina/Buenos_Aires");
        assert_int_equal(tz_use(out, &err), 0);
        assert_string_equal(tz_label(NOON_UTC, buf, sizeof buf), "UTC-3");
        assert_string_equal(wr_time_fmt(NOON_UTC, false, "%H:%M", buf, sizeof buf), "09:00");
    } else {
        /* No zone database: names are refused with advice, offsets still work. */
        assert_int_equal(tz_check("America/Argentina/Buenos_Aires", out, sizeof out, &err), -1);
        assert_non_null(strstr(err.msg, "-03:00"));
    }
    /* A zone unknown here (another machine's database): the process zone, and why. */
    assert_int_equal(tz_use("Nowhere/Atlantis", &err), -1);
    assert_non_null(strstr(err.msg, "unknown on this machine"));
    assert_string_equal(tz_current(), "");
    assert_string_equal(tz_label(NOON_UTC, buf, sizeof buf), "UTC");
}

static void test_default_is_the_creators(void **state)
{
    (void)state;
    char buf[TZ_NAME_MAX];
    struct wr_error err;
    /* The test runs with TZ=UTC; switching zones in between does not change whose it is. */
    assert_int_equal(tz_use("-03:00", &err), 0);
    assert_string_equal(tz_default(buf, sizeof buf), "UTC");
    assert_string_equal(tz_current(), "-03:00");
    tz_use("", &err);
}

/* ---- warroom's own reading of the zone database against the C library's ---- */

/* Zones with every kind of history: southern and northern daylight time, half and quarter
 * hours, negative daylight time (Dublin), a skipped day (Apia), a rule that changes with the
 * year (Casablanca), and none at all (Kolkata). */
static const char *const zones[] = {
    "America/Argentina/Buenos_Aires", "America/New_York", "Europe/Berlin", "Europe/Dublin",
    "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu",
    "Pacific/Chatham", "Pacific/Apia", "America/Sao_Paulo", "Africa/Casablanca",
    "America/Santiago", "Europe/London", "Asia/Tehran", "America/St_Johns",
};

static bool have_zone(const char *z)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", z);
    return access(path, R_OK) == 0 && !getenv("TZDIR");
}

/* Make zone z the C library's (the test is single-threaded: it may set TZ). */
static void libc_zone(const char *z)
{
    char spec[128];
    snprintf(spec, sizeof spec, ":%s", z);
    setenv("TZ", spec, 1);
    tzset();
}

/* The C library's reading of the zone libc_zone set, at t. */
static void libc_local(const char *z, time_t t, struct tm *tm)
{
    (void)z;
    localtime_r(&t, tm);
}

static void test_localtime_matches_libc(void **state)
{
    (void)state;
    struct wr_error err;
    size_t checked = 0;
    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        const char *z = zones[zi];
        if (!have_zone(z))
            continue;
        assert_int_equal(tz_use(z, &err), 0);
        libc_zone(z);
        /* 1901 to 2099 in steps of 31 h 13 min 17 s (every hour of the day, every day of the
         * week comes round), and each side of every change from 1970 to 2040, found by
         * bisection. */
        time_t prev_t = 0;
        long prev_off = LONG_MIN;
        for (int64_t t = -2147483648LL + 86400; t < 4102444800LL; t += 31 * 3600 + 13 * 60 + 17) {
            struct tm mine, ref;
            assert_non_null(tz_localtime(t, &mine));
            libc_local(z, (time_t)t, &ref);
            if (mine.tm_gmtoff != ref.tm_gmtoff || mine.tm_hour != ref.tm_hour ||
                mine.tm_mday != ref.tm_mday || mine.tm_isdst != ref.tm_isdst ||
                strcmp(mine.tm_zone, ref.tm_zone) != 0)
                fail_msg("%s at %lld: warroom %02d:%02d %+ld %s, C library %02d:%02d %+ld %s", z,
                         (long long)t, mine.tm_hour, mine.tm_min, (long)mine.tm_gmtoff,
                         mine.tm_zone, ref.tm_hour, ref.tm_min, (long)ref.tm_gmtoff, ref.tm_zone);
            checked++;
            if (t >= 0 && t < 2208988800LL && prev_off != LONG_MIN && ref.tm_gmtoff != prev_off) {
                time_t lo = prev_t, hi = (time_t)t; /* off(lo) = prev_off, off(hi) differs */
                while (hi - lo > 1) {
                    time_t mid = lo + (hi - lo) / 2;
                    libc_local(z, mid, &ref);
                    if (ref.tm_gmtoff == prev_off)
                        lo = mid;
                    else
                        hi = mid;
                }
                for (time_t u = lo - 1; u <= hi + 1; u++) {
                    libc_local(z, u, &ref);
                    assert_non_null(tz_localtime(u, &mine));
                    if (mine.tm_gmtoff != ref.tm_gmtoff || mine.tm_hour != ref.tm_hour)
                        fail_msg("%s at the change %lld: warroom %+ld, C library %+ld", z,
                                 (long long)u, (long)mine.tm_gmtoff, (long)ref.tm_gmtoff);
                }
            }
            prev_t = (time_t)t;
            libc_local(z, (time_t)t, &ref);
            prev_off = ref.tm_gmtoff;
        }
        /* Wall-clock times back to UTC agree with mktime wherever the time happens once. */
        for (int64_t t = 946684800LL; t < 2524608000LL; t += 5 * 3600 + 17 * 60) {
            struct tm ref;
            libc_local(z, (time_t)t, &ref);
            int64_t back = tz_mktime(ref.tm_year + 1900, ref.tm_mon + 1, ref.tm_mday, ref.tm_hour,
                                     ref.tm_min, ref.tm_sec);
            struct tm later, earlier;
            libc_local(z, (time_t)(t + 3 * 3600), &later);
            libc_local(z, (time_t)(t - 3 * 3600), &earlier);
            bool steady = later.tm_gmtoff == ref.tm_gmtoff && earlier.tm_gmtoff == ref.tm_gmtoff;
            if (steady && back != t)
                fail_msg("%s: %04d-%02d-%02d %02d:%02d read back as %lld, not %lld", z,
                         ref.tm_year + 1900, ref.tm_mon + 1, ref.tm_mday, ref.tm_hour, ref.tm_min,
                         (long long)back, (long long)t);
        }
    }
    unsetenv("TZ");
    setenv("TZ", "UTC", 1);
    tzset();
    tz_use("", &err);
    if (checked == 0)
        skip();
}

/* Clocks going forward and back, read the documented way. */
static void test_mktime_changes(void **state)
{
    (void)state;
    struct wr_error err;
    if (!have_zone("America/New_York"))
        skip();
    assert_int_equal(tz_use("America/New_York", &err), 0);
    /* 2026-03-08 02:30 does not happen (02:00 EST -> 03:00 EDT): read as 03:30 EDT, 07:30Z. */
    assert_int_equal(tz_mktime(2026, 3, 8, 2, 30, 0), 1772955000LL);
    /* 2026-11-01 01:30 happens twice (EDT, then EST): the first, 05:30Z. */
    assert_int_equal(tz_mktime(2026, 11, 1, 1, 30, 0), 1793511000LL);
    /* Day 0: the last day of the month before. */
    assert_int_equal(tz_mktime(2026, 3, 0, 12, 0, 0), tz_mktime(2026, 2, 28, 12, 0, 0));
    char buf[32];
    assert_string_equal(wr_time_fmt(1793511000000LL, false, "%H:%M %Z", buf, sizeof buf),
                        "01:30 EDT");
    assert_string_equal(wr_time_fmt(1793514600000LL, false, "%H:%M %Z", buf, sizeof buf),
                        "01:30 EST");
    tz_use("", &err);
}

/* The environment is never written: libpq and libcurl read it on the team-mode worker thread
 * while the cockpit's thread switches zones. */
static void test_environment_untouched(void **state)
{
    (void)state;
    struct wr_error err;
    const char *before = getenv("TZ");
    char saved[64];
    snprintf(saved, sizeof saved, "%s", before ? before : "(unset)");
    extern char **environ;
    char **env_before = environ;
    assert_int_equal(tz_use("-03:00", &err), 0);
    assert_int_equal(tz_use("+05:30", &err), 0);
    if (have_zone("Europe/Berlin"))
        assert_int_equal(tz_use("Europe/Berlin", &err), 0);
    assert_ptr_equal(environ, env_before);
    const char *after = getenv("TZ");
    assert_string_equal(after ? after : "(unset)", saved);
    tz_use("", &err);
}

/* Each thread has its own zone: one renders UTC-3 while another renders UTC+5:30. */
static void *other_thread(void *arg)
{
    char *out = arg;
    struct wr_error err;
    if (tz_use("+05:30", &err) != 0)
        return NULL;
    wr_time_fmt(NOON_UTC, false, "%H:%M", out, 16);
    tz_use("", NULL);
    return out;
}

static void test_zone_per_thread(void **state)
{
    (void)state;
    struct wr_error err;
    char buf[16], theirs[16] = "";
    assert_int_equal(tz_use("-03:00", &err), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, other_thread, theirs), 0);
    void *res = NULL;
    assert_int_equal(pthread_join(th, &res), 0);
    assert_non_null(res);
    assert_string_equal(theirs, "17:30");
    assert_string_equal(tz_current(), "-03:00");
    assert_string_equal(wr_time_fmt(NOON_UTC, false, "%H:%M", buf, sizeof buf), "09:00");
    tz_use("", &err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_forms),
        cmocka_unit_test(test_use_fixed_offset),
        cmocka_unit_test(test_use_named_zone),
        cmocka_unit_test(test_default_is_the_creators),
        cmocka_unit_test(test_localtime_matches_libc),
        cmocka_unit_test(test_mktime_changes),
        cmocka_unit_test(test_environment_untouched),
        cmocka_unit_test(test_zone_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
