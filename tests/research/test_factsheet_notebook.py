"""research/factsheet.ipynb runs end to end (nbclient) and writes its factsheet."""

import nbformat
from nbclient import NotebookClient
from tests.conftest import REPO

NOTEBOOK = REPO / "research" / "factsheet.ipynb"


def test_factsheet_notebook_runs(zipline_root, tmp_path, monkeypatch):
    monkeypatch.setenv("PVR_OUT_DIR", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    html = (tmp_path / "long_short_factsheet.html").read_text()
    assert "<title>Long/short momentum vs the S&amp;P 500</title>" in html
    assert 'data-widget="pvr"' in html and "constant 1.3000% a year (user)" in html
    # The statistics cell printed the date range; the tear sheet cell showed a figure.
    texts = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    assert any("2018-01-02 to 2022-12-28" in t for t in texts)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 1
