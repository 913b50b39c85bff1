"""Periodicity of a return series: names, periods per year, detection.

The factsheet works on daily returns by default; weekly and monthly series
are annualised with 52 and 12 periods per year (empyrical's factors).
"""
import numpy as np
import pandas as pd

from pvr_plugin.errors import PvrInputError

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"

PERIODS_PER_YEAR = {DAILY: 252, WEEKLY: 52, MONTHLY: 12}

# Calendar days one observation may cover before the series is said to have
# less history than a trailing window needs (weekends, holidays, month lengths).
PERIOD_GRACE_DAYS = {DAILY: 5, WEEKLY: 7, MONTHLY: 31}


def periods_per_year(period=DAILY, annualization=None):
    """Number of periods in a year.

    Parameters
    ----------
    period : {'daily', 'weekly', 'monthly'}
        Periodicity of the returns; ignored when ``annualization`` is given.
    annualization : int, optional
        Explicit number of periods per year.

    Returns
    -------
    int
    """
    if annualization is not None:
        if annualization <= 0:
            raise PvrInputError(f"annualization must be positive, got {annualization}")
        return annualization
    try:
        return PERIODS_PER_YEAR[period]
    except KeyError:
        raise PvrInputError(
            f"period must be one of {', '.join(PERIODS_PER_YEAR)}, got {period!r}"
        ) from None


def infer_period(index, label="returns"):
    """Guess the periodicity from the median gap between dates.

    Parameters
    ----------
    index : pd.DatetimeIndex
        Sorted dates of the series.
    label : str
        Names the series in the error message.

    Returns
    -------
    str
        ``'daily'`` (median gap up to 4 days), ``'weekly'`` (5 to 10 days) or
        ``'monthly'`` (20 to 40 days).
    """
    if len(index) < 2:
        return DAILY
    gaps = np.diff(index.asi8) / 86_400e9
    gap = float(np.median(gaps))
    if gap <= 4.5:
        return DAILY
    if gap <= 10.5:
        return WEEKLY
    if 19.5 <= gap <= 40.5:
        return MONTHLY
    raise PvrInputError(
        f"{label}: cannot tell the periodicity (median gap {gap:.1f} days); "
        "use daily, weekly or monthly returns or pass the period"
    )


def month_codes(index):
    """Integer month code ``year * 12 + month - 1`` of each date (no pandas groupby)."""
    index = pd.DatetimeIndex(index)
    return index.year.to_numpy() * 12 + index.month.to_numpy() - 1
