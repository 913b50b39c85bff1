"""`pvr run` on real one-week backtests: an algorithm's sys.exit is a recorded failed run, and a
frame that cannot be written after the backtest is kept in a fallback file and recorded."""
import json
import os

import pandas as pd
import pytest
from click.testing import CliRunner

from pvr_plugin.cli.main import cli
from pvr_plugin.store import RunLedger

pytestmark = pytest.mark.usefixtures("zipline_root")
WEEK = ["--start", "2021-01-04", "--end", "2021-01-08"]

EXITS_IN_HANDLE_DATA = '''import sys

from zipline.api import order, symbol

PARAMS = {"code": 3}


def initialize(context):
    context.bars = 0


def handle_data(context, data):
    context.bars += 1
    order(symbol("KO"), 1)
    if context.bars == 2:
        sys.exit(PARAMS["code"])
'''

# Removes the folder the frame is to be saved in once the backtest is over:
# the write fails after a finished run, as a full disk or a lost mount would.
REMOVES_OUT_FOLDER = '''import shutil

from zipline.api import order, symbol

PARAMS = {"doomed": ""}


def initialize(context):
    pass


def handle_data(context, data):
    order(symbol("KO"), 1)


def analyze(context, perf):
    shutil.rmtree(PARAMS["doomed"])
'''


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_sys_exit_inside_the_backtest_is_a_failed_run_with_its_code(tmp_path, pvr_home):
    algo = tmp_path / "exits.py"
    algo.write_text(EXITS_IN_HANDLE_DATA)
    result = invoke("run", algo, *WEEK, "--param", "code=7")
    assert result.exit_code == 1, result.output  # a failed run, not the algorithm's 7 as pvr's status
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "SystemExit(7)" in lines[0] and "exits.py" in lines[0], result.stderr
    assert "recorded failed run 1" in lines[0]
    rows = RunLedger(pvr_home / "runs.sqlite").query()
    assert len(rows) == 1 and rows.loc[0, "status"] == "failed"
    assert "SystemExit(7)" in rows.loc[0, "error"] and json.loads(rows.loc[0, "params"]) == {"code": 7}


def test_sys_exit_while_the_file_loads_is_a_failed_run_too(tmp_path, pvr_home):
    algo = tmp_path / "exits_early.py"
    algo.write_text("import sys\nsys.exit('no data today')\n\ndef initialize(context):\n    pass\n")
    result = invoke("run", algo, *WEEK)
    assert result.exit_code == 1, result.output
    assert "SystemExit('no data today')" in result.stderr and len(result.stderr.splitlines()) == 1
    rows = RunLedger(pvr_home / "runs.sqlite").query()
    assert rows["status"].tolist() == ["failed"] and "no data today" in rows.loc[0, "error"]


def test_frame_that_cannot_be_saved_goes_to_a_fallback_file_and_the_run_is_recorded(tmp_path, pvr_home):
    algo = tmp_path / "removes.py"
    algo.write_text(REMOVES_OUT_FOLDER)
    doomed = tmp_path / "out"
    doomed.mkdir()
    out = doomed / "perf.pkl"
    result = invoke("run", algo, *WEEK, "--param", f"doomed={doomed}", "--out", out)

    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("pvr: error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    assert f"--out {out}" in lines[0] and "recorded as run 1" in lines[0]
    fallback = lines[0].split("saved to ")[1].split(" instead")[0]
    assert os.path.dirname(fallback) == os.fspath(pvr_home / "unsaved")
    perf = pd.read_pickle(fallback)
    # the whole finished week: five sessions, one share of KO bought on each of the first four
    assert len(perf) == 5 and perf["positions"].iloc[-1][0]["amount"] == 4
    assert {"pvr_pct", "max_risk_usd"} <= set(perf.columns)
    row = RunLedger(pvr_home / "runs.sqlite").get(1)
    assert row["status"] == "ok" and row["perf_path"] == fallback and row["days"] == 5
    assert not doomed.exists()
