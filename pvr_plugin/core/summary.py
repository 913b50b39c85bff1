"""A run's summary: its headline figures, made once and passed along.

:class:`RunSummary` is the one record of a finished (or running) backtest's
figures. The tracker makes it at the end of a run (the ``pvr`` metrics set and
``pvr()``), research makes it from a finished performance frame, and the
report, the run ledger, comparison tables and tear sheets read it. Its
attributes are derived from the field table (:mod:`pvr_plugin.core.fields`).
"""
import math
from dataclasses import asdict, make_dataclass, replace

import numpy as np

from pvr_plugin.core import fields

#: The figures of a run, in the order of the ledger and of comparison tables.
FIGURE_KEYS = fields.names("figures")
_TYPES = {"count": int, "text": str, "date": str}
#: Figures a summary may lack (NaN): the return statistics, known only when
#: the caller has the run's returns, and the PvR average.
_OPTIONAL = ("alpha", "beta", "sharpe", "max_drawdown", "pvr_avg_pct")
# What the tag shows: (figure, prefix, decimals, scale). The drawdown is a
# fraction shown in percent.
_TAG = (("pvr_per_day_pct", "", 4, 1.0), ("qret_pct", "r", 1, 1.0), ("alpha", "a", 2, 1.0),
        ("beta", "b", 2, 1.0), ("sharpe", "s", 2, 1.0), ("max_drawdown", "d", 1, 100.0))


def _fmt(x, decimals):
    if x is None or not math.isfinite(x):
        return "nan"
    text = f"{x:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text  # never "-0.00"


def tag(pvr_per_day_pct, qret_pct, alpha, beta, sharpe, max_drawdown):
    """Short text for titles and file names: ``0.7512 r1231.5 a0.42 b0.54 s1.35 d-33.7``.

    Parameters
    ----------
    pvr_per_day_pct : PvR per day, percent (4 decimals).
    qret_pct : the platform's return, percent (``r``, 1 decimal).
    alpha, beta, sharpe : (``a``, ``b``, ``s``, 2 decimals).
    max_drawdown : fraction, e.g. -0.337 (``d``, shown in percent, 1 decimal).

    Undefined figures are left out (the prefixes say which remain): a run
    whose account fell below zero reads ``-0.0288 r-1057.9``, not
    ``anan bnan``. An undefined PvR per day (nothing was ever at risk) stays
    as ``nan``, so the tag always starts with it and stays usable in a file name.
    """
    values = (pvr_per_day_pct, qret_pct, alpha, beta, sharpe, max_drawdown)
    parts = []
    for v, (_, prefix, decimals, scale) in zip(values, _TAG):
        text = _fmt(None if v is None else scale * float(v), decimals)
        if text != "nan":
            parts.append(prefix + text)
        elif not prefix:
            parts.append(text)
    return " ".join(parts)


def _post_init(self):
    # The tag is made from the figures, so a replace() never leaves it stale.
    object.__setattr__(self, "tag", tag(*(getattr(self, name) for name, *_ in _TAG)))


def _as_dict(self):
    """The summary as a dict, in field order."""
    return asdict(self)


def _label(self):
    """``PvRp`` for the proportional risk model, else ``PvR``."""
    return "PvRp" if self.model == "proportional" else "PvR"


def _docstring():
    lines = ["One run's headline figures (derived from the field table).", "", "Attributes", "----------"]
    for q in fields.QUANTITIES:
        if q.summary:
            lines.append(f"{q.in_summary} : {fields.UNITS[q.unit]}")
            lines.append(f"    {q.doc}.")
    return "\n".join(lines)


def _field(q):
    name = q.in_summary
    kind = _TYPES.get(q.unit, float)
    if name in ("tag", "nan_reason"):
        return name, str, ""
    if name in _OPTIONAL:
        return name, float, math.nan
    return name, kind


RunSummary = make_dataclass(
    "RunSummary",
    [_field(q) for q in fields.QUANTITIES if q.summary],
    frozen=True,
    kw_only=True,
    namespace={
        "__post_init__": _post_init,
        "__doc__": _docstring(),
        "as_dict": _as_dict,
        "label": property(_label),
        "__module__": __name__,
    },
)


#: The statistics computed from the run's returns: undefined once its account
#: value reaches zero or below (a period's return below -100%). PvR, QRet, PnL,
#: max risk and cash low stay defined.
RETURN_FIGURES = ("alpha", "beta", "sharpe", "max_drawdown", "cagr")


def _dollars(x):
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def undefined_reason(values_usd, sessions, returns=None):
    """Why the return statistics of an account are undefined, or ``''`` when they are defined.

    They stop meaning anything once the account value at a close is zero or
    below (``account value reached -$724,158 on 2021-03-04``), or a period's
    return is below -100% (``returns`` checked when given).
    """
    v = np.asarray(values_usd, float)
    low = np.flatnonzero(v <= 0)
    if low.size:
        i = int(low[0])
        return f"account value reached {_dollars(v[i])} on {iso_day(sessions[i])}"
    if returns is not None:
        r = np.asarray(returns, float)
        lost = np.flatnonzero(r < -1.0)
        if lost.size:
            i = int(lost[0])
            return f"a return of {100 * r[i]:.0f}% on {iso_day(sessions[i])} (below -100%)"
    return ""


def without_return_figures(summary, reason):
    """The summary with its return statistics NaN and ``nan_reason`` saying why."""
    return with_figures(summary, nan_reason=reason, **{k: math.nan for k in RETURN_FIGURES})


def with_figures(summary, **figures):
    """The summary with some figures replaced (non-finite numbers become NaN)."""
    clean = {k: (v if v is None or isinstance(v, str) or math.isfinite(v) else math.nan)
             for k, v in figures.items()}
    return replace(summary, **clean)


def iso_day(x):
    """A session label as an ISO date (``2021-01-04``); other labels as text."""
    return x.date().isoformat() if hasattr(x, "date") and callable(x.date) else str(x)
