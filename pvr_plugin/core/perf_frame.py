"""Checks and the per-day frame shared by the readers of finished backtests.

A zipline performance frame (:mod:`pvr_plugin.core.research`) and pyfolio's
inputs (:mod:`pvr_plugin.core.pyfolio_pvr`) are checked the same way and end
in the same per-day frame, whose columns come from the field table.
"""

import numpy as np
import pandas as pd

from pvr_plugin.core import fields
from pvr_plugin.core import pvr as core
from pvr_plugin.core.inputs import positive_dollars
from pvr_plugin.errors import PvrInputError

#: Columns of the per-day frame, from the field table.
DAILY_COLUMNS = fields.names("daily")


def _check_start(start_usd):
    return positive_dollars(start_usd, "start_usd")


def _check_frame(frame, what):
    if not isinstance(frame, pd.DataFrame):
        raise PvrInputError(f"{what} must be a pandas DataFrame, not {type(frame).__name__}")
    if len(frame) == 0:
        raise PvrInputError(f"{what} is empty: no rows")
    index = frame.index
    if isinstance(index, pd.DatetimeIndex):
        if index.has_duplicates:
            raise PvrInputError(f"{what} has duplicate dates, e.g. {index[index.duplicated()][0]}")
        if not index.is_monotonic_increasing:
            raise PvrInputError(f"{what} is not in date order; sort it first")
    return frame


def _numeric(frame, column, what):
    """A column as a float array; PvrInputError naming the column and a bad value."""
    series = frame[column]
    if isinstance(series, pd.DataFrame):
        raise PvrInputError(f"{what} has more than one {column!r} column")
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if not (numeric or series.dtype == object or pd.api.types.is_string_dtype(series)):
        raise PvrInputError(f"{what} column {column!r} is not numeric (dtype {series.dtype})")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PvrInputError(
            f"{what} column {column!r} has a missing or non-numeric value {series.iloc[i]!r} at {frame.index[i]}"
        )
    return values


def _finite(values):
    """NaN where a value is not finite: the results never hold inf."""
    values = np.asarray(values, float)
    return np.where(np.isfinite(values), values, np.nan)


def _daily_frame(index, s, days, cash, long_, short, value, lev, risk, cash_low, max_short,
                 max_lev, max_risk, resolution, model, leverage_limit):
    pvr = core.pvr_pct(value, s, max_risk)
    out = pd.DataFrame({
        "days": days,
        "value_usd": value,
        "pnl_usd": value - s,
        "cash_usd": cash,
        "long_usd": long_,
        "short_usd": short,
        "leverage": _finite(lev),
        "risk_usd": _finite(risk),
        "cash_low_usd": cash_low,
        "max_short_usd": max_short,
        "max_leverage": _finite(max_lev),
        "max_risk_usd": max_risk,
        "pvr_pct": _finite(pvr),
        "pvr_per_day_pct": _finite(core.per_day(pvr, days)),
        "qret_pct": _finite(core.qret_pct(value, s)),
        "cagr": core.cagr(value, s, days),
        "resolution": resolution,
    }, index=index)[list(DAILY_COLUMNS)]
    out.attrs.update(resolution=resolution, model=model, start_usd=s, leverage_limit=leverage_limit)
    return out
