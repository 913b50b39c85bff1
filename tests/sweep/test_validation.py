"""A real Dask sweep with an out-of-sample range: ranks, PBO and deflated ratios, JSON and text.

Each variant buys one stock on the first bar and holds it (no slippage, no
commission), so its PvR is the stock's own return from the fill: in sample
100 * (p(2021-12-31) / p(2021-01-05) - 1), out of sample (restarted at the
previous close) 100 * (p(2022-06-30) / p(2021-12-31) - 1). The known answers
come from the bundle's closes, not from the code under test.
"""
import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from pvr_plugin.adapters.bundle import calendar
from pvr_plugin.data import load_closes
from tests.conftest import REPO as ROOT

pytestmark = pytest.mark.usefixtures("zipline_root")
HOLD = ROOT / "tests" / "algos" / "hold_one.py"
TICKERS = ["AAPL", "KO", "XOM", "MSFT", "JNJ", "PFE"]


def _expected():
    closes = load_closes(start="2021-01-04", end="2022-06-30")
    n_is = len(calendar().sessions_in_range("2021-01-04", "2021-12-31"))
    n_oos = len(calendar().sessions_in_range("2022-01-03", "2022-06-30"))
    is_pct = {t: 100 * (closes[t].loc["2021-12-31"] / closes[t].loc["2021-01-05"] - 1) / n_is for t in TICKERS}
    oos_pct = {t: 100 * (closes[t].loc["2022-06-30"] / closes[t].loc["2021-12-31"] - 1) / n_oos for t in TICKERS}
    return is_pct, oos_pct


def _rank_desc(values):
    order = np.argsort(-np.asarray(values))
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def test_sweep_with_out_of_sample_range_reports_ranks_pbo_and_deflation(tmp_path, pvr_home):
    spec = tmp_path / "hold.toml"
    spec.write_text(
        f'algorithm = "{HOLD}"\nstart = "2021-01-04"\nend = "2022-06-30"\ncapital_base = 100000\n'
        f'out_of_sample = "2022-01-03"\n[grid]\nticker = {json.dumps(TICKERS + ["NOPE"])}\n'
    )
    cmd = [sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(spec), "--partitions", "8"]
    proc = subprocess.run(cmd + ["--workers", "2", "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    v = doc["validation"]
    assert v["trials"] == 7 and v["with_series"] == 6 and v["selection"] == ["2021-01-04", "2021-12-31"]
    assert sum(r["status"] == "failed" for r in doc["runs"]) == 1

    is_pct, oos_pct = _expected()
    rows = {r["variant"]: r for r in v["variants"]}
    for t in TICKERS:
        assert rows[f"ticker={t}"]["is1_pvr_per_day_pct"] == pytest.approx(is_pct[t], rel=1e-8)
        assert rows[f"ticker={t}"]["oos1_pvr_per_day_pct"] == pytest.approx(oos_pct[t], rel=1e-8)
    winner = max(TICKERS, key=is_pct.get)
    oos_rank = dict(zip(TICKERS, _rank_desc([oos_pct[t] for t in TICKERS])))
    fold = v["folds"][0]
    assert fold["in_sample"] == ["2021-01-04", "2021-12-31"] and fold["out_of_sample"] == ["2022-01-03", "2022-06-30"]
    assert fold["winner"] == f"ticker={winner}" and fold["winner_oos_rank"] == oos_rank[winner]
    assert fold["best_oos"] == f"ticker={max(TICKERS, key=oos_pct.get)}"
    assert fold["fall_pvr_per_day_pct"] == pytest.approx(is_pct[winner] - oos_pct[winner], rel=1e-8)
    # Spearman with no ties: 1 - 6 sum d^2 / (n (n^2 - 1))
    d = _rank_desc([is_pct[t] for t in TICKERS]) - _rank_desc([oos_pct[t] for t in TICKERS])
    assert fold["rank_correlation"]["rho"] == pytest.approx(1 - 6 * np.sum(d ** 2) / (6 * 35), abs=1e-12)

    for key in ("pbo_pvr", "pbo_returns"):
        pbo = v[key]
        assert pbo["reason"] == "" and pbo["combinations"] == 70 and pbo["partitions"] == 8
        assert 0 <= pbo["pbo"] <= 1 and len(pbo["logits"]) == 70 and pbo["sessions_used"] == 248
        assert pbo["pbo"] == pytest.approx(np.mean(np.array(pbo["logits"]) <= 0))
    for key in ("deflated_sharpe", "deflated_pvr"):
        defl = v[key]
        assert defl["winner"] == f"ticker={winner}" and defl["n_trials"] == 7 and defl["trials_with_series"] == 6
        assert 0 <= defl["value"] <= 1 and defl["sessions"] == 252 and defl["reason"] == ""

    # Run again: every ok run is skipped, their series come from where the sweep kept them.
    again = subprocess.run(cmd + ["--workers", "1"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "6 already in the ledger" in again.stderr
    out = again.stdout
    assert f"in-sample winner ticker={winner}:" in out
    assert f"out-of-sample rank {oos_rank[winner]:.0f} of 6" in out
    assert f"(Spearman, PvR %/day): {fold['rank_correlation']['rho']:.2f}" in out
    assert "7 variants tried (failures count), 6 with series" in out
    assert re.search(rf"PBO of the PvR %/day ranking \(risked returns\) +{v['pbo_pvr']['pbo']:.2f}  ", out)
    assert re.search(rf"PBO of the Sharpe ranking \(returns\) +{v['pbo_returns']['pbo']:.2f}  ", out)
    assert re.search(rf"deflated Sharpe ratio of the winner +{v['deflated_sharpe']['value']:.2f}  ", out)
    assert re.search(rf"deflated PvR ratio of the winner +{v['deflated_pvr']['value']:.2f}  ", out)

    # The same report from Python, and its figure
    from pvr_plugin.store.run_ledger import RunLedger
    from pvr_plugin.sweep.spec import load_spec
    from pvr_plugin.sweep.validation import validate_sweep
    from pvr_plugin.views.overfit_plot import logit_figure

    loaded = load_spec(spec)
    ledger = RunLedger(pvr_home / "runs.sqlite")
    report = validate_sweep(loaded, ledger.query(sweep_id=loaded.sweep_id), ledger=ledger, partitions=8)
    assert report.variants["variant"].iloc[0] == f"ticker={winner}" and report.variants["is1_rank"].iloc[0] == 1
    assert report.pbo_pvr.pbo == v["pbo_pvr"]["pbo"]
    assert report.deflated_pvr.value == pytest.approx(v["deflated_pvr"]["value"], rel=1e-12)
    fig = logit_figure(report.pbo_pvr)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert math.isclose(sum(heights), 1.0)


def test_report_of_a_sweep_without_successful_runs_says_why(tmp_path):
    from pvr_plugin.store.run_ledger import RunLedger
    from pvr_plugin.sweep.spec import load_spec
    from pvr_plugin.sweep.validation import validate_sweep
    from pvr_plugin.views.overfit_text import validation_lines

    spec = tmp_path / "s.toml"
    spec.write_text(f'algorithm = "{HOLD}"\nstart = "2021-01-04"\nend = "2021-12-31"\n'
                    'out_of_sample = "2021-10-01"\n[grid]\nticker = ["KO", "XOM"]\n')
    loaded = load_spec(spec)
    ledger = RunLedger(tmp_path / "runs.sqlite")
    ledger.record({"status": "failed", "error": "boom", "sweep_id": loaded.sweep_id, "params": {"ticker": "KO"}})
    report = validate_sweep(loaded, ledger.query(sweep_id=loaded.sweep_id), ledger=ledger)
    assert report.trials == 2 and report.with_series == 0 and report.missing == []
    assert math.isnan(report.pbo_pvr.pbo) and "0 variant(s)" in report.pbo_pvr.reason
    assert math.isnan(report.deflated_sharpe.value) and report.deflated_sharpe.reason
    assert math.isnan(report.folds[0].rank_correlation.rho)
    text = "\n".join(validation_lines(report))
    assert "n/a (0 variant(s) with returns" in text and "nan" not in text.replace("n/a", "")
    assert json.loads(json.dumps(report.as_dict(), allow_nan=False))["pbo_pvr"]["pbo"] is None
