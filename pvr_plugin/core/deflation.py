"""Deflated ratios: is a search's best Sharpe ratio (or PvR %/day) more than luck?

Pure functions, numpy/scipy only, after Bailey and Lopez de Prado, "The
Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and
Non-Normality", J. Portfolio Management 40(5), 2014:

* :func:`sharpe_stats` - a series' per-session Sharpe ratio, skewness, kurtosis;
* :func:`probabilistic_sharpe_ratio`, :func:`expected_max_sharpe`,
  :func:`deflated_sharpe_ratio` - the paper's formulas on given moments;
* :func:`deflated_sharpe` and :func:`deflated_pvr` - the same applied to a
  sweep's winner, ranked by Sharpe ratio or by PvR %/day (whose per-session
  series is :func:`pvr_plugin.core.overfit.risked_returns`).

Shapes: a *returns matrix* is (sessions, variants), a numpy array or a
DataFrame (columns name the variants).

Units: returns are fractions per session; Sharpe ratios are *per session*
(mean / standard deviation of per-session returns) unless a name ends in
``_annual`` (times ``sqrt(periods_per_year)``). Probabilities are fractions.

Undefined is NaN, never a huge or infinite number: result objects carry a
``reason`` saying why; the scalar formulas return NaN where they have no
meaning.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pvr_plugin.core.definitions import Definition
from pvr_plugin.core.periods import DAILY, PERIODS_PER_YEAR
from pvr_plugin.errors import PvrInputError

EULER_GAMMA = 0.5772156649015329  # Euler-Mascheroni constant
SESSIONS_PER_YEAR = PERIODS_PER_YEAR[DAILY]  # for the annualised figures only


# ------------------------------------------------------------------ inputs


def as_matrix(returns, name="returns"):
    """(sessions, variants) float array and the variants' labels."""
    if isinstance(returns, pd.Series):
        returns = returns.to_frame()
    labels = list(returns.columns) if isinstance(returns, pd.DataFrame) else None
    try:
        arr = np.asarray(returns, dtype=float)
    except (TypeError, ValueError):
        raise PvrInputError(f"{name} must be numbers shaped (sessions, variants)") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise PvrInputError(f"{name} must be shaped (sessions, variants), not {arr.shape}")
    if labels is None:
        labels = list(range(arr.shape[1]))
    return arr, labels


def as_vector(values, name):
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise PvrInputError(f"{name} must be numbers") from None
    return arr


def non_finite_column(arr, labels):
    bad = ~np.isfinite(arr).all(axis=0)
    return labels[int(np.flatnonzero(bad)[0])] if bad.any() else None


# ------------------------------------------------------------------ moments


@dataclass(frozen=True)
class SharpeStats:
    """A return series' Sharpe ratio and the moments the deflation needs.

    Attributes
    ----------
    sharpe : float
        Mean / standard deviation (``ddof=1``) of the per-session returns.
    sessions : int
        Number of returns T.
    skew : float
        Sample skewness (biased moment estimator, as in the papers).
    kurtosis : float
        Sample kurtosis, *not* excess (3 for normal returns; biased estimator).
    mean, std : float
        Per-session mean and standard deviation (``ddof=1``), fractions.
    reason : str
        Why ``sharpe`` is NaN; empty when it is defined.
    """

    sharpe: float
    sessions: int
    skew: float
    kurtosis: float
    mean: float
    std: float
    reason: str = ""


def sharpe_stats(returns):
    """Per-session Sharpe ratio, skewness and kurtosis of one return series.

    Parameters
    ----------
    returns : array_like
        Per-session returns (fractions). NaN entries are an error of the
        caller's data and give NaN with a reason.

    Returns
    -------
    SharpeStats
    """
    r = as_vector(returns, "returns")
    t = len(r)
    nan = math.nan
    if t < 2:
        return SharpeStats(nan, t, nan, nan, nan, nan, f"{t} session(s): a Sharpe ratio needs at least 2")
    if not np.isfinite(r).all():
        return SharpeStats(nan, t, nan, nan, nan, nan, "the returns have missing values")
    mean = float(r.mean())
    std = float(r.std(ddof=1))
    # A spread below rounding noise of the mean is no spread at all.
    if not std > 1e-14 * max(abs(mean), 1e-300) or std == 0.0:
        return SharpeStats(nan, t, nan, nan, mean, 0.0, "the returns do not vary: no Sharpe ratio")
    dev = r - mean
    m2 = float(np.mean(dev ** 2))
    skew = float(np.mean(dev ** 3) / m2 ** 1.5)
    kurt = float(np.mean(dev ** 4) / m2 ** 2)
    return SharpeStats(mean / std, t, skew, kurt, mean, std)


# ------------------------------------------------------------------ formulas


def probabilistic_sharpe_ratio(sharpe, sessions, skew, kurtosis, benchmark_sharpe=0.0):
    """Probability that the true Sharpe ratio exceeds a benchmark (PSR).

    ``Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR^2))``
    (Bailey and Lopez de Prado 2012, 2014), with ``Phi`` the standard normal
    distribution function.

    Parameters
    ----------
    sharpe : float
        Observed Sharpe ratio SR, per session (not annualised).
    sessions : int
        Number of returns T behind ``sharpe``.
    skew : float
        Skewness of those returns.
    kurtosis : float
        Their kurtosis, not excess (3 for normal returns).
    benchmark_sharpe : float
        SR*, per session.

    Returns
    -------
    float
        A probability; NaN when T < 2, an input is not finite, or the
        non-normality term is not positive.
    """
    values = (sharpe, sessions, skew, kurtosis, benchmark_sharpe)
    if not all(isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(v) for v in values):
        return math.nan
    if sessions < 2:
        return math.nan
    term = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe ** 2
    if not term > 0:
        return math.nan
    z = (sharpe - benchmark_sharpe) * math.sqrt(sessions - 1) / math.sqrt(term)
    return float(stats.norm.cdf(z))


def expected_max_sharpe(n_trials, sharpe_variance, sharpe_mean=0.0):
    """Expected maximum of ``n_trials`` independent normal estimates.

    ``mean + sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))``,
    gamma the Euler-Mascheroni constant (the DSR paper's SR0 with mean 0).
    The formula is the same for any statistic: :func:`deflated_pvr` uses it
    for mean risked returns.

    Parameters
    ----------
    n_trials : int
        Number of trials N, failures included (at least 1).
    sharpe_variance : float
        Variance V of the trials' estimates (per-session units squared).
    sharpe_mean : float
        Their mean under the null; 0 in the papers.

    Returns
    -------
    float
        ``sharpe_mean`` for one trial (no selection), NaN when N < 1 or V is
        negative or not finite.
    """
    if not (isinstance(n_trials, (int, float, np.integer, np.floating)) and math.isfinite(n_trials)) or n_trials < 1:
        return math.nan
    if n_trials == 1:
        return float(sharpe_mean)
    if not (math.isfinite(sharpe_variance) and sharpe_variance >= 0):
        return math.nan
    z = ((1.0 - EULER_GAMMA) * stats.norm.ppf(1.0 - 1.0 / n_trials)
         + EULER_GAMMA * stats.norm.ppf(1.0 - 1.0 / (n_trials * math.e)))
    return float(sharpe_mean + math.sqrt(sharpe_variance) * z)


def deflated_sharpe_ratio(sharpe, sessions, skew, kurtosis, n_trials, sharpe_variance):
    """Deflated Sharpe ratio: the PSR against the expected maximum of N trials.

    ``DSR = PSR(SR0)`` with ``SR0 = expected_max_sharpe(N, V)``.

    Parameters
    ----------
    sharpe, sessions, skew, kurtosis
        As in :func:`probabilistic_sharpe_ratio` (the selected trial's).
    n_trials : int
        Trials tried, failures included.
    sharpe_variance : float
        Variance of the trials' per-session Sharpe ratios.

    Returns
    -------
    float
        A probability; NaN where either formula is undefined.
    """
    sr0 = expected_max_sharpe(n_trials, sharpe_variance)
    if not math.isfinite(sr0):
        return math.nan
    return probabilistic_sharpe_ratio(sharpe, sessions, skew, kurtosis, sr0)


# ------------------------------------------------------------------ the winner, deflated


@dataclass(frozen=True)
class DeflatedRatio:
    """A winner's deflated ratio and every input that went into it.

    Attributes
    ----------
    value : float
        Probability that the winner's true ratio beats what the best of
        ``n_trials`` skill-less trials would show (0..1).
    statistic : str
        'sharpe' (:func:`deflated_sharpe`) or 'pvr' (:func:`deflated_pvr`).
    winner : object
        The winner's column label.
    sharpe, sharpe_annual : float
        The winner's Sharpe ratio of the deflated series, per session and
        times ``sqrt(periods_per_year)``.
    benchmark_sharpe, benchmark_sharpe_annual : float
        SR0 in the winner's Sharpe units, per session and annualised.
    expected_max : float
        Expected maximum of the ranking statistic under the null (per-session
        Sharpe for 'sharpe', mean risked return (fraction) for 'pvr').
    trial_variance : float
        Variance of the ranking statistic across the trials with series.
    sessions : int
    skew, kurtosis : float
        Of the winner's series (kurtosis not excess).
    n_trials : int
        Trials counted (failures included).
    trials_with_series : int
        Trials whose returns entered ``trial_variance``.
    reason : str
        Why ``value`` is NaN; empty otherwise.
    """

    value: float
    statistic: str
    winner: object
    sharpe: float
    sharpe_annual: float
    benchmark_sharpe: float
    benchmark_sharpe_annual: float
    expected_max: float
    trial_variance: float
    sessions: int
    skew: float
    kurtosis: float
    n_trials: int
    trials_with_series: int
    reason: str = ""

    def as_dict(self):
        out = dict(self.__dict__)
        out["winner"] = plain(self.winner)
        return {k: plain(v) for k, v in out.items()}


_D = Definition
#: The keys of ``DeflatedRatio.as_dict()`` (``deflated_sharpe`` and
#: ``deflated_pvr`` of a sweep's validation).
DEFINITIONS = (
    _D("deflated.value", "frac",
       "deflated ratio: PSR(SR0) = Phi((SR - SR0) sqrt(T - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR ** 2)), "
       "the probability that the winner's true ratio beats SR0, what the best of n_trials skill-less trials "
       "would show",
       "fewer than 2 sessions, returns that do not vary, or a non-positive non-normality term (`reason`)",
       "Bailey and Lopez de Prado, The Deflated Sharpe Ratio, J. Portfolio Management 40(5), 2014"),
    _D("deflated.statistic", "text", "'sharpe' (ranked by Sharpe ratio) or 'pvr' (ranked by PvR %/day, on "
       "risked returns)"),
    _D("deflated.winner", "text", "the variant deflated: the sweep's winner"),
    _D("deflated.sharpe", "ratio", "SR, the winner's mean / std (ddof 1) of its per-session series", "as value"),
    _D("deflated.sharpe_annual", "ratio", "SR * sqrt(252)", "as value"),
    _D("deflated.benchmark_sharpe", "ratio",
       "SR0 per session: expected_max for 'sharpe', expected_max / std of the winner's risked returns for 'pvr'",
       "as value"),
    _D("deflated.benchmark_sharpe_annual", "ratio", "SR0 * sqrt(252)", "as value"),
    _D("deflated.expected_max", "ratio",
       "expected maximum of n_trials normal estimates with the trials' variance V: sqrt(V) ((1 - g) "
       "Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e))), g the Euler-Mascheroni constant; a per-session Sharpe "
       "ratio for 'sharpe', a mean risked return (fraction) for 'pvr'",
       "fewer than two trials with a series", "Bailey and Lopez de Prado 2014, SR0"),
    _D("deflated.trial_variance", "ratio", "variance of the ranking statistic across the trials with a series",
       "fewer than two trials with a series"),
    _D("deflated.sessions", "count", "T, the winner's sessions"),
    _D("deflated.skew", "ratio", "skewness of the winner's series (biased moment estimator)", "as value"),
    _D("deflated.kurtosis", "ratio", "kurtosis of the winner's series, not excess (3 for normal returns)",
       "as value"),
    _D("deflated.n_trials", "count", "N, the variants tried, failures included"),
    _D("deflated.trials_with_series", "count", "trials whose series entered trial_variance"),
    _D("deflated.reason", "text", "why value is undefined (empty when defined)"),
)


def plain(value):
    """JSON-friendly scalar: numpy types to Python, NaN kept as NaN."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _winner_and_trials(arr, labels, winner, n_trials, statistic, name):
    if arr.shape[1] == 0:
        raise PvrInputError(f"{name} has no variants (columns)")
    if winner is None:
        finite = np.where(np.isfinite(statistic), statistic, -np.inf)
        w = int(np.argmax(finite))
    else:
        if winner not in labels:
            raise PvrInputError(f"winner {winner!r} is not a column of {name}")
        w = labels.index(winner)
    n = arr.shape[1] if n_trials is None else n_trials
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < arr.shape[1]:
        raise PvrInputError(
            f"n_trials must be a whole number at least the number of variants with returns "
            f"({arr.shape[1]}), not {n_trials!r}"
        )
    return w, int(n)


def _deflate(arr, labels, w, n, kind, ranking, periods_per_year):
    """Shared tail of :func:`deflated_sharpe` and :func:`deflated_pvr`."""
    root = math.sqrt(periods_per_year)
    st = sharpe_stats(arr[:, w])
    finite = ranking[np.isfinite(ranking)]
    variance = float(np.var(finite, ddof=1)) if len(finite) >= 2 else math.nan
    expected = expected_max_sharpe(n, variance if n > 1 else 0.0)
    if kind == "sharpe":
        sr0 = expected
    else:
        sr0 = expected / st.std if st.std and math.isfinite(st.std) and st.std > 0 else math.nan
    reason = st.reason
    if not reason and n > 1 and not math.isfinite(variance):
        reason = (f"{len(finite)} trial(s) with a {'Sharpe ratio' if kind == 'sharpe' else 'mean'}: "
                  "their variance needs at least 2")
    value = math.nan
    if not reason:
        value = probabilistic_sharpe_ratio(st.sharpe, st.sessions, st.skew, st.kurtosis, sr0)
        if not math.isfinite(value):
            reason = "the non-normality term 1 - skew*SR + (kurtosis-1)/4*SR^2 is not positive"
    return DeflatedRatio(
        value=value, statistic=kind, winner=labels[w], sharpe=st.sharpe, sharpe_annual=st.sharpe * root,
        benchmark_sharpe=sr0, benchmark_sharpe_annual=sr0 * root, expected_max=expected,
        trial_variance=variance, sessions=st.sessions, skew=st.skew, kurtosis=st.kurtosis,
        n_trials=n, trials_with_series=arr.shape[1], reason=reason,
    )


def _column_sharpes(arr):
    """Each variant's Sharpe ratio; 0 for one whose returns are all zero (it did not trade)."""
    out = np.full(arr.shape[1], np.nan)
    for j in range(arr.shape[1]):
        col = arr[:, j]
        out[j] = 0.0 if len(col) >= 2 and np.all(col == 0) else sharpe_stats(col).sharpe
    return out


def deflated_sharpe(returns, winner=None, n_trials=None, periods_per_year=SESSIONS_PER_YEAR):
    """Deflated Sharpe ratio of a sweep's winner (Bailey and Lopez de Prado 2014).

    Parameters
    ----------
    returns : array_like or pandas.DataFrame
        Per-session returns (fractions), shaped (sessions, variants): every
        variant that produced returns, on the same sessions.
    winner : column label or int, optional
        The selected variant; default the one with the highest Sharpe ratio.
        (A sweep passes its PvR %/day winner. When that is not the highest
        Sharpe ratio, the benchmark still is the expected maximum Sharpe
        ratio, so the figure is conservative.)
    n_trials : int, optional
        Trials tried, failures counted; at least the number of columns.
        Default the number of columns.
    periods_per_year : float
        For the annualised figures only.

    Returns
    -------
    DeflatedRatio
        ``statistic='sharpe'``. The trials are taken as independent; a
        sweep's variants are correlated, so ``n_trials`` overstates the
        independent trials and the result errs on the low side.
    """
    arr, labels = as_matrix(returns)
    sharpes = _column_sharpes(arr) if arr.shape[1] else np.array([])
    w, n = _winner_and_trials(arr, labels, winner, n_trials, sharpes, "returns")
    return _deflate(arr, labels, w, n, "sharpe", sharpes, periods_per_year)


def deflated_pvr(risked, winner=None, n_trials=None, periods_per_year=SESSIONS_PER_YEAR):
    """The deflation of :func:`deflated_sharpe` applied to a ranking by PvR %/day.

    Definition. With ``r`` the per-session *risked returns* of
    :func:`pvr_plugin.core.overfit.risked_returns` (the day's PnL over the
    capital put to work so far), a variant's ranking statistic is ``m = mean(r)``: when the max risk
    no longer moves after a window's first session, ``100 * m`` *is* the
    window's PvR %/day, so ranking by PvR %/day ranks by ``m``. For the winner
    (highest PvR %/day, or highest ``m`` by default) with standard deviation
    ``s`` of its ``r`` (``ddof=1``), skewness ``g3``, kurtosis ``g4`` and T
    sessions::

        SR   = m_winner / s
        E    = expected_max_sharpe(N, var(m_1..m_n))     # same formula, in units of m
        SR0  = E / s
        value = probabilistic_sharpe_ratio(SR, T, g3, g4, SR0)

    i.e. the probability that the winner's true mean risked return exceeds
    the mean the best of N skill-less variants would show by luck.

    Assumptions, stated plainly: (1) under the null every variant's true mean
    risked return is zero and the variants' estimated means are independent
    normal draws with the cross-sectional variance of the observed means (a
    sweep's variants are correlated, so N overstates the independent trials:
    conservative); (2) the winner's ``s`` is taken as exact when the benchmark
    is expressed in its Sharpe units, while the Sharpe ratio's non-normal
    standard error (skewness, kurtosis) is kept as in the DSR; (3) mean
    risked return stands in for PvR %/day; the two agree exactly when the
    max risk is constant after the first session of the window, and the
    winner is still the variant the sweep ranked first.

    Parameters
    ----------
    risked : array_like or pandas.DataFrame
        Risked returns (fractions), shaped (sessions, variants).
    winner, n_trials, periods_per_year
        As in :func:`deflated_sharpe`; the default winner is the highest ``m``.

    Returns
    -------
    DeflatedRatio
        ``statistic='pvr'``; ``expected_max`` is in units of ``m`` (fraction
        per session; times 100 for PvR %/day).
    """
    arr, labels = as_matrix(risked, "risked returns")
    means = np.where(np.isfinite(arr).all(axis=0), arr.mean(axis=0), np.nan) if arr.shape[1] else np.array([])
    w, n = _winner_and_trials(arr, labels, winner, n_trials, means, "risked returns")
    return _deflate(arr, labels, w, n, "pvr", means, periods_per_year)
