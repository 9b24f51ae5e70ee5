#!/usr/bin/env bash
# fresh_debian_test.sh: the .deb on a Debian 12 that has never seen warroom's build: a minbase
# chroot made by debootstrap from the Debian mirror, where `apt-get install ./warroom_*.deb`
# must pull every dependency by itself (package_test.sh runs on the build machine, which
# already has them). Then, as a user would: --version, demo --print, analyze of the shipped
# logs (zlib by dlopen), an SLI over HTTP (libcurl by dlopen), man warroom, and the bash and
# zsh completions found where those shells look.
# Not in ctest or .ci/test by default (it downloads about 100 MB); `.ci/test` runs it when
# WARROOM_FRESH_DEBIAN=1.
# Usage: fresh_debian_test.sh PATH/TO/warroom_VERSION_ARCH.deb [CHROOT_DIR]
#   (root; exit 77 without root or debootstrap; CHROOT_DIR: reuse a minbase made earlier)
set -u
DEB=$(readlink -f "$1")
if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null; then
  echo "fresh_debian: skipped: needs root and debootstrap (apt-get install debootstrap)"
  exit 77
fi
C=${2:-}
made=
if [ -z "$C" ]; then
  C=$(mktemp -d /tmp/warroom-fresh-XXXXXX)
  made=1
fi
cleanup() {
  umount "$C/proc" 2>/dev/null
  [ -n "$made" ] && rm -rf "$C"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

if [ ! -x "$C/usr/bin/apt-get" ]; then
  echo "fresh_debian: debootstrap --variant=minbase bookworm into $C"
  debootstrap --variant=minbase bookworm "$C" http://deb.debian.org/debian >"$C.log" 2>&1 ||
    { echo "FAIL: debootstrap: $(tail -3 "$C.log")" >&2; exit 1; }
  rm -f "$C.log"
fi
cp /etc/resolv.conf "$C/etc/resolv.conf"
mount -t proc proc "$C/proc"
cp "$DEB" "$C/tmp/warroom.deb"
in_root() { chroot "$C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
  LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
in_root dpkg -s warroom >/dev/null 2>&1 && in_root apt-get purge -y -qq warroom >/dev/null 2>&1
in_root apt-get update -qq >/dev/null 2>&1 || bad "apt-get update in the chroot"
if in_root apt-get install -y -qq /tmp/warroom.deb >"$C/tmp/apt.log" 2>&1; then ok; else
  echo "FAIL: apt-get install ./warroom.deb: $(tail -5 "$C/tmp/apt.log")" >&2; exit 1; fi

v=$(in_root warroom --version 2>&1)
printf '%s\n' "$v" | grep -qx 'data: /usr/share/warroom' && ok || bad "--version: $v"
in_root warroom demo --print >"$C/tmp/demo.txt" 2>&1 && grep -q "loan/apply" "$C/tmp/demo.txt" && ok ||
  bad "demo --print: $(head -3 "$C/tmp/demo.txt")"
in_root sh -c 'warroom analyze --json /usr/share/warroom/demo/logs/*' >"$C/tmp/a.json" 2>&1 &&
  grep -q '"requests":[[:space:]]*12621' "$C/tmp/a.json" && ok || bad "analyze: $(head -3 "$C/tmp/a.json")"
# libcurl: a refused connection is an HTTP error, so the library loaded (else: "cannot load")
cat >"$C/tmp/c.json" <<'JSON'
{ "sources": { "web": { "type": "json", "url": "http://127.0.0.1:9/sli.json" } },
  "services": [ { "name": "x", "slis": [ { "id": "s", "name": "S", "type": "custom",
    "source": "web", "json_path": "v" } ] } ] }
JSON
out=$(in_root warroom --config /tmp/c.json sli 2>&1)
if printf '%s\n' "$out" | grep -qi "connect" && ! printf '%s\n' "$out" | grep -qi "libcurl"; then ok; else
  bad "sli over HTTP: $out"; fi
in_root apt-get install -y -qq man-db bash-completion zsh >/dev/null 2>&1 || bad "installing man-db, shells"
in_root env MANWIDTH=80 man warroom >"$C/tmp/man.txt" 2>&1 && grep -q "EXIT STATUS" "$C/tmp/man.txt" && ok ||
  bad "man warroom: $(head -3 "$C/tmp/man.txt")"
in_root bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader warroom;
  complete -p warroom' 2>/dev/null | grep -q _warroom && ok || bad "bash-completion does not load warroom's"
in_root zsh -c 'autoload -Uz compinit; compinit -u; print -r -- ${_comps[warroom]}' 2>/dev/null |
  grep -qx _warroom && ok || bad "zsh's compinit does not find _warroom"
in_root apt-get purge -y -qq warroom >/dev/null 2>&1

echo "fresh_debian: $pass passed, $fail failed"
[ $fail -eq 0 ]
