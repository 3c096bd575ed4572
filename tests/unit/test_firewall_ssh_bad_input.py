"""The firewall and ssh_hardening roles refuse impossible input before any change."""

import pytest

from tests.unit.role_input import assert_refused, run_role


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"firewall_public_tcp_ports": [80, 70000]}, "firewall_public_tcp_ports"),
        ({"firewall_ssh_allowed_cidrs": ["everyone"]}, "firewall_ssh_allowed_cidrs"),
        ({"firewall_load": "sometimes"}, "firewall_load"),
        ({"firewall_tcp_from": [{"port": 5432, "cidrs": ["rds"]}]}, "firewall_tcp_from"),
        ({"firewall_tcp_from": [{"port": 99999, "cidrs": ["10.0.0.1/32"]}]}, "firewall_tcp_from"),
        ({"firewall_tcp_from": [{"cidrs": ["10.0.0.1/32"]}]}, "port"),
    ],
)
def test_firewall_bad_input(tmp_path, override, named):
    assert_refused(run_role(tmp_path, "firewall", override), named)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"ssh_hardening_port": 0}, "ssh_hardening_port"),
        ({"ssh_hardening_listen_addresses": ["anywhere"]}, "ssh_hardening_listen_addresses"),
        ({"ssh_hardening_allow_users": {"deploy": 1}}, "ssh_hardening_allow_users"),
    ],
)
def test_ssh_hardening_bad_input(tmp_path, override, named):
    assert_refused(run_role(tmp_path, "ssh_hardening", override), named)
