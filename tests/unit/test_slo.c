/* test_slo.c: SLO arithmetic against hand-computed cases, including no data and zero traffic. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "slo.h"

#define MIN_MS ((int64_t)60 * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)
#define EPS 1e-9

static void near_at(double got, double want, int line)
{
    if (!(fabs(got - want) < EPS * (1.0 + fabs(want))))
        fail_msg("line %d: got %.12g, want %.12g", line, got, want);
}
#define assert_near(a, b) near_at((a), (b), __LINE__)

static void test_error_budget(void **state)
{
    double v = -1;
    assert_int_equal(slo_error_budget(0.999, &v), SLO_OK);
    assert_near(v, 0.001);
    assert_int_equal(slo_error_budget(0.95, &v), SLO_OK);
    assert_near(v, 0.05);
    /* 99.9 % over 28 days: 40.32 minutes (the seed's "~40 min per 28-day window") */
    assert_int_equal(slo_error_budget_ms(0.999, 28 * DAY_MS, &v), SLO_OK);
    assert_near(v, 40.32 * MIN_MS);

    v = 42;
    assert_int_equal(slo_error_budget(1.0, &v), SLO_INVALID);
    assert_int_equal(slo_error_budget(0.0, &v), SLO_INVALID);
    assert_int_equal(slo_error_budget(99.9, &v), SLO_INVALID); /* percent, not a fraction */
    assert_int_equal(slo_error_budget(NAN, &v), SLO_INVALID);
    assert_int_equal(slo_error_budget_ms(0.999, 0, &v), SLO_INVALID);
    assert_near(v, 42); /* untouched */
}

static void test_burn_rate(void **state)
{
    double r = -1;
    /* seed 002: SLO 99.9 %, error rate 0.5 % -> 5x */
    assert_int_equal(slo_burn_rate(0.999, 9950, 10000, &r), SLO_OK);
    assert_near(r, 5.0);
    assert_int_equal(slo_burn_rate_from_error_rate(0.999, 0.005, &r), SLO_OK);
    assert_near(r, 5.0);
    assert_int_equal(slo_burn_rate(0.99, 1000, 1000, &r), SLO_OK);
    assert_near(r, 0.0);
    assert_int_equal(slo_burn_rate(0.99, 0, 1000, &r), SLO_OK);
    assert_near(r, 100.0);

    r = 7;
    assert_int_equal(slo_burn_rate(0.999, 0, 0, &r), SLO_NO_TRAFFIC);
    assert_near(r, 7); /* zero traffic is not reported as a measured 0 */
    assert_int_equal(slo_burn_rate(0.999, 11, 10, &r), SLO_INVALID);
    assert_int_equal(slo_burn_rate(0.999, -1, 10, &r), SLO_INVALID);
    assert_int_equal(slo_burn_rate_from_error_rate(0.999, 1.5, &r), SLO_INVALID);
    assert_near(r, 7);
}

static void test_budget_remaining(void **state)
{
    double rem = 9;
    /* 99 % target, 0.5 % errors: half the budget used */
    assert_int_equal(slo_budget_remaining(0.99, 995, 1000, &rem), SLO_OK);
    assert_near(rem, 0.5);
    /* 3 % errors against a 1 % budget: spent three times, -2 remaining */
    assert_int_equal(slo_budget_remaining(0.99, 970, 1000, &rem), SLO_OK);
    assert_near(rem, -2.0);
    assert_int_equal(slo_budget_remaining(0.99, 1000, 1000, &rem), SLO_OK);
    assert_near(rem, 1.0);
    rem = 9;
    assert_int_equal(slo_budget_remaining(0.99, 0, 0, &rem), SLO_NO_TRAFFIC);
    assert_near(rem, 9);
}

static void test_window_counts(void **state)
{
    const struct slo_sample s[] = {
        {60000, 90, 100}, {120000, 80, 100}, {180000, 70, 100}, {240000, NAN, 100}, {300000, 5, 4},
    };
    double g = -1, t = -1;
    /* (60s, 180s]: the samples at 120 s and 180 s, not the one at 60 s */
    assert_int_equal(slo_window_counts(s, 5, 60000, 180000, &g, &t), SLO_OK);
    assert_near(g, 150);
    assert_near(t, 200);
    /* unusable samples (NaN, good > total) are skipped */
    assert_int_equal(slo_window_counts(s, 5, 0, 400000, &g, &t), SLO_OK);
    assert_near(g, 240);
    assert_near(t, 300);
    g = t = -1;
    assert_int_equal(slo_window_counts(s, 5, 180000, 300000, &g, &t), SLO_NO_DATA);
    assert_int_equal(slo_window_counts(s, 5, 400000, 500000, &g, &t), SLO_NO_DATA);
    assert_int_equal(slo_window_counts(NULL, 0, 0, 1000, &g, &t), SLO_NO_DATA);
    assert_near(g, -1);

    const struct slo_sample idle[] = {{1000, 0, 0}, {2000, 0, 0}};
    assert_int_equal(slo_window_counts(idle, 2, 0, 5000, &g, &t), SLO_NO_TRAFFIC);
    double r = -1;
    assert_int_equal(slo_burn_rate_window(0.999, idle, 2, 5000, 5000, &r), SLO_NO_TRAFFIC);
    assert_int_equal(slo_burn_rate_window(0.999, idle, 2, 50000, 5000, &r), SLO_NO_DATA);
    assert_near(r, -1);
    /* the window is (now - w, now]: 70 % good at 180 s alone -> 30 % errors / 1 % = 30x */
    assert_int_equal(slo_burn_rate_window(0.99, s, 5, 180000, 60000, &r), SLO_OK);
    assert_near(r, 30.0);
}

static void test_default_rules(void **state)
{
    const struct slo_alert_rule *r = slo_default_rules();
    assert_string_equal(r[0].name, "fast");
    assert_near(r[0].burn_rate, 14.4);
    assert_int_equal(r[0].long_ms, HOUR_MS);
    assert_int_equal(r[0].short_ms, 5 * MIN_MS);
    assert_string_equal(r[1].name, "medium");
    assert_near(r[1].burn_rate, 6.0);
    assert_int_equal(r[1].long_ms, 6 * HOUR_MS);
    assert_int_equal(r[1].short_ms, 30 * MIN_MS);
    assert_string_equal(r[2].name, "slow");
    assert_near(r[2].burn_rate, 1.0);
    assert_int_equal(r[2].long_ms, 3 * DAY_MS);
    assert_int_equal(r[2].short_ms, 6 * HOUR_MS);

    assert_true(slo_alert_fires(&r[0], 15.0, 15.0));
    assert_false(slo_alert_fires(&r[0], 15.0, 14.4)); /* must exceed, not equal */
    assert_false(slo_alert_fires(&r[0], 20.0, 10.0)); /* short window quiet */
    assert_false(slo_alert_fires(&r[0], 10.0, 20.0)); /* long window quiet */
    assert_false(slo_alert_fires(&r[0], NAN, 20.0));
}

/* 3 days + of 5-minute samples of 1000 requests; errors per sample given by a function. */
#define STEP (5 * MIN_MS)
#define NSAMPLES (3 * 24 * 12 + 1)
static struct slo_sample series[NSAMPLES];

static int64_t fill(double (*error_rate)(int64_t age_ms))
{
    int64_t now = 10 * DAY_MS;
    for (int i = 0; i < NSAMPLES; i++) {
        int64_t t = now - (int64_t)(NSAMPLES - 1 - i) * STEP;
        series[i].t_ms = t;
        series[i].total = 1000;
        series[i].good = 1000 - 1000 * error_rate(now - t);
    }
    return now;
}

static double last_hour_bad(int64_t age)
{
    return age < HOUR_MS ? 0.02 : 0.0;
}

static double spike_ended(int64_t age)
{
    return age >= 10 * MIN_MS && age < HOUR_MS ? 0.02 : 0.0;
}

static void test_alert_fast_burn(void **state)
{
    int64_t now = fill(last_hour_bad);
    struct slo_alert_result out[SLO_DEFAULT_RULES];
    int first = 99;
    assert_int_equal(slo_alert_evaluate(0.999, slo_default_rules(), SLO_DEFAULT_RULES, series,
                                        NSAMPLES, now, out, &first),
                     SLO_OK);
    /* fast: 2 % errors in both 1 h (12 samples) and 5 m -> 20x > 14.4 */
    assert_true(out[0].firing);
    assert_near(out[0].long_burn, 20.0);
    assert_near(out[0].short_burn, 20.0);
    /* medium: 6 h holds 72 samples, 12 of them bad -> 20 * 12/72 = 3.33x < 6 */
    assert_false(out[1].firing);
    assert_near(out[1].long_burn, 20.0 * 12 / 72);
    assert_near(out[1].short_burn, 20.0);
    /* slow: 3 d holds 864 samples -> 20 * 12/864 = 0.28x < 1 */
    assert_false(out[2].firing);
    assert_near(out[2].long_burn, 20.0 * 12 / 864);
    assert_near(out[2].short_burn, 20.0 * 12 / 72);
    assert_int_equal(first, 0);
}

static void test_alert_needs_both_windows(void **state)
{
    /* errors stopped 10 minutes ago: the long window still burns, the short one does not */
    int64_t now = fill(spike_ended);
    struct slo_alert_result out[SLO_DEFAULT_RULES];
    int first = 99;
    assert_int_equal(slo_alert_evaluate(0.999, slo_default_rules(), SLO_DEFAULT_RULES, series,
                                        NSAMPLES, now, out, &first),
                     SLO_OK);
    assert_near(out[0].long_burn, 20.0 * 10 / 12);
    assert_true(out[0].long_burn > 14.4);
    assert_near(out[0].short_burn, 0.0);
    assert_false(out[0].firing);
    assert_int_equal(first, -1);
}

static void test_alert_no_data(void **state)
{
    struct slo_alert_result out[SLO_DEFAULT_RULES];
    int first = 99;
    assert_int_equal(slo_alert_evaluate(0.999, slo_default_rules(), SLO_DEFAULT_RULES, NULL, 0,
                                        1000, out, &first),
                     SLO_NO_DATA);
    for (int i = 0; i < SLO_DEFAULT_RULES; i++) {
        assert_false(out[i].firing);
        assert_int_equal(out[i].long_status, SLO_NO_DATA);
        assert_int_equal(out[i].short_status, SLO_NO_DATA);
    }
    assert_int_equal(first, -1);

    /* one sample 30 min old at 100 % errors: the fast and medium short windows (5 m, 30 m)
     * are empty so they cannot fire; the slow rule's windows (3 d, 6 h) both hold it */
    const struct slo_sample old[] = {{0, 0, 100}};
    assert_int_equal(slo_alert_evaluate(0.999, slo_default_rules(), SLO_DEFAULT_RULES, old, 1,
                                        30 * MIN_MS, out, &first),
                     SLO_OK);
    assert_int_equal(out[0].long_status, SLO_OK);
    assert_near(out[0].long_burn, 1000.0);
    assert_int_equal(out[0].short_status, SLO_NO_DATA);
    assert_false(out[0].firing);
    assert_int_equal(out[1].short_status, SLO_NO_DATA);
    assert_false(out[1].firing);
    assert_true(out[2].firing);
    assert_int_equal(first, 2);
    assert_int_equal(slo_alert_evaluate(1.5, slo_default_rules(), SLO_DEFAULT_RULES, old, 1,
                                        30 * MIN_MS, out, &first),
                     SLO_INVALID);
}

static void test_budget_consumed_counts(void **state)
{
    const struct slo_sample s[] = {
        {1 * HOUR_MS, 900, 1000},  /* before the range: not counted */
        {2 * HOUR_MS, 1750, 1800}, /* 50 bad */
        {3 * HOUR_MS, 1600, 1800}, /* 200 bad */
    };
    double c = -1;
    /* 250 bad events against a budget of 0.1 % of 1,000,000 = 1000 events: a quarter */
    assert_int_equal(slo_budget_consumed(0.999, 28 * DAY_MS, 1e6, s, 3, HOUR_MS, 3 * HOUR_MS, &c),
                     SLO_OK);
    assert_near(c, 0.25);
    /* estimated window: 3600 events in 2 h -> 3600 * 336 = 1,209,600 in 28 d;
     * budget 1209.6 events; 250 / 1209.6 */
    assert_int_equal(slo_budget_consumed(0.999, 28 * DAY_MS, 0, s, 3, HOUR_MS, 3 * HOUR_MS, &c),
                     SLO_OK);
    assert_near(c, 250.0 / 1209.6);
    /* same as burn rate x duration / window: 250/3600 = 6.94 % errors = 69.4x for 2 h of 672 h */
    assert_near(c, (250.0 / 3600 / 0.001) * 2.0 / 672.0);

    c = -1;
    assert_int_equal(slo_budget_consumed(0.999, 28 * DAY_MS, 0, s, 3, 4 * HOUR_MS, 5 * HOUR_MS, &c),
                     SLO_NO_DATA);
    const struct slo_sample idle[] = {{2 * HOUR_MS, 0, 0}};
    assert_int_equal(slo_budget_consumed(0.999, 28 * DAY_MS, 0, idle, 1, HOUR_MS, 3 * HOUR_MS, &c),
                     SLO_NO_TRAFFIC);
    assert_int_equal(slo_budget_consumed(0.999, 28 * DAY_MS, 0, s, 3, HOUR_MS, HOUR_MS, &c),
                     SLO_INVALID);
    assert_near(c, -1);
}

static void test_budget_consumed_rates(void **state)
{
    /* 1 % errors for 30 min, 5 % for 30 min, then clean */
    const struct slo_point p[] = {{0, 0.01}, {30 * MIN_MS, 0.05}, {60 * MIN_MS, 0.0}};
    double c = -1, m = -1;
    /* (0.01 * 30 + 0.05 * 30) error-minutes / (0.001 * 40320 budget minutes) */
    assert_int_equal(slo_budget_consumed_rates(0.999, 28 * DAY_MS, p, 3, 0, 90 * MIN_MS, &c),
                     SLO_OK);
    assert_near(c, 1.8 / 40.32);
    /* time before the first sample is no data, not zero: same result */
    assert_int_equal(
        slo_budget_consumed_rates(0.999, 28 * DAY_MS, p, 3, -30 * MIN_MS, 90 * MIN_MS, &c), SLO_OK);
    assert_near(c, 1.8 / 40.32);
    /* a range inside the second step */
    assert_int_equal(
        slo_budget_consumed_rates(0.999, 28 * DAY_MS, p, 3, 40 * MIN_MS, 50 * MIN_MS, &c), SLO_OK);
    assert_near(c, 0.05 * 10 / 40.32);

    assert_int_equal(slo_rate_window_mean(p, 3, 0, 60 * MIN_MS, &m), SLO_OK);
    assert_near(m, 0.03);
    /* NaN points are skipped: the previous value holds on */
    const struct slo_point q[] = {{0, 0.02}, {10 * MIN_MS, NAN}, {20 * MIN_MS, 0.0}};
    assert_int_equal(slo_rate_window_mean(q, 3, 0, 40 * MIN_MS, &m), SLO_OK);
    assert_near(m, 0.01);

    c = m = -1;
    assert_int_equal(slo_budget_consumed_rates(0.999, 28 * DAY_MS, p, 3, -60 * MIN_MS, 0, &c),
                     SLO_NO_DATA);
    assert_int_equal(slo_rate_window_mean(NULL, 0, 0, 1000, &m), SLO_NO_DATA);
    const struct slo_point badp[] = {{0, 1.5}};
    assert_int_equal(slo_budget_consumed_rates(0.999, DAY_MS, badp, 1, 0, 1000, &c), SLO_INVALID);
    assert_near(c, -1);
    assert_near(m, -1);
}

static void test_latency_histogram(void **state)
{
    const struct slo_bucket b[] = {
        {100, 50}, {250, 80}, {500, 95}, {1000, 99}, {INFINITY, 100},
    };
    double g = -1, t = -1;
    assert_int_equal(slo_latency_counts(b, 5, 250, &g, &t), SLO_OK);
    assert_near(g, 80);
    assert_near(t, 100);
    /* 300 ms: 80 + (95 - 80) * 50/250 = 83 */
    assert_int_equal(slo_latency_counts(b, 5, 300, &g, &t), SLO_OK);
    assert_near(g, 83);
    /* 50 ms in the first bucket, from 0: 50 * 50/100 = 25 */
    assert_int_equal(slo_latency_counts(b, 5, 50, &g, &t), SLO_OK);
    assert_near(g, 25);
    /* beyond the largest finite bound: the unknown tail counts as slow */
    assert_int_equal(slo_latency_counts(b, 5, 2000, &g, &t), SLO_OK);
    assert_near(g, 99);
    /* the good ratio feeds the burn rate: 83 % under 300 ms against a 95 % objective */
    double r;
    assert_int_equal(slo_latency_counts(b, 5, 300, &g, &t), SLO_OK);
    assert_int_equal(slo_burn_rate(0.95, g, t, &r), SLO_OK);
    assert_near(r, 0.17 / 0.05);

    const struct slo_bucket empty[] = {{100, 0}, {INFINITY, 0}};
    g = -1;
    assert_int_equal(slo_latency_counts(empty, 2, 100, &g, &t), SLO_NO_TRAFFIC);
    const struct slo_bucket unsorted[] = {{100, 50}, {50, 60}, {INFINITY, 70}};
    assert_int_equal(slo_latency_counts(unsorted, 3, 100, &g, &t), SLO_INVALID);
    const struct slo_bucket noinf[] = {{100, 50}, {200, 60}};
    assert_int_equal(slo_latency_counts(noinf, 2, 100, &g, &t), SLO_INVALID);
    const struct slo_bucket shrinking[] = {{100, 50}, {INFINITY, 40}};
    assert_int_equal(slo_latency_counts(shrinking, 2, 100, &g, &t), SLO_INVALID);
    assert_near(g, -1);
}

static void test_latency_slices(void **state)
{
    const struct slo_point p99[] = {
        {30000, 300}, {60000, 400}, {90000, 1200}, {120000, 5000}, {150000, NAN},
    };
    double g = -1, t = -1;
    assert_int_equal(slo_latency_slices(p99, 5, 1000, 0, 150000, &g, &t), SLO_OK);
    assert_near(g, 2);
    assert_near(t, 4);
    assert_int_equal(slo_latency_slices(p99, 5, 1000, 60000, 120000, &g, &t), SLO_OK);
    assert_near(g, 0);
    assert_near(t, 2);
    g = -1;
    assert_int_equal(slo_latency_slices(p99, 5, 1000, 150000, 300000, &g, &t), SLO_NO_DATA);
    assert_near(g, -1);
}

static void test_status_text(void **state)
{
    assert_string_equal(slo_status_text(SLO_OK), "ok");
    assert_string_equal(slo_status_text(SLO_NO_DATA), "no data");
    assert_string_equal(slo_status_text(SLO_NO_TRAFFIC), "no traffic");
    assert_string_equal(slo_status_text(SLO_INVALID), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_budget),
        cmocka_unit_test(test_burn_rate),
        cmocka_unit_test(test_budget_remaining),
        cmocka_unit_test(test_window_counts),
        cmocka_unit_test(test_default_rules),
        cmocka_unit_test(test_alert_fast_burn),
        cmocka_unit_test(test_alert_needs_both_windows),
        cmocka_unit_test(test_alert_no_data),
        cmocka_unit_test(test_budget_consumed_counts),
        cmocka_unit_test(test_budget_consumed_rates),
        cmocka_unit_test(test_latency_histogram),
        cmocka_unit_test(test_latency_slices),
        cmocka_unit_test(test_status_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
