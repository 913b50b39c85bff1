"""A run ledger at scale: 10,000 runs of 2,520 sessions each, with their series.

Builds the ledger (each run a synthetic ten-year long/short account: daily
returns, a book rebalanced weekly, cash that moves only at rebalances, so the
series compress like real ones), then measures what the comparison features
promise:

* ``pvr runs`` on the whole ledger, as a user runs it (a new process; output
  discarded), target under 0.5 s; also ``--limit 50`` and one sweep;
* the curves of 20 runs: read their series from the ledger, draw the
  comparison figure and render it to PNG, target under 2 s;
* the 20-run HTML report: its size (target under 2 MB) and the time to make it;
* disk used per run: the ledger file, and the series BLOBs alone.

    python benchmarks/bench_compare.py [--runs 10000] [--sessions 2520] [--keep LEDGER]

``--keep PATH`` builds the ledger there (or reuses it when it exists) instead
of a temporary folder.
"""
import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pvr_plugin.core.summary import tag
from pvr_plugin.store.run_ledger import RunLedger
from pvr_plugin.store.series import SERIES_NAMES, series_bytes

ROOT = Path(__file__).resolve().parents[1]


def account(rng, sessions, start_usd):
    """One synthetic long/short account, as the ledger keeps it (field-table columns)."""
    rl = rng.normal(0.0004, 0.012, sessions)
    rs = rng.normal(0.0003, 0.012, sessions)
    gross = rng.uniform(0.6, 1.4)
    cash = np.empty(sessions)
    long_ = np.empty(sessions)
    short = np.empty(sessions)
    c, lv, sv, value = start_usd, 0.0, 0.0, start_usd
    for t in range(sessions):
        lv *= 1.0 + rl[t]
        sv *= 1.0 + rs[t]
        value = c + lv + sv
        if t % 5 == 0:  # weekly rebalance, with a commission
            target = gross / 2 * value
            c = c + (lv - target) + (sv + target) - 0.0005 * (abs(lv - target) + abs(sv + target))
            lv, sv = target, -target
            value = c + lv + sv
        cash[t], long_[t], short[t] = c, lv, sv
    value = cash + long_ + short
    before = np.r_[start_usd, value[:-1]]
    leverage = (long_ - short) / value
    cash_low = np.minimum.accumulate(np.minimum(cash, start_usd))
    max_short = np.maximum.accumulate(-short)
    max_risk = np.maximum.accumulate(np.maximum(start_usd - cash_low, max_short))
    with np.errstate(divide="ignore", invalid="ignore"):
        pvr = np.where(max_risk > 0, 100 * (value - start_usd) / max_risk, np.nan)
    return {
        "pvr_pct": pvr, "qret_pct": 100 * (value - start_usd) / start_usd, "cash_low_usd": cash_low,
        "max_short_usd": max_short, "max_risk_usd": max_risk, "max_leverage": np.maximum.accumulate(leverage),
        "value_usd": value, "cash_usd": cash, "long_usd": long_, "short_usd": short, "leverage": leverage,
        "returns": value / before - 1.0,
    }


def build(path, runs, sessions, seed=7):
    rng = np.random.default_rng(seed)
    index = pd.DatetimeIndex(pd.bdate_range(end="2022-12-30", periods=sessions), name="session")
    ledger = RunLedger(path)
    batch = []
    for i in range(runs):
        capital = float(rng.choice([1e5, 1e6, 1e7])) * rng.uniform(0.5, 2.0)
        path_ = account(rng, sessions, capital)
        frame = pd.DataFrame({n: path_[n] for n in SERIES_NAMES}, index=index)
        frame.attrs.update(start_usd=capital, risk_model="cash_or_short", resolution="daily bars")
        last = frame.iloc[-1]
        r = frame["returns"].to_numpy()
        sharpe = float(r.mean() / r.std(ddof=1) * math.sqrt(252))
        drawdown = float(np.min(frame["value_usd"] / np.maximum.accumulate(frame["value_usd"]) - 1))
        per_day = float(last["pvr_pct"]) / sessions
        params = {"lookback": int(21 * (1 + i % 12)), "n_per_side": int(2 + (i // 12) % 5), "gross": 1.0}
        row = {
            "algorithm": f"/strategies/algo_{i % 20}.py", "params": params, "sweep_id": f"sw-bench{i // 100:04d}",
            "bundle": "pvr-demo", "start": str(index[0].date()), "end": str(index[-1].date()),
            "data_frequency": "daily", "capital_usd": capital, "metrics_set": "pvr", "risk_model": "cash_or_short",
            "pvr_pct": float(last["pvr_pct"]), "pvr_per_day_pct": per_day, "qret_pct": float(last["qret_pct"]),
            "cagr": float((last["value_usd"] / capital) ** (252 / sessions) - 1), "sharpe": sharpe,
            "max_drawdown": drawdown, "cash_low_usd": float(last["cash_low_usd"]),
            "max_short_usd": float(last["max_short_usd"]), "max_risk_usd": float(last["max_risk_usd"]),
            "max_leverage": float(last["max_leverage"]), "days": sessions, "resolution": "daily bars",
            "tag": tag(per_day, float(last["qret_pct"]), math.nan, math.nan, sharpe, drawdown), "runtime_s": 30.0,
        }
        batch.append((row, frame))
        if len(batch) == 250:
            ledger.record_many(batch)
            batch = []
    if batch:
        ledger.record_many(batch)
    return ledger


def best_of(n, func):
    """Fastest wall time of ``n`` calls, and the CPU time ``func`` returned on that call."""
    best = (math.inf, None)
    for _ in range(n):
        t0 = time.perf_counter()
        cpu = func()
        best = min(best, (time.perf_counter() - t0, cpu), key=lambda x: x[0])
    return best


def pvr_runs(path, *args):
    """Run ``pvr runs``; return its CPU time (user + system, seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "runs", "--ledger", str(path), *args],
                   stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_pandas():
    """CPU time of a process that only imports pandas: the floor of any pandas command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "import pandas"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=2_520)
    parser.add_argument("--keep", help="Build the ledger at this path (reused when it exists).")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    from pvr_plugin.views.comparison import figure_png, load_runs, plot_comparison
    from pvr_plugin.views.comparison_html import render_comparison_html

    tmp = None
    if args.keep:
        path = Path(args.keep)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pvr-bench-ledger-")
        path = Path(tmp.name) / "runs.sqlite"
    try:
        if path.exists():
            ledger = RunLedger(path)
            print(f"reusing {path}: {ledger.count():,} runs")
        else:
            t0 = time.perf_counter()
            ledger = build(path, args.runs, args.sessions)
            print(f"built {args.runs:,} runs x {args.sessions:,} sessions in {time.perf_counter() - t0:.0f} s")
        runs = ledger.count()
        blob_bytes, with_series = series_bytes(ledger)
        file_bytes = sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())

        pvr_runs(path, "--limit", "1")  # warm the page cache and the imports
        t_runs = best_of(3, lambda: pvr_runs(path))
        t_limit = best_of(3, lambda: pvr_runs(path, "--limit", "50"))
        t_sweep = best_of(3, lambda: pvr_runs(path, "--sweep", "sw-bench0001"))
        t_pandas = best_of(3, import_pandas)
        t_query = best_of(3, lambda: ledger.query())[0]

        ids = [int(i) for i in ledger.query(limit=20)["run_id"]]

        def curves():
            figure_png(plot_comparison(load_runs(ids, ledger=ledger)))

        curves()  # imports and font caches
        t_curves = best_of(3, curves)[0]
        t0 = time.perf_counter()
        page = render_comparison_html(load_runs(ids, ledger=ledger))
        t_html = time.perf_counter() - t0
        size = len(page.encode("utf-8"))
    finally:
        if tmp is not None:
            tmp.cleanup()

    print(f"\nledger: {runs:,} runs, {with_series:,} with series of {args.sessions:,} sessions "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall times include waiting)")
    print(f"{'figure':<44}{'measured':>14}{'target':>12}{'ratio':>8}")
    for label, value, target, unit in (
        ("pvr runs (new process, every run): wall", t_runs[0], 0.5, "s"),
        ("  the same, CPU time", t_runs[1], 0.5, "s"),
        ("pvr runs --limit 50: wall", t_limit[0], 0.5, "s"),
        ("  CPU time", t_limit[1], 0.5, "s"),
        ("pvr runs --sweep (100 runs): wall", t_sweep[0], 0.5, "s"),
        ("python -c 'import pandas': wall", t_pandas[0], None, "s"),
        ("  CPU time", t_pandas[1], None, "s"),
        ("RunLedger.query() in process", t_query, None, "s"),
        ("curves of 20 runs: read, draw, PNG", t_curves, 2.0, "s"),
        ("20-run HTML report: size", size / 1e6, 2.0, "MB"),
        ("20-run HTML report: time to make", t_html, None, "s"),
    ):
        shown = f"{value:.3f} {unit}"
        goal = f"{target:g} {unit}" if target else ""
        ratio = f"{value / target:.2f}" if target else ""
        print(f"{label:<44}{shown:>14}{goal:>12}{ratio:>8}")
    print(f"disk per run: {file_bytes / runs / 1e3:.1f} kB (ledger file), "
          f"{blob_bytes / max(with_series, 1) / 1e3:.1f} kB of it the series "
          f"({blob_bytes / max(with_series, 1) / (args.sessions * len(SERIES_NAMES) * 8):.2f} of plain float64)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
