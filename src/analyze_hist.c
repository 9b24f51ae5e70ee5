/* analyze_hist.c: log-bucketed histogram (see analyze_hist.h for the error bound). */
#include "analyze_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* log(G) with G = (1 + A) / (1 - A) */
static double log_gamma(void)
{
    static double lg;
    if (lg == 0)
        lg = log((1.0 + ANA_HIST_REL_ERROR) / (1.0 - ANA_HIST_REL_ERROR));
    return lg;
}

int32_t ana_hist_index(double ms)
{
    if (!(ms > ANA_HIST_MIN_MS))
        ms = ANA_HIST_MIN_MS * 1.0000001;
    if (ms > ANA_HIST_MAX_MS)
        ms = ANA_HIST_MAX_MS;
    return (int32_t)ceil(log(ms) / log_gamma());
}

static double bucket_value(int32_t i)
{
    double g = (1.0 + ANA_HIST_REL_ERROR) / (1.0 - ANA_HIST_REL_ERROR);
    return 2.0 * exp((double)i * log_gamma()) / (g + 1.0);
}

/* Make bucket idx addressable; -1 on OOM. */
static int ensure(struct ana_hist *h, int32_t idx)
{
    if (h->n && idx >= h->lo && idx < h->lo + (int32_t)h->n)
        return 0;
    int32_t lo = h->n ? (idx < h->lo ? idx : h->lo) : idx;
    int32_t hi = h->n ? (idx >= h->lo + (int32_t)h->n ? idx + 1 : h->lo + (int32_t)h->n) : idx + 1;
    /* grow with slack so a spreading distribution does not realloc every value */
    int32_t slack = 16;
    if (h->n) {
        if (lo < h->lo)
            lo -= slack;
        if (hi > h->lo + (int32_t)h->n)
            hi += slack;
    }
    uint32_t n = (uint32_t)(hi - lo);
    uint64_t *c = calloc(n, sizeof *c);
    if (!c)
        return -1;
    if (h->n)
        memcpy(c + (h->lo - lo), h->counts, h->n * sizeof *c);
    free(h->counts);
    h->counts = c;
    h->lo = lo;
    h->n = n;
    return 0;
}

int ana_hist_add_idx(struct ana_hist *h, double ms, int32_t idx)
{
    if (!(ms > ANA_HIST_MIN_MS)) {
        h->zero++;
        if (ms < 0 || isnan(ms))
            ms = 0;
    } else {
        if (ensure(h, idx) != 0)
            return -1;
        h->counts[idx - h->lo]++;
    }
    if (h->total == 0 || ms < h->min)
        h->min = ms;
    if (h->total == 0 || ms > h->max)
        h->max = ms;
    h->total++;
    return 0;
}

int ana_hist_add(struct ana_hist *h, double ms)
{
    return ana_hist_add_idx(h, ms, ms > ANA_HIST_MIN_MS ? ana_hist_index(ms) : 0);
}

int ana_hist_merge(struct ana_hist *dst, const struct ana_hist *src)
{
    if (src->total == 0)
        return 0;
    if (src->n) {
        if (ensure(dst, src->lo) != 0 || ensure(dst, src->lo + (int32_t)src->n - 1) != 0)
            return -1;
        for (uint32_t k = 0; k < src->n; k++)
            dst->counts[src->lo + (int32_t)k - dst->lo] += src->counts[k];
    }
    if (dst->total == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->total == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->zero += src->zero;
    dst->total += src->total;
    return 0;
}

double ana_hist_quantile(const struct ana_hist *h, double q)
{
    if (h->total == 0)
        return NAN;
    double r = ceil(q * (double)h->total);
    uint64_t rank = r < 1 ? 1 : r > (double)h->total ? h->total : (uint64_t)r;
    if (rank == h->total)
        return h->max; /* the exact maximum is known */
    if (rank <= h->zero)
        return 0;
    uint64_t seen = h->zero;
    for (uint32_t k = 0; k < h->n; k++) {
        seen += h->counts[k];
        if (seen >= rank) {
            double v = bucket_value(h->lo + (int32_t)k);
            /* the exact extremes bound every value: clamping only moves closer to the truth */
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}

void ana_hist_clear(struct ana_hist *h)
{
    free(h->counts);
    memset(h, 0, sizeof *h);
}
