"""Speed of the factsheet statistics against quantstats, in one process.

Input: 30 years of daily returns (1993-2022, a synthetic strategy on the
embedded S&P 500 dates), three benchmarks (the embedded S&P 500 index, SPY
shipped with zipline, an equal-weight basket of the 20 embedded stocks) and a
dated risk-free series (the built-in 3-month T-bill, its last quote carried
forward past March 2017 for this timing only).

Timed, best of several runs:
  * ours: ``build_report`` (every factsheet statistic, three
    benchmarks) and ``prepare_inputs + build_report + to_dict`` (adds the
    checks and alignment of in-memory series and the JSON document);
  * quantstats: ``reports.metrics(mode='full', display=False)`` with the
    primary benchmark (one call; it takes one benchmark), and three calls,
    one per benchmark, for the same coverage.

Targets: ours under 300 ms and at least 5x faster than one quantstats call.
Run: ``python benchmarks/bench_factsheet.py [--repeat N]`` (needs the
``bench`` extra: quantstats).
"""
import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd

from pvr_plugin.core.factsheet import build_report, prepare_inputs, read_risk_free
from pvr_plugin.core.factsheet.inputs import sp500_returns, spy_returns
from pvr_plugin.core.factsheet.riskfree import RiskFree
from pvr_plugin.data import load_closes

START, END = "1993-01-04", "2022-12-28"


def make_inputs():
    sp = sp500_returns().loc[START:END]
    rng = np.random.default_rng(2024)
    strategy = pd.Series(0.0002 + 0.9 * sp.to_numpy() + rng.normal(0, 0.005, len(sp)), sp.index,
                         name="strategy")
    closes = load_closes(start="1992-12-31", end=END)
    basket = closes.pct_change().iloc[1:].mean(axis=1).rename("EW20")
    basket.index = pd.DatetimeIndex(basket.index).normalize()
    tbill = read_risk_free("treasury").yields
    extended = tbill.reindex(tbill.index.union(sp.index)).ffill().loc[:END]
    rf = RiskFree(source="3-month T-bill, last quote carried forward (timing only)", yields=extended)
    benchmarks = {"SP500": sp, "SPY": spy_returns(), "EW20": basket}
    return strategy, benchmarks, rf


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per timing (best is kept)")
    args = parser.parse_args(argv)

    strategy, benchmarks, rf = make_inputs()
    inputs = prepare_inputs(strategy, benchmarks=benchmarks, risk_free=rf)
    n = len(inputs.returns)
    print(f"input: {n} daily returns {inputs.start:%Y-%m-%d} to {inputs.end:%Y-%m-%d}, "
          f"benchmarks {', '.join(inputs.benchmarks)}")

    build_report(inputs)  # warm caches and imports
    ours = best_of(lambda: build_report(inputs), args.repeat)
    ours_all = best_of(
        lambda: build_report(prepare_inputs(strategy, benchmarks=benchmarks, risk_free=rf)).to_dict(),
        args.repeat)
    print(f"pvr factsheet build_report:                            {ours * 1e3:8.1f} ms")
    print(f"pvr factsheet prepare_inputs + build_report + to_dict: {ours_all * 1e3:8.1f} ms")

    try:
        import quantstats as qs
    except ImportError:
        print("quantstats not installed (pip install quantstats, or the 'bench' extra): no ratio")
        return 0 if ours_all < 0.3 else 1

    warnings.filterwarnings("ignore")
    primary = benchmarks["SP500"].loc[START:END]
    rf_annual = float(rf.yields.loc[START:END].mean())

    def qs_one(bench):
        return qs.reports.metrics(strategy, benchmark=bench, rf=rf_annual, mode="full", display=False)

    qs_one(primary)  # warm up
    qs_time = best_of(lambda: qs_one(primary), max(3, args.repeat // 2))
    qs_three = best_of(lambda: [qs_one(b.loc[START:END]) for b in benchmarks.values()], 2)
    print(f"quantstats metrics(mode='full'), 1 benchmark:          {qs_time * 1e3:8.1f} ms")
    print(f"quantstats metrics(mode='full'), 3 benchmarks:         {qs_three * 1e3:8.1f} ms")
    print(f"ratio quantstats (1 benchmark) / ours (3 benchmarks, with inputs): {qs_time / ours_all:6.1f}x")
    print(f"ratio quantstats (3 benchmarks) / ours (3 benchmarks, with inputs): {qs_three / ours_all:6.1f}x")
    ok = ours_all < 0.3 and qs_time / ours_all >= 5
    print("targets (< 300 ms, >= 5x):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
