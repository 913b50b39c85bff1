"""Factsheet inputs: files, conversions, benchmarks, risk-free rate, bad input."""
import math

import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core.factsheet.inputs import slice_range
from pvr_plugin.core.periods import infer_period
from pvr_plugin.data.zipline_files import zipline_resource
from pvr_plugin.store import inputs as fin
from pvr_plugin.store.inputs import read_risk_free
from pvr_plugin.errors import PvrInputError


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _csv(tmp_path, frame, name="rets.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


@pytest.fixture
def daily():
    idx = pd.bdate_range("2010-01-04", periods=300)
    rng = np.random.default_rng(3)
    return pd.Series(rng.normal(0.0005, 0.01, len(idx)), idx, name="returns")


# ------------------------------------------------------------------ reading returns

def test_csv_with_returns_column(tmp_path, daily):
    path = _csv(tmp_path, pd.DataFrame({"date": daily.index.strftime("%Y-%m-%d"), "returns": daily.values}))
    got = fin.read_returns(path)
    assert got.name == "rets" and got.notes == ()
    np.testing.assert_array_equal(got.returns.to_numpy(), daily.to_numpy())
    assert got.returns.index.equals(daily.index.rename("date"))


def test_csv_unsorted_rows_are_sorted(tmp_path, daily):
    frame = pd.DataFrame({"Date": daily.index, "ret": daily.values}).iloc[::-1]
    got = fin.read_returns(_csv(tmp_path, frame))
    assert got.returns.index.is_monotonic_increasing
    assert got.returns.iloc[0] == daily.iloc[0]


def test_price_column_is_converted_and_said(tmp_path):
    frame = pd.DataFrame({"date": ["2020-01-02", "2020-01-03", "2020-01-06"], "close": [100.0, 110.0, 99.0]})
    got = fin.read_returns(_csv(tmp_path, frame))
    assert got.returns.tolist() == pytest.approx([0.10, -0.10])
    assert list(got.returns.index.strftime("%Y-%m-%d")) == ["2020-01-03", "2020-01-06"]
    assert "prices/NAV" in got.notes[0] and "2020-01-02 dropped" in got.notes[0]


def test_unnamed_nav_column_detected_from_values(tmp_path):
    nav = 1.0 * np.cumprod([1, 1.01, 0.99, 1.02, 1.0, 1.005])
    frame = pd.DataFrame({"day": pd.bdate_range("2021-03-01", periods=6).strftime("%Y-%m-%d"), "fund": nav})
    got = fin.read_returns(_csv(tmp_path, frame))
    assert got.returns.tolist() == pytest.approx([0.01, -0.01, 0.02, 0.0, 0.005])
    assert got.notes and "converted" in got.notes[0]


def test_percent_returns_are_converted_and_said(tmp_path, daily):
    frame = pd.DataFrame({"date": daily.index, "returns": daily.values * 100})
    got = fin.read_returns(_csv(tmp_path, frame))
    np.testing.assert_allclose(got.returns.to_numpy(), daily.to_numpy(), rtol=1e-12)
    assert "percent" in got.notes[0]


def test_a_few_huge_returns_are_refused(tmp_path, daily):
    values = daily.values.copy()
    values[10] = 3.0
    frame = pd.DataFrame({"date": daily.index, "returns": values})
    with pytest.raises(PvrInputError, match=r"beyond \+-100%.*2010-01-18"):
        fin.read_returns(_csv(tmp_path, frame))
    got = fin.read_returns(_csv(tmp_path, frame), unit="fraction")
    assert got.returns.iloc[10] == 3.0


def test_loss_beyond_total_is_refused(tmp_path):
    path = _write(tmp_path, "r.csv", "date,returns\n2020-01-02,0.01\n2020-01-03,-1.5\n")
    with pytest.raises(PvrInputError, match="2020-01-03.*more than 100%"):
        fin.read_returns(path, unit="fraction")


@pytest.mark.parametrize("text, message", [
    ("date,returns\n2020-01-02,0.01\nyesterday,0.02\n", r"column 'date' line 3: 'yesterday' is not a date"),
    ("date,returns\n2020-01-02,0.01\n2020-01-02,0.02\n", r"duplicate date 2020-01-02"),
    ("date,returns\n2020-01-02,0.01\n2020-01-03,abc\n", r"column 'returns' line 3 \(date 2020-01-03\): 'abc' is not a number"),
    ("date,returns\n2020-01-02,0.01\n2020-01-03,\n", r"column 'returns' line 3 \(date 2020-01-03\): empty is not a number"),
    ("date,a,b\n2020-01-02,0.01,0.02\n", r"cannot tell which column.*a, b"),
    ("date\n2020-01-02\n", r"need a date column and a returns column"),
    ("", r"not a readable CSV"),
])
def test_bad_csv_gives_one_line(tmp_path, text, message):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(PvrInputError, match=message) as err:
        fin.read_returns(path)
    assert "\n" not in str(err.value) and "bad.csv" in str(err.value)


def test_missing_file_and_column(tmp_path, daily):
    with pytest.raises(PvrInputError, match="no such file"):
        fin.read_returns(str(tmp_path / "nope.csv"))
    path = _csv(tmp_path, pd.DataFrame({"date": daily.index, "returns": daily.values}))
    with pytest.raises(PvrInputError, match="no column 'pnl'; columns are returns"):
        fin.read_returns(path, column="pnl")


def test_zipline_perf_frame_with_pvr_columns(tmp_path, daily):
    idx = daily.index.tz_localize("UTC") + pd.Timedelta(hours=21)
    perf = pd.DataFrame({
        "portfolio_value": 1e6 * np.cumprod(1 + daily.values),
        "returns": daily.values,
        "pvr_pct": np.linspace(0, 12.5, len(idx)),
        "pvr_per_day_pct": np.linspace(0, 0.04, len(idx)),
        "max_risk_usd": np.linspace(0, 50_000, len(idx)),
        "cash_low_usd": np.linspace(1e6, -5_000, len(idx)),
        "max_gross_leverage": np.linspace(0, 1.2, len(idx)),
    }, index=idx)
    perf.iloc[-1, perf.columns.get_loc("pvr_pct")] = np.nan  # last value missing: take the last present
    path = tmp_path / "perf.pkl"
    perf.to_pickle(path)
    got = fin.read_returns(str(path))
    np.testing.assert_array_equal(got.returns.to_numpy(), daily.to_numpy())
    assert got.returns.index[0] == pd.Timestamp("2010-01-04")  # UTC session stamp -> date
    assert got.pvr["pvr_pct"] == pytest.approx(perf["pvr_pct"].iloc[-2])
    assert got.pvr["max_risk_usd"] == 50_000 and got.pvr["cash_low_usd"] == -5_000
    assert got.pvr["max_gross_leverage"] == pytest.approx(1.2)
    plain = fin.read_returns(perf[["portfolio_value", "returns"]])
    assert plain.pvr is None


# ------------------------------------------------------------------ periodicity

def test_infer_period():
    assert infer_period(pd.bdate_range("2020-01-01", periods=50)) == "daily"
    assert infer_period(pd.date_range("2020-01-03", periods=50, freq="W-FRI")) == "weekly"
    assert infer_period(pd.date_range("2020-01-31", periods=50, freq="ME")) == "monthly"
    with pytest.raises(PvrInputError, match="periodicity"):
        infer_period(pd.date_range("2020-01-01", periods=5, freq="YE"))


# ------------------------------------------------------------------ benchmarks

def test_builtin_benchmarks():
    spy = fin.read_benchmark("SPY").returns
    assert spy.index[0] == pd.Timestamp("1993-02-01") and spy.index[-1] == pd.Timestamp("2018-04-27")
    assert spy.loc["2008-10-13"] == pytest.approx(0.1452, abs=1e-3)
    sp = fin.read_benchmark("s&p500").returns
    assert sp.name == "SP500" and sp.index[0] == pd.Timestamp("1990-01-03")
    # The index's 1990-01-03 return is that day's close over 1990-01-02's.
    from pvr_plugin.data import load_index
    closes = load_index("1990-01-02", "1990-01-03")
    assert sp.iloc[0] == pytest.approx(closes.iloc[1] / closes.iloc[0] - 1, abs=1e-15)
    with pytest.raises(PvrInputError, match="not a file and not a built-in name"):
        fin.read_benchmark("NASDAQ")


def test_benchmark_without_overlap_is_refused(daily):
    late = daily.copy()
    late.index = late.index + pd.DateOffset(years=15)  # 2025+: after every built-in
    with pytest.raises(PvrInputError, match="benchmark 'SPY'.*no dates in common"):
        fin.prepare_inputs(late, benchmarks=["SPY"], risk_free=0.0)


def test_primary_and_partial_coverage_note(daily):
    s = daily.copy()
    s.index = pd.bdate_range("2018-01-02", periods=len(s))  # runs past SPY's 2018-04-27
    inp = fin.prepare_inputs(s, benchmarks=["SP500", "SPY"], primary="spy", risk_free=0.0)
    assert inp.primary == "SPY" and list(inp.benchmarks) == ["SP500", "SPY"]
    assert any("SPY" in n and "covers only" in n for n in inp.notes)
    with pytest.raises(PvrInputError, match="primary benchmark 'QQQ'"):
        fin.prepare_inputs(s, benchmarks=["SP500"], primary="QQQ", risk_free=0.0)


# ------------------------------------------------------------------ risk-free

def test_constant_risk_free_conversion():
    rf = read_risk_free("2%")
    idx = pd.bdate_range("2020-01-01", periods=3)
    np.testing.assert_allclose(rf.per_period(idx, 252), 1.02 ** (1 / 252) - 1, rtol=1e-14)
    assert read_risk_free(0.02).per_period(idx, 12)[0] == pytest.approx(1.02 ** (1 / 12) - 1, abs=1e-15)
    with pytest.raises(PvrInputError, match="write 5% for percent"):
        read_risk_free("5")


def test_treasury_yields_as_of_each_date():
    rf = read_risk_free("treasury")
    y = rf.yields
    assert y.loc["1990-01-02"] == pytest.approx(0.0783)
    assert y.index[-1] == pd.Timestamp("2017-03-29")
    # A Saturday uses Friday's quote.
    fri = y.loc["2010-06-04"]
    got = rf.per_period(pd.DatetimeIndex(["2010-06-05"]), 252)[0]
    assert got == pytest.approx((1 + fri) ** (1 / 252) - 1, abs=1e-16)


def test_risk_free_csv_percent_detected(tmp_path):
    path = _write(tmp_path, "dtb3.csv", "DATE,DTB3\n2020-01-02,1.52\n2020-01-03,1.50\n")
    rf = read_risk_free(path)
    assert rf.yields.tolist() == pytest.approx([0.0152, 0.0150])
    assert "percent divided by 100" in rf.source
    small = _write(tmp_path, "low.csv", "date,yield_pct\n2013-01-02,0.07\n")
    assert read_risk_free(small).yields.iloc[0] == pytest.approx(0.0007)
    assert read_risk_free(small, unit="fraction").yields.iloc[0] == pytest.approx(0.07)


def test_auto_risk_free_is_treasury_where_it_covers_and_zero_said_elsewhere(daily):
    inside = fin.prepare_inputs(daily, benchmarks=[])
    assert inside.risk_free.source.startswith("3-month T-bill")
    # 2017-01-03 to 2018-02: the built-in T-bill ends 2017-03-29; used up to then (plus its
    # week of grace), zero after, both said in the source and in the coverage
    late = daily.copy()
    late.index = pd.bdate_range("2017-01-03", periods=len(late))
    partial = fin.prepare_inputs(late, benchmarks=[])
    source = partial.risk_free.source
    assert "from 2017-01-03 to 2017-04-05" in source and "zero from 2017-04-06" in source, source
    rf = partial.risk_free.per_period(late.index, 252)
    tbill = pd.read_csv(zipline_resource("treasury_curves.csv"), index_col=0)["3month"]
    tbill.index = pd.to_datetime(tbill.index, utc=True).tz_localize(None).normalize()
    y = float(tbill.loc[:"2017-02-15"].dropna().iloc[-1])  # the quote in force on 2017-02-15
    assert y > 0.004  # about half a percent a year then
    assert rf[late.index.get_loc(pd.Timestamp("2017-02-15"))] == pytest.approx((1 + y) ** (1 / 252) - 1, rel=1e-12)
    assert (rf[late.index > pd.Timestamp("2017-04-05")] == 0.0).all()
    cov = partial.risk_free.coverage(late.index)
    assert cov["dated_to"] == pd.Timestamp("2017-04-05") and cov["fill_yield"] == 0.0
    assert cov["filled_periods"] == int((late.index > pd.Timestamp("2017-04-05")).sum())
    # a user's fill rate instead of zero
    filled = fin.prepare_inputs(late, benchmarks=[], risk_free_fill=0.02)
    assert filled.risk_free.per_period(late.index[-1:], 252)[0] == pytest.approx(1.02 ** (1 / 252) - 1)
    # no overlap at all: zero, said
    later = daily.copy()
    later.index = pd.bdate_range("2019-01-02", periods=len(later))
    outside = fin.prepare_inputs(later, benchmarks=[])
    assert outside.risk_free.source.startswith("zero:") and "2017-03-29" in outside.risk_free.source
    assert outside.risk_free.per_period(later.index, 252).max() == 0.0
    # asked for by name, the T-bill must cover the returns
    with pytest.raises(PvrInputError, match="do not cover the returns"):
        fin.prepare_inputs(late, benchmarks=[], risk_free="treasury")


# ------------------------------------------------------------------ date range

def test_slice_range(daily):
    got = slice_range(daily, "2010-02-01", "2010-02-28")
    assert got.index[0] == pd.Timestamp("2010-02-01") and got.index[-1] == pd.Timestamp("2010-02-26")
    assert len(got) == 20
    with pytest.raises(PvrInputError, match="outside the returns"):
        slice_range(daily, "2030-01-01", None)
    with pytest.raises(PvrInputError, match="is after end"):
        slice_range(daily, "2010-03-01", "2010-02-01")
    with pytest.raises(PvrInputError, match="no returns between 2010-01-09 and 2010-01-10"):
        slice_range(daily, "2010-01-09", "2010-01-10")  # a weekend
    with pytest.raises(PvrInputError, match="'soon' is not a date"):
        slice_range(daily, "soon", None)


def test_prepare_inputs_range_notes(daily):
    inp = fin.prepare_inputs(daily, benchmarks=["SP500"], start="2009-01-01", end="2010-06-30")
    assert inp.start == daily.index[0] and inp.end == pd.Timestamp("2010-06-30")
    assert any("after the requested start 2009-01-01" in n for n in inp.notes)
    assert inp.benchmarks["SP500"].index[0] == pd.Timestamp("2010-01-04")
    assert inp.benchmarks["SP500"].index[-1] == pd.Timestamp("2010-06-30")
    assert not math.isnan(inp.benchmarks["SP500"].sum())


def test_benchmark_names_must_differ(daily):
    with pytest.raises(PvrInputError, match="both named 'SPY'.*--name"):
        fin.prepare_inputs(daily.rename("SPY"), benchmarks=["SPY"], risk_free=0.0)
    with pytest.raises(PvrInputError, match="benchmark 'SP500' given twice"):
        fin.prepare_inputs(daily, benchmarks=["SP500", "sp500"], risk_free=0.0)
    ok = fin.prepare_inputs(daily, benchmarks=["SPY"], risk_free=0.0, name="mine")
    assert ok.name == "mine" and ok.returns.name == "mine"
