"""Text of a sweep's "is the winner real?" report (plain strings, no I/O)."""
from __future__ import annotations

import math

import pandas as pd

from pvr_plugin.views.text_table import WIDTH, Column, number, render_lines, wrap


def _num(x, digits=4):
    return number(x, "ratio", f".{digits}f")


def _prob(x):
    return number(x, "ratio", ".2f")


def _rank(x):
    return "n/a" if x is None or not math.isfinite(x) else (f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}")


def fold_table(validation, k):
    """Fold ``k`` (1-based) as a DataFrame of text: one row per variant, best in sample first."""
    t = validation.variants.sort_values(f"is{k}_rank", kind="stable")
    cols = {"variant": t["variant"]}
    for side, name in (("is", "IS"), ("oos", "OOS")):
        cols[f"{name} PvR%/d"] = t[f"{side}{k}_pvr_per_day_pct"].map(_num)
        cols[f"{name} QRet%"] = t[f"{side}{k}_qret_pct"].map(lambda x: _num(x, 2))
        cols[f"{name} Sharpe"] = t[f"{side}{k}_sharpe"].map(lambda x: _num(x, 2))
        cols[f"{name} rank"] = t[f"{side}{k}_rank"].map(_rank)
    return pd.DataFrame(cols)


def fold_lines_table(validation, k):
    """Fold ``k`` as text-table lines, two characters narrower than the width (they are indented)."""
    t = fold_table(validation, k)
    columns = [Column(name, tuple(t[name]), right=name != "variant", floor=16 if name == "variant" else 0)
               for name in t.columns]
    return render_lines(columns, width=WIDTH - 2)


def fold_lines(validation):
    """Per fold: the table, the winner's fall, the rank correlation."""
    lines = []
    n = validation.with_series
    for k, s in enumerate(validation.folds, 1):
        f = s.fold
        head = "out of sample" if len(validation.folds) == 1 else f"fold {k}"
        lines.append(f"{head}: in-sample {f.in_first} to {f.in_last}, out-of-sample {f.oos_first} to {f.oos_last},"
                     " ranked by in-sample PvR %/day")
        if n:
            lines += ["  " + line for line in fold_lines_table(validation, k)]
        if s.winner:
            fall = s.fall_pvr_per_day_pct
            moved = (f"fell {_num(fall)}" if fall > 0 else f"rose {_num(-fall)}") if math.isfinite(fall) else "n/a"
            lines.append(
                f"  in-sample winner {s.winner}: {_num(s.winner_is_pvr_per_day_pct)} %/day in sample, "
                f"{_num(s.winner_oos_pvr_per_day_pct)} out of sample ({moved} %/day)"
            )
            lines.append(f"    out-of-sample rank {_rank(s.winner_oos_rank)} of {n}; best out of sample: {s.best_oos}")
        rc = s.rank_correlation
        shown = _num(rc.rho, 2) if not rc.reason else f"n/a ({rc.reason})"
        lines.append(f"  rank correlation in/out of sample (Spearman, PvR %/day): {shown}")
    return lines


def overfit_lines(validation):
    """The PBO and deflated-ratio block."""
    v = validation
    first, last = v.selection
    lines = [f"is the winner real? sessions {first} to {last}; {v.trials} variants tried "
             f"(failures count), {v.with_series} with series"]
    if v.missing:
        lines.append(f"  no kept series for: {', '.join(v.missing)}")

    def pbo_line(label, p):
        if p.reason:
            return f"  {label:<46} n/a ({p.reason})"
        median = float(pd.Series(p.logits).median())
        return (f"  {label:<46} {_prob(p.pbo)}  ({p.partitions} partitions, {p.combinations:,} combinations, "
                f"median logit {median:+.2f}, winner loses out of sample in {p.oos_loss_probability:.0%})")

    lines.append(pbo_line("PBO of the PvR %/day ranking (risked returns)", v.pbo_pvr))
    lines.append(pbo_line("PBO of the Sharpe ranking (returns)", v.pbo_returns))
    for label, d, detail in (
        ("deflated Sharpe ratio of the winner", v.deflated_sharpe,
         lambda d: f"Sharpe {_num(d.sharpe_annual, 2)} a year; best of {d.n_trials} by luck: "
                   f"{_num(d.benchmark_sharpe_annual, 2)}"),
        ("deflated PvR ratio of the winner", v.deflated_pvr,
         lambda d: f"best PvR %/day of {d.n_trials} by luck: {_num(100 * d.expected_max)}"),
    ):
        shown = f"n/a ({d.reason})" if d.reason else f"{_prob(d.value)}  ({detail(d)})"
        lines.append(f"  {label:<46} {shown}")
    if v.deflated_pvr.winner is not None:
        lines.append(f"  winner: {v.deflated_pvr.winner}")
    return lines


def validation_lines(validation):
    """Every line of the report: folds (if any), then the overfitting block, each within the width."""
    lines = fold_lines(validation)
    if lines:
        lines.append("")
    out = []
    for line in lines + overfit_lines(validation):
        indent = line[:len(line) - len(line.lstrip())]
        out += [line] if len(line) <= WIDTH else wrap(line.strip(), indent=indent)
    return out
