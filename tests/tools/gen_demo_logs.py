#!/usr/bin/env python3
"""Generate data/demo/logs/: seed 000's incident as the logs `warroom analyze` reads.

Deterministic (seeded), so the committed files can be regenerated and checked:

    python3 tests/tools/gen_demo_logs.py data/demo/logs            # write the demo logs
    python3 tests/tools/gen_demo_logs.py --check data/demo/logs    # CTest data.demo_logs
    python3 tests/tools/gen_demo_logs.py --jsonl FILE --mb 150     # benchmark input (bench_analyze)
    python3 tests/tools/gen_demo_logs.py --alb FILE                # ALB access log sample (tests)

The check compares the decompressed text (gzip bytes depend on the zlib build).

Scenario (2026-03-10, local time UTC-03:00; 08:30-10:30 local = 11:30-13:30 UTC):
  08:50  the overnight scoring-service deploy's retry policy starts to bite: /loan/apply p99 climbs
  08:50  completed flows fall: requests to /loan/apply drop to ~40 % (users give up)
  09:12  timeouts to the external scoring provider: 504s on POST /loan/apply
  09:25  the API's Aurora PostgreSQL connection pool is exhausted: 503s (connection errors)
  10:00  rollback of scoring-service and retry configuration fix; normal again by ~10:05
Files:
  loan-origination-api.export.gz       CloudWatch Logs export to S3 of the API's log group:
                                        "TIMESTAMP {seed 002 JSON log line}" per request
  scoring-service.filter-log-events.json.gz
                                        `aws logs filter-log-events` output of scoring-service:
                                        its calls to the provider that ran out of attempts
"""

import gzip
import io
import json
import random
import sys
from datetime import datetime, timedelta, timezone

SEED = 20260310
START = datetime(2026, 3, 10, 11, 30, tzinfo=timezone.utc)  # 08:30 local
MINUTES = 120
AURORA = "aurora-loan-prod.cluster-c9x2k1tq7v3m.us-east-1.rds.amazonaws.com"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def ramp(m, m0, m1, v0, v1):
    if m <= m0:
        return v0
    if m >= m1:
        return v1
    return v0 + (v1 - v0) * (m - m0) / (m1 - m0)


def apply_rate(m):
    """POST /loan/apply requests per minute (local 08:30 + m)."""
    if m < 20:
        return 110
    if m < 25:
        return ramp(m, 20, 25, 110, 45)
    if m < 90:
        return 45
    if m < 95:
        return ramp(m, 90, 95, 45, 120)
    return 110


def latency_factor(m):
    """How much slower /loan/apply is (retries inside scoring-service)."""
    if m < 20:
        return 1.0
    if m < 42:
        return ramp(m, 20, 42, 1.0, 6.0)
    if m < 90:
        return 6.0
    if m < 94:
        return ramp(m, 90, 94, 6.0, 1.0)
    return 1.0


def scoring_timeout_p(m):
    if m < 42:
        return 0.0
    if m < 44:
        return ramp(m, 42, 44, 0.06, 0.12)
    if m < 90:
        return 0.12
    if m < 92:
        return 0.03
    return 0.0


def pool_p(m):
    if m < 55:
        return 0.0
    if m < 58:
        return ramp(m, 55, 58, 0.01, 0.05)
    if m < 90:
        return 0.05
    if m < 92:
        return 0.01
    return 0.0


def api_lines(rng):
    """(time, message dict) for every API request and a few other lines, in time order."""
    out = []
    for m in range(MINUTES):
        t0 = START + timedelta(minutes=m)
        batch = []
        for _ in range(int(round(apply_rate(m) + rng.gauss(0, 4)))):
            batch.append(("POST", "/loan/%d/apply" % rng.randint(100000, 999999)))
        for _ in range(int(round(25 + rng.gauss(0, 3)))):
            batch.append(("GET", "/loan/%d/status" % rng.randint(100000, 999999)))
        for _ in range(int(round(8 + rng.gauss(0, 2)))):
            batch.append(("POST", "/loan/%s/documents" % "".join(rng.choice("0123456789abcdef") for _ in range(24))))
        batch.append(("GET", "/healthz"))
        batch.append(("GET", "/healthz"))
        stamps = sorted(rng.randint(0, 59999) for _ in batch)
        for (method, path), ms in zip(batch, stamps):
            t = t0 + timedelta(milliseconds=ms)
            line = {"timestamp": iso(t), "level": "info", "service": "loan-origination-api",
                    "trace_id": "%032x" % rng.getrandbits(128), "span_id": "%016x" % rng.getrandbits(64),
                    "message": "request completed", "http_method": method, "http_path": path}
            if path == "/healthz":
                line.update(http_status=200, duration_ms=round(rng.uniform(0.4, 2.0), 3))
                out.append((t, line))
                continue
            apply = path.endswith("/apply")
            base = rng.lognormvariate(5.0, 0.35) if apply else rng.lognormvariate(3.4, 0.3)
            dur = base * (latency_factor(m) if apply else 1.0)
            status = 200 if method == "GET" else 201
            retries = 0
            if apply and latency_factor(m) > 1.5:
                retries = rng.choice([1, 2, 3, 3])
            u = rng.random()
            if apply and u < scoring_timeout_p(m):
                status, dur = 504, 6000 + rng.uniform(0, 2000)
                retries = 3
                line.update(level="error", message="credit application failed",
                            error_type="TimeoutException",
                            error_message="scoring provider did not answer before the 8000 ms request deadline (attempt 4)",
                            dependency="scoring-provider")
            elif u < (scoring_timeout_p(m) if apply else 0.0) + pool_p(m):
                status, dur = 503, 5000 + rng.uniform(0, 50)
                line.update(level="error", message="request failed",
                            error_message="timeout acquiring connection from pool (50 of 50 in use) to %s:5432" % AURORA)
            elif rng.random() < 0.0004:
                status = 500
                line.update(level="error", message="request failed", error_type="InternalError",
                            error_message="unexpected nil document")
            line.update(http_status=status, duration_ms=round(dur, 3))
            if apply:
                line["retry_count"] = retries
            out.append((t, line))
    out.sort(key=lambda x: x[0])
    return out


def scoring_events(rng):
    events = []
    t = START + timedelta(seconds=5)
    events.append((t, {"timestamp": iso(t), "level": "info", "service": "scoring-service",
                       "message": "scoring-service v2.14.0 serving: provider attempts=4, timeout=10000ms, backoff=none"}))
    for m in range(MINUTES):
        n = int(round(apply_rate(m) * scoring_timeout_p(m) * 0.8))
        for _ in range(n):
            t = START + timedelta(minutes=m, milliseconds=rng.randint(0, 59999))
            events.append((t, {"timestamp": iso(t), "level": "error", "service": "scoring-service",
                               "message": "provider call failed after 4 attempts",
                               "error_type": "ProviderTimeoutError",
                               "error_message": "POST https://api.scoring-provider.example/v3/score timed out after 10000 ms",
                               "dependency": "scoring-provider", "retry_count": 3, "duration_ms": 40000}))
    t = START + timedelta(minutes=90, seconds=12)
    events.append((t, {"timestamp": iso(t), "level": "info", "service": "scoring-service",
                       "message": "scoring-service v2.13.2 serving: provider attempts=2, timeout=3000ms, backoff=exponential"}))
    events.sort(key=lambda x: x[0])
    return events


def s3_export_text(lines):
    buf = io.StringIO()
    for t, msg in lines:
        buf.write("%s %s\n" % (iso(t), json.dumps(msg, separators=(",", ":"))))
    return buf.getvalue()


def filter_log_events_text(events, rng):
    out = {"events": [], "searchedLogStreams": []}
    stream = "ecs/scoring-service/4f1c2a9e8b7d4c3a"
    for t, msg in events:
        ms = int(t.timestamp() * 1000)
        out["events"].append({"logStreamName": stream, "timestamp": ms,
                              "message": json.dumps(msg, separators=(",", ":")),
                              "ingestionTime": ms + rng.randint(200, 900),
                              "eventId": "%056d" % rng.getrandbits(160)})
    out["searchedLogStreams"].append({"logStreamName": stream, "searchedCompletely": True})
    return json.dumps(out, indent=4) + "\n"


def demo_files():
    rng = random.Random(SEED)
    api = api_lines(rng)
    rng2 = random.Random(SEED + 1)
    sc = scoring_events(rng2)
    return {
        "loan-origination-api.export.gz": s3_export_text(api),
        "scoring-service.filter-log-events.json.gz": filter_log_events_text(sc, rng2),
    }


def write_gz(path, text):
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
            g.write(text.encode())


def bench_jsonl(path, mb):
    """A large JSON-lines file in the seed 002 standard (requests plus some non-request lines)."""
    rng = random.Random(SEED + 2)
    target = mb * 1024 * 1024
    t = START
    written = 0
    paths = ["/loan/%d/apply", "/loan/%d/status", "/customers/%d", "/offers/%d/accept", "/v1/kyc/%d"]
    methods = ["POST", "GET", "GET", "POST", "PUT"]
    chunk = []
    with open(path, "w") as f:
        while written < target:
            t += timedelta(milliseconds=rng.randint(1, 12))
            k = rng.randrange(5)
            status = rng.choice([200, 200, 200, 200, 201, 404, 500, 503])
            line = {"timestamp": iso(t), "level": "error" if status >= 500 else "info",
                    "service": "loan-origination-api", "trace_id": "%032x" % rng.getrandbits(128),
                    "message": "request completed", "http_method": methods[k],
                    "http_path": paths[k] % rng.randint(1, 10 ** 6), "http_status": status,
                    "duration_ms": round(rng.lognormvariate(5, 0.8), 3), "environment": "production",
                    "region": "us-east-1", "host": "loan-api-7b4d9-xk2p1"}
            if status >= 500:
                line.update(error_type="TimeoutException", dependency="scoring-provider",
                            error_message="scoring provider did not answer within 10000 ms")
            if rng.random() < 0.02:
                line = {"timestamp": iso(t), "level": "warn", "message": "cache miss storm",
                        "service": "loan-origination-api"}
            s = json.dumps(line, separators=(",", ":")) + "\n"
            chunk.append(s)
            written += len(s)
            if len(chunk) >= 5000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))


def alb_text():
    """ALB access log lines (the documented field order) with a target timeout episode."""
    rng = random.Random(SEED + 3)
    tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/loan-api-tg/6d0ecf831eec9f09"
    out = []
    for m in range(60):
        for _ in range(60):
            t = START + timedelta(minutes=m, milliseconds=rng.randint(0, 59999))
            created = t
            status, target_status, tp = 200, "200", rng.lognormvariate(-2.0, 0.4)
            if 30 <= m < 45 and rng.random() < 0.2:
                status, target_status, tp = 504, "-", -1
            elif rng.random() < 0.01:
                status, target_status, tp = "-", "-", -1  # the client left before a response
            path = "/loan/%d/apply" % rng.randint(1, 99999)
            if tp >= 0:
                done = created + timedelta(microseconds=int((0.0001 + tp + 0.00005) * 1e6))
                times = "0.000100 %.6f 0.000050" % tp
            else:
                done = created + timedelta(seconds=10)
                times = "-1 -1 -1"
            out.append((done, 'https %s app/loan-alb/50dc6c495c0c9188 203.0.113.%d:%d 10.0.1.%d:8080 %s %s %s 512 %d "POST https://api.example.com:443%s?src=web HTTP/1.1" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 %s "Root=1-%08x-%024x" "api.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678" 0 %s "forward" "-" "-" "10.0.1.%d:8080" "%s" "-" "-"' % (
                done.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), rng.randint(1, 254), rng.randint(1024, 65535),
                rng.randint(1, 254), times, status, target_status, rng.randint(200, 4000), path, tg,
                rng.getrandbits(32), rng.getrandbits(96), created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                rng.randint(1, 254), target_status)))
    out.sort(key=lambda x: x[0])
    return "".join(line + "\n" for _, line in out)


def main(argv):
    if len(argv) >= 3 and argv[1] == "--jsonl":
        mb = int(argv[4]) if len(argv) >= 5 and argv[3] == "--mb" else 150
        bench_jsonl(argv[2], mb)
        return 0
    if len(argv) == 3 and argv[1] == "--alb":
        write_gz(argv[2], alb_text())
        return 0
    check = len(argv) == 3 and argv[1] == "--check"
    if len(argv) != 2 and not check:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[-1]
    bad = 0
    for name, text in demo_files().items():
        path = "%s/%s" % (out, name)
        if check:
            try:
                with gzip.open(path, "rt") as f:
                    have = f.read()
            except OSError as e:
                print("%s: %s" % (path, e), file=sys.stderr)
                bad = 1
                continue
            if have != text:
                print("%s differs from what %s writes; regenerate it" % (path, argv[0]), file=sys.stderr)
                bad = 1
        else:
            write_gz(path, text)
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
