"""The run explorer: the run ledger in the browser (ipywidgets served by Voila, no code shown).

Filter and sort the recorded runs, pick some, see their curves overlaid and
their ranked table, see a sweep's parameter views and out-of-sample figures,
and download the listed table (CSV) and the comparison report (HTML). The
notebook ``run_explorer.ipynb`` (package data, next to this module) only
builds :class:`RunExplorer` and displays it. Start it with::

    python -m pvr_plugin.app.run_explorer [--ledger PATH] [--port 8866]
        [--max-kernels N] [--cull-idle-s S] ...

It is served through :mod:`pvr_plugin.app.serve` (idle kernels culled,
kernels capped, a busy page over the cap), like every app of the package.
The ledger is only read (``--ledger``, or the ``PVR_EXPLORER_LEDGER``
environment variable; default ``$PVR_HOME/runs.sqlite``); no file a run
names is opened, and downloads are made in memory (data: links), never
written on the server. Every problem is a message in the page.
"""
from __future__ import annotations

import argparse
import base64
import html
import os
import sys
from pathlib import Path

from pvr_plugin.extras import exit_without

if __name__ == "__main__":  # served from the command line: say which extra is missing, in one line
    exit_without("app", "the run explorer", "run_explorer")

import ipywidgets as widgets  # noqa: E402
import pandas as pd

from pvr_plugin.core.fields import BY_NAME
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.run_ledger import RunLedger
from pvr_plugin.store.series import runs_with_series

#: Environment variable naming the ledger the explorer reads.
LEDGER_ENV = "PVR_EXPLORER_LEDGER"
NOTEBOOK = Path(__file__).with_name("run_explorer.ipynb")
#: Most runs compared at once, and most listed.
MAX_SELECTED = 20
MAX_LISTED = 500
ALL = "(all)"
_LISTED = ("run_id", "algorithm_name", "sweep_id", "status", "pvr_per_day_pct", "pvr_pct", "qret_pct",
           "max_risk_usd", "max_leverage", "days", "tag")
_SORTS = ("pvr_per_day_pct", "pvr_pct", "qret_pct", "sharpe", "max_risk_usd", "max_leverage", "run_id",
          "created_at")
_ERROR = "color:#b00020;font-weight:bold"
_OK = "color:#1b5e20"


def _label(name):
    q = BY_NAME.get(name)
    return q.header if q is not None and q.unit not in ("text", "count") else {
        "run_id": "run", "algorithm_name": "algorithm", "sweep_id": "sweep", "created_at": "created"}.get(
        name, name.replace("_", " "))


def _cell(name, value):
    q = BY_NAME.get(name)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "n/a" if q is not None and q.fmt else ""
    if q is not None and q.fmt and isinstance(value, (int, float)) and q.unit != "count":
        return format(value, q.fmt)
    return str(value)


def _note(text, ok=False):
    return f"<div class='explorer-status' style='{_OK if ok else 'color:#333'}'>{text}</div>"


def _png(fig):
    from pvr_plugin.views.comparison import figure_png

    return figure_png(fig, dpi=80)


class RunExplorer:
    """The app: filters, the run list, a picker, the comparison and the downloads.

    Parameters
    ----------
    ledger : str or os.PathLike or RunLedger, optional
        Default ``$PVR_HOME/runs.sqlite``.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole app; display it.
    """

    def __init__(self, ledger=None):
        self.ledger = ledger if isinstance(ledger, RunLedger) else RunLedger(ledger)
        self.listed = None  # the filtered runs (DataFrame)
        wide = {"description_width": "initial"}
        self.algorithm = widgets.Dropdown(description="Algorithm:", options=[ALL], value=ALL, style=wide)
        self.sweep = widgets.Dropdown(description="Sweep:", options=[ALL], value=ALL, style=wide)
        self.status_filter = widgets.Dropdown(description="Status:", options=["ok", "failed", "all"], value="ok",
                                              style=wide)
        self.search = widgets.Text(description="Contains:", placeholder="text in parameters or tag", style=wide,
                                   continuous_update=False)
        self.sort = widgets.Dropdown(description="Sort by:", options=[(_label(s), s) for s in _SORTS],
                                     value="pvr_per_day_pct", style=wide)
        self.ascending = widgets.Checkbox(description="smallest first", value=False)
        self.table = widgets.HTML()
        self.picker = widgets.SelectMultiple(description="Pick runs:", options=[], rows=10, style=wide,
                                             layout={"width": "720px"})
        self.compare_button = widgets.Button(description="Compare picked runs", button_style="success",
                                             icon="line-chart")
        self.status = widgets.HTML(value=_note("Loading the ledger..."))
        self.plot = widgets.Image(format="png", layout={"width": "100%", "max_width": "1100px"})
        self.plot.layout.display = "none"
        self.ranked = widgets.HTML()
        self.sweep_plot = widgets.Image(format="png", layout={"width": "100%", "max_width": "1100px"})
        self.sweep_plot.layout.display = "none"
        self.sweep_text = widgets.HTML()
        self.downloads = widgets.HTML()
        self.report_link = widgets.HTML()

        for control in (self.algorithm, self.sweep, self.status_filter, self.search, self.sort, self.ascending):
            control.observe(self._on_filter, names="value")
        self.sweep.observe(self._on_sweep, names="value")
        self.compare_button.on_click(lambda _b: self.compare())

        self.widget = widgets.VBox([
            widgets.HTML("<h2>Run explorer</h2><p>Recorded backtests, best PvR %/day first. Filter and sort "
                         "them, pick up to 20, and compare their PvR %, QRet %, max risk, cash low and "
                         "leverage curves. Choose a sweep to see which parameter values win.</p>"),
            widgets.HBox([self.algorithm, self.sweep, self.status_filter]),
            widgets.HBox([self.search, self.sort, self.ascending]),
            self.downloads,
            self.table,
            widgets.HBox([self.picker, self.compare_button]),
            self.status,
            self.plot,
            self.ranked,
            self.report_link,
            self.sweep_plot,
            self.sweep_text,
        ])
        self.reload()

    @classmethod
    def from_environment(cls):
        """The explorer of the ledger named by ``PVR_EXPLORER_LEDGER`` (default: ``$PVR_HOME``'s)."""
        return cls(os.environ.get(LEDGER_ENV) or None)

    # ---------------------------------------------------------- listing

    def reload(self):
        """Read the ledger again: filter choices and the list."""
        try:
            everything = self.ledger.query(status="all")
        except PvrInputError as exc:
            self._fail(str(exc))
            return
        algorithms = sorted({a for a in everything["algorithm_name"].dropna()})
        sweeps = sorted({s for s in everything["sweep_id"].dropna()})
        self.algorithm.options = [ALL, *algorithms]
        self.sweep.options = [ALL, *sweeps]
        self.refresh()

    def refresh(self):
        """Apply the filters and the sort; show the list, the picker and the CSV link."""
        try:
            frame = self.ledger.query(
                algorithm=None if self.algorithm.value == ALL else self.algorithm.value,
                sweep_id=None if self.sweep.value == ALL else self.sweep.value,
                status=self.status_filter.value, sort=self.sort.value, descending=not self.ascending.value)
        except PvrInputError as exc:
            self._fail(str(exc))
            return
        text = (self.search.value or "").strip().lower()
        if text:
            haystack = (frame["params"].fillna("") + " " + frame["tag"].fillna("") + " "
                        + frame["algorithm_name"].fillna("")).str.lower()
            frame = frame[haystack.str.contains(text, regex=False)]
        self.listed = frame.reset_index(drop=True)
        kept = runs_with_series(self.ledger)
        shown = self.listed.head(MAX_LISTED)
        head = "".join(f"<th>{html.escape(_label(c))}</th>" for c in (*_LISTED, "curves"))
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(c, row[c]))}</td>" for c in _LISTED)
            + f"<td>{'yes' if int(row['run_id']) in kept else 'summary only'}</td></tr>"
            for _, row in shown.iterrows())
        more = (f"<p>showing the first {MAX_LISTED} of {len(self.listed)} runs; narrow the filters</p>"
                if len(self.listed) > MAX_LISTED else "")
        self.table.value = (f"<div class='explorer-list' style='max-height:320px;overflow:auto'>"
                            f"<table class='explorer-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
                            f"</table></div>{more}")
        self.picker.options = [
            (f"#{int(r['run_id'])} {r['algorithm_name'] or ''}  {_cell('pvr_per_day_pct', r['pvr_per_day_pct'])} "
             f"%/day  {r['tag'] or ''}", int(r["run_id"])) for _, r in shown.iterrows()]
        csv = base64.b64encode(self.listed.to_csv(index=False).encode("utf-8")).decode("ascii")
        self.downloads.value = (f"<a class='explorer-csv' download='runs.csv' href='data:text/csv;base64,{csv}'>"
                                f"Download these {len(self.listed)} runs (CSV)</a>")
        self.status.value = _note(f"{len(self.listed)} runs listed from {html.escape(self.ledger.path.name)}. "
                                  "Pick runs and press Compare.", ok=True)

    def _on_filter(self, _change):
        self.refresh()

    # ---------------------------------------------------------- comparing

    def compare(self, run_ids=None):
        """Draw the picked runs (or ``run_ids``): curves, ranked table, report link."""
        ids = list(run_ids if run_ids is not None else self.picker.value)
        if not ids:
            self._fail("pick at least one run first")
            return
        if len(ids) > MAX_SELECTED:
            self._fail(f"{len(ids)} runs picked; compare at most {MAX_SELECTED} at once")
            return
        self.status.value = _note("Drawing...")
        try:
            from pvr_plugin.views.comparison import load_runs, plot_comparison, ranked_table
            from pvr_plugin.views.comparison_html import render_comparison_html

            runs = load_runs(ids, ledger=self.ledger)
            png = _png(plot_comparison(runs))
            table = ranked_table(runs)
            page = render_comparison_html(runs, sweep=self._sweep_report_of(ids))
        except PvrInputError as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # the page must stay usable whatever the ledger holds
            self._fail(f"could not compare the runs ({type(exc).__name__}: {exc})")
            return
        self.plot.value = png
        self.plot.layout.display = None
        shown = ["rank", "run", "pvr_per_day_pct", "pvr_pct", "qret_pct", "max_risk_usd", "cash_low_usd",
                 "max_leverage", "days", "tag", "series"]
        head = "".join(f"<th>{html.escape(_label(c))}</th>" for c in shown)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(c, r[c]))}</td>" for c in shown) + "</tr>"
                       for _, r in table.iterrows())
        self.ranked.value = (f"<table class='explorer-ranked'><thead><tr>{head}</tr></thead>"
                             f"<tbody>{body}</tbody></table>")
        report = base64.b64encode(page.encode("utf-8")).decode("ascii")
        self.report_link.value = (f"<a class='explorer-report' download='comparison.html' "
                                  f"href='data:text/html;base64,{report}'>Download the comparison report (HTML)</a>")
        missing = [n for n in table.loc[table["series"] != "kept", "run"]]
        extra = f" No curves for {', '.join(missing)} (summary only)." if missing else ""
        self.status.value = _note(f"Compared {len(runs)} runs.{html.escape(extra)}", ok=True)

    def _sweep_report_of(self, ids):
        """The chosen sweep's report when every picked run belongs to it."""
        if self.sweep.value == ALL or self.listed is None:
            return None
        of_sweep = set(int(i) for i in self.listed["run_id"])
        if not set(int(i) for i in ids) <= of_sweep:
            return None
        from pvr_plugin.sweep.report import sweep_report

        return sweep_report(self.ledger, self.sweep.value)

    # ---------------------------------------------------------- sweeps

    def _on_sweep(self, change):
        self.show_sweep(change["new"])

    def show_sweep(self, sweep_id):
        """The parameter views and out-of-sample figures of a sweep (hidden for '(all)')."""
        if sweep_id in (None, ALL):
            self.sweep_plot.layout.display = "none"
            self.sweep_text.value = ""
            return
        try:
            from pvr_plugin.sweep.report import sweep_report
            from pvr_plugin.views.overfit_text import validation_lines
            from pvr_plugin.views.sweep_views import effects_text, plot_sweep_views

            report = sweep_report(self.ledger, sweep_id)
            png = _png(plot_sweep_views(report.results))
            lines = validation_lines(report.validation) if report.validation is not None else [report.note]
        except PvrInputError as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # the page must stay usable whatever the ledger holds
            self._fail(f"could not show sweep {sweep_id} ({type(exc).__name__}: {exc})")
            return
        self.sweep_plot.value = png
        self.sweep_plot.layout.display = None
        text = effects_text(report.results) + "\n\n" + "\n".join(lines)
        self.sweep_text.value = f"<pre class='explorer-sweep'>{html.escape(text)}</pre>"

    def _fail(self, message):
        self.status.value = f"<div class='explorer-error' style='{_ERROR}'>Error: {html.escape(message)}</div>"


def main(argv=None):
    """Serve the explorer notebook (the one documented command)."""
    from pvr_plugin.app import serve  # the server's imports stay out of the kernels

    parser = argparse.ArgumentParser(prog="python -m pvr_plugin.app.run_explorer",
                                     description="Serve the run explorer (the run ledger in the browser) with Voila.")
    parser.add_argument("--ledger", default=os.environ.get(LEDGER_ENV),
                        help=f"Run ledger to show (default: ${LEDGER_ENV}, else $PVR_HOME/runs.sqlite).")
    serve.add_serve_options(parser)
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.ledger:
        if not os.path.isfile(args.ledger):
            print(f"run_explorer: error: --ledger {args.ledger}: no such file", file=sys.stderr)
            return 2
        env[LEDGER_ENV] = os.path.abspath(args.ledger)
    else:
        env.pop(LEDGER_ENV, None)
    serve.exec_serve(NOTEBOOK, args, env, max_upload_bytes=serve.DEFAULT_MAX_UPLOAD_BYTES)


if __name__ == "__main__":
    sys.exit(main())
