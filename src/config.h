/* config.h: the user's configuration file: services, their SLIs, SLO targets and sources. */
#ifndef WARROOM_CONFIG_H
#define WARROOM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * Format (JSON; data/example-config.json is a working example):
 *   {
 *     "sources": { "prom": { "type": "prometheus", "url": "http://127.0.0.1:9090",
 *                            "timeout": "5s" },
 *                  "demo": { "type": "replay", "file": "demo/replay.json", "speed": 60 },
 *                  "api":  { "type": "json", "url": "http://host/metrics", "path": "a.b[0]" },
 *                  "cw":   { "type": "cloudwatch", "region": "eu-west-1",
 *                            "url": "optional endpoint override" } },
 *     "services": [ { "name": "loan-api", "slis": [ {
 *         "id": "availability",                 unique across the file; [A-Za-z0-9_.-]
 *         "name": "/loan/apply success rate",   optional, shown on the panel
 *         "type": "availability",               availability | latency | throughput | custom
 *         "source": "prom",                     a name from "sources" or an inline object
 *         "good":  "sum(increase(loan_requests_total{code!~\"5..\"}[$window]))",
 *         "total": "sum(increase(loan_requests_total[$window]))",
 *         "query": "...",                       the value (latency, throughput, custom)
 *         "threshold_ms": 500,                  latency: the value must stay at or under it
 *         "min": 10, "max": 1000,               throughput/custom: the value must stay in range
 *         "scale": 1000,                        multiply query values (seconds -> ms)
 *         "target": 0.999, "window": "28d",     SLO over the window (availability; latency
 *                                               when good/total are given)
 *         "burn_windows": [ { "name": "fast", "factor": 14.4, "long": "1h", "short": "5m" } ],
 *         "value_window": "5m",                 $window for the value shown
 *         "refresh": "15s", "stale_after": "1m",
 *         "spark_range": "1h", "spark_step": "1m",
 *         "series": "replay series name (replay source)",
 *         "json_path": "path to the number (json source; overrides the source's path)",
 *         "metric_queries": [ GetMetricData MetricDataQueries, verbatim (cloudwatch) ] } ] } ]
 *   }
 * Queries are the user's PromQL. "$window" in a query is replaced by a Prometheus duration
 * ("5m", "1h", "3d"): the value window for the value, each burn-rate window for burn rates and
 * the SLO window for the budget. Keys starting with "_" (e.g. "_comment") are ignored.
 * CloudWatch SLIs send one GetMetricData request per refresh over the spark range (signed
 * with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN); they show the value and
 * sparkline only (no budget or burn rates).
 */

enum cfg_source_type {
    CFG_SOURCE_PROMETHEUS,
    CFG_SOURCE_JSON,
    CFG_SOURCE_REPLAY,
    CFG_SOURCE_CLOUDWATCH,
};
enum cfg_sli_type { CFG_SLI_AVAILABILITY, CFG_SLI_LATENCY, CFG_SLI_THROUGHPUT, CFG_SLI_CUSTOM };

#define CFG_MAX_BURN_RULES 8

struct cfg_source {
    char *name;                /* key in "sources", or "inline" */
    enum cfg_source_type type;
    char *url;                 /* prometheus, json; cloudwatch: the endpoint (default
                                  https://monitoring.REGION.amazonaws.com/) */
    char *region;              /* cloudwatch: e.g. "eu-west-1" */
    char *path;                /* json: path to the number, e.g. "data.items[0].value" */
    char *file;                /* replay: absolute path (relative ones resolved against the config) */
    double speed;              /* replay: playback speed hint (default 1) */
    int64_t timeout_ms;        /* per request (default 5 s) */
};

struct cfg_burn_rule {
    char name[16];
    double factor;
    int64_t long_ms, short_ms;
};

struct cfg_sli {
    char *id, *name, *service;
    enum cfg_sli_type type;
    struct cfg_source source; /* a copy of the named or inline source */
    char *query, *good, *total, *series, *json_path; /* NULL when absent */
    char *metric_queries; /* cloudwatch: the MetricDataQueries array as JSON text; "query"
                             names the result Id shown (default the first), "good"/"total"
                             the result Ids of an availability ratio */
    double threshold_ms;                             /* latency; NAN when absent */
    double min, max;                                 /* NAN when absent */
    double scale;                                    /* default 1 */
    double target;                                   /* NAN when the SLI has no SLO */
    int64_t window_ms, value_window_ms, refresh_ms, stale_after_ms, spark_range_ms,
        spark_step_ms;
    struct cfg_burn_rule rules[CFG_MAX_BURN_RULES];
    size_t nrules;
};

/*
 * The "analyze" section (warroom analyze; every member optional):
 *   "analyze": { "map": { "status": "statusCode", "duration": "latency:s" },
 *                "health_paths": ["/healthz", "/readyz"],
 *                "target": 0.995,
 *                "anomaly": { "baseline_minutes": 60, "warmup_minutes": 10, "threshold": 4,
 *                             "min_requests": 20, "min_episode_minutes": 2,
 *                             "merge_gap_minutes": 2 } }
 * A config file may hold only this section ("services" is then optional).
 */
struct cfg_analyze {
    bool present;
    char **map; /* "FIELD=NAME[:UNIT]" rules, checked by analyze_map_apply */
    size_t nmap;
    char **health; /* replaces the default health-check paths when has_health */
    size_t nhealth;
    bool has_health;
    double target;    /* NAN when absent */
    double threshold; /* NAN when absent */
    int baseline_minutes, warmup_minutes, min_requests, min_episode_minutes,
        merge_gap_minutes; /* -1 when absent */
};

struct config {
    char *path;
    struct cfg_sli *slis;
    size_t nslis;
    struct cfg_analyze analyze;
};

/* Default path: $XDG_CONFIG_HOME/warroom/config.json or ~/.config/warroom/config.json.
 * Writes into buf; returns buf, or NULL when neither variable is set. */
char *config_default_path(char *buf, size_t n);
/* Load and validate a config file. *out is allocated (free with config_free). Errors
 * (WR_E_IO / WR_E_CONFIG) name the file, the field path and what was expected, e.g.
 *   config.json: services[0].slis[1].target: expected a number in (0, 1), got 99.9 */
int config_load(const char *path, struct config **out, struct wr_error *err);
/* Same from text; `name` is the file name used in messages and to resolve relative paths. */
int config_parse(const char *text, const char *name, struct config **out, struct wr_error *err);
void config_free(struct config **c);
/* The SLI with this id, or NULL. Borrowed. */
const struct cfg_sli *config_find_sli(const struct config *c, const char *id);

/* Parse "5m", "1h30m", "28d", "500ms", "15s" into ms. -1 when invalid or zero. */
int64_t config_duration_ms(const char *text);
/* Format ms as a Prometheus duration ("1h", "90s", "3d", "250ms"). Returns buf. */
char *config_prom_duration(int64_t ms, char *buf, size_t n);
/* "availability", "latency", ... */
const char *config_sli_type_name(enum cfg_sli_type t);

#endif
