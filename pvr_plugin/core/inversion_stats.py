"""The statistics of factor inversions, one function each (numpy, scipy, statsmodels).

:func:`pvr_plugin.core.inversion.analyze_inversions` calls these on a
spread (top minus bottom bucket, fractions, no NaN) and its dates; each is
usable on its own. Undefined ratios are NaN, never infinite.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from pvr_plugin.core import stats
from pvr_plugin.core.definitions import Definition

#: Columns of the episodes table (and ``inversion_episodes.csv``).
EPISODE_COLUMNS = ("start", "end", "length", "min_spread", "mean_spread", "max_spread")
#: Columns of the drawdowns table of the cumulative spread.
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
    note : str
        Why t, p and the information ratio are undefined, when they are
        (a constant spread, fewer than two periods, an overflow).
    """

    mean_spread: float
    std_spread: float
    t_stat: float
    p_value: float
    hac_maxlags: int
    hit_rate: float
    information_ratio: float
    periods_used: int
    note: str = ""


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


_D = Definition
_FEW = "fewer than two periods with a spread"
#: Every statistic computed here, by its key in the JSON document
#: (:meth:`pvr_plugin.core.inversion.InversionResult.to_dict`). The spread is
#: ``top - bottom`` per period, fractions.
DEFINITIONS = (
    _D("episodes.start", "date", "first period of a maximal run of consecutive inversions (spread < 0)"),
    _D("episodes.end", "date", "last period of that run"),
    _D("episodes.length", "count", "periods in the run"),
    _D("episodes.min_spread", "frac", "most negative spread in the run"),
    _D("episodes.mean_spread", "frac", "mean spread in the run"),
    _D("episodes.max_spread", "frac", "least negative spread in the run"),
    _D("drawdowns.peak", "date",
       "date of the high the cumulative curve fell from; the first date when it fell from the starting level"),
    _D("drawdowns.trough", "date", "date of the curve's lowest point in the drawdown (the first on ties)"),
    _D("drawdowns.recovery", "date", "first date the curve is back at the peak level", "while not recovered"),
    _D("drawdowns.depth", "frac",
       "trough - peak of the summed curve (spread units); (1 + trough) / (1 + peak) - 1 of the compounded one; "
       "negative"),
    _D("drawdowns.periods_to_trough", "count", "periods from the peak to the trough (the start counts as the "
       "period before the first date)"),
    _D("drawdowns.periods_to_recover", "count", "periods from the trough to the recovery", "while not recovered"),
    _D("significance.mean_spread", "frac", "mean spread per period", "no period with a spread"),
    _D("significance.std_spread", "frac", "sample standard deviation of the spread (ddof 1)", _FEW),
    _D("significance.t_stat", "ratio",
       "t-statistic of the mean spread with Newey-West (HAC, Bartlett kernel) standard errors, "
       "no small-sample correction",
       _FEW + ", or a constant spread (standard deviation below 1e-12 of its mean size); `note` says why",
       "statsmodels `OLS(spread, 1).fit(cov_type='HAC', cov_kwds={'maxlags': L})`"),
    _D("significance.p_value", "frac", "two-sided p-value of t from the normal distribution", "as t_stat",
       "statsmodels, as t_stat"),
    _D("significance.hac_maxlags", "count", "L = floor(4 * (n / 100) ** (2 / 9)), at most n - 1", "",
       "Newey and West (1994), the lag rule of thumb"),
    _D("significance.hit_rate", "frac", "share of periods with a spread above 0 (0 is no hit)",
       "no period with a spread"),
    _D("significance.information_ratio", "ratio", "mean_spread / std_spread * sqrt(periods per year)",
       "as t_stat, or periods per year unknown"),
    _D("significance.periods_used", "count", "periods with a spread"),
    _D("significance.note", "text", "why t, p and the information ratio are undefined (empty when defined)"),
    _D("runs_test.runs", "count", "maximal blocks of inverted or not-inverted periods"),
    _D("runs_test.expected_runs", "ratio", "2 * inverted * not_inverted / n + 1, the mean number of runs if "
       "inversions came at random"),
    _D("runs_test.z", "ratio",
       "(runs - expected_runs) / its standard deviation under randomness, with a 0.5 continuity correction "
       "below 50 periods; z < 0: inversions cluster, z > 0: they alternate",
       "only one kind of period, or two periods, one of each (zero variance)",
       "statsmodels `runstest_1samp(spread, cutoff=0)`; Wald and Wolfowitz (1940)"),
    _D("runs_test.p_value", "frac", "two-sided normal p-value of z", "as z", "statsmodels, as z"),
    _D("runs_test.inverted", "count", "periods with spread < 0"),
    _D("runs_test.not_inverted", "count", "periods with spread >= 0"),
    _D("all_bucket.rank_corr_mean", "ratio",
       "mean over periods of the Spearman rank correlation of bucket number (1 .. N) and bucket return "
       "(average ranks for ties)", "no period with every bucket present and not all equal",
       "`scipy.stats.spearmanr` per period"),
    _D("all_bucket.rank_corr_t", "ratio", "mean / (std / sqrt(periods)) of those correlations",
       "fewer than two such periods, or correlations that do not vary"),
    _D("all_bucket.slope_spread", "frac",
       "least-squares slope of each bucket's mean return on its bucket number, times N - 1: a top-minus-"
       "bottom spread fitted through every bucket", "no period with every bucket present"),
    _D("all_bucket.periods_used", "count", "periods with a rank correlation: every bucket present, not all equal"),
    _D("all_bucket.skipped_periods", "count", "periods left out because a bucket was missing"),
)


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


def curve_drawdowns(curve, dates, compound=False):
    """Drawdowns of a cumulative curve that starts at 0 before the first date.

    A drawdown is a maximal stretch of periods where the curve is below its
    running peak.

    Parameters
    ----------
    curve : numpy.ndarray
        Cumulative spread after each period (fractions), no NaN: the running
        sum, or with ``compound`` the funded spread ``prod(1 + spread) - 1``.
    dates : pandas.DatetimeIndex
        Date of each curve value.
    compound : bool
        Depths as a fraction of the funded spread's peak value
        (``(1 + trough) / (1 + peak) - 1``) rather than in spread units
        (``trough - peak``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DRAWDOWN_COLUMNS`, in date order. ``peak`` is the date
        of the high the curve fell from; a fall from the starting level (the
        curve below 0 from the first period) reports the first date, as the
        factsheet's drawdown report does. ``trough`` is the date of the lowest
        point (first one on ties); ``recovery`` is the first date the curve
        is back at the peak level, NaT while still below it. ``depth`` is
        negative. Periods to trough count from the peak (the start counts as
        the period before the first date) and periods to recover count from
        the trough to the recovery (missing while not recovered).
    """
    curve = np.asarray(curve, dtype=float)
    peak_level = np.maximum.accumulate(np.concatenate(([0.0], curve)))[1:]
    under = (1.0 + curve) / (1.0 + peak_level) - 1.0 if compound else curve - peak_level
    runs = stats.underwater_runs(under, levels=curve)
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
        "peak": date_values[np.maximum(runs.peak, 0)],
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


#: A standard deviation below this share of the spread's mean size is float
#: rounding of a constant, not variation.
CONSTANT_REL = 1e-12


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
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(s.mean()) if n else math.nan
        std = float(s.std(ddof=1)) if n >= 2 else math.nan
    hit_rate = float((s > 0).mean()) if n else math.nan
    lags = hac_maxlags(n) if n else 0

    def undefined(why, shown_std=std):
        return Significance(mean if math.isfinite(mean) else math.nan, shown_std, math.nan, math.nan,
                            lags, hit_rate, math.nan, n, why)

    if n < 2:
        return undefined(f"needs 2 periods, has {n}")
    if not (math.isfinite(mean) and math.isfinite(std)):
        return undefined("the spread's values are too large: its mean or standard deviation "
                         "overflows", math.nan)
    scale = float(np.mean(np.abs(s)))
    # A spread constant up to float rounding has no variance: its t-statistic
    # would be rounding noise divided by rounding noise (seen: t = 1e16).
    if std <= CONSTANT_REL * scale or std == 0:
        return undefined(f"the spread is constant (standard deviation {std:.3g} against a mean "
                         f"size of {scale:.3g}): t, p and the information ratio are undefined",
                         0.0)  # zero up to float rounding
    fit = sm.OLS(s, np.ones(n)).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    t_stat = float(fit.tvalues[0])
    p_value = float(fit.pvalues[0])
    note = ""
    if not math.isfinite(t_stat):
        t_stat, p_value, note = math.nan, math.nan, "the t-statistic is not finite"
    ir = stats.sharpe_ratio(s, annualization=periods_per_year) if periods_per_year else math.nan
    return Significance(mean, std, t_stat, p_value, lags, hit_rate, float(ir), n, note)


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


def _empty(columns, dtypes):
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "float64")) for c in columns})
