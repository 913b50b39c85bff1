"""``pvr run`` and ``pvr demo``."""
import ast
import os
import sys
from pathlib import Path

import click

from pvr_plugin.cli.help import example
from pvr_plugin.errors import PvrInputError



def _parse_params(pairs):
    params = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise PvrInputError(f"--param {pair!r} is not NAME=VALUE")
        try:
            params[name] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            params[name] = raw  # a bare word is a string
    return params


@click.command(epilog=example("pvr run long_short --start 2021-01-04 --end 2021-06-30 --param lookback=21 --out perf.pkl"))
@click.argument("algofile", type=click.Path(dir_okay=False))
@click.option("--start", help="First session (YYYY-MM-DD). Default on pvr-demo: 2020-01-02 daily, the minute "
              "window in minute mode; on other bundles their first session.")
@click.option("--end", help="Last session (YYYY-MM-DD). Default: the bundle's last session.")
@click.option("--capital-base", type=float, default=1_000_000.0, show_default=True, help="Starting capital in dollars.")
@click.option("--data-frequency", type=click.Choice(["daily", "minute"]), default="daily", show_default=True)
@click.option("--bundle", default="pvr-demo", show_default=True)
@click.option("--metrics-set", default="pvr", show_default=True, help="zipline metrics set; 'pvr' adds PvR columns.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Override an entry of the file's PARAMS (repeatable).")
@click.option("--no-benchmark", is_flag=True, help="Run without the S&P 500 benchmark (alpha/beta meaningless).")
@click.option("--out", type=click.Path(dir_okay=False), help="Save the performance frame (.pkl/.pickle or .parquet).")
@click.option("--no-record", is_flag=True, help="Do not add the run to the run ledger ($PVR_HOME/runs.sqlite).")
def run(algofile, start, end, capital_base, data_frequency, bundle, metrics_set, params, no_benchmark, out,
        no_record):
    """Run a zipline algorithm file, print its PvR summary and record it in the run ledger."""
    from pvr_plugin.adapters import runner
    from pvr_plugin.adapters.run_settings import check_capital
    from pvr_plugin.store import RunLedger, record_failed_run, record_run
    from pvr_plugin.views import run_report

    # Everything that can be checked is checked before the backtest.
    check_capital(capital_base, "--capital-base")
    if out:
        _check_out(out)
    parsed = _parse_params(params)
    ledger = None if no_record else _ledger(RunLedger())
    try:
        result = runner.run_file(
            algofile, start=start, end=end, capital_base=capital_base,
            data_frequency=data_frequency, bundle=bundle, metrics_set=metrics_set,
            benchmark=None if no_benchmark else "SP500", params=parsed,
            progress=True,
        )
    except PvrInputError:
        raise  # a user mistake before the backtest ran: nothing to record
    except Exception as exc:
        recorded = ""
        if ledger is not None:
            try:
                run_id = record_failed_run(
                    algofile, exc, ledger=ledger, params=parsed, bundle=bundle, start=start, end=end,
                    data_frequency=data_frequency, capital_usd=capital_base, metrics_set=metrics_set,
                )
                recorded = f"recorded failed run {run_id} in {ledger.path}"
            except PvrInputError as ledger_error:
                recorded = f"could not record the failed run: {ledger_error}"
        if isinstance(exc, runner.AlgorithmExit):  # no traceback to show: say what happened, once
            click.echo(f"pvr: run failed: {exc}" + (f"; {recorded}" if recorded else ""), err=True)
            sys.exit(1)
        if recorded:
            click.echo(f"pvr: {recorded}", err=True)
        raise
    click.echo("\n".join(run_report.run_lines(result)))
    saved, problem = _save(result.perf, out)
    if saved and not problem:
        click.echo(f"saved performance frame to {out}")
    run_id = None
    if ledger is not None:
        try:
            run_id = record_run(result, ledger=ledger, perf_path=saved)
        except PvrInputError as exc:
            raise PvrInputError(f"{exc} (set PVR_HOME to a writable folder, or use --no-record)") from None
        click.echo(f"recorded run {run_id} in {ledger.path}")
    if problem:
        kept = f"the finished backtest was saved to {saved} instead" if saved else "the frame could not be saved"
        ran = f" (recorded as run {run_id})" if run_id is not None else ""
        raise PvrInputError(f"{problem}; {kept}{ran}")


def _check_out(out):
    """Refuse an ``--out`` that cannot be written (name, folder, format) before the backtest."""
    import importlib.util

    from pvr_plugin.store import files

    path = files.check_output_path(out)
    if path.suffix.lower() == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise PvrInputError(f"--out {out}: .parquet needs pyarrow (pip install pyarrow); or use .pkl")
    probe = files.temp_name(path)
    try:  # permission bits do not tell (root, read-only mounts): try it
        with open(probe, "xb"):
            pass
    except OSError as exc:
        raise PvrInputError(f"--out {out}: cannot write in folder {path.parent} ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(probe):
            os.unlink(probe)


def _ledger(ledger):
    """The run ledger, refused now if it could not take the run afterwards."""
    folder = ledger.path.parent
    if folder.exists() and not folder.is_dir():
        raise PvrInputError(f"run ledger {ledger.path}: {folder} is not a folder (set PVR_HOME, or use --no-record)")
    ledger.count()  # refuses a file that is not a run ledger
    return ledger


def _save(perf, out):
    """Save the frame to ``out``; if that fails, to a fallback file. Returns (path saved, problem)."""
    from pvr_plugin.store import files

    if not out:
        return None, None
    try:
        files.save_frame(perf, out)
        return out, None
    except Exception as exc:  # whatever went wrong, a finished backtest is not thrown away
        problem = exc if isinstance(exc, PvrInputError) else f"--out {out}: cannot write ({type(exc).__name__}: {exc})"
    from datetime import datetime

    from pvr_plugin.store.run_ledger import pvr_home

    stem = Path(out).stem or "perf"
    fallback = pvr_home() / "unsaved" / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.pkl"
    try:
        fallback.parent.mkdir(parents=True, exist_ok=True)
        files.atomic_save(fallback, perf.to_pickle)
    except (OSError, PvrInputError):
        return None, problem
    return os.fspath(fallback), problem


@click.command(epilog=example("pvr demo --start 2021-01-04 --end 2021-06-30"))
@click.option("--start", default="2021-01-04", show_default=True)
@click.option("--end", default="2022-12-28", show_default=True)
def demo(start, end):
    """Same trades at $10,000 and $10,000,000, plus a long/short: returns vs PvR."""
    from pvr_plugin.adapters import bundle, runner
    from pvr_plugin.views import run_report

    from pvr_plugin import examples

    if bundle.ensure_ingested():
        click.echo("ingested the pvr-demo bundle")
    runs = [
        ("fixed_shares", 10_000.0),
        ("fixed_shares", 10_000_000.0),
        ("long_short", 1_000_000.0),
    ]
    results = []
    for name, capital in runs:
        click.echo(f"running {name}.py with ${capital:,.0f} ...", err=True)
        results.append(runner.run_file(
            os.fspath(examples.strategy_path(name)), start=start, end=end,
            capital_base=capital, metrics_set="pvr",
        ))
    click.echo(run_report.comparison_text(results))
    click.echo(
        "\nfixed_shares makes the same trades at both capital bases: returns differ "
        "with the capital, PvR does not."
    )
