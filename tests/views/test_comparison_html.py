"""The comparison report: opened in headless Chromium with both runs drawn, no request; PDF; the command."""
import re

import numpy as np
import pytest

from pvr_plugin.adapters.runner import run_file
from pvr_plugin.store import RunLedger, record_run
from pvr_plugin.views.comparison import load_runs, run_colors
from pvr_plugin.views.comparison_html import html_to_pdf, render_comparison_html, write_comparison_html
from pvr_plugin.views.factsheet_html import find_chromium
from tests.conftest import REPO, assert_one_line_error, offline_page, run_pvr

HOLD = REPO / "tests" / "algos" / "hold_one.py"
LONG_SHORT = REPO / "tests" / "algos" / "fixed_long_short.py"


@pytest.fixture(scope="module")
def two_runs(zipline_root):
    hold = run_file(HOLD, start="2021-01-04", end="2021-06-30", capital_base=50_000.0, metrics_set="pvr",
                    params={"ticker": "AAPL"})
    long_short = run_file(LONG_SHORT, start="2021-01-04", end="2021-06-30", capital_base=100_000.0,
                          metrics_set="pvr")
    return {"hold AAPL": hold.perf, "long/short": long_short.perf}


def _chromium():
    path = find_chromium()
    assert path, "headless Chromium is required (apt-get install chromium); CI installs it"
    return path


def _pixels_near(image, rgb, tolerance=40):
    a = np.asarray(image.convert("RGB"), dtype=int)
    return int((np.abs(a - np.array(rgb)).sum(axis=2) < tolerance).sum())


def test_report_opens_in_chromium_with_both_runs_drawn_and_no_request(two_runs, tmp_path, browser):
    from PIL import Image

    runs = load_runs(two_runs)
    out = tmp_path / "report.html"
    write_comparison_html(runs, out, title="Hold <vs> long/short")
    url = out.as_uri()
    with offline_page(browser, url) as (page, requests, failures):
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        page.locator("section[data-widget=chart-pvr_pct]").screenshot(path=str(tmp_path / "pvr.png"))
        sections = page.eval_on_selector_all("section.widget", "els => els.map(e => e.dataset.widget)")
        # each run's PvR line: a drawn SVG group with a real extent
        extents = page.eval_on_selector_all(
            "section[data-widget=chart-pvr_pct] g[id$='-pvr_pct']",
            "els => els.map(e => [e.id, e.getBBox().width, e.getBBox().height])")
        ranked = page.inner_text("section[data-widget=ranked]")
        settings = page.inner_text("section[data-widget=settings]")
        title = page.title()
    assert requests == [url] and failures == []
    assert title == "Hold <vs> long/short"
    assert sections == ["ranked", "chart-pvr_pct", "chart-qret_pct", "chart-max_risk_usd", "chart-cash_low_usd",
                        "chart-leverage", "settings"]
    assert sorted(e[0] for e in extents) == ["run-0-pvr_pct", "run-1-pvr_pct"]
    assert all(w > 300 and h > 5 for _, w, h in extents), extents
    # both runs' colours are on the screen, in the PvR chart
    order = [r.name for r in sorted(runs, key=lambda r: -r.row["pvr_per_day_pct"])]
    colors = run_colors(order)
    shot = Image.open(tmp_path / "pvr.png")
    for name in order:
        hex_ = colors[name][0].lstrip("#")
        rgb = tuple(int(hex_[i:i + 2], 16) for i in (0, 2, 4))
        assert _pixels_near(shot, rgb) > 200, name
    assert (tmp_path / "page.png").stat().st_size > 50_000
    for name in order:
        assert name in ranked and name in settings
    per_day = {r.name: r.row["pvr_per_day_pct"] for r in runs}
    for name, value in per_day.items():
        assert f"{value:.4f}" in ranked
    assert ranked.index(order[0]) < ranked.index(order[1])


def test_report_is_self_contained_and_prints(two_runs, tmp_path):
    page = render_comparison_html(load_runs(two_runs), paper="letter")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "default-src 'none'" in page and "@page{size:letter" in page
    out = tmp_path / "report.html"
    out.write_text(page)
    pdf = tmp_path / "report.pdf"
    html_to_pdf(out, pdf, chromium=_chromium())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and re.search(rb"/MediaBox\s*\[0 0 612 792\]", data)


def test_pvr_compare_writes_the_report(two_runs, tmp_path, pvr_home):
    ledger = RunLedger()
    run = run_file(HOLD, start="2021-01-04", end="2021-03-31", capital_base=50_000.0, metrics_set="pvr",
                   params={"ticker": "KO"})
    run_id = record_run(run, ledger=ledger)
    saved = tmp_path / "long_short.pkl"
    two_runs["long/short"].to_pickle(saved)
    out = tmp_path / "cmp.html"
    proc = run_pvr("compare", run_id, saved, "--html", out, "--title", "KO against the book")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stderr and proc.stdout == ""
    page = out.read_text()
    assert "<title>KO against the book</title>" in page
    assert "#1 hold_one" in page and str(saved) in page and "ticker=KO" in page
    assert page.count("id=\"run-") >= 2 * 6  # two runs, six curves
    # refusals before any work: suffix, missing folder, nothing to compare, an unknown sweep
    assert_one_line_error(run_pvr("compare", run_id, "--html", tmp_path / "x.txt"), "--html", ".html")
    assert_one_line_error(run_pvr("compare", run_id, "--pdf", tmp_path / "no" / "r.pdf"), "--pdf", "does not exist")
    assert_one_line_error(run_pvr("compare"), "Missing argument", "--sweep")
    assert_one_line_error(run_pvr("compare", run_id, "--sweep", "sw-1"), "not both")
    assert_one_line_error(run_pvr("compare", "--sweep", "sw-nope"), "no runs of sweep 'sw-nope'")
    assert not (tmp_path / "x.txt").exists()
