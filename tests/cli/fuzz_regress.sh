#!/usr/bin/env bash
# fuzz_regress.sh: what the fuzz targets found, replayed through the real binary in every build
# (the fuzz builds replay the same files through their targets: fuzz.NAME.corpus).
# Usage: fuzz_regress.sh PATH/TO/warroom
set -u
WR=$1
SRC=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d /tmp/warroom-regress-XXXXXX)
trap 'rm -rf "$T"' EXIT
export WARROOM_DB=$T/w.db TZ=UTC HOME=$T
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# Import documents that broke the importer (refused without a reason, or a version number too
# large for an int): each must be refused as invalid input (exit 3) in one line that says what
# to do ("expected ..." or "upgrade"), and leave no incident behind.
for f in "$SRC"/tests/fuzz/corpus/fuzz_import/regress-*; do
  [ -e "$f" ] || continue
  "$WR" import "$f" >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -eq 3 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qE "expected|upgrade" "$T/err"; then
    ok
  else
    bad "$(basename "$f"): exit $rc: $(cat "$T/err")"
  fi
done
n=$("$WR" list --all --json | grep -c '"id"')
if [ "$n" -eq 0 ]; then ok; else bad "a refused import left $n incidents"; fi

echo "fuzz_regress: $pass passed, $fail failed"
[ $fail -eq 0 ]
