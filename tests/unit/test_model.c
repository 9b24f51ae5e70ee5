/* test_model.c: model rules: milestone ordering for every pair, names round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "model.h"

/* For every ordered pair (a before b): with a set at T, b may be set at T or later but not
 * earlier; with b set at T, a may be set at T or earlier but not later. The refusal names both
 * milestones. */
static void test_milestone_order_every_pair(void **state)
{
    (void)state;
    const int64_t T = 1773144000000; /* 2026-03-10T12:00Z */
    int pairs = 0;
    for (int a = 0; a < MS_COUNT; a++) {
        for (int b = a + 1; b < MS_COUNT; b++) {
            int64_t times[MS_COUNT];
            struct wr_error err = {0};
            for (int m = 0; m < MS_COUNT; m++)
                times[m] = WR_TIME_NONE;
            times[a] = T;
            assert_int_equal(milestone_check_order(times, (enum milestone)b, T, &err), 0);
            assert_int_equal(milestone_check_order(times, (enum milestone)b, T + 60000, &err), 0);
            assert_int_equal(milestone_check_order(times, (enum milestone)b, T - 1, &err), -1);
            assert_int_equal(err.code, WR_E_CONFLICT);
            assert_non_null(strstr(err.msg, milestone_name((enum milestone)a)));
            assert_non_null(strstr(err.msg, milestone_name((enum milestone)b)));
            assert_non_null(strstr(err.msg, "2026-03-10T12:00:00.000Z"));
            times[a] = WR_TIME_NONE;
            times[b] = T;
            assert_int_equal(milestone_check_order(times, (enum milestone)a, T, &err), 0);
            assert_int_equal(milestone_check_order(times, (enum milestone)a, T - 60000, &err), 0);
            assert_int_equal(milestone_check_order(times, (enum milestone)a, T + 1, &err), -1);
            assert_int_equal(err.code, WR_E_CONFLICT);
            pairs++;
        }
    }
    assert_int_equal(pairs, MS_COUNT * (MS_COUNT - 1) / 2);
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < KIND_COUNT; k++)
        assert_int_equal(kind_from_name(kind_name((enum entry_kind)k)), k);
    for (int p = 0; p < PHASE_COUNT; p++)
        assert_int_equal(phase_from_name(phase_name((enum phase)p)), p);
    for (int m = 0; m < MS_COUNT; m++)
        assert_int_equal(milestone_from_name(milestone_name((enum milestone)m)), m);
    for (int r = 0; r < ROLE_COUNT; r++) {
        assert_int_equal(role_from_name(role_key((enum role)r)), r);
        assert_int_equal(role_from_name(role_title((enum role)r)), r);
    }
    assert_int_equal(sev_parse("SEV2"), 2);
    assert_int_equal(sev_parse("sev4"), 4);
    assert_int_equal(sev_parse("1"), 1);
    assert_int_equal(sev_parse("SEV5"), -1);
    assert_int_equal(sev_parse("SEV"), -1);
    assert_int_equal(kind_from_name("gossip"), -1);
}

/* CI has no $USER: the author falls back to LOGNAME, then the account, never "unknown". */
static void test_author_never_unknown(void **state)
{
    (void)state;
    assert_string_equal(model_author("ana"), "ana");
    setenv("USER", "bruno", 1);
    assert_string_equal(model_author(NULL), "bruno");
    assert_string_equal(model_author(""), "bruno");
    unsetenv("USER");
    setenv("LOGNAME", "carla", 1);
    assert_string_equal(model_author(NULL), "carla");
    unsetenv("LOGNAME");
    const char *who = model_author(NULL);
    assert_non_null(who);
    assert_true(who[0] != '\0');
    assert_string_not_equal(who, "unknown");
    struct passwd *pw = getpwuid(getuid());
    assert_string_equal(who, pw && pw->pw_name ? pw->pw_name : MODEL_SYSTEM_AUTHOR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_milestone_order_every_pair),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_author_never_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
