"""The run ledger's columns, and a row dict checked and turned into SQLite values.

The ``runs`` table's columns (:data:`LEDGER_COLUMNS`) are the run's identity
and settings, its figures from the field table
(:mod:`pvr_plugin.core.fields`), then its runtime, saved frame and error.
:func:`prepare` refuses unknown columns and values of the wrong kind with one
line, and stores NaN as NULL.
"""
from __future__ import annotations

import json
import math
import os
from datetime import date, datetime, timezone
from pathlib import Path

from pvr_plugin.core.fields import QUANTITIES
from pvr_plugin.errors import PvrInputError

TABLE = "runs"
STATUSES = ("ok", "failed")

# (name, SQL type). Extend only: new columns go at the end and are nullable,
# so older ledgers are upgraded in place by ALTER TABLE ADD COLUMN. The run's
# identity and settings are the ledger's own; its figures (from ``risk_model``
# to ``tag``) come from the field table, so a new PvR figure is one line there.
_IDENTITY = (
    ("run_id", "INTEGER PRIMARY KEY AUTOINCREMENT"),
    ("created_at", "TEXT NOT NULL"),
    ("status", "TEXT NOT NULL CHECK (status IN ('ok', 'failed'))"),
    ("algorithm", "TEXT"),
    ("algorithm_name", "TEXT"),
    ("algorithm_sha256", "TEXT"),
    ("params", "TEXT"),
    ("params_key", "TEXT"),
    ("sweep_id", "TEXT"),
    ("bundle", "TEXT"),
    ("start", "TEXT"),
    ("end", "TEXT"),
    ("data_frequency", "TEXT"),
    ("capital_usd", "REAL"),
    ("metrics_set", "TEXT"),
)
_AFTER = (
    ("runtime_s", "REAL"),
    ("perf_path", "TEXT"),
    ("error", "TEXT"),
)
#: ``(name, SQLite type)`` of every column of the ``runs`` table.
LEDGER_COLUMNS = _IDENTITY + tuple((q.name, q.ledger) for q in QUANTITIES if q.ledger) + _AFTER
#: The ``runs`` table's column names.
COLUMN_NAMES = tuple(name for name, _ in LEDGER_COLUMNS)
TYPES = {name: sql.split()[0] for name, sql in LEDGER_COLUMNS}
def _json_default(value):
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # a numpy scalar
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, (datetime, date)):  # pandas' Timestamp too
        return value.isoformat()
    return str(value)


def params_key(params):
    """Canonical JSON of a parameter dict (sorted keys, no spaces).

    Two dicts with the same items give the same key whatever their order,
    so a sweep can ask :meth:`pvr_plugin.store.run_ledger.RunLedger.has` whether a combination is done.
    Tuples and lists give the same key.
    """
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise PvrInputError(f"params must be a dict of name -> value, not {type(params).__name__}")
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=_json_default)


def quote(name):
    # Only names from LEDGER_COLUMNS reach here (checked by the callers).
    return '"' + name + '"'


def _text(value, name):
    if isinstance(value, datetime):  # pandas' Timestamp too
        midnight = (value.hour, value.minute, value.second, value.microsecond,
                    getattr(value, "nanosecond", 0)) == (0, 0, 0, 0, 0)
        if name in ("start", "end") and midnight:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def _real(value, name):
    if isinstance(value, bool):
        raise PvrInputError(f"ledger column {name!r} needs a number, not {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PvrInputError(f"ledger column {name!r} needs a number, not {value!r}") from None
    return number if math.isfinite(number) else None  # SQLite has no NaN: stored as NULL


def _integer(value, name):
    number = _real(value, name)
    if number is None:
        return None
    if number != int(number):
        raise PvrInputError(f"ledger column {name!r} needs a whole number, not {value!r}")
    return int(number)


def prepare(row):
    """Validate a row dict and turn it into {column: SQLite value}."""
    if not isinstance(row, dict):
        raise PvrInputError(f"a ledger row must be a dict, not {type(row).__name__}")
    unknown = sorted(set(row) - set(COLUMN_NAMES))
    if unknown:
        raise PvrInputError(f"unknown ledger column(s) {', '.join(map(str, unknown))}; known: {', '.join(COLUMN_NAMES)}")
    if "run_id" in row:
        raise PvrInputError("run_id is assigned by the ledger; leave it out of the row")
    row = dict(row)
    row.setdefault("status", "ok")
    if row["status"] not in STATUSES:
        raise PvrInputError(f"status must be 'ok' or 'failed', not {row['status']!r}")
    row.setdefault("created_at", datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
    params = row.get("params")
    if isinstance(params, dict) or params is None and "params_key" not in row:
        row["params"] = params_key(params)
        row.setdefault("params_key", row["params"])
    elif isinstance(params, str):
        try:
            parsed = json.loads(params)
        except ValueError:
            raise PvrInputError(f"params must be a dict or its JSON text, not {params!r}") from None
        if not isinstance(parsed, dict):
            raise PvrInputError(f"params must be a JSON object, not {params!r}")
        row["params"] = params_key(parsed)
        row.setdefault("params_key", row["params"])
    elif params is not None:
        raise PvrInputError(f"params must be a dict or its JSON text, not {type(params).__name__}")
    if row.get("algorithm") is not None and "algorithm_name" not in row:
        row["algorithm_name"] = Path(_text(row["algorithm"], "algorithm")).stem
    out = {}
    for name, value in row.items():
        if value is None:
            out[name] = None
        elif TYPES[name] == "REAL":
            out[name] = _real(value, name)
        elif TYPES[name] == "INTEGER":
            out[name] = _integer(value, name)
        else:
            out[name] = _text(value, name)
    return out
