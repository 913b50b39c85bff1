"""Turn a finished (or failed) backtest into a run-ledger row and record it.

Used by ``pvr run`` and callable from notebooks::

    from pvr_plugin.adapters.runner import run_file
    from pvr_plugin.store import record_run

    result = run_file("strategies/long_short.py", metrics_set="pvr")
    run_id = record_run(result)            # $PVR_HOME/runs.sqlite
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pvr_plugin.core import research
from pvr_plugin.core.fields import QUANTITIES
from pvr_plugin.store.run_ledger import RunLedger
from pvr_plugin.store.series import session_series

# (ledger column, summary attribute) of each figure, from the field table.
_FIGURES = tuple((q.name, q.in_summary) for q in QUANTITIES if q.ledger)


def source_sha256(source):
    """SHA-256 (hex) of an algorithm's source text as run (UTF-8)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _abspath(path):
    return None if path is None else os.path.abspath(os.fspath(path))


def _date(ts):
    return None if ts is None else str(getattr(ts, "date", lambda: ts)())


def result_summary(result, model=None):
    """The run's own summary, made when it finished (``result.summary``).

    Computed from the frame only for a result made by hand (no summary) or
    when ``model`` asks for another risk model than the run's.
    """
    summary = getattr(result, "summary", None)
    if summary is None or (model is not None and model != summary.model):
        summary = research.run_summary(result.perf, model=model, start_usd=result.capital_base)
    return summary


def run_record(result, perf_path=None, sweep_id=None, model=None):
    """The ledger row (dict) of a finished run.

    Parameters
    ----------
    result : pvr_plugin.adapters.runner.RunResult
        Anything with its attributes: ``perf``, ``algorithm`` (``path``,
        ``source``), ``start``, ``end``, ``capital_base``,
        ``data_frequency``, ``bundle``, ``metrics_set``, ``params``,
        ``runtime_s`` and ``summary`` (the run's own summary; when it is
        absent or None, the frame's is computed).
    perf_path : str or Path, optional
        Where the performance frame was saved.
    sweep_id : str, optional
    model : str, optional
        Record the figures under another risk model than the run's (computed
        from the frame); by default the run's own summary is recorded as made.
    """
    summary = result_summary(result, model)
    row = {
        "status": "ok",
        "algorithm": _abspath(result.algorithm.path),
        "algorithm_sha256": source_sha256(result.algorithm.source),
        "params": dict(result.params or {}),
        "sweep_id": sweep_id,
        "bundle": result.bundle,
        "start": _date(result.start),
        "end": _date(result.end),
        "data_frequency": result.data_frequency,
        "capital_usd": result.capital_base,
        "metrics_set": result.metrics_set,
        "runtime_s": result.runtime_s,
        "perf_path": _abspath(perf_path),
    }
    for column, name in _FIGURES:
        row[column] = getattr(summary, name)
    return row


def run_series(result, model=None):
    """The per-session series the ledger keeps of a finished run
    (:func:`pvr_plugin.store.series.session_series`), under the recorded summary's risk model."""
    summary = result_summary(result, model)
    return session_series(result.perf, start_usd=result.capital_base, model=summary.model)


def record_run(result, ledger=None, perf_path=None, sweep_id=None, model=None):
    """Record a finished run and its per-session series in the ledger; return its ``run_id``.

    ``ledger`` is a :class:`~pvr_plugin.store.run_ledger.RunLedger` or a path (default
    ``$PVR_HOME/runs.sqlite``). Other arguments as in :func:`run_record`.
    """
    if not isinstance(ledger, RunLedger):
        ledger = RunLedger(ledger)
    row = run_record(result, perf_path=perf_path, sweep_id=sweep_id, model=model)
    return ledger.record(row, series=run_series(result, model))


def record_failed_run(algorithm, error, ledger=None, params=None, sweep_id=None, bundle=None,
                      start=None, end=None, data_frequency=None, capital_usd=None,
                      metrics_set=None, runtime_s=None):
    """Record a run that raised; return its ``run_id`` (status 'failed').

    Parameters
    ----------
    algorithm : str or Path
        The algorithm file (hashed when it can be read).
    error : BaseException or str
        Stored as ``"ExceptionType: message"``.
    """
    if isinstance(error, BaseException):
        error = f"{type(error).__name__}: {error}"
    digest = None
    try:
        digest = source_sha256(Path(algorithm).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        pass
    if not isinstance(ledger, RunLedger):
        ledger = RunLedger(ledger)
    return ledger.record({
        "status": "failed", "error": str(error), "algorithm": _abspath(algorithm),
        "algorithm_sha256": digest, "params": dict(params or {}), "sweep_id": sweep_id,
        "bundle": bundle, "start": _date(start), "end": _date(end),
        "data_frequency": data_frequency, "capital_usd": capital_usd,
        "metrics_set": metrics_set, "runtime_s": runtime_s,
    })
