"""The assembled factsheet report: keys, NaN reasons, date ranges, widgets, real data."""
import json

import empyrical
import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core.factsheet import factsheet, prepare_inputs, build_report, spy_returns
from pvr_plugin.core.factsheet.inputs import sp500_returns
from pvr_plugin.errors import PvrInputError

TOL = 1e-10
RETURN_KEYS = {"cagr", "total_return", "ytd", "ror_3m", "ror_6m", "ror_1y", "ror_3y",
               "winning_months_frac", "avg_winning_month", "avg_losing_month"}
RISK_KEYS = {"volatility", "downside_volatility", "max_drawdown", "var", "expected_shortfall", "beta",
             "correlation", "tail_correlation", "sharpe", "calmar"}


@pytest.fixture(scope="module")
def strat():
    """A synthetic strategy on real S&P 500 dates, 2005-2016 (inside the T-bill data)."""
    sp = sp500_returns().loc["2005-01-03":"2016-12-30"]
    rng = np.random.default_rng(5)
    return pd.Series(0.0001 + 0.8 * sp.to_numpy() + rng.normal(0, 0.004, len(sp)), sp.index, name="strat")


@pytest.fixture(scope="module")
def report(strat):
    return factsheet(strat, benchmarks=["SP500", "SPY"])


def test_json_has_every_documented_key(report):
    doc = report.to_dict()
    text = json.dumps(doc, allow_nan=False)  # strict JSON: no NaN / inf
    assert len(text) > 1000
    for key in ("return_statistics", "risk_statistics", "drawdowns", "return_report", "monthly_returns",
                "worst_months", "benchmarks", "risk_free_source"):
        assert key in doc
    assert RETURN_KEYS <= set(doc["return_statistics"])
    assert RISK_KEYS <= set(doc["risk_statistics"])
    assert set(doc["drawdowns"][0]) >= {"peak", "trough", "recovery", "depth", "duration_sessions"}
    assert set(doc["benchmarks"]) == {"SP500", "SPY"}
    for b in doc["benchmarks"].values():
        assert RETURN_KEYS <= set(b["return_statistics"]) and RISK_KEYS <= set(b["risk_statistics"])
    assert set(doc["return_report"]) == {"1M", "3M", "6M", "1Y", "3Y", "5Y"}
    assert len(doc["worst_months"]) == 5
    assert doc["risk_free_source"].startswith("3-month T-bill")
    assert "pvr" not in doc


def test_statistics_agree_with_empyrical_on_the_report(strat, report):
    doc = report.to_dict()
    rf = report.inputs.risk_free.per_period(strat.index, 252)
    rs, ks = doc["return_statistics"], doc["risk_statistics"]
    assert rs["cagr"] == pytest.approx(empyrical.cagr(strat), abs=TOL)
    assert ks["volatility"] == pytest.approx(empyrical.annual_volatility(strat), abs=TOL)
    assert ks["downside_volatility"] == pytest.approx(
        empyrical.downside_risk(strat, pd.Series(rf, strat.index)), abs=TOL)
    assert ks["sharpe"] == pytest.approx(empyrical.sharpe_ratio(strat, pd.Series(rf, strat.index)), abs=TOL)
    assert ks["max_drawdown"] == pytest.approx(-empyrical.max_drawdown(strat), abs=TOL)
    assert ks["calmar"] == pytest.approx(empyrical.calmar_ratio(strat), abs=TOL)
    monthly = empyrical.aggregate_returns(strat, "monthly").to_numpy()
    assert ks["var"] == pytest.approx(empyrical.value_at_risk(monthly), abs=TOL)
    assert ks["expected_shortfall"] == pytest.approx(empyrical.conditional_value_at_risk(monthly), abs=TOL)
    sp = sp500_returns().reindex(strat.index)
    assert ks["beta"] == pytest.approx(empyrical.beta(strat, sp), abs=TOL)
    assert ks["correlation"] == pytest.approx(np.corrcoef(strat, sp)[0, 1], abs=TOL)
    # The synthetic strategy is 0.8 x the index plus noise.
    assert 0.75 < ks["beta"] < 0.85
    assert rs["total_return"] == pytest.approx(np.prod(1 + strat.to_numpy()) - 1, abs=TOL)
    # YTD is the last calendar year here (the data end 2016-12-30).
    assert rs["ytd"] == pytest.approx(np.prod(1 + strat.loc["2016"].to_numpy()) - 1, abs=TOL)
    assert doc["yearly_returns"]["2016"] == pytest.approx(rs["ytd"], abs=TOL)
    assert doc["drawdowns"][0]["depth"] == pytest.approx(ks["max_drawdown"], abs=TOL)


def test_benchmark_block_is_the_benchmark_own_statistics(strat, report):
    doc = report.to_dict()
    spy = spy_returns().loc[strat.index[0]:strat.index[-1]]
    b = doc["benchmarks"]["SPY"]
    assert b["return_statistics"]["cagr"] == pytest.approx(empyrical.cagr(spy), abs=TOL)
    assert b["risk_statistics"]["volatility"] == pytest.approx(empyrical.annual_volatility(spy), abs=TOL)
    sp = sp500_returns().reindex(spy.index)
    assert b["risk_statistics"]["beta"] == pytest.approx(empyrical.beta(spy, sp), abs=TOL)
    # The primary benchmark against itself.
    assert doc["benchmarks"]["SP500"]["risk_statistics"]["beta"] == pytest.approx(1.0, abs=TOL)
    assert doc["benchmarks"]["SP500"]["risk_statistics"]["correlation"] == pytest.approx(1.0, abs=TOL)
    assert doc["performance_metrics"]["SPY"]["cagr"] == b["return_statistics"]["cagr"]


def test_spy_against_sp500_index_real_pair():
    spy = spy_returns()
    rep = factsheet(spy, benchmarks=["SP500"], risk_free="treasury", end="2017-03-29")
    ks = rep.to_dict()["risk_statistics"]
    assert 0.95 < ks["beta"] < 1.05
    assert ks["correlation"] > 0.95
    assert ks["tail_correlation"] > 0.9
    # The same market: SPY's file grows a little faster than the price index (0.5% a year).
    rs = rep.to_dict()
    spread = rs["return_statistics"]["cagr"] - rs["benchmarks"]["SP500"]["return_statistics"]["cagr"]
    assert 0.0 < spread < 0.02


def test_date_range_slices_every_statistic(strat):
    rep = factsheet(strat, benchmarks=["SP500"], start="2008-01-01", end="2009-12-31")
    cut = strat.loc["2008-01-01":"2009-12-31"]
    doc = rep.to_dict()
    assert doc["start"] == "2008-01-02" and doc["end"] == "2009-12-31"
    assert doc["return_statistics"]["total_return"] == pytest.approx(np.prod(1 + cut.to_numpy()) - 1, abs=TOL)
    assert doc["risk_statistics"]["volatility"] == pytest.approx(empyrical.annual_volatility(cut), abs=TOL)
    assert sorted(doc["yearly_returns"]) == ["2008", "2009"]
    assert doc["cumulative_performance"]["months"][0] == "2008-01"
    bench = sp500_returns().loc["2008-01-01":"2009-12-31"]
    assert doc["benchmarks"]["SP500"]["return_statistics"]["total_return"] == pytest.approx(
        np.prod(1 + bench.to_numpy()) - 1, abs=TOL)


def test_short_series_gives_nan_with_reasons_and_the_rest(strat):
    short = strat.loc["2016-10-03":"2016-12-30"]
    doc = factsheet(short, benchmarks=["SP500"]).to_dict()
    reasons = doc["nan_reasons"]
    assert doc["return_statistics"]["ror_3y"] is None
    assert "needs 36 months" in reasons["return_statistics.ror_3y"]
    assert doc["risk_statistics"]["var"] is None
    assert "needs 20 monthly returns" in reasons["risk_statistics.var"]
    assert doc["return_statistics"]["ror_3m"] is not None
    assert doc["risk_statistics"]["volatility"] == pytest.approx(empyrical.annual_volatility(short), abs=TOL)
    assert doc["return_report"]["5Y"]["best"] is None and "return_report.5Y" in reasons
    assert doc["return_report"]["1M"]["count"] == 3
    assert doc["risk_statistics"]["tail_correlation"] is not None  # 62 days >= 20


def test_one_observation_still_reports(strat):
    doc = factsheet(strat.iloc[:1], benchmarks=["SP500"]).to_dict()
    assert doc["return_statistics"]["total_return"] == pytest.approx(strat.iloc[0], abs=TOL)
    assert doc["risk_statistics"]["volatility"] is None
    assert doc["nan_reasons"]["risk_statistics.volatility"] == "needs 2 returns, has 1"
    assert doc["nan_reasons"]["risk_statistics.beta"].startswith("needs 2 dates in common")


def test_no_benchmark(strat):
    doc = factsheet(strat, benchmarks=[]).to_dict()
    assert doc["benchmarks"] == {} and doc["primary_benchmark"] is None
    assert doc["risk_statistics"]["beta"] is None
    assert doc["nan_reasons"]["risk_statistics.beta"] == "no benchmark"
    assert doc["worst_months"][0]["benchmark"] is None


def test_widgets_with_their_own_options(strat):
    inp = prepare_inputs(strat, benchmarks=["SP500", "SPY"])
    rep = build_report(inp, widgets=[
        ("drawdown_report", {"top_n": 2, "start": "2010-01-01", "end": "2012-12-31"}),
        {"type": "expected_shortfall", "confidence": 0.99, "benchmarks": ["SPY"]},
        ("return_report", {"windows": ["2M", "2Y"]}),
        ("risk_statistics", {"primary": "SPY"}),
        ("worst_months", {"count": 3, "start": "2011-01-01", "end": "2011-12-31"}),
        ("return_statistics", {}),
    ])
    dd, es, rr, rk, wm, rs = rep.widgets
    cut = strat.loc["2010":"2012"]
    assert len(dd.data["drawdowns"]) == 2
    assert dd.data["drawdowns"][0]["depth"] == pytest.approx(-empyrical.max_drawdown(cut), abs=TOL)
    assert dd.options["start"] == pd.Timestamp("2010-01-04")
    assert set(es.data["series"]) == {"strat", "SPY"} and es.data["alpha"] == 0.01
    x = strat.to_numpy()
    assert es.data["series"]["strat"]["var_periodic"] == pytest.approx(np.quantile(x, 0.01), abs=TOL)
    assert es.data["series"]["strat"]["es_periodic"] == pytest.approx(
        x[x <= np.quantile(x, 0.01)].mean(), abs=TOL)
    assert list(rr.data) == ["2M", "2Y"]
    spy = spy_returns().reindex(strat.index)
    assert rk.data["beta"] == pytest.approx(empyrical.beta(strat, spy), abs=TOL)
    assert [m["month"][:4] for m in wm.data["months"]] == ["2011"] * 3
    assert rs is rep.sections["return_statistics"]
    doc = rep.to_dict()
    assert [w["type"] for w in doc["widgets"]][:2] == ["drawdown_report", "expected_shortfall"]
    json.dumps(doc, allow_nan=False)


@pytest.mark.parametrize("widget, message", [
    (("drawdown_report", {"top": 3}), r"widgets\[0\]\.top: not an option of drawdown_report"),
    (("drawdown_report", {"top_n": 0}), r"widgets\[0\]\.top_n: give a whole number"),
    (("expected_shortfall", {"confidence": 95}), r"widgets\[0\]\.confidence: give a level"),
    (("return_report", {"windows": ["1W"]}), r"widgets\[0\]\.windows: window '1W'"),
    (("cumulative_performance", {"benchmarks": ["QQQ"]}), r"widgets\[0\]\.benchmarks: 'QQQ'"),
    (("cumulative_performance", {"start": "2030-01-01"}), r"widgets\[0\] start/end: range 2030-01-01"),
    (("sparkline", {}), r"widgets\[0\]: unknown widget type 'sparkline'"),
    (("pvr", {}), r"widgets\[0\]: the returns carry no PvR columns"),
])
def test_bad_widget_options(strat, widget, message):
    inp = prepare_inputs(strat, benchmarks=["SP500"])
    with pytest.raises(PvrInputError, match=message):
        build_report(inp, widgets=[widget])


def test_pvr_block_from_performance_frame(strat):
    perf = pd.DataFrame({"returns": strat.to_numpy(), "pvr_pct": 3.0, "pvr_per_day_pct": 0.01,
                         "max_risk_usd": 12_000.0, "cash_low_usd": -2_000.0},
                        index=strat.index.tz_localize("UTC"))
    doc = factsheet(perf, benchmarks=["SP500"]).to_dict()
    assert doc["pvr"] == {"pvr_pct": 3.0, "pvr_per_day_pct": 0.01, "max_risk_usd": 12_000.0,
                          "cash_low_usd": -2_000.0, "max_gross_leverage": None}
    assert "absent" in doc["nan_reasons"]["pvr.max_gross_leverage"]


def test_monthly_input_uses_twelve_periods(strat):
    monthly = (1 + strat).resample("ME").prod() - 1
    doc = factsheet(monthly, benchmarks=["SP500"]).to_dict()
    assert doc["period"] == "monthly" and doc["periods_per_year"] == 12
    assert doc["risk_statistics"]["volatility"] == pytest.approx(
        empyrical.annual_volatility(monthly, period="monthly"), abs=TOL)
    assert doc["return_statistics"]["cagr"] == pytest.approx(empyrical.cagr(monthly, period="monthly"), abs=TOL)
    # The daily index is compounded onto the strategy's month ends before comparing.
    sp_monthly = (1 + sp500_returns().loc["2005-01-01":"2016-12-31"]).resample("ME").prod() - 1
    assert doc["risk_statistics"]["beta"] == pytest.approx(empyrical.beta(monthly, sp_monthly), abs=TOL)
    assert 0.7 < doc["risk_statistics"]["beta"] < 0.9
    assert doc["benchmarks"]["SP500"]["risk_statistics"]["volatility"] == pytest.approx(
        empyrical.annual_volatility(sp_monthly, period="monthly"), abs=TOL)
    assert any("compounded to the returns' monthly dates" in n for n in doc["notes"])


def test_weekly_input_uses_fifty_two_periods(strat):
    weekly = (1 + strat).resample("W-FRI").prod() - 1
    doc = factsheet(weekly, benchmarks=["SP500"]).to_dict()
    assert doc["period"] == "weekly" and doc["periods_per_year"] == 52
    assert doc["risk_statistics"]["sharpe"] == pytest.approx(
        empyrical.sharpe_ratio(weekly, risk_free=pd.Series(
            factsheet(weekly, benchmarks=[]).inputs.risk_free.per_period(weekly.index, 52), weekly.index),
            period="weekly"), abs=TOL)
    sp_weekly = (1 + sp500_returns().loc["2005-01-01":"2016-12-31"]).resample("W-FRI").prod() - 1
    assert doc["risk_statistics"]["correlation"] == pytest.approx(weekly.corr(sp_weekly), abs=TOL)


def test_coarser_benchmark_is_refused(strat):
    monthly_bench = ((1 + sp500_returns().loc["2005":"2016"]).resample("ME").prod() - 1).rename("M")
    with pytest.raises(PvrInputError, match="benchmark 'M' is monthly, the returns are daily"):
        prepare_inputs(strat, benchmarks=[monthly_bench])


def test_monthly_distribution_counts_every_month(report):
    doc = report.to_dict()
    dist = doc["monthly_distribution"]
    n_months = len(doc["monthly_returns"])
    assert sum(dist["counts"]["strat"]) == n_months
    edges = np.array(dist["edges"])
    months = np.array(list(doc["monthly_returns"].values()))
    lo = (months >= edges[0]) & (months < edges[1])
    assert dist["counts"]["strat"][0] == lo.sum()
    assert 0.0 in dist["edges"]


def test_core_imports_neither_zipline_nor_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pvr_plugin.core.factsheet import factsheet, spy_returns\n"
        "import pvr_plugin.store.factsheet_config\n"
        "factsheet(spy_returns().iloc[:300].rename('x'), benchmarks=['SP500', 'SPY']).to_dict()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'zipline', 'matplotlib'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
