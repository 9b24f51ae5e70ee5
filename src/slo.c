/* slo.c: SLO arithmetic: error budgets, burn rates, multi-window alerts, budget consumed. */
#include "slo.h"

#include <math.h>

const char *slo_status_text(enum slo_status st)
{
    switch (st) {
    case SLO_OK:
        return "ok";
    case SLO_NO_DATA:
        return "no data";
    case SLO_NO_TRAFFIC:
        return "no traffic";
    case SLO_INVALID:
        return "invalid";
    }
    return "invalid";
}

static bool target_ok(double target)
{
    return isfinite(target) && target > 0.0 && target < 1.0;
}

enum slo_status slo_error_budget(double target, double *allowed_bad)
{
    if (!target_ok(target) || !allowed_bad)
        return SLO_INVALID;
    *allowed_bad = 1.0 - target;
    return SLO_OK;
}

enum slo_status slo_error_budget_ms(double target, int64_t window_ms, double *budget_ms)
{
    if (!target_ok(target) || window_ms <= 0 || !budget_ms)
        return SLO_INVALID;
    *budget_ms = (1.0 - target) * (double)window_ms;
    return SLO_OK;
}

static bool sample_usable(const struct slo_sample *s)
{
    return isfinite(s->good) && isfinite(s->total) && s->good >= 0.0 && s->total >= 0.0 &&
           s->good <= s->total;
}

enum slo_status slo_window_counts(const struct slo_sample *s, size_t n, int64_t from_ms,
                                  int64_t to_ms, double *good, double *total)
{
    if ((!s && n) || to_ms < from_ms || !good || !total)
        return SLO_INVALID;
    double g = 0.0, t = 0.0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].t_ms <= from_ms || s[i].t_ms > to_ms || !sample_usable(&s[i]))
            continue;
        g += s[i].good;
        t += s[i].total;
        used++;
    }
    if (used == 0)
        return SLO_NO_DATA;
    if (t <= 0.0)
        return SLO_NO_TRAFFIC;
    *good = g;
    *total = t;
    return SLO_OK;
}

/* Validate a good/total pair; SLO_NO_TRAFFIC for an empty total. */
static enum slo_status counts_check(double good, double total)
{
    if (!isfinite(good) || !isfinite(total) || good < 0.0 || total < 0.0 || good > total)
        return SLO_INVALID;
    if (total == 0.0)
        return SLO_NO_TRAFFIC;
    return SLO_OK;
}

enum slo_status slo_budget_remaining(double target, double good, double total, double *remaining)
{
    if (!target_ok(target) || !remaining)
        return SLO_INVALID;
    enum slo_status st = counts_check(good, total);
    if (st != SLO_OK)
        return st;
    double error_rate = (total - good) / total;
    *remaining = 1.0 - error_rate / (1.0 - target);
    return SLO_OK;
}

enum slo_status slo_burn_rate_from_error_rate(double target, double error_rate, double *rate)
{
    if (!target_ok(target) || !rate || !isfinite(error_rate) || error_rate < 0.0 ||
        error_rate > 1.0)
        return SLO_INVALID;
    *rate = error_rate / (1.0 - target);
    return SLO_OK;
}

enum slo_status slo_burn_rate(double target, double good, double total, double *rate)
{
    if (!target_ok(target) || !rate)
        return SLO_INVALID;
    enum slo_status st = counts_check(good, total);
    if (st != SLO_OK)
        return st;
    return slo_burn_rate_from_error_rate(target, (total - good) / total, rate);
}

enum slo_status slo_burn_rate_window(double target, const struct slo_sample *s, size_t n,
                                     int64_t now_ms, int64_t window_ms, double *rate)
{
    if (!target_ok(target) || window_ms <= 0 || !rate)
        return SLO_INVALID;
    double good, total;
    enum slo_status st = slo_window_counts(s, n, now_ms - window_ms, now_ms, &good, &total);
    if (st != SLO_OK)
        return st;
    return slo_burn_rate(target, good, total, rate);
}

/*
 * Integrate the step function of points over [from, to]: *area gets sum(value * ms) and
 * *covered the ms that had a value. A point holds until the next usable point.
 */
static enum slo_status step_integral(const struct slo_point *s, size_t n, int64_t from_ms,
                                     int64_t to_ms, double *area, double *covered)
{
    if ((!s && n) || to_ms <= from_ms)
        return SLO_INVALID;
    double a = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(s[i].value))
            continue;
        size_t j = i + 1;
        while (j < n && !isfinite(s[j].value))
            j++;
        int64_t seg_from = s[i].t_ms, seg_to = j < n ? s[j].t_ms : to_ms;
        if (seg_from < from_ms)
            seg_from = from_ms;
        if (seg_to > to_ms)
            seg_to = to_ms;
        if (seg_to <= seg_from)
            continue;
        double len = (double)(seg_to - seg_from);
        a += s[i].value * len;
        c += len;
    }
    if (c <= 0.0)
        return SLO_NO_DATA;
    *area = a;
    *covered = c;
    return SLO_OK;
}

enum slo_status slo_rate_window_mean(const struct slo_point *s, size_t n, int64_t from_ms,
                                     int64_t to_ms, double *mean)
{
    if (!mean)
        return SLO_INVALID;
    double area, covered;
    enum slo_status st = step_integral(s, n, from_ms, to_ms, &area, &covered);
    if (st != SLO_OK)
        return st;
    *mean = area / covered;
    return SLO_OK;
}

/* ---- alerts ---- */

#define MINUTE_MS (60 * (int64_t)1000)
#define HOUR_MS (60 * MINUTE_MS)

static const struct slo_alert_rule default_rules[SLO_DEFAULT_RULES] = {
    {"fast", 14.4, 1 * HOUR_MS, 5 * MINUTE_MS},
    {"medium", 6.0, 6 * HOUR_MS, 30 * MINUTE_MS},
    {"slow", 1.0, 72 * HOUR_MS, 6 * HOUR_MS},
};

const struct slo_alert_rule *slo_default_rules(void)
{
    return default_rules;
}

bool slo_alert_fires(const struct slo_alert_rule *rule, double long_burn, double short_burn)
{
    return rule && isfinite(long_burn) && isfinite(short_burn) && long_burn > rule->burn_rate &&
           short_burn > rule->burn_rate;
}

enum slo_status slo_alert_evaluate(double target, const struct slo_alert_rule *rules, size_t nrules,
                                   const struct slo_sample *s, size_t n, int64_t now_ms,
                                   struct slo_alert_result *out, int *first_firing)
{
    if (!target_ok(target) || !rules || !out || (!s && n))
        return SLO_INVALID;
    for (size_t i = 0; i < nrules; i++)
        if (rules[i].long_ms <= 0 || rules[i].short_ms <= 0 || !isfinite(rules[i].burn_rate))
            return SLO_INVALID;
    bool any_data = false;
    int first = -1;
    for (size_t i = 0; i < nrules; i++) {
        struct slo_alert_result *r = &out[i];
        r->long_burn = r->short_burn = 0.0;
        r->long_status =
            slo_burn_rate_window(target, s, n, now_ms, rules[i].long_ms, &r->long_burn);
        r->short_status =
            slo_burn_rate_window(target, s, n, now_ms, rules[i].short_ms, &r->short_burn);
        if (r->long_status == SLO_OK || r->short_status == SLO_OK)
            any_data = true;
        r->firing = r->long_status == SLO_OK && r->short_status == SLO_OK &&
                    slo_alert_fires(&rules[i], r->long_burn, r->short_burn);
        if (r->firing && first < 0)
            first = (int)i;
    }
    if (first_firing)
        *first_firing = first;
    return any_data ? SLO_OK : SLO_NO_DATA;
}

/* ---- budget consumed ---- */

enum slo_status slo_budget_consumed(double target, int64_t window_ms, double window_total,
                                    const struct slo_sample *s, size_t n, int64_t from_ms,
                                    int64_t to_ms, double *consumed)
{
    if (!target_ok(target) || window_ms <= 0 || !consumed || to_ms <= from_ms ||
        !isfinite(window_total) || window_total < 0.0)
        return SLO_INVALID;
    double good, total;
    enum slo_status st = slo_window_counts(s, n, from_ms, to_ms, &good, &total);
    if (st != SLO_OK)
        return st;
    double expected = window_total;
    if (expected == 0.0)
        expected = total * (double)window_ms / (double)(to_ms - from_ms);
    *consumed = (total - good) / ((1.0 - target) * expected);
    return SLO_OK;
}

enum slo_status slo_budget_consumed_rates(double target, int64_t window_ms,
                                          const struct slo_point *s, size_t n, int64_t from_ms,
                                          int64_t to_ms, double *consumed)
{
    if (!target_ok(target) || window_ms <= 0 || !consumed)
        return SLO_INVALID;
    for (size_t i = 0; i < n; i++)
        if (isfinite(s[i].value) && (s[i].value < 0.0 || s[i].value > 1.0))
            return SLO_INVALID;
    double area, covered;
    enum slo_status st = step_integral(s, n, from_ms, to_ms, &area, &covered);
    if (st != SLO_OK)
        return st;
    *consumed = area / ((1.0 - target) * (double)window_ms);
    return SLO_OK;
}

/* ---- latency ---- */

enum slo_status slo_latency_counts(const struct slo_bucket *b, size_t n, double threshold,
                                   double *good, double *total)
{
    if (!b || n == 0 || !good || !total || !isfinite(threshold) || threshold < 0.0)
        return SLO_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (isnan(b[i].le) || !isfinite(b[i].count) || b[i].count < 0.0)
            return SLO_INVALID;
        if (i > 0 && (b[i].le <= b[i - 1].le || b[i].count < b[i - 1].count))
            return SLO_INVALID;
    }
    if (!isinf(b[n - 1].le) || b[n - 1].le < 0.0)
        return SLO_INVALID;
    double all = b[n - 1].count;
    if (all == 0.0)
        return SLO_NO_TRAFFIC;
    double prev_le = 0.0, prev_count = 0.0, g = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (b[i].le >= threshold) {
            if (isinf(b[i].le)) {
                /* Beyond the largest finite bound nothing is known: count it as slow. */
                g = prev_count;
            } else if (b[i].le == threshold || b[i].le <= prev_le) {
                g = b[i].count;
            } else {
                double lo = prev_le < threshold ? prev_le : threshold;
                g = prev_count + (b[i].count - prev_count) * (threshold - lo) / (b[i].le - lo);
            }
            break;
        }
        prev_le = b[i].le;
        prev_count = b[i].count;
    }
    *good = g;
    *total = all;
    return SLO_OK;
}

enum slo_status slo_latency_slices(const struct slo_point *s, size_t n, double threshold,
                                   int64_t from_ms, int64_t to_ms, double *good, double *total)
{
    if ((!s && n) || !good || !total || to_ms < from_ms || !isfinite(threshold))
        return SLO_INVALID;
    double g = 0.0, t = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].t_ms <= from_ms || s[i].t_ms > to_ms || isnan(s[i].value))
            continue;
        t += 1.0;
        if (s[i].value <= threshold)
            g += 1.0;
    }
    if (t == 0.0)
        return SLO_NO_DATA;
    *good = g;
    *total = t;
    return SLO_OK;
}
