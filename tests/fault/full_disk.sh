#!/usr/bin/env bash
# full_disk.sh: the database's disk fills up while the scribe logs. Every entry whose id was
# printed (acknowledged) is still there, the failing command says "full" in one line and exits
# 6 (database error), nothing half-written appears, and logging works again once space is freed.
# The disk is a 4 MiB tmpfs mounted in a private mount namespace (unshare), so nothing leaks
# when the test ends however it ends. Exit 77 (skipped) where mounting is not allowed.
# Usage: full_disk.sh PATH/TO/warroom
set -u
WR=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ "${WARROOM_FAULT_INSIDE:-}" != 1 ]; then
  if ! unshare --mount --propagation private true 2>/dev/null; then
    echo "full_disk: skipped: no mount namespace here (needs root / CAP_SYS_ADMIN)"
    exit 77
  fi
  WARROOM_FAULT_INSIDE=1 exec unshare --mount --propagation private bash "$0" "$WR"
fi

T=$(mktemp -d /tmp/warroom-fulldisk-XXXXXX)
trap 'umount "$T/disk" 2>/dev/null; rm -rf "$T"' EXIT
mkdir "$T/disk"
if ! mount -t tmpfs -o size=4m,mode=0700 warroom-full "$T/disk" 2>"$T/mount.err"; then
  echo "full_disk: skipped: cannot mount a tmpfs: $(cat "$T/mount.err")"
  exit 77
fi
export WARROOM_DB=$T/disk/w.db TZ=UTC HOME=$T USER=scribe
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

id=$("$WR" new "Disk fills during the incident") || { echo "FAIL: new" >&2; exit 1; }
# Leave a little room: fill the disk with a file, then give back 1 MiB. A new database is
# about 1 MiB (30 tables and indexes of one 32 KiB page each); the first write creates the
# write-ahead log and its 32 KiB index, and each append adds its pages (32 KiB each) to the log.
dd if=/dev/zero of="$T/disk/filler" bs=4096 2>/dev/null
truncate -s -1048576 "$T/disk/filler"

# Log until the disk refuses. An id on stdout is the promise that the entry is on disk.
: >"$T/acked"
text=$(head -c 4000 /dev/zero | tr '\0' 'x') # ~4 KiB per entry: fills the room quickly
for i in $(seq 1 2000); do
  if e=$("$WR" log "$id" "entry $i $text" 2>"$T/err"); then
    echo "$e $i" >>"$T/acked"
  else
    rc=$?
    break
  fi
done
nacked=$(wc -l <"$T/acked")
refusal=$(cat "$T/err")
if [ -z "${rc:-}" ]; then
  bad "2000 entries fitted in 1 MiB: the disk never filled"
else
  [ "$nacked" -gt 0 ] && ok || bad "not a single entry fitted before the disk was full"
  if [ "$rc" -eq 6 ]; then ok; else bad "exit $rc on a full disk, expected 6 (database)"; fi
  if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -qi "full" "$T/err" && grep -qi "free space" "$T/err"; then
    ok
  else
    bad "unclear error on a full disk: $(cat "$T/err")"
  fi
fi

# Every acknowledged entry is there with its text; the refused one is not.
"$WR" show "$id" --json >"$T/show.json" 2>"$T/show.err" || bad "show on the full disk: $(cat "$T/show.err")"
check_acked() {
  local missing=0
  while read -r eid n; do
    grep -q "\"entry $n x" "$T/show.json" || { missing=$((missing + 1)); echo "lost: entry $n (id $eid)" >&2; }
  done <"$T/acked"
  [ $missing -eq 0 ] && ok || bad "$missing acknowledged entries lost ($1)"
}
check_acked "disk full"
last=$((nacked + 1))
if grep -q "\"entry $last x" "$T/show.json"; then bad "the refused entry $last was stored"; else ok; fi

# Free the space: the same database takes entries again and still has everything.
rm -f "$T/disk/filler"
if e=$("$WR" log "$id" "after the cleanup" 2>"$T/err"); then ok; else bad "log after freeing space: $(cat "$T/err")"; fi
"$WR" show "$id" --json >"$T/show.json"
check_acked "after freeing space"
grep -q '"after the cleanup"' "$T/show.json" && ok || bad "the entry after the cleanup is missing"

echo "full_disk: the refusal read: $refusal"
echo "full_disk: $pass passed, $fail failed ($nacked entries acknowledged before the disk was full)"
[ $fail -eq 0 ]
