"""``pvr runs``: the run ledger, best PvR %/day first (and the helpers ``pvr compare`` shares).

Listing works on SQLite's own rows, without pandas or the statistics
libraries: a ledger of 10,000 runs lists in a fraction of a second. (``--csv``
goes through pandas, for pandas' CSV.)
"""
import json

import click

from pvr_plugin.cli.help import example
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views.text_table import table, wrap

# Shown in the text table of `pvr runs` (JSON and CSV carry every column).
_RUNS_TEXT = ("run_id", "created_at", "algorithm_name", "status", "pvr_per_day_pct", "pvr_pct",
              "qret_pct", "sharpe", "max_drawdown", "max_risk_usd", "max_leverage", "days", "tag")
# The tag repeats the figures in short: it gives up its width first.
_FLOORS = {"tag": 8, "algorithm_name": 12}


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
    click.echo(table(columns, values, gap=" ", floors=_FLOORS)
               + _undefined_notes([f"run {i}" for i in values["run_id"]], values["nan_reason"]))


def _undefined_notes(names, reasons):
    """Lines saying why a run's return statistics are n/a (the account reached zero)."""
    notes = [line for name, why in zip(names, reasons) if isinstance(why, str) and why
             for line in wrap(f"{name}: {why}", indent="  ")]
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
