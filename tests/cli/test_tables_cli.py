"""The tables `pvr runs` and `pvr compare` print, as a user runs them: within 120 columns, cells by unit."""
from pvr_plugin.store import RunLedger
from pvr_plugin.views.text_table import ELLIPSIS, WIDTH
from tests.conftest import run_pvr

LONG_ALGO = "/a/global_multi_asset_long_short_equity_momentum_and_carry_strategy_usd_hedged.py"
LONG_TAG = "0.1000 r12.3 a0.05 b0.90 s1.20 d-10.0 " + "momentum carry value quality low-volatility " * 4


def seed(ledger, runs=3):
    """Runs of hand-picked figures: run 1 has max risk $1,234,567.8 and QRet 12.34 %."""
    for i in range(runs):
        ledger.record({"algorithm": LONG_ALGO if i == 0 else f"/a/algo_{i}.py", "pvr_per_day_pct": 0.1 - 0.01 * i,
                       "pvr_pct": 25.0, "qret_pct": 12.34 if i == 0 else 1.0, "days": 250, "tag": LONG_TAG,
                       "max_risk_usd": 1234567.8 if i == 0 else 5000.0, "max_leverage": 1.5, "sharpe": 1.2,
                       "max_drawdown": -0.1, "cash_low_usd": -250.0, "max_short_usd": 0.0, "runtime_s": 3.25,
                       "resolution": "daily bars", "risk_model": "cash_or_short", "capital_usd": 1e6})


def widest(text):
    return max(len(line) for line in text.splitlines())


def test_runs_table_fits_120_columns_with_a_long_tag_and_an_extra_column():
    seed(RunLedger())
    proc = run_pvr("runs", "--sort", "runtime_s")  # a sort column not shown by default adds a column
    assert proc.returncode == 0, proc.stderr
    assert widest(proc.stdout) <= WIDTH
    head, first = proc.stdout.splitlines()[:2]
    assert head.split()[:7] == ["run", "created", "(UTC)", "algorithm", "status", "runtime", "s"]
    cells = first.split()
    assert cells[0] == "1" and "$1,234,568" in cells and "12.34%" in cells and "25.00%" in cells
    assert "3.2" in cells and "-0.100" in cells and "1.50" in cells  # runtime 3.25 -> .1f rounds half to even
    # the tag and the algorithm are cut, the tag first: it repeats the figures in short
    assert first.endswith(" 0.1000 r1" + ELLIPSIS) and len(first) == WIDTH
    assert " global_mult" + ELLIPSIS + " " in first


def test_compare_of_eight_runs_prints_in_blocks_within_120_columns():
    seed(RunLedger(), runs=8)
    proc = run_pvr("compare", *range(1, 9))
    assert proc.returncode == 0, proc.stderr
    assert widest(proc.stdout) <= WIDTH
    table = proc.stdout.split("\n\ntags\n")[0]
    blocks = table.split("\n\n")
    assert len(blocks) >= 2  # eight runs do not fit side by side: the figure labels repeat
    assert all(block.splitlines()[1].startswith("PvR %/day") for block in blocks)
    by_label = {}
    for block in blocks:
        for line in block.splitlines()[1:]:
            label = "PvR %/day" if line.startswith("PvR %/day") else line.split()[0]
            by_label.setdefault(label, []).extend(line[len(label):].split())
    assert by_label["MxRisk"] == ["$1,234,568"] + ["$5,000"] * 7  # best PvR %/day first: run 1
    assert by_label["QRet"] == ["12.34%"] + ["1.00%"] * 7
    assert by_label["CshLw"] == ["-$250"] * 8 and by_label["capital"] == ["$1,000,000"] * 8
    tags = proc.stdout.split("\n\ntags\n")[1].splitlines()
    assert tags[0].startswith("  #1 global_multi_asset") and "momentum carry" in "\n".join(tags)
