"""research/pvr_research.ipynb runs end to end (nbclient) and records its runs in PVR_HOME."""

import nbformat
from nbclient import NotebookClient

from pvr_plugin.store import RunLedger
from tests.conftest import REPO

NOTEBOOK = REPO / "research" / "pvr_research.ipynb"


def test_pvr_research_notebook_runs(zipline_root, tmp_path, monkeypatch):
    home = tmp_path / "pvr-home"
    monkeypatch.setenv("PVR_HOME", str(home))  # the kernel inherits it, and ZIPLINE_ROOT
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    texts = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "long_short resolution: daily bars" in texts  # a daily run: the tracker saw each close
    assert "short_only resolution: daily bars" in texts
    assert f"recorded runs [1, 2] in {home / 'runs.sqlite'}" in texts
    # the tear sheet drew a figure; the tables are shown as HTML
    assert any("image/png" in o.get("data", {}) for o in outputs)
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "max_risk_usd" in html and "tag" in html
    # both runs are in the ledger under PVR_HOME, ranked by PvR %/day
    ranked = RunLedger(home / "runs.sqlite").query()
    assert sorted(ranked["algorithm_name"]) == ["long_short", "short_only"]
    assert ranked["pvr_per_day_pct"].is_monotonic_decreasing
    assert ranked["tag"].iloc[0] in html
