"""``pvr compare``: runs and saved frames side by side, a report page, a sweep's report.

Text (default), JSON or CSV of the runs' figures, as before; ``--html`` /
``--pdf`` write the comparison report (:mod:`pvr_plugin.views.comparison_html`);
``--sweep ID`` compares a sweep's best runs and adds its parameter views and,
when its spec was recorded, its out-of-sample and overfitting figures.
"""
import os

import click

from pvr_plugin.cli.help import example
from pvr_plugin.core.pvr import RISK_MODELS
from pvr_plugin.errors import PvrInputError
from pvr_plugin.cli.runs import _emit, _undefined_notes, _unique

#: Runs of a sweep compared by default (its best by PvR %/day).
DEFAULT_TOP = 20
_SIDE_BY_SIDE = ("pvr_per_day_pct", "pvr_pct", "qret_pct", "cagr", "alpha", "beta", "sharpe", "max_drawdown",
                 "cash_low_usd", "max_short_usd", "max_risk_usd", "max_leverage", "days", "resolution",
                 "risk_model", "capital_usd", "start", "end")


def _check_outputs(html, pdf):
    """Refuse output paths that cannot be written, before any work (inputs are frames: other suffixes)."""
    from pvr_plugin.store.files import check_output_path

    if html:
        check_output_path(html, "--html", suffixes=(".html", ".htm"))
    if pdf:
        check_output_path(pdf, "--pdf", suffixes=(".pdf",))


def _side_by_side(frame):
    """One column per run, one row per figure; tags listed under it (every line within the width)."""
    from pvr_plugin.views.text_table import NA, Column, cell, header, missing, render, wrap

    names = _unique(frame["run"])
    columns = [Column("", tuple(header(r) for r in _SIDE_BY_SIDE), right=False)]
    for i, run in enumerate(names):
        cells = tuple(cell(r, frame.loc[i, r]) for r in _SIDE_BY_SIDE)
        # a run's name may be cut, its figures never
        columns.append(Column(run, cells, floor=max(map(len, cells))))
    tags = "\n".join(line for run, tag in zip(names, frame["tag"])
                     for line in wrap(f"{run}: {NA if missing(tag) else tag}", indent="  "))
    return render(columns) + "\n\ntags\n" + tags + _undefined_notes(names, frame["nan_reason"])


def _write_page(runs, html, pdf, **page):
    from pvr_plugin.views.comparison_html import html_to_pdf, write_comparison_html

    if html:
        write_comparison_html(runs, html, **page)
        click.echo(f"wrote {html}", err=True)
    if pdf:
        path = html or os.path.join(os.path.dirname(os.path.abspath(pdf)),
                                    f".{os.path.basename(pdf)}.{os.getpid()}.html")
        if not html:
            write_comparison_html(runs, path, **page)
        try:
            html_to_pdf(path, pdf)
        finally:
            if not html and os.path.exists(path):
                os.unlink(path)
        click.echo(f"wrote {pdf}", err=True)


@click.command(epilog=example("pvr compare 3 4 perf.pkl --html report.html"))
@click.argument("items", nargs=-1, metavar="RUN_ID_OR_FILE...")
@click.option("--sweep", "sweep_id", metavar="SWEEP_ID",
              help="Compare the best runs of this sweep, with its parameter views (instead of RUN_ID_OR_FILE).")
@click.option("--top", type=click.IntRange(min=1), default=DEFAULT_TOP, show_default=True,
              help="With --sweep: how many of its best runs get curves and table rows.")
@click.option("--model", type=click.Choice(RISK_MODELS),
              help="Risk model for files (default: the frame's own, else cash_or_short).")
@click.option("--html", "html", type=click.Path(dir_okay=False), metavar="REPORT.HTML",
              help="Write the comparison report: one self-contained page (no network, prints on A4/Letter).")
@click.option("--pdf", type=click.Path(dir_okay=False), metavar="REPORT.PDF",
              help="Also print the report to PDF with headless Chromium.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
              help="Print page size of the report.")
@click.option("--title", help="Title of the report.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects, one per run.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per run.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False),
              help="Ledger file for run ids (default $PVR_HOME/runs.sqlite).")
def compare(items, sweep_id, top, model, html, pdf, paper, title, as_json, as_csv, ledger_path):
    """Compare saved runs (ledger ids) and performance files side by side.

    A number is a run id from `pvr runs`; anything else is a saved frame
    (.pkl/.pickle/.parquet; write ./12.pkl for a file whose name is digits).
    Only the files named here are opened; pickles can run code when opened,
    so name only files you made yourself. --html/--pdf write a report with
    the runs' curves, the ranked table and each run's settings.
    """
    from pvr_plugin.store.run_ledger import RunLedger

    if not items and not sweep_id:
        raise PvrInputError("Missing argument 'RUN_ID_OR_FILE...': give run ids or files to compare, "
                            "or --sweep SWEEP_ID")
    if items and sweep_id:
        raise PvrInputError("give run ids or files to compare, or --sweep SWEEP_ID, not both")
    if as_json and as_csv:
        raise PvrInputError("choose one of --json and --csv")
    _check_outputs(html, pdf)
    ledger = RunLedger(ledger_path)
    report = None
    if sweep_id:
        from pvr_plugin.sweep.report import sweep_report

        report = sweep_report(ledger, sweep_id)
        chosen = report.ok_run_ids[:top]
        if not chosen:
            raise PvrInputError(f"sweep {sweep_id} has no successful run to compare")
        items = tuple(str(i) for i in chosen)
    from pvr_plugin.views.comparison import load_runs, ranked_table

    runs = load_runs(list(items), ledger=ledger, model=model)
    frame = ranked_table(runs)
    notes = []
    if report is not None and len(report.ok_run_ids) > len(runs):
        notes.append(f"the best {len(runs)} of the sweep's {len(report.ok_run_ids)} successful runs are compared "
                     "(--top); the parameter views use every run")
    if html or pdf:
        _write_page(runs, html, pdf, title=title, paper=paper, sweep=report, notes=notes)
        if not (as_json or as_csv):
            return

    def text():
        if report is None:
            return _side_by_side(frame)
        from pvr_plugin.views.sweep_views import effects_text, runs_text
        from pvr_plugin.views.overfit_text import validation_lines

        lines = [runs_text(report.results), "", effects_text(report.results), ""]
        lines += validation_lines(report.validation) if report.validation is not None else [report.note]
        return "\n".join(lines)

    _emit(frame.drop(columns=["rank", "series"]), as_json, as_csv, text)
