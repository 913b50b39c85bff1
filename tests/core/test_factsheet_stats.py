"""Factsheet calendar statistics and drawdowns against empyrical-reloaded and hand-worked numbers."""
import math

import empyrical
import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core.factsheet import drawdowns as dd
from pvr_plugin.core.factsheet import returns as rt

TOL = 1e-10


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
