"""Probability of backtest overfitting (PBO) and rank correlation of variants.

Pure functions, numpy/scipy only:

* :func:`probability_of_backtest_overfitting` - PBO by combinatorially
  symmetric cross-validation (CSCV; Bailey, Borwein, Lopez de Prado and Zhu,
  "The Probability of Backtest Overfitting", J. Computational Finance 20(4),
  2017);
* :func:`risked_returns` - PvR-based per-session returns (the day's PnL over
  the capital put to work so far);
* :func:`rank_correlation` - Spearman's rho between in- and out-of-sample.

The deflated Sharpe ratio and its PvR counterpart live in
:mod:`pvr_plugin.core.deflation` and are re-exported here, so
``from pvr_plugin.core.overfit import ...`` reaches every statistic of a
sweep's "is the winner real?" report.

Shapes and units as in :mod:`pvr_plugin.core.deflation`: returns matrices
are (sessions, variants), fractions per session; NaN results carry a reason.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from pvr_plugin.core.deflation import (  # noqa: F401  (re-exported)
    SESSIONS_PER_YEAR, DeflatedRatio, SharpeStats, as_matrix, as_vector, deflated_pvr, deflated_sharpe,
    deflated_sharpe_ratio, expected_max_sharpe, non_finite_column, plain, probabilistic_sharpe_ratio,
    sharpe_stats,
)
from pvr_plugin.core.deflation import DEFINITIONS as _DEFLATED
from pvr_plugin.core.definitions import Definition
from pvr_plugin.errors import PvrInputError

DEFAULT_PARTITIONS = 16  # CSCV's S: 12,870 combinations, the paper's usual choice
MAX_PARTITIONS = 20      # C(20, 10) = 184,756 combinations; more is slow and adds little
METRICS = ("sharpe", "mean")

_D = Definition
#: The statistics of a sweep's "is the winner real?" report, by their keys in
#: :meth:`PboResult.as_dict`, :class:`RankCorrelation` and
#: ``pvr_plugin.core.deflation.DeflatedRatio.as_dict()``.
DEFINITIONS = (
    _D("risked_returns", "frac",
       "(PnL_t - PnL_(t-1)) / max_risk_t per session, max risk known at t; 0 while nothing was at risk; its "
       "mean is PvR %/day / 100 while max risk stays put",
       "a PnL change while nothing is at risk"),
    _D("pbo.pbo", "frac",
       "probability of backtest overfitting: split the sessions into S equal blocks, and for each of the "
       "C(S, S/2) halves as in-sample, take the in-sample best variant's out-of-sample relative rank w; PBO is "
       "the share of combinations with logit ln(w / (1 - w)) <= 0 (the winner at or below the median)",
       "fewer than two variants, a variant with missing returns, or too few sessions for S blocks (`reason`)",
       "Bailey, Borwein, Lopez de Prado and Zhu, The Probability of Backtest Overfitting, "
       "J. Computational Finance 20(4), 2017 (CSCV)"),
    _D("pbo.combinations", "count", "C(S, S/2), the in-sample / out-of-sample splits"),
    _D("pbo.metric", "text", "the ranking statistic: 'sharpe' (mean / std per session) or 'mean' (mean per "
       "session; of risked returns it ranks by PvR %/day)"),
    _D("pbo.partitions", "count", "S, the equal blocks of sessions (16 by default, at most 20)"),
    _D("pbo.sessions_used", "count", "sessions in the blocks; the earliest sessions % S are left out"),
    _D("pbo.oos_loss_probability", "frac", "share of combinations whose winner's out-of-sample statistic is "
       "below 0", "as pbo"),
    _D("pbo.degradation_slope", "ratio", "least-squares slope of the out-of-sample on the in-sample statistic "
       "of the winners", "as pbo, or in-sample statistics that do not vary"),
    _D("pbo.degradation_intercept", "ratio", "intercept of that line", "as degradation_slope"),
    _D("pbo.reason", "text", "why pbo is undefined (empty when defined)"),
    _D("pbo.variants", "text", "the variants' labels"),
    _D("pbo.logits", "ratio", "ln(w / (1 - w)) per combination, w = out-of-sample rank / (variants + 1)"),
    _D("pbo.is_performance", "ratio", "per combination, the winner's statistic in sample"),
    _D("pbo.oos_performance", "ratio", "per combination, the winner's statistic out of sample"),
    _D("pbo.winners", "text", "per combination, the in-sample best variant"),
    _D("rank_correlation.rho", "ratio",
       "Spearman's rank correlation of the variants' in-sample and out-of-sample PvR %/day (average ranks "
       "for ties); 1 = same order", "fewer than 3 variants with both values, or one side all equal (`reason`)",
       "`scipy.stats.spearmanr`"),
    _D("rank_correlation.p_value", "frac", "two-sided p-value, scipy's t approximation (rough for few variants)",
       "as rho", "`scipy.stats.spearmanr`"),
    _D("rank_correlation.variants", "count", "variants with both values"),
    _D("rank_correlation.reason", "text", "why rho is undefined (empty when defined)"),
    *_DEFLATED,
)


# ------------------------------------------------------------------ PvR-based returns


def risked_returns(pnl_usd, max_risk_usd):
    """PvR-based per-session returns: the day's PnL over the max risk so far.

    ``r_t = (PnL_t - PnL_{t-1}) / max_risk_t`` (fraction), with ``PnL_{-1} =
    0`` (the window's start) and ``max_risk_t`` the running maximum risk at
    the close of session t (known at t: no look-ahead). Where nothing has
    been at risk yet (``max_risk_t == 0``) the day's PnL is zero and so is
    ``r_t``; a PnL change with nothing at risk gives NaN.

    Why not the day-over-day change of PvR %: on a day the max risk rises,
    PvR falls for all the *earlier* profit as well, which is not that day's
    performance. While the max risk does not move the two agree:
    ``100 * r_t = PvR_t - PvR_{t-1}``, and the mean of ``r`` is PvR %/day / 100.

    Parameters
    ----------
    pnl_usd, max_risk_usd : array_like
        Shaped (sessions,) or (sessions, variants), dollars, from the same
        window start.

    Returns
    -------
    numpy.ndarray
        Same shape, fractions.
    """
    pnl = np.asarray(pnl_usd, dtype=float)
    risk = np.asarray(max_risk_usd, dtype=float)
    if pnl.shape != risk.shape:
        raise PvrInputError(f"pnl_usd {pnl.shape} and max_risk_usd {risk.shape} must have one shape")
    change = np.diff(pnl, axis=0, prepend=np.zeros_like(pnl[:1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(risk > 0, change / np.where(risk > 0, risk, 1.0), np.where(change == 0, 0.0, np.nan))
    return out


# ------------------------------------------------------------------ rank correlation


@dataclass(frozen=True)
class RankCorrelation:
    """Spearman's rho between two rankings of the same variants.

    Attributes
    ----------
    rho : float
        -1..1; 1 = same order.
    p_value : float
        Two-sided, scipy's t approximation (rough for few variants).
    variants : int
        Pairs with both values finite.
    reason : str
        Why ``rho`` is NaN; empty otherwise.
    """

    rho: float
    p_value: float
    variants: int
    reason: str = ""


def rank_correlation(in_sample, out_of_sample):
    """Spearman rank correlation of in-sample and out-of-sample values.

    Parameters
    ----------
    in_sample, out_of_sample : array_like
        One value per variant, in the same order (e.g. PvR %/day). Pairs
        with a missing value are left out. Ties get average ranks.

    Returns
    -------
    RankCorrelation
    """
    a = as_vector(in_sample, "in_sample")
    b = as_vector(out_of_sample, "out_of_sample")
    if a.shape != b.shape:
        raise PvrInputError(f"in_sample has {len(a)} values and out_of_sample {len(b)}: one per variant in both")
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = int(len(a))
    if n < 3:
        return RankCorrelation(math.nan, math.nan, n, f"{n} variant(s) with both values: a rank correlation needs 3")
    if np.all(a == a[0]) or np.all(b == b[0]):
        return RankCorrelation(math.nan, math.nan, n, "one side ranks every variant equal")
    res = stats.spearmanr(a, b)
    return RankCorrelation(float(res.statistic), float(res.pvalue), n)


# ------------------------------------------------------------------ PBO by CSCV


@dataclass(frozen=True)
class PboResult:
    """Probability of backtest overfitting and the CSCV data behind it.

    Attributes
    ----------
    pbo : float
        Share of the combinations whose in-sample best variant ranks at or
        below the median out of sample (logit <= 0).
    logits : numpy.ndarray
        One logit ``ln(w / (1 - w))`` per combination, ``w`` the winner's
        out-of-sample rank / (variants + 1) (average ranks for ties).
    is_performance, oos_performance : numpy.ndarray
        Per combination: the in-sample best variant's statistic in sample and
        out of sample (Sharpe per session, or mean return per session).
    winners : numpy.ndarray
        Per combination: the column index of the in-sample best variant.
    oos_loss_probability : float
        Share of combinations where the winner's out-of-sample statistic is
        below zero.
    degradation_slope, degradation_intercept : float
        Least-squares line of out-of-sample on in-sample statistic.
    metric : str
        'sharpe' or 'mean'.
    partitions : int
        S, the number of equal blocks of sessions.
    sessions_used : int
        Sessions in the blocks (the earliest ``sessions % S`` are left out
        so that every block has the same length).
    variants : list
        Column labels.
    reason : str
        Why ``pbo`` is NaN; empty otherwise.
    """

    pbo: float
    logits: np.ndarray = field(repr=False)
    is_performance: np.ndarray = field(repr=False)
    oos_performance: np.ndarray = field(repr=False)
    winners: np.ndarray = field(repr=False)
    oos_loss_probability: float
    degradation_slope: float
    degradation_intercept: float
    metric: str
    partitions: int
    sessions_used: int
    variants: list = field(repr=False)
    reason: str = ""

    @property
    def combinations(self):
        return int(len(self.logits))

    def frame(self):
        """One row per combination: winner, its in- and out-of-sample statistic, logit."""
        labels = [self.variants[i] for i in self.winners] if len(self.winners) else []
        return pd.DataFrame({
            "winner": labels, "is_performance": self.is_performance,
            "oos_performance": self.oos_performance, "logit": self.logits,
        })

    def as_dict(self):
        """JSON-friendly: the scalars, and the per-combination data as lists."""
        return {
            "pbo": self.pbo, "combinations": self.combinations, "metric": self.metric,
            "partitions": self.partitions, "sessions_used": self.sessions_used,
            "oos_loss_probability": self.oos_loss_probability,
            "degradation_slope": self.degradation_slope, "degradation_intercept": self.degradation_intercept,
            "reason": self.reason, "variants": [plain(v) for v in self.variants],
            "logits": self.logits.tolist(), "is_performance": self.is_performance.tolist(),
            "oos_performance": self.oos_performance.tolist(),
            "winners": [plain(self.variants[i]) for i in self.winners],
        }


def _undefined_pbo(reason, metric, partitions, labels, sessions_used=0):
    empty = np.array([])
    return PboResult(math.nan, empty, empty, empty, np.array([], dtype=int), math.nan, math.nan, math.nan,
                     metric, partitions, sessions_used, list(labels), reason)


def _statistic(total, centred_sq, n, metric, scale):
    """Mean or Sharpe ratio of sets of n sessions from their sums.

    ``total`` is the sum of the values, ``centred_sq`` the sum of squared
    deviations from the set's own mean; ``scale`` the variant's RMS value.
    """
    mean = total / n
    if metric == "mean":
        return mean
    spread = np.sqrt(np.maximum(centred_sq, 0.0) / (n - 1))
    # Sums of squares carry rounding noise of about 1e-16 of the values'
    # size: a spread below 1e-10 of it means the variant did not vary. Not
    # varying at zero (a variant that did not trade) is a Sharpe ratio of 0;
    # not varying away from zero has none.
    flat = spread <= 1e-10 * scale
    still = np.where(np.abs(mean) <= 1e-10 * scale, 0.0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(flat, still, mean / np.where(flat, 1.0, spread))


def probability_of_backtest_overfitting(returns, partitions=DEFAULT_PARTITIONS, metric="sharpe"):
    """PBO by combinatorially symmetric cross-validation (Bailey et al.).

    The sessions are cut into ``partitions`` (S, even) equal consecutive
    blocks. For each of the C(S, S/2) ways to pick half of the blocks as the
    in-sample set (the rest is out of sample), the variant with the best
    in-sample statistic is found and its out-of-sample rank among all
    variants taken: ``w = rank / (variants + 1)``, ``logit = ln(w / (1 -
    w))``. PBO is the share of combinations with ``logit <= 0``: the
    in-sample winner was no better than the median out of sample. A variant
    with no spread on a set has a Sharpe ratio of 0 there when its returns are
    zero (it did not trade) and none otherwise; one without a statistic ranks
    lowest.

    Parameters
    ----------
    returns : array_like or pandas.DataFrame
        Per-session returns shaped (sessions, variants), no missing values.
        For a PvR ranking pass :func:`risked_returns` with ``metric='mean'``.
    partitions : int
        S: even, 2..20; default 16.
    metric : {'sharpe', 'mean'}
        Per-session Sharpe ratio (``ddof=1``) or mean return on each set.

    Returns
    -------
    PboResult
        Deterministic: the same input gives the same result, bit for bit.
        NaN ``pbo`` with a reason when there are fewer than 2 variants, a
        variant has missing values, or the sessions are too few for S blocks.
    """
    if metric not in METRICS:
        raise PvrInputError(f"metric must be 'sharpe' or 'mean', not {metric!r}")
    if isinstance(partitions, bool) or not isinstance(partitions, (int, np.integer)) \
            or partitions < 2 or partitions % 2 or partitions > MAX_PARTITIONS:
        raise PvrInputError(f"partitions must be an even whole number from 2 to {MAX_PARTITIONS}, not {partitions!r}")
    s = int(partitions)
    arr, labels = as_matrix(returns)
    t, n_var = arr.shape
    if n_var < 2:
        return _undefined_pbo(f"{n_var} variant(s) with returns: overfitting needs at least 2 to choose from",
                              metric, s, labels)
    bad = non_finite_column(arr, labels)
    if bad is not None:
        return _undefined_pbo(f"variant {bad!r} has missing returns", metric, s, labels)
    rows = t // s
    half = rows * (s // 2)
    need = 1 if metric == "mean" else 2
    if rows < 1 or half < need:
        return _undefined_pbo(f"{t} sessions are too few for {s} partitions (each half needs {need}+ sessions)",
                              metric, s, labels)
    used = arr[t - rows * s:]
    # Shifting each variant by its mean keeps the sums of squares accurate:
    # sum x = sum y + n c and sum (x - mean)^2 = sum y^2 - (sum y)^2 / n, y = x - c.
    centre = used.mean(axis=0)
    scale = np.sqrt(np.mean(used ** 2, axis=0))
    blocks = (used - centre).reshape(s, rows, n_var)
    block_sum = blocks.sum(axis=1)
    block_sq = (blocks ** 2).sum(axis=1)
    combos = np.array(list(itertools.combinations(range(s), s // 2)))
    pick = np.zeros((len(combos), s))
    pick[np.arange(len(combos))[:, None], combos] = 1.0
    is_sum, is_sq = pick @ block_sum, pick @ block_sq
    oos_sum, oos_sq = block_sum.sum(axis=0) - is_sum, block_sq.sum(axis=0) - is_sq
    is_stat = _statistic(is_sum + half * centre, is_sq - is_sum ** 2 / half, half, metric, scale)
    oos_stat = _statistic(oos_sum + half * centre, oos_sq - oos_sum ** 2 / half, half, metric, scale)
    ranked_is = np.where(np.isfinite(is_stat), is_stat, -np.inf)
    ranked_oos = np.where(np.isfinite(oos_stat), oos_stat, -np.inf)
    winners = np.argmax(ranked_is, axis=1)  # first column on ties: deterministic
    rows_ix = np.arange(len(combos))
    some_is = np.isfinite(is_stat).any(axis=1)
    mine = ranked_oos[rows_ix, winners][:, None]
    # Equal values reached through different sums differ in the last bits:
    # within 1e-9 of the row's largest magnitude counts as a tie.
    size = np.max(np.where(np.isfinite(oos_stat), np.abs(oos_stat), 0.0), axis=1, keepdims=True)
    tol = 1e-9 * size
    with np.errstate(invalid="ignore"):
        gap = ranked_oos - mine
    tied = (ranked_oos == mine) | (np.abs(np.nan_to_num(gap, nan=np.inf)) <= tol)  # includes the winner itself
    below = ((gap < 0) & ~tied).sum(axis=1)
    equal = tied.sum(axis=1)
    rank = below + (equal + 1) / 2.0
    w = rank / (n_var + 1.0)
    logits = np.log(w / (1.0 - w))
    if not some_is.all():
        logits = logits[some_is]
        winners, rows_ix = winners[some_is], rows_ix[some_is]
    if len(logits) == 0:
        return _undefined_pbo("no variant has a defined in-sample statistic on any combination", metric, s, labels,
                              rows * s)
    is_perf = is_stat[rows_ix, winners]
    oos_perf = oos_stat[rows_ix, winners]
    finite = np.isfinite(is_perf) & np.isfinite(oos_perf)
    slope = intercept = math.nan
    if finite.sum() >= 2 and np.ptp(is_perf[finite]) > 0:
        slope, intercept = (float(v) for v in np.polyfit(is_perf[finite], oos_perf[finite], 1))
    return PboResult(
        pbo=float(np.mean(logits <= 0)), logits=logits, is_performance=is_perf, oos_performance=oos_perf,
        winners=winners, oos_loss_probability=float(np.mean(np.where(np.isfinite(oos_perf), oos_perf, -np.inf) < 0)),
        degradation_slope=slope, degradation_intercept=intercept, metric=metric, partitions=s,
        sessions_used=rows * s, variants=list(labels),
    )
