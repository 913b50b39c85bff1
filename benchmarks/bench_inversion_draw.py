"""Time to draw the inversion tear sheet of a long input: every point against downsampled.

Input: ``--rows`` periods (default 1,000,000, minute-stamped because a million
daily periods would run past the calendar pandas can hold) of five buckets of
simulated returns with a weak factor, about 45 % of the periods inverted, a
252-period rolling mean. Both sides run in this one process on the same
analysis result and draw the same three chart rows, then render the PNG at
the command line's 100 dpi:

* every point: ``plot_inversions(result, max_points=None)``, what the chart
  did before it downsampled (run once unless ``--repeat-full``: about 40 s);
* downsampled: ``plot_inversions(result)``, the default (best of
  ``--repeat``). Target: under 3 s.

It also prints the statistics' time (the same on both sides) and checks that
the downsampled spread still draws the series' lowest and highest values.

    python benchmarks/bench_inversion_draw.py [--rows 1000000] [--repeat 3] [--repeat-full 1]
"""
import argparse
import time
import warnings

import numpy as np
import pandas as pd

from pvr_plugin.core.inversion import analyze_inversions
from pvr_plugin.views.inversion_tear import DRAW_POINTS_MAX, figure_png, plot_inversions


def simulated_buckets(rows, buckets=5, seed=11):
    """Minute bucket returns (fractions): noise plus a small premium rising with rank."""
    rng = np.random.default_rng(seed)
    premium = np.linspace(-0.0002, 0.0002, buckets)
    values = rng.normal(0.0, 0.003, size=(rows, buckets)) + premium
    index = pd.date_range("2000-01-03 09:30", periods=rows, freq="min", name="Period")
    return pd.DataFrame(values, index=index, columns=[f"Ret{i}" for i in range(1, buckets + 1)])


def draw_seconds(result, max_points, repeat):
    """Best wall time of building the figure and rendering its PNG; the last figure."""
    best, fig = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        fig = plot_inversions(result, max_points=max_points)
        figure_png(fig, dpi=100)
        best = min(best, time.perf_counter() - start)
    return best, fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-full", type=int, default=1)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    frame = simulated_buckets(args.rows)
    start = time.perf_counter()
    result = analyze_inversions(frame, rolling=252)
    stats_s = time.perf_counter() - start

    after_s, fig = draw_seconds(result, DRAW_POINTS_MAX, args.repeat)
    before_s, _ = draw_seconds(result, None, args.repeat_full)

    drawn = fig.axes[0].get_lines()[0].get_ydata()
    spread = result.spread.to_numpy()
    # The downsampled picture must still hold the extremes, or its speed means nothing.
    assert np.nanmin(spread) == np.nanmin(drawn) and np.nanmax(spread) == np.nanmax(drawn)

    print(f"input: {args.rows:,} periods x 5 buckets, {result.inversions:,} inversions in "
          f"{len(result.episodes):,} episodes; spread drawn with {len(drawn):,} points")
    print(f"statistics (analyze_inversions, both sides) {stats_s:8.2f} s")
    print(f"draw every point (before), best of {args.repeat_full}      {before_s:8.2f} s")
    print(f"draw downsampled (after), best of {args.repeat}        {after_s:8.2f} s   "
          f"target < 3 s: {'ok' if after_s < 3 else 'MISSED'}")
    print(f"ratio before / after                        {before_s / after_s:8.1f} x")


if __name__ == "__main__":
    main()
