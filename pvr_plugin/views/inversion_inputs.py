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

Overlapping ``kD`` forward returns are thinned to non-overlapping periods
where they are read (:func:`pvr_plugin.core.inversion_io.non_overlapping`).
Demeaning (alphalens' default) subtracts
the same number from every bucket of a date: spreads, inversions and the
rank statistics do not change; the mean return per bucket does.
"""
import os

import pandas as pd

from pvr_plugin.core import inversion_io
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store import inputs as store_inputs


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
        return store_inputs.load_bucket_returns(data, period=period)
    if isinstance(data, tuple) and data and isinstance(data[0], pd.DataFrame):
        data = data[0]
    if not isinstance(data, pd.DataFrame):
        return data
    if is_factor_data(data):
        data = _mean_by_quantile(data, demeaned)
    if _is_mean_by_quantile(data):
        return inversion_io.load_bucket_returns(data, period=period, units="fraction", name="alphalens frame")
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
