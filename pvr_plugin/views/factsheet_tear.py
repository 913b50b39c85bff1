"""Factsheet figures in the style of pyfolio's tear sheets.

:func:`create_factsheet_tear_sheet` stacks the factsheet charts in gridspec
rows (cumulative performance, underwater, annual returns and the monthly
distribution, the monthly heatmap, the return report and the expected
shortfall) and returns the tables as DataFrames. It takes a return series, a
zipline performance frame, or pyfolio's ``returns`` with ``positions`` (and
``transactions``); with positions, or a zipline frame, the tables gain the
PvR block. Works under the Agg backend.

The cumulative, underwater, annual-returns and monthly-distribution charts
are pyfolio's own (:mod:`pvr_plugin.views.pyfolio_plots`), with the other
benchmarks added. Drawn here instead: the monthly heatmap (pyfolio's fills a
month with no returns, before the start or after the end, with 0.0, which
reads as a flat month), the return report and the expected shortfall (pyfolio
has neither). The ``plot_*`` functions below draw one chart on a given axis
from a :class:`~pvr_plugin.core.factsheet.report.WidgetResult`'s data; the
HTML factsheet uses them for its page.
"""
import numpy as np
import pandas as pd
import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from pvr_plugin.store.inputs import factsheet
from pvr_plugin.core.factsheet.statistics import RETURN_STAT_KEYS, RISK_STAT_KEYS
from pvr_plugin.core.factsheet.inputs import DEFAULT_BENCHMARKS
from pvr_plugin.core.factsheet.tables import statistics_table
from pvr_plugin.core.factsheet.widgets import DEFAULT_CONFIDENCE, OPTIONS
from pvr_plugin.views import pyfolio_plots, style
from pvr_plugin.views.pvr_block import resolution_of, with_pvr_block

STRATEGY_COLOR = style.BLUE
BENCH_COLORS = (style.GREY, "#e08a2c", "#5aa05a", "#a05a9c", "#b0a030")
LOSS_COLOR = style.RED
STYLE = style.BASE_STYLE
#: Inches per gridspec row (pyfolio gives a chart 6 inches; the wide charts here span two rows).
ROW_INCHES = 3.0


def _pct():
    """Percent tick labels for fractions; decimals follow the axis range."""
    return PercentFormatter(xmax=1.0, decimals=None)


def _colors(names, strategy):
    out, k = {}, 0
    for name in names:
        if name == strategy:
            out[name] = STRATEGY_COLOR
        else:
            out[name] = BENCH_COLORS[k % len(BENCH_COLORS)]
            k += 1
    return out


def plot_cumulative(curves, ax, strategy=None, log=False):
    """Cumulative returns (fractions) of the strategy and benchmarks.

    Parameters
    ----------
    curves : dict
        Name -> Series of cumulative returns (``WidgetResult.frames['curves']``).
    ax : matplotlib Axes
    strategy : str, optional
        Drawn thicker, on top. The first curve by default.
    log : bool
        Log scale of growth of 1.
    """
    names = list(curves)
    strategy = strategy or names[0]
    colors = _colors(names, strategy)
    for name in names[::-1]:
        c = curves[name]
        if len(c) == 0:
            continue
        y = (1.0 + c) if log else c
        ax.plot(c.index, y.to_numpy(), color=colors[name], lw=1.4 if name == strategy else 0.9,
                label=name, zorder=3 if name == strategy else 2)
    if log:
        ax.set_yscale("log")
        ax.set_ylabel("growth of 1")
    else:
        ax.yaxis.set_major_formatter(_pct())
        ax.axhline(0.0, color="black", lw=0.6)
    handles, labels = ax.get_legend_handles_labels()
    style.legend_above(ax, handles[::-1], labels[::-1], title="Cumulative performance")
    return ax


def plot_monthly_distribution(edges, counts, ax, strategy=None):
    """Months per return bucket, one bar group per bucket, one bar per series."""
    names = list(counts)
    strategy = strategy or names[0]
    colors = _colors(names, strategy)
    edges = np.asarray(edges)
    width = np.diff(edges)
    k = len(names)
    for i, name in enumerate(names):
        ax.bar(edges[:-1] + width * (i + 0.5) / k, counts[name], width=width / k * 0.95,
               color=colors[name], label=name, align="center")
    ax.axvline(0.0, color="black", lw=0.6)
    # round steps and no needless decimals: "-15.0%-10.0%" ran together on the page's narrow chart
    style.percent_axis(ax.xaxis, nbins=5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("months")
    # above the bars, never on them
    style.legend_above(ax, title="Distribution of monthly returns")
    return ax


def plot_monthly_heatmap(table, ax, annotate=True):
    """Year x month grid of monthly returns, red for losses, green for gains.

    Months without returns stay blank: pyfolio's ``plot_monthly_returns_heatmap``
    shows them as 0.0.
    """
    grid = table.drop(columns="Year").to_numpy(dtype=float)
    lim = np.nanmax(np.abs(grid)) if np.isfinite(grid).any() else 0.1
    ax.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(12), table.columns[:12])
    ax.set_yticks(range(len(table)), [str(y) for y in table.index])
    ax.grid(False)
    if annotate:
        # in proportion to the style's type: 7-point numbers were unreadable on the 14-inch sheet
        size = matplotlib.rcParams["font.size"] * (0.7 if len(table) <= 12 else 0.55)
        for (i, j), v in np.ndenumerate(grid):
            if np.isfinite(v):
                dark = abs(v) > 0.75 * lim
                ax.text(j, i, f"{v * 100:.1f}", ha="center", va="center", fontsize=size,
                        color="white" if dark else "black")
    ax.set_title("Monthly returns (%)")
    return ax


def plot_return_report(table, ax):
    """Best, worst, mean, median and last return of each rolling window."""
    x = np.arange(len(table))
    ax.vlines(x, table["worst"], table["best"], color="#999999", lw=6, alpha=0.5, label="worst to best")
    ax.scatter(x, table["mean"], marker="_", s=160, color="black", label="mean", zorder=3)
    ax.scatter(x, table["median"], marker="o", s=14, color=STRATEGY_COLOR, label="median", zorder=3)
    ax.scatter(x, table["last"], marker="D", s=16, color="#e08a2c", label="last", zorder=4)
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set_xticks(x, list(table.index))
    ax.yaxis.set_major_formatter(_pct())
    style.legend_above(ax, title="Return report (rolling windows)")
    return ax


def plot_expected_shortfall(monthly, var, es, confidence, ax):
    """Histogram of monthly returns with the VaR and expected shortfall marked."""
    m = np.asarray(monthly, dtype=float)
    ax.hist(m, bins=min(40, max(10, len(m) // 6)), color=STRATEGY_COLOR, alpha=0.8)
    if np.isfinite(var):
        ax.axvline(var, color="#e08a2c", lw=1.2, label=f"VaR {confidence:.0%}: {var * 100:.1f}%")
    if np.isfinite(es):
        ax.axvline(es, color=LOSS_COLOR, lw=1.2, ls="--", label=f"ES {confidence:.0%}: {es * 100:.1f}%")
    style.percent_axis(ax.xaxis, nbins=5)
    if not style.legend_above(ax, title="Expected shortfall (monthly)"):
        ax.set_title("Expected shortfall (monthly)")
    return ax


def plot_time_series(frame, ax, title=None):
    """A user time series (basic widget): one line per column."""
    for i, col in enumerate(frame.columns):
        color = STRATEGY_COLOR if i == 0 else BENCH_COLORS[(i - 1) % len(BENCH_COLORS)]
        ax.plot(frame.index, frame[col].to_numpy(), lw=1.0, label=str(col), color=color)
    ax.set_title(title or "Time series")
    if frame.shape[1] > 1:
        style.legend_above(ax)
    return ax


def _tables(report):
    s = report.sections
    stats = s["performance_metrics"].data
    tables = {
        "return_statistics": statistics_table(stats, RETURN_STAT_KEYS),
        "risk_statistics": statistics_table(stats, RISK_STAT_KEYS),
        "drawdowns": s["drawdown_report"].frames["table"],
        "monthly_returns": s["historical_performance"].frames["table"],
        "return_report": s["return_report"].frames["table"],
        "worst_months": s["worst_months"].frames["table"],
        "expected_shortfall": s["expected_shortfall"].frames["table"],
    }
    if "pvr" in s:
        tables["pvr"] = pd.Series(s["pvr"].data, name=report.name, dtype=float).to_frame()
        tables["pvr"].attrs["resolution"] = resolution_of(report)
    return tables


def create_factsheet_tear_sheet(returns, positions=None, transactions=None, benchmark_rets=DEFAULT_BENCHMARKS,
                                risk_free=None, start=None, end=None, primary=None,
                                top_n=OPTIONS["top_n"].default, confidence=DEFAULT_CONFIDENCE, windows=None,
                                return_fig=False, report=None):
    """Factsheet figures and tables for a return series, pyfolio style.

    Parameters
    ----------
    returns : pd.Series, pd.DataFrame, or path
        Daily (or weekly / monthly) simple returns as fractions (pyfolio's
        ``returns``, dated with or without a time zone), a zipline
        performance frame, or a CSV / pickle; see
        :func:`pvr_plugin.store.inputs.read_returns` (a path, Series or frame).
    positions, transactions : pd.DataFrame, optional
        pyfolio's, with ``returns``: the tables gain the PvR block, measured
        at the closes (``daily bars``), and the notes say so. A zipline frame
        carries its own (the ``pvr`` metrics set's columns, else the closes).
    benchmark_rets : sequence, dict, pd.Series or None
        Benchmarks: built-in names (``'SP500'``, ``'SPY'``), CSV paths,
        Series, or a dict of name -> any of those. The first is the primary
        unless ``primary`` says otherwise. ``None`` or empty: no benchmark.
    risk_free : None, float, str or pd.Series
        Annual risk-free yield: ``None`` uses the 3-month T-bill where it
        covers the returns and zero otherwise (the tables say which).
    start, end : date-like, optional
    primary : str, optional
    top_n, confidence, windows
        Drawdown count, expected-shortfall confidence level, return-report
        windows (``['1M', '3M', ...]``).
    return_fig : bool
        Also return the figure.
    report : FactsheetReport, optional
        Use an already computed report instead of the arguments above.

    Returns
    -------
    dict of DataFrame, or (Figure, dict of DataFrame) with ``return_fig``
        Tables: ``return_statistics``, ``risk_statistics`` (one column per
        series), ``drawdowns``, ``monthly_returns``, ``return_report``,
        ``worst_months``, ``expected_shortfall``, and ``pvr`` when the input
        carries PvR (its ``attrs['resolution']`` says what it was measured
        from). Values are fractions.
    """
    if report is None:
        kw = {"top_n": top_n, "confidence": confidence}
        if windows is not None:
            kw["windows"] = windows
        if benchmark_rets is None:
            benchmark_rets = ()
        returns = with_pvr_block(returns, positions, transactions)
        report = factsheet(returns, benchmarks=benchmark_rets, primary=primary, risk_free=risk_free,
                           start=start, end=end, **kw)
    s = report.sections
    strategy = report.inputs.returns
    benchmarks = _primary_first(report)
    hist = s["historical_performance"].frames["table"]
    n_years = len(hist)
    heat_rows = max(2, int(np.ceil(n_years * 0.4 / ROW_INCHES)))
    rows = 3 + 1 + 2 + heat_rows + 2
    height = rows * ROW_INCHES
    with matplotlib.rc_context(STYLE):
        if return_fig:
            fig = Figure(figsize=(14, height))
        else:
            import matplotlib.pyplot as plt
            fig = plt.figure(figsize=(14, height))
        # constrained: room for every chart's title, legend and tick labels, whatever their size
        fig.set_layout_engine("constrained", h_pad=0.12, w_pad=0.1, hspace=0.02, wspace=0.04)
        gs = fig.add_gridspec(rows, 2)
        r = 0
        ax_cum = fig.add_subplot(gs[r:r + 3, :])
        pyfolio_plots.plot_returns_vs_benchmarks(strategy, benchmarks, ax_cum, name=report.name)
        ax_cum.set_title("Cumulative performance")
        r += 3
        ax_uw = fig.add_subplot(gs[r, :], sharex=ax_cum)
        pyfolio_plots.plot_underwater(strategy, ax_uw)
        ax_uw.set_title("Underwater (drawdown from peak)")
        r += 1
        pyfolio_plots.plot_annual_returns(strategy, fig.add_subplot(gs[r:r + 2, 0]))
        ax_dist = fig.add_subplot(gs[r:r + 2, 1])
        pyfolio_plots.plot_monthly_distribution(strategy, benchmarks, ax_dist, name=report.name)
        # pyfolio's locator puts a tick every 2% on half the sheet's width: labels run together
        ax_dist.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
        r += 2
        plot_monthly_heatmap(hist, fig.add_subplot(gs[r:r + heat_rows, :]), annotate=n_years <= 40)
        r += heat_rows
        plot_return_report(s["return_report"].frames["table"], fig.add_subplot(gs[r:r + 2, 0]))
        es = s["expected_shortfall"].data
        mine = es["series"][report.name]
        dist = s["monthly_distribution"].frames
        plot_expected_shortfall(dist["monthly"][report.name], mine["var_monthly"], mine["es_monthly"],
                                es["confidence"], fig.add_subplot(gs[r:r + 2, 1]))
        fig.suptitle(f"{report.name}: {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}",
                     x=0.01, ha="left", fontweight="bold")
    tables = _tables(report)
    if return_fig:
        return fig, tables
    return tables


def _primary_first(report):
    """The report's benchmarks, the primary one first (pyfolio draws one benchmark: the primary)."""
    bench = report.inputs.benchmarks
    names = ([report.primary] if report.primary else []) + [n for n in bench if n != report.primary]
    return {n: bench[n] for n in names}
