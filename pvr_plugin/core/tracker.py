"""Session-by-session PvR bookkeeping, independent of any backtest engine.

A :class:`SessionTracker` is fed, once per trading session, the account values
of every bar of that session (one bar in a daily backtest, every minute in a
minute backtest). It keeps the running maxima, the day count and the end-of-day
PvR history, and returns a :class:`DayResult` per session. Engines (the zipline
adapters) only have to produce the per-bar arrays.
"""
from dataclasses import dataclass, field, make_dataclass
from dataclasses import field as dc_field

import numpy as np

from pvr_plugin.core import fields
from pvr_plugin.core import pvr as core
from pvr_plugin.core.summary import RunSummary, iso_day, undefined_reason, without_return_figures


def _day_doc():
    lines = ["End-of-session values of one account (derived from the field table).", "",
             "Attributes", "----------", "session : the session (naive Timestamp)"]
    lines += [f"{q.name} : {fields.UNITS[q.unit]}\n    {q.doc}." for q in fields.QUANTITIES if q.day]
    lines.append("new_highs : tuple of (bar index, dict) where a running extreme moved")
    return "\n".join(lines)


DayResult = make_dataclass(
    "DayResult",
    [("session", object)] + [(name, float) for name in fields.names("day")]
    + [("new_highs", tuple, dc_field(default=()))],
    frozen=True,
    namespace={"__doc__": _day_doc(), "__module__": __name__},
)


@dataclass
class SessionTracker:
    """Running PvR for one account. One instance per backtest: never shared.

    Parameters
    ----------
    start_usd : float
        Starting capital, or manual cash (deposits minus withdrawals).
    model : str
        Risk model for PvR (see :data:`pvr_plugin.core.pvr.RISK_MODELS`).
    leverage_limit : float
        L of the ``margin`` model.
    track_pvrp : bool
        Also keep the ``proportional`` model, reported as PvRp.
    watch_highs : bool
        Report the bars at which cash low, max short, max leverage or max risk
        moved (for logging new highs); costs a little per session.
    keep_bars : bool
        Keep every bar's account values (testing and debugging only).
    resolution : str
        What the extremes are measured from, for the summary: ``'intraday'``
        when the bars are every minute of each session, ``'daily bars'``
        when each session is one bar.
    """

    start_usd: float
    model: str = "cash_or_short"
    leverage_limit: float = 1.0
    track_pvrp: bool = False
    watch_highs: bool = False
    keep_bars: bool = False
    resolution: str = fields.DAILY_BARS
    days: int = 0
    first_session: object = None
    last: DayResult = None
    breach: str = ""  # why the return statistics are undefined, from the first close at or below 0
    _pvr_eod_sum: float = 0.0
    _pvr_eod_count: int = 0
    bars: list = field(default_factory=list)

    def __post_init__(self):
        if not self.start_usd or self.start_usd <= 0:
            raise ValueError(f"starting capital must be positive, got {self.start_usd!r}")
        self.state = core.PvRState(self.start_usd, self.model, self.leverage_limit)
        self.pvrp_state = core.PvRState(self.start_usd, "proportional") if self.track_pvrp else None

    def end_of_session(self, session, cash_usd, long_usd, short_usd):
        """Fold one session's bars (arrays, one entry per bar) into the state."""
        cash = np.asarray(cash_usd, float)
        long_ = np.asarray(long_usd, float)
        short = np.asarray(short_usd, float)
        value = cash + long_ + short
        lev = core.gross_leverage(long_, short, value)
        before = self.state
        self.state, bars = core.advance(self.state, cash, long_, short, value, lev)
        pvrp = np.nan
        if self.pvrp_state is not None:
            self.pvrp_state, pbars = core.advance(self.pvrp_state, cash, long_, short, value, lev)
            pvrp = float(pbars.pvr_pct[-1])
        if self.keep_bars:
            self.bars.append((session, cash, long_, short, value, lev, bars))
        self.days += 1
        if self.first_session is None:
            self.first_session = session
        s = self.start_usd
        v = float(value[-1])
        if v <= 0 and not self.breach:
            self.breach = undefined_reason([v], [session])
        pvr_value = float(bars.pvr_pct[-1])
        if not np.isnan(pvr_value):
            self._pvr_eod_sum += pvr_value
            self._pvr_eod_count += 1
        self.last = DayResult(
            session=session,
            days=self.days,
            value_usd=v,
            cash_usd=float(cash[-1]),
            long_usd=float(long_[-1]),
            short_usd=float(short[-1]),
            leverage=float(lev[-1]),
            risk_usd=float(bars.risk_usd[-1]),
            cash_low_usd=float(self.state.cash_low_usd),
            max_short_usd=float(self.state.max_short_usd),
            max_leverage=float(self.state.max_leverage),
            max_risk_usd=float(self.state.max_risk_usd),
            pvr_pct=pvr_value,
            pvr_per_day_pct=float(core.per_day(pvr_value, self.days)),
            pvrp_pct=pvrp,
            qret_pct=float(core.qret_pct(v, s)),
            pnl_usd=v - s,
            cagr=float(core.cagr(v, s, self.days)),
            pvr_avg_pct=(self._pvr_eod_sum / self._pvr_eod_count) if self._pvr_eod_count else np.nan,
            new_highs=_new_highs(before, bars, cash, short, value, lev) if self.watch_highs else (),
        )
        return self.last

    def summary(self):
        """A :class:`~pvr_plugin.core.summary.RunSummary` of everything seen so far.

        None before the first session. The return statistics (alpha, beta,
        Sharpe, max drawdown) are NaN here: the tracker sees account values,
        not the benchmark; the caller that has the run's returns adds them
        (:func:`pvr_plugin.core.summary.with_figures`).
        """
        d = self.last
        if d is None:
            return None
        summary = RunSummary(
            **{name: getattr(d, name) for name in _SUMMARY_FROM_DAY},
            resolution=self.resolution, model=self.model, start_usd=self.start_usd,
            first_day=iso_day(self.first_session), last_day=iso_day(d.session),
        )
        return without_return_figures(summary, self.breach) if self.breach else summary


# Summary figures that are the last session's values.
_SUMMARY_FROM_DAY = tuple(n for n in fields.names("summary") if n in fields.names("day"))


def _new_highs(before, bars, cash, short, value, lev):
    """Bars at which a running extreme moved past its previous level."""
    prev = lambda a, first: np.concatenate([[first], a[:-1]])  # noqa: E731
    moved = (
        (bars.cash_low_usd < prev(bars.cash_low_usd, before.cash_low_usd))
        | (bars.max_short_usd > prev(bars.max_short_usd, before.max_short_usd))
        | (bars.max_leverage > prev(bars.max_leverage, before.max_leverage))
        | (bars.max_risk_usd > prev(bars.max_risk_usd, before.max_risk_usd))
    )
    out = []
    for i in np.flatnonzero(moved):
        out.append((int(i), {
            "leverage": float(lev[i]), "max_leverage": float(bars.max_leverage[i]),
            "value_usd": float(value[i]), "cash_usd": float(cash[i]),
            "cash_low_usd": float(bars.cash_low_usd[i]), "short_usd": float(-short[i]) + 0.0,  # never "-0"
            "max_short_usd": float(bars.max_short_usd[i]), "risk_usd": float(bars.risk_usd[i]),
            "max_risk_usd": float(bars.max_risk_usd[i]), "pvr_pct": float(bars.pvr_pct[i]),
        }))
    return tuple(out)
