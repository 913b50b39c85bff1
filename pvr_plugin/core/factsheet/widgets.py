"""The factsheet's widgets, each declared once: the widget registry.

A :class:`WidgetSpec` holds everything about a widget except how it is drawn:
its name, title, width on the page (in grid columns), the options it takes
(with their defaults and checks, from :data:`OPTIONS`) and, for the analytics
widgets, the function that computes it. The config reader, the report, the
HTML page (which adds a renderer per name) and the command line's defaults
all read :data:`WIDGETS`. Every analytics widget returns a
:class:`WidgetResult` whose ``data`` is JSON-ready and whose ``reasons`` say
why a value is NaN.
"""
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pvr_plugin.core import stats
from pvr_plugin.core.factsheet import drawdowns as dd_mod
from pvr_plugin.core.factsheet import returns as ret_mod
from pvr_plugin.core.factsheet.inputs import slice_range
from pvr_plugin.core.factsheet.statistics import RETURN_STAT_KEYS, RISK_STAT_KEYS, Window, compute_window
from pvr_plugin.core.factsheet.tables import monthly_table
from pvr_plugin.core.inputs import parse_date
from pvr_plugin.core.jsonable import jsonable
from pvr_plugin.errors import PvrInputError


# --------------------------------------------------------------------------- options

def _whole(val, where):
    if val is not None and (isinstance(val, bool) or not isinstance(val, int) or val < 1):
        raise PvrInputError(f"{where}: give a whole number of at least 1, got {val!r}")
    return val


def _level(val, where):
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not 0.5 <= val < 1:
        raise PvrInputError(f"{where}: give a level between 0.5 and 1, e.g. 0.95, got {val!r}")
    return float(val)


def _width(val, where):
    if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float)) or not val > 0):
        raise PvrInputError(f"{where}: give a positive fraction, e.g. 0.01, got {val!r}")
    return val


def _windows(val, where):
    if isinstance(val, str) or not isinstance(val, (list, tuple)) or not val:
        raise PvrInputError(f"{where}: give a list such as [\"1M\", \"3M\", \"1Y\"]")
    for w in val:
        try:
            ret_mod.window_months(w)
        except PvrInputError as exc:
            raise PvrInputError(f"{where}: {exc}") from None
    return list(val)


def _text(val, where):
    if not isinstance(val, str):
        raise PvrInputError(f"{where}: give a text, got {type(val).__name__}")
    return val


@dataclass(frozen=True)
class Option:
    """A widget option: its default and its check (``check(value, where)`` -> value)."""

    name: str
    default: object
    check: object
    doc: str


#: Every widget option. ``benchmarks`` and ``primary`` default to the inputs'
#: own (all loaded benchmarks, the primary one) and are checked against them.
OPTIONS = {o.name: o for o in (
    Option("start", None, None, "first date (inclusive); default the data's"),
    Option("end", None, None, "last date (inclusive); default the data's"),
    Option("title", None, _text, "heading of the widget on the page"),
    Option("benchmarks", None, None, "benchmarks shown (names of loaded benchmarks); default all"),
    Option("primary", None, None, "the benchmark relative statistics use; default the primary one"),
    Option("top_n", 5, _whole, "number of drawdowns listed"),
    Option("confidence", 0.95, _level, "expected-shortfall confidence level (0.95: the worst 5%)"),
    Option("windows", ret_mod.DEFAULT_WINDOWS, _windows, "rolling windows of the return report"),
    Option("count", 5, _whole, "number of worst months listed"),
    Option("bucket_width", None, _width, "width of the monthly-return buckets (fraction); default automatic"),
    Option("max_years", None, _whole, "years shown in the historical table (the JSON has all)"),
    Option("text", None, _text, "the free text"),
    Option("csv", None, _text, "CSV file next to the config"),
    Option("path", None, _text, "image file next to the config (PNG or JPEG)"),
    Option("caption", None, _text, "line under the image"),
)}
#: Options every analytics widget takes.
COMMON_OPTIONS = ("start", "end", "title")
DEFAULT_CONFIDENCE = OPTIONS["confidence"].default


@dataclass(frozen=True)
class WidgetSpec:
    """One widget of the factsheet.

    Attributes
    ----------
    name : str
        The ``type`` in a config file.
    title : str
        Default heading on the page.
    span : int
        Columns of the page's three-column grid it spans.
    options : tuple of str
        Options it takes besides :data:`COMMON_OPTIONS` (analytics widgets).
    compute : callable or None
        ``compute(ctx, options)`` -> (data, reasons, frames); None for the
        basic widgets (text, tables and images the config file supplies).
    """

    name: str
    title: str
    span: int
    options: tuple
    compute: object = None

    @property
    def is_analytics(self):
        return self.compute is not None

    def allowed(self):
        """Every option name the widget accepts."""
        return tuple(self.options) + (COMMON_OPTIONS if self.is_analytics else ())


@dataclass
class WidgetResult:
    """One analytics widget, computed.

    Attributes
    ----------
    type : str
        One of :data:`~pvr_plugin.core.factsheet.widgets.ANALYTICS_WIDGETS`.
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
            self._cache[key] = compute_window(self._window(name, start, end, primary))
        return self._cache[key]

    def _window(self, name, start, end, primary):
        inp = self.inputs
        r = self.window(name, start, end)
        rf = inp.risk_free.per_period(r.index, inp.annualization)
        market = None
        if primary is not None:
            m = inp.benchmarks[primary]
            common = r.index.intersection(m.index)
            market = (r.reindex(common).to_numpy(), m.reindex(common).to_numpy(),
                      rf[r.index.get_indexer(common)])
        return Window(name=name, start=start, end=end, returns=r, risk_free=rf,
                      monthly=self.monthly(name, start, end), period=inp.period,
                      annualization=inp.annualization, alpha=self.alpha, primary=primary, market=market)


# --------------------------------------------------------------------------- resolving options

def resolve_options(inputs, wtype, options=None, where=None):
    """Check a widget's options and fill in defaults.

    Parameters
    ----------
    inputs : FactsheetInputs
    wtype : str
        One of :data:`~pvr_plugin.core.factsheet.widgets.ANALYTICS_WIDGETS`.
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
    spec = WIDGETS.get(wtype)
    if spec is None or not spec.is_analytics:
        raise PvrInputError(f"{where}: unknown widget type {wtype!r}; one of {', '.join(ANALYTICS_WIDGETS)}")
    options = dict(options or {})
    check_option_names(spec, options, where)
    out = {"title": options.get("title")}
    start = parse_date(options.get("start"), f"{where}.start")
    end = parse_date(options.get("end"), f"{where}.end")
    cut = slice_range(inputs.returns, start, end, label=f"returns of {inputs.name}",
                      what=f"{where} start/end")
    out["start"], out["end"] = cut.index[0], cut.index[-1]
    names = list(inputs.benchmarks)
    if "benchmarks" in spec.options:
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
    if "primary" in spec.options:
        primary = options.get("primary", inputs.primary)
        if primary is not None and primary not in inputs.benchmarks:
            raise PvrInputError(
                f"{where}.primary: {primary!r} is not a loaded benchmark ({', '.join(names) or 'none'})"
            )
        out["primary"] = primary
    for name in spec.options:
        option = OPTIONS[name]
        if option.check is not None and name not in ("benchmarks", "primary"):
            out[name] = option.check(options.get(name, option.default), f"{where}.{name}")
    return out


def check_option_names(spec, options, where):
    """Refuse an option the widget does not take, naming the ones it does."""
    allowed = spec.allowed()
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise PvrInputError(
            f"{where}.{unknown[0]}: not an option of {spec.name} (options: {', '.join(sorted(allowed))})"
        )


# --------------------------------------------------------------------------- computing

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


# --------------------------------------------------------------------------- the registry

#: Every widget type by name, in page order.
WIDGETS = {w.name: w for w in (
    WidgetSpec("cumulative_performance", "Cumulative performance", 2, ("benchmarks",), _cumulative),
    WidgetSpec("monthly_distribution", "Distribution of monthly returns", 1,
               ("benchmarks", "bucket_width"), _distribution),
    WidgetSpec("drawdown_report", "Drawdown report", 2, ("top_n",), _drawdowns),
    WidgetSpec("expected_shortfall", "Expected shortfall", 1, ("confidence", "benchmarks"), _expected_shortfall),
    WidgetSpec("historical_performance", "Historical performance", 2, ("max_years",), _historical),
    WidgetSpec("performance_metrics", "Performance and risk metrics", 3, ("benchmarks", "primary"), _metrics),
    WidgetSpec("return_report", "Return report", 1, ("windows",), _return_report),
    WidgetSpec("return_statistics", "Return statistics", 1, (), _return_statistics),
    WidgetSpec("risk_statistics", "Risk statistics", 1, ("primary",), _risk_statistics),
    WidgetSpec("worst_months", "Worst months", 1, ("count", "primary"), _worst_months),
    WidgetSpec("pvr", "PvR (Profit vs Risk)", 1, (), _pvr),
    WidgetSpec("free_text", "", 1, ("text", "title")),
    WidgetSpec("key_value", "", 1, ("csv", "title")),
    WidgetSpec("table", "", 1, ("csv", "title")),
    WidgetSpec("image", "", 1, ("path", "title", "caption")),
    WidgetSpec("time_series", "Time series", 2, ("csv", "title")),
)}
#: The widgets computed from the returns (not the product's own text, tables and images).
ANALYTICS_WIDGETS = tuple(name for name, w in WIDGETS.items() if w.is_analytics)
BASIC_WIDGETS = tuple(name for name, w in WIDGETS.items() if not w.is_analytics)
# Kept for callers that want the option names of each analytics widget.
WIDGET_OPTIONS = {name: WIDGETS[name].options for name in ANALYTICS_WIDGETS}


def compute_widget(ctx, wtype, options=None, where=None):
    """Compute one analytics widget with its options; returns a :class:`WidgetResult`."""
    o = resolve_options(ctx.inputs, wtype, options, where)
    if wtype == "pvr" and ctx.inputs.pvr is None:
        raise PvrInputError(
            f"{where or wtype}: the returns carry no PvR columns (a zipline performance frame "
            "from the pvr metrics set has them)"
        )
    data, reasons, frames = WIDGETS[wtype].compute(ctx, o)
    shown = {k: v for k, v in o.items() if v is not None}
    return WidgetResult(type=wtype, options=shown, data=data, reasons=reasons, frames=frames)
