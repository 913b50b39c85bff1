"""Figure of a PBO result: the logit distribution and the in/out-of-sample pairs.

Built on matplotlib's object API with an Agg canvas (no pyplot state), like
the other tear sheets, so it works in scripts, servers and notebooks.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pvr_plugin.views import style

#: Width of the figure (inches) with both panels; one panel is half as wide, in the same type.
WIDTH_IN = 14.0
STYLE = style.BASE_STYLE
_UNITS = {"sharpe": "Sharpe ratio per session", "mean": "mean return per session"}


def logit_figure(pbo, title=None, pairs=True):
    """The CSCV logits as a histogram (overfit side in red), and the winners' pairs.

    Parameters
    ----------
    pbo : pvr_plugin.core.overfit.PboResult
    title : str, optional
        Default ``"Probability of backtest overfitting: 0.42"``.
    pairs : bool
        Add a second panel: each combination's in-sample best variant, its
        in-sample against its out-of-sample statistic, with the
        least-squares line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN if pairs else WIDTH_IN / 2, 6.0), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2 if pairs else 1, squeeze=False)[0]
        shown = "n/a" if not math.isfinite(pbo.pbo) else f"{pbo.pbo:.2f}"
        fig.suptitle(title or f"Probability of backtest overfitting: {shown}", x=0.01, ha="left",
                     fontweight="bold")
        ax = axes[0]
        if pbo.combinations == 0:
            ax.text(0.5, 0.5, f"undefined: {pbo.reason}", ha="center", va="center", wrap=True,
                    transform=ax.transAxes)
            ax.set_axis_off()
            for other in axes[1:]:
                other.set_axis_off()
            return fig
        logits = pbo.logits
        lo, hi = float(np.min(logits)), float(np.max(logits))
        span = max(hi - lo, 1.0)
        edges = np.linspace(lo - 0.02 * span, hi + 0.02 * span, min(40, max(8, pbo.combinations // 50)) + 1)
        # A bin edge just above 0, so a logit of exactly 0 (overfit) falls in a red bin.
        cut = 1e-9 * span
        if edges[0] < cut < edges[-1]:
            edges = np.unique(np.append(edges, cut))
        counts, edges = np.histogram(logits, bins=edges)
        share = counts / counts.sum()
        widths = np.diff(edges)
        colours = [style.RED if right <= cut else style.BLUE for right in edges[1:]]
        ax.bar(edges[:-1], share, width=widths, color=colours, alpha=0.8, align="edge", edgecolor="white",
               linewidth=0.5)
        ax.axvline(0.0, color=style.GREY, linewidth=1.0, linestyle="--")
        ax.set_xlabel("logit of the winner's out-of-sample rank")
        ax.set_ylabel("share of combinations")
        ax.set_title(f"{pbo.combinations:,} combinations of {pbo.partitions} parts ({pbo.sessions_used} sessions)"
                     "\nred: overfit (logit <= 0)", loc="left")
        if pairs:
            ax2 = axes[1]
            unit = _UNITS.get(pbo.metric, pbo.metric)
            ax2.scatter(pbo.is_performance, pbo.oos_performance, s=6, alpha=0.4, color=style.BLUE,
                        label="a combination's winner")
            if math.isfinite(pbo.degradation_slope):
                x = np.array([np.nanmin(pbo.is_performance), np.nanmax(pbo.is_performance)])
                ax2.plot(x, pbo.degradation_intercept + pbo.degradation_slope * x, color=style.RED,
                         label=f"least squares, slope {pbo.degradation_slope:.2f}")
            ax2.axhline(0.0, color=style.GREY, linewidth=0.8)
            ax2.xaxis.set_major_locator(MaxNLocator(nbins=5))
            ax2.set_xlabel(f"in sample ({unit})")
            ax2.set_ylabel("out of sample")
            style.legend_above(ax2, ncol=1, title=f"The in-sample winner out of sample\n"
                               f"(a loss in {pbo.oos_loss_probability:.0%})", title_loc="left",
                               markerscale=3)
    return fig
