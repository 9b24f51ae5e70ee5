/* test_config.c: config loading and its errors, Prometheus parsing, SLI states, the fetch loop. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "sli.h"
#include "sli_fetch.h"

static const char *const SLI_OK_JSON =
    "{\"sources\": {\"p\": {\"type\": \"prometheus\", \"url\": \"http://127.0.0.1:9\"}},"
    " \"services\": [{\"name\": \"api\", \"slis\": ["
    "  {\"id\": \"a\", \"type\": \"availability\", \"source\": \"p\", \"target\": 0.999,"
    "   \"good\": \"sum(increase(ok[$window]))\", \"total\": \"sum(increase(all[$window]))\"}]}]}";

/* Parse text expecting failure; return the message. */
static const char *parse_error(const char *text, struct wr_error *err)
{
    struct config *c = NULL;
    assert_int_equal(config_parse(text, "cfg.json", &c, err), -1);
    assert_null(c);
    assert_int_equal(err->code, WR_E_CONFIG);
    return err->msg;
}

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(config_duration_ms("5m"), 300000);
    assert_int_equal(config_duration_ms("1h30m"), 5400000);
    assert_int_equal(config_duration_ms("28d"), 28LL * 86400000);
    assert_int_equal(config_duration_ms("250ms"), 250);
    assert_int_equal(config_duration_ms("5"), -1);
    assert_int_equal(config_duration_ms("0s"), -1);
    assert_int_equal(config_duration_ms("m"), -1);
    char buf[32];
    assert_string_equal(config_prom_duration(3600000, buf, sizeof buf), "1h");
    assert_string_equal(config_prom_duration(90000, buf, sizeof buf), "90s");
    assert_string_equal(config_prom_duration(3 * 86400000LL, buf, sizeof buf), "3d");
    assert_string_equal(config_prom_duration(1500, buf, sizeof buf), "1500ms");
}

static void test_parse_ok_and_defaults(void **state)
{
    (void)state;
    struct config *c = NULL;
    struct wr_error err = {0};
    assert_int_equal(config_parse(SLI_OK_JSON, "dir/cfg.json", &c, &err), 0);
    assert_int_equal(c->nslis, 1);
    const struct cfg_sli *s = config_find_sli(c, "a");
    assert_non_null(s);
    assert_string_equal(s->service, "api");
    assert_string_equal(s->name, "a");
    assert_int_equal(s->source.type, CFG_SOURCE_PROMETHEUS);
    assert_int_equal(s->source.timeout_ms, 5000);
    assert_int_equal(s->window_ms, 28LL * 86400000);
    assert_int_equal(s->refresh_ms, 15000);
    assert_int_equal(s->stale_after_ms, 45000);
    /* The seed's burn-rate defaults. */
    assert_int_equal(s->nrules, 3);
    assert_true(s->rules[0].factor == 14.4);
    assert_int_equal(s->rules[0].long_ms, 3600000);
    assert_int_equal(s->rules[0].short_ms, 300000);
    assert_true(s->rules[2].factor == 1.0);
    assert_int_equal(s->rules[2].long_ms, 3 * 86400000LL);
    assert_null(config_find_sli(c, "b"));
    config_free(&c);
    assert_null(c);
}

static void test_example_config(void **state)
{
    (void)state;
    struct config *c = NULL;
    struct wr_error err = {0};
    assert_int_equal(config_load(WARROOM_SOURCE_DIR "/data/example-config.json", &c, &err), 0);
    assert_int_equal(c->nslis, 3);
    assert_int_equal(c->slis[0].source.type, CFG_SOURCE_REPLAY);
    assert_string_equal(c->slis[0].source.file,
                        WARROOM_SOURCE_DIR "/data/demo/replay.json");
    assert_int_equal(c->slis[1].type, CFG_SLI_LATENCY);
    assert_true(c->slis[1].threshold_ms == 800);

    /* Replayed at the incident's worst the availability burns and is breached; before it, ok. */
    struct sli_set *set = NULL;
    struct sli_fetch *f = NULL;
    assert_int_equal(sli_set_new(c, &set, &err), 0);
    assert_int_equal(sli_fetch_new(set, NULL, &f, &err), 0);
    int64_t t;
    assert_int_equal(wr_time_parse("2026-03-10T08:59:00-03:00", 0, &t, &err), 0);
    sli_fetch_set_time(f, t);
    assert_int_equal(sli_fetch_run_once(f, NULL, &err), 0);
    assert_int_equal(set->slis[0].state, SLI_OK);
    assert_true(set->slis[0].value > 0.998);
    assert_int_equal(set->slis[2].state, SLI_OK);
    assert_int_equal(wr_time_parse("2026-03-10T09:40:00-03:00", 0, &t, &err), 0);
    sli_fetch_set_time(f, t);
    assert_int_equal(sli_fetch_run_once(f, "loan_apply_availability", &err), 0);
    assert_int_equal(set->slis[0].state, SLI_BURNING);
    assert_int_equal(set->slis[0].burning_rule, 0);
    /* 70 minutes of recording against a 28-day budget: spent some, far from all of it. */
    assert_true(set->slis[0].has_budget);
    assert_true(set->slis[0].budget_remaining > 0.5 && set->slis[0].budget_remaining < 0.99);
    assert_true(set->slis[0].burns[0].firing);
    assert_true(set->slis[0].value < 0.95);
    assert_int_equal(set->slis[0].nspark, 60);
    assert_int_equal(sli_fetch_run_once(f, "nope", &err), -1);
    assert_int_equal(err.code, WR_E_NOT_FOUND);
    sli_fetch_free(&f);
    sli_set_free(&set);
    config_free(&c);
}

static void test_parse_errors(void **state)
{
    (void)state;
    struct wr_error err = {0};
    const char *m;
    m = parse_error("{\"services\": [{\"name\": \"x\", \"slis\": [{\"id\": \"a\", \"type\": "
                    "\"availability\", \"target\": 99.9, \"good\": \"g\", \"total\": \"t\", "
                    "\"source\": {\"type\": \"prometheus\", \"url\": \"http://h\"}}]}]}",
                    &err);
    assert_non_null(strstr(m, "cfg.json: services[0].slis[0].target: expected a number in (0, 1)"));
    assert_non_null(strstr(m, "got 99.9"));
    m = parse_error("{\"services\": [{\"name\": \"x\", \"slis\": [{\"id\": \"a\", \"type\": "
                    "\"latency\", \"source\": \"nope\"}]}]}",
                    &err);
    assert_non_null(strstr(m, "services[0].slis[0].source: expected the name of an entry"));
    m = parse_error("{\"services\": [], \"sevrices\": 1}", &err);
    assert_non_null(strstr(m, "sevrices: unknown field"));
    m = parse_error("{\"services\": [{\"name\": \"x\", \"slis\": [{\"id\": \"a\", \"type\": "
                    "\"custom\", \"query\": \"up\", \"refresh\": \"soon\", \"source\": {\"type\": "
                    "\"prometheus\", \"url\": \"http://h\"}}]}]}",
                    &err);
    assert_non_null(strstr(m, "services[0].slis[0].refresh: expected a duration"));
    m = parse_error("{\"services\": [{\"name\": \"x\", \"slis\": [{\"id\": \"a\", \"type\": "
                    "\"availability\", \"target\": 0.9, \"source\": {\"type\": \"prometheus\", "
                    "\"url\": \"http://h\"}}]}]}",
                    &err);
    assert_non_null(strstr(m, "needs \"good\" and \"total\" queries"));
    m = parse_error("{\"services\": [{\"name\": \"x\", \"slis\": [{\"id\": \"a\", \"type\": "
                    "\"custom\", \"query\": \"up\", \"source\": {\"type\": \"prometheus\", "
                    "\"url\": \"ftp://h\"}}]}]}",
                    &err);
    assert_non_null(strstr(m, "source.url: expected an http:// or https:// URL"));
    m = parse_error("{\"services\": [{\"name\": \"x\", \"slis\": [{\"id\": \"a\", \"type\": "
                    "\"custom\", \"query\": \"up\", \"burn_windows\": [{\"factor\": 2, \"long\": "
                    "\"5m\", \"short\": \"1h\"}], \"source\": {\"type\": \"prometheus\", "
                    "\"url\": \"http://h\"}}]}]}",
                    &err);
    assert_non_null(strstr(m, "burn_windows[0]: expected"));
    m = parse_error("{\n\"services\": [\n,]}", &err);
    assert_non_null(strstr(m, "cfg.json: line 3: not valid JSON"));
    /* Duplicate ids. */
    char *dup = NULL;
    const char *one = "{\"id\": \"a\", \"type\": \"custom\", \"query\": \"up\", \"source\": "
                      "{\"type\": \"prometheus\", \"url\": \"http://h\"}}";
    size_t n = strlen(one) * 2 + 64;
    dup = malloc(n);
    assert_non_null(dup);
    snprintf(dup, n, "{\"services\": [{\"name\": \"x\", \"slis\": [%s, %s]}]}", one, one);
    m = parse_error(dup, &err);
    assert_non_null(strstr(m, "slis[1].id: \"a\" is already used"));
    free(dup);
    /* A missing file names the file. */
    struct config *c = NULL;
    assert_int_equal(config_load("/nonexistent/warroom.json", &c, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/warroom.json"));
}

static void test_prom_parse(void **state)
{
    (void)state;
    struct prom_parsed p;
    char err[256];
    const char *vec = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                      "[{\"metric\":{},\"value\":[1773146400.5,\"0.25\"]}]}}";
    assert_int_equal(prom_parse(vec, strlen(vec), 200, false, &p, err, sizeof err), 0);
    assert_false(p.no_data);
    assert_true(p.value == 0.25);
    const char *nan = "{\"status\":\"success\",\"warnings\":[\"w1\",\"w2\"],\"data\":{"
                      "\"resultType\":\"scalar\",\"result\":[1,\"NaN\"]}}";
    assert_int_equal(prom_parse(nan, strlen(nan), 200, false, &p, err, sizeof err), 0);
    assert_true(isnan(p.value));
    assert_string_equal(p.warnings, "w1; w2");
    const char *inf = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":"
                      "[1,\"+Inf\"]}}";
    assert_int_equal(prom_parse(inf, strlen(inf), 200, false, &p, err, sizeof err), 0);
    assert_true(isinf(p.value) && p.value > 0);
    const char *mat = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
                      "[{\"metric\":{},\"values\":[[10,\"1\"],[20,\"-Inf\"],[30,\"3.5\"]]}]}}";
    assert_int_equal(prom_parse(mat, strlen(mat), 200, true, &p, err, sizeof err), 0);
    assert_int_equal(p.npoints, 3);
    assert_true(p.points[1].value < 0 && isinf(p.points[1].value));
    assert_true(p.points[2].t == 30 && p.points[2].value == 3.5);
    free(p.points);
    /* A matrix where one number is wanted is an error that explains itself. */
    assert_int_equal(prom_parse(mat, strlen(mat), 200, false, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "matrix"));
    const char *empty = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                        "\"result\":[]}}";
    assert_int_equal(prom_parse(empty, strlen(empty), 200, false, &p, err, sizeof err), 0);
    assert_true(p.no_data);
    const char *two = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                      "[{\"metric\":{},\"value\":[1,\"1\"]},{\"metric\":{},\"value\":[1,\"2\"]}]}}";
    assert_int_equal(prom_parse(two, strlen(two), 200, false, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "returned 2 series"));
    const char *perr = "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query "
                       "timed out\"}";
    assert_int_equal(prom_parse(perr, strlen(perr), 503, false, &p, err, sizeof err), -1);
    assert_string_equal(err, "timeout: query timed out");
    const char *bad = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":"
                      "[1,\"12abc\"]}}";
    assert_int_equal(prom_parse(bad, strlen(bad), 200, false, &p, err, sizeof err), -1);
    assert_int_equal(prom_parse("<html>", 6, 502, false, &p, err, sizeof err), -1);
    assert_string_equal(err, "HTTP 502: <html>");

    char *s = prom_substitute("rate(x[$window]) / rate(y[$window])", "5m");
    assert_string_equal(s, "rate(x[5m]) / rate(y[5m])");
    free(s);
}

static void test_sli_states(void **state)
{
    (void)state;
    struct config *c = NULL;
    struct wr_error err = {0};
    struct sli_set *set = NULL;
    assert_int_equal(config_parse(SLI_OK_JSON, "cfg.json", &c, &err), 0);
    assert_int_equal(sli_set_new(c, &set, &err), 0);
    struct sli *s = &set->slis[0];
    assert_int_equal(s->state, SLI_PENDING);
    struct sli_result r = {0};
    r.has_value = true;
    r.value = 0.9995;
    r.has_budget = true;
    r.budget_remaining = 0.5;
    sli_apply(s, &r, 1000);
    assert_int_equal(s->state, SLI_OK);
    assert_int_equal(s->alert_transition, 0);
    assert_int_equal(s->nspark, 1);
    /* Fast rule firing: burning, and the text names the window. */
    r.burns[0] = (struct sli_burn){true, true, 20, 30, true};
    sli_apply(s, &r, 2000);
    assert_int_equal(s->state, SLI_BURNING);
    assert_int_equal(s->alert_transition, 1);
    char buf[600];
    assert_string_equal(sli_state_text(s, 2000, buf, sizeof buf),
                        "burning: fast (14.4x over 1h and 5m)");
    r.budget_remaining = -0.1;
    sli_apply(s, &r, 3000);
    assert_int_equal(s->state, SLI_BREACHED);
    assert_int_equal(s->alert_transition, 0); /* still firing: no new snapshot */
    char *sum = sli_set_summary(set, 3000);
    assert_string_equal(sum, "SLI snapshot: a 99.950 % BREACH (fast 20x) budget -10.0 %");
    free(sum);
    char *json = sli_set_json(set, NULL, 0, 3000);
    assert_non_null(strstr(json, "\"state\":\t\"breached\""));
    assert_non_null(strstr(json, "\"long_burn\":\t20"));
    assert_non_null(strstr(json, "\"evaluated_at\":\t\"1970-01-01T00:00:00.000Z\""));
    free(json);
    /* A failure: error with the reason, the last value kept. */
    struct sli_result bad = {.failed = true};
    snprintf(bad.error, sizeof bad.error, "HTTP 500");
    sli_apply(s, &bad, 4000);
    assert_int_equal(s->state, SLI_ERROR);
    assert_int_equal(s->failures, 1);
    assert_string_equal(sli_state_text(s, 4000, buf, sizeof buf), "error: HTTP 500");
    assert_true(s->has_value && s->value == 0.9995);
    /* Recovery then staleness after stale_after (45 s). */
    memset(r.burns, 0, sizeof r.burns);
    r.budget_remaining = 0.4;
    sli_apply(s, &r, 5000);
    assert_int_equal(s->state, SLI_OK);
    assert_int_equal(s->failures, 0);
    assert_int_equal(s->alert_transition, -1);
    /* No value with a reason: the reason is kept, the last value too (stale). */
    struct sli_result nodata = {0};
    snprintf(nodata.error, sizeof nodata.error, "no traffic at this time");
    sli_apply(s, &nodata, 5000);
    assert_int_equal(s->state, SLI_STALE);
    assert_string_equal(s->error, "no data: no traffic at this time");
    sli_apply(s, &r, 5000);
    assert_false(sli_check_stale(s, 5000 + 45000));
    assert_true(sli_check_stale(s, 5000 + 45001));
    assert_int_equal(s->state, SLI_STALE);
    assert_int_equal(sli_age_ms(s, 65000), 60000);
    assert_non_null(strstr(sli_state_text(s, 65000, buf, sizeof buf), "1m"));
    sli_set_free(&set);
    config_free(&c);
}

/* ---- the event-loop path: hooks + a tiny poll loop, as the TUI drives it ---- */

#define MAX_FDS 8
struct mini_loop {
    struct pollfd fds[MAX_FDS];
    int nfds;
    long timer_ms; /* -1: none */
    int changes;
};

static void mini_watch(void *ctx, int fd, short events)
{
    struct mini_loop *l = ctx;
    for (int i = 0; i < l->nfds; i++)
        if (l->fds[i].fd == fd) {
            if (events == 0)
                l->fds[i] = l->fds[--l->nfds];
            else
                l->fds[i].events = events;
            return;
        }
    if (events && l->nfds < MAX_FDS)
        l->fds[l->nfds++] = (struct pollfd){.fd = fd, .events = events};
}

static void mini_timer(void *ctx, long delay_ms)
{
    ((struct mini_loop *)ctx)->timer_ms = delay_ms;
}

static void mini_changed(void *ctx, struct sli *s)
{
    (void)s;
    ((struct mini_loop *)ctx)->changes++;
}

static void test_fetch_event_loop(void **state)
{
    (void)state;
    /* A listener that never accepts: the request hangs until its timeout. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 4), 0);
    socklen_t alen = sizeof a;
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
    char text[1024];
    snprintf(text, sizeof text,
             "{\"services\": [{\"name\": \"x\", \"slis\": ["
             "{\"id\": \"hang\", \"type\": \"custom\", \"query\": \"up\", \"source\": {\"type\": "
             "\"prometheus\", \"url\": \"http://127.0.0.1:%d\", \"timeout\": \"300ms\"}},"
             "{\"id\": \"refused\", \"type\": \"custom\", \"query\": \"up\", \"source\": "
             "{\"type\": \"prometheus\", \"url\": \"http://127.0.0.1:1\"}}]}]}",
             ntohs(a.sin_port));
    struct config *c = NULL;
    struct wr_error err = {0};
    struct sli_set *set = NULL;
    struct sli_fetch *f = NULL;
    struct mini_loop l = {.timer_ms = -1};
    struct sli_fetch_hooks hooks = {mini_watch, mini_timer, mini_changed, &l};
    assert_int_equal(config_parse(text, "cfg.json", &c, &err), 0);
    assert_int_equal(sli_set_new(c, &set, &err), 0);
    assert_int_equal(sli_fetch_new(set, &hooks, &f, &err), 0);
    assert_int_equal(sli_fetch_run_once(f, NULL, &err), -1); /* blocking mode refused */
    int64_t next = sli_fetch_start_due(f, wr_mono_ms());
    assert_int_equal(next, -1); /* both in flight: nothing to wake up for until one finishes */
    assert_int_equal(sli_fetch_in_flight(f), 2);
    /* Bounded by iterations, not by time: each turn waits for an fd or the curl timer. */
    for (int turn = 0; turn < 10000 && sli_fetch_in_flight(f) > 0; turn++) {
        int n = poll(l.fds, (nfds_t)l.nfds, l.timer_ms < 0 ? 1000 : (int)l.timer_ms);
        assert_true(n >= 0);
        if (n == 0) {
            l.timer_ms = -1;
            sli_fetch_on_timeout(f);
            continue;
        }
        struct pollfd ready[MAX_FDS];
        int nready = l.nfds;
        memcpy(ready, l.fds, sizeof ready);
        for (int i = 0; i < nready; i++)
            if (ready[i].revents)
                sli_fetch_on_socket(f, ready[i].fd, ready[i].revents);
    }
    assert_int_equal(sli_fetch_in_flight(f), 0);
    assert_int_equal(l.changes, 2);
    struct sli *hang = sli_set_find(set, "hang"), *refused = sli_set_find(set, "refused");
    assert_int_equal(hang->state, SLI_ERROR);
    assert_non_null(strstr(hang->error, "timed out after 300ms"));
    assert_int_equal(refused->state, SLI_ERROR);
    assert_non_null(strstr(refused->error, "127.0.0.1:1"));
    /* Backoff: after a failure the next run waits twice the refresh interval (15 s). */
    next = sli_fetch_start_due(f, wr_mono_ms());
    assert_true(next > 15000 && next <= 30000);
    assert_int_equal(sli_fetch_in_flight(f), 0);
    sli_fetch_free(&f);
    assert_int_equal(l.nfds, 0);
    sli_set_free(&set);
    config_free(&c);
    close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),       cmocka_unit_test(test_parse_ok_and_defaults),
        cmocka_unit_test(test_example_config),  cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_prom_parse),      cmocka_unit_test(test_sli_states),
        cmocka_unit_test(test_fetch_event_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
