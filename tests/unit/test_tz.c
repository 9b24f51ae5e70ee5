/* test_tz.c: incident time zones: accepted forms, switching the local zone, labels, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_forms),
        cmocka_unit_test(test_use_fixed_offset),
        cmocka_unit_test(test_use_named_zone),
        cmocka_unit_test(test_default_is_the_creators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
