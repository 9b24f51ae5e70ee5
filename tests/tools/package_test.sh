#!/usr/bin/env bash
# package_test.sh: install the .deb with apt-get, use it as an SRE would, remove it.
#   - its Depends cover every library the binary links and the libcurl it loads with dlopen
#     (each one's Debian package is named in Depends);
#   - `warroom --version` reads its data from /usr/share/warroom;
#   - `warroom demo --print` and `man warroom` work from the installed files;
#   - the network path works installed: `warroom sli` fetches a JSON SLI over HTTP from a
#     local server, which loads libcurl;
#   - the completions are where bash-completion and zsh look.
# The package is purged at the end (also on failure) unless it was installed before we began.
# Usage: package_test.sh PATH/TO/warroom_VERSION_ARCH.deb   (root; exit 77 otherwise)
set -u
DEB=$(readlink -f "$1")
if [ "$(id -u)" -ne 0 ]; then
  echo "package: skipped: installing a package needs root"
  exit 77
fi
T=$(mktemp -d /tmp/warroom-package-XXXXXX)
server=
preinstalled=
dpkg-query -W -f='${Status}' warroom 2>/dev/null | grep -q "install ok installed" && preinstalled=1
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  if [ -z "$preinstalled" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq warroom >/dev/null 2>&1
  fi
  rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

echo "package: $(basename "$DEB")"
dpkg-deb -f "$DEB" Package Version Architecture Depends | sed 's/^/  /'
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$DEB" >"$T/apt.log" 2>&1; then
  ok
else
  echo "FAIL: apt-get install: $(tail -5 "$T/apt.log")" >&2
  exit 1
fi
BIN=/usr/bin/warroom
[ -x "$BIN" ] && ok || bad "$BIN is not installed"

# Depends: every shared library the binary needs, and libcurl (dlopen), comes from a package
# that Depends names. Names in Depends may carry version constraints and alternatives.
depends=$(dpkg-query -W -f='${Depends}' warroom | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' | sort -u)
libs=$(ldd "$BIN" | awk '/=>/ {print $3}')
curl_lib=$(ldconfig -p | awk '/libcurl\.so\.4 .*x86-64|libcurl\.so\.4 / {print $NF; exit}')
[ -n "$curl_lib" ] && libs="$libs $curl_lib" || bad "libcurl.so.4 is not on this system"
# owner FILE: the package that ships FILE (dpkg knows the path it unpacked, which with merged
# /usr may be the /lib one or the resolved /usr/lib one).
owner() {
  local p
  p=$(dpkg -S "$(readlink -f "$1")" 2>/dev/null | head -1 | cut -d: -f1)
  [ -z "$p" ] && p=$(dpkg -S "$1" 2>/dev/null | head -1 | cut -d: -f1)
  printf '%s' "$p"
}
for lib in $libs; do
  pkg=$(owner "$lib")
  case $pkg in libc6 | "") continue ;; # libc6 comes with every system; unowned: vdso and such
  esac
  if printf '%s\n' "$depends" | grep -qx "$pkg"; then ok; else bad "$lib comes from $pkg, which Depends lacks"; fi
done

# Run as a user would: a fresh HOME, nothing from the build tree.
run() { env -i PATH=/usr/bin:/bin HOME="$T/home" TERM=dumb TZ=UTC LANG=C.UTF-8 "$@"; }
mkdir -p "$T/home"
v=$(run "$BIN" --version)
if printf '%s\n' "$v" | head -1 | grep -qE '^warroom [0-9.]+ \(git [0-9a-f]{12}'; then ok; else bad "--version: $v"; fi
printf '%s\n' "$v" | grep -qx "data: /usr/share/warroom" && ok || bad "data not read from /usr/share/warroom: $v"
if run "$BIN" demo --print >"$T/demo.txt" 2>"$T/demo.err" && grep -q "loan/apply" "$T/demo.txt"; then
  ok
else
  bad "warroom demo --print: $(head -3 "$T/demo.err")"
fi
# Log analysis of the shipped demo logs: zlib is loaded with dlopen on the first gzip file, so
# Depends must name it (ldd cannot see it) and the installed build must find it.
zlib_lib=$(ldconfig -p | awk '/libz\.so\.1 / {print $NF; exit}')
zpkg=$(owner "$zlib_lib")
printf '%s\n' "$depends" | grep -qx "${zpkg:-no package}" && ok || bad "zlib ($zlib_lib, from ${zpkg:-no package}) is not in Depends"
# Every library the binary names for dlopen (its sonames, read from the binary itself, so a new
# one cannot be forgotten) comes from a package named in Depends, or Recommends for the optional
# ones (libpq: team mode). libcurl-gnutls.so.4 is only the fallback when libcurl.so.4 is absent.
recommends=$(dpkg-query -W -f='${Recommends}' warroom | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' | sort -u)
needed=$(ldd "$BIN" | awk '{print $1}')
for so in $(grep -aoE 'lib[A-Za-z0-9_+-]+\.so\.[0-9]+' "$BIN" | sort -u); do
  printf '%s\n' "$needed" | grep -qxF "$so" && continue # linked: checked above
  [ "$so" = libcurl-gnutls.so.4 ] && continue
  path=$(ldconfig -p | awk -v so="$so" '$1 == so {print $NF; exit}')
  [ -n "$path" ] || { bad "$so (loaded with dlopen) is not on this system"; continue; }
  pkg=$(owner "$path")
  if printf '%s\n' "$depends" "$recommends" | grep -qx "$pkg"; then ok; else
    bad "$so (dlopen) comes from ${pkg:-no package}, which neither Depends nor Recommends names"; fi
done
if run "$BIN" analyze --json /usr/share/warroom/demo/logs/* >"$T/analyze.json" 2>"$T/analyze.err" &&
    grep -q '"requests":[[:space:]]*12621' "$T/analyze.json"; then
  ok
else
  bad "warroom analyze of the installed demo logs: $(head -3 "$T/analyze.err")"
fi
if run env MANPAGER=cat MANWIDTH=80 man warroom >"$T/man.txt" 2>"$T/man.err" &&
    grep -q "EXIT STATUS" "$T/man.txt" && grep -q "warroom log" "$T/man.txt"; then
  ok
else
  bad "man warroom: $(head -3 "$T/man.err")"
fi

# The network path, installed: an SLI from the generic JSON source over HTTP on loopback.
mkdir -p "$T/www"
printf '{"data":{"success_rate":0.9931}}\n' >"$T/www/sli.json"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >"$T/http.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
cat >"$T/config.json" <<JSON
{ "sources": { "web": { "type": "json", "url": "http://127.0.0.1:$port/sli.json" } },
  "services": [ { "name": "loan-api", "slis": [ { "id": "success", "name": "Success rate",
      "type": "custom", "source": "web", "json_path": "data.success_rate" } ] } ] }
JSON
if run "$BIN" --config "$T/config.json" sli --json >"$T/sli.json" 2>"$T/sli.err" &&
    grep -q '0.9931' "$T/sli.json"; then
  ok
else
  bad "warroom sli over HTTP (libcurl) installed: $(cat "$T/sli.err") $(head -c 400 "$T/sli.json")"
fi

# Completions where the shells look for them, and loadable.
f=/usr/share/bash-completion/completions/warroom
if [ -f "$f" ] && bash -c "source '$f' && complete -p warroom" >/dev/null 2>&1; then ok; else bad "bash completion at $f"; fi
[ -f /usr/share/zsh/vendor-completions/_warroom ] && ok || bad "zsh completion not in vendor-completions"

echo "package: $pass passed, $fail failed"
[ $fail -eq 0 ]
