"""`pvr ingest --csvdir`: every bad file is one line naming file, line and value, and leaves nothing."""
import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pvr_plugin.adapters import zipline_setup
from pvr_plugin.cli.main import cli
from tests.worlds import Asset, World, write_csvdir

ROOT = Path(__file__).resolve().parents[2]
# Two symbols, daily and minute files, 2021-11-22 to 2021-11-30.
SMALL = World(assets=(Asset(first=0, last=5, price=30.0, seed=5), Asset(first=1, last=5, price=70.0, seed=6)))


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return write_csvdir(SMALL, tmp_path_factory.mktemp("good"), symbols=["AB.C", "XY"], gzip_minutes=False)


def _copy(src, dst):
    for sub in ("daily", "minute"):
        (dst / sub).mkdir(parents=True)
        for f in (src / sub).iterdir():
            (dst / sub / f.name).write_bytes(f.read_bytes())
    return dst


def _edit(path, line, column, value):
    """Set one cell (1-based file line, column name) of a CSV file."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def ingest(*args):
    result = CliRunner().invoke(cli, ["ingest", *args])
    return result.exit_code, result.stdout, result.stderr


def _nothing_left(name):
    root = zipline_setup.zipline_root()
    ext = root / "extension.py"
    return not (root / "data" / name).exists() and f"# pvr-plugin bundle {name}" not in (
        ext.read_text() if ext.exists() else "")


def _drop_column(path, column):
    lines = [ln.split(",") for ln in path.read_text().splitlines()]
    j = lines[0].index(column)
    path.write_text("\n".join(",".join(c for i, c in enumerate(ln) if i != j) for ln in lines) + "\n")


def _duplicate(path, line):
    lines = path.read_text().splitlines()
    lines.insert(line, lines[line - 1])
    path.write_text("\n".join(lines) + "\n")


CASES = [
    # (file, edit, fragments the one error line must contain)
    ("daily/XY.csv", lambda p: _drop_column(p, "volume"), ["daily/XY.csv", "missing column(s) volume"]),
    ("daily/XY.csv", lambda p: _edit(p, 3, "date", "2021-13-45"), ["daily/XY.csv line 3", "'2021-13-45' is not a date"]),
    ("daily/XY.csv", lambda p: _duplicate(p, 2), ["daily/XY.csv line 3", "2021-11-23 repeats line 2"]),
    ("daily/AB.C.csv", lambda p: _edit(p, 4, "date", "2021-11-25"),
     ["daily/AB.C.csv line 4", "2021-11-25 is not a XNYS session"]),
    ("minute/XY.csv", lambda p: _edit(p, 2, "date", "2021-11-23 09:30"),
     ["minute/XY.csv line 2", "2021-11-23 09:30:00 is not a XNYS trading minute"]),
    ("daily/XY.csv", lambda p: _edit(p, 5, "close", "0"), ["daily/XY.csv line 5", "close 0 is not a positive price"]),
    ("daily/XY.csv", lambda p: _edit(p, 2, "high", "1.5"), ["daily/XY.csv line 2", "high 1.5 is below low"]),
    ("daily/AB.C.csv", lambda p: _edit(p, 6, "volume", "-5"), ["daily/AB.C.csv line 6", "volume -5 is negative"]),
    ("daily/AB.C.csv", lambda p: _edit(p, 3, "split", "-2"), ["daily/AB.C.csv line 3", "split ratio -2 is not positive"]),
    ("daily/AB.C.csv", lambda p: _edit(p, 3, "split", "0"), ["daily/AB.C.csv line 3", "split ratio 0 is not positive"]),
    ("daily/XY.csv", lambda p: _edit(p, 4, "close", "123.456"),
     ["daily/XY.csv line 4", "close 123.456 on 2021-11-26 differs from the session's last minute close", "minute/XY.csv line"]),
    ("daily/XY.csv", lambda p: _edit(p, 4, "open", "abc"), ["daily/XY.csv line 4", "open 'abc' is not a number"]),
]


CASE_IDS = ["missing-column", "bad-date", "duplicate-date", "holiday", "bar-start-minute", "zero-price",
            "high-below-low", "negative-volume", "negative-split", "zero-split", "daily-minute-close", "not-a-number"]


@pytest.mark.parametrize("path,edit,fragments", CASES, ids=CASE_IDS)
def test_bad_file_one_line_nothing_written(good, tmp_path, path, edit, fragments):
    folder = _copy(good, tmp_path / "csv")
    edit(folder / path)
    code, out, err = ingest("--csvdir", str(folder), "--name", "pvr-bad")
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pvr: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert _nothing_left("pvr-bad")


def test_options_without_csvdir_and_csvdir_without_name(good):
    assert ingest("--name", "x")[0] == 2
    code, _, err = ingest("--csvdir", str(good))
    assert code == 2 and err.strip() == "pvr: error: --csvdir needs --name NAME for the bundle"
    code, _, err = ingest("--csvdir", str(good), "--name", "pvr-demo")
    assert code == 2 and "reserved for the embedded bundle" in err
    code, _, err = ingest("--csvdir", str(good), "--name", "x", "--calendar", "NOPE")
    assert code == 2 and "--calendar 'NOPE': unknown trading calendar" in err


def test_gzip_and_dotted_symbol_then_bad_reingest_keeps_the_bundle(good, tmp_path):
    folder = _copy(good, tmp_path / "csv")
    for f in (folder / "minute").iterdir():  # minute files gzipped, as vendors ship them
        (f.parent / (f.name + ".gz")).write_bytes(gzip.compress(f.read_bytes()))
        f.unlink()
    code, out, err = ingest("--csvdir", str(folder), "--name", "pvr-good", "--start", "2021-11-23")
    assert code == 0, err
    assert "pvr-good: ingested 2 symbols (daily 2021-11-23 to 2021-11-30, minute 2021-11-23 to 2021-11-30)" in out
    data_dir = zipline_setup.zipline_root() / "data" / "pvr-good"
    before = sorted(p.name for p in data_dir.iterdir())
    ext = (zipline_setup.zipline_root() / "extension.py").read_text()
    _edit(folder / "daily" / "XY.csv", 2, "low", "-1")
    code, _, err = ingest("--csvdir", str(folder), "--name", "pvr-good")
    assert code == 2 and "daily/XY.csv line 2: low -1 is not a positive price" in err
    assert sorted(p.name for p in data_dir.iterdir()) == before
    assert (zipline_setup.zipline_root() / "extension.py").read_text() == ext


def pvr(*args):
    return subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, env=os.environ.copy(), timeout=600)


def _one_error_line(proc):
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("pvr: error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.usefixtures("zipline_root")
def test_first_session_of_the_calendar_names_the_first_start_that_works(tmp_path):
    line = _one_error_line(pvr("run", "strategies/fixed_shares.py", "--start", "1990-01-02", "--end", "1990-02-28",
                               "--no-record"))
    assert line == ("pvr: error: a daily run cannot start on 1990-01-02, the first session of the XNYS calendar "
                    "zipline uses; the first start date that works is 1990-01-03")
    ok = pvr("run", "strategies/fixed_shares.py", "--start", "1990-01-03", "--end", "1990-02-28", "--no-record")
    assert ok.returncode == 0, ok.stderr
    assert "1990-01-03 to 1990-02-28" in ok.stdout


@pytest.mark.usefixtures("zipline_root")
def test_unknown_symbol_names_symbol_bundle_and_symbols(tmp_path):
    algo = tmp_path / "olmar_like.py"
    algo.write_text("from zipline.api import symbol\n\n"
                    "def initialize(context):\n    context.stocks = [symbol('AAPL'), symbol('CERN')]\n")
    line = _one_error_line(pvr("run", str(algo), "--start", "2021-01-04", "--end", "2021-01-29", "--no-record"))
    assert line == (f"pvr: error: {algo}: symbol 'CERN' is not in bundle pvr-demo (it has AAPL, AMD, BAC, BBY, "
                    "CVX, GE, HD, JNJ, JPM, KO, LLY, MRK, MSFT, PEP, PFE, PG, RRC, UNH, WMT, XOM)")
