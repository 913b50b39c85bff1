"""Rebuild every minute of a finished session from a zipline ledger, exactly.

Reading ``context.portfolio`` every minute costs zipline a price sync of every
position (measured: 85% of a naive per-minute tracker's time). Within one
session, though, cash moves only on fills and commissions, and positions only
on fills; dividends and splits are applied before the first bar. So at the
session's last bar we can run the session backwards from the ledger's final
state: amounts and cash before each fill follow from that session's
transactions, and position values from one read of the session's minute closes.
The result equals what a reader of ``context.portfolio`` would have seen after
each bar's fills (same bar's close as price), at about one history read per
session instead of a portfolio sync per minute.

What else zipline does to a ledger, and how the rebuild follows it:

* dividends are paid and splits applied (share counts, fractional-share cash)
  before the session's first bar: they are in the state the session starts from;
* partial fills over many bars, cancels at the close and commissions with a
  minimum are per-fill events (transactions, wrapped ``process_commission``);
* an asset past its end date (delisted) has no price, so zipline's sync keeps
  the position's last sale price until zipline closes the position itself after
  the session's last bar (an order-less transaction, rebuilt after that bar);
* a held asset with no trade for a while keeps its last sale price, adjusted
  for a split in between (zipline's spot price); late listings have no price
  before their first trade and no shares either;
* an early close is just a shorter session.

Where a session cannot be rebuilt exactly (an intraday capital change, a fill
outside the session's minutes, a held position without any price, or, where
zipline has synced prices at the close, a rebuilt closing price that differs
from zipline's), :func:`session_bars` says why and the caller uses zipline's
own values at the close for that session.
"""
import numpy as np

_NS_PER_MINUTE = 60_000_000_000


class CommissionLog:
    """Commissions as the ledger books them, with the bar they belong to.

    zipline does not keep per-fill commissions in the ledger (transactions carry
    none, and with a minimum trade cost an order's running total cannot be split
    back into fills), so we wrap this ledger instance's ``process_commission``.
    Capital changes (``TradingAlgorithm(capital_changes=...)``) move cash
    between fills too; they are not rebuilt, only counted, so that the session
    falls back. The wrappers live on the instance: other backtests are untouched.
    """

    def __init__(self, ledger):
        self.entries = []  # (bar ns, cost usd)
        self.capital_changes = 0
        original = ledger.process_commission
        entries = self.entries

        def process_commission(commission):
            entries.append((commission["order"].dt.value, float(commission["cost"])))
            original(commission)

        ledger.process_commission = process_commission
        original_change = ledger.capital_change

        def capital_change(amount):
            self.capital_changes += 1
            original_change(amount)

        ledger.capital_change = capital_change

    def take(self, first_ns, last_ns):
        """Remove and return the entries within [first_ns, last_ns]."""
        inside = [e for e in self.entries if first_ns <= e[0] <= last_ns]
        self.entries[:] = [e for e in self.entries if e[0] > last_ns]
        return inside

    def take_capital_changes(self):
        count, self.capital_changes = self.capital_changes, 0
        return count


def _current_cash(ledger):
    # The immutable portfolio's cash is written through by every cash flow;
    # reading it avoids ``ledger.portfolio``, which would re-sync the portfolio.
    return float(ledger._immutable_portfolio.cash)


def _auto_closes(txns):
    """zipline's closes of delisted assets (no order): booked after the session's
    last bar, when the metrics set reads the ledger but a reader of
    ``context.portfolio`` in the last bar has not seen them yet."""
    return [t for t in txns if t["order_id"] is None]


def end_of_day_bars(ledger, prices=None, session=None):
    """(cash, long, short) after a daily bar, as 1-element arrays.

    Without ``prices`` the ledger's own position values are used: right at the
    close, where zipline has synced them (the metrics-set path); delisted
    positions zipline closed after the bar are put back, as the bar saw them.
    Inside ``handle_data`` zipline has not synced yet, so positions are priced
    at the session's close by a :class:`DailyCloses` cache.
    """
    cash = _current_cash(ledger)
    if prices is None:
        stats = ledger.position_tracker.stats
        long_, short = float(stats.long_value), float(stats.short_value)
        for t in _auto_closes(ledger.transactions()):
            value = -t["amount"] * t["price"]
            cash -= value
            long_, short = (long_ + value, short) if value > 0 else (long_, short + value)
        return np.array([cash]), np.array([long_]), np.array([short])
    cash = np.array([cash])
    held = [(a, p) for a, p in ledger.position_tracker.positions.items() if p.amount != 0]
    if not held:
        return cash, np.zeros(1), np.zeros(1)
    values = np.array([p.amount for _, p in held], float) * prices.at(session, [a for a, _ in held],
                                                                        [p for _, p in held])
    return cash, np.array([values[values > 0].sum()]), np.array([values[values < 0].sum()])


class DailyCloses:
    """Closes of the backtest's sessions, read once per asset for the whole run.

    Pricing positions at each close with zipline's own sync (a spot-value look-up
    per position) cost 1.09x on a 6-year daily backtest, and one raw read per
    session 1.34x; a whole-run column per asset, looked up by session, costs
    nothing measurable.
    """

    def __init__(self, data_portal, sessions):
        self.data_portal = data_portal
        self.sessions = sessions
        self.columns = {}

    def at(self, session, assets, positions):
        missing = [a for a in assets if a not in self.columns]
        if missing:
            first, last = self.sessions[0], self.sessions[-1]
            block = _raw_closes(
                self.data_portal, "daily", first, last, missing,
                lambda: self.data_portal.get_history_window(
                    missing, last, len(self.sessions), "1d", "close", "daily").to_numpy(dtype=float, copy=True),
            )
            for j, asset in enumerate(missing):
                self.columns[asset] = block[:, j]
        i = self.sessions.get_loc(session)
        closes = np.array([self.columns[a][i] for a in assets])
        for j in np.flatnonzero(np.isnan(closes)):  # no trade that day: what zipline's sync keeps
            closes[j] = _last_sale(self.data_portal, assets[j], session, "daily", positions[j].last_sale_price)
        return closes


def _last_sale(data_portal, asset, dt, frequency, held_price):
    """zipline's price sync where a bar has no trade: the last trade before,
    adjusted for splits since; for an asset past its end date (delisted,
    awaiting zipline's auto-close) no price, so the position keeps its last one."""
    price = data_portal.get_spot_value(asset, "price", dt, frequency)
    return held_price if np.isnan(price) else price


def _raw_closes(data_portal, frequency, first, last, assets, fallback):
    """Raw closes (rows: bars, columns: assets), NaN where nothing traded.

    The raw reader is zipline-internal; ``fallback`` (the public history call)
    is used if a future zipline renames it.
    """
    reader = getattr(data_portal, "_get_pricing_reader", None)
    if reader is None:
        return fallback()
    return reader(frequency).load_raw_arrays(["close"], first, last, [a.sid for a in assets])[0]


def session_bars(ledger, data_portal, minutes, commissions, synced=False):
    """(cash, long, short, problem) after each minute of a session.

    ``cash``, ``long`` and ``short`` are arrays of len(minutes); ``problem`` is
    None when the rebuild is exact, else the reason it cannot be (then the
    caller falls back to zipline's own values at the close, see
    :func:`close_values`).

    Parameters
    ----------
    ledger : zipline.finance.ledger.Ledger
        Its state must be the state after the session's last bar: inside that
        bar (the ``pvr()`` path) or after zipline's session end (the metrics
        set; auto-closes of delisted assets are then in the ledger and are
        rebuilt as happening after the bar).
    data_portal : zipline.data.data_portal.DataPortal
    minutes : pandas.DatetimeIndex
        The session's minutes (UTC), consecutive.
    commissions : CommissionLog
    synced : bool
        zipline has synced the positions' prices to the last bar (the metrics
        set, at the session end): the rebuilt closing prices are checked
        against them.
    """
    n = len(minutes)
    first_ns, last_ns = minutes[0].value, minutes[-1].value
    positions = ledger.position_tracker.positions
    txns = ledger.transactions()
    fees = commissions.take(first_ns, last_ns)
    problem = None
    if commissions.take_capital_changes():
        problem = "a capital change moved cash during the session"

    # row n: after the last bar (zipline's auto-close of delisted assets)
    flows = np.zeros(n + 1)
    for ns, cost in fees:
        flows[(ns - first_ns) // _NS_PER_MINUTE] -= cost
    assets = [a for a, p in positions.items() if p.amount != 0]
    col = {a: j for j, a in enumerate(assets)}
    fills, close_price = [], {}
    for t in txns:
        asset = t["sid"]
        if asset not in col:
            col[asset] = len(assets)
            assets.append(asset)
        if t["order_id"] is None:
            row = n
            close_price[asset] = t["price"]
        else:
            row = (t["dt"].value - first_ns) // _NS_PER_MINUTE
            if not 0 <= row < n:
                problem = problem or f"a fill of {asset.symbol} at {t['dt']} is outside the session's minutes"
                continue
        fills.append((row, col[asset], t["amount"]))
        flows[row] -= t["amount"] * t["price"]
    cash = (_current_cash(ledger) - flows.sum() + np.cumsum(flows))[:n]
    if not assets:
        zeros = np.zeros(n)
        return cash, zeros, zeros, problem

    delta = np.zeros((n + 1, len(assets)))
    for row, j, amount in fills:
        delta[row, j] += amount
    final = np.array([positions[a].amount if a in positions else 0.0 for a in assets], float)
    amounts = (final - delta.sum(axis=0) + np.cumsum(delta, axis=0))[:n]
    held_price = [positions[a].last_sale_price if a in positions else close_price.get(a, np.nan) for a in assets]
    prices = _session_prices(data_portal, assets, minutes, held_price)
    values = amounts * prices
    held = amounts != 0
    values[~held] = 0.0  # an unpriced asset with no shares is worth nothing
    if np.isnan(values).any():
        j = np.flatnonzero(np.isnan(values).any(axis=0))[0]
        problem = problem or f"no price for the {assets[j].symbol} position"
    elif synced:
        problem = problem or _check_close(positions, assets, prices[-1])
    long_ = np.where(values > 0, values, 0.0).sum(axis=1)
    short = np.where(values < 0, values, 0.0).sum(axis=1)
    return cash, long_, short, problem


def _check_close(positions, assets, last_prices):
    """The rebuilt closing prices must be the ones zipline synced at the close."""
    for asset, price in zip(assets, last_prices):
        p = positions.get(asset)
        if p is not None and p.amount != 0 and abs(p.last_sale_price - price) > 1e-9 * max(1.0, abs(price)):
            return f"{asset.symbol} rebuilt at {price} at the close, zipline has {p.last_sale_price}"
    return None


def close_values(ledger, data_portal=None, dt=None):
    """zipline's own (cash, long, short) at the close, as 1-element arrays: the
    fallback for a session the rebuild cannot make exact. Inside the last bar
    (the ``pvr()`` path) zipline has not synced prices yet: pass ``dt`` and the
    data portal to sync them first."""
    if dt is not None:
        ledger.sync_last_sale_prices(dt, data_portal)
    return end_of_day_bars(ledger)


def _session_prices(data_portal, assets, minutes, held_price):
    """Last-sale price of each asset at each minute, as the ledger's sync sees it.

    Raw minute closes, forward-filled inside the session; a leading gap (no
    trade yet this session) takes zipline's spot price at the first minute (the
    last trade before the session, adjusted for splits), or, where zipline has
    none (an asset past its end date awaiting auto-close), the position's own
    last sale price ``held_price``, which is what zipline's sync keeps. No split
    or dividend applies inside a session, so raw closes equal adjusted ones
    there. The raw reader is zipline-internal; we use it because it is about
    10x faster than the public history window (measured 0.13 ms vs 1.3 ms per
    20-asset session), and fall back to the public call if a future zipline
    renames it.
    """
    n = len(minutes)
    closes = _raw_closes(
        data_portal, "minute", minutes[0], minutes[-1], assets,
        lambda: data_portal.get_history_window(
            assets, minutes[-1], n, "1m", "close", "minute").to_numpy(dtype=float, copy=True),
    )
    if np.isnan(closes).any():
        for j in np.flatnonzero(np.isnan(closes[0])):
            closes[0, j] = _last_sale(data_portal, assets[j], minutes[0], "minute", held_price[j])
        mask = np.isnan(closes)
        idx = np.where(mask, 0, np.arange(n)[:, None])
        np.maximum.accumulate(idx, axis=0, out=idx)
        closes = closes[idx, np.arange(closes.shape[1])]
    return closes
