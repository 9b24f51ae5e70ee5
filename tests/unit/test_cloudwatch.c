/* test_cloudwatch.c: GetMetricData response parsing and the cloudwatch source's config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sli_fetch.h"

static int parse(const char *body, long http, const char *id, const char *good, const char *total,
                 struct prom_parsed *p, char *err, size_t errn)
{
    return cw_parse(body, strlen(body), http, id, good, total, p, err, errn);
}

static void test_value_sorted_newest(void **state)
{
    struct prom_parsed p;
    char err[256];
    const char *body = "{\"MetricDataResults\":[{\"Id\":\"a\",\"StatusCode\":\"Complete\","
                       "\"Timestamps\":[1,2],\"Values\":[5,6]},"
                       "{\"Id\":\"p99\",\"StatusCode\":\"Complete\",\"Timestamps\":[300,100,200],"
                       "\"Values\":[3.5,1.5,2.5]}],\"Messages\":[]}";
    assert_int_equal(parse(body, 200, "p99", NULL, NULL, &p, err, sizeof err), 0);
    assert_false(p.no_data);
    assert_int_equal(p.npoints, 3);
    assert_true(p.points[0].t == 100 && p.points[0].value == 1.5);
    assert_true(p.points[2].t == 300);
    assert_true(p.value == 3.5); /* the newest, not the first listed */
    assert_string_equal(p.warnings, "");
    free(p.points);
    /* No Id: the first result. */
    assert_int_equal(parse(body, 200, NULL, NULL, NULL, &p, err, sizeof err), 0);
    assert_true(p.value == 6);
    free(p.points);
}

static void test_ratio_and_zero_total(void **state)
{
    struct prom_parsed p;
    char err[256];
    const char *body = "{\"MetricDataResults\":["
                       "{\"Id\":\"ok\",\"Timestamps\":[60,120,180],\"Values\":[90,0,45]},"
                       "{\"Id\":\"all\",\"Timestamps\":[60,120,180],\"Values\":[100,0,50]}]}";
    assert_int_equal(parse(body, 200, NULL, "ok", "all", &p, err, sizeof err), 0);
    assert_int_equal(p.npoints, 2); /* the zero-traffic minute has no ratio */
    assert_true(fabs(p.points[0].value - 0.9) < 1e-12);
    assert_true(fabs(p.value - 0.9) < 1e-12);
    free(p.points);
}

/* Regression (fuzz_cloudwatch): a timestamp repeated in the total series wrote past the ratio
 * array. Each good sample gives at most one point. */
static void test_ratio_repeated_timestamps(void **state)
{
    (void)state;
    struct prom_parsed p;
    char err[256];
    const char *body = "{\"MetricDataResults\":[{\"Id\":\"m1\",\"Timestamps\":[2,2],"
                       "\"Values\":[5,6]}]}";
    assert_int_equal(parse(body, 200, "m1", "m1", "m1", &p, err, sizeof err), 0);
    assert_int_equal(p.npoints, 2);
    free(p.points);
}

static void test_errors(void **state)
{
    struct prom_parsed p;
    char err[256];
    assert_int_equal(parse("{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                           "\"message\":\"The parameter StartTime must be before EndTime\"}",
                           400, NULL, NULL, NULL, &p, err, sizeof err), -1);
    assert_string_equal(err, "CloudWatch HTTP 400: ValidationException: The parameter StartTime "
                             "must be before EndTime");
    assert_int_equal(parse("<html>", 502, NULL, NULL, NULL, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a CloudWatch response (HTTP 502)"));
    assert_int_equal(parse("{\"MetricDataResults\":[{\"Id\":\"a\",\"StatusCode\":\"Forbidden\","
                           "\"Messages\":[{\"Code\":\"x\",\"Value\":\"no access to namespace\"}],"
                           "\"Timestamps\":[],\"Values\":[]}]}",
                           200, "a", NULL, NULL, &p, err, sizeof err), -1);
    assert_string_equal(err, "CloudWatch result a: Forbidden: no access to namespace");
    assert_int_equal(parse("{\"MetricDataResults\":[]}", 200, "b", NULL, NULL, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "no result with Id \"b\""));
    assert_int_equal(parse("{\"MetricDataResults\":[{\"Id\":\"a\",\"Timestamps\":[1,2],\"Values\":[1]}]}",
                           200, "a", NULL, NULL, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "same length"));
    assert_int_equal(parse("{\"nope\":1}", 200, "a", NULL, NULL, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "MetricDataResults"));
}

static void test_partial_and_empty(void **state)
{
    struct prom_parsed p;
    char err[256];
    assert_int_equal(parse("{\"MetricDataResults\":[{\"Id\":\"a\",\"StatusCode\":\"PartialData\","
                           "\"Timestamps\":[\"2026-03-10T13:00:00Z\"],\"Values\":[7]}],"
                           "\"NextToken\":\"t\"}",
                           200, "a", NULL, NULL, &p, err, sizeof err), 0);
    assert_string_equal(p.warnings, "partial data");
    assert_true(p.points[0].t == 1773147600.0); /* ISO timestamps are accepted too */
    free(p.points);
    assert_int_equal(parse("{\"MetricDataResults\":[{\"Id\":\"a\",\"Timestamps\":[],\"Values\":[]}]}",
                           200, "a", NULL, NULL, &p, err, sizeof err), 0);
    assert_true(p.no_data);
    assert_true(isnan(p.value));
    free(p.points);
}

static void test_config(void **state)
{
    struct config *c = NULL;
    struct wr_error err;
    const char *ok = "{\"services\":[{\"name\":\"s\",\"slis\":[{\"id\":\"x\",\"type\":\"custom\","
                     "\"source\":{\"type\":\"cloudwatch\",\"region\":\"eu-west-1\"},"
                     "\"metric_queries\":[{\"Id\":\"q\",\"Expression\":\"1\"}]}]}]}";
    assert_int_equal(config_parse(ok, "c.json", &c, &err), 0);
    assert_int_equal(c->slis[0].source.type, CFG_SOURCE_CLOUDWATCH);
    assert_string_equal(c->slis[0].source.url, "https://monitoring.eu-west-1.amazonaws.com/");
    assert_string_equal(c->slis[0].metric_queries, "[{\"Id\":\"q\",\"Expression\":\"1\"}]");
    config_free(&c);
    const char *noregion = "{\"services\":[{\"name\":\"s\",\"slis\":[{\"id\":\"x\",\"type\":\"custom\","
                           "\"source\":{\"type\":\"cloudwatch\"},\"metric_queries\":[{}]}]}]}";
    assert_int_equal(config_parse(noregion, "c.json", &c, &err), -1);
    assert_non_null(strstr(err.msg, "region"));
    const char *noqueries = "{\"services\":[{\"name\":\"s\",\"slis\":[{\"id\":\"x\",\"type\":\"custom\","
                            "\"source\":{\"type\":\"cloudwatch\",\"region\":\"us-east-1\"}}]}]}";
    assert_int_equal(config_parse(noqueries, "c.json", &c, &err), -1);
    assert_non_null(strstr(err.msg, "a custom SLI on a cloudwatch source needs \"metric_queries\""));
    const char *badregion = "{\"services\":[{\"name\":\"s\",\"slis\":[{\"id\":\"x\",\"type\":\"custom\","
                            "\"source\":{\"type\":\"cloudwatch\",\"region\":\"evil.com/x\"},"
                            "\"metric_queries\":[{}]}]}]}";
    assert_int_equal(config_parse(badregion, "c.json", &c, &err), -1);
    assert_non_null(strstr(err.msg, "region"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_sorted_newest), cmocka_unit_test(test_ratio_and_zero_total),
        cmocka_unit_test(test_errors),              cmocka_unit_test(test_partial_and_empty),
        cmocka_unit_test(test_config), cmocka_unit_test(test_ratio_repeated_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
