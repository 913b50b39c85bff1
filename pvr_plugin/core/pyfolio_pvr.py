"""PvR per day from pyfolio's inputs (returns, positions, transactions), no zipline needed."""
import numpy as np
import pandas as pd

from pvr_plugin.core import fields
from pvr_plugin.core import pvr as core
from pvr_plugin.core.perf_frame import _check_frame, _check_start, _daily_frame, _numeric
from pvr_plugin.errors import PvrInputError


def pvr_from_pyfolio(returns, positions, transactions=None, model="cash_or_short", start_usd=None,
                     leverage_limit=1.0):
    """PvR per day from pyfolio's inputs, with no look-ahead and no zipline.

    Parameters
    ----------
    returns : pandas.Series
        Daily returns (fractions), pyfolio's ``returns``; dated with or
        without a time zone.
    positions : pandas.DataFrame
        pyfolio's ``positions``: one column of dollar values per asset
        (negative for shorts, NaN or 0 when not held) and a ``cash`` column,
        one row per day of ``returns`` (e.g. from
        ``pyfolio.utils.extract_rets_pos_txn_from_zipline``). Rows are
        matched to ``returns`` by calendar day, so a UTC-midnight index
        matches a naive one. Long book = sum of positive asset values, short
        book = sum of negative ones, account value = cash + long + short.
    transactions : pandas.DataFrame, optional
        pyfolio's ``transactions`` (``amount`` and ``price`` per fill). Taken
        so pyfolio's three inputs can be passed as they are; they do not
        change the result: fills give the traded asset's price at the fill,
        not the prices of the rest of the book between closes, so the
        extremes stay those at the closes.
    model, leverage_limit
        As in :func:`~pvr_plugin.core.research.pvr_from_perf`.
    start_usd : float, optional
        Starting capital; default the first day's value over ``1 + returns``
        of that day (the value before the first day).

    Returns
    -------
    pandas.DataFrame
        As :func:`~pvr_plugin.core.research.pvr_from_perf`, indexed like ``returns``; resolution
        ``'daily bars'`` (:data:`pvr_plugin.core.fields.DAILY_BARS`: pyfolio
        keeps end-of-day positions only).
    """
    if isinstance(returns, pd.DataFrame) and returns.shape[1] == 1:
        returns = returns.iloc[:, 0]
    if not isinstance(returns, pd.Series):
        raise PvrInputError(f"returns must be a pandas Series, not {type(returns).__name__}")
    if len(returns) == 0:
        raise PvrInputError("returns is empty: no rows")
    _check_frame(positions, "positions")
    model = core.check_model(model)
    if "cash" not in positions.columns:
        raise PvrInputError("positions has no 'cash' column (pyfolio's positions carry one per day)")
    _check_transactions(transactions)
    rets = _numeric(returns.to_frame("returns"), "returns", "returns")
    days = calendar_days(returns.index, "returns")
    pos_days = calendar_days(positions.index, "positions", getattr(returns.index, "tz", None))
    if pos_days.has_duplicates:
        raise PvrInputError(f"positions has two rows for {pos_days[pos_days.duplicated()][0].date()}")
    missing = days.difference(pos_days)
    if len(missing):
        raise PvrInputError(f"positions has no row for {missing[0].date()} (a date in returns)")
    pos = positions.iloc[pos_days.get_indexer(days)]
    cash = _numeric(pos, "cash", "positions")
    assets = pos.drop(columns="cash")
    values = np.column_stack([_numeric(assets.fillna(0.0), c, "positions") for c in assets.columns]) \
        if assets.shape[1] else np.zeros((len(pos), 0))
    long_ = np.where(values > 0, values, 0.0).sum(axis=1)
    short = np.where(values < 0, values, 0.0).sum(axis=1)
    value = cash + long_ + short
    if start_usd is None:
        if rets[0] <= -1 or value[0] <= 0:
            raise PvrInputError("cannot tell the starting capital from the first day; pass start_usd")
        s = float(value[0] / (1.0 + rets[0]))
    else:
        s = _check_start(start_usd)
    lev = core.gross_leverage(long_, short, value)
    _, bars = core.advance(core.PvRState(s, model, leverage_limit), cash, long_, short, value, lev)
    days = np.arange(1, len(pos) + 1)
    return _daily_frame(returns.index, s, days, cash, long_, short, value, lev, bars.risk_usd,
                        bars.cash_low_usd, bars.max_short_usd, bars.max_leverage,
                        bars.max_risk_usd, fields.DAILY_BARS, model, leverage_limit)


def calendar_days(index, what, tz=None):
    """Calendar day of each date label.

    A naive label's own day; a zone-aware one's day in ``tz`` when given
    (so two aware indexes in different zones are compared in one), else in
    its own zone. pyfolio's UTC midnights and a naive index of the same
    sessions give the same days.
    """
    if not isinstance(index, pd.DatetimeIndex):
        try:
            index = pd.DatetimeIndex(index)
        except (TypeError, ValueError):
            raise PvrInputError(f"{what} must be indexed by dates") from None
    if index.tz is not None:
        index = (index.tz_convert(tz) if tz is not None else index).tz_localize(None)
    return index.normalize()


def _check_transactions(transactions):
    if transactions is None:
        return
    if not isinstance(transactions, pd.DataFrame):
        raise PvrInputError(f"transactions must be a pandas DataFrame, not {type(transactions).__name__}")
    missing = [c for c in ("amount", "price") if c not in transactions.columns]
    if missing:
        raise PvrInputError(f"transactions has no {missing[0]!r} column (pyfolio's transactions have amount and price)")
