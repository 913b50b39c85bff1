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

import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pvr_plugin.core.inputs import (
    detect_units, find_date_column, names, parse_csv, parse_dates, parse_numbers, where,
)
from pvr_plugin.core.inputs import day as _day
from pvr_plugin.core.periods import DAILY, PERIODS_PER_YEAR, infer_periods_per_year
from pvr_plugin.errors import PvrInputError

#: Largest CSV the loader reads, in bytes. A 200-bucket, 20-year daily download
#: is about 10 MB, so this leaves ample room while refusing files that would
#: exhaust memory on a small server.
MAX_FILE_BYTES = 100_000_000

_RET_COLUMN = re.compile(r"^ret[ _]?(\d+)\s*(?:\(%\)|%)?$", re.IGNORECASE)


@dataclass(frozen=True)
class BucketReturns:
    """Per-period bucket returns ready for :func:`~pvr_plugin.core.inversion.analyze_inversions`.

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
    """Read bucket returns from CSV bytes, a text or binary stream, or a DataFrame.

    Files are opened by :func:`pvr_plugin.store.inputs.load_bucket_returns`,
    which takes a path too and passes the file's bytes here.

    Parameters
    ----------
    source : bytes, file-like or pandas.DataFrame
        The CSV (raw bytes or a binary/text stream) or a frame. A frame may
        be a wide table (date column or ``DatetimeIndex``) or an alphalens
        by-date mean-return frame (index levels ``factor_quantile`` and
        ``date``); a ``(mean, std_err)`` tuple as alphalens returns it is
        accepted too.
    date_column : str, optional
        Name of the date column. By default ``Period``, ``Date``, ``Datetime``
        or ``Time`` (any case), else the first column if it holds dates.
    bucket_columns : sequence of str, optional
        Bucket columns ordered from bucket 1 (lowest ranked) to bucket N.
        By default the ``Ret<number>`` columns ordered by number, or, when
        there are none, every column except the date column in file order.
    units : {None, "percent", "fraction"}
        Units of the values. ``None`` detects them
        (:func:`pvr_plugin.core.inputs.detect_units`).
    period : str, optional
        For alphalens frames, the forward-return column to use (``"1D"``,
        ``"5D"``, ...); the first column by default.
    name : str, optional
        Name used in messages (the file name).
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

    data, label = _read_bytes(source, name, max_bytes)
    frame = parse_csv(data, label)
    # Line 1 of a CSV is the header, so data row 0 is line 2.
    if _is_alphalens(frame):
        return _finish_alphalens(frame, label, units, period, first_line=2)
    return _finish_wide(frame, label, date_column, bucket_columns, units, first_line=2)


def _read_bytes(source, name, max_bytes):
    """The CSV's bytes from bytes or a stream, enforcing the size limit."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "upload"
        data = bytes(source)
        check_size(label, len(data), max_bytes)
        return data, label
    if hasattr(source, "read"):
        label = name or getattr(source, "name", None) or "stream"
        # Read at most one byte over the limit so a huge stream is refused
        # without being held in memory.
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        check_size(label, len(data), max_bytes, at_least=len(data) > max_bytes)
        return data, label
    if isinstance(source, str) or hasattr(source, "__fspath__"):
        raise PvrInputError(
            f"{source}: a file name; read files with pvr_plugin.store.inputs.load_bucket_returns"
        )
    raise PvrInputError(f"cannot read bucket returns from a {type(source).__name__}")


def check_size(label, size, max_bytes, at_least=False):
    """Refuse an input over ``max_bytes`` with one line giving both sizes in MB."""
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
            f"{label}: no period column {period!r}; columns are {names(value_columns)}"
        )
    quantile = pd.to_numeric(frame["factor_quantile"], errors="coerce")
    if quantile.isna().any():
        bad = frame["factor_quantile"][quantile.isna()].iloc[0]
        raise PvrInputError(f"{label}: factor_quantile value {bad!r} is not a number")
    values = parse_numbers(frame[period], label, str(period), frame["date"], first_line, allow_empty=True)
    dates = parse_dates(frame["date"], label, "date", first_line)
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
    return non_overlapping(_finalise(wide, label, units, notes, None), period)


def _finish_wide(frame, label, date_column, bucket_columns, units, first_line):
    columns = list(frame.columns)
    date_column = find_date_column(frame, label, date_column, fallback_first=False)
    notes = []
    if bucket_columns is not None:
        bucket_columns = [c.strip() if isinstance(c, str) else c for c in bucket_columns]
        missing = [c for c in bucket_columns if c not in columns]
        if missing:
            raise PvrInputError(
                f"{label}: no column {missing[0]!r}; columns are {names(columns)}"
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
            missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
            if missing:
                notes.append(f"bucket number(s) {_ranges(missing)} missing: the buckets are "
                             f"{names(bucket_columns)}, in that order")
            ignored = [c for c in columns if c != date_column and c not in bucket_columns]
            if ignored:
                notes.append(f"ignored columns without a bucket number: {names(ignored)}")
        else:
            bucket_columns = [c for c in columns if c != date_column]
    if len(bucket_columns) < 2:
        raise PvrInputError(
            f"{label}: need at least 2 bucket columns, found {len(bucket_columns)}"
            + (f" ({bucket_columns[0]})" if bucket_columns else "")
        )
    dates = parse_dates(frame[date_column], label, date_column, first_line)
    values = {c: parse_numbers(frame[c], label, str(c), frame[date_column], first_line, allow_empty=True)
              for c in bucket_columns}
    wide = pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"))
    wide.columns = [str(c) for c in bucket_columns]
    return _finalise(wide, label, units, notes, first_line)


# A column whose typical size is this many times smaller (or larger) than the
# others' is in the other unit: percent columns are ~100x fraction columns.
_MIXED_FACTOR = 20.0


def _refuse_mixed_units(wide, units, label):
    """Refuse a file whose bucket columns are part percent, part fractions.

    Units are detected for the file as a whole; a column whose median size
    is 20 times below (percent file) or above (fraction file) the median of
    the other columns' medians was written in the other unit. Converting it
    silently would give a wrong spread, so the user is asked for the units.
    """
    sizes = wide.abs().median(skipna=True)
    sizes = sizes[sizes > 0]
    if len(sizes) < 2:
        return
    odd = []
    for column, size in sizes.items():
        others = float(sizes.drop(column).median())
        ratio = others / size if units == "percent" else size / others
        if ratio >= _MIXED_FACTOR:
            odd.append(column)
    if odd and len(odd) < len(sizes):
        rest = [c for c in sizes.index if c not in odd]
        other_unit = "fractions" if units == "percent" else "percent"
        raise PvrInputError(
            f"{label}: columns {names(rest)} read as {units} but {names(odd)} look like {other_unit} "
            f"(typical size {float(sizes[odd].median()):.3g} against {float(sizes[rest].median()):.3g}); "
            "make the columns agree, or give the units"
        )


def _ranges(numbers):
    """``[4, 5, 6, 7, 9]`` -> ``'4-7, 9'``."""
    out, start = [], numbers[0]
    for prev, cur in zip(numbers, numbers[1:] + [None]):
        if cur != prev + 1:
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = cur
    return ", ".join(out)


def _finalise(wide, label, units, notes, first_line):
    index = wide.index
    dup = index.duplicated(keep=False)
    if dup.any():
        first = index[dup][0]
        at = where(np.flatnonzero(index == first)[:3], first_line, plural=True)
        raise PvrInputError(
            f"{label}: date {_day(first)} appears {int((index == first).sum())} times ({at})"
        )
    if not index.is_monotonic_increasing:
        wide = wide.sort_index()
        notes.append("dates were not in order; sorted them")
    raw = wide.to_numpy(dtype=float)
    if units is None:
        units = detect_units(raw)
        units_source = "detected"
        _refuse_mixed_units(wide, units, label)
    elif units in ("percent", "fraction"):
        units_source = "given"
    else:
        raise PvrInputError(f"units must be 'percent' or 'fraction', not {units!r}")
    if units == "percent":
        wide = wide / 100.0
    notes.append(f"values read as {units} ({units_source})")
    return BucketReturns(returns=wide.astype(float), units=units, units_source=units_source,
                         source=label, notes=tuple(notes))


_DAYS = re.compile(r"^(\d+)D$")


def non_overlapping(buckets, period):
    """Keep every j-th date of alphalens buckets whose ``period`` (``'kD'``) spans several dates.

    A forward return over k sessions on every session overlaps the next
    k - 1: one move counted k times makes inversions look longer and
    clustered, and an information ratio annualised with 252 periods a year k
    times too confident. So every j-th date is kept, j being k divided by the
    sessions between the frame's dates (252 over its periods per year),
    rounded; 1 keeps every date. The periods are then the holding periods and
    the periods per year follow from the kept dates; the notes say so. Every
    reader of alphalens frames (files, uploads, frames) goes through here.
    """
    match = _DAYS.match(str(period))
    frame = buckets.returns
    if not match or len(frame) < 2:
        return buckets
    sessions = int(match.group(1))
    per_year, _ = infer_periods_per_year(frame.index)
    between = PERIODS_PER_YEAR[DAILY] / per_year if per_year else 1.0
    step = max(1, round(sessions / between))
    if step == 1:
        return buckets
    note = (f"{period} forward returns overlap on dates {between:g} session(s) apart: kept one date in "
            f"{step} ({(len(frame) - 1) // step + 1} of {len(frame)}), so periods do not overlap")
    return dataclasses.replace(buckets, returns=frame.iloc[::step], notes=tuple(buckets.notes) + (note,))
