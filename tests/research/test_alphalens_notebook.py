"""research/alphalens_inversion.ipynb runs end to end: Pipeline factor -> alphalens -> inversion tear sheet."""
import nbformat
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOK = REPO / "research" / "alphalens_inversion.ipynb"


def test_alphalens_inversion_notebook_runs(zipline_root, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    # run in a scratch folder: the notebook writes its CSV beside itself
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    texts = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "21D forward returns overlap" in texts and "kept one date in 21" in texts
    assert "same statistics as the CSV: True" in texts
    assert "inversion rate" in texts and "Newey-West t" in texts
    assert (tmp_path / "momentum_quintiles_21d.csv").is_file()
    # the tear sheet's chart and its tables
    assert any("image/png" in o.get("data", {}) for o in outputs)
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "Newey-West t-stat" in html and "Inversion episodes" in html
