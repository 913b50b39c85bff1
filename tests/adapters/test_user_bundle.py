"""A user's CSV folder as a bundle: splits and dividends applied, tracker exact, registration."""
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from zipline.data import bundles

from pvr_plugin.adapters import bundle_info, user_bundle, zipline_setup
from pvr_plugin.errors import PvrInputError
from tests.worlds import CALENDAR, SESSIONS, Asset, Order, World, check_run, run_world, write_csvdir

pytestmark = pytest.mark.usefixtures("zipline_root")

# BRK.B (held long) splits 2-for-1 on 2021-11-24 and goes ex-dividend on
# 2021-11-29, paid on 2021-11-30; SHRT (held short) goes ex-dividend on
# 2021-11-24, paid the same day, and splits 2-for-1 on 2021-11-26.
SPLITS = World(assets=(
    Asset(first=0, last=5, price=50.0, volume=5000, trade_prob=0.9, split=(2, 2.0), dividend=(4, 0.02, 1), seed=11),
    Asset(first=0, last=5, price=20.0, volume=5000, trade_prob=0.9, split=(3, 2.0), dividend=(2, 0.03, 0), seed=12),
))
ORDERS = [Order(0, 3, "market", 0, 1000), Order(0, 3, "market", 1, -500)]


@pytest.fixture(scope="module")
def csv_bundle(tmp_path_factory):
    folder = write_csvdir(SPLITS, tmp_path_factory.mktemp("csv"), symbols=["BRK.B", "SHRT"])
    proc = subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "ingest", "--csvdir", str(folder),
                           "--name", "pvr-csv"], capture_output=True, text=True, env=os.environ.copy(), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "pvr-csv: ingested 2 symbols" in proc.stdout
    bundle_info.ensure_bundle("pvr-csv")  # registered by that other process: read extension.py again
    return folder


def _dividend(folder, symbol):
    rows = pd.read_csv(folder / "daily" / f"{symbol}.csv")
    row = rows[rows["dividend"] > 0].iloc[0]
    return float(row["dividend"]), row["date"], row["pay_date"]


@pytest.mark.parametrize("frequency", ["minute", "daily"])
def test_split_and_dividend_on_long_and_short(csv_bundle, frequency):
    perf, ref, metric = run_world(SPLITS, ORDERS, frequency, bundle="pvr-csv", commission_model="none")
    check_run(perf, ref, metric, where=frequency)
    held = perf["positions"].apply(lambda ps: {p["sid"].symbol: p["amount"] for p in ps})
    # the split doubles the share counts on its session, long and short
    first_fill = 1000 if frequency == "minute" else 0  # daily: the order fills on the next bar
    assert [h.get("BRK.B", 0) for h in held] == [first_fill, 1000, 2000, 2000, 2000, 2000]
    assert [h.get("SHRT", 0) for h in held][2:] == [-500, -1000, -1000, -1000]
    # cash moves only by the dividends after the opening fills: by hand from the files
    long_div, long_ex, long_pay = _dividend(csv_bundle, "BRK.B")
    short_div, short_ex, short_pay = _dividend(csv_bundle, "SHRT")
    assert (long_ex, long_pay, short_ex, short_pay) == ("2021-11-29", "2021-11-30", "2021-11-24", "2021-11-24")
    cash = perf["ending_cash"].to_numpy()
    assert cash[2] - cash[1] == pytest.approx(-500 * short_div, abs=1e-6)  # the short pays, before its split
    assert cash[3] - cash[2] == pytest.approx(0.0, abs=1e-9)
    assert cash[4] - cash[3] == pytest.approx(0.0, abs=1e-9)  # ex-date: nothing paid yet
    assert cash[5] - cash[4] == pytest.approx(2000 * long_div, abs=1e-6)  # paid on the pay date, after the split


def test_bundle_seen_by_runner_and_zipline_loader(csv_bundle, tmp_path):
    algo = tmp_path / "algo.py"
    algo.write_text("from zipline.api import order, symbol\n"
                    "def initialize(context):\n    context.a = symbol('BRK.B')\n"
                    "def handle_data(context, data):\n    order(context.a, 1)\n")
    from pvr_plugin.adapters.runner import run_file

    # starting on the bundle's first session works (only the calendar's own first session cannot)
    result = run_file(algo, bundle="pvr-csv", benchmark=None, metrics_set="pvr")
    assert result.start == SESSIONS[0] and result.end == SESSIONS[-1]
    assert len(result.perf) == len(SESSIONS) and result.perf["max_risk_usd"].iloc[-1] > 0
    data = bundles.load("pvr-csv")
    assert sorted(a.symbol for a in data.asset_finder.retrieve_all(data.asset_finder.sids)) == ["BRK.B", "SHRT"]
    with pytest.raises(PvrInputError, match=r"outside the pvr-csv minute data \(2021-11-22 to 2021-11-30\)"):
        run_file(algo, bundle="pvr-csv", data_frequency="minute", start="2021-11-01", end="2021-11-30")


def test_frames_ingest_registers_once_and_replaces(tmp_path):
    sessions = CALENDAR.sessions_in_range("2021-03-01", "2021-03-05")
    frame = pd.DataFrame({"open": 10.0, "high": 10.5, "low": 9.5, "close": [10.0, 10.1, 10.2, 10.3, 10.4],
                          "volume": 1e6}, index=sessions)
    root = zipline_setup.zipline_root() / "data" / "pvr-frames"
    first = user_bundle.ingest_frames("pvr-frames", daily={"XYZ": frame})
    second = user_bundle.ingest_frames("pvr-frames", daily={"XYZ": frame, "ABC": frame * 2})
    assert not first.replaced and second.replaced
    assert [p.name for p in root.iterdir() if not p.name.startswith(".")] == [second.path.name]
    text = (zipline_setup.zipline_root() / "extension.py").read_text()
    assert text.count("# pvr-plugin bundle pvr-frames") == 1
    assert text.count("import pvr_plugin.adapters.extension") == 1
    assert bundle_info.symbols_of("pvr-frames") == ["ABC", "XYZ"]
    close = bundles.load("pvr-frames").equity_daily_bar_reader.get_value(0, sessions[-1], "close")
    assert close == pytest.approx(20.8)  # ABC: sorted first, sid 0
    # a bad frame afterwards leaves the good bundle as it was
    bad = frame.assign(volume=[1e6, -1, 1e6, 1e6, 1e6])
    with pytest.raises(PvrInputError, match=r"daily frame 'XYZ' row 2: volume -1 is negative"):
        user_bundle.ingest_frames("pvr-frames", daily={"XYZ": bad})
    assert [p.name for p in root.iterdir() if not p.name.startswith(".")] == [second.path.name]
    assert bundle_info.symbols_of("pvr-frames") == ["ABC", "XYZ"]


def test_frames_minute_only_gives_daily_bars():
    minutes = CALENDAR.session_minutes(SESSIONS[3])  # the early close: 210 minutes
    closes = np.round(np.linspace(10, 12, len(minutes)), 3)
    frame = pd.DataFrame({"open": closes, "high": closes + 0.01, "low": closes - 0.01, "close": closes,
                          "volume": 100.0}, index=minutes)
    result = user_bundle.ingest_frames("pvr-minute-only", minute={"M": frame.iloc[::2]})
    assert result.spans == {"daily": (SESSIONS[3], SESSIONS[3]), "minute": (SESSIONS[3], SESSIONS[3])}
    reader = bundles.load("pvr-minute-only").equity_daily_bar_reader
    assert reader.get_value(0, SESSIONS[3], "close") == pytest.approx(closes[::2][-1])
    assert reader.get_value(0, SESSIONS[3], "volume") == 100 * len(closes[::2])
    assert reader.get_value(0, SESSIONS[3], "high") == pytest.approx(closes[::2].max() + 0.01)


def test_unknown_symbol_lists_at_most_30(csv_bundle, tmp_path):
    from pvr_plugin.adapters.runner import run_file

    algo = tmp_path / "cern.py"
    algo.write_text("from zipline.api import symbol\n\ndef initialize(context):\n    symbol('CERN')\n")
    with pytest.raises(PvrInputError) as err:
        run_file(algo, bundle="pvr-csv", benchmark=None)
    assert str(err.value) == f"{algo}: symbol 'CERN' is not in bundle pvr-csv (it has BRK.B, SHRT)"
    sessions = CALENDAR.sessions_in_range("2021-03-01", "2021-03-05")
    frame = pd.DataFrame({"open": 10.0, "high": 10.5, "low": 9.5, "close": 10.0, "volume": 1e6}, index=sessions)
    user_bundle.ingest_frames("pvr-many", daily={f"S{i:02d}": frame for i in range(35)})
    with pytest.raises(PvrInputError) as err:
        run_file(algo, bundle="pvr-many", benchmark=None)
    shown = ", ".join(f"S{i:02d}" for i in range(30))
    assert str(err.value) == f"{algo}: symbol 'CERN' is not in bundle pvr-many (it has {shown} and 5 more)"
