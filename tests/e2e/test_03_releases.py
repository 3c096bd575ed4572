"""New releases under load: a schema change with zero failed requests, a release
that fails its health check rolled back with zero failed requests, and the same for
the server-rendered frontend (a new release, and a build that fails).

The load keeps its connections alive and lets them sit idle between requests, as
browsers do: a switch that reloaded nginx would close some of them under a request."""

import difflib
import json
import re

from tests.conftest import ROOT, run
from tests.e2e.conftest import CONTAINER, browser_like_load, playbook, psql


def nginx_workers() -> list[str]:
    cmd = 'pgrep -P "$(cat /run/nginx.pid)" | sort'
    return run(["docker", "exec", CONTAINER, "sh", "-c", cmd], check=True).stdout.split()


def test_new_release_with_schema_change_under_load(api):
    workers = nginx_workers()
    with browser_like_load(api) as load:
        proc = playbook("backend", "-e", "app_version=v2.0.0", log="e2e-deploy-v2")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert load.requests > 100, "the load generator hardly ran"
    assert load.failed == 0, f"{load.failed} of {load.requests} requests failed: {load.failures}"
    assert api.request("GET", "/health").json()["version"] == "2.0.0"
    # Traffic moved without reloading nginx: the same worker processes serve.
    assert nginx_workers() == workers
    # The migration ran: the new column exists.
    pes = (
        "SELECT count(*) FROM information_schema.columns"
        " WHERE table_name = 'animals' AND column_name = 'pes'"
    )
    assert psql(pes) == "1"


def test_release_failing_its_health_check_is_rolled_back(api):
    with browser_like_load(api) as load:
        proc = playbook("backend", "-e", "app_version=v2.0.1-broken", log="e2e-deploy-broken")
    assert proc.returncode != 0, "a release that never became healthy must fail the run"
    assert load.requests > 50
    assert load.failed == 0, f"{load.failed} of {load.requests} requests failed: {load.failures}"
    assert api.request("GET", "/health").json()["version"] == "2.0.0"
    assert set(load.versions) == {"2.0.0"}, load.versions


def site_version(site) -> str:
    page = site.request("GET", "/login").data.decode()
    found = re.search(r'<meta name="app-version" content="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def test_new_frontend_release_under_load(site):
    workers = nginx_workers()
    with browser_like_load(site, path="/login") as load:
        proc = playbook("frontend", "-e", "app_version=v2.0.0", log="e2e-frontend-v2")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert load.requests > 100, "the load generator hardly ran"
    assert load.failed == 0, f"{load.failed} of {load.requests} requests failed: {load.failures}"
    assert site_version(site) == "2.0.0"
    assert nginx_workers() == workers


def test_frontend_build_that_fails_leaves_the_old_release_serving(site, tmp_path):
    # A patch that makes the build fail (an import of a file that does not exist).
    path = "frontend-ssr/src/pages/login.astro"
    source = run(
        ["git", "-C", str(ROOT / ".cache/sample-app"), "show", f"v2.0.0:{path}"], check=True
    ).stdout
    broken = source.replace("../layouts/Base.astro", "../layouts/Missing.astro")
    assert broken != source
    diff = difflib.unified_diff(
        source.splitlines(keepends=True),
        broken.splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
    )
    patch = tmp_path / "break-the-build.patch"
    patch.write_text("".join(diff))
    extra = json.dumps({"frontend_build_patches": [str(patch)]})
    with browser_like_load(site, path="/login") as load:
        proc = playbook(
            "frontend", "-e", "app_version=v2.0.0", "-e", extra, log="e2e-frontend-broken"
        )
    assert proc.returncode != 0, "a build that fails must fail the run"
    assert "Stop on a failed build" in proc.stdout
    assert load.requests > 20
    assert load.failed == 0, f"{load.failed} of {load.requests} requests failed: {load.failures}"
    assert site_version(site) == "2.0.0"


def test_frontend_rollback_under_load(site):
    with browser_like_load(site, path="/login") as load:
        proc = playbook(
            "rollback", "-e", "rollback_component=frontend", log="e2e-frontend-rollback"
        )
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert load.failed == 0, f"{load.failed} of {load.requests} requests failed: {load.failures}"
    assert site_version(site) == "1.0.0"
