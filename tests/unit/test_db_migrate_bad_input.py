"""The db_migrate role refuses impossible input before any change."""

import pytest

from tests.unit.role_input import assert_refused, run_role

GOOD = {
    "db_migrate_db_name": "masclet",
    "db_migrate_db_owner": "masclet",
    "db_migrate_rds_host": "db.example.internal",
    "db_migrate_rds_master_user": "masclet_admin",
    "db_migrate_rds_master_password": "a-long-enough-password",
}


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"db_migrate_mode": "stream"}, "db_migrate_mode"),
        # Back to the instance is a dump: replication only runs towards RDS.
        ({"db_migrate_mode": "replication", "db_migrate_to": "instance"}, "db_migrate_mode=dump"),
        ({"db_migrate_replication_name": "move; drop"}, "db_migrate_replication_name"),
        ({"db_migrate_rds_host": ""}, "db_migrate_rds_host"),
    ],
)
def test_bad_input_fails_naming_the_variable(tmp_path, override, named):
    proc = run_role(tmp_path, "db_migrate", GOOD | override)
    assert_refused(proc, named)
    assert "a-long-enough-password" not in proc.stdout
