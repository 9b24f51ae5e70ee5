#!/usr/bin/env bash
# comms_test.sh: every HTTP destination against a local receiver; outbox survives a receiver
# outage and a restart and delivers exactly once; planted secrets never leak.
# Usage: comms_test.sh PATH/TO/warroom SOURCE_DIR
set -u
WR=$1
SRC=$2
T=$(mktemp -d /tmp/warroom-comms-XXXXXX)
SRV_PID=
fail() { echo "FAIL: $*"; exit 1; }
stop_receiver() {
  if [ -n "$SRV_PID" ]; then kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; SRV_PID=; fi
}
cleanup() { stop_receiver; rm -rf "$T"; }
trap cleanup EXIT
start_receiver() { # LOG [PORT]
  rm -f "$T/port"; mkfifo "$T/port"
  python3 "$SRC/tests/integration/comms_receiver.py" "$@" >"$T/port" &
  SRV_PID=$!
  read -r -t 20 PORT <"$T/port" || fail "receiver did not start"
}

export WARROOM_DB="$T/w.db" XDG_CONFIG_HOME="$T/cfg" HOME="$T" TZ=UTC
export WARROOM_DATA_DIR="$SRC/data" WARROOM_TEMPLATES_DIR="$SRC/templates"
mkdir -p "$T/cfg/warroom"
start_receiver "$T/log1.jsonl"
U="http://127.0.0.1:$PORT"
export SLACK_WEBHOOK_URL="$U/hook/SECRET123" HOOK_URL="$U/generic/SECRET-HOOK-77"
export SP_TOKEN="spSECRET456" PD_KEY="pdSECRET789"
CFG="$T/cfg/warroom/config.json"
cat >"$CFG" <<JSON
{ "services": [],
  "destinations": {
    "slack": { "type": "slack", "url_env": "SLACK_WEBHOOK_URL", "default": true },
    "hook": { "type": "webhook", "url_env": "HOOK_URL" },
    "status": { "type": "statuspage", "page_id": "pg1", "token_env": "SP_TOKEN",
                "components": ["cmp1"], "base_url": "$U" },
    "pd": { "type": "pagerduty", "routing_key_env": "PD_KEY", "base_url": "$U" },
    "log": { "type": "file", "path": "$T/comms.log" } } }
JSON
OUT="$T/all-output.txt"
run() { "$WR" "$@" >>"$OUT" 2>&1; }

run new "Checkout failing" || fail "new"
run sev 1 SEV2 --why "many users" || fail "sev"
run milestone 1 declared || fail "declared"
run role 1 ic Ana || fail "role"
run comms 1 update-internal --to slack --to hook --to status --to pd --to log \
  || { cat "$OUT"; fail "comms to every destination"; }
run milestone 1 mitigated || fail "mitigated"
run comms 1 status-monitoring --to status --to pd || { cat "$OUT"; fail "second comms"; }
UID_=$("$WR" --json show 1 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("uid") or d["incident"]["uid"])') \
  || fail "reading the uid"

python3 - "$T/log1.jsonl" "$UID_" <<'PY' || fail "receiver checks"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
uid = sys.argv[2]
def one(pred, what):
    m = [r for r in reqs if pred(r)]
    assert len(m) == 1, f"{what}: expected 1 request, got {len(m)}: {[r['path'] for r in reqs]}"
    return m[0], json.loads(m[0]["body"])
r, b = one(lambda r: r["path"] == "/hook/SECRET123", "slack")
assert r["method"] == "POST" and r["headers"]["content-type"] == "application/json", r
assert "Checkout failing" in b["text"] and b["blocks"][0]["type"] == "header", b
assert b["blocks"][1]["text"]["type"] == "mrkdwn" and "Cause: " in b["blocks"][1]["text"]["text"], b
r, b = one(lambda r: r["path"].startswith("/generic/"), "webhook")
assert r["method"] == "POST" and r["headers"]["idempotency-key"].startswith(uid + ":"), r
assert r["headers"]["idempotency-key"].endswith(":hook") and b["idempotency_key"] == r["headers"]["idempotency-key"]
assert b["incident"]["uid"] == uid and b["incident"]["severity"] == "SEV2" and b["template"] == "update-internal", b
r, b = one(lambda r: r["path"] == "/v1/pages/pg1/incidents", "statuspage create")
assert r["method"] == "POST" and r["headers"]["authorization"] == "OAuth spSECRET456", r
assert b["incident"]["status"] == "investigating" and b["incident"]["components"] == {"cmp1": "partial_outage"}, b
assert b["incident"]["component_ids"] == ["cmp1"] and b["incident"]["name"].startswith("UPDATE INC-1"), b
r, b = one(lambda r: r["path"] == "/v1/pages/pg1/incidents/sp-1", "statuspage update")
assert r["method"] == "PATCH" and r["headers"]["authorization"] == "OAuth spSECRET456", r
assert b["incident"]["status"] == "monitoring", b
pd = [json.loads(r["body"]) for r in reqs if r["path"] == "/v2/enqueue"]
assert [p["event_action"] for p in pd] == ["trigger", "acknowledge"], pd
assert all(p["routing_key"] == "pdSECRET789" and p["dedup_key"] == uid for p in pd), pd
assert pd[0]["payload"]["severity"] == "error" and pd[0]["payload"]["source"] == "warroom", pd
assert reqs.index(next(r for r in reqs if r["method"] == "PATCH")) > reqs.index(next(r for r in reqs if r["path"] == "/v1/pages/pg1/incidents"))
PY
grep -q "UPDATE INC-1" "$T/comms.log" || fail "file destination"
"$WR" show 1 2>&1 | grep -q "Sent update-internal to slack" || fail "no comms timeline entry"

# Receiver down: the message is kept, a new process lists it, the receiver comes back, retry
# delivers it exactly once.
stop_receiver
"$WR" comms 1 update-internal --to slack >>"$OUT" 2>&1
[ $? -eq 11 ] || fail "comms with the receiver down should exit 11 (network)"
"$WR" --json outbox 2>>"$OUT" | python3 -c '
import json,sys; m=json.load(sys.stdin); f=[x for x in m if x["status"]=="failed"]
assert len(f)==1 and f[0]["destination"]=="slack" and f[0]["last_error"], m' || fail "outbox after outage"
start_receiver "$T/log2.jsonl" "$PORT"
run outbox retry || { cat "$OUT"; fail "outbox retry"; }
run outbox retry || fail "second retry"
n=$(grep -c '"/hook/SECRET123"' "$T/log2.jsonl")
[ "$n" = 1 ] || fail "expected exactly one delivery after the outage, got $n"
"$WR" --json outbox 2>>"$OUT" | python3 -c '
import json,sys; m=json.load(sys.stdin)
assert all(x["status"]=="sent" for x in m), m' || fail "everything sent"

# Planted secrets appear nowhere but on the wire.
"$WR" export 1 >"$T/export.json" 2>>"$OUT" || fail "export"
for s in SECRET123 spSECRET456 pdSECRET789 SECRET-HOOK-77; do
  for f in "$T/w.db" "$T/w.db-wal" "$T/export.json" "$OUT" "$T/comms.log"; do
    [ -e "$f" ] || continue
    if grep -aq "$s" "$f"; then fail "secret $s leaked into $f"; fi
  done
done
echo "ok: comms destinations, outbox retry and secrets"
