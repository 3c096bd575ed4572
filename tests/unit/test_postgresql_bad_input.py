"""The postgresql role refuses impossible input before any change."""

import pytest

from tests.unit.role_input import assert_refused, run_role

GOOD = {
    "postgresql_memory_mb": 1024,
    "postgresql_db_name": "masclet",
    "postgresql_db_owner": "masclet",
    "postgresql_db_password": "a-long-enough-password",
}


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"postgresql_version": 9}, "postgresql_version"),
        ({"postgresql_version": "fifteen"}, "postgresql_version"),
        ({"postgresql_db_name": "masclet; drop table x"}, "postgresql_db_name"),
        ({"postgresql_db_name": "1masclet"}, "postgresql_db_name"),
        ({"postgresql_db_owner": "Masclet"}, "postgresql_db_owner"),
        ({"postgresql_listen_addresses": ["0.0.0.0"]}, "postgresql_listen_addresses"),
        ({"postgresql_publish_address": "0.0.0.0"}, "postgresql_publish_address"),
        ({"postgresql_publish_address": "*"}, "postgresql_publish_address"),
        ({"postgresql_max_connections": -3}, "postgresql_max_connections"),
        ({"postgresql_db_password": ""}, "postgresql_db_password"),
    ],
)
def test_bad_input_fails_naming_the_variable(tmp_path, override, named):
    proc = run_role(tmp_path, "postgresql", GOOD | override)
    assert_refused(proc, named)
    assert "a-long-enough-password" not in proc.stdout


def test_good_input_passes_validation(tmp_path):
    proc = run_role(tmp_path, "postgresql", GOOD)
    assert proc.returncode != 0
    assert "/nonexistent/python3" in proc.stdout
