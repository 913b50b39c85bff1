"""PvR risk models and running values on hand-worked cases.

Account used throughout (S = $1,000), four bars:

    cash   1000   400  -200   300
    long      0   600  1300   800
    short     0     0     0  -500
    value  1000  1000  1100   600
    gross leverage 0, 0.6, 1300/1100, 1300/600
"""
import math

import numpy as np
import pytest

from pvr_plugin.core import pvr as core

S = 1000.0
CASH = [1000, 400, -200, 300]
LONG = [0, 600, 1300, 800]
SHORT = [0, 0, 0, -500]
VALUE = [1000, 1000, 1100, 600]


def run(model, **kw):
    state = core.PvRState(S, model, **kw)
    return core.advance(state, CASH, LONG, SHORT, VALUE)


def test_cash_or_short():
    state, bars = run("cash_or_short")
    # risk = max(0, S - cash, -short) = 0, 600, 1200, max(700, 500)
    assert bars.risk_usd.tolist() == [0, 600, 1200, 700]
    assert bars.max_risk_usd.tolist() == [0, 600, 1200, 1200]
    assert bars.cash_low_usd.tolist() == [1000, 400, -200, -200]
    assert bars.max_short_usd.tolist() == [0, 0, 0, 500]
    assert math.isnan(bars.pvr_pct[0])  # nothing at risk yet: undefined, not 0 or inf
    assert bars.pvr_pct[1:].tolist() == pytest.approx([0.0, 100 * 100 / 1200, -100 * 400 / 1200])
    assert state.max_risk_usd == 1200 and state.cash_low_usd == -200


def test_gross():
    _, bars = run("gross")
    assert bars.max_risk_usd.tolist() == [0, 600, 1300, 1300]
    assert bars.pvr_pct[-1] == pytest.approx(-400 / 1300 * 100)


def test_margin_leverage_limit_one():
    _, bars = run("margin", leverage_limit=1.0)
    # borrowed: bar 2 (1300/1100 - 1) * 1100 = 200; bar 3 (1300/600 - 1) * 600 = 700
    # risk: S - cash low while nothing borrowed (0, 600), then S + borrowed (1200, 1700)
    assert bars.risk_usd.tolist() == pytest.approx([0, 600, 1200, 1700])
    assert bars.max_risk_usd[-1] == pytest.approx(1700)


def test_margin_higher_limit_borrows_less():
    _, bars = run("margin", leverage_limit=2.0)
    # only bar 3 exceeds 2x: (1300/600 - 2) * 600 = 100
    assert bars.risk_usd.tolist() == pytest.approx([0, 600, 1200, 1100])


def test_proportional():
    _, bars = run("proportional")
    # bar 2: cash < 0, dip 1200 scaled by S/V = 1000/1100
    assert bars.risk_usd.tolist() == pytest.approx([0, 600, 1200 * 1000 / 1100, 700])
    assert bars.max_risk_usd[-1] == pytest.approx(1200 * 1000 / 1100)


def test_state_carries_across_blocks():
    whole_state, whole = run("margin")
    st = core.PvRState(S, "margin")
    st, first = core.advance(st, CASH[:2], LONG[:2], SHORT[:2], VALUE[:2])
    st, second = core.advance(st, CASH[2:], LONG[2:], SHORT[2:], VALUE[2:])
    assert np.concatenate([first.max_risk_usd, second.max_risk_usd]).tolist() == pytest.approx(whole.max_risk_usd.tolist())
    assert st == whole_state


def test_many_accounts_at_once():
    cash = np.column_stack([CASH, [S] * 4])
    long_ = np.column_stack([LONG, [0] * 4])
    short = np.column_stack([SHORT, [0] * 4])
    value = np.column_stack([VALUE, [S] * 4])
    _, bars = core.advance(core.PvRState(S), cash, long_, short, value)
    assert bars.max_risk_usd[:, 0].tolist() == [0, 600, 1200, 1200]
    assert np.isnan(bars.pvr_pct[:, 1]).all()  # the idle account never risked anything


def test_capital_invariance_cash_or_short_and_gross():
    # Same trades, 1000x the capital: cash and value shift by the extra capital.
    for model in ("cash_or_short", "gross"):
        _, small = run(model)
        big_s = 1000 * S
        extra = big_s - S
        _, big = core.advance(core.PvRState(big_s, model), np.add(CASH, extra), LONG, SHORT, np.add(VALUE, extra))
        assert big.pvr_pct[1:].tolist() == pytest.approx(small.pvr_pct[1:].tolist(), rel=1e-12)


def test_leverage_undefined_at_zero_value():
    lev = core.gross_leverage([100.0], [-100.0], [0.0])
    assert np.isnan(lev[0])


def test_scalars():
    assert core.qret_pct(1100, 1000) == pytest.approx(10.0)
    assert core.cagr(1100, 1000, 126) == pytest.approx(1.1 ** 2 - 1)
    assert np.isnan(core.cagr(-5, 1000, 10))
    assert np.isnan(core.cagr(1e9, 1.0, 1))  # overflows: undefined, never inf
    assert core.per_day(10.0, 4) == pytest.approx(2.5)
    assert np.isnan(core.per_day(10.0, 0))


def test_unknown_model():
    with pytest.raises(ValueError, match="risk model"):
        core.PvRState(S, "bogus")


# Properties over random accounts (hypothesis).
from hypothesis import given, settings, strategies as st  # noqa: E402

flows = st.lists(st.tuples(st.floats(-5e3, 5e3), st.floats(0, 5e3), st.floats(-5e3, 0)), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(flows, st.sampled_from(["cash_or_short", "gross"]), st.floats(1e3, 1e8))
def test_property_invariant_to_starting_capital(bars, model, extra):
    cash_dip, long_, short = (np.array(x) for x in zip(*bars))
    s_small = 1e4
    for s in (s_small, s_small + extra):
        cash = s + cash_dip
        _, b = core.advance(core.PvRState(s, model), cash, long_, short, cash + long_ + short)
        if s == s_small:
            ref = b
    np.testing.assert_allclose(b.max_risk_usd, ref.max_risk_usd, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(b.pvr_pct, ref.pvr_pct, rtol=1e-6, atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(flows, st.sampled_from(core.RISK_MODELS), st.integers(1, 39))
def test_property_blocks_equal_whole(bars, model, cut):
    cash_dip, long_, short = (np.array(x) for x in zip(*bars))
    s = 1e4
    cash = s + cash_dip
    value = cash + long_ + short
    whole_state, whole = core.advance(core.PvRState(s, model), cash, long_, short, value)
    cut = min(cut, len(cash))
    st1, first = core.advance(core.PvRState(s, model), cash[:cut], long_[:cut], short[:cut], value[:cut])
    if cut < len(cash):
        st1, second = core.advance(st1, cash[cut:], long_[cut:], short[cut:], value[cut:])
        got = np.concatenate([first.max_risk_usd, second.max_risk_usd])
    else:
        got = first.max_risk_usd
    np.testing.assert_allclose(got, whole.max_risk_usd, rtol=1e-12)
    assert st1.max_risk_usd == whole_state.max_risk_usd
    assert (np.diff(whole.max_risk_usd) >= 0).all() and not np.isinf(whole.pvr_pct).any()


def test_sub_cent_risk_is_no_risk():
    # float residue in cash (e.g. 1e-9 dollars) must not turn into an enormous PvR
    _, bars = core.advance(core.PvRState(1e7), [1e7 - 1e-9, 1e7 - 1e-9], [0.0, 0.0], [0.0, 0.0], [1e7 + 5, 1e7 + 5])
    assert np.isnan(bars.pvr_pct).all()
    _, bars = core.advance(core.PvRState(1e7), [1e7 - 0.02], [0.0], [0.0], [1e7 + 5])
    assert bars.pvr_pct[0] == pytest.approx(100 * 5 / 0.02)
