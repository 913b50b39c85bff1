"""Ctrl-C (SIGINT) on a real Dask sweep: out within 5 s with its workers, then resumed to the end."""
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from pvr_plugin.store.run_ledger import RunLedger
from tests.sweep.test_engine import spec_file

pytestmark = pytest.mark.usefixtures("zipline_root")
RUNS = 6


def test_sigint_stops_sweep_and_workers_within_5_s_then_resume_completes(tmp_path):
    env = {**os.environ, "PVR_HOME": str(tmp_path / "home")}
    spec = spec_file(tmp_path, {"shares": list(range(1, RUNS + 1))}, end="2021-06-30")
    cmd = [sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(spec), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    db = tmp_path / "home" / "runs.sqlite"
    try:
        deadline = time.time() + 240
        while not (db.exists() and RunLedger(db).count() >= 1):
            assert proc.poll() is None and time.time() < deadline, "the sweep recorded nothing in time"
            time.sleep(0.1)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) >= 2  # one process per worker, as the sweep runs
        os.kill(proc.pid, signal.SIGINT)  # the coordinator only: it must stop its workers itself
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=30)
        took_s = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert took_s < 5, took_s
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    _, alive = psutil.wait_procs(workers, timeout=1)
    assert not alive, alive
    before = RunLedger(db).query()
    assert 1 <= len(before) < RUNS and (before["status"] == "ok").all()
    assert f"of {RUNS} are in the run ledger" in err and f"Resume with: pvr sweep {spec} --workers 2" in err

    done = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"({len(before)} already in the ledger)" in done.stderr
    after = RunLedger(db).query()
    assert len(after) == RUNS and after["params_key"].is_unique and (after["status"] == "ok").all()
    assert set(before["run_id"]) <= set(after["run_id"])  # the interrupted sweep's runs were kept, not redone
