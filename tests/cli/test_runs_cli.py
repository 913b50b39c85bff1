"""`pvr runs` and `pvr compare` as a user runs them, and the notebook's comparison function."""
import io
import json
import math

import pandas as pd
import pytest

from pvr_plugin.core import research
from pvr_plugin.store import RunLedger
from pvr_plugin.views.run_report import COMPARISON_COLUMNS, comparison_frame
from tests.conftest import REPO as ROOT
from tests.conftest import assert_one_line_error, run_pvr

JSON_KEYS = {
    "run_id", "algorithm", "pvr_pct", "pvr_per_day_pct", "qret_pct", "cagr", "alpha", "beta", "sharpe",
    "max_drawdown", "cash_low_usd", "max_short_usd", "max_risk_usd", "max_leverage", "days", "resolution", "tag",
}
NUMBER_KEYS = JSON_KEYS - {"run_id", "algorithm", "resolution", "tag", "days", "alpha", "beta"}



pvr = run_pvr


def hand_frame(scale=1.0, shift=0.0):
    """S = 1000; max risk 1200; final value 1000 + 150 * scale."""
    pnl = [0.0, 20.0 * scale, 50.0 * scale, 150.0 * scale]
    cash = [1000.0, 400.0, -200.0, -200.0]
    short = [0.0, 0.0, 0.0, 0.0]
    value = [1000.0 + p for p in pnl]
    long_ = [v - c for v, c in zip(value, cash)]
    return pd.DataFrame({
        "starting_cash": [1000.0, *cash[:-1]], "ending_cash": cash, "long_value": long_, "short_value": short,
        "portfolio_value": value, "alpha": [None, 0.1, 0.2, 0.3 + shift], "beta": [None, 1.0, 1.0, 0.9],
        "sharpe": [None, 1.0, 2.0, 3.0], "max_drawdown": [0.0, 0.0, 0.0, -0.05],
    }, index=pd.date_range("2021-01-04", periods=4, tz="UTC"))


def seed_ledger():
    ledger = RunLedger()
    rows = [("/a/long_short.py", 0.2, 5.0), ("/a/short_only.py", 0.7512, 1.0), ("/a/long_short.py", -0.1, 9.0)]
    for algo, per_day, qret in rows:
        ledger.record({"algorithm": algo, "pvr_per_day_pct": per_day, "pvr_pct": per_day * 100,
                       "qret_pct": qret, "days": 100, "resolution": "end_of_day",
                       "tag": research.tag(per_day, qret, 0.1, 0.9, 1.0, -0.1), "alpha": 0.1, "beta": 0.9,
                       "sharpe": 1.0, "max_drawdown": -0.1, "cagr": 0.05, "cash_low_usd": 10.0,
                       "max_short_usd": 0.0, "max_risk_usd": 990.0, "max_leverage": 1.0, "sweep_id": "sw-1"
                       if qret == 9.0 else None})
    ledger.record({"status": "failed", "algorithm": "/a/long_short.py", "error": "ValueError: boom"})
    return ledger


def test_runs_lists_best_pvr_per_day_first():
    seed_ledger()
    proc = pvr("runs")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "PvR %/day" in lines[0] and "tag" in lines[0]
    assert [ln.split()[0] for ln in lines[1:]] == ["2", "1", "3", "4"]
    # the tag repeats the figures in short: cut first to keep the row within 120 columns
    assert " 0.7512 r1.0 a0.10 b0.90" in lines[1] and lines[1].endswith("\u2026")


def test_runs_json_csv_filters_and_sort():
    seed_ledger()
    proc = pvr("runs", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["run_id"] for r in rows] == [2, 1, 3, 4]
    for row in rows:
        assert JSON_KEYS <= set(row)
        assert isinstance(row["run_id"], int)
    for key in NUMBER_KEYS | {"days", "alpha", "beta"}:
        assert isinstance(rows[0][key], (int, float)) and not isinstance(rows[0][key], bool), key
    assert isinstance(rows[0]["days"], int) and rows[0]["pvr_per_day_pct"] == 0.7512
    assert rows[-1]["status"] == "failed" and rows[-1]["pvr_pct"] is None  # missing, not NaN text
    assert rows[0]["params"] == {}

    by_qret = json.loads(pvr("runs", "--json", "--sort", "qret_pct", "--ascending", "--status", "ok").stdout)
    assert [r["run_id"] for r in by_qret] == [2, 1, 3]
    only = json.loads(pvr("runs", "--json", "--algorithm", "long_short").stdout)
    assert [r["run_id"] for r in only] == [1, 3, 4]
    assert [r["run_id"] for r in json.loads(pvr("runs", "--json", "--sweep", "sw-1").stdout)] == [3]
    assert [r["run_id"] for r in json.loads(pvr("runs", "--json", "--limit", "1").stdout)] == [2]

    csv = pvr("runs", "--csv")
    assert csv.returncode == 0, csv.stderr
    frame = pd.read_csv(io.StringIO(csv.stdout))
    assert frame["run_id"].tolist() == [2, 1, 3, 4] and JSON_KEYS <= set(frame.columns)


def test_runs_bad_options_and_empty_ledger(pvr_home):
    proc = pvr("runs")
    assert proc.returncode == 0 and "no runs recorded in" in proc.stdout
    assert json.loads(pvr("runs", "--json").stdout) == []
    assert not (pvr_home / "runs.sqlite").exists()
    assert_one_line_error(pvr("runs", "--sort", "pvr; DROP TABLE runs"), "unknown sort column")
    assert_one_line_error(pvr("runs", "--json", "--csv"), "--json", "--csv")
    assert_one_line_error(pvr("runs", "--limit", "0"), "--limit")


def test_compare_runs_and_files(tmp_path):
    seed_ledger()
    good = tmp_path / "good.pkl"
    hand_frame(scale=2.0).to_pickle(good)
    proc = pvr("compare", "1", "2", str(good), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["run_id"] for r in rows] == [None, 2, 1]  # best PvR %/day first
    file_row = rows[0]
    assert JSON_KEYS <= set(file_row)
    assert file_row["algorithm"] == str(good) and file_row["source"] == "file"
    # final value 1300, max risk 1200 (cash 1000 -> -200): PvR 25 %, 4 days
    assert file_row["pvr_pct"] == pytest.approx(25.0) and file_row["pvr_per_day_pct"] == pytest.approx(6.25)
    assert file_row["qret_pct"] == pytest.approx(30.0) and file_row["days"] == 4
    assert file_row["tag"] == "6.2500 r30.0 a0.30 b0.90 s3.00 d-5.0"
    assert file_row["resolution"] == "daily bars" and file_row["max_risk_usd"] == 1200.0
    for key in NUMBER_KEYS:
        assert isinstance(file_row[key], float), key
    assert rows[1]["tag"] == "0.7512 r1.0 a0.10 b0.90 s1.00 d-10.0"

    text = pvr("compare", "2", str(good))
    assert text.returncode == 0, text.stderr
    header = text.stdout.splitlines()[0]
    assert "#2 short_only" in header and str(good) in header  # side by side: one column per run
    assert "6.2500 r30.0" in text.stdout

    csv = pvr("compare", "2", str(good), "--csv")
    assert pd.read_csv(io.StringIO(csv.stdout))["pvr_per_day_pct"].tolist() == pytest.approx([6.25, 0.7512])


def test_compare_bad_inputs(tmp_path):
    seed_ledger()
    notes = tmp_path / "notes.pkl"
    notes.write_text("this is not a pickle\n")
    assert_one_line_error(pvr("compare", str(notes)), "notes.pkl", "not a pandas pickle")
    assert_one_line_error(pvr("compare", str(tmp_path / "missing.pkl")), "missing.pkl", "not found")
    listing = tmp_path / "list.pkl"
    pd.to_pickle([1, 2, 3], listing)
    assert_one_line_error(pvr("compare", str(listing)), "list.pkl", "holds a list")
    no_cash = tmp_path / "returns.pkl"
    pd.DataFrame({"returns": [0.01, 0.02]}).to_pickle(no_cash)
    assert_one_line_error(pvr("compare", str(no_cash)), "no 'ending_cash' column")
    empty = tmp_path / "empty.pkl"
    hand_frame().iloc[:0].to_pickle(empty)
    assert_one_line_error(pvr("compare", str(empty)), "is empty")
    assert_one_line_error(pvr("compare", "42"), "no run 42")
    assert_one_line_error(pvr("compare", str(tmp_path / "perf.csv")), "perf.csv")


@pytest.mark.usefixtures("zipline_root")
def test_pvr_run_records_and_compare_reads_it_back(tmp_path, pvr_home):
    out = tmp_path / "short_only.pkl"
    proc = pvr("run", "strategies/short_only.py", "--start", "2021-01-04", "--end", "2021-02-26", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"recorded run 1 in {pvr_home / 'runs.sqlite'}" in proc.stdout
    rows = json.loads(pvr("runs", "--json").stdout)
    assert len(rows) == 1
    row = rows[0]
    assert row["algorithm"] == str(ROOT / "strategies" / "short_only.py")
    assert row["perf_path"] == str(out) and row["status"] == "ok"
    assert (row["start"], row["end"], row["data_frequency"], row["bundle"]) == ("2021-01-04", "2021-02-26", "daily", "pvr-demo")
    assert row["capital_usd"] == 1_000_000.0 and row["metrics_set"] == "pvr" and row["runtime_s"] > 0
    # the recorded figures are the saved frame's summary, and the metric's own PvR
    perf = pd.read_pickle(out)
    summary = research.run_summary(perf)
    for key in research.SUMMARY_KEYS:
        want = getattr(summary, key)
        if isinstance(want, float):
            assert row[key] == pytest.approx(want, rel=1e-12, nan_ok=True), key
        else:
            assert row[key] == want, key
    assert row["pvr_pct"] == pytest.approx(perf["pvr_pct"].iloc[-1], rel=1e-9)
    assert row["resolution"] == "daily bars" and row["max_short_usd"] > 0  # a daily run: extremes at the closes
    assert not math.isnan(row["alpha"])  # S&P 500 benchmark by default
    both = json.loads(pvr("compare", "1", str(out), "--json").stdout)
    assert both[0]["tag"] == both[1]["tag"] == row["tag"]

    again = pvr("run", "strategies/fixed_shares.py", "--start", "2021-01-04", "--end", "2021-01-08", "--no-record")
    assert again.returncode == 0, again.stderr
    assert "recorded run" not in again.stdout
    assert len(json.loads(pvr("runs", "--json").stdout)) == 1


def test_comparison_frame_for_notebooks(tmp_path):
    seed_ledger()
    saved = tmp_path / "saved.pkl"
    hand_frame(scale=0.5).to_pickle(saved)
    frame = comparison_frame({"mine": hand_frame(), "ledger best": 2, "file": saved})
    assert list(frame.columns) == list(COMPARISON_COLUMNS)
    # PvR %/day: mine 100 * 150 / 1200 / 4 = 3.125, file 100 * 75 / 1200 / 4 = 1.5625, run 2 0.7512
    assert frame["run"].tolist() == ["mine", "file", "ledger best"]
    assert frame["pvr_per_day_pct"].tolist() == pytest.approx([3.125, 1.5625, 0.7512])
    assert frame["source"].tolist() == ["frame", "file", "ledger"]
    assert frame.loc[2, "run_id"] == 2 and pd.isna(frame.loc[0, "run_id"])
    listed = comparison_frame([saved, "2"])
    assert listed["run"].tolist() == [str(saved), "#2 short_only"]
    with pytest.raises(ValueError, match="cannot compare a float"):
        comparison_frame([1.5])


@pytest.mark.usefixtures("zipline_root")
def test_pvr_run_records_a_failed_run(tmp_path):
    algo = tmp_path / "boom.py"
    algo.write_text("def initialize(context):\n    context.n = 0\n\n\n"
                    "def handle_data(context, data):\n    context.n += 1\n"
                    "    if context.n > 2:\n        raise RuntimeError('boom on day 3')\n")
    proc = pvr("run", str(algo), "--start", "2021-01-04", "--end", "2021-01-15", "--param", "x=1")
    assert proc.returncode == 2 and "has no PARAMS dict" in proc.stderr  # a user mistake: not recorded
    proc = pvr("run", str(algo), "--start", "2021-01-04", "--end", "2021-01-15")
    assert proc.returncode != 0 and "RuntimeError: boom on day 3" in proc.stderr
    assert "recorded failed run 1 in" in proc.stderr
    rows = json.loads(pvr("runs", "--json").stdout)
    assert len(rows) == 1
    assert rows[0]["status"] == "failed" and rows[0]["error"] == "RuntimeError: boom on day 3"
    assert rows[0]["algorithm"] == str(algo) and rows[0]["pvr_per_day_pct"] is None
