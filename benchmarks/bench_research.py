"""Speed of PvR over many finished backtests against per-row Python loops.

Input: ``--runs`` simulated backtests x ``--days`` sessions (default 1,000 x
2,520, ten years), as (days, runs) arrays of cash, long book and short book
in dollars, each run with its own starting capital. Everything runs in this
one process on the same numbers, and every side produces the same output:
per-day cash low, max short, max leverage, max risk and PvR of every run.

* vectorised: :func:`pvr_plugin.core.research.pvr_many` (running minima and
  maxima along the time axis, all runs at once, through
  :func:`pvr_plugin.core.pvr.advance`), best of ``--repeat``. Target: < 1 s.
* per-row loops, each run once, ``cash_or_short`` model:

  - ``iterrows``: a loop over each backtest's performance frame with
    ``DataFrame.iterrows()``, the usual notebook loop. Timed on
    ``--iterrows-runs`` runs and scaled to all runs (it is linear in runs).
  - ``itertuples``: the same loop with ``DataFrame.itertuples()``.
  - plain floats: the same recurrences on Python lists of floats, the
    fastest a per-row Python loop gets.

The script checks that the loops give the vectorised PvR, then prints the
times and the ratios loop / vectorised (target: at least 100x).

    python benchmarks/bench_research.py [--runs 1000] [--days 2520] [--repeat 5] [--iterrows-runs 50]
"""
import argparse
import math
import time

import numpy as np
import pandas as pd

from pvr_plugin.core.pvr import RISK_MODELS
from pvr_plugin.core.research import pvr_many


def simulated_accounts(days, runs, seed=11):
    """Cash, long and short books (dollars) of ``runs`` random strategies."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(1e4, 1e7, runs)
    exposure = np.clip(np.cumsum(rng.normal(0, 0.05, (days, runs)), axis=0) + rng.uniform(0.2, 1.5, runs), 0, 3)
    short_share = rng.uniform(0, 0.5, runs)
    growth = np.exp(np.cumsum(rng.normal(0.0003, 0.01, (days, runs)), axis=0))
    value = start * growth
    long_ = value * exposure * (1 - short_share)
    short = -value * exposure * short_share
    cash = value - long_ - short
    return start, cash, long_, short


class Running:
    """One run's per-row PvR state, updated row by row (cash_or_short model)."""

    def __init__(self, start):
        self.s = start
        self.cash_low, self.max_short, self.max_lev, self.max_risk = start, 0.0, 0.0, 0.0
        self.out = {k: [] for k in ("cash_low_usd", "max_short_usd", "max_leverage", "max_risk_usd", "pvr_pct")}

    def row(self, c, lg, sh):
        s = self.s
        v = c + lg + sh
        if v != 0:
            self.max_lev = max(self.max_lev, (lg - sh) / v)
        self.cash_low = min(self.cash_low, c)
        self.max_short = max(self.max_short, -sh)
        self.max_risk = max(self.max_risk, s - c, -sh, 0.0)
        out = self.out
        out["cash_low_usd"].append(self.cash_low)
        out["max_short_usd"].append(self.max_short)
        out["max_leverage"].append(self.max_lev)
        out["max_risk_usd"].append(self.max_risk)
        out["pvr_pct"].append(100.0 * (v - s) / self.max_risk if self.max_risk > 0 else math.nan)


def loop_plain(start, cash, long_, short):
    """Per-row loop over Python floats; returns each run's per-day lists."""
    cash_rows, long_rows, short_rows = cash.T.tolist(), long_.T.tolist(), short.T.tolist()
    runs = []
    for j in range(len(start)):
        acc = Running(float(start[j]))
        row = acc.row
        for c, lg, sh in zip(cash_rows[j], long_rows[j], short_rows[j]):
            row(c, lg, sh)
        runs.append(acc.out)
    return runs


def loop_itertuples(start, frames):
    runs = []
    for s, perf in zip(start, frames):
        acc = Running(float(s))
        for r in perf.itertuples(index=False):
            acc.row(r.ending_cash, r.long_value, r.short_value)
        runs.append(acc.out)
    return runs


def loop_iterrows(start, frames):
    runs = []
    for s, perf in zip(start, frames):
        acc = Running(float(s))
        for _, r in perf.iterrows():
            acc.row(r["ending_cash"], r["long_value"], r["short_value"])
        runs.append(acc.out)
    return runs


def check_same(runs, many, label):
    """Every loop run's per-day PvR and max risk equal the vectorised ones."""
    for j, out in enumerate(runs):
        np.testing.assert_allclose(out["pvr_pct"], many.pvr_pct[:, j], rtol=1e-9, equal_nan=True,
                                   err_msg=f"{label}: run {j}")
        np.testing.assert_allclose(out["max_risk_usd"], many.max_risk_usd[:, j], rtol=1e-12,
                                   err_msg=f"{label}: run {j}")


def best_of(repeat, fn):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--days", type=int, default=2520)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--iterrows-runs", type=int, default=50)
    args = parser.parse_args(argv)

    start, cash, long_, short = simulated_accounts(args.days, args.runs)
    frames = [pd.DataFrame({"ending_cash": cash[:, j], "long_value": long_[:, j], "short_value": short[:, j]})
              for j in range(args.runs)]
    print(f"{args.runs:,} backtests x {args.days:,} days ({args.runs * args.days / 1e6:.2f} M rows)")

    vec_s, many = best_of(args.repeat, lambda: pvr_many(cash, long_, short, start_usd=start))
    print(f"vectorised pvr_many, cash_or_short: {vec_s * 1000:9.1f} ms  (best of {args.repeat}; target < 1000 ms)")
    for model in RISK_MODELS[1:]:
        t, _ = best_of(args.repeat, lambda m=model: pvr_many(cash, long_, short, start_usd=start, model=m))
        print(f"vectorised pvr_many, {model:<13}: {t * 1000:9.1f} ms")

    loops = []
    n = min(args.iterrows_runs, args.runs)
    t0 = time.perf_counter()
    runs = loop_iterrows(start[:n], frames[:n])
    t_rows = (time.perf_counter() - t0) * args.runs / n
    check_same(runs, many, "iterrows")
    loops.append((f"per-row loop, DataFrame.iterrows (timed on {n} runs, scaled)", t_rows))
    t0 = time.perf_counter()
    runs = loop_itertuples(start, frames)
    loops.append(("per-row loop, DataFrame.itertuples", time.perf_counter() - t0))
    check_same(runs, many, "itertuples")
    t0 = time.perf_counter()
    runs = loop_plain(start, cash, long_, short)
    loops.append(("per-row loop, plain Python floats", time.perf_counter() - t0))
    check_same(runs, many, "plain floats")
    print("every loop gives the vectorised per-day PvR and max risk: yes")
    for label, seconds in loops:
        ratio = seconds / vec_s
        verdict = "meets" if ratio >= 100 else "below"
        print(f"{label:<62} {seconds * 1000:9.1f} ms   ratio {ratio:7.1f}x  ({verdict} the 100x target)")


if __name__ == "__main__":
    main()
