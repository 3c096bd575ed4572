"""The AWS modules of issue 5 document themselves: `ansible-doc -M library NAME` renders
DOCUMENTATION, EXAMPLES and RETURN."""

import pytest

from tests.conftest import run


@pytest.mark.parametrize("module", ["aws_budget", "ec2_offering_info", "aws_free_tier_plan_info"])
def test_ansible_doc_renders(module):
    proc = run(["ansible-doc", "-M", "library", module])
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "[ERROR]" not in proc.stdout
    for section in ("OPTIONS", "EXAMPLES", "RETURN VALUES"):
        assert section in proc.stdout, f"{module}: no {section}"
