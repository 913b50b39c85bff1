"""The one reader of dates, numbers and units in user tables (in memory, no files).

Every table a user hands the project (bucket returns, strategy and benchmark
returns, risk-free yields, widget tables, run dates on the command line) has
its dates and numbers read here, so they are parsed the same way and a bad
cell is reported the same way: one line naming the file, the column, the line
of the file (or the row of a frame) and the value. Opening files is the
storage layer's job (:mod:`pvr_plugin.store.files`); this module parses what
was read.
"""
import io
import math
import numbers
import warnings

import numpy as np
import pandas as pd

from pvr_plugin.errors import PvrInputError

#: Column names taken as the date column, compared case-insensitively.
DATE_COLUMN_NAMES = ("date", "dates", "datetime", "time", "timestamp", "period", "time period", "day")
#: Share of returns beyond +-100% from which a column is taken to be in percent.
PERCENT_SHARE = 0.02


# --------------------------------------------------------------------------- locations

def positive_dollars(value, where):
    """``value`` as float dollars if it is a finite positive number (not a boolean).

    ``where`` names the setting in the message (``--capital-base``, ``start_usd``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise PvrInputError(f"{where} {value!r} is not a number of dollars")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise PvrInputError(f"{where} {value!r} is not a finite positive number of dollars")
    return number


def where(positions, first_line=None, plural=False):
    """``line 7`` in a CSV file (``first_line`` is the line of row 0), ``row 5`` in a frame."""
    positions = [int(p) for p in positions]
    if first_line is None:
        word = "rows" if plural and len(positions) > 1 else "row"
        return f"{word} {', '.join(str(p) for p in positions)}"
    word = "lines" if plural and len(positions) > 1 else "line"
    return f"{word} {', '.join(str(p + first_line) for p in positions)}"


def day(ts):
    """A timestamp as a calendar day (``2021-01-04``), with the time when it has one."""
    ts = pd.Timestamp(ts)
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def names(columns):
    return ", ".join(map(str, columns))


# --------------------------------------------------------------------------- CSV text

def parse_csv(data, label):
    """CSV bytes (or text) as a frame of strings, column names stripped.

    Strings first, so that a bad cell can be reported with its line and
    column when numbers and dates are read. ``utf-8-sig``: spreadsheet
    exports often start with a byte-order mark, which would otherwise stick
    to the first column name. A file that is not UTF-8 is refused with one
    line (UTF-16 exports are named as such).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) == 0:
        raise PvrInputError(f"{label}: the file is empty (not a readable CSV)")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise PvrInputError(f"{label}: not a readable CSV file (UTF-16 text; save it as UTF-8)")
    if b"\x00" in data[:4096]:
        raise PvrInputError(f"{label}: not a readable CSV file (it holds NUL bytes: a binary file?)")
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=True, skipinitialspace=True,
                            encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise PvrInputError(f"{label}: the file is empty (not a readable CSV)") from None
    except UnicodeDecodeError as exc:
        raise PvrInputError(
            f"{label}: not a readable CSV file (not UTF-8 text at byte {exc.start}; save it as UTF-8)"
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PvrInputError(f"{label}: not a readable CSV file ({first})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise PvrInputError(f"{label}: the file has a header but no data rows")
    return frame


# --------------------------------------------------------------------------- dates

def parse_date(value, label):
    """A naive, normalised Timestamp from one user date (None stays None); one-line error."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise PvrInputError(f"{label}: {str(value)!r} is not a date") from None
    if ts is pd.NaT:
        raise PvrInputError(f"{label}: {str(value)!r} is not a date")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def parse_dates(column, label, column_name="date", first_line=None):
    """A column (or index) of dates as a naive DatetimeIndex, kept in order.

    Time zones are dropped keeping the wall-clock date; times of day are
    kept (callers that want calendar days normalise). The first value that is
    not a date raises ``{label}: column 'Period' line 7: 'soon' is not a date``.
    """
    if isinstance(column, pd.DatetimeIndex) or pd.api.types.is_datetime64_any_dtype(column):
        parsed = pd.DatetimeIndex(column)
        text = None  # made only for a message: a column's text costs more than its dates
    else:
        text = pd.Series(np.asarray(column, dtype=object)).astype("string").str.strip()
        parsed = _to_datetime(text)
    bad = np.asarray(pd.isna(parsed))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        cell = text.iloc[pos] if text is not None else None
        shown = "empty" if cell is None or pd.isna(cell) or cell == "" else repr(str(cell))
        raise PvrInputError(
            f"{label}: column {column_name!r} {where([pos], first_line)}: {shown} is not a date"
            + (f" ({int(bad.sum())} bad in all)" if bad.sum() > 1 else "")
        )
    parsed = pd.DatetimeIndex(parsed)
    if parsed.tz is not None:
        parsed = parsed.tz_localize(None)
    return parsed


def _to_datetime(text):
    """Parse date strings; time zones keep their wall-clock time, mixed zones become UTC."""
    with warnings.catch_warnings():
        # pandas warns when it cannot guess one format; "mixed" below covers that.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        for utc in (False, True):
            try:
                parsed = pd.to_datetime(text, errors="coerce", utc=utc)
                if parsed.isna().any() and text.notna().all():
                    # The first value fixes pandas' guessed format; retry value by value.
                    parsed = pd.to_datetime(text, errors="coerce", utc=utc, format="mixed")
                return pd.DatetimeIndex(parsed)
            except (ValueError, TypeError):
                continue  # mixed time zones: compare them in UTC
    return pd.DatetimeIndex([pd.NaT] * len(text))


def looks_like_dates(column):
    """Whether every non-empty cell parses as a date (plain numbers do not count)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    text = column.dropna().astype(str).str.strip()
    if text.empty:
        return False
    # Plain numbers would parse as epoch offsets; a date column has letters or separators.
    if pd.to_numeric(text, errors="coerce").notna().all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


def find_date_column(frame, label, date_column=None, fallback_first=True):
    """The name of the date column: the given one, a usual name, or the first column of dates."""
    columns = list(frame.columns)
    if date_column is not None:
        if date_column not in columns:
            raise PvrInputError(f"{label}: no date column {date_column!r}; columns are {names(columns)}")
        return date_column
    for column in columns:
        if str(column).strip().lower() in DATE_COLUMN_NAMES:
            return column
    first = columns[0] if columns else None
    if first is not None and (fallback_first or looks_like_dates(frame[first])):
        return first
    raise PvrInputError(
        f"{label}: no date column (looked for Period or Date, or dates in the first column); "
        f"columns are {names(columns)}"
    )


# --------------------------------------------------------------------------- numbers

def parse_numbers(column, label, column_name, dates=None, first_line=None, allow_empty=False):
    """A column as a float array; the first cell that is not a finite number raises one line.

    ``{label}: column 'Ret2' line 2 (date 2020-01-31): 'two' is not a number``.
    Empty cells are NaN when ``allow_empty`` (e.g. a bucket with no stocks
    that period), an error otherwise. ``inf`` and true/false are not numbers.
    """
    values = column if isinstance(column, (pd.Series, pd.Index)) else pd.Series(np.asarray(column))
    if pd.api.types.is_bool_dtype(values):
        raise PvrInputError(f"{label}: column {column_name!r} holds true/false values, not numbers")
    raw = values.to_numpy()
    if raw.dtype.kind in "fiu":
        numbers = raw.astype(float)
        text = None  # the cells' text is made only for a message
        empty = np.isnan(numbers)
    else:
        text = pd.Series(raw, dtype=object).astype("string").str.strip()
        empty = text.isna().to_numpy() | (text == "").fillna(False).to_numpy()
        cells = np.where(empty, "nan", text.to_numpy(dtype=object, na_value="nan"))
        try:
            # Python's float() per cell: exact (round-trip) where pandas' fast
            # parser is off by up to an ulp (measured 1e-16 on daily returns).
            numbers = cells.astype(float)
        except (TypeError, ValueError):
            numbers = pd.to_numeric(pd.Series(cells), errors="coerce").to_numpy(dtype=float)
            good = np.isfinite(numbers)
            numbers[good] = cells[good].astype(float)
    bad = ~np.isfinite(numbers) & ~(empty & allow_empty)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        shown = str(numbers[pos]) if text is None else str(text.iloc[pos])
        cell = "empty" if empty[pos] else repr(shown)
        on = ""
        if dates is not None:
            d = dates[pos] if not isinstance(dates, pd.Series) else dates.iloc[pos]
            on = f" (date {day(d) if isinstance(d, (pd.Timestamp, np.datetime64)) else str(d).strip()})"
        raise PvrInputError(
            f"{label}: column {column_name!r} {where([pos], first_line)}{on}: {cell} is not a number"
            + (f" ({int(bad.sum())} such cells)" if bad.sum() > 1 else "")
        )
    return np.where(empty, np.nan, numbers) if allow_empty else numbers


# --------------------------------------------------------------------------- units

def detect_units(values):
    """Guess whether returns are in percent or in fractions: ``'percent'`` or ``'fraction'``.

    A fraction return cannot be below -1 (a loss of more than everything),
    and per-period fraction returns seldom exceed 1 in size, while percent
    returns routinely do. So the values are percent when any is below -1 or
    when at least :data:`PERCENT_SHARE` (2%) of them, and at least two, are
    beyond +-1. Small percent series (every move under 1%) look like
    fractions: give the unit for those. NaN is ignored.
    """
    flat = np.asarray(values, dtype=float).ravel()
    flat = flat[~np.isnan(flat)]
    if flat.size == 0:
        return "fraction"
    if flat.min() < -1.0:
        return "percent"
    big = np.abs(flat) > 1.0
    return "percent" if big.sum() >= 2 and big.mean() >= PERCENT_SHARE else "fraction"
