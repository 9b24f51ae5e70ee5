#!/usr/bin/env python3
"""An independent computation of `warroom analyze`'s figures, for its tests.

    analyze_reference.py WARROOM_JSON FILE...  [--map status=statusCode ...]

Reads the same log files with Python's json and gzip modules, computes requests, errors,
availability, per-endpoint exact nearest-rank percentiles and error-type counts from the
definitions in README.md ("Log analysis"), and compares them with the JSON report warroom
wrote (WARROOM_JSON): counts must be equal, percentiles within the stated 1%. Exit 1 and a
line per difference when they disagree.
"""

import gzip
import json
import math
import re
import sys
from datetime import datetime, timezone

HEALTH = {"/healthz", "/readyz", "/livez", "/health"}
ERROR_LEVELS = {"error", "err", "fatal", "critical", "crit", "alert", "emerg", "emergency", "panic", "severe"}


def open_text(path):
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="surrogateescape")
    return open(path, "rt", encoding="utf-8", errors="surrogateescape")


def id_segment(s):
    if re.fullmatch(r"[0-9]+", s):
        return True
    if re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", s):
        return True
    if len(s) >= 12 and re.fullmatch(r"[0-9a-fA-F]+", s) and re.search(r"[0-9]", s):
        return True
    if not re.fullmatch(r"[A-Za-z0-9_-]+", s):
        return False
    if re.search(r"[0-9]{4}$", s):
        return True
    return len(s) >= 20 and re.search(r"[0-9]", s) and re.search(r"[A-Za-z]", s)


def normalise(path):
    m = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]*(.*)$", path)
    if m:
        path = m.group(1)
    path = re.split(r"[?#]", path)[0]
    segs = [("{id}" if id_segment(s) else s) for s in path.split("/") if s]
    return "/" + "/".join(segs)


RULES = [("pool exhausted", "pool", "connection pool exhausted"),
         ("pool is exhausted", "pool", "connection pool exhausted"),
         ("connection is not available", "pool", "connection pool exhausted"),
         ("acquiring connection", "pool", "connection pool exhausted"),
         ("acquire connection", "pool", "connection pool exhausted"),
         ("too many connections", "pool", "too many connections"),
         ("remaining connection slots", "pool", "too many connections"),
         ("connection refused", "connection", "connection refused"),
         ("econnrefused", "connection", "connection refused"),
         ("connection reset", "connection", "connection reset"),
         ("econnreset", "connection", "connection reset"),
         ("reset by peer", "connection", "connection reset"),
         ("broken pipe", "connection", "connection reset"),
         ("could not connect", "connection", "connection failed"),
         ("connection closed", "connection", "connection closed"),
         ("connection terminated", "connection", "connection closed"),
         ("connectexception", "connection", "connection failed"),
         ("connection error", "connection", "connection failed"),
         ("timed out", "timeout", "timeout"), ("timeout", "timeout", "timeout"),
         ("deadline exceeded", "timeout", "timeout"), ("etimedout", "timeout", "timeout")]


def dependency_from(msg):
    m = re.search(r"://(?:[^/?#\s\"]*@)?([A-Za-z0-9._-]+)", msg)
    if m:
        return m.group(1).rstrip(".-")
    for lead in ["host=", "dependency=", "calling ", " to ", "from ", "dial tcp "]:
        for mm in re.finditer(re.escape(lead), msg, re.I):
            rest = re.match(r"[A-Za-z0-9._-]*", msg[mm.end():]).group(0)
            after = msg[mm.end() + len(rest):mm.end() + len(rest) + 1]
            if len(rest) >= 3 and ("." in rest or "-" in rest or after == ":"):
                return rest.rstrip(".-")
    m = re.search(r"([A-Za-z0-9._-]{3,}):[0-9]", msg)
    if m and "." in m.group(1):
        return m.group(1).rstrip(".-")
    return ""


def classify(etype, msg, status):
    what = None
    for text in ([etype] if etype else []) + ([msg] if msg else []):
        low = text.lower()
        for needle, cls, w in RULES:
            if needle in low:
                what = w
                break
        if what:
            break
    if etype:
        return etype
    if what:
        return what
    if status >= 500:
        return "HTTP %d" % status
    return "unclassified error"


def get(obj, name):
    for part in name.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


class Ref:
    def __init__(self, maps):
        self.names = {"http_status": ["http_status", "status"], "http_method": ["http_method", "method"],
                      "http_path": ["http_path", "path"], "duration_ms": ["duration_ms"],
                      "level": ["level", "severity"], "error_type": ["error_type"],
                      "error_message": ["error_message"], "message": ["message", "msg"],
                      "dependency": ["dependency"]}
        self.scale = 1.0
        alias = {"status": "http_status", "method": "http_method", "path": "http_path",
                 "duration": "duration_ms"}
        for m in maps:
            field, name = m.split("=", 1)
            field = alias.get(field, field)
            if ":" in name:
                name, unit = name.rsplit(":", 1)
                self.scale = {"ms": 1, "s": 1000, "us": 0.001, "ns": 1e-6}[unit]
            self.names[field] = [name]
        self.lines = self.malformed = self.requests = self.errors = 0
        self.ep = {}
        self.etypes = {}
        self.minutes = {}  # minute -> [requests, errors, durations]
        self.all_durs = []
        self.env = None  # the envelope time of the line being read (ms)

    def field(self, obj, f):
        for n in self.names[f]:
            v = get(obj, n)
            if v is not None and not isinstance(v, (dict, list, bool)):
                return v
        return None

    def when(self, obj):
        """The line's time in ms: its own timestamp field, else the envelope's."""
        if obj is not None:
            for n in ["timestamp", "@timestamp", "time", "ts"]:
                v = obj.get(n) if isinstance(obj, dict) else None
                if v is None or isinstance(v, (dict, list, bool)):
                    continue
                if isinstance(v, (int, float)):
                    x = float(v)
                else:
                    m = re.match(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?(Z|z|[+-]\d\d(?::?\d\d)?)?", v)
                    if m:
                        y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
                        sec = int(m.group(6) or 0)
                        frac = int(((m.group(7) or "0") + "000")[:3])
                        t = datetime(y, mo, d, h, mi, sec, tzinfo=timezone.utc).timestamp()
                        z = m.group(8)
                        if z and z not in "Zz":
                            sign = -1 if z[0] == "-" else 1
                            digits = z[1:].replace(":", "")
                            t -= sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
                        return int(t) * 1000 + frac
                    if not re.fullmatch(r"\d+(\.\d*)?", v):
                        continue
                    x = float(v.split(".")[0])
                if x <= 0:
                    continue
                return int(x / 1e6) if x > 1e17 else int(x / 1e3) if x > 1e14 else int(x) if x > 1e11 else int(x * 1000)
        return self.env

    def record(self, obj, alb=None):
        ts = self.when(obj)
        minute = ts // 60000 if ts is not None else None
        if alb:
            status, method, path, dur, etype, dep, msg, level = alb
        else:
            status = self.field(obj, "http_status")
            try:
                status = float(status) if status is not None else None
            except ValueError:
                status = None
            status = int(status) if status is not None and status == int(status) and 100 <= status <= 599 else None
            method = str(self.field(obj, "http_method") or "")
            path = str(self.field(obj, "http_path") or "")
            dur = self.field(obj, "duration_ms")
            try:
                dur = float(dur) * self.scale if dur is not None else None
            except ValueError:
                dur = None
            etype = self.field(obj, "error_type")
            dep = self.field(obj, "dependency")
            msg = self.field(obj, "error_message") or self.field(obj, "message")
            level = self.field(obj, "level")
        request = status is not None
        if request:
            norm = normalise(path)
            if norm in HEALTH:
                return
            key = (method.upper()[:16] + " " if method else "") + norm
            e = self.ep.setdefault(key, [0, 0, []])
            mm = self.minutes.setdefault(minute, [0, 0, []]) if minute is not None else [0, 0, []]
            e[0] += 1
            mm[0] += 1
            self.requests += 1
            if status >= 500:
                e[1] += 1
                mm[1] += 1
                self.errors += 1
            if dur is not None and dur >= 0:
                e[2].append(dur)
                mm[2].append(dur)
                self.all_durs.append(dur)
        bad = request and status >= 500
        lvl = isinstance(level, str) and level.lower() in ERROR_LEVELS
        if isinstance(level, (int, float)) and not isinstance(level, bool):
            lvl = level >= 50
        if not (bad or lvl or (level is None and not request and etype)):
            return
        etype = str(etype) if etype else ""
        msg = str(msg) if msg else ""
        t = classify(etype, msg[:1024], status or 0)
        d = str(dep) if dep else dependency_from(msg[:1024])
        self.etypes[(t, d)] = self.etypes.get((t, d), 0) + 1

    def message(self, text):
        text = text.strip()
        if text.startswith("{"):
            try:
                obj = json.loads(text)
            except ValueError:
                self.malformed += 1
                return
            if not isinstance(obj, dict):
                self.malformed += 1
                return
            self.record(obj)
        else:
            head = text[:96]
            err = re.search(r"(^|[^A-Za-z0-9])(ERROR|FATAL|CRITICAL|PANIC)([^A-Za-z0-9]|$)", head) or \
                re.search(r"[=\[](error|fatal|critical|panic)([^A-Za-z0-9]|$)", head, re.I)
            self.record({"message": text, "level": "error"} if err else {"message": text})

    def file(self, path):
        with open_text(path) as f:
            text = f.read()
        first = text.lstrip()[:64]
        if first.startswith("[") or re.match(r'\{\s*"(events|searchedLogStreams|nextToken)"', first):
            doc = json.loads(text)
            events = doc["events"] if isinstance(doc, dict) else doc
            for ev in events:
                self.lines += 1
                self.env = int(ev["timestamp"])
                self.message(ev["message"])
            return
        for line in text.split("\n"):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            self.lines += 1
            if re.match(r"^(https?|h2|grpcs|wss?) \d{4}-", line):
                self.alb(line)
            elif re.match(r"^\d{4}-\d\d-\d\dT", line):
                parts = line.split(" ", 1)
                self.env = None
                self.env = self.when({"timestamp": parts[0]})
                self.message(parts[1] if len(parts) > 1 else "")
            else:
                self.env = None
                line = line.strip()
                try:
                    obj = json.loads(line)
                except ValueError:
                    self.malformed += 1
                    continue
                if not isinstance(obj, dict):
                    self.malformed += 1
                    continue
                self.record(obj)

    def alb(self, line):
        toks = re.findall(r'"[^"]*"|[^ ]+', line)
        toks = [t[1:-1] if t.startswith('"') else t for t in toks]
        if toks[8] == "-":
            return  # the client left before a response: a line, not a request
        status = int(toks[8])
        method, url, _ = toks[12].split(" ", 2)
        times = [float(x) for x in toks[5:8]]
        if all(x >= 0 for x in times):
            dur = sum(times) * 1000
        else:
            t = datetime.strptime(toks[1], "%Y-%m-%dT%H:%M:%S.%fZ")
            c = datetime.strptime(toks[21], "%Y-%m-%dT%H:%M:%S.%fZ")
            dur = float(int((t - c).total_seconds() * 1000))
        self.env = None
        self.env = self.when({"timestamp": toks[1]})
        etype = dep = None
        if status >= 500 and toks[9] == "-":
            etype = {504: "ALB 504: target timeout", 503: "ALB 503: no healthy target",
                     502: "ALB 502: target connection failed"}.get(status)
            dep = toks[16].split("/")[1]
        self.record(None, (status, method, url, dur, etype, dep, "", None))


def nearest_rank(values, q):
    v = sorted(values)
    k = max(1, math.ceil(q * len(v)))
    return v[k - 1]


def main(argv):
    maps = []
    args = []
    i = 1
    while i < len(argv):
        if argv[i] == "--map":
            maps.append(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    with open(args[0]) as f:
        got = json.load(f)
    ref = Ref(maps)
    for p in args[1:]:
        ref.file(p)
    bad = []

    def same(what, a, b):
        if a != b:
            bad.append("%s: warroom %r, reference %r" % (what, a, b))

    same("lines", got["lines"], ref.lines)
    same("malformed", got["malformed"], ref.malformed)
    same("requests", got["requests"], ref.requests)
    same("errors", got["errors"], ref.errors)
    if ref.requests:
        same("availability", round(got["availability"], 12), round((ref.requests - ref.errors) / ref.requests, 12))
    eps = {e["endpoint"]: e for e in got["endpoints"]}
    same("endpoint names", sorted(eps), sorted(ref.ep))
    checked = 0
    for k, (n, e, durs) in ref.ep.items():
        g = eps.get(k)
        if not g:
            continue
        same(k + " requests", g["requests"], n)
        same(k + " errors", g["errors"], e)
        for q, name in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
            if not durs:
                same(k + " " + name, g[name], None)
                continue
            exact = nearest_rank(durs, q)
            tol = 0.01 * exact + 0.0011  # 1% relative, plus the 3-decimal rounding of the report
            if g[name] is None or abs(g[name] - exact) > tol:
                bad.append("%s %s: warroom %r, exact %r (more than 1%% off)" % (k, name, g[name], exact))
            checked += 1
    for q, name in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
        if ref.all_durs:
            exact = nearest_rank(ref.all_durs, q)
            if got[name] is None or abs(got[name] - exact) > 0.01 * exact + 0.0011:
                bad.append("overall %s: warroom %r, exact %r" % (name, got[name], exact))
            checked += 1
    # the per-minute series: every minute from the first to the last, exact counts, p99 in 1%
    mins = {}
    for m in got["minutes"]:
        t = datetime.strptime(m["t"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        mins[int(t.timestamp()) // 60] = m
    for minute, (n, e, durs) in ref.minutes.items():
        g = mins.get(minute)
        if not g:
            bad.append("minute %d missing" % minute)
            continue
        same("minute %d requests" % minute, g["requests"], n)
        same("minute %d errors" % minute, g["errors"], e)
        if durs:
            exact = nearest_rank(durs, 0.99)
            if g["p99_ms"] is None or abs(g["p99_ms"] - exact) > 0.01 * exact + 0.0011:
                bad.append("minute %d p99: warroom %r, exact %r" % (minute, g["p99_ms"], exact))
            checked += 1
    for minute, g in mins.items():
        if minute not in ref.minutes and (g["requests"] or g["errors"]):
            bad.append("minute %d: warroom counts requests the reference has none for" % minute)
    ets = {(t["type"], t["dependency"]): t["count"] for t in got["error_types"]}
    same("error types", ets, ref.etypes)
    for b in bad:
        print("analyze_reference: " + b, file=sys.stderr)
    print("analyze_reference: %d lines, %d requests, %d endpoints, %d minutes, %d percentiles, %d error types compared: %s"
          % (ref.lines, ref.requests, len(ref.ep), len(ref.minutes), checked, len(ref.etypes), "FAIL" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
