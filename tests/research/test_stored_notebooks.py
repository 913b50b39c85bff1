"""The notebooks in research/ are stored executed, so they read without running."""
import nbformat
import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "research").glob("*.ipynb"))


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"pvr_research.ipynb", "factsheet.ipynb", "alphalens_inversion.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_executed_in_order_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    # something a reader sees: a figure, a table or printed text
    assert any("image/png" in o.get("data", {}) or "text/html" in o.get("data", {}) or o.get("text")
               for o in outputs)
    # no one's machine in the outputs (docs/execute_notebooks.py runs them in a fixed temp folder)
    text = nbformat.writes(nb)
    assert "/root/" not in text and "/home/" not in text and "/work/" not in text
