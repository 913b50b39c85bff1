"""PvR of finished backtests: hand-worked frames, the tracker, prefixes, pyfolio's example.

Hand-built account used throughout (S = $1,000), five days:

    day            1      2      3      4      5
    cash        1000    400   -200    500   1300
    long           0    620   1250   1300      0
    short          0      0      0   -700   -150
    value       1000   1020   1050   1100   1150
    gross lev      0  620/1020 1250/1050 2000/1100 150/1150
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvr_plugin.core import research
from pvr_plugin.core.pvr import RISK_MODELS
from pvr_plugin.errors import PvrInputError
from tests.conftest import REPO
from tests.conftest import pyfolio_example

S = 1000.0
CASH = [1000.0, 400.0, -200.0, 500.0, 1300.0]
LONG = [0.0, 620.0, 1250.0, 1300.0, 0.0]
SHORT = [0.0, 0.0, 0.0, -700.0, -150.0]
VALUE = [1000.0, 1020.0, 1050.0, 1100.0, 1150.0]
DATES = pd.DatetimeIndex(["2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07", "2021-01-08"], tz="UTC")
NAN = float("nan")


def hand_frame(**extra):
    frame = pd.DataFrame({
        "starting_cash": [S, *CASH[:-1]],
        "starting_value": [0.0, *[l + s for l, s in zip(LONG[:-1], SHORT[:-1])]],
        "ending_cash": CASH, "long_value": LONG, "short_value": SHORT, "portfolio_value": VALUE,
    }, index=DATES)
    for name, values in extra.items():
        frame[name] = values
    return frame


def approx_nan(values):
    return pytest.approx(values, nan_ok=True, rel=1e-12, abs=1e-12)


# ------------------------------------------------------------ known answers, every model


# Worked by hand, see the module docstring.
EXPECTED = {
    # risk = max(0, S - cash, -short) = 0, 600, 1200, max(500, 700), max(-300, 150)
    "cash_or_short": {"risk": [0, 600, 1200, 700, 150], "max_risk": [0, 600, 1200, 1200, 1200],
                      "pvr": [NAN, 100 * 20 / 600, 100 * 50 / 1200, 100 * 100 / 1200, 100 * 150 / 1200]},
    # risk = long - short
    "gross": {"risk": [0, 620, 1250, 2000, 150], "max_risk": [0, 620, 1250, 2000, 2000],
              "pvr": [NAN, 100 * 20 / 620, 4.0, 5.0, 7.5]},
    # borrowed = running max of (lev - 1) * V while lev > 1: day 3 1250 - 1050 = 200,
    # day 4 2000 - 1100 = 900; risk = S + borrowed once borrowed, else S - cash low
    "margin": {"risk": [0, 600, 1200, 1900, 1900], "max_risk": [0, 600, 1200, 1900, 1900],
               "pvr": [NAN, 100 * 20 / 600, 100 * 50 / 1200, 100 * 100 / 1900, 100 * 150 / 1900]},
    # day 3 cash < 0: dip 1200 scaled by S / V = 1000 / 1050 -> 8000 / 7
    "proportional": {"risk": [0, 600, 8000 / 7, 700, 150], "max_risk": [0, 600, 8000 / 7, 8000 / 7, 8000 / 7],
                     "pvr": [NAN, 100 * 20 / 600, 4.375, 8.75, 13.125]},
}


@pytest.mark.parametrize("model", RISK_MODELS)
def test_known_answer_every_model(model):
    daily = research.pvr_from_perf(hand_frame(), model=model)
    want = EXPECTED[model]
    assert daily["risk_usd"].tolist() == approx_nan(want["risk"])
    assert daily["max_risk_usd"].tolist() == approx_nan(want["max_risk"])
    assert daily["pvr_pct"].tolist() == approx_nan(want["pvr"])
    assert daily["pvr_per_day_pct"].tolist() == approx_nan([p / d for p, d in zip(want["pvr"], range(1, 6))])
    # model-independent running values
    assert daily["cash_low_usd"].tolist() == [1000, 400, -200, -200, -200]
    assert daily["max_short_usd"].tolist() == [0, 0, 0, 700, 700]
    assert daily["max_leverage"].tolist() == approx_nan([0, 620 / 1020, 1250 / 1050, 2000 / 1100, 2000 / 1100])
    assert daily["qret_pct"].tolist() == approx_nan([0, 2, 5, 10, 15])
    assert daily["days"].tolist() == [1, 2, 3, 4, 5]
    assert daily["cagr"].iloc[-1] == pytest.approx(1.15 ** (252 / 5) - 1)
    assert daily.attrs["resolution"] == "daily bars" and set(daily["resolution"]) == {"daily bars"}
    assert daily.attrs["model"] == model and daily.attrs["start_usd"] == S
    assert list(daily.index) == list(DATES)


def test_start_from_first_row_only():
    # starting_cash + starting_value of the first day; later rows do not matter
    frame = hand_frame()
    frame.loc[DATES[3], "starting_cash"] = 5.0
    assert research.start_from_perf(frame) == S
    assert research.start_from_perf(hand_frame(capital_base=[2000.0] * 5)) == 2000.0
    # portfolio_value / (1 + returns) when there is no starting_cash
    plain = hand_frame().drop(columns=["starting_cash", "starting_value"])
    plain["returns"] = [0.0, 0.02, 50 / 1020, 50 / 1050, 50 / 1100]
    assert research.start_from_perf(plain) == pytest.approx(S)


def test_capital_invariance_of_cash_or_short_and_gross():
    """Same trades with 1,000x the capital: QRet differs, PvR does not."""
    small = hand_frame()
    big = hand_frame()  # S = 1,000,000: 999,000 more cash every day, same books
    big["starting_cash"] = [1_000_000.0, *[c + 999_000 for c in CASH[:-1]]]
    big["ending_cash"] = [c + 999_000 for c in CASH]
    big["portfolio_value"] = [v + 999_000 for v in VALUE]
    for model in ("cash_or_short", "gross"):
        a = research.pvr_from_perf(small, model)
        b = research.pvr_from_perf(big, model)
        assert b["pvr_pct"].tolist() == approx_nan(a["pvr_pct"].tolist())
        assert b["qret_pct"].iloc[-1] == pytest.approx(150 / 1_000_000 * 100)


def test_intraday_columns_are_used_and_marked():
    # The run saw deeper intraday extremes than the closes show.
    frame = hand_frame(
        cash_low_usd=[1000.0, 300.0, -400.0, -400.0, -400.0],
        max_short_usd=[0.0, 0.0, 100.0, 900.0, 900.0],
        max_gross_leverage=[0.0, 0.7, 1.3, 2.0, 2.0],
        max_risk_usd=[0.0, 700.0, 1400.0, 1400.0, 1400.0],
        risk_model="cash_or_short", pvr_resolution="intraday",
    )
    daily = research.pvr_from_perf(frame)
    assert daily.attrs["resolution"] == "intraday"
    assert set(daily["resolution"]) == {"intraday"}
    # max risk = max(0, S - cash low, max short): 0, 700, 1400, 1400, 1400
    assert daily["max_risk_usd"].tolist() == [0, 700, 1400, 1400, 1400]
    assert daily["pvr_pct"].tolist() == approx_nan([NAN, 100 * 20 / 700, 100 * 50 / 1400, 100 * 100 / 1400, 100 * 150 / 1400])
    assert daily["cash_low_usd"].tolist() == [1000, 300, -400, -400, -400]
    assert daily["max_leverage"].tolist() == [0, 0.7, 1.3, 2.0, 2.0]
    # forced end of day ignores them
    eod = research.pvr_from_perf(frame, resolution="end_of_day")
    assert eod.attrs["resolution"] == "daily bars"
    assert eod["max_risk_usd"].tolist() == EXPECTED["cash_or_short"]["max_risk"]
    # gross risk cannot be rebuilt from a cash_or_short run's columns: end of day, said so
    gross = research.pvr_from_perf(frame, model="gross")
    assert gross.attrs["resolution"] == "daily bars"
    assert gross["max_risk_usd"].tolist() == EXPECTED["gross"]["max_risk"]
    with pytest.raises(PvrInputError, match="no intraday PvR for model 'gross'"):
        research.pvr_from_perf(frame, model="gross", resolution="intraday")
    # another starting capital than the run's: the run's intraday cash low does not apply
    other = research.pvr_from_perf(frame, start_usd=2000.0)
    assert other.attrs["resolution"] == "daily bars"
    # a run of the gross model carries its own intraday max risk
    gross_run = frame.assign(risk_model="gross", max_risk_usd=[0.0, 700.0, 1300.0, 2100.0, 2100.0])
    g = research.pvr_from_perf(gross_run, model="gross")
    assert g.attrs["resolution"] == "intraday"
    assert g["max_risk_usd"].tolist() == [0, 700, 1300, 2100, 2100]
    assert research.frame_model(gross_run) == "gross"


def test_intraday_required_but_missing():
    with pytest.raises(PvrInputError, match="intraday"):
        research.pvr_from_perf(hand_frame(), resolution="intraday")


def test_all_models_side_by_side():
    frame = research.pvr_all_models(hand_frame())
    assert list(frame.columns.get_level_values(0).unique()) == list(RISK_MODELS)
    for model in RISK_MODELS:
        assert frame[model, "pvr_pct"].tolist() == approx_nan(EXPECTED[model]["pvr"])


# ------------------------------------------------------------ the in-algorithm tracker

METRIC_TO_DAILY = {
    "pvr_pct": "pvr_pct", "pvr_per_day_pct": "pvr_per_day_pct", "max_risk_usd": "max_risk_usd",
    "cash_low_usd": "cash_low_usd", "max_short_usd": "max_short_usd",
    "max_gross_leverage": "max_leverage", "qret_pct": "qret_pct",
}


def _fixed_long_short(metrics_set):
    from pvr_plugin.adapters.runner import run_file

    # $10,000 and fixed share counts: cash goes negative (margin) and there is a short book.
    return run_file(REPO / "tests" / "algos" / "fixed_long_short.py", start="2021-01-04", end="2021-03-31",
                    capital_base=10_000.0, metrics_set=metrics_set, benchmark=None).perf


@pytest.mark.usefixtures("zipline_root")
@pytest.mark.parametrize("model", ["cash_or_short", "gross", "margin"])
def test_end_of_day_equals_the_tracker_at_closes(model):
    """A daily backtest with the pvr metrics set; recompute from zipline's plain columns."""
    perf = _fixed_long_short("pvr" if model == "cash_or_short" else f"pvr-{model}")
    assert perf["risk_model"].iloc[-1] == model
    assert perf["ending_cash"].min() < 0 and perf["short_value"].min() < 0 and perf["gross_leverage"].max() > 1
    plain = perf.drop(columns=list(METRIC_TO_DAILY) + ["risk_model", "pvr_resolution"])
    daily = research.pvr_from_perf(plain, model=model)
    assert daily.attrs["resolution"] == "daily bars"
    for metric_col, daily_col in METRIC_TO_DAILY.items():
        np.testing.assert_allclose(daily[daily_col].to_numpy(), perf[metric_col].to_numpy(dtype=float),
                                   rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=metric_col)
    # With the metric's columns present, the same numbers, marked as the tracker's:
    # a daily backtest's extremes are measured at each close, so 'daily bars'
    with_metric = research.pvr_from_perf(perf, model=model)
    assert perf["pvr_resolution"].iloc[-1] == "daily bars"
    assert with_metric.attrs["resolution"] == "daily bars"
    with pytest.raises(PvrInputError, match="the run had daily bars"):
        research.pvr_from_perf(perf, model=model, resolution="intraday")
    np.testing.assert_allclose(with_metric["pvr_pct"], perf["pvr_pct"].astype(float), rtol=1e-9, equal_nan=True)


@pytest.mark.usefixtures("zipline_root")
def test_proportional_equals_the_session_tracker_at_closes():
    """The tracker the metrics set runs, fed the closes of a daily backtest one session at a time."""
    from pvr_plugin.core.tracker import SessionTracker

    perf = _fixed_long_short("default")
    tracker = SessionTracker(start_usd=10_000.0, model="proportional")
    days = [tracker.end_of_session(t, [c], [lg], [sh]) for t, c, lg, sh in zip(
        perf.index, perf["ending_cash"], perf["long_value"], perf["short_value"])]
    daily = research.pvr_from_perf(perf, model="proportional")
    assert daily.attrs["resolution"] == "daily bars"
    for field in ("pvr_pct", "pvr_per_day_pct", "max_risk_usd", "cash_low_usd", "max_short_usd",
                  "max_leverage", "qret_pct", "cagr"):
        np.testing.assert_allclose(daily[field].to_numpy(), [getattr(d, field) for d in days],
                                   rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=field)
    # cash went negative while the account was below S: the dip is scaled up by S / V
    plain = research.pvr_from_perf(perf)
    assert perf["ending_cash"].min() < 0 and perf["portfolio_value"].min() < 10_000.0
    assert daily["max_risk_usd"].iloc[-1] != pytest.approx(plain["max_risk_usd"].iloc[-1])


@pytest.mark.usefixtures("zipline_root")
def test_minute_run_intraday_columns_see_what_closes_hide():
    from pvr_plugin.adapters.runner import run_file

    perf = run_file(REPO / "strategies" / "intraday.py", start="2022-11-01", end="2022-11-04",
                    data_frequency="minute", metrics_set="pvr", benchmark=None).perf
    intraday = research.pvr_from_perf(perf)
    assert intraday.attrs["resolution"] == "intraday"
    for metric_col, daily_col in METRIC_TO_DAILY.items():
        np.testing.assert_allclose(intraday[daily_col].to_numpy(), perf[metric_col].to_numpy(dtype=float),
                                   rtol=1e-9, equal_nan=True, err_msg=metric_col)
    eod = research.pvr_from_perf(perf, resolution="end_of_day")
    # flat at every close: the closes show only the realised losses as cash spent,
    # the minutes show the 120 % of capital bought each morning
    assert (intraday["max_risk_usd"] > 1_000_000).all()
    assert (eod["max_risk_usd"] < 0.1 * intraday["max_risk_usd"]).all()
    assert (intraday["max_leverage"] > 1.1).all() and (eod["max_leverage"] < 0.01).all()


# ------------------------------------------------------------ no look-ahead, no inf


def _numeric(frame):
    return frame.drop(columns=["resolution"]).to_numpy(dtype=float)


@pytest.mark.parametrize("model", RISK_MODELS)
def test_prefix_property_on_pyfolio_example(model):
    perf = pyfolio_example()
    whole = research.pvr_from_perf(perf, model=model)
    for k in (1, 2, 3, 10, 250, 1000):
        part = research.pvr_from_perf(perf.iloc[:k], model=model)
        np.testing.assert_array_equal(_numeric(part), _numeric(whole.iloc[:k]))
    assert not np.isinf(_numeric(whole)).any()


account_days = st.lists(
    st.tuples(st.floats(-2e6, 2e6), st.floats(0, 2e6), st.floats(-2e6, 0)), min_size=1, max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(days=account_days, start=st.floats(1.0, 1e6), model=st.sampled_from(RISK_MODELS))
def test_prefix_property_and_no_inf_on_random_accounts(days, start, model):
    cash, long_, short = (np.array(x, dtype=float) for x in zip(*days))
    value = cash + long_ + short
    frame = pd.DataFrame({"ending_cash": cash, "long_value": long_, "short_value": short,
                          "portfolio_value": value},
                         index=pd.bdate_range("2020-01-01", periods=len(days)))
    whole = research.pvr_from_perf(frame, model=model, start_usd=start)
    values = _numeric(whole)
    assert not np.isinf(values).any()
    for k in {1, len(days) // 2 or 1, len(days)}:
        part = research.pvr_from_perf(frame.iloc[:k], model=model, start_usd=start)
        np.testing.assert_array_equal(_numeric(part), values[:k])


def test_nothing_at_risk_is_nan_not_inf():
    # Never traded: max risk stays 0, PvR undefined (NaN), not inf or a vast number.
    frame = pd.DataFrame({"ending_cash": [S] * 3, "long_value": [0.0] * 3, "short_value": [0.0] * 3,
                          "starting_cash": [S] * 3})
    daily = research.pvr_from_perf(frame)
    assert daily["pvr_pct"].isna().all() and daily["pvr_per_day_pct"].isna().all()
    assert daily["max_risk_usd"].tolist() == [0, 0, 0]
    # a 30x gain on day one: CAGR would overflow to inf; it is NaN instead
    boom = pd.DataFrame({"ending_cash": [30 * S], "long_value": [0.0], "short_value": [0.0], "starting_cash": [S]})
    out = research.pvr_from_perf(boom)
    assert math.isnan(out["cagr"].iloc[0])


# ------------------------------------------------------------ pyfolio's shipped backtest


def test_pyfolio_example_is_finite_and_consistent():
    perf = pyfolio_example()
    daily = research.pvr_from_perf(perf)
    assert daily.attrs["resolution"] == "daily bars"
    assert daily.attrs["start_usd"] == 10_000_000.0
    traded = daily["max_risk_usd"] > 0
    assert not traded.iloc[0] and traded.iloc[1:].all()  # first order fills on day two
    assert np.isnan(daily["pvr_pct"].iloc[0])
    assert np.isfinite(daily.loc[traded, ["pvr_pct", "pvr_per_day_pct", "qret_pct", "cagr"]].to_numpy()).all()
    # the whole run's max risk, from the frame's own columns (valid on the last day only)
    s = 10_000_000.0
    cash_low = min(s, perf["ending_cash"].min())
    max_short = max(0.0, -perf["short_value"].min())
    assert daily["max_risk_usd"].iloc[-1] == pytest.approx(max(0.0, s - cash_low, max_short), rel=1e-12)
    assert daily["cash_low_usd"].iloc[-1] == pytest.approx(cash_low)
    # zipline's own max_leverage column is the running max of end-of-day gross leverage
    np.testing.assert_allclose(daily["max_leverage"], perf["max_leverage"].astype(float), rtol=1e-12)
    final = daily.iloc[-1]
    value = perf["portfolio_value"].iloc[-1]
    assert final["pvr_pct"] == pytest.approx(100 * (value - s) / (s - cash_low))
    assert final["qret_pct"] == pytest.approx(100 * perf["algorithm_period_return"].iloc[-1])


def test_pyfolio_inputs_give_the_same_pvr():
    from pyfolio.utils import extract_rets_pos_txn_from_zipline

    perf = pyfolio_example()
    returns, positions, _ = extract_rets_pos_txn_from_zipline(perf.copy())
    assert "cash" in positions.columns
    from_pyfolio = research.pvr_from_pyfolio(returns, positions)
    from_perf = research.pvr_from_perf(perf)
    assert from_pyfolio.attrs["start_usd"] == pytest.approx(10_000_000.0)
    np.testing.assert_allclose(from_pyfolio["cash_low_usd"], from_perf["cash_low_usd"], rtol=1e-12)
    np.testing.assert_allclose(from_pyfolio["max_risk_usd"], from_perf["max_risk_usd"], rtol=1e-12)
    np.testing.assert_allclose(from_pyfolio["pvr_pct"], from_perf["pvr_pct"], rtol=1e-9)


def test_pyfolio_known_answer():
    # two assets, one short; cash column as pyfolio keeps it
    idx = pd.date_range("2021-01-04", periods=3, tz="UTC")
    positions = pd.DataFrame({"AAA": [0.0, 600.0, 700.0], "BBB": [0.0, -300.0, -200.0],
                              "cash": [1000.0, 700.0, 600.0]}, index=idx)
    # values 1000, 1000, 1100; start 1000
    returns = pd.Series([0.0, 0.0, 0.1], index=idx)
    daily = research.pvr_from_pyfolio(returns, positions)
    # risk = max(0, 1000 - cash, short book): 0, 300, 400
    assert daily["max_risk_usd"].tolist() == [0, 300, 400]
    assert daily["pvr_pct"].tolist() == approx_nan([NAN, 0.0, 25.0])
    assert daily["max_short_usd"].tolist() == [0, 300, 300]
    gross = research.pvr_from_pyfolio(returns, positions, model="gross")
    assert gross["max_risk_usd"].tolist() == [0, 900, 900]


# ------------------------------------------------------------ many backtests


def loop_reference(cash, long_, short, start, model, limit=1.0):
    """Per-day Python loop over one run: the definitions (docs/definitions.md), written out."""
    cash_low, max_short, max_risk, borrowed = start, 0.0, 0.0, 0.0
    out = []
    for c, lg, sh in zip(cash, long_, short):
        v = c + lg + sh
        lev = (lg - sh) / v if v != 0 else math.nan
        cash_low = min(cash_low, c)
        max_short = max(max_short, -sh)
        if model == "cash_or_short":
            risk = max(0.0, start - c, -sh)
        elif model == "gross":
            risk = lg - sh
        elif model == "margin":
            if lev > limit:
                borrowed = max(borrowed, (lev - limit) * v)
            risk = start + borrowed if borrowed > 0 else start - cash_low
        else:
            dip = max(start - c, 0.0)
            if c < 0 and v > 0:
                dip = dip * start / v
            risk = max(dip, -sh)
        max_risk = max(max_risk, risk)
        out.append((cash_low, max_short, max_risk, 100 * (v - start) / max_risk if max_risk > 0 else math.nan))
    return np.array(out)


@pytest.mark.parametrize("model", RISK_MODELS)
def test_many_runs_equal_a_loop(model):
    rng = np.random.default_rng(5)
    days, runs = 40, 6
    start = rng.uniform(1e4, 1e6, runs)
    cash = start - np.cumsum(rng.normal(0, 0.2, (days, runs)), axis=0) * start
    long_ = np.abs(rng.normal(1.2, 0.4, (days, runs))) * start  # leverage above 1 at times
    short = -np.abs(rng.normal(0.0, 0.3, (days, runs))) * start
    many = research.pvr_many(cash, long_, short, start_usd=start, model=model)
    for j in range(runs):
        ref = loop_reference(cash[:, j], long_[:, j], short[:, j], start[j], model)
        np.testing.assert_allclose(many.cash_low_usd[:, j], ref[:, 0], rtol=1e-12)
        np.testing.assert_allclose(many.max_short_usd[:, j], ref[:, 1], rtol=1e-12)
        np.testing.assert_allclose(many.max_risk_usd[:, j], ref[:, 2], rtol=1e-12)
        np.testing.assert_allclose(many.pvr_pct[:, j], ref[:, 3], rtol=1e-9)
        assert many.final.loc[j, "pvr_pct"] == pytest.approx(ref[-1, 3], rel=1e-9, nan_ok=True)
        assert many.final.loc[j, "pvr_per_day_pct"] == pytest.approx(ref[-1, 3] / days, rel=1e-9, nan_ok=True)
    assert (many.final["max_leverage"] > 1).sum() >= 3  # margin borrowing happens in several runs
    assert list(many.final["days"]) == [days] * runs


def test_many_runs_of_different_lengths():
    cash = np.array([[1000.0, 1000.0], [400.0, 900.0], [-200.0, np.nan]])
    long_ = np.array([[0.0, 0.0], [620.0, 150.0], [1250.0, np.nan]])
    short = np.zeros((3, 2))
    short[2, 1] = np.nan
    many = research.pvr_many(pd.DataFrame(cash, columns=["a", "b"]), long_, short, start_usd=1000.0)
    assert many.final.loc["a", "days"] == 3 and many.final.loc["b", "days"] == 2
    # b: value 1050 on day 2, risk 100 -> PvR 50 %
    assert many.final.loc["b", "pvr_pct"] == pytest.approx(50.0)
    assert many.final.loc["a", "pvr_pct"] == pytest.approx(100 * 50 / 1200)
    assert np.isnan(many.pvr_pct[2, 1])
    with pytest.raises(PvrInputError, match="run 0"):
        research.pvr_many([[1.0], [np.nan], [2.0]], [[0.0]] * 3, [[0.0]] * 3, start_usd=1.0)


def test_many_runs_bad_input():
    with pytest.raises(PvrInputError, match="start_usd"):
        research.pvr_many([[1.0]], [[0.0]], [[0.0]])
    with pytest.raises(PvrInputError, match="one shape"):
        research.pvr_many(np.ones((3, 2)), np.ones((3, 1)), np.zeros((3, 2)), start_usd=1.0)
    with pytest.raises(PvrInputError, match="numbers"):
        research.pvr_many([["a"]], [[0.0]], [[0.0]], start_usd=1.0)
    with pytest.raises(PvrInputError, match="positive"):
        research.pvr_many([[1.0]], [[0.0]], [[0.0]], start_usd=-1.0)


# ------------------------------------------------------------ summaries and the tag


def test_tag_format():
    assert research.tag(0.75123, 1231.53, 0.4211, 0.54, 1.349, -0.3372) == "0.7512 r1231.5 a0.42 b0.54 s1.35 d-33.7"
    assert research.tag(-0.00001, 0.0, NAN, None, 1.0, 0.0) == "0.0000 r0.0 s1.00 d0.0"
    assert research.tag(NAN, -1057.88, NAN, NAN, NAN, NAN) == "nan r-1057.9"


def test_run_summary_of_hand_frame():
    frame = hand_frame(alpha=[NAN, 0.1, 0.2, 0.3, 0.42], beta=[NAN, 0.5, 0.5, 0.5, 0.54],
                       sharpe=[NAN, 1.0, 1.2, 1.3, 1.35], max_drawdown=[0.0, 0.0, 0.0, 0.0, -0.337])
    summary = research.run_summary(frame)
    assert summary.pvr_pct == pytest.approx(12.5)
    assert summary.pvr_per_day_pct == pytest.approx(2.5)
    assert summary.qret_pct == pytest.approx(15.0)
    assert (summary.alpha, summary.beta, summary.sharpe, summary.max_drawdown) == (0.42, 0.54, 1.35, -0.337)
    assert summary.max_risk_usd == 1200 and summary.cash_low_usd == -200 and summary.max_short_usd == 700
    assert summary.max_leverage == pytest.approx(2000 / 1100)
    assert summary.days == 5 and summary.resolution == "daily bars"
    assert summary.tag == "2.5000 r15.0 a0.42 b0.54 s1.35 d-33.7"
    assert summary.first_day == "2021-01-04" and summary.last_day == "2021-01-08"
    assert set(research.SUMMARY_KEYS) <= set(summary.as_dict())
    gross = research.run_summary(frame, model="gross")
    assert gross.pvr_pct == pytest.approx(7.5) and gross.model == "gross"


def test_summary_without_zipline_figures_matches_empyrical():
    import empyrical

    perf = pyfolio_example()
    returns, positions, _ = __import__("pyfolio.utils", fromlist=["x"]).extract_rets_pos_txn_from_zipline(perf.copy())
    daily = research.pvr_from_pyfolio(returns, positions)
    summary = research.summarize(daily, returns=returns.to_numpy())
    assert summary.sharpe == pytest.approx(empyrical.sharpe_ratio(returns), rel=1e-9)
    assert summary.max_drawdown == pytest.approx(empyrical.max_drawdown(returns), rel=1e-6)
    assert math.isnan(summary.alpha) and " a" not in summary.tag and " b" not in summary.tag


# ------------------------------------------------------------ bad input: one clear error


@pytest.mark.parametrize("bad, fragment", [
    ([1, 2, 3], "must be a pandas DataFrame, not list"),
    (pd.Series([1.0, 2.0]), "must be a pandas DataFrame, not Series"),
    (pd.DataFrame(), "is empty"),
    (pd.DataFrame(columns=["ending_cash", "long_value", "short_value"]), "is empty"),
    (pd.DataFrame({"portfolio_value": [1.0], "returns": [0.0]}), "no 'ending_cash' column"),
    (pd.DataFrame({"ending_cash": [1.0], "long_value": [0.0]}), "no 'short_value' column"),
])
def test_bad_frames(bad, fragment):
    with pytest.raises(PvrInputError, match=fragment):
        research.pvr_from_perf(bad)


def test_bad_values_and_options():
    frame = hand_frame()
    text = frame.astype({"ending_cash": object})
    text.loc[DATES[2], "ending_cash"] = "lots"
    with pytest.raises(PvrInputError, match="'ending_cash' has a missing or non-numeric value 'lots'"):
        research.pvr_from_perf(text)
    with pytest.raises(PvrInputError, match="'long_value' is not numeric"):
        research.pvr_from_perf(frame.assign(long_value=pd.Timestamp("2021-01-01")))
    with pytest.raises(PvrInputError, match="not in date order"):
        research.pvr_from_perf(frame.iloc[::-1])
    with pytest.raises(PvrInputError, match="unknown risk model 'nope'"):
        research.pvr_from_perf(frame, model="nope")
    with pytest.raises(PvrInputError, match="start_usd -5 is not a finite positive number of dollars"):
        research.pvr_from_perf(frame, start_usd=-5)
    with pytest.raises(PvrInputError, match="start_usd '1000' is not a number of dollars"):
        research.pvr_from_perf(frame, start_usd="1000")
    with pytest.raises(PvrInputError, match="resolution"):
        research.pvr_from_perf(frame, resolution="hourly")
    with pytest.raises(PvrInputError, match="starting capital"):
        research.pvr_from_perf(frame.drop(columns=["starting_cash", "starting_value"]))


def test_bad_pyfolio_inputs():
    idx = pd.date_range("2021-01-04", periods=2)
    positions = pd.DataFrame({"AAA": [0.0, 10.0], "cash": [100.0, 90.0]}, index=idx)
    returns = pd.Series([0.0, 0.0], index=idx)
    with pytest.raises(PvrInputError, match="no 'cash' column"):
        research.pvr_from_pyfolio(returns, positions.drop(columns="cash"))
    with pytest.raises(PvrInputError, match="returns must be a pandas Series"):
        research.pvr_from_pyfolio([0.0, 0.0], positions)
    with pytest.raises(PvrInputError, match="positions has no row for"):
        research.pvr_from_pyfolio(pd.Series([0.0, 0.0, 0.0], index=pd.date_range("2021-01-04", periods=3)), positions)
    with pytest.raises(PvrInputError, match="positions is empty"):
        research.pvr_from_pyfolio(returns, positions.iloc[:0])


def test_research_core_imports_no_engine_plotting_or_storage():
    import subprocess
    import sys

    code = ("import sys, pvr_plugin.core.research; "
            "print(sorted(m for m in ('zipline', 'matplotlib', 'sqlite3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
