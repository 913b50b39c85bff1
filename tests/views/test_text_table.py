"""The text-table formatter: cells by unit (values worked by hand), cutting and blocks within 120 columns."""
import math

import numpy as np
import pandas as pd
import pytest

from pvr_plugin.views.text_table import ELLIPSIS, NA, Column, cell, cut, header, number, render_lines


@pytest.mark.parametrize("name, value, shown", [
    ("max_risk_usd", 1234567.8, "$1,234,568"),
    ("max_risk_usd", -1200.0, "-$1,200"),
    ("cash_low_usd", -0.4, "$0"),              # rounds to zero: no minus sign
    ("capital_usd", 1e6, "$1,000,000"),        # not in the field table: the _usd suffix
    ("qret_pct", 12.34, "12.34%"),             # a return of 0.1234 is 12.34 percent
    ("pvr_pct", -7.5, "-7.50%"),
    ("pvr_per_day_pct", 0.7512, "0.7512"),    # the header says %/day
    ("sharpe", 1.236, "1.24"),
    ("max_drawdown", -0.1, "-0.100"),
    ("alpha", 1.5e15, "1.5e+15"),              # an account gone to zero: three significant digits
    ("days", 100.0, "100"),
    ("days", np.int64(7), "7"),
    ("max_leverage", np.float64(1.0), "1.00"),
    ("tag", "0.75 r1.0", "0.75 r1.0"),
    ("created_at", "2026-01-02T03:04:05.123", "2026-01-02 03:04"),
])
def test_cells_by_unit(name, value, shown):
    assert cell(name, value) == shown


@pytest.mark.parametrize("value", [None, math.nan, np.nan, pd.NA, math.inf, float("-inf")])
@pytest.mark.parametrize("name", ["max_risk_usd", "qret_pct", "pvr_per_day_pct", "sharpe", "days", "tag"])
def test_missing_is_na_in_every_unit(name, value):
    assert cell(name, value) == NA == "n/a"


def test_headers_leave_out_the_sign_their_cells_carry():
    assert header("max_risk_usd") == "MxRisk" and header("qret_pct") == "QRet"
    assert header("pvr_per_day_pct") == "PvR %/day" and header("run_id") == "run"
    assert number(0.5, "frac") == "0.500" and number(2, "count") == "2"


def test_cut_keeps_the_width_and_marks_the_end():
    assert cut("abcdef", 4) == "abc" + ELLIPSIS and cut("abc", 4) == "abc" and len(cut("x" * 50, 9)) == 9


def test_a_long_text_column_is_cut_to_what_is_left():
    columns = [Column("run", ("1",)), Column("MxRisk", ("$1,234,568",)),
               Column("tag", ("t" * 200,), right=False, floor=8)]
    lines = render_lines(columns)
    # 3 + 2 + 10 + 2 = 17 characters before the tag: 103 are left for it
    assert lines[1] == "  1  $1,234,568  " + "t" * 102 + ELLIPSIS
    assert max(map(len, lines)) == 120


def test_a_table_too_wide_to_cut_is_printed_in_blocks_repeating_its_key():
    columns = [Column("label", ("row a",), right=False)]
    columns += [Column(f"c{i:02d}", (f"{i:10d}",)) for i in range(20)]
    lines = render_lines(columns)
    # room after the key: 120 - 5 - 2 = 113; nine columns take 9 * 10 + 8 * 2 = 106, ten 118
    blocks = "\n".join(lines).split("\n\n")
    assert len(blocks) == 3
    assert [len(b.splitlines()[0].split()) - 1 for b in blocks] == [9, 9, 2]
    assert all(b.splitlines()[1].startswith("row a") for b in blocks)
    assert max(map(len, lines)) <= 120
