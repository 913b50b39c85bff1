"""``pvr inversions FILE.csv``: factor-inversion statistics from a bucket-returns CSV.

Prints a plain-language summary (or, with ``--json``, every statistic as JSON)
and writes ``inversion_episodes.csv`` and ``inversion_tear_sheet.png`` to the
output folder. Everything is computed before anything is written, and each
file is written to a temporary name in the same folder and then renamed, so a
failure never leaves a half-written export.
"""
import json
import os

import click

from pvr_plugin.cli.help import example
from pvr_plugin.errors import PvrInputError

EPISODES_FILE = "inversion_episodes.csv"
FIGURE_FILE = "inversion_tear_sheet.png"


@click.command("inversions", epilog=example("pvr inversions rank_perf.csv --rolling 12 --out-dir out"))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--top", type=int, default=None,
              help="Top bucket number (default: the highest-ranked bucket N).")
@click.option("--bottom", type=int, default=None,
              help="Bottom bucket number (default: bucket 1).")
@click.option("--rolling", type=int, default=None,
              help="Rolling-mean window in periods; 0 = off (default: about one year).")
@click.option("--percent/--fraction", "percent", default=None,
              help="Values are percent (5.2 = 5.2%) or fractions (default: detect).")
@click.option("--periods-per-year", type=float, default=None,
              help="Periods per year for annualised figures (default: from the dates).")
@click.option("--date-column", default=None,
              help="Name of the date column (default: Period, Date or the first column).")
@click.option("--columns", "bucket_columns", default=None,
              help="Comma-separated bucket columns, lowest ranked first (default: Ret1..RetN).")
@click.option("--cumulative", type=click.Choice(["sum", "compound"]), default="sum", show_default=True,
              help="Cumulative curve: the summed spread, or a funded long-short spread compounded.")
@click.option("--out-dir", default=".", show_default=True,
              help="Folder for inversion_episodes.csv and inversion_tear_sheet.png.")
@click.option("--json", "as_json", is_flag=True,
              help="Print every statistic as JSON (fractions, ISO dates) instead of the summary.")
def inversions(file, top, bottom, rolling, percent, periods_per_year, date_column,
               bucket_columns, cumulative, out_dir, as_json):
    """Factor inversions in FILE: when the top bucket lost to the bottom bucket.

    FILE is a rank-performance CSV (a Period or Date column and Ret1 ... RetN
    bucket columns), any CSV with a date column and buckets ordered lowest to
    highest, or an alphalens mean-return-by-quantile CSV.
    """
    # Heavy imports here so that `pvr --help` stays fast.
    from pvr_plugin.core.inversion import analyze_inversions
    from pvr_plugin.store.files import atomic_write
    from pvr_plugin.store.inputs import load_bucket_returns
    from pvr_plugin.views.inversion_tear import figure_png, plot_inversions
    from pvr_plugin.views.inversion_text import episodes_csv_text, summary_lines

    units = None if percent is None else ("percent" if percent else "fraction")
    columns = None
    if bucket_columns is not None:
        columns = [c.strip() for c in bucket_columns.split(",") if c.strip()]
    data = load_bucket_returns(file, date_column=date_column, bucket_columns=columns, units=units)
    result = analyze_inversions(data, top=top, bottom=bottom, rolling=rolling,
                                periods_per_year=periods_per_year, cumulative=cumulative)
    episodes_csv = episodes_csv_text(result)
    png = figure_png(plot_inversions(result), dpi=100)

    folder = _output_folder(out_dir)
    episodes_path = os.path.join(folder, EPISODES_FILE)
    figure_path = os.path.join(folder, FIGURE_FILE)
    atomic_write(episodes_path, episodes_csv)
    atomic_write(figure_path, png)

    if as_json:
        out = result.to_dict()
        out["outputs"] = {"episodes_csv": episodes_path, "figure_png": figure_path}
        click.echo(json.dumps(out, allow_nan=False, indent=2))
        return
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"Wrote {episodes_path} ({len(result.episodes)} episodes) and {figure_path}.")


def _output_folder(out_dir):
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise PvrInputError(f"--out-dir {out_dir}: exists and is not a folder")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise PvrInputError(f"--out-dir {out_dir}: cannot create it ({exc.strerror})") from None
    if not os.access(out_dir, os.W_OK):
        raise PvrInputError(f"--out-dir {out_dir}: not writable")
    return out_dir
