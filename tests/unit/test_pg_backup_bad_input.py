"""The pg_backup role refuses impossible input before any change."""

import pytest

from tests.unit.role_input import assert_refused, run_role

GOOD = {
    "pg_backup_name": "masclet-backup",
    "pg_backup_db_name": "masclet",
    "pg_backup_db_owner": "masclet",
    "pg_backup_files_dir": "/srv/masclet/shared/imports",
    "pg_backup_files_owner": "masclet",
    "pg_backup_local_dir": "/srv/masclet/shared/backups",
    "pg_backup_s3_bucket": "masclet-local-backups",
}


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"pg_backup_db_name": "bad name"}, "pg_backup_db_name"),
        ({"pg_backup_s3_bucket": ""}, "pg_backup_s3_bucket"),
        ({"pg_backup_s3_bucket": "Not_A_Bucket"}, "pg_backup_s3_bucket"),
        ({"pg_backup_s3_sse": "rot13"}, "pg_backup_s3_sse"),
        ({"pg_backup_local_keep": 0}, "pg_backup_local_keep"),
        ({"pg_backup_s3_retention_days": -1}, "pg_backup_s3_retention_days"),
    ],
)
def test_bad_input_fails_naming_the_variable(tmp_path, override, named):
    assert_refused(run_role(tmp_path, "pg_backup", GOOD | override), named)


@pytest.mark.parametrize("entry", ["backup", "restore"])
def test_task_entry_points_validate_too(tmp_path, entry):
    proc = run_role(tmp_path, "pg_backup", GOOD | {"pg_backup_verify": "maybe"}, tasks_from=entry)
    assert_refused(proc, "pg_backup_verify")
