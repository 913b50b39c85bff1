"""The pyfolio-style factsheet tear sheet: tables as DataFrames, figure under Agg."""
import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from pvr_plugin.core.factsheet import factsheet
from pvr_plugin.core.factsheet.inputs import sp500_returns
from pvr_plugin.views.factsheet_tear import (
    create_factsheet_tear_sheet,
    plot_cumulative,
    plot_monthly_distribution,
)

TOL = 1e-10


@pytest.fixture(scope="module")
def strat():
    sp = sp500_returns().loc["2009-01-02":"2014-12-31"]
    rng = np.random.default_rng(9)
    return pd.Series(0.0002 + 0.6 * sp.to_numpy() + rng.normal(0, 0.004, len(sp)), sp.index, name="algo")


def test_tables_are_dataframes_matching_the_report(strat):
    tables = create_factsheet_tear_sheet(strat, benchmark_rets=["SP500", "SPY"], top_n=3)
    doc = factsheet(strat, benchmarks=["SP500", "SPY"], top_n=3).to_dict()
    assert set(tables) == {"return_statistics", "risk_statistics", "drawdowns", "monthly_returns",
                           "return_report", "worst_months", "expected_shortfall"}
    assert all(isinstance(t, pd.DataFrame) for t in tables.values())
    assert list(tables["risk_statistics"].columns) == ["algo", "SP500", "SPY"]
    assert tables["risk_statistics"].loc["sharpe", "algo"] == pytest.approx(doc["risk_statistics"]["sharpe"], abs=TOL)
    assert tables["return_statistics"].loc["cagr", "SPY"] == pytest.approx(
        doc["benchmarks"]["SPY"]["return_statistics"]["cagr"], abs=TOL)
    assert len(tables["drawdowns"]) == 3
    assert tables["drawdowns"]["depth"].iloc[0] == pytest.approx(doc["risk_statistics"]["max_drawdown"], abs=TOL)
    grid = tables["monthly_returns"]
    assert list(grid.index) == list(range(2009, 2015)) and grid.shape[1] == 13
    assert grid.loc[2012, "Year"] == pytest.approx(np.prod(1 + strat.loc["2012"].to_numpy()) - 1, abs=TOL)
    assert grid.loc[2012, "Mar"] == pytest.approx(doc["monthly_returns"]["2012-03"], abs=TOL)
    matplotlib.pyplot.close("all")


def test_return_fig_gives_a_figure_with_pyfolio_rows(strat, tmp_path):
    fig, tables = create_factsheet_tear_sheet(strat, benchmark_rets=["SP500"], risk_free=0.01,
                                              return_fig=True)
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Cumulative performance", "Underwater (drawdown from peak)", "Annual returns",
                      "Distribution of monthly returns", "Monthly returns (%)",
                      "Return report (rolling windows)", "Expected shortfall (monthly)"]
    # pyfolio's cumulative chart: growth of 1, so the strategy's curve ends at 1 + its total return.
    line = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "algo"][0]
    assert line.get_ydata()[-1] == pytest.approx(np.prod(1 + strat.to_numpy()), abs=TOL)
    out = tmp_path / "tear.png"
    fig.savefig(out, dpi=40)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert tables["return_statistics"].columns.tolist() == ["algo", "SP500"]


def test_plot_helpers_draw_the_given_data():
    fig = Figure()
    ax = fig.add_subplot()
    idx = pd.bdate_range("2020-01-01", periods=3)
    plot_cumulative({"a": pd.Series([0.0, 0.1, 0.2], idx), "b": pd.Series([0.0, -0.1, 0.05], idx)}, ax)
    ys = {ln.get_label(): ln.get_ydata().tolist() for ln in ax.get_lines() if ln.get_label() in "ab"}
    assert ys == {"a": [0.0, 0.1, 0.2], "b": [0.0, -0.1, 0.05]}
    ax2 = fig.add_subplot(2, 1, 2)
    plot_monthly_distribution([-0.01, 0.0, 0.01], {"a": [2, 3], "b": [1, 0]}, ax2)
    heights = [p.get_height() for p in ax2.patches]
    assert heights == [2, 3, 1, 0]


def test_no_benchmark_tear_sheet(strat):
    fig, tables = create_factsheet_tear_sheet(strat, benchmark_rets=None, return_fig=True)
    assert tables["risk_statistics"].columns.tolist() == ["algo"]
    assert np.isnan(tables["risk_statistics"].loc["beta", "algo"])
