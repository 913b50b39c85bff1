"""Speed of the factor-inversion statistics against the straightforward approach.

Input: 200 buckets x 5,000 daily periods of simulated returns (fractions) with a
weak factor, so that about 45 % of the periods are inversions and there are
well over a thousand inversion episodes. Both sides run in this one process on
the same frame, best of ``--repeat`` runs each:

* all statistics: :func:`pvr_plugin.core.inversion.analyze_inversions`
  (spread, rolling mean, inversion count and rate, episodes, drawdowns,
  Newey-West significance, runs test, per-period rank correlation over all
  200 buckets and the fitted slope). Target: under 100 ms.
* same work as the naive approach: spread, rolling mean, count and the
  episode table with the vectorised code.
* naive: a faithful reimplementation of the usual script: a DataFrame
  column for the spread, a Python loop over the rows to find the runs, then
  one ``iloc`` slice per run for its min / mean / max. It computes only the
  episodes and the headline numbers.
* naive, all statistics: the same approach carried to every statistic, as
  the script would grow: the row loop also tracks the cumulative curve and
  its drawdowns (one slice per drawdown for the trough), counts the runs for
  the runs test, and a loop over the periods computes each period's rank
  correlation with ``scipy.stats.spearmanr``; significance uses the same
  statsmodels call as the package.

The ratios printed are naive time / our time, like for like (target: at least
20 for all statistics).

    python benchmarks/bench_inversion.py [--repeat 7] [--buckets 200] [--periods 5000]
"""
import argparse
import time

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from pvr_plugin.core.inversion import analyze_inversions, inversion_episodes
from pvr_plugin.core.inversion_stats import hac_maxlags


def simulated_buckets(periods, buckets, seed=7):
    """Daily bucket returns (fractions): noise plus a small premium rising with rank."""
    rng = np.random.default_rng(seed)
    premium = np.linspace(-0.0004, 0.0004, buckets)
    values = rng.normal(0.0003, 0.015, size=(periods, buckets)) + premium
    index = pd.bdate_range("2004-01-02", periods=periods, name="Period")
    return pd.DataFrame(values, index=index, columns=[f"Ret{i}" for i in range(1, buckets + 1)])


def naive(frame, rolling):
    """The straightforward script: row loop for the runs, one slice per run."""
    df = frame.reset_index()
    df["Period"] = pd.to_datetime(df["Period"])
    df = df.sort_values("Period").reset_index(drop=True)
    top, bottom = frame.columns[-1], frame.columns[0]
    df["Diff"] = df[top] - df[bottom]
    if rolling > 0:
        df["Diff_Roll"] = df["Diff"].rolling(rolling, min_periods=rolling // 5).mean()
    mask = df["Diff"] < 0
    inversions = int(mask.sum())
    headline = (inversions, inversions / len(df), df["Diff"].min(), df["Diff"].max(),
                df["Diff"].mean())
    runs = []
    in_run = False
    start = None
    for i, is_inversion in enumerate(mask):
        if is_inversion and not in_run:
            in_run, start = True, i
        elif not is_inversion and in_run:
            runs.append((start, i - 1))
            in_run = False
    if in_run:
        runs.append((start, len(mask) - 1))
    rows = []
    for first, last in runs:
        segment = df.iloc[first:last + 1]
        rows.append({
            "start": segment["Period"].iloc[0],
            "end": segment["Period"].iloc[-1],
            "length": len(segment),
            "min_spread": segment["Diff"].min(),
            "mean_spread": segment["Diff"].mean(),
            "max_spread": segment["Diff"].max(),
        })
    return headline, pd.DataFrame(rows)


def naive_all(frame, rolling):
    """Every statistic, the straightforward way (loops over rows and runs)."""
    headline, episodes = naive(frame, rolling)
    df = frame.reset_index()
    top, bottom = frame.columns[-1], frame.columns[0]
    df["Diff"] = df[top] - df[bottom]
    df["Cum"] = df["Diff"].cumsum()
    # Drawdowns: walk the rows, remember the peak, slice each underwater stretch.
    drawdowns, peak_level, peak_row, start = [], 0.0, -1, None
    for i, level in enumerate(df["Cum"]):
        if level < peak_level and start is None:
            start = i
        elif level >= peak_level:
            if start is not None:
                segment = df.iloc[start:i]
                trough = segment["Cum"].idxmin()
                drawdowns.append((peak_row, trough, i, df["Cum"].iloc[trough] - peak_level))
                start = None
            peak_level, peak_row = level, i
    if start is not None:
        segment = df.iloc[start:]
        trough = segment["Cum"].idxmin()
        drawdowns.append((peak_row, trough, None, df["Cum"].iloc[trough] - peak_level))
    # Runs test: count runs in a loop, then the textbook formulas.
    inverted = list(df["Diff"] < 0)
    runs = 1 + sum(1 for a, b in zip(inverted, inverted[1:]) if a != b)
    n1 = sum(inverted)
    n2 = len(inverted) - n1
    expected = 2.0 * n1 * n2 / (n1 + n2) + 1
    var = 2.0 * n1 * n2 * (2.0 * n1 * n2 - n1 - n2) / ((n1 + n2) ** 2 * (n1 + n2 - 1))
    z = (runs - expected) / math.sqrt(var)
    runs_p = 2 * stats.norm.sf(abs(z))
    # Significance (same statsmodels call as the package).
    spread = df["Diff"].to_numpy()
    fit = sm.OLS(spread, np.ones(len(spread))).fit(
        cov_type="HAC", cov_kwds={"maxlags": hac_maxlags(len(spread))})
    ir = spread.mean() / spread.std(ddof=1) * math.sqrt(252)
    # All-bucket: one rank correlation per period.
    numbers = np.arange(1, frame.shape[1] + 1)
    corr = []
    for i in range(len(frame)):
        row = frame.iloc[i]
        corr.append(stats.spearmanr(numbers, row.to_numpy()).statistic)
    corr = np.array(corr)
    corr_t = corr.mean() / (corr.std(ddof=1) / math.sqrt(len(corr)))
    slope = np.polyfit(numbers, frame.mean().to_numpy(), 1)[0] * (len(numbers) - 1)
    return (headline, episodes, drawdowns, (runs, expected, z, runs_p),
            (fit.tvalues[0], fit.pvalues[0], ir), (corr.mean(), corr_t, slope))


def same_work(frame, rolling):
    """What the naive script computes, done the vectorised way."""
    spread = frame.iloc[:, -1] - frame.iloc[:, 0]
    rolled = spread.rolling(rolling, min_periods=rolling // 5).mean()
    values = spread.to_numpy()
    inverted = values < 0
    headline = (int(inverted.sum()), float(inverted.mean()), values.min(), values.max(),
                values.mean())
    return headline, inversion_episodes(values, frame.index), rolled


def best_ms(func, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best * 1000.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--buckets", type=int, default=200)
    parser.add_argument("--periods", type=int, default=5000)
    parser.add_argument("--rolling", type=int, default=20)
    args = parser.parse_args(argv)

    frame = simulated_buckets(args.periods, args.buckets)
    result = analyze_inversions(frame, rolling=args.rolling)
    _, naive_episodes = naive(frame, args.rolling)
    # Both sides must agree before their speed means anything.
    assert len(naive_episodes) == len(result.episodes)
    assert (naive_episodes["length"].to_numpy() == result.episodes["length"].to_numpy()).all()
    assert np.allclose(naive_episodes["mean_spread"], result.episodes["mean_spread"])
    full = naive_all(frame, args.rolling)
    assert len(full[2]) == len(result.drawdowns)
    assert np.isclose(full[3][2], result.runs_test.z)
    assert np.isclose(full[5][0], result.all_bucket.rank_corr_mean)
    assert np.isclose(full[5][2], result.all_bucket.slope_spread)

    all_ms = best_ms(lambda: analyze_inversions(frame, rolling=args.rolling), args.repeat)
    same_ms = best_ms(lambda: same_work(frame, args.rolling), args.repeat)
    naive_ms = best_ms(lambda: naive(frame, args.rolling), args.repeat)
    naive_all_ms = best_ms(lambda: naive_all(frame, args.rolling), max(1, args.repeat // 3))

    print(f"input: {args.buckets} buckets x {args.periods} periods, "
          f"{result.inversions} inversions in {len(result.episodes)} episodes, "
          f"best of {args.repeat}")
    print(f"all statistics (analyze_inversions)   {all_ms:9.1f} ms   target < 100 ms: "
          f"{'ok' if all_ms < 100 else 'MISSED'}")
    print(f"same work as naive, vectorised        {same_ms:9.1f} ms")
    print(f"naive, episodes only                  {naive_ms:9.1f} ms")
    print(f"naive, all statistics                 {naive_all_ms:9.1f} ms")
    ratio_all = naive_all_ms / all_ms
    print(f"ratio, all statistics (like for like) {ratio_all:9.1f} x   target >= 20x: "
          f"{'ok' if ratio_all >= 20 else 'MISSED'}")
    print(f"ratio, episodes only (like for like)  {naive_ms / same_ms:9.1f} x")
    print(f"naive episodes only / our all stats   {naive_ms / all_ms:9.1f} x")


if __name__ == "__main__":
    main()
