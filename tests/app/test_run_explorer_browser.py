"""The run explorer: its logic in-process, then a real Voila server driven by Chromium.

The server is the documented command (``python -m pvr_plugin.app.run_explorer``),
served through ``pvr_plugin.app.serve`` like every app; the ledger is the
shipped sweep example's plus one run recorded without series.
"""
import base64
import io
import shutil

import pandas as pd
import pytest

from pvr_plugin.app.run_explorer import RunExplorer
from pvr_plugin.store import RunLedger
from pvr_plugin.sweep.spec import load_spec
from tests.app.live import running_app
from tests.conftest import STRATEGIES


@pytest.fixture(scope="module")
def ledger_path(shipped_sweep, tmp_path_factory):
    path = tmp_path_factory.mktemp("explorer") / "runs.sqlite"
    shutil.copy(shipped_sweep[0], path)
    RunLedger(path).record({"algorithm": "/elsewhere/old_idea.py", "pvr_per_day_pct": 0.5, "pvr_pct": 50.0,
                            "tag": "0.5000 r1.0"})
    return path


@pytest.fixture(scope="module")
def sweep_id():
    return load_spec(STRATEGIES / "long_short_sweep.toml").sweep_id


def test_filter_pick_and_compare_in_process(ledger_path, sweep_id):
    app = RunExplorer(ledger_path)
    assert app.sweep.options == ("(all)", sweep_id) and "old_idea" in app.algorithm.options
    assert len(app.listed) == 7 and int(app.listed["run_id"].iloc[0]) == 7  # 0.5 %/day first
    assert "summary only" in app.table.value
    app.sweep.value = sweep_id
    assert len(app.listed) == 6 and "&lt;- wins" in app.sweep_text.value and app.sweep_plot.value[:4] == b"\x89PNG"
    app.search.value = "monthly"
    assert len(app.listed) == 3 and all("monthly" in p for p in app.listed["params"])
    app.sort.value, app.ascending.value = "run_id", True
    assert app.listed["run_id"].tolist() == sorted(app.listed["run_id"])
    app.compare([int(i) for i in app.listed["run_id"][:2]])
    assert "Compared 2 runs." in app.status.value and app.plot.value[:4] == b"\x89PNG"
    page = base64.b64decode(app.report_link.value.split("base64,")[1].split("'")[0]).decode()
    assert 'data-widget="parameters"' in page  # both runs are of the chosen sweep
    app.compare(list(range(1, 30)))
    assert "compare at most 20" in app.status.value
    app.compare([7, 1])
    assert "No curves for #7 old_idea (summary only)" in app.status.value


def test_explorer_in_voila_and_chromium(ledger_path, sweep_id, browser, tmp_path):
    log = tmp_path / "voila.log"
    with running_app(["--ledger", str(ledger_path), "--max-kernels", "2"], log,
                     module="pvr_plugin.app.run_explorer") as (_, url):
        page = browser.new_page(viewport={"width": 1280, "height": 1400}, accept_downloads=True)
        page.set_default_timeout(120_000)
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector("text=Run explorer")
        page.wait_for_selector(".explorer-status:has-text('7 runs listed')")
        assert "RunExplorer" not in page.content()  # no code in the page

        # 1. Filter: the sweep only.
        page.locator(".widget-dropdown:has-text('Sweep:') select").select_option(label=sweep_id)
        page.wait_for_selector(".explorer-status:has-text('6 runs listed')")
        page.wait_for_selector("pre.explorer-sweep:has-text('<- wins')")

        # 2. Pick two runs and compare: curves drawn.
        picker = page.locator(".widget-select-multiple select")
        labels = picker.locator("option").all_inner_texts()
        assert len(labels) == 6
        picker.select_option(label=labels[:2])
        page.get_by_role("button", name="Compare picked runs").click()
        page.wait_for_selector(".explorer-status:has-text('Compared 2 runs.')")
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.widget-image')].some(i => i.naturalWidth > 800)")
        ranked = page.inner_text("table.explorer-ranked")
        for label in labels[:2]:
            assert label.split()[0] + " long_short" in ranked

        # 3. Download the listed table as CSV.
        with page.expect_download() as download:
            page.locator("a.explorer-csv").click()
        saved = tmp_path / "runs.csv"
        download.value.save_as(saved)
        assert download.value.suggested_filename == "runs.csv"
        table = pd.read_csv(io.StringIO(saved.read_text()))
        expected = RunLedger(ledger_path).query(sweep_id=sweep_id, status="ok")
        assert table["run_id"].tolist() == expected["run_id"].tolist()
        assert table["pvr_per_day_pct"].tolist() == pytest.approx(expected["pvr_per_day_pct"].tolist(), rel=1e-12)
        assert page.locator("a.explorer-report").count() == 1
        page.close()
