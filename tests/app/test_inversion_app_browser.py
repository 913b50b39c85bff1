"""The factor-inversion web app: its logic in-process, then Voila in real Chromium.

The browser tests start the documented command (``python -m
pvr_plugin.app.inversion_app``) on a free localhost port and drive Debian's
``/usr/bin/chromium`` with playwright. They fail, never skip, when Chromium is
missing: CI installs it with apt-get before the tests.
"""
import base64
import io
import os
import shutil
from datetime import datetime, timezone

import pandas as pd
import pytest

from pvr_plugin.app.inversion_app import InversionApp
from tests.app.live import running_app, upload
from tests.conftest import INVERSION_CSV as FIXTURE

BAD_CSV = b"Period,Ret1\n2020-01-31,1.0\n2020-02-29,2.0\n"


@pytest.fixture(scope="module")
def expected():
    """Numbers the page must show, from a plain pandas read of the fixture."""
    frame = pd.read_csv(FIXTURE)
    frame.index = pd.to_datetime(frame.pop("Period"), format="%m/%d/%Y")
    spread = frame["Ret5"] - frame["Ret1"]
    inverted = spread < 0
    episodes = int(((inverted) & ~inverted.shift(fill_value=False)).sum())
    n_inv = int(inverted.sum())
    return {
        "line": f"Inversions: {n_inv} of {len(frame)} periods ({n_inv / len(frame):.1%})",
        "episodes": episodes,
        "first_start": spread[inverted].index[0].date().isoformat(),
    }


def upload_value(name, content):
    """What ipywidgets 8 puts in FileUpload.value for one file."""
    return ({"name": name, "type": "text/csv", "size": len(content),
             "content": memoryview(content),
             "last_modified": datetime(2024, 1, 2, tzinfo=timezone.utc)},)


# ------------------------------------------------------------ app logic, no browser


def test_upload_run_and_recover_in_process(expected):
    app = InversionApp()
    assert app.path.disabled and app.run_button.disabled
    app.uploader.value = upload_value("rank.csv", FIXTURE.read_bytes())
    assert "Loaded rank.csv: 383 monthly periods, 5 buckets" in app.status.value
    assert app.top.value == 5 and app.bottom.value == 1 and app.rolling.value == 12
    app.run()
    assert expected["line"] in app.summary.value
    assert app.plot.value[:8] == b"\x89PNG\r\n\x1a\n"
    href = app.download.value.split("href='")[1].split("'")[0]
    csv = base64.b64decode(href.split(",", 1)[1]).decode()
    table = pd.read_csv(io.StringIO(csv))
    assert len(table) == expected["episodes"] and table["start"].iloc[0] == expected["first_start"]

    app.uploader.value = upload_value("broken.csv", BAD_CSV)
    assert "need at least 2 bucket columns" in app.status.value
    assert app.summary.value == "" and app.run_button.disabled

    app.uploader.value = upload_value("again.csv", FIXTURE.read_bytes())
    app.top.value, app.bottom.value = 1, 1
    app.run()
    assert "both bucket 1" in app.status.value  # a readable message, the file stays loaded
    app.top.value = 5
    app.run()
    assert expected["line"] in app.summary.value


def test_upload_size_limit_and_garbage():
    app = InversionApp(max_upload_bytes=1000)
    app.uploader.value = upload_value("big.csv", FIXTURE.read_bytes())
    assert "big.csv: file is 0.0" in app.status.value and "the limit is 0 MB" in app.status.value
    assert app.run_button.disabled
    app = InversionApp()
    app.uploader.value = upload_value("pic.csv", b"\x89PNG\r\n\x1a\n\x00\xff\xfe" * 50)
    assert "pic.csv: not a readable CSV file" in app.status.value


def test_server_paths_stay_inside_the_allowed_folder(tmp_path):
    allowed = tmp_path / "data"
    allowed.mkdir()
    shutil.copy(FIXTURE, allowed / "rank.csv")
    (tmp_path / "secret.csv").write_bytes(FIXTURE.read_bytes())
    os.symlink(tmp_path / "secret.csv", allowed / "link.csv")
    app = InversionApp(allowed_dir=allowed)
    assert app.resolve_path("rank.csv") == (allowed / "rank.csv").resolve()
    for text in ("../secret.csv", str(tmp_path / "secret.csv"), "link.csv", "/etc/passwd"):
        app.path.value = text
        assert "outside the allowed folder" in app.status.value, text
        assert app.run_button.disabled
    app.path.value = "missing.csv"
    assert "no such file" in app.status.value
    app.path.value = "rank.csv"
    assert "Loaded rank.csv" in app.status.value
    app.run()
    assert "Inversions:" in app.summary.value
    assert "turned off" in _error_of(InversionApp(), "rank.csv")


def _error_of(app, text):
    app.path.disabled = False  # even if the box were enabled, the rule holds
    app.path.value = text
    return app.status.value


# ------------------------------------------------------------ Voila in Chromium


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("served")
    shutil.copy(FIXTURE, data_dir / "rank.csv")
    (data_dir / "reports").mkdir()
    with running_app(["--data-dir", str(data_dir)], data_dir.parent / "voila.log") as (_, url):
        yield url


def test_voila_app_in_chromium(voila_url, browser, expected, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(90_000)
    page.goto(voila_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=Factor inversion viewer")
    assert "InversionApp" not in page.content()  # no code in the page
    run_button = page.get_by_role("button", name="Run analysis")

    # 1. Upload the CSV, run, and see the numbers, the plot and the download link.
    upload(page, FIXTURE)
    page.wait_for_selector(".inversion-status:has-text('Loaded momentum_quintiles_monthly_pct.csv')")
    run_button.click()
    page.wait_for_selector(".inversion-summary")
    assert expected["line"] in page.inner_text(".inversion-summary")
    image = page.locator("img.widget-image")
    image.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('img.widget-image').naturalWidth > 500")
    href = page.get_attribute("a.inversion-download", "href")
    csv = base64.b64decode(href.split(",", 1)[1]).decode()
    table = pd.read_csv(io.StringIO(csv))
    assert len(table) == expected["episodes"]
    assert table["start"].iloc[0] == expected["first_start"]

    # 2. A malformed upload shows the reason in the page.
    broken = tmp_path / "broken.csv"
    broken.write_bytes(BAD_CSV)
    upload(page, broken)
    page.wait_for_selector(".inversion-error")
    assert "broken.csv: need at least 2 bucket columns, found 1" in page.inner_text(".inversion-error")
    assert page.locator(".inversion-summary").count() == 0

    # 3. The app keeps working: a server-side path outside the folder is refused,
    #    one inside it runs.
    path_box = page.get_by_placeholder("name of a CSV inside", exact=False)
    path_box.fill("../../etc/passwd")
    path_box.press("Enter")
    page.wait_for_selector(".inversion-error:has-text('outside the allowed folder')")
    path_box.fill("rank.csv")
    path_box.press("Enter")
    page.wait_for_selector(".inversion-status:has-text('Loaded rank.csv')")
    run_button.click()
    page.wait_for_selector(".inversion-summary")
    assert expected["line"] in page.inner_text(".inversion-summary")
    page.close()


def test_odd_inputs_are_messages_in_chromium(voila_url, browser, expected, tmp_path):
    """An upload over every limit, a NUL byte and a folder: messages, and the page keeps working."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(90_000)
    sent = []  # sizes of the websocket messages the page sends
    closed = []
    page.on("websocket", lambda ws: (ws.on("framesent", lambda payload: sent.append(len(payload))),
                                     ws.on("close", lambda _ws: closed.append(True))))
    page.goto(voila_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=Factor inversion viewer")

    # 1. 70 MB: over the app's 20 MB and over the 64 MB the server once accepted.
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as handle:
        handle.truncate(70_000_000)
    upload(page, huge)
    page.wait_for_selector(".inversion-error:has-text('huge.csv')")
    assert ("huge.csv: file is 70.0 MB; the limit is 20 MB"
            in page.inner_text(".inversion-error"))
    assert max(sent) < 100_000 and not closed  # the content never left the browser

    # 2. The same button still works for a good file, and the analysis runs.
    upload(page, FIXTURE)
    page.wait_for_selector(".inversion-status:has-text('Loaded momentum_quintiles_monthly_pct.csv')")
    page.get_by_role("button", name="Run analysis").click()
    page.wait_for_selector(".inversion-summary")
    assert expected["line"] in page.inner_text(".inversion-summary")

    # 3. A NUL byte and a folder in the path box are messages too.
    path_box = page.get_by_placeholder("name of a CSV inside", exact=False)
    path_box.fill("rank\x00.csv")
    path_box.press("Enter")
    page.wait_for_selector(".inversion-error:has-text('NUL')")
    assert ("rank\\x00.csv: not a file name (it holds a NUL character)"
            in page.inner_text(".inversion-error"))
    path_box.fill("reports")
    path_box.press("Enter")
    page.wait_for_selector(".inversion-error:has-text('folder')")
    assert "reports: is a folder, not a file" in page.inner_text(".inversion-error")
    path_box.fill("rank.csv")
    path_box.press("Enter")
    page.wait_for_selector(".inversion-status:has-text('Loaded rank.csv')")
    assert not closed
    page.close()
