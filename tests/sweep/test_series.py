"""Run series and their windows on real backtests: PvR restarts at a window's start."""
import math

import numpy as np
import pytest

from pvr_plugin.adapters.runner import run_file
from pvr_plugin.core.research import pvr_from_perf, run_summary
from pvr_plugin.data import load_closes
from pvr_plugin.store.series import SERIES_NAMES, decode
from pvr_plugin.sweep.engine import run_combination
from pvr_plugin.sweep.series import run_series, window_figures
from tests.conftest import REPO as ROOT

pytestmark = pytest.mark.usefixtures("zipline_root")
HOLD = ROOT / "tests" / "algos" / "hold_one.py"
LONG_SHORT = ROOT / "tests" / "algos" / "fixed_long_short.py"


def test_worker_returns_the_runs_series():
    row = run_combination(str(HOLD), HOLD.read_text(), "2021-01-04", "2021-03-31", "daily", "pvr-demo", "pvr",
                          {"ticker": "AAPL"}, 100_000.0)
    assert row["status"] == "ok"
    series = decode(row["series"])  # compressed as the ledger stores it
    alone = run_file(HOLD, start="2021-01-04", end="2021-03-31", capital_base=100_000.0, metrics_set="pvr",
                     params={"ticker": "AAPL"})
    assert list(series.columns) == list(SERIES_NAMES) and series.attrs["start_usd"] == 100_000.0
    assert series.attrs["risk_model"] == "cash_or_short" and series.attrs["resolution"] == "daily bars"
    assert len(series) == len(alone.perf) == 61
    assert str(series.index[0])[:10] == "2021-01-04" and str(series.index[-1])[:10] == "2021-03-31"
    np.testing.assert_array_equal(series["value_usd"], alone.perf["portfolio_value"].to_numpy())
    np.testing.assert_array_equal(series["returns"], alone.perf["returns"].to_numpy())
    np.testing.assert_allclose(series["pvr_pct"], alone.perf["pvr_pct"].to_numpy(), rtol=1e-12)
    daily = pvr_from_perf(alone.perf, start_usd=100_000.0)
    np.testing.assert_array_equal(series["pvr_pct"], daily["pvr_pct"].to_numpy())
    assert row["pvr_pct"] == pytest.approx(series["pvr_pct"].iloc[-1], rel=1e-12)


def test_out_of_sample_window_of_a_held_stock_is_the_stocks_return():
    # Bought on the first bar, held: at the window's start the account restarts at
    # V0 = the previous close; the position (shares * p0) is what is at risk, and
    # nothing else moves, so PvR % = 100 * (p_last / p0 - 1), from the bundle's closes.
    run = run_file(HOLD, start="2021-01-04", end="2021-12-31", capital_base=100_000.0, metrics_set="pvr",
                   params={"ticker": "AAPL"})
    series = run_series(run.perf, 100_000.0)
    w = window_figures(series, "2021-07-01", "2021-12-31")
    closes = load_closes(start="2021-06-01", end="2021-12-31")["AAPL"]
    p0, p1 = closes.loc["2021-06-30"], closes.loc["2021-12-31"]
    assert w["first"] == "2021-07-01" and w["last"] == "2021-12-31" and w["sessions"] == 128
    assert w["pvr_pct"] == pytest.approx(100 * (p1 / p0 - 1), rel=1e-9)
    assert w["pvr_per_day_pct"] == pytest.approx(100 * (p1 / p0 - 1) / 128, rel=1e-9)
    value = run.perf["portfolio_value"]
    v0, v1 = value.loc["2021-06-30"].iloc[0], value.iloc[-1]
    assert w["start_usd"] == pytest.approx(v0) and w["qret_pct"] == pytest.approx(100 * (v1 / v0 - 1))
    # Sharpe ratio of the window's daily value changes, by numpy
    v = value.to_numpy()
    daily = v[1:] / v[:-1] - 1
    window = daily[-128:]
    assert w["sharpe"] == pytest.approx(window.mean() / window.std(ddof=1) * math.sqrt(252), rel=1e-9)
    # risked returns: the day's PnL over the held position's value at the start
    shares = (v0 - run.perf["ending_cash"].iloc[-1]) / p0
    assert w["risked"][5] == pytest.approx((v[-128 + 5] - v[-128 + 4]) / (shares * p0), rel=1e-9)


def test_window_at_the_runs_start_equals_a_run_cut_there():
    # no look-ahead: the in-sample window of the whole run is the run that stopped at its end
    whole = run_file(LONG_SHORT, start="2021-01-04", end="2021-06-30", capital_base=100_000.0, metrics_set="pvr")
    cut = run_file(LONG_SHORT, start="2021-01-04", end="2021-03-31", capital_base=100_000.0, metrics_set="pvr")
    w = window_figures(run_series(whole.perf, 100_000.0), "2021-01-04", "2021-03-31")
    alone = run_summary(cut.perf, start_usd=100_000.0)
    assert w["pvr_per_day_pct"] == pytest.approx(alone.pvr_per_day_pct, rel=1e-12)
    assert w["qret_pct"] == pytest.approx(alone.qret_pct, rel=1e-12)
    assert w["sharpe"] == pytest.approx(alone.sharpe, rel=1e-9)  # zipline's own Sharpe of the cut run


def test_out_of_sample_window_with_shorts_restarts_the_running_maxima():
    # Long 7 AAPL, short 5 XOM every day. The window's PvR by plain numpy:
    # S = value at the previous close, risk_t = max(0, S - cash_t, -short_t),
    # max risk = running max from the window's first session.
    run = run_file(LONG_SHORT, start="2021-01-04", end="2021-06-30", capital_base=100_000.0, metrics_set="pvr")
    perf = run.perf
    w = window_figures(run_series(perf, 100_000.0), "2021-04-01", "2021-06-30")
    k = int(np.flatnonzero(perf.index.strftime("%Y-%m-%d") == "2021-04-01")[0])
    s = perf["portfolio_value"].iloc[k - 1]
    cash, short, value = (perf[c].to_numpy()[k:] for c in ("ending_cash", "short_value", "portfolio_value"))
    max_risk = np.maximum.accumulate(np.maximum(np.maximum(s - cash, -short), 0.0))
    pvr = 100 * (value - s) / max_risk
    assert w["pvr_pct"] == pytest.approx(pvr[-1], rel=1e-10)
    assert w["pvr_per_day_pct"] == pytest.approx(pvr[-1] / len(value), rel=1e-10)
    # the whole run's max risk (from January) is larger: no restart would give another figure
    assert perf["max_risk_usd"].iloc[-1] > max_risk[-1] * 1.01
    np.testing.assert_allclose(w["risked"], np.diff(value - s, prepend=0.0) / max_risk, rtol=1e-10)
