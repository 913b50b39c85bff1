"""The PvR quantities, each declared once.

One :class:`Quantity` per figure the project computes for a run: its name,
unit, short label, title, and which carriers hold it. Everything that
carries these figures is derived from :data:`QUANTITIES`:

* the tracker's per-session record (:class:`pvr_plugin.core.tracker.DayResult`),
* a run's summary (:class:`pvr_plugin.core.summary.RunSummary`),
* the columns the ``pvr`` metrics set adds to zipline's performance frame,
* the names ``pvr(record=...)`` records,
* the run ledger's figure columns,
* the per-day frame of finished runs (:func:`pvr_plugin.core.research.pvr_from_perf`),
* the per-session series the run ledger keeps of every run (:mod:`pvr_plugin.store.series`),
* the labels and number formats of the log lines and text tables.

Names users see stay as they were when the carriers were written by hand:
where a carrier uses another name (the metrics-set column
``max_gross_leverage`` for ``max_leverage``, the summary attribute ``model``
for ``risk_model``), the declaration says so.
"""
from dataclasses import dataclass

#: Unit codes and what they mean (the suffix of the name says the same).
UNITS = {
    "usd": "dollars",
    "pct": "percent",
    "pct_per_day": "percent per trading day",
    "ratio": "ratio",
    "frac": "fraction (0.05 = 5%)",
    "count": "count",
    "text": "text",
    "date": "ISO date",
    "flag": "true or false",
}
#: Suffix of a text-table header for each unit ("MxRisk $", "PvR %/day").
UNIT_SUFFIX = {"usd": " $", "pct": " %", "pct_per_day": " %/day"}


@dataclass(frozen=True)
class Quantity:
    """One figure and the names it carries.

    Attributes
    ----------
    name : str
        The name everywhere it is not overridden: tracker and summary
        attribute, per-day frame column, ledger column, JSON key.
    unit : str
        A key of :data:`UNITS`.
    label : str
        Short label in log lines and text tables (``MxLv``, ``CshLw``).
    title : str
        Human name for pages and tear sheets (``Max leverage``).
    doc : str
        One-line definition.
    fmt : str
        Format spec of the number in text tables.
    record : str, optional
        Name ``pvr(record=...)`` records it under.
    record_sign : float
        Factor applied before recording (``Shorts`` is the short book shown positive).
    column : str, optional
        Column of the ``pvr`` metrics set in zipline's performance frame.
    ledger : str, optional
        SQLite type of its run-ledger column; None when the ledger does not keep it.
    day : bool
        Held in the tracker's per-session record.
    daily : bool
        A column of the per-day frame of a finished run.
    summary : bool
        Held in a run's summary.
    summary_name : str, optional
        Attribute name in the summary when it is not ``name``.
    series : bool
        Kept per session in the run ledger (:mod:`pvr_plugin.store.series`).
    undefined : str
        When the figure has no value (NaN), and why; empty when always defined.
    reference : str
        What the figure agrees with (a zipline column, a library function).
    """

    name: str
    unit: str
    label: str
    title: str
    doc: str
    fmt: str = ""
    record: str = None
    record_sign: float = 1.0
    column: str = None
    ledger: str = None
    day: bool = False
    daily: bool = False
    summary: bool = False
    summary_name: str = None
    series: bool = False
    undefined: str = ""
    reference: str = ""

    @property
    def header(self):
        """Text-table header: the label and the unit (``PvR %/day``)."""
        return self.label + UNIT_SUFFIX.get(self.unit, "")

    @property
    def in_summary(self):
        """Attribute name in a run's summary."""
        return self.summary_name or self.name


def _q(name, unit, label, title, doc, fmt="", **carriers):
    return Quantity(name, unit, label, title, doc, fmt, **carriers)


# Why the figures computed from a run's returns are undefined (see
# pvr_plugin.core.summary.RETURN_FIGURES).
_GONE = "once the account value has reached zero or below, or a daily return is below -100% (`nan_reason` says when)"

# Order: the ledger's columns first (the run's risk model, then its figures in
# the order of comparison tables), then the rest of the summary, then the
# per-session values.
#: Every quantity, in table order.
QUANTITIES = (
    _q("risk_model", "text", "model", "Risk model", "the risk model PvR divides by",
       column="risk_model", ledger="TEXT", summary=True, summary_name="model"),
    _q("pvr_pct", "pct", "PvR", "PvR", "100 * (value - start) / max risk",
       ".2f", record="PvR", column="pvr_pct", ledger="REAL", day=True, daily=True, summary=True, series=True,
       undefined="while max risk is below one cent: nothing has been put at risk yet",
       reference="the project's own; for the same trades, equal at any starting capital (cash_or_short, gross)"),
    _q("pvr_per_day_pct", "pct_per_day", "PvR", "PvR per day", "PvR divided by the sessions so far",
       ".4f", column="pvr_per_day_pct", ledger="REAL", day=True, daily=True, summary=True,
       undefined="while PvR is undefined"),
    _q("qret_pct", "pct", "QRet", "Returns", "100 * (value - start) / start, the platform's return",
       ".2f", record="QRet", column="qret_pct", ledger="REAL", day=True, daily=True, summary=True, series=True,
       reference="zipline's `algorithm_period_return` times 100"),
    _q("cagr", "frac", "CAGR", "CAGR", "(value / start) ** (252 / days) - 1",
       ".3f", ledger="REAL", day=True, daily=True, summary=True,
       undefined=_GONE, reference="`empyrical.cagr` of the daily returns"),
    _q("alpha", "frac", "alpha", "Alpha",
       "(1 + mean(r - beta * b)) ** 252 - 1, r and b the run's and the benchmark's daily returns",
       ".3f", ledger="REAL", summary=True,
       undefined="without a benchmark; " + _GONE, reference="zipline's risk report (`empyrical.alpha`)"),
    _q("beta", "ratio", "beta", "Beta", "OLS slope of the daily returns on the benchmark's, cov(r, b) / var(b)",
       ".3f", ledger="REAL", summary=True,
       undefined="without a benchmark, or when the benchmark does not vary; " + _GONE,
       reference="zipline's risk report (`empyrical.beta`)"),
    _q("sharpe", "ratio", "sharpe", "Sharpe", "mean(r) / std(r, ddof=1) * sqrt(252) of the daily returns",
       ".2f", ledger="REAL", summary=True,
       undefined="with fewer than two sessions, or returns that do not vary; " + _GONE,
       reference="zipline's risk report (`empyrical.sharpe_ratio`), else `core.stats.sharpe_ratio`"),
    _q("max_drawdown", "frac", "MaxDD", "Max drawdown",
       "min over t of value_t / max(value_s, s <= t) - 1, the deepest fall from a peak (<= 0)",
       ".3f", ledger="REAL", summary=True,
       undefined=_GONE, reference="zipline's `max_drawdown` (`empyrical.max_drawdown`)"),
    _q("cash_low_usd", "usd", "CshLw", "Cash low", "lowest cash seen, capped at the starting capital",
       ",.0f", record="CashLow", column="cash_low_usd", ledger="REAL", day=True, daily=True, summary=True, series=True,
       reference="the lowest `context.portfolio.cash` read after every bar (every minute of a minute backtest)"),
    _q("max_short_usd", "usd", "MxShrt", "Max short", "largest short book seen, shown positive",
       ",.0f", record="MxShrt", column="max_short_usd", ledger="REAL", day=True, daily=True, summary=True, series=True,
       reference="the largest short book read from `context.portfolio` after every bar"),
    _q("max_risk_usd", "usd", "MxRisk", "Max risk", "running maximum of the risk model's capital at risk",
       ",.0f", record="MxRisk", column="max_risk_usd", ledger="REAL", day=True, daily=True, summary=True, series=True),
    _q("max_leverage", "ratio", "MxLv", "Max leverage", "highest gross leverage seen",
       ".2f", record="MxLv", column="max_gross_leverage", ledger="REAL", day=True, daily=True, summary=True, series=True,
       reference="the largest gross leverage read from `context.account` after every bar"),
    _q("days", "count", "days", "Days", "trading sessions so far",
       "d", ledger="INTEGER", day=True, daily=True, summary=True),
    _q("resolution", "text", "resolution", "Resolution",
       "what the extremes were measured from: 'intraday' (every minute) or 'daily bars' (each close)",
       column="pvr_resolution", ledger="TEXT", daily=True, summary=True),
    _q("intraday_exact", "flag", "exact", "Intraday exact",
       "whether the session's intraday extremes were rebuilt exactly (false: zipline's values at the close)",
       column="intraday_exact"),
    _q("tag", "text", "tag", "Tag", "short text of the headline figures for titles and file names",
       ledger="TEXT", summary=True),
    _q("nan_reason", "text", "n/a because", "Why n/a",
       "why alpha, beta, Sharpe, max drawdown and CAGR are undefined (empty when they are defined)",
       ledger="TEXT", summary=True),
    _q("start_usd", "usd", "capital", "Starting capital", "starting capital (or manual cash)",
       ",.0f", summary=True,
       reference="zipline's `capital_base`"),
    _q("value_usd", "usd", "Value", "Portfolio value", "cash + long + short",
       ",.0f", day=True, daily=True, summary=True, series=True,
       reference="zipline's `portfolio_value`"),
    _q("pnl_usd", "usd", "PnL", "Profit and loss", "value - start",
       ",.0f", record="PnL", day=True, daily=True, summary=True,
       reference="the sum of zipline's daily `pnl`"),
    _q("first_day", "date", "from", "First session", "first session of the run", summary=True),
    _q("last_day", "date", "to", "Last session", "last session of the run", summary=True),
    _q("pvr_avg_pct", "pct", "PvRAvg", "PvR average", "mean of the end-of-day PvR values",
       ".2f", record="PvRAvg", day=True, summary=True,
       undefined="until some session has a PvR"),
    _q("cash_usd", "usd", "Cash", "Cash", "cash at the bar",
       ",.0f", record="Cash", day=True, daily=True, series=True,
       reference="zipline's `ending_cash` at a close"),
    _q("long_usd", "usd", "Long", "Long book", "dollar value of the long positions",
       ",.0f", day=True, daily=True, series=True,
       reference="zipline's `long_exposure`"),
    _q("short_usd", "usd", "Shrt", "Short book", "dollar value of the short positions (<= 0, zipline's sign)",
       ",.0f", record="Shorts", record_sign=-1.0, day=True, daily=True, series=True,
       reference="zipline's `short_exposure`"),
    _q("leverage", "ratio", "Lv", "Gross leverage", "(long - short) / value",
       ".2f", record="Lv", day=True, daily=True, series=True,
       undefined="when the account value is exactly zero", reference="zipline's `gross_leverage`"),
    _q("risk_usd", "usd", "Risk", "Risk", "the risk model's capital at risk at the bar",
       ",.0f", record="Risk", day=True, daily=True),
    _q("pvrp_pct", "pct", "PvRp", "PvRp", "PvR under the proportional risk model",
       ".2f", record="PvRp", day=True,
       undefined="while max risk under the proportional model is below one cent"),
    _q("returns", "frac", "Ret", "Daily return", "value / previous value - 1",
       ".4f", series=True,
       reference="zipline's `returns` column"),
)

BY_NAME = {q.name: q for q in QUANTITIES}
#: Resolutions: extremes over every minute of a minute backtest, or at each
#: session's close (a daily backtest, or closes only).
INTRADAY = "intraday"
#: The resolution of extremes measured at each session's close.
DAILY_BARS = "daily bars"
RESOLUTIONS = (INTRADAY, DAILY_BARS)
#: Quantities that are settings of the run rather than figures it produced:
#: tables show them with the run's identity, not among its figures.
SETTINGS = ("risk_model",)


def quantity(name):
    """The :class:`Quantity` called ``name`` (KeyError for an unknown name)."""
    return BY_NAME[name]


def names(where):
    """Names of the quantities a carrier holds, in table order.

    ``where`` is ``'day'``, ``'daily'``, ``'summary'`` (summary attribute
    names), ``'ledger'``, ``'figures'`` (the ledger's figures without the
    run's settings: the columns of comparison tables), ``'column'``
    (metrics-set column names) or ``'record'`` (``pvr(record=...)`` names).
    """
    if where == "summary":
        return tuple(q.in_summary for q in QUANTITIES if q.summary)
    if where == "column":
        return tuple(q.column for q in QUANTITIES if q.column)
    if where == "record":
        return tuple(q.record for q in QUANTITIES if q.record)
    if where == "ledger":
        return tuple(q.name for q in QUANTITIES if q.ledger)
    if where == "figures":
        return tuple(q.name for q in QUANTITIES if q.ledger and q.name not in SETTINGS)
    return tuple(q.name for q in QUANTITIES if getattr(q, where))


#: ``pvr(record=...)`` name -> quantity.
BY_RECORD = {q.record: q for q in QUANTITIES if q.record}
#: Metrics-set column -> quantity.
BY_COLUMN = {q.column: q for q in QUANTITIES if q.column}
