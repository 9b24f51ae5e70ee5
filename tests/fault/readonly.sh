#!/usr/bin/env bash
# readonly.sh: the database can no longer be written (a read-only mount, an immutable file,
# a file without write permission). Writing commands fail with exit 6 and one line that says
# "read-only"; nothing is printed as saved; the entries already there are intact.
# As root, permissions do not stop writes, so the directory is bind-mounted read-only in a
# private mount namespace (unshare), or the files are made immutable (chattr +i) when mounting
# is not allowed; as another user, chmod is enough. Exit 77 when none of these is possible.
# Usage: readonly.sh PATH/TO/warroom
set -u
WR=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ "$(id -u)" -eq 0 ] && [ "${WARROOM_FAULT_INSIDE:-}" != 1 ] &&
    unshare --mount --propagation private true 2>/dev/null; then
  WARROOM_FAULT_INSIDE=1 exec unshare --mount --propagation private bash "$0" "$WR"
fi

T=$(mktemp -d /tmp/warroom-readonly-XXXXXX)
immutable=
cleanup() {
  [ -n "$immutable" ] && chattr -i "$T/db"/* 2>/dev/null
  umount "$T/db" 2>/dev/null
  chmod -R u+w "$T" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
mkdir "$T/db"
export WARROOM_DB=$T/db/w.db TZ=UTC HOME=$T USER=scribe
# A fixed clock, so `show --json` (durations up to now) compares byte for byte.
export WARROOM_NOW=2026-11-21T10:05:00Z
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

id=$("$WR" new "Database goes read-only") || { echo "FAIL: new" >&2; exit 1; }
for i in 1 2 3; do "$WR" log "$id" "before $i" >/dev/null || bad "log before $i"; done
"$WR" show "$id" --json >"$T/before.json" || bad "show before"

how=
if [ "$(id -u)" -ne 0 ]; then
  chmod a-w "$T/db" "$T/db"/* && how="chmod a-w"
elif [ "${WARROOM_FAULT_INSIDE:-}" = 1 ] && mount --bind "$T/db" "$T/db" 2>/dev/null &&
    mount -o remount,bind,ro "$T/db" 2>/dev/null; then
  how="read-only bind mount"
elif chattr +i "$T/db"/* 2>/dev/null; then
  immutable=1 how="chattr +i"
fi
if [ -z "$how" ]; then
  echo "readonly: skipped: cannot make the database read-only here (no mount namespace, no chattr)"
  exit 77
fi
# Root really is stopped: appending to the database file by hand must fail now, or the test
# below would prove nothing.
if (: >>"$T/db/w.db") 2>/dev/null; then
  echo "FAIL: the database file is still writable after '$how'; the test cannot run" >&2
  exit 1
fi
ok

# Writing commands: one line, exit 6, says read-only, prints no id.
check_refused() { # NAME -- command...
  local name=$1; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq 6 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qi "read-only" "$T/err" &&
      [ ! -s "$T/out" ]; then
    ok
  else
    bad "$name on a read-only database ($how): exit $rc, stdout [$(cat "$T/out")], stderr [$(cat "$T/err")]"
  fi
}
check_refused "log" -- "$WR" log "$id" "after"
check_refused "new" -- "$WR" new "another"
check_refused "sev" -- "$WR" sev "$id" SEV2 --why "x"

# What was there is still there, readable or not: compare once writable again.
if [ -n "$immutable" ]; then chattr -i "$T/db"/*; immutable=; fi
umount "$T/db" 2>/dev/null
chmod u+w "$T/db" "$T/db"/* 2>/dev/null
"$WR" show "$id" --json >"$T/after.json" || bad "show after"
if diff -q "$T/before.json" "$T/after.json" >/dev/null; then ok; else bad "the incident changed: $(diff "$T/before.json" "$T/after.json" | head -5)"; fi
grep -q '"after"' "$T/after.json" && bad "a refused entry was stored" || ok

echo "readonly: $pass passed, $fail failed (made read-only with: $how)"
[ $fail -eq 0 ]
