"""The analytics widgets of the factsheet, each computed with its own options.

Every widget of SPEC section 3 (cumulative performance, monthly distribution,
drawdown report, expected shortfall, historical performance, performance and
risk metrics, return report, return statistics, risk statistics, worst months)
plus the PvR block is a function of the inputs and the widget's options
(date range, top N, confidence level, windows, benchmarks, primary). Each
returns a :class:`WidgetResult` whose ``data`` is JSON-ready and whose
``reasons`` say why a value is NaN.
"""
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pvr_plugin.errors import PvrInputError
from pvr_plugin.core.factsheet import drawdowns as dd_mod
from pvr_plugin.core import stats
from pvr_plugin.core.factsheet import returns as ret_mod
from pvr_plugin.core.factsheet.inputs import parse_date, slice_range
from pvr_plugin.core.factsheet.tables import RETURN_STAT_KEYS, RISK_STAT_KEYS, monthly_table

ANALYTICS_WIDGETS = (
    "cumulative_performance", "monthly_distribution", "drawdown_report", "expected_shortfall",
    "historical_performance", "performance_metrics", "return_report", "return_statistics",
    "risk_statistics", "worst_months", "pvr",
)
# Options each analytics widget accepts besides start, end and title.
WIDGET_OPTIONS = {
    "cumulative_performance": ("benchmarks",),
    "monthly_distribution": ("benchmarks", "bucket_width"),
    "drawdown_report": ("top_n",),
    "expected_shortfall": ("confidence", "benchmarks"),
    "historical_performance": ("max_years",),
    "performance_metrics": ("benchmarks", "primary"),
    "return_report": ("windows",),
    "return_statistics": (),
    "risk_statistics": ("primary",),
    "worst_months": ("count", "primary"),
    "pvr": (),
}
COMMON_OPTIONS = ("start", "end", "title")
DEFAULTS = {
    "top_n": 5, "confidence": 0.95, "windows": ret_mod.DEFAULT_WINDOWS, "count": 5,
    "bucket_width": None, "max_years": None,
}
# The trailing windows of the return statistics, in months.
TRAILING = {"ror_3m": 3, "ror_6m": 6, "ror_1y": 12, "ror_3y": 36}


def jsonable(obj):
    """Plain JSON types: NaN/inf -> None, numpy scalars -> Python, Timestamps -> ISO dates."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, pd.Timestamp):
        return f"{obj:%Y-%m-%d}"
    if isinstance(obj, pd.Period):
        return str(obj)
    return obj


@dataclass
class WidgetResult:
    """One analytics widget, computed.

    Attributes
    ----------
    type : str
        One of :data:`ANALYTICS_WIDGETS`.
    options : dict
        The options used, resolved (dates as ISO strings).
    data : dict
        JSON-ready values (NaN allowed; :meth:`to_dict` turns it into null).
    reasons : dict
        Key inside ``data`` (dotted) -> why it is NaN.
    frames : dict
        pandas objects for plots and tables; not serialised.
    """

    type: str
    options: dict
    data: dict
    reasons: dict = field(default_factory=dict)
    frames: dict = field(default_factory=dict, repr=False)

    def to_dict(self):
        return {"type": self.type, "options": jsonable(self.options),
                "data": jsonable(self.data), "nan_reasons": dict(self.reasons)}


# --------------------------------------------------------------------------- statistics

class StatsCache:
    """Per-build cache of per-series statistics (lives only during one build)."""

    def __init__(self, inputs, alpha=stats.DEFAULT_ALPHA):
        self.inputs = inputs
        self.alpha = alpha
        self._cache = {}

    def series(self, name):
        return self.inputs.returns if name == self.inputs.name else self.inputs.benchmarks[name]

    def monthly(self, name, start, end):
        key = ("monthly", name, start, end)
        if key not in self._cache:
            self._cache[key] = ret_mod.monthly_returns(self.window(name, start, end))
        return self._cache[key]

    def window(self, name, start, end):
        r = self.series(name)
        lo = r.index.searchsorted(start, side="left")
        hi = r.index.searchsorted(end, side="right")
        return r.iloc[lo:hi]

    def stats(self, name, start, end, primary):
        """(return statistics, risk statistics, reasons) of one series in [start, end]."""
        key = ("stats", name, start, end, primary)
        if key not in self._cache:
            self._cache[key] = self._compute(name, start, end, primary)
        return self._cache[key]

    def _compute(self, name, start, end, primary):
        inp = self.inputs
        period, ann = inp.period, inp.annualization
        r = self.window(name, start, end)
        n = len(r)
        vals = r.to_numpy()
        rf = inp.risk_free.per_period(r.index, ann)
        monthly = self.monthly(name, start, end)
        reasons = {}
        rs = {}
        if n == 0:
            why = f"{name} has no returns from {start:%Y-%m-%d} to {end:%Y-%m-%d}"
            rs = {k: np.nan for k in RETURN_STAT_KEYS}
            k = {key: np.nan for key in RISK_STAT_KEYS}
            reasons = {f"return_statistics.{key}": why for key in RETURN_STAT_KEYS}
            reasons.update({f"risk_statistics.{key}": why for key in RISK_STAT_KEYS})
            return rs, k, reasons

        rs["total_return"] = stats.total_return(vals)
        rs["cagr"] = stats.cagr(vals, annualization=ann)
        rs["ytd"] = ret_mod.ytd_return(r)
        for key, months in TRAILING.items():
            rs[key] = ret_mod.trailing_return(r, months, period)
            if not np.isfinite(rs[key]):
                reasons[f"return_statistics.{key}"] = (
                    f"needs {months} months of history; {name} has "
                    f"{r.index[0]:%Y-%m-%d} to {r.index[-1]:%Y-%m-%d}"
                )
        ms = ret_mod.month_stats(monthly)
        rs["winning_months_frac"] = ms.winning_months_frac
        rs["avg_winning_month"] = ms.avg_winning_month
        rs["avg_losing_month"] = ms.avg_losing_month
        if ms.n_winning == 0:
            reasons["return_statistics.avg_winning_month"] = "no winning month"
        if ms.n_losing == 0:
            reasons["return_statistics.avg_losing_month"] = "no losing month"

        k = {}
        k["volatility"] = stats.annual_volatility(vals, annualization=ann)
        if n < 2:
            reasons["risk_statistics.volatility"] = f"needs 2 returns, has {n}"
        k["downside_volatility"] = stats.downside_risk(vals, rf, annualization=ann)
        k["max_drawdown"] = -stats.max_drawdown(vals)  # the factsheet shows its size (SPEC)
        need = int(math.ceil(1.0 / self.alpha - 1e-9))
        if len(monthly) >= need:
            k["var"] = stats.value_at_risk(monthly.to_numpy(), self.alpha)
            k["expected_shortfall"] = stats.expected_shortfall(monthly.to_numpy(), self.alpha)
        else:
            k["var"] = k["expected_shortfall"] = np.nan
            why = f"needs {need} monthly returns at alpha {self.alpha:g}, has {len(monthly)}"
            reasons["risk_statistics.var"] = reasons["risk_statistics.expected_shortfall"] = why
        k["sharpe"] = stats.sharpe_ratio(vals, rf, annualization=ann)
        if not np.isfinite(k["sharpe"]):
            reasons["risk_statistics.sharpe"] = (
                f"needs 2 returns, has {n}" if n < 2 else "excess returns do not vary")
        k["sortino"] = stats.sortino_ratio(vals, rf, annualization=ann) if n >= 2 else np.nan
        if not np.isfinite(k["sortino"]):
            reasons["risk_statistics.sortino"] = (
                f"needs 2 returns, has {n}" if n < 2 else "no return below the risk-free rate")
        k["calmar"] = stats.calmar_ratio(rs["cagr"], -k["max_drawdown"])
        if not np.isfinite(k["calmar"]):
            reasons["risk_statistics.calmar"] = "no drawdown"
        self._relative(k, reasons, r, rf, primary, name, need)
        return rs, k, reasons

    def _relative(self, k, reasons, r, rf, primary, name, need):
        keys = ("alpha", "beta", "correlation", "tail_correlation")
        if primary is None:
            for key in keys:
                k[key] = np.nan
                reasons[f"risk_statistics.{key}"] = "no benchmark"
            return
        m = self.inputs.benchmarks[primary]
        common = r.index.intersection(m.index)
        x = r.reindex(common).to_numpy()
        y = m.reindex(common).to_numpy()
        rf_c = rf[r.index.get_indexer(common)]
        n = len(common)
        k["beta"] = stats.beta(x, y)
        k["alpha"] = stats.alpha(x, y, rf_c, annualization=self.inputs.annualization,
                                    beta_value=k["beta"])
        k["correlation"] = stats.correlation(x, y)
        if n >= need:
            k["tail_correlation"] = stats.tail_correlation(x, y, self.alpha)
        else:
            k["tail_correlation"] = np.nan
        for key in keys:
            if np.isfinite(k[key]):
                continue
            if key == "tail_correlation" and n < need:
                why = f"needs {need} dates in common with {primary} at alpha {self.alpha:g}, has {n}"
            elif n < 2:
                why = f"needs 2 dates in common with {primary}, has {n}"
            else:
                why = f"{primary} or {name} returns do not vary"
            reasons[f"risk_statistics.{key}"] = why


# --------------------------------------------------------------------------- options

def resolve_options(inputs, wtype, options=None, where=None):
    """Check a widget's options and fill in defaults.

    Parameters
    ----------
    inputs : FactsheetInputs
    wtype : str
        One of :data:`ANALYTICS_WIDGETS`.
    options : dict, optional
    where : str, optional
        Names the widget in messages (``widgets[3]``).

    Returns
    -------
    dict
        With ``start``/``end`` Timestamps clipped to the data and every
        option of the widget present.
    """
    where = where or wtype
    if wtype not in WIDGET_OPTIONS:
        raise PvrInputError(f"{where}: unknown widget type {wtype!r}; one of {', '.join(ANALYTICS_WIDGETS)}")
    options = dict(options or {})
    allowed = set(WIDGET_OPTIONS[wtype]) | set(COMMON_OPTIONS)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise PvrInputError(
            f"{where}.{unknown[0]}: not an option of {wtype} (options: {', '.join(sorted(allowed))})"
        )
    out = {"title": options.get("title")}
    start = parse_date(options.get("start"), f"{where}.start")
    end = parse_date(options.get("end"), f"{where}.end")
    cut = slice_range(inputs.returns, start, end, label=f"returns of {inputs.name}",
                      what=f"{where} start/end")
    out["start"], out["end"] = cut.index[0], cut.index[-1]
    names = list(inputs.benchmarks)
    if "benchmarks" in WIDGET_OPTIONS[wtype]:
        chosen = options.get("benchmarks", names)
        if isinstance(chosen, str):
            chosen = [chosen]
        if not isinstance(chosen, (list, tuple)):
            raise PvrInputError(f"{where}.benchmarks: give a list of benchmark names")
        for b in chosen:
            if b not in inputs.benchmarks:
                raise PvrInputError(
                    f"{where}.benchmarks: {b!r} is not a loaded benchmark ({', '.join(names) or 'none'})"
                )
        out["benchmarks"] = list(chosen)
    if "primary" in WIDGET_OPTIONS[wtype]:
        primary = options.get("primary", inputs.primary)
        if primary is not None and primary not in inputs.benchmarks:
            raise PvrInputError(
                f"{where}.primary: {primary!r} is not a loaded benchmark ({', '.join(names) or 'none'})"
            )
        out["primary"] = primary
    for key in ("top_n", "count", "max_years"):
        if key in WIDGET_OPTIONS[wtype]:
            val = options.get(key, DEFAULTS[key])
            if val is not None and (isinstance(val, bool) or not isinstance(val, int) or val < 1):
                raise PvrInputError(f"{where}.{key}: give a whole number of at least 1, got {val!r}")
            out[key] = val
    if "confidence" in WIDGET_OPTIONS[wtype]:
        val = options.get("confidence", DEFAULTS["confidence"])
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not 0.5 <= val < 1:
            raise PvrInputError(
                f"{where}.confidence: give a level between 0.5 and 1, e.g. 0.95, got {val!r}"
            )
        out["confidence"] = float(val)
    if "bucket_width" in WIDGET_OPTIONS[wtype]:
        val = options.get("bucket_width")
        if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float)) or not val > 0):
            raise PvrInputError(f"{where}.bucket_width: give a positive fraction, e.g. 0.01, got {val!r}")
        out["bucket_width"] = val
    if "windows" in WIDGET_OPTIONS[wtype]:
        val = options.get("windows", DEFAULTS["windows"])
        if isinstance(val, str) or not isinstance(val, (list, tuple)) or not val:
            raise PvrInputError(f"{where}.windows: give a list such as [\"1M\", \"3M\", \"1Y\"]")
        for w in val:
            try:
                ret_mod.window_months(w)
            except PvrInputError as exc:
                raise PvrInputError(f"{where}.windows: {exc}") from None
        out["windows"] = list(val)
    return out


# --------------------------------------------------------------------------- widgets

def _cumulative(ctx, o):
    names = [ctx.inputs.name] + o["benchmarks"]
    curves, months = {}, {}
    for name in names:
        r = ctx.window(name, o["start"], o["end"])
        curves[name] = stats.cum_returns(r)
        m = ctx.monthly(name, o["start"], o["end"])
        months[name] = pd.Series(np.cumprod(1.0 + m.to_numpy()) - 1.0, index=m.index)
    grid = pd.DataFrame(months)
    data = {
        "months": [str(p) for p in grid.index],
        "series": {k: grid[k].tolist() for k in names},
        "total_return": {k: float(curves[k].iloc[-1]) if len(curves[k]) else np.nan for k in names},
    }
    return data, {}, {"curves": curves}


def _distribution(ctx, o):
    names = [ctx.inputs.name] + o["benchmarks"]
    monthly = {k: ctx.monthly(k, o["start"], o["end"]).to_numpy() for k in names}
    edges = ret_mod.bucket_edges(np.concatenate(list(monthly.values())), o["bucket_width"])
    counts = {k: ret_mod.bucket_counts(v, edges).tolist() for k, v in monthly.items()}
    data = {"edges": edges.tolist(), "counts": counts,
            "note": "bucket i counts months with edges[i] <= return < edges[i+1]"}
    return data, {}, {"monthly": monthly, "edges": edges}


def _drawdowns(ctx, o):
    r = ctx.window(ctx.inputs.name, o["start"], o["end"])
    found = dd_mod.top_drawdowns(r, o["top_n"])
    data = {"drawdowns": [d.to_dict() for d in found]}
    reasons = {}
    if len(found) < o["top_n"]:
        reasons["drawdowns"] = f"{len(found)} drawdown(s) in the range, {o['top_n']} asked"
    return data, reasons, {"table": dd_mod.drawdown_table(found),
                           "underwater": stats.drawdown_series(r)}


def _expected_shortfall(ctx, o):
    alpha = round(1.0 - o["confidence"], 12)
    need = int(math.ceil(1.0 / alpha - 1e-9))
    data, reasons = {"confidence": o["confidence"], "alpha": alpha, "series": {}}, {}
    for name in [ctx.inputs.name] + o["benchmarks"]:
        per = ctx.window(name, o["start"], o["end"]).to_numpy()
        mon = ctx.monthly(name, o["start"], o["end"]).to_numpy()
        row = {}
        for label, vals in (("periodic", per), ("monthly", mon)):
            if len(vals) >= need:
                row[f"var_{label}"] = stats.value_at_risk(vals, alpha)
                row[f"es_{label}"] = stats.expected_shortfall(vals, alpha)
            else:
                row[f"var_{label}"] = row[f"es_{label}"] = np.nan
                why = f"needs {need} {label} returns at confidence {o['confidence']:g}, has {len(vals)}"
                reasons[f"series.{name}.var_{label}"] = reasons[f"series.{name}.es_{label}"] = why
        data["series"][name] = row
    return data, reasons, {"table": pd.DataFrame(data["series"])}


def _historical(ctx, o):
    r = ctx.window(ctx.inputs.name, o["start"], o["end"])
    monthly = ctx.monthly(ctx.inputs.name, o["start"], o["end"])
    yearly = ret_mod.yearly_returns(r)
    data = {
        "monthly_returns": {str(p): v for p, v in zip(monthly.index, monthly.to_numpy())},
        "yearly_returns": {str(p): v for p, v in zip(yearly.index, yearly.to_numpy())},
    }
    table = monthly_table(monthly, yearly)
    return data, {}, {"table": table}


def _metrics(ctx, o):
    data, reasons = {}, {}
    for name in [ctx.inputs.name] + o["benchmarks"]:
        rs, ks, why = ctx.stats(name, o["start"], o["end"], o["primary"])
        data[name] = {**{k: rs[k] for k in RETURN_STAT_KEYS}, **{k: ks[k] for k in RISK_STAT_KEYS}}
        for k, v in why.items():
            reasons[f"{name}.{k.partition('.')[2]}"] = v
    return data, reasons, {}


def _return_report(ctx, o):
    monthly = ctx.monthly(ctx.inputs.name, o["start"], o["end"])
    table = ret_mod.return_report(monthly, o["windows"])
    data = {w: {c: table.at[w, c] for c in table.columns} for w in table.index}
    reasons = {}
    for w in table.index:
        if table.at[w, "count"] == 0:
            reasons[w] = f"needs {ret_mod.window_months(w)} months, has {len(monthly)}"
    return data, reasons, {"table": table}


def _return_statistics(ctx, o):
    rs, _, why = ctx.stats(ctx.inputs.name, o["start"], o["end"], ctx.inputs.primary)
    reasons = {k.partition(".")[2]: v for k, v in why.items() if k.startswith("return_statistics.")}
    return {k: rs[k] for k in RETURN_STAT_KEYS}, reasons, {}


def _risk_statistics(ctx, o):
    _, ks, why = ctx.stats(ctx.inputs.name, o["start"], o["end"], o["primary"])
    reasons = {k.partition(".")[2]: v for k, v in why.items() if k.startswith("risk_statistics.")}
    data = {k: ks[k] for k in RISK_STAT_KEYS}
    data["primary_benchmark"] = o["primary"]
    data["alpha_level"] = ctx.alpha
    return data, reasons, {}


def _worst_months(ctx, o):
    monthly = ctx.monthly(ctx.inputs.name, o["start"], o["end"])
    bench = ctx.monthly(o["primary"], o["start"], o["end"]) if o["primary"] else None
    table = ret_mod.worst_months(monthly, bench, o["count"])
    rows = []
    for p, row in table.iterrows():
        rows.append({"month": str(p), "return": row["return"],
                     "benchmark": row["benchmark"] if bench is not None else np.nan})
    data = {"benchmark": o["primary"], "months": rows}
    return data, {}, {"table": table}


def _pvr(ctx, o):
    block = ctx.inputs.pvr or {}
    reasons = {k: "column absent from the performance frame" for k, v in block.items() if v is None}
    return dict(block), reasons, {}


_COMPUTE = {
    "cumulative_performance": _cumulative,
    "monthly_distribution": _distribution,
    "drawdown_report": _drawdowns,
    "expected_shortfall": _expected_shortfall,
    "historical_performance": _historical,
    "performance_metrics": _metrics,
    "return_report": _return_report,
    "return_statistics": _return_statistics,
    "risk_statistics": _risk_statistics,
    "worst_months": _worst_months,
    "pvr": _pvr,
}


def compute_widget(ctx, wtype, options=None, where=None):
    """Compute one analytics widget with its options; returns a :class:`WidgetResult`."""
    o = resolve_options(ctx.inputs, wtype, options, where)
    if wtype == "pvr" and ctx.inputs.pvr is None:
        raise PvrInputError(
            f"{where or wtype}: the returns carry no PvR columns (a zipline performance frame "
            "from the pvr metrics set has them)"
        )
    data, reasons, frames = _COMPUTE[wtype](ctx, o)
    shown = {k: v for k, v in o.items() if v is not None}
    return WidgetResult(type=wtype, options=shown, data=data, reasons=reasons, frames=frames)
