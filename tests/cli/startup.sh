#!/usr/bin/env bash
# startup.sh: what a command costs at start, counted (not timed): the shared libraries it loads
# and the system calls `warroom log` and `warroom --help` make. libcurl (and its ~30 dependencies)
# is loaded only by a command that talks HTTP, and a missing libcurl is one clear error there.
# Usage: startup.sh PATH/TO/warroom
set -u
WR=$1
T=$(mktemp -d /tmp/warroom-startup-XXXXXX)
trap 'rm -rf "$T"' EXIT
export WARROOM_DB=$T/w.db TZ=UTC USER=scribe XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# Budgets: today's counts plus a little room. A change that needs more says why in its commit.
LOG_SYSCALLS_MAX=240
HELP_SYSCALLS_MAX=90
# What any command may load at start (sanitizer runtimes aside); everything else is on demand.
ALLOWED='ld-linux-x86-64|libc|libm|libtinfo|libncursesw|libsqlite3|libcjson'
SANITIZER='libasan|libubsan|libstdc\+\+|libgcc_s|librt|libdl|libpthread'

# libs NAME -- command...: the shared objects the run initialised, one base name a line.
libs() {
  local name=$1; shift 2
  rm -f "$T/ld.$name".*
  LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/ld.$name" "$@" >"$T/out.$name" 2>"$T/err.$name"
  echo $? >"$T/rc.$name"
  cat "$T/ld.$name".* 2>/dev/null | sed -n 's/.*calling init: //p' | xargs -rn1 basename |
    sed 's/\.so.*//' | sort -u
}

"$WR" new "startup" >/dev/null || bad "new failed"

# --- 1. libraries loaded at start ---
for cmd in help log; do
  if [ $cmd = help ]; then set -- "$WR" --help; else set -- "$WR" log 1 "a note"; fi
  loaded=$(libs $cmd -- "$@")
  [ "$(cat "$T/rc.$cmd")" = 0 ] || bad "$cmd exited $(cat "$T/rc.$cmd"): $(cat "$T/err.$cmd")"
  [ -n "$loaded" ] || { bad "$cmd: LD_DEBUG reported no libraries"; continue; }
  extra=$(echo "$loaded" | grep -Ev "^($ALLOWED|$SANITIZER)$" | tr '\n' ' ')
  if [ -n "$extra" ]; then bad "$cmd loads $extra(only $ALLOWED at start)"; else ok; fi
done
sanitized=no
echo "$loaded" | grep -Eq '^(libasan|libubsan)$' && sanitized=yes

# The demo replays its SLIs from a file: no HTTP, no libcurl, even with the cockpit open.
loaded=$(TERM=xterm-xfree86 LANG=C.UTF-8 libs demo -- "$WR" demo --frames 3)
[ "$(cat "$T/rc.demo")" = 0 ] || bad "demo exited $(cat "$T/rc.demo"): $(cat "$T/err.demo")"
if echo "$loaded" | grep -q '^libcurl'; then bad "the demo loaded libcurl"; else ok; fi
echo "$loaded" | grep -q '^libncursesw$' && ok || bad "the demo did not start curses? ($loaded)"

# --- 2. an HTTP SLI loads libcurl on demand; a missing libcurl is one clear line ---
mkdir -p "$T/config/warroom"
cat >"$T/sli.json" <<'JSON'
{ "services": [ { "name": "svc", "slis": [
  { "id": "refused", "type": "throughput", "min": 1,
    "source": { "type": "json", "url": "http://127.0.0.1:1/", "path": "v", "timeout": "2s" } }
] } ] }
JSON
loaded=$(libs sli -- "$WR" --config "$T/sli.json" sli --json)
[ "$(cat "$T/rc.sli")" = 0 ] || bad "sli exited $(cat "$T/rc.sli"): $(cat "$T/err.sli")"
echo "$loaded" | grep -q '^libcurl' && ok || bad "an HTTP SLI did not load libcurl ($loaded)"
state=$(jq -r '.slis[0].state' "$T/out.sli" 2>/dev/null)
[ "$state" = error ] && ok || bad "refused endpoint: state [$state], expected error"

WARROOM_LIBCURL=$T/no/libcurl.so.4 "$WR" --config "$T/sli.json" sli --json >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] && ok || bad "sli without libcurl exited $rc (documented: 0, the state says why)"
msg=$(jq -r '.slis[0].error' "$T/out" 2>/dev/null)
case "$msg" in
  *"libcurl cannot be loaded"*"apt-get install libcurl4"*) ok ;;
  *) bad "missing libcurl: error [$msg]" ;;
esac
[ "$(printf '%s' "$msg" | wc -l)" = 0 ] && ok || bad "missing libcurl: the error is not one line"

# --- 3. system calls (counted with strace; a sanitized build makes its own, so skip there) ---
count_syscalls() {
  strace -f -c -o "$T/strace" "$@" >/dev/null 2>"$T/err" || { bad "$*: $(cat "$T/err")"; echo 0; return; }
  awk '$NF == "total" { print $4 }' "$T/strace"
}
if [ $sanitized = yes ]; then
  echo "note: sanitized build: system call budgets not checked"
elif ! command -v strace >/dev/null; then
  bad "strace is missing (.ci/deps installs it)"
else
  n=$(count_syscalls "$WR" --help)
  [ "$n" -gt 0 ] && [ "$n" -le $HELP_SYSCALLS_MAX ] && ok || bad "--help made $n system calls (budget $HELP_SYSCALLS_MAX)"
  n=$(count_syscalls "$WR" log 1 "counted note")
  [ "$n" -gt 0 ] && [ "$n" -le $LOG_SYSCALLS_MAX ] && ok || bad "log made $n system calls (budget $LOG_SYSCALLS_MAX)"
  echo "system calls: --help $(count_syscalls "$WR" --help), log $(count_syscalls "$WR" log 1 'n')"
fi

# --- 4. a headless cockpit whose input is /dev/null ends after its first frame ---
# /dev/null is always readable and never has a key: watched, it would wake the loop forever.
TERM=xterm-xfree86 LANG=C.UTF-8 timeout 20 "$WR" tui 1 --frames 50 </dev/null >/dev/null 2>&1
rc=$?
[ $rc = 0 ] && ok || bad "tui --frames with stdin /dev/null exited $rc (124: it did not end)"
line=$(grep 'session ended after' "$T/state/warroom/warroom.log" | tail -1)
wakeups=$(echo "$line" | sed -n 's/.*, \([0-9]*\) wakeups.*/\1/p')
[ -n "$wakeups" ] && [ "$wakeups" -le 5 ] && ok || bad "headless tui on /dev/null: [$line] (at most 5 wakeups)"
grep -q 'input ended; exiting' "$T/state/warroom/warroom.log" && ok || bad "the log does not say the input ended"

echo "startup: $pass passed, $fail failed"
[ $fail -eq 0 ]
