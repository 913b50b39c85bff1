"""Shared test setup: a private ZIPLINE_ROOT with the pvr-demo bundle ingested once."""
import os
import shutil
import tempfile

import matplotlib
import pytest

matplotlib.use("Agg")

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


@pytest.fixture(autouse=True)
def pvr_home(tmp_path, monkeypatch):
    """Each test gets an empty PVR_HOME (run ledger), inherited by its subprocesses."""
    home = tmp_path / "pvr-home"
    monkeypatch.setenv("PVR_HOME", str(home))
    return home
