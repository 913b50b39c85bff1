"""The run ledger: one SQLite row per backtest, ranked by PvR per day.

Location: ``$PVR_HOME/runs.sqlite``, ``PVR_HOME`` defaulting to ``~/.pvr``.
The file is a plain SQLite database (standard library ``sqlite3``) in WAL
mode with a busy timeout, so several processes (a sweep's workers) can write
to it at once. Every :meth:`RunLedger.record` is one transaction: a process
killed mid-write leaves no half row and every earlier row intact.

Columns (:data:`LEDGER_COLUMNS`): identity of the run (``run_id``,
``created_at``, ``status`` 'ok' or 'failed', ``error``), what ran
(``algorithm`` path, ``algorithm_name``, ``algorithm_sha256``, ``params``
JSON, ``params_key``, ``sweep_id``, ``bundle``, ``start``, ``end``,
``data_frequency``, ``capital_usd``, ``metrics_set``, ``risk_model``), the
summary figures of :class:`pvr_plugin.core.research.RunSummary`, and
``runtime_s`` and ``perf_path`` (the saved performance frame, if any).
A run recorded with its series also has one row of the ``series`` table
(:mod:`pvr_plugin.store.series`), written in the same transaction.

Sort and filter arguments are checked against the known columns; values
reach SQLite as parameters, never as SQL text.
"""
from __future__ import annotations

import json
import math
import os
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from pvr_plugin.core.fields import QUANTITIES
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store import series as series_table
from pvr_plugin.store import sweeps as sweeps_table

TABLE = "runs"
LEDGER_FILE = "runs.sqlite"
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
LEDGER_COLUMNS = _IDENTITY + tuple((q.name, q.ledger) for q in QUANTITIES if q.ledger) + _AFTER
#: Version of the ledger's layout, kept in SQLite's ``user_version``. A ledger
#: written before versions were kept reads 0 and is upgraded on first write.
#: 3: the ``series`` and ``sweeps`` tables.
SCHEMA_VERSION = 3
COLUMN_NAMES = tuple(name for name, _ in LEDGER_COLUMNS)
_TYPES = {name: sql.split()[0] for name, sql in LEDGER_COLUMNS}
_INDEXES = (
    ("runs_by_sweep", ("sweep_id", "params_key")),
    ("runs_by_algorithm", ("algorithm_name",)),
    ("runs_by_pvr_per_day", ("pvr_per_day_pct",)),
)


def pvr_home():
    """Folder for the package's files: ``$PVR_HOME``, default ``~/.pvr``."""
    return Path(os.environ.get("PVR_HOME") or "~/.pvr").expanduser()


def default_ledger_path():
    """``$PVR_HOME/runs.sqlite``."""
    return pvr_home() / LEDGER_FILE


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    return str(value)


def params_key(params):
    """Canonical JSON of a parameter dict (sorted keys, no spaces).

    Two dicts with the same items give the same key whatever their order,
    so a sweep can ask :meth:`RunLedger.has` whether a combination is done.
    Tuples and lists give the same key.
    """
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise PvrInputError(f"params must be a dict of name -> value, not {type(params).__name__}")
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=_json_default)


def _quote(name):
    # Only names from LEDGER_COLUMNS reach here (checked by the callers).
    return '"' + name + '"'


def _text(value, name):
    if isinstance(value, pd.Timestamp) or isinstance(value, datetime):
        ts = pd.Timestamp(value)
        if name in ("start", "end") and ts == ts.normalize():
            return ts.date().isoformat()
        return ts.isoformat()
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


def _prepare(row):
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
        elif _TYPES[name] == "REAL":
            out[name] = _real(value, name)
        elif _TYPES[name] == "INTEGER":
            out[name] = _integer(value, name)
        else:
            out[name] = _text(value, name)
    return out


class RunLedger:
    """The run ledger at ``path`` (default :func:`default_ledger_path`).

    Nothing is created until the first :meth:`record`; reading a ledger
    that does not exist yet gives no rows. Each call opens its own
    connection, so one instance may be shared by threads and each process
    opens its own.

    Parameters
    ----------
    path : str or Path, optional
    timeout_s : float
        How long a writer waits for another writer's lock (seconds).
    """

    def __init__(self, path=None, timeout_s=60.0):
        self.path = Path(path).expanduser() if path is not None else default_ledger_path()
        self.timeout_s = float(timeout_s)

    def __repr__(self):
        return f"RunLedger({os.fspath(self.path)!r})"

    # ---------------------------------------------------------- connections

    def _connect(self):
        try:
            conn = sqlite3.connect(os.fspath(self.path), timeout=self.timeout_s, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        except sqlite3.Error as exc:
            raise PvrInputError(f"cannot open the run ledger {self.path}: {exc}") from None
        return conn

    def _ensure_schema(self, conn):
        """Create the table, or migrate an older one in place. Runs inside the caller's transaction.

        The layout's version is SQLite's ``user_version``: a ledger written
        before versions were kept reads 0. Migrating only adds what is
        missing (nullable columns, indexes), so every recorded row keeps its
        values.
        """
        columns = ",\n  ".join(f"{_quote(n)} {t}" for n, t in LEDGER_COLUMNS)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (\n  {columns}\n)")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise PvrInputError(
                f"the run ledger {self.path} was written by a newer pvr-plugin "
                f"(layout {version}, this one knows {SCHEMA_VERSION}); upgrade pvr-plugin"
            )
        have = _table_columns(conn, self.path)
        for name, sql_type in LEDGER_COLUMNS:
            if name not in have:
                conn.execute(f"ALTER TABLE {TABLE} ADD COLUMN {_quote(name)} {sql_type.split()[0]}")
        for index, cols in _INDEXES:
            conn.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {TABLE} ({', '.join(map(_quote, cols))})")
        series_table.ensure_table(conn)
        sweeps_table.ensure_table(conn)
        if version < SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _reader(self):
        """A connection for reading, or None when there is no ledger yet."""
        if not self.path.exists():
            return None
        conn = self._connect()
        try:
            found = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise PvrInputError(f"{self.path} is not a run ledger (SQLite) file: {exc}") from None
        if found is None:
            conn.close()
            return None
        try:
            _table_columns(conn, self.path)
        except PvrInputError:
            conn.close()
            raise
        return conn

    # ---------------------------------------------------------- writing

    def record(self, row, series=None):
        """Add one run; return its ``run_id``.

        Parameters
        ----------
        row : dict
            Column name -> value (see :data:`LEDGER_COLUMNS`); ``run_id`` and
            ``created_at`` are filled in, ``status`` defaults to 'ok', a
            ``params`` dict is stored as JSON and its :func:`params_key`
            added. NaN numbers are stored as NULL.
        series : pandas.DataFrame or dict, optional
            The run's per-session series
            (:func:`pvr_plugin.store.series.session_series`, or its
            :func:`~pvr_plugin.store.series.encode`).

        One transaction: either the whole row (and its series) is written or nothing is.
        """
        values = _prepare(row)
        if series is not None and not isinstance(series, dict):
            series = series_table.encode(series)
        names = list(values)
        sql = (f"INSERT INTO {TABLE} ({', '.join(map(_quote, names))}) "
               f"VALUES ({', '.join('?' for _ in names)})")

        def work(conn):
            run_id = conn.execute(sql, [values[n] for n in names]).lastrowid
            if series is not None:
                series_table.insert(conn, run_id, series)
            return int(run_id)

        return self.write(work)

    def write(self, work):
        """Run ``work(connection)`` in one write transaction on the current layout; return its result.

        The ledger (and its folder) is created or migrated first; any error
        rolls everything back.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PvrInputError(f"cannot create the folder of the run ledger {self.path}: {exc}") from None
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._ensure_schema(conn)
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result
        except sqlite3.DatabaseError as exc:
            raise PvrInputError(f"cannot write to the run ledger {self.path}: {exc}") from None
        finally:
            conn.close()

    # ---------------------------------------------------------- reading

    def query(self, algorithm=None, sweep_id=None, status=None, sort="pvr_per_day_pct",
              descending=True, limit=None):
        """Recorded runs as a DataFrame, one row each.

        Parameters
        ----------
        algorithm : str or Path, optional
            A file path (as recorded, or relative to the current folder) or a
            bare name such as ``long_short`` / ``long_short.py`` (matches the
            file name in any folder).
        sweep_id : str, optional
        status : {'ok', 'failed', 'all', None}
        sort : str
            Any column of :data:`LEDGER_COLUMNS`; missing values sort last.
        descending : bool
        limit : int, optional

        Returns
        -------
        pandas.DataFrame
            Columns :data:`COLUMN_NAMES`; ``params`` is the JSON text.
        """
        if sort not in COLUMN_NAMES:
            raise PvrInputError(f"unknown sort column {sort!r}; choose one of {', '.join(COLUMN_NAMES)}")
        order_col = _quote(COLUMN_NAMES[COLUMN_NAMES.index(sort)])
        where, args = [], []
        if algorithm is not None:
            text = os.fspath(algorithm)
            if os.sep in text or "/" in text:
                where.append("algorithm IN (?, ?, ?)")
                args += [text, os.path.abspath(text), os.path.realpath(text)]
            else:
                where.append("algorithm_name = ?")
                args.append(text[:-3] if text.endswith(".py") else text)
        if sweep_id is not None:
            where.append("sweep_id = ?")
            args.append(str(sweep_id))
        if status not in (None, "all"):
            if status not in STATUSES:
                raise PvrInputError(f"status must be 'ok', 'failed' or 'all', not {status!r}")
            where.append("status = ?")
            args.append(status)
        sql = f"SELECT * FROM {TABLE}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order_col} IS NULL, {order_col} {'DESC' if descending else 'ASC'}, run_id ASC"
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
                raise PvrInputError(f"limit must be a positive whole number, not {limit!r}")
            sql += " LIMIT ?"
            args.append(int(limit))
        conn = self._reader()
        if conn is None:
            return _frame([], COLUMN_NAMES)
        try:
            cursor = conn.execute(sql, args)
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        finally:
            conn.close()
        return _frame(rows, names)

    def get(self, run_id):
        """One run as a dict (``params`` parsed; missing numbers NaN)."""
        if isinstance(run_id, bool):
            raise PvrInputError(f"run id must be a whole number, not {run_id!r}")
        try:
            key = int(run_id)
        except (TypeError, ValueError):
            raise PvrInputError(f"run id must be a whole number, not {run_id!r}") from None
        conn = self._reader()
        row = None
        if conn is not None:
            try:
                cursor = conn.execute(f"SELECT * FROM {TABLE} WHERE run_id = ?", (key,))
                names = [d[0] for d in cursor.description]
                row = cursor.fetchone()
            finally:
                conn.close()
        if row is None:
            raise PvrInputError(f"no run {key} in the run ledger {self.path}")
        out = {name: None for name in COLUMN_NAMES}
        out.update(zip(names, row))
        for name in COLUMN_NAMES:
            if _TYPES[name] == "REAL" and out[name] is None:
                out[name] = math.nan
        if out.get("params"):
            out["params"] = json.loads(out["params"])
        return out

    def has(self, sweep_id, params_key, status="ok"):
        """Is a run of this sweep with this :func:`params_key` recorded?

        By default only successful runs count, so a resumed sweep retries the
        failed ones; ``status='failed'`` asks for failed runs, ``None`` (or
        'all') for any.
        """
        sql = f"SELECT 1 FROM {TABLE} WHERE sweep_id IS ? AND params_key = ?"
        args = [None if sweep_id is None else str(sweep_id), params_key]
        if status not in (None, "all"):
            if status not in STATUSES:
                raise PvrInputError(f"status must be 'ok', 'failed' or 'all', not {status!r}")
            sql += " AND status = ?"
            args.append(status)
        conn = self._reader()
        if conn is None:
            return False
        try:
            return conn.execute(sql + " LIMIT 1", args).fetchone() is not None
        finally:
            conn.close()

    def count(self):
        """Number of recorded runs."""
        conn = self._reader()
        if conn is None:
            return 0
        try:
            return int(conn.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0])
        finally:
            conn.close()


def _table_columns(conn, path):
    """Column names of the ``runs`` table; refuses a table this package did not write."""
    have = {r[1] for r in conn.execute(f"PRAGMA table_info({TABLE})")}
    missing = [n for n in ("run_id", "created_at", "status") if n not in have]
    if missing:
        shown = ", ".join(sorted(have)) or "none"
        raise PvrInputError(
            f"{path} is not a run ledger: its {TABLE!r} table has no {missing[0]!r} column (columns: {shown})"
        )
    return have


def _frame(rows, names):
    frame = pd.DataFrame.from_records(rows, columns=list(names))
    frame = frame.reindex(columns=list(COLUMN_NAMES))
    for name in COLUMN_NAMES:
        if _TYPES[name] == "REAL":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
        elif _TYPES[name] == "INTEGER":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("Int64")
        else:
            frame[name] = frame[name].astype(object)
    return frame
