"""The top-N drawdown report of a return series.

The compounded curve starts at 1 before the first return (as empyrical's
:func:`~empyrical.max_drawdown`), so the deepest drawdown in the report is
the maximum drawdown of :func:`pvr_plugin.core.stats.max_drawdown`. The
periods under water are found by :func:`pvr_plugin.core.stats.underwater_runs`,
which the factor-inversion drawdowns use too.
"""
from dataclasses import dataclass

import pandas as pd

from pvr_plugin.core.definitions import Definition
from pvr_plugin.core.stats import drawdown_series, underwater_runs


_D = Definition
#: The drawdown report's columns, by their keys in the factsheet's JSON.
DEFINITIONS = (
    _D("drawdowns.peak", "date", "last date at the high-water mark before the fall (the first date for a fall "
       "that starts with the first return)"),
    _D("drawdowns.trough", "date", "date of the lowest point (the first on ties)"),
    _D("drawdowns.recovery", "date", "first date back at or above the mark", "while still under water"),
    _D("drawdowns.depth", "frac", "1 - trough value / mark value, positive; the deepest equals max drawdown",
       "", "pyfolio's drawdown table dates a drawdown the same way"),
    _D("drawdowns.duration_sessions", "count", "returns after the peak up to and including the recovery (to the "
       "last date while under water)"),
    _D("drawdowns.duration_days", "count", "calendar days over the same span"),
)


@dataclass(frozen=True)
class Drawdown:
    """One drawdown: from a high-water mark, down to the trough, back to the mark.

    Attributes
    ----------
    peak : pd.Timestamp
        Last date at the high-water mark before the fall. A fall that starts
        with the first return has its peak at the starting capital, reported
        as the first date.
    trough : pd.Timestamp
        Date of the lowest point (the first one if repeated).
    recovery : pd.Timestamp or None
        First date back at or above the mark; None while still under water.
    depth : float
        Fall from the mark to the trough, as a positive fraction of the mark.
    duration_sessions : int
        Observations from peak to recovery (to the last date when not
        recovered).
    duration_days : int
        Calendar days over the same span.
    """

    peak: pd.Timestamp
    trough: pd.Timestamp
    recovery: pd.Timestamp
    depth: float
    duration_sessions: int
    duration_days: int

    def to_dict(self):
        """JSON-ready dict (dates as ISO strings)."""
        return {
            "peak": f"{self.peak:%Y-%m-%d}",
            "trough": f"{self.trough:%Y-%m-%d}",
            "recovery": None if self.recovery is None else f"{self.recovery:%Y-%m-%d}",
            "depth": self.depth,
            "duration_sessions": self.duration_sessions,
            "duration_days": self.duration_days,
        }


def top_drawdowns(returns, top_n=5):
    """The ``top_n`` deepest drawdowns, deepest first.

    Each drawdown is a maximal run of dates below the high-water mark, so
    the drawdowns never overlap (pyfolio's iterative search can report a
    second drawdown inside the first's recovery window; quantstats dates a
    drawdown from its first day under water, this from the peak).

    Parameters
    ----------
    returns : pd.Series
        Simple returns (fractions), DatetimeIndex.
    top_n : int

    Returns
    -------
    list of Drawdown
    """
    n = len(returns)
    if n == 0 or top_n <= 0:
        return []
    runs = underwater_runs(drawdown_series(returns.to_numpy(dtype=float)))
    dates = returns.index
    out = []
    for i in runs.deepest(top_n):
        peak_pos = max(runs.peak[i], 0)  # -1: the starting capital, shown as the first date
        rec = runs.recovery[i]
        end_pos = rec if rec >= 0 else n - 1
        out.append(Drawdown(
            peak=dates[peak_pos],
            trough=dates[runs.trough[i]],
            recovery=dates[rec] if rec >= 0 else None,
            depth=float(-runs.depth[i]),
            duration_sessions=int(end_pos - peak_pos),
            duration_days=int((dates[end_pos] - dates[peak_pos]).days),
        ))
    return out


def drawdown_table(drawdowns):
    """Drawdowns as a DataFrame (one row each), for display."""
    rows = [d.__dict__ for d in drawdowns]
    cols = ["peak", "trough", "recovery", "depth", "duration_sessions", "duration_days"]
    frame = pd.DataFrame(rows, columns=cols)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
    return frame
