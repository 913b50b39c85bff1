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
def sweep(spec_file, params, workers, scheduler, dry_run):
    """Run every combination of SPEC_FILE's grid; finished runs go to the run ledger."""
    from pvr_plugin.sweep.spec import load_spec, run_key

    spec = load_spec(spec_file, params)
    combos = spec.combinations()
    click.echo(f"sweep {spec.sweep_id}: {len(combos)} runs of {spec.algorithm}")
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
    cols = [c for c in ("run_id", "status", "params", "pvr_per_day_pct", "pvr_pct", "qret_pct", "max_risk_usd", "tag", "error")
            if c in results.columns]
    click.echo(results[cols].to_string(index=False))
    click.echo("\nparameter values by mean PvR %/day:")
    click.echo(parameter_table(results).to_string(index=False))
    click.echo(f"\nlist again with: pvr runs --sweep {spec.sweep_id}")
