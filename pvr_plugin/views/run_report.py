"""Text and files for finished runs: the `pvr run` report, the demo table, saved frames."""
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from pvr_plugin.core import pvr_text
from pvr_plugin.core.tracker import PvRSummary
from pvr_plugin.errors import PvrInputError

FRAME_SUFFIXES = (".pkl", ".pickle", ".parquet")


def _last(perf, column):
    if column in perf.columns and len(perf):
        value = perf[column].iloc[-1]
        return float(value) if value is not None else math.nan
    return math.nan


def run_row(result, name=None):
    """One run's headline figures as a dict (percent ``_pct``, dollars ``_usd``)."""
    perf = result.perf
    s = result.capital_base
    value = _last(perf, "portfolio_value")
    return {
        "run": name or Path(result.algorithm.path).stem,
        "capital_usd": s,
        "days": len(perf),
        "qret_pct": 100.0 * (value - s) / s,
        "pvr_pct": _last(perf, "pvr_pct"),
        "pvr_per_day_pct": _last(perf, "pvr_per_day_pct"),
        "max_risk_usd": _last(perf, "max_risk_usd"),
        "cash_low_usd": _last(perf, "cash_low_usd"),
        "max_short_usd": _last(perf, "max_short_usd"),
        "max_leverage": _last(perf, "max_gross_leverage"),
        "sharpe": _last(perf, "sharpe"),
        "max_drawdown": _last(perf, "max_drawdown"),
        "alpha": _last(perf, "alpha"),
        "beta": _last(perf, "beta"),
    }


def comparison_frame(results):
    """Headline figures of several runs, one row each, best PvR %/day first."""
    frame = pd.DataFrame([run_row(r) for r in results])
    return frame.sort_values("pvr_per_day_pct", ascending=False, na_position="last").reset_index(drop=True)


def comparison_text(results):
    frame = comparison_frame(results)
    shown = frame.rename(columns={
        "capital_usd": "capital $", "qret_pct": "QRet %", "pvr_pct": "PvR %",
        "pvr_per_day_pct": "PvR %/day", "max_risk_usd": "MxRisk $", "cash_low_usd": "CshLw $",
        "max_short_usd": "MxShrt $", "max_leverage": "MxLv", "max_drawdown": "MaxDD",
    })
    fmt = {
        "capital $": "{:,.0f}".format, "QRet %": "{:.2f}".format, "PvR %": "{:.2f}".format,
        "PvR %/day": "{:.4f}".format, "MxRisk $": "{:,.0f}".format, "CshLw $": "{:,.0f}".format,
        "MxShrt $": "{:,.0f}".format, "MxLv": "{:.2f}".format, "sharpe": "{:.2f}".format,
        "MaxDD": "{:.3f}".format, "alpha": "{:.3f}".format, "beta": "{:.3f}".format,
    }
    return shown.to_string(index=False, formatters=fmt, na_rep="nan")


def run_lines(result):
    """The `pvr run` report: PvR summary block (when the pvr metrics set ran) and headline stats."""
    lines = []
    if result.pvr_summary:
        summary = PvRSummary(**result.pvr_summary)
        lines += pvr_text.summary_lines(summary, pvr_text.wall_clock("US/Eastern"), result.runtime_s)
    else:
        lines.append(f"(metrics set {result.metrics_set!r} has no PvR columns; use --metrics-set pvr)")
        lines.append(f"Runtime {result.runtime_s:.1f} s")
    row = run_row(result)
    lines.append(
        f"{result.data_frequency} {result.start.date()} to {result.end.date()}  "
        f"QRet {row['qret_pct']:.2f}%  Sharpe {row['sharpe']:.2f}  MaxDD {row['max_drawdown']:.3f}  "
        f"alpha {row['alpha']:.3f}  beta {row['beta']:.3f}"
    )
    return lines


def check_output_path(out):
    path = Path(out)
    if path.suffix.lower() not in FRAME_SUFFIXES:
        raise PvrInputError(f"--out {out}: use a .pkl, .pickle or .parquet file name")
    if not path.parent.resolve().is_dir():
        raise PvrInputError(f"--out {out}: folder {path.parent} does not exist")


def _parquet_ready(perf):
    """zipline frames hold lists of dicts (orders, positions, transactions): store them as JSON."""
    frame = perf.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: json.dumps(v, default=str) if isinstance(v, (list, dict)) else v)
            frame[col] = frame[col].astype("string")
    return frame


def save_frame(perf, out):
    """Write the performance frame atomically: a crash leaves no half-written file."""
    check_output_path(out)
    path = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent.resolve())
    os.close(fd)
    try:
        if path.suffix.lower() == ".parquet":
            try:
                _parquet_ready(perf).to_parquet(tmp)
            except ImportError:
                raise PvrInputError("--out *.parquet needs pyarrow (pip install pyarrow); or use .pkl") from None
        else:
            perf.to_pickle(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


