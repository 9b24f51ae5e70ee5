#!/usr/bin/env python3
"""cloudwatch_capture.py: a loopback stand-in for CloudWatch's GetMetricData endpoint.
Prints its port, then for each POST appends {method, path, headers, body} to CAPTURE_FILE
(one JSON object per line) and answers: status 200 with MetricDataResults for the Ids asked
("p99", "ok", "all"), one point per minute over the request's last five minutes; a request
whose MetricDataQueries has Id "denied" gets HTTP 400 AccessDenied.
Usage: cloudwatch_capture.py CAPTURE_FILE
"""
import http.server
import json
import sys

CAPTURE = sys.argv[1]
P99_SECONDS = [0.30, 0.35, 0.90, 1.20, 0.95]        # oldest first
OK = [980.0, 990.0, 940.0, 930.0, 960.0]
ALL = [1000.0, 1000.0, 1000.0, 1000.0, 1000.0]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8")
        with open(CAPTURE, "a") as f:
            f.write(json.dumps({"method": "POST", "path": self.path,
                                "headers": [[k, v] for k, v in self.headers.items()],
                                "body": body}) + "\n")
        req = json.loads(body)
        ids = [q["Id"] for q in req["MetricDataQueries"]]
        if "denied" in ids:
            out = json.dumps({"__type": "com.amazon.coral.service#AccessDeniedException",
                              "message": "User is not authorized to perform cloudwatch:GetMetricData"})
            code = 400
        else:
            end = int(req["EndTime"])
            ts = [end - 60 * (4 - i) for i in range(5)]
            series = {"p99": P99_SECONDS, "ok": OK, "all": ALL}
            out = json.dumps({"MetricDataResults": [
                {"Id": i, "Label": i, "StatusCode": "Complete", "Timestamps": ts,
                 "Values": series[i]} for i in ids if i in series], "Messages": []})
            code = 200
        data = out.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
