"""The factsheet's return and risk statistics, each declared once.

A :class:`Statistic` row says what a statistic is called, its unit, how it
is computed from one series' window and why it may be NaN. The return and
risk statistics tables, the performance-metrics table, the JSON keys, the
page's labels and the NaN reasons all come from :data:`STATISTICS`.
"""
import math
from dataclasses import dataclass

import numpy as np

from pvr_plugin.core import stats
from pvr_plugin.core.factsheet import returns as ret_mod


@dataclass(frozen=True)
class Statistic:
    """One statistic of a series over a date range.

    Attributes
    ----------
    key : str
        JSON key.
    group : str
        ``'return'`` (return statistics) or ``'risk'`` (risk statistics).
    title, short : str
        Label on the page, and in narrow tables.
    unit : str
        ``'frac'`` (shown in percent) or ``'ratio'`` (shown plain).
    compute : callable
        ``compute(window, done)`` -> float; ``done`` holds the statistics
        of the same window computed before this one.
    why_nan : callable
        ``why_nan(window)`` -> the reason the value is NaN.
    """

    key: str
    group: str
    title: str
    short: str
    unit: str
    compute: object
    why_nan: object


@dataclass
class Window:
    """One series over one date range, with what its statistics need."""

    name: str
    start: object            # first and last date asked for (Timestamps)
    end: object
    returns: object          # pd.Series of the window
    risk_free: np.ndarray    # per-period, aligned with returns
    monthly: object          # pd.Series of monthly returns
    period: str
    annualization: int
    alpha: float             # tail level of VaR, ES and tail correlation
    primary: str = None
    market: tuple = None     # (strategy, market, risk-free) aligned arrays, or None

    @property
    def values(self):
        return self.returns.to_numpy()

    @property
    def n(self):
        return len(self.returns)

    @property
    def months_needed(self):
        return int(math.ceil(1.0 / self.alpha - 1e-9))

    @property
    def month_stats(self):
        return ret_mod.month_stats(self.monthly)


def _two(w):
    return f"needs 2 returns, has {w.n}"


def _history(months):
    def why(w):
        r = w.returns
        return f"needs {months} months of history; {w.name} has {r.index[0]:%Y-%m-%d} to {r.index[-1]:%Y-%m-%d}"
    return why


def _months(w):
    return f"needs {w.months_needed} monthly returns at alpha {w.alpha:g}, has {len(w.monthly)}"


def _tail(fn):
    def compute(w, done):
        m = w.monthly.to_numpy()
        return fn(m, w.alpha) if len(m) >= w.months_needed else np.nan
    return compute


def _relative(fn, tail=False):
    def compute(w, done):
        if w.market is None:
            return np.nan
        x, y, rf = w.market
        if tail and len(x) < w.months_needed:
            return np.nan
        return fn(x, y, rf, w, done)
    return compute


def _why_relative(tail=False):
    def why(w):
        if w.market is None:
            return "no benchmark"
        n = len(w.market[0])
        if tail and n < w.months_needed:
            return f"needs {w.months_needed} dates in common with {w.primary} at alpha {w.alpha:g}, has {n}"
        if n < 2:
            return f"needs 2 dates in common with {w.primary}, has {n}"
        return f"{w.primary} or {w.name} returns do not vary"
    return why


def _trailing(months):
    return lambda w, done: ret_mod.trailing_return(w.returns, months, w.period)


STATISTICS = (
    Statistic("total_return", "return", "Total return", "Total", "frac",
              lambda w, d: stats.total_return(w.values), lambda w: "no returns"),
    Statistic("cagr", "return", "CAGR", "CAGR", "frac",
              lambda w, d: stats.cagr(w.values, annualization=w.annualization),
              lambda w: "the compounded value reaches zero or below"),
    Statistic("ytd", "return", "Year to date", "YTD", "frac",
              lambda w, d: ret_mod.ytd_return(w.returns), lambda w: "no returns"),
    Statistic("ror_3m", "return", "3 month ROR", "3M", "frac", _trailing(3), _history(3)),
    Statistic("ror_6m", "return", "6 month ROR", "6M", "frac", _trailing(6), _history(6)),
    Statistic("ror_1y", "return", "1 year ROR", "1Y", "frac", _trailing(12), _history(12)),
    Statistic("ror_3y", "return", "3 year ROR", "3Y", "frac", _trailing(36), _history(36)),
    Statistic("winning_months_frac", "return", "Winning months", "Win %", "frac",
              lambda w, d: w.month_stats.winning_months_frac, lambda w: "no months"),
    Statistic("avg_winning_month", "return", "Avg winning month", "Avg win", "frac",
              lambda w, d: w.month_stats.avg_winning_month, lambda w: "no winning month"),
    Statistic("avg_losing_month", "return", "Avg losing month", "Avg loss", "frac",
              lambda w, d: w.month_stats.avg_losing_month, lambda w: "no losing month"),
    Statistic("volatility", "risk", "Volatility (ann.)", "Vol", "frac",
              lambda w, d: stats.annual_volatility(w.values, annualization=w.annualization), _two),
    Statistic("downside_volatility", "risk", "Downside volatility (ann.)", "Down vol", "frac",
              lambda w, d: stats.downside_risk(w.values, w.risk_free, annualization=w.annualization),
              lambda w: "no returns"),
    # The factsheet shows the drawdown's size (SPEC section 3); stats keeps it <= 0.
    Statistic("max_drawdown", "risk", "Max drawdown", "Max DD", "frac",
              lambda w, d: -stats.max_drawdown(w.values), lambda w: "no returns"),
    Statistic("var", "risk", "VaR (monthly)", "VaR", "frac", _tail(stats.value_at_risk), _months),
    Statistic("expected_shortfall", "risk", "Expected shortfall (monthly)", "ES", "frac",
              _tail(stats.expected_shortfall), _months),
    Statistic("sharpe", "risk", "Sharpe", "Sharpe", "ratio",
              lambda w, d: stats.sharpe_ratio(w.values, w.risk_free, annualization=w.annualization),
              lambda w: _two(w) if w.n < 2 else "excess returns do not vary"),
    Statistic("sortino", "risk", "Sortino", "Sortino", "ratio",
              lambda w, d: (stats.sortino_ratio(w.values, w.risk_free, annualization=w.annualization)
                            if w.n >= 2 else np.nan),
              lambda w: _two(w) if w.n < 2 else "no return below the risk-free rate"),
    Statistic("calmar", "risk", "Calmar", "Calmar", "ratio",
              lambda w, d: stats.calmar_ratio(d["cagr"], -d["max_drawdown"]), lambda w: "no drawdown"),
    Statistic("beta", "risk", "Beta", "Beta", "ratio",
              _relative(lambda x, y, rf, w, d: stats.beta(x, y)), _why_relative()),
    Statistic("alpha", "risk", "Alpha (ann.)", "Alpha", "frac",
              _relative(lambda x, y, rf, w, d: stats.alpha(x, y, rf, annualization=w.annualization,
                                                         beta_value=d["beta"])), _why_relative()),
    Statistic("correlation", "risk", "Correlation", "Corr", "ratio",
              _relative(lambda x, y, rf, w, d: stats.correlation(x, y)), _why_relative()),
    Statistic("tail_correlation", "risk", "Tail correlation", "Tail corr", "ratio",
              _relative(lambda x, y, rf, w, d: stats.tail_correlation(x, y, w.alpha), tail=True),
              _why_relative(tail=True)),
)
RETURN_STAT_KEYS = tuple(s.key for s in STATISTICS if s.group == "return")
# Risk statistics in the order of the risk-statistics table (alpha before beta).
RISK_STAT_KEYS = ("volatility", "downside_volatility", "max_drawdown", "var", "expected_shortfall",
                  "sharpe", "sortino", "calmar", "alpha", "beta", "correlation", "tail_correlation")
RATIO_KEYS = frozenset(s.key for s in STATISTICS if s.unit == "ratio")


def compute_window(window):
    """Every statistic of one window: ``(return stats, risk stats, reasons)``.

    ``reasons`` maps ``'return_statistics.<key>'`` / ``'risk_statistics.<key>'``
    to why that value is NaN.
    """
    done, reasons = {}, {}
    if window.n == 0:
        why = f"{window.name} has no returns from {window.start:%Y-%m-%d} to {window.end:%Y-%m-%d}"
        for s in STATISTICS:
            done[s.key] = np.nan
            reasons[f"{s.group}_statistics.{s.key}"] = why
    else:
        for s in STATISTICS:
            value = s.compute(window, done)
            done[s.key] = value
            if not np.isfinite(value):
                reasons[f"{s.group}_statistics.{s.key}"] = s.why_nan(window)
    return ({k: done[k] for k in RETURN_STAT_KEYS}, {k: done[k] for k in RISK_STAT_KEYS}, reasons)
