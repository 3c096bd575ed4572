"""Run this project's AWS modules (library/*.py) in-process against moto."""

import importlib.util
import json

import ansible.module_utils
import pytest
from ansible.module_utils.testing import patch_module_args

from tests.conftest import ROOT

ACCOUNT = "123456789012"  # moto's account


def load(name: str):
    # The modules import the project's module_utils as Ansible packs it for them.
    if str(ROOT / "module_utils") not in ansible.module_utils.__path__:
        ansible.module_utils.__path__.append(str(ROOT / "module_utils"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "library" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def aws_env(monkeypatch, region="eu-west-1"):
    """Credentials for moto, and nothing that would send a call elsewhere."""
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    monkeypatch.setenv("AWS_REGION", region)


def runner(module, capsys):
    """A function that runs the module with params and returns its JSON result."""

    def _run(check=False, diff=True, **params):
        args = dict(params, _ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        return json.loads(capsys.readouterr().out)

    return _run
