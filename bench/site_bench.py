"""Whole-site figures on the embedded default (issue: end to end, under load).

converge_fresh_s   fresh host -> serving (site.yml on a new container)
converge_noop_s    site.yml again, nothing to change (median of three runs; _max_s the slowest)
converge_noop_linear_s   the same no-op run with ANSIBLE_STRATEGY=linear (no Mitogen)
deploy_switches    release switches under a browser-like load (24 kept-alive connections,
                   each idle 0-40 ms between requests): v2.0.0 and v1.0.0 deployed in turn
deploy_requests / deploy_failed_requests   that load's count and failures, summed over
                   every switch (zero-downtime means 0)
redeploy_s         the first of them: v2.0.0 with its migration; switch_median_s all of them
renewal_reloads / renewal_failed_requests   forced certbot renewals (each reloads nginx
                   through the deploy hook) under the same load
web_change_reloads / web_change_failed_requests   web phase runs that change nginx's
                   configuration (and reload it) under the same load
ssr_switches       frontend releases (the server-rendered site, Node) under the same load on
                   the site's /login: v2.0.0 and v1.0.0 in turn
ssr_redeploy_s / ssr_deploy_requests / ssr_deploy_failed_requests   the first one's time, and
                   the load's count and failures summed over all of them (0 = no downtime)
rollback_s         playbooks/rollback.yml back to the previous release
peak_memory_mb     the host container's peak resident memory (cgroup, page cache
                   excluded) sampled during the API and frontend switches under load (Node
                   and two API instances at once)
memory_limit_hits  times the container reached its 1 GiB limit (cgroup failcnt)
backup_s / restore_s   playbooks/backup.yml and restore.yml with 100,000 animals
"""

import glob
import statistics
import threading
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.conftest import run as sh
from tests.e2e.conftest import (
    CONTAINER,
    SITE,
    Api,
    browser_like_load,
    pebble_roots,
    playbook,
    psql,
)
from tests.recap import changed_by_host


def timed(name: str, *extra: str, env: dict | None = None) -> tuple[float, str]:
    start = time.monotonic()
    proc = playbook(name, *extra, log=f"bench-{name}", env=env)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{proc.stdout[-4000:]}")
    return round(elapsed, 1), proc.stdout


def memory_dir() -> Path:
    cid = sh(["docker", "inspect", "-f", "{{.Id}}", CONTAINER], check=True).stdout.strip()
    for pattern in (
        f"/sys/fs/cgroup/memory/docker/{cid}",
        f"/sys/fs/cgroup/memory/*/docker-{cid}.scope",
    ):
        found = glob.glob(pattern)
        if found:
            return Path(found[0])
    raise RuntimeError("the container's memory cgroup was not found")


class MemorySampler(threading.Thread):
    """Samples resident memory (rss + shmem, no page cache) every 200 ms."""

    def __init__(self, cgroup: Path):
        super().__init__(daemon=True)
        self.cgroup, self.peak, self.done = cgroup, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            stat = dict(
                line.split() for line in (self.cgroup / "memory.stat").read_text().splitlines()
            )
            resident = int(stat["total_rss"]) + int(stat.get("total_shmem", 0))
            self.peak = max(self.peak, resident)
            time.sleep(0.2)


SWITCHES = 10
# As many kept-alive connections as ../shared/tools/keepalive_load.py opens in the
# figure the switch was first judged by: more connections, more chances to hit a race.
LOAD_THREADS = 24
RELEASES = ("2.0.0", "1.0.0")  # deployed in turn, starting from the converged v1.0.0


def switches(api: Api) -> dict:
    """SWITCHES deployments, each under its own browser-like load; failures summed."""
    seconds, requests, failed, failures = [], 0, 0, []
    for i in range(SWITCHES):
        version = RELEASES[i % 2]
        with browser_like_load(api, threads=LOAD_THREADS, max_requests=200000) as load:
            elapsed, _ = timed("backend", "-e", f"app_version=v{version}")
        live = api.request("GET", "/health").json()["version"]
        if live != version:
            raise RuntimeError(f"switch {i + 1}: v{version} deployed but {live} answers")
        seconds.append(elapsed)
        requests += load.requests
        failed += load.failed
        failures += load.failures
    if failures:
        print("switch failures (first 10):", failures[:10])
    return {
        "deploy_switches": SWITCHES,
        "deploy_requests": requests,
        "deploy_failed_requests": failed,
        "redeploy_s": seconds[0],
        "switch_median_s": round(statistics.median(seconds), 1),
    }


SSR_SWITCHES = 4


def ssr_switches(site: Api) -> dict:
    """Frontend releases under a browser-like load on the rendered site."""
    seconds, requests, failed, failures = [], 0, 0, []
    for i in range(SSR_SWITCHES):
        version = RELEASES[i % 2]
        with browser_like_load(
            site, threads=LOAD_THREADS, path="/login", max_requests=200000
        ) as load:
            elapsed, _ = timed("frontend", "-e", f"app_version=v{version}")
        page = site.request("GET", "/login").data.decode()
        if f'name="app-version" content="{version}"' not in page:
            raise RuntimeError(f"frontend switch {i + 1}: v{version} deployed but not served")
        seconds.append(elapsed)
        requests += load.requests
        failed += load.failed
        failures += load.failures
    if failures:
        print("frontend switch failures (first 10):", failures[:10])
    return {
        "ssr_switches": SSR_SWITCHES,
        "ssr_deploy_requests": requests,
        "ssr_deploy_failed_requests": failed,
        "ssr_redeploy_s": seconds[0],
    }


def renew_certificate() -> None:
    """A real renewal from pebble, as certbot.timer would run it (deploy hook included)."""
    env = sh(
        [
            "docker",
            "exec",
            CONTAINER,
            "systemctl",
            "show",
            "-p",
            "Environment",
            "--value",
            "certbot.service",
        ],
        check=True,
    ).stdout.split()
    cmd = ["certbot", "renew", "--force-renewal", "--no-random-sleep-on-renew", "-q"]
    sh(["docker", "exec", CONTAINER, "env", *env, *cmd], check=True)


def reloads(api: Api) -> dict:
    """nginx reloads that do not move traffic: certificate renewals and configuration
    changes, under the same load as the switches."""
    renewals = 3
    with browser_like_load(api, threads=LOAD_THREADS, max_requests=200000) as load:
        for _ in range(renewals):
            renew_certificate()
    figures = {
        "renewal_reloads": renewals,
        "renewal_requests": load.requests,
        "renewal_failed_requests": load.failed,
    }
    with browser_like_load(api, threads=LOAD_THREADS, max_requests=200000) as load:
        timed("web", "-e", "web_hsts_max_age=31536001")
        timed("web")
    figures.update(
        web_change_reloads=2,
        web_change_requests=load.requests,
        web_change_failed_requests=load.failed,
    )
    return figures


def run_bench(workdir: Path) -> dict:
    figures: dict = {}
    sh(["docker", "rm", "-f", CONTAINER])
    sh(["scripts/local-up.sh"], check=True)
    sh(["examples/make-sample-repo.sh", str(ROOT / ".cache/sample-app")], check=True)

    figures["converge_fresh_s"], _ = timed("site")
    # A converged run is short enough for noise to show: the median of three, and the slowest.
    noop = []
    for _ in range(3):
        seconds, out = timed("site")
        if any(changed_by_host(out).values()):
            raise RuntimeError("the no-op converge changed something")
        noop.append(seconds)
    figures["converge_noop_s"] = statistics.median(noop)
    figures["converge_noop_max_s"] = max(noop)
    # The same run without Mitogen, for the README's claim about it.
    figures["converge_noop_linear_s"], out = timed("site", env={"ANSIBLE_STRATEGY": "linear"})
    if any(changed_by_host(out).values()):
        raise RuntimeError("the no-op converge (linear) changed something")

    api = Api(pebble_roots())
    api.wait_healthy()
    cgroup = memory_dir()
    failcnt_before = int((cgroup / "memory.failcnt").read_text())
    sampler = MemorySampler(cgroup)
    sampler.start()
    figures.update(switches(api))
    figures.update(ssr_switches(Api(pebble_roots(), host=SITE)))
    sampler.done.set()
    sampler.join()
    figures["peak_memory_mb"] = round(sampler.peak / 2**20, 1)
    figures["memory_limit_hits"] = int((cgroup / "memory.failcnt").read_text()) - failcnt_before

    figures.update(reloads(api))
    figures["rollback_s"], _ = timed("rollback")

    psql(
        "INSERT INTO animals (nom, genere, estat, explotacio, created_at, updated_at) "
        "SELECT 'bench-' || g, CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END, 'OK', 'Gurans',"
        " now(), now() FROM generate_series(1, 100000) AS g"
    )
    figures["backup_s"], _ = timed("backup")
    figures["restore_s"], _ = timed("restore")
    return figures


def run(workdir: Path) -> dict:
    """Entry point for bench/run.py."""
    return run_bench(workdir)
