#!/usr/bin/env bash
# install.sh: `cmake --install` into a temporary prefix puts every file in its FHS place, and
# the installed binary reads its data from PREFIX/share/warroom, still after the prefix moves.
# Usage: install.sh BUILD_DIR [CMAKE]
set -u
BUILD=$1
CMAKE=${2:-cmake}
T=$(mktemp -d /tmp/warroom-install-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

if ! "$CMAKE" --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1; then
  echo "FAIL: cmake --install: $(tail -5 "$T/install.log")" >&2
  exit 1
fi
P=$T/prefix
for f in bin/warroom share/warroom/severity.json share/warroom/blameless.json \
    share/warroom/example-config.json share/warroom/demo/incident.json \
    share/warroom/demo/replay.json share/warroom/demo/config.json \
    share/warroom/demo/logs/loan-origination-api.export.gz \
    share/warroom/demo/logs/scoring-service.filter-log-events.json.gz \
    share/warroom/templates/postmortem.md share/warroom/templates/update-internal.mustache \
    share/man/man1/warroom.1.gz share/bash-completion/completions/warroom \
    share/doc/warroom/README.md; do
  if [ -f "$P/$f" ]; then ok; else bad "not installed: $f"; fi
done
[ -x "$P/bin/warroom" ] && ok || bad "bin/warroom is not executable"
# zsh: site-functions, or Debian's vendor-completions when the prefix is /usr.
ls "$P"/share/zsh/*/_warroom >/dev/null 2>&1 && ok || bad "not installed: share/zsh/*/_warroom"

# A clean environment: no override, a fresh HOME, no database yet.
run() {
  env -i PATH=/usr/bin:/bin HOME="$T/home" TERM=dumb TZ=UTC LANG=C.UTF-8 "$@"
}
mkdir -p "$T/home"
check_prefix() { # check_prefix PREFIX WHAT
  local v; v=$(run "$1/bin/warroom" --version) || { bad "$2: --version failed"; return; }
  if printf '%s\n' "$v" | grep -qxF "data: $1/share/warroom"; then ok; else bad "$2: data not read from the prefix: $v"; fi
  if printf '%s\n' "$v" | grep -qxF "templates: $1/share/warroom/templates"; then ok; else bad "$2: templates not from the prefix: $v"; fi
  if run "$1/bin/warroom" demo --print >"$T/demo.txt" 2>"$T/demo.err" && grep -q "loan/apply" "$T/demo.txt"; then
    ok
  else
    bad "$2: demo --print: $(head -3 "$T/demo.err")"
  fi
  # A command that reads a template and the severity policy from the data directory.
  run "$1/bin/warroom" --db "$T/home/w.db" new "install check" >/dev/null &&
    run "$1/bin/warroom" --db "$T/home/w.db" sev 1 --impact degraded --scope gt25 >/dev/null &&
    run "$1/bin/warroom" --db "$T/home/w.db" comms 1 initial-internal --dry-run >"$T/comms.txt" 2>&1 &&
    ok || bad "$2: sev/comms from the installed data: $(tail -2 "$T/comms.txt" 2>/dev/null)"
  rm -f "$T/home/w.db"*
}
check_prefix "$P" "installed"
# Relocated: the data is found relative to the binary, not where it was installed first.
mv "$P" "$T/moved"
check_prefix "$T/moved" "moved prefix"

# Overridable: the environment wins over the prefix, in what the commands read (not only in
# --version): a data directory whose demo has another title, a template directory of one file.
M=$T/moved
cp -r "$M/share/warroom" "$T/altdata"
sed -i 's/Credit applications slow and failing/Overridden demo title/' "$T/altdata/demo/incident.json"
mkdir -p "$T/alttpl" && printf 'only {{incident.title}}\n' >"$T/alttpl/only-here.mustache"
if run env WARROOM_DATA_DIR="$T/altdata" "$M/bin/warroom" demo --print 2>&1 | grep -q "Overridden demo title"; then
  ok
else
  bad "WARROOM_DATA_DIR does not override the installed data for demo --print"
fi
if run env WARROOM_TEMPLATE_DIR="$T/alttpl" "$M/bin/warroom" comms --list >"$T/list.txt" 2>&1 &&
    grep -q "^only-here " "$T/list.txt" && ! grep -q "update-internal" "$T/list.txt"; then
  ok
else
  bad "WARROOM_TEMPLATE_DIR does not override the installed templates: $(head -3 "$T/list.txt")"
fi

# The installed page renders.
if command -v man >/dev/null; then
  if LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$T/moved/share/man/man1/warroom.1.gz" 2>"$T/man.err" |
      grep -q "EXIT STATUS" && [ ! -s "$T/man.err" ]; then
    ok
  else
    bad "man -l of the installed page: $(cat "$T/man.err")"
  fi
fi

echo "install: $pass passed, $fail failed"
[ $fail -eq 0 ]
