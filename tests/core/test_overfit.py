"""Overfitting statistics: known answers worked out by hand, simulations with a known truth."""
import itertools
import math

import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core import overfit
from pvr_plugin.errors import PvrInputError


# ------------------------------------------------------------------ deflated Sharpe ratio


def test_deflated_sharpe_ratio_on_the_papers_worked_example():
    # Bailey and Lopez de Prado (2014), numerical example: N = 100 trials,
    # annualised Sharpe 2.5 over 5 years of daily returns (T = 1250, 250 a
    # year), variance of the trials' annualised Sharpe ratios 1/2, skewness
    # -3, kurtosis 10. The paper reports SR0 = 0.1132 and DSR = 0.9004.
    # By hand:
    #   SR    = 2.5 / sqrt(250)                      = 0.158114
    #   V     = 0.5 / 250 = 0.002, sqrt(V)           = 0.044721
    #   Phi^-1(1 - 1/100)                            = 2.326348
    #   1/(100 e) = 0.0036788, Phi^-1(1 - 0.0036788) = 2.680210
    #   maxZ  = 0.422784 * 2.326348 + 0.577216 * 2.680210 = 2.530603
    #   SR0   = 0.044721 * 2.530603                  = 0.113172  (1.7894 a year)
    #   term  = 1 + 3 * 0.158114 + 9/4 * 0.158114^2 = 1 + 0.474342 + 0.05625 = 1.530592
    #   z     = (0.158114 - 0.113172) * sqrt(1249) / sqrt(1.530592)
    #         = 0.044942 * 35.341194 / 1.237171      = 1.283816
    #   DSR   = Phi(1.283816)                        = 0.900397
    sr, v = 2.5 / math.sqrt(250), 0.5 / 250
    assert overfit.expected_max_sharpe(100, v) == pytest.approx(0.113172, abs=1e-6)
    assert overfit.expected_max_sharpe(100, v) * math.sqrt(250) == pytest.approx(1.789406, abs=1e-6)
    dsr = overfit.deflated_sharpe_ratio(sr, 1250, -3.0, 10.0, 100, v)
    assert dsr == pytest.approx(0.9004, abs=5e-5)
    assert dsr == pytest.approx(0.900397, abs=1e-6)
    # Without the selection (SR* = 0) the same record is near certain: Phi(4.4763)
    assert overfit.probabilistic_sharpe_ratio(sr, 1250, -3.0, 10.0) == pytest.approx(0.9999969, abs=1e-7)


# Three variants over 6 sessions, in percent:
#   A = [3, 0, 1, 0, -1, 3]: mean 1, deviations 2,-1,0,-1,-2,2; sum d^2 = 14, sum d^3 = 6, sum d^4 = 50
#       sd (ddof 1) = sqrt(14/5) = 1.673320 -> SR_A = 1 / 1.673320 = 0.597614
#       m2 = 14/6 = 2.333333, m3 = 1, m4 = 50/6 = 8.333333
#       skew = 1 / 2.333333^1.5 = 1 / 3.564226 = 0.280566; kurtosis = 8.333333 / 5.444444 = 1.530612
#   B = [1, -1, 1, -1, 1, -1]: mean 0 -> SR_B = 0
#   C = [-2, 0, -2, 0, -2, 0]: mean -1, sd sqrt(6/5) = 1.095445 -> SR_C = -0.912871
HAND = pd.DataFrame({
    "A": [3, 0, 1, 0, -1, 3], "B": [1, -1, 1, -1, 1, -1], "C": [-2, 0, -2, 0, -2, 0],
}, dtype=float) / 100


def test_sharpe_stats_by_hand():
    st = overfit.sharpe_stats(HAND["A"])
    assert st.sharpe == pytest.approx(0.597614, abs=1e-6)
    assert st.skew == pytest.approx(0.280566, abs=1e-6)
    assert st.kurtosis == pytest.approx(1.530612, abs=1e-6)
    assert st.sessions == 6 and st.mean == pytest.approx(0.01) and st.std == pytest.approx(0.0167332, abs=1e-7)
    assert st.reason == ""


def test_deflated_sharpe_small_case_by_hand_with_failures_counted():
    # Trials' Sharpe ratios 0.597614, 0, -0.912871: mean -0.105086, deviations
    # 0.702700, 0.105086, -0.807785, squares 0.493787 + 0.011043 + 0.652517 = 1.157347,
    # variance (ddof 1) 0.578674, sd 0.760706.
    # N = 5 (two more variants failed): Phi^-1(0.8) = 0.841621; 1/(5e) = 0.073576,
    # Phi^-1(0.926424) = 1.449666; maxZ = 0.422784 * 0.841621 + 0.577216 * 1.449666 = 1.192594
    # SR0 = 0.760706 * 1.192594 = 0.907213
    # term = 1 - 0.280566 * 0.597614 + (1.530612 - 1)/4 * 0.597614^2 = 1 - 0.167670 + 0.047376 = 0.879706
    # z = (0.597614 - 0.907213) * sqrt(5) / sqrt(0.879706) = -0.692282 / 0.937926 = -0.738101
    # DSR = Phi(-0.738101) = 0.230226
    d = overfit.deflated_sharpe(HAND, winner="A", n_trials=5)
    assert d.winner == "A" and d.n_trials == 5 and d.trials_with_series == 3
    assert d.trial_variance == pytest.approx(0.578674, abs=1e-6)
    assert d.expected_max == pytest.approx(0.907213, abs=1e-6)
    assert d.benchmark_sharpe == pytest.approx(0.907213, abs=1e-6)
    assert d.value == pytest.approx(0.230226, abs=1e-6)
    assert d.sharpe_annual == pytest.approx(0.597614 * math.sqrt(252), abs=1e-5)
    assert d.reason == ""
    # the formula on the same moments agrees, and fewer trials mean less deflation
    assert overfit.deflated_sharpe_ratio(d.sharpe, 6, d.skew, d.kurtosis, 5, d.trial_variance) == pytest.approx(d.value)
    assert overfit.deflated_sharpe(HAND, winner="A", n_trials=3).value > d.value
    # default winner: the highest Sharpe ratio
    assert overfit.deflated_sharpe(HAND).winner == "A"


def test_deflated_pvr_small_case_by_hand():
    # The same columns read as risked returns. Ranking statistic m = column means:
    # 0.01, 0, -0.01 -> variance (ddof 1) = (1e-4 + 0 + 1e-4) / 2 = 1e-4, sd 0.01.
    # E = 0.01 * maxZ(5) = 0.01 * 1.192594 = 0.011926 (1.1926 %/day)
    # in A's Sharpe units: SR0 = 0.011926 / 0.0167332 = 0.712711
    # z = (0.597614 - 0.712711) * sqrt(5) / 0.937926 = -0.274397; Phi(z) = 0.391890
    d = overfit.deflated_pvr(HAND, n_trials=5)
    assert d.statistic == "pvr" and d.winner == "A"
    assert d.trial_variance == pytest.approx(1e-4, rel=1e-9)
    assert d.expected_max == pytest.approx(0.011926, abs=1e-6)
    assert d.benchmark_sharpe == pytest.approx(0.712711, abs=1e-6)
    assert d.value == pytest.approx(0.391890, abs=1e-6)


def test_one_trial_is_not_deflated():
    # No selection: SR0 = 0 and the DSR is the PSR against zero:
    # Phi(0.597614 * sqrt(5) / 0.937926) = Phi(1.424693) = 0.922885
    assert overfit.expected_max_sharpe(1, math.nan) == 0.0
    d = overfit.deflated_sharpe(HAND[["A"]])
    assert d.value == pytest.approx(0.922885, abs=1e-6) and d.reason == ""


def test_deflation_edge_cases_are_nan_with_a_reason():
    flat = pd.DataFrame({"A": [0.01] * 5, "B": [0.0, 0.01, 0.0, 0.01, 0.0]})
    d = overfit.deflated_sharpe(flat, winner="A")
    assert math.isnan(d.value) and "do not vary" in d.reason
    one = overfit.deflated_sharpe(HAND.iloc[:1])
    assert math.isnan(one.value) and "at least 2" in one.reason
    lonely = overfit.deflated_sharpe(HAND[["A"]], n_trials=4)  # 3 failures, no dispersion to measure
    assert math.isnan(lonely.value) and "variance needs at least 2" in lonely.reason
    assert math.isnan(overfit.probabilistic_sharpe_ratio(0.1, 1, 0, 3))
    assert math.isnan(overfit.probabilistic_sharpe_ratio(math.inf, 100, 0, 3))
    assert math.isnan(overfit.expected_max_sharpe(0, 1.0))
    with pytest.raises(PvrInputError, match="n_trials"):
        overfit.deflated_sharpe(HAND, n_trials=2)  # fewer trials than variants with returns
    with pytest.raises(PvrInputError, match="winner"):
        overfit.deflated_sharpe(HAND, winner="Z")


# ------------------------------------------------------------------ PvR-based returns, rank correlation


def test_risked_returns_by_hand():
    # PnL 0, 0, 50, 30, 130 over max risk 0, 0, 1000, 1000, 2000:
    # day changes 0, 0, 50, -20, 100 -> 0, 0, 0.05, -0.02, 0.05
    r = overfit.risked_returns([0, 0, 50, 30, 130], [0, 0, 1000, 1000, 2000])
    np.testing.assert_allclose(r, [0, 0, 0.05, -0.02, 0.05], rtol=0, atol=1e-15)
    assert np.isnan(overfit.risked_returns([0, 10], [0, 0])[1])  # profit with nothing at risk


def test_rank_correlation_by_hand():
    # ranks 1..5 against 2,1,4,3,5: d = -1,1,-1,1,0, sum d^2 = 4, rho = 1 - 6*4/(5*24) = 0.8
    rc = overfit.rank_correlation([0.1, 0.2, 0.3, 0.4, 0.5], [0.02, 0.01, 0.04, 0.03, 0.05])
    assert rc.rho == pytest.approx(0.8) and rc.variants == 5 and rc.reason == ""
    short = overfit.rank_correlation([1, 2], [2, 1])
    assert math.isnan(short.rho) and "needs 3" in short.reason
    same = overfit.rank_correlation([1, 2, 3], [5, 5, 5])
    assert math.isnan(same.rho) and "equal" in same.reason


# ------------------------------------------------------------------ PBO by CSCV


def _sessions_from_block_sums(block_sums):
    # each block of two sessions: b/2 + 1 and b/2 - 1 (percent), so the block sums to b
    rows = []
    for b in block_sums:
        rows += [b / 2 + 1, b / 2 - 1]
    return np.array(rows) / 100


def test_pbo_small_case_every_combination_by_hand():
    # 4 variants x 8 sessions, S = 4 blocks of 2 sessions. Block sums (percent):
    #   A = [3, 4, 3, 4] (total 14), B = [3, 3, 5, 1] (12), C = [0, 1, 1, 1] (3), D = [4, 4, 2, 2] (12)
    # In-sample = 2 blocks, out-of-sample = the other 2 (sums; the means are sums / 4):
    #   IS {0,1}: A 7 B 6 C 1 D 8 -> D.  OOS A 7 B 6 C 2 D 4: order C D B A, D rank 2   -> w 0.4, logit ln(2/3) = -0.405465
    #   IS {0,2}: A 6 B 8 C 1 D 6 -> B.  OOS A 8 B 4 C 2 D 6: order C B D A, B rank 2   -> -0.405465
    #   IS {0,3}: A 7 B 4 C 1 D 6 -> A.  OOS A 7 B 8 C 2 D 6: order C D A B, A rank 3   -> w 0.6, +0.405465
    #   IS {1,2}: A 7 B 8 C 2 D 6 -> B.  OOS A 7 B 4 C 1 D 6: order C B D A, B rank 2   -> -0.405465
    #   IS {1,3}: A 8 B 4 C 2 D 6 -> A.  OOS A 6 B 8 C 1 D 6: A ties D (ranks 2,3), 2.5 -> w 0.5, logit 0
    #   IS {2,3}: A 7 B 6 C 2 D 4 -> A.  OOS A 7 B 6 C 1 D 8: order C B A D, A rank 3   -> +0.405465
    # PBO = #(logit <= 0) / 6 = 4/6.
    # Winner's (IS, OOS) means in percent: (2, 1), (2, 1), (1.75, 1.75), (2, 1), (2, 1.5), (1.75, 1.75);
    # least squares: mean x 1.916667, mean y 1.333333, Sxy = -0.208333, Sxx = 0.083333,
    # slope -2.5, intercept 1.333333 + 2.5 * 1.916667 = 6.125 percent = 0.06125.
    returns = pd.DataFrame({
        "A": _sessions_from_block_sums([3, 4, 3, 4]), "B": _sessions_from_block_sums([3, 3, 5, 1]),
        "C": _sessions_from_block_sums([0, 1, 1, 1]), "D": _sessions_from_block_sums([4, 4, 2, 2]),
    })
    res = overfit.probability_of_backtest_overfitting(returns, partitions=4, metric="mean")
    assert res.reason == "" and res.combinations == 6 and res.sessions_used == 8
    assert res.pbo == pytest.approx(4 / 6)
    ln = math.log(2 / 3)
    np.testing.assert_allclose(res.logits, [ln, ln, -ln, ln, 0.0, -ln], atol=1e-12)
    assert res.frame()["winner"].tolist() == ["D", "B", "A", "B", "A", "A"]
    np.testing.assert_allclose(res.is_performance, np.array([2, 2, 1.75, 2, 2, 1.75]) / 100, atol=1e-15)
    np.testing.assert_allclose(res.oos_performance, np.array([1, 1, 1.75, 1, 1.5, 1.75]) / 100, atol=1e-15)
    assert res.oos_loss_probability == 0.0
    assert res.degradation_slope == pytest.approx(-2.5)
    assert res.degradation_intercept == pytest.approx(0.06125)


def test_pbo_sharpe_path_equals_direct_computation_on_each_split():
    # The code sums blocks; here every split is rebuilt from the sessions and
    # numpy's own mean/std, a different route to the same Sharpe ratios.
    rng = np.random.default_rng(7)
    m = rng.normal(0.0005, 0.01, (203, 6))  # 203 = 8 * 25 + 3: the 3 earliest sessions are left out
    res = overfit.probability_of_backtest_overfitting(m, partitions=8)
    assert res.sessions_used == 200 and res.combinations == math.comb(8, 4)
    blocks = np.split(m[3:], 8)
    for i, combo in enumerate(itertools.combinations(range(8), 4)):
        ins = np.concatenate([blocks[k] for k in combo])
        oos = np.concatenate([blocks[k] for k in range(8) if k not in combo])
        s_in = ins.mean(0) / ins.std(0, ddof=1)
        s_out = oos.mean(0) / oos.std(0, ddof=1)
        w = int(np.argmax(s_in))
        assert res.winners[i] == w
        assert res.is_performance[i] == pytest.approx(s_in[w], rel=1e-10)
        assert res.oos_performance[i] == pytest.approx(s_out[w], rel=1e-10)
        rank = 1 + np.sum(s_out < s_out[w])
        assert res.logits[i] == pytest.approx(math.log(rank / (7 - rank)), rel=1e-12)


def test_pbo_near_zero_when_one_variant_is_better_by_construction():
    rng = np.random.default_rng(11)
    m = rng.normal(0.0, 0.01, (1000, 10))
    m[:, 3] += 0.004  # a true per-session Sharpe of 0.4 against 0
    res = overfit.probability_of_backtest_overfitting(m, partitions=16)
    assert res.combinations == 12870
    assert res.pbo <= 0.01
    assert np.mean(res.winners == 3) > 0.99
    assert np.median(res.logits) == pytest.approx(math.log(10), rel=1e-12)  # rank 10 of 10: w = 10/11


def test_pbo_near_one_half_for_pure_noise_and_reproducible():
    # With no skill anywhere the in-sample winner's out-of-sample rank is
    # uniform on 1..20, so P(rank <= 10.5) = 1/2.
    pbos = []
    for seed in range(12):
        m = np.random.default_rng(seed).normal(0.0, 0.01, (600, 20))
        res = overfit.probability_of_backtest_overfitting(m, partitions=16)
        pbos.append(res.pbo)
    assert 0.40 <= np.mean(pbos) <= 0.60
    assert min(pbos) > 0.2
    again = overfit.probability_of_backtest_overfitting(np.random.default_rng(5).normal(0.0, 0.01, (600, 20)), 16)
    assert again.pbo == pbos[5]
    np.testing.assert_array_equal(again.logits, overfit.probability_of_backtest_overfitting(
        np.random.default_rng(5).normal(0.0, 0.01, (600, 20)), 16).logits)


def test_pbo_edge_cases_are_nan_with_a_reason():
    one = overfit.probability_of_backtest_overfitting(np.zeros((40, 1)), 4)
    assert math.isnan(one.pbo) and "at least 2" in one.reason and one.combinations == 0
    few = overfit.probability_of_backtest_overfitting(np.random.default_rng(0).normal(size=(5, 3)), 16)
    assert math.isnan(few.pbo) and "too few" in few.reason
    gap = np.random.default_rng(0).normal(size=(40, 3))
    gap[4, 1] = np.nan
    holed = overfit.probability_of_backtest_overfitting(pd.DataFrame(gap, columns=["x", "y", "z"]), 4)
    assert math.isnan(holed.pbo) and "'y'" in holed.reason
    # a variant that never trades (all zero) has a Sharpe ratio of 0 on every set: against
    # losing variants it wins, and PBO stays defined
    m = np.random.default_rng(1).normal(-0.003, 0.01, (80, 4))
    m[:, 0] = 0.0
    res = overfit.probability_of_backtest_overfitting(m, 8)
    assert 0 <= res.pbo <= 1 and np.isfinite(res.logits).all()
    assert np.mean(res.winners == 0) > 0.5 and np.all(res.is_performance[res.winners == 0] == 0.0)
    assert overfit.deflated_sharpe(m, winner=1).trials_with_series == 4
    # ... and it enters the trials' Sharpe dispersion as 0
    sharpes = [0.0] + [overfit.sharpe_stats(m[:, j]).sharpe for j in (1, 2, 3)]
    assert overfit.deflated_sharpe(m, winner=1).trial_variance == pytest.approx(np.var(sharpes, ddof=1))
    for bad in (3, 0, 22, True):
        with pytest.raises(PvrInputError, match="partitions"):
            overfit.probability_of_backtest_overfitting(m, bad)
    with pytest.raises(PvrInputError, match="metric"):
        overfit.probability_of_backtest_overfitting(m, 8, metric="sortino")


def test_pbo_as_dict_is_plain_data():
    res = overfit.probability_of_backtest_overfitting(HAND, partitions=2, metric="mean")
    d = res.as_dict()
    assert d["combinations"] == 2 and len(d["logits"]) == 2 and d["variants"] == ["A", "B", "C"]
    assert all(isinstance(x, float) for x in d["logits"]) and all(w in "ABC" for w in d["winners"])
