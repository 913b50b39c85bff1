"""Numbers at the edges: undefined statistics say so, labels say what was measured,
inversion statistics that cannot lie, both cumulative curves, known answers by hand."""
import math

import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core import research
from pvr_plugin.core.factsheet import build_report, prepare_inputs
from pvr_plugin.core.inversion import analyze_inversions
from pvr_plugin.core.inversion_io import load_bucket_returns
from pvr_plugin.core.summary import undefined_reason
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views.inversion_text import p_text, summary_lines

TOL = 1e-12


def two_buckets(spreads, start="2020-01-31", freq="ME"):
    idx = pd.date_range(start, periods=len(spreads), freq=freq)
    return pd.DataFrame({"Ret1": 0.0, "Ret2": np.asarray(spreads, float)}, index=idx)


# ------------------------------------------------------------ undefined return statistics

def wiped_out_frame():
    """A zipline-like frame whose account goes below zero on day 3 and comes back."""
    idx = pd.date_range("2021-03-02", periods=5, tz="UTC")
    value = np.array([900.0, 300.0, -724.0, 50.0, 200.0])
    return pd.DataFrame({
        "capital_base": 1000.0, "ending_cash": value, "long_value": 0.0, "short_value": 0.0,
        "portfolio_value": value, "returns": [-0.1, -2 / 3, -3.41, -1.069, 3.0],
        "alpha": 6.66e20, "beta": -21.0, "sharpe": 0.70, "max_drawdown": -1.795,
    }, index=idx)


def test_undefined_reason_by_hand():
    sessions = pd.date_range("2021-03-02", periods=4)
    assert undefined_reason([1.0, 2.0, 0.5, 3.0], sessions) == ""
    assert undefined_reason([1.0, -724158.4, 5.0, -1.0], sessions) == "account value reached -$724,158 on 2021-03-03"
    assert undefined_reason([1.0, 0.0, 1.0, 1.0], sessions) == "account value reached $0 on 2021-03-03"
    assert undefined_reason([1.0] * 4, sessions, returns=[0.1, 0.2, -1.5, 0.0]) == \
        "a return of -150% on 2021-03-04 (below -100%)"


def test_wiped_out_summary_shows_nan_with_the_reason_and_keeps_pvr():
    summary = research.run_summary(wiped_out_frame())
    assert summary.nan_reason == "account value reached -$724 on 2021-03-04"
    for name in ("alpha", "beta", "sharpe", "max_drawdown", "cagr"):
        assert math.isnan(getattr(summary, name)), name
    # PvR, QRet, max risk and cash low stay: S 1000, cash low -724 -> risk 1724, PnL -800
    assert summary.max_risk_usd == pytest.approx(1724.0)
    assert summary.cash_low_usd == pytest.approx(-724.0)
    assert summary.pvr_pct == pytest.approx(100 * -800 / 1724)
    assert summary.qret_pct == pytest.approx(-80.0)
    assert summary.tag == f"{100 * -800 / 1724 / 5:.4f} r-80.0"  # the undefined figures left out


def test_daily_bars_label_for_frames_saved_before_the_column():
    """Frames saved by 0.1.0 have the metric's extremes but no pvr_resolution: judged by fills."""
    idx = pd.date_range("2021-01-04", periods=2, tz="UTC")
    base = dict(capital_base=1000.0, ending_cash=[1000.0, 500.0], long_value=[0.0, 520.0], short_value=0.0,
                cash_low_usd=[1000.0, 500.0], max_short_usd=0.0, max_gross_leverage=[0.0, 0.5],
                max_risk_usd=[0.0, 500.0], risk_model="cash_or_short",
                period_close=[pd.Timestamp("2021-01-04 21:00", tz="UTC"), pd.Timestamp("2021-01-05 21:00", tz="UTC")])
    at_close = pd.DataFrame(dict(base, transactions=[[], [{"dt": pd.Timestamp("2021-01-05 21:00", tz="UTC")}]]), index=idx)
    at_minute = pd.DataFrame(dict(base, transactions=[[], [{"dt": pd.Timestamp("2021-01-05 15:31", tz="UTC")}]]), index=idx)
    assert research.pvr_from_perf(at_close).attrs["resolution"] == "daily bars"
    assert research.pvr_from_perf(at_minute).attrs["resolution"] == "intraday"
    assert research.pvr_from_perf(at_close.assign(pvr_resolution="intraday")).attrs["resolution"] == "intraday"
    # the old name of 'daily bars' still asks for the closes
    assert research.pvr_from_perf(at_minute, resolution="end_of_day").attrs["resolution"] == "daily bars"


# ------------------------------------------------------------ inversion statistics that cannot lie

def test_spread_constant_up_to_rounding_has_no_t_p_or_ir():
    # 0.012 - 0.002 is 0.010 up to one ulp on some periods: a constant spread
    frame = pd.DataFrame({"Ret1": 0.002, "Ret2": 0.012 + np.arange(24) * 1e-19},
                         index=pd.date_range("2020-01-31", periods=24, freq="ME"))
    res = analyze_inversions(frame)
    sig = res.significance
    assert sig.mean_spread == pytest.approx(0.01)
    assert math.isnan(sig.t_stat) and math.isnan(sig.p_value) and math.isnan(sig.information_ratio)
    assert sig.std_spread == 0.0 and "constant" in sig.note and sig.note in res.notes
    doc = res.to_dict()["significance"]
    assert doc["t_stat"] is None and doc["p_value"] is None and doc["information_ratio"] is None
    assert any("significance cannot be computed (the spread is constant" in ln for ln in summary_lines(res))


def test_overflowing_cells_are_refused_and_huge_ones_give_nan_with_a_note():
    huge = pd.DataFrame({"Ret1": [-1e308, 1e308, -1e308, 5.0] * 6, "Ret2": [1e308, -1e308, 1e308, 3.0] * 6},
                        index=pd.date_range("2020-01-31", periods=24, freq="ME"))
    with pytest.raises(PvrInputError, match="Ret2 - Ret1 overflows on 2020-01-31"):
        analyze_inversions(huge)
    big = huge / 2  # the spread fits, its square does not
    res = analyze_inversions(big)
    sig = res.significance
    assert math.isnan(sig.std_spread) and math.isnan(sig.information_ratio) and math.isnan(sig.t_stat)
    assert "overflows" in sig.note


def test_correlation_of_a_constant_series_is_nan():
    idx = pd.bdate_range("2010-01-04", periods=300)
    flat = pd.Series(0.0003, idx, name="flat")
    report = build_report(prepare_inputs(flat, benchmarks=["SP500"], risk_free=0.0))
    risk = report.to_dict()["risk_statistics"]
    assert risk["correlation"] is None and risk["beta"] == pytest.approx(0.0, abs=1e-12)
    assert "do not vary" in report.nan_reasons["risk_statistics.correlation"]


def test_mixed_percent_and_fraction_columns_are_refused_and_gaps_noted():
    rng = np.random.default_rng(1)
    idx = pd.date_range("2020-01-31", periods=36, freq="ME").strftime("%Y-%m-%d")
    mixed = pd.DataFrame({"Period": idx, "Ret1": rng.normal(1, 5, 36), "Ret2": rng.normal(1, 5, 36),
                          "Ret3": rng.normal(0.01, 0.05, 36)})
    with pytest.raises(PvrInputError, match=r"mixed.csv: columns Ret1, Ret2 read as percent but Ret3 look like fractions"):
        load_bucket_returns(mixed.to_csv(index=False).encode(), name="mixed.csv")
    # given units are taken as given
    assert load_bucket_returns(mixed.to_csv(index=False).encode(), units="percent").units == "percent"
    gaps = pd.DataFrame({"Period": idx, **{f"Ret{i}": rng.normal(1, 5, 36) for i in (1, 2, 3, 8, 9, 10)}})
    data = load_bucket_returns(gaps.to_csv(index=False).encode(), name="gaps.csv")
    assert "bucket number(s) 4-7 missing" in data.notes[0]
    assert list(data.returns.columns) == ["Ret1", "Ret2", "Ret3", "Ret8", "Ret9", "Ret10"]


def test_p_values_below_a_thousandth_print_as_such():
    assert p_text(0.0004) == "p < 0.001" and p_text(0.001) == "p = 0.001" and p_text(0.72) == "p = 0.720"
    assert p_text(float("nan")) == "p = n/a"
    strong = two_buckets(0.02 + 0.001 * np.sin(np.arange(120)))
    lines = " ".join(summary_lines(analyze_inversions(strong)))
    assert "p < 0.001" in lines and "p = 0.000" not in lines


# ------------------------------------------------------------ both cumulative curves

def test_compound_curve_and_its_drawdowns_by_hand():
    spreads = [0.10, -0.20, -0.10, 0.50, 0.05]
    res = analyze_inversions(two_buckets(spreads), cumulative="compound")
    # funded value: 1.10, 0.88, 0.792, 1.188, 1.2474 -> curve = value - 1
    assert res.cumulative.tolist() == pytest.approx([0.10, -0.12, -0.208, 0.188, 0.2474], abs=TOL)
    assert res.to_dict()["cumulative"] == "compound"
    dd = res.to_dict()["drawdowns"]
    assert len(dd) == 1
    # from the 1.10 peak to the 0.792 trough: 0.792 / 1.10 - 1 = -0.28; back above 1.10 on period 4
    assert dd[0]["depth"] == pytest.approx(0.792 / 1.10 - 1, abs=TOL)
    assert (dd[0]["peak"], dd[0]["trough"], dd[0]["recovery"]) == ("2020-01-31", "2020-03-31", "2020-04-30")
    assert dd[0]["periods_to_trough"] == 2 and dd[0]["periods_to_recover"] == 1
    # the summed curve of the same spreads: 0.10, -0.10, -0.20, 0.30: depth -0.30 in spread units
    summed = analyze_inversions(two_buckets(spreads))
    assert summed.to_dict()["cumulative"] == "sum"
    assert summed.to_dict()["drawdowns"][0]["depth"] == pytest.approx(-0.30, abs=TOL)
    with pytest.raises(PvrInputError, match="cumulative must be 'sum' or 'compound'"):
        analyze_inversions(two_buckets(spreads), cumulative="log")


def test_compound_refuses_a_spread_losing_everything_and_a_fall_from_the_start_has_a_peak():
    with pytest.raises(PvrInputError, match="the spread is -120% on 2020-02-29"):
        analyze_inversions(two_buckets([0.1, -1.2, 0.3]), cumulative="compound")
    res = analyze_inversions(two_buckets([-0.1, -0.1, 0.5]), cumulative="compound")
    dd = res.to_dict()["drawdowns"][0]
    # 0.9, 0.81, 1.215: fell from the starting value 1 (reported at the first date)
    assert dd["peak"] == "2020-01-31" and dd["depth"] == pytest.approx(-0.19, abs=TOL)
    assert dd["periods_to_trough"] == 2 and dd["recovery"] == "2020-03-31"


# ------------------------------------------------------------ factsheet statistics by hand

def test_factsheet_statistics_of_a_small_series_worked_by_hand():
    """Twelve monthly returns, a 1.2% a year risk-free rate: every figure worked out below."""
    r = np.array([0.02, -0.01, 0.03, -0.02, 0.01, 0.04, -0.03, 0.02, 0.00, 0.01, -0.01, 0.03])
    idx = pd.date_range("2021-01-31", periods=12, freq="ME")
    report = build_report(prepare_inputs(pd.Series(r, idx, name="s"), benchmarks=[], risk_free=0.012))
    doc = report.to_dict()
    ret, risk = doc["return_statistics"], doc["risk_statistics"]
    growth = 1.0
    for x in r:
        growth *= 1.0 + x
    # twelve months are one year at 12 periods a year: CAGR = total return
    assert ret["total_return"] == pytest.approx(growth - 1, abs=TOL)
    assert ret["cagr"] == pytest.approx(growth - 1, abs=TOL)
    mean = sum(r) / 12
    var = sum((x - mean) ** 2 for x in r) / 11
    assert risk["volatility"] == pytest.approx(math.sqrt(var) * math.sqrt(12), abs=TOL)
    rf = 1.012 ** (1 / 12) - 1  # the monthly rate that compounds to 1.2% a year
    excess = [x - rf for x in r]
    mean_ex = sum(excess) / 12
    sd_ex = math.sqrt(sum((x - mean_ex) ** 2 for x in excess) / 11)
    assert risk["sharpe"] == pytest.approx(mean_ex / sd_ex * math.sqrt(12), abs=1e-9)
    down = math.sqrt(sum(min(x, 0.0) ** 2 for x in excess) / 12 * 12)
    assert risk["downside_volatility"] == pytest.approx(down, abs=TOL)
    assert risk["sortino"] == pytest.approx(mean_ex * 12 / down, abs=1e-9)
    # wealth: 1.02, 1.0098, 1.040094, 1.01929212, ..., the deepest fall is from the
    # 1.06 peak after June (1.0294...*1.04) to July's -3%: -0.03 exactly
    wealth, peak, worst = 1.0, 1.0, 0.0
    for x in r:
        wealth *= 1 + x
        peak = max(peak, wealth)
        worst = min(worst, wealth / peak - 1)
    assert worst == pytest.approx(-0.03, abs=1e-12)
    assert risk["max_drawdown"] == pytest.approx(0.03, abs=TOL)  # shown as its size
    assert risk["calmar"] == pytest.approx((growth - 1) / 0.03, abs=1e-9)
    # VaR at 5% of 12 monthly returns is not defined (needs 20), and says so
    assert risk["var"] is None and "needs 20 monthly returns" in doc["nan_reasons"]["risk_statistics.var"]
    assert ret["winning_months_frac"] == pytest.approx(7 / 12, abs=TOL)
    assert ret["avg_losing_month"] == pytest.approx((-0.01 - 0.02 - 0.03 - 0.01) / 4, abs=TOL)


def test_var_and_expected_shortfall_of_twenty_months_by_hand():
    """Twenty monthly returns -0.05, -0.04, ..., 0.14: the 5% quantile sits at position 0.95."""
    r = np.round(np.arange(-5, 15) / 100, 10)
    idx = pd.date_range("2020-01-31", periods=20, freq="ME")
    doc = build_report(prepare_inputs(pd.Series(r, idx, name="s"), benchmarks=[], risk_free=0.0)).to_dict()
    # position (20 - 1) * 0.05 = 0.95 between -0.05 and -0.04: -0.05 + 0.95 * 0.01 = -0.0405
    assert doc["risk_statistics"]["var"] == pytest.approx(-0.0405, abs=TOL)
    # returns at or below -0.0405: only -0.05
    assert doc["risk_statistics"]["expected_shortfall"] == pytest.approx(-0.05, abs=TOL)


def test_ledger_keeps_null_and_the_reason_and_pvr_runs_says_so(tmp_path):
    from types import SimpleNamespace

    from click.testing import CliRunner

    from pvr_plugin.cli.main import cli
    from pvr_plugin.store import RunLedger, record_run

    algo = SimpleNamespace(path=str(tmp_path / "wiped.py"), source="def initialize(context):\n    pass\n")
    result = SimpleNamespace(perf=wiped_out_frame(), algorithm=algo, start=pd.Timestamp("2021-03-02"),
                             end=pd.Timestamp("2021-03-08"), capital_base=1000.0, data_frequency="daily",
                             bundle="pvr-demo", metrics_set="default", params={}, runtime_s=0.1)
    ledger = RunLedger(tmp_path / "runs.sqlite")
    run_id = record_run(result, ledger=ledger)
    row = ledger.get(run_id)
    assert row["nan_reason"] == "account value reached -$724 on 2021-03-04"
    assert math.isnan(row["alpha"]) and math.isnan(row["sharpe"]) and math.isnan(row["max_drawdown"])
    assert row["pvr_pct"] == pytest.approx(100 * -800 / 1724)
    out = CliRunner().invoke(cli, ["runs", "--ledger", str(ledger.path)])
    assert out.exit_code == 0, out.output
    assert "n/a" in out.output and "run 1: account value reached -$724 on 2021-03-04" in out.output
