"""``pvr ingest``: the embedded bundle, or a folder of CSV files as a bundle."""
import click

from pvr_plugin.cli.help import example
from pvr_plugin.errors import PvrInputError


@click.command(epilog=example("pvr ingest --csvdir my_prices --name my-prices --start 2021-01-04"))
@click.option("--csvdir", type=click.Path(file_okay=False), help="Folder with daily/SYMBOL.csv and/or "
              "minute/SYMBOL.csv (.csv or .csv.gz; zipline's csvdir layout, raw prices).")
@click.option("--name", help="Name of the bundle made from --csvdir.")
@click.option("--calendar", default="XNYS", show_default=True, help="Trading calendar of the CSV dates.")
@click.option("--start", help="Only rows from this date (YYYY-MM-DD).")
@click.option("--end", help="Only rows up to this date (YYYY-MM-DD).")
@click.option("--force", is_flag=True, help="pvr-demo: ingest again even if an ingestion exists.")
def ingest(csvdir, name, calendar, start, end, force):
    """Ingest the embedded pvr-demo bundle, or your CSV files as bundle NAME.

    Either way the bundle is registered in $ZIPLINE_ROOT/extension.py, so
    `pvr run --bundle NAME`, sweeps, run_algorithm and `zipline run -b NAME`
    see it. Ingesting NAME again replaces it. Every file is checked first: a
    problem is one line naming the file, line and value, and nothing is written.
    """
    from pvr_plugin.adapters import zipline_setup

    if csvdir is None:
        if name or start or end or calendar != "XNYS":
            raise PvrInputError("--name, --calendar, --start and --end go with --csvdir DIR")
        _ingest_demo(force)
        return
    if not name:
        raise PvrInputError("--csvdir needs --name NAME for the bundle")
    from pvr_plugin.adapters import user_bundle

    result = user_bundle.ingest_csvdir(csvdir, name, calendar=calendar, start=start, end=end)
    spans = ", ".join(f"{freq} {s[0].date()} to {s[1].date()}" for freq, s in result.spans.items() if s)
    click.echo(f"{name}: {'replaced' if result.replaced else 'ingested'} {len(result.symbols)} symbols "
               f"({spans}) in {result.seconds:.1f} s into {result.path.parent}")
    click.echo(f"registered in {zipline_setup.zipline_root() / 'extension.py'}: "
               f"pvr run --bundle {name}, zipline run -b {name}")


def _ingest_demo(force):
    from pvr_plugin.adapters import bundle, zipline_setup

    did = bundle.ensure_ingested(force=force)
    click.echo(f"pvr-demo: {'ingested' if did else 'already ingested'} in {zipline_setup.zipline_root()}")
    path, added = zipline_setup.install_extension()
    if added:
        click.echo(f"added the pvr extension to {path} (zipline CLI now knows pvr-demo and --metrics-set pvr)")
    bench = zipline_setup.write_benchmark_file()
    click.echo(f"S&P 500 benchmark returns for `zipline run --benchmark-file`: {bench}")
