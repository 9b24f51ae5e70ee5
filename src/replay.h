/* replay.h: recorded SLI series (replay files) and playing them on an incident's clock. */
#ifndef WARROOM_REPLAY_H
#define WARROOM_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "slo.h"
#include "util.h"

/*
 * File format (JSON, see data/demo/replay.json):
 *   {
 *     "format": "warroom-replay", "version": 1,
 *     "start": "2026-03-10T08:30:00-03:00",     anchor: absolute time, zone required
 *     "speed": 60,                               optional: suggested playback speed (default 1)
 *     "note": "...",                             optional: free text shown to the user
 *     "series": [
 *       { "name": "loan_apply_p99_ms", "unit": "ms", "kind": "gauge",      (kind optional)
 *         "description": "...",                                             (optional)
 *         "samples": [[0, 351.2], [30, 349.8], ["2026-03-10T08:31:00-03:00", 360], [90, null]] },
 *       { "name": "loan_apply_availability", "unit": "ratio", "kind": "good_total",
 *         "samples": [[0, 3598, 3600], [30, 3597, 3600]] }
 *     ]
 *   }
 * A sample time is either a number of seconds after "start" (fractions allowed) or an absolute
 * ISO 8601 time with a zone. Times must increase strictly within a series. A null value marks
 * a gap (no data from then until the next sample). "good_total" samples carry the good and
 * total event counts of the interval ending at the sample time; their value is good/total.
 *
 * Playing: replay times are real times. With the identity mapping (replay_clock_same_time) the
 * replay's 09:00 is the incident's 09:00: the demo sets the virtual clock to the replay's start
 * (wr_clock_set_virtual(file->start_ms, file->speed)) and reads replay_value_at(series,
 * wr_now_ms()). To play a recording on a real clock instead, replay_clock_from() maps a
 * clock time onto the recording, optionally sped up.
 */

enum replay_kind {
    REPLAY_GAUGE,      /* [t, value] */
    REPLAY_GOOD_TOTAL, /* [t, good, total]; value = good / total */
};

struct replay_sample {
    int64_t t_ms;
    double value; /* NAN for a gap; good/total (NAN when total is 0) for REPLAY_GOOD_TOTAL */
    double good;  /* REPLAY_GOOD_TOTAL only */
    double total; /* REPLAY_GOOD_TOTAL only */
};

struct replay_series {
    char *name;
    char *unit;
    char *description; /* may be NULL */
    enum replay_kind kind;
    struct replay_sample *samples; /* sorted by t_ms, strictly increasing */
    size_t count;
};

struct replay_file {
    char *note; /* may be NULL */
    int64_t start_ms;
    double speed; /* suggested playback speed, > 0 */
    struct replay_series *series;
    size_t count;
};

/* Read and validate a replay file. *out is allocated; free with replay_free. Returns 0, or -1
 * with err (WR_E_IO/WR_E_CONFIG) naming the file, the field path and what was expected, e.g.
 *   replay.json: series[1].samples[3][0]: expected seconds after start or an ISO 8601 time
 *   with a zone, got true */
int replay_load(const char *path, struct replay_file **out, struct wr_error *err);
/* Same, from text in memory; `name` is used in messages. */
int replay_parse(const char *text, const char *name, struct replay_file **out,
                 struct wr_error *err);
/* Free a loaded file and set *f to NULL. Accepts NULL and *f == NULL. */
void replay_free(struct replay_file **f);

/* The series with this name, or NULL. Borrowed from f. */
const struct replay_series *replay_find(const struct replay_file *f, const char *name);
/* Time of the last sample of any series (the end of the recording); WR_TIME_NONE if empty. */
int64_t replay_end_ms(const struct replay_file *f);

enum replay_status {
    REPLAY_OK = 0,
    REPLAY_NO_DATA,    /* before the first sample, empty series, or in a gap (null sample) */
    REPLAY_NO_TRAFFIC, /* good_total sample with total 0: no ratio */
};

/* Value of the last sample at or before t_ms. *value is written only on REPLAY_OK.
 * If `sample` is not NULL it gets that sample (borrowed) whenever one exists. */
enum replay_status replay_value_at(const struct replay_series *s, int64_t t_ms, double *value,
                                   const struct replay_sample **sample);

/* Called for each sample; return non-zero to stop. */
typedef int (*replay_sample_fn)(const struct replay_sample *sample, void *ctx);
/* Visit the samples with from_ms < t_ms <= to_ms in order (gaps included, value NAN).
 * Returns how many were visited. */
size_t replay_window(const struct replay_series *s, int64_t from_ms, int64_t to_ms,
                     replay_sample_fn fn, void *ctx);

/* Copy a good_total series' samples in (from_ms, to_ms] for the SLO math (gaps skipped).
 * *out is malloc'd (caller frees; NULL when *n is 0). Returns 0, -1 for a gauge series or OOM. */
int replay_slo_samples(const struct replay_series *s, int64_t from_ms, int64_t to_ms,
                       struct slo_sample **out, size_t *n);
/* Copy a series' values in (from_ms, to_ms] as points (gaps skipped). Same ownership. */
int replay_points(const struct replay_series *s, int64_t from_ms, int64_t to_ms,
                  struct slo_point **out, size_t *n);

/* Mapping from the incident's clock to the recording's time:
 * replay = replay_anchor_ms + (clock - clock_anchor_ms) * speed. */
struct replay_clock {
    int64_t clock_anchor_ms;
    int64_t replay_anchor_ms;
    double speed;
};
/* Identity: the replay's 09:00 is the incident's 09:00 (speed 1). */
struct replay_clock replay_clock_same_time(const struct replay_file *f);
/* The recording's start plays at clock_start_ms, `speed` times faster (speed <= 0 means 1). */
struct replay_clock replay_clock_from(const struct replay_file *f, int64_t clock_start_ms,
                                      double speed);
/* Replay time for a clock time. */
int64_t replay_clock_map(const struct replay_clock *c, int64_t clock_ms);

#endif
