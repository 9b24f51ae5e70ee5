#!/usr/bin/env bash
# cloudwatch_test.sh: the GetMetricData request warroom sends to a loopback listener: body,
# headers and the SigV4 signature (recomputed here from the same inputs); the values it parses;
# an AWS error shown plainly; the secret key never printed.
# Usage: cloudwatch_test.sh PATH/TO/warroom SOURCE_DIR
set -u
WR=$1
SRC=$2
T=$(mktemp -d /tmp/warroom-cw-XXXXXX)
SRV_PID=
cleanup() {
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
mkfifo "$T/port"
python3 "$SRC/tests/integration/cloudwatch_capture.py" "$T/capture.jsonl" >"$T/port" &
SRV_PID=$!
read -r -t 20 PORT <"$T/port" || { echo "FAIL: listener did not start"; exit 1; }
U="http://127.0.0.1:$PORT/"
Q_P99='[{"Id":"p99","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB","MetricName":"TargetResponseTime","Dimensions":[{"Name":"LoadBalancer","Value":"app/loan/1"}]},"Period":60,"Stat":"p99"},"ReturnData":true}]'
Q_AV='[{"Id":"ok","Expression":"all - errors","ReturnData":true},{"Id":"all","MetricStat":{"Metric":{"Namespace":"Loan","MetricName":"Requests"},"Period":60,"Stat":"Sum"},"ReturnData":true}]'
cat >"$T/config.json" <<JSON
{ "sources": { "cw": { "type": "cloudwatch", "region": "eu-west-1", "url": "$U", "timeout": "5s" } },
  "services": [ { "name": "loan-api", "slis": [
  { "id": "p99", "type": "latency", "threshold_ms": 800, "scale": 1000, "query": "p99",
    "source": "cw", "metric_queries": $Q_P99, "spark_range": "1h", "spark_step": "1m" },
  { "id": "avail", "type": "availability", "good": "ok", "total": "all", "target": 0.995,
    "source": "cw", "metric_queries": $Q_AV }
] } ] }
JSON
cat >"$T/denied.json" <<JSON
{ "services": [ { "name": "x", "slis": [
  { "id": "denied", "type": "custom", "source": { "type": "cloudwatch", "region": "eu-west-1", "url": "$U" },
    "metric_queries": [{"Id": "denied", "Expression": "1"}] } ] } ] }
JSON
export AWS_ACCESS_KEY_ID=AKIDEXAMPLEWARROOM
export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY'
export AWS_SESSION_TOKEN='FQoGZXIvYXdzEXAMPLETOKEN//w=='
AT=2026-03-10T13:00:00Z
"$WR" --config "$T/config.json" sli --json --at "$AT" >"$T/out.json" 2>"$T/err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: warroom sli exited $rc: $(cat "$T/err")"; exit 1; }
"$WR" --config "$T/denied.json" sli --at "$AT" >"$T/denied.out" 2>&1
env -u AWS_SECRET_ACCESS_KEY "$WR" --config "$T/denied.json" sli >"$T/nocreds.out" 2>&1
python3 - "$T" "$AT" "$Q_P99" "$Q_AV" <<'PY'
import calendar, hashlib, hmac, json, os, sys, time
T, AT, Q_P99, Q_AV = sys.argv[1:5]
secret = os.environ["AWS_SECRET_ACCESS_KEY"]
fails = []
def check(cond, what):
    if not cond:
        fails.append(what)
reqs = [json.loads(l) for l in open(T + "/capture.jsonl")]
check(len(reqs) == 3, "expected 3 requests (p99, avail, denied), got %d" % len(reqs))
at = calendar.timegm(time.strptime(AT, "%Y-%m-%dT%H:%M:%SZ"))
for r in reqs:
    h = {}
    for k, v in r["headers"]:
        h[k.lower()] = v
    check(r["path"] == "/", "path %r" % r["path"])
    check(h.get("content-type") == "application/x-amz-json-1.0", "content-type %r" % h.get("content-type"))
    check(h.get("x-amz-target") == "GraniteServiceVersion20100801.GetMetricData", "x-amz-target %r" % h.get("x-amz-target"))
    check(h.get("x-amz-security-token") == os.environ["AWS_SESSION_TOKEN"], "security token header")
    body = json.loads(r["body"])
    ids = [q["Id"] for q in body["MetricDataQueries"]]
    if ids == ["p99"]:
        check(body["MetricDataQueries"] == json.loads(Q_P99), "p99 queries sent verbatim")
        check(body["StartTime"] == at - 3600 and body["EndTime"] == at, "p99 times %r %r" % (body["StartTime"], body["EndTime"]))
    elif ids == ["ok", "all"]:
        check(body["MetricDataQueries"] == json.loads(Q_AV), "availability queries sent verbatim")
    # SigV4, recomputed from the captured request and the same credentials.
    auth = h.get("authorization", "")
    check(auth.startswith("AWS4-HMAC-SHA256 "), "authorization scheme %r" % auth[:30])
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    amzdate = h.get("x-amz-date", "")
    day = amzdate[:8]
    scope = "%s/eu-west-1/monitoring/aws4_request" % day
    check(parts.get("Credential") == "%s/%s" % (os.environ["AWS_ACCESS_KEY_ID"], scope), "credential %r" % parts.get("Credential"))
    signed = parts.get("SignedHeaders", "").split(";")
    for need in ("host", "x-amz-date", "x-amz-target", "content-type"):
        check(need in signed, "%s not signed (%s)" % (need, signed))
    canon_headers = "".join("%s:%s\n" % (n, " ".join(h.get(n, "").split())) for n in signed)
    canonical = "\n".join(["POST", "/", "", canon_headers, ";".join(signed),
                           hashlib.sha256(r["body"].encode()).hexdigest()])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    def hm(k, m):
        return hmac.new(k, m.encode(), hashlib.sha256).digest()
    key = hm(hm(hm(hm(("AWS4" + secret).encode(), day), "eu-west-1"), "monitoring"), "aws4_request")
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    check(parts.get("Signature") == sig, "signature %r, recomputed %r" % (parts.get("Signature"), sig))
out = {s["id"]: s for s in json.load(open(T + "/out.json"))["slis"]}
check(abs(out["p99"]["value"] - 950.0) < 1e-6, "p99 value %r, expected the newest 0.95 s as 950 ms" % out["p99"]["value"])
check(out["p99"]["state"] == "breached", "p99 state %r (950 ms > 800 ms)" % out["p99"]["state"])
check(abs(out["avail"]["value"] - 0.96) < 1e-9 or abs(out["avail"]["value"] - 96.0) < 1e-6, "avail value %r" % out["avail"]["value"])
spark = [v for v in out["p99"]["spark"] if v is not None]
check(spark[-5:] == [300.0, 350.0, 900.0, 1200.0, 950.0], "p99 spark %r" % spark[-5:])
denied = open(T + "/denied.out").read()
check("AccessDeniedException: User is not authorized" in denied, "denied output %r" % denied)
nocreds = open(T + "/nocreds.out").read()
check("AWS_SECRET_ACCESS_KEY" in nocreds, "missing credentials message %r" % nocreds)
for name in ("out.json", "err", "denied.out", "nocreds.out"):
    check(secret not in open(os.path.join(T, name)).read(), "the secret key appears in " + name)
for f in fails:
    print("FAIL:", f)
print("%d checks failed" % len(fails))
sys.exit(1 if fails else 0)
PY
