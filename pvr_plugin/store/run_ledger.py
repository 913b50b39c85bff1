"""The run ledger: one SQLite row per backtest, ranked by PvR per day.

Location: ``$PVR_HOME/runs.sqlite``, ``PVR_HOME`` defaulting to ``~/.pvr``.
The file is a plain SQLite database (standard library ``sqlite3``) in WAL
mode with a busy timeout, so several processes (a sweep's workers) can write
to it at once. Every :meth:`RunLedger.record` is one transaction: a process
killed mid-write leaves no half row and every earlier row intact.

Columns (:data:`~pvr_plugin.store.ledger_columns.LEDGER_COLUMNS`): identity of the run (``run_id``,
``created_at``, ``status`` 'ok' or 'failed', ``error``), what ran
(``algorithm`` path, ``algorithm_name``, ``algorithm_sha256``, ``params``
JSON, ``params_key``, ``sweep_id``, ``bundle``, ``start``, ``end``,
``data_frequency``, ``capital_usd``, ``metrics_set``, ``risk_model``), the
summary figures of :class:`pvr_plugin.core.summary.RunSummary`, and
``runtime_s`` and ``perf_path`` (the saved performance frame, if any).
A run recorded with its series also has one row of the ``series`` table
(:mod:`pvr_plugin.store.series`), written in the same transaction.

Sort and filter arguments are checked against the known columns; values
reach SQLite as parameters, never as SQL text.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import sqlite3
from pathlib import Path

from pvr_plugin.errors import PvrInputError
from pvr_plugin.store import sweeps as sweeps_table
from pvr_plugin.store.ledger_columns import (  # noqa: F401  (part of this module's API)
    COLUMN_NAMES, LEDGER_COLUMNS, STATUSES, TABLE, TYPES as _TYPES, params_key, prepare as _prepare,
    quote as _quote,
)

LEDGER_FILE = "runs.sqlite"
#: Version of the ledger's layout, kept in SQLite's ``user_version``. A ledger
#: written before versions were kept reads 0 and is upgraded on first write.
#: 3: the ``series`` and ``sweeps`` tables.
SCHEMA_VERSION = 3
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
        from pvr_plugin.store import series as series_table  # numpy and pandas: not needed to list runs

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
            Column name -> value (see :data:`~pvr_plugin.store.ledger_columns.LEDGER_COLUMNS`); ``run_id`` and
            ``created_at`` are filled in, ``status`` defaults to 'ok', a
            ``params`` dict is stored as JSON and its :func:`~pvr_plugin.store.ledger_columns.params_key`
            added. NaN numbers are stored as NULL.
        series : pandas.DataFrame or dict, optional
            The run's per-session series
            (:func:`pvr_plugin.store.series.session_series`, or its
            :func:`~pvr_plugin.store.series.encode`).

        One transaction: either the whole row (and its series) is written or nothing is.
        """
        return self.record_many([(row, series)])[0]

    def record_many(self, items):
        """Add several runs in one transaction; return their ``run_id`` values.

        ``items`` holds ``(row, series)`` pairs as :meth:`record` takes them
        (``series`` may be None). All are checked before anything is written.
        """
        from pvr_plugin.store import series as series_table

        prepared = []
        for row, series in items:
            if series is not None and not isinstance(series, dict):
                series = series_table.encode(series)
            prepared.append((_prepare(row), series))

        def work(conn):
            ids = []
            for values, series in prepared:
                names = list(values)
                sql = (f"INSERT INTO {TABLE} ({', '.join(map(_quote, names))}) "
                       f"VALUES ({', '.join('?' for _ in names)})")
                run_id = conn.execute(sql, [values[n] for n in names]).lastrowid
                if series is not None:
                    series_table.insert(conn, run_id, series)
                ids.append(int(run_id))
            return ids

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
            Any column of :data:`~pvr_plugin.store.ledger_columns.LEDGER_COLUMNS`; missing values sort last.
        descending : bool
        limit : int, optional

        Returns
        -------
        pandas.DataFrame
            Columns :data:`~pvr_plugin.store.ledger_columns.COLUMN_NAMES`; ``params`` is the JSON text.
        """
        return rows_frame(*self.query_rows(algorithm, sweep_id, status, sort, descending, limit))

    def query_rows(self, algorithm=None, sweep_id=None, status=None, sort="pvr_per_day_pct",
                   descending=True, limit=None):
        """:meth:`query`'s rows as SQLite gives them: ``(column names, list of tuples)``.

        No pandas: what a command that only lists runs needs.
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
            if isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 1:
                raise PvrInputError(f"limit must be a positive whole number, not {limit!r}")
            sql += " LIMIT ?"
            args.append(int(limit))
        conn = self._reader()
        if conn is None:
            return list(COLUMN_NAMES), []
        try:
            cursor = conn.execute(sql, args)
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        finally:
            conn.close()
        return names, rows

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

    def has(self, sweep_id, params_key, status="ok"):  # noqa: F811  (the argument, not the function)
        """Is a run of this sweep with this :func:`~pvr_plugin.store.ledger_columns.params_key` recorded?

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


def rows_frame(names, rows):
    """Rows of :meth:`RunLedger.query_rows` as :meth:`RunLedger.query`'s DataFrame."""
    import pandas as pd

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
