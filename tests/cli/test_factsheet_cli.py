"""`pvr factsheet`: JSON, HTML, config widgets, and one-line errors for bad input."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from pvr_plugin.cli.main import cli
from pvr_plugin.store.inputs import factsheet
from tests.conftest import TEST_DATA

DATA = TEST_DATA / "factsheet"
STRATEGY = str(DATA / "strategy.csv")


def run(*args):
    return CliRunner().invoke(cli, ["factsheet", *map(str, args)])


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith("pvr: error: ") and "\n" not in err, err
    assert "Traceback" not in result.output
    for frag in fragments:
        assert frag in err, err


def test_json_has_the_documented_keys_and_library_values():
    result = run(STRATEGY, "--benchmark", "SP500", "--benchmark", "SPY", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    expected = factsheet(STRATEGY, benchmarks=["SP500", "SPY"]).to_dict()
    assert doc == expected
    assert {"cagr", "total_return", "ytd", "ror_3m", "ror_6m", "ror_1y", "ror_3y", "winning_months_frac",
            "avg_winning_month", "avg_losing_month"} <= set(doc["return_statistics"])
    assert {"volatility", "downside_volatility", "max_drawdown", "var", "expected_shortfall", "beta",
            "correlation", "tail_correlation", "sharpe", "calmar"} <= set(doc["risk_statistics"])
    for key in ("drawdowns", "return_report", "monthly_returns", "worst_months", "benchmarks",
                "risk_free_source"):
        assert key in doc
    # Hand check of one value from the CSV itself.
    r = pd.read_csv(STRATEGY)["returns"].to_numpy()
    assert doc["return_statistics"]["total_return"] == pytest.approx(np.prod(1 + r) - 1, abs=1e-10)
    assert result.stderr == ""  # nothing to note: T-bill covers 2012-2016


def test_options_start_end_primary_risk_free_windows():
    result = run(STRATEGY, "--benchmark", "SP500", "--benchmark", "SPY", "--primary", "SPY",
                 "--risk-free", "1.5%", "--start", "2014-01-01", "--end", "2015-12-31",
                 "--windows", "1M,2Y", "--top-n", "2", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["start"], doc["end"]) == ("2014-01-02", "2015-12-31")
    assert doc["primary_benchmark"] == "SPY" and doc["risk_statistics"]["primary_benchmark"] == "SPY"
    assert doc["risk_free_source"].startswith("constant 1.5000%")
    assert list(doc["return_report"]) == ["1M", "2Y"] and len(doc["drawdowns"]) == 2
    assert sorted(doc["yearly_returns"]) == ["2014", "2015"]


def test_html_with_config_and_title_override(tmp_path):
    out = tmp_path / "fs.html"
    result = run(STRATEGY, "--config", DATA / "factsheet.toml", "--out", out, "--title", "Override")
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<title>Override</title>" in html and "wrote" in result.stderr
    assert html.count('class="widget') == 15
    assert 'data-widget="time_series"' in html and "Top holdings" in html


def test_no_benchmark_and_zero_risk_free_are_said(tmp_path):
    csv = tmp_path / "late.csv"
    idx = pd.bdate_range("2019-01-02", periods=300)
    pd.DataFrame({"date": idx.strftime("%Y-%m-%d"), "returns": np.full(300, 0.0004)}).to_csv(csv, index=False)
    result = run(csv, "--benchmark", "none", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["benchmarks"] == {} and doc["risk_free_source"].startswith("zero:")
    assert "risk-free rate is zero" in result.stderr


@pytest.mark.parametrize("text, fragments", [
    ("date,returns\n2020-01-02,0.01\nnot-a-date,0.02\n", ["line 3: 'not-a-date' is not a date"]),
    ("date,returns\n2020-01-02,0.01\n2020-01-02,0.02\n", ["duplicate date 2020-01-02"]),
    ("date,returns\n2020-01-02,0.01\n2020-01-03,n/a%\n", ["'n/a%' is not a number", "2020-01-03"]),
])
def test_bad_returns_files(tmp_path, text, fragments):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    out = tmp_path / "fs.html"
    result = run(path, "--out", out)
    assert_one_line_error(result, "bad.csv", *fragments)
    assert not out.exists()


def test_percent_returns_refused_when_few_and_converted_when_many(tmp_path):
    idx = pd.bdate_range("2012-01-03", periods=200)
    vals = np.random.default_rng(1).normal(0.05, 1.0, 200)
    many = tmp_path / "pct.csv"
    pd.DataFrame({"date": idx, "returns": vals}).to_csv(many, index=False)
    result = run(many, "--json")
    assert result.exit_code == 0 and "percent returns; divided by 100" in result.stderr
    few = tmp_path / "few.csv"
    small = vals / 100
    small[5] = 2.5
    pd.DataFrame({"date": idx, "returns": small}).to_csv(few, index=False)
    assert_one_line_error(run(few, "--json"), "beyond +-100%", "2.5")


def test_no_overlap_range_outside_and_unknown_benchmark(tmp_path):
    assert_one_line_error(run(STRATEGY, "--start", "2030-01-01", "--json"), "outside the returns")
    late = tmp_path / "late.csv"
    idx = pd.bdate_range("2019-01-02", periods=50)
    pd.DataFrame({"date": idx, "returns": 0.001}).to_csv(late, index=False)
    assert_one_line_error(run(late, "--benchmark", "SPY", "--json"), "benchmark 'SPY'", "no dates in common")
    assert_one_line_error(run(STRATEGY, "--benchmark", "QQQ", "--json"), "'QQQ'", "built-in name")
    assert_one_line_error(run(late, "--benchmark", "none", "--risk-free", "treasury", "--json"),
                          "2017-03-29", "do not cover")


def _config(tmp_path, body, files=()):
    for name in files:
        shutil.copy(DATA / name, tmp_path / name)
    path = tmp_path / "cfg.toml"
    path.write_text(body)
    return path


@pytest.mark.parametrize("body, fragments", [
    ('titel = "x"\n', ["titel: unknown key"]),
    ('[[widgets]]\ntype = "drawdown_report"\ntop = 3\n', ["widgets[0].top: not an option of drawdown_report"]),
    ('[[widgets]]\ntype = "free_text"\ntext = "' + "x" * 201 + '"\n', ["widgets[0].text: 201 characters, at most 200"]),
    ('[[widgets]]\ntype = "image"\npath = "missing.png"\n', ["widgets[0].path: no such file"]),
    ('[[widgets]]\ntype = "key_value"\ncsv = "holdings.csv"\n', ["widgets[0].csv", "key and value"]),
    ('[[widgets]]\ntype = "gauge"\n', ["widgets[0].type: unknown widget 'gauge'"]),
    ('[[widgets]]\ntype = "expected_shortfall"\nconfidence = 95\n', ["widgets[0].confidence"]),
    ('[data]\nbenchmark = "SPY"\n', ["data.benchmark: unknown key"]),
    ('title = \n', ["not valid TOML"]),
    ('paper = "a3"\n', ["paper: 'a3'"]),
])
def test_bad_config_names_the_key(tmp_path, body, fragments):
    cfg = _config(tmp_path, body, files=["holdings.csv"])
    out = tmp_path / "fs.html"
    assert_one_line_error(run(STRATEGY, "--config", cfg, "--out", out), *fragments)
    assert not out.exists()


def test_images_are_validated(tmp_path):
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"GIF89a not a png")
    cfg = _config(tmp_path, '[[widgets]]\ntype = "image"\npath = "fake.png"\n')
    assert_one_line_error(run(STRATEGY, "--config", cfg, "--json"), "not a valid PNG image")
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024))
    cfg = _config(tmp_path, '[[widgets]]\ntype = "image"\npath = "big.jpg"\n')
    assert_one_line_error(run(STRATEGY, "--config", cfg, "--json"), "at most 2 MB")
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a")
    cfg = _config(tmp_path, '[[widgets]]\ntype = "image"\npath = "logo.gif"\n')
    assert_one_line_error(run(STRATEGY, "--config", cfg, "--json"), "not .png, .jpg or .jpeg")


def test_config_supplies_the_returns_and_nothing_to_write_is_an_error(tmp_path):
    cfg = _config(tmp_path, '[data]\nreturns = "strategy.csv"\nbenchmarks = ["SPY"]\nstart = 2015-01-01\n',
                  files=["strategy.csv"])
    result = run("--config", cfg, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["benchmark_names"] == ["SPY"] and doc["start"] == "2015-01-02"
    assert_one_line_error(run(STRATEGY), "nothing to write")
    assert_one_line_error(run("--json"), "no returns")


def test_real_command_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,returns\n2020-01-02,0.01\n2020-01-02,0.02\n")
    proc = subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "factsheet", str(bad), "--json"],
                          capture_output=True, text=True, cwd=os.path.dirname(DATA), timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("pvr: error: ") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


def test_pdf_only_leaves_just_the_pdf(tmp_path):
    pdf = tmp_path / "fs.pdf"
    result = run(STRATEGY, "--pdf", pdf, "--paper", "a4", "--start", "2015-01-01")
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert os.listdir(tmp_path) == ["fs.pdf"]


def test_widget_files_outside_the_config_folder_only_with_allow_outside_files(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "terms.csv").write_text("key,value\nLock-up,Two quarters exactly\n")
    folder = tmp_path / "config"
    folder.mkdir()
    cfg = folder / "fs.toml"
    cfg.write_text('[[widgets]]\ntype = "key_value"\ncsv = "../elsewhere/terms.csv"\n')
    out = tmp_path / "f.html"

    refused = run(STRATEGY, "--config", cfg, "--out", out)
    assert_one_line_error(refused, "widgets[0].csv", "../elsewhere/terms.csv", "outside the config file's folder")
    assert not out.exists()

    allowed = run(STRATEGY, "--config", cfg, "--out", out, "--allow-outside-files")
    assert allowed.exit_code == 0, allowed.output
    html = out.read_text()
    assert "Lock-up" in html and "Two quarters exactly" in html
