"""The tables pyfolio's tear sheets print, as DataFrames, from pyfolio's own functions.

Each function returns what the matching pyfolio sheet passes to
``utils.print_table``, with the same rows and columns, but as numbers: returns
and allocations as fractions (pyfolio multiplies some by 100 to print them),
nothing formatted as text. Used by
:func:`pvr_plugin.views.pyfolio_tears.create_full_tear_sheet`.
"""
from collections import OrderedDict

import pandas as pd
from matplotlib import gridspec
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Fewest round trips pyfolio's round-trip sheet draws.
MIN_ROUND_TRIPS = 5


def period_table(returns, live_start_date=None, header_rows=None):
    """pyfolio's header rows of the performance table: dates and months (column ``value``)."""
    from pyfolio import utils

    rows = OrderedDict(header_rows or {})
    rows["Start date"] = returns.index[0].strftime("%Y-%m-%d")
    rows["End date"] = returns.index[-1].strftime("%Y-%m-%d")
    if live_start_date is None:
        rows["Total months"] = int(len(returns) / utils.APPROX_BDAYS_PER_MONTH)
    else:
        cut = utils._comparable_live_start(live_start_date, returns.index)
        rows["In-sample months"] = int((returns.index < cut).sum() / utils.APPROX_BDAYS_PER_MONTH)
        rows["Out-of-sample months"] = int((returns.index >= cut).sum() / utils.APPROX_BDAYS_PER_MONTH)
    return pd.DataFrame({"value": list(rows.values())}, index=pd.Index(list(rows), name="period"), dtype=object)


def bootstrap_table(returns, factor_returns, positions, transactions, turnover_denom):
    """pyfolio's bootstrapped performance statistics (mean, median, 5% and 95%, ...)."""
    from pyfolio import timeseries

    return timeseries.perf_stats_bootstrap(returns, factor_returns=factor_returns, positions=positions,
                                           transactions=transactions, turnover_denom=turnover_denom)


def returns_tables(returns, top=5):
    """``drawdowns`` (pyfolio's worst drawdown periods) and ``stress_events`` (its interesting times)."""
    from pyfolio import timeseries

    drawdowns = timeseries.gen_drawdown_table(returns, top=top).sort_values("Net drawdown in %", ascending=False)
    out = {"drawdowns": drawdowns}
    ranges = timeseries.extract_interesting_date_ranges(returns)
    if ranges:
        out["stress_events"] = pd.DataFrame(ranges).describe().transpose().loc[:, ["mean", "min", "max"]]
    return out


def position_tables(positions, hide_positions=False):
    """pyfolio's top 10 long, short and absolute positions (largest allocation, fraction of the account)."""
    if hide_positions:
        return {}
    from pyfolio import pos, utils

    alloc = pos.get_percent_alloc(positions)
    alloc.columns = alloc.columns.map(utils.format_asset)
    long_, short, absolute = pos.get_top_long_short_abs(alloc)
    return {"top_long_positions": pd.DataFrame({"max": long_}),
            "top_short_positions": pd.DataFrame({"max": short}),
            "top_positions": pd.DataFrame({"max": absolute})}


def round_trip_trades(returns, positions, transactions):
    """pyfolio's round trips of the run (positions closed at the end), or None under :data:`MIN_ROUND_TRIPS`."""
    from pyfolio import round_trips

    closed = round_trips.add_closing_transactions(positions, transactions)
    # extract_round_trips wants the account value at the start of each day
    trades = round_trips.extract_round_trips(closed, portfolio_value=positions.sum(axis="columns") / (1 + returns))
    return trades if len(trades) >= MIN_ROUND_TRIPS else None


def round_trip_tables(trades, sector_mappings=None, hide_positions=False):
    """pyfolio's round-trip statistics and profit attribution (per name, and per sector when mapped)."""
    from pyfolio import round_trips, utils

    stats = round_trips.gen_round_trip_stats(trades)
    out = {f"round_trip_{k}": stats[k] for k in ("summary", "pnl", "duration", "returns")}
    if not hide_positions:
        symbols = stats["symbols"].copy()
        symbols.columns = symbols.columns.map(utils.format_asset)
        out["round_trip_symbols"] = symbols
    out["profit_attribution"] = _attribution(trades)
    if sector_mappings is not None:
        out["sector_profit_attribution"] = _attribution(
            round_trips.apply_sector_mappings_to_round_trips(trades, sector_mappings))
    return out


def _attribution(trades):
    from pyfolio import utils

    share = trades.groupby("symbol")["pnl"].sum() / trades["pnl"].sum()
    share.index = share.index.map(utils.format_asset)
    return share.sort_values(ascending=False).to_frame("share of PnL")


def round_trip_figure(trades):
    """pyfolio's round-trip sheet drawn from already extracted trades.

    pyfolio's ``create_round_trip_tear_sheet`` extracts the trades itself,
    the slow part of the sheet; this lays out the same pyfolio charts on the
    trades the tables were made from, so they are extracted once.
    """
    import seaborn as sns
    from pyfolio import plotting

    with plotting.plotting_context(), plotting.axes_style():
        fig = Figure(figsize=(14, 3 * 6))
        FigureCanvasAgg(fig)
        gs = gridspec.GridSpec(3, 2, figure=fig, wspace=0.5, hspace=0.5)
        plotting.plot_round_trip_lifetimes(trades, ax=fig.add_subplot(gs[0, :]))
        plotting.plot_prob_profit_trade(trades, ax=fig.add_subplot(gs[1, 0]))
        ax = fig.add_subplot(gs[1, 1])
        sns.histplot([x.days for x in trades["duration"]], ax=ax)
        ax.set(xlabel="Holding time in days")
        ax = fig.add_subplot(gs[2, 0])
        sns.histplot(trades.pnl, ax=ax)
        ax.set(xlabel="PnL per round-trip trade in $")
        ax.locator_params(axis="x", nbins=5)
        ax = fig.add_subplot(gs[2, 1])
        sns.histplot(trades.returns.dropna() * 100, ax=ax)
        ax.set(xlabel="Round-trip returns in %")
    return fig


def capacity_tables(positions, transactions, market_data, last_n_days=125, liquidation_limit=0.2,
                    trade_limit=0.05, days_limit=1):
    """pyfolio's capacity tables: days to liquidate at a $1m base, and fills that took much of a bar."""
    from pyfolio import capacity, utils

    def days(**kw):
        table = capacity.get_max_days_to_liquidate_by_ticker(
            positions, market_data, max_bar_consumption=liquidation_limit, capital_base=1e6,
            mean_volume_window=5, **kw)
        table.index = table.index.map(utils.format_asset)
        return table

    def heavy(**kw):
        table = capacity.get_low_liquidity_transactions(transactions, market_data, **kw)
        table.index = table.index.map(utils.format_asset)
        return table[table["max_pct_bar_consumed"] > trade_limit * 100]

    whole, recent = days(), days(last_n_days=last_n_days)
    return {"capacity_days_to_liquidate": whole[whole.days_to_liquidate > days_limit],
            "capacity_days_to_liquidate_recent": recent[recent.days_to_liquidate > 1],
            "capacity_heavy_fills": heavy(),
            "capacity_heavy_fills_recent": heavy(last_n_days=last_n_days)}


def perf_attrib_tables(returns, positions, factor_returns, factor_loadings, transactions, pos_in_dollars):
    """pyfolio's performance-attribution summary and exposures tables."""
    from pyfolio import perf_attrib

    exposures, data = perf_attrib.perf_attrib(returns, positions, factor_returns, factor_loadings, transactions,
                                              pos_in_dollars=pos_in_dollars)
    summary, exposure_summary = perf_attrib.create_perf_attrib_stats(data, exposures)
    return {"perf_attrib_summary": summary.to_frame("value"), "perf_attrib_exposures": exposure_summary}
