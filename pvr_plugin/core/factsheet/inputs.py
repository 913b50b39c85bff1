"""Reading and checking the factsheet's inputs.

Everything a user hands the factsheet passes through here: the strategy's
returns (CSV, pandas Series or DataFrame, a zipline performance frame or its
pickle), the benchmarks (built-in names or CSV files) and the risk-free rate.
Each reader returns clean, naive-dated, sorted float series and a list of
notes saying what was converted. A mistake raises
:class:`~pvr_plugin.errors.PvrInputError` with one line naming the file,
column or value.

No zipline import: the shipped SPY and T-bill files are located on disk with
``importlib.util.find_spec`` and read with pandas.
"""
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from pvr_plugin.errors import PvrInputError
from pvr_plugin.core.factsheet._parse import (
    DATE_COLUMNS,
    naive_dates,
    to_floats,
    parse_dates,
    zipline_resource,
)
from pvr_plugin.core.factsheet.riskfree import TREASURY, RiskFree, read_risk_free
from pvr_plugin.core.periods import (
    DAILY,
    MONTHLY,
    PERIOD_GRACE_DAYS,
    WEEKLY,
    infer_period,
    periods_per_year,
)

RETURN_COLUMNS = ("returns", "return", "rets", "ret", "daily_return", "daily_returns", "r")
LEVEL_COLUMNS = (
    "price", "prices", "close", "adj close", "adj_close", "adjclose", "nav",
    "portfolio_value", "value", "equity", "level",
)
PVR_COLUMNS = ("pvr_pct", "pvr_per_day_pct", "max_risk_usd", "cash_low_usd", "max_gross_leverage")

SP500 = "SP500"
SPY = "SPY"
BUILTIN_BENCHMARKS = {
    "sp500": SP500, "s&p500": SP500, "s&p 500": SP500, "spx": SP500, "^gspc": SP500,
    "spy": SPY,
}

# Share of observations beyond +-100% from which a series is taken to be in percent.
PERCENT_SHARE = 0.02


@dataclass(frozen=True)
class LoadedReturns:
    """A clean return series and what was done to get it.

    Attributes
    ----------
    returns : pd.Series
        Simple returns as fractions, naive DatetimeIndex, sorted, unique.
    name : str
        Display name.
    notes : tuple of str
        Conversions applied (prices to returns, percent to fractions, ...).
    pvr : dict or None
        Last values of the PvR columns of a zipline performance frame.
    """

    returns: pd.Series
    name: str
    notes: tuple = ()
    pvr: dict = None


@dataclass(frozen=True)
class FactsheetInputs:
    """Everything the statistics need, checked and aligned to one date range.

    Attributes
    ----------
    returns : pd.Series
        Strategy returns (fractions) inside ``[start, end]``.
    name : str
    benchmarks : dict
        Benchmark name -> returns (fractions) inside the same range, in the
        order given; the primary benchmark is ``primary``.
    primary : str or None
    risk_free : RiskFree
    period : str
    annualization : int
    start, end : pd.Timestamp
        First and last date of the strategy returns used.
    notes : tuple of str
    pvr : dict or None
    """

    returns: pd.Series
    name: str
    benchmarks: dict
    primary: str
    risk_free: RiskFree
    period: str
    annualization: int
    start: pd.Timestamp
    end: pd.Timestamp
    notes: tuple = ()
    pvr: dict = None


# --------------------------------------------------------------------------- files

# The built-in files are read once per process and handed out as copies, so
# the cache is never mutated by callers.
@lru_cache(maxsize=None)
def _read_spy():
    frame = pd.read_csv(zipline_resource("SPY_benchmark.csv"), index_col=0)
    series = frame["return"].astype(float)
    series.index = naive_dates(pd.to_datetime(series.index, utc=True))
    series.index.name = "date"
    series.name = SPY
    return series


def spy_returns():
    """SPY daily returns (fractions) shipped with zipline, 1993-02-01 to 2018-04-27."""
    return _read_spy().copy()


def sp500_returns():
    """S&P 500 index daily returns (fractions) from the embedded closes, 1990-01-03 to 2022-12-28."""
    from pvr_plugin.data import load_index

    closes = load_index()
    rets = closes.pct_change().iloc[1:]
    rets.index = pd.DatetimeIndex(rets.index).normalize()
    rets.index.name = "date"
    rets.name = SP500
    return rets


# --------------------------------------------------------------------------- cleaning

def _looks_like_levels(values):
    """All positive and moving little relative to their size: prices or NAV, not returns."""
    if len(values) < 3 or not (values > 0).all():
        return False
    moves = np.median(np.abs(np.diff(values)))
    return bool(moves < 0.2 * np.median(values))


def clean_returns(values, dates, label, column="returns", kind="auto", unit="auto"):
    """Check and convert one column into a clean return series.

    Parameters
    ----------
    values : array-like
        The column (returns, or prices / NAV).
    dates : array-like
        Its dates.
    label : str
        File or object name for messages.
    column : str
        Column name for messages; a price-like name (``close``, ``nav``,
        ``portfolio_value``...) means levels.
    kind : {'auto', 'returns', 'prices'}
        ``'prices'`` converts levels to simple returns (the first date is
        dropped). ``'auto'`` decides from the column name, then from the
        values (all positive and moving less than 20% of their size per
        period).
    unit : {'auto', 'fraction', 'percent'}
        ``'auto'`` takes the returns as percent when at least 2% of them are
        beyond +-1 (and divides by 100, saying so); fewer such values is an
        error asking for the unit.

    Returns
    -------
    (pd.Series, list of str)
        The returns (fractions) and notes on the conversions made.
    """
    notes = []
    dates = parse_dates(dates, label, "date")
    nums = to_floats(values, dates, label, column)
    if len(nums) == 0:
        raise PvrInputError(f"{label}: no rows in column {column!r}")
    order = np.argsort(dates.asi8, kind="stable")
    if (np.diff(order) < 0).any():
        dates, nums = dates[order], nums[order]
    dup = dates.duplicated()
    if dup.any():
        raise PvrInputError(
            f"{label}: duplicate date {dates[dup][0]:%Y-%m-%d} in column {column!r} "
            f"({int(dup.sum())} duplicates; one row per date, intraday data is not supported)"
        )
    if kind not in ("auto", "returns", "prices"):
        raise PvrInputError(f"{label}: kind must be auto, returns or prices, got {kind!r}")
    if unit not in ("auto", "fraction", "percent"):
        raise PvrInputError(f"{label}: unit must be auto, fraction or percent, got {unit!r}")
    is_levels = kind == "prices" or (
        kind == "auto"
        and (column.strip().lower() in LEVEL_COLUMNS or (
            column.strip().lower() not in RETURN_COLUMNS and _looks_like_levels(nums)))
    )
    if is_levels:
        if (nums <= 0).any():
            i = int(np.flatnonzero(nums <= 0)[0])
            raise PvrInputError(
                f"{label}: price/NAV column {column!r} has a non-positive value {nums[i]:g} "
                f"on {dates[i]:%Y-%m-%d}"
            )
        if len(nums) < 2:
            raise PvrInputError(f"{label}: price/NAV column {column!r} needs at least two rows")
        notes.append(
            f"{label}: column {column!r} holds prices/NAV; converted to simple returns "
            f"(first date {dates[0]:%Y-%m-%d} dropped)"
        )
        nums = nums[1:] / nums[:-1] - 1.0
        dates = dates[1:]
    else:
        big = np.abs(nums) > 1.0
        if unit == "percent" or (unit == "auto" and big.mean() >= PERCENT_SHARE and big.sum() >= 2):
            notes.append(f"{label}: column {column!r} holds percent returns; divided by 100")
            nums = nums / 100.0
        elif unit == "auto" and big.any():
            i = int(np.flatnonzero(big)[0])
            raise PvrInputError(
                f"{label}: column {column!r} has {int(big.sum())} return(s) beyond +-100% "
                f"(first {nums[i]:g} on {dates[i]:%Y-%m-%d}) but too few to be percent; "
                "give the unit (fraction or percent)"
            )
        low = nums < -1.0
        if low.any():
            i = int(np.flatnonzero(low)[0])
            raise PvrInputError(
                f"{label}: return {nums[i]:g} on {dates[i]:%Y-%m-%d} in column {column!r} "
                "loses more than 100%"
            )
    series = pd.Series(nums, index=pd.DatetimeIndex(dates, name="date"), name=column)
    return series, notes


def _pick_column(frame, label, column):
    cols = [c for c in frame.columns]
    if column is not None:
        if column not in cols:
            raise PvrInputError(
                f"{label}: no column {column!r}; columns are {', '.join(map(str, cols))}"
            )
        return column
    lower = {str(c).strip().lower(): c for c in cols}
    for name in RETURN_COLUMNS + LEVEL_COLUMNS:
        if name in lower:
            return lower[name]
    if len(cols) == 1:
        return cols[0]
    raise PvrInputError(
        f"{label}: cannot tell which column holds the returns ({', '.join(map(str, cols))}); "
        "name one"
    )


def _pvr_block(frame):
    present = [c for c in PVR_COLUMNS if c in frame.columns]
    if not present:
        return None
    block = {}
    for col in PVR_COLUMNS:
        if col not in frame.columns:
            block[col] = None
            continue
        vals = pd.to_numeric(frame[col], errors="coerce").dropna()
        block[col] = float(vals.iloc[-1]) if len(vals) else None
    return block


def _from_frame(frame, label, column, kind, unit, name):
    frame = frame.copy()
    if not isinstance(frame.index, pd.DatetimeIndex):
        lower = {str(c).strip().lower(): c for c in frame.columns}
        date_col = next((lower[d] for d in DATE_COLUMNS if d in lower), None)
        if date_col is None:
            date_col = frame.columns[0]
        dates = frame[date_col]
        frame = frame.drop(columns=[date_col])
        if frame.shape[1] == 0:
            raise PvrInputError(f"{label}: only one column ({date_col!r}); need a date and a returns column")
    else:
        dates = frame.index
    col = _pick_column(frame, label, column)
    series, notes = clean_returns(
        frame[col].reset_index(drop=True), dates, label, column=str(col), kind=kind, unit=unit
    )
    pvr = _pvr_block(frame)
    if pvr is not None:
        pvr = dict(pvr)
    series.name = name or str(col)
    return LoadedReturns(series, series.name, tuple(notes), pvr)


def read_returns(source, column=None, kind="auto", unit="auto", name=None):
    """Load a return series from a file or a pandas object.

    Parameters
    ----------
    source : str, os.PathLike, pd.Series or pd.DataFrame
        A CSV file (a date column and a returns or price/NAV column), a
        pickle (``.pkl``/``.pickle``) or parquet file (e.g. a zipline
        performance frame saved by ``pvr run --out``), a Series of returns, or a DataFrame (a zipline
        performance frame uses its ``returns`` column). Pickles can run code
        when read: only load your own files.
    column : str, optional
        Column to use; by default ``returns`` (or a similar name), then a
        price-like name, then the only column.
    kind : {'auto', 'returns', 'prices'}
    unit : {'auto', 'fraction', 'percent'}
        See :func:`clean_returns`.
    name : str, optional
        Display name; defaults to the file stem or the Series name.

    Returns
    -------
    LoadedReturns
    """
    if isinstance(source, pd.Series):
        label = name or (str(source.name) if source.name is not None else "returns")
        series, notes = clean_returns(
            source.reset_index(drop=True), source.index, label,
            column=str(source.name) if source.name is not None else "returns",
            kind=kind, unit=unit,
        )
        series.name = label
        return LoadedReturns(series, label, tuple(notes), None)
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, name or "returns frame", column, kind, unit, name)
    path = os.fspath(source)
    label = path
    if not os.path.exists(path):
        raise PvrInputError(f"{label}: no such file")
    if os.path.isdir(path):
        raise PvrInputError(f"{label}: is a folder, not a file")
    stem = os.path.splitext(os.path.basename(path))[0]
    lower = path.lower()
    if lower.endswith((".pkl", ".pickle", ".parquet")):
        try:
            obj = pd.read_parquet(path) if lower.endswith(".parquet") else pd.read_pickle(path)
        except ImportError:
            raise PvrInputError(f"{label}: reading parquet needs pyarrow (pip install pyarrow)") from None
        except Exception as exc:  # any unpickling / parquet failure is a bad file
            first = (str(exc).strip().splitlines() or [""])[0][:120]
            raise PvrInputError(f"{label}: cannot read the file ({type(exc).__name__}: {first})") from None
        if isinstance(obj, pd.Series):
            obj = obj.to_frame(name=obj.name if obj.name is not None else "returns")
        if not isinstance(obj, pd.DataFrame):
            raise PvrInputError(f"{label}: pickle holds a {type(obj).__name__}, not a DataFrame or Series")
        loaded = _from_frame(obj, label, column, kind, unit, name or stem)
        return loaded
    try:
        frame = pd.read_csv(path, float_precision="round_trip")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PvrInputError(f"{label}: not a readable CSV ({msg})") from None
    if frame.shape[0] == 0:
        raise PvrInputError(f"{label}: no data rows")
    if frame.shape[1] < 2:
        raise PvrInputError(f"{label}: need a date column and a returns column, found {frame.shape[1]} column")
    return _from_frame(frame, label, column, kind, unit, name or stem)


def read_benchmark(spec, name=None):
    """Load a benchmark: a built-in name, a CSV/pickle path or a Series.

    Built-in names: ``SP500`` (the embedded S&P 500 index closes,
    1990-01-03 to 2022-12-28; aliases ``S&P500``, ``SPX``, ``^GSPC``) and
    ``SPY`` (SPY daily returns shipped with zipline, 1993-02-01 to
    2018-04-27). Files are read like the strategy returns; the name is the
    file stem.

    Returns
    -------
    LoadedReturns
    """
    if isinstance(spec, pd.Series):
        return read_returns(spec, name=name or (str(spec.name) if spec.name is not None else "benchmark"))
    if isinstance(spec, LoadedReturns):
        return spec
    text = os.fspath(spec)
    key = text.strip().lower()
    if key in BUILTIN_BENCHMARKS and not os.path.exists(text):
        builtin = BUILTIN_BENCHMARKS[key]
        rets = sp500_returns() if builtin == SP500 else spy_returns()
        rets.name = name or builtin
        return LoadedReturns(rets, rets.name, (), None)
    if not os.path.exists(text):
        raise PvrInputError(
            f"benchmark {text!r}: not a file and not a built-in name (SP500, SPY)"
        )
    loaded = read_returns(text, name=name)
    return LoadedReturns(loaded.returns, loaded.name, loaded.notes, None)


# --------------------------------------------------------------------------- assembly

def parse_date(value, label):
    """A naive, normalised Timestamp from a user's date (None stays None); one-line error."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise PvrInputError(f"{label}: unparseable date {str(value)!r}") from None
    if ts is pd.NaT:
        raise PvrInputError(f"{label}: unparseable date {str(value)!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _fmt(ts):
    return "open" if ts is None else f"{ts:%Y-%m-%d}"


def slice_range(returns, start=None, end=None, label="returns", what="--start/--end"):
    """Returns inside ``[start, end]`` (inclusive); an error when nothing is left.

    Parameters
    ----------
    returns : pd.Series
    start, end : date-like, optional
    label : str
        Names the series in messages.
    what : str
        Names the option in messages.

    Returns
    -------
    pd.Series
    """
    s, e = parse_date(start, f"{what} start"), parse_date(end, f"{what} end")
    if s is not None and e is not None and s > e:
        raise PvrInputError(f"{what}: start {s:%Y-%m-%d} is after end {e:%Y-%m-%d}")
    first, last = returns.index[0], returns.index[-1]
    if (s is not None and s > last) or (e is not None and e < first):
        raise PvrInputError(
            f"{what}: range {_fmt(s)} to {_fmt(e)} is outside the {label} "
            f"({first:%Y-%m-%d} to {last:%Y-%m-%d})"
        )
    lo = 0 if s is None else returns.index.searchsorted(s, side="left")
    hi = len(returns) if e is None else returns.index.searchsorted(e, side="right")
    out = returns.iloc[lo:hi]
    if len(out) == 0:
        raise PvrInputError(f"{what}: no {label} between {_fmt(s)} and {_fmt(e)}")
    return out


_ORDER = {DAILY: 0, WEEKLY: 1, MONTHLY: 2}
_FIRST_SPAN = {WEEKLY: pd.DateOffset(weeks=1), MONTHLY: pd.DateOffset(months=1)}


def compound_to_dates(returns, dates, period):
    """Compound finer returns onto coarser dates: the return over ``(previous date, date]``.

    The first date's window reaches back one period (a week or a month).
    Dates with no observation in their window are dropped.

    Parameters
    ----------
    returns : pd.Series
        E.g. daily benchmark returns.
    dates : pd.DatetimeIndex
        E.g. the month-end dates of monthly strategy returns.
    period : {'weekly', 'monthly'}

    Returns
    -------
    pd.Series
    """
    idx = returns.index
    vals = 1.0 + returns.to_numpy(dtype=float)
    ends = idx.searchsorted(dates, side="right")
    first = idx.searchsorted(dates[0] - _FIRST_SPAN.get(period, pd.DateOffset(days=1)), side="right")
    starts = np.r_[first, ends[:-1]]
    out = np.array([np.prod(vals[a:b]) - 1.0 if b > a else np.nan for a, b in zip(starts, ends)])
    series = pd.Series(out, index=dates, name=returns.name)
    return series[np.isfinite(out)]


def prepare_inputs(returns, benchmarks=(SP500,), primary=None, risk_free=None, start=None,
                   end=None, period=None, annualization=None, column=None, kind="auto",
                   unit="auto", risk_free_unit="auto", name=None):
    """Load, check and align everything the factsheet needs.

    Parameters
    ----------
    returns : path, pd.Series, pd.DataFrame or LoadedReturns
        The strategy; see :func:`read_returns`.
    benchmarks : sequence or dict
        Built-in names, paths or Series (a dict maps display names to
        those). May be empty.
    primary : str, optional
        Name of the primary benchmark; the first one by default.
    risk_free : see :func:`read_risk_free`
        ``None`` (auto): the 3-month T-bill when its data cover the returns,
        otherwise zero, and the source says so.
    start, end : date-like, optional
        Inclusive date range applied to the strategy; benchmarks are cut to
        the strategy's first and last date.
    period : {'daily', 'weekly', 'monthly'}, optional
        Inferred from the dates when not given.
    annualization : int, optional
        Periods per year, overriding ``period``'s default.
    column, kind, unit : see :func:`read_returns`.
    risk_free_unit : see :func:`read_risk_free`.
    name : str, optional
        Display name of the strategy.

    Returns
    -------
    FactsheetInputs
    """
    if isinstance(returns, LoadedReturns):
        loaded = returns
    else:
        loaded = read_returns(returns, column=column, kind=kind, unit=unit, name=name)
    notes = list(loaded.notes)
    strat = loaded.returns
    first_all, last_all = strat.index[0], strat.index[-1]
    strat = slice_range(strat, start, end, label=f"returns of {loaded.name}")
    s, e = parse_date(start, "start"), parse_date(end, "end")
    if s is not None and s < first_all:
        notes.append(f"returns start {first_all:%Y-%m-%d}, after the requested start {s:%Y-%m-%d}")
    if e is not None and e > last_all:
        notes.append(f"returns end {last_all:%Y-%m-%d}, before the requested end {e:%Y-%m-%d}")
    strat = strat.rename(loaded.name)
    first, last = strat.index[0], strat.index[-1]
    period = period or infer_period(strat.index, label=f"returns of {loaded.name}")
    ann = periods_per_year(period, annualization)

    if isinstance(benchmarks, (str, os.PathLike, pd.Series)):
        benchmarks = [benchmarks]
    elif isinstance(benchmarks, pd.DataFrame):
        benchmarks = {str(c): benchmarks[c] for c in benchmarks.columns}
    items = list(benchmarks.items()) if isinstance(benchmarks, dict) else [(None, b) for b in (benchmarks or ())]
    bench = {}
    for bname, spec in items:
        b = read_benchmark(spec, name=bname)
        notes.extend(b.notes)
        if b.name in bench:
            raise PvrInputError(f"benchmark {b.name!r} given twice")
        if b.name == loaded.name:
            raise PvrInputError(
                f"the returns and a benchmark are both named {b.name!r}; give the returns another name (--name)"
            )
        b_period = infer_period(b.returns.index, label=f"benchmark {b.name!r}")
        if _ORDER[b_period] > _ORDER[period]:
            raise PvrInputError(
                f"benchmark {b.name!r} is {b_period}, the returns are {period}: "
                "give a benchmark at least as frequent as the returns"
            )
        b_returns = b.returns
        if _ORDER[b_period] < _ORDER[period]:
            b_returns = compound_to_dates(b_returns, strat.index, period)
            notes.append(f"benchmark {b.name!r}: {b_period} returns compounded to the returns' {period} dates")
        lo = b_returns.index.searchsorted(first, side="left")
        hi = b_returns.index.searchsorted(last, side="right")
        cut = b_returns.iloc[lo:hi].rename(b.name)
        overlap = cut.index.intersection(strat.index)
        if len(overlap) == 0:
            raise PvrInputError(
                f"benchmark {b.name!r} ({b.returns.index[0]:%Y-%m-%d} to "
                f"{b.returns.index[-1]:%Y-%m-%d}) has no dates in common with the returns "
                f"({first:%Y-%m-%d} to {last:%Y-%m-%d})"
            )
        if cut.index[0] - first > pd.Timedelta(days=PERIOD_GRACE_DAYS[period]) or \
                last - cut.index[-1] > pd.Timedelta(days=PERIOD_GRACE_DAYS[period]):
            notes.append(
                f"benchmark {b.name!r} covers only {cut.index[0]:%Y-%m-%d} to {cut.index[-1]:%Y-%m-%d} "
                f"of the returns' {first:%Y-%m-%d} to {last:%Y-%m-%d}"
            )
        bench[b.name] = cut
    if primary is not None:
        key = BUILTIN_BENCHMARKS.get(str(primary).strip().lower(), primary)
        if key not in bench:
            raise PvrInputError(
                f"primary benchmark {primary!r} is not among the benchmarks ({', '.join(bench) or 'none'})"
            )
        primary = key
    elif bench:
        primary = next(iter(bench))

    rf = read_risk_free(risk_free, unit=risk_free_unit)
    if rf is None:
        tb = read_risk_free(TREASURY)
        if tb.covers(first, last):
            rf = tb
        else:
            ty = tb.yields.index
            rf = RiskFree(
                source=(
                    f"zero: the built-in 3-month T-bill data run {ty[0]:%Y-%m-%d} to {ty[-1]:%Y-%m-%d} "
                    f"and do not cover the returns ({first:%Y-%m-%d} to {last:%Y-%m-%d}); "
                    "pass a constant or a CSV of yields"
                ),
                constant=0.0,
            )
    elif not rf.covers(first, last):
        ty = rf.yields.index
        raise PvrInputError(
            f"risk-free {rf.source}: yields run {ty[0]:%Y-%m-%d} to {ty[-1]:%Y-%m-%d} and do not cover "
            f"the returns ({first:%Y-%m-%d} to {last:%Y-%m-%d}); pass a constant or a CSV covering them"
        )
    return FactsheetInputs(
        returns=strat, name=loaded.name, benchmarks=bench, primary=primary, risk_free=rf,
        period=period, annualization=ann, start=first, end=last, notes=tuple(notes), pvr=loaded.pvr,
    )
