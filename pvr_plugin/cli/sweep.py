"""``pvr sweep``: run a parameter grid of one algorithm on Dask, resumably."""
import sys

import click

from pvr_plugin.cli.help import example
from pvr_plugin.sweep.spec import MAX_RUNS


@click.command(epilog=example("pvr sweep long_short_sweep --workers 2"))
@click.argument("spec_file", type=click.Path(dir_okay=False))
@click.option("--param", "params", multiple=True, metavar="NAME=V1,V2,...",
              help="Add or replace a grid entry (repeatable).")
@click.option("--workers", type=int, help="Local worker processes (default: one per core).")
@click.option("--scheduler", metavar="ADDRESS", help="Use an existing Dask cluster, e.g. tcp://host:8786.")
@click.option("--dry-run", is_flag=True, help="List the combinations and exit.")
@click.option("--max-runs", type=click.IntRange(min=1), default=MAX_RUNS, show_default=True,
              help="Refuse a sweep of more runs than this (before anything runs).")
@click.option("--partitions", type=int, default=16, show_default=True,
              help="CSCV blocks for the probability of backtest overfitting (even, 2-20).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document (runs, parameter table, validation) instead of the tables.")
def sweep(spec_file, params, workers, scheduler, dry_run, max_runs, partitions, as_json):
    """Run every combination of SPEC_FILE's grid; finished runs go to the run ledger.

    Ctrl-C stops the sweep and its workers; every finished run stays in the
    ledger and the same command resumes.
    """
    last = []  # the latest progress, for the message on Ctrl-C
    try:
        results, spec = _run(spec_file, params, workers, scheduler, dry_run, max_runs, partitions, as_json, last)
    except KeyboardInterrupt:
        click.echo("\n" + _interrupted(last[0] if last else None, spec_file, params, workers, scheduler, max_runs),
                   err=True)
        sys.exit(130)
    if results is None:
        return
    validation = _validation(spec, results, partitions)
    if as_json:
        from pvr_plugin.sweep.parameters import parameter_effects
        from pvr_plugin.sweep.validation import validation_json

        click.echo(validation_json(validation, results, parameter_effects(results)))
        return
    from pvr_plugin.views.sweep_views import effects_text, runs_text

    click.echo(runs_text(results))
    click.echo("\n" + effects_text(results))
    from pvr_plugin.views.overfit_text import validation_lines

    click.echo("")
    for line in validation_lines(validation):
        click.echo(line)
    click.echo(f"\nlist again with: pvr runs --sweep {spec.sweep_id}")
    click.echo(f"report page: pvr compare --sweep {spec.sweep_id} --html report.html")


def _run(spec_file, params, workers, scheduler, dry_run, max_runs, partitions, as_json, last):
    """Check, then run (or list) the sweep; returns (results or None, spec)."""
    from pvr_plugin import examples
    from pvr_plugin.errors import PvrInputError
    from pvr_plugin.extras import require
    from pvr_plugin.sweep.spec import load_spec, run_key

    require("sweep", "pvr sweep")
    spec_file = examples.resolve(spec_file, ".toml")  # `pvr sweep long_short_sweep`: the shipped spec
    _check_partitions(partitions)
    if workers is not None and workers < 1:
        raise PvrInputError(f"--workers must be at least 1, not {workers}")
    spec = load_spec(spec_file, params, check_bundle=not scheduler)
    spec.check_size(max_runs)
    click.echo(f"sweep {spec.sweep_id}: {spec.size:,} runs of {spec.algorithm}", err=as_json)
    if dry_run:
        for combo in spec.iter_combinations():
            click.echo(f"  {run_key(combo)}")
        return None, spec

    from pvr_plugin.sweep.engine import run_sweep

    tty = sys.stderr.isatty()

    def show(progress):
        last[:] = [progress]
        click.echo(("\r" if tty else "") + progress.line(), err=True, nl=not tty)

    results = run_sweep(spec, workers=workers, scheduler=scheduler, on_progress=show, max_runs=max_runs)
    if tty:
        click.echo("", err=True)
    return results, spec


def _interrupted(progress, spec_file, params, workers, scheduler, max_runs):
    """What Ctrl-C kept, and the command that resumes the sweep."""
    import shlex

    args = ["pvr", "sweep", spec_file]
    for flag in params:
        args += ["--param", flag]
    if workers is not None:
        args += ["--workers", str(workers)]
    if scheduler:
        args += ["--scheduler", scheduler]
    if max_runs != MAX_RUNS:
        args += ["--max-runs", str(max_runs)]
    kept = " before any run finished"
    if progress is not None:
        recorded = progress.skipped + progress.done + progress.failed
        kept = (f" after {progress.done + progress.failed} run(s) this time; {recorded} of {progress.total} "
                f"are in the run ledger ({progress.failed} failed)")
    return f"interrupted{kept}. Resume with: {shlex.join(args)}"


def _check_partitions(partitions):
    from pvr_plugin.core.overfit import MAX_PARTITIONS
    from pvr_plugin.errors import PvrInputError

    if partitions < 2 or partitions % 2 or partitions > MAX_PARTITIONS:
        raise PvrInputError(f"--partitions must be an even number from 2 to {MAX_PARTITIONS}, not {partitions}")


def _validation(spec, results, partitions):
    """Out-of-sample ranks, PBO and deflated ratios (see pvr_plugin.sweep.validation)."""
    from pvr_plugin.sweep.validation import validate_sweep

    return validate_sweep(spec, results, partitions=partitions)
