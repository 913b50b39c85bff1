"""The one-page HTML factsheet, opened in headless Chromium, and its PDF."""
import os
import re

import pytest

from pvr_plugin.core.factsheet import build_report, spy_returns
from pvr_plugin.store.inputs import prepare_inputs
from pvr_plugin.store.factsheet_config import analytics_requests, load_config
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views.factsheet_html import (
    find_chromium,
    html_to_pdf,
    render_factsheet_html,
    write_factsheet_html,
)
from tests.conftest import TEST_DATA, offline_page

DATA = TEST_DATA / "factsheet"


def _chromium():
    path = find_chromium()
    assert path, "headless Chromium is required (apt-get install chromium); CI installs it"
    return path


def _pages(pdf_bytes):
    return len(re.findall(rb"/Type\s*/Page\b", pdf_bytes))


@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    """The fixture config's factsheet written to a temporary folder."""
    config = load_config(DATA / "factsheet.toml")
    inputs = prepare_inputs(str(DATA / "strategy.csv"), benchmarks=config.data["benchmarks"],
                            primary=config.data["primary"], risk_free=config.data["risk_free"])
    report = build_report(inputs, widgets=analytics_requests(config))
    out = tmp_path_factory.mktemp("html") / "factsheet.html"
    write_factsheet_html(report, out, config=config)
    return config, report, out


def test_page_in_chromium_has_title_and_every_widget_and_no_requests(configured, tmp_path, browser):
    config, report, out = configured
    url = out.as_uri()
    with offline_page(browser, url) as (page, requests, failures):
        shot = tmp_path / "factsheet.png"
        page.screenshot(path=str(shot), full_page=True)
        assert page.title() == "Example Low-Beta Strategy"
        assert page.inner_text("h1") == "Example Low-Beta Strategy"
        found = page.eval_on_selector_all("section.widget", "els => els.map(e => e.dataset.widget)")
        svgs = page.eval_on_selector_all("section.widget svg", "els => els.length")
        img_ok = page.eval_on_selector("section[data-widget=image] img", "i => i.naturalWidth > 0")
        text = page.inner_text("body")
    assert found == [w.type for w in config.widgets]
    assert requests == [url] and failures == []
    assert svgs == 3 and img_ok  # cumulative, distribution, time series; the logo decoded
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert width == 900 and height > 900
    # Values on the page are the report's.
    cagr = report.sections["return_statistics"].data["cagr"]
    assert f"{cagr * 100:.2f}%" in text
    assert "Capture most of the US equity return" in text and "Example Capital" in text
    assert "needs 100 monthly returns" in text  # the 99% ES widget's n/a reason


def test_html_is_self_contained(configured):
    _, _, out = configured
    html = out.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "@import" not in html and "url(http" not in html
    assert "default-src 'none'" in html
    assert html.count("data:image/png;base64,") == 1


def test_pdf_one_letter_page(configured, tmp_path):
    _, _, out = configured
    pdf = tmp_path / "factsheet.pdf"
    html_to_pdf(out, pdf, chromium=_chromium())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and _pages(data) == 1
    assert re.search(rb"/MediaBox\s*\[0 0 612 792\]", data)  # US Letter from the config
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]


def test_default_page_for_25_years_prints_on_one_a4_page(tmp_path):
    report = build_report(prepare_inputs(spy_returns(), benchmarks=["SP500"],
                                         end="2017-03-29"))
    out = tmp_path / "spy.html"
    write_factsheet_html(report, out, title="SPY <b>test</b>")
    html = out.read_text()
    assert "<title>SPY &lt;b&gt;test&lt;/b&gt;</title>" in html
    for wtype in report.sections:
        assert f'data-widget="{wtype}"' in html
    assert "last 10 of 25 years" in html
    pdf = tmp_path / "spy.pdf"
    html_to_pdf(out, pdf, chromium=_chromium())
    data = pdf.read_bytes()
    assert _pages(data) == 1 and re.search(rb"/MediaBox\s*\[0 0 59[45]\.\d+ 841\.\d+\]", data)


def test_write_errors_leave_nothing(configured, tmp_path):
    config, report, _ = configured
    with pytest.raises(PvrInputError, match="does not exist"):
        write_factsheet_html(report, tmp_path / "missing" / "f.html", config=config)
    # A report built without the config's widgets cannot fill them: no file written.
    bare = build_report(report.inputs)
    with pytest.raises(ValueError, match="analytics_requests"):
        write_factsheet_html(bare, tmp_path / "f.html", config=config)
    assert os.listdir(tmp_path) == []
    assert "Example" in render_factsheet_html(report, config=config)
