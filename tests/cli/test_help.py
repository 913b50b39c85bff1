"""Every subcommand's --help ends with a worked example of that subcommand, and `pvr --version`."""
import configparser
import re
import shlex

import click
import pytest
from click.testing import CliRunner

import pvr_plugin
from pvr_plugin.cli.main import SUBCOMMANDS, cli
from tests.conftest import REPO, run_pvr


def last_paragraph(text):
    return [p for p in re.split(r"\n\s*\n", text.strip())][-1].splitlines()


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_help_ends_with_an_example_that_parses(name):
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="pvr")
    assert result.exit_code == 0, result.output
    head, *commands = last_paragraph(result.output)
    assert head.strip() == "Example:" and len(commands) == 1, result.output[-400:]
    words = shlex.split(commands[0])
    assert words[:2] == ["pvr", name], commands
    # The example's options and arguments are ones the command accepts today.
    command = cli.get_command(None, name)
    with command.make_context(name, words[2:], parent=click.Context(cli, info_name="pvr")) as ctx:
        assert ctx.params


def test_version_is_written_once_and_shown():
    proc = run_pvr("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"pvr {pvr_plugin.__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", pvr_plugin.__version__)
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    assert cfg["metadata"]["version"] == "attr: pvr_plugin.__version__"


def test_changelog_top_version_is_the_package_version():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", text, re.M)
    assert versions and versions[0] == pvr_plugin.__version__, versions[:3]
