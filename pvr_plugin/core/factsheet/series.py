"""One return series for the factsheet: cleaned, converted and named.

A strategy's or a benchmark's returns arrive as a pandas Series or
DataFrame (a zipline performance frame included) or as CSV bytes; they leave
as simple returns in fractions on sorted, unique, naive dates, with notes on
what was converted (prices to returns, percent to fractions). Dates and
numbers are read by :mod:`pvr_plugin.core.inputs`.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pvr_plugin.core.fields import quantity
from pvr_plugin.core.summary import undefined_reason
from pvr_plugin.core.inputs import DATE_COLUMN_NAMES, detect_units, parse_csv, parse_dates, parse_numbers
from pvr_plugin.data import index_returns, spy_returns
from pvr_plugin.errors import PvrInputError

RETURN_COLUMNS = ("returns", "return", "rets", "ret", "daily_return", "daily_returns", "r")
LEVEL_COLUMNS = (
    "price", "prices", "close", "adj close", "adj_close", "adjclose", "nav",
    "portfolio_value", "value", "equity", "level",
)
#: The ``pvr`` metrics set's columns the factsheet's PvR block shows (from the field table).
PVR_COLUMNS = tuple(quantity(n).column for n in
                    ("pvr_pct", "pvr_per_day_pct", "max_risk_usd", "cash_low_usd", "max_leverage"))

SP500 = "SP500"
SPY = "SPY"
#: The benchmarks of a factsheet when none are named.
DEFAULT_BENCHMARKS = (SP500,)
BUILTIN_BENCHMARKS = {
    "sp500": SP500, "s&p500": SP500, "s&p 500": SP500, "spx": SP500, "^gspc": SP500,
    "spy": SPY,
}


@dataclass(frozen=True)
class LoadedReturns:
    """A clean return series and what was done to get it.

    Attributes
    ----------
    returns : pd.Series
        Simple returns as fractions, naive DatetimeIndex, sorted, unique.
    name : str
        Display name.
    notes : tuple of str
        Conversions applied (prices to returns, percent to fractions, ...).
    pvr : dict or None
        Last values of the PvR columns of a zipline performance frame.
    """

    returns: pd.Series
    name: str
    notes: tuple = ()
    pvr: dict = None


# --------------------------------------------------------------------------- built-in series

def sp500_returns():
    """S&P 500 index daily returns (fractions) from the embedded closes, 1990-01-03 to 2022-12-28."""
    rets = index_returns().iloc[1:]  # the first session has no return
    rets.index = pd.DatetimeIndex(rets.index).normalize()
    rets.index.name = "date"
    return rets.rename(SP500)


# --------------------------------------------------------------------------- cleaning

def _looks_like_levels(values):
    """All positive and moving little relative to their size: prices or NAV, not returns."""
    if len(values) < 3 or not (values > 0).all():
        return False
    moves = np.median(np.abs(np.diff(values)))
    return bool(moves < 0.2 * np.median(values))


def clean_returns(values, dates, label, column="returns", kind="auto", unit="auto", first_line=None):
    """Check and convert one column into a clean return series.

    Parameters
    ----------
    values : array-like
        The column (returns, or prices / NAV).
    dates : array-like
        Its dates.
    label : str
        File or object name for messages.
    column : str
        Column name for messages; a price-like name (``close``, ``nav``,
        ``portfolio_value``...) means levels.
    kind : {'auto', 'returns', 'prices'}
        ``'prices'`` converts levels to simple returns (the first date is
        dropped). ``'auto'`` decides from the column name, then from the
        values (all positive and moving less than 20% of their size per
        period).
    unit : {'auto', 'fraction', 'percent'}
        ``'auto'`` detects percent with :func:`pvr_plugin.core.inputs.detect_units`
        (and divides by 100, saying so); fraction returns beyond +-1 are then
        refused, asking for the unit.
    first_line : int, optional
        File line of the first value (2 for a CSV with a header), for messages.

    Returns
    -------
    (pd.Series, list of str)
        The returns (fractions) and notes on the conversions made.
    """
    notes = []
    if kind not in ("auto", "returns", "prices"):
        raise PvrInputError(f"{label}: kind must be auto, returns or prices, got {kind!r}")
    if unit not in ("auto", "fraction", "percent"):
        raise PvrInputError(f"{label}: unit must be auto, fraction or percent, got {unit!r}")
    dates = parse_dates(dates, label, "date", first_line).normalize()
    nums = parse_numbers(values, label, column, dates, first_line)
    if len(nums) == 0:
        raise PvrInputError(f"{label}: no rows in column {column!r}")
    order = np.argsort(dates.asi8, kind="stable")
    if (np.diff(order) < 0).any():
        dates, nums = dates[order], nums[order]
    dup = dates.duplicated()
    if dup.any():
        raise PvrInputError(
            f"{label}: duplicate date {dates[dup][0]:%Y-%m-%d} in column {column!r} "
            f"({int(dup.sum())} duplicates; one row per date, intraday data is not supported)"
        )
    is_levels = kind == "prices" or (
        kind == "auto"
        and (column.strip().lower() in LEVEL_COLUMNS or (
            column.strip().lower() not in RETURN_COLUMNS and _looks_like_levels(nums)))
    )
    if is_levels:
        if (nums <= 0).any():
            i = int(np.flatnonzero(nums <= 0)[0])
            raise PvrInputError(
                f"{label}: price/NAV column {column!r} has a non-positive value {nums[i]:g} "
                f"on {dates[i]:%Y-%m-%d}"
            )
        if len(nums) < 2:
            raise PvrInputError(f"{label}: price/NAV column {column!r} needs at least two rows")
        notes.append(
            f"{label}: column {column!r} holds prices/NAV; converted to simple returns "
            f"(first date {dates[0]:%Y-%m-%d} dropped)"
        )
        nums = nums[1:] / nums[:-1] - 1.0
        dates = dates[1:]
    else:
        big = np.abs(nums) > 1.0
        if unit == "percent" or (unit == "auto" and detect_units(nums) == "percent"):
            notes.append(f"{label}: column {column!r} holds percent returns; divided by 100")
            nums = nums / 100.0
        elif unit == "auto" and big.any():
            i = int(np.flatnonzero(big)[0])
            raise PvrInputError(
                f"{label}: column {column!r} has {int(big.sum())} return(s) beyond +-100% "
                f"(first {nums[i]:g} on {dates[i]:%Y-%m-%d}) but too few to be percent; "
                "give the unit (fraction or percent)"
            )
        low = nums < -1.0
        if low.any():
            i = int(np.flatnonzero(low)[0])
            raise PvrInputError(
                f"{label}: return {nums[i]:g} on {dates[i]:%Y-%m-%d} in column {column!r} "
                "loses more than 100%"
            )
    series = pd.Series(nums, index=pd.DatetimeIndex(dates, name="date"), name=column)
    return series, notes


def _pick_column(frame, label, column):
    cols = [c for c in frame.columns]
    if column is not None:
        if column not in cols:
            raise PvrInputError(
                f"{label}: no column {column!r}; columns are {', '.join(map(str, cols))}"
            )
        return column
    lower = {str(c).strip().lower(): c for c in cols}
    for name in RETURN_COLUMNS + LEVEL_COLUMNS:
        if name in lower:
            return lower[name]
    if len(cols) == 1:
        return cols[0]
    raise PvrInputError(
        f"{label}: cannot tell which column holds the returns ({', '.join(map(str, cols))}); "
        "name one"
    )


def _pvr_block(frame):
    present = [c for c in PVR_COLUMNS if c in frame.columns]
    if not present:
        return None
    block = {}
    for col in PVR_COLUMNS:
        if col not in frame.columns:
            block[col] = None
            continue
        vals = pd.to_numeric(frame[col], errors="coerce").dropna()
        block[col] = float(vals.iloc[-1]) if len(vals) else None
    return block


def _from_frame(frame, label, column, kind, unit, name, first_line=None):
    frame = frame.copy()
    if not isinstance(frame.index, pd.DatetimeIndex):
        lower = {str(c).strip().lower(): c for c in frame.columns}
        date_col = next((lower[d] for d in DATE_COLUMN_NAMES if d in lower), None)
        if date_col is None:
            date_col = frame.columns[0]
        dates = frame[date_col]
        frame = frame.drop(columns=[date_col])
        if frame.shape[1] == 0:
            raise PvrInputError(f"{label}: only one column ({date_col!r}); need a date and a returns column")
    else:
        dates = frame.index
    if "portfolio_value" in frame.columns and column is None:
        # A zipline frame of an account that went to zero or below has no
        # meaningful returns (they cross -100%): refuse rather than mislead.
        values = pd.to_numeric(frame["portfolio_value"], errors="coerce").to_numpy(dtype=float)
        why = undefined_reason(values, pd.DatetimeIndex(dates) if len(dates) else dates)
        if why:
            raise PvrInputError(f"{label}: {why}; return statistics are undefined once an account reaches zero")
    col = _pick_column(frame, label, column)
    series, notes = clean_returns(
        frame[col].reset_index(drop=True), dates, label, column=str(col), kind=kind, unit=unit,
        first_line=first_line,
    )
    series.name = name or str(col)
    return LoadedReturns(series, series.name, tuple(notes), _pvr_block(frame))


def read_returns(source, column=None, kind="auto", unit="auto", name=None, label=None):
    """Load a return series from a pandas object or CSV bytes.

    Parameters
    ----------
    source : pd.Series, pd.DataFrame, LoadedReturns or bytes
        A Series of returns; a DataFrame (a date column or DatetimeIndex and
        a returns or price/NAV column; a zipline performance frame uses its
        ``returns`` column); or a CSV's bytes. Files are opened by
        :func:`pvr_plugin.store.inputs.read_returns`.
    column : str, optional
        Column to use; by default ``returns`` (or a similar name), then a
        price-like name, then the only column.
    kind : {'auto', 'returns', 'prices'}
    unit : {'auto', 'fraction', 'percent'}
        See :func:`clean_returns`.
    name : str, optional
        Display name; defaults to the file stem or the Series name.
    label : str, optional
        Names the source in messages (the file's path).

    Returns
    -------
    LoadedReturns
    """
    if isinstance(source, LoadedReturns):
        return source
    if isinstance(source, pd.Series):
        label = label or name or (str(source.name) if source.name is not None else "returns")
        series, notes = clean_returns(
            source.reset_index(drop=True), source.index, label,
            column=str(source.name) if source.name is not None else "returns",
            kind=kind, unit=unit,
        )
        series.name = name or label
        return LoadedReturns(series, series.name, tuple(notes), None)
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, label or name or "returns frame", column, kind, unit, name)
    if isinstance(source, (bytes, bytearray)):
        label = label or name or "returns"
        frame = parse_csv(bytes(source), label)
        if frame.shape[1] < 2:
            raise PvrInputError(f"{label}: need a date column and a returns column, found {frame.shape[1]} column")
        # Line 1 of a CSV is the header, so data row 0 is line 2.
        return _from_frame(frame, label, column, kind, unit, name, first_line=2)
    raise PvrInputError(
        f"returns: give a pandas Series or DataFrame (files are read by pvr_plugin.store.inputs), "
        f"not a {type(source).__name__}"
    )


def read_benchmark(spec, name=None):
    """Load a benchmark: a built-in name, a Series or loaded returns.

    Built-in names: ``SP500`` (the embedded S&P 500 index closes,
    1990-01-03 to 2022-12-28; aliases ``S&P500``, ``SPX``, ``^GSPC``) and
    ``SPY`` (SPY daily returns shipped with zipline, 1993-02-01 to
    2018-04-27). Benchmark files are read by
    :func:`pvr_plugin.store.inputs.read_benchmark`.

    Returns
    -------
    LoadedReturns
    """
    if isinstance(spec, pd.Series):
        return read_returns(spec, name=name or (str(spec.name) if spec.name is not None else "benchmark"))
    if isinstance(spec, LoadedReturns):
        return spec if name is None else LoadedReturns(spec.returns.rename(name), name, spec.notes, None)
    text = str(spec)
    builtin = BUILTIN_BENCHMARKS.get(text.strip().lower())
    if builtin is None:
        raise PvrInputError(f"benchmark {text!r}: not a file and not a built-in name (SP500, SPY)")
    rets = sp500_returns() if builtin == SP500 else spy_returns()
    rets.name = name or builtin
    return LoadedReturns(rets, rets.name, (), None)
