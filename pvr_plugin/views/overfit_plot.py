"""Figure of a PBO result: the logit distribution and the in/out-of-sample pairs.

Built on matplotlib's object API with an Agg canvas (no pyplot state), like
the other tear sheets, so it works in scripts, servers and notebooks.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pvr_plugin.views import style

STYLE = {**style.BASE_STYLE, "legend.fontsize": 9}
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
        fig = Figure(figsize=(11 if pairs else 6.5, 4.2))
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
        ax.set_xlabel("logit of the in-sample winner's out-of-sample rank")
        ax.set_ylabel("share of combinations")
        ax.set_title(f"{pbo.combinations:,} combinations, {pbo.partitions} partitions "
                     f"({pbo.sessions_used} sessions); red: overfit, logit <= 0", fontsize=10)
        if pairs:
            ax2 = axes[1]
            unit = _UNITS.get(pbo.metric, pbo.metric)
            ax2.scatter(pbo.is_performance, pbo.oos_performance, s=6, alpha=0.4, color=style.BLUE)
            if math.isfinite(pbo.degradation_slope):
                x = np.array([np.nanmin(pbo.is_performance), np.nanmax(pbo.is_performance)])
                ax2.plot(x, pbo.degradation_intercept + pbo.degradation_slope * x, color=style.RED,
                         label=f"slope {pbo.degradation_slope:.2f}")
                ax2.legend(loc="best")
            ax2.axhline(0.0, color=style.GREY, linewidth=0.8)
            ax2.set_xlabel(f"in sample ({unit})")
            ax2.set_ylabel(f"out of sample ({unit})")
            ax2.set_title(f"the in-sample winner, out of sample (loss in {pbo.oos_loss_probability:.0%})",
                          fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig
