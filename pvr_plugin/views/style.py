"""Shared look of the tear sheets: pyfolio's, and the helpers every figure draws with.

pyfolio draws its tear sheets inside ``pyfolio.plotting.plotting_context()``
(seaborn's ``notebook`` context at ``font_scale=1.5`` with 1.5-point lines)
and ``pyfolio.plotting.axes_style()`` (seaborn's ``darkgrid``).
:data:`PYFOLIO_STYLE` is those two sets of matplotlib settings, written out so
that importing a view does not import seaborn (a test holds it equal to
pyfolio's own functions). Every tear sheet draws with :data:`BASE_STYLE`, so
the PvR, factsheet and inversion sheets look like the pyfolio figures they
sit beside.

:func:`sized` scales that look to a narrower figure, so that every figure
printed at the same width reads at the same type size. :class:`MoneyFormatter`
writes dollar ticks (``-$10.0M``, ``$1.5K``), :func:`legend_above` puts a
legend above its axes, where it covers no data, and :func:`note` writes a
small note in a corner of the axes (what a chart leaves out).

:data:`PAGE_STYLE` is the light look of the printed one-page factsheet
(small type on white), which is a product page, not a tear sheet.
"""

import math

import matplotlib

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import Formatter, MaxNLocator

BLUE = "#2a7ab0"
GREY = "#7f7f7f"
RED = "#c0392b"
#: pyfolio's colours: its strategy line (``forestgreen``), benchmark (``gray``) and losses.
PYFOLIO_GREEN = "forestgreen"
PYFOLIO_GREY = "gray"

# seaborn.plotting_context("notebook", font_scale=1.5, rc={"lines.linewidth": 1.5})
_PLOTTING_CONTEXT = {
    "axes.linewidth": 1.25, "grid.linewidth": 1, "lines.linewidth": 1.5, "lines.markersize": 6,
    "patch.linewidth": 1, "xtick.major.width": 1.25, "ytick.major.width": 1.25,
    "xtick.minor.width": 1, "ytick.minor.width": 1, "xtick.major.size": 6, "ytick.major.size": 6,
    "xtick.minor.size": 4, "ytick.minor.size": 4, "font.size": 18.0, "axes.labelsize": 18.0,
    "axes.titlesize": 18.0, "xtick.labelsize": 16.5, "ytick.labelsize": 16.5, "legend.fontsize": 16.5,
    "legend.title_fontsize": 18.0,
}
# seaborn.axes_style("darkgrid")
_AXES_STYLE = {
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15", "axes.axisbelow": True,
    "grid.linestyle": "-", "text.color": ".15", "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "image.cmap": "rocket", "xtick.top": False, "ytick.right": False, "axes.grid": True,
    "axes.facecolor": "#EAEAF2", "axes.edgecolor": "white", "grid.color": "white",
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True,
    "axes.spines.top": True, "xtick.bottom": False, "ytick.left": False,
}
#: pyfolio's ``plotting_context()`` and ``axes_style()`` as matplotlib rc settings.
PYFOLIO_STYLE = {**_PLOTTING_CONTEXT, **_AXES_STYLE}
# "rocket" is a colormap seaborn registers on import; plain matplotlib has
# none by that name, so the views name their colormaps themselves.
BASE_STYLE = {k: v for k, v in PYFOLIO_STYLE.items() if k != "image.cmap"}

PAGE_STYLE = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "legend.frameon": False,
}

#: pyfolio's sheets are 14 inches wide: :data:`BASE_STYLE`'s sizes are for that width.
BASE_WIDTH_IN = 14.0
_SIZES = ("font.size", "axes.labelsize", "axes.titlesize", "xtick.labelsize", "ytick.labelsize",
          "legend.fontsize", "legend.title_fontsize", "axes.linewidth", "grid.linewidth", "lines.linewidth",
          "lines.markersize", "patch.linewidth", "xtick.major.width", "ytick.major.width", "xtick.minor.width",
          "ytick.minor.width", "xtick.major.size", "ytick.major.size", "xtick.minor.size", "ytick.minor.size")
#: Type never shrinks below this share of pyfolio's sizes: a narrow figure gets relatively larger type.
MIN_SCALE = 0.6


def sized(width_in, **extra):
    """:data:`BASE_STYLE` for a figure ``width_in`` inches wide: sizes scaled by ``width_in / 14``.

    A figure half as wide, shown at the same width as a tear sheet, then has
    the same type size; ``extra`` rc settings are applied on top.
    """
    factor = max(MIN_SCALE, min(1.0, width_in / BASE_WIDTH_IN))
    scaled = {k: round(v * factor, 2) for k, v in BASE_STYLE.items() if k in _SIZES}
    return {**BASE_STYLE, **scaled, **extra}


# ------------------------------------------------------------------ money ticks

_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "K"))


def money_text(value, decimals=1):
    """Dollars as a tick shows them: ``-$10.0M``, ``$1.5K``, ``$950``, ``$0``; the sign before the ``$``."""
    if not math.isfinite(value):
        return "n/a"
    a = abs(value)
    sign = "-" if value < 0 and round(a, 2) > 0 else ""
    for size, letter in _UNITS:
        # 999,960 rounds to 1,000.0K: say 1.0M instead
        if round(a / size, decimals) >= 1.0:
            return f"{sign}${a / size:,.{decimals}f}{letter}"
    return f"{sign}${a:,.0f}"


class MoneyFormatter(Formatter):
    """Dollar tick labels with one unit for the whole axis and as few decimals as tell the ticks apart.

    ``[-1e7, -5e6, 0, 5e6]`` reads ``-$10M, -$5M, $0, $5M``; ``[0, 500, 1000, 1500]``
    reads ``$0, $500, $1,000, $1,500``. The minus is the typographic one when
    the style asks for it (``axes.unicode_minus``), as on matplotlib's own
    ticks. A single value (the cursor's read-out) is :func:`money_text`.
    """

    def __call__(self, x, pos=None):
        return money_text(x)

    def format_ticks(self, values):
        values = [float(v) for v in values]
        top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
        size, letter = next(((s, u) for s, u in _UNITS if top >= s * (10 if u == "K" else 1)), (1.0, ""))
        for decimals in range(0, 3):
            labels = [self._one(v, size, letter, decimals) for v in values]
            exact = all(abs(v / size - round(v / size, decimals)) < 1e-6 * max(1.0, abs(v / size)) for v in values)
            if len(set(labels)) == len(labels) and exact:
                break
        return [self.fix_minus(label) for label in labels]

    @staticmethod
    def _one(value, size, letter, decimals):
        a = abs(value)
        if round(a / size, decimals) == 0:
            return "$0"
        sign = "-" if value < 0 and round(a / size, decimals) > 0 else ""
        return f"{sign}${a / size:,.{decimals}f}{letter}"


class PercentTicks(Formatter):
    """Percent tick labels with as few decimals as the ticks need (``-10%, -5%, 0%``, ``0.5%, 1%``).

    ``xmax`` is the value that is 100% (1.0 for fractions, 100 for percent).
    """

    def __init__(self, xmax=1.0):
        self.xmax = xmax

    def __call__(self, x, pos=None):
        return self.format_ticks([x])[0]

    def format_ticks(self, values):
        pct = [100.0 * float(v) / self.xmax for v in values]
        for decimals in range(0, 4):
            if all(abs(p - round(p, decimals)) < 1e-6 * max(1.0, abs(p)) for p in pct if math.isfinite(p)):
                break
        return [self.fix_minus(_percent_text(p, decimals)) for p in pct]


def _percent_text(pct, decimals):
    if not math.isfinite(pct):
        return ""
    text = f"{abs(pct):,.{decimals}f}%"
    return ("-" + text) if pct < 0 and round(abs(pct), decimals) > 0 else text


def percent_axis(axis, xmax=1.0, nbins=6):
    """Percent ticks on ``axis`` at round steps (1, 2, 5 and their tens), at most ``nbins`` + 1 of them."""
    axis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(PercentTicks(xmax))


def date_axis(axis, maxticks=8):
    """Dates that fit: at most ``maxticks`` ticks, labelled concisely (``2022``, ``Mar``, ``15``).

    Full ``2022-03-15`` labels at a tear sheet's type size ran together on a
    few months of sessions.
    """
    locator = AutoDateLocator(minticks=3, maxticks=maxticks)
    axis.set_major_locator(locator)
    axis.set_major_formatter(ConciseDateFormatter(locator))


# ------------------------------------------------------------------ legends and notes


def _renderer(fig):
    canvas = fig.canvas
    if hasattr(canvas, "get_renderer"):
        return canvas.get_renderer()
    return fig._get_renderer()


def _plot_width_px(ax, fig):
    """The axes' width once laid out: a constrained layout gives it its grid columns, less the tick labels."""
    engine = fig.get_layout_engine()
    spec = ax.get_subplotspec()
    if engine is None or type(engine).__name__ != "ConstrainedLayoutEngine" or spec is None:
        return ax.get_position().width * fig.bbox.width
    columns = spec.get_gridspec().ncols
    share = (spec.colspan.stop - spec.colspan.start) / columns
    # about an inch and a half of y tick labels and axis label
    return share * fig.bbox.width - 1.5 * fig.dpi


def legend_above(ax, handles=None, labels=None, ncol=None, title=None, title_loc=None, **kwargs):
    """The axes' legend above its plot area, frameless, where it covers no data; returns the legend.

    The title (``title``, else the axes' own) is set at ``title_loc`` (default:
    the style's ``axes.titlelocation``, where a later ``set_title`` goes). The
    legend sits at the right of the title's line when both fit in the axes'
    width, else on its own line between the title and the plot. Call it after
    the data are drawn; the figure's layout makes room above.
    """
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if title is None:
        title = next((ax.get_title(loc) for loc in ("center", "left", "right") if ax.get_title(loc)), "")
    title_loc = title_loc or matplotlib.rcParams["axes.titlelocation"]
    fig = ax.get_figure(root=True)
    renderer = _renderer(fig)
    options = {"frameon": False, "borderaxespad": 0.2, "borderpad": 0.1, "handlelength": 1.8,
               "columnspacing": 1.2, **kwargs}
    legend = ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                       ncol=ncol or len(handles), **options)
    for loc in ("left", "center", "right"):
        ax.set_title("", loc=loc)
    shown = ax.set_title(title, loc=title_loc)
    width = legend.get_window_extent(renderer).width
    text = shown.get_window_extent(renderer).width if title else 0.0
    plot = _plot_width_px(ax, fig)
    gap = 0.3 * fig.dpi
    if (text + width + gap <= plot) if title_loc == "left" else (text / 2 + width + gap <= plot / 2):
        return legend
    ncol = ncol or len(handles)
    while True:
        legend = ax.legend(handles, labels, loc="lower left" if title_loc == "left" else "lower center",
                           bbox_to_anchor=(0.0 if title_loc == "left" else 0.5, 1.0), ncol=ncol, **options)
        # as many columns as fit across the plot
        if ncol == 1 or legend.get_window_extent(renderer).width <= plot:
            break
        ncol -= 1
    # the title's baseline goes above the legend's top by the title's descent and a gap
    above_pt = (legend.get_window_extent(renderer).y1 - ax.bbox.y1) * 72.0 / fig.dpi
    ax.set_title(title, loc=title_loc, pad=above_pt + 0.3 * shown.get_fontsize() + 3.0)
    return legend


def note(ax, text, where="lower right", **kwargs):
    """A small italic note on the axes: what the chart leaves out or how it is drawn.

    ``where`` is a corner inside the plot (``"lower right"``, ``"upper left"``
    ...; on a white box), or ``"below"``: under the plot and its tick
    labels, left-aligned, in place of the x axis label (the layout makes room).
    """
    # parse_math off: a note saying "$10k ... <= $0" is text, not a formula between two $
    options = {"fontsize": "small", "color": "dimgray", "style": "italic", "parse_math": False, **kwargs}
    if where == "below":
        label = ax.set_xlabel(text, loc="left", **options)
        # pandas' plotting hides the x label of axes that share x (pyfolio's charts draw with it)
        label.set_visible(True)
        return label
    options.setdefault("zorder", 6)
    options.setdefault("bbox", {"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 2})
    x = 0.995 if "right" in where else 0.005
    y = 0.03 if "lower" in where else 0.97
    return ax.text(x, y, text, transform=ax.transAxes, ha="right" if "right" in where else "left",
                   va="bottom" if "lower" in where else "top", **options)
