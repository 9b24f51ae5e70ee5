#!/usr/bin/env bash
# templates.sh: every shipped comms template renders in strict mode with the documented example
# data, for every escaping mode, and customer-facing ones leak no internal detail.
# Usage: templates.sh WARROOM_BINARY   (WARROOM_SOURCE_DIR points at the source tree)
set -u
bin=${1:?usage: templates.sh WARROOM_BINARY}
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
dir=$src/templates
data=$dir/example-data.json
fail=0
count=0

die() { echo "FAIL: $*" >&2; fail=1; }

for tpl in "$dir"/*.mustache; do
    name=$(basename "$tpl" .mustache)
    case $name in _*) continue ;; esac # partials are rendered through the messages
    for esc in none markdown slack html; do
        if ! out=$("$bin" template render "$tpl" --data "$data" --escape "$esc" --strict 2>&1); then
            die "$name ($esc) does not render: $out"
            continue
        fi
        [ -n "$out" ] || die "$name ($esc) rendered nothing"
        case $out in *'{{'* | *'}}'*) die "$name ($esc) left a tag unrendered" ;; esac
    done
    count=$((count + 1))

    # Customer-facing messages: nothing internal may appear in them.
    case $name in status-*)
        out=$("$bin" template render "$tpl" --data "$data" --escape none --strict 2>/dev/null)
        while IFS= read -r secret; do
            [ -n "$secret" ] || continue
            case $out in *"$secret"*) die "$name shows internal detail '$secret'" ;; esac
        done < <(python3 - "$data" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for key in ("ic", "comms", "ops", "scribe"):
    if d["roles"][key]:
        print(d["roles"][key])
for name in d["roles"]["sme"]:
    print(name)
for s in d["incident"]["services"]:
    print(s)
print(d["channel"])
print(d["incident"]["id"])
print(d["incident"]["title"])
PY
)
        ;;
    esac
done

[ "$count" -ge 8 ] || die "expected at least 8 message templates in $dir, found $count"
if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "ok: $count templates render in strict mode"
