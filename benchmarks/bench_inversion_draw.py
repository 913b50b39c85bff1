"""Time to draw the inversion tear sheet of a long input: before and after downsampling.

Input: ``--rows`` periods (default 1,000,000, minute-stamped because a million
daily periods would run past the calendar pandas can hold) of five buckets of
simulated returns with a weak factor, about 45 % of the periods inverted, a
252-period rolling mean. Both sides run in this one process on the same
analysis result, draw the same three chart rows and render the PNG at the
command line's 100 dpi:

* before: the chart's previous drawing code, copied below (every point, the
  inversions shaded by ``fill_between(where=..., interpolate=True)``); run
  once unless ``--repeat-before`` (about 40 s);
* after: ``plot_inversions(result)``, the default (downsampled, one shading
  polygon), best of ``--repeat``. Target: under 3 s. Also timed: every point
  with today's shading (``max_points=None``).

It also prints the statistics' time (the same on both sides) and checks that
the downsampled spread still draws the series' lowest and highest values.

    python benchmarks/bench_inversion_draw.py [--rows 1000000] [--repeat 3] [--repeat-before 1]
"""
import argparse
import time
import warnings

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import gridspec
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pvr_plugin.core.inversion import analyze_inversions
from pvr_plugin.views import inversion_tear
from pvr_plugin.views.inversion_tear import figure_png, plot_inversions


def simulated_buckets(rows, buckets=5, seed=11):
    """Minute bucket returns (fractions): noise plus a small premium rising with rank."""
    rng = np.random.default_rng(seed)
    premium = np.linspace(-0.0002, 0.0002, buckets)
    values = rng.normal(0.0, 0.003, size=(rows, buckets)) + premium
    index = pd.date_range("2000-01-03 09:30", periods=rows, freq="min", name="Period")
    return pd.DataFrame(values, index=index, columns=[f"Ret{i}" for i in range(1, buckets + 1)])


def previous_plot(result):
    """The tear sheet's figure as drawn before downsampling (its spread and curve rows)."""
    worst = result.worst_drawdowns(5)
    with matplotlib.rc_context(inversion_tear._STYLE):
        fig = Figure(figsize=(14, 12))
        FigureCanvasAgg(fig)
        grid = gridspec.GridSpec(3, 1, figure=fig, height_ratios=(4, 3, 3), hspace=0.45)
        ax = fig.add_subplot(grid[0])
        dates, values = result.spread.index, result.spread.to_numpy()
        ax.plot(dates, values, color="steelblue", linewidth=1.0 if len(dates) < 1000 else 0.4,
                alpha=0.9, label=f"{result.top} - {result.bottom}")
        if result.rolling_spread is not None:
            ax.plot(dates, result.rolling_spread.to_numpy(), color="darkorange", linewidth=2.0,
                    zorder=4, label=f"{result.rolling_window}-period rolling mean")
        ax.axhline(0.0, color="black", linewidth=1.0, alpha=0.8)
        ax.fill_between(dates, np.nan_to_num(values, nan=0.0), 0.0,
                        where=np.nan_to_num(values, nan=0.0) < 0, color="red", alpha=0.45,
                        interpolate=True, zorder=3, linewidth=0, label="Inversions")
        ax.legend(loc="upper left", ncol=3)
        ax = fig.add_subplot(grid[1])
        curve = result.cumulative
        ax.plot(curve.index, curve.to_numpy(), color="forestgreen", linewidth=1.5)
        ax.axhline(0.0, color="black", linewidth=0.8, alpha=0.6)
        for colour, (_, row) in zip(inversion_tear._DRAWDOWN_COLOURS, worst.iterrows()):
            start = curve.index[0] if pd.isna(row["peak"]) else row["peak"]
            end = curve.index[-1] if pd.isna(row["recovery"]) else row["recovery"]
            ax.axvspan(start, end, color=colour, alpha=0.25)
            ax.scatter([row["trough"]], [curve.loc[row["trough"]]], color=colour, s=18, zorder=3)
        inversion_tear._plot_buckets(fig.add_subplot(grid[2]), result)
        fig.subplots_adjust(left=0.07, right=0.98, top=0.95, bottom=0.06)
    return fig


def draw_seconds(draw, repeat):
    """Best wall time of building the figure and rendering its PNG; the last figure."""
    best, fig = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        fig = draw()
        figure_png(fig, dpi=100)
        best = min(best, time.perf_counter() - start)
    return best, fig


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-before", type=int, default=1)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    frame = simulated_buckets(args.rows)
    start = time.perf_counter()
    result = analyze_inversions(frame, rolling=252)
    stats_s = time.perf_counter() - start

    after_s, fig = draw_seconds(lambda: plot_inversions(result), args.repeat)
    every_s, _ = draw_seconds(lambda: plot_inversions(result, max_points=None), 1)
    before_s, _ = draw_seconds(lambda: previous_plot(result), args.repeat_before)

    drawn = fig.axes[0].get_lines()[0].get_ydata()
    spread = result.spread.to_numpy()
    # The downsampled picture must still hold the extremes, or its speed means nothing.
    assert np.nanmin(spread) == np.nanmin(drawn) and np.nanmax(spread) == np.nanmax(drawn)

    print(f"input: {args.rows:,} periods x 5 buckets, {result.inversions:,} inversions in "
          f"{len(result.episodes):,} episodes; spread drawn with {len(drawn):,} points")
    print(f"statistics (analyze_inversions, both sides)  {stats_s:8.2f} s")
    print(f"before: previous drawing, best of {args.repeat_before}          {before_s:8.2f} s")
    print(f"every point, today's shading (max_points=None) {every_s:6.2f} s")
    print(f"after: downsampled, best of {args.repeat}                {after_s:8.2f} s   "
          f"target < 3 s: {'ok' if after_s < 3 else 'MISSED'}")
    print(f"ratio before / after                         {before_s / after_s:8.1f} x")


if __name__ == "__main__":
    main()
