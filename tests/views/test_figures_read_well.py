"""Every figure the project draws, measured: no text on another text, none cut off, no repeated
tick labels, no legend on more than 5% of its points; on the embedded data and on an account that
goes below zero. What the fixes draw (the leverage gap, the empty short panel, the drawdown
legend, the bucket colours) is checked against numbers worked out from the runs' own frames."""
import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from pvr_plugin.adapters.runner import run_file
from pvr_plugin.core.factsheet import factsheet
from pvr_plugin.core.inversion import analyze_inversions
from pvr_plugin.core.overfit import probability_of_backtest_overfitting
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store import RunLedger
from pvr_plugin.views import comparison_html, factsheet_html
from pvr_plugin.views.comparison import load_runs, plot_comparison
from pvr_plugin.views.factsheet_tear import create_factsheet_tear_sheet
from pvr_plugin.views.inversion_tear import plot_inversions
from pvr_plugin.views.layout import layout_faults
from pvr_plugin.views.overfit_plot import logit_figure
from pvr_plugin.views.pvr_tear import create_pvr_tear_sheet
from pvr_plugin.views.sweep_views import plot_sweep_views
from tests.conftest import INVERSION_CSV, STRATEGIES

MAX_COVER = 0.05


def assert_reads_well(fig):
    faults = layout_faults(fig, max_cover=MAX_COVER)
    assert faults == [], "\n".join(faults)


@pytest.fixture(scope="module")
def runs(zipline_root):
    """A long/short book (shorts, $1M) and the $10,000 fixed_shares account, which goes below zero
    in May 2022: about four months each."""
    long_short = run_file(STRATEGIES / "long_short.py", start="2022-01-03", end="2022-06-30",
                          capital_base=1_000_000.0, metrics_set="pvr")
    wiped = run_file(STRATEGIES / "fixed_shares.py", start="2022-03-01", end="2022-06-30",
                     capital_base=10_000.0, metrics_set="pvr")
    assert (wiped.perf["portfolio_value"] <= 0).sum() > 10  # the case this file is about
    return long_short.perf, wiped.perf


@pytest.fixture(scope="module")
def quintiles():
    frame = pd.read_csv(INVERSION_CSV)
    frame.index = pd.to_datetime(frame.pop("Period"), format="%m/%d/%Y")
    return frame / 100.0


# ------------------------------------------------------------------ PvR tear sheet


def test_pvr_tear_sheet_of_a_long_short_book_reads_well(runs):
    fig, _ = create_pvr_tear_sheet(runs[0], title="long_short", return_fig=True)
    assert_reads_well(fig)
    ticks = [t.get_text() for t in fig.axes[4].get_yticklabels()]
    assert "$0" in ticks and any(t.endswith("K") for t in ticks)  # the short book, $100K steps


def test_pvr_tear_sheet_of_a_wiped_out_account_reads_well_and_says_what_it_leaves_out(runs):
    perf = runs[1]
    fig, _ = create_pvr_tear_sheet(perf, title="fixed_shares $10,000", return_fig=True)
    assert_reads_well(fig)
    lev_ax, short_ax = fig.axes[3], fig.axes[4]
    # by hand: leverage is undefined where the account value is at or below zero: those closes are a gap
    value = perf["portfolio_value"].to_numpy()
    gone = value <= 0
    at_close = [ln for ln in lev_ax.get_lines() if ln.get_label() == "Gross leverage at close"][0]
    drawn = np.asarray(at_close.get_ydata(), dtype=float)
    assert np.isnan(drawn[gone]).all() and np.isfinite(drawn[~gone][1:]).all()
    lev = (perf["long_value"] - perf["short_value"]).to_numpy() / value
    np.testing.assert_allclose(drawn[~gone][1:], lev[~gone][1:], rtol=1e-9)
    first = pd.Timestamp(perf.index[np.argmax(gone)])
    note = lev_ax.get_xlabel()
    assert lev_ax.xaxis.label.get_visible()  # shown, not only set (pandas hides shared axes' labels)
    assert f"Not drawn: {gone.sum()} closes with account value <= $0" in note and f"{first:%Y-%m-%d}" in note
    # the highest leverage before the account went under is far above its median: a log scale, said so
    assert lev_ax.get_yscale() == "log" and "Log scale" in note
    # no shorts: a word in the panel and one $0 tick, no legend and no scale of cents
    assert short_ax.get_legend() is None
    assert [t.get_text() for t in short_ax.texts] == ["No short positions in this run"]
    assert [t.get_text() for t in short_ax.get_yticklabels()] == ["$0"]
    # dollars: the sign before the dollar
    cash_ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert any(t.startswith("\N{MINUS SIGN}$") for t in cash_ticks) and not any("$-" in t for t in cash_ticks)


# ------------------------------------------------------------------ inversion tear sheet


@pytest.mark.parametrize("cumulative", ["sum", "compound"])
def test_inversion_tear_sheet_reads_well_and_names_each_drawdown(quintiles, cumulative):
    result = analyze_inversions(quintiles, rolling=12, cumulative=cumulative)
    fig = plot_inversions(result)
    assert_reads_well(fig)
    ax = fig.axes[1]
    labels = [t.get_text() for t in ax.get_legend().get_texts()][1:]
    assert len(labels) == 5 == len(ax.patches)
    # the deepest drawdown, by hand from the quintiles: the curve's largest fall from a running peak
    spread = (quintiles["Ret5"] - quintiles["Ret1"]).to_numpy()
    curve = np.concatenate(([0.0], np.cumsum(spread))) if cumulative == "sum" else np.concatenate(
        ([1.0], np.cumprod(1 + spread)))
    peak = np.maximum.accumulate(curve)
    depth = (curve - peak).min() if cumulative == "sum" else (curve / peak - 1).min()
    assert labels[0].startswith(f"1. \N{MINUS SIGN}{abs(depth):.0%} ")
    # each label's colour is its span's colour
    for handle, span in zip(ax.get_legend().legend_handles[1:], ax.patches):
        assert matplotlib.colors.to_hex(handle.get_facecolor()) == matplotlib.colors.to_hex(span.get_facecolor())


def test_bucket_bars_mark_an_inversion_only_when_the_top_is_below_the_bottom(quintiles):
    # momentum quintiles: top 2.1% a month over bottom 1.7%, not inverted, whatever each bucket's sign
    clean = plot_inversions(analyze_inversions(quintiles, rolling=12)).axes[2]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in clean.patches]
    assert "#ff0000" not in colours and colours[0] == colours[4] != colours[1] == colours[2] == colours[3]
    # the same buckets with the top and the bottom swapped: top below bottom, the top bar red
    swapped = quintiles.rename(columns={"Ret1": "Ret5", "Ret5": "Ret1"})[quintiles.columns]
    fig = plot_inversions(analyze_inversions(swapped, rolling=12))
    assert_reads_well(fig)
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[2].patches]
    assert colours[4] == "#ff0000" and colours.count("#ff0000") == 1
    assert any("inverted" in t.get_text() for t in fig.axes[2].get_legend().get_texts())


# ------------------------------------------------------------------ factsheet


class _Recorded(Figure):
    """A real Figure that remembers itself, to measure the charts a page draws into its SVG."""

    made = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _Recorded.made.append(self)


def _page_figures(monkeypatch, module, render):
    _Recorded.made = []
    monkeypatch.setattr(module, "Figure", _Recorded)
    render()
    assert _Recorded.made
    return list(_Recorded.made)


def test_factsheet_figures_read_well(runs, monkeypatch):
    perf = runs[0]
    report = factsheet(perf, benchmarks=["SP500"], name="long_short")
    fig, _ = create_factsheet_tear_sheet(perf, report=report, return_fig=True)
    assert_reads_well(fig)
    # the page's charts, measured in the page's own type (as they are saved to SVG); the monthly
    # distribution's "-15.0%-10.0%-5.0%" ran together here
    for chart in _page_figures(monkeypatch, factsheet_html, lambda: factsheet_html.render_factsheet_html(report)):
        with matplotlib.rc_context(factsheet_html.CHART_STYLE):
            assert_reads_well(chart)


def test_factsheet_of_a_wiped_out_account_is_refused_in_one_line(runs):
    with pytest.raises(PvrInputError, match="undefined once an account reaches zero"):
        factsheet(runs[1], benchmarks=["SP500"], name="fixed_shares")


# ------------------------------------------------------------------ comparison, sweep, overfitting


def test_comparison_figures_read_well(runs, monkeypatch):
    compared = load_runs({"long_short $1M": runs[0], "fixed_shares $10k": runs[1]})
    fig = plot_comparison(compared)
    assert_reads_well(fig)
    lev = fig.axes[4]
    assert lev.get_yscale() == "log" and "fixed_shares $10k" in lev.get_xlabel() and lev.xaxis.label.get_visible()
    for chart in _page_figures(monkeypatch, comparison_html, lambda: comparison_html.render_comparison_html(compared)):
        with matplotlib.rc_context(factsheet_html.CHART_STYLE):
            assert_reads_well(chart)


@pytest.mark.parametrize("names", [("lookback",), ("lookback", "rebalance"), ("a", "b", "c")])
def test_sweep_views_read_well(tmp_path, names):
    values = {"lookback": (63, 126, 252), "rebalance": ("weekly", "monthly"), "a": (1, 2, 3), "b": ("x", "y"),
              "c": (10, 20)}
    ledger = RunLedger(tmp_path / "runs.sqlite")
    rng = np.random.default_rng(3)
    grid = np.array(np.meshgrid(*[np.arange(len(values[n])) for n in names])).T.reshape(-1, len(names))
    for row in grid:
        ledger.record({"sweep_id": "sw", "params": {n: values[n][k] for n, k in zip(names, row)},
                       "pvr_per_day_pct": float(rng.normal(0.01, 0.01))})
    assert_reads_well(plot_sweep_views(ledger.query(sweep_id="sw")))


def test_overfitting_figure_reads_well():
    noise = np.random.default_rng(7).normal(0.0, 0.01, (400, 10))
    assert_reads_well(logit_figure(probability_of_backtest_overfitting(noise, partitions=8)))
    assert_reads_well(logit_figure(probability_of_backtest_overfitting(np.zeros((10, 1)), partitions=2)))
