/* fuzz_analyze.h: the body of the log-analysis fuzz targets (fuzz_analyze_FORMAT.c define
 * FUZZ_ANALYZE_FORMAT and include this). Each input goes through the format's line parser
 * directly, then, as a file, through the whole single pass (gzip when it starts with the
 * magic, the format forced), aggregation, anomalies, recommendations and every report. */
#define _GNU_SOURCE /* memfd_create */
#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze_internal.h"
#include "fuzz.h"

/* Reports are written for results of up to a day of minutes: two timestamps years apart make
 * 89,280 minutes (the cap), whose reports repeat the same per-minute code that many times (a
 * cJSON node per value: most of an execution's time under ASan) and reach nothing a shorter
 * span does not. The aggregation and anomaly detection still run on every span. */
#define REPORT_MAX_MINUTES 1440

static char g_path[64];
static int g_fd = -1;
static char *g_scratch;

/* The input reaches the reader as a file in memory (a memfd opened by its /proc path), so no
 * execution waits for a disk. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    g_fd = memfd_create("fuzz_analyze", 0);
    if (g_fd < 0)
        abort();
    snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    g_scratch = malloc(ANA_LINE_MAX + 8);
    return 0;
}

/* The line parser alone, then what the aggregator makes of its record. */
static void one_line(const struct analyze_options *o, const char *p, size_t n)
{
    struct ana_record r;
    ana_record_reset(&r);
    const char *why = NULL;
    enum ana_line_status st;
    switch (FUZZ_ANALYZE_FORMAT) {
    case ANALYZE_FORMAT_S3: st = ana_parse_s3(&o->map, p, n, &r, g_scratch, &why); break;
    case ANALYZE_FORMAT_ALB: st = ana_parse_alb(p, n, &r, &why); break;
    case ANALYZE_FORMAT_CLOUDWATCH: st = ana_parse_cw_event(&o->map, p, n, &r, g_scratch, &why); break;
    default: st = ana_parse_jsonl(&o->map, p, n, &r, &why); break;
    }
    FUZZ_CHECK(st != ANA_LINE_MALFORMED || why);
    if (st != ANA_LINE_OK)
        return;
    struct ana_agg a;
    ana_agg_init(&a, o);
    ana_agg_add(&a, &r);
    struct analyze_result res = {0};
    struct wr_error err = {0};
    if (ana_agg_finish(&a, &res, &err) == 0) {
        FUZZ_CHECK(res.requests <= 1 && res.errors <= res.requests);
        for (size_t i = 0; i < res.nendpoints; i++)
            FUZZ_CHECK(wr_utf8_valid(res.endpoints[i].name, strlen(res.endpoints[i].name)));
        for (size_t i = 0; i < res.nerror_types; i++)
            FUZZ_CHECK(wr_utf8_valid(res.error_types[i].type, strlen(res.error_types[i].type)));
    }
    ana_agg_free(&a);
    /* the result's arrays, freed the way analyze_result_free does */
    struct analyze_result *heap = malloc(sizeof *heap);
    if (heap) {
        *heap = res;
        analyze_result_free(&heap);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct analyze_options o;
    analyze_options_init(&o);
    struct wr_error err = {0};
    if (size % 3 == 1) /* sometimes with a user map (nested names, a unit) */
        analyze_map_apply(&o.map, "duration=lat.v:s", "fuzz", &err);
    one_line(&o, (const char *)data, size);
    if (ftruncate(g_fd, 0) != 0 || (size && pwrite(g_fd, data, size, 0) != (ssize_t)size))
        return 0;
    const char *paths[1] = {g_path};
    o.paths = paths;
    o.npaths = 1;
    o.threads = 1;
    o.format = size % 2 ? FUZZ_ANALYZE_FORMAT : ANALYZE_FORMAT_AUTO;
    o.anomaly.warmup_minutes = 1;
    o.anomaly.min_requests = 1;
    struct analyze_result *r = NULL;
    if (analyze_run(&o, &r, &err) == 0) {
        FUZZ_CHECK(r && r->errors <= r->requests && r->malformed <= r->lines);
        if (r->nminutes > REPORT_MAX_MINUTES) { /* see REPORT_MAX_MINUTES */
            analyze_result_free(&r);
            return 0;
        }
        char *json = analyze_report_json(r);
        FUZZ_CHECK(json != NULL);
        free(json);
        struct wr_buf b = {0};
        FUZZ_CHECK(analyze_report_markdown(r, "x-", &b) == 0);
        FUZZ_CHECK(!memchr(b.data, 0x1b, b.len)); /* no escape sequence reaches a terminal */
        wr_buf_free(&b);
        analyze_result_free(&r);
    } else {
        FUZZ_CHECK(err.code != WR_OK && err.msg[0]);
    }
    return 0;
}
