/* analyze_hist.h: a mergeable log-bucketed latency histogram with a bounded relative error. */
#ifndef WARROOM_ANALYZE_HIST_H
#define WARROOM_ANALYZE_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Bucket i holds the values in (G^(i-1), G^i] with G = (1 + A) / (1 - A) and A = 0.01; a
 * bucket is reported as 2 G^i / (G + 1), which is within A (1%) of every value in it. So a
 * percentile read from the histogram is within 1% of the exact nearest-rank percentile of the
 * values added. Values at or under ANA_HIST_MIN_MS (1 microsecond) count as zero (reported as 0,
 * an absolute error under 1 us); values over ANA_HIST_MAX_MS are clamped to it. Buckets are
 * allocated only over the range of indexes seen, so memory follows the spread of the values
 * (about 115 buckets per decade), never their number. Two histograms merge by adding counts.
 */
#define ANA_HIST_REL_ERROR 0.01
#define ANA_HIST_MIN_MS 0.001
#define ANA_HIST_MAX_MS 1e9

struct ana_hist {
    uint64_t *counts; /* counts[k] is bucket lo + k */
    int32_t lo;       /* first bucket index allocated */
    uint32_t n;       /* buckets allocated */
    uint64_t zero;    /* values <= ANA_HIST_MIN_MS */
    uint64_t total;   /* every value added */
    double min, max;  /* exact extremes (valid when total > 0) */
};

/* Bucket index of a value (> ANA_HIST_MIN_MS); exposed so a caller adding one value to several
 * histograms computes the logarithm once. */
int32_t ana_hist_index(double ms);
/* Add one value (ms) whose index is `idx` (from ana_hist_index; ignored when ms is zero-ish).
 * -1 when out of memory (the histogram is unchanged). */
int ana_hist_add_idx(struct ana_hist *h, double ms, int32_t idx);
/* Add one value. */
int ana_hist_add(struct ana_hist *h, double ms);
/* Add every count of src into dst. -1 when out of memory. */
int ana_hist_merge(struct ana_hist *dst, const struct ana_hist *src);
/* The nearest-rank q-quantile (0 < q <= 1): the value of rank ceil(q * total) in sorted order,
 * within ANA_HIST_REL_ERROR. NAN when empty. */
double ana_hist_quantile(const struct ana_hist *h, double q);
/* Free the buckets and zero the histogram. */
void ana_hist_clear(struct ana_hist *h);

#endif
