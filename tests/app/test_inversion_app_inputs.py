"""Odd inputs to the inversion app, in-process: each is a message, none an exception."""
import os
from datetime import datetime, timezone

import pytest

from pvr_plugin.app.inversion_app import InversionApp
from pvr_plugin.errors import PvrInputError
from tests.conftest import INVERSION_CSV as FIXTURE


def upload_value(name, content, size=None):
    """What ipywidgets 8 puts in FileUpload.value for one file."""
    return ({"name": name, "type": "text/csv", "size": len(content) if size is None else size,
             "content": memoryview(content),
             "last_modified": datetime(2024, 1, 2, tzinfo=timezone.utc)},)


@pytest.fixture()
def folder(tmp_path):
    allowed = tmp_path / "data"
    allowed.mkdir()
    (allowed / "rank.csv").write_bytes(FIXTURE.read_bytes())
    (allowed / "reports").mkdir()
    os.mkfifo(allowed / "pipe.csv")
    os.symlink(allowed / "loop_b", allowed / "loop_a")
    os.symlink(allowed / "loop_a", allowed / "loop_b")
    (allowed / "latin1.csv").write_bytes("Period,Ret1,Ret2\n01/31/2020,1.0,2.0\n"
                                         "02/29/2020,\xe91.0,2.0\n".encode("latin-1"))
    (allowed / "picture.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (allowed / "big.csv").write_bytes(b"Period,Ret1,Ret2\n" + b"01/31/2020,1.0,2.0\n" * 120_000)
    return allowed


def message_for(app, text):
    app.path.value = ""
    app.path.value = text
    return app.status.value


@pytest.mark.parametrize("text, message", [
    ("rank\x00.csv", "rank\\x00.csv: not a file name (it holds a NUL character)"),
    ("\x00", "\\x00: not a file name (it holds a NUL character)"),
    (".", ".: is a folder, not a file"),
    ("reports", "reports: is a folder, not a file"),
    ("reports/", "reports/: is a folder, not a file"),
    ("pipe.csv", "pipe.csv: not a regular file"),
    ("loop_a", "loop_a: not a usable file name (a loop of symbolic links)"),
    ("x" * 300, "x" * 117 + "...: not a usable file name (file name too long)"),
    ("latin1.csv", "latin1.csv: not a readable CSV file (not UTF-8"),
    ("picture.csv", "picture.csv: not a readable CSV file"),
    ("big.csv", "big.csv: file is 2.3 MB; the limit is 2 MB"),
    ("missing.csv", "missing.csv: no such file in the allowed folder"),
    ("../data/reports", "../data/reports: is a folder, not a file"),
    ("/etc", "/etc: outside the allowed folder"),
])
def test_odd_server_paths_are_messages(folder, text, message):
    app = InversionApp(allowed_dir=folder, max_upload_bytes=2_000_000)
    status = message_for(app, text)
    assert "inversion-error" in status and message.replace("'", "&#x27;") in status, status
    assert str(folder.parent) not in status  # never the server's own paths
    assert app.run_button.disabled and app.top.disabled
    # The box still works for the next file.
    assert "Loaded rank.csv: 383 monthly periods" in message_for(app, "rank.csv")
    assert not app.run_button.disabled


def test_file_that_cannot_be_read(folder):
    # Removed between the check and the read: a real failing open().
    app = InversionApp(allowed_dir=folder)
    (folder / "gone.csv").write_bytes(FIXTURE.read_bytes())
    path = app.resolve_path("gone.csv")
    path.unlink()
    with pytest.raises(PvrInputError) as caught:
        app._read_server_file(path, "gone.csv")
    assert str(caught.value) == "gone.csv: cannot be read (no such file or directory)"
    # A pipe put in its place after the check: refused, without blocking on the open.
    with pytest.raises(PvrInputError) as caught:
        app._read_server_file(folder / "pipe.csv", "rank.csv")
    assert str(caught.value) == "rank.csv: not a regular file"


def test_uploads_over_the_limit_and_malformed(folder):
    app = InversionApp()
    # What the served page sends for a 70 MB file: its name and size, no content.
    app.uploader.value = upload_value("huge.csv", b"", size=70_000_000)
    assert "huge.csv: file is 70.0 MB; the limit is 20 MB" in app.status.value
    assert app.run_button.disabled
    app.uploader.value = upload_value("rank.csv", FIXTURE.read_bytes())
    assert "Loaded rank.csv" in app.status.value
    app._on_upload({"new": ("not a file record",)})  # the callback, with a malformed message
    assert "the upload could not be read (AttributeError)" in app.status.value
    app.uploader.value = upload_value("empty.csv", b"")
    assert "empty.csv: the file is empty" in app.status.value
    app.uploader.value = upload_value("rank.csv", FIXTURE.read_bytes())
    app.run()
    assert "Inversions:" in app.summary.value


def test_cumulative_control_runs_the_compound_curve_and_p_reads_small(folder):
    """The app's curve control reaches the analysis: the summary names the curve and
    a p-value below a thousandth reads 'p < 0.001', never 'p = 0.000'."""
    app = InversionApp(allowed_dir=str(folder))
    app.path.value = "rank.csv"
    assert set(dict(app.cumulative.options).values()) == {"sum", "compound"}
    app.cumulative.value = "compound"
    app.run()
    assert "Done" in app.status.value, app.status.value
    assert "cumulative (compounded) spread" in app.summary.value
    assert "p = 0.000" not in app.summary.value
