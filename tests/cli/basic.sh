#!/usr/bin/env bash
# basic.sh: the CLI end to end against the real binary and a temporary database.
# Usage: basic.sh PATH/TO/warroom
set -u
WR=$1
T=$(mktemp -d /tmp/warroom-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
# WARROOM_TEST_PG (cli.basic.pg, under tests/tools/pg_server.sh): the same on PostgreSQL.
export WARROOM_DB=${WARROOM_TEST_PG:-$T/w.db} TZ=UTC USER=scribe
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: expected [$2] got [$3]"; fi; }
# expect_fail NAME EXIT_CODE STDERR_SUBSTRING -- command...
expect_fail() {
  local name=$1 code=$2 needle=$3; shift 4
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  local lines; lines=$(wc -l <"$T/err")
  if [ $rc -ne "$code" ]; then bad "$name: exit $rc, expected $code ($(cat "$T/err"))"; return; fi
  if [ "$lines" -ne 1 ]; then bad "$name: stderr has $lines lines, expected one"; return; fi
  if ! grep -qF -- "$needle" "$T/err"; then bad "$name: stderr lacks [$needle]: $(cat "$T/err")"; return; fi
  if [ -s "$T/out" ]; then bad "$name: printed to stdout on failure"; return; fi
  ok
}

# --- happy path ---
id=$("$WR" new "Loan API slow" --service loan-api --started 2026-03-10T11:50:00Z)
expect_eq "new prints the id" 1 "$id"
e1=$("$WR" log 1 '! roll back the scoring deploy')
e2=$("$WR" log INC-1 '@2026-03-10T12:15Z *? scoring provider timing out')
e3=$("$WR" log 1 'plain note' --kind action --pin)
"$WR" show 1 --json >"$T/show.json"
expect_eq "decision stored" decision "$(jq -r ".entries[] | select(.id == $e1) | .kind" "$T/show.json")"
expect_eq "prefix stripped" "roll back the scoring deploy" "$(jq -r ".entries[] | select(.id == $e1) | .text" "$T/show.json")"
expect_eq "backdated time" "2026-03-10T12:15:00.000Z" "$(jq -r ".entries[] | select(.id == $e2) | .at" "$T/show.json")"
expect_eq "pinned hypothesis" "hypothesis true" "$(jq -r ".entries[] | select(.id == $e2) | \"\(.kind) \(.pinned)\"" "$T/show.json")"
expect_eq "--kind and --pin" "action true" "$(jq -r ".entries[] | select(.id == $e3) | \"\(.kind) \(.pinned)\"" "$T/show.json")"
expect_eq "backdated entry sorts first after start" "$e2" "$(jq -r '[.entries[] | select(.kind != "milestone")][0].id' "$T/show.json")"
expect_eq "author from USER" scribe "$(jq -r ".entries[] | select(.id == $e1) | .author" "$T/show.json")"
e4=$("$WR" --as "Ana IC" log 1 'with another author')
expect_eq "--as" "Ana IC" "$("$WR" show 1 --json | jq -r ".entries[] | select(.id == $e4) | .author")"

"$WR" edit 1 "$e3" 'corrected note' >/dev/null
"$WR" rm 1 "$e1" >/dev/null
"$WR" pin 1 "$e4" >/dev/null
expect_eq "pin" true "$("$WR" show 1 --json | jq -r ".entries[] | select(.id == $e4) | .pinned")"
"$WR" pin 1 "$e4" --off >/dev/null
expect_eq "unpin keeps history" "false true false" "$("$WR" history "$e4" --json | jq -r '[.[].pinned | tostring] | join(" ")')"
"$WR" history "$e3" --json >"$T/h.json"
expect_eq "edit keeps old text" "plain note|corrected note" "$(jq -r '[.[].text] | join("|")' "$T/h.json")"
# An edit with several changes is one transaction: a refused --at leaves the text as it was.
future=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%MZ)
expect_fail "edit with a future --at" 3 "in the future" -- "$WR" edit 1 "$e3" 'never saved' --at "$future"
expect_eq "refused edit changed nothing" "plain note|corrected note" "$("$WR" history "$e3" --json | jq -r '[.[].text] | join("|")')"
expect_eq "rm hides the entry" "" "$("$WR" show 1 --json | jq -r ".entries[] | select(.id == $e1) | .id")"
expect_eq "rm keeps history" "false true" "$("$WR" history "$e1" --json | jq -r '[.[].deleted | tostring] | join(" ")')"

"$WR" sev 1 SEV2 --why 'revenue impacting' >/dev/null
"$WR" role 1 ic 'Ana' >/dev/null
"$WR" role 1 ic 'Bruno' --note 'shift change' >/dev/null
"$WR" milestone 1 detected 2026-03-10T12:00Z
"$WR" phase 1 RESPOND
"$WR" show 1 --json >"$T/show.json"
expect_eq "severity" 2 "$(jq -r .incident.severity "$T/show.json")"
expect_eq "current IC" Bruno "$(jq -r '.roles[] | select(.current and .role == "ic") | .name' "$T/show.json")"
expect_eq "time to detect" 600 "$(jq -r .incident.durations_seconds.to_detect "$T/show.json")"
expect_eq "phase" RESPOND "$(jq -r .incident.phase "$T/show.json")"
expect_eq "list --json" "1 Loan API slow" "$("$WR" list --json | jq -r '.[0] | "\(.id) \(.title)"')"

# --- severity by the matrix, with the rule that decided ---
out=$("$WR" sev 1 --impact degraded --scope gt25 --trigger revenue)
expect_eq "matrix cell" "SEV2" "${out%% *}"
case "$out" in *"Degraded performance"*"SEV2 (matrix)"*) ok ;; *) bad "rationale: $out" ;; esac
out=$("$WR" sev 1 --impact cosmetic --scope one --trigger sla_imminent --trigger data_loss)
expect_eq "data loss floor then SLA escalation never past SEV1" "SEV1" "${out%% *}"
expect_fail "bad matrix row" 3 "--impact takes" -- "$WR" sev 1 --impact broken --scope all
expect_fail "bad trigger" 3 "--trigger meteor" -- "$WR" sev 1 --impact degraded --scope all --trigger meteor
mkdir -p "$T/cfg/warroom"; echo '{"matrix": {"degraded": [4, 3, "x", 1]}}' >"$T/cfg/warroom/severity.json"
expect_fail "invalid user policy" 10 "matrix.degraded[2]" -- env XDG_CONFIG_HOME="$T/cfg" "$WR" sev 1 --impact degraded --scope all
"$WR" sev 1 SEV2 --why 'revenue impacting' >/dev/null

# --- close and reopen ---
"$WR" milestone 1 resolved
"$WR" milestone 1 closed
expect_eq "closed incident leaves the open list" 0 "$("$WR" list --json | jq length)"
expect_eq "closed incident in --all" closed "$("$WR" list --all --json | jq -r '.[0].status')"
"$WR" reopen 1
expect_eq "reopened" open "$("$WR" list --json | jq -r '.[0].status')"
expect_eq "reopen is logged" 1 "$("$WR" show 1 --json | jq '[.entries[] | select(.text | startswith("Incident reopened"))] | length')"

# --- export / import round trip ---
"$WR" export 1 -o "$T/inc.json"
WARROOM_DB=$T/other.db "$WR" import "$T/inc.json" >/dev/null
WARROOM_DB=$T/other.db "$WR" export 1 >"$T/inc2.json"
if cmp -s "$T/inc.json" "$T/inc2.json"; then ok; else bad "export/import/export differs"; fi

# --- every command has --help ---
for c in new list show log edit rm pin history sev role phase milestone reopen export import tui demo template; do
  if "$WR" "$c" --help | grep -q "usage: warroom $c"; then ok; else bad "$c --help"; fi
done

# --- bad input: one line on stderr, documented exit code, nothing lost ---
before=$("$WR" show 1 --json | jq '.entries | length')
expect_fail "unknown incident" 4 "no incident 99" -- "$WR" log 99 hello
expect_fail "not an id" 2 "is not an incident id" -- "$WR" log abc hello
expect_fail "unknown entry" 4 "no entry 999" -- "$WR" edit 1 999 text
expect_fail "malformed time" 3 "cannot read time '25:99'" -- "$WR" log 1 hello --at 25:99
expect_fail "impossible date" 3 "no such date" -- "$WR" log 1 hello --at 2026-02-30T10:00Z
expect_fail "future time" 3 "in the future" -- "$WR" log 1 hello --at 2099-01-01T00:00Z
expect_fail "empty text" 3 "empty" -- "$WR" log 1 '   '
expect_fail "invalid utf-8" 3 "UTF-8" -- "$WR" log 1 "$(printf 'bad \xc3\x28')"
expect_fail "over 64 KiB" 3 "64 KiB" -- "$WR" log 1 "$(head -c 70000 /dev/zero | tr '\0' x)"
expect_fail "unknown command" 2 "unknown command" -- "$WR" frobnicate
expect_fail "unknown option" 2 "unknown option --bogus" -- "$WR" log 1 hi --bogus
expect_fail "missing db dir" 8 "does not exist" -- "$WR" --db "$T/nope/x.db" list
printf 'hello, I am not a database %.0s' $(seq 300) >"$T/text.db"
expect_fail "not a database" 6 "not a warroom database" -- "$WR" --db "$T/text.db" list
"$WR" --db "$T/newer.db" list >/dev/null
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=42"); c.commit()' "$T/newer.db"
expect_fail "newer database" 7 "upgrade warroom" -- "$WR" --db "$T/newer.db" list
echo '{"format":"warroom-incident","version":1,"incident":' >"$T/broken.json"
expect_fail "malformed import" 3 "malformed JSON near line 2" -- "$WR" import "$T/broken.json"
jq '.version = 7' "$T/inc.json" >"$T/v7.json"
expect_fail "future import version" 3 "format version 7" -- "$WR" import "$T/v7.json"
jq '.incident.uid = "fresh" | .entries[3].revisions[0].kind = "gossip"' "$T/inc.json" >"$T/badkind.json"
expect_fail "bad field import" 3 "entries[3].revisions[0].kind" -- "$WR" import "$T/badkind.json"
expect_eq "nothing half-imported" 1 "$("$WR" list --all --json | jq length)"
expect_fail "tui without terminal" 2 "needs a terminal" -- "$WR" tui 1 </dev/null
expect_eq "failures lost nothing and added nothing" "$before" "$("$WR" show 1 --json | jq '.entries | length')"

# --- acknowledged entries survive kill -9 of the writers ---
# The writer loop runs in its own process group (job control on: pgid = its pid) so one SIGKILL
# stops the loop and the warroom it is running at once; we read the results only after the
# whole group is gone.
# The files exist before the writer starts: the wait below must not read a file the child has
# not opened yet (wc fails, the loop ends at once and "0 of 0 acknowledged" looks like a pass).
: >"$T/acked"; : >"$T/writer.err"
set -m
( for i in $(seq 1 400); do "$WR" log 1 "durable $i" || exit 1; done ) >"$T/acked" 2>"$T/writer.err" &
writer=$!
set +m
while [ "$(wc -l <"$T/acked")" -lt 30 ] && kill -0 $writer 2>/dev/null; do
  sleep 0.05  # polling a condition, bounded by the writer finishing
done
kill -9 -- -$writer 2>/dev/null
while kill -0 -- -$writer 2>/dev/null; do sleep 0.05; done
wait $writer 2>/dev/null
"$WR" show 1 --json | jq -r ".entries[].id" | sort >"$T/present"
missing=$(sort "$T/acked" | comm -23 - "$T/present" | wc -l)
acked=$(wc -l <"$T/acked")
if [ "$acked" -ge 30 ] && [ "$missing" -eq 0 ]; then ok; else bad "kill -9: $missing of $acked acknowledged entries missing ($(head -c 300 "$T/writer.err"))"; fi

# --- demo data prints without a terminal ---
if "$WR" demo --print | grep -q "scoring"; then ok; else bad "demo --print"; fi
# A reader that is gone before the demo writes (`| head` that has had enough): the demo still
# removes its temporary database, then ends by SIGPIPE like any command; it left one in
# TMPDIR per early-closing reader.
mkdir -p "$T/demo-tmp"
rc=$(python3 - "$WR" "$T/demo-tmp" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)  # nobody will read: the demo's first write breaks the pipe
p = subprocess.run([sys.argv[1], "demo", "--print"], stdout=w, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, TMPDIR=sys.argv[2]))
print(p.returncode)
PY
)
left=$(ls "$T/demo-tmp" | wc -l)
if [ "$rc" = -13 ] && [ "$left" = 0 ]; then ok; else bad "demo --print into a closed pipe: exit $rc, $left temporary directories left"; fi

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
