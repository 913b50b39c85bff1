"""The ``pvr`` zipline metrics set: PvR columns with no change to the algorithm.

``run_algorithm(..., metrics_set='pvr')`` (or ``zipline run --metrics-set pvr``
with this package's extension loaded) adds per-day columns to the performance
frame (see :data:`COLUMNS`) and an end-of-run summary readable in ``analyze()``
as ``context.risk_report['pvr']``. Intraday extremes are exact in minute mode:
each session is rebuilt minute by minute at its close from the ledger.
"""
import logging
import time

from zipline.finance import metrics

from pvr_plugin.adapters import pvr_log
from pvr_plugin.adapters.ledger_bars import CommissionLog, close_values, end_of_day_bars, session_bars
from pvr_plugin.core.fields import BY_NAME, DAILY_BARS, INTRADAY, QUANTITIES
from pvr_plugin.core.pvr import RISK_MODELS, check_model
from pvr_plugin.core.tracker import SessionTracker

log = logging.getLogger("pvr_plugin.pvr")

#: (column, tracker attribute) of each daily column the metrics set adds,
#: from the field table; the risk model and the resolution are settings of the run.
_DAY_COLUMNS = tuple((q.column, q.name) for q in QUANTITIES if q.column and q.day)
_RESOLUTION_COLUMN = BY_NAME["resolution"].column
_MODEL_COLUMN = BY_NAME["risk_model"].column
_EXACT_COLUMN = BY_NAME["intraday_exact"].column
#: Every column the metrics set adds to zipline's performance frame, from the field table
#: (``intraday_exact`` among them: False where a session could not be rebuilt exactly).
COLUMNS = tuple(q.column for q in QUANTITIES if q.column)
SUMMARY_KEY = "pvr"
# context.risk_report[INEXACT_KEY]: [{"session", "reason"}] of minute sessions
# that could not be rebuilt exactly (their intraday_exact column is False)
INEXACT_KEY = "pvr_inexact_sessions"


class PvRMetric:
    """A zipline metric (lifecycle hooks as in ``zipline.finance.metrics.metric``)."""

    def __init__(self, model="cash_or_short", leverage_limit=1.0, log_summary=True, tz="US/Eastern",
                 keep_bars=False):
        self.model = check_model(model)
        self.keep_bars = keep_bars  # keep every bar's values on the tracker (tests)
        self.leverage_limit = leverage_limit
        self.log_summary = log_summary
        self.tz = tz

    def start_of_simulation(self, ledger, emission_rate, trading_calendar, sessions, benchmark_source):
        self._calendar = trading_calendar
        self._minute = ledger.position_tracker.data_frequency == "minute"
        self._commissions = CommissionLog(ledger) if self._minute else None
        self._tracker = SessionTracker(
            start_usd=float(ledger.portfolio.starting_cash), model=self.model,
            leverage_limit=self.leverage_limit, resolution=INTRADAY if self._minute else DAILY_BARS,
            keep_bars=self.keep_bars,
        )
        self._wall_start = time.time()
        self.summary = None
        self._inexact = []

    def end_of_session(self, packet, ledger, session, session_ix, data_portal):
        session = session.tz_localize(None) if session.tzinfo is not None else session
        if self._minute:
            minutes = self._calendar.session_minutes(session)
            cash, long_, short, problem = session_bars(ledger, data_portal, minutes, self._commissions, synced=True)
            if problem is not None:  # zipline's own values at the close, and say so
                cash, long_, short = close_values(ledger)
                self._inexact.append({"session": str(session.date()), "reason": problem})
                log.warning(f"pvr: {session.date()}: intraday values not rebuilt ({problem}); "
                            "this session uses zipline's values at the close")
        else:
            cash, long_, short, problem = (*end_of_day_bars(ledger), None)
        day = self._tracker.end_of_session(session, cash, long_, short)
        perf = packet["daily_perf"]
        for column, name in _DAY_COLUMNS:
            perf[column] = getattr(day, name)
        perf[_MODEL_COLUMN] = self.model
        perf[_RESOLUTION_COLUMN] = self._tracker.resolution
        # True: the intraday extremes are exact (minute mode: rebuilt minute by
        # minute; daily mode: the one bar); False: only the close was used
        perf[_EXACT_COLUMN] = problem is None

    def end_of_simulation(self, packet, ledger, trading_calendar, sessions, data_portal, benchmark_source):
        summary = self.summary = self._tracker.summary()
        if summary is None:
            return
        # The summary object stays on the metric for the caller that ran the
        # backtest (the runner); zipline's analyze() gets it as a plain dict.
        packet[SUMMARY_KEY] = summary.as_dict()
        packet[INEXACT_KEY] = list(self._inexact)
        if self.log_summary:
            lines = pvr_log.summary_lines(summary, pvr_log.wall_clock(self.tz), time.time() - self._wall_start)
            log.info("\n".join(lines))


def metrics_set(model="cash_or_short"):
    """zipline's default metrics plus :class:`PvRMetric` (a fresh set per run)."""
    found = metrics.load("default")
    found.add(PvRMetric(model=model))
    return found


def pvr_metric(metrics_set):
    """The :class:`PvRMetric` in a loaded metrics set, or None."""
    return next((m for m in metrics_set if isinstance(m, PvRMetric)), None)


def register_metrics_sets():
    """Register ``pvr`` (default risk model) and ``pvr-<model>`` for each model."""
    names = {"pvr": "cash_or_short", **{f"pvr-{m}": m for m in RISK_MODELS}}
    for name, model in names.items():
        if name not in metrics.metrics_sets:
            metrics.register(name, lambda model=model: metrics_set(model))


register_metrics_sets()
