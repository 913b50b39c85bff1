"""Which parameter values win a sweep: PvR %/day by each parameter's values, as data.

From a sweep's ledger rows (what :func:`pvr_plugin.sweep.engine.run_sweep`
returns, or ``RunLedger.query(sweep_id=...)``), successful runs only:

* :func:`parameter_frame` - one row per run: its id, PvR %/day and one column
  per parameter (the capital base too when the sweep has several);
* :func:`parameter_effects` - for each value of each parameter, the runs with
  that value, whatever the other parameters: how many, their mean, median,
  lowest and highest PvR %/day and the best of them. The value with the
  highest mean wins (ties: the first in value order);
* :func:`heatmap_table` - the mean PvR %/day of each pair of values of two
  parameters (averaged over the others), and :func:`heatmap_pair`, the two
  parameters whose means differ most.

When a combination was run more than once (a resumed sweep retries failures
only, but the same spec run under another ledger row may repeat), its newest
successful row counts.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

FIGURE = "pvr_per_day_pct"
CAPITAL = "capital_base"
EFFECT_COLUMNS = ("parameter", "value", "runs", "mean_pvr_per_day_pct", "median_pvr_per_day_pct",
                  "worst_pvr_per_day_pct", "best_pvr_per_day_pct", "best_run_id", "wins")


def params_dict(value):
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def value_order(values):
    """Numbers ascending, then everything else by its text."""
    def key(v):
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return (0, float(v), "")
        return (1, 0.0, str(v))
    return sorted(set(values), key=key)


def _hashable(v):
    return json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v


def parameter_frame(results):
    """One row per successful run: ``run_id``, ``pvr_per_day_pct`` and each parameter's value.

    Returns
    -------
    pandas.DataFrame
        ``attrs['parameters']`` lists the parameter columns (grid names in
        sorted order, then ``capital_base`` when the sweep has several).
    """
    if results is None or len(results) == 0:
        frame = pd.DataFrame(columns=["run_id", FIGURE])
        frame.attrs["parameters"] = []
        return frame
    ok = results[results["status"] == "ok"] if "status" in results else results
    if "params_key" in ok and "run_id" in ok:
        ok = ok.sort_values("run_id").drop_duplicates("params_key", keep="last")
    params = [params_dict(p) for p in ok["params"]] if "params" in ok else [{} for _ in range(len(ok))]
    names = sorted({k for p in params for k in p})
    frame = pd.DataFrame({
        "run_id": pd.to_numeric(ok["run_id"], errors="coerce").astype("Int64").to_numpy() if "run_id" in ok
        else np.arange(1, len(ok) + 1),
        FIGURE: pd.to_numeric(ok[FIGURE], errors="coerce").to_numpy(dtype=float),
    })
    for name in names:
        frame[name] = [_hashable(p.get(name)) for p in params]
    if "capital_usd" in ok and ok["capital_usd"].nunique(dropna=True) > 1:
        frame[CAPITAL] = pd.to_numeric(ok["capital_usd"], errors="coerce").to_numpy(dtype=float)
        names.append(CAPITAL)
    frame.attrs["parameters"] = names
    return frame


def parameter_effects(results):
    """PvR %/day by each value of each parameter, the spread across the other parameters.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EFFECT_COLUMNS`; one row per (parameter, value), values
        in order (numbers ascending); ``wins`` marks each parameter's value
        with the highest mean. Runs whose PvR %/day is undefined count in
        ``runs`` and in nothing else.
    """
    frame = parameter_frame(results)
    rows = []
    for name in frame.attrs["parameters"]:
        group_rows = []
        for value in value_order(frame[name].dropna().tolist()):
            sub = frame[frame[name] == value]
            figures = sub[FIGURE].to_numpy(dtype=float)
            finite = np.isfinite(figures)
            best = int(sub["run_id"].iloc[int(np.nanargmax(figures))]) if finite.any() else None
            group_rows.append({
                "parameter": name, "value": value, "runs": len(sub),
                "mean_pvr_per_day_pct": float(figures[finite].mean()) if finite.any() else math.nan,
                "median_pvr_per_day_pct": float(np.median(figures[finite])) if finite.any() else math.nan,
                "worst_pvr_per_day_pct": float(figures[finite].min()) if finite.any() else math.nan,
                "best_pvr_per_day_pct": float(figures[finite].max()) if finite.any() else math.nan,
                "best_run_id": best, "wins": False,
            })
        means = np.array([r["mean_pvr_per_day_pct"] for r in group_rows], dtype=float)
        if np.isfinite(means).any():
            group_rows[int(np.nanargmax(means))]["wins"] = True
        rows += group_rows
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def parameter_winners(results):
    """``{parameter: winning value}`` (highest mean PvR %/day across the other parameters)."""
    effects = parameter_effects(results)
    won = effects[effects["wins"]]
    return dict(zip(won["parameter"], won["value"]))


def best_run(results):
    """The successful run with the highest PvR %/day: ``(run_id, {parameter: value})``, or None."""
    frame = parameter_frame(results)
    figures = frame[FIGURE].to_numpy(dtype=float)
    if not np.isfinite(figures).any():
        return None
    row = frame.iloc[int(np.nanargmax(figures))]
    return int(row["run_id"]), {name: row[name] for name in frame.attrs["parameters"]}


def heatmap_pair(results):
    """The two parameters whose value means differ most (first in name order on ties), or None."""
    effects = parameter_effects(results)
    names = list(dict.fromkeys(effects["parameter"]))
    if len(names) < 2:
        return None
    spread = {n: np.nanmax(g["mean_pvr_per_day_pct"]) - np.nanmin(g["mean_pvr_per_day_pct"])
              if g["mean_pvr_per_day_pct"].notna().any() else -math.inf
              for n, g in effects.groupby("parameter", sort=False)}
    ranked = sorted(names, key=lambda n: -spread[n])[:2]
    return tuple(n for n in names if n in ranked)


def heatmap_table(results, rows=None, columns=None):
    """Mean PvR %/day for each pair of values of two parameters (the others averaged over).

    ``rows``/``columns`` default to :func:`heatmap_pair`. Returns a DataFrame
    (index: ``rows``' values, columns: ``columns``' values, in value order),
    empty when the sweep has fewer than two parameters.
    """
    if rows is None or columns is None:
        pair = heatmap_pair(results)
        if pair is None:
            return pd.DataFrame()
        rows, columns = pair
    frame = parameter_frame(results)
    for name in (rows, columns):
        if name not in frame.attrs["parameters"]:
            raise KeyError(f"{name!r} is not a parameter of this sweep")
    table = frame.pivot_table(index=rows, columns=columns, values=FIGURE, aggfunc="mean", dropna=False)
    table = table.reindex(index=value_order(frame[rows].dropna().tolist()),
                          columns=value_order(frame[columns].dropna().tolist()))
    table.index.name, table.columns.name = rows, columns
    return table
