/* test_durations.c: milestone durations and time in each severity on hand-computed incidents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>

#include "model.h"

#define T0 1767258000000LL /* 2026-01-01T09:00:00Z */
#define MIN 60000LL

/*
 * The incident used below, by hand:
 *   09:00 started   09:05 detected   09:12 declared   10:00 mitigated   10:30 resolved   11:00 closed
 *   severity: SEV3 at 09:10, SEV2 at 09:25, SEV1 at 09:40, SEV2 at 10:05
 * Time in severity (started..resolved = 90 min):
 *   unclassified 09:00-09:10 = 10 min
 *   SEV3 09:10-09:25 = 15 min
 *   SEV2 09:25-09:40 + 10:05-10:30 = 15 + 25 = 40 min
 *   SEV1 09:40-10:05 = 25 min
 *   SEV4 0
 */
static void make_incident(struct incident *inc)
{
    incident_init(inc);
    inc->created_ms = T0 + 3 * MIN;
    inc->milestones[MS_STARTED] = T0;
    inc->milestones[MS_DETECTED] = T0 + 5 * MIN;
    inc->milestones[MS_DECLARED] = T0 + 12 * MIN;
    inc->milestones[MS_MITIGATED] = T0 + 60 * MIN;
    inc->milestones[MS_RESOLVED] = T0 + 90 * MIN;
    inc->milestones[MS_CLOSED] = T0 + 120 * MIN;
}

static const struct severity_mark marks[] = {
    {T0 + 10 * MIN, 3},
    {T0 + 25 * MIN, 2},
    {T0 + 40 * MIN, 1},
    {T0 + 65 * MIN, 2},
};

static void test_milestone_durations(void **state)
{
    struct incident inc;
    struct incident_durations d;
    make_incident(&inc);
    incident_durations(&inc, T0 + 500 * MIN, &d);
    assert_int_equal(d.to_detect, 5 * MIN);
    assert_int_equal(d.to_acknowledge, 7 * MIN);
    assert_int_equal(d.to_mitigate, 60 * MIN);
    assert_int_equal(d.to_resolve, 90 * MIN);
    assert_int_equal(d.total, 120 * MIN); /* closed wins over resolved */
    /* A missing milestone leaves only the durations that need it unset. */
    inc.milestones[MS_DECLARED] = WR_TIME_NONE;
    inc.milestones[MS_CLOSED] = WR_TIME_NONE;
    incident_durations(&inc, T0 + 500 * MIN, &d);
    assert_true(d.to_acknowledge == WR_TIME_NONE);
    assert_int_equal(d.to_detect, 5 * MIN);
    assert_int_equal(d.total, 90 * MIN);
    incident_clear(&inc);
}

static void test_time_in_severity_resolved(void **state)
{
    struct incident inc;
    int64_t out[SEVERITY_SLOTS];
    make_incident(&inc);
    incident_time_in_severity(&inc, marks, 4, T0 + 500 * MIN, out);
    assert_int_equal(out[0], 10 * MIN);
    assert_int_equal(out[1], 25 * MIN);
    assert_int_equal(out[2], 40 * MIN);
    assert_int_equal(out[3], 15 * MIN);
    assert_int_equal(out[4], 0);
    assert_int_equal(out[0] + out[1] + out[2] + out[3] + out[4], 90 * MIN);
    incident_clear(&inc);
}

static void test_time_in_severity_closed_without_resolved(void **state)
{
    struct incident inc;
    int64_t out[SEVERITY_SLOTS];
    make_incident(&inc);
    inc.milestones[MS_RESOLVED] = WR_TIME_NONE;
    /* Ends at closed (11:00): the last SEV2 runs 10:05-11:00 = 55 min. */
    incident_time_in_severity(&inc, marks, 4, T0 + 500 * MIN, out);
    assert_int_equal(out[0], 10 * MIN);
    assert_int_equal(out[1], 25 * MIN);
    assert_int_equal(out[2], 15 * MIN + 55 * MIN);
    assert_int_equal(out[3], 15 * MIN);
    incident_clear(&inc);
}

static void test_time_in_severity_open_uses_now(void **state)
{
    struct incident inc;
    int64_t out[SEVERITY_SLOTS];
    make_incident(&inc);
    inc.milestones[MS_RESOLVED] = WR_TIME_NONE;
    inc.milestones[MS_CLOSED] = WR_TIME_NONE;
    /* Now is 09:50: SEV1 so far for 10 min; the SEV2 of 10:05 is in the future. */
    incident_time_in_severity(&inc, marks, 4, T0 + 50 * MIN, out);
    assert_int_equal(out[0], 10 * MIN);
    assert_int_equal(out[3], 15 * MIN);
    assert_int_equal(out[2], 15 * MIN);
    assert_int_equal(out[1], 10 * MIN);
    assert_int_equal(out[4], 0);
    incident_clear(&inc);
}

static void test_time_in_severity_edges(void **state)
{
    struct incident inc;
    int64_t out[SEVERITY_SLOTS];
    make_incident(&inc);
    /* No classification at all: the whole window is unclassified. */
    incident_time_in_severity(&inc, NULL, 0, T0, out);
    assert_int_equal(out[0], 90 * MIN);
    assert_int_equal(out[1] + out[2] + out[3] + out[4], 0);
    /* Classified before impact was known to start (backdated start): clamped to the window. */
    const struct severity_mark early[] = {{T0 - 30 * MIN, 4}, {T0 + 30 * MIN, 2}, {T0 + 200 * MIN, 1}};
    incident_time_in_severity(&inc, early, 3, T0, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[4], 30 * MIN);
    assert_int_equal(out[2], 60 * MIN);
    assert_int_equal(out[1], 0); /* after resolved: not counted */
    /* No started milestone: the window opens at created (09:03). */
    inc.milestones[MS_STARTED] = WR_TIME_NONE;
    incident_time_in_severity(&inc, marks, 4, T0, out);
    assert_int_equal(out[0], 7 * MIN);
    /* A resolved time before the start gives nothing rather than negative spans. */
    inc.milestones[MS_STARTED] = T0 + 100 * MIN;
    incident_time_in_severity(&inc, marks, 4, T0, out);
    for (int i = 0; i < SEVERITY_SLOTS; i++)
        assert_int_equal(out[i], 0);
    incident_clear(&inc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_milestone_durations),
        cmocka_unit_test(test_time_in_severity_resolved),
        cmocka_unit_test(test_time_in_severity_closed_without_resolved),
        cmocka_unit_test(test_time_in_severity_open_uses_now),
        cmocka_unit_test(test_time_in_severity_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
