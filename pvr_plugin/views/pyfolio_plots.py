"""pyfolio's figures, drawn by pyfolio's own plotting functions, plus what they lack.

The tear sheets draw a chart with :mod:`pyfolio.plotting` wherever pyfolio
has the same chart, and add on the same axes what pyfolio cannot show:

* :func:`plot_returns_vs_benchmarks` - ``plot_rolling_returns`` (one
  benchmark) plus the other benchmarks;
* :func:`plot_underwater` - ``plot_drawdown_underwater``, measured from the
  starting value;
* :func:`plot_monthly_distribution` - ``plot_monthly_returns_dist`` (the
  strategy only) plus each benchmark on the same bins;
* :func:`plot_annual_returns` - ``plot_annual_returns`` as it is;
* :func:`plot_leverage_with_max` - ``plot_gross_leverage`` plus the running
  maximum PvR tracks (intraday when the run measured it);
* :func:`book_positions` - a pyfolio ``positions`` frame (long book, short
  book, cash) for any of pyfolio's position charts.

pyfolio draws with pandas' ``Series.plot``. For a regular date index
(``pd.bdate_range``) pandas would put the x axis in period units, which lines
drawn with plain matplotlib on the same or a shared axis would not match; the
functions here run pyfolio inside :func:`real_dates`, so every line uses
matplotlib's dates.
"""
import contextlib

import numpy as np
import pandas as pd

from pvr_plugin.views import style

BENCH_COLOURS = (style.PYFOLIO_GREY, "#e08a2c", "#5aa05a", "#a05a9c", "#b0a030")


@contextlib.contextmanager
def real_dates():
    """pandas plots on matplotlib date units inside this block (``x_compat``)."""
    with pd.plotting.plot_params.use("x_compat", True):
        yield


def plot_returns_vs_benchmarks(returns, benchmarks, ax, name=None, logy=False):
    """Cumulative returns (growth of 1) of the strategy against one or more benchmarks.

    pyfolio's ``plot_rolling_returns`` draws the strategy and the first
    (primary) benchmark; the others are added on the same axis, which pyfolio
    cannot do (it takes one benchmark).

    Parameters
    ----------
    returns : pandas.Series
        Periodic returns (fractions).
    benchmarks : dict
        Name -> returns (fractions); may be empty.
    ax : matplotlib Axes
    name : str, optional
        Label of the strategy's line (pyfolio calls it ``Backtest``).
    logy : bool
    """
    from pyfolio import plotting

    names = list(benchmarks)
    # pyfolio indexes the benchmark by every strategy date; a date the
    # benchmark lacks adds nothing to its curve (empyrical's cum_returns reads
    # NaN as 0).
    primary = benchmarks[names[0]].reindex(returns.index).rename(names[0]) if names else None
    with real_dates():
        plotting.plot_rolling_returns(returns, factor_returns=primary, logy=logy, legend_loc=None, ax=ax)
    for line in ax.get_lines():
        if line.get_label() == "Backtest" and name:
            line.set_label(name)
    for colour, other in zip(BENCH_COLOURS[1:] * len(names), names[1:]):
        series = benchmarks[other]
        growth = np.cumprod(1.0 + np.nan_to_num(series.to_numpy(dtype=float)))
        # through pandas, so the axis keeps the date converter pyfolio's lines set
        with real_dates():
            pd.Series(growth, index=series.index).plot(ax=ax, lw=2, alpha=0.6, color=colour, label=other)
    ax.legend(loc="best", frameon=True, framealpha=0.5)
    return ax


def plot_underwater(returns, ax):
    """pyfolio's underwater chart, measured from the starting value.

    pyfolio's ``plot_drawdown_underwater`` takes the running peak of the
    compounded curve from its first close, so a loss on the first day is not
    a drawdown and later depths are measured from that lower close. A zero
    return the day before the first one starts the curve at the starting
    value, as the drawdown statistics (:func:`pvr_plugin.core.stats.drawdown_series`) do.
    """
    from pyfolio import plotting

    if len(returns):
        before = pd.Series([0.0], index=[returns.index[0] - pd.Timedelta(days=1)])
        returns = pd.concat([before, returns.astype(float)])
    with real_dates():
        plotting.plot_drawdown_underwater(returns, ax=ax)
    return ax


def plot_annual_returns(returns, ax):
    """pyfolio's calendar-year returns (horizontal bars, the mean dashed)."""
    from pyfolio import plotting

    return plotting.plot_annual_returns(returns, ax=ax)


def plot_monthly_distribution(returns, benchmarks, ax, name=None):
    """pyfolio's histogram of monthly returns, with each benchmark outlined on the same bins."""
    import empyrical
    from matplotlib.patches import Patch
    from pyfolio import plotting

    plotting.plot_monthly_returns_dist(returns, ax=ax)
    monthly = 100 * empyrical.aggregate_returns(returns, "monthly").to_numpy(dtype=float)
    edges = np.histogram_bin_edges(monthly, bins=20)  # the bins pyfolio's ax.hist(bins=20) used
    handles = [Patch(color="steelblue", alpha=0.8, label=name or "strategy")]
    for colour, (bname, series) in zip(BENCH_COLOURS * len(benchmarks), benchmarks.items()):
        bm = 100 * empyrical.aggregate_returns(series, "monthly").to_numpy(dtype=float)
        ax.hist(bm, bins=edges, histtype="step", lw=2, color=colour)
        handles.append(Patch(edgecolor=colour, facecolor="none", lw=2, label=bname))
    # pyfolio's own legend names only its first artist ("Mean"); with
    # several series each one needs its entry.
    handles.append(ax.get_lines()[0])
    # above the bars: pyfolio's "best" place still sits on bars when every corner has some
    style.legend_above(ax, handles, [h.get_label() for h in handles[:-1]] + ["Mean"])
    return ax


def book_positions(daily):
    """pyfolio ``positions`` of a per-day PvR frame: the long book, the short book and cash (dollars).

    Any of pyfolio's position charts that sums or splits the book
    (``plot_gross_leverage``, ``plot_exposures``) reads it as it reads
    per-asset positions: gross leverage ``(long - short) / (cash + long +
    short)`` is the same number.
    """
    frame = pd.DataFrame({"long": daily["long_usd"].to_numpy(dtype=float),
                          "short": daily["short_usd"].to_numpy(dtype=float),
                          "cash": daily["cash_usd"].to_numpy(dtype=float)},
                         index=_naive(daily.index))
    frame.columns.name = "sid"
    return frame


def plot_leverage_with_max(daily, ax, returns=None, running_colour=style.RED, undefined=None):
    """pyfolio's gross leverage chart, plus the running maximum leverage PvR tracks.

    pyfolio draws the leverage at each close and its mean; the maximum is
    PvR's (intraday when the run measured it, see the frame's resolution),
    drawn as steps. ``undefined`` (booleans, one per close) leaves those
    closes out of pyfolio's line and mean: a gap, where the account value is
    at or below zero and leverage means nothing.
    """
    from pyfolio import plotting

    positions = book_positions(daily)
    if undefined is not None:
        # a row of NaN: pyfolio's gross_lev is 0 / 0 there, and its mean skips it
        positions = positions.mask(pd.Series(np.asarray(undefined, dtype=bool), index=positions.index), np.nan)
    with real_dates():
        plotting.plot_gross_leverage(returns, positions, ax=ax)
        # pyfolio leaves its two lines unlabelled (it draws no legend)
        at_close, mean = ax.get_lines()[-2:]
        at_close.set_label("Gross leverage at close")
        mean.set_label(f"Mean ({mean.get_ydata()[0]:,.2f})")
        # through pandas too, so the axis keeps the date converter pyfolio's lines set
        pd.Series(daily["max_leverage"].to_numpy(dtype=float), index=positions.index).plot(
            ax=ax, color=running_colour, lw=1.6, drawstyle="steps-post", label="Max leverage")
    return ax


def _naive(index):
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
        return index.tz_localize(None)
    return index
