"""Every block of docs/recipes.md, run in order in an empty folder, as a reader would.

``bash`` blocks run in bash (``-euo pipefail``), ``python`` blocks with this
interpreter, and a block under ``<!-- file: NAME -->`` is saved as NAME. The
``pvr`` and ``python`` the blocks call are this interpreter's. The serving
recipe's port is replaced by a free one, and its process group is ended after.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.app.live import free_port
from tests.conftest import REPO

PAGE = REPO / "docs" / "recipes.md"
BLOCK = re.compile(r"(?:<!-- file: (?P<file>[\w.\-]+) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)\n```", re.S)
RUN = ("bash", "python")


def recipes():
    """Section title -> [(language, code, file to save as or None)] in page order."""
    out = {}
    for section in re.split(r"^## ", PAGE.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title, body = section.split("\n", 1)
        out[title.strip()] = [(m["lang"], m["code"] + "\n", m["file"]) for m in BLOCK.finditer(body)]
    return out


RECIPES = recipes()
TITLES = {
    "csv": "Your CSV files, a backtest with PvR, a factsheet",
    "sweep": "A sweep and its comparison report",
    "pipeline": "A Pipeline factor, alphalens, the inversion tear sheet",
    "serving": "Serving the apps to colleagues",
}


def run_recipe(title, folder, env, port=None):
    """Run the recipe's blocks in ``folder``; the output of each, in order."""
    env = {**env, "PATH": os.path.dirname(sys.executable) + os.pathsep + env["PATH"]}
    outputs = []
    for number, (lang, code, save_as) in enumerate(RECIPES[title]):
        if port is not None:
            code = code.replace("8866", str(port))
        if save_as:
            (folder / save_as).write_text(code, encoding="utf-8")
            continue
        assert lang in RUN, (title, lang)
        if lang == "python":
            script = folder / f".block-{number}.py"
            script.write_text(code, encoding="utf-8")
            command = [sys.executable, str(script)]
        else:
            command = ["bash", "-euo", "pipefail", "-c", code]
        proc = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=300)
        finally:
            try:  # anything the block left running (a server, its kernels)
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert proc.returncode == 0, f"{title}, block {number}:\n{code}\n{stderr[-3000:]}"
        outputs.append(stdout)
    return outputs


def test_the_page_has_the_four_recipes_and_only_runnable_blocks():
    assert list(RECIPES) == list(TITLES.values())
    for title, blocks in RECIPES.items():
        assert blocks, title
        for lang, _, save_as in blocks:
            assert save_as or lang in RUN, (title, lang)


def test_csv_files_to_a_backtest_and_a_factsheet(tmp_path, pvr_home):
    env = {**os.environ, "ZIPLINE_ROOT": str(tmp_path / "zipline")}  # a bundle of its own
    work = tmp_path / "work"
    work.mkdir()
    started = time.monotonic()
    out = run_recipe(TITLES["csv"], work, env)
    print(f"csv recipe: {time.monotonic() - started:.1f} s")
    perf = pd.read_pickle(work / "perf.pkl")
    first = pd.read_csv(work / "my_prices" / "daily" / "AAA.csv")
    assert str(perf.index[-1].date()) == first["date"].iloc[-1]
    # The summary's QRet is the frame's own portfolio value over the capital.
    qret = 100 * (perf["portfolio_value"].iloc[-1] / 100_000 - 1)
    assert perf["qret_pct"].iloc[-1] == pytest.approx(qret, rel=1e-9)
    assert f"QRet {qret:.2f}" in out[1]
    doc = json.loads((work / "factsheet.json").read_text())
    assert doc["pvr"]["pvr_pct"] == pytest.approx(perf["pvr_pct"].iloc[-1], rel=1e-12)
    assert doc["return_statistics"]["total_return"] == pytest.approx(qret / 100, rel=1e-9)
    assert "<html" in (work / "factsheet.html").read_text(encoding="utf-8").lower()
    assert (pvr_home / "runs.sqlite").is_file() and "two_stocks" in out[1]


@pytest.mark.usefixtures("zipline_root")
def test_a_sweep_and_its_report(tmp_path):
    started = time.monotonic()
    out = run_recipe(TITLES["sweep"], tmp_path, os.environ.copy())
    print(f"sweep recipe: {time.monotonic() - started:.1f} s")
    sweep = json.loads((tmp_path / "sweep.json").read_text())
    assert len(sweep["runs"]) == 2
    listed = [line for line in out[0].splitlines() if " long_short " in f" {line} "]
    assert len(listed) == 2, out[0]  # `pvr runs --sweep ID` lists both runs
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert sweep["sweep_id"] in report and "lookback" in report


@pytest.mark.usefixtures("zipline_root")
def test_a_pipeline_factor_to_the_inversion_tear_sheet(tmp_path):
    started = time.monotonic()
    out = run_recipe(TITLES["pipeline"], tmp_path, os.environ.copy())
    print(f"pipeline recipe: {time.monotonic() - started:.1f} s")
    assert "Inversion rate" in out[0]
    assert (tmp_path / "inversion_tear_sheet.png").stat().st_size > 20_000
    episodes = pd.read_csv(tmp_path / "out" / "inversion_episodes.csv")
    quintiles = pd.read_csv(tmp_path / "momentum_quintiles.csv")
    assert set(quintiles["factor_quantile"]) == {1, 2, 3, 4, 5}
    # 21-session returns on every session overlap: one date in 21 is kept (the first among them),
    # and every episode is a run of kept dates whose top-minus-bottom spread is below zero.
    wide = quintiles.pivot(index="date", columns="factor_quantile", values="21D").sort_index()
    spread = (wide[5] - wide[1]).iloc[::21]
    assert "kept one date in 21" in out[0]
    assert len(episodes) and all(spread.loc[e.start[:10]:e.end[:10]].lt(0).all() for e in episodes.itertuples())
    assert sum(e.length for e in episodes.itertuples()) == int(spread.lt(0).sum())


def test_serving_the_app(tmp_path):
    started = time.monotonic()
    port = free_port()
    out = run_recipe(TITLES["serving"], tmp_path, os.environ.copy(), port=port)
    print(f"serving recipe: {time.monotonic() - started:.1f} s")
    assert re.search(rf"http://127\.0\.0\.1:{port}/ answered 200: \S+, [\d,]+ characters", out[0]), out[0]
    assert "Kernel shutdown" in (tmp_path / "server.log").read_text()  # stopped cleanly, its kernel too
