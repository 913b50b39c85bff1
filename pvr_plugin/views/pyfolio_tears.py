"""pyfolio's full tear sheet plus a PvR section, with every table as a DataFrame.

:func:`create_full_tear_sheet` takes pyfolio's arguments in pyfolio's order
(a zipline performance frame is accepted as ``returns`` too) and draws
pyfolio's own sheets: returns, interesting times, positions, transactions,
round trips, capacity and performance attribution, as
``pyfolio.create_full_tear_sheet`` does. What it adds:

* the PvR section (:func:`pvr_plugin.views.pvr_tear.plot_pvr_sheet`: PvR
  against returns, cash and its low, capital at risk and its maximum,
  leverage and its maximum, shorts), from the account's end-of-day positions
  as given (pyfolio's ``estimate_intraday`` replaces them with positions at
  the estimated peak of each day, which is not a book the account held), or
  from a zipline frame's own columns (intraday where the ``pvr`` metrics set
  measured it);
* several benchmarks: ``benchmark_rets`` may be a DataFrame or a dict; the
  first is the one pyfolio's sheets use, and a figure and a table compare the
  strategy with each;
* the figures and tables are returned, not printed: pyfolio prints (or
  displays) its tables, which are recomputed here from pyfolio's own
  functions, and its printing is captured and dropped.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pyfolio.tears import FACTOR_PARTITIONS

from pvr_plugin.core import research
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views import pvr_tear, pyfolio_plots, style
from pvr_plugin.views.pyfolio_stats import pvr_of, pyfolio_inputs, with_added_rows

#: Rows of the table that compares the strategy with each benchmark.
BENCHMARK_ROWS = ("Alpha", "Beta", "Tail correlation")


@dataclass(frozen=True)
class FullTearSheet:
    """What :func:`create_full_tear_sheet` returns.

    Attributes
    ----------
    figures : dict
        Section -> matplotlib Figure: ``returns``, ``interesting_times``,
        ``positions``, ``transactions``, ``round_trips``, ``capacity``,
        ``perf_attrib`` (pyfolio's, where the inputs allow), ``benchmarks``
        (two or more benchmarks) and ``pvr``. Closed in pyplot: save them
        with ``savefig``.
    tables : dict
        Name -> pandas.DataFrame (returns as fractions; see :func:`create_full_tear_sheet`).
    resolution : str
        What the PvR section was measured from (``'daily bars'``,
        ``'intraday'``), ``''`` without it.
    notes : tuple of str
        Sections pyfolio could not make from the inputs, and why.
    """

    figures: dict
    tables: dict
    resolution: str = ""
    notes: tuple = field(default_factory=tuple)

    def _repr_html_(self):
        return "".join(f"<h4>{name}</h4>{table.to_html(max_rows=30)}" for name, table in self.tables.items())


def create_full_tear_sheet(returns, positions=None, transactions=None, market_data=None, benchmark_rets=None,
                           slippage=None, live_start_date=None, sector_mappings=None, round_trips=False,
                           estimate_intraday="infer", hide_positions=False, cone_std=(1.0, 1.5, 2.0),
                           bootstrap=False, unadjusted_returns=None, turnover_denom="AGB", set_context=True,
                           factor_returns=None, factor_loadings=None, pos_in_dollars=True, header_rows=None,
                           factor_partitions=FACTOR_PARTITIONS, pvr=True, *, model=None, start_usd=None,
                           leverage_limit=1.0, risk_free=None, title=None, show=None):
    """pyfolio's full tear sheet and a PvR section, as figures and DataFrames.

    Parameters
    ----------
    returns, positions, transactions, market_data, slippage, live_start_date, sector_mappings,
    round_trips, estimate_intraday, hide_positions, cone_std, bootstrap, unadjusted_returns,
    turnover_denom, set_context, factor_returns, factor_loadings, pos_in_dollars, header_rows,
    factor_partitions
        As in ``pyfolio.create_full_tear_sheet``. ``returns`` may also be a
        zipline performance frame (pyfolio's inputs are taken from it).
    benchmark_rets : pandas.Series, pandas.DataFrame or dict, optional
        One benchmark (pyfolio's) or several; the first is the primary.
    pvr : bool
        Add the PvR section (needs positions or a zipline frame).
    model, start_usd, leverage_limit
        PvR's, as in :func:`pvr_plugin.core.research.pvr_daily`.
    risk_free : optional
        For the downside volatility row, as in
        :func:`pvr_plugin.views.pyfolio_stats.perf_stats`.
    title : str, optional
        Start of the PvR figure's title.
    show : bool, optional
        Display the figures; default: when running in a Jupyter kernel.

    Returns
    -------
    FullTearSheet
        Tables: ``perf_stats`` (pyfolio's rows unchanged, then PvR's and the
        factsheet's, see :func:`~pvr_plugin.views.pyfolio_stats.perf_stats`;
        a ``Backtest`` column, or ``In-sample``, ``Out-of-sample``, ``All``),
        ``period`` (pyfolio's header rows), ``drawdowns`` (worst 5),
        ``stress_events``, with positions ``top_long_positions``,
        ``top_short_positions``, ``top_positions`` (fractions of the account
        value; not with ``hide_positions``), with ``round_trips`` the
        ``round_trip_*`` statistics and ``profit_attribution``, with
        ``market_data`` the ``capacity_*`` tables, with factor data
        ``perf_attrib_summary`` and ``perf_attrib_exposures``, with two or more
        benchmarks ``benchmarks``, ``perf_stats_bootstrap`` with
        ``bootstrap``, and with PvR ``pvr_summary`` and ``pvr_daily``.
    """
    from IPython.utils.capture import capture_output
    from pyfolio import tears, txn, utils

    returns, positions, transactions, perf = pyfolio_inputs(returns, positions, transactions)
    benchmarks = _benchmarks(benchmark_rets, returns.index)
    primary = next(iter(benchmarks.values()), None)
    daily = pvr_of(returns, positions, transactions, perf, model, start_usd, leverage_limit) if pvr else None
    if pvr and daily is None:
        raise PvrInputError("the PvR section needs pyfolio's positions (with cash) or a zipline frame; "
                            "pass positions, or pvr=False")
    if unadjusted_returns is None and slippage is not None and transactions is not None:
        unadjusted_returns = returns.copy()
        returns = txn.adjust_returns_for_slippage(returns, positions, transactions, slippage)
    seen = utils.check_intraday(estimate_intraday, returns, positions, transactions)

    figures, tables, notes = {}, {}, []
    before = set(matplotlib.pyplot.get_fignums())
    # pyfolio prints (or displays) its tables; they are recomputed below.
    with capture_output(stdout=True, stderr=False, display=True):
        figures["returns"] = tears.create_returns_tear_sheet(
            returns, positions=seen, transactions=transactions, live_start_date=live_start_date,
            cone_std=cone_std, benchmark_rets=primary, bootstrap=bootstrap, turnover_denom=turnover_denom,
            header_rows=header_rows, set_context=set_context, return_fig=True)
        figures["interesting_times"] = tears.create_interesting_times_tear_sheet(
            returns, benchmark_rets=primary, set_context=set_context, return_fig=True)
        if seen is not None:
            figures["positions"] = tears.create_position_tear_sheet(
                returns, seen, hide_positions=hide_positions, sector_mappings=sector_mappings,
                estimate_intraday=False, set_context=set_context, return_fig=True)
            if transactions is not None:
                figures["transactions"] = tears.create_txn_tear_sheet(
                    returns, seen, transactions, turnover_denom=turnover_denom,
                    unadjusted_returns=unadjusted_returns, estimate_intraday=False,
                    set_context=set_context, return_fig=True)
                if market_data is not None:
                    figures["capacity"] = _guarded("capacity", notes, lambda: tears.create_capacity_tear_sheet(
                        returns, seen, transactions, market_data, liquidation_daily_vol_limit=0.2,
                        last_n_days=125, estimate_intraday=False, set_context=set_context, return_fig=True))
            if factor_returns is not None and factor_loadings is not None:
                figures["perf_attrib"] = _guarded("perf_attrib", notes, lambda: tears.create_perf_attrib_tear_sheet(
                    returns, seen, factor_returns, factor_loadings, transactions,
                    pos_in_dollars=pos_in_dollars, factor_partitions=factor_partitions,
                    set_context=set_context, return_fig=True))
    from pvr_plugin.views import pyfolio_tables as pt

    tables["perf_stats"] = _perf_stats_table(returns, primary, seen, transactions, turnover_denom,
                                             live_start_date, daily, risk_free)
    tables["period"] = pt.period_table(returns, live_start_date, header_rows)
    if bootstrap:
        tables["perf_stats_bootstrap"] = pt.bootstrap_table(returns, primary, seen, transactions, turnover_denom)
    tables.update(pt.returns_tables(returns))
    if seen is not None:
        tables.update(pt.position_tables(seen, hide_positions))
        if transactions is not None and round_trips:
            trades = pt.round_trip_trades(returns, seen, transactions)
            if trades is None:
                warnings.warn("Fewer than 5 round-trip trades made: no round-trip figure or tables",
                              UserWarning, stacklevel=2)
            else:
                tables.update(pt.round_trip_tables(trades, sector_mappings, hide_positions))
                figures["round_trips"] = pt.round_trip_figure(trades)
        if transactions is not None and market_data is not None and "capacity" not in failed(notes):
            tables.update(_guarded("capacity", notes, lambda: pt.capacity_tables(seen, transactions, market_data))
                          or {})
        if factor_returns is not None and factor_loadings is not None and "perf_attrib" not in failed(notes):
            tables.update(_guarded("perf_attrib", notes, lambda: pt.perf_attrib_tables(
                returns, seen, factor_returns, factor_loadings, transactions, pos_in_dollars)) or {})
    if len(benchmarks) > 1:
        tables["benchmarks"] = _benchmark_table(returns, benchmarks, risk_free)
        figures["benchmarks"] = _benchmark_figure(returns, benchmarks)
    resolution = ""
    if daily is not None:
        summary = research.summarize(daily, returns=returns.to_numpy(dtype=float))
        tables["pvr_summary"] = pvr_tear.summary_table(summary)
        tables["pvr_daily"] = daily
        figures["pvr"] = pvr_tear.plot_pvr_sheet(daily, summary, title=title or "PvR")
        resolution = daily.attrs["resolution"]
    figures = {k: v for k, v in figures.items() if v is not None}
    _release(figures, before, show)
    return FullTearSheet(figures=figures, tables=tables, resolution=resolution, notes=tuple(notes))


def _guarded(section, notes, make):
    """``make()``, or None and a note when pyfolio fails on the inputs.

    pyfolio's capacity and attribution sheets fail on inputs that are not
    mistakes (its capacity sheet cannot reindex two names traded on one day;
    its capacity sweep cannot plot when the first capital base already costs
    a Sharpe ratio below -1): the rest of the sheet is still returned, and the
    note says what was left out and why.
    """
    try:
        return make()
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        note = f"{section}: pyfolio could not make this section ({type(exc).__name__}: {exc})"
        notes.append(note)
        warnings.warn(note, UserWarning, stacklevel=3)
        return None


def failed(notes):
    """Sections a note says pyfolio could not make."""
    return {n.split(":", 1)[0] for n in notes}


def _benchmarks(benchmark_rets, index):
    """Name -> benchmark returns on the strategy's dates (NaN where a benchmark has none)."""
    if benchmark_rets is None:
        return {}
    if isinstance(benchmark_rets, pd.Series):
        items = [(benchmark_rets.name if benchmark_rets.name is not None else "benchmark", benchmark_rets)]
    elif isinstance(benchmark_rets, pd.DataFrame):
        items = [(c, benchmark_rets[c]) for c in benchmark_rets.columns]
    elif isinstance(benchmark_rets, dict):
        items = list(benchmark_rets.items())
    else:
        raise PvrInputError(f"benchmark_rets must be a Series, a DataFrame or a dict of Series, "
                            f"not {type(benchmark_rets).__name__}")
    out = {}
    for name, series in items:
        if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
            raise PvrInputError(f"benchmark {name!r} must be a pandas Series of returns indexed by dates")
        out[str(name)] = _on_dates(series, index).rename(str(name))
    return out


def _on_dates(series, index):
    """A benchmark on the strategy's dates, matched by calendar day (NaN where it has none)."""
    days = research.calendar_days(series.index, "benchmark", index.tz)
    by_day = pd.Series(series.to_numpy(dtype=float), index=days)
    by_day = by_day[~by_day.index.duplicated(keep="last")]
    return pd.Series(by_day.reindex(research.calendar_days(index, "returns")).to_numpy(), index=index)


def _perf_stats_table(returns, primary, positions, transactions, turnover_denom, live_start_date, daily,
                      risk_free):
    from pyfolio import timeseries, utils

    def one(r, p, t, d):
        rows = timeseries.perf_stats(r, factor_returns=primary, positions=p, transactions=t,
                                     turnover_denom=turnover_denom)
        return with_added_rows(rows, r, d, primary, risk_free)

    full = one(returns, positions, transactions, daily)
    if live_start_date is None:
        table = full.to_frame("Backtest")
    else:
        cut = utils._comparable_live_start(live_start_date, returns.index)
        parts = {}
        for label, keep in (("In-sample", returns.index < cut), ("Out-of-sample", returns.index >= cut)):
            r = returns[keep]
            p = positions.loc[positions.index.isin(r.index)] if positions is not None else None
            t = None
            if transactions is not None and len(r):
                tcut = utils._comparable_live_start(live_start_date, transactions.index)
                t = transactions[(transactions.index < tcut) == (label == "In-sample")]
            # PvR of a part starts from the account value before it (pyfolio's positions, daily bars).
            d = research.pvr_daily(r, p) if p is not None and len(p) else None
            parts[label] = one(r, p, t, d)
        parts["All"] = full
        table = pd.DataFrame(parts)
    table.attrs = dict(full.attrs)
    return table


def _benchmark_table(returns, benchmarks, risk_free):
    from pyfolio import timeseries

    columns = {}
    for name, series in benchmarks.items():
        rows = with_added_rows(timeseries.perf_stats(returns, factor_returns=series), returns, None, series,
                               risk_free)
        columns[name] = rows.reindex(list(BENCHMARK_ROWS))
    return pd.DataFrame(columns)


def _benchmark_figure(returns, benchmarks):
    with matplotlib.rc_context(style.BASE_STYLE):
        fig = Figure(figsize=(14, 8))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        pyfolio_plots.plot_returns_vs_benchmarks(returns, benchmarks, ax, name="Backtest")
        ax.set_title("Cumulative returns against each benchmark")
    return fig


def _release(figures, before, show):
    """Close pyfolio's figures in pyplot (they stay usable) and show them all in a notebook."""
    import matplotlib.pyplot as plt

    for number in set(plt.get_fignums()) - before:
        plt.close(number)
    if show is None:
        show = _in_kernel()
    if show:
        from IPython.display import display

        for fig in figures.values():
            display(fig)


def _in_kernel():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
