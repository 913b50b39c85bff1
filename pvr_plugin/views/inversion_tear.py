"""Factor-inversion tear sheet: three chart rows and the tables, pyfolio style.

The figure is built on matplotlib's object API with an Agg canvas (no pyplot
state), so it works in scripts, servers and notebooks alike.

Long series are drawn downsampled: above :data:`DRAW_POINTS_MAX` periods each
line chart keeps, in each of :data:`DRAW_BUCKETS` equal time spans (about one
per pixel of the chart), the lowest and the highest value, so every inversion
spike, the shaded inversions and the drawdown troughs stay in the picture, and
the chart says it is downsampled. Only the drawing is: every statistic, label
and table comes from all periods.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import gridspec
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from pvr_plugin.core.inversion import InversionResult, analyze_inversions
from pvr_plugin.core.inversion_io import BucketReturns
from pvr_plugin.views import style
from pvr_plugin.views.inversion_inputs import bucket_returns
from pvr_plugin.views.inversion_text import curve_word

# Colours in the spirit of pyfolio's tear sheets.
_SPREAD_COLOUR = "steelblue"
_ROLLING_COLOUR = "darkorange"
_INVERSION_COLOUR = "red"
_CURVE_COLOUR = "forestgreen"
_BUCKET_COLOUR = "#a9c4dc"
#: Longest series drawn point by point; longer ones are downsampled.
DRAW_POINTS_MAX = 10_000
#: Time spans of a downsampled line (each keeps its low and its high).
DRAW_BUCKETS = 2_000
_DRAWDOWN_COLOURS = ("red", "orange", "gold", "purple", "brown", "gray", "pink", "olive")
_STYLE = style.BASE_STYLE


@dataclass(frozen=True)
class InversionTearSheet:
    """What :func:`create_inversion_tear_sheet` returns.

    Attributes
    ----------
    result : InversionResult
        Every statistic.
    summary : pandas.DataFrame
        One row per headline statistic (column ``value``; returns as
        fractions, dates ISO).
    episodes : pandas.DataFrame
        The inversion episodes, in date order.
    drawdowns : pandas.DataFrame
        The worst drawdowns of the cumulative spread, deepest first.
    figure : matplotlib.figure.Figure or None
        The charts, when asked for with ``return_fig=True``.
    """

    result: InversionResult
    summary: pd.DataFrame
    episodes: pd.DataFrame
    drawdowns: pd.DataFrame
    figure: Figure | None = None

    def _repr_html_(self):
        # Notebooks show the tables when the sheet is the cell's value.
        return ("<h4>Summary</h4>" + self.summary.to_html()
                + f"<h4>Inversion episodes ({len(self.episodes)})</h4>"
                + self.episodes.to_html(index=False, max_rows=20)
                + "<h4>Worst drawdowns of the cumulative spread</h4>"
                + self.drawdowns.to_html(index=False))


def create_inversion_tear_sheet(data, *, top=None, bottom=None, rolling=None,
                                periods_per_year=None, cumulative="sum", worst_drawdowns=5,
                                return_fig=False, period=None, demeaned=True):
    """Charts and tables of a factor-inversion analysis.

    Rows: (1) the spread per period with its rolling mean, the zero line and
    inversions shaded red; (2) the cumulative top-minus-bottom spread
    (summed, or compounded as a funded spread) with its worst drawdowns shaded; (3) the mean return of every
    bucket as bars.

    Parameters
    ----------
    data : InversionResult, BucketReturns, pandas.DataFrame or path
        A finished analysis, or bucket returns (fractions) to analyse: a
        frame of dates by buckets, a CSV path, alphalens' ``factor_data`` or
        its ``mean_return_by_quantile(factor_data, by_date=True)`` output
        (see :mod:`pvr_plugin.views.inversion_inputs`).
    top, bottom, rolling, periods_per_year, cumulative
        Passed to :func:`~pvr_plugin.core.inversion.analyze_inversions` when
        ``data`` is not a result yet (``rolling=None``: about one year).
    worst_drawdowns : int
        How many of the deepest drawdowns to shade and list.
    return_fig : bool
        Put the figure in the returned object. Otherwise the figure is shown
        when running inside IPython/Jupyter and then discarded.
    period : str, optional
        The forward-return column of an alphalens input (``'5D'``).
    demeaned : bool
        alphalens' ``demeaned`` for ``factor_data``.

    Returns
    -------
    InversionTearSheet
    """
    if isinstance(data, InversionResult):
        result = data
    else:
        data = bucket_returns(data, period=period, demeaned=demeaned)
        if not isinstance(data, BucketReturns):
            data = pd.DataFrame(data)
        result = analyze_inversions(data, top=top, bottom=bottom, rolling=rolling,
                                    periods_per_year=periods_per_year, cumulative=cumulative)
    worst = result.worst_drawdowns(worst_drawdowns)
    fig = plot_inversions(result, worst)
    sheet = InversionTearSheet(result=result, summary=summary_table(result),
                               episodes=result.episodes.copy(), drawdowns=worst.copy(),
                               figure=fig if return_fig else None)
    if not return_fig:
        _show_in_notebook(fig)
    return sheet


def plot_inversions(result, worst=None, *, max_points=DRAW_POINTS_MAX):
    """The three chart rows for ``result`` on a new Agg figure.

    Parameters
    ----------
    result : InversionResult
    worst : pandas.DataFrame, optional
        Drawdowns to shade on the cumulative curve (default: the 5 deepest).
    max_points : int or None
        Longest series drawn point by point; longer ones are drawn
        downsampled (see the module notes). None draws every point.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if worst is None:
        worst = result.worst_drawdowns(5)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(14, 13))
        FigureCanvasAgg(fig)
        # constrained: room for each row's title and legend, whatever their size
        fig.set_layout_engine("constrained", h_pad=0.15, hspace=0.02)
        grid = gridspec.GridSpec(3, 1, figure=fig, height_ratios=(4, 3, 3))
        _plot_spread(fig.add_subplot(grid[0]), result, max_points)
        _plot_cumulative(fig.add_subplot(grid[1]), result, worst, max_points)
        _plot_buckets(fig.add_subplot(grid[2]), result)
        if isinstance(result.spread.index, pd.DatetimeIndex):
            for ax in fig.axes[:2]:
                style.date_axis(ax.xaxis, maxticks=10)
    return fig


def figure_png(fig, dpi=80):
    """PNG bytes of a figure (for files, web pages and the app)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def summary_table(result):
    """Headline statistics as a one-column DataFrame (returns as fractions)."""
    s, t, ab = result.significance, result.runs_test, result.all_bucket
    longest = result.longest_episode()
    deepest = result.worst_drawdowns(1)
    rows = [
        ("Start", result.to_dict()["start"]),
        ("End", result.to_dict()["end"]),
        ("Periods", result.periods),
        ("Periods skipped", result.skipped_periods),
        ("Spread", f"{result.top} - {result.bottom}"),
        ("Inversions", result.inversions),
        ("Inversion rate", result.inversion_rate),
        ("Episodes", len(result.episodes)),
        ("Longest episode (periods)", longest["length"] if longest else 0),
        (f"Worst drawdown ({curve_word(result)} spread)", deepest["depth"].iloc[0] if len(deepest) else 0.0),
        ("Mean spread", s.mean_spread),
        ("Newey-West t-stat", s.t_stat),
        ("p-value", s.p_value),
        ("Hit rate", s.hit_rate),
        ("Information ratio", s.information_ratio),
        ("Runs", t.runs),
        ("Expected runs", t.expected_runs),
        ("Runs test z", t.z),
        ("Runs test p-value", t.p_value),
        ("Rank correlation (mean)", ab.rank_corr_mean),
        ("Rank correlation t-stat", ab.rank_corr_t),
        ("All-bucket spread", ab.slope_spread),
        ("Periods per year", result.periods_per_year),
        ("Units read", f"{result.units} ({result.units_source})"),
    ]
    return pd.DataFrame({"value": [v for _, v in rows]},
                        index=pd.Index([k for k, _ in rows], name="statistic"), dtype=object)


# ------------------------------------------------------------ chart rows


def _plot_spread(ax, result, max_points):
    spread = result.spread
    keep = draw_positions(spread.index, spread.to_numpy(), max_points=max_points)
    dates, values = spread.index[keep], spread.to_numpy()[keep]
    # Thin lines for long daily series, so the shading stays visible.
    ax.plot(dates, values, color=_SPREAD_COLOUR,
            linewidth=1.0 if len(dates) < 1000 else 0.4 if len(dates) == len(spread) else 0.6,
            alpha=0.9, label=f"{result.top} - {result.bottom}")
    if result.rolling_spread is not None:
        rolling = result.rolling_spread.to_numpy()
        kept = draw_positions(spread.index, rolling, max_points=max_points)
        ax.plot(spread.index[kept], rolling[kept], color=_ROLLING_COLOUR, linewidth=2.0,
                zorder=4, label=f"{result.rolling_window}-period rolling mean")
    ax.axhline(0.0, color="black", linewidth=1.0, alpha=0.8)
    # One polygon between the line's part below zero and zero, drawn above the
    # line or a dense series would hide it. With a point added where the line
    # crosses zero it is exactly the regions fill_between(where=...,
    # interpolate=True) draws, which costs about 1 ms per region.
    shade_x, shade_y = _with_zero_crossings(dates, np.nan_to_num(values, nan=0.0))
    ax.fill_between(shade_x, np.minimum(shade_y, 0.0), 0.0, color=_INVERSION_COLOUR,
                    alpha=0.45, zorder=3, linewidth=0,
                    label=f"Inversions ({result.inversion_rate:.1%} of periods)")
    if len(dates) == 1:
        # A single point draws no line; mark it.
        ax.scatter(dates, values, color=_SPREAD_COLOUR, zorder=3)
    ax.set_ylabel("Spread")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    style.legend_above(ax, title=f"Spread {result.top} - {result.bottom} per period (red: inversions)",
                       title_loc="left")
    _note_downsampled(ax, len(spread), len(dates))


def _plot_cumulative(ax, result, worst, max_points):
    curve = result.cumulative
    keep = draw_positions(curve.index, curve.to_numpy(), max_points=max_points)
    drawn = curve.iloc[keep]
    ax.plot(drawn.index, drawn.to_numpy(), color=_CURVE_COLOUR, linewidth=1.5,
            label=f"Cumulative spread ({curve_word(result)})")
    ax.axhline(0.0, color="black", linewidth=0.8, alpha=0.6)
    first, last = curve.index[0], curve.index[-1]
    for k, (colour, (_, row)) in enumerate(zip(_DRAWDOWN_COLOURS, worst.iterrows()), 1):
        start = first if pd.isna(row["peak"]) else row["peak"]
        end = last if pd.isna(row["recovery"]) else row["recovery"]
        ax.axvspan(start, end, color=colour, alpha=0.25, label=drawdown_label(k, row))
        ax.scatter([row["trough"]], [curve.loc[row["trough"]]], color=colour, s=18, zorder=3)
    ax.set_ylabel(f"{curve_word(result).capitalize()} spread")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    # one entry per shaded drawdown: which colour is which episode
    style.legend_above(ax, ncol=3, title=f"Cumulative top-minus-bottom spread, {len(worst)} worst drawdowns "
                       "shaded (dot: the trough)", title_loc="left")
    _note_downsampled(ax, len(curve), len(drawn))


def drawdown_label(number, row):
    """``2. -41% 2000-04 to 2008-01``: a shaded drawdown's rank, depth, and peak to recovery
    (``2000-04, not recovered`` for one still open at the end)."""
    peak = "start" if pd.isna(row["peak"]) else f"{pd.Timestamp(row['peak']):%Y-%m}"
    span = (f"{peak}, not recovered" if pd.isna(row["recovery"])
            else f"{peak} to {pd.Timestamp(row['recovery']):%Y-%m}")
    return f"{number}. {row['depth']:.0%} {span}".replace("-", "\N{MINUS SIGN}", 1)


def bucket_colours(result):
    """A colour per bucket: the spread's two legs dark, the others light; the top red when below the bottom.

    The sign of a bucket's mean says nothing about inversion (every bucket of
    a rising market is positive); the top leg under the bottom leg does.
    """
    names = list(result.mean_by_bucket.index)
    colours = [_BUCKET_COLOUR] * len(names)
    means = result.mean_by_bucket
    for leg in (result.top, result.bottom):
        if leg in names:
            colours[names.index(leg)] = _SPREAD_COLOUR
    if result.top in names and result.bottom in names and means[result.top] < means[result.bottom]:
        colours[names.index(result.top)] = _INVERSION_COLOUR
    return colours


def _plot_buckets(ax, result):
    from matplotlib.patches import Patch

    means = result.mean_by_bucket
    numbers = np.arange(1, len(means) + 1)
    colours = bucket_colours(result)
    ax.bar(numbers, np.nan_to_num(means.to_numpy()), color=colours, width=0.8)
    ax.axhline(0.0, color="black", linewidth=0.8)
    handles = [Patch(color=_SPREAD_COLOUR, label=f"The spread's legs ({result.top}, {result.bottom})"),
               Patch(color=_BUCKET_COLOUR, label="Other buckets")]
    if _INVERSION_COLOUR in colours:
        handles.insert(0, Patch(color=_INVERSION_COLOUR, label=f"{result.top} below {result.bottom}: inverted"))
    style.legend_above(ax, handles, [h.get_label() for h in handles],
                       title="Mean return by bucket (1 = lowest ranked)", title_loc="left")
    ax.set_xlabel("Bucket")
    ax.set_ylabel("Mean return per period")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if len(means) <= 20:
        ax.set_xticks(numbers)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=20))


# ------------------------------------------------------------ downsampling


def draw_positions(index, values, *, max_points=DRAW_POINTS_MAX, buckets=DRAW_BUCKETS):
    """Which points of a series to draw.

    Up to ``max_points`` points (None: any number): all of them. Longer
    series: cut the time axis into ``buckets`` equal spans and keep, in each,
    the first lowest and the first highest value (NaN ignored; a span of NaN only keeps one NaN, so
    the line still breaks there). The kept points are real data points, so
    the lowest and highest values of the whole series are always drawn.

    Parameters
    ----------
    index : pandas.Index
        The series' dates, ascending (any other index counts as evenly spaced).
    values : numpy.ndarray
    max_points, buckets : int

    Returns
    -------
    slice or numpy.ndarray
        ``slice(None)`` (everything), or the sorted positions to keep.
    """
    # Our own few numpy calls (about 15 ms for a million points): the packages
    # that downsample for plots mostly do LTTB, which may drop a one-period
    # spike, and this chart exists to show those.
    values = np.asarray(values, dtype=float)
    count = len(values)
    if max_points is None or count <= max_points:
        return slice(None)
    if isinstance(index, pd.DatetimeIndex):
        times = index.asi8.astype(float)
    else:
        times = np.arange(count, dtype=float)
    inner = np.linspace(times[0], times[-1], buckets + 1)[1:-1]
    starts = np.unique(np.concatenate(([0], np.searchsorted(times, inner))))
    missing = np.isnan(values)
    low_values = np.where(missing, np.inf, values)
    high_values = np.where(missing, -np.inf, values)
    bucket = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, count)))
    lows = np.minimum.reduceat(low_values, starts)[bucket] == low_values
    highs = np.maximum.reduceat(high_values, starts)[bucket] == high_values
    return np.union1d(_first_per_bucket(lows, bucket), _first_per_bucket(highs, bucket))


def _first_per_bucket(flags, bucket):
    positions = np.flatnonzero(flags)
    buckets = bucket[positions]
    return positions[np.concatenate(([True], buckets[1:] != buckets[:-1]))]


def _with_zero_crossings(dates, values):
    """A line's points plus one point (value 0) wherever it crosses zero."""
    cross = np.flatnonzero(values[:-1] * values[1:] < 0)
    if not len(cross) or not isinstance(dates, pd.DatetimeIndex):
        return dates, values
    stamps = dates.asi8  # in the index's own unit, UTC for aware dates
    share = values[cross] / (values[cross] - values[cross + 1])
    at = stamps[cross] + np.round((stamps[cross + 1] - stamps[cross]) * share).astype(np.int64)
    moments = pd.DatetimeIndex(np.insert(stamps, cross + 1, at).astype(f"M8[{dates.unit}]"))
    if dates.tz is not None:
        moments = moments.tz_localize("UTC").tz_convert(dates.tz)
    return moments, np.insert(values, cross + 1, 0.0)


def _note_downsampled(ax, periods, drawn):
    if drawn >= periods:
        return
    style.note(ax, f"Drawn downsampled: {periods:,} periods shown as the low and high of "
               f"{DRAW_BUCKETS:,} time spans ({drawn:,} points); statistics use every period.",
               gid="downsampled-note")


def _show_in_notebook(fig):
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return
    if get_ipython() is not None:
        display(Image(figure_png(fig, dpi=80)))
