"""Each recorded run's per-session series in the ledger: equal to the run's frame, exact, written with the row."""
import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest

from pvr_plugin.adapters.runner import run_file
from pvr_plugin.core import fields
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store import RunLedger, record_run
from pvr_plugin.store import series as series_table
from pvr_plugin.store.run_ledger import SCHEMA_VERSION
from pvr_plugin.store.series import SERIES_NAMES, SUMMARY_ONLY, decode, encode, read_series, runs_with_series
from tests.conftest import REPO, TEST_DATA

LONG_SHORT = REPO / "tests" / "algos" / "fixed_long_short.py"


@pytest.fixture(scope="module")
def run(zipline_root):
    """Long 7 AAPL, short 5 XOM every day, with the pvr metrics set (intraday-capable columns)."""
    return run_file(LONG_SHORT, start="2021-01-04", end="2021-03-31", capital_base=100_000.0, metrics_set="pvr")


def test_the_series_kept_are_the_field_tables():
    declared = [q.name for q in fields.QUANTITIES if q.series]
    assert list(SERIES_NAMES) == declared == list(fields.names("series"))
    assert {"returns", "pvr_pct", "qret_pct", "max_risk_usd", "cash_usd", "cash_low_usd", "leverage",
            "max_leverage", "short_usd"} <= set(SERIES_NAMES)
    assert fields.quantity("returns").unit == "frac"


def test_stored_series_equal_the_runs_frame(run, pvr_home):
    run_id = record_run(run)
    kept = read_series(RunLedger(), [run_id])[run_id]
    perf = run.perf
    assert len(kept) == len(perf) == 61 and kept.index[0] == pd.Timestamp("2021-01-04")
    assert kept.index[-1] == pd.Timestamp("2021-03-31") and kept.index.tz is None
    # the account exactly as zipline reported it
    for name, column in (("value_usd", "portfolio_value"), ("cash_usd", "ending_cash"), ("long_usd", "long_value"),
                         ("short_usd", "short_value"), ("leverage", "gross_leverage"), ("returns", "returns"),
                         ("max_leverage", "max_gross_leverage"), ("cash_low_usd", "cash_low_usd"),
                         ("max_short_usd", "max_short_usd"), ("max_risk_usd", "max_risk_usd")):
        np.testing.assert_array_equal(kept[name].to_numpy(), perf[column].to_numpy(dtype=float), err_msg=name)
    # PvR and QRet by hand: S = 100,000; max risk = running max of max(S - cash low, max short)
    s = 100_000.0
    value = perf["portfolio_value"].to_numpy()
    cash_low = np.minimum.accumulate(np.minimum(perf["ending_cash"].to_numpy(), s))
    max_short = np.maximum.accumulate(-perf["short_value"].to_numpy())
    max_risk = np.maximum.accumulate(np.maximum(s - cash_low, max_short))
    with np.errstate(invalid="ignore"):  # 0 / 0 before the first fill: NaN both ways
        by_hand = 100 * (value - s) / max_risk
    np.testing.assert_allclose(kept["pvr_pct"].to_numpy(), by_hand, rtol=1e-12)
    np.testing.assert_allclose(kept["qret_pct"].to_numpy(), 100 * (value - s) / s, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kept["pvr_pct"].to_numpy(), perf["pvr_pct"].to_numpy(), rtol=1e-12)
    assert kept.attrs == {"start_usd": s, "risk_model": "cash_or_short", "resolution": "daily bars"}
    # the row's headline figures are the series' last values
    row = RunLedger().get(run_id)
    assert row["pvr_pct"] == pytest.approx(kept["pvr_pct"].iloc[-1], rel=1e-12)
    assert row["max_risk_usd"] == kept["max_risk_usd"].iloc[-1]


def test_codec_is_exact_and_compact():
    rng = np.random.default_rng(3)
    index = pd.DatetimeIndex(pd.bdate_range("2012-01-03", periods=2520), name="session")
    value = 1e6 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(index)))
    frame = pd.DataFrame({n: value * (k + 1) for k, n in enumerate(SERIES_NAMES)}, index=index)
    frame["max_risk_usd"] = np.maximum.accumulate(frame["max_risk_usd"].to_numpy())
    frame.iloc[:3, 0] = np.nan  # PvR is NaN while nothing is at risk
    frame.iloc[5, 1] = -0.0
    frame.attrs.update(start_usd=1e6, risk_model="gross", resolution="intraday")
    values = encode(frame)
    back = decode({"run_id": 1, **values})
    pd.testing.assert_frame_equal(back, frame, check_freq=False)
    assert np.signbit(back.iloc[5, 1]) and back.attrs == frame.attrs
    # a random walk keeps most of its bytes; a running maximum (mostly repeats) almost none
    assert len(values["value_usd"]) < 2520 * 8
    assert len(values["max_risk_usd"]) < 2520 * 8 * 0.9
    assert len(values["session"]) < 200  # one day number each, stored as differences
    with pytest.raises(PvrInputError, match="one row per session, in date order"):
        encode(frame.iloc[::-1])
    with pytest.raises(PvrInputError, match="damaged"):
        decode({"run_id": 1, **values, "pvr_pct": b"\x02not zlib"})
    with pytest.raises(PvrInputError, match="has 10 values for 2520 sessions"):
        decode({"run_id": 1, **values, "qret_pct": encode(frame.iloc[:10])["qret_pct"]})


def test_a_failed_series_write_leaves_no_row(run, monkeypatch, pvr_home):
    ledger = RunLedger()
    first = record_run(run)

    def broken(conn, run_id, values):
        conn.execute("INSERT INTO series (run_id, sessions, session) VALUES (?, 1, x'00')", (run_id,))
        raise OSError("disk full")

    monkeypatch.setattr(series_table, "insert", broken)
    with pytest.raises(OSError, match="disk full"):
        record_run(run)
    assert ledger.count() == 1 and runs_with_series(ledger) == {first}


def test_old_ledger_opens_and_compares_with_summaries_only(tmp_path, run):
    """The v0 fixture (pvr-plugin 0.1.0): no series; its runs compare with their summary, and say so."""
    from pvr_plugin.views.comparison import create_comparison_tear_sheet
    from pvr_plugin.views.comparison_html import render_comparison_html

    path = tmp_path / "runs.sqlite"
    shutil.copy(TEST_DATA / "store" / "ledger_v0.sqlite", path)
    ledger = RunLedger(path)
    assert read_series(ledger, [1, 2, 3]) == {} and runs_with_series(ledger) == set()
    sheet = create_comparison_tear_sheet([1, 2], ledger=ledger, return_fig=True)
    assert sheet.table["run"].tolist() == ["#1 long_short", "#2 fixed_shares"]  # 0.0249 before 0.0159 %/day
    assert sheet.table["pvr_per_day_pct"].tolist() == [0.0249, 0.0159]
    assert sheet.table["series"].tolist() == [SUMMARY_ONLY, SUMMARY_ONLY]
    assert sheet.notes == [f"#1 long_short: {SUMMARY_ONLY}", f"#2 fixed_shares: {SUMMARY_ONLY}"]
    assert all(c.empty for c in sheet.curves.values())
    assert sum(len(ax.get_lines()) for ax in sheet.figure.axes) <= 6  # only the zero and one lines
    page = render_comparison_html(sheet.runs)
    assert "No run of this comparison has its per-session series" in page and SUMMARY_ONLY in page
    # a new run migrates the file in place: layout 3, the old rows untouched and still without series
    new_id = record_run(run, ledger=ledger)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert runs_with_series(ledger) == {new_id} == {4}
    mixed = create_comparison_tear_sheet([1, new_id], ledger=ledger, return_fig=True)
    assert mixed.table.set_index("run")["series"].to_dict() == {"#1 long_short": SUMMARY_ONLY,
                                                                "#4 fixed_long_short": "kept"}
    assert list(mixed.curves["pvr_pct"].columns) == ["#4 fixed_long_short"]
