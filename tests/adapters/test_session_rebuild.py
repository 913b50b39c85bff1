"""Fixed cases of the session rebuild against a per-bar portfolio reader (see test_generated_worlds)."""
import numpy as np
import pandas as pd
import pytest

from tests.worlds import CALENDAR, Asset, Order, World, check_run, ingest_world, keep_bars_metrics_set, \
    run_world, world_algorithm

pytestmark = pytest.mark.usefixtures("zipline_root")

# A held long (A0, last trade 2021-11-24) and a held short (A1, last trade
# 2021-11-26) that delist mid-run, so that zipline closes them itself at the end
# of the next session; a late listing (A2, from 2021-11-24) bought once listed.
DELISTING = World(assets=(
    Asset(first=0, last=2, price=40.0, volume=3000, trade_prob=0.9, seed=1),
    Asset(first=0, last=3, price=60.0, volume=3000, trade_prob=0.9, seed=2),
    Asset(first=2, last=5, price=30.0, volume=3000, trade_prob=0.9, seed=3),
    Asset(first=0, last=5, price=80.0, volume=3000, trade_prob=0.9, seed=4),
))
DELISTING_ORDERS = [
    Order(0, 5, "target", 0, 1.0), Order(0, 5, "target", 1, -0.6), Order(0, 5, "target", 3, 0.5),
    Order(2, 10, "target", 2, 0.8),
]


@pytest.mark.parametrize("frequency", ["minute", "daily"])
def test_delisted_long_and_short_and_late_listing(frequency):
    ingest_world(DELISTING)
    perf, ref, metric = run_world(DELISTING, DELISTING_ORDERS, frequency)
    held = perf["positions"].apply(lambda ps: {p["sid"].symbol: p["amount"] for p in ps})
    # zipline closed A0 at the end of 2021-11-26 and A1 at the end of 2021-11-29
    assert "A0" in held.iloc[2] and "A0" not in held.iloc[3]
    assert held.iloc[3]["A1"] < 0 and "A1" not in held.iloc[4]
    assert held.iloc[-1]["A2"] > 0
    # before the fix, sessions on which a delisted position was still held lost
    # its value (zipline's spot price is NaN past the asset's end date) and the
    # metrics set saw the auto-close one bar early: leverage up to thousands
    assert 1.5 < perf["max_gross_leverage"].iloc[-1] < 3.5
    check_run(perf, ref, metric, where=frequency)


def test_capital_change_session_falls_back_to_the_close():
    """An intraday capital change (TradingAlgorithm(capital_changes=...)) moves cash
    between fills; the rebuild does not model it, detects it, and uses zipline's
    values at that session's close, flagged in the frame and the summary."""
    from zipline.algorithm import TradingAlgorithm
    from zipline.data import bundles
    from zipline.data.data_portal import DataPortal
    from zipline.finance import metrics
    from zipline.finance.trading import SimulationParameters

    from pvr_plugin.adapters.metric import INEXACT_KEY

    world = DELISTING
    ingest_world(world)
    data = bundles.load("pvr-world")
    sessions = world.sessions
    portal = DataPortal(
        data.asset_finder, CALENDAR, first_trading_day=data.equity_minute_bar_reader.first_trading_day,
        equity_minute_reader=data.equity_minute_bar_reader, equity_daily_reader=data.equity_daily_bar_reader,
        adjustment_reader=data.adjustment_reader,
    )
    change_at = CALENDAR.session_minutes(sessions[1])[200]
    initialize, handle_data, analyze, ref = world_algorithm(world, DELISTING_ORDERS, "minute")
    with keep_bars_metrics_set() as (name, holder):
        algo = TradingAlgorithm(
            sim_params=SimulationParameters(sessions[0], sessions[-1], CALENDAR, capital_base=100_000.0,
                                            data_frequency="minute"),
            data_portal=portal, initialize=initialize, handle_data=handle_data, analyze=analyze,
            metrics_set=metrics.load(name), benchmark_returns=pd.Series(0.0, index=sessions),
            capital_changes={change_at: {"type": "delta", "value": -80_000.0}},
        )
        perf = algo.run()
    assert list(perf["intraday_exact"]) == [True, False, True, True, True, True]
    assert [e["session"] for e in ref["risk_report"][INEXACT_KEY]] == ["2021-11-23"]
    assert "capital change" in ref["risk_report"][INEXACT_KEY][0]["reason"]
    assert [s.date() for s, _ in ref["tracker"].inexact_sessions] == [sessions[1].date()]
    # the flagged session holds the one close bar zipline itself reported ...
    ref_cash = np.asarray(ref["cash"])
    ends = np.cumsum([len(CALENDAR.session_minutes(s)) for s in sessions]) - 1
    starts = [0, *(ends[:-1] + 1)]
    for tracker in (ref["tracker"].tracker, holder[-1]._tracker):
        assert [len(b[1]) for b in tracker.bars] == [390, 1, 390, 210, 390, 390]
        assert tracker.bars[1][1][0] == pytest.approx(ref_cash[ends[1]], abs=1e-6)
        # ... and every other session is still rebuilt exactly, minute by minute
        for b in (0, 2, 3, 4, 5):
            np.testing.assert_allclose(tracker.bars[b][1], ref_cash[starts[b]: ends[b] + 1], atol=1e-6)
    # a flagged session's extremes are those of its close: never beyond what the reader saw
    low_seen = min(100_000.0, ref_cash[: ends[1] + 1].min())
    assert perf["cash_low_usd"].iloc[1] >= low_seen - 1e-6
    assert perf["ending_cash"].iloc[1] == pytest.approx(ref_cash[ends[1]], abs=1e-6)
