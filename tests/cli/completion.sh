#!/usr/bin/env bash
# completion.sh: the generated bash and zsh completions offer the commands and options of
# --help, incident ids from the database, template names and configured destinations.
# bash: the completion function called as bash-completion would. zsh: the same cases with the
# completion builtins stubbed to print, then one real completion in an interactive zsh (zpty).
# Usage: completion.sh PATH/TO/warroom DOC_BUILD_DIR (holding warroom.bash and _warroom)
set -u
WR=$1
DOC=$2
T=$(mktemp -d /tmp/warroom-completion-XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME=$T XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data TZ=UTC
unset WARROOM_DB
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
SRC=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

# A database with three incidents (ids 1..3), and a config with two destinations.
DB=$T/w.db
for t in one two three; do "$WR" --db "$DB" new "incident $t" >/dev/null || bad "new $t"; done
CFG=$T/cfg.json
cat >"$CFG" <<'JSON'
{ "services": [],
  "destinations": { "ops-slack": { "type": "stdout" }, "archive": { "type": "file", "path": "/dev/null" } } }
JSON
touch "$T/incident-export.json"
cmds=$("$WR" --help | sed -n '/^commands:/,/^$/p' | awk 'NF >= 2 {print $1}' | sort | tr '\n' ' ')
templates=$("$WR" comms --list | awk '{print $1}' | sort | tr '\n' ' ')
[ -n "$templates" ] || bad "comms --list gave no templates"

# expect SHELL_OUTPUT EXPECTED WHAT: the sorted candidates equal EXPECTED.
expect() {
  local got; got=$(printf '%s\n' $1 | sed '/^$/d' | sort | tr '\n' ' ')
  if [ "$got" == "$2" ]; then ok; else bad "$3: expected [$2] got [$got]"; fi
}
# expect_has SHELL_OUTPUT WORD WHAT
expect_has() {
  if printf '%s\n' $1 | grep -qxF -- "$2"; then ok; else bad "$3: [$2] not offered in [$1]"; fi
}

# ---- bash
bash_complete() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    _warroom
    printf "%s\n" "${COMPREPLY[@]}"' bash "$DOC/warroom.bash" "$@"
}
expect "$(bash_complete "$WR" '')" "$cmds" "bash: commands"
expect "$(bash_complete "$WR" li)" "lint list " "bash: commands by prefix"
expect "$(bash_complete "$WR" log --)" "--as --at --config --db --help --json --kind --pin --version " \
  "bash: log's options and the global ones"
expect "$(bash_complete "$WR" --db "$DB" show '')" "1 2 3 " "bash: incident ids from list --json"
expect "$(bash_complete "$WR" --db "$DB" log 2 --at -15m --pin '')" "" "bash: no candidates for TEXT"
expect "$(bash_complete "$WR" --db "$DB" comms 1 '')" "$templates" "bash: template names"
expect "$(bash_complete "$WR" --config "$CFG" comms 1 update-internal --to '')" "archive ops-slack " \
  "bash: destinations from the config"
# What a user has when nothing is typed on the line: WARROOM_DB, and the config where warroom
# looks for it by default ($XDG_CONFIG_HOME/warroom/config.json).
expect "$(WARROOM_DB=$DB bash_complete "$WR" show '')" "1 2 3 " "bash: incident ids from WARROOM_DB"
mkdir -p "$T/config/warroom" && cp "$CFG" "$T/config/warroom/config.json"
expect "$(bash_complete "$WR" comms 1 update-internal --to '')" "archive ops-slack " \
  "bash: destinations from the default config"
rm "$T/config/warroom/config.json"
expect "$(bash_complete "$WR" template render x --escape '')" "html markdown none slack " \
  "bash: choices of an option"
expect "$(bash_complete "$WR" action 1 '')" "add done edit list " "bash: literal sub-commands"
expect_has "$(bash_complete "$WR" --db "$DB" import "$T/inc")" "$T/incident-export.json" "bash: files"
# Values the engine has a fixed list of, from its own tables (gendoc): phases, roles,
# milestones, the matrix, typeable kinds, log formats; and FILE... repeats.
expect "$(bash_complete "$WR" phase 1 '')" "DETECT MITIGATE RESOLVE RESPOND REVIEW TRIAGE " "bash: phases"
expect "$(bash_complete "$WR" role 1 '')" "comms ic ops scribe sme " "bash: roles"
expect "$(bash_complete "$WR" milestone 1 '')" "closed declared detected mitigated resolved started " "bash: milestones"
expect "$(bash_complete "$WR" sev 1 --impact '')" "core_down cosmetic degraded noncore_down " "bash: matrix rows"
expect "$(bash_complete "$WR" sev 1 --trigger '')" "data_loss pii_breach revenue sla_imminent " "bash: triggers"
expect "$(bash_complete "$WR" log 1 x --kind '')" "action alert comms decision hypothesis note todo " "bash: typeable kinds"
expect "$(bash_complete "$WR" analyze --format '')" "alb cloudwatch jsonl s3 " "bash: log formats"
expect "$(bash_complete "$WR" db '')" "copy info " "bash: the first words of each form"
touch "$T/app.log.gz" "$T/alb.log.gz"
expect_has "$(bash_complete "$WR" analyze "$T/app")" "$T/app.log.gz" "bash: analyze FILE"
expect_has "$(bash_complete "$WR" analyze "$T/app.log.gz" --json "$T/al")" "$T/alb.log.gz" "bash: analyze FILE... (a second file)"
expect_has "$(bash_complete "$WR" analyze "$T/app.log.gz" --replay "$T/al")" "$T/alb.log.gz" "bash: --replay OUT.json"
# Every command's documented options are offered after it.
for c in $cmds; do
  for opt in $("$WR" "$c" --help | grep -oE -- '(^|[[ (|])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    expect_has "$(bash_complete "$WR" "$c" --)" "$opt" "bash: $c $opt"
  done
done

# ---- zsh
if ! command -v zsh >/dev/null; then
  echo "completion: zsh is not installed; its half is skipped (.ci/deps installs it)" >&2
else
  if zsh -n "$DOC/_warroom"; then ok; else bad "_warroom is not valid zsh"; fi
  zsh_complete() {
    zsh -f -c '
      compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
      _describe() { local a; for a in "${(@P)${@[-1]}}"; do print -r -- "${a%%:*}"; done; }
      _files() { print -r -- "<files>"; }
      source "$1" >/dev/null 2>&1; shift
      words=("$@"); CURRENT=$#
      _warroom' zsh "$DOC/_warroom" "$@"
  }
  expect "$(zsh_complete "$WR" '')" "$cmds" "zsh: commands"
  expect "$(zsh_complete "$WR" --db "$DB" show '')" "1 2 3 " "zsh: incident ids"
  titled=$(zsh -f -c 'source "$1" >/dev/null 2>&1; _warroom_bin=$2 _wr_db=$3 _wr_config=
    _warroom_candidates id-titled' zsh "$DOC/_warroom" "$WR" "$DB" | sort | tr '\n' '|')
  if [ "$titled" == "1:incident one|2:incident two|3:incident three|" ]; then ok; else
    bad "zsh: incident ids with their titles: [$titled]"; fi
  expect "$(zsh_complete "$WR" --db "$DB" comms 1 '')" "$templates" "zsh: template names"
  expect "$(zsh_complete "$WR" --config "$CFG" comms 1 x --to '')" "archive ops-slack " \
    "zsh: destinations"
  expect "$(WARROOM_DB=$DB zsh_complete "$WR" show '')" "1 2 3 " "zsh: incident ids from WARROOM_DB"
  cp "$CFG" "$T/config/warroom/config.json"
  expect "$(zsh_complete "$WR" comms 1 x --to '')" "archive ops-slack " "zsh: destinations from the default config"
  rm "$T/config/warroom/config.json"
  expect "$(zsh_complete "$WR" export 1 -o '')" "<files> " "zsh: files"
  expect "$(zsh_complete "$WR" phase 1 '')" "DETECT MITIGATE RESOLVE RESPOND REVIEW TRIAGE " "zsh: phases"
  expect "$(zsh_complete "$WR" analyze a.gz b.gz '')" "<files> " "zsh: analyze FILE..."
  expect "$(zsh_complete "$WR" analyze --format '')" "alb cloudwatch jsonl s3 " "zsh: log formats"
  # One real completion through compinit in an interactive zsh: the function is found on
  # fpath as _warroom and its descriptions reach the listing.
  mkdir -p "$T/fpath" && cp "$DOC/_warroom" "$T/fpath/"
  ln -s "$(cd "$(dirname "$WR")" && pwd)/$(basename "$WR")" "$T/warroom"
  cat >"$T/drive.zsh" <<EOF
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z 'PS1="%% "; fpath=($T/fpath \$fpath); autoload -Uz compinit; compinit -u -D; PATH=$T:\$PATH'
zpty -w -n z \$'warroom li\t'
all=
for i in {1..100}; do
  zpty -r -t z chunk && all+=\$chunk
  [[ \$all == *"lint  -- "*"list  -- "* ]] && break
  sleep 0.1
done
zpty -d z
print -r -- "\$all"
EOF
  out=$(timeout 30 zsh -f "$T/drive.zsh" 2>&1)
  if [[ $out == *"lint  -- blameless"*"list  -- list open incidents"* ]]; then
    ok
  else
    bad "zsh (interactive): 'warroom li<TAB>' did not list lint and list: $(printf '%s' "$out" | tail -c 300 | cat -v)"
  fi
fi

echo "completion: $pass passed, $fail failed"
[ $fail -eq 0 ]
