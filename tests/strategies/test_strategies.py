"""Each example strategy runs in its mode and carries the exposure its docstring claims."""

import numpy as np
import pytest

from pvr_plugin.adapters.runner import run_file
from tests.conftest import STRATEGIES



def _run(name, **kw):
    return run_file(STRATEGIES / f"{name}.py", **kw).perf


@pytest.mark.usefixtures("zipline_root")
def test_fixed_shares_buys_fixed_amount_daily():
    perf = _run("fixed_shares", start="2021-01-04", end="2021-02-26", capital_base=10_000)
    amounts = [sum(p["amount"] for p in day) for day in perf["positions"]]
    # ordered on day 1, filled on day 2: then 10 more shares every session
    assert amounts[0] == 0
    assert np.diff(amounts[1:]).tolist() == [10] * (len(amounts) - 2)
    assert perf["ending_cash"].min() < 0  # $10,000 is not enough: margin


@pytest.mark.usefixtures("zipline_root")
def test_long_short_is_dollar_neutral_with_real_shorts():
    perf = _run("long_short", start="2021-01-04", end="2021-04-30")
    later = perf.iloc[10:]
    assert (later["short_value"] < -100_000).all()
    assert (later["long_value"] > 100_000).all()
    net = (later["long_value"] + later["short_value"]).abs()
    gross = later["long_value"] - later["short_value"]
    assert (net < 0.25 * gross).all()


@pytest.mark.usefixtures("zipline_root")
def test_short_only_holds_only_shorts():
    perf = _run("short_only", start="2021-01-04", end="2021-03-31")
    assert (perf["long_value"] == 0).all()
    assert perf["short_value"].iloc[-1] < -400_000
    assert perf["ending_cash"].min() >= 1_000_000  # shorting raises cash: no cash dip


@pytest.mark.usefixtures("zipline_root")
def test_limit_orders_leave_leverage_below_one():
    perf = _run("limit_orders", start="2021-01-04", end="2021-06-30")
    n_orders = sum(len(o) for o in perf["orders"])
    n_fills = sum(len(t) for t in perf["transactions"])
    assert perf["gross_leverage"].max() < 1.0
    assert 0 < n_fills < n_orders  # some fill, many do not


@pytest.mark.usefixtures("zipline_root")
def test_intraday_is_flat_every_close_but_trades():
    perf = _run("intraday", start="2022-11-21", end="2022-11-29", data_frequency="minute")
    assert all(len(p) == 0 for p in perf["positions"])  # flat at every close, the early close too
    fills = [len(t) for t in perf["transactions"]]
    assert all(n >= 6 for n in fills)  # in and out of three stocks each day
    assert (perf["ending_cash"] > 900_000).all()
