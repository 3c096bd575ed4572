"""The base role refuses impossible input before any change."""

import pytest

from tests.unit.role_input import assert_refused, run_role

GOOD = {
    "base_memory_mb": 1024,
    "base_deploy_user": "deploy",
    "base_service_user": "masclet",
    "base_service_home": "/srv/masclet",
}


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"base_swap_size_mb": -512}, "base_swap_size_mb"),
        ({"base_swap_size_mb": "lots"}, "base_swap_size_mb"),
        ({"base_swappiness": 150}, "base_swappiness"),
        ({"base_deploy_user": "Deploy User"}, "base_deploy_user"),
        ({"base_timezone": "Europe/../../etc/passwd"}, "base_timezone"),
        ({"base_swap_activate": "perhaps"}, "base_swap_activate"),
    ],
)
def test_bad_input_fails_naming_the_variable(tmp_path, override, named):
    assert_refused(run_role(tmp_path, "base", GOOD | override), named)


def test_good_input_passes_validation(tmp_path):
    # Same harness, good input: validation passes and the first module is what fails.
    proc = run_role(tmp_path, "base", GOOD)
    assert proc.returncode != 0
    assert "/nonexistent/python3" in proc.stdout
