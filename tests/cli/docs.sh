#!/usr/bin/env bash
# docs.sh: warroom(1) and --help agree (both come from the command tables), the page is clean
# roff (groff -ww, man -l), and every option the help documents is one the command accepts.
# Usage: docs.sh PATH/TO/warroom DOC_BUILD_DIR (holding the generated warroom.1)
set -u
WR=$1
PAGE=$2/warroom.1
T=$(mktemp -d /tmp/warroom-docs-XXXXXX)
trap 'rm -rf "$T"' EXIT
export WARROOM_DB=$T/w.db TZ=UTC HOME=$T XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# Collapse runs of blanks so rendering (indentation, justification) does not matter.
squeeze() { tr -s ' \t' '  ' | sed 's/^ //; s/ $//'; }

[ -s "$PAGE" ] || { echo "FAIL: no generated page at $PAGE" >&2; exit 1; }

# ---- the page is clean roff and renders
warn=$(groff -ww -man -z "$PAGE" 2>&1)
if [ -z "$warn" ]; then ok; else bad "groff -ww warns: $warn"; fi
# No justification: renders each sentence with single spaces, so text compares as written.
LC_ALL=C.UTF-8 MANWIDTH=120 MAN_KEEP_FORMATTING= man --no-justification -l "$PAGE" \
  >"$T/man.raw" 2>"$T/man.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/man.err" ]; then ok; else bad "man -l: exit $rc: $(cat "$T/man.err")"; fi
# Strip any overstrike formatting, then normalise blanks.
sed 's/.\x08//g' "$T/man.raw" | squeeze >"$T/man.txt"
# The page is filled to its width, so a help line may be wrapped: compare against one line.
tr '\n' ' ' <"$T/man.txt" | squeeze >"$T/man.flat"
wide=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --no-justification -l "$PAGE" 2>/dev/null | sed 's/.\x08//g' |
  awk 'length > 80' | head -3)
if [ -z "$wide" ]; then ok; else bad "lines wider than 80 columns: $wide"; fi
for section in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "THE INPUT LINE" TIMES \
    "EXIT STATUS" CONFIGURATION FILES ENVIRONMENT EXAMPLES; do
  if grep -qx "$section" "$T/man.txt"; then ok; else bad "the page has no $section section"; fi
done

# ---- every command of --help is in the page, with its usage, summary and help text, and the
# page has no command --help does not list
"$WR" --help >"$T/help.txt" || bad "--help failed"
cmds=$(sed -n '/^commands:/,/^$/p' "$T/help.txt" | awk 'NF >= 2 {print $1}')
[ -n "$cmds" ] || bad "no commands parsed from --help"
for c in $cmds; do
  "$WR" "$c" --help >"$T/cmd.txt" 2>&1 || { bad "$c --help failed"; continue; }
  missing=0
  while IFS= read -r line; do
    line=$(printf '%s\n' "$line" | squeeze)
    [ -z "$line" ] && continue
    line=${line#usage: }
    grep -qF -- "$line" "$T/man.flat" || { bad "man page lacks, for $c: [$line]"; missing=1; }
  done <"$T/cmd.txt"
  [ $missing -eq 0 ] && ok
done
page_cmds=$(sed -n '/^COMMANDS$/,/^THE INPUT LINE$/p' "$T/man.txt" | grep -oE '^warroom [a-z-]+' |
  awk '{print $2}' | sort -u)
extra=$(comm -13 <(printf '%s\n' $cmds | sort -u) <(printf '%s\n' $page_cmds))
if [ -z "$extra" ]; then ok; else bad "the page documents commands --help does not list: $extra"; fi

# ---- global options and exit codes: --help's summary lines against the page
for opt in $(head -1 "$T/help.txt" | grep -oE -- '--[a-z]+'); do
  if grep -qE -- "^$opt( |$)" "$T/man.txt"; then ok; else bad "GLOBAL OPTIONS lacks $opt"; fi
done
codes=$(sed -n '/^Exit codes:/,$p' "$T/help.txt" | grep -oE '(^|, |: )[0-9]+ ' | grep -oE '[0-9]+')
[ -n "$codes" ] || bad "no exit codes parsed from --help"
exit_section=$(sed -n '/^EXIT STATUS$/,/^CONFIGURATION$/p' "$T/man.txt")
for n in $codes; do
  if printf '%s\n' "$exit_section" | grep -qE "^$n "; then ok; else bad "EXIT STATUS lacks $n"; fi
done

# ---- every option a command's help documents is accepted by that command (no "unknown
# option"): the help cannot promise an option the parser refuses.
for c in $cmds; do
  "$WR" "$c" --help >"$T/cmd.txt" 2>&1
  for opt in $(grep -oE -- '(^|[[ (|])--?[a-z][a-z0-9-]*' "$T/cmd.txt" | grep -oE -- '--?[a-z][a-z0-9-]*' | sort -u); do
    case $opt in --help | --json | --db | --as | --config) continue ;; esac
    timeout 20 "$WR" "$c" "$opt" x </dev/null >"$T/o" 2>"$T/e"
    if grep -qiE "unknown option|unknown command" "$T/e"; then
      bad "$c documents $opt but refuses it: $(head -1 "$T/e")"
    else
      ok
    fi
  done
done

# ---- every WARROOM_* variable the code reads is in ENVIRONMENT (WARROOM_SOURCE_DIR: the
# checkout; the old spelling WARROOM_TEMPLATES_DIR is still read but no longer documented)
SRC=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
sed -n '/^ENVIRONMENT$/,/^EXAMPLES$/p' "$T/man.txt" >"$T/env.txt"
vars=$(grep -rhoE '(getenv|env_dir)\("WARROOM_[A-Z_]+"\)' "$SRC/src" "$SRC/ui" |
  grep -oE 'WARROOM_[A-Z_]+' | sort -u | grep -vx WARROOM_TEMPLATES_DIR)
[ -n "$vars" ] || bad "found no WARROOM_* variable in the sources"
for v in $vars; do
  if grep -qw -- "$v" "$T/env.txt"; then ok; else bad "$v is read by warroom but not in the page's ENVIRONMENT"; fi
done

# ---- --version: the release, a commit, and the directories in use
"$WR" --version >"$T/v" || bad "--version failed"
if head -1 "$T/v" | grep -qE '^warroom [0-9]+\.[0-9]+\.[0-9]+ \(git ([0-9a-f]{12}(-dirty)?|unknown)\)$'; then
  ok
else
  bad "--version first line: $(head -1 "$T/v")"
fi
if grep -q '^data: /' "$T/v" && grep -q '^templates: /' "$T/v"; then ok; else bad "--version lacks the directories"; fi
WARROOM_DATA_DIR=/elsewhere "$WR" --version | grep -qx 'data: /elsewhere' && ok ||
  bad "WARROOM_DATA_DIR does not override the data directory"

echo "docs: $pass passed, $fail failed"
[ $fail -eq 0 ]
