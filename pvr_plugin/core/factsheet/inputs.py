"""The factsheet's inputs, checked and aligned to one date range.

:func:`prepare_inputs` takes the strategy's returns, the benchmarks and the
risk-free rate (each read by :mod:`pvr_plugin.core.factsheet.series` or
:mod:`pvr_plugin.core.factsheet.riskfree`), cuts them to one range,
compounds finer benchmarks onto the strategy's dates and returns one
:class:`FactsheetInputs`. Files are opened by :mod:`pvr_plugin.store.inputs`,
which passes their contents here.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pvr_plugin.core.factsheet.riskfree import TREASURY, RiskFree, read_risk_free
from pvr_plugin.core.factsheet.series import (  # noqa: F401  (the readers are part of this module's API)
    BUILTIN_BENCHMARKS, DEFAULT_BENCHMARKS, SP500, SPY, LoadedReturns, clean_returns, read_benchmark,
    read_returns, sp500_returns,
)
from pvr_plugin.core.inputs import parse_date
from pvr_plugin.core.periods import (
    DAILY,
    MONTHLY,
    PERIOD_GRACE_DAYS,
    WEEKLY,
    infer_period,
    periods_per_year,
)
from pvr_plugin.data import spy_returns  # noqa: F401
from pvr_plugin.errors import PvrInputError

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


# --------------------------------------------------------------------------- assembly

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


def _treasury_by_coverage(first, last, dates, fill):
    """The built-in T-bill where it covers the returns, ``fill`` (annual) elsewhere, said in the source."""
    tb = read_risk_free(TREASURY)
    ty = tb.yields.index
    fill_text = "zero" if fill == 0 else f"{fill:.4%} a year"
    if tb.covers(first, last):
        return tb
    if not tb.overlaps(first, last):
        return RiskFree(
            source=(
                f"{fill_text}: the built-in 3-month T-bill data run {ty[0]:%Y-%m-%d} to {ty[-1]:%Y-%m-%d} "
                f"and do not cover the returns ({first:%Y-%m-%d} to {last:%Y-%m-%d}); "
                "pass a constant or a CSV of yields"
            ),
            constant=float(fill),
        )
    partial = RiskFree(source=tb.source, yields=tb.yields, fill=float(fill))
    cov = partial.coverage(dates)
    outside = dates[~partial._dated(dates)]
    return RiskFree(
        source=(
            f"3-month T-bill (built in) from {cov['dated_from']:%Y-%m-%d} to {cov['dated_to']:%Y-%m-%d}, "
            f"{fill_text} from {outside[0]:%Y-%m-%d} to {outside[-1]:%Y-%m-%d} (the T-bill data end "
            f"{ty[-1]:%Y-%m-%d}); pass a constant or a CSV of yields to change it"
        ),
        yields=tb.yields, fill=float(fill),
    )


def prepare_inputs(returns, benchmarks=DEFAULT_BENCHMARKS, primary=None, risk_free=None, start=None,
                   end=None, period=None, annualization=None, column=None, kind="auto",
                   unit="auto", risk_free_unit="auto", name=None, risk_free_fill=0.0):
    """Load, check and align everything the factsheet needs.

    Parameters
    ----------
    returns : pd.Series, pd.DataFrame, bytes or LoadedReturns
        The strategy; see :func:`~pvr_plugin.core.factsheet.series.read_returns` (for a file,
        :func:`pvr_plugin.store.inputs.prepare_inputs`).
    benchmarks : sequence or dict
        Built-in names, Series or loaded returns (a dict maps display names
        to those). May be empty.
    primary : str, optional
        Name of the primary benchmark; the first one by default.
    risk_free : see :func:`~pvr_plugin.core.factsheet.riskfree.read_risk_free`
        ``None`` (auto): the 3-month T-bill when its data cover the returns,
        otherwise zero, and the source says so.
    start, end : date-like, optional
        Inclusive date range applied to the strategy; benchmarks are cut to
        the strategy's first and last date.
    period : {'daily', 'weekly', 'monthly'}, optional
        Inferred from the dates when not given.
    annualization : int, optional
        Periods per year, overriding ``period``'s default.
    column, kind, unit : see :func:`~pvr_plugin.core.factsheet.series.read_returns`.
    risk_free_unit : see :func:`~pvr_plugin.core.factsheet.riskfree.read_risk_free`.
    risk_free_fill : float
        With the built-in T-bill (``risk_free`` None), the annual yield
        (fraction) used where the T-bill data do not reach; 0 by default.
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

    if isinstance(benchmarks, (str, pd.Series, LoadedReturns)):
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
        rf = _treasury_by_coverage(first, last, strat.index, risk_free_fill)
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
