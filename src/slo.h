/* slo.h: SLO arithmetic: error budgets, burn rates, multi-window alerts, budget consumed. Pure. */
#ifndef WARROOM_SLO_H
#define WARROOM_SLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Conventions
 * - An SLO target is a fraction in (0, 1): 0.999 for "99.9 %". The allowed bad fraction (the
 *   error budget) is 1 - target.
 * - Every function returns a status. Only SLO_OK means the output was written; with any other
 *   status the output is untouched. Nothing here reports 0 for "no measurement" or divides by
 *   zero.
 * - Count samples (struct slo_sample) hold the good and total events of the interval that ENDS
 *   at t_ms. A window [from, to] takes the samples with from < t_ms <= to, so adjacent windows
 *   never count a sample twice. Samples must be sorted by t_ms. Samples whose counts are not
 *   finite or are negative, or with good > total, are skipped as missing.
 * - Error-rate samples (struct slo_point) are a step function: each error rate holds from its
 *   t_ms until the next sample's t_ms (the last one until the window's end). Time before the
 *   first sample is "no data", not zero. Non-finite rates are skipped.
 */

enum slo_status {
    SLO_OK = 0,
    SLO_NO_DATA,    /* no usable sample in the window */
    SLO_NO_TRAFFIC, /* samples exist but total events are zero: the ratio is undefined */
    SLO_INVALID,    /* bad arguments: target not in (0,1), empty or reversed window, ... */
};

/* "ok", "no data", "no traffic", "invalid". */
const char *slo_status_text(enum slo_status st);

struct slo_sample {
    int64_t t_ms;
    double good;
    double total;
};

/* A value at a time: an error rate (bad fraction 0..1) or a latency percentile. */
struct slo_point {
    int64_t t_ms;
    double value;
};

/* Allowed bad fraction for a target: 1 - target (0.001 for 0.999). */
enum slo_status slo_error_budget(double target, double *allowed_bad);
/* The budget expressed as time: (1 - target) * window_ms (40.32 min for 99.9 % over 28 d). */
enum slo_status slo_error_budget_ms(double target, int64_t window_ms, double *budget_ms);

/* Sum the good and total counts of the samples with from_ms < t_ms <= to_ms.
 * SLO_NO_DATA when no usable sample lies there; SLO_NO_TRAFFIC when total is 0. */
enum slo_status slo_window_counts(const struct slo_sample *s, size_t n, int64_t from_ms,
                                  int64_t to_ms, double *good, double *total);

/*
 * Budget remaining over the SLO window, given the good/total events of that window:
 * 1 - (bad / total) / (1 - target). 1.0 = untouched, 0 = exhausted, negative = overspent.
 */
enum slo_status slo_budget_remaining(double target, double good, double total, double *remaining);

/* Burn rate = observed error rate / allowed error rate. 1.0 spends the budget exactly over
 * the SLO window; 14.4 spends a 30-day budget in 2 days. */
enum slo_status slo_burn_rate(double target, double good, double total, double *rate);
/* Burn rate from an error rate (0..1). */
enum slo_status slo_burn_rate_from_error_rate(double target, double error_rate, double *rate);
/* Burn rate over the window (now - window_ms, now] of count samples. */
enum slo_status slo_burn_rate_window(double target, const struct slo_sample *s, size_t n,
                                     int64_t now_ms, int64_t window_ms, double *rate);

/* Time-weighted mean of error-rate points over [from_ms, to_ms], counting only the
 * part covered by samples. SLO_NO_DATA when no part is covered. */
enum slo_status slo_rate_window_mean(const struct slo_point *s, size_t n, int64_t from_ms,
                                     int64_t to_ms, double *mean);

/* ---- multi-window, multi-burn-rate alerts ---- */

struct slo_alert_rule {
    const char *name; /* "fast", "medium", "slow" */
    double burn_rate; /* threshold factor */
    int64_t long_ms;  /* long window */
    int64_t short_ms; /* short window */
};

#define SLO_DEFAULT_RULES 3
/* The seed's defaults: fast 14.4x over 1h and 5m, medium 6x over 6h and 30m, slow 1x over 3d
 * and 6h. Static storage; do not free. */
const struct slo_alert_rule *slo_default_rules(void);

/* A rule fires only when BOTH windows burn strictly faster than its factor. */
bool slo_alert_fires(const struct slo_alert_rule *rule, double long_burn, double short_burn);

struct slo_alert_result {
    enum slo_status long_status, short_status;
    double long_burn, short_burn; /* valid when the matching status is SLO_OK */
    bool firing;                  /* false unless both windows have data and exceed */
};

/*
 * Evaluate `nrules` rules at now_ms over count samples; out[i] is rule i. *first_firing gets
 * the index of the first firing rule (rules are ordered fastest first) or -1. Returns SLO_OK
 * when at least one window of one rule had data, SLO_NO_DATA when none had, SLO_INVALID on bad
 * arguments.
 */
enum slo_status slo_alert_evaluate(double target, const struct slo_alert_rule *rules, size_t nrules,
                                   const struct slo_sample *s, size_t n, int64_t now_ms,
                                   struct slo_alert_result *out, int *first_firing);

/* ---- budget consumed between two times (the postmortem's impact figure) ---- */

/*
 * Fraction of the SLO window's whole budget that the bad events in (from_ms, to_ms] consumed:
 * bad / ((1 - target) * window_total). window_total is the number of events the SLO window
 * (window_ms, e.g. 28 d) normally holds; pass 0 to estimate it from the traffic seen in
 * (from_ms, to_ms] scaled to window_ms (this underestimates the budget used when the incident
 * itself cut traffic: pass a real figure when you have one). 0.25 = a quarter of the budget.
 */
enum slo_status slo_budget_consumed(double target, int64_t window_ms, double window_total,
                                    const struct slo_sample *s, size_t n, int64_t from_ms,
                                    int64_t to_ms, double *consumed);
/*
 * Same from error-rate samples, assuming steady traffic: the integral of the error rate over
 * the covered part of [from_ms, to_ms], divided by (1 - target) * window_ms.
 */
enum slo_status slo_budget_consumed_rates(double target, int64_t window_ms,
                                          const struct slo_point *s, size_t n, int64_t from_ms,
                                          int64_t to_ms, double *consumed);

/* ---- latency SLIs: "good" = requests faster than a threshold ---- */

struct slo_bucket {
    double le;    /* upper bound (inclusive), as Prometheus histograms; INFINITY for the last */
    double count; /* cumulative count of requests <= le */
};

/*
 * From a cumulative histogram (buckets sorted by le, ending with le = +Inf), the requests at
 * or under threshold (good, interpolated linearly inside the bucket the threshold falls in)
 * and the total. Feed them to slo_burn_rate like availability counts.
 */
enum slo_status slo_latency_counts(const struct slo_bucket *b, size_t n, double threshold,
                                   double *good, double *total);
/*
 * Time-slice variant when only a percentile series exists (e.g. p99 every 30 s): the points
 * in (from_ms, to_ms] whose value is <= threshold are good slices, all usable points are the
 * total.
 */
enum slo_status slo_latency_slices(const struct slo_point *s, size_t n, double threshold,
                                   int64_t from_ms, int64_t to_ms, double *good, double *total);

#endif
