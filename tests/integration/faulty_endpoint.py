"""A pass-through endpoint in front of the moto server that answers chosen calls with an error.

AWS answers some calls with errors that only last a while (a new instance profile not yet
visible to EC2, a security group still held by a terminated instance's interface); moto never
does. Every other request goes to moto unchanged, so the rest of the run is real.
"""

import http.client
import threading
import urllib.parse
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.integration.awsenv import ENDPOINT

_UPSTREAM = urllib.parse.urlsplit(ENDPOINT)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def _action(handler: BaseHTTPRequestHandler, body: bytes) -> str:
    """The API action of a query-protocol call (EC2, IAM, ...), or '' for other protocols."""
    query = urllib.parse.urlsplit(handler.path).query
    fields = urllib.parse.parse_qs(query)
    if "form-urlencoded" in handler.headers.get("Content-Type", ""):
        fields.update(urllib.parse.parse_qs(body.decode(errors="replace")))
    return fields.get("Action", [""])[0]


class FaultyEndpoint:
    """Start with ``with FaultyEndpoint() as ep``; ``ep.fail(action, code, message, times)``."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self._faults: dict[str, list] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # the test's output stays readable
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                fault = outer._take(_action(self, body))
                if fault:
                    self._send(400, {"Content-Type": "text/xml"}, fault)
                    return
                upstream = http.client.HTTPConnection(
                    _UPSTREAM.hostname, _UPSTREAM.port, timeout=60
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                    kept = {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP}
                    self._send(answer.status, kept, payload)
                finally:
                    upstream.close()

            def _send(self, status: int, headers: dict, payload: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, action: str, code: str, message: str, times: int) -> None:
        """Answer the next ``times`` calls of ``action`` with EC2's error document."""
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            f"</Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
        ).encode()
        with self._lock:
            self._faults[action] = [document, times]

    def _take(self, action: str) -> bytes | None:
        with self._lock:
            self.calls[action] += 1
            fault = self._faults.get(action)
            if not fault or fault[1] <= 0:
                return None
            fault[1] -= 1
            self.refused[action] += 1
            return fault[0]

    def __enter__(self) -> "FaultyEndpoint":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
