"""Calendar return statistics: monthly and yearly returns, trailing and rolling windows.

Compounding, CAGR and the risk statistics live in :mod:`pvr_plugin.core.stats`.

Pure functions on a return series (simple returns as fractions, naive
DatetimeIndex). They return floats, Series or small dataclasses; NaN where a
value is undefined. The report layer (:mod:`.report`) attaches the reasons.
"""
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pvr_plugin.core.definitions import Definition
from pvr_plugin.core.periods import DAILY, PERIOD_GRACE_DAYS, month_codes
from pvr_plugin.core.stats import total_return
from pvr_plugin.errors import PvrInputError

DEFAULT_WINDOWS = ("1M", "3M", "6M", "1Y", "3Y", "5Y")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_D = Definition
#: The calendar tables of the factsheet, by their keys in its JSON.
DEFINITIONS = (
    _D("monthly_returns", "frac", "compounded return of each calendar month; the first and last month with the "
       "days they have"),
    _D("yearly_returns", "frac", "compounded return of each calendar year"),
    _D("return_report.best", "frac", "highest compounded (not annualised) return of k consecutive calendar "
       "months, windows stepping one month", "a window longer than the data"),
    _D("return_report.worst", "frac", "lowest such return", "as best"),
    _D("return_report.mean", "frac", "mean of those returns", "as best"),
    _D("return_report.median", "frac", "median of those returns", "as best"),
    _D("return_report.last", "frac", "the most recent window's return", "as best"),
    _D("return_report.count", "count", "number of windows (0 when the window is longer than the data)"),
    _D("worst_months.month", "date", "one of the calendar months with the lowest returns (5 by default), worst "
       "first, ties in calendar order"),
    _D("worst_months.return", "frac", "the strategy's return that month"),
    _D("worst_months.benchmark", "frac", "the primary benchmark's return that month",
       "no benchmark data that month"),
)


def monthly_returns(returns):
    """Compounded return of each calendar month present (fraction).

    Returns
    -------
    pd.Series
        Indexed by a monthly ``PeriodIndex``. A month only partly covered by
        the data (first and last) counts with the days it has.
    """
    idx = pd.DatetimeIndex(returns.index)
    if len(idx) == 0:
        return pd.Series([], index=pd.PeriodIndex([], freq="M"), dtype=float, name=returns.name)
    codes = month_codes(idx)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    growth = np.multiply.reduceat(1.0 + returns.to_numpy(dtype=float), starts) - 1.0
    months = pd.PeriodIndex.from_ordinals(codes[starts] - 1970 * 12, freq="M")
    return pd.Series(growth, index=months, name=returns.name)


def yearly_returns(returns):
    """Compounded return of each calendar year present (fraction), ``PeriodIndex`` (Y)."""
    idx = pd.DatetimeIndex(returns.index)
    years = idx.year.to_numpy()
    if len(years) == 0:
        return pd.Series([], index=pd.PeriodIndex([], freq="Y"), dtype=float, name=returns.name)
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    growth = np.multiply.reduceat(1.0 + returns.to_numpy(dtype=float), starts) - 1.0
    return pd.Series(growth, index=pd.PeriodIndex.from_ordinals(years[starts] - 1970, freq="Y"),
                     name=returns.name)


def window_months(window):
    """Months in a window label: ``'3M'`` -> 3, ``'1Y'`` -> 12; an error otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*([MmYy])\s*", str(window))
    if not m or int(m.group(1)) == 0:
        raise PvrInputError(f"window {window!r}: write a number of months or years, e.g. 3M or 1Y")
    n = int(m.group(1))
    return n * 12 if m.group(2) in "Yy" else n


def has_history(returns, months, period=DAILY):
    """Whether the series reaches back at least ``months`` calendar months from its last date.

    The first observation covers up to one period before its date, so a few
    days of grace are allowed (5 for daily, 7 for weekly, 31 for monthly).
    """
    if len(returns) == 0:
        return False
    last = returns.index[-1]
    cutoff = last - pd.DateOffset(months=months)
    return bool(returns.index[0] - pd.Timedelta(days=PERIOD_GRACE_DAYS[period]) <= cutoff)


def trailing_return(returns, months, period=DAILY):
    """Compounded return over the last ``months`` calendar months (fraction).

    The window holds the observations dated after ``last date - months``.
    NaN when the series is shorter than the window (see :func:`has_history`).
    """
    if not has_history(returns, months, period):
        return np.nan
    cutoff = returns.index[-1] - pd.DateOffset(months=months)
    lo = returns.index.searchsorted(cutoff, side="right")
    return total_return(returns.to_numpy()[lo:])


def ytd_return(returns):
    """Compounded return from the start of the last date's calendar year (fraction)."""
    if len(returns) == 0:
        return np.nan
    year_start = pd.Timestamp(year=returns.index[-1].year, month=1, day=1)
    lo = returns.index.searchsorted(year_start, side="left")
    return total_return(returns.to_numpy()[lo:])


@dataclass(frozen=True)
class MonthStats:
    """Winning and losing months of a monthly return series.

    Attributes
    ----------
    winning_months_frac : float
        Share of months with a return above zero (a flat month is not a win).
    avg_winning_month, avg_losing_month : float
        Mean return of the months above / below zero; NaN when there are none.
    n_months, n_winning, n_losing : int
    """

    winning_months_frac: float
    avg_winning_month: float
    avg_losing_month: float
    n_months: int
    n_winning: int
    n_losing: int


def month_stats(monthly):
    """Winning-month share and average winning / losing month of monthly returns."""
    m = np.asarray(monthly, dtype=float)
    win, lose = m[m > 0], m[m < 0]
    return MonthStats(
        winning_months_frac=float(win.size / m.size) if m.size else np.nan,
        avg_winning_month=float(win.mean()) if win.size else np.nan,
        avg_losing_month=float(lose.mean()) if lose.size else np.nan,
        n_months=int(m.size), n_winning=int(win.size), n_losing=int(lose.size),
    )


def rolling_compound(monthly, months):
    """Compounded return of every run of ``months`` consecutive monthly returns."""
    m = 1.0 + np.asarray(monthly, dtype=float)
    if m.size < months:
        return np.empty(0)
    if months == 1:
        return m - 1.0
    return np.prod(np.lib.stride_tricks.sliding_window_view(m, months), axis=1) - 1.0


def return_report(monthly, windows=DEFAULT_WINDOWS):
    """Best, worst, mean, median and last return over rolling calendar-month windows.

    Parameters
    ----------
    monthly : pd.Series
        Monthly returns (fractions), one per calendar month, in order.
    windows : sequence of str
        Window labels (``'1M'``, ``'3M'``, ``'1Y'``...). A window's return
        is the compounded, not annualised, return of that many consecutive
        months; windows step by one month.

    Returns
    -------
    pd.DataFrame
        One row per window, columns ``best``, ``worst``, ``mean``,
        ``median``, ``last`` and ``count`` (number of windows). All NaN for
        a window longer than the data.
    """
    rows = {}
    for label in windows:
        n = window_months(label)
        vals = rolling_compound(monthly, n)
        if vals.size:
            rows[label] = (vals.max(), vals.min(), vals.mean(), float(np.median(vals)), vals[-1], vals.size)
        else:
            rows[label] = (np.nan,) * 5 + (0,)
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=["best", "worst", "mean", "median", "last", "count"]
    )
    frame["count"] = frame["count"].astype(int)
    frame.index.name = "window"
    return frame


def bucket_edges(values, width=None, max_buckets=24):
    """Edges of equal-width return buckets covering ``values``, with 0 as an edge.

    Parameters
    ----------
    values : array-like
        Every monthly return that will be counted (all series together).
    width : float, optional
        Bucket width (fraction). By default the smallest of 0.5%, 1%, 2%,
        2.5%, 5%, 10%, 20%, 25%, 50%, 100% giving at most ``max_buckets``.

    Returns
    -------
    np.ndarray
        Increasing edges; bucket ``i`` is ``[edges[i], edges[i + 1])``.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    if width is None:
        for width in (0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0):
            if np.floor(hi / width) - np.floor(lo / width) + 1 <= max_buckets:
                break
    elif not width > 0:
        raise PvrInputError(f"bucket width must be positive, got {width}")
    # Integer bucket numbers avoid accumulating float error in the edges.
    k_lo = int(np.floor(lo / width))
    k_hi = int(np.floor(hi / width)) + 1
    k_lo = min(k_lo, -1)
    k_hi = max(k_hi, 1)
    # Rounded so that 3 * 0.01 is the double nearest 0.03, as a user would write it.
    edges = np.round(np.arange(k_lo, k_hi + 1) * width, 12)
    while edges[0] > lo:
        edges = np.r_[np.round(edges[0] - width, 12), edges]
    while edges[-1] <= hi:
        edges = np.r_[edges, np.round(edges[-1] + width, 12)]
    return edges


def bucket_counts(values, edges):
    """Number of ``values`` in each bucket ``[edges[i], edges[i + 1])``."""
    v = np.asarray(values, dtype=float)
    pos = np.searchsorted(edges, v, side="right") - 1
    ok = (pos >= 0) & (pos < len(edges) - 1)
    return np.bincount(pos[ok], minlength=len(edges) - 1)


def worst_months(monthly, benchmark_monthly=None, count=5):
    """The ``count`` worst calendar months, with the benchmark's return in the same month.

    Returns
    -------
    pd.DataFrame
        Index the month (``Period``), columns ``return`` and ``benchmark``
        (NaN when the benchmark has no data that month), worst first; ties
        keep calendar order.
    """
    order = np.argsort(monthly.to_numpy(), kind="stable")[:count]
    picked = monthly.iloc[order]
    frame = pd.DataFrame({"return": picked.to_numpy()}, index=picked.index)
    if benchmark_monthly is not None:
        frame["benchmark"] = benchmark_monthly.reindex(picked.index).to_numpy()
    frame.index.name = "month"
    return frame
