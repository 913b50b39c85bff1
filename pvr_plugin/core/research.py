"""PvR of finished backtests: per-day series, many runs at once, one-run summaries.

Everything here comes from the same definitions as the in-algorithm tracker
(:mod:`pvr_plugin.core.pvr`), applied to a finished run's daily rows:

* :func:`pvr_from_perf` - a zipline performance DataFrame (from
  ``run_algorithm``, ``pvr run --out`` or a saved pickle);
* :func:`pvr_from_pyfolio` - pyfolio's ``returns`` and ``positions`` (with a
  ``cash`` column), no zipline needed;
* :func:`pvr_all_models` - every risk model side by side;
* :func:`pvr_many` - thousands of backtests as (days, runs) arrays;
* :func:`run_summary` / :func:`summarize` - one run's headline figures, and
  :func:`tag`, the short string for titles and file names.

No look-ahead: every value on day t uses days <= t only (running minima and
maxima), so the first k rows of a whole run equal the run cut after k days.

Resolution. The ``pvr`` metrics set records intraday extremes (every minute
of a minute backtest) in ``cash_low_usd``, ``max_short_usd``,
``max_gross_leverage`` and ``max_risk_usd``. When a frame has them they are
used and the result is marked ``'intraday'``; otherwise the end-of-day
``ending_cash``, ``long_value``, ``short_value`` and ``gross_leverage``
columns are used and the result is marked ``'end_of_day'``. End-of-day
extremes can only be smaller: a dip that recovered before the close is
invisible at the close.

Units: ``_usd`` dollars, ``_pct`` percent, plain names fractions or ratios.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from pvr_plugin.core import pvr as core
from pvr_plugin.errors import PvrInputError

RESOLUTIONS = ("intraday", "end_of_day")
EOD_COLUMNS = ("ending_cash", "long_value", "short_value")
INTRADAY_COLUMNS = ("cash_low_usd", "max_short_usd", "max_gross_leverage")
BLOCK_DAYS = 128  # rows per block in pvr_many (measured fastest of 32..256 on 1,000 runs)
DAILY_COLUMNS = (
    "days", "value_usd", "pnl_usd", "cash_usd", "long_usd", "short_usd", "leverage",
    "risk_usd", "cash_low_usd", "max_short_usd", "max_leverage", "max_risk_usd",
    "pvr_pct", "pvr_per_day_pct", "qret_pct", "cagr", "resolution",
)
# zipline's own cumulative risk figures, read from the last row when present.
ZIPLINE_RISK_COLUMNS = ("alpha", "beta", "sharpe", "max_drawdown")


# ------------------------------------------------------------------ checks


def _check_model(model):
    try:
        return core.check_model(model)
    except ValueError as exc:
        raise PvrInputError(str(exc)) from None


def _check_start(start_usd):
    if isinstance(start_usd, bool) or not isinstance(start_usd, (int, float, np.integer, np.floating)):
        raise PvrInputError(f"start_usd must be a number of dollars, not {start_usd!r}")
    value = float(start_usd)
    if not math.isfinite(value) or value <= 0:
        raise PvrInputError(f"start_usd must be a positive number of dollars, not {start_usd!r}")
    return value


def _check_frame(frame, what):
    if not isinstance(frame, pd.DataFrame):
        raise PvrInputError(f"{what} must be a pandas DataFrame, not {type(frame).__name__}")
    if len(frame) == 0:
        raise PvrInputError(f"{what} is empty: no rows")
    index = frame.index
    if isinstance(index, pd.DatetimeIndex):
        if index.has_duplicates:
            raise PvrInputError(f"{what} has duplicate dates, e.g. {index[index.duplicated()][0]}")
        if not index.is_monotonic_increasing:
            raise PvrInputError(f"{what} is not in date order; sort it first")
    return frame


def _numeric(frame, column, what):
    """A column as a float array; PvrInputError naming the column and a bad value."""
    series = frame[column]
    if isinstance(series, pd.DataFrame):
        raise PvrInputError(f"{what} has more than one {column!r} column")
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if not (numeric or series.dtype == object or pd.api.types.is_string_dtype(series)):
        raise PvrInputError(f"{what} column {column!r} is not numeric (dtype {series.dtype})")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PvrInputError(
            f"{what} column {column!r} has a missing or non-numeric value {series.iloc[i]!r} at {frame.index[i]}"
        )
    return values


def _finite(values):
    """NaN where a value is not finite: the results never hold inf."""
    values = np.asarray(values, float)
    return np.where(np.isfinite(values), values, np.nan)


def _cagr(value_usd, start_usd, days):
    """:func:`pvr_plugin.core.pvr.cagr`, NaN where it overflows (huge gains over few days)."""
    with np.errstate(over="ignore"):
        return _finite(core.cagr(value_usd, start_usd, days))


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


def _daily_frame(index, s, days, cash, long_, short, value, lev, risk, cash_low, max_short,
                 max_lev, max_risk, resolution, model, leverage_limit):
    pvr = core.pvr_pct(value, s, max_risk)
    out = pd.DataFrame({
        "days": days,
        "value_usd": value,
        "pnl_usd": value - s,
        "cash_usd": cash,
        "long_usd": long_,
        "short_usd": short,
        "leverage": _finite(lev),
        "risk_usd": _finite(risk),
        "cash_low_usd": cash_low,
        "max_short_usd": max_short,
        "max_leverage": _finite(max_lev),
        "max_risk_usd": max_risk,
        "pvr_pct": _finite(pvr),
        "pvr_per_day_pct": _finite(core.per_day(pvr, days)),
        "qret_pct": _finite(core.qret_pct(value, s)),
        "cagr": _cagr(value, s, days),
        "resolution": resolution,
    }, index=index)
    out.attrs.update(resolution=resolution, model=model, start_usd=s, leverage_limit=leverage_limit)
    return out


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
    resolution : {'auto', 'intraday', 'end_of_day'}
        'auto' uses the ``pvr`` metrics set's intraday extremes when the frame
        has them for this model (see the module notes), else end-of-day
        values. 'intraday' refuses a frame without them.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``perf``; columns :data:`DAILY_COLUMNS`: ``days``
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
    model = _check_model(model)
    if resolution not in ("auto", *RESOLUTIONS):
        raise PvrInputError(f"resolution must be 'auto', 'intraday' or 'end_of_day', not {resolution!r}")
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

    use_intraday = False
    if resolution != "end_of_day":
        use_intraday, why = _intraday_ok(perf, model, leverage_limit, s, own_start)
        if resolution == "intraday" and not use_intraday:
            raise PvrInputError(f"no intraday PvR for model {model!r}: {why}")

    state = core.PvRState(s, model, leverage_limit)
    _, bars = core.advance(state, cash, long_, short, value, lev)
    if not use_intraday:
        return _daily_frame(perf.index, s, days, cash, long_, short, value, lev, bars.risk_usd,
                            bars.cash_low_usd, bars.max_short_usd, bars.max_leverage,
                            bars.max_risk_usd, "end_of_day", model, leverage_limit)

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
                        cash_low, max_short, max_lev, max_risk, "intraday", model, leverage_limit)


def pvr_all_models(perf, models=core.RISK_MODELS, start_usd=None, leverage_limit=1.0, resolution="auto"):
    """:func:`pvr_from_perf` for several risk models, side by side.

    Returns
    -------
    pandas.DataFrame
        Columns a MultiIndex (model, quantity), e.g. ``out['gross', 'pvr_pct']``.
    """
    frames = {m: pvr_from_perf(perf, m, start_usd, leverage_limit, resolution) for m in models}
    return pd.concat(frames, axis=1, names=["model", "quantity"])


def pvr_from_pyfolio(returns, positions, model="cash_or_short", start_usd=None, leverage_limit=1.0):
    """PvR per day from pyfolio's inputs, with no look-ahead and no zipline.

    Parameters
    ----------
    returns : pandas.Series
        Daily returns (fractions), pyfolio's ``returns``.
    positions : pandas.DataFrame
        pyfolio's ``positions``: one column of dollar values per asset
        (negative for shorts) and a ``cash`` column, dated like ``returns``
        (e.g. from ``pyfolio.utils.extract_rets_pos_txn_from_zipline``).
        Long book = sum of positive asset values, short book = sum of
        negative ones, account value = cash + long + short.
    model, leverage_limit
        As in :func:`pvr_from_perf`.
    start_usd : float, optional
        Starting capital; default the first day's value over ``1 + returns``
        of that day (the value before the first day).

    Returns
    -------
    pandas.DataFrame
        As :func:`pvr_from_perf`, indexed like ``returns``; resolution
        ``'end_of_day'`` (pyfolio keeps closes only).
    """
    if isinstance(returns, pd.DataFrame) and returns.shape[1] == 1:
        returns = returns.iloc[:, 0]
    if not isinstance(returns, pd.Series):
        raise PvrInputError(f"returns must be a pandas Series, not {type(returns).__name__}")
    if len(returns) == 0:
        raise PvrInputError("returns is empty: no rows")
    _check_frame(positions, "positions")
    model = _check_model(model)
    if "cash" not in positions.columns:
        raise PvrInputError("positions has no 'cash' column (pyfolio's positions carry one per day)")
    rets = _numeric(returns.to_frame("returns"), "returns", "returns")
    missing = returns.index.difference(positions.index)
    if len(missing):
        raise PvrInputError(f"positions has no row for {missing[0]} (a date in returns)")
    pos = positions.loc[returns.index]
    cash = _numeric(pos, "cash", "positions")
    assets = pos.drop(columns="cash")
    values = np.column_stack([_numeric(assets.fillna(0.0), c, "positions") for c in assets.columns]) \
        if assets.shape[1] else np.zeros((len(pos), 0))
    long_ = np.where(values > 0, values, 0.0).sum(axis=1)
    short = np.where(values < 0, values, 0.0).sum(axis=1)
    value = cash + long_ + short
    if start_usd is None:
        if rets[0] <= -1 or value[0] <= 0:
            raise PvrInputError("cannot tell the starting capital from the first day; pass start_usd")
        s = float(value[0] / (1.0 + rets[0]))
    else:
        s = _check_start(start_usd)
    lev = core.gross_leverage(long_, short, value)
    _, bars = core.advance(core.PvRState(s, model, leverage_limit), cash, long_, short, value, lev)
    days = np.arange(1, len(pos) + 1)
    return _daily_frame(returns.index, s, days, cash, long_, short, value, lev, bars.risk_usd,
                        bars.cash_low_usd, bars.max_short_usd, bars.max_leverage,
                        bars.max_risk_usd, "end_of_day", model, leverage_limit)


# ------------------------------------------------------------------ many runs


@dataclass(frozen=True)
class ManyRuns:
    """Per-day running values of many backtests, arrays shaped (days, runs).

    Rows after a run's last day are NaN. ``final`` has one row per run with
    its last day's values and ``days``.
    """

    cash_low_usd: np.ndarray
    max_short_usd: np.ndarray
    max_leverage: np.ndarray
    max_risk_usd: np.ndarray
    pvr_pct: np.ndarray
    pvr_per_day_pct: np.ndarray
    qret_pct: np.ndarray
    final: pd.DataFrame


def _array2d(x, name):
    if isinstance(x, pd.DataFrame):
        x = x.to_numpy(dtype=float)
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise PvrInputError(f"{name} must be numbers, shaped (days, runs)") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise PvrInputError(f"{name} must be shaped (days, runs) with at least one of each, not {arr.shape}")
    return arr


def pvr_many(cash_usd, long_usd, short_usd, value_usd=None, start_usd=None, model="cash_or_short",
             leverage_limit=1.0, leverage=None):
    """PvR of many backtests at once (end-of-day rows), vectorised over runs.

    Parameters
    ----------
    cash_usd, long_usd, short_usd : array_like or pandas.DataFrame
        Shaped (days, runs); ``short_usd <= 0`` (zipline's sign). A run
        shorter than the others is padded with NaN after its last day.
    value_usd : array_like, optional
        Account values; default ``cash + long + short``.
    start_usd : float or array_like of shape (runs,)
        Starting capital of each run (dollars). Required.
    model, leverage_limit
        As in :func:`pvr_from_perf`.
    leverage : array_like, optional
        Gross leverage per day; default ``(long - short) / value``.

    Returns
    -------
    ManyRuns
    """
    model = _check_model(model)
    cash = _array2d(cash_usd, "cash_usd")
    long_ = _array2d(long_usd, "long_usd")
    short = _array2d(short_usd, "short_usd")
    value = cash + long_ + short if value_usd is None else _array2d(value_usd, "value_usd")
    shapes = {a.shape for a in (cash, long_, short, value)}
    if len(shapes) != 1:
        raise PvrInputError(f"cash, long, short and value must have one shape, got {sorted(shapes)}")
    n_days, n_runs = cash.shape
    if start_usd is None:
        raise PvrInputError("start_usd (starting capital of each run) is required")
    s = np.asarray(start_usd, dtype=float)
    if s.ndim == 0:
        s = np.full(n_runs, float(s))
    if s.shape != (n_runs,) or not np.all(np.isfinite(s) & (s > 0)):
        raise PvrInputError(f"start_usd must be positive dollars, one per run ({n_runs}), got shape {s.shape}")
    total = value if value_usd is None else cash + long_ + short + value
    if np.isfinite(total).all():
        days_per_run = np.full(n_runs, n_days)
        prefix = None
    else:
        valid = np.isfinite(total)
        days_per_run = valid.sum(axis=0)
        # Only trailing NaN (a shorter run) is allowed: the valid rows must be a prefix.
        prefix = np.arange(n_days)[:, None] < days_per_run[None, :]
        if not np.array_equal(valid, prefix) or np.any(days_per_run == 0):
            run = int(np.flatnonzero((valid != prefix).any(axis=0) | (days_per_run == 0))[0])
            raise PvrInputError(f"run {run}: missing values before its last day (only trailing NaN allowed)")
    lev = None if leverage is None else _array2d(leverage, "leverage")
    if lev is not None and lev.shape != cash.shape:
        raise PvrInputError(f"leverage must be shaped like cash {cash.shape}, not {lev.shape}")

    names = ("cash_low_usd", "max_short_usd", "max_leverage", "max_risk_usd", "pvr_pct")
    out = {name: np.empty((n_days, n_runs)) for name in names}
    state = core.PvRState(s, model, leverage_limit)
    # Blocks of days, the running state carried from block to block (as the
    # tracker does session by session): the arrays of a block stay in cache.
    for first in range(0, n_days, BLOCK_DAYS):
        rows = slice(first, first + BLOCK_DAYS)
        state, bars = core.advance(state, cash[rows], long_[rows], short[rows], value[rows],
                                   None if lev is None else lev[rows])
        for name in names:
            out[name][rows] = getattr(bars, name)
    # Finite inputs give finite running values; only the two divisions can
    # overflow (a tiny max risk or account value). Rows after a run's end: NaN.
    _finite_in_place(out["pvr_pct"], prefix)
    _finite_in_place(out["max_leverage"], prefix)
    days = np.arange(1, n_days + 1, dtype=float)[:, None]
    out["pvr_per_day_pct"] = out["pvr_pct"] / days
    out["qret_pct"] = core.qret_pct(value, s)
    if prefix is not None:
        for name in ("cash_low_usd", "max_short_usd", "max_risk_usd", "qret_pct"):
            _finite_in_place(out[name], prefix)
    last = (days_per_run - 1)[None, :]
    final = {k: np.take_along_axis(v, last, axis=0)[0] for k, v in out.items()}
    final["cagr"] = _cagr(np.take_along_axis(value, last, axis=0)[0], s, days_per_run)
    final["days"] = days_per_run
    columns = cash_usd.columns if isinstance(cash_usd, pd.DataFrame) else None
    frame = pd.DataFrame(final, index=columns)
    frame.index.name = "run"
    return ManyRuns(final=frame, **out)


def _finite_in_place(values, keep=None):
    """Set non-finite values, and values outside ``keep`` (a mask), to NaN."""
    bad = ~np.isfinite(values)
    if keep is not None:
        bad |= ~keep
    if bad.any():
        values[bad] = np.nan


# ------------------------------------------------------------------ summaries


SUMMARY_KEYS = (
    "pvr_pct", "pvr_per_day_pct", "qret_pct", "cagr", "alpha", "beta", "sharpe", "max_drawdown",
    "cash_low_usd", "max_short_usd", "max_risk_usd", "max_leverage", "days", "resolution", "tag",
)


@dataclass(frozen=True)
class RunSummary:
    """One run's headline figures (the row a comparison or the ledger shows).

    Attributes
    ----------
    pvr_pct, pvr_per_day_pct, qret_pct : percent, last day.
    cagr : fraction.
    alpha, beta, sharpe : zipline's (or computed) figures; NaN when unknown.
    max_drawdown : fraction, <= 0 (zipline's sign).
    cash_low_usd, max_short_usd, max_risk_usd : dollars, whole run.
    max_leverage : ratio, whole run.
    days : sessions.
    resolution : 'intraday' or 'end_of_day'.
    tag : see :func:`tag`.
    model : risk model.
    start_usd, value_usd, pnl_usd : dollars.
    first_day, last_day : ISO dates (or the index labels as text).
    """

    pvr_pct: float
    pvr_per_day_pct: float
    qret_pct: float
    cagr: float
    alpha: float
    beta: float
    sharpe: float
    max_drawdown: float
    cash_low_usd: float
    max_short_usd: float
    max_risk_usd: float
    max_leverage: float
    days: int
    resolution: str
    tag: str
    model: str
    start_usd: float
    value_usd: float
    pnl_usd: float
    first_day: str
    last_day: str

    def as_dict(self):
        return asdict(self)


def _fmt(x, decimals):
    if x is None or not math.isfinite(x):
        return "nan"
    text = f"{x:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text  # never "-0.00"


def tag(pvr_per_day_pct, qret_pct, alpha, beta, sharpe, max_drawdown):
    """Short text for titles and file names: ``0.7512 r1231.5 a0.42 b0.54 s1.35 d-33.7``.

    Parameters
    ----------
    pvr_per_day_pct : PvR per day, percent (4 decimals).
    qret_pct : the platform's return, percent (``r``, 1 decimal).
    alpha, beta, sharpe : (``a``, ``b``, ``s``, 2 decimals).
    max_drawdown : fraction, e.g. -0.337 (``d``, shown in percent, 1 decimal).

    Unknown values show as ``nan``.
    """
    dd = None if max_drawdown is None else 100.0 * float(max_drawdown)
    return (f"{_fmt(pvr_per_day_pct, 4)} r{_fmt(qret_pct, 1)} a{_fmt(alpha, 2)} "
            f"b{_fmt(beta, 2)} s{_fmt(sharpe, 2)} d{_fmt(dd, 1)}")


def sharpe_from_returns(returns):
    """Annualised Sharpe ratio of daily returns (fractions), zero risk-free rate.

    ``mean / std(ddof=1) * sqrt(252)``; NaN with fewer than 2 returns or no
    dispersion (empyrical's definition).
    """
    r = np.asarray(returns, float)
    r = r[np.isfinite(r)]
    if len(r) < 2:
        return math.nan
    sd = r.std(ddof=1)
    if not sd > 0:
        return math.nan
    return float(r.mean() / sd * math.sqrt(core.TRADING_DAYS_PER_YEAR))


def max_drawdown_from_values(value_usd, start_usd):
    """Deepest fall of the account value from its running peak (fraction, <= 0).

    The start counts as the first peak, so a loss on day one is a drawdown.
    """
    v = np.asarray(value_usd, float)
    peak = np.maximum.accumulate(np.maximum(v, start_usd))
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, v / peak - 1.0, np.nan)
    return float(np.nanmin(dd)) if np.isfinite(dd).any() else math.nan


def _label(x):
    return x.date().isoformat() if hasattr(x, "date") and callable(x.date) else str(x)


def summarize(daily, returns=None, alpha=math.nan, beta=math.nan, sharpe=None, max_drawdown=None):
    """One run's :class:`RunSummary` from a per-day PvR frame.

    Parameters
    ----------
    daily : pandas.DataFrame
        From :func:`pvr_from_perf` or :func:`pvr_from_pyfolio`.
    returns : array_like, optional
        Daily returns (fractions) for the Sharpe ratio when ``sharpe`` is not
        given.
    alpha, beta : float
        Known figures (e.g. zipline's); NaN when unknown.
    sharpe : float, optional
        Default :func:`sharpe_from_returns` of ``returns`` (NaN without them).
    max_drawdown : float, optional
        Fraction <= 0; default :func:`max_drawdown_from_values` of the
        account values.
    """
    last = daily.iloc[-1]
    s = float(daily.attrs.get("start_usd", last["value_usd"] - last["pnl_usd"]))
    if sharpe is None:
        sharpe = sharpe_from_returns(returns) if returns is not None else math.nan
    if max_drawdown is None:
        max_drawdown = max_drawdown_from_values(daily["value_usd"].to_numpy(), s)
    f = lambda k: float(last[k])  # noqa: E731
    figures = dict(
        pvr_pct=f("pvr_pct"), pvr_per_day_pct=f("pvr_per_day_pct"), qret_pct=f("qret_pct"),
        cagr=f("cagr"), alpha=float(alpha), beta=float(beta), sharpe=float(sharpe),
        max_drawdown=float(max_drawdown),
    )
    figures = {k: (v if math.isfinite(v) else math.nan) for k, v in figures.items()}
    return RunSummary(
        **figures,
        cash_low_usd=f("cash_low_usd"), max_short_usd=f("max_short_usd"),
        max_risk_usd=f("max_risk_usd"), max_leverage=f("max_leverage"), days=int(last["days"]),
        resolution=str(daily.attrs.get("resolution", last["resolution"])),
        tag=tag(figures["pvr_per_day_pct"], figures["qret_pct"], figures["alpha"], figures["beta"],
                figures["sharpe"], figures["max_drawdown"]),
        model=str(daily.attrs.get("model", "")), start_usd=s, value_usd=f("value_usd"),
        pnl_usd=f("pnl_usd"), first_day=_label(daily.index[0]), last_day=_label(daily.index[-1]),
    )


def run_summary(perf, model=None, start_usd=None, leverage_limit=1.0, resolution="auto"):
    """Headline figures of a finished zipline backtest.

    PvR figures come from :func:`pvr_from_perf`; alpha, beta, Sharpe and max
    drawdown are zipline's own (the frame's last row) when the frame has them,
    else the Sharpe ratio and drawdown are computed from ``returns`` and the
    account values, and alpha and beta are NaN.

    Parameters
    ----------
    perf : pandas.DataFrame
    model : str, optional
        Default: the frame's ``risk_model`` column (``pvr-*`` metrics sets),
        else ``'cash_or_short'``.
    start_usd, leverage_limit, resolution
        As in :func:`pvr_from_perf`.

    Returns
    -------
    RunSummary
    """
    if model is None:
        model = frame_model(perf)
    daily = pvr_from_perf(perf, model, start_usd, leverage_limit, resolution)
    known = {}
    for name in ZIPLINE_RISK_COLUMNS:
        if name in perf.columns:
            value = pd.to_numeric(perf[name].iloc[-1:], errors="coerce").iloc[0]
            known[name] = float(value) if pd.notna(value) else math.nan
    returns = perf["returns"].to_numpy(dtype=float) if "returns" in perf.columns else None
    return summarize(
        daily, returns=returns, alpha=known.get("alpha", math.nan), beta=known.get("beta", math.nan),
        sharpe=known.get("sharpe"), max_drawdown=known.get("max_drawdown"),
    )


def frame_model(perf, default="cash_or_short"):
    """The risk model a ``pvr-*`` metrics set recorded in ``perf``, else ``default``."""
    if isinstance(perf, pd.DataFrame) and "risk_model" in perf.columns:
        models = perf["risk_model"].dropna().unique()
        if len(models) == 1 and models[0] in core.RISK_MODELS:
            return str(models[0])
    return default
