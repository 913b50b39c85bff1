"""The inversion tear sheet: what is drawn and what is returned."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from pvr_plugin.store.inputs import load_bucket_returns
from pvr_plugin.views.inversion_tear import create_inversion_tear_sheet, figure_png
from pvr_plugin.views.inversion_text import summary_text
from tests.conftest import INVERSION_CSV as FIXTURE



@pytest.fixture(scope="module")
def raw():
    # Independent read of the fixture with plain pandas (percent -> fractions).
    frame = pd.read_csv(FIXTURE)
    frame.index = pd.to_datetime(frame.pop("Period"), format="%m/%d/%Y")
    return frame / 100.0


@pytest.fixture(scope="module")
def sheet():
    return create_inversion_tear_sheet(load_bucket_returns(FIXTURE), rolling=12, return_fig=True)


def test_spread_row(sheet, raw):
    spread = raw["Ret5"] - raw["Ret1"]
    ax = sheet.figure.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["Ret5 - Ret1"].get_ydata(), spread.to_numpy(), atol=1e-12)
    rolling = lines["12-period rolling mean"].get_ydata()
    assert np.isnan(rolling[0])
    assert rolling[20] == pytest.approx(spread.iloc[9:21].mean())
    assert any(np.allclose(line.get_ydata(), 0.0) for line in ax.get_lines())  # zero line
    shading = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(shading) == 1
    assert matplotlib.colors.to_hex(shading[0].get_facecolor()[0]) == "#ff0000"
    # Every shaded polygon lies at or below zero: only inversions are red.
    for path in shading[0].get_paths():
        assert path.vertices[:, 1].max() <= 1e-12
    rate = (spread < 0).mean()
    assert f"Inversions ({rate:.1%} of periods)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_cumulative_row_marks_worst_drawdowns(sheet, raw):
    spread = raw["Ret5"] - raw["Ret1"]
    ax = sheet.figure.axes[1]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), spread.cumsum().to_numpy(), atol=1e-12)
    spans = [p for p in ax.patches]
    assert len(spans) == 5 == len(sheet.drawdowns)
    curve = np.concatenate(([0.0], spread.cumsum().to_numpy()))
    worst = (curve - np.maximum.accumulate(curve)).min()
    assert sheet.drawdowns["depth"].iloc[0] == pytest.approx(worst)
    assert list(sheet.drawdowns["depth"]) == sorted(sheet.drawdowns["depth"])


def test_bucket_bars(sheet, raw):
    ax = sheet.figure.axes[2]
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, raw.mean().to_numpy(), atol=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]


def test_tables(sheet, raw):
    spread = raw["Ret5"] - raw["Ret1"]
    summary = sheet.summary["value"]
    assert summary["Periods"] == len(raw)
    assert summary["Inversions"] == int((spread < 0).sum())
    assert summary["Inversion rate"] == pytest.approx((spread < 0).mean())
    assert summary["Mean spread"] == pytest.approx(spread.mean())
    assert summary["Hit rate"] == pytest.approx((spread > 0).mean())
    assert summary["Start"] == "1991-02-28" and summary["End"] == "2022-12-31"
    assert list(sheet.episodes.columns) == ["start", "end", "length", "min_spread",
                                            "mean_spread", "max_spread"]
    assert sheet.episodes["length"].sum() == summary["Inversions"]
    assert summary["Episodes"] == len(sheet.episodes)


def test_png_and_no_figure_without_return_fig(sheet, raw):
    png = figure_png(sheet.figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    plain = create_inversion_tear_sheet(sheet.result)
    assert plain.figure is None
    assert plain.summary.equals(sheet.summary)
    page = plain._repr_html_()
    inverted = (raw["Ret5"] - raw["Ret1"]) < 0
    episodes = int((inverted & ~inverted.shift(fill_value=False)).sum())
    assert f"<h4>Inversion episodes ({episodes})</h4>" in page and page.count("<table") == 3


def test_degenerate_inputs_still_draw():
    one = pd.DataFrame({"a": [0.01], "b": [0.0]}, index=pd.to_datetime(["2020-01-31"]))
    sheet = create_inversion_tear_sheet(one, return_fig=True)
    assert sheet.result.inversions == 1 and len(sheet.figure.axes) == 3
    assert figure_png(sheet.figure)[:4] == b"\x89PNG"
    flat = pd.DataFrame({"a": [0.0] * 5, "b": [0.01] * 5},
                        index=pd.date_range("2020-01-31", periods=5, freq="ME"))
    sheet = create_inversion_tear_sheet(flat, return_fig=True)
    assert sheet.result.inversions == 0 and len(sheet.figure.axes[1].patches) == 0


def test_summary_text_in_plain_words(sheet, raw):
    spread = raw["Ret5"] - raw["Ret1"]
    text = summary_text(sheet.result)
    n_inv = int((spread < 0).sum())
    assert f"Inversions: {n_inv} of {len(raw)} periods ({n_inv / len(raw):.1%})" in text
    assert "values read as percent (detected)" in text
    assert "monthly periods from 1991-02-28 to 2022-12-31" in text
    assert "Runs test:" in text and "Newey-West t =" in text
    assert "\n" in text and "nan" not in text.lower().replace("n/a", "")


def test_one_period_inversion_is_shaded():
    frame = pd.DataFrame({"a": [0.0, 0.0, 0.0, 0.0], "b": [0.01, -0.02, 0.01, 0.03]},
                         index=pd.date_range("2020-01-31", periods=4, freq="ME"))
    ax = create_inversion_tear_sheet(frame, return_fig=True).figure.axes[0]
    shading = [c for c in ax.collections if isinstance(c, PolyCollection)][0]
    lows = [path.vertices[:, 1].min() for path in shading.get_paths()]
    assert len(lows) == 1 and lows[0] == pytest.approx(-0.02)
    # The shading starts and ends where the line crosses zero: a third of the way
    # from 0.01 down to -0.02, and two thirds of the way from -0.02 up to 0.01.
    days = matplotlib.dates.date2num(frame.index)
    vertices = shading.get_paths()[0].vertices
    below = vertices[vertices[:, 1] < -1e-12, 0]
    assert below.min() == pytest.approx(days[1]) == below.max()
    edges = list(vertices[vertices[:, 1] == 0.0, 0])
    assert pytest.approx(days[0] + (days[1] - days[0]) / 3) in edges
    assert pytest.approx(days[1] + (days[2] - days[1]) * 2 / 3) in edges


# ------------------------------------------------------------ long inputs: drawn downsampled


@pytest.fixture(scope="module")
def long_frame():
    """200,000 minute periods of two buckets, with one planted deep one-period inversion."""
    rows = 200_000
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"low": rng.normal(0.0, 0.01, rows), "high": rng.normal(0.0004, 0.01, rows)},
                         index=pd.date_range("2001-01-02 09:30", periods=rows, freq="min"))
    frame.iloc[123_457, 1] = -0.5  # the spread's lowest value, a single period
    frame.iloc[150_000:150_500, 1] = np.nan  # skipped periods, over several time spans
    return frame


@pytest.fixture(scope="module")
def long_sheet(long_frame):
    return create_inversion_tear_sheet(long_frame, rolling=500, return_fig=True)


def bucket_extremes(series, buckets):
    """Dates of the first lowest and first highest value in each of ``buckets`` equal time spans.

    Worked out with pandas groupby, independently of the chart's numpy code.
    """
    times = series.index.asi8.astype(float)
    span = (times - times[0]) / (times[-1] - times[0]) * buckets
    group = np.minimum(np.floor(span), buckets - 1).astype(int)
    grouped = series.groupby(group)
    return set(grouped.idxmin().dropna()) | set(grouped.idxmax().dropna())


def test_long_spread_is_drawn_downsampled_keeping_its_extremes(long_sheet, long_frame):
    from pvr_plugin.views.inversion_tear import DRAW_BUCKETS

    spread = long_frame["high"] - long_frame["low"]
    ax = long_sheet.figure.axes[0]
    line = {line.get_label(): line for line in ax.get_lines()}["high - low"]
    dates = pd.DatetimeIndex(line.get_xdata())  # the dates as given to the chart
    values = line.get_ydata()
    assert len(values) <= 2 * DRAW_BUCKETS + 2 < len(spread) / 40
    # Every drawn point is a real period, and the lowest and highest of each span are drawn.
    np.testing.assert_array_equal(values, spread.reindex(dates).to_numpy())
    drawn = set(dates[~np.isnan(values)])
    assert drawn == bucket_extremes(spread, DRAW_BUCKETS)
    assert np.nanmin(values) == spread.min() == pytest.approx(-0.5 - long_frame["low"].iloc[123_457])
    assert np.nanmax(values) == spread.max()
    assert np.isnan(values).any()  # the skipped periods still break the line
    # The planted inversion is shaded down to its depth.
    shading = [c for c in ax.collections if isinstance(c, PolyCollection)][0]
    assert min(path.vertices[:, 1].min() for path in shading.get_paths()) == spread.min()
    notes = [t.get_text() for t in ax.texts]
    assert any(t.startswith("Drawn downsampled: 200,000 periods") for t in notes), notes


def test_long_input_statistics_use_every_period(long_sheet, long_frame):
    spread = (long_frame["high"] - long_frame["low"]).dropna()
    summary = long_sheet.summary["value"]
    inverted = spread < 0
    assert summary["Periods"] == 200_000 and summary["Periods skipped"] == 500
    assert summary["Inversions"] == int(inverted.sum())
    assert summary["Mean spread"] == pytest.approx(spread.mean(), rel=1e-12)
    assert summary["Hit rate"] == pytest.approx((spread > 0).mean(), rel=1e-12)
    ax = long_sheet.figure.axes[0]
    rate = inverted.mean()
    assert f"Inversions ({rate:.1%} of periods)" in [t.get_text() for t in ax.get_legend().get_texts()]
    # The cumulative curve is downsampled too, and still reaches its lowest and highest sums.
    curve = spread.cumsum()
    drawn = ax.figure.axes[1].get_lines()[0].get_ydata()
    assert len(drawn) < len(curve) / 40
    assert drawn.min() == pytest.approx(curve.min(), abs=1e-9)
    assert drawn.max() == pytest.approx(curve.max(), abs=1e-9)
    assert any(t.get_text().startswith("Drawn downsampled") for t in ax.figure.axes[1].texts)


def test_short_input_is_drawn_whole(sheet):
    assert all(not t.get_text().startswith("Drawn downsampled")
               for ax in sheet.figure.axes for t in ax.texts)
