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
        ``why_nan(window)`` -> the reason the value is NaN (``nan_reasons``).
    formula : str
        How it is computed (``r`` the returns, ``rf`` the per-period
        risk-free rates, ``n`` their number, ``ppy`` periods per year).
    undefined : str
        When it is NaN, in general terms.
    reference : str
        The library function it agrees with, or how it differs.
    """

    key: str
    group: str
    title: str
    short: str
    unit: str
    compute: object
    why_nan: object
    formula: str = ""
    undefined: str = ""
    reference: str = ""


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


#: Every return and risk statistic, in the order of the return-statistics table.
STATISTICS = (
    Statistic("total_return", "return", "Total return", "Total", "frac",
              lambda w, d: stats.total_return(w.values), lambda w: "no returns",
              formula="prod(1 + r) - 1",
              undefined="no returns in the range"),
    Statistic("cagr", "return", "CAGR", "CAGR", "frac",
              lambda w, d: stats.cagr(w.values, annualization=w.annualization),
              lambda w: "the compounded value reaches zero or below",
              formula="prod(1 + r) ** (ppy / n) - 1, years counted in periods",
              undefined="the compounded value reaches zero or below",
              reference="`empyrical.cagr`"),
    Statistic("ytd", "return", "Year to date", "YTD", "frac",
              lambda w, d: ret_mod.ytd_return(w.returns), lambda w: "no returns",
              formula="compounded return since 1 January of the last date's year",
              undefined="no returns"),
    Statistic("ror_3m", "return", "3 month ROR", "3M", "frac", _trailing(3), _history(3),
              formula="compounded return of the returns dated after the last date minus 3 months, "
                      "not annualised",
              undefined="the series starts later than 3 months before its last date (a few days' grace)"),
    Statistic("ror_6m", "return", "6 month ROR", "6M", "frac", _trailing(6), _history(6),
              formula="as the 3 month ROR, over 6 months",
              undefined="less than 6 months of history"),
    Statistic("ror_1y", "return", "1 year ROR", "1Y", "frac", _trailing(12), _history(12),
              formula="as the 3 month ROR, over 12 months",
              undefined="less than 12 months of history"),
    Statistic("ror_3y", "return", "3 year ROR", "3Y", "frac", _trailing(36), _history(36),
              formula="as the 3 month ROR, over 36 months, not annualised",
              undefined="less than 36 months of history",
              reference="quantstats annualises its 3Y figure; this one is cumulative"),
    Statistic("winning_months_frac", "return", "Winning months", "Win %", "frac",
              lambda w, d: w.month_stats.winning_months_frac, lambda w: "no months",
              formula="share of calendar months with a compounded return above 0 (a flat month is no win)",
              undefined="no months"),
    Statistic("avg_winning_month", "return", "Avg winning month", "Avg win", "frac",
              lambda w, d: w.month_stats.avg_winning_month, lambda w: "no winning month",
              formula="mean return of the months above 0",
              undefined="no winning month"),
    Statistic("avg_losing_month", "return", "Avg losing month", "Avg loss", "frac",
              lambda w, d: w.month_stats.avg_losing_month, lambda w: "no losing month",
              formula="mean return of the months below 0",
              undefined="no losing month"),
    Statistic("volatility", "risk", "Volatility (ann.)", "Vol", "frac",
              lambda w, d: stats.annual_volatility(w.values, annualization=w.annualization), _two,
              formula="std(r, ddof=1) * sqrt(ppy)",
              undefined="fewer than 2 returns",
              reference="`empyrical.annual_volatility`"),
    Statistic("downside_volatility", "risk", "Downside volatility (ann.)", "Down vol", "frac",
              lambda w, d: stats.downside_risk(w.values, w.risk_free, annualization=w.annualization),
              lambda w: "no returns",
              formula="sqrt(sum(min(r - rf, 0) ** 2) / n * ppy), over all n returns",
              undefined="no returns",
              reference="`empyrical.downside_risk(r, rf)`"),
    # The factsheet shows the drawdown's size; stats keeps it <= 0.
    Statistic("max_drawdown", "risk", "Max drawdown", "Max DD", "frac",
              lambda w, d: -stats.max_drawdown(w.values), lambda w: "no returns",
              formula="abs(min(C_t / max(C_s, s <= t) - 1)), C compounded from 1 before the first "
                      "return; shown positive",
              undefined="no returns",
              reference="`-empyrical.max_drawdown`"),
    Statistic("var", "risk", "VaR (monthly)", "VaR", "frac", _tail(stats.value_at_risk), _months,
              formula="the alpha-quantile (5%) of the monthly returns, linear interpolation",
              undefined="fewer than 1 / alpha (20) monthly returns",
              reference="`empyrical.value_at_risk` on monthly returns"),
    Statistic("expected_shortfall", "risk", "Expected shortfall (monthly)", "ES", "frac",
              _tail(stats.expected_shortfall), _months,
              formula="mean of the monthly returns at or below the VaR, ties at the cutoff included",
              undefined="fewer than 1 / alpha (20) monthly returns",
              reference="`empyrical.conditional_value_at_risk` when no return ties at the cutoff"),
    Statistic("sharpe", "risk", "Sharpe", "Sharpe", "ratio",
              lambda w, d: stats.sharpe_ratio(w.values, w.risk_free, annualization=w.annualization),
              lambda w: _two(w) if w.n < 2 else "excess returns do not vary",
              formula="mean(r - rf) / std(r - rf, ddof=1) * sqrt(ppy)",
              undefined="fewer than 2 returns, or excess returns that do not vary",
              reference="`empyrical.sharpe_ratio(r, rf)`"),
    Statistic("sortino", "risk", "Sortino", "Sortino", "ratio",
              lambda w, d: (stats.sortino_ratio(w.values, w.risk_free, annualization=w.annualization)
                            if w.n >= 2 else np.nan),
              lambda w: _two(w) if w.n < 2 else "no return below the risk-free rate",
              formula="mean(r - rf) * ppy / downside volatility",
              undefined="fewer than 2 returns, or no return below the risk-free rate",
              reference="`empyrical.sortino_ratio(r, rf)`"),
    Statistic("calmar", "risk", "Calmar", "Calmar", "ratio",
              lambda w, d: stats.calmar_ratio(d["cagr"], -d["max_drawdown"]), lambda w: "no drawdown",
              formula="CAGR / max drawdown",
              undefined="no drawdown",
              reference="`empyrical.calmar_ratio`"),
    Statistic("beta", "risk", "Beta", "Beta", "ratio",
              _relative(lambda x, y, rf, w, d: stats.beta(x, y)), _why_relative(),
              formula="OLS slope of r on the primary benchmark's returns m (raw returns, with an "
                      "intercept), over the dates both have",
              undefined="no benchmark, fewer than 2 dates in common, or returns that do not vary",
              reference="`empyrical.beta`; statsmodels OLS"),
    Statistic("alpha", "risk", "Alpha (ann.)", "Alpha", "frac",
              _relative(lambda x, y, rf, w, d: stats.alpha(x, y, rf, annualization=w.annualization,
                                                         beta_value=d["beta"])), _why_relative(),
              formula="(1 + mean((r - rf) - beta * (m - rf))) ** ppy - 1",
              undefined="as beta",
              reference="`empyrical.alpha`; quantstats multiplies by ppy instead of compounding"),
    Statistic("correlation", "risk", "Correlation", "Corr", "ratio",
              _relative(lambda x, y, rf, w, d: stats.correlation(x, y)), _why_relative(),
              formula="Pearson correlation of r and m over the dates both have",
              undefined="as beta",
              reference="pandas `Series.corr`"),
    Statistic("tail_correlation", "risk", "Tail correlation", "Tail corr", "ratio",
              _relative(lambda x, y, rf, w, d: stats.tail_correlation(x, y, w.alpha), tail=True),
              _why_relative(tail=True),
              formula="s = r / std(r), m = market / std(market), p = w s + (1 - w) m with w = 0.5; "
                      "d_x = ES(x) - mean(x) at alpha 5% for x in s, m, p; (d_p ** 2 - w ** 2 d_s ** 2 "
                      "- (1 - w) ** 2 d_m ** 2) / (2 w (1 - w) d_s d_m), on the returns at their own "
                      "periodicity; not bounded to [-1, 1]",
              undefined="no benchmark, or fewer than 1 / alpha (20) dates in common with it",
              reference="the factsheet product's own measure; equals the Pearson correlation for normal returns"),
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
