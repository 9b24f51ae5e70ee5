#!/usr/bin/env python3
"""demo_at.py: an incident export as it stood at an earlier time.

    python3 tests/tools/demo_at.py data/demo/incident.json 2026-03-10T12:20:00.000Z > at.json

Keeps what had been recorded by then: entries recorded at or before the time (with only the
revisions made by then), the severity changes and role assignments made by then, the milestones
whose entries exist, the phase of the last phase entry, and the facts as their last fact entries
left them. The result imports like any export, so every phase of the demo can be rendered and
checked (tests/cli/story.sh).
"""
import json
import re
import sys

SINGLE_HOLDER = {"ic", "comms", "ops", "scribe"}


def at_time(doc, t):
    out = json.loads(json.dumps(doc))
    inc = out["incident"]
    entries = []
    for e in doc["entries"]:
        if e["recorded"] > t:
            continue
        revs = [r for r in e["revisions"] if r["changed"] <= t]
        if revs:
            entries.append(dict(e, revisions=revs))
    entries.sort(key=lambda e: e["revisions"][-1]["at"])
    out["entries"] = entries
    live = [(e, e["revisions"][-1]) for e in entries if not e["revisions"][-1]["deleted"]]

    ms = {}
    for _, r in live:
        m = re.match(r"^(?:Moved )?[Mm]ilestone (\w+)(?::|$)", r["text"])
        if r["kind"] == "milestone" and m:
            ms[m.group(1)] = r["at"]
    inc["milestones"] = {k: v for k, v in doc["incident"]["milestones"].items() if k in ms}

    phase = "DETECT"
    for _, r in live:
        m = re.match(r"^Phase \w+ → (\w+)", r["text"])
        if r["kind"] == "phase" and m:
            phase = m.group(1)
    inc["phase"] = phase

    out["severity_history"] = [s for s in doc["severity_history"] if s["at"] <= t]
    inc["severity"] = out["severity_history"][-1]["severity"] if out["severity_history"] else 0

    roles = [dict(r) for r in doc["roles"] if r["at"] <= t]
    for i, r in enumerate(roles):
        later = [x for x in roles[i + 1:] if x["role"] == r["role"]]
        r["current"] = bool(r["name"]) and not (r["role"] in SINGLE_HOLDER and later)
    out["roles"] = roles

    facts = {}
    inc["summary"] = inc["impact"] = ""
    for e, r in live:
        if r["kind"] != "fact":
            continue
        data = json.loads(e["data"])
        key, value = data["fact"], data["value"]
        if key in ("summary", "impact", "tz"):
            inc[key] = value
        elif value:
            facts[key] = {"value": value, "updated": r["at"], "author": r["author"]}
        else:
            facts.pop(key, None)
    if facts:
        out["facts"] = dict(sorted(facts.items()))
    else:
        out.pop("facts", None)
    out.pop("action_items", None)  # rebuilt from the todo entries on import
    return out


def main():
    if len(sys.argv) != 3:
        print("usage: demo_at.py EXPORT.json ISO-TIME", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    json.dump(at_time(doc, sys.argv[2]), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
