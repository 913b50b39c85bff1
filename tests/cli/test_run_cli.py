"""`pvr ingest`, `pvr run`, `pvr demo` as a user runs them (real subprocesses)."""
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import assert_one_line_error, run_pvr




pvr = run_pvr


@pytest.mark.usefixtures("zipline_root")
def test_demo_prints_comparison_table():
    proc = pvr("demo", "--start", "2021-01-04", "--end", "2021-06-30")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "PvR %/day" in out and "QRet" in out and max(len(ln) for ln in out.splitlines()) <= 120
    rows = [ln.split() for ln in out.splitlines()
            if ln.strip().startswith(("fixed_shares", "long_short")) and "," in ln.split()[1]]
    assert len(rows) == 3
    fixed = [r for r in rows if r[0] == "fixed_shares"]
    # same trades at $10,000 and $10,000,000: returns differ, PvR % identical
    assert fixed[0][2] != fixed[1][2]
    assert fixed[0][3] == fixed[1][3]


@pytest.mark.usefixtures("zipline_root")
def test_run_saves_frame_and_prints_summary(tmp_path):
    out = tmp_path / "perf.pkl"
    proc = pvr("run", "strategies/short_only.py", "--start", "2021-01-04", "--end", "2021-03-31", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "activated/transacted for PvR of" in proc.stdout
    perf = pd.read_pickle(out)
    assert {"pvr_pct", "max_risk_usd", "cash_low_usd"} <= set(perf.columns)
    assert perf["max_risk_usd"].iloc[-1] > 0
    assert "recorded run 1 in " in proc.stdout


@pytest.mark.usefixtures("zipline_root")
def test_run_with_param_override(tmp_path):
    out = tmp_path / "perf.pkl"
    proc = pvr("run", "strategies/fixed_shares.py", "--start", "2021-01-04", "--end", "2021-01-29",
               "--param", "shares_per_day=3", "--param", "ticker=KO", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    last = pd.read_pickle(out)["positions"].iloc[-1]
    assert last[0]["amount"] == 3 * (len(pd.read_pickle(out)) - 1)


def test_missing_file():
    assert_one_line_error(pvr("run", "no_such_algo.py"), "not found", "no_such_algo.py")


def test_algorithm_without_initialize(tmp_path):
    algo = tmp_path / "noinit.py"
    algo.write_text("def handle_data(context, data):\n    pass\n")
    assert_one_line_error(pvr("run", str(algo)), "initialize", "noinit.py")


def test_syntax_error(tmp_path):
    algo = tmp_path / "broken.py"
    algo.write_text("def initialize(context)\n    pass\n")
    assert_one_line_error(pvr("run", str(algo)), "broken.py:1", "syntax error")


@pytest.mark.usefixtures("zipline_root")
def test_dates_outside_bundle():
    assert_one_line_error(pvr("run", "strategies/fixed_shares.py", "--start", "1985-01-02", "--end", "1986-01-02"),
                          "outside the pvr-demo daily data")


@pytest.mark.usefixtures("zipline_root")
def test_unknown_bundle():
    assert_one_line_error(pvr("run", "strategies/fixed_shares.py", "--bundle", "nope"), "unknown bundle 'nope'")


@pytest.mark.usefixtures("zipline_root")
def test_minute_run_outside_window():
    assert_one_line_error(
        pvr("run", "strategies/intraday.py", "--data-frequency", "minute", "--start", "2021-03-01", "--end", "2021-03-05"),
        "outside the pvr-demo minute data", "2022-10-03")


def test_unknown_param():
    assert_one_line_error(pvr("run", "strategies/fixed_shares.py", "--param", "nope=1"), "nope", "shares_per_day")


def test_bad_out_suffix():
    assert_one_line_error(pvr("run", "strategies/fixed_shares.py", "--out", "perf.csv"), "perf.csv")


def test_ingest_registers_zipline_extension(zipline_root):
    proc = pvr("ingest")
    assert proc.returncode == 0, proc.stderr
    assert "already ingested" in proc.stdout
    text = (Path(zipline_root) / "extension.py").read_text()
    assert text.count("pvr_plugin.adapters.extension") == 1
    pvr("ingest")  # idempotent: the line is not added twice
    assert (Path(zipline_root) / "extension.py").read_text().count("pvr_plugin.adapters.extension") == 1


@pytest.mark.usefixtures("zipline_root")
def test_demo_wiped_out_row_is_na_with_the_reason_and_the_same_pvr(tmp_path):
    """The $10,000 fixed_shares account goes below zero in 2022: its return statistics are
    undefined and shown so; its PvR equals the $10,000,000 run's (the same trades)."""
    proc = pvr("demo")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    rows = {ln.split()[1]: ln.split() for ln in lines if ln.strip().startswith("fixed_shares ")}
    small, big = rows["$10,000"], rows["$10,000,000"]  # run names whole, not cut
    assert max(len(ln) for ln in lines) <= 120
    assert small[3] == big[3] and small[4] == big[4]  # PvR %, PvR %/day
    assert small[-4:] == ["n/a", "n/a", "n/a", "n/a"]  # sharpe, MaxDD, alpha, beta
    assert "n/a" not in big
    note = [ln for ln in lines if ln.strip().startswith("fixed_shares $10,000:")]
    assert len(note) == 1 and "account value reached -$" in note[0] and " on 2022-" in note[0]


@pytest.mark.usefixtures("zipline_root")
def test_examples_run_by_name_from_any_folder(tmp_path):
    """`pvr run fixed_shares` and `pvr sweep long_short_sweep` find the shipped examples."""
    proc = pvr("run", "fixed_shares", "--start", "2021-01-04", "--end", "2021-01-15", "--no-record", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "activated/transacted for PvR of" in proc.stdout
    dry = pvr("sweep", "long_short_sweep", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "runs of" in dry.stdout + dry.stderr and "long_short.py" in dry.stdout + dry.stderr
    assert_one_line_error(pvr("run", "no_such_strategy", cwd=tmp_path),
                          "algorithm file not found: no_such_strategy", "long_short")
