"""The rendered ruleset, loaded into private network namespaces the tests make.

The role loads the ruleset in the container's own network namespace, as on an
instance. To see what it lets through from which network, these tests make a
server and a client namespace joined by a veth pair (10.213.0.1/30 <->
10.213.0.2/30, the admin network the scenario allows SSH from) and an outsider
namespace on a second pair (10.213.0.5/30 <-> 10.213.0.6/30), load
/etc/nftables.conf into the server namespace only, and connect from the others.
Nothing is created in, or sent through, the machine's namespace; the namespaces
are deleted afterwards.
"""

import secrets

import pytest

SERVER_IP = "10.213.0.1"
OTHER_SERVER_IP = "10.213.0.5"

CONNECT = (
    "import socket,sys\n"
    "s=socket.socket(); s.settimeout(2)\n"
    "try:\n"
    "    s.connect((sys.argv[1], int(sys.argv[2]))); print('open')\n"
    "except socket.timeout:\n"
    "    print('timeout')\n"
    "except OSError as e:\n"
    "    print('refused' if e.errno == 111 else 'error %s' % e)\n"
)


@pytest.fixture(scope="module")
def netns(host):
    tag = secrets.token_hex(3)
    srv, cli, out_ns = f"fwsrv{tag}", f"fwcli{tag}", f"fwout{tag}"
    setup = f"""
set -e
ip netns add {srv}
ip netns add {cli}
ip -n {srv} link add vs{tag} type veth peer name vc{tag} netns {cli}
ip -n {srv} addr add {SERVER_IP}/30 dev vs{tag}
ip -n {cli} addr add 10.213.0.2/30 dev vc{tag}
ip -n {srv} link set lo up
ip -n {cli} link set lo up
ip -n {srv} link set vs{tag} up
ip -n {cli} link set vc{tag} up
ip netns add {out_ns}
ip -n {srv} link add ws{tag} type veth peer name wo{tag} netns {out_ns}
ip -n {srv} addr add {OTHER_SERVER_IP}/30 dev ws{tag}
ip -n {out_ns} addr add 10.213.0.6/30 dev wo{tag}
ip -n {out_ns} link set lo up
ip -n {srv} link set ws{tag} up
ip -n {out_ns} link set wo{tag} up
"""
    pids: list[str] = []
    try:
        out = host.run(setup)
        assert out.rc == 0, out.stderr
        yield srv, cli, out_ns, pids
    finally:
        if pids:
            host.run("kill " + " ".join(pids))
        host.run(f"ip netns del {srv}; ip netns del {cli}; ip netns del {out_ns}")


def listen(host, ns, port):
    """Start a listener inside the server namespace; return its process id."""
    code = (
        "import socket,sys,time\n"
        "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('0.0.0.0', {port})); s.listen(5)\n"
        "while True:\n    c,_=s.accept(); c.close()\n"
    )
    out = host.run(f'ip netns exec {ns} python3 -c "{code}" >/dev/null 2>&1 & echo $!')
    return out.stdout.strip()


def connect(host, ns, port, server=SERVER_IP):
    out = host.run(f'ip netns exec {ns} python3 -c "{CONNECT}" {server} {port}')
    return out.stdout.strip()


@pytest.fixture(scope="module")
def loaded(host, netns):
    srv, cli, out_ns, pids = netns
    for port in (22, 80, 443, 5432, 8000):
        pids.append(listen(host, srv, port))
    # Before the ruleset: every listener answers (the test can tell open from closed).
    host.run("sleep 1")
    before = {port: connect(host, cli, port) for port in (80, 5432)}
    before["outsider 22"] = connect(host, out_ns, 22, OTHER_SERVER_IP)
    out = host.run(f"ip netns exec {srv} nft -f /etc/nftables.conf")
    assert out.rc == 0, out.stderr
    return srv, cli, out_ns, before


def test_listeners_answer_without_the_ruleset(loaded):
    *_, before = loaded
    assert before == {80: "open", 5432: "open", "outsider 22": "open"}


@pytest.mark.parametrize("port", [80, 443])
def test_web_ports_are_open(host, loaded, port):
    _, cli, _, _ = loaded
    assert connect(host, cli, port) == "open"


def test_ssh_open_from_the_admin_network(host, loaded):
    _, cli, _, _ = loaded
    assert connect(host, cli, 22) == "open"


@pytest.mark.parametrize("port", [5432, 8000])
def test_other_ports_are_dropped(host, loaded, port):
    _, cli, _, _ = loaded
    assert connect(host, cli, port) == "timeout"


def test_a_port_opened_to_one_address_only(host, loaded):
    # firewall_tcp_from: 8000 from the outsider's 10.213.0.6 (and, above, not from the client).
    _, _, out_ns, _ = loaded
    assert connect(host, out_ns, 8000, OTHER_SERVER_IP) == "open"
    assert connect(host, out_ns, 5432, OTHER_SERVER_IP) == "timeout"


def test_ssh_dropped_from_outside_the_admin_network_web_open(host, loaded):
    _, _, out_ns, _ = loaded
    assert connect(host, out_ns, 22, OTHER_SERVER_IP) == "timeout"
    assert connect(host, out_ns, 443, OTHER_SERVER_IP) == "open"


def test_loopback_inside_the_server_is_not_filtered(host, loaded):
    srv, *_ = loaded
    out = host.run(f'ip netns exec {srv} python3 -c "{CONNECT}" 127.0.0.1 5432')
    assert out.stdout.strip() == "open"


def test_ruleset_is_live_in_the_instance_and_kept_at_boot(host):
    out = host.run("nft list tables")
    assert "masclet_filter" in out.stdout, out.stdout
    assert host.run("systemctl is-enabled nftables.service").stdout.strip() == "enabled"
