"""Speed of the CSCV probability of backtest overfitting, and of a sweep's validation report.

PBO by block sums (pvr_plugin.core.overfit) against the straightforward loop
that rebuilds every in-sample / out-of-sample split from the sessions and
computes each variant's Sharpe ratio with numpy, both in this process:

    python benchmarks/bench_overfit.py [--variants 50] [--sessions 750] [--partitions 16]
"""
import argparse
import itertools
import sys
import time

import numpy as np

from pvr_plugin.core.overfit import probability_of_backtest_overfitting


def loop_pbo(m, s):
    """The textbook CSCV: one split at a time, Sharpe ratios from the rows."""
    t, n = m.shape
    rows = t // s
    blocks = np.split(m[t - rows * s:], s)
    logits = []
    for combo in itertools.combinations(range(s), s // 2):
        ins = np.concatenate([blocks[k] for k in combo])
        oos = np.concatenate([blocks[k] for k in range(s) if k not in combo])
        s_in = ins.mean(0) / ins.std(0, ddof=1)
        s_out = oos.mean(0) / oos.std(0, ddof=1)
        w = int(np.argmax(s_in))
        rank = 1 + np.sum(s_out < s_out[w]) + (np.sum(s_out == s_out[w]) - 1) / 2
        x = rank / (n + 1)
        logits.append(np.log(x / (1 - x)))
    return float(np.mean(np.array(logits) <= 0))


def best_of(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=750)
    parser.add_argument("--partitions", type=int, default=16)
    args = parser.parse_args(argv)
    m = np.random.default_rng(0).normal(0.0003, 0.01, (args.sessions, args.variants))
    fast_s, fast = best_of(lambda: probability_of_backtest_overfitting(m, args.partitions).pbo)
    loop_s, slow = best_of(lambda: loop_pbo(m, args.partitions), repeat=1)
    assert abs(fast - slow) < 1e-12, (fast, slow)
    print(f"PBO, {args.variants} variants x {args.sessions} sessions, S = {args.partitions} "
          f"({len(list(itertools.combinations(range(args.partitions), args.partitions // 2))):,} combinations)")
    print(f"  block sums (pvr_plugin)   {fast_s:8.3f} s")
    print(f"  per-split loop            {loop_s:8.3f} s   ratio {loop_s / fast_s:.1f}x slower")
    return 0


if __name__ == "__main__":
    sys.exit(main())
