"""Entry point of the ``pvr`` command.

Every subcommand lives in its own module and is registered here. A user mistake
raises :class:`pvr_plugin.errors.PvrInputError`; this group turns it into one
line on stderr and exit status 2, never a traceback.
"""
import importlib
import sys

import click

from pvr_plugin.errors import PvrInputError
from pvr_plugin.quiet import quiet_library_warnings

# (module, attribute) of each subcommand; imported lazily so that `pvr --help`
# and light commands do not pay for importing zipline.
SUBCOMMANDS = {
    "ingest": ("pvr_plugin.cli.run", "ingest"),
    "run": ("pvr_plugin.cli.run", "run"),
    "demo": ("pvr_plugin.cli.run", "demo"),
    "inversions": ("pvr_plugin.cli.inversions", "inversions"),
    "factsheet": ("pvr_plugin.cli.factsheet", "factsheet"),
    "runs": ("pvr_plugin.cli.runs", "runs"),
    "compare": ("pvr_plugin.cli.compare", "compare"),
    "sweep": ("pvr_plugin.cli.sweep", "sweep"),
}


class _Group(click.Group):
    def list_commands(self, ctx):
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx, name):
        if name not in SUBCOMMANDS:
            return None
        module, attr = SUBCOMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PvrInputError as exc:
            click.echo(f"pvr: error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
def cli():
    """PvR (Profit vs Risk) for zipline-reloaded backtests."""


def main(argv=None):
    quiet_library_warnings()
    cli.main(args=argv, prog_name="pvr")


if __name__ == "__main__":
    main()
