/* test_replay.c: replay files: parsing, errors, value lookup, windows, clock mapping, demo data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"
#include "slo.h"

#define DEMO_REPLAY WARROOM_SOURCE_DIR "/data/demo/replay.json"

/* 2026-03-10T08:30:00-03:00 */
#define T0 ((int64_t)1773142200000)
#define S(sec) (T0 + (int64_t)(sec)*1000)

static const char *const small_doc =
    "{\n"
    "  \"format\": \"warroom-replay\", \"version\": 1,\n"
    "  \"start\": \"2026-03-10T08:30:00-03:00\",\n"
    "  \"note\": \"test\",\n"
    "  \"_comment\": \"ignored\",\n"
    "  \"series\": [\n"
    "    {\"name\": \"p99\", \"unit\": \"ms\",\n"
    "     \"samples\": [[0, 350], [30, 360.5], [\"2026-03-10T11:31:00Z\", 400], [90, null],\n"
    "                   [120, 500]]},\n"
    "    {\"name\": \"avail\", \"unit\": \"ratio\", \"kind\": \"good_total\",\n"
    "     \"samples\": [[30, 990, 1000], [60, 0, 0], [90, 800, 1000], [120, null]]}\n"
    "  ]\n"
    "}\n";

static struct replay_file *parse_ok(const char *text)
{
    struct replay_file *f = NULL;
    struct wr_error err = {0};
    if (replay_parse(text, "t.json", &f, &err) != 0)
        fail_msg("parse failed: %s", err.msg);
    return f;
}

static void test_parse_and_value_at(void **state)
{
    struct replay_file *f = parse_ok(small_doc);
    assert_int_equal(f->start_ms, T0);
    assert_int_equal(f->count, 2);
    assert_string_equal(f->note, "test");
    assert_true(f->speed == 1.0);
    const struct replay_series *p = replay_find(f, "p99");
    assert_non_null(p);
    assert_null(replay_find(f, "nope"));
    assert_string_equal(p->unit, "ms");
    assert_int_equal(p->kind, REPLAY_GAUGE);
    assert_int_equal(p->count, 5);
    assert_int_equal(p->samples[2].t_ms, S(60)); /* absolute ISO time == offset 60 s */

    double v = -1;
    const struct replay_sample *smp = NULL;
    assert_int_equal(replay_value_at(p, S(-1), &v, &smp), REPLAY_NO_DATA); /* before the first */
    assert_null(smp);
    assert_true(v == -1);
    assert_int_equal(replay_value_at(p, S(0), &v, NULL), REPLAY_OK);
    assert_true(v == 350);
    assert_int_equal(replay_value_at(p, S(29), &v, NULL), REPLAY_OK); /* last at or before */
    assert_true(v == 350);
    assert_int_equal(replay_value_at(p, S(30), &v, &smp), REPLAY_OK);
    assert_true(v == 360.5);
    assert_int_equal(smp->t_ms, S(30));
    v = -1;
    assert_int_equal(replay_value_at(p, S(95), &v, NULL), REPLAY_NO_DATA); /* gap */
    assert_true(v == -1);
    assert_int_equal(replay_value_at(p, S(10000), &v, NULL), REPLAY_OK); /* holds after the end */
    assert_true(v == 500);

    const struct replay_series *a = replay_find(f, "avail");
    assert_int_equal(a->kind, REPLAY_GOOD_TOTAL);
    assert_int_equal(replay_value_at(a, S(45), &v, NULL), REPLAY_OK);
    assert_true(fabs(v - 0.99) < 1e-12);
    assert_int_equal(replay_value_at(a, S(60), &v, NULL), REPLAY_NO_TRAFFIC);
    assert_int_equal(replay_value_at(a, S(90), &v, NULL), REPLAY_OK);
    assert_true(fabs(v - 0.8) < 1e-12);
    assert_int_equal(replay_value_at(a, S(150), &v, NULL), REPLAY_NO_DATA);
    assert_int_equal(replay_value_at(NULL, S(0), &v, NULL), REPLAY_NO_DATA);
    assert_int_equal(replay_end_ms(f), S(120));
    replay_free(&f);
    assert_null(f);
    replay_free(&f); /* NULL is fine */
}

struct collect {
    int64_t t[16];
    size_t n;
    size_t stop_after;
};

static int collect_cb(const struct replay_sample *s, void *ctx)
{
    struct collect *c = ctx;
    c->t[c->n++] = s->t_ms;
    return c->stop_after && c->n >= c->stop_after;
}

static void test_window(void **state)
{
    struct replay_file *f = parse_ok(small_doc);
    const struct replay_series *p = replay_find(f, "p99");
    struct collect c = {.n = 0};
    /* (0 s, 90 s]: 30, 60, 90 (the gap is visited too) */
    assert_int_equal(replay_window(p, S(0), S(90), collect_cb, &c), 3);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.t[0], S(30));
    assert_int_equal(c.t[2], S(90));
    c = (struct collect){.stop_after = 2};
    assert_int_equal(replay_window(p, S(-100), S(1000), collect_cb, &c), 2);
    assert_int_equal(replay_window(p, S(200), S(300), collect_cb, &c), 0);
    assert_int_equal(replay_window(p, S(90), S(30), collect_cb, &c), 0);
    assert_int_equal(replay_window(p, S(-100), S(1000), NULL, NULL), 5);

    /* conversion for the SLO math: gaps skipped, zero traffic kept */
    const struct replay_series *a = replay_find(f, "avail");
    struct slo_sample *ss = NULL;
    size_t n = 0;
    assert_int_equal(replay_slo_samples(a, S(0), S(200), &ss, &n), 0);
    assert_int_equal(n, 3);
    assert_true(ss[0].good == 990 && ss[0].total == 1000 && ss[0].t_ms == S(30));
    double burn;
    assert_int_equal(slo_burn_rate_window(0.99, ss, n, S(90), 90 * 1000, &burn), SLO_OK);
    assert_true(fabs(burn - (210.0 / 2000) / 0.01) < 1e-9);
    free(ss);
    assert_int_equal(replay_slo_samples(p, S(0), S(200), &ss, &n), -1); /* a gauge */
    assert_int_equal(replay_slo_samples(a, S(500), S(600), &ss, &n), 0);
    assert_int_equal(n, 0);
    assert_null(ss);

    struct slo_point *pts = NULL;
    assert_int_equal(replay_points(p, S(-1), S(120), &pts, &n), 0);
    assert_int_equal(n, 4);
    assert_true(pts[3].value == 500);
    free(pts);
    replay_free(&f);
}

static void test_clock(void **state)
{
    struct replay_file *f = parse_ok(small_doc);
    struct replay_clock same = replay_clock_same_time(f);
    assert_int_equal(replay_clock_map(&same, S(1800)), S(1800)); /* 09:00 is 09:00 */
    /* a recording played from clock time 5000 ms, 60x faster */
    struct replay_clock fast = replay_clock_from(f, 5000, 60);
    assert_int_equal(replay_clock_map(&fast, 5000), T0);
    assert_int_equal(replay_clock_map(&fast, 6000), S(60));
    assert_int_equal(replay_clock_map(&fast, 5000 + 30 * 1000), S(1800));
    struct replay_clock dflt = replay_clock_from(f, 0, 0);
    assert_true(dflt.speed == 1.0);
    replay_free(&f);
}

/* Parse must fail; returns the message (static). */
static const char *parse_error(const char *text)
{
    static struct wr_error err;
    struct replay_file *f = (struct replay_file *)&err; /* must stay untouched */
    wr_error_clear(&err);
    assert_int_equal(replay_parse(text, "replay.json", &f, &err), -1);
    assert_ptr_equal(f, (struct replay_file *)&err);
    assert_int_equal(err.code, WR_E_CONFIG);
    return err.msg;
}

#define HEAD                                                                                       \
    "{\"format\": \"warroom-replay\", \"version\": 1, \"start\": \"2026-03-10T08:30:00Z\", "

static void test_errors(void **state)
{
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ms\", \"samples\": "
                         "[[0, 1], [30, 2], [60, 3], [true, 4]]}]}"),
        "replay.json: series[0].samples[3][0]: expected seconds after start or an ISO 8601 "
        "time with a zone, got true");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ms\", \"samples\": "
                         "[[0, 1], [\"2026-03-10T08:30\", 2]]}]}"),
        "replay.json: series[0].samples[1][0]: expected seconds after start or an ISO 8601 "
        "time with a zone, got \"2026-03-10T08:30\"");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ms\", \"samples\": "
                         "[[0, 1], [30, 2], [30, 3]]}]}"),
        "replay.json: series[0].samples[2][0]: expected a time after the previous sample "
        "(2026-03-10T08:30:30.000Z), got 2026-03-10T08:30:30.000Z");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ms\", \"samples\": "
                         "[[0, \"1\"]]}]}"),
        "replay.json: series[0].samples[0][1]: expected a number or null (a gap), got \"1\"");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ratio\", \"kind\": "
                         "\"good_total\", \"samples\": [[0, 5]]}]}"),
        "replay.json: series[0].samples[0]: expected [time, good, total] or [time, null], got "
        "an array of 2");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ratio\", \"kind\": "
                         "\"good_total\", \"samples\": [[0, 5, 4]]}]}"),
        "replay.json: series[0].samples[0]: expected good <= total (both counts, or both "
        "null), got an array of 3");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ratio\", \"kind\": "
                         "\"good_total\", \"samples\": [[0, -1, 4]]}]}"),
        "replay.json: series[0].samples[0][1]: expected a count >= 0 or null (a gap), got -1");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ms\", \"kind\": \"rate\", "
                         "\"samples\": []}]}"),
        "replay.json: series[0].kind: expected \"gauge\" or \"good_total\", got \"rate\"");
    assert_string_equal(parse_error(HEAD "\"series\": [{\"name\": \"a\", \"samples\": []}]}"),
                        "replay.json: series[0].unit: missing; expected a string");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ms\", \"samples\": []},"
                         " {\"name\": \"a\", \"unit\": \"ms\", \"samples\": []}]}"),
        "replay.json: series[1].name: \"a\" is already used by series[0]; names must be unique");
    assert_string_equal(
        parse_error(HEAD "\"series\": [{\"name\": \"a\", \"unit\": \"ms\", \"sample\": []}]}"),
        "replay.json: series[0].sample: unknown field; expected one of name, unit, kind, "
        "description, samples");
    assert_string_equal(parse_error(HEAD "\"series\": {}}"),
                        "replay.json: series: expected an array of series, got an object");
    assert_string_equal(parse_error(HEAD "\"speed\": 0, \"series\": []}"),
                        "replay.json: speed: expected a number > 0 (1 = real time), got 0");
    assert_string_equal(
        parse_error("{\"format\": \"warroom-replay\", \"version\": 1, \"start\": \"09:00\", "
                    "\"series\": []}"),
        "replay.json: start: expected an ISO 8601 time with a zone, like "
        "\"2026-03-10T08:30:00-03:00\", got \"09:00\"");
    assert_string_equal(parse_error("{\"format\": \"csv\"}"),
                        "replay.json: format: expected \"warroom-replay\", got \"csv\"");
    assert_string_equal(parse_error("{\n\"format\": \"warroom-replay\",\n  \"version\": 1,,\n}"),
                        "replay.json:3:17: not valid JSON; fix the syntax near there");
    assert_string_equal(parse_error(HEAD "\"serie\": []}"),
                        "replay.json: serie: unknown field; expected one of format, version, "
                        "start, speed, note, series");

    struct replay_file *f = NULL;
    struct wr_error err = {0};
    assert_int_equal(replay_load("/nonexistent/replay.json", &f, &err), -1);
    assert_int_equal(err.code, WR_E_IO);
    assert_null(f);
}

/* The committed demo recording tells the seed 000 story on the incident's own clock. */
static int64_t local(int hh, int mm)
{
    return T0 + ((int64_t)(hh - 8) * 60 + (mm - 30)) * 60000;
}

static void test_demo_replay(void **state)
{
    struct replay_file *f = NULL;
    struct wr_error err = {0};
    if (replay_load(DEMO_REPLAY, &f, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(f->start_ms, T0);
    assert_true(f->speed > 1);
    const struct replay_series *av = replay_find(f, "loan_apply_availability");
    const struct replay_series *p99 = replay_find(f, "loan_apply_latency_p99");
    const struct replay_series *rps = replay_find(f, "loan_apply_throughput");
    assert_non_null(av);
    assert_non_null(p99);
    assert_non_null(rps);
    assert_int_equal(av->count, 241); /* 08:30..10:30 every 30 s */
    assert_int_equal(p99->count, 241);
    assert_int_equal(rps->count, 241);
    assert_int_equal(replay_end_ms(f), local(10, 30));

    double a, l, r, r0;
    assert_int_equal(replay_value_at(av, local(9, 5), &a, NULL), REPLAY_OK);
    assert_true(a > 0.999);
    assert_int_equal(replay_value_at(p99, local(9, 5), &l, NULL), REPLAY_OK);
    assert_true(l < 500);
    assert_int_equal(replay_value_at(rps, local(8, 40), &r0, NULL), REPLAY_OK);
    assert_int_equal(replay_value_at(rps, local(9, 30), &r, NULL), REPLAY_OK);
    assert_true(r < 0.7 * r0);
    for (int m = 30; m <= 55; m += 5) {
        assert_int_equal(replay_value_at(av, local(9, m), &a, NULL), REPLAY_OK);
        assert_true(a < 0.9 && a > 0.8);
        assert_int_equal(replay_value_at(p99, local(9, m), &l, NULL), REPLAY_OK);
        assert_true(l > 4000 && l < 9000);
    }
    assert_int_equal(replay_value_at(av, local(10, 20), &a, NULL), REPLAY_OK);
    assert_true(a > 0.999);
    assert_int_equal(replay_value_at(p99, local(10, 20), &l, NULL), REPLAY_OK);
    assert_true(l < 500);

    /* a 99.9 % SLO: the fast burn alert fires during the incident and clears after it */
    struct slo_sample *ss = NULL;
    size_t n = 0;
    assert_int_equal(replay_slo_samples(av, T0 - 1, local(10, 30), &ss, &n), 0);
    assert_int_equal(n, 241);
    struct slo_alert_result out[SLO_DEFAULT_RULES];
    int first;
    assert_int_equal(slo_alert_evaluate(0.999, slo_default_rules(), SLO_DEFAULT_RULES, ss, n,
                                        local(9, 5), out, &first),
                     SLO_OK);
    assert_int_equal(first, -1);
    assert_int_equal(slo_alert_evaluate(0.999, slo_default_rules(), SLO_DEFAULT_RULES, ss, n,
                                        local(9, 40), out, &first),
                     SLO_OK);
    assert_int_equal(first, 0);
    assert_int_equal(slo_alert_evaluate(0.999, slo_default_rules(), SLO_DEFAULT_RULES, ss, n,
                                        local(10, 30), out, &first),
                     SLO_OK);
    assert_false(out[0].firing);
    assert_true(out[0].long_burn > 14.4); /* the hour still remembers */
    assert_true(out[0].short_burn < 1.0);
    free(ss);
    replay_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_value_at),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_demo_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
