"""Factsheet statistics against empyrical-reloaded and hand-worked numbers."""
import math

import empyrical
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from pvr_plugin.core.factsheet import drawdowns as dd
from pvr_plugin.core.factsheet import returns as rt
from pvr_plugin.core.factsheet import risk

TOL = 1e-10


@pytest.fixture(scope="module")
def pair():
    """Two correlated daily return series over ~6 years, with a risk-free series."""
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2011-01-03", periods=1500)
    m = rng.normal(0.0004, 0.011, len(idx))
    r = 0.0002 + 1.3 * m + rng.normal(0, 0.007, len(idx))
    rf = np.linspace(0.00002, 0.0002, len(idx))
    return pd.Series(r, idx), pd.Series(m, idx), rf


# ------------------------------------------------------------------ against empyrical

def test_volatility_matches_empyrical_and_hand(pair):
    r, _, _ = pair
    assert risk.volatility(r) == pytest.approx(empyrical.annual_volatility(r), abs=TOL)
    # Hand: std of (0.1, -0.1) with ddof 1 is sqrt(0.02); times sqrt(252).
    assert risk.volatility([0.1, -0.1]) == pytest.approx(math.sqrt(0.02 * 252), abs=TOL)
    assert risk.volatility([0.1, -0.1], annualization=12) == pytest.approx(math.sqrt(0.02 * 12), abs=TOL)
    assert math.isnan(risk.volatility([0.01]))


def test_downside_volatility_matches_empyrical_with_risk_free_series(pair):
    r, _, rf = pair
    expected = empyrical.downside_risk(r, required_return=pd.Series(rf, r.index))
    assert risk.downside_volatility(r.to_numpy(), rf) == pytest.approx(expected, abs=TOL)
    # Hand (SPEC formula): excess (0.009, -0.021, 0.029, -0.011); negatives squared
    # 0.000441 + 0.000121 = 0.000562; / 4 * 252 = 0.035406.
    got = risk.downside_volatility([0.01, -0.02, 0.03, -0.01], [0.001] * 4)
    assert got == pytest.approx(math.sqrt(0.035406), abs=TOL)


def test_max_drawdown_is_positive_empyrical_magnitude(pair):
    r, _, _ = pair
    assert risk.max_drawdown(r) == pytest.approx(-empyrical.max_drawdown(r), abs=TOL)
    # 1 -> 1.1 -> 0.55 -> 0.66: half the peak lost.
    assert risk.max_drawdown([0.1, -0.5, 0.2]) == pytest.approx(0.5, abs=TOL)
    # A loss on the first day is a drawdown from the starting capital.
    assert risk.max_drawdown([-0.2, 0.1]) == pytest.approx(0.2, abs=TOL)
    assert risk.max_drawdown([0.01, 0.02]) == 0.0


def test_sharpe_matches_empyrical_and_is_nan_not_inf(pair):
    r, _, rf = pair
    expected = empyrical.sharpe_ratio(r, risk_free=pd.Series(rf, r.index))
    assert risk.sharpe(r.to_numpy(), rf) == pytest.approx(expected, abs=TOL)
    # Hand: mean 0.02, std sqrt(0.0002) -> 0.02 / 0.0141421 * sqrt(252).
    assert risk.sharpe([0.01, 0.03]) == pytest.approx(math.sqrt(2) * math.sqrt(252), abs=TOL)
    assert math.isnan(risk.sharpe([0.01, 0.01, 0.01]))
    assert math.isnan(risk.sharpe([0.01]))


def test_sortino_matches_empyrical(pair):
    r, _, rf = pair
    expected = empyrical.sortino_ratio(r.to_numpy(), required_return=rf)
    assert risk.sortino(r.to_numpy(), rf) == pytest.approx(expected, abs=TOL)
    assert math.isnan(risk.sortino([0.01, 0.02, 0.03]))


def test_cagr_matches_empyrical_and_hand(pair):
    r, _, _ = pair
    assert rt.cagr(r) == pytest.approx(empyrical.cagr(r), abs=TOL)
    # 504 daily returns compounding to 1.21 are two years at 10%.
    daily = np.full(504, 1.21 ** (1 / 504) - 1)
    assert rt.cagr(daily) == pytest.approx(0.10, abs=TOL)
    monthly = np.full(24, 1.21 ** (1 / 24) - 1)
    assert rt.cagr(monthly, annualization=12) == pytest.approx(0.10, abs=TOL)


def test_calmar_matches_empyrical(pair):
    r, _, _ = pair
    got = risk.calmar(rt.cagr(r), risk.max_drawdown(r))
    assert got == pytest.approx(empyrical.calmar_ratio(r), abs=TOL)
    assert math.isnan(risk.calmar(0.1, 0.0))


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
    """Straight transcription of SPEC section 3, with pandas (independent code path)."""
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


# ------------------------------------------------------------------ calendar returns

def test_monthly_and_yearly_returns_match_empyrical(pair):
    r, _, _ = pair
    monthly = rt.monthly_returns(r)
    expected = empyrical.aggregate_returns(r, "monthly")
    np.testing.assert_allclose(monthly.to_numpy(), expected.to_numpy(), atol=TOL, rtol=0)
    assert [(p.year, p.month) for p in monthly.index] == list(expected.index)
    yearly = rt.yearly_returns(r)
    np.testing.assert_allclose(yearly.to_numpy(), empyrical.aggregate_returns(r, "yearly").to_numpy(),
                               atol=TOL, rtol=0)


def test_trailing_ytd_and_total_returns_by_hand():
    idx = pd.to_datetime(["2020-10-30", "2020-11-30", "2020-12-31", "2021-01-29",
                          "2021-02-26", "2021-03-31"])
    r = pd.Series([0.5, 0.10, -0.10, 0.20, 0.05, -0.05], idx)
    # Last three months: Jan, Feb, Mar 2021.
    assert rt.trailing_return(r, 3, "monthly") == pytest.approx(1.2 * 1.05 * 0.95 - 1, abs=TOL)
    assert rt.ytd_return(r) == pytest.approx(1.2 * 1.05 * 0.95 - 1, abs=TOL)
    assert rt.trailing_return(r, 5, "monthly") == pytest.approx(1.1 * 0.9 * 1.2 * 1.05 * 0.95 - 1, abs=TOL)
    # Six months back from 2021-03-31 is 2020-09-30: the October return covers that month.
    assert rt.trailing_return(r, 6, "monthly") == pytest.approx(rt.total_return(r), abs=TOL)
    assert math.isnan(rt.trailing_return(r, 12, "monthly"))
    assert rt.total_return(r) == pytest.approx(1.5 * 1.1 * 0.9 * 1.2 * 1.05 * 0.95 - 1, abs=TOL)


def test_trailing_return_on_daily_data():
    idx = pd.bdate_range("2020-01-02", "2020-12-31")
    r = pd.Series(0.001, idx)
    # Trailing 3 months: after 2020-09-30, i.e. business days of Oct-Dec (66).
    n = len(pd.bdate_range("2020-10-01", "2020-12-31"))
    assert rt.trailing_return(r, 3) == pytest.approx(1.001 ** n - 1, abs=TOL)
    # The first date is 2020-01-02 and a year back is 2019-12-31: enough history.
    assert rt.trailing_return(r, 12) == pytest.approx(1.001 ** len(idx) - 1, abs=TOL)
    assert math.isnan(rt.trailing_return(r, 13))


def test_month_stats_by_hand():
    s = rt.month_stats([0.02, -0.01, 0.04, 0.0, -0.03])
    assert s.winning_months_frac == pytest.approx(0.4, abs=TOL)
    assert s.avg_winning_month == pytest.approx(0.03, abs=TOL)
    assert s.avg_losing_month == pytest.approx(-0.02, abs=TOL)
    none_lost = rt.month_stats([0.01, 0.02])
    assert math.isnan(none_lost.avg_losing_month)


def test_return_report_by_hand():
    monthly = pd.Series([0.1, -0.1, 0.2])
    table = rt.return_report(monthly, ["1M", "2M", "1Y"])
    assert table.loc["1M", "best"] == pytest.approx(0.2)
    assert table.loc["1M", "worst"] == pytest.approx(-0.1)
    assert table.loc["1M", "mean"] == pytest.approx(0.2 / 3)
    assert table.loc["1M", "median"] == pytest.approx(0.1)
    assert table.loc["1M", "last"] == pytest.approx(0.2)
    # Two-month windows: 1.1 * 0.9 - 1 = -0.01 and 0.9 * 1.2 - 1 = 0.08.
    assert table.loc["2M", ["best", "worst", "mean", "median", "last"]].tolist() == pytest.approx(
        [0.08, -0.01, 0.035, 0.035, 0.08])
    assert table.loc["1Y", "count"] == 0 and table.loc["1Y"].drop("count").isna().all()


def test_bucket_edges_and_counts_by_hand():
    vals = np.array([-0.034, -0.01, 0.0, 0.004, 0.011, 0.03])
    edges = rt.bucket_edges(vals, width=0.01)
    np.testing.assert_allclose(edges, [-0.04, -0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.04])
    # [lo, hi): -0.01 goes to [-0.01, 0), 0.0 to [0, 0.01), 0.03 to [0.03, 0.04).
    assert rt.bucket_counts(vals, edges).tolist() == [1, 0, 0, 1, 2, 1, 0, 1]
    auto = rt.bucket_edges(np.linspace(-0.2, 0.25, 50))
    assert len(auto) - 1 <= 24 and 0.0 in auto


def test_worst_months_by_hand():
    idx = pd.period_range("2020-01", periods=6, freq="M")
    s = pd.Series([0.01, -0.05, 0.02, -0.08, -0.05, 0.03], idx)
    b = pd.Series([0.0, -0.02, 0.01, -0.07], idx[:4])
    table = rt.worst_months(s, b, count=3)
    assert [str(p) for p in table.index] == ["2020-04", "2020-02", "2020-05"]
    assert table["return"].tolist() == [-0.08, -0.05, -0.05]
    assert table["benchmark"].iloc[:2].tolist() == [-0.07, -0.02]
    assert math.isnan(table["benchmark"].iloc[2])


# ------------------------------------------------------------------ drawdowns

def test_drawdowns_by_hand():
    idx = pd.bdate_range("2021-01-04", periods=9)
    #            peak1  down   trough  back   new-hi  down  trough  up    still-under
    r = pd.Series([0.10, -0.10, -0.10, 0.25, 0.05, -0.20, -0.05, 0.01, 0.02], idx)
    found = dd.top_drawdowns(r, top_n=5)
    assert len(found) == 2
    first, second = found
    # Wealth 1.1, 0.99, 0.891, 1.11375 (back above 1.1), 1.1694, 0.9355, 0.8888, ...
    assert first.depth == pytest.approx(1 - 0.95 * 0.8, abs=TOL)
    assert (first.peak, first.trough, first.recovery) == (idx[4], idx[6], None)
    assert first.duration_sessions == 4 and first.duration_days == (idx[8] - idx[4]).days
    assert second.depth == pytest.approx(1 - 0.81, abs=TOL)
    assert (second.peak, second.trough, second.recovery) == (idx[0], idx[2], idx[3])
    assert second.duration_sessions == 3 and second.duration_days == 3
    assert dd.top_drawdowns(r, top_n=1) == [first]


def test_drawdown_from_first_day_has_peak_at_start():
    idx = pd.bdate_range("2021-01-04", periods=3)
    found = dd.top_drawdowns(pd.Series([-0.1, 0.05, 0.1], idx))
    assert found[0].peak == idx[0] and found[0].recovery == idx[2]
    assert found[0].depth == pytest.approx(0.1, abs=TOL)


def test_top_drawdown_agrees_with_empyrical_and_pyfolio(pair):
    from pyfolio import timeseries

    r, m, _ = pair
    for s in (r, m):
        top = dd.top_drawdowns(s, 3)
        assert top[0].depth == pytest.approx(-empyrical.max_drawdown(s), abs=TOL)
        peak, valley, recovery = timeseries.get_max_drawdown(s)
        assert top[0].peak == peak and top[0].trough == valley
        assert top[0].recovery == (None if pd.isnull(recovery) else recovery)
        assert [d.depth for d in top] == sorted([d.depth for d in top], reverse=True)
    np.testing.assert_allclose(dd.drawdown_series(r).to_numpy(),
                               empyrical.stats.drawdown_series(r).to_numpy(), atol=TOL)
