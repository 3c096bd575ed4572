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


class NameFollower:
    """A client that follows the site's name, as one across an account move does: before each
    request it resolves the name through the zone's Route 53 records (``resolve`` gives the
    loopback address standing for the record's value, and its TTL), keeps that answer for the
    TTL, and keeps one connection alive per address. A few threads read ``read_path``; one
    writes a new record every ``interval`` seconds, logged in with ``credentials``.

    It counts what a person would see: reads and writes answered, writes refused on purpose
    (503 with Retry-After), logins asked again (401: the new account signs its own tokens),
    and every other failure, which is kept. Bounded by requests and time."""

    def __init__(
        self,
        host_name: str,
        resolve,
        credentials: tuple[str, str],
        make_body,
        *,
        ca_certs: str,
        read_path: str = "/health",
        write_path: str = "/api/v1/animals",
        login_path: str = "/api/v1/auth/login",
        readers: int = 2,
        interval: float = 0.05,
        max_requests: int = 200000,
        max_seconds: float = 1800.0,
    ):
        self.host_name = host_name
        self.resolve = resolve
        self.credentials = credentials
        self.make_body = make_body
        self.ca_certs = ca_certs
        self.read_path = read_path
        self.write_path = write_path
        self.login_path = login_path
        self.readers = readers
        self.interval = interval
        self.max_requests = max_requests
        self.deadline = time.monotonic() + max_seconds
        self.requests = 0
        self.reads = 0
        self.accepted: list[str] = []
        self.refused: list[tuple[float, str]] = []
        self.relogins = 0
        self.failures: list[str] = []
        self.failed = 0
        self.addresses: Counter = Counter()
        self._answer: tuple[str, float] = ("", 0.0)
        self._pools: dict[str, urllib3.HTTPSConnectionPool] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _address(self) -> str:
        with self._lock:
            address, until = self._answer
            if time.monotonic() < until:
                return address
        address, ttl = self.resolve(self.host_name)
        with self._lock:
            self._answer = (address, time.monotonic() + ttl)
        return address

    def _pool(self, address: str) -> urllib3.HTTPSConnectionPool:
        with self._lock:
            if address not in self._pools:
                self._pools[address] = urllib3.HTTPSConnectionPool(
                    address,
                    443,
                    maxsize=self.readers + 1,
                    server_hostname=self.host_name,
                    assert_hostname=self.host_name,
                    ca_certs=self.ca_certs,
                    cert_reqs="CERT_REQUIRED",
                    headers={"Host": self.host_name},
                    retries=False,
                    timeout=urllib3.Timeout(connect=5, read=30),
                )
            return self._pools[address]

    def _ticket(self) -> bool:
        with self._lock:
            if self.requests >= self.max_requests or time.monotonic() > self.deadline:
                return False
            self.requests += 1
            return True

    def _fail(self, detail: str) -> None:
        with self._lock:
            self.failed += 1
            if len(self.failures) < 10:
                # Wall-clock time, to find the playbook step it coincides with in the run's log.
                self.failures.append(f"{time.strftime('%H:%M:%S')} {detail}")

    def _read(self) -> None:
        while not self._stop.is_set() and self._ticket():
            address = self._address()
            try:
                r = self._pool(address).request("GET", self.read_path)
                if 200 <= r.status < 300:
                    with self._lock:
                        self.reads += 1
                        self.addresses[address] += 1
                else:
                    self._fail(f"GET via {address}: HTTP {r.status}")
            except Exception as exc:  # a refused or reset connection is a failure too
                self._fail(f"GET via {address}: {exc!r}")
            self._stop.wait(random.uniform(0, 0.04))

    def login(self) -> str:
        """A token, from whichever host the name points at now (up to 10 tries)."""
        user, password = self.credentials
        for _ in range(10):
            address = self._address()
            try:
                r = self._pool(address).request(
                    "POST",
                    self.login_path,
                    fields={"username": user, "password": password},
                    encode_multipart=False,
                )
                if r.status == 200:
                    return r.json()["access_token"]
                self._fail(f"login via {address}: HTTP {r.status}")
            except Exception as exc:
                self._fail(f"login via {address}: {exc!r}")
            self._stop.wait(1)
        raise RuntimeError("no login")

    def _write(self) -> None:
        token = self.login()
        n = 0
        while not self._stop.is_set() and self._ticket():
            n += 1
            name, body = self.make_body(n)
            address = self._address()
            headers = {
                "Host": self.host_name,
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            }
            try:
                r = self._pool(address).request("POST", self.write_path, body=body, headers=headers)
                if 200 <= r.status < 300:
                    self.accepted.append(name)
                elif r.status == 503 and r.headers.get("Retry-After"):
                    self.refused.append((time.monotonic(), r.headers["Retry-After"]))
                elif r.status == 401:
                    self.relogins += 1
                    token = self.login()
                else:
                    self._fail(f"POST {name} via {address}: HTTP {r.status} {r.data[:120]!r}")
            except Exception as exc:
                self._fail(f"POST {name} via {address}: {exc!r}")
            self._stop.wait(self.interval)

    def refused_window(self) -> float:
        if not self.refused:
            return 0.0
        return self.refused[-1][0] - self.refused[0][0]

    def __enter__(self) -> "NameFollower":
        targets = [self._read] * self.readers + [self._write]
        for target in targets:
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        for pool in self._pools.values():
            pool.close()
