"""The shared statistics (core/stats.py) against empyrical-reloaded and hand-worked numbers."""
import math

import empyrical
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from pvr_plugin.core import stats as risk
from pvr_plugin.core.factsheet import returns as rt

TOL = 1e-10


# ------------------------------------------------------------------ against empyrical

def test_volatility_matches_empyrical_and_hand(pair):
    r, _, _ = pair
    assert risk.annual_volatility(r) == pytest.approx(empyrical.annual_volatility(r), abs=TOL)
    # Hand: std of (0.1, -0.1) with ddof 1 is sqrt(0.02); times sqrt(252).
    assert risk.annual_volatility([0.1, -0.1]) == pytest.approx(math.sqrt(0.02 * 252), abs=TOL)
    assert risk.annual_volatility([0.1, -0.1], annualization=12) == pytest.approx(math.sqrt(0.02 * 12), abs=TOL)
    assert math.isnan(risk.annual_volatility([0.01]))


def test_downside_volatility_matches_empyrical_with_risk_free_series(pair):
    r, _, rf = pair
    expected = empyrical.downside_risk(r, required_return=pd.Series(rf, r.index))
    assert risk.downside_risk(r.to_numpy(), rf) == pytest.approx(expected, abs=TOL)
    # Hand (docs/definitions.md formula): excess (0.009, -0.021, 0.029, -0.011); negatives squared
    # 0.000441 + 0.000121 = 0.000562; / 4 * 252 = 0.035406.
    got = risk.downside_risk([0.01, -0.02, 0.03, -0.01], [0.001] * 4)
    assert got == pytest.approx(math.sqrt(0.035406), abs=TOL)


def test_max_drawdown_is_empyrical_and_negative(pair):
    r, _, _ = pair
    assert risk.max_drawdown(r) == pytest.approx(empyrical.max_drawdown(r), abs=TOL)
    # 1 -> 1.1 -> 0.55 -> 0.66: half the peak lost.
    assert risk.max_drawdown([0.1, -0.5, 0.2]) == pytest.approx(-0.5, abs=TOL)
    # A loss on the first day is a drawdown from the starting capital.
    assert risk.max_drawdown([-0.2, 0.1]) == pytest.approx(-0.2, abs=TOL)
    assert risk.max_drawdown([0.01, 0.02]) == 0.0


def test_sharpe_matches_empyrical_and_is_nan_not_inf(pair):
    r, _, rf = pair
    expected = empyrical.sharpe_ratio(r, risk_free=pd.Series(rf, r.index))
    assert risk.sharpe_ratio(r.to_numpy(), rf) == pytest.approx(expected, abs=TOL)
    # Hand: mean 0.02, std sqrt(0.0002) -> 0.02 / 0.0141421 * sqrt(252).
    assert risk.sharpe_ratio([0.01, 0.03]) == pytest.approx(math.sqrt(2) * math.sqrt(252), abs=TOL)
    assert math.isnan(risk.sharpe_ratio([0.01, 0.01, 0.01]))
    assert math.isnan(risk.sharpe_ratio([0.01]))


def test_sortino_matches_empyrical(pair):
    r, _, rf = pair
    expected = empyrical.sortino_ratio(r.to_numpy(), required_return=rf)
    assert risk.sortino_ratio(r.to_numpy(), rf) == pytest.approx(expected, abs=TOL)
    assert math.isnan(risk.sortino_ratio([0.01, 0.02, 0.03]))


def test_cagr_matches_empyrical_and_hand(pair):
    r, _, _ = pair
    assert risk.cagr(r) == pytest.approx(empyrical.cagr(r), abs=TOL)
    # 504 daily returns compounding to 1.21 are two years at 10%.
    daily = np.full(504, 1.21 ** (1 / 504) - 1)
    assert risk.cagr(daily) == pytest.approx(0.10, abs=TOL)
    monthly = np.full(24, 1.21 ** (1 / 24) - 1)
    assert risk.cagr(monthly, annualization=12) == pytest.approx(0.10, abs=TOL)


def test_calmar_matches_empyrical(pair):
    r, _, _ = pair
    got = risk.calmar_ratio(risk.cagr(r), risk.max_drawdown(r))
    assert got == pytest.approx(empyrical.calmar_ratio(r), abs=TOL)
    assert math.isnan(risk.calmar_ratio(0.1, 0.0))
    # Hand: CAGR 12% over a 30% drawdown.
    assert risk.calmar_ratio(0.12, -0.3) == pytest.approx(0.4, abs=TOL)


def test_beta_matches_empyrical_statsmodels_and_hand(pair):
    r, m, _ = pair
    assert risk.beta(r, m) == pytest.approx(empyrical.beta(r, m), abs=TOL)
    ols = sm.OLS(r.to_numpy(), sm.add_constant(m.to_numpy())).fit()
    assert risk.beta(r, m) == pytest.approx(ols.params[1], abs=TOL)
    x = np.array([0.01, -0.02, 0.015, 0.003])
    assert risk.beta(2 * x + 0.001, x) == pytest.approx(2.0, abs=TOL)
    assert math.isnan(risk.beta(x, np.full(4, 0.01)))


def test_alpha_matches_empyrical(pair):
    r, m, rf = pair
    assert risk.alpha(r, m, 0.0001) == pytest.approx(empyrical.alpha(r, m, risk_free=0.0001), abs=TOL)
    expected = empyrical.alpha_aligned(r.to_numpy(), m.to_numpy(), risk_free=rf)
    assert risk.alpha(r, m, rf) == pytest.approx(expected, abs=TOL)
    # Hand: r = 0.001 + m, beta 1, no risk-free -> (1.001) ** 252 - 1.
    x = np.array([0.01, -0.02, 0.015, 0.003])
    assert risk.alpha(x + 0.001, x) == pytest.approx(1.001 ** 252 - 1, abs=TOL)


def test_correlation_matches_pandas_and_hand(pair):
    r, m, _ = pair
    assert risk.correlation(r, m) == pytest.approx(r.corr(m), abs=TOL)
    x = np.array([0.01, -0.02, 0.015, 0.003])
    assert risk.correlation(x, -3 * x) == pytest.approx(-1.0, abs=TOL)
    assert math.isnan(risk.correlation(x, np.zeros(4)))


def test_var_matches_empyrical_on_monthly_returns(pair):
    r, _, _ = pair
    monthly = rt.monthly_returns(r)
    assert risk.value_at_risk(monthly) == pytest.approx(empyrical.value_at_risk(monthly.to_numpy()), abs=TOL)
    # Hand: 21 values -0.05, -0.04, ... ; position 20 * 0.05 = 1 -> the second lowest.
    vals = np.round(np.arange(-5, 16) / 100, 10)
    assert risk.value_at_risk(vals) == pytest.approx(-0.04, abs=TOL)


def test_expected_shortfall_matches_empyrical_without_ties(pair):
    r, _, _ = pair
    monthly = rt.monthly_returns(r).to_numpy()
    assert risk.expected_shortfall(monthly) == pytest.approx(
        empyrical.conditional_value_at_risk(monthly), abs=TOL)
    assert risk.expected_shortfall(r.to_numpy()) == pytest.approx(
        empyrical.conditional_value_at_risk(r.to_numpy()), abs=TOL)
    vals = np.round(np.arange(-5, 16) / 100, 10)
    # Quantile -0.04: mean of -0.05 and -0.04.
    assert risk.expected_shortfall(vals) == pytest.approx(-0.045, abs=TOL)


def test_expected_shortfall_includes_ties_at_the_quantile():
    # Quantile is -0.04; three returns are at or below it, empyrical averages only two.
    vals = np.array([-0.05, -0.04, -0.04] + [0.01] * 18)
    assert risk.expected_shortfall(vals) == pytest.approx((-0.05 - 0.04 - 0.04) / 3, abs=TOL)
    assert empyrical.conditional_value_at_risk(vals) == pytest.approx(-0.045, abs=TOL)
    # 95% with an interpolated quantile: 40 values, position 39 * 0.05 = 1.95.
    vals = np.arange(40, dtype=float) / 100 - 0.1
    assert risk.expected_shortfall(vals) == pytest.approx((-0.10 - 0.09) / 2, abs=TOL)


def _tail_corr_by_spec(s, m, alpha=0.05, w=0.5):
    """Straight transcription of the definition in docs/definitions.md, with pandas (independent code path)."""
    s = pd.Series(s) / pd.Series(s).std()
    m = pd.Series(m) / pd.Series(m).std()
    p = w * s + (1 - w) * m

    def es(x):
        q = x.quantile(alpha)
        return x[x <= q].mean()

    ds, dm, dp = es(s) - s.mean(), es(m) - m.mean(), es(p) - p.mean()
    return (dp ** 2 - w ** 2 * ds ** 2 - (1 - w) ** 2 * dm ** 2) / (2 * w * (1 - w) * ds * dm)


def test_tail_correlation_follows_spec_formula(pair):
    r, m, _ = pair
    assert risk.tail_correlation(r, m) == pytest.approx(_tail_corr_by_spec(r, m), abs=TOL)
    x = np.array([-0.03, 0.01, 0.02, -0.01, 0.005, 0.0, 0.012, -0.02, 0.03, 0.001] * 3)
    assert risk.tail_correlation(x, x) == pytest.approx(1.0, abs=TOL)
    sym = np.concatenate([x - x.mean(), -(x - x.mean())])
    assert risk.tail_correlation(sym, -sym) == pytest.approx(-1.0, abs=TOL)
    assert math.isnan(risk.tail_correlation(x, np.zeros_like(x)))


def test_tail_correlation_equals_pearson_for_normal_returns():
    rng = np.random.default_rng(11)
    rho = 0.6
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=200_000)
    got = risk.tail_correlation(0.01 * z[:, 0], 0.02 * z[:, 1])
    assert got == pytest.approx(rho, abs=0.03)
