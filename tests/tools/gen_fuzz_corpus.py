#!/usr/bin/env python3
"""gen_fuzz_corpus.py: write the fuzz targets' seed corpus (tests/fuzz/corpus/NAME/) from the
project's fixtures: data/, templates/, the responses the unit tests use, README examples.

Run from the checkout: python3 tests/tools/gen_fuzz_corpus.py. Seeds are named by what they are;
regression inputs (regress-*) kept beside them are never touched. Deterministic: running it
twice changes nothing."""
import json
import os
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(top, "tests", "fuzz", "corpus")


def read(rel):
    with open(os.path.join(top, rel), "rb") as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- the input line (README "The input line") and times
for i, line in enumerate([
        "ALB 5xx rising on /loan/apply", "! roll back scoring to v41",
        "> checking Aurora connection pool", "? scoring provider timing out",
        "TODO: alert on dependency error rate", "+ add a runbook", "~ status page updated",
        "# burn-rate fast window firing", "decision: page the scoring vendor", "*! rollback approved",
        "@09:15 ? retries amplifying load", "@-10m > restarted pods", "\\? is not a hypothesis here",
        "@2026-11-21T09:15:30.250+02:00 *> scaled out", "Re: http://x", "milestone: mitigated",
        "caf\u00e9 \u6f22\u5b57 \U0001f525"]):
    put("fuzz_input", "line-%02d" % i, line)
for i, t in enumerate(["2026-11-21T09:15Z", "2026-11-21T09:15:30.250+02:00", "2026-11-21T09:15",
                       "2026-11-21 09:15", "09:15", "09:15:30", "-15m", "-2h", "-90s", "-1h30m",
                       "-1d", "now", "28d", "5m", "1h", "3d"]):
    put("fuzz_time", "time-%02d" % i, t)

# ---- Prometheus: byte 0 = bit 0 range, bits 1-2 HTTP status index (200, 400, 422, 503)
prom = {
    "vector": (0, {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {}, "value": [1773146400.5, "0.25"]}]}}),
    "scalar-nan-warnings": (0, {"status": "success", "warnings": ["w1", "w2"], "data": {
        "resultType": "scalar", "result": [1, "NaN"]}}),
    "scalar-inf": (0, {"status": "success", "data": {"resultType": "scalar", "result": [1, "+Inf"]}}),
    "matrix": (1, {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"job": "api"}, "values": [[10, "1"], [20, "-Inf"], [30, "3.5"]]}]}}),
    "empty": (0, {"status": "success", "data": {"resultType": "vector", "result": []}}),
    "two-series": (0, {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {}, "value": [1, "1"]}, {"metric": {}, "value": [1, "2"]}]}}),
    "error-503": (6, {"status": "error", "errorType": "timeout", "error": "query timed out"}),
    "bad-data-400": (2, {"status": "error", "errorType": "bad_data",
                         "error": "1:5: parse error: unexpected end of input"}),
}
for name, (flags, body) in prom.items():
    put("fuzz_prometheus", name, bytes([flags]) + json.dumps(body).encode())
put("fuzz_prometheus", "html-502", b"\x06<html><body>502 Bad Gateway</body></html>")

# ---- CloudWatch: byte 0 = bits 0-1 status (200, 200, 400, 500), bits 2-3 ids (first, m1,
# good/total, m1 ratio)
cw = {
    "two-results": (1 << 2, {"MetricDataResults": [
        {"Id": "a", "StatusCode": "Complete", "Timestamps": [1, 2], "Values": [5, 6]},
        {"Id": "m1", "StatusCode": "Complete", "Timestamps": [300, 100, 200],
         "Values": [3.5, 1.5, 2.5]}], "Messages": []}),
    "ratio": (2 << 2, {"MetricDataResults": [
        {"Id": "good", "Timestamps": [60, 120, 180], "Values": [90, 0, 45]},
        {"Id": "total", "Timestamps": [60, 120, 180], "Values": [100, 0, 50]}]}),
    "validation-400": (2, {"__type": "com.amazon.coral.validate#ValidationException",
                           "message": "The parameter StartTime must be before EndTime"}),
    "forbidden": (1 << 2, {"MetricDataResults": [
        {"Id": "m1", "StatusCode": "Forbidden",
         "Messages": [{"Code": "x", "Value": "no access to namespace"}],
         "Timestamps": [], "Values": []}]}),
    "partial-iso": (0, {"MetricDataResults": [
        {"Id": "a", "StatusCode": "PartialData", "Timestamps": ["2026-03-10T13:00:00Z"],
         "Values": [7]}], "NextToken": "t"}),
}
for name, (flags, body) in cw.items():
    put("fuzz_cloudwatch", name, bytes([flags]) + json.dumps(body).encode())

# ---- generic JSON endpoint: "PATH\nBODY"
put("fuzz_json_source", "nested", 'data.result[0].value\n{"data":{"result":[{"value":0.997}]}}')
put("fuzz_json_source", "string-number", 'success_rate\n{"success_rate":"0.93"}')
put("fuzz_json_source", "missing", 'a.b\n{"a":{"c":1}}')

# ---- files users write or receive
put("fuzz_config", "example-config.json", read("data/example-config.json"))
put("fuzz_config", "demo-config.json", read("data/demo/config.json"))
put("fuzz_severity", "severity.json", read("data/severity.json"))
put("fuzz_severity", "override-cadence.json", '{"levels":{"SEV2":{"cadence_minutes":20}}}')
put("fuzz_replay", "demo-replay.json", read("data/demo/replay.json"))
put("fuzz_import", "demo-incident.json", read("data/demo/incident.json"))
# A small valid document too (the demo's first entries): cheap to mutate, deep to reach.
small = json.loads(read("data/demo/incident.json"))
small["entries"] = small["entries"][:3]
put("fuzz_import", "small-incident.json", json.dumps(small, ensure_ascii=False, indent=1))
put("fuzz_lint", "postmortem-template.md", read("templates/postmortem.md"))
put("fuzz_lint", "demo-postmortem.md", read("tests/golden/demo-postmortem.md"))
# templates: byte 0 = escaping (bits 0-1) and strict (bit 2); then TEMPLATE \0 PARTIAL
roles = read("templates/_roles.mustache")
for name in sorted(os.listdir(os.path.join(top, "templates"))):
    if name.endswith(".mustache"):
        put("fuzz_template", name, bytes([0]) + read("templates/" + name) + b"\0" + roles)
put("fuzz_template", "self-partial", b"\x04{{#list}}{{> self}}{{/list}}\0")
put("fuzz_template", "sections", b"\x01{{#incident}}{{title}}{{^tags}}none{{/tags}}{{/incident}}"
    b"{{! comment }}{{=<% %>=}}<% flag %><%={{ }}=%>{{> p}}\0{{{incident.title}}}")
print("corpus written to", out, file=sys.stderr)
