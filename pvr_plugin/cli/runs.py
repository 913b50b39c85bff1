"""``pvr runs``: the run ledger, best PvR %/day first (and the table helpers ``pvr compare`` shares).

Listing works on SQLite's own rows, without pandas or the statistics
libraries: a ledger of 10,000 runs lists in a fraction of a second. (``--csv``
goes through pandas, for pandas' CSV.)
"""
import json
import math

import click

from pvr_plugin.cli.help import example
from pvr_plugin.core.fields import QUANTITIES
from pvr_plugin.errors import PvrInputError

# Shown in the text table of `pvr runs` (JSON and CSV carry every column).
_RUNS_TEXT = ("run_id", "created_at", "algorithm_name", "status", "pvr_per_day_pct", "pvr_pct",
              "qret_pct", "sharpe", "max_drawdown", "max_risk_usd", "max_leverage", "days", "tag")
# Headers and number formats: the field table's for the figures, the ledger's own columns here.
_LABELS = {
    "run_id": "run", "created_at": "created (UTC)", "algorithm_name": "algorithm", "capital_usd": "capital $",
    **{q.name: q.header for q in QUANTITIES if q.ledger and q.unit not in ("text", "count")},
}
_FORMATS = {
    "capital_usd": "{:,.0f}", "runtime_s": "{:.1f}",
    **{q.name: "{:" + q.fmt + "}" for q in QUANTITIES if q.ledger and q.fmt and q.unit != "count"},
}


def _plain(value):
    """A cell value as a plain Python one (numpy and pandas values converted, NaN as None)."""
    if type(value).__module__.split(".")[0] in ("numpy", "pandas"):
        from pvr_plugin.core.jsonable import jsonable

        return jsonable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _parsed(item):
    if isinstance(item.get("params"), str):
        try:
            item["params"] = json.loads(item["params"])
        except ValueError:
            pass
    return item


def records(frame):
    """Rows of ``frame`` as a list of plain dicts (``params`` JSON text parsed)."""
    from pvr_plugin.core.jsonable import records as plain_records

    return [_parsed(item) for item in plain_records(frame)]


def _fmt(column, value):
    return _fmt_plain(column, _plain(value))


def _fmt_plain(column, value):
    """A cell of a plain Python value (SQLite's own: None, int, float, str)."""
    if value is None:
        return "n/a" if column in _FORMATS else ""
    if column in _FORMATS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _FORMATS[column].format(value)
    if column == "created_at":
        return str(value)[:16].replace("T", " ")
    return str(value)


def _column_cells(column, values):
    """:func:`_fmt_plain` of a whole column, the format looked up once."""
    spec = _FORMATS.get(column)
    if spec is None and column != "created_at":
        return ["" if v is None else str(v) for v in values]
    return [_fmt_plain(column, v) if spec is None or not isinstance(v, float) else spec.format(v)
            for v in values]


def text_table(columns, values):
    """Right-aligned text columns: ``values[c]`` is the list of column ``c``'s plain values."""
    cells = [[_LABELS.get(c, c)] + _column_cells(c, values[c]) for c in columns]
    widths = [max(map(len, col)) for col in cells]
    lines = zip(*([x.rjust(w) for x in col] for col, w in zip(cells, widths)))
    return "\n".join(" ".join(line) for line in lines)


def _emit(frame, as_json, as_csv, text):
    if as_json and as_csv:
        raise PvrInputError("choose one of --json and --csv")
    if as_json:
        click.echo(json.dumps(records(frame), indent=2))
    elif as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        click.echo(text())


@click.command(epilog=example("pvr runs --algorithm long_short --sort sharpe --limit 5"))
@click.option("--algorithm", "-a", help="Only runs of this algorithm: a file path, or a name such as long_short.")
@click.option("--sweep", "sweep_id", help="Only runs of this sweep id.")
@click.option("--status", type=click.Choice(["ok", "failed", "all"]), default="all", show_default=True)
@click.option("--sort", default="pvr_per_day_pct", show_default=True, help="Any ledger column.")
@click.option("--ascending", is_flag=True, help="Smallest first (default: largest first).")
@click.option("--limit", type=int, help="At most this many runs.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects, one per run.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per run.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False),
              help="Ledger file (default $PVR_HOME/runs.sqlite, PVR_HOME defaulting to ~/.pvr).")
def runs(algorithm, sweep_id, status, sort, ascending, limit, as_json, as_csv, ledger_path):
    """List recorded backtests, best PvR %/day first."""
    from pvr_plugin.store.run_ledger import COLUMN_NAMES, RunLedger

    if as_json and as_csv:
        raise PvrInputError("choose one of --json and --csv")
    if limit is not None and limit < 1:
        raise PvrInputError(f"--limit must be at least 1, not {limit}")
    ledger = RunLedger(ledger_path)
    names, found = ledger.query_rows(algorithm=algorithm, sweep_id=sweep_id, status=status, sort=sort,
                                     descending=not ascending, limit=limit)
    if as_csv:
        from pvr_plugin.store.run_ledger import rows_frame

        click.echo(rows_frame(names, found).to_csv(index=False), nl=False)
        return
    # SQLite's values are plain already (NULL for NaN); columns a migrated-later ledger lacks are None.
    where = {name: i for i, name in enumerate(names)}
    if as_json:
        rows = [{n: (row[where[n]] if n in where else None) for n in COLUMN_NAMES} for row in found]
        click.echo(json.dumps([_parsed(row) for row in rows], indent=2))
        return
    if not found:
        click.echo(f"no runs recorded in {ledger.path}")
        return
    columns = list(_RUNS_TEXT)
    if sort not in columns:
        columns.insert(4, sort)
    values = {c: ([row[where[c]] for row in found] if c in where else [None] * len(found))
              for c in {*columns, "nan_reason"}}
    click.echo(text_table(columns, values)
               + _undefined_notes([f"run {i}" for i in values["run_id"]], values["nan_reason"]))


def _undefined_notes(names, reasons):
    """Lines saying why a run's return statistics are n/a (the account reached zero)."""
    notes = [f"  {name}: {why}" for name, why in zip(names, reasons) if isinstance(why, str) and why]
    if not notes:
        return ""
    return "\n\nalpha, beta, Sharpe, max drawdown and CAGR are n/a (undefined) for\n" + "\n".join(notes)


def _unique(labels):
    """Column labels, made unique when the same run is named twice."""
    seen, out = {}, []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out
