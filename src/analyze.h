/* analyze.h: log analysis (`warroom analyze`): reliability figures, anomalies and
 * recommendations from CloudWatch Logs exports, JSON-lines logs and ALB access logs. */
#ifndef WARROOM_ANALYZE_H
#define WARROOM_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze_hist.h"
#include "util.h"

/* Input formats. AUTO detects per file from its first bytes (after gunzip). */
#define ANALYZE_FORMAT_LIST(X)                                                                 \
    X(ANALYZE_FORMAT_CLOUDWATCH, "cloudwatch", "the JSON of `aws logs filter-log-events`")     \
    X(ANALYZE_FORMAT_S3, "s3", "CloudWatch Logs export to S3: TIMESTAMP SPACE MESSAGE lines")  \
    X(ANALYZE_FORMAT_JSONL, "jsonl", "JSON lines (the structured-log standard of seed 002)")    \
    X(ANALYZE_FORMAT_ALB, "alb", "ALB access logs")

enum analyze_format {
    ANALYZE_FORMAT_AUTO = -1,
#define ANA_X_ENUM(id, name, text) id,
    ANALYZE_FORMAT_LIST(ANA_X_ENUM)
#undef ANA_X_ENUM
        ANALYZE_FORMAT_COUNT
};
/* "cloudwatch", ...; "auto" for AUTO. */
const char *analyze_format_name(enum analyze_format f);
/* Parse a --format value; -2 when unknown (AUTO for "auto"). */
int analyze_format_parse(const char *name);
/* "cloudwatch (the JSON of ...), s3 (...), ..." for messages. Static. */
const char *analyze_format_list(void);

/* The fields a log line may carry (the names of seed 002's structured-log standard). */
#define ANALYZE_FIELD_LIST(X)                                                                  \
    X(ANA_F_TIMESTAMP, "timestamp")                                                            \
    X(ANA_F_LEVEL, "level")                                                                    \
    X(ANA_F_SERVICE, "service")                                                                \
    X(ANA_F_MESSAGE, "message")                                                                \
    X(ANA_F_ERROR_TYPE, "error_type")                                                          \
    X(ANA_F_ERROR_MESSAGE, "error_message")                                                    \
    X(ANA_F_METHOD, "http_method")                                                             \
    X(ANA_F_PATH, "http_path")                                                                 \
    X(ANA_F_STATUS, "http_status")                                                             \
    X(ANA_F_DURATION, "duration_ms")                                                           \
    X(ANA_F_DEPENDENCY, "dependency")                                                          \
    X(ANA_F_RETRY_COUNT, "retry_count")

enum analyze_field {
#define ANA_X_ENUM(id, name) id,
    ANALYZE_FIELD_LIST(ANA_X_ENUM)
#undef ANA_X_ENUM
        ANA_F_COUNT
};

#define ANALYZE_MAX_NAMES 48   /* field names in a map */
#define ANALYZE_NAME_MAX 64    /* bytes of one (dotted) field name */
#define ANALYZE_MAX_HEALTH 16  /* health-check paths */

/* Which source key feeds which field. A key may be a dotted path into nested objects
 * ("http.status"). Several keys may feed one field: the first listed that a line has wins. */
struct analyze_map {
    struct analyze_map_name {
        char name[ANALYZE_NAME_MAX];
        uint8_t len;
        uint8_t field;     /* enum analyze_field */
        uint8_t prio;      /* lower wins */
        bool user;         /* from --map or the config (reported when never seen) */
        double scale;      /* duration: multiply to get ms */
    } names[ANALYZE_MAX_NAMES];
    size_t count;
    bool nested; /* some name has a dot */
};

/* The default names: timestamp/@timestamp/time/ts, level/severity, service, message/msg,
 * error_type, error_message, http_method/method, http_path/path, http_status/status,
 * duration_ms, dependency, retry_count. */
void analyze_map_defaults(struct analyze_map *m);
/*
 * Apply one "FIELD=NAME[:UNIT]" rule (FIELD: a field name above, "status", "method", "path",
 * "duration" accepted too; UNIT for durations: ns, us, ms, s). It replaces the default names of
 * FIELD. `where` names the source in messages ("--map", "config.json: analyze.map").
 */
int analyze_map_apply(struct analyze_map *m, const char *rule, const char *where,
                      struct wr_error *err);

/* Anomaly detection parameters (README "Anomaly detection"). */
struct analyze_anomaly_params {
    int baseline_minutes;   /* trailing window of normal minutes (default 60) */
    int warmup_minutes;     /* normal minutes needed before judging (default 10) */
    double threshold;       /* robust z-score: (x - median) / (1.4826 MAD) (default 4) */
    int min_requests;       /* requests a minute needs for error rate and p99 (default 20) */
    int min_episode_minutes; /* shortest episode reported (default 2) */
    int merge_gap_minutes;  /* normal minutes that may separate one episode's parts (default 2) */
};
void analyze_anomaly_defaults(struct analyze_anomaly_params *p);

struct analyze_options {
    const char *const *paths; /* "-" is standard input */
    size_t npaths;
    enum analyze_format format;  /* AUTO, or forced for every file */
    int64_t from_ms, to_ms;      /* keep records in [from, to); WR_TIME_NONE: open */
    struct analyze_map map;
    const char *health[ANALYZE_MAX_HEALTH]; /* excluded paths (after normalisation) */
    size_t nhealth;
    struct analyze_anomaly_params anomaly;
    double target;   /* availability objective for the budget rule (default 0.995) */
    int threads;     /* worker threads; 0: one per online CPU (at most 8) */
};
/* Defaults: AUTO, no time filter, default map, /healthz /readyz /livez /health, defaults above. */
void analyze_options_init(struct analyze_options *o);

/* ---- the result ---- */

struct analyze_file {
    char *path;
    const char *format; /* analyze_format_name, or "empty" */
    bool gzip;
    uint64_t lines, malformed;
};

/* One malformed line reported with its place (the first few are kept). */
struct analyze_sample {
    char *file;
    uint64_t line;
    char *reason;
};

struct analyze_endpoint {
    char *name; /* "POST /loan/{id}/apply" */
    uint64_t requests, errors, with_latency;
    double p50_ms, p95_ms, p99_ms; /* NAN without latency */
};

/* What kind of failure an error type is, for the recommendation rules. */
enum analyze_error_class { ANA_CLASS_OTHER, ANA_CLASS_TIMEOUT, ANA_CLASS_CONNECTION, ANA_CLASS_POOL };
const char *analyze_error_class_name(enum analyze_error_class c);

struct analyze_error_type {
    char *type;
    char *dependency; /* "" when none was named */
    enum analyze_error_class cls;
    uint64_t count;
    int64_t first_ms, last_ms; /* WR_TIME_NONE without timestamps */
    int64_t onset_ms; /* first minute with at least max(2, 10% of its busiest minute) */
    uint64_t peak_minute_count;
};

struct analyze_minute {
    int64_t t_ms; /* start of the minute */
    uint64_t requests, errors, error_events, with_latency;
    double p99_ms;       /* NAN without latency */
    double retries_mean; /* mean retry_count of lines carrying one; NAN without */
};

/* The series anomalies are looked for in. */
enum analyze_series { ANA_SERIES_ERROR_RATE, ANA_SERIES_P99, ANA_SERIES_REQUESTS, ANA_SERIES_COUNT };
const char *analyze_series_name(enum analyze_series s); /* "error_rate", "p99_ms", "requests" */
/* The series for people: "error rate", "p99 latency", "requests per minute". */
const char *analyze_series_title(enum analyze_series s);

struct analyze_episode {
    enum analyze_series series;
    int64_t start_ms, end_ms; /* end: the end of the last anomalous minute */
    int64_t peak_ms;
    double peak, baseline; /* values of the series (error rate as a ratio) */
    double score;          /* robust z-score at the peak */
    bool low;              /* a drop (requests) rather than a rise */
    size_t minutes;        /* anomalous minutes in it */
};

struct analyze_recommendation {
    char *rule;    /* the rule's name, e.g. "dependency-timeouts" */
    char *finding; /* the evidence, with figures */
    char *action;
};

/* Figures over a sub-window (the incident's), summed from the per-minute series. */
struct analyze_window_error {
    const struct analyze_error_type *type;
    uint64_t count;
};

struct analyze_result {
    struct analyze_file *files;
    size_t nfiles;
    uint64_t lines, malformed, requests, errors, health_excluded, filtered_out, no_timestamp,
        error_events, invalid_utf8, with_latency, overflow_keys;
    int64_t first_ms, last_ms; /* of the records kept; WR_TIME_NONE when none had a time */
    double p50_ms, p95_ms, p99_ms;
    struct analyze_endpoint *endpoints; /* most requests first */
    size_t nendpoints;
    struct analyze_error_type *error_types; /* most frequent first */
    size_t nerror_types;
    struct analyze_minute *minutes; /* in time order, every minute from first to last */
    size_t nminutes;
    struct analyze_episode *anomalies; /* by start */
    size_t nanomalies;
    struct analyze_recommendation *recommendations;
    size_t nrecommendations;
    struct analyze_sample *samples; /* the first malformed lines */
    size_t nsamples;
    char **warnings; /* one line each: skipped files, truncated streams, unseen --map fields */
    size_t nwarnings;
    struct analyze_anomaly_params anomaly;
    double target;
    /* per (error type, minute) counts, for window figures: cells[i] = {type index, minute, n} */
    struct analyze_cell { uint32_t type; int64_t minute_ms; uint64_t count; } *cells;
    size_t ncells;
};

/*
 * Read every file once (in parallel when there are several files or one large plain file),
 * then compute the figures, anomalies and recommendations. Bad lines are counted (malformed)
 * and the first few kept with file and line; a bad file (unreadable, unknown format, truncated
 * gzip) is an error, except an empty file and a truncated stream, which are warnings.
 * *out is allocated (free with analyze_result_free). Errors: WR_E_IO, WR_E_INPUT, WR_E_NOMEM.
 */
int analyze_run(const struct analyze_options *opt, struct analyze_result **out,
                struct wr_error *err);
void analyze_result_free(struct analyze_result **r);

/* Requests, errors and error types summed over the minutes in [from_ms, to_ms). *types is
 * malloc'd (most frequent first, at most `max`); caller frees. */
int analyze_window(const struct analyze_result *r, int64_t from_ms, int64_t to_ms,
                   uint64_t *requests, uint64_t *errors, struct analyze_window_error **types,
                   size_t *ntypes, size_t max);

/* ---- reports (analyze_report.c) ---- */

/* The JSON report (README "Log analysis" lists the keys) as a malloc'd string. */
char *analyze_report_json(const struct analyze_result *r);
/* The Markdown report; charts are referenced as `chart_prefix`NAME.svg when chart_prefix is
 * not NULL. Untrusted text is escaped for Markdown and stripped of control characters. */
int analyze_report_markdown(const struct analyze_result *r, const char *chart_prefix,
                            struct wr_buf *out);
/* Write DIR/analysis.md and DIR/analysis-{requests,error-rate,p99}.svg (DIR created). */
int analyze_report_dir(const struct analyze_result *r, const char *dir, struct wr_error *err);
/* Write the per-minute series as a replay file (src/replay.h format): series
 * "availability" (good_total), "requests" (per minute), "error_rate" and "p99_ms". */
int analyze_write_replay(const struct analyze_result *r, const char *path, struct wr_error *err);

#endif
