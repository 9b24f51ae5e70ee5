/* analyze_anomaly.c: anomalies in the per-minute series by robust statistics: each minute is
 * compared with the median and MAD of the normal minutes before it; anomalous minutes close to
 * each other merge into episodes. The method and its parameters are in README.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"

/* An error-rate minute needs this many errors to be anomalous: one or two failures in a quiet
 * minute are not an incident. */
#define ANA_MIN_ERRORS 3

/* The baseline window: the last `win` learned values in arrival order (a ring, so the oldest
 * is known) and the same values kept sorted, so each minute's median is read in place and its
 * MAD found by one merge instead of two sorts (a long span of minutes sorted 2 x 3 x 60 values
 * a minute). */
struct window {
    double *ring, *sorted;
    size_t win, have, head;
};

static void window_add(struct window *w, double x)
{
    if (w->have == w->win) { /* the oldest leaves: find its copy (bit for bit) and close up */
        double old = w->ring[w->head];
        size_t k = 0;
        while (k + 1 < w->have && memcmp(&w->sorted[k], &old, sizeof old) != 0)
            k++;
        memmove(&w->sorted[k], &w->sorted[k + 1], (w->have - k - 1) * sizeof *w->sorted);
        w->have--;
    }
    size_t pos = w->have;
    while (pos > 0 && w->sorted[pos - 1] > x)
        pos--;
    memmove(&w->sorted[pos + 1], &w->sorted[pos], (w->have - pos) * sizeof *w->sorted);
    w->sorted[pos] = x;
    w->have++;
    w->ring[w->head] = x;
    w->head = (w->head + 1) % w->win;
}

static double window_median(const struct window *w)
{
    size_t n = w->have;
    return n % 2 ? w->sorted[n / 2] : (w->sorted[n / 2 - 1] + w->sorted[n / 2]) / 2;
}

/* The median of |v - med| over the window: the deviations below the median and those above it
 * are each already in order in the sorted copy, so merging the two up to the middle finds it. */
static double window_mad(const struct window *w, double med)
{
    size_t n = w->have, lo = 0;
    while (lo < n && w->sorted[lo] < med)
        lo++;
    size_t l = lo, r = lo; /* next below: sorted[l - 1]; next above: sorted[r] */
    double prev = 0, cur = 0;
    for (size_t k = 0; k <= n / 2; k++) {
        double dl = l > 0 ? fabs(w->sorted[l - 1] - med) : INFINITY;
        double dr = r < n ? fabs(w->sorted[r] - med) : INFINITY;
        prev = cur;
        if (l > 0 && (r >= n || dl <= dr)) {
            cur = dl;
            l--;
        } else {
            cur = dr;
            r++;
        }
    }
    return n % 2 ? cur : (prev + cur) / 2;
}

/* The value of series s at minute m, and whether the minute can be judged. */
static bool value_of(const struct analyze_result *r, enum analyze_series s,
                     const struct analyze_minute *m, double *x)
{
    uint64_t min = (uint64_t)r->anomaly.min_requests;
    switch (s) {
    case ANA_SERIES_ERROR_RATE:
        if (m->requests < min || m->requests == 0)
            return false;
        *x = (double)m->errors / (double)m->requests;
        return true;
    case ANA_SERIES_P99:
        if (m->with_latency < min || m->with_latency == 0 || isnan(m->p99_ms))
            return false;
        *x = m->p99_ms;
        return true;
    case ANA_SERIES_REQUESTS:
        *x = (double)m->requests;
        return true;
    case ANA_SERIES_COUNT: break;
    }
    return false;
}

/* The smallest spread the z-score divides by, so a flat baseline does not make noise an
 * anomaly: binomial noise and half a point for error rates, 10% for p99, Poisson noise and 5%
 * for request counts. */
static double scale_floor(enum analyze_series s, double med, const struct analyze_minute *m)
{
    switch (s) {
    case ANA_SERIES_ERROR_RATE: {
        double n = m->requests ? (double)m->requests : 1;
        double p = med > 0.001 ? med : 0.001;
        return fmax(0.005, sqrt(p * (1 - p) / n));
    }
    case ANA_SERIES_P99: return fmax(0.1 * med, 1.0);
    case ANA_SERIES_REQUESTS: return fmax(0.05 * med, sqrt(fmax(med, 1)));
    case ANA_SERIES_COUNT: break;
    }
    return 1;
}

struct flag {
    bool on;
    bool low;
    double z, x, baseline;
};

static int push_episode(struct analyze_result *r, size_t *cap, const struct analyze_episode *e)
{
    if (r->nanomalies == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct analyze_episode *a = realloc(r->anomalies, nc * sizeof *a);
        if (!a)
            return -1;
        r->anomalies = a;
        *cap = nc;
    }
    r->anomalies[r->nanomalies++] = *e;
    return 0;
}

static int cmp_episode(const void *x, const void *y)
{
    const struct analyze_episode *a = x, *b = y;
    if (a->start_ms != b->start_ms)
        return a->start_ms < b->start_ms ? -1 : 1;
    return (int)a->series - (int)b->series;
}

int ana_detect_anomalies(struct analyze_result *r, struct wr_error *err)
{
    const struct analyze_anomaly_params *p = &r->anomaly;
    size_t n = r->nminutes;
    size_t cap = 0;
    if (n == 0)
        return 0;
    size_t win = p->baseline_minutes > 0 ? (size_t)p->baseline_minutes : 60;
    struct window w = {calloc(win, sizeof *w.ring), calloc(win, sizeof *w.sorted), win, 0, 0};
    struct flag *flags = calloc(n, sizeof *flags);
    if (!w.ring || !w.sorted || !flags) {
        free(w.ring);
        free(w.sorted);
        free(flags);
        return wr_fail(err, WR_E_NOMEM, "out of memory looking for anomalies");
    }
    int rc = 0;
    for (int s = 0; s < ANA_SERIES_COUNT && rc == 0; s++) {
        size_t unlearned = 0;
        w.have = w.head = 0;
        memset(flags, 0, n * sizeof *flags);
        for (size_t i = 0; i < n; i++) {
            const struct analyze_minute *m = &r->minutes[i];
            double x;
            if (!value_of(r, (enum analyze_series)s, m, &x))
                continue;
            bool anomalous = false;
            double zlast = 0;
            if (w.have >= (size_t)(p->warmup_minutes > 0 ? p->warmup_minutes : 1)) {
                double med = window_median(&w);
                double mad = window_mad(&w, med);
                double scale = fmax(1.4826 * mad, scale_floor((enum analyze_series)s, med, m));
                double z = (x - med) / scale;
                zlast = z;
                bool judged = true;
                if (s == ANA_SERIES_ERROR_RATE && m->errors < ANA_MIN_ERRORS)
                    judged = false;
                if (s == ANA_SERIES_REQUESTS && med < p->min_requests)
                    judged = false;
                bool high = z >= p->threshold;
                bool low = s == ANA_SERIES_REQUESTS && z <= -p->threshold;
                if (judged && (high || low)) {
                    anomalous = true;
                    flags[i] = (struct flag){true, low, fabs(z), x, med};
                }
            }
            /* only ordinary minutes (|z| under half the threshold) teach the baseline, so an
             * incident, even while it hovers near the threshold, does not become the new
             * normal; a shift that lasts three windows does, by starting over */
            if (!anomalous && fabs(zlast) < p->threshold / 2) {
                window_add(&w, x);
                unlearned = 0;
            } else if (++unlearned >= 3 * win) {
                w.have = w.head = 0;
                unlearned = 0;
            }
        }
        /* episodes: runs of flags in one direction, gaps of merge_gap minutes allowed */
        size_t i = 0;
        while (i < n) {
            if (!flags[i].on) {
                i++;
                continue;
            }
            bool low = flags[i].low;
            struct analyze_episode e = {.series = (enum analyze_series)s, .low = low,
                                        .start_ms = r->minutes[i].t_ms,
                                        .baseline = flags[i].baseline};
            size_t last = i, peak = i;
            size_t count = 0;
            size_t j = i;
            while (j < n) {
                if (flags[j].on && flags[j].low == low) {
                    count++;
                    if (flags[j].z > flags[peak].z)
                        peak = j;
                    last = j;
                    j++;
                    continue;
                }
                if (j - last > (size_t)p->merge_gap_minutes)
                    break;
                j++;
            }
            e.end_ms = r->minutes[last].t_ms + 60000;
            e.peak_ms = r->minutes[peak].t_ms;
            e.peak = flags[peak].x;
            e.score = flags[peak].z;
            e.minutes = count;
            if (count >= (size_t)(p->min_episode_minutes > 0 ? p->min_episode_minutes : 1) &&
                push_episode(r, &cap, &e) != 0) {
                rc = wr_fail(err, WR_E_NOMEM, "out of memory looking for anomalies");
                break;
            }
            i = last + 1;
        }
    }
    free(w.ring);
    free(w.sorted);
    free(flags);
    if (rc == 0 && r->nanomalies)
        qsort(r->anomalies, r->nanomalies, sizeof *r->anomalies, cmp_episode);
    return rc;
}
