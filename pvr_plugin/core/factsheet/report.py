"""Assemble every factsheet statistic into one JSON-serialisable report.

:func:`build_report` computes each analytics widget of the factsheet over
the whole date range (the top-level JSON keys) and, when widgets are
requested with their own options (date range, top N, confidence level,
rolling windows, benchmarks), each of those too. A statistic that cannot be
computed is NaN (``null`` in JSON) and ``nan_reasons`` says why; the rest is
still computed.
"""
from dataclasses import dataclass, field

import pandas as pd

from pvr_plugin.core.factsheet import returns as ret_mod
from pvr_plugin.core import stats
from pvr_plugin.core.factsheet.inputs import DEFAULT_BENCHMARKS, FactsheetInputs, prepare_inputs
from pvr_plugin.core.factsheet.statistics import RETURN_STAT_KEYS, RISK_STAT_KEYS
from pvr_plugin.core.factsheet.widgets import (
    ANALYTICS_WIDGETS,
    COMMON_OPTIONS,
    DEFAULT_CONFIDENCE,
    OPTIONS,
    WIDGET_OPTIONS,
    StatsCache,
    WidgetResult,
    compute_widget,
    resolve_options,
)
from pvr_plugin.core.jsonable import jsonable

__all__ = [
    "ANALYTICS_WIDGETS", "COMMON_OPTIONS", "WIDGET_OPTIONS", "FactsheetReport", "WidgetResult",
    "build_report", "compute_widget", "factsheet", "resolve_options",
]


@dataclass
class FactsheetReport:
    """All factsheet statistics. :meth:`to_dict` gives the documented JSON (fractions).

    Attributes
    ----------
    name, period, annualization, start, end, primary, benchmark_names,
    risk_free_source, notes
        What was computed and from what.
    sections : dict
        Widget type -> :class:`WidgetResult` over the whole range.
    benchmarks : dict
        Benchmark name -> its return and risk statistics, return report and
        yearly returns (against the primary benchmark).
    benchmark_reasons : dict
    widgets : list of WidgetResult
        The requested widgets with their own options (empty if none).
    inputs : FactsheetInputs
    """

    name: str
    period: str
    annualization: int
    start: pd.Timestamp
    end: pd.Timestamp
    primary: str
    benchmark_names: list
    risk_free_source: str
    notes: list
    sections: dict
    benchmarks: dict
    benchmark_reasons: dict
    widgets: list = field(default_factory=list)
    inputs: FactsheetInputs = field(default=None, repr=False)
    risk_free_coverage: dict = field(default_factory=dict)

    @property
    def nan_reasons(self):
        """Dotted JSON path -> why that value is NaN / null (or a list is short)."""
        out = {}
        for key, sec in self.sections.items():
            for k, why in sec.reasons.items():
                out[k if key == "drawdown_report" else f"{key}.{k}"] = why
        for k, why in self.benchmark_reasons.items():
            out[f"benchmarks.{k}"] = why
        return out

    def to_dict(self):
        """The JSON document; NaN becomes null with an entry in ``nan_reasons``."""
        s = self.sections
        hist = s["historical_performance"].data
        doc = {
            "name": self.name,
            "units": "fractions (0.05 = 5%) unless a key ends in _pct or _usd; ratios are plain numbers",
            "period": self.period,
            "periods_per_year": self.annualization,
            "start": f"{self.start:%Y-%m-%d}",
            "end": f"{self.end:%Y-%m-%d}",
            "primary_benchmark": self.primary,
            "benchmark_names": list(self.benchmark_names),
            "risk_free_source": self.risk_free_source,
            "risk_free_coverage": self.risk_free_coverage,
            "notes": list(self.notes),
            "return_statistics": s["return_statistics"].data,
            "risk_statistics": s["risk_statistics"].data,
            "drawdowns": s["drawdown_report"].data["drawdowns"],
            "return_report": s["return_report"].data,
            "monthly_returns": hist["monthly_returns"],
            "yearly_returns": hist["yearly_returns"],
            "worst_months": s["worst_months"].data["months"],
            "benchmarks": self.benchmarks,
            "cumulative_performance": s["cumulative_performance"].data,
            "monthly_distribution": s["monthly_distribution"].data,
            "expected_shortfall": s["expected_shortfall"].data,
            "performance_metrics": s["performance_metrics"].data,
        }
        if "pvr" in s:
            doc["pvr"] = s["pvr"].data
        doc["nan_reasons"] = self.nan_reasons
        if self.widgets:
            doc["widgets"] = [w.to_dict() for w in self.widgets]
        return jsonable(doc)


def build_report(inputs, widgets=None, top_n=OPTIONS["top_n"].default, confidence=DEFAULT_CONFIDENCE,
                 windows=OPTIONS["windows"].default, alpha=stats.DEFAULT_ALPHA):
    """Compute every factsheet statistic.

    Parameters
    ----------
    inputs : FactsheetInputs
        From :func:`~pvr_plugin.core.factsheet.inputs.prepare_inputs`.
    widgets : list of (type, options) or dict, optional
        Analytics widgets to compute with their own options, e.g.
        ``[("drawdown_report", {"top_n": 10, "start": "2008-01-01"})]``.
    top_n, confidence, windows
        Defaults of the drawdown report, expected shortfall and return
        report over the whole range.
    alpha : float
        Significance level of the risk statistics' VaR, expected shortfall
        and tail correlation (0.05 by default).

    Returns
    -------
    FactsheetReport
    """
    ctx = StatsCache(inputs, alpha)
    defaults = {"drawdown_report": {"top_n": top_n}, "expected_shortfall": {"confidence": confidence},
                "return_report": {"windows": list(windows)}}
    sections = {}
    for wtype in ANALYTICS_WIDGETS:
        if wtype == "pvr" and inputs.pvr is None:
            continue
        sections[wtype] = compute_widget(ctx, wtype, defaults.get(wtype), where=wtype)

    bench, bench_reasons = {}, {}
    start, end = inputs.start, inputs.end
    for name in inputs.benchmarks:
        rs, ks, why = ctx.stats(name, start, end, inputs.primary)
        monthly = ctx.monthly(name, start, end)
        report = ret_mod.return_report(monthly, windows)
        yearly = ret_mod.yearly_returns(ctx.window(name, start, end))
        bench[name] = {
            "start": f"{ctx.window(name, start, end).index[0]:%Y-%m-%d}",
            "end": f"{ctx.window(name, start, end).index[-1]:%Y-%m-%d}",
            "return_statistics": {k: rs[k] for k in RETURN_STAT_KEYS},
            "risk_statistics": {k: ks[k] for k in RISK_STAT_KEYS},
            "return_report": {w: {c: report.at[w, c] for c in report.columns} for w in report.index},
            "yearly_returns": {str(p): v for p, v in zip(yearly.index, yearly.to_numpy())},
        }
        for k, v in why.items():
            bench_reasons[f"{name}.{k}"] = v

    requested = []
    for i, item in enumerate(widgets or ()):
        wtype, opts = (item["type"], {k: v for k, v in item.items() if k != "type"}) \
            if isinstance(item, dict) else item
        where = f"widgets[{i}]"
        if not opts and wtype in sections:
            requested.append(sections[wtype])
        else:
            requested.append(compute_widget(ctx, wtype, opts, where=where))
    return FactsheetReport(
        name=inputs.name, period=inputs.period, annualization=inputs.annualization,
        start=inputs.start, end=inputs.end, primary=inputs.primary,
        benchmark_names=list(inputs.benchmarks), risk_free_source=inputs.risk_free.source,
        risk_free_coverage=inputs.risk_free.coverage(inputs.returns.index),
        notes=list(inputs.notes), sections=sections, benchmarks=bench,
        benchmark_reasons=bench_reasons, widgets=requested, inputs=inputs,
    )


def factsheet(returns, benchmarks=DEFAULT_BENCHMARKS, primary=None, risk_free=None, start=None, end=None,
              period=None, widgets=None, **kwargs):
    """Load the inputs and build the report in one call.

    ``returns``, ``benchmarks``, ``primary``, ``risk_free``, ``start``,
    ``end`` and ``period`` as in
    :func:`~pvr_plugin.core.factsheet.inputs.prepare_inputs` (which also
    takes ``column``, ``kind``, ``unit``, ``risk_free_unit`` and ``name``);
    ``widgets`` and the remaining keywords as in :func:`build_report`.

    Returns
    -------
    FactsheetReport
    """
    load_keys = ("column", "kind", "unit", "risk_free_unit", "name", "annualization")
    load = {k: kwargs.pop(k) for k in load_keys if k in kwargs}
    inputs = prepare_inputs(returns, benchmarks=benchmarks, primary=primary, risk_free=risk_free,
                            start=start, end=end, period=period, **load)
    return build_report(inputs, widgets=widgets, **kwargs)
