"""Every module in library/ documents itself: `ansible-doc -M library NAME` renders
DOCUMENTATION, EXAMPLES and RETURN."""

import pytest

from tests.conftest import ROOT, run

MODULES = sorted(p.stem for p in (ROOT / "library").glob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders(module):
    proc = run(["ansible-doc", "-M", "library", module])
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "[ERROR]" not in proc.stdout
    for section in ("OPTIONS", "EXAMPLES", "RETURN VALUES"):
        assert section in proc.stdout, f"{module}: no {section}"
