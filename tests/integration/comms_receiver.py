#!/usr/bin/env python3
"""comms_receiver.py: a local HTTP receiver for the comms destinations test.

Prints its port on stdout once listening, then appends one JSON line per request
(method, path, headers, body) to the log file. Usage: comms_receiver.py LOG [PORT]
Statuspage POST .../incidents answers {"id": "sp-1"}; PagerDuty /v2/enqueue answers 202.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

LOG = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0


class Handler(BaseHTTPRequestHandler):
    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        rec = {"method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        code, reply = 200, b"ok"
        if self.path.endswith("/incidents") and self.command == "POST":
            code, reply = 201, json.dumps({"id": "sp-1", "status": "investigating"}).encode()
        elif self.path == "/v2/enqueue":
            code, reply = 202, b'{"status":"success","message":"Event processed"}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = do_PATCH = _handle

    def log_message(self, *args):
        pass


srv = HTTPServer(("127.0.0.1", PORT), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
