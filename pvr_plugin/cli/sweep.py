"""``pvr sweep``: run a parameter grid of one algorithm on Dask, resumably."""
import sys

import click


@click.command()
@click.argument("spec_file", type=click.Path(dir_okay=False))
@click.option("--param", "params", multiple=True, metavar="NAME=V1,V2,...",
              help="Add or replace a grid entry (repeatable).")
@click.option("--workers", type=int, help="Local worker processes (default: one per core).")
@click.option("--scheduler", metavar="ADDRESS", help="Use an existing Dask cluster, e.g. tcp://host:8786.")
@click.option("--dry-run", is_flag=True, help="List the combinations and exit.")
@click.option("--partitions", type=int, default=16, show_default=True,
              help="CSCV blocks for the probability of backtest overfitting (even, 2-20).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document (runs, parameter table, validation) instead of the tables.")
def sweep(spec_file, params, workers, scheduler, dry_run, partitions, as_json):
    """Run every combination of SPEC_FILE's grid; finished runs go to the run ledger."""
    from pvr_plugin.sweep.spec import load_spec, run_key

    _check_partitions(partitions)
    spec = load_spec(spec_file, params)
    combos = spec.combinations()
    click.echo(f"sweep {spec.sweep_id}: {len(combos)} runs of {spec.algorithm}", err=as_json)
    if dry_run:
        for combo in combos:
            click.echo(f"  {run_key(combo)}")
        return
    if workers is not None and workers < 1:
        from pvr_plugin.errors import PvrInputError

        raise PvrInputError(f"--workers must be at least 1, not {workers}")

    from pvr_plugin.sweep.engine import parameter_table, run_sweep

    tty = sys.stderr.isatty()

    def show(progress):
        click.echo(("\r" if tty else "") + progress.line(), err=True, nl=not tty)

    try:
        results = run_sweep(spec, workers=workers, scheduler=scheduler, on_progress=show)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished runs are in the ledger; run the same command to resume", err=True)
        sys.exit(130)
    if tty:
        click.echo("", err=True)
    validation = _validation(spec, results, partitions)
    if as_json:
        from pvr_plugin.sweep.validation import validation_json

        click.echo(validation_json(validation, results, parameter_table(results)))
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


def _check_partitions(partitions):
    from pvr_plugin.core.overfit import MAX_PARTITIONS
    from pvr_plugin.errors import PvrInputError

    if partitions < 2 or partitions % 2 or partitions > MAX_PARTITIONS:
        raise PvrInputError(f"--partitions must be an even number from 2 to {MAX_PARTITIONS}, not {partitions}")


def _validation(spec, results, partitions):
    """Out-of-sample ranks, PBO and deflated ratios (see pvr_plugin.sweep.validation)."""
    from pvr_plugin.sweep.validation import validate_sweep

    return validate_sweep(spec, results, partitions=partitions)
