"""Return and risk statistics shared by research, the factsheet and the inversion analysis.

Pure functions in empyrical's shape: the first argument is a return series
(simple returns as fractions, numpy array or pandas Series), the result a
float (NaN where the statistic is undefined, never inf). Annualisation
follows empyrical: ``annualization`` periods per year when given, else the
number implied by ``period`` (252 daily, 52 weekly, 12 monthly).

Where empyrical-reloaded defines the same quantity it is called (the tests
hold the two to 1e-10 and check them against hand-worked values); the
expected shortfall and the tail correlation follow the factsheet product's
definitions, which empyrical does not have.

Sign convention: a drawdown is a fraction <= 0 (empyrical's and zipline's),
so :func:`max_drawdown` of a falling curve is negative. Tables that show a
drawdown's size (the factsheet) show ``-max_drawdown``.
"""
from dataclasses import dataclass

import empyrical
import numpy as np
import pandas as pd

from pvr_plugin.core.periods import DAILY, PERIODS_PER_YEAR, periods_per_year

DEFAULT_ALPHA = 0.05
TAIL_BLEND = 0.5


def _arr(x):
    return np.asarray(x, dtype=float)


def _finite(x):
    x = float(x)
    return x if np.isfinite(x) else np.nan


def _rf(risk_free):
    return risk_free if np.isscalar(risk_free) else _arr(risk_free)


# --------------------------------------------------------------------------- growth

def annualized_growth(growth, periods, annualization=PERIODS_PER_YEAR[DAILY]):
    """Compound annual growth rate from a growth factor: ``growth ** (ppy / periods) - 1``.

    The one CAGR formula: :func:`cagr` of a return series and the tracker's
    running CAGR of an account (``value / start`` after ``days`` sessions)
    both use it. Vectorised; NaN where ``growth <= 0`` (an account at or
    below zero has no growth rate), ``periods <= 0`` or the power overflows.
    """
    g = _arr(growth)
    n = _arr(periods)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where((n > 0) & (g > 0), g ** (annualization / np.where(n > 0, n, 1.0)) - 1.0, np.nan)
    return np.where(np.isfinite(out), out, np.nan)


def cum_returns(returns):
    """Cumulative compounded return at each date, ``prod(1 + r) - 1`` (fraction).

    Same as :func:`empyrical.cum_returns` with ``starting_value=0``.
    """
    values = np.cumprod(1.0 + _arr(returns)) - 1.0
    if isinstance(returns, pd.Series):
        return pd.Series(values, index=returns.index, name=returns.name)
    return values


def total_return(returns):
    """Compounded return over the whole series (fraction); NaN when empty."""
    r = _arr(returns)
    if r.size == 0:
        return np.nan
    return float(np.prod(1.0 + r) - 1.0)


def cagr(returns, period=DAILY, annualization=None):
    """Compound annual growth rate (fraction): ``prod(1 + r) ** (ppy / n) - 1``.

    empyrical's definition: years are counted in periods (252 sessions a year
    for daily returns); tools that count calendar years (days / 365.25) get a
    slightly different number for the same series. NaN when empty or when the
    compounded value reaches zero or below.
    """
    r = _arr(returns)
    if r.size == 0:
        return np.nan
    ppy = periods_per_year(period, annualization)
    return float(annualized_growth(np.prod(1.0 + r), r.size, ppy))


# --------------------------------------------------------------------------- risk

def annual_volatility(returns, period=DAILY, annualization=None):
    """Annualised volatility, ``std(r, ddof=1) * sqrt(ppy)`` (fraction).

    empyrical's :func:`~empyrical.annual_volatility`; NaN under two observations.
    """
    return _finite(empyrical.annual_volatility(_arr(returns), period=period,
                                               annualization=annualization))


def downside_risk(returns, risk_free=0.0, period=DAILY, annualization=None):
    """Annualised downside volatility below the risk-free rate (fraction).

    ``sqrt(sum(min(r - rf, 0) ** 2) / n * ppy)`` over all ``n``
    observations, empyrical's :func:`~empyrical.downside_risk` with the
    per-period risk-free series (float or aligned array) as the required return.
    """
    r = _arr(returns)
    if r.size == 0:
        return np.nan
    return _finite(empyrical.downside_risk(r, required_return=_rf(risk_free), period=period,
                                           annualization=annualization))


def drawdown_series(returns):
    """Underwater curve ``C_t / max_{s<=t} C_s - 1`` (fraction, <= 0).

    The compounded curve ``C`` starts at 1 before the first return, so a loss
    on the first day is a drawdown. Same values as empyrical's.
    """
    wealth = np.cumprod(1.0 + _arr(returns))
    peak = np.maximum(np.maximum.accumulate(wealth), 1.0)
    dd = wealth / peak - 1.0
    if isinstance(returns, pd.Series):
        return pd.Series(dd, index=returns.index, name=returns.name)
    return dd


@dataclass(frozen=True)
class UnderwaterRuns:
    """Maximal runs of periods below the running peak, as index arrays (one entry per run).

    Attributes
    ----------
    start, end : first and last period under water.
    peak : the period of the high the run fell from (``start - 1``; -1 is the
        starting level, before the first period).
    trough : the lowest period of the run (the first one on ties).
    recovery : the first period back at the peak level, -1 while still under water.
    depth : the underwater value at the trough (<= 0).
    """

    start: np.ndarray
    end: np.ndarray
    peak: np.ndarray
    trough: np.ndarray
    recovery: np.ndarray
    depth: np.ndarray

    def deepest(self, count):
        """Indices of the ``count`` deepest runs, deepest first (earlier first on ties)."""
        return np.lexsort((self.start, self.depth))[:count]


def underwater_runs(underwater, levels=None):
    """Find the drawdowns of an underwater curve (0 at a peak, negative below it).

    ``underwater`` is :func:`drawdown_series` for a compounded curve, or
    ``curve - running peak`` for a summed one; the runs, troughs and recoveries
    are found the same way for both. ``levels`` (default ``underwater``) are
    the values whose lowest point in a run is its trough: pass the curve
    itself so that the subtraction of the peak cannot turn two lows one ulp
    apart into a tie. Vectorised: one pass over the periods.
    """
    u = _arr(underwater)
    lv = u if levels is None else _arr(levels)
    n = u.size
    below = u < 0
    edges = np.diff(np.r_[0, below.astype(np.int8), 0])
    start = np.flatnonzero(edges == 1)
    end = np.flatnonzero(edges == -1) - 1
    if start.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return UnderwaterRuns(empty, empty, empty, empty, empty, np.empty(0))
    lengths = end - start + 1
    members = np.flatnonzero(below)
    segment = np.repeat(np.arange(start.size), lengths)
    # Sort members by (run, value); stable, so the first of equal lows wins.
    order = np.lexsort((lv[members], segment))
    trough = members[order[np.r_[0, np.cumsum(lengths)[:-1]]]]
    recovery = np.where(end + 1 < n, end + 1, -1)
    return UnderwaterRuns(start, end, start - 1, trough, recovery, u[trough])


def max_drawdown(returns):
    """Deepest fall of the compounded curve from its running peak (fraction, <= 0).

    ``min(C_t / max_{s<=t} C_s - 1)`` with ``C`` starting at 1, empyrical's
    :func:`~empyrical.max_drawdown`; 0 when the curve never falls, NaN when empty.
    """
    r = _arr(returns)
    if r.size == 0:
        return np.nan
    return _finite(empyrical.max_drawdown(r))


def sharpe_ratio(returns, risk_free=0.0, period=DAILY, annualization=None):
    """Annualised Sharpe ratio of excess returns, ``mean(r - rf) / std(r - rf) * sqrt(ppy)``.

    empyrical's :func:`~empyrical.sharpe_ratio` (``ddof=1``, NaN values
    ignored); NaN (not inf) with fewer than two returns or when the excess
    returns do not vary. With zero risk-free and ``annualization`` periods a
    year this is also the information ratio of a spread.
    """
    r = _arr(returns)
    if np.isfinite(r).sum() < 2:
        return np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return _finite(empyrical.sharpe_ratio(r, risk_free=_rf(risk_free), period=period,
                                              annualization=annualization))


def sortino_ratio(returns, risk_free=0.0, period=DAILY, annualization=None):
    """Annualised Sortino ratio, ``mean(r - rf) * ppy / downside_risk``.

    empyrical's :func:`~empyrical.sortino_ratio`; NaN when there is no downside.
    """
    r = _arr(returns)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _finite(empyrical.sortino_ratio(r, required_return=_rf(risk_free), period=period,
                                               annualization=annualization))


def calmar_ratio(cagr_frac, max_drawdown_frac):
    """Calmar ratio, CAGR / size of the maximum drawdown; NaN when there is no drawdown.

    ``max_drawdown_frac`` in this module's sign (<= 0). Equal to empyrical's
    :func:`~empyrical.calmar_ratio` given empyrical's CAGR.
    """
    if not max_drawdown_frac < 0:
        return np.nan
    return _finite(cagr_frac / -max_drawdown_frac)


def value_at_risk(returns, alpha=DEFAULT_ALPHA):
    """Historical value at risk: the ``alpha``-quantile of the returns (a return, usually negative).

    Linear interpolation between order statistics (numpy's default), as
    empyrical's :func:`~empyrical.value_at_risk`. Some libraries quote a
    parametric (normal) VaR instead; this is the historical one.
    """
    r = _arr(returns)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return np.nan
    return float(empyrical.value_at_risk(r, cutoff=alpha))


def expected_shortfall(returns, alpha=DEFAULT_ALPHA):
    """Expected shortfall: the mean of the returns at or below the ``alpha``-quantile.

    The factsheet's definition (``docs/definitions.md``). empyrical's
    :func:`~empyrical.conditional_value_at_risk` averages a fixed number of
    lowest returns, ``int((n - 1) * alpha) + 1``; the two agree unless
    returns tie with the next order statistic at the cutoff, where this one
    includes every tied return.

    Own code rather than empyrical because of that tie rule. The quantile's
    floating-point interpolation can land one ulp below the order statistic
    it should not be below; the threshold is floored at that statistic.
    """
    r = _arr(returns)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return np.nan
    q = np.quantile(r, alpha)
    k = int(np.floor((r.size - 1) * alpha))
    q = max(q, np.partition(r, k)[k])
    return float(r[r <= q].mean())


def beta(returns, market):
    """OLS slope of the returns on the market's returns (no risk-free adjustment).

    Same as empyrical's :func:`~empyrical.beta` (whose constant risk-free
    rate does not change the slope) and statsmodels' OLS with an intercept.
    NaN under two observations or when the market does not move.
    """
    r, m = _arr(returns), _arr(market)
    if r.size < 2:
        return np.nan
    return _finite(empyrical.beta_aligned(r, m))


def correlation(returns, market):
    """Pearson correlation of two aligned return series; NaN when either is constant.

    "Constant" is judged relative to the series' size: a series whose
    deviations from its mean are all below ``1e-12`` of its largest absolute
    value is float rounding of a constant, and its correlation is undefined.
    """
    r, m = _arr(returns), _arr(market)
    if r.size < 2:
        return np.nan
    rc, mc = r - r.mean(), m - m.mean()
    if not (_varies(r, rc) and _varies(m, mc)):
        return np.nan
    den = np.sqrt(np.dot(rc, rc) * np.dot(mc, mc))
    if not den > 0:
        return np.nan
    return _finite(np.dot(rc, mc) / den)


def _varies(x, centred, rel=1e-12):
    scale = np.max(np.abs(x)) if x.size else 0.0
    return bool(np.max(np.abs(centred)) > rel * scale) if scale > 0 else False


def tail_correlation(returns, market, alpha=DEFAULT_ALPHA, w=TAIL_BLEND):
    """Correlation implied by the expected shortfalls of two series and their blend.

    The factsheet product's measure (``docs/definitions.md``): divide each series by
    its standard deviation, form the blend ``p = w s + (1 - w) m``, take
    the expected shortfall :func:`expected_shortfall` at ``alpha`` and the
    mean of each, write ``d_x = ES_x - mean_x``, and solve the variance of
    the blend for the correlation::

        (d_p**2 - w**2 d_s**2 - (1 - w)**2 d_m**2) / (2 w (1 - w) d_s d_m)

    For jointly normal returns this is the Pearson correlation; for real
    returns it weighs the joint losses in the tail. It is not bounded to
    [-1, 1]. NaN when either series does not vary or has no tail.
    """
    r, m = _arr(returns), _arr(market)
    if r.size < 2:
        return np.nan
    sr, sm = r.std(ddof=1), m.std(ddof=1)
    if not (sr > 0 and sm > 0):
        return np.nan
    s, k = r / sr, m / sm
    p = w * s + (1.0 - w) * k
    ds = expected_shortfall(s, alpha) - s.mean()
    dm = expected_shortfall(k, alpha) - k.mean()
    dp = expected_shortfall(p, alpha) - p.mean()
    den = 2.0 * w * (1.0 - w) * ds * dm
    if den == 0:
        return np.nan
    return _finite((dp ** 2 - w ** 2 * ds ** 2 - (1.0 - w) ** 2 * dm ** 2) / den)


def alpha(returns, market, risk_free=0.0, period=DAILY, annualization=None, beta_value=None):
    """Annualised Jensen's alpha, compounded: ``(1 + mean(e)) ** ppy - 1``.

    ``e = (r - rf) - beta * (m - rf)`` per period, ``beta`` the OLS slope on
    raw returns (:func:`beta`). This is empyrical's
    :func:`~empyrical.alpha` (pyfolio shows the same); quantstats instead
    annualises by ``mean(e) * ppy`` without compounding, a smaller number
    for positive alpha.
    """
    r, m = _arr(returns), _arr(market)
    if r.size < 2:
        return np.nan
    b = beta(r, m) if beta_value is None else beta_value
    if not np.isfinite(b):
        return np.nan
    rf = _rf(risk_free)
    e = (r - rf) - b * (m - rf)
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite((1.0 + e.mean()) ** periods_per_year(period, annualization) - 1.0)
