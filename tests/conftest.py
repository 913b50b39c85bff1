"""Shared test setup and helpers: a private ZIPLINE_ROOT with the pvr-demo bundle ingested
once, an empty PVR_HOME per test, the repository's paths, the pyfolio example frame, and
running the `pvr` command as a user does."""
import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
STRATEGIES = REPO / "strategies"
#: Monthly momentum quintiles of the embedded stocks, in percent (see tests/data/inversion/README.md).
INVERSION_CSV = TEST_DATA / "inversion" / "momentum_quintiles_monthly_pct.csv"

# Set before anything reads it; subprocesses (CLI, notebooks) inherit it.
_ROOT = tempfile.mkdtemp(prefix="pvr-tests-zipline-")
os.environ["ZIPLINE_ROOT"] = _ROOT
# No test may write the user's run ledger (~/.pvr).
_HOME = tempfile.mkdtemp(prefix="pvr-tests-home-")
os.environ["PVR_HOME"] = _HOME


@pytest.fixture(scope="session")
def zipline_root():
    from pvr_plugin.adapters.bundle import ensure_ingested

    ensure_ingested()
    yield _ROOT


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_ROOT, ignore_errors=True)
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def shipped_sweep(zipline_root, tmp_path_factory):
    """``pvr sweep strategies/long_short_sweep.toml`` run once (2 workers): (ledger path, stdout).

    Tests that write to the ledger copy it first.
    """
    home = tmp_path_factory.mktemp("shipped-sweep")
    proc = subprocess.run(
        [sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(STRATEGIES / "long_short_sweep.toml"),
         "--workers", "2"], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "PVR_HOME": str(home)}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return home / "runs.sqlite", proc.stdout


@pytest.fixture(autouse=True)
def pvr_home(tmp_path, monkeypatch):
    """Each test gets an empty PVR_HOME (run ledger), inherited by its subprocesses."""
    home = tmp_path / "pvr-home"
    monkeypatch.setenv("PVR_HOME", str(home))
    return home


def pyfolio_example():
    """The zipline backtest pyfolio-reloaded ships with its examples (a performance frame)."""
    folder = os.path.dirname(importlib.util.find_spec("pyfolio").origin)
    return pd.read_pickle(os.path.join(folder, "examples", "results.pickle"))


def run_pvr(*args, cwd=REPO):
    """``pvr ARGS`` in a subprocess, as a user runs it (the test's environment inherited)."""
    return subprocess.run(
        [sys.executable, "-m", "pvr_plugin.cli.main", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=os.environ.copy(), timeout=600,
    )


def assert_one_line_error(proc, *fragments):
    """Exit 2, exactly one ``pvr: error:`` line holding every fragment, and no traceback."""
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("pvr: error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture(scope="module")
def pair():
    """Two correlated daily return series over ~6 years, with a risk-free series (seeded)."""
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2011-01-03", periods=1500)
    m = rng.normal(0.0004, 0.011, len(idx))
    r = 0.0002 + 1.3 * m + rng.normal(0, 0.007, len(idx))
    rf = np.linspace(0.00002, 0.0002, len(idx))
    return pd.Series(r, idx), pd.Series(m, idx), rf


#: Debian's Chromium, and the flags that keep it off the closed network (no update or sync calls).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module (a second sync playwright cannot start while
    one runs). Missing Chromium fails the test: it never skips."""
    assert os.path.exists(CHROMIUM), (
        f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def offline_page(browser, url, width=900, height=1200):
    """A page of ``browser`` loaded from ``url``; yields ``(page, requests, failures)``, the
    URLs it asked for and those that failed, to show a page needs nothing from a network."""
    requests, failures = [], []
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failures.append(r.url))
    try:
        page.goto(url)
        page.wait_for_load_state("load")
        yield page, requests, failures
    finally:
        page.close()
