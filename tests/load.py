"""A bounded load generator for loopback only.

It sends GET requests to the host's loopback address with the site's name in SNI and Host, from a
few threads, until told to stop, or until its request or time budget runs out,
whichever comes first. It counts every request and every failure (a non-2xx
answer or a connection error), keeping a few examples of what failed.

Connections are kept alive and reused, as browsers do; with ``think_ms`` each
thread waits a random 0..think_ms between requests, so connections sit idle the
way a browser's do (an idle kept-alive connection is the one a server may close
under a client). No request is ever retried: a closed connection is a failure.
"""

import os
import random
import threading
import time
from collections import Counter

import urllib3

# The local host container's own loopback address (scripts/local-env.sh, HOST_ADDRESS).
LOOPBACK = os.environ.get("MASCLET_HOST_ADDRESS", "127.0.0.2")


class Load:
    def __init__(
        self,
        host_name: str,
        path: str = "/health",
        *,
        port: int = 443,
        ca_certs: str | None = None,
        threads: int = 4,
        max_requests: int = 20000,
        max_seconds: float = 300.0,
        think_ms: float = 0.0,
    ):
        self.path = path
        self.think = think_ms / 1000
        self.max_requests = max_requests
        self.deadline = time.monotonic() + max_seconds
        self.threads = threads
        self.pool = urllib3.HTTPSConnectionPool(
            LOOPBACK,
            port,
            maxsize=threads,
            server_hostname=host_name,
            assert_hostname=host_name,
            ca_certs=ca_certs,
            cert_reqs="CERT_REQUIRED" if ca_certs else "CERT_NONE",
            headers={"Host": host_name},
            retries=False,
            timeout=urllib3.Timeout(connect=5, read=30),
        )
        self.requests = 0
        self.failed = 0
        self.versions: Counter = Counter()
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def _take_ticket(self) -> bool:
        with self._lock:
            if self.requests >= self.max_requests or time.monotonic() > self.deadline:
                return False
            self.requests += 1
            return True

    def _work(self) -> None:
        while not self._stop.is_set() and self._take_ticket():
            try:
                response = self.pool.request("GET", self.path)
                ok = 200 <= response.status < 300
                detail = f"HTTP {response.status}"
                if ok and response.headers.get("content-type", "").startswith("application/json"):
                    version = (response.json() or {}).get("version")
                    with self._lock:
                        self.versions[version] += 1
            except Exception as exc:  # a refused or reset connection is a failure to count
                ok, detail = False, repr(exc)
            if not ok:
                with self._lock:
                    self.failed += 1
                    if len(self.failures) < 10:
                        self.failures.append(detail)
            if self.think:
                self._stop.wait(random.uniform(0, self.think))

    def __enter__(self) -> "Load":
        for _ in range(self.threads):
            worker = threading.Thread(target=self._work, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)
        self.pool.close()


class Writer:
    """A bounded writer: one thread POSTing a new JSON record every ``interval`` seconds
    through nginx, each with a unique name, until stopped or out of budget. It keeps what
    every request got: the names the API accepted, the 503s that carried Retry-After (writes
    refused on purpose, e.g. while the database moves), and any other failure."""

    def __init__(
        self,
        host_name: str,
        path: str,
        token: str,
        make_body,
        *,
        ca_certs: str,
        interval: float = 0.05,
        max_requests: int = 20000,
        max_seconds: float = 600.0,
    ):
        self.path = path
        self.make_body = make_body
        self.interval = interval
        self.max_requests = max_requests
        self.deadline = time.monotonic() + max_seconds
        self.headers = {
            "Host": host_name,
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }
        self.pool = urllib3.HTTPSConnectionPool(
            LOOPBACK,
            443,
            maxsize=1,
            server_hostname=host_name,
            assert_hostname=host_name,
            ca_certs=ca_certs,
            cert_reqs="CERT_REQUIRED",
            retries=False,
            timeout=urllib3.Timeout(connect=5, read=30),
        )
        self.accepted: list[str] = []
        # (monotonic time, Retry-After) of each refused write; other failures as text.
        self.refused: list[tuple[float, str]] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, daemon=True)

    def _work(self) -> None:
        for n in range(1, self.max_requests + 1):
            if self._stop.is_set() or time.monotonic() > self.deadline:
                break
            name, body = self.make_body(n)
            try:
                r = self.pool.request("POST", self.path, body=body, headers=self.headers)
                if 200 <= r.status < 300:
                    self.accepted.append(name)
                elif r.status == 503 and r.headers.get("Retry-After"):
                    self.refused.append((time.monotonic(), r.headers["Retry-After"]))
                else:
                    self.failures.append(f"{name}: HTTP {r.status} {r.data[:120]!r}")
            except Exception as exc:  # a refused or reset connection is a failure too
                self.failures.append(f"{name}: {exc!r}")
            self._stop.wait(self.interval)

    def refused_window(self) -> float:
        """Seconds from the first refused write to the last (0 when none was refused)."""
        if not self.refused:
            return 0.0
        return self.refused[-1][0] - self.refused[0][0]

    def __enter__(self) -> "Writer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        self.pool.close()
