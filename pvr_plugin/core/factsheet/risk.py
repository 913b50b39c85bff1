"""Risk statistics: volatility, downside volatility, VaR, expected shortfall, beta,
correlation, tail correlation, Sharpe, Sortino, Calmar and alpha.

Pure functions on aligned numpy arrays or Series of simple returns
(fractions). Where empyrical-reloaded defines the same quantity it is called
(and the tests hold the two to 1e-10); the expected shortfall and the tail
correlation follow the factsheet product's definitions (SPEC section 3).
Undefined ratios are NaN, never inf.
"""
import empyrical
import numpy as np

from pvr_plugin.core.factsheet.periods import DAILY, periods_per_year

DEFAULT_ALPHA = 0.05
TAIL_BLEND = 0.5


def _arr(x):
    return np.asarray(x, dtype=float)


def _finite(x):
    x = float(x)
    return x if np.isfinite(x) else np.nan


def volatility(returns, period=DAILY, annualization=None):
    """Annualised volatility, ``std(r, ddof=1) * sqrt(periods_per_year)`` (fraction).

    empyrical's :func:`~empyrical.annual_volatility`; NaN under two observations.
    """
    return _finite(empyrical.annual_volatility(_arr(returns), period=period,
                                               annualization=annualization))


def downside_volatility(returns, risk_free=0.0, period=DAILY, annualization=None):
    """Annualised downside volatility below the risk-free rate (fraction).

    ``sqrt(sum(min(r - rf, 0) ** 2) / n * periods_per_year)`` over all ``n``
    observations, empyrical's :func:`~empyrical.downside_risk` with the
    per-period risk-free series as the required return.

    Parameters
    ----------
    returns : array-like
    risk_free : float or array-like
        Per-period risk-free returns aligned with ``returns``.
    """
    r = _arr(returns)
    if r.size == 0:
        return np.nan
    rf = risk_free if np.isscalar(risk_free) else _arr(risk_free)
    return _finite(empyrical.downside_risk(r, required_return=rf, period=period,
                                           annualization=annualization))


def max_drawdown(returns):
    """Largest peak-to-trough fall of the compounded curve, as a positive fraction.

    ``|min(C_t / max_{s<=t} C_s - 1)|`` with the curve starting at 1 before
    the first return, so a loss on the first day counts. This is the
    magnitude of empyrical's :func:`~empyrical.max_drawdown` (which is
    negative); 0 when the curve never falls.
    """
    r = _arr(returns)
    if r.size == 0:
        return np.nan
    return abs(float(empyrical.max_drawdown(r)))


def sharpe(returns, risk_free=0.0, period=DAILY, annualization=None):
    """Annualised Sharpe ratio of excess returns, ``mean(r - rf) / std(r - rf) * sqrt(ppy)``.

    empyrical's :func:`~empyrical.sharpe_ratio` with the per-period
    risk-free series; NaN (not inf) when the excess returns do not vary.
    """
    r = _arr(returns)
    rf = risk_free if np.isscalar(risk_free) else _arr(risk_free)
    return _finite(empyrical.sharpe_ratio(r, risk_free=rf, period=period,
                                          annualization=annualization))


def sortino(returns, risk_free=0.0, period=DAILY, annualization=None):
    """Annualised Sortino ratio, ``mean(r - rf) * ppy / downside_volatility``.

    empyrical's :func:`~empyrical.sortino_ratio`; NaN when there is no
    downside.
    """
    r = _arr(returns)
    rf = risk_free if np.isscalar(risk_free) else _arr(risk_free)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _finite(empyrical.sortino_ratio(r, required_return=rf, period=period,
                                               annualization=annualization))


def calmar(cagr_frac, max_drawdown_frac):
    """Calmar ratio, CAGR / maximum drawdown; NaN when there is no drawdown.

    Equal to empyrical's :func:`~empyrical.calmar_ratio` given empyrical's
    CAGR and the positive maximum drawdown.
    """
    if not max_drawdown_frac > 0:
        return np.nan
    return _finite(cagr_frac / max_drawdown_frac)


def value_at_risk(returns, alpha=DEFAULT_ALPHA):
    """Historical value at risk: the ``alpha``-quantile of the returns (a return, usually negative).

    Linear interpolation between order statistics (numpy's default), as
    empyrical's :func:`~empyrical.value_at_risk`. The factsheet applies it
    to monthly returns. Some libraries quote a parametric (normal) VaR
    instead; this is the historical one.
    """
    r = _arr(returns)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return np.nan
    return float(empyrical.value_at_risk(r, cutoff=alpha))


def expected_shortfall(returns, alpha=DEFAULT_ALPHA):
    """Expected shortfall: the mean of the returns at or below the ``alpha``-quantile.

    The product's definition (SPEC section 3). empyrical's
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

    Parameters
    ----------
    returns, market : array-like
        Aligned, same length, no NaN.
    """
    r, m = _arr(returns), _arr(market)
    if r.size < 2:
        return np.nan
    return _finite(empyrical.beta_aligned(r, m))


def correlation(returns, market):
    """Pearson correlation of two aligned return series; NaN when either is constant."""
    r, m = _arr(returns), _arr(market)
    if r.size < 2:
        return np.nan
    rc, mc = r - r.mean(), m - m.mean()
    den = np.sqrt(np.dot(rc, rc) * np.dot(mc, mc))
    if not den > 0:
        return np.nan
    return _finite(np.dot(rc, mc) / den)


def tail_correlation(returns, market, alpha=DEFAULT_ALPHA, w=TAIL_BLEND):
    """Correlation implied by the expected shortfalls of two series and their blend.

    The factsheet product's measure (SPEC section 3): divide each series by
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
    rf = risk_free if np.isscalar(risk_free) else _arr(risk_free)
    e = (r - rf) - b * (m - rf)
    return _finite((1.0 + e.mean()) ** periods_per_year(period, annualization) - 1.0)
