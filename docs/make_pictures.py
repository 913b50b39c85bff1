"""Render every figure and page the project draws to PNG, from the embedded data.

    python docs/make_pictures.py [--out docs/pictures] [--only NAME ...]

One folder holds them all, so a person can look at every picture at once; the
README's images are three of them. Backtests run on the embedded ``pvr-demo``
bundle (ingested on first use); nothing is downloaded. The factsheet page is
rendered by headless Chromium (``chromium``, or ``PVR_CHROMIUM``) at A4 width.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pvr_plugin.quiet import quiet_library_warnings  # noqa: E402

HERE = Path(__file__).resolve().parent
STRATEGIES = HERE.parent / "strategies"


def _save(fig, path, dpi=80):
    fig.savefig(path, dpi=dpi, bbox_inches="tight", facecolor="white")
    print(f"wrote {path}")


def momentum_quintiles():
    """Monthly returns of quintiles of the 20 embedded stocks by trailing 12-month return."""
    from pvr_plugin.data import load_closes

    month_end = load_closes().resample("ME").last()
    monthly, trailing = month_end.pct_change(), month_end.pct_change(12)
    rows = {}
    for i in range(12, len(month_end) - 1):
        quintile = np.ceil(trailing.iloc[i].rank(method="first") / 4).astype(int)
        rows[month_end.index[i + 1]] = monthly.iloc[i + 1].groupby(quintile).mean()
    frame = pd.DataFrame(rows).T
    frame.columns = [f"Ret{q}" for q in frame.columns]
    return frame


def pvr_pictures(out):
    from pvr_plugin.adapters.runner import run_file
    from pvr_plugin.views.pvr_tear import create_pvr_tear_sheet

    runs = {
        "pvr_tear_sheet.png": ("long_short", 1_000_000.0, "long_short.py, $1,000,000"),
        "pvr_tear_sheet_wiped_out.png": ("fixed_shares", 10_000.0, "fixed_shares.py, $10,000 (account below zero)"),
    }
    perfs = {}
    for name, (algo, capital, title) in runs.items():
        result = run_file(STRATEGIES / f"{algo}.py", start="2021-01-04", end="2022-12-28",
                          capital_base=capital, metrics_set="pvr")
        fig, _ = create_pvr_tear_sheet(result.perf, title=title, return_fig=True)
        _save(fig, out / name)
        perfs[f"{algo} ${capital:,.0f}"] = result.perf
    # the same two runs compared
    from pvr_plugin.views.comparison import load_runs, plot_comparison

    _save(plot_comparison(load_runs(perfs)), out / "comparison_tear_sheet.png")


def inversion_pictures(out):
    from pvr_plugin.core.inversion import analyze_inversions
    from pvr_plugin.views.inversion_tear import plot_inversions

    frame = momentum_quintiles()
    for name, kind in (("inversion_tear_sheet.png", "sum"), ("inversion_tear_sheet_compound.png", "compound")):
        _save(plot_inversions(analyze_inversions(frame, rolling=12, cumulative=kind)), out / name)


def factsheet_pictures(out):
    from pvr_plugin.adapters.runner import run_file
    from pvr_plugin.core.factsheet import factsheet
    from pvr_plugin.views.factsheet_html import find_chromium, write_factsheet_html
    from pvr_plugin.views.factsheet_tear import create_factsheet_tear_sheet

    perf = run_file(STRATEGIES / "long_short.py", start="2015-01-02", end="2022-12-28",
                    capital_base=1_000_000.0, metrics_set="pvr").perf
    report = factsheet(perf, benchmarks=["SP500", "SPY"], name="long_short")
    fig, _ = create_factsheet_tear_sheet(perf, report=report, return_fig=True)
    _save(fig, out / "factsheet_tear_sheet.png")
    chromium = find_chromium()
    if chromium is None:
        sys.exit("make_pictures: no headless Chromium for the factsheet page (install chromium or set PVR_CHROMIUM)")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "factsheet.html"
        write_factsheet_html(report, page, title="long_short factsheet",
                             description="An example strategy of pvr-plugin on the embedded S&P 500 stocks.")
        png = out / "factsheet_page.png"
        profile = Path(tmp) / "profile"
        # 794 px is A4's 210 mm at 96 dpi; the page is 190 mm wide plus margins.
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--disable-background-networking", "--disable-component-update", "--no-first-run",
                        f"--user-data-dir={profile}", "--window-size=794,1123", f"--screenshot={png}",
                        page.as_uri()], check=True, capture_output=True, timeout=120)
        print(f"wrote {png}")


def overfit_pictures(out):
    from pvr_plugin.core.overfit import probability_of_backtest_overfitting
    from pvr_plugin.views.overfit_plot import logit_figure

    rng = np.random.default_rng(7)
    noise = rng.normal(0.0, 0.01, (750, 16))  # 16 variants with no edge: PBO near 0.5
    _save(logit_figure(probability_of_backtest_overfitting(noise, partitions=16)), out / "sweep_overfitting.png")


PICTURES = {"pvr": pvr_pictures, "inversion": inversion_pictures, "factsheet": factsheet_pictures,
            "overfit": overfit_pictures}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "pictures"), help="folder for the PNG files")
    parser.add_argument("--only", nargs="*", choices=sorted(PICTURES), help="some of the pictures only")
    args = parser.parse_args(argv)
    quiet_library_warnings()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.only or PICTURES:
        PICTURES[name](out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
