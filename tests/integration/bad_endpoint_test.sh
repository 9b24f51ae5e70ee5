#!/usr/bin/env bash
# bad_endpoint_test.sh: each misbehaving endpoint ends in its own error state; the CLI finishes.
# Usage: bad_endpoint_test.sh PATH/TO/warroom SOURCE_DIR
set -u
WR=$1
SRC=$2
T=$(mktemp -d /tmp/warroom-bad-XXXXXX)
SRV_PID=
cleanup() {
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
mkfifo "$T/port"
python3 "$SRC/tests/integration/bad_endpoint.py" >"$T/port" &
SRV_PID=$!
read -r -t 20 PORT <"$T/port" || { echo "FAIL: endpoint did not start"; exit 1; }
U="http://127.0.0.1:$PORT"
cat >"$T/config.json" <<JSON
{ "services": [ { "name": "svc", "slis": [
  { "id": "e500", "type": "custom", "query": "up", "source": { "type": "prometheus", "url": "$U/500" } },
  { "id": "garbage", "type": "custom", "query": "up", "source": { "type": "prometheus", "url": "$U/garbage" } },
  { "id": "big", "type": "custom", "query": "up", "source": { "type": "prometheus", "url": "$U/big" } },
  { "id": "hang", "type": "custom", "query": "up", "source": { "type": "prometheus", "url": "$U/hang", "timeout": "1s" } },
  { "id": "drip", "type": "custom", "query": "up", "source": { "type": "prometheus", "url": "$U/drip", "timeout": "1s" } },
  { "id": "promerr", "type": "custom", "query": "up", "source": { "type": "prometheus", "url": "$U/promerr" } },
  { "id": "warn", "type": "custom", "query": "up", "max": 10, "source": { "type": "prometheus", "url": "$U/warn" } },
  { "id": "json", "type": "throughput", "min": 40, "source": { "type": "json", "url": "$U/json", "path": "data.items[0].value" } },
  { "id": "json_missing", "type": "throughput", "json_path": "data.nope", "source": { "type": "json", "url": "$U/json" } },
  { "id": "refused", "type": "custom", "query": "up", "source": { "type": "prometheus", "url": "http://127.0.0.1:1" } }
] } ] }
JSON
"$WR" --config "$T/config.json" sli --once --json >"$T/out.json" 2>"$T/err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: warroom sli exited $rc: $(cat "$T/err")"; exit 1; }
python3 - "$T/out.json" <<'PY'
import json, sys
out = {s["id"]: s for s in json.load(open(sys.argv[1]))["slis"]}
fails = []
def expect(sid, state, needle):
    s = out[sid]
    text = (s["error"] or "") + " " + s["state_text"]
    if s["state"] != state or needle not in text:
        fails.append("%s: state %s, %r; expected %s with %r" % (sid, s["state"], text, state, needle))
expect("e500", "error", "HTTP 500")
expect("garbage", "error", "not a Prometheus API response")
expect("big", "error", "response too large")
expect("hang", "error", "timed out after 1s")
expect("drip", "error", "timed out after 1s")
expect("promerr", "error", "bad_data: invalid parameter")
expect("warn", "breached", "breached")   # +Inf is over max 10
if out["warn"]["warnings"] != "partial response":
    fails.append("warn: warnings %r" % out["warn"]["warnings"])
if out["warn"]["value"] is not None:
    fails.append("warn: +Inf must print as null, got %r" % out["warn"]["value"])
expect("json", "ok", "ok")
if out["json"]["value"] != 42.5:
    fails.append("json value %r" % out["json"]["value"])
expect("json_missing", "error", "no such field")
expect("refused", "error", "127.0.0.1:1")
garb = out["garbage"]["error"]
if any(ord(c) < 32 for c in garb):
    fails.append("control characters leaked into the error: %r" % garb)
for f in fails:
    print("FAIL:", f)
print("%d checks failed" % len(fails))
sys.exit(1 if fails else 0)
PY
