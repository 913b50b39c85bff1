"""pyfolio's performance statistics with PvR and the factsheet's statistics added.

:func:`perf_stats` takes pyfolio's arguments in pyfolio's order and returns
pyfolio's own ``timeseries.perf_stats`` rows, unchanged and first, then

* the PvR rows (:data:`PVR_ROWS`: PvR, PvR per day, max risk, cash low, max
  leverage; named from the field table :mod:`pvr_plugin.core.fields`) when
  the inputs have the account's cash and books (pyfolio's ``positions``, or a
  zipline frame);
* the factsheet's statistics pyfolio lacks (:data:`FACTSHEET_ROWS`: downside
  volatility against the T-bill, VaR and expected shortfall of the monthly
  returns, Calmar, and with a benchmark the tail correlation), computed by the
  factsheet's statistics table (:mod:`pvr_plugin.core.factsheet.statistics`).

The Series' ``attrs`` say what the PvR rows were measured from
(``resolution``: ``'daily bars'`` from pyfolio's end-of-day positions,
``'intraday'`` from a minute run of the ``pvr`` metrics set), the risk
model, the risk-free source, and why a value is NaN (``nan_reasons``).
"""
import os

import pandas as pd

from pvr_plugin.core import fields, research
from pvr_plugin.core.factsheet.inputs import prepare_inputs
from pvr_plugin.core.factsheet.statistics import STATISTICS
from pvr_plugin.core.factsheet.widgets import StatsCache
from pvr_plugin.errors import PvrInputError

#: Quantities of the PvR rows (field-table names).
PVR_QUANTITIES = ("pvr_pct", "pvr_per_day_pct", "max_risk_usd", "cash_low_usd", "max_leverage")
#: Factsheet statistics added (statistics-table keys); ``tail_correlation`` needs a benchmark.
FACTSHEET_KEYS = ("downside_volatility", "var", "expected_shortfall", "calmar", "tail_correlation")


def row_name(quantity_name):
    """Row name of a PvR quantity: its title and unit (``PvR %``, ``Max risk $``)."""
    q = fields.quantity(quantity_name)
    return q.title + fields.UNIT_SUFFIX.get(q.unit, "")


_TITLES = {s.key: s.title for s in STATISTICS}
#: Row names of the PvR rows, in order.
PVR_ROWS = tuple(row_name(n) for n in PVR_QUANTITIES)
#: Row names of the factsheet rows, in order.
FACTSHEET_ROWS = tuple(_TITLES[k] for k in FACTSHEET_KEYS)


def pyfolio_inputs(returns, positions=None, transactions=None):
    """pyfolio's ``(returns, positions, transactions)`` and the zipline frame they came from.

    ``returns`` may be pyfolio's daily returns (a Series) with its positions
    and transactions, or a zipline performance frame (or a saved one), which
    is split with ``pyfolio.utils.extract_rets_pos_txn_from_zipline``.

    Returns
    -------
    (returns, positions, transactions, perf)
        ``perf`` is the zipline frame, or None for pyfolio's inputs.
    """
    if isinstance(returns, (str, bytes, os.PathLike)):
        from pvr_plugin.store.files import load_frame

        returns = load_frame(returns)
    if isinstance(returns, pd.DataFrame) and set(research.EOD_COLUMNS) <= set(returns.columns):
        if positions is not None or transactions is not None:
            raise PvrInputError("give a zipline frame or pyfolio's returns, positions and transactions, not both")
        from pyfolio.utils import extract_rets_pos_txn_from_zipline

        perf = returns
        try:
            r, p, t = extract_rets_pos_txn_from_zipline(perf.copy())
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise PvrInputError(f"cannot read pyfolio's inputs from the zipline frame: {exc}") from None
        return r, p, (t if len(t) else None), perf
    if isinstance(returns, pd.DataFrame) and returns.shape[1] == 1:
        returns = returns.iloc[:, 0]
    if not isinstance(returns, pd.Series):
        raise PvrInputError(f"returns must be pyfolio's daily returns (a pandas Series) or a zipline "
                            f"performance frame, not {type(returns).__name__}")
    if len(returns) == 0:
        raise PvrInputError("returns is empty: no rows")
    if not isinstance(returns.index, pd.DatetimeIndex):
        raise PvrInputError("returns must be indexed by dates")
    if positions is not None and not isinstance(positions, pd.DataFrame):
        raise PvrInputError(f"positions must be pyfolio's positions DataFrame, not {type(positions).__name__}")
    return returns, positions, transactions, None


def pvr_of(returns, positions=None, transactions=None, perf=None, model=None, start_usd=None,
           leverage_limit=1.0):
    """The per-day PvR frame of a zipline frame or pyfolio's inputs; None without cash and books."""
    if perf is not None:
        return research.pvr_daily(perf, model=model, start_usd=start_usd, leverage_limit=leverage_limit)
    if positions is None:
        return None
    return research.pvr_daily(returns, positions, transactions, model, start_usd, leverage_limit)


def perf_stats(returns, factor_returns=None, positions=None, transactions=None, turnover_denom="AGB", *,
               risk_free=None, confidence=0.95, model=None, start_usd=None, leverage_limit=1.0):
    """pyfolio's ``timeseries.perf_stats`` plus the PvR rows and the factsheet's statistics.

    Parameters
    ----------
    returns : pandas.Series or pandas.DataFrame
        pyfolio's daily returns (fractions, dated with or without a time
        zone), or a zipline performance frame (then ``positions`` and
        ``transactions`` come from it, and PvR is intraday where the run's
        ``pvr`` metrics set measured it).
    factor_returns : pandas.Series, optional
        Benchmark returns: pyfolio's alpha and beta, and the tail correlation.
    positions, transactions : pandas.DataFrame, optional
        pyfolio's; with positions the PvR rows are added.
    turnover_denom : str
        As in pyfolio.
    risk_free : None, 'treasury', float or pandas.Series
        The rate the downside volatility is measured below, as the factsheet
        takes it: ``None`` is the 3-month T-bill where its data cover the
        returns, else zero (``attrs['risk_free']`` says which); a number is a
        constant annual yield (``0.02``); a Series holds dated annual yields.
    confidence : float
        Level of the monthly VaR and expected shortfall (0.95: the worst 5%).
    model, start_usd, leverage_limit
        PvR's risk model and starting capital, as in
        :func:`pvr_plugin.core.research.pvr_daily`.

    Returns
    -------
    pandas.Series
        pyfolio's rows, then :data:`PVR_ROWS` (percent, dollars, ratio as
        the names say), then :data:`FACTSHEET_ROWS` (fractions, ratios).
        ``attrs``: ``resolution`` and ``model`` (PvR's; ``''`` without PvR),
        ``risk_free`` and ``nan_reasons`` (row -> why it is NaN).
    """
    from pyfolio import timeseries

    returns, positions, transactions, perf = pyfolio_inputs(returns, positions, transactions)
    table = timeseries.perf_stats(returns, factor_returns=factor_returns, positions=positions,
                                  transactions=transactions, turnover_denom=turnover_denom)
    daily = pvr_of(returns, positions, transactions, perf, model, start_usd, leverage_limit)
    return with_added_rows(table, returns, daily, factor_returns, risk_free, confidence)


def with_added_rows(table, returns, daily=None, factor_returns=None, risk_free=None, confidence=0.95):
    """pyfolio's ``perf_stats`` Series followed by the PvR rows (from ``daily``) and the factsheet rows.

    ``daily`` is a per-day PvR frame (:func:`pvr_of`) or None. See
    :func:`perf_stats` for the rows and ``attrs``.
    """
    table = table.copy()
    reasons = {}
    resolution = chosen = ""
    if daily is not None:
        last = daily.iloc[-1]
        for name, row in zip(PVR_QUANTITIES, PVR_ROWS):
            table[row] = float(last[name])
            if pd.isna(table[row]) and name.startswith("pvr"):
                reasons[row] = "nothing was at risk: max risk is 0"
        resolution, chosen = daily.attrs["resolution"], daily.attrs["model"]
    extra, why, source = factsheet_statistics(returns, factor_returns, risk_free, confidence)
    for key, value in extra.items():
        table[_TITLES[key]] = value
        if key in why:
            reasons[_TITLES[key]] = why[key]
    table.attrs.update(resolution=resolution, model=chosen, risk_free=source, nan_reasons=reasons)
    return table


def factsheet_statistics(returns, factor_returns=None, risk_free=None, confidence=0.95):
    """The factsheet's statistics of :data:`FACTSHEET_KEYS` the inputs allow.

    Returns
    -------
    (dict, dict, str)
        Key -> value (the tail correlation only with ``factor_returns``),
        key -> why it is NaN, and the risk-free source.
    """
    if not 0.5 <= confidence < 1:
        raise PvrInputError(f"confidence must be between 0.5 and 1, e.g. 0.95, not {confidence!r}")
    bench = {}
    if factor_returns is not None:
        if isinstance(factor_returns, pd.DataFrame) and factor_returns.shape[1] == 1:
            factor_returns = factor_returns.iloc[:, 0]
        bench = {str(factor_returns.name) if factor_returns.name is not None else "benchmark": factor_returns}
    inputs = prepare_inputs(returns, benchmarks=bench, risk_free=risk_free, name="strategy")
    cache = StatsCache(inputs, alpha=1.0 - confidence)
    _, risk, why = cache.stats(inputs.name, inputs.start, inputs.end, inputs.primary)
    keys = [k for k in FACTSHEET_KEYS if k != "tail_correlation" or inputs.primary is not None]
    values = {k: float(risk[k]) for k in keys}
    reasons = {k: why[f"risk_statistics.{k}"] for k in keys if f"risk_statistics.{k}" in why}
    return values, reasons, inputs.risk_free.source
