"""``pvr examples``: the shipped example strategies, sweep specs and notebooks."""
import click

from pvr_plugin.cli.help import example


@click.command("examples", epilog=example("pvr examples --to my_examples"))
@click.option("--to", "to", type=click.Path(file_okay=False), metavar="DIR",
              help="Copy them into DIR (strategies/ and notebooks/) to edit.")
@click.option("--force", is_flag=True, help="Overwrite files that exist in DIR.")
def examples(to, force):
    """List the example strategies and notebooks, or copy them to a folder.

    Any of them runs by name from any folder: `pvr run long_short`,
    `pvr sweep long_short_sweep`.

    Example: pvr examples --to my-pvr
    """
    from pvr_plugin import examples as shipped

    if to:
        written = shipped.copy_examples(to, force=force)
        click.echo(f"copied {len(written)} files to {to}")
        return
    for e in shipped.examples():
        click.echo(f"{e.kind:<11} {e.name:<28} {e.summary}")
