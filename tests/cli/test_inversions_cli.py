"""`pvr inversions`: summary, JSON, exports, and one-line errors for bad input."""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from statsmodels.sandbox.stats.runs import runstest_1samp

from pvr_plugin.cli.main import cli
from tests.conftest import REPO
from tests.conftest import INVERSION_CSV as FIXTURE



@pytest.fixture(scope="module")
def raw():
    frame = pd.read_csv(FIXTURE)
    frame.index = pd.to_datetime(frame.pop("Period"), format="%m/%d/%Y")
    return frame / 100.0


def run(*args):
    return CliRunner().invoke(cli, ["inversions", *map(str, args)])


def hand_episodes(spread):
    inverted = spread < 0
    run_id = (inverted != inverted.shift()).cumsum()
    rows = []
    for _, part in spread[inverted].groupby(run_id[inverted]):
        rows.append((part.index[0].date().isoformat(), part.index[-1].date().isoformat(),
                     len(part), part.min(), part.mean(), part.max()))
    return rows


def test_summary_and_exports(tmp_path, raw):
    out = tmp_path / "out"
    result = run(FIXTURE, "--out-dir", out)
    assert result.exit_code == 0, result.output
    spread = raw["Ret5"] - raw["Ret1"]
    n_inv = int((spread < 0).sum())
    assert f"Inversions: {n_inv} of {len(raw)} periods ({n_inv / len(raw):.1%})" in result.output
    assert "values read as percent (detected)" in result.output
    assert "Runs test:" in result.output and "Newey-West" in result.output
    episodes = pd.read_csv(out / "inversion_episodes.csv")
    assert list(episodes.columns) == ["start", "end", "length", "min_spread", "mean_spread",
                                      "max_spread"]
    expected = hand_episodes(spread)
    assert len(episodes) == len(expected)
    for got, exp in zip(episodes.itertuples(index=False), expected):
        assert (got.start, got.end, got.length) == exp[:3]
        assert [got.min_spread, got.mean_spread, got.max_spread] == pytest.approx(list(exp[3:]),
                                                                                  abs=1e-9)
    png = (out / "inversion_tear_sheet.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(out)) == ["inversion_episodes.csv", "inversion_tear_sheet.png"]


def test_json_has_every_statistic(tmp_path, raw):
    result = run(FIXTURE, "--out-dir", tmp_path, "--json", "--rolling", "6")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    spread = raw["Ret5"] - raw["Ret1"]
    assert data["periods"] == len(raw) == 383
    assert data["inversions"] == int((spread < 0).sum())
    assert data["inversion_rate"] == pytest.approx((spread < 0).mean())
    assert data["units"] == "percent" and data["periods_per_year"] == 12.0
    assert data["rolling_window"] == 6 and data["rolling_min_periods"] == 1
    assert len(data["episodes"]) == len(hand_episodes(spread))
    assert data["episodes"][0]["start"] == hand_episodes(spread)[0][0]
    sig = data["significance"]
    assert sig["mean_spread"] == pytest.approx(spread.mean(), abs=1e-9)  # a fraction
    assert sig["hit_rate"] == pytest.approx((spread > 0).mean())
    assert sig["information_ratio"] == pytest.approx(
        spread.mean() / spread.std() * np.sqrt(12), rel=1e-6)
    z, p = runstest_1samp(spread.to_numpy(), cutoff=0)
    assert data["runs_test"]["z"] == pytest.approx(z, rel=1e-6)
    assert data["runs_test"]["p_value"] == pytest.approx(p, rel=1e-6)
    assert set(data["all_bucket"]) >= {"rank_corr_mean", "rank_corr_t", "slope_spread"}
    dd = data["drawdowns"][0]
    assert set(dd) == {"peak", "trough", "recovery", "depth", "periods_to_trough",
                       "periods_to_recover"}
    assert data["outputs"]["episodes_csv"].endswith("inversion_episodes.csv")


def test_options_change_the_numbers(tmp_path, raw):
    args = [FIXTURE, "--out-dir", tmp_path, "--json"]
    picked = json.loads(run(*args, "--top", 4, "--bottom", 2, "--rolling", 0).output)
    spread = raw["Ret4"] - raw["Ret2"]
    assert picked["top"] == "Ret4" and picked["bottom"] == "Ret2"
    assert picked["inversions"] == int((spread < 0).sum())
    assert picked["rolling_window"] == 0
    fraction = json.loads(run(*args, "--fraction").output)
    assert fraction["units"] == "fraction" and fraction["units_source"] == "given"
    full = raw["Ret5"] - raw["Ret1"]
    assert fraction["significance"]["mean_spread"] == pytest.approx(full.mean() * 100, rel=1e-6)
    weekly = json.loads(run(*args, "--periods-per-year", 52).output)
    assert weekly["periods_per_year"] == 52.0
    assert weekly["significance"]["information_ratio"] == pytest.approx(
        full.mean() / full.std() * np.sqrt(52), rel=1e-6)


def test_explicit_columns(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("asof,x,a,b\n2021-01-31,9,1,2\n2021-02-28,9,3,1\n2021-03-31,9,2,2.5\n")
    result = run(path, "--out-dir", tmp_path, "--json", "--date-column", "asof",
                 "--columns", "a,b", "--percent")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["inversions"] == 1 and data["buckets"] == 2
    assert data["episodes"][0]["min_spread"] == pytest.approx(-0.02)


def test_unsorted_dates_and_skipped_periods_are_reported(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text("Period,Ret1,Ret2,Ret3\n"
                    "2021-03-31,1,2,-1\n2021-01-31,2,1,3\n2021-02-28,1,,\n2021-04-30,0.5,1,2\n")
    result = run(path, "--out-dir", tmp_path, "--percent")
    assert result.exit_code == 0, result.output
    assert "Note: dates were not in order; sorted them." in result.output
    assert "Skipped: 1 period without both returns." in result.output
    assert "Inversions: 1 of 3 periods (33.3%)" in result.output  # 03-31: -1 - 1 < 0
    data = json.loads(run(path, "--out-dir", tmp_path, "--percent", "--json").output)
    assert data["skipped_periods"] == 1 and data["periods"] == 4
    assert "dates were not in order; sorted them" in data["notes"]
    assert data["episodes"] == [{"start": "2021-03-31", "end": "2021-03-31", "length": 1,
                                 "min_spread": -0.02, "mean_spread": -0.02, "max_spread": -0.02}]


@pytest.mark.parametrize("text, message", [
    ("", "bad.csv: the file is empty"),
    ("Ret1,Ret2\n1,2\n", "bad.csv: no date column"),
    ("Period,Ret1\n2020-01-31,1\n", "bad.csv: need at least 2 bucket columns"),
    ("Period,Ret1,Ret2\n2020-01-31,1,two\n", "column 'Ret2' line 2 (date 2020-01-31): 'two' is not a number"),
    ("Period,Ret1,Ret2\n2020-01-31,1,2\n2020-01-31,1,2\n", "date 2020-01-31 appears 2 times"),
])
def test_bad_files_exit_2_with_one_line_and_write_nothing(tmp_path, text, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    (out / "inversion_episodes.csv").write_text("previous export\n")
    result = run(bad, "--out-dir", out)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pvr: error: ") and message in lines[0]
    assert "Traceback" not in result.output
    # The old export is untouched and nothing else (no temporary file) appeared.
    assert os.listdir(out) == ["inversion_episodes.csv"]
    assert (out / "inversion_episodes.csv").read_text() == "previous export\n"


def test_bad_options_exit_2(tmp_path):
    result = run(FIXTURE, "--out-dir", tmp_path, "--top", 9)
    assert result.exit_code == 2
    assert result.stderr.strip() == "pvr: error: top bucket 9 is out of range: buckets are 1 to 5"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(FIXTURE, "--out-dir", blocker)
    assert result.exit_code == 2 and "exists and is not a folder" in result.stderr
    assert os.listdir(tmp_path) == ["file"]


def test_module_entry_point_one_line_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Period,Ret1,Ret2\n2020-01-31,1,?\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pvr_plugin.cli.main", "inversions", str(bad), "--out-dir",
         str(tmp_path / "out")],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "pvr: error: bad.csv: column 'Ret2' line 2 (date 2020-01-31): '?' is not a number"
    ]
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []


def test_cumulative_option_and_overflowing_cells(tmp_path):
    good = tmp_path / "rank.csv"
    good.write_text("Period,Ret1,Ret2\n2020-01-31,1,2\n2020-02-29,3,1\n2020-03-31,1,4\n2020-04-30,2,1\n")
    out = run(good, "--cumulative", "compound", "--percent", "--json", "--out-dir", tmp_path / "o")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    # spreads 1%, -2%, 3%, -1%: funded value 1.01, 0.9898, 1.019494, 1.00929906
    assert doc["cumulative"] == "compound"
    assert doc["drawdowns"][0]["depth"] == pytest.approx(0.9898 / 1.01 - 1, abs=1e-12)
    assert doc["drawdowns"][1]["depth"] == pytest.approx(1.00929906 / 1.019494 - 1, abs=1e-9)
    refused = run(good, "--cumulative", "compound", "--fraction", "--out-dir", tmp_path / "o2")
    assert refused.exit_code == 2 and "the spread is -200% on 2020-02-29" in refused.output
    huge = tmp_path / "huge.csv"
    huge.write_text("Period,Ret1,Ret2\n" + "".join(f"2020-{m:02d}-28,-1e308,1e308\n" for m in range(1, 13)))
    bad = run(huge, "--fraction", "--out-dir", tmp_path / "h")
    assert bad.exit_code == 2
    lines = [ln for ln in bad.output.splitlines() if ln.startswith("pvr: error:")]
    assert len(lines) == 1 and "Traceback" not in bad.output
    assert "huge.csv: Ret2 - Ret1 overflows on 2020-01-28" in lines[0]
    assert not (tmp_path / "h" / "inversion_episodes.csv").exists()
