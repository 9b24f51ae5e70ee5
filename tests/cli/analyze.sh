#!/usr/bin/env bash
# analyze.sh: `warroom analyze` end to end: figures against an independent computation
# (tests/tools/analyze_reference.py), the demo incident's anomaly episodes, JSON keys, --attach
# idempotence and the postmortem's Impact, --replay as an SLI source, threads, and bad input.
# Usage: analyze.sh WARROOM_BINARY   (WARROOM_SOURCE_DIR points at the source tree)
# WARROOM_TEST_PG (cli.analyze.pg, under tests/tools/pg_server.sh): the same on PostgreSQL.
set -u
bin=${1:?usage: analyze.sh WARROOM_BINARY}
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export TZ=UTC WARROOM_NOW=2026-03-10T13:30:00Z WARROOM_DB=${WARROOM_TEST_PG:-$tmp/db.sqlite} XDG_CONFIG_HOME=$tmp/cfg
export WARROOM_DATA_DIR=$src/data WARROOM_TEMPLATE_DIR=$src/templates
fail=0
die() { echo "FAIL: $*" >&2; fail=1; }
w() { "$bin" "$@"; }
ref=$src/tests/tools/analyze_reference.py
gen=$src/tests/tools/gen_demo_logs.py
logs=("$src"/data/demo/logs/*)

# ---- the demo logs: figures against the reference, keys, episodes ----
w analyze --json "${logs[@]}" > "$tmp/demo.json" 2>"$tmp/demo.err" || die "analyze demo: $(cat "$tmp/demo.err")"
python3 "$ref" "$tmp/demo.json" "${logs[@]}" >/dev/null || die "demo figures differ from the reference"
python3 - "$tmp/demo.json" <<'PY' || die "demo JSON keys or episodes"
import json, sys
from datetime import datetime
d = json.load(open(sys.argv[1]))
for k in ["files", "lines", "malformed", "requests", "errors", "availability", "endpoints",
          "error_types", "minutes", "anomalies", "recommendations"]:
    assert k in d, "missing key " + k
for e in d["endpoints"]:
    assert set(["endpoint", "requests", "errors", "availability", "p50_ms", "p95_ms", "p99_ms"]) <= set(e), e
for e in d["error_types"]:
    assert set(["type", "dependency", "count"]) <= set(e), e
for e in d["minutes"]:
    assert set(["t", "requests", "errors", "error_rate", "p99_ms"]) <= set(e), e
    if e["requests"]:
        assert abs(e["error_rate"] - e["errors"] / e["requests"]) < 1e-12, e
    assert e["t"].endswith("Z")
for e in d["anomalies"]:
    assert set(["series", "start", "end", "peak", "baseline"]) <= set(e), e
for e in d["recommendations"]:
    assert set(["finding", "action"]) <= set(e) and e["finding"] and e["action"], e
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() / 60
er = [a for a in d["anomalies"] if a["series"] == "error_rate"]
assert len(er) == 1, er
# planted: scoring timeouts from 09:12 local (12:12Z), rollback at 10:00 (13:00Z)
assert abs(t(er[0]["start"]) - t("2026-03-10T12:12:00.000Z")) <= 3, er
assert abs(t(er[0]["end"]) - t("2026-03-10T13:00:00.000Z")) <= 3, er
p99 = [a for a in d["anomalies"] if a["series"] == "p99_ms"]
assert p99 and abs(t(p99[0]["start"]) - t("2026-03-10T11:50:00.000Z")) <= 5, p99
rules = [r["rule"] for r in d["recommendations"]]
for want in ["dependency-timeouts", "dependency-connections", "latency-before-errors", "traffic-drop"]:
    assert want in rules, (want, rules)
top = d["error_types"][0]
assert top["dependency"] == "scoring-provider" and top["class"] == "timeout", top
aur = [e for e in d["error_types"] if e["dependency"].startswith("aurora-loan-prod")]
assert aur and aur[0]["class"] == "pool", d["error_types"]
onset = lambda e: t(e["onset"])
assert abs(onset(aur[0]) - t("2026-03-10T12:25:00.000Z")) <= 3, aur
assert d["files"][0]["format"] == "s3" and d["files"][1]["format"] == "cloudwatch", d["files"]
PY

# README says what the demo finds: its figures are this report's (a regenerated demo or a changed
# detector must update them)
python3 - "$tmp/demo.json" "$src/README.md" <<'PY' || die "README's demo figures differ from the report"
import json, re, sys
from datetime import datetime, timedelta
d = json.load(open(sys.argv[1]))
readme = open(sys.argv[2]).read()
text = readme[readme.index("## Log analysis"):]
text = text[:text.index("**Formats**")]
local = lambda s: (datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ") - timedelta(hours=3)).strftime("%H:%M")
want = ["{:,} requests".format(d["requests"])]
ep = {a["series"]: a for a in d["anomalies"]}
want.append("anomalous from %s (peak %.1f s" % (local(ep["p99_ms"]["start"]), ep["p99_ms"]["peak"] / 1000))
want.append("the error rate anomalous from %s to %s (peak %.1f%%)" % (
    local(ep["error_rate"]["start"]), local(ep["error_rate"]["end"]), ep["error_rate"]["peak"] * 100))
rec = [r for r in d["recommendations"] if r["rule"] == "dependency-timeouts"][0]["finding"]
want.append(re.match(r"(\d+%) of error events", rec).group(1) + " of error events are timeouts")
for w in want:
    assert w in " ".join(text.split()), w
PY

# --from/--to keep [from, to): the counts are the minutes' sums over that window
w analyze --json --from 2026-03-10T12:00Z --to 2026-03-10T12:30Z "${logs[@]}" > "$tmp/win.json" 2>/dev/null || die "--from/--to"
python3 - "$tmp/win.json" "$tmp/demo.json" <<'PY' || die "--from/--to figures"
import json, sys
w = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
inside = [m for m in d["minutes"] if "2026-03-10T12:00" <= m["t"] < "2026-03-10T12:30"]
assert w["requests"] == sum(m["requests"] for m in inside), (w["requests"], sum(m["requests"] for m in inside))
assert w["errors"] == sum(m["errors"] for m in inside)
assert w["filtered_out"] > 0 and w["first"] >= "2026-03-10T12:00" and w["last"] < "2026-03-10T12:30"
assert [m["t"] for m in w["minutes"]] == [m["t"] for m in inside]
PY

# no evidence, no recommendation: the quiet 20 minutes before the incident (2 errors in 2,901
# requests) give no anomaly and not one rule's advice
w analyze --json --to 2026-03-10T11:50Z "${logs[@]}" > "$tmp/quiet.json" 2>/dev/null || die "quiet window"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["requests"] > 2000 and d["errors"] <= 5, (d["requests"], d["errors"])
assert d["anomalies"] == [] and d["recommendations"] == [], (d["anomalies"], d["recommendations"])' "$tmp/quiet.json" || die "recommendations or anomalies without evidence"
w analyze --to 2026-03-10T11:50Z "${logs[@]}" 2>/dev/null | grep -q "^None: no rule found evidence" || die "quiet Markdown report"

# one thread or two, files or stdin: the same figures
w analyze --json --threads 1 "${logs[@]}" > "$tmp/t1.json" 2>/dev/null || die "threads 1"
cmp -s "$tmp/demo.json" "$tmp/t1.json" || die "--threads 1 differs from the default"
w analyze --json - < "${logs[0]}" > "$tmp/stdin.json" 2>/dev/null || die "stdin"
w analyze --json "${logs[0]}" > "$tmp/one.json" 2>/dev/null || die "one file"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); a.pop("files"); b.pop("files"); assert a==b' "$tmp/stdin.json" "$tmp/one.json" || die "stdin differs from the file"
w analyze --json "$src/data/demo/logs/*.gz" > "$tmp/glob.json" 2>/dev/null || die "quoted glob"
# standard input can be read once
w analyze - - < "${logs[0]}" > /dev/null 2> "$tmp/e"; rc=$?
[ $rc -eq 2 ] && grep -q "given twice" "$tmp/e" || die "'- -': exit $rc, $(cat "$tmp/e")"
# a window that misses every line says where the logs are (HH:MM is today, not the logs' day)
w analyze --json --from 2026-03-11T00:00Z "${logs[@]}" > "$tmp/miss.json" 2> "$tmp/e" || die "--from after the logs"
grep -q "warning: every line is outside --from/--to: the logs run from 2026-03-10 11:30:00 to 2026-03-10 13:29:59 UTC" "$tmp/e" ||
    die "no warning for a window that misses the logs: $(cat "$tmp/e")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["requests"] == 0 and "outside --from/--to" in d["warnings"][0], d["warnings"]' "$tmp/miss.json" || die "window warning in the JSON"
# field names warroom does not know: no request figures, and a warning that says how to map them
printf '{"ts":"2026-03-10T12:00:01Z","statusCode":503,"latency":0.2}\n' > "$tmp/names.jsonl"
w analyze "$tmp/names.jsonl" > "$tmp/names.md" 2> "$tmp/e" || die "unknown names"
grep -q "warning: no line has an HTTP status.*--map status=NAME" "$tmp/e" || die "no hint to --map: $(cat "$tmp/e")"
grep -q "no line has an HTTP status" "$tmp/names.md" || die "the hint to --map is not in the report"
w analyze --map status=statusCode "$tmp/names.jsonl" > /dev/null 2> "$tmp/e" || die "mapped"
[ ! -s "$tmp/e" ] || die "a warning once the status is mapped: $(cat "$tmp/e")"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["files"]) == 2' "$tmp/glob.json" || die "glob expanded"

# a large plain JSON-lines file split into chunks across threads; out-of-order lines
python3 "$gen" --jsonl "$tmp/big.jsonl" --mb 40 || die "generate big"
printf '{"timestamp":"2026-03-10T11:30:00.000Z","http_method":"GET","http_path":"/x/1","http_status":200,"duration_ms":5}\nnot json\n' >> "$tmp/big.jsonl"
w analyze --json --threads 2 "$tmp/big.jsonl" > "$tmp/big2.json" 2>/dev/null || die "big, 2 threads"
w analyze --json --threads 1 "$tmp/big.jsonl" > "$tmp/big1.json" 2>/dev/null || die "big, 1 thread"
cmp -s "$tmp/big1.json" "$tmp/big2.json" || die "chunked run differs from the single-thread run"
python3 "$ref" "$tmp/big2.json" "$tmp/big.jsonl" >/dev/null || die "big figures differ from the reference"
python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); s=d["malformed_samples"]
assert d["malformed"] == 1 and s[0]["line"] == d["lines"], s' "$tmp/big2.json" || die "malformed line number across chunks"
# malformed lines are said on stderr too (a --json report on a pipe is not read by a person)
w analyze --json "$tmp/big.jsonl" 2> "$tmp/e" > /dev/null
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"])' "$tmp/big2.json")
grep -qE "^warroom: warning: $tmp/big.jsonl: 1 of [0-9,]+ lines malformed, skipped \(first: line $n: " "$tmp/e" ||
    die "no warning for a malformed line: $(cat "$tmp/e")"
[ "$(grep -c . "$tmp/e")" = 1 ] || die "more than the one warning: $(cat "$tmp/e")"
rm -f "$tmp/big.jsonl"
# a 10 MB line across the 16 MiB chunk boundary is one malformed line, counted once
python3 - "$tmp/cross.jsonl" <<'PY'
import sys
line = '{"timestamp":"2026-03-10T12:00:00Z","http_method":"GET","http_path":"/c/1","http_status":200,"duration_ms":7}\n'
with open(sys.argv[1], "w") as f:
    n = (16 * 1024 * 1024 - 3 * 1024 * 1024) // len(line)
    f.write(line * n)
    f.write('{"message":"' + "y" * (10 * 1024 * 1024) + '"}\n')
    f.write(line * 1000)
PY
w analyze --json --threads 2 "$tmp/cross.jsonl" > "$tmp/cross2.json" 2>/dev/null || die "cross, 2 threads"
w analyze --json --threads 1 "$tmp/cross.jsonl" > "$tmp/cross1.json" 2>/dev/null || die "cross, 1 thread"
cmp -s "$tmp/cross1.json" "$tmp/cross2.json" || die "a long line across chunks counts differently with threads"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["malformed"] == 1 and d["lines"] == d["requests"] + 1, (d["malformed"], d["lines"], d["requests"])' "$tmp/cross2.json" || die "long line across chunks"
rm -f "$tmp/cross.jsonl"

# ALB access logs
python3 "$gen" --alb "$tmp/alb.log.gz" || die "generate alb"
w analyze --json "$tmp/alb.log.gz" > "$tmp/alb.json" 2>/dev/null || die "alb"
python3 "$ref" "$tmp/alb.json" "$tmp/alb.log.gz" >/dev/null || die "alb figures differ from the reference"
# every format plain as well as gzipped, and --format forcing the detected one changes nothing
gzip -dc "$tmp/alb.log.gz" > "$tmp/alb.log"
gzip -dc "${logs[0]}" > "$tmp/demo.s3"
gzip -dc "${logs[1]}" > "$tmp/demo.cw.json"
same_figures() { python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
for d in (a, b):
    d.pop("files")
assert a == b, [k for k in a if a[k] != b.get(k)]' "$1" "$2"; }
w analyze --json "$tmp/alb.log" > "$tmp/alb-plain.json" 2>/dev/null || die "plain alb"
same_figures "$tmp/alb.json" "$tmp/alb-plain.json" || die "plain ALB differs from gzipped"
w analyze --json "$tmp/demo.s3" "$tmp/demo.cw.json" > "$tmp/demo-plain.json" 2>/dev/null || die "plain demo"
same_figures "$tmp/demo.json" "$tmp/demo-plain.json" || die "plain s3 + cloudwatch differ from gzipped"
w analyze --json --format alb "$tmp/alb.log.gz" > "$tmp/alb-forced.json" 2>/dev/null || die "--format alb"
same_figures "$tmp/alb.json" "$tmp/alb-forced.json" || die "--format alb differs from detection"
w analyze --json --format s3 "${logs[0]}" > "$tmp/s3-forced.json" 2>/dev/null || die "--format s3"
w analyze --json "${logs[0]}" > "$tmp/s3-auto.json" 2>/dev/null || die "s3 detected"
same_figures "$tmp/s3-auto.json" "$tmp/s3-forced.json" || die "--format s3 differs from detection"
python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["files"][0]; assert f["format"] == "s3" and f["gzip"], f' "$tmp/s3-forced.json" || die "forced format in files[]"
# a CloudWatch export to S3 is hundreds of small objects: more files than the open-file limit
# allows at once (ulimit -n is 1024 on a default Debian login) are read all the same
mkdir "$tmp/parts"
gzip -dc "${logs[0]}" | split -l 100 -a 3 - "$tmp/parts/part-"
gzip "$tmp"/parts/part-a*
(ulimit -n 48 && "$bin" analyze --json "$tmp"/parts/part-* > "$tmp/parts.json" 2> "$tmp/e") || die "129 files under ulimit -n 48: $(cat "$tmp/e")"
same_figures "$tmp/s3-auto.json" "$tmp/parts.json" || die "the demo split into 129 files differs from the whole"
rm -rf "$tmp/parts"

# --map with a unit and nested keys; the same through the config's analyze section
cat > "$tmp/mapped.jsonl" <<'EOF'
{"ts":"2026-03-10T12:00:01Z","req":{"verb":"GET","route":"/a/12"},"statusCode":200,"latency":0.120}
{"ts":"2026-03-10T12:00:02Z","req":{"verb":"GET","route":"/a/13"},"statusCode":503,"latency":1.5,"level":"error","error_type":"Boom"}
{"ts":"2026-03-10T12:00:03Z","req":{"verb":"GET","route":"/a/14"},"statusCode":"200","latency":"0.080"}
EOF
maps=(--map status=statusCode --map duration=latency:s --map method=req.verb --map path=req.route)
w analyze --json "${maps[@]}" "$tmp/mapped.jsonl" > "$tmp/mapped.json" 2>/dev/null || die "--map"
python3 "$ref" "$tmp/mapped.json" "$tmp/mapped.jsonl" "${maps[@]}" >/dev/null || die "--map figures differ"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["endpoints"][0]; assert e["endpoint"]=="GET /a/{id}" and e["requests"]==3 and e["errors"]==1 and abs(e["p99_ms"]-1500)<15, e' "$tmp/mapped.json" || die "--map values"
mkdir -p "$tmp/cfg/warroom"
echo '{"analyze": {"map": {"status": "statusCode", "duration": "latency:s", "method": "req.verb", "path": "req.route"}}}' > "$tmp/cfg/warroom/config.json"
w analyze --json "$tmp/mapped.jsonl" > "$tmp/mapped2.json" 2>/dev/null || die "config analyze.map"
cmp -s "$tmp/mapped.json" "$tmp/mapped2.json" || die "config map differs from --map"
# the config's health_paths replace the default list and its target is the objective judged
printf '%s\n' '{"timestamp":"2026-03-10T12:00:01Z","http_method":"GET","http_path":"/ping","http_status":503,"duration_ms":1}' \
    '{"timestamp":"2026-03-10T12:00:01Z","http_method":"GET","http_path":"/healthz","http_status":200,"duration_ms":1}' \
    '{"timestamp":"2026-03-10T12:00:02Z","http_method":"GET","http_path":"/a/1","http_status":200,"duration_ms":1}' > "$tmp/health.jsonl"
rm -f "$tmp/cfg/warroom/config.json"
w analyze --json "$tmp/health.jsonl" > "$tmp/h0.json" 2>/dev/null || die "health default"
echo '{"analyze": {"health_paths": ["/ping"]}}' > "$tmp/cfg/warroom/config.json"
w analyze --json "$tmp/health.jsonl" > "$tmp/h1.json" 2>/dev/null || die "health_paths from the config"
python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert (a["requests"], a["errors"], a["health_checks_excluded"]) == (2, 1, 1), a
assert (b["requests"], b["errors"], b["health_checks_excluded"]) == (2, 0, 1), b
assert sorted(e["endpoint"] for e in b["endpoints"]) == ["GET /a/{id}", "GET /healthz"], b["endpoints"]' "$tmp/h0.json" "$tmp/h1.json" || die "analyze.health_paths not applied"
budget() { python3 -c 'import json,sys; print(" ".join(r["finding"] for r in json.load(open(sys.argv[1]))["recommendations"] if r["rule"] == "error-budget"))' "$1"; }
w analyze --json "${logs[@]}" > "$tmp/t0.json" 2>/dev/null
echo '{"analyze": {"target": 0.95}}' > "$tmp/cfg/warroom/config.json"
w analyze --json "${logs[@]}" > "$tmp/t1.json" 2>/dev/null || die "target from the config"
echo '{"analyze": {"target": 0.9999}}' > "$tmp/cfg/warroom/config.json"
w analyze --json "${logs[@]}" > "$tmp/t2.json" 2>/dev/null || die "target from the config"
budget "$tmp/t0.json" | grep -q "under the 99.5% objective" || die "default objective: $(budget "$tmp/t0.json")"
[ -z "$(budget "$tmp/t1.json")" ] || die "96.88% judged under a 95% objective: $(budget "$tmp/t1.json")"
budget "$tmp/t2.json" | grep -q "under the 99.99% objective" || die "analyze.target 0.9999 not used: $(budget "$tmp/t2.json")"
echo '{"analyze": {"map": {"bogus": "x"}}}' > "$tmp/cfg/warroom/config.json"
w analyze "$tmp/mapped.jsonl" >/dev/null 2>"$tmp/e" && die "bad config map accepted"
grep -q "config.json: analyze.map" "$tmp/e" || die "bad config map message: $(cat "$tmp/e")"
rm -f "$tmp/cfg/warroom/config.json"

# ---- bad input: one-line errors or counted skips, never a crash or a hang ----
expect() { # expect CODE PATTERN CMD...: exit status and a one-line message matching PATTERN
    local code=$1 pat=$2; shift 2
    "$@" >/dev/null 2>"$tmp/e"; local got=$?
    [ "$got" = "$code" ] || die "$*: exit $got, expected $code ($(cat "$tmp/e"))"
    grep -qE -- "$pat" "$tmp/e" || die "$*: message '$(cat "$tmp/e")' lacks /$pat/"
    [ "$(grep -c . "$tmp/e")" -le 2 ] || die "$*: more than a line or two on stderr"
}
: > "$tmp/empty.log"
expect 3 "empty" w analyze "$tmp/empty.log"
w analyze --json "$tmp/empty.log" "${logs[1]}" > "$tmp/e.json" 2>"$tmp/e" || die "empty beside a good file"
grep -q "empty file, skipped" "$tmp/e" || die "empty file warning"
printf 'hello world\nthis is not a log\n' > "$tmp/unknown.txt"
expect 3 "formats: cloudwatch .*s3 .*jsonl .*alb" w analyze "$tmp/unknown.txt"
expect 8 "cannot open" w analyze "$tmp/nope.log"
expect 8 "directory" w analyze "$tmp"
# unreadable: /proc/self/mem opens but every read fails (EIO), even for root
expect 8 "cannot read" w analyze /proc/self/mem
cp "${logs[1]}" "$tmp/unreadable.gz"; chmod 000 "$tmp/unreadable.gz"
if [ "$(id -u)" != 0 ]; then expect 8 "cannot open" w analyze "$tmp/unreadable.gz"; fi
expect 3 'field "statusCodeX"' w analyze "${maps[@]}" --map status=statusCodeX "$tmp/mapped.jsonl"
expect 3 'field "when" mapped to timestamp is in none of the 3 JSON lines' w analyze "${maps[@]}" --map timestamp=when "$tmp/mapped.jsonl"
expect 2 "unknown field 'nonsense'" w analyze --map nonsense=x "$tmp/mapped.jsonl"
expect 2 "unknown unit" w analyze --map duration=latency:h "$tmp/mapped.jsonl"
expect 2 "--format bogus" w analyze --format bogus "$tmp/mapped.jsonl"
expect 2 "usage" w analyze
# a UTF-8 byte order mark (Windows tools write one) is not part of the first line
gzip -dc "${logs[0]}" | head -200 > "$tmp/nobom.s3"
{ printf '\357\273\277'; cat "$tmp/nobom.s3"; } > "$tmp/bom.s3"
{ printf '\357\273\277'; cut -d' ' -f2- "$tmp/nobom.s3"; } > "$tmp/bom.jsonl"
gzip -c "$tmp/bom.jsonl" > "$tmp/bom.jsonl.gz"
w analyze --json "$tmp/nobom.s3" > "$tmp/nobom.json" 2>/dev/null || die "no BOM"
for f in bom.s3 bom.jsonl bom.jsonl.gz; do
    w analyze --json "$tmp/$f" > "$tmp/bom.json" 2>"$tmp/e" || die "$f: $(cat "$tmp/e")"
    python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert b["malformed"] == 0 and b["lines"] == a["lines"] == 200, (b["malformed"], b["lines"])
assert (b["requests"], b["errors"], b["first"]) == (a["requests"], a["errors"], a["first"]), b' "$tmp/nobom.json" "$tmp/bom.json" ||
        die "$f: a byte order mark changes the figures"
done
# a forced format that fits no line: a report of nothing, and a warning that says why
cut -d' ' -f2- < <(gzip -dc "${logs[0]}" | head -50) > "$tmp/api.jsonl"
w analyze --format s3 "$tmp/api.jsonl" > /dev/null 2> "$tmp/e" || die "--format s3 on JSON lines: $(cat "$tmp/e")"
grep -q "warning: $tmp/api.jsonl: 50 of 50 lines malformed, skipped (first: line 1: .*--format s3 does not fit this file" "$tmp/e" ||
    die "no warning for a --format that fits nothing: $(cat "$tmp/e")"
printf '\037\213\010\000\000\000\000\000\000\003\377\377\377\377' > "$tmp/corrupt.gz"
expect 3 "gzip data is corrupt" w analyze "$tmp/corrupt.gz"
head -c 15 "${logs[1]}" > "$tmp/cut.gz"
expect 3 "gzip data is cut off" w analyze "$tmp/cut.gz"
# truncated gzip: the lines before are analysed, a warning says so
head -c 200000 "${logs[0]}" > "$tmp/trunc.gz"
w analyze --json "$tmp/trunc.gz" > "$tmp/trunc.json" 2>"$tmp/e" || die "truncated gzip failed: $(cat "$tmp/e")"
grep -q "truncated" "$tmp/e" || die "truncated gzip warning: $(cat "$tmp/e")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["lines"] > 1000 and d["warnings"], d["lines"]' "$tmp/trunc.json" || die "truncated gzip figures"
# a 10 MB line, invalid UTF-8, control characters, out-of-order timestamps
{
  echo '{"timestamp":"2026-03-10T12:00:05Z","http_method":"GET","http_path":"/b/1","http_status":200,"duration_ms":3}'
  python3 -c 'import sys; sys.stdout.write("{\"timestamp\":\"2026-03-10T12:00:06Z\",\"message\":\"" + "x" * (10 * 1024 * 1024) + "\"}\n")'
  python3 -c 'import sys; sys.stdout.write("{\"timestamp\":\"2026-03-10T12:00:07Z\",\"message\":\"" + "z" * (2 * 1024 * 1024) + "\"}\n")'
  printf '{"timestamp":"2026-03-10T11:59:00Z","http_method":"GET","http_path":"/b/\xff\xfe/\x1b[31m","http_status":500,"duration_ms":4}\n'
  echo '{"timestamp":"2026-03-10T11:58:00Z","http_method":"GET","http_path":"/b/2","http_status":200,"duration_ms":5}'
} > "$tmp/hostile.jsonl"
w analyze --json "$tmp/hostile.jsonl" > "$tmp/h.json" 2>"$tmp/e" || die "hostile: $(cat "$tmp/e")"
python3 - "$tmp/h.json" <<'PY' || die "hostile figures"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["lines"] == 5 and d["malformed"] == 2 and d["requests"] == 3 and d["errors"] == 1, d
ms = d["malformed_samples"]
assert [m["line"] for m in ms] == [2, 3] and all("1 MiB" in m["reason"] for m in ms), ms
assert d["invalid_utf8"] == 1, d["invalid_utf8"]
assert d["first"].startswith("2026-03-10T11:58") and len(d["minutes"]) == 3, d["minutes"]
for e in d["endpoints"]:
    assert "\x1b" not in e["endpoint"], e
PY
w analyze "$tmp/hostile.jsonl" 2>/dev/null | grep -q "^| Invalid UTF-8 | 1 |" || die "invalid UTF-8 not counted in the Markdown report"
w analyze "$tmp/hostile.jsonl" 2>/dev/null | grep -q $'\x1b' && die "escape sequence reached the terminal"
# file and directory names are the user's, but may come from a hostile archive: errors,
# warnings and the -o line quote them without their escape sequences
esc=$'\x1b]0;pwned\x07\x1b[2J'
printf 'not a log\n' > "$tmp/x${esc}.txt"
: > "$tmp/empty${esc}.log"
for args in "$tmp/x${esc}.txt" "$tmp/empty${esc}.log" "$tmp/none${esc}" "$tmp/empty${esc}.log ${logs[0]}"; do
    # shellcheck disable=SC2086
    w analyze $args > "$tmp/o" 2> "$tmp/e"
    grep -q "$(printf '\x1b')" "$tmp/e" "$tmp/o" && die "an escape sequence in a file name reached the terminal: $(printf %q "$args")"
    [ "$(grep -c . "$tmp/e")" -ge 1 ] || die "no message for $args"
done
w analyze "${logs[0]}" -o "$tmp/out${esc}" > "$tmp/o" 2>/dev/null || die "-o with an odd name"
grep -q "$(printf '\x1b')" "$tmp/o" && die "an escape sequence in -o DIR reached the terminal"
grep -qx "$tmp/out^\[\]0;pwned^G^\[\[2J/analysis.md" "$tmp/o" || die "-o line: $(cat -v "$tmp/o")"
# numeric times no clock writes (found by fuzzing: the cast overflowed): no time, or a malformed
# CloudWatch event, never undefined behaviour
printf '{"ts":1e40,"http_status":200}\n{"timestamp":"99999999999999999999999999","http_status":500}\n' > "$tmp/huge.jsonl"
w analyze --json "$tmp/huge.jsonl" > "$tmp/huge.json" 2>/dev/null || die "huge epoch"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["requests"] == 2 and d["no_timestamp"] == 2 and d["first"] is None, d' "$tmp/huge.json" || die "huge epoch figures"
printf '{"events":[{"timestamp":1e300,"message":"x"},{"timestamp":1773144000000,"message":"{\\"http_status\\":200}"}]}' > "$tmp/huge-cw.json"
w analyze --json "$tmp/huge-cw.json" > "$tmp/huge-cw.out" 2>/dev/null || die "huge CloudWatch timestamp"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["malformed"] == 1 and d["requests"] == 1 and "out of range" in d["malformed_samples"][0]["reason"], d' "$tmp/huge-cw.out" || die "huge CloudWatch timestamp figures"
# a URL's credentials are not the dependency
printf '{"timestamp":"2026-03-10T12:00:00Z","level":"ERROR","message":"call to https://svc:s3cret@scoring.example.com/v1 timed out"}\n' > "$tmp/cred.jsonl"
w analyze --json "$tmp/cred.jsonl" > "$tmp/cred.json" 2>/dev/null || die "cred"
grep -q 's3cret\|"svc"' "$tmp/cred.json" && die "a URL's user or password taken as the dependency"
grep -q '"dependency":.*"scoring.example.com"' "$tmp/cred.json" || die "dependency of a URL with credentials: $(cat "$tmp/cred.json" | tr -d '\n\t' | head -c 300)"

# ---- reports: Markdown + SVG, replay as an SLI source ----
w analyze "${logs[@]}" -o "$tmp/report" > "$tmp/o" 2>/dev/null || die "-o"
[ -s "$tmp/report/analysis.md" ] || die "analysis.md"
for f in requests error-rate p99; do
    python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"); assert list(r.iter("{http://www.w3.org/2000/svg}rect"))[1:], "no episode band"' "$tmp/report/analysis-$f.svg" || die "analysis-$f.svg"
done
grep -q '](analysis-error-rate.svg)' "$tmp/report/analysis.md" || die "chart not referenced"
# valid GFM: every table row has its header's cells, no raw HTML (hostile paths included)
cp "$tmp/hostile.jsonl" "$tmp/evil|<b>name<i>.jsonl"
w analyze "$tmp/evil|<b>name<i>.jsonl" "${logs[@]}" > "$tmp/evil.md" 2>/dev/null || die "report with a hostile path"
for md in "$tmp/report/analysis.md" "$tmp/evil.md"; do
    cmark-gfm --to xml -e table "$md" > "$tmp/x.xml" || die "cmark-gfm $md"
    python3 - "$tmp/x.xml" <<'PY' || die "GFM structure of $md"
import sys, xml.etree.ElementTree as E
ns = '{http://commonmark.org/xml/1.0}'
root = E.parse(sys.argv[1]).getroot()
tables = list(root.iter(ns + 'table'))
assert len(tables) >= 5, len(tables)
for t in tables:
    rows = list(t.iter(ns + 'table_row'))
    for r in rows:
        assert len(list(r)) == len(list(rows[0])), 'ragged table'
assert not list(root.iter(ns + 'html_block')) and not list(root.iter(ns + 'html_inline')), 'raw HTML'
PY
done
grep -q "timeouts to scoring-provider" "$tmp/report/analysis.md" || die "recommendation in the report"
w analyze "${logs[@]}" --replay "$tmp/replay.json" >/dev/null 2>&1 || die "--replay"
cat > "$tmp/replay-config.json" <<EOF
{"sources": {"logs": {"type": "replay", "file": "$tmp/replay.json"}},
 "services": [{"name": "loan-api", "slis": [
   {"id": "avail", "type": "availability", "source": "logs", "series": "availability",
    "target": 0.995, "window": "1h", "value_window": "5m"},
   {"id": "p99", "type": "latency", "source": "logs", "series": "p99_ms", "threshold_ms": 2000}]}]}
EOF
w --config "$tmp/replay-config.json" sli --json --at 2026-03-10T12:40:00Z > "$tmp/sli.json" 2>"$tmp/e" || die "replay as SLI source: $(cat "$tmp/e")"
python3 - "$tmp/sli.json" "$tmp/demo.json" <<'PY' || die "replay values"
import json, sys
s = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
slis = s if isinstance(s, list) else s.get("slis", s)
text = json.dumps(slis)
assert "avail" in text and "p99" in text, text[:400]
p99 = [x for x in slis if x.get("id") == "p99"][0]
minute = [m for m in d["minutes"] if m["t"] == "2026-03-10T12:39:00.000Z"][0]
assert abs(p99["value"] - minute["p99_ms"]) < 0.01, (p99, minute)
PY

# Markdown keeps the top 25 endpoints; the JSON has every one
python3 -c '
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(60):
        f.write(json.dumps({"timestamp": "2026-03-10T12:00:00Z", "http_method": "GET",
                            "http_path": "/r%s/x%d" % (chr(97 + i % 26), i // 26),
                            "http_status": 200, "duration_ms": 1}) + "\n")' "$tmp/many.jsonl"
w analyze "$tmp/many.jsonl" 2>/dev/null | grep -q "^35 more endpoints" || die "Markdown endpoint cap"
w analyze --json "$tmp/many.jsonl" 2>/dev/null | python3 -c 'import json,sys; assert len(json.load(sys.stdin)["endpoints"]) == 60' || die "JSON lists every endpoint"

# ---- --attach: idempotent, and the postmortem's Impact states the figures ----
id=$(w import "$src/data/demo/incident.json") || die "import"
n0=$(w show "$id" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
w analyze "${logs[@]}" --attach "$id" >/dev/null 2>"$tmp/a1" || die "attach: $(cat "$tmp/a1")"
n1=$(w show "$id" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
w analyze "${logs[@]}" --attach "$id" >/dev/null 2>"$tmp/a2" || die "attach again"
n2=$(w show "$id" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
eps=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["anomalies"]))' "$tmp/demo.json")
[ "$n1" = $((n0 + eps + 1)) ] || die "attach added $((n1 - n0)) entries, expected $((eps + 1))"
[ "$n2" = "$n1" ] || die "attaching twice added $((n2 - n1)) entries"
grep -q "0 new timeline entries" "$tmp/a2" || die "second attach message: $(cat "$tmp/a2")"
w show "$id" --json | python3 -c '
import json,sys
d=json.load(sys.stdin)
es=[e for e in d["entries"] if "Log analysis" in (e.get("text") or "")]
alerts=[e for e in es if e["kind"]=="alert"]
assert alerts and all(e["at"] < "2026-03-10T13:05" for e in alerts), es
assert any(e["kind"]=="note" for e in es), es' || die "attached entries"
expect 4 "" w analyze "${logs[@]}" --attach 999
expect 3 "no line is inside --from/--to: nothing attached" w analyze "${logs[@]}" --attach "$id" --from 2026-03-11T00:00Z
# logs of another day than the incident's: refused, nothing written (the postmortem would have
# stated "0 requests, of which 0 failed" with the analysis as its source)
id4=$(w new "Another day" --started 2026-03-12T10:00Z 2>/dev/null | tail -1 | tr -dc 0-9)
w milestone "$id4" mitigated 2026-03-12T11:00Z >/dev/null 2>&1 || die "milestone for another day"
m0=$(w show "$id4" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
expect 3 "the logs run from 2026-03-10 11:30 to 13:29 UTC, before INC-$id4 started \(2026-03-12 10:00 UTC\): nothing attached; .*warroom milestone $id4 started TIME" \
    w analyze "${logs[@]}" --attach "$id4"
m1=$(w show "$id4" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
[ "$m0" = "$m1" ] || die "a refused attach wrote $((m1 - m0)) entries"
w milestone "$id4" started 2026-03-09T10:00Z >/dev/null 2>&1 && w milestone "$id4" mitigated 2026-03-09T11:00Z >/dev/null 2>&1 ||
    die "milestones of the day before"
expect 3 "after INC-$id4's window ended \(mitigated 2026-03-09 11:00 UTC\): nothing attached" \
    w analyze "${logs[@]}" --attach "$id4"
w export "$id" --format md -o "$tmp/pm" >/dev/null 2>&1 || die "postmortem export"
grep -q "Requests in the incident window" "$tmp/pm/postmortem.md" || die "postmortem Impact lacks the analysis"
grep -q "Source: log analysis (warroom analyze)" "$tmp/pm/postmortem.md" || die "postmortem Impact lacks the source"

# an incident whose Impact nobody wrote: the analysis fills it instead of the "To do" prompt
id3=$(w new "Logs only" --started 2026-03-10T11:50Z 2>/dev/null | tail -1 | tr -dc 0-9)
w milestone "$id3" mitigated 2026-03-10T13:00Z >/dev/null 2>&1 || die "milestone for the logs-only incident"
w export "$id3" --format md -o "$tmp/pm3a" >/dev/null 2>&1 || die "export before attaching"
w analyze "${logs[@]}" --attach "$id3" >/dev/null 2>&1 || die "attach to the logs-only incident"
w export "$id3" --format md -o "$tmp/pm3" >/dev/null 2>&1 || die "export after attaching"
impact() { sed -n '/^## Impact/,/^#/p' "$1"; }
impact "$tmp/pm3a/postmortem.md" | grep -q "Requests in the incident window" && die "Impact has figures before any analysis"
impact "$tmp/pm3a/postmortem.md" | grep -q "_To do:" || die "Impact of an incident without analysis should be a prompt"
impact "$tmp/pm3/postmortem.md" | grep -q "Requests in the incident window (2026-03-10 11:50 to 13:00 UTC): 5621, of which 388 failed" || die "Impact of the logs-only incident: $(impact "$tmp/pm3/postmortem.md")"
impact "$tmp/pm3/postmortem.md" | grep -q "_To do:" && die "Impact still asks for what the analysis states"
# logs that cover only part of the incident window: the summary says which part
id5=$(w new "Partly covered" --started 2026-03-10T11:50Z 2>/dev/null | tail -1 | tr -dc 0-9)
w milestone "$id5" mitigated 2026-03-10T13:00Z >/dev/null 2>&1 || die "milestone for the partly covered incident"
w analyze "${logs[@]}" --from 2026-03-10T12:20Z --attach "$id5" >/dev/null 2>&1 || die "attach a part of the window"
w show "$id5" | grep -q "Log analysis (2 files): .*; the logs cover only 12:20 to 13:00 UTC of that window" ||
    die "partial coverage not stated: $(w show "$id5" | grep 'Log analysis (')"
w show "$id3" | grep "Log analysis (" | grep -q "cover only" && die "a fully covered window said to be covered only in part"
w export "$id5" --format md -o "$tmp/pm5" >/dev/null 2>&1 || die "export of the partly covered incident"
impact "$tmp/pm5/postmortem.md" | grep -q "The logs cover only 12:20 to 13:00 UTC of that window" ||
    die "Impact of the partly covered incident does not say so: $(impact "$tmp/pm5/postmortem.md")"
impact "$tmp/pm3/postmortem.md" | grep -q "cover only" && die "Impact of a fully covered window says it is covered in part"

[ $fail = 0 ] && echo "analyze: all checks passed"
exit $fail
