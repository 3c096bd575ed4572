"""New releases under load: a schema change with zero failed requests, and a
release that fails its health check rolled back with zero failed requests.

The load keeps its connections alive and lets them sit idle between requests, as
browsers do: a switch that reloaded nginx would close some of them under a request."""

from tests.conftest import run
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
