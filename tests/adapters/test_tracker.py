"""PvR tracking inside real zipline backtests on the embedded bundle.

The reference for "exact" is brute force: after every single bar, read
``context.portfolio`` (which syncs prices), sum the short positions, read the
account's leverage, and keep running extremes. The ``pvr()`` call, the ``pvr``
metrics set and that reference must agree on every bar and every day.
"""
import logging
import re
import threading

import numpy as np
import pandas as pd
import pytest
from zipline import run_algorithm
from zipline.api import (
    date_rules, order, order_target, order_target_percent, schedule_function,
    set_commission, symbol, time_rules,
)
from zipline.finance import commission

from pvr_plugin import PvROptions, pvr, schedule_pvr
from pvr_plugin.adapters import bundle as demo
from pvr_plugin.adapters.algo import tracker_of
from pvr_plugin.adapters.runner import run_file
from pvr_plugin.data import index_returns
from tests.conftest import REPO as ROOT
from tests.portfolio_reader import new_reference, read_portfolio, reference_extremes, tracker_bars

pytestmark = pytest.mark.usefixtures("zipline_root")
STRATS = ROOT / "strategies"
MINUTE_SPAN = ("2022-11-21", "2022-11-29")  # includes the 2022-11-25 early close


def brute_force_algo(freq_trades=37, options=None, call_pvr=True):
    """An algorithm that trades long and short at odd minutes, pays a minimum
    commission, calls pvr() and records the brute-force reference each bar."""
    ref = new_reference()

    def initialize(context):
        context.stocks = [symbol(t) for t in ("AAPL", "MSFT", "JPM", "KO", "XOM")]
        context.bar = 0
        set_commission(commission.PerShare(cost=0.005, min_trade_cost=1.0))

    def handle_data(context, data):
        context.bar += 1
        if context.bar % freq_trades == 0:
            phase = (context.bar // freq_trades) % 3
            for j, stock in enumerate(context.stocks):
                order_target_percent(stock, (0.5 if j % 2 else -0.4) if phase else 0.1)
        if call_pvr:
            pvr(context, data, config=options or PvROptions(keep_bars=True))
        read_portfolio(context, ref)

    def analyze(context, perf):
        ref["tracker"] = tracker_of(context)

    return initialize, handle_data, analyze, ref


def run(initialize, handle_data=None, analyze=None, freq="minute", span=MINUTE_SPAN, capital=1e6,
        metrics_set="pvr"):
    return run_algorithm(
        start=pd.Timestamp(span[0]), end=pd.Timestamp(span[1]), initialize=initialize,
        handle_data=handle_data, analyze=analyze, capital_base=capital, data_frequency=freq,
        bundle=demo.BUNDLE_NAME, benchmark_returns=index_returns(*span), metrics_set=metrics_set,
        trading_calendar=demo.calendar(),
    )


@pytest.mark.parametrize("freq,span", [("minute", MINUTE_SPAN), ("daily", ("2021-01-04", "2021-03-31"))])
def test_exact_against_brute_force_every_bar(freq, span):
    initialize, handle_data, analyze, ref = brute_force_algo(freq_trades=37 if freq == "minute" else 3)
    perf = run(initialize, handle_data, analyze, freq=freq, span=span)
    bars = tracker_bars(ref["tracker"].tracker)
    # every bar: the rebuilt account equals what context.portfolio showed
    cash, long_, short, lev = bars["cash"], bars["long"], bars["short"], bars["lev"]
    assert len(cash) == len(ref["cash"]) == (2160 if freq == "minute" else len(perf))
    np.testing.assert_allclose(cash, ref["cash"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(short, ref["short"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(long_, ref["long"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(lev, ref["lev"], rtol=1e-9)
    # every day: pvr() records, the metrics set columns and the reference agree
    cash_low, max_short, max_lev, max_risk = reference_extremes(ref, 1e6)
    ends = bars["ends"]
    for col, rec, expected in [("cash_low_usd", "CashLow", cash_low), ("max_short_usd", "MxShrt", max_short),
                               ("max_gross_leverage", "MxLv", max_lev), ("max_risk_usd", "MxRisk", max_risk)]:
        np.testing.assert_allclose(perf[col].to_numpy(), expected[ends], rtol=1e-12, atol=1e-6, err_msg=col)
        np.testing.assert_allclose(perf[rec].to_numpy(), expected[ends], rtol=1e-12, atol=1e-6, err_msg=rec)
    value = np.asarray(ref["value"])[ends]
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_pvr = np.where(max_risk[ends] > 0, 100 * (value - 1e6) / max_risk[ends], np.nan)
    np.testing.assert_allclose(perf["pvr_pct"], expected_pvr, rtol=1e-9)
    np.testing.assert_allclose(perf["PvR"], perf["pvr_pct"], rtol=1e-12)
    assert (perf["risk_model"] == "cash_or_short").all()
    if freq == "minute":
        # intraday extremes exceed what the closes alone show
        eod_risk = np.maximum.accumulate(np.maximum(1e6 - perf["ending_cash"], -perf["short_value"]))
        assert perf["max_risk_usd"].iloc[-1] > eod_risk.iloc[-1]


def test_proportional_metrics_set_and_pvrp_record():
    def initialize(context):
        context.stock = symbol("AAPL")

    def handle_data(context, data):
        order(context.stock, 40)  # runs into margin within days at $100,000
        pvr(context, data, record=("PvR", "PvRp", "MxRisk"))

    perf = run(initialize, handle_data, freq="daily", span=("2021-01-04", "2021-03-31"), capital=1e5,
               metrics_set="pvr-proportional")
    assert (perf["risk_model"] == "proportional").all()
    np.testing.assert_allclose(perf["pvr_pct"], perf["PvRp"], rtol=1e-12)  # same model, two paths
    assert perf["ending_cash"].min() < 0
    # by hand from the closes: while cash < 0 the dip is scaled by S / V
    worst, expected = 0.0, []
    for cash, value in zip(perf["ending_cash"], perf["portfolio_value"]):
        dip = max(1e5 - cash, 0.0)
        if cash < 0:
            dip *= 1e5 / value
        worst = max(worst, dip)
        expected.append(worst)
    np.testing.assert_allclose(perf["max_risk_usd"], expected, rtol=1e-9)
    assert perf["max_risk_usd"].iloc[-1] != pytest.approx(perf["MxRisk"].iloc[-1])  # differs from cash_or_short


def test_margin_and_gross_models_against_reference():
    initialize, handle_data, analyze, ref = brute_force_algo(options=PvROptions(risk_model="margin", keep_bars=True))
    perf = run(initialize, handle_data, analyze, metrics_set="pvr-margin")
    cash, lev, value = (np.asarray(ref[k], float) for k in ("cash", "lev", "value"))
    borrowed, cash_low, max_risk = 0.0, 1e6, 0.0
    ends = np.cumsum([len(b[1]) for b in ref["tracker"].tracker.bars]) - 1
    daily_risk = []
    for i in range(len(cash)):  # the margin model, one bar at a time
        cash_low = min(cash_low, cash[i])
        if lev[i] > 1.0:
            borrowed = max(borrowed, (lev[i] - 1.0) * value[i])
        risked = 1e6 + borrowed if borrowed > 0 else 1e6 - cash_low
        max_risk = max(max_risk, risked)
        daily_risk.append(max_risk)
    np.testing.assert_allclose(perf["max_risk_usd"], np.asarray(daily_risk)[ends], rtol=1e-9)
    np.testing.assert_allclose(perf["MxRisk"], perf["max_risk_usd"], rtol=1e-12)
    assert (perf["risk_model"] == "margin").all()
    gross = run(brute_force_algo(call_pvr=False)[0], brute_force_algo(call_pvr=False)[1], metrics_set="pvr-gross")
    assert gross["max_risk_usd"].iloc[-1] > perf["max_short_usd"].iloc[-1]


@pytest.mark.parametrize("metrics_set", ["pvr", "pvr-gross"])
@pytest.mark.parametrize("algo", [STRATS / "fixed_shares.py", ROOT / "tests/algos/fixed_long_short.py"])
def test_capital_invariance(algo, metrics_set):
    kw = dict(start="2021-01-04", end="2021-04-30", metrics_set=metrics_set)
    small = run_file(algo, capital_base=10_000, **kw).perf
    large = run_file(algo, capital_base=10_000_000, **kw).perf
    # to 1e-9: zipline itself keeps cash as one float, so at $10M a cent of PnL
    # carries ~2e-9 dollars of rounding; compare PvR in absolute percent points.
    np.testing.assert_allclose(small["pvr_pct"], large["pvr_pct"], rtol=0, atol=1e-9)
    for col in ("max_risk_usd", "max_short_usd"):
        np.testing.assert_allclose(small[col], large[col], rtol=1e-9, err_msg=col)
    np.testing.assert_allclose(10_000 - small["cash_low_usd"], 10_000_000 - large["cash_low_usd"], rtol=1e-9)
    assert small["max_risk_usd"].iloc[-1] > 0
    # while the platform's returns differ wildly
    assert abs(small["qret_pct"].iloc[-1]) > 100 * abs(large["qret_pct"].iloc[-1])


def test_all_in_once_pvr_equals_qret():
    from zipline.api import set_slippage
    from zipline.finance import slippage

    day2 = pd.Timestamp("2021-01-05")
    shares = 100
    capital = shares * demo.load_closes(["KO"]).at[day2, "KO"]  # fills on day 2 at its close

    def initialize(context):
        context.stock = symbol("KO")
        set_commission(commission.PerShare(cost=0.0, min_trade_cost=0.0))
        set_slippage(slippage.FixedSlippage(spread=0.0))
        schedule_function(lambda c, d: None, date_rules.every_day())

    def handle_data(context, data):
        if not context.portfolio.positions and not context.blotter.open_orders:
            order(context.stock, shares)
        pvr(context, data)

    perf = run(initialize, handle_data, freq="daily", span=("2021-01-04", "2021-03-31"), capital=capital)
    assert perf["cash_low_usd"].iloc[-1] == pytest.approx(0.0, abs=1e-7)
    later = perf.iloc[1:]
    np.testing.assert_allclose(later["pvr_pct"], later["qret_pct"], rtol=1e-9)
    qret = 100 * (later["portfolio_value"] - capital) / capital
    np.testing.assert_allclose(later["PvR"], qret, rtol=1e-9)


def test_short_only_has_risk_and_finite_pvr():
    perf = run_file(STRATS / "short_only.py", start="2021-01-04", end="2021-03-31", metrics_set="pvr").perf
    assert (perf["cash_low_usd"] == 1_000_000).all()  # cash never dipped
    assert perf["max_risk_usd"].iloc[-1] == pytest.approx(perf["max_short_usd"].iloc[-1])
    assert perf["max_risk_usd"].iloc[-1] > 500_000
    assert np.isfinite(perf["pvr_pct"].iloc[1:]).all()


def test_no_trades_gives_nan_and_says_no_capital(caplog):
    def initialize(context):
        pass

    def handle_data(context, data):
        pvr(context, data, record=("PvR", "MxRisk", "QRet"))

    with caplog.at_level(logging.INFO, logger="pvr_plugin.pvr"):
        perf = run(initialize, handle_data, freq="daily", span=("2021-01-04", "2021-01-29"))
    assert perf["pvr_pct"].isna().all() and perf["PvR"].isna().all()
    assert (perf["max_risk_usd"] == 0).all() and (perf["QRet"] == 0).all()
    text = caplog.text
    assert "No capital was used (max risk 0), so PvR is undefined" in text
    assert "PvR nan %/day" in text


def test_intraday_risk_invisible_at_closes():
    perf = run_file(STRATS / "intraday.py", start=MINUTE_SPAN[0], end=MINUTE_SPAN[1],
                    data_frequency="minute", metrics_set="pvr").perf
    assert all(len(p) == 0 for p in perf["positions"])  # flat at every close
    eod_risk = max(0.0, 1e6 - perf["ending_cash"].min())
    assert perf["max_risk_usd"].iloc[-1] > 1.1e6  # 3 x 40% = 120% of capital during the day
    assert perf["max_risk_usd"].iloc[-1] > 10 * eod_risk
    assert perf["max_gross_leverage"].iloc[-1] > 1.1 and perf["max_leverage"].iloc[-1] == 0  # zipline's column kept


def test_schedule_pvr_matches_handle_data_call():
    def algo(use_schedule):
        def initialize(context):
            context.stock = symbol("MSFT")
            schedule_function(lambda c, d: order_target_percent(c.stock, 1.3), date_rules.every_day(),
                              time_rules.market_open(minutes=20))
            schedule_function(lambda c, d: order_target(c.stock, 0), date_rules.every_day(),
                              time_rules.market_close(minutes=20))
            if use_schedule:
                schedule_pvr(context, record=("MxRisk", "CashLow", "MxLv"))

        def handle_data(context, data):
            pvr(context, data, record=("MxRisk", "CashLow", "MxLv"))

        return initialize, (None if use_schedule else handle_data)

    a = run(*algo(True), metrics_set="default")
    b = run(*algo(False), metrics_set="pvr")
    for rec, col in [("MxRisk", "max_risk_usd"), ("CashLow", "cash_low_usd"), ("MxLv", "max_gross_leverage")]:
        np.testing.assert_allclose(a[rec], b[rec], rtol=1e-12)
        np.testing.assert_allclose(a[rec], b[col], rtol=1e-12)
    assert a["MxRisk"].iloc[-1] > 1.2e6
    # the early close (13:00) session counts: its record is there and consistent
    assert pd.Timestamp("2022-11-25 18:00", tz="UTC") in a.index


def test_two_algorithms_share_no_state():
    kw = dict(start="2021-01-04", end="2021-03-31", metrics_set="pvr")
    alone_a = run_file(STRATS / "short_only.py", **kw).perf
    alone_b = run_file(STRATS / "fixed_shares.py", capital_base=20_000, **kw).perf
    results = {}

    def go(name, path, capital):
        results[name] = run_file(path, capital_base=capital, **kw).perf

    threads = [threading.Thread(target=go, args=("a", STRATS / "short_only.py", 1e6)),
               threading.Thread(target=go, args=("b", STRATS / "fixed_shares.py", 20_000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, alone in [("a", alone_a), ("b", alone_b)]:
        for col in ("pvr_pct", "max_risk_usd", "cash_low_usd", "max_short_usd"):
            np.testing.assert_allclose(results[name][col], alone[col], rtol=1e-12, err_msg=f"{name} {col}")
    assert alone_a["max_short_usd"].iloc[-1] > 0 and alone_b["max_short_usd"].iloc[-1] == 0


SUMMARY = re.compile(
    r"PvR (-?\d+\.\d{4}|nan) %/day   cagr -?\d+\.\d{3}   Portfolio value -?\d+   PnL -?\d+\n"
    r"(  Profited -?\d+ on \d+ activated/transacted for PvR of -?\d+\.\d%"
    r"|  No capital was used \(max risk 0\), so PvR is undefined)\n"
    r"  QRet -?\d+\.\d\d PvR (-?\d+\.\d\d|nan) CshLw -?\d+ MxLv \d+\.\d\d MxRisk \d+ MxShrt \d+\n"
    r"\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d  \$\d+  \d{4}-\d\d-\d\d \d\d:\d\d US/Eastern"
    r"(\nRuntime \d+ hr \d+\.\d min)?"  # the end-of-run summary only
)
NEW_HIGH = re.compile(
    r"^\d{4}-\d\d-\d\d( +(?P<minute>\d{1,3}))? Lv -?\d+\.\d MxLv \d+\.\d\d QRet -?\d+\.\d PvR (-?\d+\.\d|nan) PnL -?\d+"
    r" Cash -?\d+ CshLw -?\d+ Shrt \d+ MxShrt \d+ Risk \d+ MxRisk \d+$"
)


@pytest.mark.parametrize("freq,span", [("minute", MINUTE_SPAN), ("daily", ("2021-01-04", "2021-03-31"))])
def test_log_lines_and_end_summary(freq, span, caplog):
    opts = PvROptions(log_new_highs=True, log_summary=3)
    initialize, handle_data, _, _ = brute_force_algo(freq_trades=37 if freq == "minute" else 3, options=opts)
    with caplog.at_level(logging.INFO, logger="pvr_plugin.pvr"):
        run(initialize, handle_data, freq=freq, span=span, metrics_set="default")
    messages = [r.getMessage() for r in caplog.records if r.name == "pvr_plugin.pvr"]
    summaries = [m for m in messages if m.startswith("PvR ")]
    highs = [m for m in messages if not m.startswith("PvR ")]
    assert summaries and all(SUMMARY.fullmatch(m) for m in summaries), summaries[-1]
    sessions = len(demo.calendar().sessions_in_range(*span))
    assert len(summaries) == sessions // 3 + (sessions % 3 != 0)  # every 3 days, plus the end
    assert summaries[-1].splitlines()[3].startswith(f"{span[0]} to {span[1]}")
    assert summaries[-1].splitlines()[-1].startswith("Runtime ")
    assert "activated/transacted for PvR of" in summaries[-1]
    assert not any(m.splitlines()[-1].startswith("Runtime ") for m in summaries[:-1])
    assert highs and all(NEW_HIGH.match(m) for m in highs), highs[:3]
    minutes = [NEW_HIGH.match(m).group("minute") for m in highs]
    if freq == "minute":  # minute of the session, 1..390
        assert all(m is not None and 1 <= int(m) <= 390 for m in minutes)
    else:
        assert all(m is None for m in minutes)


def test_summary_interval():
    from pvr_plugin.adapters.algo import summary_interval

    assert summary_interval(None, "backtest") == 126
    assert summary_interval(None, "live") == 1  # outside a backtest every day counts
    assert summary_interval(0, "live") == 0 and summary_interval(5, "backtest") == 5
