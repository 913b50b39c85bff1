"""Is the sweep's winner real? Out-of-sample ranks, PBO and deflated ratios of a sweep.

:func:`validate_sweep` reads each variant's per-session series (kept in the
run ledger with its row, :mod:`pvr_plugin.store.series`) and returns a
:class:`SweepValidation`:

* for each in-sample / out-of-sample fold of the spec
  (:mod:`pvr_plugin.sweep.folds`): every variant's PvR %/day, QRet % and
  Sharpe ratio in both ranges, ranked by in-sample PvR %/day; the in-sample
  winner's out-of-sample rank and value, Spearman's rho between the two
  PvR %/day rankings, and how far the winner fell;
* on the *selection sessions* (the in-sample range when the spec has one
  out-of-sample range; the whole run without one, and with walk-forward folds,
  whose in-sample ranges differ): the probability of backtest overfitting of
  the PvR %/day ranking (CSCV, mean of per-session risked returns) and of the
  Sharpe ranking (per-session returns), and the deflated Sharpe ratio and
  deflated PvR ratio of the PvR %/day winner, with every variant of the sweep
  counted as a trial, failed ones included
  (:mod:`pvr_plugin.core.deflation`, :mod:`pvr_plugin.core.overfit`).

Variants without a kept series (a failed run, or one recorded by an older
version) are left out of the tables and the CSCV matrix and still counted as
trials.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pvr_plugin.core import overfit
from pvr_plugin.store.series import read_series
from pvr_plugin.sweep.series import window_figures
from pvr_plugin.sweep.spec import run_key

WINDOW_COLUMNS = ("pvr_per_day_pct", "qret_pct", "sharpe")


@dataclass(frozen=True)
class FoldSummary:
    """How the in-sample PvR %/day winner of one fold did out of sample.

    Attributes
    ----------
    fold : pvr_plugin.sweep.folds.Fold
    variants : int
        Variants with figures in both ranges.
    winner : str
        The in-sample winner's label (its parameters).
    winner_is_pvr_per_day_pct, winner_oos_pvr_per_day_pct : float
        Its PvR %/day in and out of sample.
    winner_oos_rank : float
        Its out-of-sample rank (1 = best; ties share the average rank).
    best_oos : str
        The out-of-sample best variant.
    fall_pvr_per_day_pct : float
        In-sample minus out-of-sample PvR %/day of the winner (positive = fell).
    rank_correlation : pvr_plugin.core.overfit.RankCorrelation
        Spearman's rho of in- and out-of-sample PvR %/day.
    """

    fold: object
    variants: int
    winner: str
    winner_is_pvr_per_day_pct: float
    winner_oos_pvr_per_day_pct: float
    winner_oos_rank: float
    best_oos: str
    fall_pvr_per_day_pct: float
    rank_correlation: object

    def as_dict(self):
        rc = self.rank_correlation
        return {
            **self.fold.as_dict(), "variants": self.variants, "winner": self.winner,
            "winner_is_pvr_per_day_pct": self.winner_is_pvr_per_day_pct,
            "winner_oos_pvr_per_day_pct": self.winner_oos_pvr_per_day_pct,
            "winner_oos_rank": self.winner_oos_rank, "best_oos": self.best_oos,
            "fall_pvr_per_day_pct": self.fall_pvr_per_day_pct,
            "rank_correlation": {"rho": rc.rho, "p_value": rc.p_value, "variants": rc.variants, "reason": rc.reason},
        }


@dataclass(frozen=True)
class SweepValidation:
    """Everything :func:`validate_sweep` found; ``as_dict()`` for JSON.

    Attributes
    ----------
    sweep_id : str
    trials : int
        Variants in the sweep (failures counted).
    with_series : int
        Variants whose series entered the statistics.
    variants : pandas.DataFrame
        One row per variant with a series: ``variant`` (label), ``run_id``,
        ``params_key``, whole-run ``pvr_per_day_pct``, and per fold ``k``
        (1-based) ``is{k}_``/``oos{k}_`` + ``pvr_per_day_pct``, ``qret_pct``,
        ``sharpe`` (annualised) and ``is{k}_rank``/``oos{k}_rank``, sorted
        by the first fold's in-sample rank (by whole-run PvR %/day without folds).
    folds : list of FoldSummary
    selection : tuple of str
        First and last session the PBO and deflated ratios used.
    pbo_pvr, pbo_returns : pvr_plugin.core.overfit.PboResult
        PBO of the PvR %/day ranking (risked returns, mean) and of the Sharpe
        ranking (returns, Sharpe).
    deflated_sharpe, deflated_pvr : pvr_plugin.core.deflation.DeflatedRatio
        Of the selection's PvR %/day winner.
    missing : list of str
        Labels of variants that ran but whose series was not found.
    """

    sweep_id: str
    trials: int
    with_series: int
    variants: pd.DataFrame = field(repr=False)
    folds: list
    selection: tuple
    pbo_pvr: object
    pbo_returns: object
    deflated_sharpe: object
    deflated_pvr: object
    missing: list

    def as_dict(self):
        """Plain data (NaN as None), ready for ``json.dumps``."""
        return json_safe({
            "sweep_id": self.sweep_id, "trials": self.trials, "with_series": self.with_series,
            "selection": list(self.selection), "missing_series": self.missing,
            "variants": self.variants.to_dict(orient="records"),
            "folds": [f.as_dict() for f in self.folds],
            "pbo_pvr": self.pbo_pvr.as_dict(), "pbo_returns": self.pbo_returns.as_dict(),
            "deflated_sharpe": self.deflated_sharpe.as_dict(), "deflated_pvr": self.deflated_pvr.as_dict(),
        })


def json_safe(obj):
    """Nested data with NaN/inf as None and numpy scalars as Python ones."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def variant_label(combination, several_capitals=False):
    """Short text naming a variant: ``lookback=63 rebalance=weekly`` (+ capital when swept)."""
    params = combination["params"]
    text = " ".join(f"{k}={v}" for k, v in sorted(params.items())) or "(defaults)"
    if several_capitals:
        text += f" capital={combination['capital_base']:g}"
    return text


def _latest_ok(results):
    """params_key -> the newest ok ledger row of each combination."""
    if results is None or len(results) == 0:
        return {}
    ok = results[results["status"] == "ok"].sort_values("run_id")
    return {row["params_key"]: row for _, row in ok.iterrows()}


def _ranks(values):
    """1 = highest; NaN last; ties share the average rank."""
    s = pd.Series(values, dtype=float)
    return s.rank(ascending=False, method="average", na_option="bottom").to_numpy()


def _fold_columns(table, series, fold, k):
    for side, (first, last) in (("is", (fold.in_first, fold.in_last)), ("oos", (fold.oos_first, fold.oos_last))):
        figures = [window_figures(s, first, last) for s in series]
        for col in WINDOW_COLUMNS:
            table[f"{side}{k}_{col}"] = [f[col] for f in figures]
        table[f"{side}{k}_rank"] = _ranks(table[f"{side}{k}_pvr_per_day_pct"])


def _fold_summary(table, fold, k):
    is_v, oos_v = table[f"is{k}_pvr_per_day_pct"].to_numpy(), table[f"oos{k}_pvr_per_day_pct"].to_numpy()
    both = np.isfinite(is_v) & np.isfinite(oos_v)
    rc = overfit.rank_correlation(is_v, oos_v)
    nan = math.nan
    if not np.isfinite(is_v).any():
        return FoldSummary(fold, int(both.sum()), "", nan, nan, nan, "", nan, rc)
    w = int(np.nanargmax(is_v))
    best = int(np.nanargmax(oos_v)) if np.isfinite(oos_v).any() else None
    return FoldSummary(
        fold=fold, variants=int(both.sum()), winner=table["variant"].iloc[w],
        winner_is_pvr_per_day_pct=float(is_v[w]), winner_oos_pvr_per_day_pct=float(oos_v[w]),
        winner_oos_rank=float(table[f"oos{k}_rank"].iloc[w]),
        best_oos="" if best is None else table["variant"].iloc[best],
        fall_pvr_per_day_pct=float(is_v[w] - oos_v[w]), rank_correlation=rc,
    )


def _selection_matrices(series, labels, first, last):
    figures = [window_figures(s, first, last) for s in series]
    lengths = {len(f["returns"]) for f in figures}
    if len(lengths) > 1:
        # Variants of one sweep share their sessions; if not, use the common tail.
        n = min(lengths)
        figures = [{**f, "returns": f["returns"][-n:], "risked": f["risked"][-n:]} for f in figures]
    returns = pd.DataFrame({lab: f["returns"] for lab, f in zip(labels, figures)})
    risked = pd.DataFrame({lab: f["risked"] for lab, f in zip(labels, figures)})
    pvr_per_day = np.array([f["pvr_per_day_pct"] for f in figures], dtype=float)
    return returns, risked, pvr_per_day


def validate_sweep(spec, results, ledger=None, partitions=overfit.DEFAULT_PARTITIONS):
    """The "is the winner real?" report of a finished (or resumed) sweep.

    Parameters
    ----------
    spec : pvr_plugin.sweep.spec.SweepSpec
    results : pandas.DataFrame
        The sweep's ledger rows (what :func:`pvr_plugin.sweep.engine.run_sweep` returns).
    ledger : RunLedger, optional
        Where the series are kept; default the run ledger under ``$PVR_HOME``.
    partitions : int
        CSCV's number of blocks S (even, 2..20).

    Returns
    -------
    SweepValidation
    """
    from pvr_plugin.store.run_ledger import RunLedger

    ledger = ledger or RunLedger()
    combos = spec.combinations()
    several = len(spec.capital_bases) > 1
    rows = _latest_ok(results)
    kept = read_series(ledger, [int(r["run_id"]) for r in rows.values()],
                       names=("value_usd", "cash_usd", "long_usd", "short_usd", "returns"))
    found, missing = [], []
    for combo in combos:
        key = run_key(combo)
        if key not in rows:
            continue
        s = kept.get(int(rows[key]["run_id"]))
        if s is None:
            missing.append(variant_label(combo, several))
        else:
            found.append((combo, key, rows[key], s))
    labels = [variant_label(c, several) for c, _, _, _ in found]
    series = [s for _, _, _, s in found]
    table = pd.DataFrame({
        "variant": labels,
        "run_id": [int(r["run_id"]) for _, _, r, _ in found],
        "params_key": [k for _, k, _, _ in found],
        "pvr_per_day_pct": [float(r["pvr_per_day_pct"]) for _, _, r, _ in found],
    })
    summaries = []
    for k, fold in enumerate(spec.folds, 1):
        _fold_columns(table, series, fold, k)
        summaries.append(_fold_summary(table, fold, k))
    if len(spec.folds) == 1:
        first, last = spec.folds[0].in_first, spec.folds[0].in_last
    else:
        first = last = None
    returns, risked, pvr_per_day = _selection_matrices(series, labels, first, last)
    winner = labels[int(np.nanargmax(pvr_per_day))] if np.isfinite(pvr_per_day).any() else None
    if series:
        sess = series[0].index.to_numpy(dtype="datetime64[ns]")
        lo = sess[0] if first is None else np.datetime64(pd.Timestamp(first), "ns")
        hi = sess[-1] if last is None else np.datetime64(pd.Timestamp(last), "ns")
        selection = (str(pd.Timestamp(lo).date()), str(pd.Timestamp(hi).date()))
    else:
        selection = (spec.start, spec.end) if first is None else (first, last)
    trials = len(combos)
    sort = "is1_rank" if spec.folds else "pvr_per_day_pct"
    table = table.sort_values(sort, ascending=bool(spec.folds), na_position="last", kind="stable")
    return SweepValidation(
        sweep_id=spec.sweep_id, trials=trials, with_series=len(found), variants=table.reset_index(drop=True),
        folds=summaries, selection=selection,
        pbo_pvr=overfit.probability_of_backtest_overfitting(risked, partitions, metric="mean"),
        pbo_returns=overfit.probability_of_backtest_overfitting(returns, partitions, metric="sharpe"),
        deflated_sharpe=_deflate(overfit.deflated_sharpe, returns, winner, trials),
        deflated_pvr=_deflate(overfit.deflated_pvr, risked, winner, trials),
        missing=missing,
    )


def _deflate(func, matrix, winner, trials):
    if matrix.shape[1] == 0 or winner is None:
        nan = math.nan
        return overfit.DeflatedRatio(
            value=nan, statistic="pvr" if func is overfit.deflated_pvr else "sharpe", winner=None,
            sharpe=nan, sharpe_annual=nan, benchmark_sharpe=nan, benchmark_sharpe_annual=nan, expected_max=nan,
            trial_variance=nan, sessions=0, skew=nan, kurtosis=nan, n_trials=trials,
            trials_with_series=int(matrix.shape[1]), reason="no variant with a series and a defined PvR %/day",
        )
    return func(matrix, winner=winner, n_trials=trials)


def validation_json(validation, results=None, parameters=None):
    """The JSON text ``pvr sweep --json`` prints: runs, parameter table, validation."""
    doc = {"sweep_id": validation.sweep_id}
    if results is not None:
        runs = results.copy()
        runs["params"] = runs["params"].map(lambda p: json.loads(p) if isinstance(p, str) else p)
        doc["runs"] = runs.to_dict(orient="records")
    if parameters is not None:
        doc["parameters"] = parameters.to_dict(orient="records")
    doc["validation"] = validation.as_dict()
    return json.dumps(json_safe(doc), indent=1, sort_keys=False, default=str)

