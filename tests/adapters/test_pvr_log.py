"""SessionTracker: day counting, PvR per day, PvRAvg, new highs, summary text."""
import math
import re

import pytest

from pvr_plugin.adapters import pvr_log as pvr_text
from pvr_plugin.core.tracker import SessionTracker


def test_two_sessions():
    t = SessionTracker(start_usd=1000.0, watch_highs=True, track_pvrp=True)
    d1 = t.end_of_session("d1", [1000, 400, 500], [0, 600, 520], [0, 0, 0])
    assert d1.days == 1 and d1.max_risk_usd == 600 and d1.cash_low_usd == 400
    assert d1.pvr_pct == pytest.approx(100 * 20 / 600)
    assert [i for i, _ in d1.new_highs] == [1]  # bar 1 set the cash low and max risk
    d2 = t.end_of_session("d2", [500, -100], [560, 1200], [0, 0])
    assert d2.days == 2 and d2.max_risk_usd == 1100
    assert d2.pvr_pct == pytest.approx(100 * 100 / 1100)
    assert d2.pvr_per_day_pct == pytest.approx(100 * 100 / 1100 / 2)
    assert d2.pvr_avg_pct == pytest.approx((100 * 20 / 600 + 100 * 100 / 1100) / 2)
    # proportional: cash -100 < 0, dip 1100 scaled by S / V = 1000 / 1100 -> 1000
    assert d2.pvrp_pct == pytest.approx(100 * 100 / 1000)
    assert d2.cagr == pytest.approx(1.1 ** (252 / 2) - 1)


def test_no_trades_summary_says_so():
    t = SessionTracker(start_usd=5000.0)
    t.end_of_session("2021-01-04", [5000], [0], [0])
    s = t.summary()
    assert math.isnan(s.pvr_pct) and math.isnan(s.pvr_per_day_pct)
    lines = pvr_text.summary_lines(s, "2024-01-01 10:00 US/Eastern", runtime_s=30)
    assert "No capital was used" in lines[1]
    assert lines[0].startswith("PvR nan %/day")


SUMMARY_RE = [
    r"^PvR -?\d+\.\d{4} %/day   cagr -?\d+\.\d{3}   Portfolio value -?\d+   PnL -?\d+$",
    r"^  Profited -?\d+ on \d+ activated/transacted for PvR of -?\d+\.\d%$",
    r"^  QRet -?\d+\.\d{2} PvR -?\d+\.\d{2} CshLw -?\d+ MxLv \d+\.\d{2} MxRisk \d+ MxShrt \d+$",
    r"^\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d  \$\d+  \d{4}-\d\d-\d\d \d\d:\d\d US/Eastern$",
    r"^Runtime \d+ hr \d+\.\d min$",
]


def summary_matches(lines):
    return len(lines) == len(SUMMARY_RE) and all(re.match(p, ln) for p, ln in zip(SUMMARY_RE, lines))


def test_summary_format():
    import pandas as pd

    t = SessionTracker(start_usd=1_000_000.0)
    t.end_of_session(pd.Timestamp("2011-01-04"), [1_000_000, -62_492], [0, 1_062_492], [0, 0])
    t.end_of_session(pd.Timestamp("2011-01-05"), [-62_492], [13_377_789], [0])
    lines = pvr_text.summary_lines(t.summary(), "2017-02-24 21:17 US/Eastern", runtime_s=534)
    assert summary_matches(lines), lines
    assert "Profited 12315297 on 1062492 activated/transacted for PvR of 1159.1%" in lines[1]
    assert lines[-1] == "Runtime 0 hr 8.9 min"


def test_new_high_line_format():
    values = {"leverage": 1.234, "max_leverage": 1.5, "value_usd": 1010.0, "cash_usd": -20.0,
              "cash_low_usd": -20.0, "short_usd": 0.0, "max_short_usd": 0.0, "risk_usd": 1020.0,
              "max_risk_usd": 1020.0, "pvr_pct": 0.98}
    line = pvr_text.new_high_line("2022-11-21  31", values, 1000.0)
    assert line == ("2022-11-21  31 Lv 1.2 MxLv 1.50 QRet 1.0 PvR 1.0 PnL 10 Cash -20 CshLw -20"
                    " Shrt 0 MxShrt 0 Risk 1020 MxRisk 1020")
