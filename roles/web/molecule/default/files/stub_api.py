"""Stub API for the web role's Molecule tests (stdlib only)."""

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        # The real application's CORSMiddleware answers too; nginx must hide this.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self._send(200, {"status": "ok"})
        elif self.path.endswith("/slow"):
            time.sleep(3)  # longer than the scenario's proxy_read_timeout, shorter than an upload's
            self._send(200, {"slow": True})
        elif self.path == "/big":
            self._send(200, {"rows": ["masclet"] * 2000})
        else:
            self._send(404, {"detail": "Not Found"})

    def do_POST(self):
        left = int(self.headers.get("Content-Length", "0"))
        received = 0
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            received += len(chunk)
            left -= len(chunk)
        self._send(200, {"received": received})

    def do_OPTIONS(self):
        self._send(200, {"preflight": "app"})

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
