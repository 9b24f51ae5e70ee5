#!/usr/bin/env bash
# bench_team.sh: team-mode figures (issue 12). Starts a private PostgreSQL on 127.0.0.1 with
# fsync on (tests/tools/pg_server.sh, PG_FSYNC=on) and runs bench_append against it, then
# against a SQLite file in DIR for comparison. Prints figures; asserts nothing about time.
# Usage: tests/bench/bench_team.sh BUILD_DIR [APPENDS] [DIR]
set -euo pipefail
build=${1:?usage: bench_team.sh BUILD_DIR [APPENDS] [DIR]}
n=${2:-1000}
dir=$(mktemp -d "${3:-/tmp}/warroom-bench-team-XXXXXX")
trap 'rm -rf "$dir"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
# The disk's own cost first: a durable commit cannot be faster than one fdatasync.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | head -n 1)
if [ -x "$pg_bin/pg_test_fsync" ]; then
  echo "== this disk (pg_test_fsync, $dir)"
  "$pg_bin/pg_test_fsync" -s 2 -f "$dir/fsync.test" 2>/dev/null | grep -m1 -E '^ +fdatasync ' || true
  rm -f "$dir/fsync.test"
fi
PG_FSYNC=on bash "$here/../tools/pg_server.sh" sh -c '"$0" "$WARROOM_TEST_PG" "$1"' \
  "$build/tests/bench_append" "$n"
"$build/tests/bench_append" "$dir/bench.db" "$n"
# What warroom and the server cost without the disk (NOT durable: for comparison only).
echo "== PostgreSQL with fsync off (not durable: warroom + server cost without the disk)"
PG_FSYNC=off bash "$here/../tools/pg_server.sh" sh -c '"$0" "$WARROOM_TEST_PG" "$1"' \
  "$build/tests/bench_append" "$n" | grep -v '^== '

