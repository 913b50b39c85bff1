"""pyfolio's inputs and pyfolio's shape: PvR from returns/positions/transactions, perf_stats with added
rows, the full tear sheet headless with its tables, pyfolio's look. On pyfolio's own shipped backtest."""
import contextlib
import io
import math

import empyrical
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from pyfolio import timeseries
from pyfolio.utils import extract_rets_pos_txn_from_zipline

import pvr_plugin.pyfolio as pvf
from pvr_plugin.core import fields, research
from pvr_plugin.data import index_returns, spy_returns
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views import style
from pvr_plugin.views.pyfolio_stats import FACTSHEET_ROWS, PVR_ROWS
from tests.conftest import pyfolio_example

matplotlib.use("Agg")
NUMERIC = [c for c in research.DAILY_COLUMNS if c != "resolution"]


@pytest.fixture(scope="module")
def example():
    perf = pyfolio_example()
    returns, positions, transactions = extract_rets_pos_txn_from_zipline(perf.copy())
    return perf, returns, positions, transactions


@pytest.fixture(scope="module")
def benchmarks(example):
    _, returns, _, _ = example
    return {"SP500": index_returns("2004-01-02", "2009-12-31", tz="UTC"), "SPY": spy_returns()}


@pytest.fixture(scope="module")
def full(example, benchmarks):
    _, returns, positions, transactions = example
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        sheet = pvf.create_full_tear_sheet(returns, positions, transactions, benchmark_rets=benchmarks)
    return sheet, printed.getvalue()


def on_dates(bench, returns):
    """A benchmark on the strategy's sessions, matched by calendar day (written out here)."""
    days = pd.DatetimeIndex(bench.index).tz_localize(None) if bench.index.tz is not None else bench.index
    values = pd.Series(bench.to_numpy(), index=days.normalize())
    wanted = returns.index.tz_localize(None).normalize()
    return pd.Series(values.reindex(wanted).to_numpy(), index=returns.index)


# ------------------------------------------------------------ PvR from pyfolio's inputs


def test_pvr_from_pyfolio_inputs_equals_the_zipline_frame_at_end_of_day(example):
    perf, returns, positions, transactions = example
    from_frame = research.pvr_daily(perf)  # no pvr metrics-set columns: the closes
    from_pyfolio = research.pvr_daily(returns, positions, transactions)
    assert from_frame.attrs["resolution"] == from_pyfolio.attrs["resolution"] == fields.DAILY_BARS
    np.testing.assert_allclose(from_pyfolio[NUMERIC].to_numpy(float), from_frame[NUMERIC].to_numpy(float),
                               rtol=1e-9, atol=1e-6)
    # the same PvR whether returns carry a time zone or not, and in another zone than the positions
    naive = research.pvr_daily(returns.tz_localize(None), positions, transactions)
    eastern = research.pvr_daily(returns.tz_convert("America/New_York"), positions)
    for other in (naive, eastern):
        np.testing.assert_allclose(other["pvr_pct"].to_numpy(), from_pyfolio["pvr_pct"].to_numpy(), rtol=0)
    # the run's summary from either input
    a, b = research.run_summary(perf), research.run_summary(returns, positions=positions, transactions=transactions)
    for key in ("pvr_pct", "pvr_per_day_pct", "max_risk_usd", "cash_low_usd", "max_leverage", "sharpe"):
        assert getattr(b, key) == pytest.approx(getattr(a, key), rel=1e-9), key
    # end-of-day positions cannot give intraday extremes
    with pytest.raises(PvrInputError, match="no intraday PvR from pyfolio's positions"):
        research.pvr_daily(returns, positions, resolution="intraday")


def test_pvr_tear_sheet_takes_pyfolio_inputs_in_pyfolio_order(example):
    perf, returns, positions, transactions = example
    fig, table = pvf.create_pvr_tear_sheet(returns, positions, transactions, return_fig=True)
    want = research.run_summary(perf)
    for key in ("pvr_pct", "pvr_per_day_pct", "max_risk_usd", "cash_low_usd", "max_leverage", "days"):
        assert table.loc[key, "value"] == pytest.approx(getattr(want, key), rel=1e-9), key
    assert table.loc["resolution", "value"] == "daily bars" and "(daily bars)" in fig._suptitle.get_text()
    # the leverage row is pyfolio's chart (its title) with PvR's running maximum on it
    ax = fig.axes[3]
    maxima = [ln for ln in ax.get_lines() if ln.get_label() == "Max leverage"]
    assert len(maxima) == 1 and maxima[0].get_ydata()[-1] == pytest.approx(want.max_leverage)
    assert ax.get_ylabel() == "Ratio" and len(ax.get_lines()) >= 3  # pyfolio's leverage, its mean, the maximum
    with pytest.raises(PvrInputError, match="returns alone carry no cash"):
        pvf.create_pvr_tear_sheet(returns, return_fig=True)
    with pytest.raises(PvrInputError, match="give the risk model as model="):
        pvf.create_pvr_tear_sheet(perf, "gross", return_fig=True)


# ------------------------------------------------------------ perf_stats


def test_perf_stats_is_pyfolios_table_plus_the_added_rows(example, benchmarks):
    perf, returns, positions, transactions = example
    bench = on_dates(benchmarks["SP500"], returns)
    ours = pvf.perf_stats(returns, bench, positions, transactions)
    theirs = timeseries.perf_stats(returns, factor_returns=bench, positions=positions, transactions=transactions)
    pd.testing.assert_series_equal(ours.iloc[:len(theirs)], theirs)
    assert tuple(ours.index[len(theirs):]) == PVR_ROWS + FACTSHEET_ROWS
    assert PVR_ROWS == ("PvR %", "PvR per day %/day", "Max risk $", "Cash low $", "Max leverage")
    assert ours.attrs["resolution"] == "daily bars" and ours.attrs["model"] == "cash_or_short"
    # PvR rows: the zipline frame's own end-of-day columns, worked out here
    s = 10_000_000.0
    cash_low = min(s, perf["ending_cash"].min())
    assert ours["Cash low $"] == pytest.approx(cash_low)
    assert ours["Max risk $"] == pytest.approx(s - cash_low)  # no shorts in this run
    assert ours["PvR %"] == pytest.approx(100 * (perf["portfolio_value"].iloc[-1] - s) / (s - cash_low))
    assert ours["PvR per day %/day"] == pytest.approx(ours["PvR %"] / len(perf))
    assert ours["Max leverage"] == pytest.approx(perf["max_leverage"].max())
    # factsheet rows: the same Calmar as pyfolio's; VaR and ES of the compounded calendar months
    assert ours["Calmar"] == pytest.approx(theirs["Calmar ratio"], rel=1e-12)
    monthly = (1 + returns).groupby([returns.index.year, returns.index.month]).prod().to_numpy() - 1
    var = np.quantile(monthly, 0.05)
    assert ours["VaR (monthly)"] == pytest.approx(var, rel=1e-12)
    assert ours["Expected shortfall (monthly)"] == pytest.approx(monthly[monthly <= var].mean(), rel=1e-12)
    assert 0 < ours["Tail correlation"] < 1 and ours["Downside volatility (ann.)"] > 0
    assert "T-bill" in ours.attrs["risk_free"] and ours.attrs["nan_reasons"] == {}
    # a zipline frame in place of the three inputs gives the same table
    from_frame = pvf.perf_stats(perf, bench)
    pd.testing.assert_series_equal(from_frame, ours)
    # returns alone: pyfolio's rows and the factsheet's, no PvR; no benchmark, no tail correlation
    alone = pvf.perf_stats(returns)
    assert not set(PVR_ROWS) & set(alone.index) and "Tail correlation" not in alone.index
    assert alone.attrs["resolution"] == ""


def test_perf_stats_added_rows_known_answers():
    # PvR rows. Three days, one asset long, one short; values 1000, 1000, 1100 from a start of 1000.
    idx = pd.date_range("2021-01-04", periods=3, tz="UTC")
    positions = pd.DataFrame({"AAA": [0.0, 600.0, 700.0], "BBB": [0.0, -300.0, -200.0],
                              "cash": [1000.0, 700.0, 600.0]}, index=idx)
    returns = pd.Series([0.0, 0.0, 0.1], index=idx)
    row = pvf.perf_stats(returns, positions=positions, risk_free=0.0)
    # risk = max(0, 1000 - cash, short book): 0, max(300, 300), max(400, 200) -> max risk 400
    assert row["Max risk $"] == 400 and row["Cash low $"] == 600
    assert row["PvR %"] == pytest.approx(100 * 100 / 400)          # 25 %
    assert row["PvR per day %/day"] == pytest.approx(25 / 3)
    # gross leverage (long + |short|) / value: 0, 900 / 1000, 900 / 1100 -> 0.9
    assert row["Max leverage"] == pytest.approx(0.9)
    assert row["Downside volatility (ann.)"] == 0.0                 # no return below 0
    assert math.isnan(row["VaR (monthly)"]) and "needs 20 monthly returns" in row.attrs["nan_reasons"]["VaR (monthly)"]

    # Factsheet rows. One non-zero day a month for 21 months: the monthly returns are exactly
    # 1%, -10%, -5%, then 1% for 18 months.
    days = pd.bdate_range("2011-01-03", "2012-09-28")
    months = [0.01, -0.10, -0.05] + [0.01] * 18
    firsts = days.to_series().groupby([days.year, days.month]).first()
    daily = pd.Series(0.0, index=days)
    daily[firsts.to_numpy()] = months
    n = len(days)
    out = pvf.perf_stats(daily, factor_returns=daily.rename("same"), risk_free=0.0)
    # VaR: sorted months -10%, -5%, 1% ... ; the 0.05 quantile of 21 values sits at (21 - 1) * 0.05 = 1,
    # the second smallest: -5%. ES: the mean of the months at or below it, (-10% - 5%) / 2.
    assert out["VaR (monthly)"] == pytest.approx(-0.05, abs=1e-15)
    assert out["Expected shortfall (monthly)"] == pytest.approx(-0.075, abs=1e-15)
    # downside volatility against a zero rate: sqrt((0.10^2 + 0.05^2) / n * 252)
    assert out["Downside volatility (ann.)"] == pytest.approx(math.sqrt(0.0125 / n * 252), rel=1e-12)
    # max drawdown: from 1.01 after month 1 down to 1.01 * 0.9 * 0.95: 0.9 * 0.95 - 1 = -14.5 %;
    # CAGR = (1.01^19 * 0.9 * 0.95) ^ (252 / n) - 1; Calmar = CAGR / 0.145
    cagr = (1.01 ** 19 * 0.9 * 0.95) ** (252 / n) - 1
    assert out["Calmar"] == pytest.approx(cagr / 0.145, rel=1e-10)
    # a series against itself: the blend is the series, every d equal: (d^2 - d^2/4 - d^2/4) / (d^2/2) = 1
    assert out["Tail correlation"] == pytest.approx(1.0, abs=1e-12)
    assert out.attrs["risk_free"].startswith("constant")


# ------------------------------------------------------------ the full tear sheet


def test_full_tear_sheet_runs_headless_and_returns_its_tables(example, benchmarks, full):
    perf, returns, positions, transactions = example
    sheet, printed = full
    assert printed == ""  # pyfolio's tables were not printed
    assert set(sheet.figures) == {"returns", "interesting_times", "positions", "transactions", "benchmarks", "pvr"}
    assert all(isinstance(f, Figure) for f in sheet.figures.values())
    assert plt.get_fignums() == []  # pyfolio's pyplot figures are released
    assert sheet.resolution == "daily bars"
    tables = sheet.tables
    assert all(isinstance(t, pd.DataFrame) for t in tables.values())
    assert {"perf_stats", "period", "drawdowns", "stress_events", "top_long_positions", "top_short_positions",
            "top_positions", "benchmarks", "pvr_summary", "pvr_daily"} == set(tables)
    # pyfolio's performance table against the primary benchmark, with the added rows
    sp = on_dates(benchmarks["SP500"], returns)
    want = pvf.perf_stats(returns, sp, positions, transactions)
    pd.testing.assert_series_equal(tables["perf_stats"]["Backtest"], want, check_names=False)
    assert tables["period"].loc["Start date", "value"] == "2004-01-02"
    assert tables["period"].loc["Total months", "value"] == int(len(returns) / 21)
    pd.testing.assert_frame_equal(tables["drawdowns"], timeseries.gen_drawdown_table(returns, top=5)
                                  .sort_values("Net drawdown in %", ascending=False))
    # top positions: the largest share of the account each asset ever had
    alloc = positions.drop(columns="cash").div(positions.sum(axis=1), axis=0)
    assert tables["top_positions"]["max"].iloc[0] == pytest.approx(alloc.abs().max().max())
    assert tables["stress_events"].loc["Lehman", "min"] == pytest.approx(returns["2008-08-01":"2008-09-30"].min())
    # several benchmarks: alpha and beta against each, empyrical's
    spy = on_dates(benchmarks["SPY"], returns)
    assert tables["benchmarks"].loc["Beta", "SPY"] == pytest.approx(empyrical.beta(returns, spy), rel=1e-10)
    assert tables["benchmarks"].loc["Alpha", "SP500"] == pytest.approx(empyrical.alpha(returns, sp), rel=1e-10)
    summary = research.run_summary(perf)
    assert tables["pvr_summary"].loc["pvr_pct", "value"] == pytest.approx(summary.pvr_pct, rel=1e-9)
    assert len(tables["pvr_daily"]) == len(returns)
    lines = {ln.get_label() for ln in sheet.figures["benchmarks"].axes[0].get_lines()}
    assert {"Backtest", "SP500", "SPY"} <= lines
    png = io.BytesIO()
    sheet.figures["pvr"].savefig(png, format="png", dpi=20)
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_full_tear_sheet_round_trips_and_live_start(example):
    perf, returns, positions, transactions = example
    cut = slice("2004-01-01", "2004-04-30")
    r, p = returns[cut], positions[cut]
    t = transactions[transactions.index < pd.Timestamp("2004-05-01", tz="UTC")]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        sheet = pvf.create_full_tear_sheet(r, p, t, round_trips=True, live_start_date="2004-03-01",
                                           estimate_intraday=False)
    assert printed.getvalue() == ""
    tables = sheet.tables
    assert list(tables["perf_stats"].columns) == ["In-sample", "Out-of-sample", "All"]
    # in-sample PvR is the whole run's PvR on the last in-sample day (no look-ahead)
    daily = research.pvr_daily(r, p)
    last_in = daily[daily.index < pd.Timestamp("2004-03-01", tz="UTC")].iloc[-1]
    assert tables["perf_stats"].loc["PvR %", "In-sample"] == pytest.approx(last_in["pvr_pct"], rel=1e-12)
    assert tables["perf_stats"].loc["PvR %", "All"] == pytest.approx(daily["pvr_pct"].iloc[-1], rel=1e-12)
    assert tables["period"].loc["In-sample months", "value"] == int((r.index < "2004-03-01").sum() / 21)
    assert {"round_trip_summary", "round_trip_pnl", "round_trip_duration", "round_trip_returns",
            "round_trip_symbols", "profit_attribution"} <= set(tables)
    assert tables["profit_attribution"]["share of PnL"].sum() == pytest.approx(1.0)
    assert isinstance(sheet.figures["round_trips"], Figure)
    with pytest.raises(PvrInputError, match="needs pyfolio's positions"):
        pvf.create_full_tear_sheet(r)


def test_factsheet_tear_sheet_takes_pyfolio_inputs_and_says_the_resolution(example):
    perf, returns, positions, transactions = example
    fig, tables = pvf.create_factsheet_tear_sheet(returns, positions, transactions, benchmark_rets=["SP500"],
                                                  return_fig=True)
    last = research.pvr_from_perf(perf).iloc[-1]
    block = tables["pvr"].iloc[:, 0]
    assert block["pvr_pct"] == pytest.approx(last["pvr_pct"], rel=1e-9)
    assert block["max_gross_leverage"] == pytest.approx(last["max_leverage"], rel=1e-9)
    assert tables["pvr"].attrs["resolution"] == "daily bars"
    # a zipline frame without the pvr metrics set: the same block, from its closes
    _, from_frame = pvf.create_factsheet_tear_sheet(perf, benchmark_rets=None, return_fig=True)
    pd.testing.assert_series_equal(from_frame["pvr"].iloc[:, 0], block)
    # pyfolio's cumulative chart draws the strategy and the benchmark as growth of 1
    labels = {ln.get_label() for ln in fig.axes[0].get_lines()}
    assert {"returns", "SP500"} <= labels


def test_style_is_pyfolios_look():
    from pyfolio.plotting import axes_style, plotting_context

    reference = {**plotting_context(), **axes_style()}
    assert style.PYFOLIO_STYLE == reference
    assert style.BASE_STYLE == {k: v for k, v in reference.items() if k != "image.cmap"}


def test_full_tear_sheet_capacity_and_attribution_tables():
    # Two names bought with $50,000 each on days one and two at $10; prices stay $10.
    days = pd.bdate_range("2021-01-04", periods=30, tz="UTC")
    returns = pd.Series(np.random.default_rng(1).normal(0.001, 0.01, len(days)), index=days)
    positions = pd.DataFrame({"AAA": 50_000.0, "BBB": 50_000.0, "cash": 0.0}, index=days)
    positions.iloc[0] = [50_000.0, 0.0, 50_000.0]
    fills = [days[0] + pd.Timedelta(hours=15), days[1] + pd.Timedelta(hours=15)]
    transactions = pd.DataFrame({"amount": [5000, 5000], "price": [10.0, 10.0], "symbol": ["AAA", "BBB"]},
                                index=fills)
    market = pd.concat({d: pd.DataFrame({"AAA": [10.0, 50_000.0], "BBB": [10.0, 200_000.0]},
                                        index=["price", "volume"]) for d in days}, names=["date", "field"])
    loadings = pd.DataFrame({"momentum": 1.0}, index=pd.MultiIndex.from_product([days, ["AAA", "BBB"]],
                                                                                names=["dt", "ticker"]))
    factors = pd.DataFrame({"momentum": np.random.default_rng(2).normal(0, 0.01, len(days))}, index=days)
    sheet = pvf.create_full_tear_sheet(returns, positions, transactions, market_data=market,
                                       factor_returns=factors, factor_loadings=loadings, start_usd=100_000.0,
                                       estimate_intraday=False)
    assert {"capacity", "perf_attrib"} <= set(sheet.figures) and sheet.notes == ()
    # days to liquidate at a $1m base, a fifth of a bar a day: half the book over a fifth of the
    # dollar volume. AAA: 0.5 * 1e6 / (0.2 * 50,000 * $10) = 5 days; BBB: 0.5 * 1e6 / (0.2 * 2e6) = 1.25
    days_table = sheet.tables["capacity_days_to_liquidate"]
    assert days_table.loc["AAA", "days_to_liquidate"] == pytest.approx(5.0)
    assert days_table.loc["BBB", "days_to_liquidate"] == pytest.approx(1.25)
    # the AAA fill took 5,000 of 50,000 shares: 10 % of the bar (over pyfolio's 5 % line); BBB 2.5 %
    heavy = sheet.tables["capacity_heavy_fills"]
    assert list(heavy.index) == ["AAA"] and heavy.loc["AAA", "max_pct_bar_consumed"] == pytest.approx(10.0)
    summary = sheet.tables["perf_attrib_summary"]["value"]
    assert summary["Total Returns"] == pytest.approx(np.prod(1 + returns.to_numpy()) - 1, rel=1e-12)
    # PvR from a start of $100,000: all of it at work from day two
    assert sheet.tables["pvr_summary"].loc["max_risk_usd", "value"] == pytest.approx(100_000.0)
    # two names traded on one day: pyfolio's capacity sheet cannot reindex them; the rest is returned
    both = transactions.set_axis([fills[0]] * 2)
    with pytest.warns(UserWarning, match="capacity: pyfolio could not make this section"):
        partial = pvf.create_full_tear_sheet(returns, positions, both, market_data=market, start_usd=100_000.0,
                                             estimate_intraday=False)
    assert "capacity" not in partial.figures and partial.notes[0].startswith("capacity:")
    assert not any(k.startswith("capacity_") for k in partial.tables) and "pvr" in partial.figures
