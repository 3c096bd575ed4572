"""Molecule's test hosts share the host network with the demo host: stop the
demo host first so that their services get the ports (the e2e tests recreate it)."""

import pytest

from tests.conftest import run


@pytest.fixture(scope="session", autouse=True)
def demo_host_stopped():
    run(["docker", "stop", "masclet-local"])
