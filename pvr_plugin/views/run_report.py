"""Text and files for finished runs: the `pvr run` report, comparisons, saved frames.

A run's headline figures are its :class:`~pvr_plugin.core.summary.RunSummary`:
the one a finished run carries (``RunResult.summary``), the one the ledger
recorded, or, for a performance frame, :func:`pvr_plugin.core.research.run_summary`.
"""
import os
from pathlib import Path

import numpy as np
import pandas as pd

from pvr_plugin.adapters import pvr_log
from pvr_plugin.core.research import SUMMARY_KEYS, run_summary
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.files import load_frame
from pvr_plugin.store.recording import result_summary
from pvr_plugin.store.run_ledger import RunLedger

#: The figures every comparison row has (the ``pvr runs`` / ``pvr compare`` JSON keys).
COMPARISON_COLUMNS = ("run", "run_id", "algorithm", "source", *SUMMARY_KEYS, "risk_model",
                      "capital_usd", "start", "end")


def _summary_row(summary, **identity):
    row = dict(identity)
    row.update({k: getattr(summary, k) for k in SUMMARY_KEYS})
    row.update(risk_model=summary.model, start=summary.first_day, end=summary.last_day)
    row.setdefault("capital_usd", summary.start_usd)
    return row


def run_row(result, name=None):
    """One finished run's headline figures as a dict (percent ``_pct``, dollars ``_usd``).

    The figures are the run's own summary (``result.summary``), made once when
    it finished.
    """
    summary = result_summary(result)
    path = result.algorithm.path
    return _summary_row(summary, run=name or Path(path).stem, run_id=None,
                        algorithm=os.path.abspath(path), source="run", capital_usd=result.capital_base)


def frame_row(perf, name, model=None):
    """Headline figures of a performance frame (or a saved frame's path)."""
    if isinstance(perf, (str, os.PathLike)):
        perf = load_frame(perf)
    return _summary_row(run_summary(perf, model=model), run=str(name), run_id=None,
                        algorithm=str(name), source="frame")


def ledger_row(record):
    """A comparison row from a run-ledger record (its stored figures; no file is opened)."""
    row = {k: record.get(k) for k in SUMMARY_KEYS}
    row.update(
        run=f"#{record['run_id']} {record.get('algorithm_name') or ''}".strip(), run_id=record["run_id"],
        algorithm=record.get("algorithm"), source="ledger", risk_model=record.get("risk_model"),
        capital_usd=record.get("capital_usd"), start=record.get("start"), end=record.get("end"),
    )
    return row


def _is_run_id(item):
    if isinstance(item, (bool, np.bool_)):
        return False
    if isinstance(item, (int, np.integer)):
        return True
    return isinstance(item, str) and item.isdigit()


def comparison_frame(items, ledger=None, model=None):
    """Headline figures of several runs side by side, one row each, best PvR %/day first.

    Parameters
    ----------
    items : iterable or dict
        Each one a finished :class:`~pvr_plugin.adapters.runner.RunResult`, a
        performance DataFrame, a run id of the ledger (int or digits), or
        the path of a saved frame (``.pkl``/``.pickle``/``.parquet``). A dict
        maps display names to items. Only the files named here are opened.
    ledger : RunLedger or path, optional
        For run ids (default ``$PVR_HOME/runs.sqlite``).
    model : str, optional
        Risk model for frames and files (default: the frame's own, else
        ``cash_or_short``). Ledger rows keep the figures recorded.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COMPARISON_COLUMNS` (``source`` is 'run', 'ledger',
        'file' or 'frame').
    """
    named = items.items() if isinstance(items, dict) else ((None, item) for item in items)
    rows = []
    for i, (name, item) in enumerate(named):
        if hasattr(item, "perf") and hasattr(item, "algorithm"):
            rows.append(run_row(item, name))
        elif isinstance(item, pd.DataFrame):
            rows.append(frame_row(item, name if name is not None else f"frame {i + 1}", model))
        elif _is_run_id(item):
            if not isinstance(ledger, RunLedger):
                ledger = RunLedger(ledger)
            row = ledger_row(ledger.get(int(item)))
            rows.append(row if name is None else {**row, "run": str(name)})
        elif isinstance(item, (str, os.PathLike)):
            row = frame_row(item, os.fspath(item), model)
            row.update(source="file", algorithm=os.path.abspath(os.fspath(item)))
            rows.append(row if name is None else {**row, "run": str(name)})
        else:
            raise PvrInputError(
                f"cannot compare a {type(item).__name__}: give run results, frames, run ids or file paths"
            )
    return ranked(rows)


def ranked(rows):
    """Comparison rows (dicts) as a DataFrame of :data:`COMPARISON_COLUMNS`, best PvR %/day first."""
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    frame["days"] = pd.to_numeric(frame["days"], errors="coerce").astype("Int64")
    frame = frame.sort_values("pvr_per_day_pct", ascending=False, na_position="last", kind="mergesort")
    return frame.reset_index(drop=True)


# The `pvr demo` table's columns; headers and formats come from the field table. The runs
# share their dates, so the session count is left out and a $10,000 row that went deep below
# zero (QRet in the thousands of percent) still fits 120 columns without cutting run names.
_DEMO_COLUMNS = ("run", "capital_usd", "qret_pct", "pvr_pct", "pvr_per_day_pct", "max_risk_usd",
                 "cash_low_usd", "max_short_usd", "max_leverage", "sharpe", "max_drawdown", "alpha", "beta")


def comparison_text(results):
    """The `pvr demo` table: one line per run, best PvR %/day first, n/a explained below it."""
    from pvr_plugin.views.text_table import table, wrap

    full = comparison_frame(results)
    text = table(_DEMO_COLUMNS, {c: full[c].tolist() for c in _DEMO_COLUMNS}, gap=" ")
    notes = [line for run, cap, why in full[["run", "capital_usd", "nan_reason"]].itertuples(index=False) if why
             for line in wrap(f"{run} ${cap:,.0f}: {why}", indent="  ")]
    if notes:
        text += "\n\nn/a (undefined once an account reaches zero):\n" + "\n".join(notes)
    return text


def run_lines(result):
    """The `pvr run` report: PvR summary block (when the pvr metrics set ran) and headline stats."""
    lines = []
    summary = result.summary
    if result.tracked:
        lines += pvr_log.summary_lines(summary, pvr_log.wall_clock("US/Eastern"), result.runtime_s)
    else:
        lines.append(f"(metrics set {result.metrics_set!r} has no PvR columns; use --metrics-set pvr)")
        lines.append(f"Runtime {result.runtime_s:.1f} s")
    lines.append(
        f"{result.data_frequency} {result.start.date()} to {result.end.date()}  "
        f"QRet {summary.qret_pct:.2f}%  Sharpe {_num(summary.sharpe, '.2f')}  "
        f"MaxDD {_num(summary.max_drawdown, '.3f')}  alpha {_num(summary.alpha, '.3f')}  "
        f"beta {_num(summary.beta, '.3f')}"
    )
    if summary.nan_reason:
        lines.append(f"alpha, beta, Sharpe, max drawdown and CAGR are n/a: {summary.nan_reason}")
    return lines


def _num(x, spec):
    from pvr_plugin.views.text_table import number

    return number(x, "ratio", spec)
