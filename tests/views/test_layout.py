"""The layout checker on figures built to have (or not have) each fault, and dollar / percent ticks by hand."""
import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pvr_plugin.views.layout import legend_cover, layout_faults, repeated_ticks, text_overlaps, texts_outside
from pvr_plugin.views.style import MoneyFormatter, PercentTicks, legend_above, money_text


def _figure(width=4.0, height=4.0):
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def test_two_texts_on_one_spot_are_reported_and_apart_they_are_not():
    fig = _figure()
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.2, 0.5, "first words", transform=ax.transAxes)
    ax.text(0.25, 0.5, "second words", transform=ax.transAxes)  # starts inside the first
    found = text_overlaps(fig)
    assert len(found) == 1 and "first words" in found[0].first and "second words" in found[0].second
    assert found[0].area_px2 > 100

    apart = _figure()
    ax = apart.add_subplot()
    ax.set_axis_off()
    ax.text(0.05, 0.2, "first words", transform=ax.transAxes)
    ax.text(0.05, 0.8, "second words", transform=ax.transAxes)
    assert text_overlaps(apart) == [] and layout_faults(apart) == []


def test_tick_labels_that_run_together_are_reported():
    # 21 labels like "-20.0%" on a 2-inch axis: about 6 points each of space for 30-point-wide labels
    fig = _figure(2.0, 2.0)
    ax = fig.add_subplot()
    ax.set_xlim(-0.2, 0.2)
    ax.set_yticks([])
    ax.set_xticks([i / 100 for i in range(-20, 21, 2)])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos=None: f"{100 * x:.1f}%"))
    pairs = [(o.first, o.second) for o in text_overlaps(fig)]
    assert len([1 for a, b in pairs if "x tick" in a and "x tick" in b]) >= 15
    # three of them fit
    ax.set_xticks([-0.2, 0.0, 0.2])
    assert text_overlaps(fig) == []


def test_a_legend_box_on_a_title_is_an_overlap_but_its_own_texts_are_not():
    fig = _figure(4.0, 3.0)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line with a long label")
    ax.set_title("A title")
    # the legend's lower edge on the axes top, where the title is drawn
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 0.98))
    faults = text_overlaps(fig)
    assert any("A title" in o.first + o.second for o in faults)
    assert not any("legend 'a line" in o.first and "legend box" in o.second for o in faults)


def test_legend_over_known_points_covers_a_known_share():
    # 10 points along the top (y = 9.5) and 10 along the bottom (y = 0.5), x = 0.5 .. 9.5, and one
    # point outside the view that is not drawn. The legend is stretched over the left half of the top
    # strip (mode="expand", no pad): it covers the five top points with x < 5, and no bottom point.
    fig = _figure()
    ax = fig.add_subplot()
    xs = [i + 0.5 for i in range(10)]
    ax.plot(xs, [9.5] * 10, "o", label="top")
    ax.plot(xs, [0.5] * 10, "o")
    ax.plot([5.0], [20.0], "o")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.8, 0.5, 0.2), mode="expand", borderaxespad=0.0)
    (cover,) = legend_cover(fig)
    assert (cover.points, cover.covered) == (20, 5) and cover.share == 0.25
    assert any("covers 5 of 20 points (25.0%)" in f for f in layout_faults(fig))
    # moved above the axes, it covers nothing
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.0)
    (cover,) = legend_cover(fig)
    assert (cover.points, cover.covered) == (20, 0)


def test_bars_count_by_their_top_not_only_their_middle():
    # one bar from 0 to 10 of 12; a legend across the plot, centred at 9.6 and about 1.5 high,
    # covers the bar's top corners and top middle (y = 10), not its middle (5) or bottom: 3 of 9
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar([5.0], [10.0], width=4.0, label="bar")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 12.0)
    ax.legend(loc="center", bbox_to_anchor=(0.0, 0.75, 1.0, 0.1), mode="expand", borderaxespad=0.0, fontsize=14)
    (cover,) = legend_cover(fig)
    assert (cover.points, cover.covered) == (9, 3)


def test_repeated_tick_labels_and_texts_off_the_figure():
    fig = _figure()
    ax = fig.add_subplot()
    ax.set_ylim(0.0, 1.0)
    ax.set_yticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos=None: f"${y:,.0f}"))
    assert repeated_ticks(fig) == [("axes 0 y", ["$0", "$0", "$0", "$1", "$1", "$1"])]
    ax.set_yticks([0.0, 1.0])
    assert repeated_ticks(fig) == []
    fig.text(0.95, 0.5, "a note that runs off the right edge")
    assert texts_outside(fig) == ["figure text 'a note that runs off the right edge'"]


def test_legend_above_sits_beside_a_short_title_and_under_a_long_one():
    with matplotlib.rc_context({"font.size": 10, "legend.fontsize": 10, "axes.titlesize": 10}):
        for title, beside in (("Cash", True), ("A title long enough to fill the whole width of the axes", False)):
            fig = _figure(6.0, 3.0)
            fig.set_layout_engine("constrained")
            ax = fig.add_subplot()
            ax.plot(range(10), range(10), label="at close")
            ax.plot(range(10), range(10, 0, -1), label="running maximum")
            legend = legend_above(ax, title=title, title_loc="left")
            assert layout_faults(fig) == []
            renderer = fig.canvas.get_renderer()
            box = legend.get_window_extent(renderer)
            head = ax._left_title.get_window_extent(renderer)
            assert box.y0 >= ax.bbox.y1 - 1  # above the plot
            assert (box.x0 > head.x1) == beside and (box.y1 <= head.y0 + 1) == (not beside)


def test_money_ticks_by_hand():
    # single values: the sign before the dollar, one decimal in thousands and millions
    assert money_text(-10_000_000) == "-$10.0M"
    assert money_text(1_500) == "$1.5K"
    assert money_text(0.0) == "$0" and money_text(-0.004) == "$0"
    assert money_text(950) == "$950" and money_text(-999_960) == "-$1.0M" and money_text(2.5e9) == "$2.5B"
    with matplotlib.rc_context({"axes.unicode_minus": False}):
        f = MoneyFormatter()
        # one unit per axis, as few decimals as the ticks need
        assert f.format_ticks([-1e7, -5e6, 0.0, 5e6]) == ["-$10M", "-$5M", "$0", "$5M"]
        assert f.format_ticks([0, 2_500, 5_000, 7_500, 10_000]) == ["$0", "$2.5K", "$5.0K", "$7.5K", "$10.0K"]
        assert f.format_ticks([0, 500, 1_000, 1_500]) == ["$0", "$500", "$1,000", "$1,500"]
        assert f.format_ticks([-7e5, -6e5, 0]) == ["-$700K", "-$600K", "$0"]
        assert f.format_ticks([8e5, 9e5, 1e6, 1.1e6]) == ["$0.8M", "$0.9M", "$1.0M", "$1.1M"]
    with matplotlib.rc_context({"axes.unicode_minus": True}):
        assert MoneyFormatter().format_ticks([-1e7, 0.0]) == ["\N{MINUS SIGN}$10M", "$0"]


@pytest.mark.parametrize("xmax, values, labels", [
    (1.0, [-0.15, -0.10, -0.05, 0.0, 0.05], ["-15%", "-10%", "-5%", "0%", "5%"]),
    (1.0, [0.0, 0.005, 0.01, 0.015], ["0.0%", "0.5%", "1.0%", "1.5%"]),
    (100.0, [-1000.0, 0.0, 1000.0], ["-1,000%", "0%", "1,000%"]),
])
def test_percent_ticks_by_hand(xmax, values, labels):
    with matplotlib.rc_context({"axes.unicode_minus": False}):
        assert PercentTicks(xmax).format_ticks(values) == labels
