#!/usr/bin/env bash
# pg_server.sh: run a command against a real, private PostgreSQL server.
#
#   tests/tools/pg_server.sh COMMAND [ARGS...]
#
# initdb into a temporary directory, start the server on 127.0.0.1 on a free port (no Unix
# socket), create database "warroom" owned by role "warroom" (password auth, scram-sha-256),
# run COMMAND with
#   WARROOM_TEST_PG       postgresql://warroom@127.0.0.1:PORT/warroom (no password in it)
#   XDG_DATA_HOME, XDG_STATE_HOME  directories of this run (replicas, logs), removed with it
#   PGPASSWORD            the role's password (libpq's own source: never in a URL or a log)
#   WARROOM_TEST_PG_BIN   the server's bin directory (pg_ctl, psql)
#   WARROOM_TEST_PG_DATA  the data directory (pg_ctl -D, to stop or restart it in a test)
#   WARROOM_TEST_PG_OPTS  the options the server was started with (pg_ctl -o, for a restart)
#   WARROOM_TEST_PG_RUN   "runuser -u postgres --" when root (prefix pg_ctl with it), else ""
# then stop the server by its PID (also on error or interrupt) and remove the directory. Exits
# with COMMAND's status; 77 (skipped) only when the PostgreSQL server binaries are absent.
# As root the server runs as the unprivileged user "postgres" (or "nobody") through runuser.
# PG_FSYNC=on keeps fsync on (benchmarks); tests run with fsync off, as durability on this
# throwaway cluster is not what they check.
set -euo pipefail

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for v in 15 16 17 14 13; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bindir=/usr/lib/postgresql/$v/bin; break; fi
  done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "pg_server: no PostgreSQL server binaries (apt-get install postgresql-15); skipped" >&2
  exit 77
fi

run=()
if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  id "$user" >/dev/null 2>&1 || user=nobody
  run=(runuser -u "$user" --)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/warroom-pg.XXXXXX")
pid=
cleanup() {
  local rc=$?
  # A test may have restarted the server: its current PID is in postmaster.pid.
  [ -f "$tmp/data/postmaster.pid" ] && pid=$(head -n 1 "$tmp/data/postmaster.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # A test may have stopped the server's processes (SIGSTOP: a hung server): resume them, or
    # the shutdown waits in vain and stopped children outlive the postmaster.
    for stat in /proc/[0-9]*/stat; do
      { read -r cpid _ _ cppid _ <"$stat"; } 2>/dev/null || continue
      if [ "$cppid" = "$pid" ]; then kill -CONT "$cpid" 2>/dev/null || true; fi
    done
    kill -CONT "$pid" 2>/dev/null || true
    kill -INT "$pid" 2>/dev/null || true       # fast shutdown
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ ${#run[@]} -gt 0 ] && chown "${run[2]}" "$tmp"
chmod 700 "$tmp"
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
umask 077
printf '%s\n' "$password" > "$tmp/pw"
[ ${#run[@]} -gt 0 ] && chown "${run[2]}" "$tmp/pw"

(cd "$tmp" && "${run[@]}" "$bindir/initdb" -D "$tmp/data" -U warroom --pwfile="$tmp/pw" \
   --auth-host=scram-sha-256 --auth-local=reject -E UTF8 --locale=C.UTF-8 --no-sync \
   >"$tmp/initdb.log" 2>&1) || { cat "$tmp/initdb.log" >&2; exit 1; }
rm -f "$tmp/pw"

fsync=${PG_FSYNC:-off}
for attempt in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=$fsync -c max_connections=60"
  if (cd "$tmp" && "${run[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
        -o "$opts" start >/dev/null 2>&1); then
    pid=$(head -n 1 "$tmp/data/postmaster.pid")
    break
  fi
  [ "$attempt" -eq 5 ] && { cat "$tmp/server.log" >&2; exit 1; }
done

export PGPASSWORD=$password
export PGCONNECT_TIMEOUT=10
"$bindir/psql" -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U warroom -d postgres \
  -c 'CREATE DATABASE warroom' >/dev/null
export WARROOM_TEST_PG="postgresql://warroom@127.0.0.1:$port/warroom"
export WARROOM_TEST_PG_BIN=$bindir
export WARROOM_TEST_PG_DATA=$tmp/data
export WARROOM_TEST_PG_OPTS=$opts
export WARROOM_TEST_PG_RUN="${run[*]}"
# This run's own data and state directories: a team-mode command keeps a replica of the server
# under $XDG_DATA_HOME/warroom/replicas, named after the server's address. In the user's real
# one, a later run whose server got the same port met the replica of another server ("holds
# another database than this laptop's copy") and failed; and every run left one file there.
export XDG_DATA_HOME=$tmp/xdg-data XDG_STATE_HOME=$tmp/xdg-state

set +e
"$@"
status=$?
set -e
exit $status
