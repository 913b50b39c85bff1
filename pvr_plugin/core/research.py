"""PvR of finished backtests: per-day series, many runs at once, one-run summaries.

Everything here comes from the same definitions as the in-algorithm tracker
(:mod:`pvr_plugin.core.pvr`), applied to a finished run's daily rows:

* :func:`pvr_from_perf` - a zipline performance DataFrame (from
  ``run_algorithm``, ``pvr run --out`` or a saved pickle);
* :func:`~pvr_plugin.core.pyfolio_pvr.pvr_from_pyfolio` - pyfolio's ``returns``, ``positions`` (with a
  ``cash`` column) and ``transactions``, no zipline needed;
* :func:`pvr_daily` - either of the two, one entry point;
* :func:`pvr_all_models` - every risk model side by side;
* :func:`~pvr_plugin.core.many.pvr_many` - thousands of backtests as (days, runs) arrays;
* :func:`run_summary` / :func:`summarize` - one run's headline figures, and
  :func:`~pvr_plugin.core.summary.tag`, the short string for titles and file names.

No look-ahead: every value on day t uses days <= t only (running minima and
maxima), so the first k rows of a whole run equal the run cut after k days.

Resolution. The ``pvr`` metrics set records its running extremes in
``cash_low_usd``, ``max_short_usd``, ``max_gross_leverage`` and
``max_risk_usd``, and what they were measured from in ``pvr_resolution``:
every minute of a minute backtest (``'intraday'``) or each close of a daily
one (``'daily bars'``). When a frame has them they are used and the result
carries that label; otherwise the closes' ``ending_cash``, ``long_value``,
``short_value`` and ``gross_leverage`` columns are used and the result is
``'daily bars'``. Extremes at the closes can only be smaller: a dip that
recovered before the close is invisible at the close.

Units: ``_usd`` dollars, ``_pct`` percent, plain names fractions or ratios.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pvr_plugin.core import fields, stats
from pvr_plugin.core import pvr as core
from pvr_plugin.core.many import ManyRuns, pvr_many  # noqa: F401  (part of the research API)
from pvr_plugin.core.perf_frame import (  # noqa: F401  (DAILY_COLUMNS is part of the research API)
    DAILY_COLUMNS, _check_frame, _check_start, _daily_frame, _numeric,
)
from pvr_plugin.core.pyfolio_pvr import calendar_days, pvr_from_pyfolio  # noqa: F401  (part of the research API)
from pvr_plugin.core.summary import (  # noqa: F401  (RunSummary and tag are part of the research API)
    FIGURE_KEYS, RunSummary, iso_day, tag, undefined_reason, with_figures, without_return_figures,
)
from pvr_plugin.errors import PvrInputError

RESOLUTIONS = fields.RESOLUTIONS
# 'end_of_day' was this package's name for 'daily bars' before 0.2.
_RESOLUTION_ALIASES = {"end_of_day": fields.DAILY_BARS}
EOD_COLUMNS = ("ending_cash", "long_value", "short_value")
# The pvr metrics set's running extremes that make a frame "intraday".
INTRADAY_COLUMNS = tuple(fields.quantity(n).column for n in ("cash_low_usd", "max_short_usd", "max_leverage"))
#: The figures of a run summary (the ledger's and comparison tables' columns).
SUMMARY_KEYS = FIGURE_KEYS
# zipline's own cumulative risk figures, read from the last row when present.
ZIPLINE_RISK_COLUMNS = ("alpha", "beta", "sharpe", "max_drawdown")


# ------------------------------------------------------------------ per day


def start_from_perf(perf):
    """Starting capital of a zipline performance frame (dollars), from its first row.

    ``capital_base`` if present, else ``starting_cash + starting_value`` of
    the first day (the account value before the first bar), else the first
    day's portfolio value divided by ``1 + returns``. Only the first row is
    read, so a prefix of a run gives the same answer.
    """
    first = perf.iloc[:1]
    if "capital_base" in perf.columns:
        return _check_start(_numeric(first, "capital_base", "performance frame")[0])
    if "starting_cash" in perf.columns:
        s = _numeric(first, "starting_cash", "performance frame")[0]
        if "starting_value" in perf.columns:
            s += _numeric(first, "starting_value", "performance frame")[0]
        if s > 0:
            return float(s)
    if "portfolio_value" in perf.columns and "returns" in perf.columns:
        v = _numeric(first, "portfolio_value", "performance frame")[0]
        r = _numeric(first, "returns", "performance frame")[0]
        if r > -1 and v > 0:
            return float(v / (1.0 + r))
    raise PvrInputError(
        "cannot tell the starting capital from the performance frame "
        "(no capital_base, starting_cash or portfolio_value/returns); pass start_usd"
    )


def _intraday_ok(perf, model, leverage_limit, start_usd, own_start):
    """Can ``model``'s max risk be read from the ``pvr`` metrics set's columns?"""
    if not set(INTRADAY_COLUMNS) <= set(perf.columns):
        return False, "the frame has no intraday columns (run with metrics_set='pvr')"
    if own_start is None:
        return False, "the run's own starting capital is unknown"
    if not math.isclose(start_usd, own_start, rel_tol=1e-12):
        return False, f"start_usd {start_usd:g} differs from the run's own capital {own_start:g}"
    if model == "cash_or_short":
        return True, ""  # max(0, S - cash low, max short) is exact from the intraday extremes
    run_model = None
    if "risk_model" in perf.columns and "max_risk_usd" in perf.columns:
        models = perf["risk_model"].dropna().unique()
        run_model = models[0] if len(models) == 1 else None
    if run_model != model:
        return False, f"the run recorded intraday max risk for {run_model!r}, not {model!r}"
    if model == "margin" and leverage_limit != 1.0:
        return False, "the run recorded margin risk with leverage limit 1.0"
    return True, ""


def pvr_from_perf(perf, model="cash_or_short", start_usd=None, leverage_limit=1.0, resolution="auto"):
    """PvR per day of a finished zipline backtest, with no look-ahead.

    Parameters
    ----------
    perf : pandas.DataFrame
        A zipline performance frame: one row per session with at least
        ``ending_cash``, ``long_value`` and ``short_value`` (dollars).
        ``portfolio_value`` and ``gross_leverage`` are used when present
        (else ``cash + long + short`` and ``(long - short) / value``).
    model : str
        Risk model, one of :data:`pvr_plugin.core.pvr.RISK_MODELS`.
    start_usd : float, optional
        Starting capital S (dollars); default :func:`start_from_perf`.
    leverage_limit : float
        L of the ``margin`` model.
    resolution : {'auto', 'intraday', 'daily bars'}
        'auto' uses the ``pvr`` metrics set's extremes when the frame has them
        for this model (see the module notes), else the closes. 'intraday'
        refuses a frame without minute-bar extremes; 'daily bars' (or its old
        name 'end_of_day') uses the closes.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``perf``; columns :data:`~pvr_plugin.core.perf_frame.DAILY_COLUMNS`: ``days``
        (sessions so far), ``value_usd``, ``pnl_usd``, the close's
        ``cash_usd``/``long_usd``/``short_usd``/``leverage``/``risk_usd``,
        the running ``cash_low_usd``, ``max_short_usd``, ``max_leverage``,
        ``max_risk_usd``, ``pvr_pct``, ``pvr_per_day_pct``, ``qret_pct``,
        ``cagr`` (fraction) and ``resolution``. ``attrs`` holds
        ``resolution``, ``model``, ``start_usd`` and ``leverage_limit``.
        PvR is NaN (never inf) while nothing was at risk.

    Raises
    ------
    PvrInputError
        Not a DataFrame, no rows, a missing or non-numeric column, dates out
        of order, an unknown model or resolution.
    """
    what = "performance frame"
    _check_frame(perf, what)
    model = core.check_model(model)
    resolution = _RESOLUTION_ALIASES.get(resolution, resolution)
    if resolution not in ("auto", *RESOLUTIONS):
        raise PvrInputError(f"resolution must be 'auto', 'intraday' or 'daily bars', not {resolution!r}")
    missing = [c for c in EOD_COLUMNS if c not in perf.columns]
    if missing:
        shown = ", ".join(map(str, list(perf.columns)[:8])) or "none"
        raise PvrInputError(
            f"{what} has no {missing[0]!r} column: not a zipline performance frame (columns: {shown})"
        )
    cash = _numeric(perf, "ending_cash", what)
    long_ = _numeric(perf, "long_value", what)
    short = _numeric(perf, "short_value", what)
    value = _numeric(perf, "portfolio_value", what) if "portfolio_value" in perf.columns else cash + long_ + short
    lev = (_numeric(perf, "gross_leverage", what) if "gross_leverage" in perf.columns
           else core.gross_leverage(long_, short, value))
    if start_usd is None:
        s = own_start = start_from_perf(perf)
    else:
        s = _check_start(start_usd)
        try:
            own_start = start_from_perf(perf)
        except PvrInputError:
            own_start = None
    days = np.arange(1, len(perf) + 1)

    use_metric = False
    if resolution != fields.DAILY_BARS:
        use_metric, why = _intraday_ok(perf, model, leverage_limit, s, own_start)
        if use_metric and resolution == fields.INTRADAY and measured_at(perf) != fields.INTRADAY:
            use_metric, why = False, "the run had daily bars (a daily backtest sees only the closes)"
        if resolution == fields.INTRADAY and not use_metric:
            raise PvrInputError(f"no intraday PvR for model {model!r}: {why}")

    state = core.PvRState(s, model, leverage_limit)
    _, bars = core.advance(state, cash, long_, short, value, lev)
    if not use_metric:
        return _daily_frame(perf.index, s, days, cash, long_, short, value, lev, bars.risk_usd,
                            bars.cash_low_usd, bars.max_short_usd, bars.max_leverage,
                            bars.max_risk_usd, fields.DAILY_BARS, model, leverage_limit)

    # Intraday extremes from the metrics set; running min/max again is a no-op
    # on its (already running) columns and guarantees no look-ahead.
    cash_low = np.minimum.accumulate(np.minimum(_numeric(perf, "cash_low_usd", what), s))
    max_short = np.maximum.accumulate(np.maximum(_numeric(perf, "max_short_usd", what), 0.0))
    max_lev = np.fmax.accumulate(_numeric(perf, "max_gross_leverage", what))
    if model == "cash_or_short":
        max_risk = np.maximum.accumulate(np.maximum(np.maximum(s - cash_low, max_short), 0.0))
    else:
        max_risk = np.maximum.accumulate(_numeric(perf, "max_risk_usd", what))
    return _daily_frame(perf.index, s, days, cash, long_, short, value, lev, bars.risk_usd,
                        cash_low, max_short, max_lev, max_risk, measured_at(perf), model, leverage_limit)


def measured_at(perf):
    """What a ``pvr`` metrics-set frame's extremes were measured from.

    ``'intraday'`` for a minute backtest (every minute), ``'daily bars'`` for
    a daily one (each close), from the frame's ``pvr_resolution`` column. A
    frame saved before that column existed is judged by its fills: a fill
    away from the session's last minute can only come from minute bars.
    """
    column = fields.BY_NAME["resolution"].column
    if column in perf.columns:
        found = perf[column].dropna().unique()
        if len(found) == 1 and found[0] in RESOLUTIONS:
            return str(found[0])
    closes = perf["period_close"] if "period_close" in perf.columns else None
    if "transactions" in perf.columns and closes is not None:
        for txns, close in zip(perf["transactions"], closes):
            for t in txns if isinstance(txns, list) else ():
                if "dt" in t and pd.Timestamp(t["dt"]) < pd.Timestamp(close) - pd.Timedelta(minutes=1):
                    return fields.INTRADAY
    return fields.DAILY_BARS


def pvr_all_models(perf, models=core.RISK_MODELS, start_usd=None, leverage_limit=1.0, resolution="auto"):
    """:func:`pvr_from_perf` for several risk models, side by side.

    Returns
    -------
    pandas.DataFrame
        Columns a MultiIndex (model, quantity), e.g. ``out['gross', 'pvr_pct']``.
    """
    frames = {m: pvr_from_perf(perf, m, start_usd, leverage_limit, resolution) for m in models}
    return pd.concat(frames, axis=1, names=["model", "quantity"])


def pvr_daily(perf, positions=None, transactions=None, model=None, start_usd=None, leverage_limit=1.0,
              resolution="auto"):
    """PvR per day of a zipline frame or of pyfolio's inputs: one entry point for both.

    ``pvr_daily(perf)`` is :func:`pvr_from_perf` (the model defaulting to the
    frame's own, :func:`frame_model`); ``pvr_daily(returns, positions,
    transactions)`` is :func:`~pvr_plugin.core.pyfolio_pvr.pvr_from_pyfolio` (default model
    ``cash_or_short``). The result's ``attrs['resolution']`` says what the
    extremes were measured from: pyfolio's end-of-day positions reach
    ``'daily bars'`` only, so ``resolution='intraday'`` is refused for them.
    """
    if positions is None:
        if transactions is not None:
            raise PvrInputError("transactions given without positions: pass pyfolio's positions too")
        return pvr_from_perf(perf, frame_model(perf) if model is None else model, start_usd,
                             leverage_limit, resolution)
    resolution = _RESOLUTION_ALIASES.get(resolution, resolution)
    if resolution == fields.INTRADAY:
        raise PvrInputError("no intraday PvR from pyfolio's positions: they are end-of-day values "
                            "(pass the zipline frame of a minute run made with metrics_set='pvr')")
    if resolution not in ("auto", fields.DAILY_BARS):
        raise PvrInputError(f"resolution must be 'auto', 'intraday' or 'daily bars', not {resolution!r}")
    return pvr_from_pyfolio(perf, positions, transactions, "cash_or_short" if model is None else model,
                            start_usd, leverage_limit)


# ------------------------------------------------------------------ summaries


def summarize(daily, returns=None, alpha=math.nan, beta=math.nan, sharpe=None, max_drawdown=None):
    """One run's :class:`~pvr_plugin.core.summary.RunSummary` from a per-day PvR frame.

    Parameters
    ----------
    daily : pandas.DataFrame
        From :func:`pvr_from_perf` or :func:`~pvr_plugin.core.pyfolio_pvr.pvr_from_pyfolio`.
    returns : array_like, optional
        Daily returns (fractions) for the Sharpe ratio when ``sharpe`` is not
        given.
    alpha, beta : float
        Known figures (e.g. zipline's); NaN when unknown.
    sharpe : float, optional
        Default :func:`pvr_plugin.core.stats.sharpe_ratio` of ``returns``
        (NaN without them).
    max_drawdown : float, optional
        Fraction <= 0; default the deepest fall of the account values from
        their running peak, the start counting as the first peak.
    """
    last = daily.iloc[-1]
    s = float(daily.attrs.get("start_usd", last["value_usd"] - last["pnl_usd"]))
    if sharpe is None:
        sharpe = stats.sharpe_ratio(returns) if returns is not None else math.nan
    if max_drawdown is None:
        max_drawdown = stats.max_drawdown(_value_returns(daily["value_usd"].to_numpy(), s))
    pvr = daily["pvr_pct"].to_numpy(dtype=float)
    pvr_avg = float(np.nanmean(pvr)) if np.isfinite(pvr).any() else math.nan
    summary = RunSummary(
        **{k: last[k] for k in _FROM_LAST_DAY},
        resolution=str(daily.attrs.get("resolution", last["resolution"])),
        model=str(daily.attrs.get("model", "")), start_usd=s, pvr_avg_pct=pvr_avg,
        first_day=iso_day(daily.index[0]), last_day=iso_day(daily.index[-1]),
    )
    summary = with_figures(summary, alpha=float(alpha), beta=float(beta), sharpe=float(sharpe),
                           max_drawdown=float(max_drawdown), **{k: float(last[k]) for k in _FLOATS})
    # zipline (and empyrical) compute these from returns of an account whose
    # value crossed zero: numbers, but meaningless ones (alpha 6.7e20, Sharpe
    # 0.70 for a wiped-out account). Shown as NaN with the reason instead.
    reason = undefined_reason(daily["value_usd"].to_numpy(), daily.index, returns)
    return without_return_figures(summary, reason) if reason else summary


# Summary figures read from the per-day frame's last row.
_FROM_LAST_DAY = tuple(n for n in fields.names("summary") if n in DAILY_COLUMNS and n != "resolution")
_FLOATS = tuple(n for n in _FROM_LAST_DAY if n != "days")


def _value_returns(value_usd, start_usd):
    """Per-day returns of an account's values, the start as the value before day one."""
    v = np.asarray(value_usd, float)
    prev = np.r_[start_usd, v[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(prev > 0, v / np.where(prev > 0, prev, 1.0) - 1.0, np.nan)


def run_summary(perf, model=None, start_usd=None, leverage_limit=1.0, resolution="auto", positions=None,
                transactions=None):
    """Headline figures of a finished zipline backtest, or of pyfolio's inputs.

    PvR figures come from :func:`pvr_daily`; alpha, beta, Sharpe and max
    drawdown are zipline's own (the frame's last row) when the frame has them,
    else the Sharpe ratio and drawdown are computed from ``returns`` and the
    account values, and alpha and beta are NaN.

    Parameters
    ----------
    perf : pandas.DataFrame or pandas.Series
        A zipline performance frame, or pyfolio's ``returns`` when
        ``positions`` is given.
    model : str, optional
        Default: the frame's ``risk_model`` column (``pvr-*`` metrics sets),
        else ``'cash_or_short'``.
    start_usd, leverage_limit, resolution
        As in :func:`pvr_from_perf`.
    positions, transactions : pandas.DataFrame, optional
        pyfolio's, as in :func:`~pvr_plugin.core.pyfolio_pvr.pvr_from_pyfolio`.

    Returns
    -------
    RunSummary
    """
    daily = pvr_daily(perf, positions, transactions, model, start_usd, leverage_limit, resolution)
    if positions is not None:
        returns = perf.iloc[:, 0] if isinstance(perf, pd.DataFrame) else perf
        return summarize(daily, returns=returns.to_numpy(dtype=float))
    return summarize(daily, **return_figures(perf))


def return_figures(perf):
    """The return statistics a zipline frame carries, as :func:`summarize` takes them.

    zipline's own cumulative ``alpha``, ``beta``, ``sharpe`` and
    ``max_drawdown`` from the last row when present (None for the Sharpe
    ratio and drawdown when absent, so that :func:`summarize` computes them),
    and the ``returns`` column.
    """
    known = {}
    for name in ZIPLINE_RISK_COLUMNS:
        if name in perf.columns:
            value = pd.to_numeric(perf[name].iloc[-1:], errors="coerce").iloc[0]
            known[name] = float(value) if pd.notna(value) else math.nan
    returns = perf["returns"].to_numpy(dtype=float) if "returns" in perf.columns else None
    return dict(returns=returns, alpha=known.get("alpha", math.nan), beta=known.get("beta", math.nan),
                sharpe=known.get("sharpe"), max_drawdown=known.get("max_drawdown"))


def with_return_figures(summary, perf):
    """A tracker's summary completed with the return statistics of the run's frame.

    The tracker measures PvR from account values; alpha, beta, Sharpe and max
    drawdown come from the performance frame (:func:`return_figures`), unless
    they are undefined (the account reached zero: ``summary.nan_reason``).
    """
    if summary.nan_reason:
        return summary
    known = return_figures(perf)
    returns = known.pop("returns")
    reason = undefined_reason(np.ones(len(perf)), perf.index, returns) if returns is not None else ""
    if reason:
        return without_return_figures(summary, reason)
    if known["sharpe"] is None:
        known["sharpe"] = stats.sharpe_ratio(returns) if returns is not None else math.nan
    if known["max_drawdown"] is None:
        known["max_drawdown"] = stats.max_drawdown(returns) if returns is not None else math.nan
    return with_figures(summary, **known)


def frame_model(perf, default="cash_or_short"):
    """The risk model a ``pvr-*`` metrics set recorded in ``perf``, else ``default``."""
    if isinstance(perf, pd.DataFrame) and "risk_model" in perf.columns:
        models = perf["risk_model"].dropna().unique()
        if len(models) == 1 and models[0] in core.RISK_MODELS:
            return str(models[0])
    return default
