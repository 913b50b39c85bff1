"""Load bucket returns for the factor-inversion statistics.

Three layouts are understood, all ending as one frame of per-period bucket
returns in fractions (0.052 = 5.2 %), indexed by a sorted, unique, naive
``DatetimeIndex`` with columns ordered from the lowest-ranked bucket (1) to the
highest-ranked bucket (N):

* a rank-performance download: a ``Period`` (or ``Date``) column and bucket
  columns ``Ret1`` ... ``RetN`` in any order, ordered here by their number;
* a wide table: any date column plus bucket columns already ordered bottom to
  top (or named explicitly with ``bucket_columns``);
* an alphalens ``mean_return_by_quantile(..., by_date=True)`` frame (index
  levels ``factor_quantile`` and ``date``), in memory or saved as CSV.

Every problem with the input raises :class:`~pvr_plugin.errors.PvrInputError`
with one line that names the file, column or value.
"""
from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pvr_plugin.core.periods import infer_periods_per_year  # noqa: F401  (part of the loader's API)
from pvr_plugin.errors import PvrInputError

#: Largest CSV the loader reads, in bytes. A 200-bucket, 20-year daily download
#: is about 10 MB, so this leaves ample room while refusing files that would
#: exhaust memory on a small server.
MAX_FILE_BYTES = 100_000_000

#: Column names taken as the date column, compared case-insensitively.
DATE_COLUMN_NAMES = ("period", "date", "datetime", "time")

_RET_COLUMN = re.compile(r"^ret[ _]?(\d+)\s*(?:\(%\)|%)?$", re.IGNORECASE)

@dataclass(frozen=True)
class BucketReturns:
    """Per-period bucket returns ready for :func:`analyze_inversions`.

    Attributes
    ----------
    returns : pandas.DataFrame
        Returns in fractions; index: sorted unique naive dates; columns: bucket
        labels from bucket 1 (lowest ranked) to bucket N (highest ranked).
        Empty buckets are NaN.
    units : str
        Units of the *source* values: ``"percent"`` or ``"fraction"``.
    units_source : str
        ``"detected"`` or ``"given"``.
    source : str
        File name or a short description of the in-memory input.
    notes : tuple of str
        Things the loader did that the user should know (sorted dates,
        ignored columns, unit detection).
    """

    returns: pd.DataFrame
    units: str = "fraction"
    units_source: str = "given"
    source: str = "frame"
    notes: tuple = field(default_factory=tuple)


def load_bucket_returns(source, *, date_column=None, bucket_columns=None, units=None,
                        period=None, name=None, max_bytes=MAX_FILE_BYTES):
    """Read bucket returns from a CSV file, CSV bytes or a DataFrame.

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        The CSV (path, raw bytes or binary/text file object) or a frame. A
        frame may be a wide table (date column or ``DatetimeIndex``) or an
        alphalens by-date mean-return frame (index levels ``factor_quantile``
        and ``date``); a ``(mean, std_err)`` tuple as alphalens returns it is
        accepted too.
    date_column : str, optional
        Name of the date column. By default ``Period``, ``Date``, ``Datetime``
        or ``Time`` (any case), else the first column if it holds dates.
    bucket_columns : sequence of str, optional
        Bucket columns ordered from bucket 1 (lowest ranked) to bucket N.
        By default the ``Ret<number>`` columns ordered by number, or, when
        there are none, every column except the date column in file order.
    units : {None, "percent", "fraction"}
        Units of the values. ``None`` detects them (see :func:`detect_units`).
    period : str, optional
        For alphalens frames, the forward-return column to use (``"1D"``,
        ``"5D"``, ...); the first column by default.
    name : str, optional
        Name used in messages; the file name by default.
    max_bytes : int
        Refuse inputs larger than this many bytes.

    Returns
    -------
    BucketReturns
    """
    if isinstance(source, tuple) and source and isinstance(source[0], pd.DataFrame):
        source = source[0]
    if isinstance(source, pd.DataFrame):
        label = name or "frame"
        frame = source.copy()
        if _is_alphalens(frame):
            return _finish_alphalens(frame, label, units, period, first_line=None)
        if date_column is None and isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.reset_index(names="__index_date__")
            date_column = "__index_date__"
        return _finish_wide(frame, label, date_column, bucket_columns, units, first_line=None)

    frame, label = _read_csv(source, name, max_bytes)
    # Line 1 of a CSV is the header, so data row 0 is line 2.
    if _is_alphalens(frame):
        return _finish_alphalens(frame, label, units, period, first_line=2)
    return _finish_wide(frame, label, date_column, bucket_columns, units, first_line=2)


def detect_units(values):
    """Guess whether returns are in percent or in fractions.

    A fraction return cannot be below -1 (a loss of more than everything),
    and per-period fraction returns seldom exceed 1 in size, while percent
    returns routinely do. So the values are taken as percent when any value is
    below -1 or when more than 5 % of them exceed 1 in absolute value.
    Small percent series (every move under 1 %) look like fractions: pass the
    units explicitly for those.

    Parameters
    ----------
    values : array_like
        Bucket returns; NaN ignored.

    Returns
    -------
    str
        ``"percent"`` or ``"fraction"``.
    """
    flat = np.asarray(values, dtype=float).ravel()
    flat = flat[~np.isnan(flat)]
    if flat.size == 0:
        return "fraction"
    if flat.min() < -1.0:
        return "percent"
    return "percent" if np.mean(np.abs(flat) > 1.0) > 0.05 else "fraction"


# ----------------------------------------------------------------- reading


def _read_csv(source, name, max_bytes):
    """Read CSV text into a frame of strings, enforcing the size limit."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        label = name or os.path.basename(path) or path
        if not os.path.isfile(path):
            raise PvrInputError(f"{label}: no such file")
        size = os.path.getsize(path)
        _check_size(label, size, max_bytes)
        handle = path
    elif isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "upload"
        data = bytes(source)
        _check_size(label, len(data), max_bytes)
        size = len(data)
        handle = io.BytesIO(data)
    elif hasattr(source, "read"):
        label = name or getattr(source, "name", None) or "stream"
        # Read at most one byte over the limit so a huge stream is refused
        # without being held in memory.
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        _check_size(label, len(data), max_bytes, at_least=len(data) > max_bytes)
        size = len(data)
        handle = io.BytesIO(data)
    else:
        raise PvrInputError(f"cannot read bucket returns from a {type(source).__name__}")
    if size == 0:
        raise PvrInputError(f"{label}: the file is empty")
    try:
        # Strings first: numbers are converted later so that a bad cell can be
        # reported with its row and column.
        # utf-8-sig: spreadsheet exports often start with a byte-order mark,
        # which would otherwise stick to the first column name.
        frame = pd.read_csv(handle, dtype=str, keep_default_na=True, skipinitialspace=True,
                            encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise PvrInputError(f"{label}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PvrInputError(f"{label}: not a readable CSV file ({first})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise PvrInputError(f"{label}: the file has a header but no data rows")
    return frame, label


def _check_size(label, size, max_bytes, at_least=False):
    if size > max_bytes:
        shown = f"more than {max_bytes / 1e6:.1f}" if at_least else f"{size / 1e6:.1f}"
        raise PvrInputError(
            f"{label}: file is {shown} MB; the limit is {max_bytes / 1e6:.1f} MB"
        )


# ----------------------------------------------------------------- layouts


def _is_alphalens(frame):
    if isinstance(frame.index, pd.MultiIndex):
        return "factor_quantile" in frame.index.names
    return "factor_quantile" in frame.columns


def _finish_alphalens(frame, label, units, period, first_line):
    """Turn a (factor_quantile, date) long frame into a wide bucket frame."""
    if isinstance(frame.index, pd.MultiIndex):
        frame = frame.reset_index()
    if "date" not in frame.columns:
        raise PvrInputError(f"{label}: alphalens frame has no 'date' level or column")
    value_columns = [c for c in frame.columns if c not in ("factor_quantile", "date")]
    if not value_columns:
        raise PvrInputError(f"{label}: alphalens frame has no return column")
    if period is None:
        period = value_columns[0]
    elif period not in value_columns:
        raise PvrInputError(
            f"{label}: no period column {period!r}; columns are {_names(value_columns)}"
        )
    quantile = pd.to_numeric(frame["factor_quantile"], errors="coerce")
    if quantile.isna().any():
        bad = frame["factor_quantile"][quantile.isna()].iloc[0]
        raise PvrInputError(f"{label}: factor_quantile value {bad!r} is not a number")
    values = _to_numbers(frame[period], label, str(period), frame["date"], first_line)
    dates = _to_dates(frame["date"], label, "date", first_line)
    long = pd.DataFrame({"date": dates, "q": quantile.astype(int), "v": values})
    dup = long.duplicated(["date", "q"])
    if dup.any():
        row = long[dup].iloc[0]
        raise PvrInputError(
            f"{label}: date {_day(row['date'])} appears twice for factor_quantile {row['q']}"
        )
    wide = long.pivot(index="date", columns="q", values="v").sort_index(axis=1)
    wide.columns = [f"Q{q}" for q in wide.columns]
    wide.index.name = "date"
    notes = [f"alphalens frame: quantiles as buckets, column {period}"]
    return _finalise(wide, label, units, notes, None)


def _finish_wide(frame, label, date_column, bucket_columns, units, first_line):
    columns = list(frame.columns)
    date_column = _find_date_column(frame, label, date_column)
    notes = []
    if bucket_columns is not None:
        bucket_columns = [c.strip() if isinstance(c, str) else c for c in bucket_columns]
        missing = [c for c in bucket_columns if c not in columns]
        if missing:
            raise PvrInputError(
                f"{label}: no column {missing[0]!r}; columns are {_names(columns)}"
            )
        if date_column in bucket_columns:
            raise PvrInputError(f"{label}: column {date_column!r} is the date column, not a bucket")
    else:
        numbered = [(int(m.group(1)), c) for c in columns
                    if c != date_column and (m := _RET_COLUMN.match(str(c)))]
        if numbered:
            numbered.sort()
            numbers = [n for n, _ in numbered]
            if len(set(numbers)) != len(numbers):
                twice = next(n for n in numbers if numbers.count(n) > 1)
                raise PvrInputError(f"{label}: two columns are numbered as bucket {twice}")
            bucket_columns = [c for _, c in numbered]
            ignored = [c for c in columns if c != date_column and c not in bucket_columns]
            if ignored:
                notes.append(f"ignored columns without a bucket number: {_names(ignored)}")
        else:
            bucket_columns = [c for c in columns if c != date_column]
    if len(bucket_columns) < 2:
        raise PvrInputError(
            f"{label}: need at least 2 bucket columns, found {len(bucket_columns)}"
            + (f" ({bucket_columns[0]})" if bucket_columns else "")
        )
    dates = _to_dates(frame[date_column], label, date_column, first_line)
    values = {c: _to_numbers(frame[c], label, str(c), frame[date_column], first_line)
              for c in bucket_columns}
    wide = pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"))
    wide.columns = [str(c) for c in bucket_columns]
    return _finalise(wide, label, units, notes, first_line)


def _finalise(wide, label, units, notes, first_line):
    index = wide.index
    dup = index.duplicated(keep=False)
    if dup.any():
        first = index[dup][0]
        where = _where(np.flatnonzero(index == first)[:3], first_line, plural=True)
        where = f" ({where})" if where else ""
        raise PvrInputError(
            f"{label}: date {_day(first)} appears {int((index == first).sum())} times{where}"
        )
    if not index.is_monotonic_increasing:
        wide = wide.sort_index()
        notes.append("dates were not in order; sorted them")
    raw = wide.to_numpy(dtype=float)
    if units is None:
        units = detect_units(raw)
        units_source = "detected"
    elif units in ("percent", "fraction"):
        units_source = "given"
    else:
        raise PvrInputError(f"units must be 'percent' or 'fraction', not {units!r}")
    if units == "percent":
        wide = wide / 100.0
    notes.append(f"values read as {units} ({units_source})")
    return BucketReturns(returns=wide.astype(float), units=units, units_source=units_source,
                         source=label, notes=tuple(notes))


# ----------------------------------------------------------------- columns


def _find_date_column(frame, label, date_column):
    columns = list(frame.columns)
    if date_column is not None:
        if date_column not in columns:
            raise PvrInputError(
                f"{label}: no date column {date_column!r}; columns are {_names(columns)}"
            )
        return date_column
    for column in columns:
        if str(column).strip().lower() in DATE_COLUMN_NAMES:
            return column
    first = columns[0] if columns else None
    if first is not None and _looks_like_dates(frame[first]):
        return first
    raise PvrInputError(
        f"{label}: no date column (looked for Period or Date, or dates in the first column); "
        f"columns are {_names(columns)}"
    )


def _looks_like_dates(column):
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    text = column.dropna().astype(str).str.strip()
    if text.empty:
        return False
    # Plain numbers would parse as epoch offsets; a date column has letters or separators.
    if pd.to_numeric(text, errors="coerce").notna().all():
        return False
    parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


def _to_dates(column, label, column_name, first_line):
    if pd.api.types.is_datetime64_any_dtype(column):
        parsed = pd.to_datetime(column)
        if parsed.isna().any():
            pos = int(np.flatnonzero(parsed.isna().to_numpy())[0])
            raise PvrInputError(
                f"{label}: column {column_name!r} {_where([pos], first_line)}: no date")
    else:
        text = column.astype("string").str.strip()
        with warnings.catch_warnings():
            # pandas warns when it cannot guess one format; "mixed" below covers that.
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.to_datetime(text, errors="coerce")
            if parsed.isna().any() and text.notna().all():
                # The first value fixes pandas' guessed format; retry value by value.
                parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        bad = parsed.isna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise PvrInputError(
                f"{label}: column {column_name!r} {_where([pos], first_line)}: "
                f"{'empty' if pd.isna(text.iloc[pos]) else repr(str(text.iloc[pos]))} is not a date"
            )
    parsed = pd.DatetimeIndex(parsed)
    if parsed.tz is not None:
        # Dates are reported as calendar days; keep the wall-clock date.
        parsed = parsed.tz_localize(None)
    return parsed


def _to_numbers(column, label, column_name, dates, first_line):
    if pd.api.types.is_bool_dtype(column):
        raise PvrInputError(f"{label}: column {column_name!r} holds true/false values, not returns")
    if pd.api.types.is_numeric_dtype(column):
        numbers = pd.Series(column.to_numpy(dtype=float))
        bad = pd.Series(np.isinf(numbers.to_numpy()))
        text = numbers.astype(str)
    else:
        text = column.astype("string").str.strip().reset_index(drop=True)
        numbers = pd.to_numeric(text, errors="coerce")
        # inf parses as a number but is not a return.
        bad = (numbers.isna() & text.notna() & (text != "")) | np.isinf(numbers.astype(float))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise PvrInputError(
            f"{label}: column {column_name!r} {_where([pos], first_line)} "
            f"(date {str(dates.iloc[pos]).strip()}): {str(text.iloc[pos])!r} is not a number"
        )
    return numbers.to_numpy(dtype=float)


def _where(positions, first_line, plural=False):
    """'line 7' in a CSV file (header is line 1), 'row 5' (0-based) in a frame."""
    if first_line is None:
        word = "rows" if plural and len(positions) > 1 else "row"
        return f"{word} {', '.join(str(int(p)) for p in positions)}"
    word = "lines" if plural and len(positions) > 1 else "line"
    return f"{word} {', '.join(str(int(p) + first_line) for p in positions)}"


def _names(columns):
    return ", ".join(map(str, columns))


def _day(ts):
    ts = pd.Timestamp(ts)
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
