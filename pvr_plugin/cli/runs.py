"""``pvr runs`` (the run ledger, best PvR %/day first) and ``pvr compare``."""
import json

import click

from pvr_plugin.core.fields import QUANTITIES
from pvr_plugin.core.pvr import RISK_MODELS
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


def records(frame):
    """Rows of ``frame`` as a list of plain dicts (``params`` JSON text parsed)."""
    from pvr_plugin.core.jsonable import records as plain_records

    out = plain_records(frame)
    for item in out:
        if isinstance(item.get("params"), str):
            try:
                item["params"] = json.loads(item["params"])
            except ValueError:
                pass
    return out


def _fmt(column, value):
    from pvr_plugin.core.jsonable import jsonable

    value = jsonable(value)
    if value is None:
        return "n/a" if column in _FORMATS else ""
    if column in _FORMATS and isinstance(value, (int, float)):
        return _FORMATS[column].format(value)
    if column == "created_at":
        return str(value)[:16].replace("T", " ")
    return str(value)


def _table(frame, columns):
    import pandas as pd

    shown = pd.DataFrame({
        _LABELS.get(c, c): [_fmt(c, v) for v in frame[c]] for c in columns
    })
    return shown.to_string(index=False)


def _emit(frame, as_json, as_csv, text):
    if as_json and as_csv:
        raise PvrInputError("choose one of --json and --csv")
    if as_json:
        click.echo(json.dumps(records(frame), indent=2))
    elif as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        click.echo(text())


@click.command()
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
    from pvr_plugin.store import RunLedger

    if limit is not None and limit < 1:
        raise PvrInputError(f"--limit must be at least 1, not {limit}")
    ledger = RunLedger(ledger_path)
    frame = ledger.query(algorithm=algorithm, sweep_id=sweep_id, status=status, sort=sort,
                         descending=not ascending, limit=limit)

    def text():
        if frame.empty:
            return f"no runs recorded in {ledger.path}"
        columns = list(_RUNS_TEXT)
        if sort not in columns:
            columns.insert(4, sort)
        return _table(frame, columns) + _undefined_notes([f"run {i}" for i in frame["run_id"]], frame)

    _emit(frame, as_json, as_csv, text)


@click.command()
@click.argument("items", nargs=-1, required=True, metavar="RUN_ID_OR_FILE...")
@click.option("--model", type=click.Choice(RISK_MODELS),
              help="Risk model for files (default: the frame's own, else cash_or_short).")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects, one per run.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per run.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False),
              help="Ledger file for run ids (default $PVR_HOME/runs.sqlite).")
def compare(items, model, as_json, as_csv, ledger_path):
    """Compare saved runs (ledger ids) and performance files side by side.

    A number is a run id from `pvr runs`; anything else is a saved frame
    (.pkl/.pickle/.parquet; write ./12.pkl for a file whose name is digits).
    Only the files named here are opened; pickles can run code when opened,
    so name only files you made yourself.
    """
    from pvr_plugin.store import RunLedger
    from pvr_plugin.views.run_report import comparison_frame

    frame = comparison_frame(list(items), ledger=RunLedger(ledger_path), model=model)

    def text():
        rows = ["pvr_per_day_pct", "pvr_pct", "qret_pct", "cagr", "alpha", "beta", "sharpe",
                "max_drawdown", "cash_low_usd", "max_short_usd", "max_risk_usd", "max_leverage",
                "days", "resolution", "risk_model", "capital_usd", "start", "end"]
        import pandas as pd

        side = pd.DataFrame(
            {run: [_fmt(r, frame.loc[i, r]) for r in rows] for i, run in enumerate(_unique(frame["run"]))},
            index=[_LABELS.get(r, r) for r in rows],
        )
        tags = "\n".join(f"  {run}: {tag}" for run, tag in zip(_unique(frame["run"]), frame["tag"]))
        return side.to_string() + "\n\ntags\n" + tags + _undefined_notes(_unique(frame["run"]), frame)

    _emit(frame, as_json, as_csv, text)


def _undefined_notes(names, frame):
    """Lines saying why a run's return statistics are n/a (the account reached zero)."""
    notes = [f"  {name}: {why}" for name, why in zip(names, frame["nan_reason"]) if isinstance(why, str) and why]
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
