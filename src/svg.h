/* svg.h: small deterministic SVG line charts (the postmortem's SLI graphs). */
#ifndef WARROOM_SVG_H
#define WARROOM_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct svg_point {
    int64_t t_ms;
    double value; /* NAN for a gap */
};

struct svg_marker {
    int64_t t_ms;
    const char *label; /* milestone name */
};

struct svg_chart {
    const char *title;
    const char *unit; /* y-axis label */
    int64_t from_ms, to_ms; /* the x range (the incident window) */
    const struct svg_point *points; /* sorted by time; points outside the range are skipped */
    size_t npoints;
    bool has_objective;
    double objective; /* drawn as a dashed horizontal line */
    const struct svg_marker *markers;
    size_t nmarkers;
};

/* A shaded time range (an anomaly episode) with a short label. */
struct svg_band {
    int64_t from_ms, to_ms;
    const char *label;
};

/* svg_chart_write with shaded bands drawn behind the series (log analysis episodes). */
int svg_chart_write_bands(const struct svg_chart *c, const struct svg_band *bands, size_t nbands,
                          struct wr_buf *out, struct wr_error *err);

/* Append the chart as a standalone SVG document to out. The bytes depend only on the chart
 * (fixed number formatting, no clock). -1 with err when the range is empty. */
int svg_chart_write(const struct svg_chart *c, struct wr_buf *out, struct wr_error *err);

#endif
