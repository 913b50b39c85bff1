"""PvR tear sheet: five rows on one date axis, the data they draw, the summary table, headless."""
import io

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from pvr_plugin.core import research
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views.pvr_tear import create_pvr_tear_sheet
from tests.conftest import pyfolio_example

matplotlib.use("Agg")


def hand_frame():
    return pd.DataFrame({
        "starting_cash": [1000.0, 1000.0, 400.0, -200.0],
        "ending_cash": [1000.0, 400.0, -200.0, 500.0], "long_value": [0.0, 620.0, 1250.0, 1300.0],
        "short_value": [0.0, 0.0, 0.0, -700.0], "portfolio_value": [1000.0, 1020.0, 1050.0, 1100.0],
        "sharpe": [np.nan, 1.0, 1.1, 1.2], "max_drawdown": [0.0, 0.0, 0.0, -0.01],
    }, index=pd.date_range("2021-01-04", periods=4, tz="UTC"))


def line(ax, label):
    found = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert len(found) == 1, [ln.get_label() for ln in ax.get_lines()]
    return np.asarray(found[0].get_ydata(), dtype=float)


def test_rows_share_the_date_axis_and_draw_the_numbers():
    fig, table = create_pvr_tear_sheet(hand_frame(), title="Hand", return_fig=True)
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 5
    for ax in axes[1:]:
        assert axes[0].get_shared_x_axes().joined(axes[0], ax)
    titles = [ax.get_title(loc="left") for ax in axes]
    assert titles[0].startswith("PvR vs returns") and titles[1].startswith("Cash")
    assert titles[2].startswith("Capital at risk") and titles[3].startswith("Gross leverage")
    assert titles[4].startswith("Short exposure")
    # PvR: profit over max risk; max risk 0, 600, 1200, 1200 (cash 1000 -> -200)
    np.testing.assert_allclose(line(axes[0], "PvR %"), [np.nan, 100 * 20 / 600, 100 * 50 / 1200, 100 * 100 / 1200])
    np.testing.assert_allclose(line(axes[0], "Returns % (QRet)"), [0, 2, 5, 10])
    np.testing.assert_allclose(line(axes[1], "Cash low"), [1000, 400, -200, -200])
    np.testing.assert_allclose(line(axes[2], "Max risk (PvR's denominator)"), [0, 600, 1200, 1200])
    np.testing.assert_allclose(line(axes[3], "Max leverage"), [0, 620 / 1020, 1250 / 1050, 2000 / 1100])
    np.testing.assert_allclose(line(axes[4], "Max short"), [0, 0, 0, 700])
    assert "Hand: 2021-01-04 to 2021-01-07" in fig._suptitle.get_text()
    # the summary is data, not only a picture
    assert isinstance(table, pd.DataFrame) and list(table.columns) == ["value"]
    assert table.loc["pvr_pct", "value"] == pytest.approx(100 * 100 / 1200)
    assert table.loc["max_risk_usd", "value"] == 1200
    # by hand from hand_frame: cash 1000 -> -200 (cash low), shorts 700 on the last day,
    # gross leverage then (1300 + 700) / 1100, value 1100 on 1000 (QRet 10 %)
    assert table.loc["cash_low_usd", "value"] == -200 and table.loc["max_short_usd", "value"] == 700
    assert table.loc["max_leverage", "value"] == pytest.approx(2000 / 1100)
    assert table.loc["qret_pct", "value"] == pytest.approx(10.0)
    assert table.loc["pvr_per_day_pct", "value"] == pytest.approx(100 * 100 / 1200 / 4)
    assert table.loc["days", "value"] == 4 and table.loc["resolution", "value"] == "daily bars"
    assert table.loc["tag", "value"] in fig._suptitle.get_text()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=40)
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pyfolio_example_summary_equals_run_summary():
    perf = pyfolio_example()
    table = create_pvr_tear_sheet(perf)  # pyplot figure, as in a notebook
    import matplotlib.pyplot as plt

    assert plt.get_fignums()
    plt.close("all")
    want = research.run_summary(perf).as_dict()
    for key in research.SUMMARY_KEYS:
        got = table.loc[key, "value"]
        if isinstance(want[key], float) and np.isnan(want[key]):
            assert np.isnan(got)
        else:
            assert got == want[key], key


def test_other_model_and_pyfolio_daily_frame():
    from pyfolio.utils import extract_rets_pos_txn_from_zipline

    perf = pyfolio_example()
    fig, table = create_pvr_tear_sheet(perf, model="gross", return_fig=True)
    assert table.loc["model", "value"] == "gross"
    assert "gross model" in fig.axes[2].get_title(loc="left")
    returns, positions, _ = extract_rets_pos_txn_from_zipline(perf.copy())
    daily = research.pvr_from_pyfolio(returns, positions)
    fig2, table2 = create_pvr_tear_sheet(daily, return_fig=True)
    # from pyfolio's inputs: the same max risk as from the zipline frame
    assert table2.loc["max_risk_usd", "value"] == pytest.approx(research.run_summary(perf).max_risk_usd)
    assert table2.loc["model", "value"] == "cash_or_short"
    assert len(fig2.axes) == 5


def test_saved_frame_and_bad_inputs(tmp_path):
    path = tmp_path / "perf.pkl"
    hand_frame().to_pickle(path)
    _, table = create_pvr_tear_sheet(path, return_fig=True)
    assert table.loc["days", "value"] == 4
    with pytest.raises(PvrInputError, match="no 'ending_cash' column"):
        create_pvr_tear_sheet(pd.DataFrame({"returns": [0.01]}), return_fig=True)
    with pytest.raises(PvrInputError, match="is empty"):
        create_pvr_tear_sheet(hand_frame().iloc[:0], return_fig=True)
    (tmp_path / "notes.pkl").write_text("not a pickle")
    with pytest.raises(PvrInputError, match="not a pandas pickle"):
        create_pvr_tear_sheet(tmp_path / "notes.pkl", return_fig=True)
