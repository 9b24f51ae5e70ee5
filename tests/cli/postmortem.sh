#!/usr/bin/env bash
# postmortem.sh: Markdown postmortem export (golden file, GFM tables, hostile text, SVGs), the
# worksheet and action-item commands, the blameless lint, search and report.
# Usage: postmortem.sh WARROOM_BINARY   (WARROOM_SOURCE_DIR points at the source tree)
# UPDATE_GOLDEN=1 rewrites tests/golden/demo-postmortem.md (review the diff before committing).
set -u
bin=${1:?usage: postmortem.sh WARROOM_BINARY}
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# WARROOM_TEST_PG (cli.postmortem.pg, under tests/tools/pg_server.sh): the same on PostgreSQL.
export TZ=UTC WARROOM_NOW=2026-03-10T13:30:00Z WARROOM_DB=${WARROOM_TEST_PG:-$tmp/db.sqlite}
export XDG_CONFIG_HOME=$tmp/cfg
export WARROOM_DATA_DIR=$src/data WARROOM_TEMPLATE_DIR=$src/templates
fail=0
die() { echo "FAIL: $*" >&2; fail=1; }
w() { "$bin" "$@"; }

id=$(w import "$src/data/demo/incident.json") || die "import"
# The demo's log analysis attached (3 anomaly episodes + 1 summary): Impact states its figures.
w --as cbenitez analyze "$src"/data/demo/logs/* --attach "$id" >/dev/null 2>&1 || die "analyze --attach"
cfg="--config $src/data/example-config.json"
# shellcheck disable=SC2086
w $cfg export "$id" --format md -o "$tmp/a" >/dev/null 2>"$tmp/a.err" || die "export: $(cat "$tmp/a.err")"
# shellcheck disable=SC2086
w $cfg export "$id" --format md -o "$tmp/b" >/dev/null 2>&1 || die "second export"
golden=$src/tests/golden/demo-postmortem.md
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$tmp/a/postmortem.md" "$golden"; fi
diff -u "$golden" "$tmp/a/postmortem.md" >&2 || die "demo postmortem differs from $golden"
for f in "$tmp"/a/*.svg; do
    cmp -s "$f" "$tmp/b/$(basename "$f")" || die "$(basename "$f") differs between two exports"
    python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"); assert any(t.text and t.text.startswith("objective") for t in r.iter("{http://www.w3.org/2000/svg}text"))' "$f" || die "$(basename "$f") is not well-formed SVG with an objective"
done
[ "$(ls "$tmp"/a/*.svg | wc -l)" = 3 ] || die "expected 3 SLI graphs"
grep -q '](sli-loan_apply_availability.svg)' "$tmp/a/postmortem.md" || die "graph not referenced"

# GFM: headings present, every table's rows have the header's column count.
check_gfm() {
    cmark-gfm --to xml -e table "$1" > "$tmp/x.xml" || { die "cmark-gfm failed on $1"; return; }
    python3 - "$tmp/x.xml" "$2" <<'PY' || die "GFM structure of $1"
import sys, xml.etree.ElementTree as E
ns = '{http://commonmark.org/xml/1.0}'
root = E.parse(sys.argv[1]).getroot()
heads = [''.join(t.text or '' for t in h.iter(ns + 'text')) for h in root.iter(ns + 'heading')]
for want in ['Summary', 'Impact', 'Root causes', 'Trigger', 'Contributing factors', 'Five whys',
             'Resolution', 'Detection', 'Action items', 'Lessons learned', 'Timeline',
             'Supporting information']:
    assert want in heads, 'missing heading ' + want
tables = list(root.iter(ns + 'table'))
assert len(tables) >= int(sys.argv[2]), 'tables: %d' % len(tables)
for t in tables:
    rows = list(t.iter(ns + 'table_row'))
    n = len(list(rows[0]))
    for r in rows:
        assert len(list(r)) == n, 'row with %d cells in a %d-column table' % (len(list(r)), n)
    assert not list(t.iter(ns + 'html_inline')), 'raw HTML in a table'
assert not list(root.iter(ns + 'html_block')) and not list(root.iter(ns + 'html_inline')), 'raw HTML'
PY
}
check_gfm "$tmp/a/postmortem.md" 5
tl=$(python3 -c "
import sys,xml.etree.ElementTree as E
ns='{http://commonmark.org/xml/1.0}'
t=list(E.parse('$tmp/x.xml').getroot().iter(ns+'table'))[-1]
print(len(list(t.iter(ns+'table_row'))))")
[ "$tl" = 62 ] || die "timeline table has $tl rows, expected the demo's 59 entries less 1 deleted, plus 4 from the log analysis"

# Hostile text in entries and worksheet fields.
id2=$(w new "Evil | title <b>x</b>" 2>/dev/null | tail -1 | tr -dc 0-9)
[ -n "$id2" ] || { die "new"; id2=2; }
w log "$id2" 'pipe | and `tick` and <script>alert(1)</script>
second line | x' >/dev/null 2>&1 || die "log hostile"
w pm "$id2" summary 'A | B <img src=x onerror=1> `code`
next line' || die "pm summary"
w pm "$id2" five_whys 'why one
why | two' || die "pm five_whys"
w action "$id2" add 'fix | it <i>now</i>' --type prevent --owner 'Ana | B' --priority P0 --deadline 2026-03-01 >/dev/null || die "action add"
w action "$id2" add 'second' --type detect >/dev/null || die "action add 2"
w action "$id2" done 2 || die "action done"
w action "$id2" list --json | python3 -c 'import json,sys; a=json.load(sys.stdin); assert [x["status"] for x in a]==["open","done"] and a[0]["priority"]=="P0" and a[0]["deadline"].startswith("2026-03-01")' || die "action list --json"
w export "$id2" --format md -o "$tmp/h" >/dev/null 2>&1 || die "export hostile"
check_gfm "$tmp/h/postmortem.md" 4
grep -q '<script>' "$tmp/h/postmortem.md" && die "raw <script> survived"
grep -q '_To do: What could have made this worse' "$tmp/h/postmortem.md" || die "empty field prompt"
grep -q 'Time to resolve | not computed: not resolved yet' "$tmp/h/postmortem.md" || die "missing figure explanation"
grep -q 'Root causes' "$tmp/h/postmortem.md" || die "heading"

# Lint: true and false positives.
cat > "$tmp/l.md" <<'TXT'
The outage was human error.
Bob should have checked the flag.
The engineer broke the deploy.
The script logs `failed to connect` on retry.
> ERROR failed to connect: human error in config
The log said "careless write detected".
The deploy changed the retry policy.
TXT
out=$(w lint "$tmp/l.md" 2>/dev/null)
echo "$out" | grep -q 'l.md:1: blame: "human error"' || die "lint missed human error: $out"
echo "$out" | grep -q 'l.md:2: blame: "should have"' || die "lint missed should have"
echo "$out" | grep -q 'l.md:3: blame: "The engineer broke"' || die "lint missed role + fault word"
echo "$out" | grep -qE 'l.md:(4|5|6|7):' && die "lint false positive: $out"
w lint "$tmp/l.md" >/dev/null 2>&1 && die "lint should exit non-zero with findings"

# Search and report over several incidents.
w log "$id2" 'connection pool exhausted on replica' >/dev/null 2>&1
hits=$(w search pool --json) || die "search"
echo "$hits" | python3 -c 'import json,sys; h=json.load(sys.stdin); inc={x["incident"] for x in h}; assert len(inc)>=2, inc; assert all("at" in x for x in h)' || die "search across incidents: $hits"
w search 'Scoring"' >/dev/null || die "search with a quote"
w new "Second scoring outage" --service scoring-service --tags dependency >/dev/null 2>&1 || die "new 3"
rep=$(w report --since 400d --json) || die "report"
echo "$rep" | python3 -c '
import json,sys; r=json.load(sys.stdin)
assert r["incidents"]==3, r["incidents"]
rp={(x.get("service") or x.get("tag")):x["incidents"] for x in r["repeats"]}
assert rp.get("scoring-service")==2 and rp.get("dependency")==2, rp
s=r["by_severity"]["SEV2"]; assert s["mttd"]["median_ms"]==600000 and s["mttd"]["worst_ms"]==600000, s
assert r["open_action_count"]==5 and r["overdue_action_count"]==1, r' || die "report figures: $rep"

# JSON export carries the worksheet and action items; export -> import -> export is identical.
w export "$id2" -o "$tmp/e1.json" || die "json export"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["postmortem"]["five_whys"].startswith("why one") and len(d["action_items"])==2' "$tmp/e1.json" || die "json export lacks postmortem/action_items"
WARROOM_DB=$tmp/db2.sqlite "$bin" import "$tmp/e1.json" >/dev/null || die "json import"
WARROOM_DB=$tmp/db2.sqlite "$bin" export 1 -o "$tmp/e2.json" || die "json re-export"
cmp -s "$tmp/e1.json" "$tmp/e2.json" || die "export -> import -> export differs"
# the demo file has no action_items: its todo entries became action items on import
[ "$(w action "$id" list | wc -l)" = 4 ] || die "todo entries did not become action items"

[ $fail = 0 ] && echo "postmortem: ok"
exit $fail
