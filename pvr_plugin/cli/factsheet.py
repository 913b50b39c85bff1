"""``pvr factsheet``: a one-page factsheet (HTML, PDF, JSON) from a return series.

Options on the command line win over the config file's ``[data]`` table.
User mistakes raise :class:`~pvr_plugin.errors.PvrInputError`; the ``pvr``
group prints them as one line and exits with status 2.
"""
import json
import os

import click

from pvr_plugin.cli.help import example
from pvr_plugin.core.factsheet.inputs import DEFAULT_BENCHMARKS
from pvr_plugin.core.factsheet.widgets import DEFAULT_CONFIDENCE, OPTIONS
from pvr_plugin.errors import PvrInputError

UNITS = click.Choice(["auto", "fraction", "percent"])


def _check_out(path, flag, inputs):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise PvrInputError(f"{flag} {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise PvrInputError(f"{flag} {path}: is a folder")
    for src in inputs:
        if src and os.path.exists(src) and os.path.exists(path) and os.path.samefile(src, path):
            raise PvrInputError(f"{flag} {path}: would overwrite an input file")


def _rate(text, flag):
    from pvr_plugin.core.factsheet.riskfree import read_risk_free

    try:
        return read_risk_free(text).constant
    except PvrInputError:
        raise PvrInputError(f"{flag} {text!r}: give an annual rate such as 0.02 or 2%") from None


def _windows(text):
    if text is None:
        return None
    return [w.strip() for w in text.split(",") if w.strip()]


@click.command("factsheet", epilog=example("pvr factsheet perf.pkl --benchmark SP500 --benchmark SPY --out factsheet.html"))
@click.argument("returns", required=False)
@click.option("--benchmark", "benchmarks", multiple=True, metavar="NAME_OR_CSV",
              help="Benchmark: SP500 (embedded index), SPY (zipline's file) or a CSV; repeat for "
                   "several, 'none' for none. Default SP500.")
@click.option("--primary", metavar="NAME", help="Primary benchmark (default: the first).")
@click.option("--risk-free", metavar="RATE_OR_CSV",
              help="'treasury' (3-month T-bill, 1990-01 to 2017-03), an annual rate (0.02 or 2%), or a "
                   "CSV of dated annual yields. Default: the T-bill where it covers the returns, else 0 "
                   "(said on the page).")
@click.option("--risk-free-unit", type=UNITS, default=None, help="Unit of a risk-free CSV (default auto).")
@click.option("--risk-free-fill", metavar="RATE",
              help="With the built-in T-bill: the annual rate (0.02 or 2%) where its data do not reach "
                   "(default 0).")
@click.option("--start", metavar="DATE", help="First date used (inclusive).")
@click.option("--end", metavar="DATE", help="Last date used (inclusive).")
@click.option("--title", help="Page title (default '<name> factsheet').")
@click.option("--description", help="Line under the title.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), metavar="FACTSHEET.TOML",
              help="TOML file: title, data options, widgets (see docs/factsheet.md).")
@click.option("--allow-outside-files", is_flag=True,
              help="Let the config's widgets read files outside the config file's folder (refused by default).")
@click.option("--out", type=click.Path(dir_okay=False), metavar="FACTSHEET.HTML",
              help="Write the one-page HTML factsheet here.")
@click.option("--pdf", type=click.Path(dir_okay=False), metavar="FACTSHEET.PDF",
              help="Also print it to PDF with headless Chromium.")
@click.option("--json", "as_json", is_flag=True, help="Print every statistic as JSON on stdout.")
@click.option("--column", help="Column of RETURNS to use (default: returns, then a price/NAV column).")
@click.option("--returns-unit", type=UNITS, default=None,
              help="Unit of RETURNS (default auto: percent when many values exceed +-1).")
@click.option("--period", type=click.Choice(["daily", "weekly", "monthly"]), default=None,
              help="Periodicity (default: from the dates).")
@click.option("--name", help="Display name of the strategy (default: file name).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None, help="Print page size.")
@click.option("--top-n", type=click.IntRange(min=1), default=OPTIONS["top_n"].default, show_default=True,
              help="Drawdowns listed.")
@click.option("--confidence", type=click.FloatRange(0.5, 1.0, max_open=True), default=DEFAULT_CONFIDENCE,
              show_default=True, help="Expected-shortfall widget confidence level.")
@click.option("--windows", metavar="LIST", help="Return-report windows, e.g. 1M,3M,6M,1Y,3Y,5Y.")
def factsheet(returns, benchmarks, primary, risk_free, risk_free_unit, risk_free_fill, start, end, title,
              description, config_path, allow_outside_files, out, pdf, as_json, column, returns_unit, period,
              name, paper, top_n,
              confidence, windows):
    """Factsheet statistics of RETURNS against benchmarks: HTML, PDF and JSON.

    RETURNS is a CSV (date + returns, or a price/NAV column, converted), a
    zipline performance frame saved by `pvr run --out` (.pkl/.parquet), or
    omitted when the config names it.
    """
    from pvr_plugin.core.factsheet import build_report
    from pvr_plugin.store.factsheet_config import FactsheetConfig, analytics_requests, load_config
    from pvr_plugin.store.inputs import prepare_inputs
    from pvr_plugin.views.factsheet_html import check_paper

    if not (out or pdf or as_json):
        raise PvrInputError("nothing to write: give --out FILE.html, --pdf FILE.pdf and/or --json")
    config = load_config(config_path, allow_outside=allow_outside_files) if config_path else FactsheetConfig()
    check_paper(paper or config.paper, "--paper" if paper else "paper")
    data = dict(config.data)
    returns = returns or data.get("returns")
    if not returns:
        raise PvrInputError("no returns: give RETURNS or data.returns in the config")
    for path, flag in ((out, "--out"), (pdf, "--pdf")):
        if path:
            _check_out(path, flag, [returns, config_path])
    if out and pdf and os.path.abspath(out) == os.path.abspath(pdf):
        raise PvrInputError("--out and --pdf name the same file")

    if benchmarks:
        bench = [] if [b.lower() for b in benchmarks] == ["none"] else list(benchmarks)
    else:
        bench = data.get("benchmarks", list(DEFAULT_BENCHMARKS))
    inputs = prepare_inputs(
        returns, benchmarks=bench, primary=primary or data.get("primary"),
        risk_free=risk_free if risk_free is not None else data.get("risk_free"),
        start=start or data.get("start"), end=end or data.get("end"),
        period=period or data.get("period"), column=column or data.get("column"),
        unit=returns_unit or data.get("returns_unit", "auto"),
        risk_free_unit=risk_free_unit or data.get("risk_free_unit", "auto"),
        risk_free_fill=_rate(risk_free_fill, "--risk-free-fill") if risk_free_fill else 0.0,
        name=name or data.get("name"),
    )
    kw = {"top_n": top_n, "confidence": confidence}
    if windows:
        kw["windows"] = _windows(windows)
    report = build_report(inputs, widgets=analytics_requests(config), **kw)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.risk_free_coverage.get("fill_yield") is not None and (risk_free or data.get("risk_free")) is None:
        click.echo(f"note: risk-free rate is {report.risk_free_source}", err=True)

    if out or pdf:
        from pvr_plugin.store.files import atomic_write, temp_name
        from pvr_plugin.views.factsheet_html import html_to_pdf, render_factsheet_html

        html = render_factsheet_html(report, config=config, title=title, description=description, paper=paper)
        if pdf:  # first: a browser that cannot print must not leave the HTML half of the job behind
            html_path = atomic_write(temp_name(pdf) + ".html", html)
            try:
                html_to_pdf(html_path, pdf)
            finally:
                os.unlink(html_path)
        if out:
            atomic_write(out, html)
            click.echo(f"wrote {out}", err=True)
        if pdf:
            click.echo(f"wrote {pdf}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=1, allow_nan=False))
