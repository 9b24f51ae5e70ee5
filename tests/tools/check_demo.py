#!/usr/bin/env python3
"""check_demo.py: validate a warroom incident export (default: data/demo/incident.json).

Checks the versioned exchange format the importer reads: ISO 8601 UTC times with milliseconds,
known kinds/phases/roles/severities, milestone order, entries in timeline order (as warroom
exports them), revisions numbered and dated in order, and that the state tables (severity_history, roles, milestones, phase) agree with the
severity/role/milestone/phase entries of the timeline. Prints every problem; exits 1 if any.
"""
import json
import re
import sys
from pathlib import Path

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
KINDS = {"note", "action", "decision", "hypothesis", "todo", "comms", "alert", "milestone",
         "phase", "severity", "role", "sli", "fact"}
PHASES = ["DETECT", "TRIAGE", "RESPOND", "MITIGATE", "RESOLVE", "REVIEW"]
MILESTONES = ["started", "detected", "declared", "mitigated", "resolved", "closed"]
ROLE_TITLES = {"ic": "Incident Commander", "comms": "Communications Lead",
               "ops": "Operations Lead", "sme": "Subject Matter Expert", "scribe": "Scribe"}
SINGLE_HOLDER = {"ic", "comms", "ops", "scribe"}

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def iso(where, value):
    if not isinstance(value, str) or not ISO.match(value):
        bad(where, "time %r is not UTC ISO 8601 with milliseconds (2026-03-10T12:05:00.000Z)"
            % (value,))
        return False
    return True


def check(doc):
    if doc.get("format") != "warroom-incident":
        bad("format", "expected \"warroom-incident\", got %r" % doc.get("format"))
    if doc.get("version") != 1:
        bad("version", "expected 1, got %r" % doc.get("version"))
    inc = doc.get("incident", {})
    for key in ("uid", "title", "summary", "impact", "phase", "created"):
        if not isinstance(inc.get(key), str) or not inc.get(key):
            bad("incident." + key, "missing or empty")
    for key in ("services", "tags"):
        if not isinstance(inc.get(key), list) or not all(isinstance(s, str) and s
                                                         for s in inc.get(key, [None])):
            bad("incident." + key, "must be a non-empty list of strings")
    if inc.get("phase") not in PHASES:
        bad("incident.phase", "unknown phase %r" % inc.get("phase"))
    if inc.get("severity") not in (0, 1, 2, 3, 4):
        bad("incident.severity", "must be 0..4, got %r" % inc.get("severity"))
    iso("incident.created", inc.get("created"))

    # Milestones: known names, ISO times, never going backwards.
    ms = inc.get("milestones", {})
    for name, at in ms.items():
        if name not in MILESTONES:
            bad("incident.milestones", "unknown milestone %r" % name)
        iso("incident.milestones." + name, at)
    ordered = [(n, ms[n]) for n in MILESTONES if n in ms]
    for (n1, t1), (n2, t2) in zip(ordered, ordered[1:]):
        if t1 > t2:
            bad("incident.milestones", "%s (%s) is after %s (%s)" % (n1, t1, n2, t2))

    # Severity history: ISO, 1..4, chronological; current severity is the last one.
    sh = doc.get("severity_history", [])
    for i, s in enumerate(sh):
        iso("severity_history[%d].at" % i, s.get("at"))
        if s.get("severity") not in (1, 2, 3, 4):
            bad("severity_history[%d]" % i, "severity must be 1..4")
        if not s.get("rationale") or not s.get("author"):
            bad("severity_history[%d]" % i, "rationale and author are required")
    if [s.get("at") for s in sh] != sorted(s.get("at") for s in sh):
        bad("severity_history", "not in time order")
    if sh and inc.get("severity") != sh[-1].get("severity"):
        bad("incident.severity", "is %r but the last severity_history entry says %r"
            % (inc.get("severity"), sh[-1].get("severity")))
    if not sh and inc.get("severity", 0) != 0:
        bad("incident.severity", "set without any severity_history")

    # Roles: known, chronological, `current` marks exactly the holders in force.
    roles = doc.get("roles", [])
    for i, r in enumerate(roles):
        iso("roles[%d].at" % i, r.get("at"))
        if r.get("role") not in ROLE_TITLES:
            bad("roles[%d]" % i, "unknown role %r" % r.get("role"))
        if not isinstance(r.get("current"), bool):
            bad("roles[%d]" % i, "current must be true or false")
    if [r.get("at") for r in roles] != sorted(r.get("at") for r in roles):
        bad("roles", "not in time order")
    for key in SINGLE_HOLDER:
        held = [r for r in roles if r.get("role") == key]
        for r in held[:-1]:
            if r.get("current"):
                bad("roles", "%s %r is marked current but was later reassigned" % (key, r["name"]))
        if held and not held[-1].get("current") and held[-1].get("name"):
            bad("roles", "latest %s assignment (%r) should be current" % (key, held[-1]["name"]))

    # Entries: ISO times, revisions 1..n in order, valid kinds, recorded after `at`.
    entries = doc.get("entries", [])
    finals = []
    prev_at = ""
    for i, e in enumerate(entries):
        where = "entries[%d]" % i
        if not iso(where + ".recorded", e.get("recorded")):
            continue
        if e["recorded"] < inc.get("created", ""):
            bad(where, "recorded before the incident was created")
        revs = e.get("revisions", [])
        if not revs:
            bad(where, "has no revisions")
            continue
        for j, r in enumerate(revs):
            rw = "%s.revisions[%d]" % (where, j)
            if r.get("rev") != j + 1:
                bad(rw, "rev is %r, expected %d" % (r.get("rev"), j + 1))
            iso(rw + ".changed", r.get("changed"))
            iso(rw + ".at", r.get("at"))
            if r.get("kind") not in KINDS:
                bad(rw, "unknown kind %r" % r.get("kind"))
            if not isinstance(r.get("text"), str) or not r["text"].strip():
                bad(rw, "empty text")
            if not r.get("author"):
                bad(rw, "missing author")
            for flag in ("pinned", "deleted"):
                if not isinstance(r.get(flag), bool):
                    bad(rw, "%s must be true or false" % flag)
            if j and str(r.get("changed")) <= str(revs[j - 1].get("changed")):
                bad(rw, "changed is not after the previous revision")
            if j and revs[j - 1].get("deleted"):
                bad(rw, "revision after a deletion")
        if revs[0].get("changed") != e["recorded"]:
            bad(where, "revision 1 changed %s differs from recorded %s"
                % (revs[0].get("changed"), e["recorded"]))
        if str(revs[0].get("at")) > e["recorded"]:
            bad(where, "happens (at %s) after it was recorded (%s)" % (revs[0]["at"],
                                                                      e["recorded"]))
        # Timeline order (current `at`), as warroom exports it, so a re-export is identical.
        if str(revs[-1].get("at")) < prev_at:
            bad(where, "at %s is before the previous entry's %s: entries are in timeline order"
                % (revs[-1].get("at"), prev_at))
        prev_at = str(revs[-1].get("at"))
        finals.append(dict(revs[-1], _data=e.get("data")))

    live = [r for r in finals if not r.get("deleted")]

    # Timeline entries of the state kinds must match the state tables, one for one.
    sev_entries = sorted((r["at"], r["text"]) for r in live if r["kind"] == "severity")
    if len(sev_entries) != len(sh):
        bad("entries", "%d severity entries but %d severity_history items"
            % (len(sev_entries), len(sh)))
    prev_sev = 0
    for (at, text), s in zip(sev_entries, sh):
        # The text warroom writes itself (store_severity_set), so the demo reads like real use.
        want = ("Severity SEV%d → SEV%d" % (prev_sev, s.get("severity")) if prev_sev
                else "Severity set to SEV%d" % s.get("severity"))
        want += ": " + s["rationale"] if s.get("rationale") else ""
        prev_sev = s.get("severity")
        if at != s.get("at") or text != want:
            bad("entries", "severity entry at %s %r does not match history %s %r"
                % (at, text, s.get("at"), want))

    role_entries = sorted((r["at"], r["text"]) for r in live if r["kind"] == "role")
    if len(role_entries) != len(roles):
        bad("entries", "%d role entries but %d roles" % (len(role_entries), len(roles)))
    holder = {}
    for (at, text), r in zip(role_entries, roles):
        title, name = ROLE_TITLES.get(r.get("role"), "?"), r.get("name")
        before = holder.get(r.get("role"), "") if r.get("role") in SINGLE_HOLDER else ""
        if not name:
            want = "%s released" % title + (" by " + before if before else "")
        elif before:
            want = "%s handed off from %s to %s" % (title, before, name)
        else:
            want = "%s: %s" % (title, name)
        if r.get("note"):
            want += " (note: %s)" % r["note"]
        holder[r.get("role")] = name or ""
        if at != r.get("at") or text != want:
            bad("entries", "role entry at %s %r does not match roles %s %r"
                % (at, text, r.get("at"), want))

    ms_entries = {}
    for r in live:
        if r["kind"] == "milestone" and r["text"].startswith("Incident opened"):
            continue  # `warroom new` marks the creation itself; it names no milestone
        if r["kind"] == "milestone":
            m = re.match(r"^(?:Moved )?[Mm]ilestone (\w+)(?::|$)", r["text"])
            if not m:
                bad("entries", "milestone entry %r does not start with 'Milestone NAME'"
                    % r["text"])
                continue
            ms_entries[m.group(1)] = r["at"]
    if ms_entries != ms:
        bad("entries", "milestone entries %s do not match incident.milestones %s"
            % (ms_entries, ms))

    phase_entries = []
    for r in sorted((r for r in live if r["kind"] == "phase"), key=lambda r: r["at"]):
        m = re.match(r"^Phase (\w+) → (\w+)(?::|$)", r["text"])
        if not m or m.group(2) not in PHASES:
            bad("entries", "phase entry %r does not read 'Phase FROM → TO'" % r["text"])
            continue
        if m.group(1) != (phase_entries[-1] if phase_entries else "DETECT"):
            bad("entries", "phase entry %r does not start from the phase before it" % r["text"])
        phase_entries.append(m.group(2))
    idx = [PHASES.index(p) for p in phase_entries]
    if idx != sorted(idx):
        bad("entries", "phases go backwards: %s" % " → ".join(phase_entries))
    last = phase_entries[-1] if phase_entries else "DETECT"
    if last != inc.get("phase"):
        bad("incident.phase", "is %r but the last phase entry says %r" % (inc.get("phase"), last))

    # Facts: their history is the fact entries (data {"fact", "value"}); the last value of each
    # must be what the incident holds (summary, impact, tz) or the "facts" object has.
    FACT_KEYS = {"summary", "impact", "customer_service", "symptom", "customer_impact", "cause",
                 "cause_confirmed", "next_step", "mitigation", "tz"}
    last_fact = {}
    for r in sorted((r for r in live if r["kind"] == "fact"), key=lambda r: r["at"]):
        try:
            data = json.loads(r.get("_data") or "null")
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("fact") not in FACT_KEYS or \
                not isinstance(data.get("value"), str):
            bad("entries", "fact entry at %s has no data {fact, value}" % r["at"])
            continue
        last_fact[data["fact"]] = (data["value"], r["at"], r["author"])
    facts = doc.get("facts", {})
    for key in ("summary", "impact", "tz"):
        if key in last_fact and last_fact[key][0] != inc.get(key, ""):
            bad("incident." + key, "differs from its last fact entry")
    for key, (value, at, author) in last_fact.items():
        if key in ("summary", "impact", "tz"):
            continue
        f = facts.get(key)
        if value and (not f or f.get("value") != value or f.get("updated") != at or
                      f.get("author") != author):
            bad("facts." + key, "differs from its last fact entry (%r at %s by %s)"
                % (value, at, author))
        if not value and f:
            bad("facts." + key, "was cleared by its last fact entry")
    for key in facts:
        if key not in last_fact:
            bad("facts." + key, "has no fact entry in the timeline")

    # Nothing on the timeline happens before impact began (when known).
    if "started" in ms:
        for r in live:
            if r["at"] < ms["started"]:
                bad("entries", "entry at %s is before the started milestone" % r["at"])


def main():
    root = Path(__file__).resolve().parents[2]
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "demo" / "incident.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print("%s: cannot read: %s" % (path, exc), file=sys.stderr)
        return 1
    check(doc)
    for p in problems:
        print("%s: %s" % (path, p), file=sys.stderr)
    if problems:
        return 1
    n = len(doc.get("entries", []))
    print("%s: ok (%d entries)" % (path, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
