"""Parsing helpers shared by the input readers: dates, numbers, built-in files."""
import importlib.util
import os

import numpy as np
import pandas as pd

from pvr_plugin.errors import PvrInputError

DATE_COLUMNS = ("date", "dates", "datetime", "time", "timestamp", "period", "time period", "day")


def zipline_resource(name):
    """Path of a file in zipline/resources/market_data, without importing zipline."""
    spec = importlib.util.find_spec("zipline")
    if spec is None or not spec.submodule_search_locations:
        raise PvrInputError(f"built-in data {name} needs zipline-reloaded installed")
    for base in spec.submodule_search_locations:
        path = os.path.join(base, "resources", "market_data", name)
        if os.path.exists(path):
            return path
    raise PvrInputError(f"built-in data file {name} not found in the zipline package")


def naive_dates(index):
    """Dates without time zone or time of day (the wall-clock date of each stamp)."""
    index = pd.DatetimeIndex(index)
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.normalize()


def parse_dates(raw, label, column):
    if isinstance(raw, pd.DatetimeIndex):
        return naive_dates(raw)
    values = pd.Series(np.asarray(raw, dtype=object))
    try:
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    except (ValueError, TypeError):
        parsed = pd.Series(pd.NaT, index=values.index)
    bad = parsed.isna().to_numpy()
    if bad.any():
        first = values[bad].iloc[0]
        raise PvrInputError(
            f"{label}: unparseable date {str(first)!r} in column {column!r} "
            f"(row {int(np.flatnonzero(bad)[0]) + 1}, {int(bad.sum())} bad in all)"
        )
    return naive_dates(pd.DatetimeIndex(parsed))


def to_floats(values, dates, label, column):
    """Float array from ``values``; names the first non-numeric or empty cell."""
    raw = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if raw.dtype.kind in "fiub":
        nums = raw.astype(float)
    else:
        nums = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(nums)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        cell = raw[i]
        what = "empty value" if pd.isna(cell) else f"non-numeric value {str(cell)!r}"
        raise PvrInputError(
            f"{label}: {what} in column {column!r} on {dates[i]:%Y-%m-%d} "
            f"({int(bad.sum())} such cells)"
        )
    return nums
