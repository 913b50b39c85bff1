"""Several backtests compared by looking: their curves overlaid and the ranked table.

:func:`create_comparison_tear_sheet` takes run ids of the ledger, performance
frames, saved frame files or finished runs, and draws, one row each, PvR %
and QRet % overlaid, max risk, cash low and gross leverage (at the close and
its running maximum); the ranked table (best PvR %/day first) and each run's
settings come back as DataFrames. A ledger run draws from the series the
ledger keeps (:mod:`pvr_plugin.store.series`); a run recorded before the
ledger kept series is in the tables with its summary only, and the sheet says
so. Frames and files are computed with the same function the ledger uses, so
a run compares the same whether it is recorded or saved.

Curves are drawn from every session. Lines longer than ``DRAW_POINTS``
can be drawn as the low and high of :data:`~pvr_plugin.views.inversion_tear.DRAW_BUCKETS` time spans (the
page report does, to stay small); every number in the tables uses every
session.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import gridspec
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pvr_plugin.core.fields import BY_NAME
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.files import load_frame
from pvr_plugin.store.run_ledger import RunLedger
from pvr_plugin.store.series import SUMMARY_ONLY, read_series, session_series
from pvr_plugin.views import pvr_tear, style
from pvr_plugin.views.inversion_tear import draw_positions
from pvr_plugin.views.run_report import COMPARISON_COLUMNS, frame_row, ledger_row, ranked, run_row

#: The curves compared, one chart each (leverage draws ``leverage`` and ``max_leverage``).
CURVES = ("pvr_pct", "qret_pct", "max_risk_usd", "cash_low_usd", "leverage", "max_leverage")
#: Charts, top to bottom: (quantities, title).
CHARTS = (
    (("pvr_pct",), "PvR %: profit over the capital put to work"),
    (("qret_pct",), "QRet %: profit over the starting capital"),
    (("max_risk_usd",), "Max risk: PvR's denominator"),
    (("cash_low_usd",), "Cash low (below zero: margin)"),
    (("leverage", "max_leverage"), "Gross leverage at the close (thin) and its maximum"),
)
#: Settings shown for each run.
SETTINGS = ("run", "source", "algorithm", "params", "sweep_id", "bundle", "start", "end", "data_frequency",
            "capital_usd", "metrics_set", "risk_model", "tag")
#: Draw lines longer than this as lows and highs of time spans (see the module notes).
DRAW_POINTS = 1_200
DRAW_BUCKETS = 400
#: Width of the figure (inches); its type is pyfolio's, scaled to it (:func:`pvr_plugin.views.style.sized`).
WIDTH_IN = 12.0
STYLE = style.sized(WIDTH_IN)
_SETTING_KEYS = ("algorithm", "params", "sweep_id", "bundle", "start", "end", "data_frequency",
                 "capital_usd", "metrics_set")


@dataclass(frozen=True)
class ComparedRun:
    """One run of a comparison.

    Attributes
    ----------
    name : str
        Its label (unique within the comparison).
    row : dict
        Its headline figures (:data:`pvr_plugin.views.run_report.COMPARISON_COLUMNS`).
    series : pandas.DataFrame or None
        Its per-session series (:func:`pvr_plugin.store.series.session_series`);
        None for a run the ledger keeps the summary of only.
    settings : dict
        What ran (:data:`~pvr_plugin.core.fields.SETTINGS`).
    note : str
        Why it has no curves, else empty.
    """

    name: str
    row: dict
    series: pd.DataFrame = field(default=None, repr=False)
    settings: dict = field(default_factory=dict)
    note: str = ""


def _is_run_id(item):
    if isinstance(item, (bool, np.bool_)):
        return False
    return isinstance(item, (int, np.integer)) or (isinstance(item, str) and item.isdigit())


def _params_text(params):
    if isinstance(params, str):
        return params
    return json.dumps(params or {}, sort_keys=True, default=str)


def load_runs(items, ledger=None, model=None):
    """The runs to compare, each with its figures, series and settings.

    Parameters
    ----------
    items : iterable or dict
        Run ids of the ledger (int or digits), performance DataFrames, paths
        of saved frames (``.pkl``/``.pickle``/``.parquet``: a pickle can run
        code when opened, so name only your own files) or finished
        :class:`~pvr_plugin.adapters.runner.RunResult` objects. A dict maps
        display names to items.
    ledger : RunLedger or path, optional
        For run ids (default ``$PVR_HOME/runs.sqlite``).
    model : str, optional
        Risk model for frames and files (default: the frame's own, else
        ``cash_or_short``); ledger runs keep the model they were recorded with.

    Returns
    -------
    list of ComparedRun
        In the order given.
    """
    named = list(items.items()) if isinstance(items, dict) else [(None, item) for item in items]
    if not named:
        raise PvrInputError("nothing to compare: give run ids, frames or files")
    if not isinstance(ledger, RunLedger):
        ledger = RunLedger(ledger)
    ids = [int(item) for _, item in named if _is_run_id(item)]
    kept = read_series(ledger, ids) if ids else {}
    out = []
    for i, (name, item) in enumerate(named):
        if hasattr(item, "perf") and hasattr(item, "algorithm"):
            from pvr_plugin.store.recording import run_series

            row = run_row(item, name)
            settings = {"source": "run", "algorithm": row["algorithm"], "params": _params_text(item.params),
                        "bundle": item.bundle, "data_frequency": item.data_frequency,
                        "capital_usd": item.capital_base, "metrics_set": item.metrics_set}
            out.append(ComparedRun(row["run"], row, run_series(item, model), settings))
        elif _is_run_id(item):
            record = ledger.get(int(item))
            row = ledger_row(record)
            if name is not None:
                row["run"] = str(name)
            series = kept.get(int(item))
            note = "" if series is not None else (
                "a failed run: no figures" if record.get("status") == "failed" else SUMMARY_ONLY)
            settings = {k: record.get(k) for k in _SETTING_KEYS}
            settings.update(source="ledger", params=_params_text(record.get("params")))
            out.append(ComparedRun(row["run"], row, series, settings, note))
        elif isinstance(item, (pd.DataFrame, str, os.PathLike)):
            is_file = not isinstance(item, pd.DataFrame)
            perf = load_frame(item) if is_file else item
            label = name if name is not None else (os.fspath(item) if is_file else f"frame {i + 1}")
            row = frame_row(perf, str(label), model)
            if is_file:
                row.update(source="file", algorithm=os.path.abspath(os.fspath(item)))
            series = session_series(perf, model=model)
            settings = {"source": row["source"], "algorithm": row["algorithm"], "capital_usd": row["capital_usd"]}
            out.append(ComparedRun(row["run"], row, series, settings))
        else:
            raise PvrInputError(
                f"cannot compare a {type(item).__name__}: give run ids, frames, file paths or run results")
    return _unique_names(out)


def _unique_names(runs):
    seen, out = {}, []
    for run in runs:
        seen[run.name] = seen.get(run.name, 0) + 1
        name = run.name if seen[run.name] == 1 else f"{run.name} ({seen[run.name]})"
        row = {**run.row, "run": name}
        settings = {"run": name, **{k: run.settings.get(k) for k in SETTINGS if k != "run"}}
        settings.update(start=row.get("start") or settings.get("start"), end=row.get("end") or settings.get("end"),
                        risk_model=row.get("risk_model"), tag=row.get("tag"))
        out.append(ComparedRun(name, row, run.series, settings, run.note))
    return out


# ------------------------------------------------------------------ tables


def ranked_table(runs):
    """The runs' figures, best PvR %/day first: one row each, with ``rank`` and ``series``."""
    frame = ranked([r.row for r in runs])
    kept = {r.name: ("kept" if r.series is not None else (r.note or SUMMARY_ONLY)) for r in runs}
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    frame["series"] = frame["run"].map(kept)
    return frame


def settings_table(runs):
    """What each run was (:data:`~pvr_plugin.core.fields.SETTINGS`), in the order of :func:`ranked_table`."""
    order = ranked_table(runs)["run"].tolist()
    by_name = {r.name: r.settings for r in runs}
    return pd.DataFrame([by_name[name] for name in order], columns=list(SETTINGS))


def comparison_curves(runs, names=CURVES):
    """Each curve of the runs that have series, side by side: ``{quantity: DataFrame}``.

    Columns are the runs' names (ranked order), the index the union of their
    sessions (NaN where a run has no session).
    """
    order = ranked_table(runs)["run"].tolist()
    by_name = {r.name: r for r in runs if r.series is not None}
    shown = [n for n in order if n in by_name]
    return {q: pd.DataFrame({n: by_name[n].series[q] for n in shown}) for q in names}


# ------------------------------------------------------------------ drawing


def run_colors(names):
    """A colour and line style for each run name, in order (tab10, then tab20's light shades)."""
    dark = [matplotlib.colormaps["tab10"](i) for i in range(10)]
    light = [matplotlib.colormaps["tab20"](2 * i + 1) for i in range(10)]
    palette = [matplotlib.colors.to_hex(c) for c in dark + light]
    styles = ("-", "--", ":", "-.")
    return {n: (palette[i % 20], styles[(i // 20) % 4]) for i, n in enumerate(names)}


def unit_formatter(unit):
    """Tick labels for a field-table unit: dollars, percent or plain."""
    if unit == "usd":
        return style.MoneyFormatter()
    if unit in ("pct", "pct_per_day"):
        return style.PercentTicks(100.0)
    return FuncFormatter(lambda y, _pos=None: f"{y:g}")


def _line(ax, series, color, linestyle, width, max_points, steps=False, gid=None):
    values = series.to_numpy(dtype=float)
    keep = draw_positions(series.index, values, max_points=max_points, buckets=DRAW_BUCKETS)
    x = series.index[keep]
    ax.plot(x, values[keep], color=color, linestyle=linestyle, linewidth=width,
            drawstyle="steps-post" if steps else "default", gid=gid)


def _drawn(run, quantity):
    """A run's curve as drawn: leverage left out where the account value is at or below $0 (undefined)."""
    series = run.series[quantity]
    if quantity == "leverage" and "value_usd" in run.series:
        series = series.where(~pvr_tear.undefined_leverage(run.series["value_usd"].to_numpy()))
    return series


def draw_chart(ax, runs, quantities, title, colors, max_points=None):
    """One chart of the comparison: each run's ``quantities`` on ``ax``.

    Each line's gid is ``run-<position of the run in runs>-<quantity>`` (the
    id of its group in SVG output). Leverage is left out where a run's
    account value is at or below $0, and drawn on a log scale when extreme
    (see :func:`pvr_plugin.views.pvr_tear.leverage_scale`); the chart's
    right-hand title says so.
    """
    unit = BY_NAME[quantities[0]].unit
    drawn, notes = [], []
    for i, run in enumerate(runs):
        if run.series is None:
            continue
        color, linestyle = colors[run.name]
        for q in quantities:
            running = q.startswith(("max_", "cash_low"))
            thin = len(quantities) > 1 and not running
            series = _drawn(run, q)
            drawn.append(series.to_numpy(dtype=float))
            _line(ax, series, color, linestyle, 0.6 if thin else 1.3, max_points,
                  steps=running and unit != "pct", gid=f"run-{i}-{q}")
            if q == "leverage" and series.isna().sum() > run.series[q].isna().sum():
                gone = int(series.isna().sum() - run.series[q].isna().sum())
                notes.append(f"{run.name}: {gone} sessions at value <= $0 not drawn")
    if unit in ("pct", "pct_per_day"):
        ax.axhline(0.0, color="black", linewidth=0.6, alpha=0.6)
    if quantities[0] == "leverage":
        ax.axhline(1.0, color="black", linewidth=0.6, linestyle="--", alpha=0.5)
        log_scale, _ = pvr_tear.leverage_scale(np.concatenate(drawn) if drawn else [])
        if log_scale:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(pvr_tear.leverage_ticks())
            notes.append("log scale")
    ax.set_title(title, loc="left")
    if quantities[0] != "leverage" or not ax.get_yscale() == "log":
        ax.yaxis.set_major_formatter(unit_formatter(unit))
    if notes:
        style.note(ax, "; ".join(notes), where="below")


def plot_comparison(runs, figure=None, max_points=None, title=None):
    """The comparison's charts on one figure (default: a new Agg figure); return it."""
    with matplotlib.rc_context(STYLE):
        fig = figure
        if fig is None:
            fig = Figure(figsize=(WIDTH_IN, 15))
            FigureCanvasAgg(fig)
        # constrained: room for the title, the runs' legend and each chart's title
        fig.set_layout_engine("constrained", h_pad=0.1, hspace=0.02)
        order = ranked_table(runs)["run"].tolist()
        by_name = {r.name: r for r in runs}
        ordered = [by_name[n] for n in order]
        colors = run_colors(order)
        grid = gridspec.GridSpec(len(CHARTS), 1, figure=fig, height_ratios=(3, 2, 2, 2, 2))
        first = fig.add_subplot(grid[0])
        axes = [first] + [fig.add_subplot(grid[i], sharex=first) for i in range(1, len(CHARTS))]
        for ax, (quantities, chart_title) in zip(axes, CHARTS):
            draw_chart(ax, ordered, quantities, chart_title, colors, max_points)
        for ax in axes[:-1]:
            ax.tick_params(labelbottom=False)
        drawn = [r for r in ordered if r.series is not None]
        if drawn:
            style.date_axis(axes[-1].xaxis)  # shared: every chart
        handles = [matplotlib.lines.Line2D([], [], color=colors[r.name][0], linestyle=colors[r.name][1], lw=2)
                   for r in drawn]
        heading = title or f"Comparison of {len(ordered)} runs, best PvR %/day first"
        if drawn:
            # the heading is the runs' legend's title: a suptitle and an outside legend would overlap
            legend = fig.legend(handles, [r.name for r in drawn], loc="outside upper left", ncol=min(3, len(drawn)),
                                frameon=False, title=heading, alignment="left",
                                title_fontproperties={"weight": "bold",
                                                      "size": matplotlib.rcParams["figure.titlesize"]})
            for text in legend.get_texts():
                text.set_parse_math(False)  # run names are text: "$10k vs $1M" is no formula
        else:
            fig.suptitle(heading, x=0.01, ha="left", fontweight="bold")
    return fig


# ------------------------------------------------------------------ the sheet


@dataclass(frozen=True)
class ComparisonTearSheet:
    """What :func:`create_comparison_tear_sheet` returns.

    Attributes
    ----------
    runs : list of ComparedRun
    table : pandas.DataFrame
        The ranked table (:func:`ranked_table`).
    settings : pandas.DataFrame
        Each run's settings and tag (:func:`settings_table`).
    curves : dict of pandas.DataFrame
        :func:`comparison_curves`.
    notes : list of str
        Runs drawn without curves, and why.
    figure : matplotlib.figure.Figure or None
        When asked for with ``return_fig=True``.
    """

    runs: list = field(repr=False)
    table: pd.DataFrame
    settings: pd.DataFrame
    curves: dict = field(repr=False)
    notes: list
    figure: Figure = None

    def _repr_html_(self):
        notes = "".join(f"<li>{n}</li>" for n in self.notes)
        return ("<h4>Ranked by PvR %/day</h4>" + self.table.to_html(index=False)
                + (f"<ul>{notes}</ul>" if notes else "")
                + "<h4>Settings</h4>" + self.settings.to_html(index=False))


def comparison_notes(runs):
    """One line per run that has no curves: ``#3 long_short: recorded before ...``."""
    return [f"{r.name}: {r.note}" for r in runs if r.series is None]


def create_comparison_tear_sheet(runs, ledger=None, model=None, title=None, return_fig=False):
    """Compare backtests: PvR %, QRet %, max risk, cash low and leverage overlaid, and the ranked table.

    Parameters
    ----------
    runs : iterable or dict
        Run ids of the ledger, performance frames, saved frame files or run
        results (see :func:`load_runs`), or :class:`ComparedRun` objects.
    ledger : RunLedger or path, optional
    model : str, optional
        Risk model for frames and files.
    title : str, optional
    return_fig : bool
        Put the figure in the returned object; otherwise it is shown when
        running in IPython/Jupyter and then discarded.

    Returns
    -------
    ComparisonTearSheet
    """
    loaded = list(runs) if _all_compared(runs) else load_runs(runs, ledger=ledger, model=model)
    fig = plot_comparison(loaded, title=title)
    if not return_fig:
        _show_in_notebook(fig)
    return ComparisonTearSheet(runs=loaded, table=ranked_table(loaded), settings=settings_table(loaded),
                               curves=comparison_curves(loaded), notes=comparison_notes(loaded),
                               figure=fig if return_fig else None)


def _all_compared(runs):
    return isinstance(runs, (list, tuple)) and runs and all(isinstance(r, ComparedRun) for r in runs)


def figure_png(fig, dpi=80):
    """The figure as PNG bytes."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _show_in_notebook(fig):
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return
    if get_ipython() is not None:
        display(Image(figure_png(fig)))


__all__ = ["COMPARISON_COLUMNS", "ComparedRun", "ComparisonTearSheet", "comparison_curves",
           "create_comparison_tear_sheet", "load_runs", "plot_comparison", "ranked_table", "settings_table"]
