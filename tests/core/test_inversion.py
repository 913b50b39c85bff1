"""Factor-inversion statistics checked against independently computed values.

Reference values come from plain Python / pandas written out here (loops, not
the vectorised code under test), from scipy's Spearman correlation, from
numpy's polyfit, and from statsmodels' own runs test.
"""
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.sandbox.stats.runs import runstest_1samp

from pvr_plugin.core.inversion import analyze_inversions, runs_test
from pvr_plugin.core.inversion_io import BucketReturns
from pvr_plugin.data import load_closes
from pvr_plugin.errors import PvrInputError


# ------------------------------------------------------------ references


def momentum_quintiles():
    """Monthly returns (fractions) of quintiles of the 20 embedded stocks by
    trailing 12-month return, formed at each month end and held one month."""
    closes = load_closes()
    month_end = closes.resample("ME").last()
    monthly = month_end.pct_change()
    trailing = month_end.pct_change(12)
    rows = {}
    for i in range(12, len(month_end) - 1):
        ranks = trailing.iloc[i].rank(method="first")
        quintile = np.ceil(ranks / 4).astype(int)
        rows[month_end.index[i + 1]] = monthly.iloc[i + 1].groupby(quintile).mean()
    frame = pd.DataFrame(rows).T
    frame.columns = [f"Ret{q}" for q in frame.columns]
    return frame


def episodes_by_hand(spread):
    """Runs of negative values with a plain loop over (date, value) pairs."""
    out, current = [], []
    for date, value in spread.items():
        if value < 0:
            current.append((date, value))
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return [
        {
            "start": run[0][0], "end": run[-1][0], "length": len(run),
            "min_spread": min(v for _, v in run),
            "mean_spread": sum(v for _, v in run) / len(run),
            "max_spread": max(v for _, v in run),
        }
        for run in out
    ]


def drawdowns_by_hand(spread):
    """Walk the summed curve (starting at 0) and record each underwater stretch."""
    # The starting level (0, before the first period) is reported as the first date.
    level, peak_level, peak_at = 0.0, 0.0, spread.index[0]
    out, current = [], None
    for i, (date, value) in enumerate(spread.items()):
        level += value
        if level < peak_level:
            if current is None:
                current = {"peak": peak_at, "peak_i": i - 1, "trough": date, "trough_i": i,
                           "low": level}
            elif level < current["low"]:
                current.update(trough=date, trough_i=i, low=level)
        else:
            if current is not None:
                out.append(dict(current, recovery=date, recovery_i=i, peak_level=peak_level))
                current = None
            peak_level, peak_at = level, date
    if current is not None:
        out.append(dict(current, recovery=None, recovery_i=None, peak_level=peak_level))
    return [
        {
            "peak": d["peak"], "trough": d["trough"], "recovery": d["recovery"],
            "depth": d["low"] - d["peak_level"],
            "periods_to_trough": d["trough_i"] - d["peak_i"],
            "periods_to_recover": None if d["recovery_i"] is None else d["recovery_i"] - d["trough_i"],
        }
        for d in out
    ]


def newey_west_by_hand(x, lags):
    """t-statistic and normal p-value of the mean with Bartlett-weighted HAC variance."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    e = x - x.mean()
    s = sum(e[t] * e[t] for t in range(n))
    for lag in range(1, lags + 1):
        weight = 1.0 - lag / (lags + 1.0)
        s += 2.0 * weight * sum(e[t] * e[t - lag] for t in range(lag, n))
    se = math.sqrt(s) / n
    t_stat = x.mean() / se
    return t_stat, 2.0 * (1.0 - stats.norm.cdf(abs(t_stat)))


def frame_of(spreads, start="2020-01-31", freq="ME", bottom=0.0):
    """Two-bucket frame whose spread (bucket 2 - bucket 1) is ``spreads``."""
    idx = pd.date_range(start, periods=len(spreads), freq=freq)
    top = np.asarray(spreads, dtype=float) + bottom
    return pd.DataFrame({"Ret1": bottom, "Ret2": top}, index=idx)


# ------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def quintiles():
    return momentum_quintiles()


@pytest.fixture(scope="module")
def result(quintiles):
    return analyze_inversions(quintiles, rolling=12)


def test_real_quintiles_counts_and_spread(quintiles, result):
    spread = quintiles["Ret5"] - quintiles["Ret1"]
    assert result.periods == len(quintiles) == 383
    assert result.inversions == int((spread < 0).sum())
    assert result.inversion_rate == pytest.approx((spread < 0).sum() / len(spread))
    assert 0.2 < result.inversion_rate < 0.8  # a real, noisy signal
    pd.testing.assert_series_equal(result.spread, spread, check_names=False)
    assert result.periods_per_year == 12.0
    assert result.top == "Ret5" and result.bottom == "Ret1"


def test_real_quintiles_episodes(quintiles, result):
    expected = episodes_by_hand(quintiles["Ret5"] - quintiles["Ret1"])
    got = result.episodes.to_dict("records")
    assert len(got) == len(expected) > 20
    for g, e in zip(got, expected):
        assert g["start"] == e["start"] and g["end"] == e["end"]
        assert g["length"] == e["length"]
        for key in ("min_spread", "mean_spread", "max_spread"):
            assert g[key] == pytest.approx(e[key], abs=1e-15)
    assert sum(e["length"] for e in expected) == result.inversions


def test_real_quintiles_drawdowns(quintiles, result):
    expected = drawdowns_by_hand(quintiles["Ret5"] - quintiles["Ret1"])
    got = result.to_dict()["drawdowns"]
    assert len(got) == len(expected) > 3
    for g, e in zip(got, expected):
        assert g["peak"] == e["peak"].date().isoformat()
        assert g["trough"] == e["trough"].date().isoformat()
        assert g["recovery"] == (None if e["recovery"] is None else e["recovery"].date().isoformat())
        assert g["depth"] == pytest.approx(e["depth"], abs=1e-12)
        assert g["periods_to_trough"] == e["periods_to_trough"]
        assert g["periods_to_recover"] == e["periods_to_recover"]
    # The worst drawdown, independently: deepest fall of the summed curve from its running high.
    curve = np.concatenate(([0.0], np.cumsum(quintiles["Ret5"] - quintiles["Ret1"])))
    worst = (curve - np.maximum.accumulate(curve)).min()
    assert result.worst_drawdowns(1)["depth"].iloc[0] == pytest.approx(worst, abs=1e-12)


def test_real_quintiles_significance(quintiles, result):
    spread = (quintiles["Ret5"] - quintiles["Ret1"]).to_numpy()
    n = len(spread)
    lags = math.floor(4 * (n / 100) ** (2 / 9))
    assert result.significance.hac_maxlags == lags == 5
    t_stat, p_value = newey_west_by_hand(spread, lags)
    sig = result.significance
    assert sig.mean_spread == pytest.approx(spread.mean(), rel=1e-12)
    assert sig.t_stat == pytest.approx(t_stat, rel=1e-9)
    assert sig.p_value == pytest.approx(p_value, rel=1e-7)
    assert sig.hit_rate == pytest.approx(np.mean(spread > 0))
    assert sig.information_ratio == pytest.approx(
        spread.mean() / np.std(spread, ddof=1) * math.sqrt(12), rel=1e-12)


def test_real_quintiles_runs_test_matches_statsmodels(quintiles, result):
    spread = (quintiles["Ret5"] - quintiles["Ret1"]).to_numpy()
    z, p = runstest_1samp(spread, cutoff=0)
    assert result.runs_test.z == pytest.approx(z, rel=1e-12)
    assert result.runs_test.p_value == pytest.approx(p, rel=1e-12)
    inverted = spread < 0
    assert result.runs_test.runs == 1 + sum(a != b for a, b in zip(inverted[1:], inverted[:-1]))
    n1, n2 = inverted.sum(), (~inverted).sum()
    assert result.runs_test.expected_runs == pytest.approx(2 * n1 * n2 / (n1 + n2) + 1)


def test_real_quintiles_all_bucket(quintiles, result):
    numbers = np.arange(1, 6)
    corr = [stats.spearmanr(numbers, row).statistic for row in quintiles.to_numpy()]
    mean = np.mean(corr)
    t_stat = mean / (np.std(corr, ddof=1) / math.sqrt(len(corr)))
    slope = np.polyfit(numbers, quintiles.mean().to_numpy(), 1)[0]
    ab = result.all_bucket
    assert ab.rank_corr_mean == pytest.approx(mean, rel=1e-12)
    assert ab.rank_corr_t == pytest.approx(t_stat, rel=1e-9)
    assert ab.slope_spread == pytest.approx(slope * 4, rel=1e-9)
    assert ab.periods_used == len(quintiles) and ab.skipped_periods == 0
    pd.testing.assert_series_equal(result.mean_by_bucket, quintiles.mean(), check_names=False)


def test_real_quintiles_rolling(quintiles, result):
    spread = (quintiles["Ret5"] - quintiles["Ret1"]).to_numpy()
    window, min_periods = 12, 12 // 5
    expected = []
    for i in range(len(spread)):
        chunk = spread[max(0, i - window + 1): i + 1]
        expected.append(chunk.mean() if len(chunk) >= min_periods else np.nan)
    np.testing.assert_allclose(result.rolling_spread.to_numpy(), expected, rtol=1e-12)
    assert result.rolling_min_periods == 2
    assert math.isnan(result.rolling_spread.iloc[0])  # one value < min_periods 2
    assert not math.isnan(result.rolling_spread.iloc[1])


def test_selected_buckets(quintiles):
    res = analyze_inversions(quintiles, top=4, bottom=2)
    spread = quintiles["Ret4"] - quintiles["Ret2"]
    assert res.top == "Ret4" and res.bottom == "Ret2"
    assert res.inversions == int((spread < 0).sum())
    assert res.significance.mean_spread == pytest.approx(spread.mean())


def test_json_is_strict_and_complete(result):
    text = result.to_json()
    data = json.loads(text)  # strict JSON: NaN would have raised in to_json
    for key in ("periods", "inversions", "inversion_rate", "episodes", "drawdowns",
                "significance", "runs_test", "all_bucket", "units", "periods_per_year"):
        assert key in data
    assert set(data["episodes"][0]) == {"start", "end", "length", "min_spread",
                                        "mean_spread", "max_spread"}
    assert set(data["drawdowns"][0]) == {"peak", "trough", "recovery", "depth",
                                         "periods_to_trough", "periods_to_recover"}
    assert set(data["significance"]) >= {"mean_spread", "t_stat", "p_value", "hit_rate",
                                         "information_ratio"}
    assert set(data["runs_test"]) >= {"runs", "expected_runs", "z", "p_value"}
    assert set(data["all_bucket"]) >= {"rank_corr_mean", "rank_corr_t", "slope_spread"}
    assert data["episodes"][0]["start"] == result.episodes["start"].iloc[0].date().isoformat()


# ------------------------------------------------------------ edge cases


def test_no_inversion_at_all():
    res = analyze_inversions(frame_of([0.01, 0.02, 0.0, 0.03, 0.015]))
    assert res.inversions == 0 and res.inversion_rate == 0.0
    assert res.episodes.empty and list(res.episodes.columns)[:3] == ["start", "end", "length"]
    assert res.drawdowns.empty  # the summed curve never falls
    assert res.runs_test.runs == 1 and res.runs_test.inverted == 0
    assert math.isnan(res.runs_test.z) and math.isnan(res.runs_test.p_value)
    assert res.significance.hit_rate == pytest.approx(4 / 5)  # the zero spread is not a hit
    data = json.loads(res.to_json())
    assert data["episodes"] == [] and data["drawdowns"] == [] and data["runs_test"]["z"] is None


def test_every_period_inverted():
    spreads = [-0.01, -0.03, -0.02, -0.005]
    res = analyze_inversions(frame_of(spreads))
    assert res.inversions == 4 and res.inversion_rate == 1.0
    assert len(res.episodes) == 1
    ep = res.episodes.iloc[0]
    assert ep["length"] == 4 and ep["min_spread"] == -0.03 and ep["max_spread"] == -0.005
    assert ep["mean_spread"] == pytest.approx(-0.065 / 4)
    assert len(res.drawdowns) == 1
    dd = res.to_dict()["drawdowns"][0]
    assert dd["peak"] == "2020-01-31"  # fell from the starting level: the first date
    assert dd["trough"] == "2020-04-30" and dd["recovery"] is None
    assert dd["depth"] == pytest.approx(-0.065)
    assert dd["periods_to_trough"] == 4 and dd["periods_to_recover"] is None
    assert res.significance.hit_rate == 0.0
    assert math.isnan(res.runs_test.z)


def test_one_period():
    res = analyze_inversions(frame_of([-0.02]))
    assert res.periods == 1 and res.inversions == 1
    assert res.periods_per_year is None
    sig = res.significance
    assert sig.mean_spread == -0.02
    assert all(math.isnan(v) for v in (sig.std_spread, sig.t_stat, sig.p_value,
                                       sig.information_ratio))
    assert res.runs_test.runs == 1 and math.isnan(res.runs_test.p_value)
    assert len(res.episodes) == 1 and res.drawdowns["depth"].iloc[0] == -0.02
    assert math.isnan(res.all_bucket.rank_corr_t)
    json.loads(res.to_json())


def test_constant_spread():
    res = analyze_inversions(frame_of([0.01] * 30, bottom=0.003), periods_per_year=12)
    sig = res.significance
    assert sig.mean_spread == pytest.approx(0.01)
    assert sig.std_spread == 0.0
    assert math.isnan(sig.t_stat) and math.isnan(sig.p_value)
    assert math.isnan(sig.information_ratio)  # NaN, not inf
    assert sig.hit_rate == 1.0
    # Every period ranks bucket 2 above bucket 1: correlation +1, its t undefined.
    assert res.all_bucket.rank_corr_mean == 1.0 and math.isnan(res.all_bucket.rank_corr_t)
    assert res.all_bucket.slope_spread == pytest.approx(0.01)


def test_recovered_drawdown_by_hand():
    # Curve: 0.02, 0.03, 0.00, -0.01, 0.01, 0.035, 0.03
    res = analyze_inversions(frame_of([0.02, 0.01, -0.03, -0.01, 0.02, 0.025, -0.005]))
    dd = res.to_dict()["drawdowns"]
    assert len(dd) == 2
    assert dd[0]["peak"] == "2020-02-29" and dd[0]["trough"] == "2020-04-30"
    assert dd[0]["recovery"] == "2020-06-30"
    assert dd[0]["depth"] == pytest.approx(-0.04)
    assert dd[0]["periods_to_trough"] == 2 and dd[0]["periods_to_recover"] == 2
    assert dd[1]["peak"] == "2020-06-30" and dd[1]["recovery"] is None
    assert dd[1]["depth"] == pytest.approx(-0.005)


def test_nan_buckets_are_skipped_and_counted():
    frame = frame_of([0.01, -0.02, 0.03, -0.01, 0.02, -0.04])
    frame["Ret3"] = [0.0, 0.1, np.nan, 0.0, 0.1, 0.0]
    frame = frame[["Ret1", "Ret3", "Ret2"]]  # bucket 2 has a hole; top is Ret2
    frame.iloc[3, 2] = np.nan  # a missing top return: period 4 has no spread
    res = analyze_inversions(frame)
    assert res.periods == 6 and res.periods_used == 5 and res.skipped_periods == 1
    assert res.inversions == 2  # -0.02 and -0.04; the missing period is not counted
    assert res.inversion_rate == pytest.approx(2 / 5)
    assert math.isnan(res.spread.iloc[3])
    assert res.significance.mean_spread == pytest.approx((0.01 - 0.02 + 0.03 + 0.02 - 0.04) / 5)
    assert res.all_bucket.skipped_periods == 2 and res.all_bucket.periods_used == 4


def test_bad_arguments():
    frame = frame_of([0.01, -0.01])
    with pytest.raises(PvrInputError, match="top bucket 3 is out of range"):
        analyze_inversions(frame, top=3)
    with pytest.raises(PvrInputError, match="both bucket 1"):
        analyze_inversions(frame, top=1, bottom=1)
    with pytest.raises(PvrInputError, match="rolling window"):
        analyze_inversions(frame, rolling=-5)
    with pytest.raises(PvrInputError, match="periods per year"):
        analyze_inversions(frame, periods_per_year=0)
    with pytest.raises(PvrInputError, match="frame: column 'Ret2' holds an infinite value"):
        analyze_inversions(frame_of([0.01, np.inf]))
    text = frame_of([0.01, 0.02]).assign(Ret2=["a", "b"])
    with pytest.raises(PvrInputError, match="frame: column 'Ret2' is not numeric"):
        analyze_inversions(text)
    assert analyze_inversions(frame, periods_per_year=np.int64(12)).periods_per_year == 12.0
    empty = frame_of([np.nan, np.nan])
    with pytest.raises(PvrInputError, match="no period has both"):
        analyze_inversions(empty)


def test_units_and_notes_are_reported():
    data = BucketReturns(returns=frame_of([0.01, -0.02, 0.03]), units="percent",
                         units_source="detected", source="x.csv", notes=("sorted",))
    out = analyze_inversions(data).to_dict()
    assert out["units"] == "percent" and out["units_source"] == "detected"
    assert out["source"] == "x.csv" and out["notes"] == ["sorted"]
    assert out["episodes"][0]["min_spread"] == -0.02  # fractions in the output


# ------------------------------------------------------------ properties


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([-2.0, -0.5, -0.1, 0.0, 0.2, 1.0, 3.0]), min_size=2, max_size=80))
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_runs_test_matches_statsmodels(values):
    x = np.array(values)
    got = runs_test(x < 0)
    if (x < 0).all() or (x >= 0).all():
        assert got.runs == 1 and math.isnan(got.z) and math.isnan(got.p_value)
        return
    z, p = runstest_1samp(x, cutoff=0)
    if not math.isfinite(z):
        # Zero variance (two periods, one of each): statsmodels divides by 0.
        assert len(x) == 2 and math.isnan(got.z) and math.isnan(got.p_value)
        return
    assert got.z == pytest.approx(z, rel=1e-12, abs=1e-15)
    assert got.p_value == pytest.approx(p, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=60))
def test_episodes_and_drawdowns_match_loops(values):
    spreads = [v / 100 for v in values]
    frame = frame_of(spreads, freq="W-FRI")
    res = analyze_inversions(frame)
    expected = episodes_by_hand(res.spread)
    assert [(e["start"], e["end"], e["length"]) for e in expected] == \
        list(zip(res.episodes["start"], res.episodes["end"], res.episodes["length"]))
    dd = drawdowns_by_hand(res.spread)
    assert len(dd) == len(res.drawdowns)
    for e, (_, g) in zip(dd, res.drawdowns.iterrows()):
        assert g["peak"] == e["peak"]
        assert g["trough"] == e["trough"]
        assert g["depth"] == pytest.approx(e["depth"], abs=1e-12)
        assert g["periods_to_trough"] == e["periods_to_trough"]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_rank_correlation_matches_scipy_with_ties(n_buckets, n_periods, seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(-3, 4, size=(n_periods, n_buckets)) / 100.0  # many ties
    idx = pd.date_range("2021-01-01", periods=n_periods, freq="D")
    res = analyze_inversions(pd.DataFrame(values, index=idx))
    corr = [stats.spearmanr(np.arange(n_buckets), row).statistic
            for row in values if np.ptp(row) > 0]
    if corr:
        assert res.all_bucket.rank_corr_mean == pytest.approx(np.mean(corr), rel=1e-9, abs=1e-12)
    else:
        assert math.isnan(res.all_bucket.rank_corr_mean)
    assert res.all_bucket.periods_used == len(corr)


def test_core_imports_neither_zipline_nor_matplotlib():
    import subprocess
    import sys

    code = ("import sys, pvr_plugin.core.inversion, pvr_plugin.core.inversion_io; "
            "print(sorted(m for m in ('zipline', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]"
