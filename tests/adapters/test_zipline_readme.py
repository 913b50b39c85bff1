"""README's `zipline run` commands, run exactly as written (real zipline CLI, subprocesses)."""
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from zipline.utils.calendar_utils import get_calendar

from pvr_plugin.data import load_index

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- zipline-cli-example -->"
PVR_COLUMNS = {"pvr_pct", "pvr_per_day_pct", "max_risk_usd", "cash_low_usd", "max_short_usd",
               "max_gross_leverage", "qret_pct", "risk_model", "intraday_exact"}


def readme_example():
    """(algorithm source, command lines) of the README's zipline example."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, "README.md lost its zipline example"
    after = text.split(MARKER, 1)[1]
    source = re.search(r"```python\n(.*?)```", after, re.S).group(1)
    commands = re.search(r"```bash\n(.*?)```", after, re.S).group(1)
    return source, [ln for ln in commands.splitlines() if ln.strip()]


def _my_prices(folder):
    """A user's daily CSV folder: AAPL and BRK.B, raw prices, 2021-01-04 to 2021-03-31."""
    sessions = get_calendar("XNYS").sessions_in_range("2021-01-04", "2021-03-31")
    rng = np.random.default_rng(3)
    (folder / "daily").mkdir(parents=True)
    for symbol, price in (("AAPL", 130.0), ("BRK.B", 230.0)):
        close = np.round(price * np.exp(np.cumsum(rng.normal(0, 0.015, len(sessions)))), 2)
        frame = pd.DataFrame({"date": sessions.strftime("%Y-%m-%d"), "open": close, "high": close + 1,
                              "low": close - 1, "close": close, "volume": 5_000_000})
        frame.to_csv(folder / "daily" / f"{symbol}.csv", index=False)


@pytest.mark.usefixtures("zipline_root")
def test_readme_zipline_commands_run_as_written(tmp_path):
    source, commands = readme_example()
    assert [c.split()[:2] for c in commands] == [["pvr", "ingest"], ["zipline", "run"], ["zipline", "run"],
                                                 ["pvr", "ingest"], ["zipline", "run"]]
    (tmp_path / "buy_and_hold.py").write_text(source)
    _my_prices(tmp_path / "my_prices")
    for command in commands:
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=tmp_path, env=os.environ.copy(),
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{command}\n{proc.stderr[-3000:]}"
    frames = {name: pd.read_pickle(tmp_path / f"{name}.pkl") for name in ("daily", "minute", "mine")}
    for name, perf in frames.items():
        assert PVR_COLUMNS <= set(perf.columns), name
        assert perf["intraday_exact"].all()
        # all in from the first fill: about the whole $100,000 at risk (a little margin as prices move)
        assert 95_000 < perf["max_risk_usd"].iloc[-1] < 110_000, name
        assert perf["cash_low_usd"].iloc[-1] < 5_000
    assert len(frames["daily"]) == 124 and (frames["daily"]["risk_model"] == "cash_or_short").all()
    assert frames["minute"]["risk_model"].eq("gross").all() and len(frames["minute"]) == 21
    assert len(frames["mine"]) == 61
    # the benchmark file is the embedded S&P 500 (its closes: 2020-12-31 to 2021-06-30)
    index = load_index()
    expected = index["2021-06-30"] / index["2020-12-31"] - 1
    assert frames["daily"]["benchmark_period_return"].iloc[-1] == pytest.approx(expected, rel=1e-6)
    assert (frames["minute"]["benchmark_period_return"] == 0).all()  # --no-benchmark
