"""The one-page factsheet: self-contained HTML, and PDF through headless Chromium.

The page is a three-column grid of widgets sized in millimetres, so the
screen shows what prints: 190 mm wide, which fits A4 and US Letter with
10 mm margins. Charts are inline SVG (text drawn as paths, no fonts to
fetch), images are base64 data URIs, styles are inline: the file makes no
network request. Files are written to a temporary file in the target folder
and renamed, so a failure never leaves half a file.
"""
import base64
import html
import io
import os
import shutil
import subprocess
import tempfile

import numpy as np
import matplotlib
from matplotlib.figure import Figure

from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.files import atomic_write, temp_name
from pvr_plugin.core.factsheet.statistics import RATIO_KEYS, RETURN_STAT_KEYS, RISK_STAT_KEYS, STATISTICS
from pvr_plugin.core.factsheet.widgets import ANALYTICS_WIDGETS, WIDGETS
from pvr_plugin.core.fields import BY_COLUMN, BY_NAME
from pvr_plugin.views import factsheet_tear as tear
from pvr_plugin.views import style

MM = 1 / 25.4  # inches per millimetre
COL_MM = {1: 60.0, 2: 124.0, 3: 188.0}
DEFAULT_MAX_YEARS = 10
PAGE_HEIGHT_MM = {"a4": 297.0, "letter": 279.4}
MARGIN_MM = 10
# Nothing may be fetched: inline styles and script, data: images only.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
# Printing: shrink the page (to 60% at most) when it is taller than the paper.
FIT_SCRIPT = (
    "(function(){var p=document.querySelector('.page');"
    "var mm=p.getBoundingClientRect().width/190;var h=p.scrollHeight/mm;"
    "if(h>AVAIL_MM){document.documentElement.style.setProperty("
    "'--fit',Math.max(AVAIL_MM/h,0.6).toFixed(4));}})();"
)
# Labels and widths come from the statistics and widget registries and the
# PvR field table; this module adds only how each widget is drawn.
LABELS = {
    **{s.key: s.title for s in STATISTICS},
    **{BY_NAME[n].column: BY_NAME[n].title for n in ("pvr_pct", "pvr_per_day_pct", "max_risk_usd",
                                                      "cash_low_usd", "max_leverage")},
}
SHORT = {s.key: s.short for s in STATISTICS}
TITLES = {name: w.title for name, w in WIDGETS.items()}
SPANS = {name: w.span for name, w in WIDGETS.items()}
# The printed page keeps its light look; the tear sheets use pyfolio's.
CHART_STYLE = dict(style.PAGE_STYLE, **{
    "svg.fonttype": "path", "svg.hashsalt": "pvr-factsheet",
    "font.size": 6.0, "axes.titlesize": 7.0, "legend.fontsize": 5.5, "xtick.labelsize": 5.5,
    "ytick.labelsize": 5.5, "axes.labelsize": 5.5, "lines.linewidth": 1.0,
})

CSS = """
*{box-sizing:border-box}
html{background:#e9ecef}
body{margin:0;font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;font-size:6.6pt;line-height:1.2;color:#222}
.page{width:190mm;margin:6mm auto;background:#fff;padding:0;box-shadow:0 0 4mm rgba(0,0,0,.15)}
header{border-bottom:0.6mm solid #2a7ab0;padding:2mm 2mm 1.5mm}
header h1{font-size:14pt;margin:0 0 .8mm;color:#1d3f5e}
header .desc{margin:0 0 .8mm;font-size:7.5pt}
header .meta{margin:0;color:#555;font-size:6.5pt}
.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:2mm 2.5mm;padding:2mm 2mm;grid-auto-flow:row dense}
.widget{break-inside:avoid;page-break-inside:avoid;min-width:0}
.span-2{grid-column:span 2}.span-3{grid-column:span 3}
.span-1 th,.span-1 td{padding:.1mm .35mm}
.widget h2{font-size:7.3pt;margin:0 0 .6mm;padding-bottom:.3mm;border-bottom:0.25mm solid #ccd;color:#1d3f5e}
.widget .sub{font-weight:normal;color:#666;font-size:6pt}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:.1mm .6mm;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{border-bottom:0.2mm solid #999;font-weight:bold;color:#333}
tbody tr:nth-child(even){background:#f5f7fa}
td.na{color:#999}
.name{white-space:normal;overflow-wrap:anywhere;min-width:14mm}
td.name{text-align:left}
.name span{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden}
table.text th,table.text td{white-space:normal;overflow-wrap:anywhere}
header,footer,.widget h2,.free{overflow-wrap:anywhere}
td.neg{color:#b03020}
.heat td,.heat th{font-size:5.8pt;padding:.1mm .4mm}
thead tr.group th{border-bottom:0;text-align:center;font-weight:normal;color:#666}
svg{display:block;width:100%;height:auto}
img{max-width:100%;max-height:45mm;display:block;margin:auto}
.free{font-size:7.5pt;line-height:1.35;margin:0}
footer{border-top:0.25mm solid #ccd;margin:0 2mm;padding:1mm 0 2mm;color:#666;font-size:5.8pt}
footer p{margin:.3mm 0}
@media print{
  html{background:#fff}
  .page{margin:0;box-shadow:none;zoom:var(--fit,1)}
  body{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


# --------------------------------------------------------------------------- formatting

def _esc(text):
    return html.escape(str(text), quote=True)


def _fmt(value, key=None, reason=None, digits=2):
    """Cell HTML for one number: percent for fractions, plain for ratios, n/a with the reason."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        tip = f' title="{_esc(reason)}"' if reason else ""
        return f'<td class="na"{tip}>n/a</td>'
    v = float(value)
    pvr = BY_COLUMN.get(key)  # a PvR column: its unit and format from the field table
    if key in RATIO_KEYS or (pvr is not None and pvr.unit == "ratio"):
        text = f"{v:.2f}"
    elif pvr is not None and pvr.unit == "usd":
        text = f"${v:{pvr.fmt}}"
    elif pvr is not None:
        text = f"{v:{pvr.fmt}}%"
    elif key == "count":
        text = f"{int(v)}"
    else:
        text = f"{v * 100:.{digits}f}%"
    cls = ' class="neg"' if v < 0 and key not in RATIO_KEYS else ""
    return f"<td{cls}>{text}</td>"


def _svg(draw, span, height_mm):
    """Render ``draw(ax)`` into an inline SVG sized for a grid cell."""
    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(COL_MM[span] * MM, height_mm * MM))
        ax = fig.add_subplot()
        draw(ax)
        fig.tight_layout(pad=0.3)
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def name_cell(name, tag="td"):
    """A cell naming a series: wraps, at most two lines (the whole name in its tooltip)."""
    return f'<{tag} class="name" title="{_esc(name)}"><span>{_esc(name)}</span></{tag}>'


def _kv_table(rows, cls=""):
    body = "".join(f"<tr><th>{_esc(k)}</th>{cell}</tr>" for k, cell in rows)
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><tbody>{body}</tbody></table>"


def _grid_table(header, rows, cls="", group=None, names=()):
    """A table with a header row; the header cells at ``names`` are series names (they wrap)."""
    head = "".join(name_cell(h, "th") if i in names else f"<th>{_esc(h)}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    klass = f' class="{cls}"' if cls else ""
    top = f'<tr class="group">{group}</tr>' if group else ""
    return f"<table{klass}><thead>{top}<tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- widgets

def _w_cumulative(w, report):
    curves = w.frames["curves"]
    return _svg(lambda ax: (tear.plot_cumulative(curves, ax, strategy=report.name), ax.set_title("")),
                SPANS["cumulative_performance"], 46)


def _w_distribution(w, report):
    d = w.data
    return _svg(lambda ax: (tear.plot_monthly_distribution(d["edges"], d["counts"], ax,
                                                           strategy=report.name), ax.set_title("")),
                1, 40)


def _w_drawdowns(w, report):
    rows = []
    for i, d in enumerate(w.data["drawdowns"], 1):
        rows.append([f"<td>{i}</td>", f"<td>{d['peak']}</td>", f"<td>{d['trough']}</td>",
                     f"<td>{d['recovery'] or 'not yet'}</td>", _fmt(-d["depth"]),
                     f"<td>{d['duration_sessions']}</td>", f"<td>{d['duration_days']}</td>"])
    if not rows:
        return "<p>No drawdown in the range.</p>"
    return _grid_table(["#", "Peak", "Trough", "Recovery", "Depth", "Sessions", "Days"], rows)


def _w_es(w, report):
    d = w.data
    rows = []
    for name, v in d["series"].items():
        rows.append([name_cell(name)] + [
            _fmt(v[k], reason=w.reasons.get(f"series.{name}.{k}"))
            for k in ("var_periodic", "es_periodic", "var_monthly", "es_monthly")])
    per = {"daily": "daily", "weekly": "weekly"}.get(report.period, "per period")
    table = _grid_table(["", "VaR", "ES", "VaR", "ES"], rows,
                        group=f'<th></th><th colspan="2">{per}</th><th colspan="2">monthly</th>')
    return table + f'<p class="sub">confidence {d["confidence"]:.0%}: ES is the mean of the worst {d["alpha"]:.0%}</p>'


def _w_historical(w, report):
    table = w.frames["table"]
    max_years = w.options.get("max_years", DEFAULT_MAX_YEARS)
    shown = table.iloc[-max_years:]
    rows = []
    for year, row in shown.iterrows():
        cells = [f"<td>{year}</td>"]
        for col in table.columns:
            v = row[col]
            if not np.isfinite(v):
                cells.append("<td></td>")
                continue
            alpha = min(abs(v) / 0.08, 1.0) * 0.55
            color = f"rgba(192,57,43,{alpha:.2f})" if v < 0 else f"rgba(46,139,87,{alpha:.2f})"
            weight = ";font-weight:bold" if col == "Year" else ""
            cells.append(f'<td style="background:{color}{weight}">{v * 100:.1f}</td>')
        rows.append(cells)
    out = _grid_table(["%"] + list(table.columns), rows, cls="heat")
    if len(table) > len(shown):
        out += f'<p class="sub">last {len(shown)} of {len(table)} years; every month is in the JSON</p>'
    return out


def _w_metrics(w, report):
    keys = ("total_return", "cagr", "volatility", "downside_volatility", "sharpe", "sortino", "calmar",
            "max_drawdown", "var", "expected_shortfall", "alpha", "beta", "correlation",
            "tail_correlation")
    rows = []
    for name, stats in w.data.items():
        rows.append([name_cell(name)] + [
            _fmt(-stats[k] if k == "max_drawdown" and stats[k] is not None else stats[k], k,
                 w.reasons.get(f"{name}.{k}")) for k in keys])
    return _grid_table([""] + [SHORT[k] for k in keys], rows)


def _w_return_report(w, report):
    rows = []
    for label, v in w.data.items():
        rows.append([f"<td>{_esc(label)}</td>"] + [_fmt(v[c], reason=w.reasons.get(label), digits=1)
                                                   for c in ("best", "worst", "mean", "median", "last")])
    return _grid_table(["Window", "Best", "Worst", "Mean", "Median", "Last"], rows)


def _w_stats(keys):
    def render(w, report):
        return _kv_table([(LABELS[k], _fmt(-w.data[k] if k == "max_drawdown" and w.data[k] is not None
                                           else w.data[k], k, w.reasons.get(k))) for k in keys])
    return render


def _w_worst(w, report):
    bench = w.data["benchmark"]
    rows = [[f"<td>{m['month']}</td>", _fmt(m["return"]), _fmt(m["benchmark"], reason="no benchmark data")]
            for m in w.data["months"]]
    return _grid_table(["Month", report.name, bench or "benchmark"], rows, names=(1, 2))


def _w_pvr(w, report):
    return _kv_table([(LABELS[k], _fmt(v, k, w.reasons.get(k))) for k, v in w.data.items()])


RENDERERS = {
    "cumulative_performance": _w_cumulative,
    "monthly_distribution": _w_distribution,
    "drawdown_report": _w_drawdowns,
    "expected_shortfall": _w_es,
    "historical_performance": _w_historical,
    "performance_metrics": _w_metrics,
    "return_report": _w_return_report,
    "return_statistics": _w_stats(RETURN_STAT_KEYS),
    "risk_statistics": _w_stats(RISK_STAT_KEYS),
    "worst_months": _w_worst,
    "pvr": _w_pvr,
}
# Every analytics widget of the registry is drawn here, and nothing else.
assert set(RENDERERS) == set(ANALYTICS_WIDGETS), sorted(set(RENDERERS) ^ set(ANALYTICS_WIDGETS))


def _basic_body(widget):
    t, c = widget.type, widget.content
    if t == "free_text":
        return f'<p class="free">{_esc(c)}</p>'
    if t == "key_value":
        return _kv_table([(k, f"<td>{_esc(v)}</td>") for k, v in c], cls="text")
    if t == "table":
        rows = [[f"<td>{_esc(v)}</td>" for v in row] for row in c.itertuples(index=False)]
        return _grid_table(list(c.columns), rows, cls="text")
    if t == "image":
        data, mime = c
        alt = widget.options.get("caption") or widget.options.get("title") or "image"
        src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        cap = widget.options.get("caption")
        return f'<img src="{src}" alt="{_esc(alt)}">' + (f'<p class="sub">{_esc(cap)}</p>' if cap else "")
    if t == "time_series":
        return _svg(lambda ax: (tear.plot_time_series(c, ax), ax.set_title("")), 2, 36)
    raise ValueError(t)


def _subtitle(w, report):
    o, parts = w.options, []
    if (o.get("start"), o.get("end")) != (report.start, report.end):
        parts.append(f"{o['start']:%Y-%m-%d} to {o['end']:%Y-%m-%d}")
    if w.type in ("risk_statistics", "worst_months", "performance_metrics") and o.get("primary"):
        parts.append(f"vs {o['primary']}")
    if w.type == "drawdown_report":
        parts.append(f"top {o['top_n']}")
    return f' <span class="sub">{_esc(" | ".join(parts))}</span>' if parts else ""


def _section(wtype, title, body, index, sub=""):
    span = SPANS.get(wtype, 1)
    if wtype == "table":
        span = 1 if body.count("<th>") <= 4 else 2 if body.count("<th>") <= 7 else 3
    heading = f"<h2>{_esc(title)}{sub}</h2>" if title or sub else ""
    return (f'<section class="widget span-{span}" data-widget="{wtype}" id="widget-{index}">'
            f"{heading}{body}</section>")


# --------------------------------------------------------------------------- page

def render_factsheet_html(report, config=None, title=None, description=None, paper=None):
    """The factsheet page as one HTML string.

    Parameters
    ----------
    report : FactsheetReport
        Built with the config's analytics widgets (in config order) when a
        config with widgets is given.
    config : FactsheetConfig, optional
        Title, description, paper and widgets. Without widgets every
        analytics widget is shown in the default order.
    title, description : str, optional
        Override the config's.
    paper : {'a4', 'letter'}, optional
        Print page size; the config's or A4.

    Returns
    -------
    str
    """
    title = title or (config.title if config else None) or f"{report.name} factsheet"
    description = description if description is not None else (config.description if config else None)
    paper = check_paper(paper or (config.paper if config else "a4"))
    sections, shown = [], []
    widgets = list(config.widgets) if config and config.widgets else None
    if widgets is None:
        for i, (wtype, w) in enumerate(report.sections.items()):
            body = RENDERERS[wtype](w, report)
            sections.append(_section(wtype, TITLES[wtype], body, i, _subtitle(w, report)))
            shown.append(w)
    else:
        n_analytics = sum(1 for wd in widgets if wd.is_analytics)
        if len(report.widgets) != n_analytics:
            raise ValueError("build the report with widgets=analytics_requests(config) for this config")
        results = iter(report.widgets)
        for i, widget in enumerate(widgets):
            if widget.is_analytics:
                w = next(results)
                body = RENDERERS[w.type](w, report)
                head = w.options.get("title") or TITLES[w.type]
                sections.append(_section(w.type, head, body, i, _subtitle(w, report)))
                shown.append(w)
            else:
                head = widget.options.get("title", TITLES[widget.type])
                sections.append(_section(widget.type, head, _basic_body(widget), i))

    bench = ", ".join(f"{b} (primary)" if b == report.primary else b for b in report.benchmark_names)
    meta = (f"{report.period.capitalize()} returns {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}"
            f" &middot; benchmarks: {_esc(bench) or 'none'}"
            f" &middot; risk-free: {_esc(report.risk_free_source)}")
    notes = [f"<p>{_esc(n)}</p>" for n in report.notes]
    seen = []
    for w in shown:
        for why in w.reasons.values():
            if why not in seen:
                seen.append(why)
    if seen:
        shown = "; ".join(seen[:6]) + (f"; and {len(seen) - 6} more (JSON nan_reasons)" if len(seen) > 6 else "")
        notes.append(f"<p>n/a: {_esc(shown)}</p>")
    notes.append("<p>Returns are compounded; percentages are of capital; ratios annualised with "
                 f"{report.annualization} periods a year. Generated by pvr-plugin.</p>")
    size = "A4" if paper == "a4" else "letter"
    avail_mm = PAGE_HEIGHT_MM[paper] - 2 * MARGIN_MM - 2
    desc_html = f'<p class="desc">{_esc(description)}</p>' if description else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<style>{CSS}@page{{size:{size};margin:{MARGIN_MM}mm}}</style></head>"
        f'<body><div class="page"><header><h1>{_esc(title)}</h1>{desc_html}'
        f'<p class="meta">{meta}</p></header>'
        f'<main class="grid">{"".join(sections)}</main>'
        f'<footer>{"".join(notes)}</footer></div>'
        f"<script>{FIT_SCRIPT.replace('AVAIL_MM', str(avail_mm))}</script></body></html>\n"
    )


def write_factsheet_html(report, path, config=None, **kwargs):
    """Write :func:`render_factsheet_html` to ``path`` (atomically); returns the path."""
    return atomic_write(path, render_factsheet_html(report, config=config, **kwargs))


def check_paper(paper, where="paper"):
    """``paper`` if it is a page size of :data:`PAGE_HEIGHT_MM`, else one line naming it."""
    if paper not in PAGE_HEIGHT_MM:
        raise PvrInputError(f"{where}: {paper!r}; one of {', '.join(PAGE_HEIGHT_MM)}")
    return paper


def find_chromium():
    """Path of a Chromium / Chrome executable, or None; a ``PVR_CHROMIUM`` that is
    not an executable file is one PvrInputError line, never a silent fallback."""
    env = os.environ.get("PVR_CHROMIUM")
    if env:
        problem = ("no such file" if not os.path.exists(env) else "is a folder" if os.path.isdir(env)
                   else None if os.access(env, os.X_OK) else "not an executable program")
        if problem:
            raise PvrInputError(f"PVR_CHROMIUM={env}: {problem}; point it at a Chromium or Chrome executable")
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path, pdf_path, chromium=None, timeout=120):
    """Print an HTML file to PDF with headless Chromium (page size from the page's CSS).

    Raises
    ------
    PvrInputError
        When no Chromium is found or printing fails; nothing is left at
        ``pdf_path``.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise PvrInputError(
            f"{pdf_path}: no headless Chromium found for the PDF (install chromium, or set PVR_CHROMIUM)"
        )
    pdf_path = os.path.abspath(os.fspath(pdf_path))
    folder = os.path.dirname(pdf_path)
    if not os.path.isdir(folder):
        raise PvrInputError(f"{pdf_path}: folder {folder} does not exist")
    tmp = temp_name(pdf_path)
    profile = tempfile.mkdtemp(prefix="pvr-chromium-")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={profile}", "--no-pdf-header-footer", "--print-to-pdf-no-header",
           f"--print-to-pdf={tmp}", "file://" + os.path.abspath(os.fspath(html_path))]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise PvrInputError(f"{pdf_path}: Chromium could not print the page ({last})")
        if not os.path.isfile(tmp) or os.path.getsize(tmp) == 0:
            raise PvrInputError(f"{pdf_path}: {chromium} printed no PDF; is it Chromium (PVR_CHROMIUM)?")
        os.replace(tmp, pdf_path)
    except subprocess.TimeoutExpired:
        raise PvrInputError(f"{pdf_path}: Chromium did not finish printing in {timeout} s") from None
    except OSError as exc:  # e.g. PVR_CHROMIUM names a file that is not a program
        raise PvrInputError(f"{pdf_path}: {chromium} could not be started ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        shutil.rmtree(profile, ignore_errors=True)
    return pdf_path
