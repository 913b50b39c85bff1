"""Text of the PvR log lines and summary block (plain strings, no I/O).

The labels (``MxLv``, ``CshLw``, ...) come from the field table
(:mod:`pvr_plugin.core.fields`); the layout is the one the README shows.
"""
import math

import pandas as pd

from pvr_plugin.core.fields import BY_NAME
from pvr_plugin.core.pvr import MIN_RISK_USD


def _num(x, fmt):
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _pairs(values, spec):
    """``Label value`` pairs for (quantity name, format) items, labels from the field table."""
    return " ".join(f"{BY_NAME[name].label} {_num(values[name], fmt)}" for name, fmt in spec)


# (quantity, format) of each line, in the order users know from the log.
_NEW_HIGH = (("leverage", ".1f"), ("max_leverage", ".2f"), ("qret_pct", ".1f"), ("pvr_pct", ".1f"),
             ("pnl_usd", ".0f"), ("cash_usd", ".0f"), ("cash_low_usd", ".0f"), ("short_usd", ".0f"),
             ("max_short_usd", ".0f"), ("risk_usd", ".0f"), ("max_risk_usd", ".0f"))
_FIGURES = (("qret_pct", ".2f"), ("pvr_pct", ".2f"), ("cash_low_usd", ".0f"), ("max_leverage", ".2f"),
            ("max_risk_usd", ".0f"), ("max_short_usd", ".0f"))


def new_high_line(stamp, values, start_usd):
    """One log line for a bar where a running extreme moved.

    ``stamp`` is the date and minute of the day (e.g. ``2022-11-21  31``);
    ``values`` a dict as produced by the tracker's new-high scan (the short
    book shown positive).
    """
    shown = dict(values, qret_pct=100.0 * (values["value_usd"] - start_usd) / start_usd,
                 pnl_usd=values["value_usd"] - start_usd)
    return f"{stamp} {_pairs(shown, _NEW_HIGH)}"


def summary_lines(summary, wall_clock="", runtime_s=None):
    """The summary block as a list of lines.

    Parameters
    ----------
    summary : pvr_plugin.core.summary.RunSummary
    wall_clock : str
        Wall-clock stamp with its zone, e.g. ``2024-02-24 21:17 US/Eastern``.
    runtime_s : float, optional
        Adds the ``Runtime`` line.
    """
    s = summary
    label = s.label
    lines = [
        f"{label} {_num(s.pvr_per_day_pct, '.4f')} %/day   cagr {_num(s.cagr, '.3f')}"
        f"   Portfolio value {_num(s.value_usd, '.0f')}   PnL {_num(s.pnl_usd, '.0f')}",
    ]
    if s.max_risk_usd >= MIN_RISK_USD:
        lines.append(
            f"  Profited {_num(s.pnl_usd, '.0f')} on {_num(s.max_risk_usd, '.0f')}"
            f" activated/transacted for {label} of {_num(s.pvr_pct, '.1f')}%"
        )
    else:
        lines.append(f"  No capital was used (max risk 0), so {label} is undefined")
    figures = _pairs(s.as_dict(), _FIGURES).replace("PvR ", f"{label} ", 1)
    lines.append(f"  {figures}")
    lines.append(f"{s.first_day} to {s.last_day}  ${s.start_usd:.0f}  {wall_clock}".rstrip())
    if runtime_s is not None:
        minutes = runtime_s / 60.0
        lines.append(f"Runtime {int(minutes // 60)} hr {minutes % 60:.1f} min")
    return lines


def wall_clock(tz):
    """Current wall-clock time in ``tz`` with the zone name, e.g. ``2024-02-24 21:17 US/Eastern``."""
    return f"{pd.Timestamp.now(tz=tz).strftime('%Y-%m-%d %H:%M')} {tz}"
