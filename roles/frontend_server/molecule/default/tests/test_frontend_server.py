"""Behaviour of the frontend_server role on the Molecule instance, seen through the nginx
that prepare.yml puts in front of the live link (its port 8082, published on 127.0.0.3).

The tests build on each other, in file order: v1 (converge) -> v2 under load -> a build that
cannot start (fails, v2 keeps serving)."""

import os
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent
SITE = "http://127.0.0.3:8082"
INSTANCE = "masclet-molecule"


def get(path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{SITE}{path}", timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def converge(release: str) -> subprocess.CompletedProcess:
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"]]
    cmd += [str(SCENARIO / "converge.yml"), "-e", f"frontend_server_release={release}"]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # failures are printed on stderr
        text=True,
        timeout=900,
        check=False,
    )


def on_host(*cmd: str) -> str:
    proc = subprocess.run(["docker", "exec", INSTANCE, *cmd], capture_output=True, text=True)
    return proc.stdout


class Load:
    """Requests through nginx from two threads, slow ones among them, until stopped."""

    def __init__(self):
        self.requests = self.failed = 0
        self.bodies: set[str] = set()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.work, args=(p,)) for p in ("/", "/slow")]

    def work(self, path):
        while not self.stop.is_set() and self.requests < 20000:
            status, body = get(path)
            with self.lock:
                self.requests += 1
                self.failed += status != 200
                self.bodies.add(body.split()[1] if status == 200 else f"HTTP {status}")

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def test_the_release_is_served_by_an_unprivileged_node_with_its_environment():
    status, body = get("/login")
    assert status == 200
    assert body.startswith("<p>release v1 hello from the unit node ")
    assert int(body.split("node ")[1].split("<")[0]) != 0


def test_the_hashed_files_are_served_from_disk():
    assert get("/_astro/app.v1.js") == (200, "/* v1 */\n")


def test_the_sites_names_resolve_to_the_host_itself():
    assert on_host("getent", "hosts", "site.molecule.test").split()[0] == "127.0.0.1"


def test_a_new_release_under_load_drops_nothing_and_keeps_the_old_files():
    with Load() as load:
        proc = converge("v2")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert load.requests > 20
    assert load.failed == 0, load.bodies
    assert get("/")[1].startswith("<p>release v2 ")
    # Pages rendered by v1 may still be open: their files stay.
    assert get("/_astro/app.v1.js")[0] == 200
    assert get("/_astro/app.v2.js")[0] == 200


def test_a_release_that_cannot_start_leaves_the_live_one_serving():
    with Load() as load:
        proc = converge("broken")
    assert proc.returncode != 0
    # The failure says what serves and why (the output may wrap long lines).
    said = " ".join(proc.stdout.split())
    assert "build-v2 keeps serving" in said, proc.stdout[-3000:]
    assert "this build is broken" in said, proc.stdout[-3000:]
    assert load.failed == 0, load.bodies
    assert load.bodies == {"v2"}
