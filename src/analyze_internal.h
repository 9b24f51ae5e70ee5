/* analyze_internal.h: what the analysis files share: one parsed log record, the field scanner,
 * the line parsers of each format and the mergeable aggregation state. Not for other modules. */
#ifndef WARROOM_ANALYZE_INTERNAL_H
#define WARROOM_ANALYZE_INTERNAL_H

#include "analyze.h"

/* A string inside the input: raw bytes, with JSON escapes still in when `esc`. */
struct ana_str {
    const char *p;
    size_t n;
    bool esc;
};

/* One log line as the parsers see it. Strings point into the input (valid for this line). */
struct ana_record {
    struct ana_str f[ANA_F_COUNT];
    uint8_t prio[ANA_F_COUNT]; /* priority of the name that filled f[i] (255: unset) */
    double num[ANA_F_COUNT];   /* numeric value when the field was a JSON number (else NAN) */
    double scale;              /* duration unit of the name that filled it */
    int64_t env_ts_ms;         /* envelope time (S3/CloudWatch/ALB), WR_TIME_NONE if none */
    /* ALB lines set these directly */
    int status;
    double duration_ms;
    bool is_json; /* the message was a JSON object (else plain text) */
    uint64_t names_hit; /* bit i: map name i was present */
};
void ana_record_reset(struct ana_record *r);

/* Maximum bytes of one line or CloudWatch event; longer ones are skipped as malformed. */
#define ANA_LINE_MAX (1024 * 1024)

/*
 * Scan one JSON object text [p, end) (surrounding white space allowed) and fill r with the
 * fields `map` names. 0 when it is a well-formed object, -1 when it is not (r is then partial).
 * Never reads outside [p, end); nesting deeper than 64 is malformed.
 */
int ana_json_scan(const struct analyze_map *map, const char *p, const char *end,
                  struct ana_record *r);
/* Decode a JSON string's content (escapes) into buf (at most cap bytes; UTF-8 out; bad
 * escapes become U+FFFD). Returns the length written. */
size_t ana_json_unescape(const char *p, size_t n, char *buf, size_t cap);
/* Parse an ISO 8601 time ("2026-03-10T12:00:00.123Z", "+02:00", no zone = UTC, ' ' for 'T')
 * at p[0..n). 0 and *ms on success. Reads only the prefix that forms a time; *used gets its
 * length (may be NULL). */
int ana_time_parse(const char *p, size_t n, int64_t *ms, size_t *used);

/* ---- line parsers, one per format (analyze_parse.c) ---- */

/* What a parser says about one line. */
enum ana_line_status { ANA_LINE_OK, ANA_LINE_BLANK, ANA_LINE_MALFORMED };

/* A parsed S3-export line: envelope time and message. */
enum ana_line_status ana_parse_s3(const struct analyze_map *map, const char *p, size_t n,
                                  struct ana_record *r, char *scratch, const char **why);
enum ana_line_status ana_parse_jsonl(const struct analyze_map *map, const char *p, size_t n,
                                     struct ana_record *r, const char **why);
enum ana_line_status ana_parse_alb(const char *p, size_t n, struct ana_record *r,
                                   const char **why);
/* One CloudWatch event object (an element of events[]); the message is unescaped into
 * scratch (ANA_LINE_MAX + 8 bytes) and parsed as a JSON line or plain text. */
enum ana_line_status ana_parse_cw_event(const struct analyze_map *map, const char *p, size_t n,
                                        struct ana_record *r, char *scratch, const char **why);
/* Detect the format from the first bytes of a file. ANALYZE_FORMAT_AUTO when unknown. */
enum analyze_format ana_detect(const char *p, size_t n);

/*
 * Normalise a request path into buf: query and fragment dropped, "//" collapsed, a trailing
 * "/" dropped, segments that are numbers, UUIDs, long hex or ids ending in 4+ digits become
 * "{id}". An absolute URL ("https://host/p") keeps only the path. Returns the length.
 */
size_t ana_path_normalise(const char *p, size_t n, char *buf, size_t cap);

/* Error classification of a line that failed: the type, dependency and class recognised from
 * the error type and messages (timeouts, connection refused/reset, pool exhausted; the host or
 * service named in the message). type/dep are written to the buffers (NUL-terminated). */
void ana_classify(const char *error_type, size_t tn, const char *msg, size_t mn, int status,
                  char *type, size_t type_cap, char *dep, size_t dep_cap,
                  enum analyze_error_class *cls);

/* ---- aggregation (analyze_agg.c) ---- */

/* A string-keyed open-addressing table mapping keys to dense indexes. */
struct ana_keys {
    uint32_t *slots; /* index + 1, 0 = empty */
    size_t nslots;
    char **keys;
    size_t *lens;
    uint64_t *hashes;
    size_t count, cap;
};

struct ana_endpoint_acc {
    uint64_t requests, errors;
    struct ana_hist hist;
};
struct ana_etype_acc {
    uint64_t count;
    uint64_t by_class[4];
    int64_t first_ms, last_ms;
    size_t dep_len; /* key = type '\x1f' dependency */
};
struct ana_minute_acc {
    int64_t minute; /* minute number since the epoch */
    uint64_t requests, errors, error_events;
    double retry_sum;
    uint64_t retry_n;
    struct ana_hist hist;
};
struct ana_cell_acc {
    uint32_t etype;
    int64_t minute;
    uint64_t count;
};

/* Limits so that hostile input cannot grow memory without bound: beyond them keys fold into
 * "(other)" and the result counts how often (overflow_keys). */
#define ANA_MAX_ENDPOINTS 4000
#define ANA_MAX_ETYPES 1000
#define ANA_MAX_MINUTES (60 * 24 * 62)
#define ANA_MAX_CELLS 2000000

struct ana_sample_acc {
    size_t file;      /* index into the run's files */
    size_t chunk;     /* chunk of that file (line numbers are made absolute after the run) */
    uint64_t line;    /* line within the chunk, 1-based */
    const char *why;  /* static text */
};
#define ANA_MAX_SAMPLES 5

struct ana_agg {
    const struct analyze_options *opt;
    uint64_t lines, malformed, requests, errors, health_excluded, filtered_out, no_timestamp,
        error_events, invalid_utf8, with_latency, overflow_keys, json_records;
    int64_t first_ms, last_ms;
    int64_t out_first_ms, out_last_ms; /* of the lines --from/--to left out */
    struct ana_keys endpoints;
    struct ana_endpoint_acc *ep;
    size_t ep_cap;
    struct ana_keys etypes;
    struct ana_etype_acc *et;
    size_t et_cap;
    /* minutes: open addressing on the minute number */
    uint32_t *mslots;
    size_t nmslots;
    struct ana_minute_acc *mins;
    size_t nmins, mins_cap;
    size_t last_min; /* cache: index + 1 of the last minute touched */
    /* (error type, minute) cells */
    uint32_t *cslots;
    size_t ncslots;
    struct ana_cell_acc *cells;
    size_t ncells, cells_cap;
    /* which user-mapped fields were seen (bit per map name) */
    uint64_t names_seen;
    struct ana_sample_acc samples[ANA_MAX_SAMPLES];
    size_t nsamples;
    bool oom;
    /* scratch for unescaping and normalising */
    char sbuf[4][2048];
};

void ana_agg_init(struct ana_agg *a, const struct analyze_options *opt);
void ana_agg_free(struct ana_agg *a);
/* Account one parsed record. */
void ana_agg_add(struct ana_agg *a, const struct ana_record *r);
/* Count a malformed line and keep it as a sample while there is room. */
void ana_agg_malformed(struct ana_agg *a, size_t file, size_t chunk, uint64_t line,
                       const char *why);
/* Merge src into dst (src is left as is). -1 when out of memory. */
int ana_agg_merge(struct ana_agg *dst, const struct ana_agg *src);
/* Turn the state into a result (sorted, percentiles, per-minute series, onsets). */
int ana_agg_finish(struct ana_agg *a, struct analyze_result *r, struct wr_error *err);

/* Anomaly detection over r->minutes (analyze_anomaly.c): fills r->anomalies. */
int ana_detect_anomalies(struct analyze_result *r, struct wr_error *err);
/* Recommendation rules over the findings (analyze_report.c): fills r->recommendations. */
int ana_recommend(struct analyze_result *r, struct wr_error *err);

#endif
