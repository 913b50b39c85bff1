"""Sweeps on real Dask clusters: results, failures, worker deaths, resume after kill -9."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pvr_plugin.adapters.runner import run_file
from pvr_plugin.core.research import run_summary
from pvr_plugin.store.run_ledger import RunLedger
from pvr_plugin.sweep.engine import run_sweep
from pvr_plugin.sweep.parameters import parameter_effects
from pvr_plugin.sweep.spec import load_spec
from tests.conftest import REPO as ROOT
from tests.conftest import assert_one_line_error, run_pvr

pytestmark = pytest.mark.usefixtures("zipline_root")
PROBE = ROOT / "tests" / "algos" / "sweep_probe.py"


def spec_file(tmp_path, grid, start="2021-01-04", end="2021-02-26"):
    path = tmp_path / "sweep.toml"
    lines = [f'algorithm = "{PROBE}"', f'start = "{start}"', f'end = "{end}"', "capital_base = 100000", "[grid]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in grid.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_local_cluster_results_equal_runs_alone_and_failures_recorded(tmp_path):
    spec = load_spec(spec_file(tmp_path, {"shares": [3, 8], "mode": ["ok", "raise", "exit"]}))
    ledger = RunLedger(tmp_path / "runs.sqlite")
    results = run_sweep(spec, workers=2, ledger=ledger)
    assert len(results) == 6 and ledger.count() == 6
    params = results["params"].map(json.loads)
    ok = results[params.map(lambda p: p["mode"] == "ok")]
    assert (ok["status"] == "ok").all()
    for _, row in ok.iterrows():
        shares = json.loads(row["params"])["shares"]
        alone = run_file(PROBE, start=spec.start, end=spec.end, capital_base=100000, metrics_set="pvr",
                         params={"shares": shares, "mode": "ok"})
        summary = run_summary(alone.perf, start_usd=100000)
        assert row["pvr_pct"] == pytest.approx(summary.pvr_pct, rel=1e-12)
        assert row["max_risk_usd"] == pytest.approx(summary.max_risk_usd, rel=1e-12)
        assert row["sweep_id"] == spec.sweep_id
    raised = results[params.map(lambda p: p["mode"] == "raise")]
    assert (raised["status"] == "failed").all()
    assert raised["error"].str.contains("RuntimeError: probe asked to fail").all()
    exited = results[params.map(lambda p: p["mode"] == "exit")]
    assert len(exited) == 2 and (exited["status"] == "failed").all()
    assert exited["error"].str.contains(r"AlgorithmExit: .*SystemExit\(3\)").all()
    table = parameter_effects(results)
    assert set(table["parameter"]) == {"shares", "mode"}
    assert table.loc[table["parameter"] == "mode", "value"].tolist() == ["ok"]  # only successful runs rank

    # resume: the same spec finds its ok runs and retries only the failed ones
    again = run_sweep(spec, workers=1, ledger=ledger)
    assert ledger.count() == 6 + 4
    assert (again["status"] == "ok").sum() == 2


def test_worker_death_retried_once_then_failed(tmp_path, monkeypatch):
    deaths = tmp_path / "deaths.txt"
    monkeypatch.setenv("PVR_PROBE_DEATHS", str(deaths))
    spec = load_spec(spec_file(tmp_path, {"mode": ["ok", "die"]}))
    results = run_sweep(spec, workers=1, ledger=RunLedger(tmp_path / "runs.sqlite"))
    status = dict(zip(results["params"].map(lambda p: json.loads(p)["mode"]), results["status"]))
    assert status == {"ok": "ok", "die": "failed"}
    assert results.loc[results["status"] == "failed", "error"].str.contains("KilledWorker").all()
    assert deaths.read_text().count("died") == 2  # the first try and one retry


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sweep_through_a_separate_scheduler_and_two_workers(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PVR_HOME": str(tmp_path / "home")}
    bindir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1.0)
        for _ in range(2):
            procs.append(subprocess.Popen([str(bindir / "dask"), "worker", address, "--nthreads", "1",
                                           "--no-dashboard", "--host", "127.0.0.1"],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # workers are their own processes
        # the bundle is checked where the runs would run, before any of them
        bad = spec_file(tmp_path, {"shares": [2]}).read_text().replace("[grid]", 'bundle = "nope"\n[grid]')
        (tmp_path / "bad.toml").write_text(bad)
        refused = run_pvr("sweep", tmp_path / "bad.toml", "--scheduler", address)
        assert_one_line_error(refused, "unknown bundle 'nope'")
        spec = spec_file(tmp_path, {"shares": [2, 4, 6]})
        proc = subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(spec), "--scheduler", address],
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        rows = RunLedger(tmp_path / "home" / "runs.sqlite").query()
        assert len(rows) == 3 and (rows["status"] == "ok").all()
        # more shares bought every day, same prices: a larger book
        by_shares = rows.assign(s=rows["params"].map(lambda p: json.loads(p)["shares"])).sort_values("s")
        assert np.all(np.diff(by_shares["max_risk_usd"].to_numpy()) > 0)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_kill_9_mid_sweep_then_resume(tmp_path):
    env = {**os.environ, "PVR_HOME": str(tmp_path / "home")}
    spec = spec_file(tmp_path, {"shares": list(range(1, 9))}, end="2021-06-30")
    cmd = [sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(spec), "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db = tmp_path / "home" / "runs.sqlite"
    deadline = time.time() + 240
    try:
        while time.time() < deadline:
            if db.exists() and RunLedger(db).count() >= 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the sweep recorded nothing in time")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its worker, mid-sweep
        proc.wait()
    before = RunLedger(db).query()
    assert 2 <= len(before) < 8
    assert (before["status"] == "ok").all() and before["pvr_pct"].notna().all()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{len(before)} already in the ledger" in done.stderr
    after = RunLedger(db).query()
    assert len(after) == 8 and after["params_key"].is_unique and (after["status"] == "ok").all()
    kept = after.set_index("run_id").loc[before["run_id"]]
    np.testing.assert_allclose(kept["pvr_pct"], before.set_index("run_id")["pvr_pct"], rtol=0)
