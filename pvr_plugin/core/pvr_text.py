"""Text of the PvR log lines and summary block (plain strings, no I/O)."""
import math

import pandas as pd

from pvr_plugin.core.pvr import MIN_RISK_USD


def _num(x, fmt):
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def new_high_line(stamp, values, start_usd):
    """One log line for a bar where a running extreme moved.

    ``stamp`` is the date and minute of the day (e.g. ``2022-11-21  31``);
    ``values`` a dict as produced by the tracker's new-high scan.
    """
    v = values
    qret = 100.0 * (v["value_usd"] - start_usd) / start_usd
    return (
        f"{stamp} Lv {_num(v['leverage'], '.1f')} MxLv {_num(v['max_leverage'], '.2f')}"
        f" QRet {_num(qret, '.1f')} PvR {_num(v['pvr_pct'], '.1f')}"
        f" PnL {_num(v['value_usd'] - start_usd, '.0f')} Cash {_num(v['cash_usd'], '.0f')}"
        f" CshLw {_num(v['cash_low_usd'], '.0f')} Shrt {_num(v['short_usd'], '.0f')}"
        f" MxShrt {_num(v['max_short_usd'], '.0f')} Risk {_num(v['risk_usd'], '.0f')}"
        f" MxRisk {_num(v['max_risk_usd'], '.0f')}"
    )


def summary_lines(summary, wall_clock="", runtime_s=None):
    """The summary block as a list of lines.

    Parameters
    ----------
    summary : pvr_plugin.core.tracker.PvRSummary
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
    lines.append(
        f"  QRet {_num(s.qret_pct, '.2f')} {label} {_num(s.pvr_pct, '.2f')}"
        f" CshLw {_num(s.cash_low_usd, '.0f')} MxLv {_num(s.max_leverage, '.2f')}"
        f" MxRisk {_num(s.max_risk_usd, '.0f')} MxShrt {_num(s.max_short_usd, '.0f')}"
    )
    first = getattr(s.first_session, "date", lambda: s.first_session)()
    last = getattr(s.last_session, "date", lambda: s.last_session)()
    lines.append(f"{first} to {last}  ${s.start_usd:.0f}  {wall_clock}".rstrip())
    if runtime_s is not None:
        minutes = runtime_s / 60.0
        lines.append(f"Runtime {int(minutes // 60)} hr {minutes % 60:.1f} min")
    return lines


def wall_clock(tz):
    """Current wall-clock time in ``tz`` with the zone name, e.g. ``2024-02-24 21:17 US/Eastern``."""
    return f"{pd.Timestamp.now(tz=tz).strftime('%Y-%m-%d %H:%M')} {tz}"
