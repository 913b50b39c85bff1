"""Everything the inversion tear sheet takes, as bucket returns: files, frames and alphalens' output.

:func:`bucket_returns` turns each input into a
:class:`~pvr_plugin.core.inversion_io.BucketReturns`:

* a CSV path (a rank-performance download, a wide table, or alphalens'
  ``mean_return_by_quantile(..., by_date=True)`` frame saved as CSV), read by
  :func:`pvr_plugin.store.inputs.load_bucket_returns`;
* alphalens' ``factor_data`` (``get_clean_factor_and_forward_returns``: index
  ``(date, asset)``, a ``factor_quantile`` column and forward-return columns
  such as ``1D``, ``5D``): the mean forward return of each quantile on each
  date, from ``alphalens.performance.mean_return_by_quantile(factor_data,
  by_date=True, demeaned=demeaned)``;
* that function's output itself (the frame or its ``(mean, std_err)`` tuple).

So a zipline Pipeline factor goes to the inversion statistics in three lines::

    factor = run_pipeline(Pipeline(columns={"momentum": Returns(window_length=252)}), start, end)["momentum"]
    factor_data = alphalens.utils.get_clean_factor_and_forward_returns(factor, prices, periods=(21,))
    sheet = create_inversion_tear_sheet(factor_data)

Overlap. A forward return over k sessions (alphalens' ``kD`` column) on
every session overlaps the next k - 1: one move counted k times makes the
inversions look longer and clustered, and an information ratio annualised
with 252 periods a year k times too confident. For a ``kD`` column on dates
closer together than k sessions, every j-th date is kept (j = k over the
sessions between dates: k for daily dates), so the periods are the holding
periods, do not overlap, and the periods per year follow from the kept
dates. The result's notes say so. Demeaning (alphalens' default) subtracts
the same number from every bucket of a date: spreads, inversions and the
rank statistics do not change; the mean return per bucket does.
"""
import dataclasses
import os
import re

import pandas as pd

from pvr_plugin.core import inversion_io
from pvr_plugin.core.inputs import parse_csv
from pvr_plugin.core.periods import PERIODS_PER_YEAR, DAILY, infer_periods_per_year
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.files import read_bytes

_DAYS = re.compile(r"^(\d+)D$")


def bucket_returns(data, period=None, demeaned=True):
    """The :class:`~pvr_plugin.core.inversion_io.BucketReturns` of any input of the tear sheet.

    Parameters
    ----------
    data : path, BucketReturns, alphalens factor_data, alphalens mean returns, or pandas.DataFrame
        See the module notes. Another DataFrame (dates as index, buckets as
        columns bottom to top, fractions) is returned as it is.
    period : str, optional
        The forward-return column of an alphalens input (``'5D'``); its first
        one by default.
    demeaned : bool
        For ``factor_data``: alphalens' ``demeaned`` (the mean of all assets
        on the date subtracted first).

    Returns
    -------
    BucketReturns or pandas.DataFrame
    """
    if isinstance(data, inversion_io.BucketReturns):
        return data
    if isinstance(data, (str, os.PathLike)):
        return _from_file(data, period)
    if isinstance(data, tuple) and data and isinstance(data[0], pd.DataFrame):
        data = data[0]
    if not isinstance(data, pd.DataFrame):
        return data
    if is_factor_data(data):
        data = _mean_by_quantile(data, demeaned)
    if _is_mean_by_quantile(data):
        chosen = _period(list(data.columns), period, "alphalens frame")
        buckets = inversion_io.load_bucket_returns(data, period=chosen, units="fraction", name="alphalens frame")
        return non_overlapping(buckets, chosen)
    return data


def is_factor_data(frame):
    """Whether ``frame`` is alphalens' factor_data: index (date, asset), a factor_quantile column."""
    return (isinstance(frame, pd.DataFrame) and isinstance(frame.index, pd.MultiIndex)
            and list(frame.index.names)[:1] == ["date"] and "factor_quantile" in frame.columns)


def _is_mean_by_quantile(frame):
    if isinstance(frame.index, pd.MultiIndex):
        return "factor_quantile" in frame.index.names and "date" in frame.index.names
    return "factor_quantile" in frame.columns and "date" in frame.columns


def _mean_by_quantile(factor_data, demeaned):
    try:
        from alphalens.performance import mean_return_by_quantile
    except ImportError:
        raise PvrInputError("alphalens' factor_data needs alphalens: pip install 'pvr-plugin[alphalens]'") from None
    mean, _ = mean_return_by_quantile(factor_data, by_date=True, demeaned=demeaned)
    return mean


def _from_file(path, period):
    path = os.fspath(path)
    label = os.path.basename(path) or path
    data = read_bytes(path, label, inversion_io.MAX_FILE_BYTES)
    buckets = inversion_io.load_bucket_returns(data, name=label, period=period)
    columns = list(parse_csv(data, label).columns)
    if "factor_quantile" not in columns:
        return buckets
    values = [c for c in columns if c not in ("factor_quantile", "date")]
    return non_overlapping(buckets, _period(values, period, label))


def _period(columns, period, label):
    values = [c for c in columns if c not in ("factor_quantile", "date", "factor", "group")]
    if period is None:
        if not values:
            raise PvrInputError(f"{label}: alphalens frame has no return column")
        return values[0]
    if period not in values:
        raise PvrInputError(f"{label}: no period column {period!r}; columns are {', '.join(map(str, values))}")
    return period


def non_overlapping(buckets, period):
    """Keep every j-th date of alphalens buckets whose ``period`` (``'kD'``) spans several dates.

    j is k divided by the sessions between the frame's dates (252 over its
    periods per year), rounded; 1 keeps every date. See the module notes.
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
