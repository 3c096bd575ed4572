"""A run against a real-account inventory without credentials stops in
preflight, naming what is missing, before any change."""

from tests.conftest import run


def test_dev_without_credentials_fails_in_preflight(tmp_path):
    env = {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        # Never reach for the instance metadata service or a real endpoint.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "inventory/dev",
            "playbooks/site.yml",
            "-e",
            "app_repo=https://example.invalid/masclet.git",
            "-e",
            "app_domain=example.invalid",
        ],
        env=env,
        unset_prefix="AWS_",
    )
    assert proc.returncode != 0
    assert "AWS credentials are missing" in proc.stdout, proc.stdout[-3000:]
    assert "AWS_PROFILE" in proc.stdout
    # Stopped in preflight: no later phase started.
    assert "Provision |" not in proc.stdout
