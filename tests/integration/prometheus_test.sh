#!/usr/bin/env bash
# prometheus_test.sh: `warroom sli` against a real Prometheus loaded with generated demo data.
# Usage: prometheus_test.sh PATH/TO/warroom SOURCE_DIR
# Exit 77 (skipped) when prometheus/promtool are not installed.
set -u
WR=$1
SRC=$2
command -v prometheus >/dev/null && command -v promtool >/dev/null || { echo "SKIP: no prometheus"; exit 77; }
T=$(mktemp -d /tmp/warroom-prom-XXXXXX)
PROM_PID=
cleanup() {
  if [ -n "$PROM_PID" ]; then kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT

python3 "$SRC/tests/tools/gen_prom_data.py" "$T/data.om" "$T/expected.json" || exit 1
tail -n1 "$T/data.om" | grep -qx '# EOF' || { echo "FAIL: generator output lacks # EOF"; exit 1; }
promtool tsdb create-blocks-from openmetrics "$T/data.om" "$T/tsdb" >"$T/promtool.log" 2>&1 ||
  { echo "FAIL: promtool"; cat "$T/promtool.log"; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1h\nscrape_configs: []\n' >"$T/minimal.yml"
# The data lies in the past: keep it (default retention would delete it at start-up).
prometheus --storage.tsdb.path="$T/tsdb" --storage.tsdb.retention.time=100y \
  --web.listen-address="127.0.0.1:$PORT" --config.file="$T/minimal.yml" >"$T/prom.log" 2>&1 &
PROM_PID=$!
ready=0
for _ in $(seq 1 150); do # bounded readiness wait: at most ~30 s
  if curl -fs "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$PROM_PID" 2>/dev/null || break
  sleep 0.2
done
[ $ready = 1 ] || { echo "FAIL: prometheus not ready"; tail -20 "$T/prom.log"; exit 1; }

cat >"$T/config.json" <<JSON
{
  "sources": { "prom": { "type": "prometheus", "url": "http://127.0.0.1:$PORT/", "timeout": "10s" } },
  "services": [ { "name": "loan-api", "slis": [
    { "id": "avail", "type": "availability", "source": "prom", "target": 0.999, "window": "28d",
      "good": "sum(increase(loan_requests_total{code!~\"5..\"}[\$window]))",
      "total": "sum(increase(loan_requests_total[\$window]))" },
    { "id": "p99", "type": "latency", "source": "prom", "threshold_ms": 800, "target": 0.99,
      "scale": 1000,
      "query": "histogram_quantile(0.99, sum by (le) (increase(loan_request_duration_seconds_bucket[\$window])))",
      "good": "sum(increase(loan_request_duration_seconds_bucket{le=\"0.8\"}[\$window]))",
      "total": "sum(increase(loan_request_duration_seconds_count[\$window]))" },
    { "id": "p99_only", "type": "latency", "source": "prom", "threshold_ms": 800, "target": 0.99,
      "scale": 1000,
      "query": "histogram_quantile(0.99, sum by (le) (increase(loan_request_duration_seconds_bucket[\$window])))" },
    { "id": "rps", "type": "throughput", "source": "prom", "min": 50,
      "query": "sum(rate(loan_requests_total[\$window]))" },
    { "id": "bad_query", "type": "custom", "source": "prom", "query": "sum(rate(" },
    { "id": "two_series", "type": "throughput", "source": "prom",
      "query": "sum by (code) (rate(loan_requests_total[\$window]))" },
    { "id": "nothing", "type": "throughput", "source": "prom", "query": "no_such_metric" }
  ] } ]
}
JSON
AT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["eval_time"])' "$T/expected.json")
AT_ISO=$(date -u -d "@$AT" +%Y-%m-%dT%H:%M:%SZ)
"$WR" --config "$T/config.json" sli --once --json --at "$AT_ISO" >"$T/out.json" 2>"$T/err" ||
  { echo "FAIL: warroom sli exited $?"; cat "$T/err"; exit 1; }

python3 - "$T/out.json" "$T/expected.json" <<'PY'
import json, math, sys
out = {s["id"]: s for s in json.load(open(sys.argv[1]))["slis"]}
exp = json.load(open(sys.argv[2]))
fails = []

def close(what, got, want, rel=1e-9):
    if got is None or not math.isclose(got, want, rel_tol=rel, abs_tol=1e-12):
        fails.append("%s: got %r, expected %r" % (what, got, want))

def burn(target, ratio):
    return (1 - ratio) / (1 - target)

a = out["avail"]
close("availability value (5m ratio)", a["value"], exp["availability"]["value"])
r = exp["availability"]["ratios"]
rules = {b["name"]: b for b in a["burn_rates"]}
for name, lw, sw in (("fast", "1h", "5m"), ("medium", "6h", "30m"), ("slow", "3d", "6h")):
    close("availability %s long burn" % name, rules[name]["long_burn"], burn(0.999, r[lw]), 1e-7)
    close("availability %s short burn" % name, rules[name]["short_burn"], burn(0.999, r[sw]), 1e-7)
close("availability budget", a["budget_remaining"], 1 - (1 - r["28d"]) / 0.001, 1e-7)
if a["state"] != "breached":
    fails.append("availability state %s, expected breached (budget exhausted)" % a["state"])
if not rules["fast"]["firing"]:
    fails.append("fast burn rule should fire")

p = out["p99"]
close("p99 value ms", p["value"], exp["latency"]["p99_ms"], 1e-7)
g = exp["latency"]["good_ratios"]
lrules = {b["name"]: b for b in p["burn_rates"]}
close("latency fast long burn", lrules["fast"]["long_burn"], burn(0.99, g["1h"]), 1e-7)
close("latency fast short burn", lrules["fast"]["short_burn"], burn(0.99, g["5m"]), 1e-7)
if len(p["spark"]) != 60 or p["spark"][-1] is None:
    fails.append("p99 sparkline: %r" % p["spark"][-3:])
else:
    close("p99 sparkline last point", p["spark"][-1], exp["latency"]["p99_ms"], 1e-7)

# Issue 11: a latency SLI with a threshold and a target but no good/total queries, its p99 over
# the threshold, is breached (not "ok") and says why.
po = out["p99_only"]
close("p99-only value ms", po["value"], exp["latency"]["p99_ms"], 1e-7)
if exp["latency"]["p99_ms"] <= 800:
    fails.append("test data: p99 %.0f ms is not over the 800 ms threshold" % exp["latency"]["p99_ms"])
want = "%.0f ms over the 800 ms threshold" % exp["latency"]["p99_ms"]
if po["state"] != "breached" or want not in (po["state_text"] or ""):
    fails.append("p99 only: state %s %r, expected breached with %r" % (po["state"], po["state_text"], want))

close("throughput req/s", out["rps"]["value"], exp["throughput_rps"], 1e-9)
if out["rps"]["state"] != "ok":
    fails.append("throughput state %s" % out["rps"]["state"])

bq = out["bad_query"]
if bq["state"] != "error" or not bq["error"].startswith("bad_data:"):
    fails.append("bad query: state %s error %r, expected error 'bad_data: ...'" % (bq["state"], bq["error"]))
ts = out["two_series"]
if ts["state"] != "error" or "series" not in (ts["error"] or ""):
    fails.append("two series: %s %r" % (ts["state"], ts["error"]))
nd = out["nothing"]
if nd["state"] != "error" or "no data" not in (nd["error"] or ""):
    fails.append("empty vector: %s %r" % (nd["state"], nd["error"]))

for f in fails:
    print("FAIL:", f)
print("%d checks failed" % len(fails))
sys.exit(1 if fails else 0)
PY
