"""The run ledger: round trip, ranking, safe filters, several writers, killed writers."""
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from pvr_plugin.errors import PvrInputError
from pvr_plugin.store import RunLedger, default_ledger_path, params_key, record_failed_run, record_run
from pvr_plugin.store.run_ledger import COLUMN_NAMES
from tests.conftest import REPO




def full_row(**changes):
    row = {
        "algorithm": "/algos/long_short.py", "algorithm_sha256": "ab" * 32,
        "params": {"n_per_side": 4, "lookback": 126}, "sweep_id": None, "bundle": "pvr-demo",
        "start": pd.Timestamp("2021-01-04"), "end": "2021-06-30", "data_frequency": "daily",
        "capital_usd": 1_000_000.0, "metrics_set": "pvr", "risk_model": "cash_or_short",
        "pvr_pct": 12.5, "pvr_per_day_pct": 0.1, "qret_pct": 3.2, "cagr": 0.06, "alpha": 0.01,
        "beta": 0.5, "sharpe": 1.1, "max_drawdown": -0.08, "cash_low_usd": -2000.0,
        "max_short_usd": 500000.0, "max_risk_usd": 500000.0, "max_leverage": 1.05, "days": 124,
        "resolution": "intraday", "tag": "0.1000 r3.2 a0.01 b0.50 s1.10 d-8.0", "runtime_s": 1.5,
        "perf_path": "/tmp/perf.pkl",
    }
    row.update(changes)
    return row


def test_default_location_follows_pvr_home(pvr_home, monkeypatch):
    assert default_ledger_path() == pvr_home / "runs.sqlite"
    assert RunLedger().path == pvr_home / "runs.sqlite"
    monkeypatch.delenv("PVR_HOME")
    assert default_ledger_path() == Path.home() / ".pvr" / "runs.sqlite"


def test_round_trip(pvr_home):
    ledger = RunLedger()
    assert ledger.count() == 0 and ledger.query().empty  # nothing created by reading
    assert not (pvr_home / "runs.sqlite").exists()
    run_id = ledger.record(full_row())
    assert run_id == 1
    got = ledger.get(run_id)
    want = full_row()
    for key, value in want.items():
        if key == "start":
            assert got[key] == "2021-01-04"
        else:
            assert got[key] == value, key
    assert got["status"] == "ok" and got["error"] is None
    assert got["algorithm_name"] == "long_short"
    assert got["params_key"] == '{"lookback":126,"n_per_side":4}'
    assert got["created_at"].endswith("+00:00")
    assert set(got) == set(COLUMN_NAMES)
    frame = ledger.query()
    assert list(frame.columns) == list(COLUMN_NAMES)
    assert frame.loc[0, "pvr_per_day_pct"] == 0.1 and frame.loc[0, "days"] == 124
    # the file is SQLite in WAL mode
    with sqlite3.connect(pvr_home / "runs.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_nan_figures_are_stored_as_missing():
    ledger = RunLedger()
    run_id = ledger.record(full_row(pvr_pct=float("nan"), pvr_per_day_pct=float("nan"), alpha=float("inf")))
    got = ledger.get(run_id)
    assert math.isnan(got["pvr_pct"]) and math.isnan(got["alpha"])


def test_ranking_filters_and_limit():
    ledger = RunLedger()
    ledger.record(full_row(pvr_per_day_pct=0.2, qret_pct=1.0))
    ledger.record(full_row(pvr_per_day_pct=0.7512, qret_pct=0.5, algorithm="/x/short_only.py"))
    ledger.record(full_row(pvr_per_day_pct=float("nan"), qret_pct=9.0))
    ledger.record(full_row(pvr_per_day_pct=-0.1, qret_pct=2.0, sweep_id="sw-1"))
    ledger.record({"status": "failed", "error": "ZeroDivisionError: boom", "algorithm": "/algos/long_short.py"})
    ranked = ledger.query()
    # best PvR %/day first, missing values last (then by run id)
    assert ranked["run_id"].tolist() == [2, 1, 4, 3, 5]
    assert ledger.query(sort="qret_pct", descending=False)["run_id"].tolist() == [2, 1, 4, 3, 5]
    assert ledger.query(sort="qret_pct", descending=True)["run_id"].tolist() == [3, 4, 1, 2, 5]
    assert ledger.query(algorithm="short_only")["run_id"].tolist() == [2]
    assert ledger.query(algorithm="short_only.py")["run_id"].tolist() == [2]
    assert ledger.query(algorithm="/x/short_only.py")["run_id"].tolist() == [2]
    assert ledger.query(algorithm="long_short", status="ok")["run_id"].tolist() == [1, 4, 3]
    assert ledger.query(status="failed")["run_id"].tolist() == [5]
    assert ledger.query(sweep_id="sw-1")["run_id"].tolist() == [4]
    assert ledger.query(limit=2)["run_id"].tolist() == [2, 1]


def test_sort_and_filter_are_checked_and_never_sql():
    ledger = RunLedger()
    ledger.record(full_row())
    with pytest.raises(PvrInputError, match="unknown sort column"):
        ledger.query(sort="pvr_pct; DROP TABLE runs")
    with pytest.raises(PvrInputError, match="status"):
        ledger.query(status="ok' OR '1'='1")
    with pytest.raises(PvrInputError, match="limit"):
        ledger.query(limit="1; DROP TABLE runs")
    # values are parameters: quotes and SQL in them match nothing and harm nothing
    assert ledger.query(algorithm="x' OR '1'='1").empty
    assert ledger.query(sweep_id="'; DROP TABLE runs; --").empty
    assert ledger.count() == 1


def test_bad_rows():
    ledger = RunLedger()
    with pytest.raises(PvrInputError, match="unknown ledger column"):
        ledger.record({"pvr": 1.0})
    with pytest.raises(PvrInputError, match="run_id is assigned"):
        ledger.record({"run_id": 5})
    with pytest.raises(PvrInputError, match="status"):
        ledger.record({"status": "maybe"})
    with pytest.raises(PvrInputError, match="needs a number"):
        ledger.record({"pvr_pct": "high"})
    with pytest.raises(PvrInputError, match="a dict"):
        ledger.record([("pvr_pct", 1.0)])
    with pytest.raises(PvrInputError, match="no run 99"):
        ledger.get(99)
    with pytest.raises(PvrInputError, match="whole number"):
        ledger.get("first")
    assert ledger.count() == 0


def test_not_a_ledger_file(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.write_text("these are not the runs you are looking for\n" * 100)
    with pytest.raises(PvrInputError, match="not a run ledger"):
        RunLedger(path).query()


def test_sweep_bookkeeping():
    ledger = RunLedger()
    key = params_key({"b": 2, "a": (1, 2)})
    assert key == params_key({"a": [1, 2], "b": 2}) == '{"a":[1,2],"b":2}'
    assert not ledger.has("sw-9", key)
    ledger.record({"status": "failed", "error": "boom", "params": {"a": [1, 2], "b": 2}, "sweep_id": "sw-9"})
    assert not ledger.has("sw-9", key)  # failed runs are retried by default
    assert ledger.has("sw-9", key, status=None) and ledger.has("sw-9", key, status="failed")
    ledger.record(full_row(params={"b": 2, "a": [1, 2]}, sweep_id="sw-9"))
    assert ledger.has("sw-9", key)
    assert not ledger.has("sw-8", key) and not ledger.has(None, key)
    # an explicit params_key (e.g. a sweep's own) is kept
    ledger.record(full_row(params={"a": 1}, params_key="custom", sweep_id="sw-9"))
    assert ledger.has("sw-9", "custom")


def test_old_ledger_is_extended_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE runs (run_id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
                     "status TEXT NOT NULL, pvr_per_day_pct REAL)")
        conn.execute("INSERT INTO runs (created_at, status, pvr_per_day_pct) VALUES ('2020-01-01', 'ok', 0.3)")
    ledger = RunLedger(path)
    assert ledger.query()["pvr_per_day_pct"].tolist() == [0.3]
    ledger.record(full_row())
    frame = ledger.query()
    assert frame["run_id"].tolist() == [1, 2] and frame.loc[1, "tag"] == full_row()["tag"]


# ------------------------------------------------------------ recording runs


def hand_result(tmp_path):
    from pvr_plugin.adapters.runner import Algorithm, RunResult

    algo = tmp_path / "algo.py"
    source = "def initialize(context):\n    pass\n"
    algo.write_text(source)
    perf = pd.DataFrame({
        "starting_cash": [1000.0, 1000.0, 400.0], "starting_value": [0.0, 0.0, 620.0],
        "ending_cash": [1000.0, 400.0, -200.0], "long_value": [0.0, 620.0, 1250.0],
        "short_value": [0.0, 0.0, 0.0], "portfolio_value": [1000.0, 1020.0, 1050.0],
        "alpha": [None, 0.1, 0.2], "beta": [None, 0.5, 0.6], "sharpe": [None, 2.0, 3.0],
        "max_drawdown": [0.0, 0.0, 0.0],
    }, index=pd.date_range("2021-01-04", periods=3, tz="UTC"))
    return RunResult(perf=perf, algorithm=Algorithm(path=str(algo), source=source, namespace={}),
                     start=pd.Timestamp("2021-01-04"), end=pd.Timestamp("2021-01-06"), capital_base=1000.0,
                     data_frequency="daily", bundle="pvr-demo", metrics_set="default", params={"k": 3},
                     runtime_s=0.25)


def test_record_run(tmp_path, pvr_home):
    import hashlib

    result = hand_result(tmp_path)
    run_id = record_run(result, perf_path=tmp_path / "perf.pkl")
    got = RunLedger().get(run_id)
    # max risk 1200 (cash 1000 -> -200), profit 50: PvR 4.1667 %, 3 days
    assert got["max_risk_usd"] == 1200.0 and got["pvr_pct"] == pytest.approx(100 * 50 / 1200)
    assert got["pvr_per_day_pct"] == pytest.approx(100 * 50 / 1200 / 3)
    assert got["qret_pct"] == pytest.approx(5.0) and got["days"] == 3
    assert (got["alpha"], got["beta"], got["sharpe"]) == (0.2, 0.6, 3.0)
    assert got["tag"] == "1.3889 r5.0 a0.20 b0.60 s3.00 d0.0"
    assert got["algorithm"] == str(tmp_path / "algo.py") and got["algorithm_name"] == "algo"
    assert got["algorithm_sha256"] == hashlib.sha256(result.algorithm.source.encode()).hexdigest()
    assert got["params"] == {"k": 3} and got["params_key"] == '{"k":3}'
    assert (got["start"], got["end"], got["bundle"], got["data_frequency"]) == ("2021-01-04", "2021-01-06", "pvr-demo", "daily")
    assert got["capital_usd"] == 1000.0 and got["runtime_s"] == 0.25
    assert got["perf_path"] == str(tmp_path / "perf.pkl") and got["resolution"] == "daily bars"
    assert got["risk_model"] == "cash_or_short"


def test_record_failed_run(tmp_path):
    algo = tmp_path / "broken.py"
    algo.write_text("def initialize(context):\n    1 / 0\n")
    run_id = record_failed_run(algo, ZeroDivisionError("division by zero"), params={"a": 1}, start="2021-01-04")
    got = RunLedger().get(run_id)
    assert got["status"] == "failed" and got["error"] == "ZeroDivisionError: division by zero"
    assert math.isnan(got["pvr_per_day_pct"]) and got["days"] is None
    assert got["algorithm_sha256"] is not None and got["start"] == "2021-01-04"


# ------------------------------------------------------------ several processes, killed processes


WRITER = textwrap.dedent("""
    import sys
    from pvr_plugin.store import RunLedger
    path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ledger = RunLedger(path)
    for i in range(n):
        ledger.record({"algorithm": tag, "pvr_per_day_pct": i, "error": tag * 10})
""")


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "runs.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, "25"], cwd=REPO)
             for tag in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    frame = RunLedger(path).query(sort="run_id", descending=False)
    assert len(frame) == 50 and frame["run_id"].tolist() == list(range(1, 51))
    assert sorted(frame["algorithm"].value_counts().tolist()) == [25, 25]


# Records two rows, then starts a third and stops inside its transaction:
# the INSERT has run, the COMMIT has not.
HANGING_WRITER = textwrap.dedent("""
    import sqlite3, sys, time
    from pvr_plugin.store import RunLedger

    class Hanging(RunLedger):
        def _connect(self):
            conn = super()._connect()
            def trace(statement):
                if statement.strip().upper() == "COMMIT" and self.hang:
                    print("inside the transaction", flush=True)
                    time.sleep(600)
            conn.set_trace_callback(trace)
            return conn

    ledger = Hanging(sys.argv[1])
    ledger.hang = False
    ledger.record({"algorithm": "first", "pvr_per_day_pct": 0.1})
    ledger.record({"algorithm": "second", "pvr_per_day_pct": 0.2})
    ledger.hang = True
    ledger.record({"algorithm": "half", "pvr_per_day_pct": 0.3, "error": "x" * 100000})
""")


def test_killed_mid_write_leaves_earlier_rows_and_no_half_row(tmp_path):
    path = tmp_path / "runs.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", HANGING_WRITER, str(path)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "inside the transaction"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    ledger = RunLedger(path, timeout_s=5)
    frame = ledger.query(sort="run_id", descending=False)
    assert frame["algorithm"].tolist() == ["first", "second"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the dead writer's lock is gone: the next run is recorded
    assert ledger.record({"algorithm": "third"}) == 3


# Writes rows of 200 KB as fast as it can; killed at an arbitrary moment.
FAST_WRITER = textwrap.dedent("""
    import sys
    from pvr_plugin.store import RunLedger
    ledger = RunLedger(sys.argv[1])
    i = 0
    while True:
        i += 1
        ledger.record({"algorithm": f"run{i}", "days": i, "error": str(i % 10) * 200000})
        if i == 3:
            print("writing", flush=True)
""")


def test_killed_while_writing_fast_keeps_whole_rows(tmp_path):
    path = tmp_path / "runs.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", FAST_WRITER, str(path)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(0.5)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    frame = RunLedger(path).query(sort="run_id", descending=False)
    n = len(frame)
    assert n >= 3
    assert frame["run_id"].tolist() == list(range(1, n + 1))
    assert frame["days"].tolist() == list(range(1, n + 1))
    for i, error in zip(frame["days"], frame["error"]):
        assert error == str(i % 10) * 200000  # every row whole
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_unwritable_location_is_one_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PvrInputError, match="cannot create the folder of the run ledger"):
        RunLedger(blocker / "runs.sqlite").record({"algorithm": "x"})


def test_ledger_written_before_schema_versions_opens_and_migrates(tmp_path):
    """A ledger written by pvr-plugin 0.1.0 (layout 0, no user_version) reads and takes new rows."""
    import shutil

    from pvr_plugin.store.run_ledger import SCHEMA_VERSION

    path = tmp_path / "runs.sqlite"
    shutil.copy(REPO / "tests" / "data" / "store" / "ledger_v0.sqlite", path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    ledger = RunLedger(path)
    old = ledger.query(status="all", sort="run_id", descending=False)
    assert old["run_id"].tolist() == [1, 2, 3] and old["status"].tolist() == ["ok", "ok", "failed"]
    assert old.loc[0, "tag"] == "0.0249 r3.1 a0.01 b0.20 s0.45 d-12.0"
    assert old.loc[1, "max_leverage"] == 41000.0 and math.isnan(old.loc[1, "alpha"])
    assert ledger.get(3)["error"] == "ZeroDivisionError: division by zero"
    # the first write migrates in place and keeps every earlier row as it was
    new_id = ledger.record(full_row())
    assert new_id == 4
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again = ledger.query(status="all", sort="run_id", descending=False)
    pd.testing.assert_frame_equal(again.iloc[:3].reset_index(drop=True), old)


def test_a_newer_layout_and_a_foreign_runs_table_are_refused(tmp_path):
    from pvr_plugin.store.run_ledger import SCHEMA_VERSION

    newer = tmp_path / "newer.sqlite"
    RunLedger(newer).record(full_row())
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(PvrInputError, match="newer pvr-plugin"):
        RunLedger(newer).record(full_row())
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE runs (id INTEGER, name TEXT)")
    for call in (lambda: RunLedger(foreign).query(), lambda: RunLedger(foreign).record(full_row())):
        with pytest.raises(PvrInputError, match=r"not a run ledger: its 'runs' table has no 'run_id' column"):
            call()
