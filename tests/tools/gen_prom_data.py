#!/usr/bin/env python3
"""gen_prom_data.py: deterministic OpenMetrics data for the seed-000 demo scenario, plus the
values warroom must compute from it (computed here independently of warroom and Prometheus).

usage: gen_prom_data.py OUT.om EXPECTED.json

Scenario (UTC-03:00, 2026-03-10): /loan/apply serves ~120 req/s from 08:30 to 10:30; from 09:10
the 5xx share and the latency rise, peak around 09:40, and recover after the 10:00 rollback.
Counters: loan_requests_total{code}; histogram: loan_request_duration_seconds.
Samples every 15 s at second 7 of each 15 s slot, so no sample sits on a window boundary
(Prometheus 2.x range selectors include the left edge, 3.x do not: both give the same data).
"""
import json
import random
import sys

START = 1773142200  # 2026-03-10T08:30:00-03:00 = 11:30:00Z
END = START + 2 * 3600
STEP = 15
OFFSET = 7
EVAL = START + 70 * 60  # 09:40:00-03:00: the incident at its worst
BUCKETS = [0.1, 0.25, 0.5, 0.8, 1.0, 2.5, 5.0, 10.0, float("inf")]
CODES = ["200", "400", "500", "503"]
WINDOWS = {"5m": 300, "30m": 1800, "1h": 3600, "6h": 21600, "3d": 259200, "28d": 2419200}


def badness(t):
    """0 before 09:10, ramps to 1 at 09:40, holds, falls after 10:00."""
    m = (t - START) / 60.0
    if m < 40:
        return 0.0
    if m < 70:
        return (m - 40) / 30.0
    if m < 90:
        return 1.0
    if m < 100:
        return 1.0 - (m - 90) / 10.0
    return 0.0


def generate():
    rnd = random.Random(20260310)
    counters = {c: 1000.0 + 1000 * i for i, c in enumerate(CODES)}
    counters["200"] = 5_000_000.0
    buckets = [0.0] * len(BUCKETS)
    hsum = 0.0
    samples = []  # (t, counters copy, cumulative buckets copy, sum)
    t = START + OFFSET
    # Start the histogram counters high too, spread like a healthy service.
    healthy = [0.30, 0.60, 0.85, 0.95, 0.98, 0.995, 0.999, 1.0, 1.0]
    for i, f in enumerate(healthy):
        buckets[i] = round(5_000_000 * f)
    hsum = 5_000_000 * 0.2
    while t <= END:
        b = badness(t)
        n = int(120 * STEP * (0.9 + 0.2 * rnd.random()) * (1 - 0.3 * b))
        err = 0.001 + 0.15 * b
        n500 = int(n * err * 0.7)
        n503 = int(n * err * 0.3)
        n400 = int(n * 0.01)
        counters["500"] += n500
        counters["503"] += n503
        counters["400"] += n400
        counters["200"] += n - n500 - n503 - n400
        # Latency distribution shifts right with badness.
        shape = [f * (1 - b) + g * b for f, g in
                 zip(healthy, [0.05, 0.10, 0.20, 0.35, 0.45, 0.70, 0.90, 0.995, 1.0])]
        for i, f in enumerate(shape):
            buckets[i] += round(n * f)
        hsum += n * (0.2 + 2.0 * b)
        samples.append((t, dict(counters), list(buckets), hsum))
        t += STEP
    return samples


def le_text(le):
    return "+Inf" if le == float("inf") else repr(le)


def write_openmetrics(samples, path):
    with open(path, "w") as f:
        f.write("# HELP loan_requests Requests to /loan/apply by status code.\n")
        f.write("# TYPE loan_requests counter\n")
        for code in CODES:
            for t, c, _, _ in samples:
                f.write('loan_requests_total{code="%s"} %d %d\n' % (code, c[code], t))
        f.write("# HELP loan_request_duration_seconds Latency of /loan/apply.\n")
        f.write("# TYPE loan_request_duration_seconds histogram\n")
        for i, le in enumerate(BUCKETS):
            for t, _, b, _ in samples:
                f.write('loan_request_duration_seconds_bucket{le="%s"} %d %d\n'
                        % (le_text(le), b[i], t))
        for t, _, b, _ in samples:
            f.write("loan_request_duration_seconds_count %d %d\n" % (b[-1], t))
        for t, _, _, s in samples:
            f.write("loan_request_duration_seconds_sum %.3f %d\n" % (s, t))
        f.write("# EOF\n")


def window_delta(samples, at, seconds):
    """First and last samples inside [at - seconds, at]: increase() on identical timestamps
    scales every series by the same factor, so ratios of sums equal ratios of these deltas."""
    inside = [s for s in samples if at - seconds <= s[0] <= at]
    return inside[0], inside[-1]


def ratio(samples, at, seconds, good_fn, total_fn):
    a, b = window_delta(samples, at, seconds)
    return (good_fn(b) - good_fn(a)) / (total_fn(b) - total_fn(a))


def extrapolated_rate(points, at, seconds):
    """Prometheus rate() of one counter over (at - seconds, at]: the increase between the first
    and last samples, extrapolated towards the window edges (by at most half an interval when
    the edge is further than 1.1 average intervals), divided by the window."""
    inside = [(t, v) for t, v in points if at - seconds <= t <= at]
    (t0, v0), (t1, v1) = inside[0], inside[-1]
    result = v1 - v0
    sampled = t1 - t0
    to_start = t0 - (at - seconds)
    to_end = at - t1
    avg = sampled / (len(inside) - 1)
    if result > 0 and v0 >= 0:
        to_zero = sampled * (v0 / result)
        if to_zero < to_start:
            to_start = to_zero
    threshold = avg * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else avg / 2
    interval += to_end if to_end < threshold else avg / 2
    return result * (interval / sampled) / seconds


def quantile(q, deltas):
    """Prometheus histogram_quantile on cumulative bucket increases (scale-invariant)."""
    rank = q * deltas[-1]
    for i, c in enumerate(deltas):
        if c >= rank:
            break
    if BUCKETS[i] == float("inf"):
        return BUCKETS[-2]
    start = 0.0 if i == 0 else BUCKETS[i - 1]
    below = 0.0 if i == 0 else deltas[i - 1]
    return start + (BUCKETS[i] - start) * ((rank - below) / (c - below))


def main():
    out, expected_path = sys.argv[1], sys.argv[2]
    samples = generate()
    write_openmetrics(samples, out)

    def good(s):
        return s[1]["200"] + s[1]["400"]

    def total(s):
        return sum(s[1].values())

    def fast(s):
        return s[2][BUCKETS.index(0.8)]

    def count(s):
        return s[2][-1]

    avail = {w: ratio(samples, EVAL, sec, good, total) for w, sec in WINDOWS.items()}
    lat_good = {w: ratio(samples, EVAL, sec, fast, count) for w, sec in WINDOWS.items()}
    a, b = window_delta(samples, EVAL, 300)
    p99 = quantile(0.99, [y - x for x, y in zip(a[2], b[2])]) * 1000
    throughput = sum(extrapolated_rate([(s[0], s[1][c]) for s in samples], EVAL, 300)
                     for c in CODES)
    expected = {
        "throughput_rps": throughput,
        "eval_time": EVAL,
        "availability": {"value": avail["5m"], "ratios": avail},
        "latency": {"p99_ms": p99, "good_ratios": lat_good},
    }
    with open(expected_path, "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
