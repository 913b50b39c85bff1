"""Per-session series of a sweep's runs: what a worker returns, and windows of it.

A run's series is the frame the run ledger keeps of every recorded run
(:func:`pvr_plugin.store.series.session_series`: account value, cash, long
and short books, the platform's returns, PvR and its running extremes, one
row per session): a worker returns it with the run's row and the coordinator
records both in one transaction, so a resumed sweep has the series of its
earlier runs too. It is what the out-of-sample split and the overfitting
statistics need.

Windows (:func:`window_figures`). A window's figures come from the same
run's series, cut at the window's first and last session, with PvR's account
*restarted* at the window's start: the starting capital becomes the account
value at the previous close (the run's capital base when the window starts on
its first session), and cash low, max short and max risk run from the
window's first session. Positions held at the boundary are capital already
put to work, so they count as risk from the window's first close, as if a
fresh account had bought them at the previous close. Without the restart an
out-of-sample PvR would divide out-of-sample profit by in-sample risk, and a
variant that made money in sample would look less risky afterwards (cash
above the original capital is no "dip"). QRet is relative to the value
before the window; the Sharpe ratio uses the window's daily returns.

What the split does not redo: the algorithm's state and positions carry over
the boundary, as they would for a strategy that simply kept running (what an
out-of-sample test asks about); a separate backtest started at the boundary
would instead begin flat and pay again to build its book.

The extremes of a window are end-of-day values (the run's recorded intraday
extremes are running values from the run's start and cannot restart). In
daily backtests the two agree; in minute backtests a window's max risk can be
lower than the intraday one, so its PvR can be higher than the headline.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pvr_plugin.core import fields, research, stats
from pvr_plugin.core.overfit import risked_returns
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.series import session_series


def run_series(perf, start_usd):
    """The per-session series of one finished run (the frame the ledger keeps).

    Parameters
    ----------
    perf : pandas.DataFrame
        zipline's performance frame.
    start_usd : float
        The run's capital base (dollars).

    Returns
    -------
    pandas.DataFrame
        See :func:`pvr_plugin.store.series.session_series`.
    """
    return session_series(perf, start_usd=start_usd)


# ------------------------------------------------------------------ windows


WINDOW_FIGURES = ("first", "last", "sessions", "start_usd", "pvr_pct", "pvr_per_day_pct", "qret_pct",
                  "sharpe", "reason")


def _empty_window(first, last, reason, sessions=0):
    nan = math.nan
    return {"first": first, "last": last, "sessions": sessions, "start_usd": nan, "pvr_pct": nan,
            "pvr_per_day_pct": nan, "qret_pct": nan, "sharpe": nan, "reason": reason,
            "returns": np.array([]), "risked": np.array([])}


def window_figures(series, first=None, last=None):
    """A run's figures over sessions ``first``..``last``, PvR restarted at ``first``.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`run_series`, or as the run ledger keeps it
        (:func:`pvr_plugin.store.series.read_series`).
    first, last : date-like, optional
        Inclusive; default the run's first and last session.

    Returns
    -------
    dict
        :data:`WINDOW_FIGURES` (``first``/``last`` the window's sessions as
        ISO dates; ``start_usd`` the restarted capital; ``pvr_pct``,
        ``pvr_per_day_pct``, ``qret_pct`` percent; ``sharpe`` annualised, zero
        risk-free rate; ``reason`` why figures are NaN, else empty) plus the
        per-session ``returns`` (fractions, the platform's) and ``risked``
        (:func:`pvr_plugin.core.overfit.risked_returns`) arrays.
    """
    sessions = series.index.to_numpy(dtype="datetime64[ns]")
    lo = sessions[0] if first is None else np.datetime64(pd.Timestamp(first).normalize(), "ns")
    hi = sessions[-1] if last is None else np.datetime64(pd.Timestamp(last).normalize(), "ns")
    where = np.flatnonzero((sessions >= lo) & (sessions <= hi))
    iso = lambda d: str(pd.Timestamp(d).date())  # noqa: E731
    if len(where) == 0:
        return _empty_window(iso(lo), iso(hi), "no sessions of the run in this window")
    a, b = int(where[0]), int(where[-1]) + 1
    first_s, last_s = iso(sessions[a]), iso(sessions[b - 1])
    cols = {name: series[name].to_numpy(dtype=float) for name in
            ("value_usd", "cash_usd", "long_usd", "short_usd", "returns")}
    start = float(series.attrs["start_usd"]) if a == 0 else float(cols["value_usd"][a - 1])
    if not (math.isfinite(start) and start > 0):
        return _empty_window(first_s, last_s, f"the account value before the window is {start:g}: "
                                              "no capital to restart from", b - a)
    frame = pd.DataFrame({
        "ending_cash": cols["cash_usd"][a:b], "long_value": cols["long_usd"][a:b],
        "short_value": cols["short_usd"][a:b], "portfolio_value": cols["value_usd"][a:b],
    }, index=pd.DatetimeIndex(sessions[a:b]))
    try:
        daily = research.pvr_from_perf(frame, model=series.attrs["risk_model"], start_usd=start, resolution=fields.DAILY_BARS)
    except PvrInputError as exc:
        return _empty_window(first_s, last_s, str(exc), b - a)
    returns = cols["returns"][a:b]
    last_row = daily.iloc[-1]
    out = {
        "first": first_s, "last": last_s, "sessions": b - a, "start_usd": start,
        "pvr_pct": float(last_row["pvr_pct"]), "pvr_per_day_pct": float(last_row["pvr_per_day_pct"]),
        "qret_pct": float(last_row["qret_pct"]), "sharpe": stats.sharpe_ratio(returns),
        "reason": "", "returns": returns,
        "risked": risked_returns(daily["pnl_usd"].to_numpy(), daily["max_risk_usd"].to_numpy()),
    }
    if not math.isfinite(out["pvr_pct"]):
        out["reason"] = "nothing was at risk in this window: PvR is undefined"
    return out
