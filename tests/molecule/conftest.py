"""Molecule's test hosts use the machine's network; the demo host has its own but
publishes 127.0.0.1:443 (for tools that aim there): stop it first so that the
scenarios' nginx gets port 443 (the e2e tests start it again)."""

import pytest

from tests.conftest import run


@pytest.fixture(scope="session", autouse=True)
def demo_host_stopped():
    run(["docker", "stop", "masclet-local"])
