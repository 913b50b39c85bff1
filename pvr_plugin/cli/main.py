"""Entry point of the ``pvr`` command.

Every subcommand lives in its own module and is registered here. A user mistake
raises :class:`pvr_plugin.errors.PvrInputError`; this group turns it, and
click's own usage errors (a bad option value, a missing argument, an unknown
option), into one ``pvr: error:`` line on stderr and exit status 2, never a
traceback or click's three-line usage message. ``--help`` is click's own.
"""
import importlib
import sys

import click

from pvr_plugin import __version__
from pvr_plugin.cli.help import example
from pvr_plugin.errors import PvrInputError
from pvr_plugin.quiet import quiet_library_warnings

# (module, attribute) of each subcommand; imported lazily so that `pvr --help`
# and light commands do not pay for importing zipline.
SUBCOMMANDS = {
    "ingest": ("pvr_plugin.cli.ingest", "ingest"),
    "run": ("pvr_plugin.cli.run", "run"),
    "demo": ("pvr_plugin.cli.run", "demo"),
    "examples": ("pvr_plugin.cli.examples", "examples"),
    "inversions": ("pvr_plugin.cli.inversions", "inversions"),
    "factsheet": ("pvr_plugin.cli.factsheet", "factsheet"),
    "runs": ("pvr_plugin.cli.runs", "runs"),
    "compare": ("pvr_plugin.cli.compare", "compare"),
    "sweep": ("pvr_plugin.cli.sweep", "sweep"),
}


class _OneLineUsageError(click.UsageError):
    """click's usage error (bad option value, missing argument...) shown as one ``pvr: error:`` line."""

    def show(self, file=None):
        click.echo(f"pvr: error: {self.message}", err=True)


def _one_line(exc):
    message = " ".join(exc.format_message().split())
    ctx = exc.ctx
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return _OneLineUsageError(message, ctx=ctx)


class _Group(click.Group):
    """Subcommands imported lazily; user mistakes and click's usage errors as one line, exit 2."""

    def list_commands(self, ctx):
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx, name):
        if name not in SUBCOMMANDS:
            return None
        module, attr = SUBCOMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `pvr` alone prints the help, as click does
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PvrInputError as exc:
            click.echo(f"pvr: error: {exc}", err=True)
            sys.exit(2)
        except (_OneLineUsageError, click.exceptions.NoArgsIsHelpError):
            raise
        except click.UsageError as exc:  # raised while parsing a subcommand's arguments
            raise _one_line(exc) from None


@click.group(cls=_Group, epilog=example("pvr run long_short --start 2021-01-04 --end 2021-06-30"))
@click.version_option(__version__, "--version", prog_name="pvr", message="%(prog)s %(version)s")
def cli():
    """PvR (Profit vs Risk) for zipline-reloaded backtests.

    Each subcommand's --help ends with a worked example.
    """


def main(argv=None):
    quiet_library_warnings()
    cli.main(args=argv, prog_name="pvr")


if __name__ == "__main__":
    main()
