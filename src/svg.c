/* svg.c: deterministic SVG line charts with axes, an objective line and milestone markers. */
#include "svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SVG_W 720
#define SVG_H 300
#define SVG_ML 70  /* left margin: y labels */
#define SVG_MR 20
#define SVG_MT 40  /* top: title and marker labels */
#define SVG_MB 50  /* bottom: x labels and axis title */

/* Text content escaped for XML. */
static void svg_text(struct wr_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&': wr_buf_puts(b, "&amp;"); break;
        case '<': wr_buf_puts(b, "&lt;"); break;
        case '>': wr_buf_puts(b, "&gt;"); break;
        case '"': wr_buf_puts(b, "&quot;"); break;
        default:
            if ((unsigned char)*p >= 0x20 || *p == '\t')
                wr_buf_append(b, p, 1);
        }
    }
}

/* A "nice" step near range/5: 1, 2 or 5 times a power of ten. */
static double nice_step(double range)
{
    double raw = range / 5.0;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* A number with at most 4 significant decimals, trailing zeros removed. */
static void fmt_num(char *buf, size_t n, double v)
{
    if (fabs(v) < 1e-12)
        v = 0;
    snprintf(buf, n, "%.4f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
}

int svg_chart_write(const struct svg_chart *c, struct wr_buf *out, struct wr_error *err)
{
    return svg_chart_write_bands(c, NULL, 0, out, err);
}

int svg_chart_write_bands(const struct svg_chart *c, const struct svg_band *bands, size_t nbands,
                          struct wr_buf *out, struct wr_error *err)
{
    if (c->to_ms <= c->from_ms)
        return wr_fail(err, WR_E_INPUT, "cannot draw \"%s\": the time range is empty",
                       c->title ? c->title : "chart");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->npoints; i++) {
        const struct svg_point *p = &c->points[i];
        if (p->t_ms < c->from_ms || p->t_ms > c->to_ms || !isfinite(p->value))
            continue;
        lo = fmin(lo, p->value);
        hi = fmax(hi, p->value);
    }
    if (c->has_objective && isfinite(c->objective)) {
        lo = fmin(lo, c->objective);
        hi = fmax(hi, c->objective);
    }
    if (!isfinite(lo)) {
        lo = 0;
        hi = 1;
    }
    if (hi - lo < 1e-9) {
        double pad = fabs(hi) > 1e-9 ? fabs(hi) * 0.05 : 1.0;
        lo -= pad;
        hi += pad;
    }
    double step = nice_step(hi - lo);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
    const double pw = SVG_W - SVG_ML - SVG_MR, ph = SVG_H - SVG_MT - SVG_MB;
    const double span = (double)(c->to_ms - c->from_ms);
#define XOF(t) (SVG_ML + pw * (double)((t) - c->from_ms) / span)
#define YOF(v) (SVG_MT + ph * (1.0 - ((v) - lo) / (hi - lo)))
    char a[64], b2[64];
    wr_buf_printf(out,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
                  SVG_W, SVG_H, SVG_W, SVG_H);
    wr_buf_puts(out, "<title>");
    svg_text(out, c->title);
    wr_buf_puts(out, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    wr_buf_printf(out, "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"bold\">", SVG_ML);
    svg_text(out, c->title);
    wr_buf_puts(out, "</text>\n");
    /* y grid and labels */
    for (double v = lo; v <= hi + step / 2; v += step) {
        fmt_num(a, sizeof a, YOF(v));
        fmt_num(b2, sizeof b2, v);
        wr_buf_printf(out,
                      "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" stroke=\"#e0e0e0\"/>"
                      "<text x=\"%d\" y=\"%s\" text-anchor=\"end\" dy=\"4\">%s</text>\n",
                      SVG_ML, a, SVG_W - SVG_MR, a, SVG_ML - 6, a, b2);
    }
    /* x labels: 6 ticks in UTC */
    for (int i = 0; i <= 5; i++) {
        int64_t t = c->from_ms + (int64_t)((double)(c->to_ms - c->from_ms) * i / 5.0);
        char tb[32];
        wr_time_fmt(t, true, "%H:%M", tb, sizeof tb);
        fmt_num(a, sizeof a, XOF(t));
        wr_buf_printf(out,
                      "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\" stroke=\"#000000\"/>"
                      "<text x=\"%s\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                      a, SVG_H - SVG_MB, a, SVG_H - SVG_MB + 4, a, SVG_H - SVG_MB + 16, tb);
    }
    /* axes and axis titles */
    wr_buf_printf(out,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\"/>"
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\"/>\n",
                  SVG_ML, SVG_MT, SVG_ML, SVG_H - SVG_MB, SVG_ML, SVG_H - SVG_MB, SVG_W - SVG_MR,
                  SVG_H - SVG_MB);
    wr_buf_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">Time (UTC)</text>\n",
                  SVG_ML + (int)pw / 2, SVG_H - 10);
    wr_buf_printf(out,
                  "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" "
                  "transform=\"rotate(-90 14 %d)\">",
                  SVG_MT + (int)ph / 2, SVG_MT + (int)ph / 2);
    svg_text(out, c->unit);
    wr_buf_puts(out, "</text>\n");
    /* bands, clipped to the range */
    for (size_t i = 0; i < nbands; i++) {
        int64_t f = bands[i].from_ms < c->from_ms ? c->from_ms : bands[i].from_ms;
        int64_t t = bands[i].to_ms > c->to_ms ? c->to_ms : bands[i].to_ms;
        if (t <= f)
            continue;
        fmt_num(a, sizeof a, XOF(f));
        fmt_num(b2, sizeof b2, XOF(t) - XOF(f));
        wr_buf_printf(out,
                      "<rect x=\"%s\" y=\"%d\" width=\"%s\" height=\"%d\" fill=\"#ff7f0e\" "
                      "fill-opacity=\"0.18\"/><text x=\"%s\" y=\"%d\" fill=\"#b35806\">",
                      a, SVG_MT, b2, SVG_H - SVG_MT - SVG_MB, a, SVG_MT + 12);
        svg_text(out, bands[i].label);
        wr_buf_puts(out, "</text>\n");
    }
    /* objective */
    if (c->has_objective && isfinite(c->objective)) {
        fmt_num(a, sizeof a, YOF(c->objective));
        fmt_num(b2, sizeof b2, c->objective);
        wr_buf_printf(out,
                      "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" stroke=\"#d62728\" "
                      "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%s\" dy=\"-3\" "
                      "text-anchor=\"end\" fill=\"#d62728\">objective %s</text>\n",
                      SVG_ML, a, SVG_W - SVG_MR, a, SVG_W - SVG_MR, a, b2);
    }
    /* milestones */
    for (size_t i = 0; i < c->nmarkers; i++) {
        const struct svg_marker *m = &c->markers[i];
        if (m->t_ms < c->from_ms || m->t_ms > c->to_ms)
            continue;
        fmt_num(a, sizeof a, XOF(m->t_ms));
        wr_buf_printf(out,
                      "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\" stroke=\"#7f7f7f\" "
                      "stroke-dasharray=\"2 3\"/><text x=\"%s\" y=\"%d\" text-anchor=\"middle\" "
                      "fill=\"#555555\">",
                      a, SVG_MT, a, SVG_H - SVG_MB, a, SVG_MT - 6 - (int)(i % 2) * 11);
        svg_text(out, m->label);
        wr_buf_puts(out, "</text>\n");
    }
    /* the series, one polyline per run without gaps */
    bool open = false;
    for (size_t i = 0; i < c->npoints; i++) {
        const struct svg_point *p = &c->points[i];
        if (p->t_ms < c->from_ms || p->t_ms > c->to_ms)
            continue;
        if (!isfinite(p->value)) {
            if (open)
                wr_buf_puts(out, "\"/>\n");
            open = false;
            continue;
        }
        if (!open)
            wr_buf_puts(out, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" "
                             "points=\"");
        fmt_num(a, sizeof a, XOF(p->t_ms));
        fmt_num(b2, sizeof b2, YOF(p->value));
        wr_buf_printf(out, "%s%s,%s", open ? " " : "", a, b2);
        open = true;
    }
    if (open)
        wr_buf_puts(out, "\"/>\n");
    wr_buf_puts(out, "</svg>\n");
#undef XOF
#undef YOF
    if (out->oom)
        return wr_fail(err, WR_E_NOMEM, "out of memory drawing \"%s\"", c->title);
    return 0;
}
