"""The factsheet and the comparison report as they print on A4 and Letter, in real Chromium.

A long strategy name (80 characters), three benchmarks and 30 years of daily
returns: nothing overflows its box, and the factsheet stays on one page.
"""
import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core.factsheet.series import sp500_returns
from tests.conftest import run_pvr
from tests.print_check import check_print

NAME = "Global Multi-Asset Long-Short Equity Momentum and Carry Strategy (USD hedged) v2"
START, END = "1992-01-02", "2021-12-31"


def _daily(scale, seed):
    """30 years of returns moving with the embedded S&P 500 closes, plus seeded noise."""
    r = sp500_returns()[START:END]
    noise = np.random.default_rng(seed).normal(0.0001, 0.005, len(r))
    return pd.Series(scale * r.to_numpy() + noise, index=r.index)


def _perf(scale, cash_frac, seed, capital=1_000_000.0):
    """A performance frame over the same 30 years (long book and cash; no shorts)."""
    ret = _daily(scale, seed)
    value = capital * np.cumprod(1 + ret.to_numpy())
    long_ = value * (1 - cash_frac) * (1 + 0.3 * np.sin(np.arange(len(ret)) / 300))
    cash = value - long_
    return pd.DataFrame({"starting_cash": np.r_[capital, cash[:-1]], "ending_cash": cash, "long_value": long_,
                         "short_value": 0.0, "portfolio_value": value, "returns": ret.to_numpy(),
                         "alpha": 0.01, "beta": scale, "sharpe": 0.5, "max_drawdown": -0.3},
                        index=pd.DatetimeIndex(ret.index).tz_localize("UTC"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("print")


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_factsheet_of_a_long_name_three_benchmarks_and_30_years_prints_on_one_page(folder, browser, paper):
    strategy, balanced = folder / "strategy.csv", folder / "balanced.csv"
    for path, scale, seed in ((strategy, 0.6, 1), (balanced, 0.5, 2)):
        s = _daily(scale, seed)
        pd.DataFrame({"date": s.index.strftime("%Y-%m-%d"), "returns": s.to_numpy()}).to_csv(path, index=False)
    out = folder / f"factsheet-{paper}.html"
    proc = run_pvr("factsheet", strategy, "--name", NAME, "--benchmark", "SP500", "--benchmark", "SPY",
                   "--benchmark", balanced, "--risk-free", "2%", "--paper", paper, "--out", out)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    assert page.count(f'title="{NAME}"') >= 3  # the name in the shortfall, metrics and worst-months tables
    assert "last 10 of 30 years" in page
    printed = check_print(browser, out, paper)
    assert printed.overflows == [], "\n".join(printed.overflows)
    assert printed.pages == 1


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_comparison_report_of_long_names_and_30_years_fits_its_width(folder, browser, paper):
    files = []
    for name, scale, cash, seed in ((NAME, 0.6, 0.2, 1), ("balanced_sixty_forty", 0.5, 0.5, 2),
                                    ("levered_momentum", 1.3, -0.3, 3)):
        path = folder / f"{name}.pkl"
        if not path.exists():
            _perf(scale, cash, seed).to_pickle(path)
        files.append(path)
    out = folder / f"compare-{paper}.html"
    proc = run_pvr("compare", *files, "--paper", paper, "--html", out)
    assert proc.returncode == 0, proc.stderr
    assert f'{NAME}.pkl"><span>' in out.read_text()  # the ranked table's name cell (the file's path)
    printed = check_print(browser, out, paper)
    assert printed.overflows == [], "\n".join(printed.overflows)
    # five charts and two tables: more than one page, each section whole (they do not break)
    assert 2 <= printed.pages <= 3
