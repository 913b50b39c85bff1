"""Comparing runs: curves equal to each frame's PvR and QRet by hand, ranked table, ids, files and frames alike."""
import numpy as np
import pandas as pd
import pytest

from pvr_plugin.adapters.runner import run_file
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store import RunLedger, record_run
from pvr_plugin.views.comparison import (
    CHARTS, ComparedRun, create_comparison_tear_sheet, load_runs, plot_comparison, run_colors,
)
from pvr_plugin.views.run_report import comparison_frame
from tests.conftest import REPO

HOLD = REPO / "tests" / "algos" / "hold_one.py"
LONG_SHORT = REPO / "tests" / "algos" / "fixed_long_short.py"


@pytest.fixture(scope="module")
def runs(zipline_root):
    """Two real backtests of different lengths: a held stock, and a fixed long/short book."""
    hold = run_file(HOLD, start="2021-01-04", end="2021-04-30", capital_base=50_000.0, metrics_set="pvr",
                    params={"ticker": "KO"})
    long_short = run_file(LONG_SHORT, start="2021-02-01", end="2021-05-28", capital_base=100_000.0,
                          metrics_set="pvr")
    return hold, long_short


def by_hand(perf, s):
    """PvR % and QRet % per session from the frame's closes, plain numpy (cash_or_short model)."""
    value = perf["portfolio_value"].to_numpy()
    cash_low = np.minimum.accumulate(np.minimum(perf["ending_cash"].to_numpy(), s))
    max_short = np.maximum.accumulate(np.maximum(-perf["short_value"].to_numpy(), 0.0))
    max_risk = np.maximum.accumulate(np.maximum(s - cash_low, max_short))
    with np.errstate(invalid="ignore", divide="ignore"):
        pvr = np.where(max_risk > 0, 100 * (value - s) / max_risk, np.nan)
    return pvr, 100 * (value - s) / s, max_risk, cash_low


def test_two_run_comparison_curves_equal_the_frames_pvr_and_qret(runs):
    hold, long_short = runs
    sheet = create_comparison_tear_sheet({"hold KO": hold.perf, "long/short": long_short.perf}, return_fig=True)
    for name, run in (("hold KO", hold), ("long/short", long_short)):
        pvr, qret, max_risk, cash_low = by_hand(run.perf, run.capital_base)
        dates = pd.DatetimeIndex(run.perf.index).tz_localize(None).normalize()
        curve = sheet.curves["pvr_pct"][name].dropna()
        np.testing.assert_allclose(sheet.curves["pvr_pct"][name].loc[dates].to_numpy(), pvr, rtol=1e-12)
        np.testing.assert_allclose(sheet.curves["qret_pct"][name].loc[dates].to_numpy(), qret, rtol=1e-12,
                                   atol=1e-12)
        np.testing.assert_array_equal(sheet.curves["max_risk_usd"][name].loc[dates].to_numpy(), max_risk)
        np.testing.assert_array_equal(sheet.curves["cash_low_usd"][name].loc[dates].to_numpy(), cash_low)
        assert curve.index.min() >= dates[0]
    # the union of sessions: the held stock from January, the long/short book from February
    pvr = sheet.curves["pvr_pct"]
    assert pvr.index[0] == pd.Timestamp("2021-01-04") and pvr.index[-1] == pd.Timestamp("2021-05-28")
    assert np.isnan(pvr.loc["2021-01-04", "long/short"]) and np.isnan(pvr.loc["2021-05-28", "hold KO"])
    # ranked by PvR %/day, the same figures as the ledger's comparison table
    table = sheet.table
    plain = comparison_frame({"hold KO": hold.perf, "long/short": long_short.perf})
    assert table["run"].tolist() == plain["run"].tolist()
    np.testing.assert_array_equal(table["pvr_per_day_pct"], plain["pvr_per_day_pct"])
    assert table["rank"].tolist() == [1, 2] and (table["series"] == "kept").all()
    per_day = {name: by_hand(run.perf, run.capital_base)[0][-1] / len(run.perf)
               for name, run in (("hold KO", hold), ("long/short", long_short))}
    assert table["run"].tolist() == sorted(per_day, key=per_day.get, reverse=True)
    np.testing.assert_allclose(table["pvr_per_day_pct"], [per_day[n] for n in table["run"]], rtol=1e-12)


def test_the_figure_draws_every_run_in_every_chart(runs):
    hold, long_short = runs
    loaded = load_runs({"hold KO": hold.perf, "long/short": long_short.perf})
    fig = plot_comparison(loaded)
    assert len(fig.axes) == len(CHARTS) == 5
    colors = run_colors(["hold KO", "long/short"])
    for ax, (quantities, _title) in zip(fig.axes, CHARTS):
        drawn = [line for line in ax.get_lines() if line.get_color() in {c for c, _ in colors.values()}]
        assert len(drawn) == 2 * len(quantities), ax.get_title()
    pvr_lines = [line for line in fig.axes[0].get_lines() if line.get_color() == colors["long/short"][0]]
    pvr, *_ = by_hand(long_short.perf, 100_000.0)
    np.testing.assert_allclose(np.asarray(pvr_lines[0].get_ydata(), float), pvr, rtol=1e-12)  # every session
    assert [t.get_text() for t in fig.legends[0].get_texts()] == sorted(
        ["hold KO", "long/short"], key=lambda n: -loaded[[r.name for r in loaded].index(n)].row["pvr_per_day_pct"])


def test_ledger_ids_files_and_frames_compare_alike(runs, tmp_path, pvr_home):
    hold, long_short = runs
    run_id = record_run(long_short)
    saved = tmp_path / "long_short.pkl"
    long_short.perf.to_pickle(saved)
    loaded = load_runs([run_id, str(saved), long_short.perf, hold])
    names = [r.name for r in loaded]
    assert names == ["#1 fixed_long_short", str(saved), "frame 3", "hold_one"]
    assert [r.settings["source"] for r in loaded] == ["ledger", "file", "frame", "run"]
    for other in loaded[1:3]:
        pd.testing.assert_frame_equal(other.series, loaded[0].series, check_freq=False)
        assert other.row["pvr_per_day_pct"] == pytest.approx(loaded[0].row["pvr_per_day_pct"], rel=1e-12)
    ledger_settings = loaded[0].settings
    assert ledger_settings["params"] == "{}" and ledger_settings["bundle"] == "pvr-demo"
    assert ledger_settings["start"] == "2021-02-01" and ledger_settings["data_frequency"] == "daily"
    assert loaded[3].settings["params"] == '{"ticker": "KO"}'
    sheet = create_comparison_tear_sheet(loaded, return_fig=True)
    assert len(sheet.settings) == 4 and sheet.settings["tag"].str.len().gt(0).all()
    assert list(sheet.settings.columns)[:3] == ["run", "source", "algorithm"]


def test_bad_items_are_one_line():
    with pytest.raises(PvrInputError, match="nothing to compare"):
        load_runs([])
    with pytest.raises(PvrInputError, match="cannot compare a list"):
        load_runs([[1, 2]])
    with pytest.raises(PvrInputError, match="no run 7"):
        load_runs([7], ledger=RunLedger())
    assert isinstance(ComparedRun("x", {}), ComparedRun)
