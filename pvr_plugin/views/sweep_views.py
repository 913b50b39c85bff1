"""A sweep's parameter views: charts and readable tables of which values win.

Charts (matplotlib, object API, any backend):

* :func:`plot_parameter_effects` - one panel per parameter: every run's
  PvR %/day at its value (dots), the mean (a bar), the range across the other
  parameters (a line), the winning value's label in bold;
* :func:`plot_heatmap` - mean PvR %/day of two parameters' value pairs,
  each cell labelled;
* :func:`plot_parallel` - with more than two parameters, each run a line
  through every parameter's axis to its PvR %/day, coloured by it, the best
  run drawn thickest.

Text (plain strings, no I/O), numbers formatted by their unit from the field
table: :func:`runs_text` (the runs, one column per parameter, failures listed
below with their error) and :func:`effects_text`, as ``pvr sweep`` prints
them at the end.
"""
from __future__ import annotations

import contextlib
import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pvr_plugin.core.fields import BY_NAME
from pvr_plugin.sweep.parameters import (
    FIGURE, best_run, heatmap_pair, heatmap_table, parameter_effects, parameter_frame, params_dict, value_order,
)
from pvr_plugin.views import style
from pvr_plugin.views.text_table import Column, column, number, render, wrap

_PER_DAY = BY_NAME[FIGURE]
#: The figures of the runs table, in order.
RUN_FIGURES = ("pvr_per_day_pct", "pvr_pct", "qret_pct", "max_risk_usd", "max_leverage", "sharpe")


def _num(value, spec):
    return number(value, _PER_DAY.unit, spec)


def value_text(value):
    """A parameter value as shown: ``63``, ``weekly``, ``1,000,000`` for capital."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    if isinstance(value, float):
        return format(value, ".6g")  # 0.30000000000000004 from arithmetic reads 0.3
    return str(value)


# ------------------------------------------------------------------ charts


def plot_parameter_effects(results, figure=None):
    """One panel per parameter: PvR %/day of every run at each value, mean and spread; return the figure."""
    effects = parameter_effects(results)
    frame = parameter_frame(results)
    names = list(dict.fromkeys(effects["parameter"]))
    size = (max(4.0, 3.2 * len(names)), 3.0)
    with _style(figure, size[0]):
        fig = figure or _figure(size)
        if not names:
            ax = fig.add_subplot()
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no successful runs with parameters", ha="center", va="center")
            return fig
        axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
        for ax, name in zip(axes, names):
            rows = effects[effects["parameter"] == name].reset_index(drop=True)
            for x, row in rows.iterrows():
                ys = frame.loc[frame[name] == row["value"], FIGURE].to_numpy(dtype=float)
                ys = ys[np.isfinite(ys)]
                offsets = np.linspace(-0.12, 0.12, len(ys)) if len(ys) > 1 else np.zeros(len(ys))
                color = style.BLUE if row["wins"] else style.GREY
                ax.vlines(x, row["worst_pvr_per_day_pct"], row["best_pvr_per_day_pct"], color=color, lw=1.0)
                ax.scatter(x + offsets, ys, s=12, color=color, alpha=0.7, zorder=3, linewidths=0)
                ax.hlines(row["mean_pvr_per_day_pct"], x - 0.28, x + 0.28, color=color, lw=2.2, zorder=4)
            ax.set_xticks(range(len(rows)), [value_text(v) for v in rows["value"]])
            for label, wins in zip(ax.get_xticklabels(), rows["wins"]):
                label.set_fontweight("bold" if wins else "normal")
            ax.set_xlim(-0.6, len(rows) - 0.4)
            ax.axhline(0.0, color="black", lw=0.6, alpha=0.6)
            ax.set_title(name)
            ax.grid(axis="x", visible=False)
        axes[0].set_ylabel(_PER_DAY.header)
    return fig


def plot_heatmap(results, ax, rows=None, columns=None):
    """Mean PvR %/day of each value pair of two parameters on ``ax`` (labelled cells)."""
    table = heatmap_table(results, rows, columns)
    if table.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "a heat map needs two parameters", ha="center", va="center")
        return ax
    values = table.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    image = ax.imshow(values, cmap="RdYlGn", vmin=-bound or -1, vmax=bound or 1, aspect="auto")
    ax.set_xticks(range(values.shape[1]), [value_text(v) for v in table.columns])
    ax.set_yticks(range(values.shape[0]), [value_text(v) for v in table.index])
    ax.set_xlabel(table.columns.name)
    ax.set_ylabel(table.index.name)
    ax.grid(False)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            dark = np.isfinite(values[i, j]) and abs(values[i, j]) > 0.7 * bound
            ax.text(j, i, _num(values[i, j], _PER_DAY.fmt), ha="center", va="center", fontsize="small",
                    color="white" if dark else "black")
    ax.set_title(f"Mean {_PER_DAY.header}")
    ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
    return ax


def plot_parallel(results, ax):
    """Parallel coordinates: each run's parameter values and its PvR %/day, coloured by it."""
    frame = parameter_frame(results)
    names = frame.attrs["parameters"]
    figures = frame[FIGURE].to_numpy(dtype=float)
    ok = np.isfinite(figures)
    if not names or not ok.any():
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no runs to draw", ha="center", va="center")
        return ax
    positions, ticks = [], []
    for name in names:
        order = value_order(frame[name].dropna().tolist())
        where = {v: (i / (len(order) - 1) if len(order) > 1 else 0.5) for i, v in enumerate(order)}
        positions.append(frame[name].map(where).to_numpy(dtype=float))
        ticks.append((order, [where[v] for v in order]))
    lo, hi = float(np.min(figures[ok])), float(np.max(figures[ok]))
    scaled = (figures - lo) / (hi - lo) if hi > lo else np.full(len(figures), 0.5)
    columns = np.column_stack(positions + [scaled])
    cmap = matplotlib.colormaps["viridis"]
    best = int(np.nanargmax(figures))
    for k in np.argsort(np.where(ok, figures, -np.inf)):
        if not ok[k]:
            continue
        ax.plot(range(columns.shape[1]), columns[k], color=cmap(scaled[k]),
                lw=2.4 if k == best else 1.0, alpha=1.0 if k == best else 0.75, zorder=3 if k == best else 2)
    for i, (order, where) in enumerate(ticks):
        ax.axvline(i, color="black", lw=0.6)
        for v, y in zip(order, where):
            ax.text(i + 0.03, y, value_text(v), fontsize="small", va="center", ha="left",
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.5})
    last = columns.shape[1] - 1
    ax.axvline(last, color="black", lw=0.6)
    for y, text in ((0.0, _num(lo, _PER_DAY.fmt)), (1.0, _num(hi, _PER_DAY.fmt))):
        ax.text(last + 0.03, y, text, fontsize="small", va="center", ha="left")
    ax.set_xticks(range(columns.shape[1]), names + [_PER_DAY.header])
    ax.set_yticks([])
    ax.set_xlim(-0.1, last + 0.5)
    ax.set_ylim(-0.08, 1.08)
    ax.grid(False)
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.set_title("Each run's parameters and its PvR %/day (best run thickest)")
    return ax


def plot_sweep_views(results, figure=None):
    """Every view the sweep has: effects, then the heat map (two or more parameters) and
    parallel coordinates (more than two); return the figure."""
    names = parameter_frame(results).attrs["parameters"]
    panels = 1 + (len(names) >= 2) + (len(names) > 2)
    size = (max(7.0, 3.2 * len(names)), 3.2 * panels)
    with _style(figure, size[0]):
        fig = figure or _figure(size)
        grid = fig.add_gridspec(panels, 1)
        plot_parameter_effects(results, fig.add_subfigure(grid[0]))
        k = 1
        if len(names) >= 2:
            plot_heatmap(results, fig.add_subfigure(grid[k]).add_subplot())
            k += 1
        if len(names) > 2:
            plot_parallel(results, fig.add_subfigure(grid[k]).add_subplot())
    return fig


def _style(figure, width_in):
    """pyfolio's look sized to a figure drawn here; a figure given by the caller keeps the caller's style
    (the comparison page draws in its own small type)."""
    return matplotlib.rc_context(style.sized(width_in)) if figure is None else contextlib.nullcontext()


def _figure(size):
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


# ------------------------------------------------------------------ text


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _values_column(label, values, floor=10):
    """A column of parameter values: right-aligned when every one is a number, else cut like text."""
    numeric = all(_is_number(v) for v in values)
    return Column(label, tuple(value_text(v) for v in values), right=numeric, floor=0 if numeric else floor)


def runs_text(results):
    """The sweep's runs, best PvR %/day first: one column per parameter, failures listed with their error."""
    if results is None or len(results) == 0:
        return "no runs"
    params = [params_dict(p) for p in results["params"]] if "params" in results else [{}] * len(results)
    names = sorted({k for p in params for k in p})
    several = "capital_usd" in results and results["capital_usd"].nunique(dropna=True) > 1
    ok = [(row, p) for (_, row), p in zip(results.iterrows(), params) if row.get("status") == "ok"]
    failed = [(row, p) for (_, row), p in zip(results.iterrows(), params) if row.get("status") != "ok"]
    ok.sort(key=lambda rp: -rp[0][FIGURE] if pd.notna(rp[0][FIGURE]) else math.inf)
    if ok:
        rows = [row for row, _ in ok]
        columns = [column("run_id", [row["run_id"] for row in rows])]
        columns += [_values_column(n, [p.get(n, "") for _, p in ok]) for n in names]
        if several:
            columns.append(column("capital_usd", [row["capital_usd"] for row in rows]))
        columns += [column(f, [row[f] for row in rows]) for f in RUN_FIGURES]
        # the tag repeats the figures in short: it gives up its width first
        columns.append(column("tag", [row.get("tag") or "" for row in rows], floor=8))
        text = render(columns, keep=1 + len(names))
    else:
        text = "no successful runs"
    if failed:
        lines = [line for row, p in failed for line in wrap(
            f"run {row['run_id']} {' '.join(f'{k}={value_text(v)}' for k, v in sorted(p.items()))}: "
            f"{row.get('error') or 'failed'}", indent="  ")]
        text += f"\n\nfailed ({len(failed)}):\n" + "\n".join(lines)
    return text


def effects_text(results):
    """Which values win: PvR %/day by each parameter's values, the spread across the other parameters."""
    effects = parameter_effects(results)
    if effects.empty:
        return "no successful runs to rank parameters by"
    rows = list(effects.itertuples(index=False))
    columns = [Column("parameter", tuple(r.parameter for r in rows), right=False, floor=10),
               _values_column("value", [r.value for r in rows]),
               Column("runs", tuple(str(r.runs) for r in rows))]
    columns += [column(FIGURE, [getattr(r, f"{what}_pvr_per_day_pct") for r in rows], label=what)
                for what in ("mean", "median", "worst", "best")]
    columns += [Column("best run", tuple("" if r.best_run_id is None else str(r.best_run_id) for r in rows)),
                Column("", tuple("<- wins" if r.wins else "" for r in rows), right=False)]
    text = f"{_PER_DAY.header} by parameter value (mean, median, worst and best over the other parameters):\n"
    text += render(columns, keep=2)
    best = best_run(results)
    if best is not None:
        run_id, values = best
        shown = " ".join(f"{k}={value_text(v)}" for k, v in values.items())
        text += "\n" + "\n".join(wrap(f"best run: {run_id} ({shown})"))
    pair = heatmap_pair(results)
    if pair is not None:
        table = heatmap_table(results, *pair)
        columns = [_values_column(pair[0], list(table.index))]
        columns += [column(FIGURE, list(table[c]), label=value_text(c)) for c in table.columns]
        text += (f"\n\nmean {_PER_DAY.header}, {pair[0]} (rows) by {pair[1]} (columns):\n"
                 + render(columns))
    return text
