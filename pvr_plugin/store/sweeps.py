"""The specs of the sweeps recorded in the run ledger (table ``sweeps``, layout 3).

A sweep's runs are rows of the ``runs`` table with its ``sweep_id``; what
defined the sweep (grid, dates, capital bases, in- and out-of-sample ranges)
is kept here as JSON text, one row per sweep id, so that the sweep's report
(its parameter views and out-of-sample figures) can be made later from the id
alone. The sweep layer turns the JSON back into a spec
(:mod:`pvr_plugin.sweep.recorded`).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

TABLE = "sweeps"
_COLUMNS = (
    ("sweep_id", "TEXT PRIMARY KEY"),
    ("recorded_at", "TEXT NOT NULL"),
    ("spec", "TEXT NOT NULL"),
)


def ensure_table(conn):
    """Create the ``sweeps`` table; inside the ledger's write transaction."""
    columns = ", ".join(f'"{n}" {t}' for n, t in _COLUMNS)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({columns})")


def record_sweep(ledger, sweep_id, spec):
    """Keep (or replace) the spec (a JSON-ready dict) of sweep ``sweep_id``; one transaction."""
    text = json.dumps(spec, sort_keys=True, default=str)
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")

    def work(conn):
        conn.execute(f"INSERT OR REPLACE INTO {TABLE} (sweep_id, recorded_at, spec) VALUES (?, ?, ?)",
                     (str(sweep_id), now, text))

    ledger.write(work)


def sweep_spec(ledger, sweep_id):
    """The recorded spec of a sweep as a dict, or None (not recorded, or no ledger)."""
    conn = ledger._reader()  # the ledger's own read connection (None: no ledger yet)
    if conn is None:
        return None
    try:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone()
        row = conn.execute(f"SELECT spec FROM {TABLE} WHERE sweep_id = ?", (str(sweep_id),)).fetchone() \
            if found else None
    finally:
        conn.close()
    if row is None:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None
