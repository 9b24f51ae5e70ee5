/* sli_parse.h: parsers for the SLI sources' HTTP responses, separate from the libcurl code in
 * sli_fetch.c so that unit tests and fuzz targets link them without a network stack. */
#ifndef WARROOM_SLI_PARSE_H
#define WARROOM_SLI_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "sli.h"


struct prom_point {
    double t;     /* seconds */
    double value; /* NAN, +/-INFINITY allowed */
};

struct prom_parsed {
    bool no_data;                /* empty vector/matrix */
    double value;                /* instant: the single sample's value */
    struct prom_point *points;   /* range: the single series (malloc'd; caller frees) */
    size_t npoints;
    char warnings[SLI_ERROR_MAX];
};

/*
 * Parse a Prometheus HTTP API body. `range` selects query_range (a matrix of one series) over
 * query (a scalar or a vector of one series). Returns 0, or -1 with a one-line reason in err
 * ("bad_data: 1:5: parse error: ...", "query returned 3 series; aggregate to one with sum()",
 * "not a Prometheus API response: ..."). http_status is used in messages.
 */
int prom_parse(const char *body, size_t len, long http_status, bool range, struct prom_parsed *out,
               char *err, size_t errn);
/*
 * Parse a CloudWatch GetMetricData body (AWS JSON 1.0). The series is the result with Id
 * value_id (NULL: the first result), or good_id/total_id as a ratio per common timestamp;
 * points come sorted by time and value is the newest. HTTP errors give "CloudWatch HTTP 400:
 * ValidationError: ..."; StatusCode InternalError/Forbidden fail with the result's Messages;
 * PartialData and Messages become warnings. Returns 0 or -1 with the reason in err.
 */
int cw_parse(const char *body, size_t len, long http_status, const char *value_id,
             const char *good_id, const char *total_id, struct prom_parsed *out, char *err,
             size_t errn);
/* Replace every "$window" in expr with `window` (a Prometheus duration). Caller frees. */
char *prom_substitute(const char *expr, const char *window);
/* Parse a Prometheus sample value string ("1.5", "NaN", "+Inf", "-Inf"). -1 when invalid. */
int prom_value(const char *s, double *out);
/*
 * The generic JSON source: the number at `path` ("a.b[0].c"; a number or a numeric string) in
 * the body. An HTTP status >= 400, a body that is not JSON, a bad path or a missing or
 * non-numeric field fail with a one-line reason in err (url names the source in it).
 */
int json_source_parse(const char *body, size_t len, long http_status, const char *url,
                      const char *path, double *value, char *err, size_t errn);

#endif
