"""Shared look of the tear sheets: pyfolio's.

pyfolio draws its tear sheets inside ``pyfolio.plotting.plotting_context()``
(seaborn's ``notebook`` context at ``font_scale=1.5`` with 1.5-point lines)
and ``pyfolio.plotting.axes_style()`` (seaborn's ``darkgrid``).
:data:`PYFOLIO_STYLE` is those two sets of matplotlib settings, written out so
that importing a view does not import seaborn (a test holds it equal to
pyfolio's own functions). Every tear sheet draws with :data:`BASE_STYLE`, so
the PvR, factsheet and inversion sheets look like the pyfolio figures they
sit beside.

:data:`PAGE_STYLE` is the light look of the printed one-page factsheet
(small type on white), which is a product page, not a tear sheet.
"""

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
