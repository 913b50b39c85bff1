"""Factor-inversion statistics: when the top bucket loses to the bottom bucket.

The input is one return per bucket per period (fractions), buckets ordered
from 1 (lowest ranked) to N (highest ranked). The *spread* of a period is
``top - bottom`` (by default bucket N minus bucket 1) and a period is an
*inversion* when the spread is negative. :func:`analyze_inversions` computes
every statistic at once and returns an :class:`InversionResult`.

Conventions (also in ``docs/inversion.md``):

* Periods whose top or bottom return is missing (NaN) are *skipped*: they
  keep their place in ``spread`` (as NaN) and in the rolling mean, but are
  removed before the counting, episode, drawdown, significance and runs
  statistics, and counted in ``skipped_periods``. The all-bucket statistics
  skip every period with any missing bucket and count those separately.
* The cumulative top-minus-bottom curve is, by default, the running *sum* of
  the spread, starting from 0 before the first period: the spread is a
  difference of two returns, and a sum keeps the curve in the same units as
  the spread (a drawdown depth of -0.12 is twelve points of spread given back),
  stays defined when a period's spread is below -100 %, and makes an inversion
  episode's contribution simply its length times its mean spread. With
  ``cumulative="compound"`` it is the value of a *funded* long-short spread,
  ``prod(1 + spread) - 1``, as alphalens and the Fama-French data library plot
  it; drawdown depths are then fractions of that value at its peak.
* Ratios that are undefined (zero variance, fewer than two periods, no
  periods per year) are NaN, never infinite.
"""
from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pvr_plugin.core.definitions import Definition
from pvr_plugin.core.inversion_stats import DEFINITIONS as _STAT_DEFINITIONS
from pvr_plugin.core.inversion_stats import (  # noqa: F401  (runs_test and the result types are public here too)
    DRAWDOWN_COLUMNS,
    EPISODE_COLUMNS,
    AllBucketSpread,
    RunsTest,
    Significance,
    all_bucket_spread,
    curve_drawdowns,
    default_rolling_window,
    inversion_episodes,
    runs_test,
    significance,
)
from pvr_plugin.core.jsonable import iso, jsonable, records
from pvr_plugin.core.inversion_io import BucketReturns
from pvr_plugin.core.periods import infer_periods_per_year
from pvr_plugin.errors import PvrInputError

_D = Definition
#: Every key of :meth:`InversionResult.to_dict`: what was read, then the
#: statistics (:data:`pvr_plugin.core.inversion_stats.DEFINITIONS`).
DEFINITIONS = (
    _D("source", "text", "the file or frame analysed"),
    _D("start", "date", "first date of the input"),
    _D("end", "date", "last date of the input"),
    _D("periods", "count", "rows in the input"),
    _D("periods_used", "count", "periods with both the top and the bottom return"),
    _D("skipped_periods", "count", "periods without them: kept as NaN in the spread, left out of the statistics"),
    _D("buckets", "count", "N, the number of buckets, ordered 1 (lowest ranked) to N (highest)"),
    _D("top", "text", "column of the top bucket (bucket N unless chosen)"),
    _D("bottom", "text", "column of the bottom bucket (bucket 1 unless chosen)"),
    _D("top_bucket", "count", "bucket number of the top bucket"),
    _D("bottom_bucket", "count", "bucket number of the bottom bucket"),
    _D("inversions", "count", "periods with spread = top - bottom below 0 (a spread of 0 is no inversion)"),
    _D("inversion_rate", "frac", "inversions / periods_used", "no period with a spread"),
    _D("rolling_window", "count", "w, the periods of the rolling mean spread; about one year by default, 0 = off"),
    _D("rolling_min_periods", "count", "w // 5, the fewest periods a rolling mean needs"),
    _D("units", "text", "'percent' or 'fraction': how the bucket returns were read"),
    _D("units_source", "text", "how the units were decided (given, or guessed from the values)"),
    _D("periods_per_year", "ratio", "for the annualised figures: given, or inferred from the dates",
       "fewer than two dates and none given"),
    _D("periods_per_year_source", "text", "how periods_per_year was decided"),
    _D("cumulative", "text",
       "the cumulative top-minus-bottom curve behind the drawdowns: 'sum', the running sum of the spread "
       "from 0 (spread units), or 'compound', prod(1 + spread) - 1 (a funded long-short spread)", "",
       "'compound' is the curve alphalens and the Fama-French data library plot"),
    *_STAT_DEFINITIONS,
    _D("mean_by_bucket", "frac", "mean return of each bucket over the periods with every bucket present"),
    _D("notes", "text", "what was assumed while reading (units, missing bucket numbers)"),
)


@dataclass(frozen=True)
class InversionResult:
    """Everything :func:`analyze_inversions` computes.

    Returns are fractions throughout. ``spread`` and ``rolling_spread`` keep
    every input date (NaN where skipped); ``cumulative`` holds the summed curve
    over the periods used. ``episodes`` and ``drawdowns`` are tables with the
    columns in :data:`~pvr_plugin.core.inversion_stats.EPISODE_COLUMNS` and :data:`~pvr_plugin.core.inversion_stats.DRAWDOWN_COLUMNS`, in date
    order. ``mean_by_bucket`` is the mean return of each bucket over the
    periods with every bucket present.
    """

    spread: pd.Series
    rolling_spread: pd.Series | None
    cumulative: pd.Series
    episodes: pd.DataFrame
    drawdowns: pd.DataFrame
    mean_by_bucket: pd.Series
    significance: Significance
    runs_test: RunsTest
    all_bucket: AllBucketSpread
    periods: int
    periods_used: int
    skipped_periods: int
    inversions: int
    inversion_rate: float
    top: str
    bottom: str
    top_bucket: int
    bottom_bucket: int
    buckets: int
    rolling_window: int
    rolling_min_periods: int
    periods_per_year: float | None
    periods_per_year_source: str
    units: str
    units_source: str
    source: str = "frame"
    notes: tuple = field(default_factory=tuple)
    cumulative_kind: str = "sum"

    @property
    def start(self):
        """First date of the input."""
        return self.spread.index[0]

    @property
    def end(self):
        """Last date of the input."""
        return self.spread.index[-1]

    def longest_episode(self):
        """The longest inversion episode as a dict (earliest on ties), or None."""
        if self.episodes.empty:
            return None
        return _row_dict(self.episodes, int(np.argmax(self.episodes["length"].to_numpy())))

    def deepest_episode(self):
        """The episode holding the most negative single-period spread, or None."""
        if self.episodes.empty:
            return None
        return _row_dict(self.episodes, int(np.argmin(self.episodes["min_spread"].to_numpy())))

    def worst_drawdowns(self, count=5):
        """The ``count`` deepest drawdowns of the cumulative curve, deepest first."""
        return self.drawdowns.sort_values("depth", kind="stable").head(count)

    def to_dict(self):
        """Every statistic as plain JSON types: fractions, ISO dates, NaN -> None."""
        out = {
            "source": self.source,
            "periods": self.periods,
            "periods_used": self.periods_used,
            "skipped_periods": self.skipped_periods,
            "start": iso(self.start),
            "end": iso(self.end),
            "buckets": self.buckets,
            "top": self.top,
            "bottom": self.bottom,
            "top_bucket": self.top_bucket,
            "bottom_bucket": self.bottom_bucket,
            "inversions": self.inversions,
            "inversion_rate": self.inversion_rate,
            "rolling_window": self.rolling_window,
            "rolling_min_periods": self.rolling_min_periods,
            "units": self.units,
            "units_source": self.units_source,
            "periods_per_year": self.periods_per_year,
            "periods_per_year_source": self.periods_per_year_source,
            "cumulative": self.cumulative_kind,
            "episodes": records(self.episodes),
            "drawdowns": records(self.drawdowns),
            "significance": vars(self.significance).copy(),
            "runs_test": vars(self.runs_test).copy(),
            "all_bucket": vars(self.all_bucket).copy(),
            "mean_by_bucket": {str(k): v for k, v in self.mean_by_bucket.items()},
            "notes": list(self.notes),
        }
        return jsonable(out)

    def to_json(self, **kwargs):
        """:meth:`to_dict` as a JSON string (strict: no NaN literals)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)


CUMULATIVE_KINDS = ("sum", "compound")


def analyze_inversions(data, *, top=None, bottom=None, rolling=0, periods_per_year=None, cumulative="sum"):
    """Compute every factor-inversion statistic.

    Parameters
    ----------
    data : BucketReturns or pandas.DataFrame
        Bucket returns in fractions, from
        :func:`pvr_plugin.core.inversion_io.load_bucket_returns`, or a frame
        indexed by sorted unique dates with columns ordered bucket 1 .. N.
    top, bottom : int, optional
        Bucket numbers (1-based positions in the bucket order) compared by the
        spread; bucket N and bucket 1 by default.
    rolling : int or None
        Window (periods) of the rolling mean spread; ``min_periods`` is
        ``rolling // 5``. 0 turns it off; None picks about one year of
        periods (:func:`~pvr_plugin.core.inversion_stats.default_rolling_window`).
    periods_per_year : float, optional
        For annualised figures; inferred from the dates by default.
    cumulative : {'sum', 'compound'}
        The cumulative curve and its drawdowns: the running sum of the spread
        (spread units), or a funded long-short spread compounded (fractions).

    Returns
    -------
    InversionResult
    """
    if not isinstance(data, BucketReturns):
        data = BucketReturns(returns=pd.DataFrame(data), units="fraction",
                             units_source="given", source="frame", notes=())
    frame = data.returns
    n_buckets = frame.shape[1]
    if n_buckets < 2:
        raise PvrInputError(f"{data.source}: need at least 2 buckets, found {n_buckets}")
    if len(frame) == 0:
        raise PvrInputError(f"{data.source}: no periods")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise PvrInputError(f"{data.source}: the index must hold dates")
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        raise PvrInputError(f"{data.source}: dates must be sorted and unique")
    if cumulative not in CUMULATIVE_KINDS:
        raise PvrInputError(f"cumulative must be 'sum' or 'compound', not {cumulative!r}")
    top = n_buckets if top is None else _bucket_number(top, n_buckets, "top")
    bottom = 1 if bottom is None else _bucket_number(bottom, n_buckets, "bottom")
    if top == bottom:
        raise PvrInputError(f"top and bottom are both bucket {top}; pick two different buckets")
    ppy_source = "given"
    if periods_per_year is None:
        periods_per_year, word = infer_periods_per_year(frame.index)
        ppy_source = f"inferred ({word})"
    elif not (isinstance(periods_per_year, numbers.Real) and periods_per_year > 0
              and math.isfinite(periods_per_year)):
        raise PvrInputError(f"periods per year must be a positive number, not {periods_per_year!r}")
    else:
        periods_per_year = float(periods_per_year)
    if rolling is None:
        rolling = default_rolling_window(periods_per_year, len(frame))
    rolling = _window(rolling)

    labels = [str(c) for c in frame.columns]
    values = _numeric_values(frame, labels, data.source)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
        spread_all = values[:, top - 1] - values[:, bottom - 1]
    spread = pd.Series(spread_all, index=frame.index, name="spread")
    valid = ~np.isnan(spread_all)
    s = spread_all[valid]
    dates = frame.index[valid]
    if s.size == 0:
        raise PvrInputError(
            f"{data.source}: no period has both {labels[top - 1]} and {labels[bottom - 1]} returns"
        )
    if not np.isfinite(s).all():
        i = int(np.flatnonzero(~np.isfinite(s))[0])
        raise PvrInputError(
            f"{data.source}: {labels[top - 1]} - {labels[bottom - 1]} overflows on {iso(dates[i])} "
            "(values near 1e308): nothing can be computed from it"
        )
    if cumulative == "compound" and (s <= -1).any():
        i = int(np.flatnonzero(s <= -1)[0])
        raise PvrInputError(
            f"{data.source}: the spread is {100 * s[i]:.0f}% on {iso(dates[i])}: a funded long-short "
            "spread cannot lose all of its value and go on; use the summed curve (cumulative 'sum')"
        )
    inverted = s < 0
    notes = list(data.notes)

    rolling_spread = None
    if rolling:
        rolling_spread = spread.rolling(rolling, min_periods=rolling // 5).mean()
        rolling_spread.name = "rolling_spread"

    compound = cumulative == "compound"
    with np.errstate(over="ignore"):
        curve = np.cumprod(1.0 + s) - 1.0 if compound else np.cumsum(s)
    if not np.isfinite(curve).all():
        notes.append("the cumulative curve overflows: its drawdowns are not computed")
        drawdowns = curve_drawdowns(np.zeros(0), dates[:0])
    else:
        drawdowns = curve_drawdowns(curve, dates, compound=compound)
    sig = significance(s, periods_per_year)
    if sig.note:
        notes.append(sig.note)
    with np.errstate(over="ignore", invalid="ignore"):  # huge cells: NaN statistics, not warnings
        all_bucket, mean_by_bucket = all_bucket_spread(values)
    return InversionResult(
        spread=spread,
        rolling_spread=rolling_spread,
        cumulative=pd.Series(curve, index=dates, name="cumulative_spread"),
        episodes=inversion_episodes(s, dates),
        drawdowns=drawdowns,
        mean_by_bucket=pd.Series(mean_by_bucket, index=labels, name="mean_return"),
        significance=sig,
        runs_test=runs_test(inverted),
        all_bucket=all_bucket,
        periods=len(frame),
        periods_used=int(s.size),
        skipped_periods=int((~valid).sum()),
        inversions=int(inverted.sum()),
        inversion_rate=float(inverted.mean()),
        top=labels[top - 1],
        bottom=labels[bottom - 1],
        top_bucket=top,
        bottom_bucket=bottom,
        buckets=n_buckets,
        rolling_window=rolling,
        rolling_min_periods=rolling // 5,
        periods_per_year=periods_per_year,
        periods_per_year_source=ppy_source,
        units=data.units,
        units_source=data.units_source,
        source=data.source,
        notes=tuple(notes),
        cumulative_kind=cumulative,
    )


# ------------------------------------------------------------ statistics


def _numeric_values(frame, labels, source):
    """The frame as a float array; a non-numeric or infinite column is a user error."""
    try:
        values = frame.to_numpy(dtype=float)
    except (TypeError, ValueError):
        bad = next(label for label, column in zip(labels, frame.columns)
                   if not pd.api.types.is_numeric_dtype(frame[column]))
        raise PvrInputError(f"{source}: column {bad!r} is not numeric") from None
    infinite = np.isinf(values).any(axis=0)
    if infinite.any():
        raise PvrInputError(f"{source}: column {labels[int(np.argmax(infinite))]!r} holds an "
                            "infinite value")
    return values


def _bucket_number(value, n_buckets, which):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PvrInputError(f"{which} bucket must be a whole number, not {value!r}") from None
    if number != value or not 1 <= number <= n_buckets:
        raise PvrInputError(
            f"{which} bucket {value!r} is out of range: buckets are 1 to {n_buckets}")
    return number


def _window(rolling):
    try:
        window = int(rolling)
    except (TypeError, ValueError):
        raise PvrInputError(f"rolling window must be a whole number, not {rolling!r}") from None
    if window != rolling or window < 0:
        raise PvrInputError(
            f"rolling window must be 0 (off) or a positive whole number, not {rolling!r}")
    return window


def _row_dict(frame, pos):
    return jsonable({c: frame[c].iloc[pos] for c in frame.columns})
