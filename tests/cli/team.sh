#!/usr/bin/env bash
# team.sh: team mode from the command line, against a real PostgreSQL server (CTest runs it under
# tests/tools/pg_server.sh): `db copy` SQLite -> PostgreSQL -> SQLite with identical exports, a
# colliding or partial copy copies nothing, the password never shown (URL, PGPASSWORD, ~/.pgpass,
# service file), a server that goes away and comes back, README's least-privilege SQL, and TLS.
# Usage: team.sh PATH/TO/warroom
set -u
WR=$1
case $WR in /*) ;; *) WR=$PWD/$WR ;; esac # some checks run in another directory
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "${WARROOM_TEST_PG:-}" ]; then
  echo "team.sh: run it under tests/tools/pg_server.sh (it needs WARROOM_TEST_PG)" >&2
  exit 2
fi
T=$(mktemp -d /tmp/warroom-team-XXXXXX)
trap 'rm -rf "$T"' EXIT
export TZ=UTC USER=scribe WARROOM_DATA_DIR=$src/data
PG=$WARROOM_TEST_PG
PASSWORD=$PGPASSWORD
port=${PG##*:}; port=${port%%/*}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: expected [$2] got [$3]"; fi; }
# expect_fail NAME EXIT_CODE STDERR_SUBSTRING -- command...: that exit, one stderr line with it.
expect_fail() {
  local name=$1 code=$2 needle=$3; shift 4
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc -ne "$code" ]; then bad "$name: exit $rc, expected $code ($(cat "$T/err"))"; return; fi
  if [ "$(wc -l <"$T/err")" -ne 1 ]; then bad "$name: stderr is not one line: $(cat "$T/err")"; return; fi
  if ! grep -qF -- "$needle" "$T/err"; then bad "$name: stderr lacks [$needle]: $(cat "$T/err")"; return; fi
  ok
}
count() { "$WR" --db "$1" list --all --json | jq length; }

# --- db copy: SQLite -> PostgreSQL -> SQLite gives the same export, byte for byte ---
"$WR" --db "$T/a.db" import "$src/data/demo/incident.json" >/dev/null || bad "import demo"
"$WR" --db "$T/a.db" action 1 add "Circuit breaker on scoring calls" --type prevent --owner ana \
  --priority P0 >/dev/null || bad "action add"
"$WR" --db "$T/a.db" pm 1 root_causes "Retry policy without a budget" >/dev/null || bad "pm field"
"$WR" --db "$T/a.db" new "Second incident" --started 2026-03-11T08:00:00Z >/dev/null
e=$("$WR" --db "$T/a.db" log 2 '! page the database team')
"$WR" --db "$T/a.db" edit 2 "$e" 'page the database team now' >/dev/null || bad "edit"
"$WR" --db "$T/a.db" sev 2 SEV2 --why 'checkout errors' >/dev/null || bad "sev"
for id in 1 2; do "$WR" --db "$T/a.db" export $id -o "$T/a$id.json" || bad "export a $id"; done
out=$("$WR" db copy --from "$T/a.db" --to "$PG") || bad "copy to PostgreSQL"
case $out in "copied 2 incidents ("*" entries) from $T/a.db to $PG") ok ;; *) bad "copy said [$out]" ;; esac
"$WR" db copy --from "$PG" --to "$T/b.db" >/dev/null || bad "copy back to SQLite"
for id in 1 2; do
  "$WR" --db "$T/b.db" export $id -o "$T/b$id.json" || bad "export b $id"
  if cmp -s "$T/a$id.json" "$T/b$id.json"; then ok; else bad "incident $id differs after SQLite -> PostgreSQL -> SQLite"; fi
done
expect_eq "action item copied" 1 \
  "$("$WR" --db "$PG" action 1 list --json | jq '[.[] | select(.description == "Circuit breaker on scoring calls")] | length')"
expect_eq "search works on the copy" 1 "$("$WR" --db "$PG" search 'retry budget' --json | jq '[.[] | select(.where == "postmortem:root_causes")] | length')"

# --- all or nothing ---
expect_fail "copy into a database that has it" 5 "already in" -- "$WR" db copy --from "$T/a.db" --to "$PG"
expect_eq "nothing added by the refused copy" 2 "$(count "$PG")"
expect_fail "copy of a missing id" 4 "no incident 99" -- "$WR" db copy --from "$T/a.db" --to "$T/c.db" 1 99
expect_eq "nothing copied when one id is missing" 0 "$(count "$T/c.db")"
"$WR" db copy --from "$T/a.db" --to "$T/d.db" INC-2 >/dev/null || bad "copy one incident"
expect_eq "only the listed incident" "Second incident" "$("$WR" --db "$T/d.db" list --all --json | jq -r '.[0].title')"
# A failure half-way (the first listed incident is written, the second collides) leaves the
# PostgreSQL target as it was.
"$WR" --db "$T/a.db" new "Third incident" >/dev/null || bad "new third"
expect_fail "copy failing half-way" 5 "already in" -- "$WR" db copy --from "$T/a.db" --to "$PG" 3 1
expect_eq "the incident copied before the failure is not there" 2 "$(count "$PG")"
expect_eq "no entry of it either" 0 "$("$WR" --db "$PG" search 'Third incident' --json | jq length)"
expect_fail "copy needs --to" 2 "needs --to" -- "$WR" db copy --from "$T/a.db"
expect_fail "copy onto itself" 2 "same database" -- env WARROOM_DB="$T/a.db" "$WR" db copy --to "$T/a.db"

# --- the password is never shown ---
url="postgresql://warroom:$PASSWORD@127.0.0.1:$port/warroom"
env -u PGPASSWORD "$WR" --db "$url" db info >"$T/info" 2>&1 || bad "db info with the password in the URL: $(cat "$T/info")"
grep -qF "postgresql://warroom:***@127.0.0.1:$port/warroom" "$T/info" && ok || bad "db info not masked: $(cat "$T/info")"
expect_eq "db info --json names the database, masked" "postgresql://warroom:***@127.0.0.1:$port/warroom postgresql" \
  "$(env -u PGPASSWORD "$WR" --db "$url" --json db info | jq -r '"\(.database) \(.engine)"')"
env -u PGPASSWORD "$WR" --db "$url" show 1 --json >"$T/show" 2>&1 || bad "show through the URL"
env -u PGPASSWORD "$WR" --db "$url" export 1 >"$T/exp" 2>&1 || bad "export through the URL"
env -u PGPASSWORD "$WR" --db "$url" log 1 'checked from a laptop' >"$T/log" 2>&1 || bad "log through the URL"
wrong="postgresql://warroom:not-$PASSWORD@127.0.0.1:$port/warroom"
expect_fail "wrong password" 6 "password authentication failed" -- env -u PGPASSWORD "$WR" --db "$wrong" list
grep -qF "check the password source" "$T/err" && ok || bad "wrong password: no hint: $(cat "$T/err")"
cp "$T/err" "$T/wrong.err"
# Each way of failing to connect says what to check.
expect_fail "no such database" 6 "check the database and user names" -- \
  "$WR" --db "postgresql://warroom@127.0.0.1:$port/nosuchdb" list
expect_fail "unknown URL parameter" 6 "check the URL" -- \
  "$WR" --db "postgresql://warroom@127.0.0.1:$port/warroom?sslmod=require" list
expect_fail "nothing listening" 6 "check the host and port, and that the server is running" -- \
  "$WR" --db "postgresql://warroom@127.0.0.1:1/warroom" list
expect_fail "no password at all" 6 "password source" -- env -u PGPASSWORD HOME="$T" "$WR" --db "$PG" list
if grep -rqF -- "$PASSWORD" "$T/info" "$T/show" "$T/exp" "$T/log" "$T/wrong.err" "$T/err"; then
  bad "the password appears in warroom's output"
else ok; fi
# ~/.pgpass (0600) and a service file: libpq's own password sources.
printf '127.0.0.1:%s:warroom:warroom:%s\n' "$port" "$PASSWORD" >"$T/.pgpass"
chmod 600 "$T/.pgpass"
printf '[warroom]\nhost=127.0.0.1\nport=%s\ndbname=warroom\nuser=warroom\n' "$port" >"$T/pg_service.conf"
expect_eq "~/.pgpass" 2 "$(env -u PGPASSWORD HOME="$T" "$WR" --db "$PG" list --all --json | jq length)"
expect_eq "service=warroom" 2 "$(env -u PGPASSWORD HOME="$T" PGSERVICEFILE="$T/pg_service.conf" "$WR" --db service=warroom list --all --json | jq length)"

# --- a mistyped URL is refused, never a local SQLite file named after it ---
expect_fail "URL without //" 2 "postgresql://[USER@]HOST" -- \
  env -C "$T" "$WR" --db "postgresql:warroom" list
expect_fail "URL in capitals, with a password" 2 "not a valid PostgreSQL URL" -- \
  env -C "$T" "$WR" --db "Postgresql://warroom:$PASSWORD@127.0.0.1:$port/warroom" list
if grep -qF -- "$PASSWORD" "$T/err"; then bad "the mistyped URL's password was shown"; else ok; fi
if ls "$T" | grep -qi '^postgres'; then bad "a mistyped URL created a local file"; else ok; fi

# --- README's least-privilege setup, run as written (database renamed): the owner role creates
# the tables, the team's role reads and writes but cannot change the schema ---
awk '/^### Least privilege/ { f = 1 } f && /^```sql/ { g = 1; next } g && /^```/ { exit } g' \
  "$src/README.md" | sed -E 's/(DATABASE|\\c) warroom\b/\1 warroom_lp/g' >"$T/lp.sql"
grep -q 'CREATE ROLE sre_payments' "$T/lp.sql" && ok || bad "README's least-privilege SQL not found"
psql_as() { # psql_as ROLE PASSWORD DB SQL...: one statement as that role, quiet
  local role=$1 pw=$2 db=$3; shift 3
  PGPASSWORD=$pw "$WARROOM_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
    -U "$role" -d "$db" "$@"
}
psql_as warroom "$PASSWORD" postgres -f "$T/lp.sql" >"$T/lp.out" 2>&1 || bad "README SQL: $(cat "$T/lp.out")"
# The passwords are the README's examples.
LP_OWNER="postgresql://warroom_owner@127.0.0.1:$port/warroom_lp"
LP_TEAM="postgresql://sre_payments@127.0.0.1:$port/warroom_lp"
expect_fail "team role before the owner made the tables" 6 "as the schema's owner role" -- \
  env PGPASSWORD=team-secret "$WR" --db "$LP_TEAM" list
out=$(PGPASSWORD=owner-secret "$WR" --db "$LP_OWNER" db info) || bad "db info as the owner"
case $out in *"schema version"*) ok ;; *) bad "owner's db info said [$out]" ;; esac
export PGPASSWORD=team-secret
lp_id=$("$WR" --db "$LP_TEAM" new "Least privilege" --service checkout) || bad "new as the team role"
"$WR" --db "$LP_TEAM" log "$lp_id" 'written by the team role' >/dev/null || bad "log as the team role"
"$WR" --db "$LP_TEAM" sev "$lp_id" SEV2 --why 'checkout errors' >/dev/null || bad "sev as the team role"
expect_eq "search as the team role" 1 "$("$WR" --db "$LP_TEAM" search 'team role' --json | jq length)"
"$WR" db copy --from "$T/a.db" --to "$LP_TEAM" 1 >/dev/null || bad "db copy into the team's schema"
"$WR" --db "$LP_TEAM" sync >/dev/null || bad "sync as the team role"
# Its replica is in this run's data directory (pg_server.sh), not the user's.
if [ -n "${XDG_DATA_HOME:-}" ] && ls "$XDG_DATA_HOME"/warroom/replicas/*.db >/dev/null 2>&1; then
  ok
else
  bad "the replica is not under this run's XDG_DATA_HOME (${XDG_DATA_HOME:-unset})"
fi
for sql in "CREATE TABLE warroom.x(a int)" "CREATE TEMP TABLE y(a int)" "DROP TABLE entries" \
           "ALTER TABLE entries ADD COLUMN z int" "CREATE TABLE public.x(a int)"; do
  if psql_as sre_payments team-secret warroom_lp -c "$sql" >/dev/null 2>&1; then
    bad "the team role may: $sql"
  else ok; fi
done
export PGPASSWORD=$PASSWORD

# --- libpq is loaded only for a PostgreSQL database; without it, one clear line ---
LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/ld" "$WR" --db "$PG" list >/dev/null 2>&1 || bad "list with LD_DEBUG"
grep -h 'calling init: ' "$T"/ld.* | grep -q 'libpq\.so' && ok || bad "a PostgreSQL database did not load libpq"
rm -f "$T"/ld.*
LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/ld" "$WR" --db "$T/a.db" list >/dev/null 2>&1 || bad "list on SQLite"
grep -h 'calling init: ' "$T"/ld.* | grep -q 'libpq\.so' && bad "a SQLite database loaded libpq" || ok
expect_fail "libpq missing" 6 "apt-get install libpq5" -- env WARROOM_LIBPQ="$T/no/libpq.so.5" "$WR" --db "$PG" list

# --- the server goes away and comes back: a clear error, then everything acknowledged is there ---
acked=$("$WR" --db "$PG" log 1 'acknowledged before the outage') || bad "log before the outage"
# shellcheck disable=SC2086
$WARROOM_TEST_PG_RUN "$WARROOM_TEST_PG_BIN/pg_ctl" -D "$WARROOM_TEST_PG_DATA" -m immediate stop >/dev/null 2>&1 ||
  bad "stopping the server"
expect_fail "server down" 6 "that the server is running" -- "$WR" --db "$PG" log 1 'typed during the outage'
grep -qF "cannot connect to $PG:" "$T/err" && ok || bad "server down: the target is not named: $(cat "$T/err")"
# shellcheck disable=SC2086
(cd "$T" && $WARROOM_TEST_PG_RUN "$WARROOM_TEST_PG_BIN/pg_ctl" -D "$WARROOM_TEST_PG_DATA" \
  -l "$WARROOM_TEST_PG_DATA/../restart.log" -w -o "$WARROOM_TEST_PG_OPTS" start >/dev/null 2>&1) ||
  bad "restarting the server"
expect_eq "acknowledged entry survived an immediate stop" "acknowledged before the outage" \
  "$("$WR" --db "$PG" show 1 --json | jq -r --argjson id "$acked" '.entries[] | select(.id == $id) | .text')"

# --- a server upgraded by a newer warroom: one line, exit 7, nothing touched ---
current=$(psql_as warroom "$PASSWORD" warroom -Atc "SELECT value FROM meta WHERE key = 'schema_version'")
psql_as warroom "$PASSWORD" warroom -c "UPDATE meta SET value = 99 WHERE key = 'schema_version'" ||
  bad "setting a newer schema version"
expect_fail "newer server schema" 7 "has schema version 99 but this warroom knows up to" -- \
  "$WR" --db "$PG" log 1 'written by an older warroom'
grep -qF "upgrade warroom (the database was left untouched)" "$T/err" && ok || bad "newer schema: $(cat "$T/err")"
expect_eq "newer schema left as it was" 99 \
  "$(psql_as warroom "$PASSWORD" warroom -Atc "SELECT value FROM meta WHERE key = 'schema_version'")"
psql_as warroom "$PASSWORD" warroom -c "UPDATE meta SET value = $current WHERE key = 'schema_version'" ||
  bad "restoring the schema version"

# --- TLS is libpq's: sslmode in the URL reaches the server, verify-full checks the certificate,
# a certificate from another authority is one clear line (password still masked) ---
data=$WARROOM_TEST_PG_DATA
newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${newkey[@]}" -days 2 -subj /CN=warroom-test-ca -keyout "$T/ca.key" \
  -out "$T/ca.crt" >/dev/null 2>&1 || bad "making a test CA"
openssl req -x509 "${newkey[@]}" -days 2 -subj /CN=another-ca -keyout "$T/other.key" \
  -out "$T/other.crt" >/dev/null 2>&1 || bad "making another CA"
openssl req "${newkey[@]}" -subj /CN=127.0.0.1 -keyout "$data/server.key" -out "$T/server.csr" \
  >/dev/null 2>&1 || bad "making the server key"
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san.ext"
openssl x509 -req -in "$T/server.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile "$T/san.ext" -out "$data/server.crt" >/dev/null 2>&1 || bad "signing the server certificate"
chown "$(stat -c %U "$data")" "$data/server.key" "$data/server.crt"
chmod 600 "$data/server.key"
# shellcheck disable=SC2086
$WARROOM_TEST_PG_RUN "$WARROOM_TEST_PG_BIN/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || bad "stopping for TLS"
# shellcheck disable=SC2086
(cd "$T" && $WARROOM_TEST_PG_RUN "$WARROOM_TEST_PG_BIN/pg_ctl" -D "$data" -l "$data/../tls.log" -w \
  -o "$WARROOM_TEST_PG_OPTS -c ssl=on -c log_connections=on" start >/dev/null 2>&1) || bad "restarting with TLS"
expect_eq "sslmode=require" 2 "$("$WR" --db "$PG?sslmode=require" list --all --json | jq length)"
expect_eq "sslmode=verify-full with the CA" 2 \
  "$("$WR" --db "$PG?sslmode=verify-full&sslrootcert=$T/ca.crt" list --all --json | jq length)"
# The server saw warroom's connections encrypted (warroom names itself in application_name).
n=$(grep -c 'application_name=warroom SSL enabled' "$data/../tls.log")
[ "$n" -ge 2 ] && ok || bad "the server saw $n TLS connections from warroom: $(grep authorized "$data/../tls.log")"
expect_fail "certificate from another CA" 6 "check sslmode and sslrootcert" -- env -u PGPASSWORD \
  "$WR" --db "postgresql://warroom:$PASSWORD@127.0.0.1:$port/warroom?sslmode=verify-full&sslrootcert=$T/other.crt" list
grep -qF "certificate verify failed" "$T/err" && ok || bad "TLS: libpq's reason is missing: $(cat "$T/err")"
if grep -qF -- "$PASSWORD" "$T/err"; then bad "the TLS error shows the password"; else ok; fi

echo "team: $pass passed, $fail failed"
[ $fail -eq 0 ]
