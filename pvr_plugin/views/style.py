"""Shared look of the tear sheets (matplotlib rc settings and colours)."""

BLUE = "#2a7ab0"
GREY = "#7f7f7f"
RED = "#c0392b"

BASE_STYLE = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "legend.frameon": False,
}
