"""The `zipline` command line with `--metrics-set pvr`, after the documented `pvr ingest` step."""
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import REPO as ROOT



def test_zipline_cli_metrics_set_pvr(zipline_root, tmp_path):
    env = os.environ.copy()
    setup = subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "ingest"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stderr
    out = tmp_path / "perf.pkl"
    zipline = Path(sys.executable).with_name("zipline")
    proc = subprocess.run(
        [str(zipline), "run", "-f", str(ROOT / "strategies/short_only.py"), "-b", "pvr-demo",
         "-s", "2021-01-04", "-e", "2021-02-26", "--capital-base", "1000000",
         "--metrics-set", "pvr", "--no-benchmark", "-o", str(out)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    perf = pd.read_pickle(out)
    assert perf["max_short_usd"].iloc[-1] > 500_000
    assert perf["max_risk_usd"].iloc[-1] == pytest.approx(perf["max_short_usd"].iloc[-1])
    assert (perf["risk_model"] == "cash_or_short").all()
