"""Periodicity of a dated series: names, periods per year, detection from the dates.

One table (:data:`FREQUENCIES`) serves every reader: the factsheet (which
works in daily, weekly or monthly returns) and the factor-inversion
statistics (which also take 2-weekly, 4-weekly, quarterly and yearly
rank-performance downloads). Annualisation uses empyrical's factors: 252
sessions, 52 weeks or 12 months a year.
"""
import numpy as np
import pandas as pd

from pvr_plugin.errors import PvrInputError

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"

# Median spacing between dates (calendar days, lower bound exclusive, upper
# inclusive) -> periods per year and name. Wide ranges: month ends, holidays
# and weekends make real spacings irregular.
#: ``(low, high, periods per year, name)``: a median gap of dates in ``(low, high]`` days.
FREQUENCIES = (
    (0.0, 4.5, 252, DAILY),
    (4.5, 10.5, 52, WEEKLY),
    (10.5, 17.5, 26, "2-weekly"),
    (17.5, 29.25, 13, "4-weekly"),
    (29.25, 45.0, 12, MONTHLY),
    (45.0, 75.0, 6, "2-monthly"),
    (75.0, 120.0, 4, "quarterly"),
    (120.0, 250.0, 2, "half-yearly"),
    (250.0, 500.0, 1, "yearly"),
)
PERIODS_PER_YEAR = {name: ppy for _, _, ppy, name in FREQUENCIES}
#: The periodicities the factsheet's calendar statistics understand.
FACTSHEET_PERIODS = (DAILY, WEEKLY, MONTHLY)

# Calendar days one observation may cover before the series is said to have
# less history than a trailing window needs (weekends, holidays, month lengths).
PERIOD_GRACE_DAYS = {DAILY: 5, WEEKLY: 7, MONTHLY: 31}


def periods_per_year(period=DAILY, annualization=None):
    """Number of periods in a year.

    Parameters
    ----------
    period : str
        A name of :data:`FREQUENCIES`; ignored when ``annualization`` is given.
    annualization : int, optional
        Explicit number of periods per year.

    Returns
    -------
    int
    """
    if annualization is not None:
        if isinstance(annualization, bool) or not annualization > 0:
            raise PvrInputError(f"annualization must be positive, got {annualization}")
        return annualization
    try:
        return PERIODS_PER_YEAR[period]
    except KeyError:
        raise PvrInputError(
            f"period must be one of {', '.join(FACTSHEET_PERIODS)}, got {period!r}"
        ) from None


def median_gap_days(index):
    """Median spacing of sorted dates in calendar days; NaN with fewer than two."""
    if len(index) < 2:
        return np.nan
    return float(np.median(np.diff(pd.DatetimeIndex(index).asi8) / 86_400e9))


def infer_periods_per_year(index):
    """Periods per year and name of the frequency of sorted dates.

    Returns
    -------
    (float or None, str)
        E.g. ``(252, 'daily')``, ``(13, '4-weekly')``; ``(None, 'unknown')``
        with fewer than two dates; ``(365.25 / gap, 'every N days')`` for a
        spacing outside the table.
    """
    gap = median_gap_days(index)
    if not np.isfinite(gap):
        return None, "unknown"
    for low, high, per_year, name in FREQUENCIES:
        if low < gap <= high:
            return per_year, name
    return round(365.25 / gap, 4), f"every {gap:g} days"


def infer_period(index, label="returns"):
    """The factsheet periodicity of sorted dates: ``'daily'``, ``'weekly'`` or ``'monthly'``.

    Fewer than two dates count as daily. Any other spacing is refused with a
    one-line :class:`~pvr_plugin.errors.PvrInputError` naming ``label`` and the median gap.
    """
    if len(index) < 2:
        return DAILY
    _, name = infer_periods_per_year(index)
    if name in FACTSHEET_PERIODS:
        return name
    raise PvrInputError(
        f"{label}: cannot tell the periodicity (median gap {median_gap_days(index):.1f} days); "
        "use daily, weekly or monthly returns or pass the period"
    )


def month_codes(index):
    """Integer month code ``year * 12 + month - 1`` of each date (no pandas groupby)."""
    index = pd.DatetimeIndex(index)
    return index.year.to_numpy() * 12 + index.month.to_numpy() - 1
