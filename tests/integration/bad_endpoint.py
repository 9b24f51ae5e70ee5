#!/usr/bin/env python3
"""bad_endpoint.py: a misbehaving HTTP endpoint for the SLI fetcher's failure tests.
Prints its port on stdout, then serves until killed. Paths (any suffix):
  /500/...     HTTP 500 with an HTML body       /garbage/... 200 with non-JSON bytes
  /big/...     200 with a 10 MB body            /hang/...    accepts, never answers
  /promerr/... 400 with a Prometheus error      /warn/...    success with a warning
  /json        {"data": {"items": [{"value": "42.5"}]}}
"""
import http.server
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p.startswith("/500"):
            self.send(500, b"<html>Internal Server Error</html>", "text/html")
        elif p.startswith("/garbage"):
            self.send(200, b"{\"status\": \"succ\x00\x1b[31m garbage")
        elif p.startswith("/big"):
            # No Content-Length: the cap must hold for a streamed body too.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(160):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif p.startswith("/drip"):
            # Headers at once, then a byte every 200 ms: only the total timeout stops it.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(300):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    threading.Event().wait(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif p.startswith("/hang"):
            threading.Event().wait(60)
        elif p.startswith("/promerr"):
            self.send(400, b'{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:6: parse error"}')
        elif p.startswith("/warn") and "query_range" in p:
            self.send(200, b'{"status":"success","warnings":["partial response"],"data":{"resultType":"matrix","result":[{"metric":{},"values":[[1773146400,"+Inf"],[1773146460,"NaN"]]}]}}')
        elif p.startswith("/warn"):
            self.send(200, b'{"status":"success","warnings":["partial response"],"data":{"resultType":"scalar","result":[1773146400,"+Inf"]}}')
        elif p.startswith("/json"):
            self.send(200, b'{"data": {"items": [{"value": "42.5"}]}}')
        else:
            self.send(404, b"not found", "text/plain")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
