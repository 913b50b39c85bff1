"""Per-session series of a sweep's runs: what a worker returns, windows of it, where it is kept.

A run's series (:func:`run_series`) is one dict: the arrays of
:data:`ARRAY_KEYS`, one entry per session, and the scalars of
:data:`SCALAR_KEYS`. It is what the out-of-sample split and the overfitting
statistics need, and small (about 25 kB for 1.5 years of daily sessions).

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

Storage. Until the run ledger keeps series, the coordinator keeps each run's
series next to the ledger, ``<ledger folder>/sweep-series/<sweep id>/<hash of
params_key>.npz`` (plain numpy arrays, no pickle), written before the ledger
row, atomically, so a resumed sweep has the series of its earlier runs too.
"""
from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from pvr_plugin.core import research, stats
from pvr_plugin.core.overfit import risked_returns
from pvr_plugin.errors import PvrInputError

ARRAY_KEYS = (
    "session",        # datetime64[ns], the session's date
    "value_usd",      # account value at the close
    "cash_usd",       # cash at the close
    "long_usd",       # long book at the close
    "short_usd",      # short book at the close (<= 0, zipline's sign)
    "returns",        # the platform's daily return (fraction), from the capital base on day one
    "pvr_pct",        # the run's own PvR (intraday where the pvr metrics set ran), NaN without it
    "max_risk_usd",   # the run's own running max risk, NaN without it
)
SCALAR_KEYS = ("start_usd", "risk_model")
SERIES_FOLDER = "sweep-series"


def run_series(perf, start_usd):
    """The compact per-session series of one finished run (see the module notes).

    Parameters
    ----------
    perf : pandas.DataFrame
        zipline's performance frame.
    start_usd : float
        The run's capital base (dollars).

    Returns
    -------
    dict
        :data:`ARRAY_KEYS` -> numpy arrays, :data:`SCALAR_KEYS` -> scalars.
    """
    index = pd.DatetimeIndex(perf.index)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    n = len(perf)

    def column(name):
        if name not in perf.columns:
            return np.full(n, np.nan)
        return pd.to_numeric(perf[name], errors="coerce").to_numpy(dtype=float)

    value = column("portfolio_value")
    return {
        "session": index.normalize().to_numpy(dtype="datetime64[ns]"),
        "value_usd": value,
        "cash_usd": column("ending_cash"),
        "long_usd": column("long_value"),
        "short_usd": column("short_value"),
        "returns": column("returns"),
        "pvr_pct": column("pvr_pct"),
        "max_risk_usd": column("max_risk_usd"),
        "start_usd": float(start_usd),
        "risk_model": research.frame_model(perf),
    }


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
    series : dict
        From :func:`run_series`.
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
    sessions = series["session"]
    lo = sessions[0] if first is None else np.datetime64(pd.Timestamp(first).normalize(), "ns")
    hi = sessions[-1] if last is None else np.datetime64(pd.Timestamp(last).normalize(), "ns")
    where = np.flatnonzero((sessions >= lo) & (sessions <= hi))
    iso = lambda d: str(pd.Timestamp(d).date())  # noqa: E731
    if len(where) == 0:
        return _empty_window(iso(lo), iso(hi), "no sessions of the run in this window")
    a, b = int(where[0]), int(where[-1]) + 1
    first_s, last_s = iso(sessions[a]), iso(sessions[b - 1])
    start = series["start_usd"] if a == 0 else float(series["value_usd"][a - 1])
    if not (math.isfinite(start) and start > 0):
        return _empty_window(first_s, last_s, f"the account value before the window is {start:g}: "
                                              "no capital to restart from", b - a)
    frame = pd.DataFrame({
        "ending_cash": series["cash_usd"][a:b], "long_value": series["long_usd"][a:b],
        "short_value": series["short_usd"][a:b], "portfolio_value": series["value_usd"][a:b],
    }, index=pd.DatetimeIndex(sessions[a:b]))
    try:
        daily = research.pvr_from_perf(frame, model=series["risk_model"], start_usd=start, resolution="end_of_day")
    except PvrInputError as exc:
        return _empty_window(first_s, last_s, str(exc), b - a)
    returns = np.asarray(series["returns"][a:b], dtype=float)
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


# ------------------------------------------------------------------ storage


def series_folder(ledger_path, sweep_id):
    """Where a sweep's series are kept: next to the run ledger file."""
    return Path(ledger_path).parent / SERIES_FOLDER / str(sweep_id)


def _file(folder, params_key):
    return Path(folder) / (hashlib.sha256(params_key.encode("utf-8")).hexdigest()[:20] + ".npz")


def save_series(folder, params_key, series):
    """Write one run's series atomically (a temporary file, then a rename)."""
    path = _file(folder, params_key)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    arrays = {k: np.asarray(series[k]) for k in ARRAY_KEYS}
    arrays["start_usd"] = np.asarray(float(series["start_usd"]))
    arrays["risk_model"] = np.asarray(str(series["risk_model"]))
    arrays["params_key"] = np.asarray(params_key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError as exc:
        raise PvrInputError(f"cannot write the sweep's series under {path.parent}: {exc}") from None


def load_series(folder, params_key):
    """One run's series, or None when it was not kept (or is unreadable)."""
    path = _file(folder, params_key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["params_key"]) != params_key:
                return None
            out = {k: data[k] for k in ARRAY_KEYS}
            out["start_usd"] = float(data["start_usd"])
            out["risk_model"] = str(data["risk_model"])
    except (OSError, KeyError, ValueError):
        return None
    lengths = {len(out[k]) for k in ARRAY_KEYS}
    return out if len(lengths) == 1 and lengths != {0} else None
