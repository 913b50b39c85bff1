"""PvR tear sheet: a finished backtest's PvR, cash, risk, leverage and shorts, pyfolio style.

:func:`create_pvr_tear_sheet` stacks five gridspec rows on one shared date
axis, like pyfolio's sheets: PvR % against the platform's return % (QRet),
cash with its running low, capital at risk with its running maximum, gross
leverage with its running maximum, and the short book with its running
maximum. It takes a zipline performance frame or pyfolio's ``returns``,
``positions`` and ``transactions``. The summary table comes back as a
DataFrame. Works headless (Agg).

The leverage row is pyfolio's ``plot_gross_leverage`` with PvR's running
maximum added. The other rows are drawn here: pyfolio has no chart of PvR,
of cash and its low, or of capital at risk, and its ``plot_exposures`` shows
the books as fractions of the account value, while PvR divides by the short
book in dollars and its running maximum.
"""
import matplotlib
import numpy as np
import pandas as pd
from matplotlib import gridspec
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from pvr_plugin.core import research
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views import pyfolio_plots, style

PVR_COLOUR = style.BLUE
QRET_COLOUR = style.GREY
RUNNING_COLOUR = style.RED
SHORT_COLOUR = "#8e44ad"
STYLE = style.BASE_STYLE
ROWS = ("pvr", "cash", "risk", "leverage", "short")
#: Height of a row in inches, as in pyfolio's sheets (6 inches a section).
ROW_INCHES = 6
_DAILY_NEEDED = set(research.DAILY_COLUMNS) - {"resolution"}


def _percent():
    # the percent values are already in percent; decimals follow the axis range
    return PercentFormatter(xmax=100.0, decimals=None)


def _dates(index):
    if isinstance(index, pd.DatetimeIndex):
        return index.tz_localize(None) if index.tz is not None else index
    return index


def daily_and_summary(perf, model=None, start_usd=None, leverage_limit=1.0, resolution="auto",
                      positions=None, transactions=None):
    """The per-day PvR frame and :class:`~pvr_plugin.core.summary.RunSummary` the sheet shows.

    ``perf`` is a zipline performance frame, the path of a saved one, a
    per-day frame already made by :func:`~pvr_plugin.core.research.pvr_from_perf`
    or :func:`~pvr_plugin.core.pyfolio_pvr.pvr_from_pyfolio`, or, with
    ``positions``, pyfolio's ``returns``.
    """
    if positions is not None or transactions is not None:
        _check_pyfolio(positions)
        daily = research.pvr_daily(perf, positions, transactions, model, start_usd, leverage_limit, resolution)
        returns = perf.iloc[:, 0] if isinstance(perf, pd.DataFrame) else perf
        return daily, research.summarize(daily, returns=returns.to_numpy(dtype=float))
    if isinstance(perf, (str, bytes)) or hasattr(perf, "__fspath__"):
        from pvr_plugin.store.files import load_frame

        perf = load_frame(perf)
    if isinstance(perf, pd.DataFrame) and _DAILY_NEEDED <= set(perf.columns) and "start_usd" in perf.attrs:
        if len(perf) == 0:
            raise PvrInputError("the per-day PvR frame is empty: no rows")
        return perf, research.summarize(perf)
    if isinstance(perf, pd.Series):
        raise PvrInputError("returns alone carry no cash or positions: pass pyfolio's positions too "
                            "(create_pvr_tear_sheet(returns, positions, transactions))")
    if model is None:
        model = research.frame_model(perf)
    daily = research.pvr_from_perf(perf, model, start_usd, leverage_limit, resolution)
    return daily, research.summarize(daily, **research.return_figures(perf))


def _check_pyfolio(positions):
    # create_pvr_tear_sheet(perf, "gross") meant the model before pyfolio's
    # positions took the second place.
    if isinstance(positions, str):
        raise PvrInputError(f"positions must be pyfolio's positions DataFrame, not {positions!r} "
                            "(give the risk model as model=...)")
    if positions is None:
        raise PvrInputError("transactions given without positions: pass pyfolio's positions too")


def summary_table(summary):
    """A :class:`~pvr_plugin.core.summary.RunSummary` as a one-column DataFrame (index: the figure's name)."""
    fields = summary.as_dict()
    order = list(research.SUMMARY_KEYS) + [k for k in fields if k not in research.SUMMARY_KEYS]
    return pd.DataFrame({"value": [fields[k] for k in order]},
                        index=pd.Index(order, name="figure"), dtype=object)


def plot_pvr_vs_returns(daily, ax):
    x = _dates(daily.index)
    ax.plot(x, daily["pvr_pct"].to_numpy(), color=PVR_COLOUR, linewidth=1.6, label="PvR %")
    # dashed and on top: when the whole capital is at work the two curves coincide
    ax.plot(x, daily["qret_pct"].to_numpy(), color=QRET_COLOUR, linewidth=1.2, linestyle="--",
            label="Returns % (QRet)")
    ax.axhline(0.0, color="black", linewidth=0.8, alpha=0.6)
    ax.set_ylabel("Percent")
    ax.yaxis.set_major_formatter(_percent())
    style.legend_above(ax, title="PvR vs returns: profit over capital put to work vs over starting capital",
                       title_loc="left")


def _close_and_running(ax, daily, now_col, now_label, running_col, running_label):
    """A value at each close, and its running extreme drawn as steps."""
    x = _dates(daily.index)
    ax.plot(x, daily[now_col].to_numpy(), color=PVR_COLOUR, linewidth=1.0, label=now_label)
    ax.plot(x, daily[running_col].to_numpy(), color=RUNNING_COLOUR, linewidth=1.6, drawstyle="steps-post",
            label=running_label)


def plot_cash(daily, ax, start_usd):
    _close_and_running(ax, daily, "cash_usd", "Cash at close", "cash_low_usd", "Cash low")
    ax.axhline(start_usd, color="black", linewidth=0.8, linestyle="--", alpha=0.6, label="Starting capital")
    ax.axhline(0.0, color="black", linewidth=0.8, alpha=0.6)
    ax.yaxis.set_major_formatter(style.MoneyFormatter())
    style.legend_above(ax, title="Cash and cash low (below zero: margin)", title_loc="left")


def plot_risk(daily, ax):
    _close_and_running(ax, daily, "risk_usd", "Risk at close", "max_risk_usd", "Max risk (PvR's denominator)")
    ax.yaxis.set_major_formatter(style.MoneyFormatter())
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(daily["risk_usd"].to_numpy(), initial=0.0))))
    style.legend_above(ax, title=f"Capital at risk ({daily.attrs.get('model', '')} model)", title_loc="left")


#: Leverage is drawn on a log scale when its highest value is this many times its median.
LOG_LEVERAGE_RATIO = 20.0


def undefined_leverage(value_usd):
    """True where leverage (gross book over account value) has no meaning: account value at or below $0."""
    return ~(np.asarray(value_usd, dtype=float) > 0)


def leverage_scale(leverage, running=()):
    """``(log_scale, note)``: a log scale when the highest leverage is more than
    :data:`LOG_LEVERAGE_RATIO` times the median, so the usual range stays readable.

    ``leverage`` holds the drawn (defined) values; ``running`` the running maximum, drawn too.
    """
    lev = np.asarray(leverage, dtype=float)
    shown = lev[np.isfinite(lev) & (lev > 0)]
    others = np.asarray(running, dtype=float)
    top = float(np.nanmax(np.concatenate([shown, others[np.isfinite(others)]]), initial=0.0))
    if not len(shown) or top <= LOG_LEVERAGE_RATIO * max(float(np.median(shown)), 1.0):
        return False, ""
    return True, (f"Log scale: leverage reaches {top:,.0f}x (median {float(np.median(shown)):,.1f}x); "
                  "closes without positions (0x) are off the scale.")


def undefined_note(undefined, dates):
    """``Not drawn: 65 closes with account value <= $0 ...``, or empty when there are none."""
    undefined = np.asarray(undefined, dtype=bool)
    if not undefined.any():
        return ""
    first = pd.Timestamp(dates[int(np.argmax(undefined))])
    return (f"Not drawn: {int(undefined.sum())} closes with account value <= $0 (leverage undefined), "
            f"the first {first:%Y-%m-%d}.")


def leverage_notes(daily):
    """What the leverage row cannot draw as is: ``(undefined, log_scale, notes)``.

    ``undefined`` marks the closes with an account value at or below zero
    (:func:`undefined_leverage`); they are left out, a gap. ``log_scale`` and
    its note come from :func:`leverage_scale`. ``notes`` says both in words.
    """
    undefined = undefined_leverage(daily["value_usd"].to_numpy(dtype=float))
    lev = np.where(undefined, np.nan, daily["leverage"].to_numpy(dtype=float))
    log_scale, scale_note = leverage_scale(lev, daily["max_leverage"].to_numpy(dtype=float))
    notes = [n for n in (undefined_note(undefined, _dates(daily.index)), scale_note) if n]
    return undefined, log_scale, notes


def plot_leverage(daily, ax):
    undefined, log_scale, notes = leverage_notes(daily)
    pyfolio_plots.plot_leverage_with_max(daily, ax, running_colour=RUNNING_COLOUR, undefined=undefined)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--", alpha=0.6)
    ax.set_ylabel("Ratio")
    if log_scale:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(leverage_ticks())
    style.legend_above(ax, title="Gross leverage and its maximum", title_loc="left")
    if notes:
        style.note(ax, "\n".join(notes), where="below")


def leverage_ticks():
    """Tick labels of leverage on a log scale: 0.1x, 1x, 10x, 100x."""
    return FuncFormatter(lambda y, _pos=None: f"{y:g}x")


def plot_short(daily, ax):
    x = _dates(daily.index)
    shorts = -daily["short_usd"].to_numpy()
    ax.yaxis.set_major_formatter(style.MoneyFormatter())
    title = "Short exposure (shown positive)"
    if not np.nanmax(daily["max_short_usd"].to_numpy(), initial=0.0) > 0:
        # nothing to draw: an empty panel with a single $0 tick and a word, not a scale of cents
        ax.set_ylim(0.0, 1.0)
        ax.set_yticks([0.0])
        ax.text(0.5, 0.5, "No short positions in this run", transform=ax.transAxes, ha="center", va="center",
                color="dimgray")
        ax.set_title(title, loc="left")
        return
    ax.fill_between(x, shorts, 0.0, color=SHORT_COLOUR, alpha=0.3, linewidth=0, label="Short book at close")
    ax.plot(x, daily["max_short_usd"].to_numpy(), color=RUNNING_COLOUR, linewidth=1.6, drawstyle="steps-post",
            label="Max short")
    ax.set_ylim(bottom=0.0)
    style.legend_above(ax, title=title, title_loc="left")


def plot_pvr_sheet(daily, summary, title=None, figure=None):
    """Draw the five rows on ``figure`` (default: a new Agg figure); return the figure."""
    with matplotlib.rc_context(STYLE):
        fig = figure
        if fig is None:
            fig = Figure(figsize=(14, ROW_INCHES * len(ROWS)))
            FigureCanvasAgg(fig)
        # constrained: room for each row's title, legend and notes, whatever their size
        fig.set_layout_engine("constrained", h_pad=0.15, hspace=0.02)
        grid = gridspec.GridSpec(len(ROWS), 1, figure=fig, height_ratios=(3, 2, 2, 2, 2))
        first = fig.add_subplot(grid[0])
        axes = [first] + [fig.add_subplot(grid[i], sharex=first) for i in range(1, len(ROWS))]
        for ax in axes[:-1]:
            ax.tick_params(labelbottom=False)
        plot_pvr_vs_returns(daily, axes[0])
        plot_cash(daily, axes[1], summary.start_usd)
        plot_risk(daily, axes[2])
        plot_leverage(daily, axes[3])
        plot_short(daily, axes[4])
        if isinstance(daily.index, pd.DatetimeIndex):
            style.date_axis(axes[-1].xaxis)  # shared: every row
        name = title or "PvR tear sheet"
        undefined = f"\nalpha, beta, Sharpe, drawdown n/a: {summary.nan_reason}" if summary.nan_reason else ""
        fig.suptitle(
            f"{name}: {summary.first_day} to {summary.last_day}  ({summary.resolution.replace('_', ' ')})\n"
            f"PvR {summary.pvr_pct:.2f}%  PvR/day {summary.pvr_per_day_pct:.4f}%  tag {summary.tag}{undefined}",
            x=0.01, ha="left", fontweight="bold",
        )
    return fig


def create_pvr_tear_sheet(perf, positions=None, transactions=None, model=None, start_usd=None,
                          leverage_limit=1.0, resolution="auto", title=None, return_fig=False):
    """PvR charts and summary of a finished backtest, in the style of pyfolio.

    ``create_pvr_tear_sheet(perf)`` for a zipline frame,
    ``create_pvr_tear_sheet(returns, positions, transactions)`` for pyfolio's
    inputs (in pyfolio's order). The title and the summary's ``resolution``
    say what the extremes were measured from: ``'intraday'`` for a minute
    run of the ``pvr`` metrics set, ``'daily bars'`` for the closes (always
    so from pyfolio's end-of-day positions).

    Parameters
    ----------
    perf : pandas.DataFrame, pandas.Series or path
        A zipline performance frame (or a saved ``.pkl``/``.parquet`` one:
        a pickle can run code when opened, so give only your own files), a
        per-day frame from :func:`~pvr_plugin.core.pyfolio_pvr.pvr_from_pyfolio`,
        or pyfolio's ``returns`` (with ``positions``).
    positions, transactions : pandas.DataFrame, optional
        pyfolio's (dollar values per asset and ``cash``; fills), as in
        :func:`~pvr_plugin.core.pyfolio_pvr.pvr_from_pyfolio`.
    model : str, optional
        Risk model; default the frame's own (``pvr-*`` metrics sets), else
        ``cash_or_short``.
    start_usd, leverage_limit, resolution
        As in :func:`pvr_plugin.core.research.pvr_from_perf`.
    title : str, optional
        Start of the figure's title.
    return_fig : bool
        Also return the figure (an Agg figure, not registered with pyplot).
        Otherwise the figure is made with pyplot, so notebooks show it.

    Returns
    -------
    pandas.DataFrame, or (matplotlib.figure.Figure, pandas.DataFrame)
        The summary table: one row per figure of
        :class:`~pvr_plugin.core.summary.RunSummary` (column ``value``).
    """
    daily, summary = daily_and_summary(perf, model, start_usd, leverage_limit, resolution, positions,
                                       transactions)
    figure = None
    if not return_fig:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=(14, ROW_INCHES * len(ROWS)))
    fig = plot_pvr_sheet(daily, summary, title=title, figure=figure)
    table = summary_table(summary)
    if return_fig:
        return fig, table
    return table
