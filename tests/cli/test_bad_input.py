"""Malformed input to every command: one `pvr: error:` line, exit 2, nothing written.

Each case runs the `pvr` command in this process (click's runner on the real
command group, so nothing of the command is replaced) from a fresh working
folder, and asserts: exit status 2, exactly one stderr line, starting
`pvr: error:` and naming what was wrong (the file, column, option or value),
no traceback, and not one file created, changed or removed anywhere under the
test's folder (inputs, working folder and PVR_HOME, snapshotted before and
after). None of these cases runs a backtest: each is refused before one.
"""
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pvr_plugin.cli.main import cli
from tests.conftest import INVERSION_CSV, TEST_DATA

FACTSHEET = TEST_DATA / "factsheet"
STRATEGY_CSV = FACTSHEET / "strategy.csv"

PARAMS_ALGO = '''PARAMS = {"n": 5, "x": 0.5, "flag": False, "name": "KO", "lst": [1, 2]}


def initialize(context):
    pass
'''
TOML_HEAD = 'algorithm = "{in}/params.py"\nstart = "2021-01-04"\nend = "2021-01-08"\n'
# A file that exists and cannot be read, for any user (root too, who reads past permission bits).
UNREADABLE = "/proc/self/mem"


@dataclass
class Case:
    id: str
    args: list
    fragments: tuple  # each must be in the error line
    files: dict = field(default_factory=dict)  # name -> text, written into the working folder first
    env: dict = field(default_factory=dict)


def spec(extra="", grid="n = [1, 2]", head=TOML_HEAD):
    return {"s.toml": f"{head}{extra}\n[grid]\n{grid}\n"}


def config(text):
    return {"fs.toml": text}


CASES = [
    # ------------------------------------------------------------------ pvr run
    Case("run-missing-file", ["run", "nope.py"], ("not found", "nope.py")),
    Case("run-folder", ["run", "{in}"], ("ALGOFILE", "is a directory")),
    Case("run-no-argument", ["run"], ("Missing argument 'ALGOFILE'",)),
    Case("run-latin1-source", ["run", "{in}/latin1.py"], ("latin1.py:3", "not UTF-8")),
    Case("run-utf16-source", ["run", "{in}/utf16.py"], ("utf16.py", "not UTF-8")),
    Case("run-syntax-error", ["run", "{in}/broken.py"], ("broken.py:1", "syntax error")),
    Case("run-nul-byte-source", ["run", "{in}/nul.py"], ("nul.py", "syntax error")),
    Case("run-no-initialize", ["run", "{in}/noinit.py"], ("noinit.py", "initialize")),
    Case("run-unreadable-source", ["run", UNREADABLE], (UNREADABLE, "cannot read")),
    Case("run-param-int-given-word", ["run", "{in}/params.py", "--param", "n=abc"], ("parameter n", "'abc'", "an int")),
    Case("run-param-int-given-list", ["run", "{in}/params.py", "--param", "n=[1,2]"],
         ("parameter n", "[1, 2]", "an int")),
    Case("run-param-int-given-float", ["run", "{in}/params.py", "--param", "n=2.5"], ("parameter n", "2.5", "an int")),
    Case("run-param-int-given-bool", ["run", "{in}/params.py", "--param", "n=True"], ("parameter n", "True", "an int")),
    Case("run-param-float-given-word", ["run", "{in}/params.py", "--param", "x=abc"],
         ("parameter x", "'abc'", "a float")),
    Case("run-param-bool-given-int", ["run", "{in}/params.py", "--param", "flag=1"],
         ("parameter flag", "1", "a boolean")),
    Case("run-param-text-given-int", ["run", "{in}/params.py", "--param", "name=3"], ("parameter name", "3", "text")),
    Case("run-param-list-given-int", ["run", "{in}/params.py", "--param", "lst=3"], ("parameter lst", "3", "a list")),
    Case("run-param-unknown", ["run", "{in}/params.py", "--param", "nope=1"], ("nope", "flag, lst, n, name, x")),
    Case("run-param-not-pair", ["run", "{in}/params.py", "--param", "n"], ("--param 'n'", "NAME=VALUE")),
    Case("run-param-no-name", ["run", "{in}/params.py", "--param", "=5"], ("--param '=5'", "NAME=VALUE")),
    Case("run-param-without-PARAMS", ["run", "{in}/noparams.py", "--param", "n=1"], ("noparams.py", "no PARAMS")),
    Case("run-capital-nan", ["run", "{in}/params.py", "--capital-base", "nan"], ("--capital-base", "nan")),
    Case("run-capital-inf", ["run", "{in}/params.py", "--capital-base", "inf"], ("--capital-base", "inf")),
    Case("run-capital-negative", ["run", "{in}/params.py", "--capital-base", "-5"], ("--capital-base", "-5")),
    Case("run-capital-zero", ["run", "{in}/params.py", "--capital-base", "0"], ("--capital-base", "0")),
    Case("run-capital-word", ["run", "{in}/params.py", "--capital-base", "abc"], ("--capital-base", "'abc'")),
    Case("run-frequency-choice", ["run", "{in}/params.py", "--data-frequency", "hourly"],
         ("--data-frequency", "'hourly'")),
    Case("run-start-not-a-date", ["run", "{in}/params.py", "--start", "abc"], ("start", "'abc'")),
    Case("run-dates-reversed", ["run", "{in}/params.py", "--start", "2021-03-01", "--end", "2021-01-04"],
         ("2021-03-01", "after", "2021-01-04")),
    Case("run-dates-outside-bundle", ["run", "{in}/params.py", "--start", "1985-01-02", "--end", "1986-01-02"],
         ("outside the pvr-demo daily data",)),
    Case("run-minute-outside-window", ["run", "{in}/params.py", "--data-frequency", "minute", "--start",
                                       "2021-03-01", "--end", "2021-03-05"], ("outside the pvr-demo minute data",)),
    Case("run-weekend-only", ["run", "{in}/params.py", "--start", "2021-01-09", "--end", "2021-01-10"],
         ("no trading sessions", "2021-01-09")),
    Case("run-unknown-bundle", ["run", "{in}/params.py", "--bundle", "nope"], ("unknown bundle 'nope'",)),
    Case("run-unknown-metrics-set", ["run", "{in}/params.py", "--metrics-set", "nope"],
         ("unknown metrics set 'nope'",)),
    Case("run-out-suffix", ["run", "{in}/params.py", "--out", "perf.csv"], ("--out perf.csv",)),
    Case("run-out-missing-folder", ["run", "{in}/params.py", "--out", "no/such/perf.pkl"], ("--out", "does not exist")),
    Case("run-out-is-folder", ["run", "{in}/params.py", "--out", "{in}"], ("--out", "is a directory")),
    Case("run-out-unwritable-folder", ["run", "{in}/params.py", "--out", "/proc/perf.pkl"], ("--out /proc/perf.pkl",)),
    Case("run-unknown-option", ["run", "{in}/params.py", "--capital", "5"], ("No such option", "--capital")),
    Case("run-pvr-home-is-a-file", ["run", "{in}/params.py"], ("{in}/afile.txt", "not a folder"),
         env={"PVR_HOME": "{in}/afile.txt"}),
    Case("run-pvr-home-foreign-ledger", ["run", "{in}/params.py"], ("foreign/runs.sqlite", "not a run ledger"),
         env={"PVR_HOME": "{in}/foreign"}),
    # ------------------------------------------------------------------ pvr sweep
    Case("sweep-missing-spec", ["sweep", "nope.toml"], ("not found", "nope.toml")),
    Case("sweep-folder", ["sweep", "{in}"], ("SPEC_FILE", "is a directory")),
    Case("sweep-invalid-toml", ["sweep", "s.toml"], ("s.toml", "not valid TOML"), files={"s.toml": "algorithm = \n"}),
    Case("sweep-utf16-spec", ["sweep", "{in}/utf16.toml"], ("utf16.toml", "UTF-16")),
    Case("sweep-latin1-spec", ["sweep", "{in}/latin1.toml"], ("latin1.toml", "not UTF-8")),
    Case("sweep-unknown-key", ["sweep", "s.toml"], ("s.toml", "unknown key", "gird"), files=spec("gird = 1")),
    Case("sweep-no-algorithm", ["sweep", "s.toml"],
         ("s.toml", "no algorithm"), files=spec(head='start = "2021-01-04"\n')),
    Case("sweep-algorithm-missing", ["sweep", "s.toml"], ("not found", "gone.py"),
         files=spec(head='algorithm = "gone.py"\nstart = "2021-01-04"\nend = "2021-01-08"\n')),
    Case("sweep-grid-not-table", ["sweep", "s.toml"], ("s.toml", "[grid]"), files={"s.toml": TOML_HEAD + "grid = 3\n"}),
    Case("sweep-grid-empty-entry", ["sweep", "s.toml"], ("'n' is empty",), files=spec(grid="n = []")),
    Case("sweep-grid-unknown-name", ["sweep", "s.toml"], ("no parameter(s) nope",), files=spec(grid="nope = [1]")),
    Case("sweep-grid-int-given-text", ["sweep", "s.toml"], ("s.toml", "parameter n", "'abc'", "an int"),
         files=spec(grid='n = [1, "abc"]')),
    Case("sweep-grid-int-given-list", ["sweep", "s.toml"], ("parameter n", "[1, 2]", "an int"),
         files=spec(grid="n = [3, [1, 2]]")),
    Case("sweep-grid-bool-given-int", ["sweep", "s.toml"],
         ("parameter flag", "a boolean"), files=spec(grid="flag = [1]")),
    Case("sweep-grid-float-given-bool", ["sweep", "s.toml"], ("parameter x", "True", "a float"),
         files=spec(grid="x = [0.1, true]")),
    Case("sweep-grid-text-given-float", ["sweep", "s.toml"], ("parameter name", "1.5", "text"),
         files=spec(grid="name = [1.5]")),
    Case("sweep-capital-nan", ["sweep", "s.toml"], ("s.toml", "capital_base nan"), files=spec("capital_base = nan")),
    Case("sweep-capital-inf-in-list", ["sweep", "s.toml"],
         ("capital_base inf",), files=spec("capital_base = [1e6, inf]")),
    Case("sweep-capital-boolean", ["sweep", "s.toml"], ("capital_base True",), files=spec("capital_base = true")),
    Case("sweep-capital-negative", ["sweep", "s.toml"], ("capital_base -1",), files=spec("capital_base = -1")),
    Case("sweep-capital-text", ["sweep", "s.toml"], ("capital_base '1e6'",), files=spec('capital_base = "1e6"')),
    Case("sweep-capital-empty", ["sweep", "s.toml"], ("'capital_base' is empty",), files=spec("capital_base = []")),
    Case("sweep-dates-reversed", ["sweep", "s.toml"], ("s.toml", "start 2021-03-01 is after end 2021-01-04"),
         files=spec(head='algorithm = "{in}/params.py"\nstart = "2021-03-01"\nend = "2021-01-04"\n')),
    Case("sweep-missing-end", ["sweep", "s.toml"], ("missing end",),
         files=spec(head='algorithm = "{in}/params.py"\nstart = "2021-03-01"\n')),
    Case("sweep-start-not-a-date", ["sweep", "s.toml"], ("start 2021 is not a date",),
         files=spec(head='algorithm = "{in}/params.py"\nstart = 2021\nend = "2021-01-04"\n')),
    Case("sweep-dates-outside-bundle", ["sweep", "s.toml"], ("s.toml", "outside the pvr-demo daily data"),
         files=spec(head='algorithm = "{in}/params.py"\nstart = "1980-01-02"\nend = "1981-01-02"\n')),
    Case("sweep-unknown-bundle", ["sweep", "s.toml"],
         ("s.toml", "unknown bundle 'nope'"), files=spec('bundle = "nope"')),
    Case("sweep-bundle-not-text", ["sweep", "s.toml"], ("s.toml", "bundle", "5"), files=spec("bundle = 5")),
    Case("sweep-unknown-metrics-set", ["sweep", "s.toml"], ("unknown metrics set 'nope'",),
         files=spec('metrics_set = "nope"')),
    Case("sweep-frequency", ["sweep", "s.toml"],
         ("data_frequency", "'hourly'"), files=spec('data_frequency = "hourly"')),
    Case("sweep-minute-outside-window", ["sweep", "s.toml"], ("outside the pvr-demo minute data",),
         files=spec('data_frequency = "minute"')),
    Case("sweep-over-max-runs", ["sweep", "s.toml", "--max-runs", "3"], ("4 runs", "--max-runs 3"),
         files=spec(grid="n = [1, 2, 3, 4]")),
    Case("sweep-10e10-dry-run", ["sweep", "{in}/huge.toml", "--dry-run"], ("10,000,000,000 runs", "--max-runs 10,000")),
    Case("sweep-max-runs-zero", ["sweep", "s.toml", "--max-runs", "0"], ("--max-runs", "0"), files=spec()),
    Case("sweep-max-runs-word", ["sweep", "s.toml", "--max-runs", "abc"], ("--max-runs", "'abc'"), files=spec()),
    Case("sweep-workers-zero", ["sweep", "s.toml", "--workers", "0"], ("--workers", "0"), files=spec()),
    Case("sweep-workers-word", ["sweep", "s.toml", "--workers", "two"], ("--workers", "'two'"), files=spec()),
    Case("sweep-partitions-odd", ["sweep", "s.toml", "--partitions", "3"], ("--partitions", "3"), files=spec()),
    Case("sweep-flag-unknown-name", ["sweep", "s.toml", "--param", "bogus=1,2"], ("bogus",), files=spec()),
    Case("sweep-flag-no-values", ["sweep", "s.toml", "--param", "n="], ("--param 'n='", "NAME=V1,V2"), files=spec()),
    Case("sweep-flag-empty-value", ["sweep", "s.toml", "--param", "n=1,,2"], ("--param 'n=1,,2'", "empty value"),
         files=spec()),
    Case("sweep-flag-wrong-type", ["sweep", "s.toml", "--param", "n=1,abc"], ("--param n", "'abc'", "an int"),
         files=spec()),
    Case("sweep-oos-reversed", ["sweep", "s.toml"], ("out_of_sample", "reversed"),
         files=spec('out_of_sample = ["2021-01-07", "2021-01-05"]')),
    Case("sweep-oos-outside-backtest", ["sweep", "s.toml"], ("out_of_sample", "outside the sweep's backtest"),
         files=spec('out_of_sample = ["2021-01-06", "2021-02-26"]')),
    Case("sweep-in-sample-alone", ["sweep", "s.toml"], ("in_sample is given without out_of_sample",),
         files=spec('in_sample = ["2021-01-04", "2021-01-06"]')),
    # ------------------------------------------------------------------ pvr runs
    Case("runs-status-choice", ["runs", "--status", "bogus"], ("--status", "'bogus'")),
    Case("runs-limit-word", ["runs", "--limit", "abc"], ("--limit", "'abc'")),
    Case("runs-limit-zero", ["runs", "--limit", "0"], ("--limit", "0")),
    Case("runs-sort-unknown", ["runs", "--sort", "bogus"], ("sort column 'bogus'",)),
    Case("runs-foreign-ledger", ["runs", "--ledger", "{in}/foreign/runs.sqlite"], ("runs.sqlite", "not a run ledger")),
    Case("runs-not-sqlite", ["runs", "--ledger", "{in}/afile.txt"], ("afile.txt", "not a run ledger")),
    Case("runs-ledger-folder", ["runs", "--ledger", "{in}"], ("--ledger", "is a directory")),
    Case("runs-json-and-csv", ["runs", "--json", "--csv"], ("--json", "--csv")),
    Case("runs-extra-argument", ["runs", "extra"], ("unexpected extra argument", "extra")),
    # ------------------------------------------------------------------ pvr compare
    Case("compare-no-argument", ["compare"], ("Missing argument",)),
    Case("compare-unknown-run-id", ["compare", "99"], ("99",)),
    Case("compare-missing-file", ["compare", "nope.pkl"], ("nope.pkl",)),
    Case("compare-wrong-suffix", ["compare", "{in}/afile.txt"], ("afile.txt", ".pkl")),
    Case("compare-not-a-pickle", ["compare", "{in}/garbage.pkl"], ("garbage.pkl", "not a pandas pickle")),
    Case("compare-pickled-series", ["compare", "{in}/series.pkl"], ("series.pkl", "Series")),
    Case("compare-folder-named-pkl", ["compare", "{in}/folder.pkl"], ("folder.pkl", "folder")),
    Case("compare-model-choice", ["compare", "1", "--model", "bogus"], ("--model", "'bogus'")),
    Case("compare-foreign-ledger", ["compare", "1", "--ledger", "{in}/foreign/runs.sqlite"], ("not a run ledger",)),
    # ------------------------------------------------------------------ pvr inversions
    Case("inversions-missing-file", ["inversions", "nope.csv"], ("nope.csv",)),
    Case("inversions-folder", ["inversions", "{in}"], ("FILE", "is a directory")),
    Case("inversions-empty-file", ["inversions", "{in}/empty.csv"], ("empty.csv",)),
    Case("inversions-png-as-csv", ["inversions", "{in}/logo.png"], ("logo.png",)),
    Case("inversions-utf16-csv", ["inversions", "{in}/utf16.csv"], ("utf16.csv",)),
    Case("inversions-unreadable-file", ["inversions", UNREADABLE], ("mem", "cannot read")),
    Case("inversions-one-column", ["inversions", "{in}/onecol.csv"], ("onecol.csv",)),
    Case("inversions-word-in-numbers", ["inversions", "{in}/badnum.csv"], ("badnum.csv", "Ret2")),
    Case("inversions-top-missing", ["inversions", "{in}/inv.csv", "--top", "9"], ("9",)),
    Case("inversions-top-word", ["inversions", "{in}/inv.csv", "--top", "abc"], ("--top", "'abc'")),
    Case("inversions-missing-column", ["inversions", "{in}/inv.csv", "--columns", "Ret1,Nope"], ("Nope",)),
    Case("inversions-out-dir-is-file", ["inversions", "{in}/inv.csv", "--out-dir", "{in}/afile.txt"],
         ("--out-dir", "afile.txt")),
    # ------------------------------------------------------------------ pvr factsheet
    Case("factsheet-nothing-to-write", ["factsheet", "{in}/strategy.csv"], ("nothing to write",)),
    Case("factsheet-missing-returns", ["factsheet", "nope.csv", "--json"], ("nope.csv",)),
    Case("factsheet-returns-folder", ["factsheet", "{in}", "--json"], ("is a folder",)),
    Case("factsheet-png-as-returns", ["factsheet", "{in}/logo.png", "--json"], ("logo.png",)),
    Case("factsheet-utf16-returns", ["factsheet", "{in}/utf16.csv", "--json"], ("utf16.csv",)),
    Case("factsheet-unreadable-returns", ["factsheet", UNREADABLE, "--json"], (UNREADABLE, "cannot read")),
    Case("factsheet-word-in-returns", ["factsheet", "{in}/badret.csv", "--json"], ("badret.csv", "returns")),
    Case("factsheet-garbage-pickle", ["factsheet", "{in}/garbage.pkl", "--json"], ("garbage.pkl",)),
    Case("factsheet-unknown-benchmark", ["factsheet", "{in}/strategy.csv", "--json", "--benchmark", "NOPE"], ("NOPE",)),
    Case("factsheet-paper", ["factsheet", "{in}/strategy.csv", "--json", "--paper", "a5"], ("--paper", "'a5'")),
    Case("factsheet-top-n-zero", ["factsheet", "{in}/strategy.csv", "--json", "--top-n", "0"], ("--top-n", "0")),
    Case("factsheet-confidence", ["factsheet", "{in}/strategy.csv", "--json", "--confidence", "2"],
         ("--confidence", "2")),
    Case("factsheet-period-choice", ["factsheet", "{in}/strategy.csv", "--json", "--period", "yearly"],
         ("--period", "'yearly'")),
    Case("factsheet-out-missing-folder", ["factsheet", "{in}/strategy.csv", "--out", "no/f.html"],
         ("--out", "does not exist")),
    Case("factsheet-out-overwrites-input", ["factsheet", "{in}/strategy.csv", "--out", "{in}/strategy.csv"],
         ("--out", "overwrite an input")),
    Case("factsheet-out-and-pdf-same", ["factsheet", "{in}/strategy.csv", "--out", "f.pdf", "--pdf", "f.pdf"],
         ("same file",)),
    Case("factsheet-chromium-missing", ["factsheet", "{in}/strategy.csv", "--out", "f.html", "--pdf", "f.pdf"],
         ("PVR_CHROMIUM", "no-such-browser"), env={"PVR_CHROMIUM": "{in}/no-such-browser"}),
    Case("factsheet-chromium-folder", ["factsheet", "{in}/strategy.csv", "--pdf", "f.pdf"],
         ("PVR_CHROMIUM", "is a folder"), env={"PVR_CHROMIUM": "{in}"}),
    Case("factsheet-chromium-not-executable", ["factsheet", "{in}/strategy.csv", "--pdf", "f.pdf"],
         ("PVR_CHROMIUM", "not an executable"), env={"PVR_CHROMIUM": "{in}/afile.txt"}),
    Case("factsheet-chromium-not-a-program", ["factsheet", "{in}/strategy.csv", "--out", "f.html", "--pdf", "f.pdf"],
         ("f.pdf", "notabrowser.sh", "could not be started"), env={"PVR_CHROMIUM": "{in}/notabrowser.sh"}),
    Case("factsheet-chromium-prints-nothing", ["factsheet", "{in}/strategy.csv", "--out", "f.html", "--pdf", "f.pdf"],
         ("f.pdf", "printed no PDF"), env={"PVR_CHROMIUM": "{in}/silent.sh"}),
    # ------------------------------------------------------------------ factsheet config files
    Case("config-missing", ["factsheet", "--config", "nope.toml", "--json"], ("nope.toml",)),
    Case("config-utf16", ["factsheet", "--config", "{in}/utf16.toml", "--json"], ("utf16.toml", "UTF-16")),
    Case("config-latin1", ["factsheet", "--config", "{in}/latin1.toml", "--json"], ("latin1.toml", "not UTF-8")),
    Case("config-invalid-toml", ["factsheet", "--config", "fs.toml", "--json"], ("fs.toml", "not valid TOML"),
         files=config("title = \n")),
    Case("config-unknown-key", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json"], ("titel",),
         files=config('titel = "x"\n')),
    Case("config-widget-climbs-out", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json"],
         ("widgets[0].csv", "outside the config file's folder"),
         files=config('[[widgets]]\ntype = "table"\ncsv = "../../../../../../etc/os-release"\n')),
    Case("config-widget-absolute-path", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json"],
         ("widgets[0].csv", "outside"), files=config('[[widgets]]\ntype = "table"\ncsv = "{in}/facts.csv"\n')),
    Case("config-widget-missing-file", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json"],
         ("widgets[0].csv", "gone.csv"), files=config('[[widgets]]\ntype = "key_value"\ncsv = "gone.csv"\n')),
    Case("config-image-not-png", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json"],
         ("widgets[0].path", "fake.png", "not a valid PNG"),
         files={**config('[[widgets]]\ntype = "image"\npath = "fake.png"\n'), "fake.png": "not an image\n"}),
    Case("config-unknown-widget", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json"],
         ("widgets[0].type", "'chart3d'"), files=config('[[widgets]]\ntype = "chart3d"\n')),
    Case("config-text-too-long", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json"],
         ("widgets[0].text", "at most"), files=config('[[widgets]]\ntype = "free_text"\ntext = "' + "x" * 300 + '"\n')),
    Case("config-folder", ["factsheet", "--config", "{in}", "--json"], ("--config", "is a directory")),
    Case("config-unreadable-table", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json",
                                     "--allow-outside-files"], ("widgets[0].csv", "cannot read"),
         files=config(f'[[widgets]]\ntype = "table"\ncsv = "{UNREADABLE}"\n')),
    Case("config-unreadable-image", ["factsheet", "{in}/strategy.csv", "--config", "fs.toml", "--json",
                                     "--allow-outside-files"], ("widgets[0].path", "cannot read"),
         files=config('[[widgets]]\ntype = "image"\npath = "{in}/unreadable.png"\n')),
    # ------------------------------------------------------------------ pvr ingest (the embedded bundle)
    Case("ingest-unknown-option", ["ingest", "--csvdir-typo"], ("No such option", "--csvdir-typo")),
    Case("ingest-extra-argument", ["ingest", "somewhere"], ("unexpected extra argument", "somewhere")),
    Case("ingest-flag-with-value", ["ingest", "--force=yes"], ("--force", "does not take a value")),
    # ------------------------------------------------------------------ the group
    Case("unknown-command", ["swep", "s.toml"], ("No such command 'swep'",)),
    Case("unknown-group-option", ["--verbose", "runs"], ("No such option", "--verbose")),
]


def _write_inputs(folder):
    folder.mkdir()
    (folder / "params.py").write_text(PARAMS_ALGO)
    (folder / "noparams.py").write_text("def initialize(context):\n    pass\n")
    (folder / "noinit.py").write_text("def handle_data(context, data):\n    pass\n")
    (folder / "broken.py").write_text("def initialize(context)\n    pass\n")
    (folder / "nul.py").write_bytes(b"def initialize(context):\n    pass\x00\n")
    (folder / "latin1.py").write_bytes("def initialize(context):\n    pass\n# caf\u00e9\n".encode("latin-1"))
    (folder / "utf16.py").write_text("def initialize(context):\n    pass\n", encoding="utf-16")
    (folder / "utf16.toml").write_text('algorithm = "params.py"\n', encoding="utf-16")
    (folder / "latin1.toml").write_bytes('title = "caf\u00e9"\n'.encode("latin-1"))
    names = "abcdefghij"
    params = ", ".join(f"{c!r}: 1" for c in names)
    (folder / "many.py").write_text(f"PARAMS = {{{params}}}\n\ndef initialize(context):\n    pass\n")
    grid = "\n".join(f"{c} = {list(range(10))}" for c in names)
    (folder / "huge.toml").write_text(f'algorithm = "many.py"\nstart = "2021-01-04"\nend = "2021-01-08"\n'
                                      f"[grid]\n{grid}\n")
    (folder / "afile.txt").write_text("just text\n")
    (folder / "foreign").mkdir()
    import sqlite3

    with sqlite3.connect(folder / "foreign" / "runs.sqlite") as conn:
        conn.execute("CREATE TABLE runs (a, b)")
        conn.execute("INSERT INTO runs VALUES (1, 2)")
    conn.close()
    (folder / "garbage.pkl").write_bytes(b"this is not a pickle")
    pd.Series([1.0, 2.0]).to_pickle(folder / "series.pkl")
    (folder / "folder.pkl").mkdir()
    (folder / "empty.csv").write_bytes(b"")
    shutil.copy(INVERSION_CSV, folder / "inv.csv")
    shutil.copy(STRATEGY_CSV, folder / "strategy.csv")
    shutil.copy(FACTSHEET / "logo.png", folder / "logo.png")
    shutil.copy(FACTSHEET / "facts.csv", folder / "facts.csv")
    (folder / "utf16.csv").write_text(STRATEGY_CSV.read_text(), encoding="utf-16")
    (folder / "onecol.csv").write_text("Period\n2020-01-31\n2020-02-29\n")
    lines = INVERSION_CSV.read_text().splitlines()
    cells = lines[3].split(",")
    cells[2] = "n/a?"
    (folder / "badnum.csv").write_text("\n".join(lines[:3] + [",".join(cells)] + lines[4:]) + "\n")
    rows = STRATEGY_CSV.read_text().splitlines()
    rows[5] = rows[5].split(",")[0] + ",oops"
    (folder / "badret.csv").write_text("\n".join(rows) + "\n")
    (folder / "notabrowser.sh").write_text("no program here\n")
    (folder / "notabrowser.sh").chmod(0o755)
    (folder / "silent.sh").write_text("#!/bin/sh\nexit 0\n")
    (folder / "silent.sh").chmod(0o755)
    (folder / "unreadable.png").symlink_to(UNREADABLE)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-input") / "in"
    _write_inputs(folder)
    return folder


def snapshot(*roots):
    """Every file, folder and link under ``roots``: path -> (size, mtime, sha256), 'folder' or the link."""
    out = {}
    for root in roots:
        for path in Path(root).rglob("*"):
            if path.is_symlink():
                out[os.fspath(path)] = ("link", os.readlink(path))
            elif path.is_dir():
                out[os.fspath(path)] = "folder"
            else:
                stat = path.stat()
                out[os.fspath(path)] = (stat.st_size, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def test_the_table_is_large_and_covers_every_command():
    assert len(CASES) >= 80 and len({c.id for c in CASES}) == len(CASES)
    commands = {c.args[0] for c in CASES}
    assert {"run", "sweep", "runs", "compare", "inversions", "factsheet", "ingest"} <= commands
    assert sum(1 for c in CASES if c.id.startswith("config-")) >= 10


@pytest.mark.usefixtures("zipline_root")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_line_error_and_nothing_written(case, inputs, tmp_path, monkeypatch, pvr_home):
    def fill(text):
        return text.replace("{in}", os.fspath(inputs))

    work = tmp_path / "work"
    work.mkdir()
    for name, text in case.files.items():
        (work / name).write_text(fill(text))
    for key, value in case.env.items():
        monkeypatch.setenv(key, fill(value))
    monkeypatch.chdir(work)
    before = snapshot(inputs, tmp_path)

    result = CliRunner().invoke(cli, [fill(a) for a in case.args])

    assert result.exit_code == 2, (result.output, result.exc_info)
    assert isinstance(result.exception, SystemExit), result.exc_info  # not an uncaught error
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pvr: error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in case.fragments:
        assert fill(fragment) in lines[0], (fragment, lines[0])
    assert snapshot(inputs, tmp_path) == before
