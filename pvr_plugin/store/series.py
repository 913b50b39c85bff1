"""Per-session series of recorded runs, kept in the run ledger beside each run's row.

Every run the ledger records with its performance frame (``pvr run``, sweeps,
:func:`pvr_plugin.store.recording.record_run`) also keeps one row of the
``series`` table, written in the same transaction as the run's row, so a
recorded run always has its series and a killed writer leaves neither. The
quantities kept are the field table's ``series`` carriers
(:data:`SERIES_NAMES`: PvR %, QRet %, cash low, max short, max risk, max
leverage, account value, cash, long and short books, gross leverage at the
close and the platform's daily return), from
:func:`pvr_plugin.core.research.pvr_from_perf` of the run's frame with the
run's own risk model: intraday extremes where the ``pvr`` metrics set ran.

Layout: one row per run (``run_id`` the runs table's), the number of
sessions, the first and last session, the starting capital, risk model and
resolution, then one BLOB per quantity. A BLOB is one codec byte and a zlib
stream of little-endian float64 values, either as they are or split into
their eight byte planes (the high bytes of a slowly moving series are nearly
constant, so the planes compress better), whichever is smaller. Sessions are
day numbers, stored as differences (a run's sessions are mostly one day
apart). Values are exact: the sweep's out-of-sample windows are computed
from them. Measured on a ten-year daily long/short run (2,517 sessions):
about 113 kB a run, against 242 kB as plain float64 and 58 kB as float32
(which would move PvR of a $10M account by about a dollar of value).

Runs recorded before this table existed (layout 2 and older) have no series
row: they keep working with their summary only, and readers say so.
"""
from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd

from pvr_plugin.core import fields
from pvr_plugin.errors import PvrInputError

TABLE = "series"
#: Quantities kept per session, in field-table order.
SERIES_NAMES = fields.names("series")
# Codec of a BLOB (its first byte).
_FLOAT64 = 1
_FLOAT64_PLANES = 2
_DAY_DELTAS = 3
_LEVEL = 6
# Small columns first: SQLite keeps the start of a row in the table's own
# pages and the rest (the BLOBs) in overflow pages, so reading which runs
# have series never touches the BLOBs.
_META = (
    ("run_id", "INTEGER PRIMARY KEY"),
    ("sessions", "INTEGER NOT NULL"),
    ("first_session", "TEXT"),
    ("last_session", "TEXT"),
    ("start_usd", "REAL"),
    ("risk_model", "TEXT"),
    ("resolution", "TEXT"),
    ("session", "BLOB NOT NULL"),
)
COLUMNS = _META + tuple((name, "BLOB") for name in SERIES_NAMES)
#: Said of a run recorded without series (before the ledger kept them).
SUMMARY_ONLY = "recorded before the ledger kept series: summary only"


def _quote(name):
    return '"' + name + '"'


# ------------------------------------------------------------------ from a run


def session_series(perf, start_usd=None, model=None):
    """The per-session series of one finished run, as the ledger keeps it.

    Parameters
    ----------
    perf : pandas.DataFrame
        zipline's performance frame.
    start_usd : float, optional
        The run's capital base (default: read from the frame).
    model : str, optional
        Risk model (default: the frame's own, else ``cash_or_short``).

    Returns
    -------
    pandas.DataFrame
        Indexed by session (dates, no time zone, named ``session``); columns
        :data:`SERIES_NAMES`. ``attrs``: ``start_usd``, ``risk_model``,
        ``resolution``.
    """
    # Imported here: the ledger imports this module, and listing runs must not
    # pay for the statistics libraries research imports.
    from pvr_plugin.core import research

    daily = research.pvr_from_perf(perf, model=model or research.frame_model(perf), start_usd=start_usd)
    index = pd.DatetimeIndex(perf.index)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    s = float(daily.attrs["start_usd"])
    if "returns" in perf.columns:
        returns = pd.to_numeric(perf["returns"], errors="coerce").to_numpy(dtype=float)
    else:  # the account's own change from the close before (the start before day one)
        value = daily["value_usd"].to_numpy(dtype=float)
        before = np.r_[s, value[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            returns = np.where(before > 0, value / np.where(before > 0, before, 1.0) - 1.0, np.nan)
    out = pd.DataFrame({name: (returns if name == "returns" else daily[name].to_numpy(dtype=float))
                        for name in SERIES_NAMES},
                       index=pd.DatetimeIndex(index.normalize(), name="session"))
    out.attrs.update(start_usd=s, risk_model=str(daily.attrs["model"]),
                     resolution=str(daily.attrs["resolution"]))
    return out


# ------------------------------------------------------------------ codec


def _pack_floats(values):
    a = np.ascontiguousarray(values, dtype="<f8")
    plain = zlib.compress(a.tobytes(), _LEVEL)
    planes = zlib.compress(a.view(np.uint8).reshape(-1, 8).T.tobytes(), _LEVEL)
    return bytes([_FLOAT64]) + plain if len(plain) <= len(planes) else bytes([_FLOAT64_PLANES]) + planes


def _unpack(blob, n, what):
    try:
        codec, data = blob[0], zlib.decompress(blob[1:])
    except (IndexError, TypeError, zlib.error):
        raise PvrInputError(f"{what}: the stored series is damaged") from None
    if codec == _DAY_DELTAS:
        values = np.cumsum(np.frombuffer(data, "<i4").astype(np.int64))
    elif codec == _FLOAT64:
        values = np.frombuffer(data, "<f8")
    elif codec == _FLOAT64_PLANES:
        if len(data) != 8 * n:
            raise PvrInputError(f"{what}: the stored series has {len(data) // 8} values for {n} sessions")
        values = np.frombuffer(data, np.uint8).reshape(8, n).T.copy().view("<f8").ravel()
    else:
        raise PvrInputError(f"{what}: the stored series has an unknown codec {codec}")
    if len(values) != n:
        raise PvrInputError(f"{what}: the stored series has {len(values)} values for {n} sessions")
    return values


def encode(frame):
    """A series frame (:func:`session_series`) as the ``series`` table's values (without ``run_id``)."""
    if not isinstance(frame, pd.DataFrame) or len(frame) == 0:
        raise PvrInputError("a run's series must be a non-empty DataFrame of sessions")
    missing = [n for n in SERIES_NAMES if n not in frame.columns]
    if missing:
        raise PvrInputError(f"a run's series has no {missing[0]!r} column")
    days = pd.DatetimeIndex(frame.index).to_numpy(dtype="datetime64[D]").astype(np.int64)
    if len(days) > 1 and (np.diff(days) <= 0).any():
        raise PvrInputError("a run's series must have one row per session, in date order")
    deltas = np.diff(days, prepend=0).astype("<i4")
    start = frame.attrs.get("start_usd")
    out = {
        "sessions": len(frame),
        "first_session": str(np.datetime64(int(days[0]), "D")),
        "last_session": str(np.datetime64(int(days[-1]), "D")),
        "start_usd": float(start) if start is not None and math.isfinite(float(start)) else None,
        "risk_model": frame.attrs.get("risk_model"),
        "resolution": frame.attrs.get("resolution"),
        "session": bytes([_DAY_DELTAS]) + zlib.compress(deltas.tobytes(), _LEVEL),
    }
    for name in SERIES_NAMES:
        out[name] = _pack_floats(frame[name].to_numpy(dtype=float))
    return out


def decode(row, names=SERIES_NAMES):
    """A ``series`` table row (dict) back to the frame :func:`session_series` made."""
    n = int(row["sessions"])
    what = f"run {row.get('run_id')}"
    days = _unpack(row["session"], n, what)
    data = {name: (_unpack(row[name], n, what) if row.get(name) is not None else np.full(n, np.nan))
            for name in names}
    frame = pd.DataFrame(data, index=pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"),
                                                      name="session"))
    frame.attrs.update(start_usd=math.nan if row["start_usd"] is None else float(row["start_usd"]),
                       risk_model=row["risk_model"], resolution=row["resolution"])
    return frame


# ------------------------------------------------------------------ the table


def ensure_table(conn):
    """Create the ``series`` table, or add the columns of quantities new to the field table."""
    columns = ",\n  ".join(f"{_quote(n)} {t}" for n, t in COLUMNS)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (\n  {columns}\n)")
    have = {r[1] for r in conn.execute(f"PRAGMA table_info({TABLE})")}
    for name, sql_type in COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE {TABLE} ADD COLUMN {_quote(name)} {sql_type.split()[0]}")


def insert(conn, run_id, values):
    """Write one run's encoded series (:func:`encode`); inside the caller's transaction."""
    names = ["run_id", *values]
    sql = (f"INSERT INTO {TABLE} ({', '.join(map(_quote, names))}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    conn.execute(sql, [int(run_id), *values.values()])


def _has_table(conn):
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
    return found.fetchone() is not None


def _ids(run_ids):
    out = []
    for run_id in run_ids:
        if isinstance(run_id, bool):
            raise PvrInputError(f"run id must be a whole number, not {run_id!r}")
        try:
            out.append(int(run_id))
        except (TypeError, ValueError):
            raise PvrInputError(f"run id must be a whole number, not {run_id!r}") from None
    return out


def read_series(ledger, run_ids, names=SERIES_NAMES):
    """The kept series of some runs: ``{run_id: DataFrame}`` (:func:`session_series`'s frame).

    Runs without series (recorded before the ledger kept them, failed runs,
    unknown ids) are left out. ``names`` limits the quantities read (the
    other BLOBs are not read at all).
    """
    unknown = [n for n in names if n not in SERIES_NAMES]
    if unknown:
        raise PvrInputError(f"unknown series {unknown[0]!r}; kept: {', '.join(SERIES_NAMES)}")
    ids = _ids(run_ids)
    conn = ledger._reader()  # the ledger's own read connection (None: no ledger yet)
    if conn is None or not ids:
        if conn is not None:
            conn.close()
        return {}
    out = {}
    try:
        if not _has_table(conn):
            return {}
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({TABLE})")}
        wanted = [n for n, _ in _META] + [n for n in names if n in have]
        for k in range(0, len(ids), 500):
            chunk = ids[k:k + 500]
            cursor = conn.execute(
                f"SELECT {', '.join(map(_quote, wanted))} FROM {TABLE} "
                f"WHERE run_id IN ({', '.join('?' for _ in chunk)})", chunk)
            for values in cursor:
                row = dict(zip(wanted, values))
                out[int(row["run_id"])] = decode(row, names)
    finally:
        conn.close()
    return {i: out[i] for i in ids if i in out}


def runs_with_series(ledger, run_ids=None):
    """The ids (a set) of runs whose series the ledger keeps; of ``run_ids`` when given."""
    conn = ledger._reader()
    if conn is None:
        return set()
    try:
        if not _has_table(conn):
            return set()
        found = {int(r[0]) for r in conn.execute(f"SELECT run_id FROM {TABLE}")}
    finally:
        conn.close()
    return found if run_ids is None else found & set(_ids(run_ids))


def series_bytes(ledger):
    """Total bytes of the kept series BLOBs and the number of runs that have them."""
    conn = ledger._reader()
    if conn is None:
        return 0, 0
    try:
        if not _has_table(conn):
            return 0, 0
        have = [r[1] for r in conn.execute(f"PRAGMA table_info({TABLE})") if r[2].upper() == "BLOB"]
        total = " + ".join(f"COALESCE(LENGTH({_quote(n)}), 0)" for n in have)
        size, count = conn.execute(f"SELECT SUM({total}), COUNT(*) FROM {TABLE}").fetchone()
    finally:
        conn.close()
    return int(size or 0), int(count)
