"""Small generated markets ("worlds") and order streams, for tests against zipline.

A world is a few assets over a few sessions of minute bars: each asset lists
and delists on its own sessions, trades only on some minutes (thin volume, so
orders fill over many bars), may skip whole sessions, and may split or pay a
cash dividend. ``world_frames`` turns a world into the daily and minute frames
that ``ingest_frames`` takes (raw prices, zipline's csvdir convention), daily
bars being the aggregate of the minutes. ``world_algorithm`` runs an order
stream on it and reads ``context.portfolio`` after every bar.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from zipline.api import (
    cancel_order, get_open_orders, order, order_target_percent, set_cancel_policy, set_commission,
    set_slippage, sid,
)
from zipline.finance import cancel_policy, commission, slippage
from zipline.finance.execution import LimitOrder
from zipline.utils.calendar_utils import get_calendar

from pvr_plugin import PvROptions, pvr
from pvr_plugin.adapters.algo import tracker_of
from tests.portfolio_reader import new_reference, read_portfolio

CALENDAR = get_calendar("XNYS")
# Six sessions around Thanksgiving 2021: 2021-11-26 closes early (210 minutes).
SESSIONS = CALENDAR.sessions_in_range("2021-11-22", "2021-11-30")


@dataclass(frozen=True)
class Asset:
    first: int                  # index of the first session with trades
    last: int                   # index of the last session with trades (zipline closes positions the day after)
    price: float = 50.0
    volume: int = 400           # shares per traded minute, about
    trade_prob: float = 0.7     # chance that a minute has a trade
    gaps: tuple = ()            # sessions with no trade at all
    split: tuple = None         # (session, new shares per old share)
    dividend: tuple = None      # (session, cash per share as a fraction of the price, pay lag in sessions)
    seed: int = 0


@dataclass(frozen=True)
class World:
    assets: tuple
    sessions: pd.DatetimeIndex = field(default_factory=lambda: SESSIONS)

    def symbols(self):
        return [f"A{i}" for i in range(len(self.assets))]


def world_frames(world):
    """(daily, minute) dicts of symbol -> frame for ``ingest_frames``."""
    daily, minute = {}, {}
    for symbol, asset in zip(world.symbols(), world.assets):
        rng = np.random.default_rng([asset.seed, 7])
        gaps = {g for g in asset.gaps if asset.first < g < asset.last}
        split = asset.split if asset.split and asset.first < asset.split[0] <= asset.last \
            and asset.split[0] not in gaps else None
        rows, factor, px = [], 1.0, asset.price
        for s in range(asset.first, asset.last + 1):
            if split and split[0] == s:
                factor *= split[1]
            minutes = CALENDAR.session_minutes(world.sessions[s])
            n = len(minutes)
            walk = px * np.exp(np.cumsum(rng.normal(0, 0.004, n)))
            px = walk[-1]
            if s in gaps:
                continue
            traded = rng.random(n) < asset.trade_prob
            traded[rng.integers(n)] = True  # at least one trade a session
            close = np.maximum(np.round(walk / factor, 3), 0.01)
            spread = np.round(close * 0.001 * rng.random(n), 3)
            frame = pd.DataFrame({
                "open": close, "high": close + spread, "low": np.maximum(close - spread, 0.005),
                "close": close, "volume": np.maximum(1, asset.volume * rng.uniform(0.3, 1.7, n)).round(),
            }, index=minutes)
            rows.append(frame[traded])
        mframe = pd.concat(rows)
        sessions = CALENDAR.minutes_to_sessions(mframe.index)
        g = mframe.groupby(sessions)
        dframe = pd.DataFrame({"open": g["open"].first(), "high": g["high"].max(), "low": g["low"].min(),
                               "close": g["close"].last(), "volume": g["volume"].sum()})
        dframe["split"] = 1.0
        dframe["dividend"] = 0.0
        dframe["pay_date"] = pd.NaT
        if split:
            dframe.loc[world.sessions[split[0]], "split"] = split[1]
        if asset.dividend:
            s, frac, lag = asset.dividend
            ex = world.sessions[s]
            prev = world.sessions[s - 1] if s > 0 else None
            if (ex in dframe.index and prev in dframe.index and dframe.at[ex, "split"] == 1.0):
                dframe.loc[ex, "dividend"] = round(frac * dframe.at[prev, "close"], 3) or 0.01
                dframe.loc[ex, "pay_date"] = CALENDAR.sessions[CALENDAR.sessions.get_loc(ex) + lag]
        minute[symbol], daily[symbol] = mframe, dframe
    return daily, minute


@dataclass(frozen=True)
class Order:
    session: int
    minute: int        # minute of the session (the last one on a short session if beyond it)
    kind: str          # "market", "limit", "target", "cancel"
    asset: int
    amount: float      # shares (market, limit) or fraction of the portfolio (target)
    offset: float = 0.0  # limit price = last price * (1 + offset)


COMMISSIONS = {
    "per_share_min": lambda: commission.PerShare(cost=0.005, min_trade_cost=1.0),
    "per_trade": lambda: commission.PerTrade(cost=2.5),
    "per_dollar": lambda: commission.PerDollar(cost=0.0015),
    "none": lambda: commission.PerShare(cost=0.0, min_trade_cost=0.0),
}


def world_algorithm(world, orders, frequency, commission_model="per_share_min", eod_cancel=False,
                    options=None):
    """(initialize, handle_data, analyze, ref): the orders, pvr(), and a per-bar reader."""
    ref = new_reference()
    by_bar = {}
    for o in orders:
        by_bar.setdefault((o.session, o.minute if frequency == "minute" else 0), []).append(o)
    minute_index = {}
    if frequency == "minute":
        for s, session in enumerate(world.sessions):
            minutes = CALENDAR.session_minutes(session)
            for o in orders:
                if o.session == s and o.minute >= len(minutes):
                    by_bar.setdefault((s, len(minutes) - 1), []).append(o)
            minute_index.update({m.value: (s, i) for i, m in enumerate(minutes)})
    else:
        minute_index = {}
    session_index = {s.value: i for i, s in enumerate(world.sessions)}

    def initialize(context):
        context.assets = [sid(i) for i in range(len(world.assets))]
        set_commission(COMMISSIONS[commission_model]())
        set_slippage(slippage.VolumeShareSlippage(volume_limit=0.1, price_impact=0.05))
        if eod_cancel:
            set_cancel_policy(cancel_policy.EODCancel())

    def handle_data(context, data):
        dt = context.get_datetime()
        key = minute_index.get(dt.value) if frequency == "minute" else (
            session_index.get(dt.tz_localize(None).normalize().value), 0)
        for o in by_bar.get(key, ()):
            asset = context.assets[o.asset]
            if o.kind == "cancel":
                for open_order in get_open_orders(asset):
                    cancel_order(open_order)
                continue
            if not data.can_trade(asset):
                continue
            if o.kind == "target":
                order_target_percent(asset, o.amount)
            elif o.kind == "limit":
                price = data.current(asset, "price")
                order(asset, o.amount, style=LimitOrder(round(price * (1 + o.offset), 2)))
            else:
                order(asset, o.amount)
        pvr(context, data, config=options or PvROptions(keep_bars=True))
        read_portfolio(context, ref)

    def analyze(context, perf):
        ref["tracker"] = tracker_of(context)
        ref["risk_report"] = dict(getattr(context, "risk_report", None) or {})

    return initialize, handle_data, analyze, ref


def ingest_world(world, name="pvr-world"):
    from pvr_plugin.adapters.user_bundle import ingest_frames

    daily, minute = world_frames(world)
    return ingest_frames(name, daily=daily, minute=minute, start=world.sessions[0], end=world.sessions[-1])


@contextmanager
def keep_bars_metrics_set():
    """A registered metrics set: zipline's default plus a PvRMetric that keeps
    every bar. Yields (name, holder); holder[-1] is the run's PvRMetric."""
    from zipline.finance import metrics

    from pvr_plugin.adapters.metric import PvRMetric

    holder = []

    def metrics_set():
        found = metrics.load("default")
        holder.append(PvRMetric(keep_bars=True, log_summary=False))
        found.add(holder[-1])
        return found

    name = f"pvr-keep-bars-{id(holder)}"
    metrics.register(name, metrics_set)
    try:
        yield name, holder
    finally:
        metrics.unregister(name)


def run_world(world, orders, frequency, bundle="pvr-world", capital=100_000.0, **algo_options):
    """Run an order stream on an ingested world with pvr() and the pvr metrics set (bars kept).

    Returns (perf, ref, metric): the frame, the per-bar reader's values (plus
    the pvr() tracker) and the metrics set's PvRMetric.
    """
    from zipline import run_algorithm

    initialize, handle_data, analyze, ref = world_algorithm(world, orders, frequency, **algo_options)
    with keep_bars_metrics_set() as (name, holder):
        perf = run_algorithm(
            start=world.sessions[0], end=world.sessions[-1], initialize=initialize, handle_data=handle_data,
            analyze=analyze, capital_base=capital, data_frequency=frequency, bundle=bundle,
            metrics_set=name, trading_calendar=CALENDAR,
            benchmark_returns=pd.Series(0.0, index=world.sessions),
        )
    return perf, ref, holder[-1]


EXTREMES = {"cash_low": "cash_low_usd", "max_short": "max_short_usd", "max_lev": "max_gross_leverage",
            "max_risk": "max_risk_usd"}
RECORDED = {"cash_low": "CashLow", "max_short": "MxShrt", "max_lev": "MxLv", "max_risk": "MxRisk"}


def check_run(perf, ref, metric, capital=100_000.0, where=""):
    """pvr() and the metrics set against the per-bar reader: every bar and every session."""
    from tests.portfolio_reader import assert_bars_equal, assert_daily_extremes, tracker_bars

    pvr_bars = tracker_bars(ref["tracker"].tracker)
    assert_bars_equal(pvr_bars, ref, where=f"{where} pvr()")
    metric_bars = tracker_bars(metric._tracker)
    assert_bars_equal(metric_bars, ref, where=f"{where} metrics set")
    assert_daily_extremes(perf, ref, capital, pvr_bars["ends"], EXTREMES, where=f"{where} metrics set")
    assert_daily_extremes(perf, ref, capital, pvr_bars["ends"], RECORDED, where=f"{where} pvr()")
    assert perf["intraday_exact"].all() and not ref["tracker"].inexact_sessions


def write_csvdir(world, folder, symbols=None, gzip_minutes=True):
    """Write a world as a csvdir folder: daily/SYMBOL.csv, minute/SYMBOL.csv(.gz),
    minute dates in New York time (the end of each bar), as a user's files would be."""
    from pathlib import Path

    daily, minute = world_frames(world)
    names = dict(zip(world.symbols(), symbols or world.symbols()))
    folder = Path(folder)
    (folder / "daily").mkdir(parents=True, exist_ok=True)
    (folder / "minute").mkdir(parents=True, exist_ok=True)
    for symbol, frame in daily.items():
        frame = frame.copy()
        frame["pay_date"] = frame["pay_date"].dt.strftime("%Y-%m-%d")
        frame.rename_axis("date").to_csv(folder / "daily" / f"{names[symbol]}.csv", date_format="%Y-%m-%d")
    for symbol, frame in minute.items():
        frame = frame.copy()
        frame.index = frame.index.tz_convert(CALENDAR.tz).tz_localize(None)
        suffix = ".csv.gz" if gzip_minutes else ".csv"
        frame.rename_axis("date").to_csv(folder / "minute" / f"{names[symbol]}{suffix}",
                                         date_format="%Y-%m-%d %H:%M")
    return folder
