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
* The cumulative top-minus-bottom curve is the running *sum* of the spread,
  starting from 0 before the first period. The spread is a difference of two
  returns, not the return of a funded portfolio, so compounding it has no
  natural meaning; a sum keeps the curve in the same units as the spread
  (a drawdown depth of -0.12 is twelve points of spread given back), stays
  defined when a period's spread is below -100 %, and makes an inversion
  episode's contribution simply its length times its mean spread.
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
import statsmodels.api as sm
from scipy import stats as sps

from pvr_plugin.core import stats
from pvr_plugin.core.inversion_io import BucketReturns
from pvr_plugin.core.periods import infer_periods_per_year
from pvr_plugin.errors import PvrInputError

EPISODE_COLUMNS = ("start", "end", "length", "min_spread", "mean_spread", "max_spread")
DRAWDOWN_COLUMNS = ("peak", "trough", "recovery", "depth", "periods_to_trough",
                    "periods_to_recover")


@dataclass(frozen=True)
class Significance:
    """Is the mean spread different from zero?

    Attributes
    ----------
    mean_spread : float
        Mean of the spread per period (fraction).
    std_spread : float
        Sample standard deviation of the spread per period (fraction, ddof=1).
    t_stat, p_value : float
        t-statistic of the mean with Newey-West (HAC, Bartlett kernel)
        standard errors and its two-sided p-value from the normal distribution
        (statsmodels ``OLS(...).fit(cov_type="HAC")`` on a constant).
    hac_maxlags : int
        Lags in the Newey-West estimator: ``floor(4 * (n / 100) ** (2 / 9))``
        (the Newey-West 1994 rule of thumb), at most ``n - 1``.
    hit_rate : float
        Fraction of periods with a spread above zero (zero counts as no hit).
    information_ratio : float
        ``mean_spread / std_spread * sqrt(periods_per_year)`` (annualised).
    periods_used : int
        Periods with a spread.
    """

    mean_spread: float
    std_spread: float
    t_stat: float
    p_value: float
    hac_maxlags: int
    hit_rate: float
    information_ratio: float
    periods_used: int


@dataclass(frozen=True)
class RunsTest:
    """Wald-Wolfowitz runs test on the inverted / not-inverted sequence.

    Same numbers as statsmodels ``runstest_1samp(spread, cutoff=0)`` (with
    its 0.5 continuity correction below 50 periods) whenever both kinds of
    period occur. With only one kind the test is undefined: ``runs`` is 1,
    ``expected_runs`` is 1 and ``z`` and ``p_value`` are NaN. They are NaN
    too when the variance is zero (two periods, one of each), where
    statsmodels divides by zero.

    Attributes
    ----------
    runs : int
        Number of maximal blocks of equal kind.
    expected_runs : float
        ``2 * n_inv * n_not / n + 1``, the mean under randomness.
    z, p_value : float
        Normal statistic and two-sided p-value. A small p with z < 0 means
        inversions cluster (fewer, longer runs than chance).
    inverted, not_inverted : int
        Counts of each kind.
    """

    runs: int
    expected_runs: float
    z: float
    p_value: float
    inverted: int
    not_inverted: int


@dataclass(frozen=True)
class AllBucketSpread:
    """Statistics that use every bucket, not only the top and bottom.

    Attributes
    ----------
    rank_corr_mean : float
        Mean over periods of the Spearman rank correlation between bucket
        number and bucket return (+1: returns rise perfectly with rank).
    rank_corr_t : float
        Plain t-statistic of that mean: ``mean / (std / sqrt(periods))``.
    slope_spread : float
        Least-squares slope of the mean return per bucket on bucket number,
        times ``N - 1``: a top-minus-bottom figure (fraction per period) fitted
        through all buckets.
    periods_used : int
        Periods with every bucket present (and not all equal, for the
        correlation).
    skipped_periods : int
        Periods left out because a bucket was missing.
    """

    rank_corr_mean: float
    rank_corr_t: float
    slope_spread: float
    periods_used: int
    skipped_periods: int


@dataclass(frozen=True)
class InversionResult:
    """Everything :func:`analyze_inversions` computes.

    Returns are fractions throughout. ``spread`` and ``rolling_spread`` keep
    every input date (NaN where skipped); ``cumulative`` holds the summed curve
    over the periods used. ``episodes`` and ``drawdowns`` are tables with the
    columns in :data:`EPISODE_COLUMNS` and :data:`DRAWDOWN_COLUMNS`, in date
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
            "start": _iso(self.start),
            "end": _iso(self.end),
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
            "cumulative": "sum",
            "episodes": _records(self.episodes),
            "drawdowns": _records(self.drawdowns),
            "significance": vars(self.significance).copy(),
            "runs_test": vars(self.runs_test).copy(),
            "all_bucket": vars(self.all_bucket).copy(),
            "mean_by_bucket": {str(k): v for k, v in self.mean_by_bucket.items()},
            "notes": list(self.notes),
        }
        return _clean(out)

    def to_json(self, **kwargs):
        """:meth:`to_dict` as a JSON string (strict: no NaN literals)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)


def analyze_inversions(data, *, top=None, bottom=None, rolling=0, periods_per_year=None):
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
        periods (:func:`default_rolling_window`).
    periods_per_year : float, optional
        For annualised figures; inferred from the dates by default.

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
    spread_all = values[:, top - 1] - values[:, bottom - 1]
    spread = pd.Series(spread_all, index=frame.index, name="spread")
    valid = ~np.isnan(spread_all)
    s = spread_all[valid]
    dates = frame.index[valid]
    if s.size == 0:
        raise PvrInputError(
            f"{data.source}: no period has both {labels[top - 1]} and {labels[bottom - 1]} returns"
        )
    inverted = s < 0

    rolling_spread = None
    if rolling:
        rolling_spread = spread.rolling(rolling, min_periods=rolling // 5).mean()
        rolling_spread.name = "rolling_spread"

    curve = np.cumsum(s)
    all_bucket, mean_by_bucket = all_bucket_spread(values)
    return InversionResult(
        spread=spread,
        rolling_spread=rolling_spread,
        cumulative=pd.Series(curve, index=dates, name="cumulative_spread"),
        episodes=inversion_episodes(s, dates),
        drawdowns=curve_drawdowns(curve, dates),
        mean_by_bucket=pd.Series(mean_by_bucket, index=labels, name="mean_return"),
        significance=significance(s, periods_per_year),
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
        notes=tuple(data.notes),
    )


# ------------------------------------------------------------ statistics


def _runs(flags):
    """Start and end (inclusive) positions of the runs of True in ``flags``."""
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def inversion_episodes(spread, dates):
    """Maximal runs of consecutive negative spreads.

    Parameters
    ----------
    spread : numpy.ndarray
        Spread per period (fractions), no NaN.
    dates : pandas.DatetimeIndex
        Date of each spread.

    Returns
    -------
    pandas.DataFrame
        One row per episode, columns :data:`EPISODE_COLUMNS`: first and last
        date, length in periods, and the min / mean / max spread inside it.
    """
    spread = np.asarray(spread, dtype=float)
    inverted = spread < 0
    starts, ends = _runs(inverted)
    lengths = ends - starts + 1
    if starts.size == 0:
        return _empty(EPISODE_COLUMNS, {"start": "datetime64[ns]", "end": "datetime64[ns]",
                                        "length": "int64"})
    # The inverted values are contiguous per episode once the others are dropped,
    # so one reduceat per statistic does all episodes at once.
    inside = spread[inverted]
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return pd.DataFrame({
        "start": dates[starts],
        "end": dates[ends],
        "length": lengths.astype(np.int64),
        "min_spread": np.minimum.reduceat(inside, offsets),
        "mean_spread": np.add.reduceat(inside, offsets) / lengths,
        "max_spread": np.maximum.reduceat(inside, offsets),
    })


def curve_drawdowns(curve, dates):
    """Drawdowns of a cumulative curve that starts at 0 before the first date.

    A drawdown is a maximal stretch of periods where the curve is below its
    running peak.

    Parameters
    ----------
    curve : numpy.ndarray
        Cumulative spread after each period (fractions), no NaN.
    dates : pandas.DatetimeIndex
        Date of each curve value.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DRAWDOWN_COLUMNS`, in date order. ``peak`` is the date
        of the high the curve fell from, or NaT when that high is the starting
        level (the curve was below 0 from the first period); ``trough`` is the
        date of the lowest point (first one on ties); ``recovery`` is the first
        date the curve is back at the peak level, NaT while still below it.
        ``depth`` is trough minus peak (negative, fraction). Periods to trough
        count from the peak (the start counts as the period before the first
        date) and periods to recover count from the trough to the recovery
        (missing while not recovered).
    """
    curve = np.asarray(curve, dtype=float)
    peak_level = np.maximum.accumulate(np.concatenate(([0.0], curve)))[1:]
    runs = stats.underwater_runs(curve - peak_level)
    if runs.start.size == 0:
        return _empty(DRAWDOWN_COLUMNS, {"peak": "datetime64[ns]", "trough": "datetime64[ns]",
                                         "recovery": "datetime64[ns]",
                                         "periods_to_trough": "int64",
                                         "periods_to_recover": "Int64"})
    nat = np.datetime64("NaT", "ns")
    date_values = dates.to_numpy(dtype="datetime64[ns]")
    recovered = runs.recovery >= 0
    to_recover = pd.Series(runs.recovery - runs.trough, dtype="Int64").mask(~recovered)
    return pd.DataFrame({
        "peak": np.where(runs.peak >= 0, date_values[np.maximum(runs.peak, 0)], nat),
        "trough": date_values[runs.trough],
        "recovery": np.where(recovered, date_values[np.maximum(runs.recovery, 0)], nat),
        "depth": runs.depth,
        "periods_to_trough": (runs.trough - runs.peak).astype(np.int64),
        "periods_to_recover": to_recover,
    })


def default_rolling_window(periods_per_year, periods):
    """About one year of periods (12 monthly, 52 weekly, 252 daily), at most ``periods``.

    Used when the user does not choose a window; 0 (off) when the frequency is
    unknown.
    """
    if not periods_per_year:
        return 0
    return int(max(1, min(periods, round(periods_per_year))))


def hac_maxlags(n):
    """Newey-West (1994) lag rule ``floor(4 * (n / 100) ** (2 / 9))``, capped at n - 1."""
    return int(max(0, min(n - 1, math.floor(4 * (n / 100.0) ** (2.0 / 9.0)))))


def significance(spread, periods_per_year):
    """Mean spread, its Newey-West t-statistic and p-value, hit rate and IR.

    Parameters
    ----------
    spread : numpy.ndarray
        Spread per period (fractions), no NaN.
    periods_per_year : float or None
        Used for the annualised information ratio (NaN when None).

    Returns
    -------
    Significance
    """
    s = np.asarray(spread, dtype=float)
    n = s.size
    mean = float(s.mean()) if n else math.nan
    hit_rate = float((s > 0).mean()) if n else math.nan
    lags = hac_maxlags(n) if n else 0
    # A constant spread has no variance: every ratio below is undefined. Test
    # for it exactly, because the float mean of equal numbers can differ from
    # them by one ulp and would give an absurd t-statistic.
    if n < 2 or np.ptp(s) == 0:
        return Significance(mean, 0.0 if n >= 2 else math.nan, math.nan, math.nan, lags,
                            hit_rate, math.nan, n)
    std = float(s.std(ddof=1))
    fit = sm.OLS(s, np.ones(n)).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    t_stat = float(fit.tvalues[0])
    p_value = float(fit.pvalues[0])
    if not math.isfinite(t_stat):
        t_stat, p_value = math.nan, math.nan
    ir = stats.sharpe_ratio(s, annualization=periods_per_year) if periods_per_year else math.nan
    return Significance(mean, std, t_stat, p_value, lags, hit_rate, float(ir), n)


def runs_test(flags):
    """Wald-Wolfowitz runs test on a boolean sequence (see :class:`RunsTest`).

    Parameters
    ----------
    flags : numpy.ndarray of bool
        True for an inverted period.

    Returns
    -------
    RunsTest
    """
    flags = np.asarray(flags, dtype=bool)
    n = flags.size
    n_inv = int(flags.sum())
    n_not = n - n_inv
    runs = int(1 + np.count_nonzero(flags[1:] != flags[:-1])) if n else 0
    if n_inv == 0 or n_not == 0:
        return RunsTest(runs, 1.0 if n else math.nan, math.nan, math.nan, n_inv, n_not)
    product = float(n_inv) * n_not
    expected = 2.0 * product / n + 1.0
    std = math.sqrt(2.0 * product * (2.0 * product - n) / n ** 2 / (n - 1.0))
    diff = runs - expected
    # statsmodels' small-sample rule, kept as is so the numbers agree with it:
    # below 50 periods the difference moves 0.5 towards zero when above 0.5,
    # and is raised by 0.5 otherwise (exactly 0.5 gives 0).
    if n < 50:
        diff = diff - 0.5 if diff > 0.5 else (diff + 0.5 if diff < 0.5 else 0.0)
    if std == 0:
        return RunsTest(runs, expected, math.nan, math.nan, n_inv, n_not)
    z = diff / std
    return RunsTest(runs, expected, z, float(2.0 * sps.norm.sf(abs(z))), n_inv, n_not)


def all_bucket_spread(values):
    """Rank correlation of bucket number with return, and the fitted slope.

    Parameters
    ----------
    values : numpy.ndarray
        Returns (fractions), shape (periods, buckets), buckets ordered 1 .. N;
        NaN marks an empty bucket.

    Returns
    -------
    (AllBucketSpread, numpy.ndarray)
        The statistics and the mean return of each bucket over the periods
        with every bucket present (NaN if there are none).
    """
    values = np.asarray(values, dtype=float)
    n_buckets = values.shape[1]
    complete = ~np.isnan(values).any(axis=1)
    skipped = int((~complete).sum())
    rows = values[complete]
    if rows.shape[0] == 0:
        return AllBucketSpread(math.nan, math.nan, math.nan, 0, skipped), \
            np.full(n_buckets, math.nan)
    corr = spearman_with_rank(rows)
    corr = corr[~np.isnan(corr)]
    n_corr = corr.size
    corr_mean = float(corr.mean()) if n_corr else math.nan
    if n_corr >= 2 and np.ptp(corr) > 0:
        corr_t = corr_mean / (float(corr.std(ddof=1)) / math.sqrt(n_corr))
    else:
        corr_t = math.nan
    means = rows.mean(axis=0)
    k = np.arange(1, n_buckets + 1, dtype=float)
    kc = k - k.mean()
    slope = float(np.dot(kc, means - means.mean()) / np.dot(kc, kc))
    return AllBucketSpread(corr_mean, corr_t, slope * (n_buckets - 1), n_corr, skipped), means


def spearman_with_rank(rows):
    """Spearman correlation of each row with the sequence 1, 2, ..., N.

    Ties get average ranks, as in :func:`scipy.stats.spearmanr`. A row whose
    values are all equal has no correlation (NaN).

    Parameters
    ----------
    rows : numpy.ndarray
        Shape (periods, N), no NaN.

    Returns
    -------
    numpy.ndarray
        Shape (periods,).
    """
    m, n = rows.shape
    centre = (n + 1) / 2.0
    position_c = np.arange(1, n + 1) - centre  # centred rank of each sorted position
    order = np.argsort(rows, axis=1)
    ordered = np.sort(rows, axis=1)
    # The bucket number at sorted position j is order[j] + 1; correlating in
    # sorted order avoids inverting the permutation. Centred vectors sum to
    # zero, so the bucket numbers need no centring in the dot product.
    numerator = order @ position_c
    bucket_ss = n * (n * n - 1) / 12.0
    rank_ss = np.full(m, bucket_ss)
    equal_next = ordered[:, 1:] == ordered[:, :-1]
    tied = np.flatnonzero(equal_next.any(axis=1))
    if tied.size:
        # Average ranks for rows with ties: each sorted position gets the mean
        # of the first and last position of its group of equal values.
        eq = equal_next[tied]
        pos = np.broadcast_to(np.arange(n), (tied.size, n))
        starts_group = np.ones((tied.size, n), dtype=bool)
        starts_group[:, 1:] = ~eq
        ends_group = np.ones((tied.size, n), dtype=bool)
        ends_group[:, :-1] = ~eq
        first = np.maximum.accumulate(np.where(starts_group, pos, 0), axis=1)
        last = np.minimum.accumulate(np.where(ends_group, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
        rank_c = (first + last) / 2.0 + 1.0 - centre
        numerator[tied] = np.einsum("ij,ij->i", order[tied] + (1.0 - centre), rank_c)
        rank_ss[tied] = np.einsum("ij,ij->i", rank_c, rank_c)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = numerator / np.sqrt(bucket_ss * rank_ss)
    corr[rank_ss == 0] = np.nan
    return corr


# ------------------------------------------------------------ helpers


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


def _empty(columns, dtypes):
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "float64")) for c in columns})


def _iso(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def _row_dict(frame, pos):
    return _clean({c: frame[c].iloc[pos] for c in frame.columns})


def _records(frame):
    return [_clean(dict(zip(frame.columns, row))) for row in frame.itertuples(index=False)]


def _clean(obj):
    """Plain JSON types: numpy scalars to Python, NaN/NA/NaT to None, dates to ISO."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, np.datetime64)):
        return _iso(obj)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj
