"""The local stand-ins: idempotent start, and a clean refusal when a port is taken."""

import socket

from tests.conftest import ROOT, run


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_local_up_twice_changes_nothing():
    pids = {p.name: p.read_text() for p in (ROOT / ".local").glob("*.pid")}
    proc = run(["scripts/local-up.sh"])
    assert proc.returncode == 0, proc.stdout
    assert "ready" in proc.stdout
    assert {p.name: p.read_text() for p in (ROOT / ".local").glob("*.pid")} == pids
    for port in (4566, 14000, 8053):
        assert listening(port), f"nothing answers on 127.0.0.1:{port}"
    state = run(
        [
            "docker",
            "inspect",
            "-f",
            "{{.State.Status}} {{.HostConfig.Memory}} {{.HostConfig.NetworkMode}}",
            "masclet-local",
        ]
    )
    # Its own network namespace, in the project's Docker network, not the machine's.
    assert state.stdout.split() == ["running", str(1024**3), "masclet-hosts"]
    # Its sshd answers on its own loopback address, as an instance's on its Elastic IP.
    with socket.create_connection(("127.0.0.2", 22), timeout=5) as s:
        assert s.recv(64).startswith(b"SSH-2.0-OpenSSH")


def test_port_taken_stops_with_one_line_and_nothing_half_running(tmp_path):
    # A second copy of the stand-ins with its own state: its moto port is free,
    # so moto starts, then pebble-challtestsrv finds 8053 taken by the first copy.
    free_port = 45667
    assert not listening(free_port)
    proc = run(
        ["scripts/local-up.sh"],
        env={"MASCLET_STATE": str(tmp_path), "MASCLET_MOTO_PORT": str(free_port)},
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stdout.splitlines() if line.startswith("local-up:")]
    assert errors == [
        "local-up: port 8053 is taken by another program; pebble-challtestsrv cannot start"
    ]
    # The moto this attempt started was stopped again.
    assert not listening(free_port)
    assert not list(tmp_path.glob("*.pid"))
