"""Parallel efficiency of `pvr sweep` on this machine.

Eight daily backtests of two years (long_short.py, 2 lookbacks x 4 book sizes):

* sequential: one after another in this process (imports warm);
* sweep, cold: a new local Dask cluster (one worker process per core) started,
  workers import zipline and open the bundle, the 8 runs, ledger writes;
* sweep, warm: the same on a cluster whose workers already ran one backtest.

Also prints the engine's per-run overhead: time inside a worker task beyond the
backtest itself (import, bundle open, summary), and the coordinator's share
(submission, result transfer, ledger write) per run.

    python benchmarks/bench_sweep.py [--workers 2]
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

os.environ.setdefault("PVR_HOME", tempfile.mkdtemp(prefix="pvr-bench-home-"))

from pvr_plugin.adapters import bundle as demo  # noqa: E402
from pvr_plugin.adapters.runner import run_file  # noqa: E402
from pvr_plugin.quiet import quiet_library_warnings  # noqa: E402
from pvr_plugin.store.run_ledger import RunLedger  # noqa: E402
from pvr_plugin.sweep import engine  # noqa: E402
from pvr_plugin.sweep.spec import SweepSpec  # noqa: E402

ALGO = Path(__file__).resolve().parents[1] / "strategies" / "long_short.py"
GRID = {"lookback": [63, 126], "n_per_side": [2, 3, 4, 5]}
START, END = "2020-01-02", "2021-12-31"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    quiet_library_warnings()
    demo.ensure_ingested()
    spec = SweepSpec(algorithm=str(ALGO), start=START, end=END, grid=GRID)
    combos = spec.combinations()

    run_file(ALGO, start=START, end=END, metrics_set="pvr")  # warm imports and caches
    t0 = time.perf_counter()
    backtest_s = []
    for c in combos:
        r = run_file(ALGO, start=START, end=END, capital_base=c["capital_base"], metrics_set="pvr", params=c["params"])
        backtest_s.append(r.runtime_s)
    sequential = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        rows = engine.run_sweep(spec, workers=args.workers, ledger=RunLedger(Path(tmp) / "cold.sqlite"))
        cold = time.perf_counter() - t0
        assert (rows["status"] == "ok").all(), rows["error"].tolist()

    # Warm: keep one cluster, run one backtest per worker first, then time the sweep's tasks.
    from distributed import Client, LocalCluster, as_completed

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
        source = ALGO.read_text()
        warm_args = (str(ALGO), source, START, END, "daily", "pvr-demo", "pvr")
        client.gather([client.submit(engine.run_combination, *warm_args, combos[i]["params"], 1e6, pure=False,
                                     workers=[w]) for i, w in enumerate(client.scheduler_info()["workers"])])
        ledger = RunLedger(Path(tempfile.mkdtemp()) / "warm.sqlite")
        t0 = time.perf_counter()
        futures = [client.submit(engine.run_combination, *warm_args, c["params"], c["capital_base"], pure=False)
                   for c in combos]
        task_rows = []
        for fut in as_completed(futures):
            row = fut.result()
            task_rows.append(dict(row))
            for k in ("traceback", "worker_pid", "task_s", "series"):
                row.pop(k, None)
            ledger.record({**row, "sweep_id": "bench"})
        warm = time.perf_counter() - t0

    tasks = pd.DataFrame(task_rows)
    in_task_overhead = (tasks["task_s"] - tasks["runtime_s"]).mean()
    coordinator_overhead = (warm * args.workers - tasks["task_s"].sum()) / len(combos)
    print(f"{len(combos)} daily backtests of 2 years, {args.workers} workers, {os.cpu_count()} cores")
    print(f"  sequential (warm, in process)      {sequential:7.2f} s   (backtests alone {sum(backtest_s):.2f} s)")
    print(f"  sweep, cold cluster (start+runs)   {cold:7.2f} s   ratio {cold / sequential:.2f}x")
    print(f"  sweep, warm cluster                {warm:7.2f} s   ratio {warm / sequential:.2f}x")
    print(f"  per-run overhead inside a task     {in_task_overhead:7.3f} s   (import, bundle open, summary)")
    print(f"  per-run overhead of the engine     {max(coordinator_overhead, 0):7.3f} s   (scheduling, transfer, ledger)")
    print("target: sweep <= 0.6x sequential; engine overhead < 1 s per run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
