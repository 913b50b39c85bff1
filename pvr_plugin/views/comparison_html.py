"""The comparison report: one self-contained HTML page (and PDF) of several runs, or of a sweep.

Built from the factsheet's parts (:mod:`pvr_plugin.views.factsheet_html`):
its content security policy (nothing is fetched), its styles, inline SVG
charts with text drawn as paths, and headless Chromium for the PDF. The page
is 190 mm wide, so it prints on A4 and US Letter; sections do not break
across pages. It holds the key of run colours, the ranked table, one chart per
compared curve (:data:`pvr_plugin.views.comparison.CHARTS`), each run's
settings and tag, the runs without curves and why, and for a sweep its
parameter views and, when its spec was recorded, its out-of-sample and
overfitting figures.

Size: lines are drawn as the low and high of time spans
(:data:`~pvr_plugin.views.comparison.DRAW_BUCKETS` of them) and chart
coordinates rounded to 0.01 pt, so 20 runs of 2,520 sessions make a page
well under 2 MB.
"""
from __future__ import annotations

import html
import io
import math
import re

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from pvr_plugin.core.fields import BY_NAME, UNIT_SUFFIX
from pvr_plugin.store.files import atomic_write
from pvr_plugin.views import comparison as cmp
from pvr_plugin.views.factsheet_html import CHART_STYLE, CSP, CSS, MARGIN_MM, name_cell, check_paper, html_to_pdf  # noqa: F401 (html_to_pdf: used through this module)

MM = 1 / 25.4
WIDTH_MM = 188.0
CHART_HEIGHT_MM = {"pvr_pct": 62.0}
DEFAULT_CHART_HEIGHT_MM = 44.0
#: Columns of the ranked table (figures from the field table).
TABLE_FIGURES = ("pvr_per_day_pct", "pvr_pct", "qret_pct", "max_risk_usd", "cash_low_usd", "max_leverage",
                 "sharpe", "max_drawdown", "days")
EXTRA_CSS = """
.page{padding-bottom:2mm}
section.widget{margin-bottom:1mm}
.keys{display:flex;flex-wrap:wrap;gap:.6mm 3mm;margin:0 0 .8mm}
.key{display:inline-flex;align-items:center;gap:1mm;max-width:100%;overflow-wrap:anywhere}
.key svg{flex:none}
.key svg{display:inline-block;width:7mm;height:2mm}
td.wrap{white-space:normal;overflow-wrap:break-word}
table.settings{table-layout:fixed}
table.settings td,table.settings th{white-space:normal;overflow-wrap:break-word;vertical-align:top}
th.l,td.l{text-align:left}
td.swatch{width:7mm}
td.swatch svg{width:7mm;height:2mm}
ul.notes{margin:.5mm 0 0 4mm;padding:0}
.lines p{margin:.2mm 0}
h3{font-size:6.8pt;margin:1mm 0 .4mm;color:#1d3f5e}
"""
_NUMBER = re.compile(r"-?\d+\.\d+")


def _esc(text):
    return html.escape(str(text), quote=True)


def _short_numbers(svg):
    """Round the coordinates of path data to 0.01 (about 3.5 micrometres on paper)."""
    def round_path(match):
        data = _NUMBER.sub(lambda m: f"{float(m.group()):.2f}".rstrip("0").rstrip("."), match.group(2))
        return match.group(1) + data + '"'
    return re.sub(r'( d=")([^"]*)"', round_path, svg)


def _svg(draw, width_mm, height_mm):
    """Render ``draw(fig)`` into an inline SVG of the given size."""
    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(width_mm * MM, height_mm * MM), layout="constrained")
        draw(fig)
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return _short_numbers(text[text.index("<svg"):])


def _swatch(color, linestyle):
    dash = {"--": ' stroke-dasharray="4 2"', ":": ' stroke-dasharray="1.2 1.8"',
            "-.": ' stroke-dasharray="4 1.5 1 1.5"'}.get(linestyle, "")
    return (f'<svg viewBox="0 0 28 8" aria-hidden="true"><line x1="1" y1="4" x2="27" y2="4" '
            f'stroke="{color}" stroke-width="3"{dash}/></svg>')


def _cell(name, value, reason=""):
    q = BY_NAME.get(name)
    if value is None or value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        tip = f' title="{_esc(reason)}"' if reason else ""
        return f'<td class="na"{tip}>n/a</td>'
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"<td>{_esc(value)}</td>"
    text = format(int(number), "d") if q is not None and q.unit == "count" else format(number, q.fmt if q else "g")
    if q is not None and q.unit == "usd":
        text = ("-$" + text[1:]) if text.startswith("-") else "$" + text
    cls = ' class="neg"' if number < 0 else ""
    return f"<td{cls}>{text}</td>"


def _table(header, rows, cls="", left=(), widths_mm=None):
    head = "".join(f"<th{' class=l' if i in left else ''}>{_esc(h)}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    klass = f' class="{cls}"' if cls else ""
    # shares of the table's width: the columns never add up to more than the section
    cols = ("<colgroup>" + "".join(f'<col style="width:{100 * w / sum(widths_mm):.2f}%">' for w in widths_mm)
            + "</colgroup>" if widths_mm else "")
    return f"<table{klass}>{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(kind, title, body, sub=""):
    heading = f'<h2>{_esc(title)}{f" <span class=sub>{_esc(sub)}</span>" if sub else ""}</h2>'
    return f'<section class="widget span-3" data-widget="{kind}">{heading}{body}</section>'


# ------------------------------------------------------------------ sections


def _ranked_section(runs, colors):
    table = cmp.ranked_table(runs)
    # dollar cells carry their $; percent figures are plain numbers under a % header
    header = ["#", "", "Run", *(BY_NAME[n].header if BY_NAME[n].unit in UNIT_SUFFIX and BY_NAME[n].unit != "usd"
                                else BY_NAME[n].title for n in TABLE_FIGURES), "Curves"]
    rows = []
    for _, r in table.iterrows():
        color, style = colors.get(r["run"], ("#999999", "-"))
        swatch = _swatch(color, style) if r["series"] == "kept" else ""
        rows.append([f"<td>{r['rank']}</td>", f'<td class="swatch">{swatch}</td>', name_cell(r["run"]),
                     *(_cell(n, r[n], r.get("nan_reason") or "") for n in TABLE_FIGURES),
                     f"<td>{'yes' if r['series'] == 'kept' else 'no'}</td>"])
    return _section("ranked", "Ranked by PvR %/day", _table(header, rows, left={2}))


def _keys(runs, colors):
    keys = "".join(f'<span class="key">{_swatch(*colors[r.name])}{_esc(r.name)}</span>'
                   for r in runs if r.series is not None)
    return f'<div class="keys">{keys}</div>'


def _chart_sections(runs, colors):
    drawn = [r for r in runs if r.series is not None]
    if not drawn:
        return [_section("curves", "Curves", "<p>No run of this comparison has its per-session series.</p>")]
    out = []
    for i, (quantities, title) in enumerate(cmp.CHARTS):
        def draw(fig, quantities=quantities):
            ax = fig.add_subplot()
            cmp.draw_chart(ax, drawn, quantities, "", colors, max_points=cmp.DRAW_POINTS)
        height = CHART_HEIGHT_MM.get(quantities[0], DEFAULT_CHART_HEIGHT_MM)
        svg = _svg(draw, WIDTH_MM, height)
        body = (_keys(drawn, colors) if i == 0 else "") + svg
        out.append(_section(f"chart-{quantities[0]}", title, body))
    return out


def _settings_section(runs):
    table = cmp.settings_table(runs)
    header = ["Run", "Algorithm", "Parameters", "Sessions", "Capital $", "Bundle, bars, metrics set, risk model, sweep",
              "Tag"]
    rows = []
    for _, s in table.iterrows():
        algo = s["algorithm"] or ""
        name = str(algo).replace("\\", "/").rsplit("/", 1)[-1]
        capital = s["capital_usd"]
        details = ", ".join(str(s[k]) for k in ("bundle", "data_frequency", "metrics_set", "risk_model") if s[k])
        if s["sweep_id"]:
            details += f"; sweep {s['sweep_id']}"
        if s["source"] != "ledger":
            details = f"{s['source']}; {details}" if details else str(s["source"])
        dates = f"{s['start'] or ''} to {s['end'] or ''}" if s["start"] or s["end"] else ""
        rows.append([f"<td>{_esc(s['run'])}</td>", f'<td class="wrap l" title="{_esc(algo)}">{_esc(name)}</td>',
                     f'<td class="wrap l">{_esc(_params_text(s["params"]))}</td>', f"<td class=l>{_esc(dates)}</td>",
                     f"<td>{'' if capital is None or capital != capital else f'{float(capital):,.0f}'}</td>",
                     f'<td class="wrap l">{_esc(details)}</td>', f"<td class=l>{_esc(s['tag'] or '')}</td>"])
    table = _table(header, rows, cls="settings", left=range(len(header)), widths_mm=(34, 22, 30, 18, 15, 32, 35))
    return _section("settings", "Settings and tags", table)


def _params_text(params):
    import json

    if not params:
        return ""
    try:
        value = json.loads(params) if isinstance(params, str) else params
    except ValueError:
        return str(params)
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in sorted(value.items())) or "(defaults)"
    return str(value)


def _sweep_sections(report):
    from pvr_plugin.sweep.parameters import parameter_effects, parameter_frame
    from pvr_plugin.views import sweep_views as sv

    results = report.results
    names = parameter_frame(results).attrs["parameters"]
    out = []
    body = _svg(lambda fig: sv.plot_parameter_effects(results, fig), WIDTH_MM, 52)
    if len(names) >= 2:
        body += _svg(lambda fig: sv.plot_heatmap(results, fig.add_subplot()), WIDTH_MM, 14 + 9 * _rows(results))
    if len(names) > 2:
        body += _svg(lambda fig: sv.plot_parallel(results, fig.add_subplot()), WIDTH_MM, 60)
    effects = parameter_effects(results)
    rows = [[f"<td>{_esc(e.parameter)}</td>", f"<td class=l>{_esc(sv.value_text(e.value))}</td>", f"<td>{e.runs}</td>",
             *(_cell("pvr_per_day_pct", v) for v in (e.mean_pvr_per_day_pct, e.median_pvr_per_day_pct,
                                                      e.worst_pvr_per_day_pct, e.best_pvr_per_day_pct)),
             f"<td>{'' if e.best_run_id is None else e.best_run_id}</td>", f"<td>{'wins' if e.wins else ''}</td>"]
            for e in effects.itertuples(index=False)]
    body += _table(["Parameter", "Value", "Runs", *(f"{w} PvR %/day" for w in ("Mean", "Median", "Worst", "Best")),
                    "Best run", ""], rows, left={1})
    out.append(_section("parameters", "Parameter views", body,
                        "PvR %/day by each parameter's values, over every value of the others"))
    out.append(_validation_section(report))
    return out


def _rows(results):
    from pvr_plugin.sweep.parameters import heatmap_table

    table = heatmap_table(results)
    return max(1, len(table.index))


def _validation_section(report):
    from pvr_plugin.views.overfit_text import fold_table, overfit_lines

    if report.validation is None:
        return _section("validation", "Is the winner real?", f"<p>{_esc(report.note)}</p>")
    v = report.validation
    body = ""
    for k, s in enumerate(v.folds, 1):
        f = s.fold
        body += (f"<h3>{'Out of sample' if len(v.folds) == 1 else f'Fold {k}'}: in sample {f.in_first} to "
                 f"{f.in_last}, out of sample {f.oos_first} to {f.oos_last}</h3>")
        if v.with_series:
            t = fold_table(v, k)
            body += _table(list(t.columns), [[f"<td>{_esc(x)}</td>" for x in row] for row in t.itertuples(index=False)])
        rc = s.rank_correlation
        body += (f"<p>In-sample winner {_esc(s.winner or 'n/a')}: out-of-sample rank "
                 f"{'n/a' if not math.isfinite(s.winner_oos_rank) else f'{s.winner_oos_rank:g}'} of {s.variants}; "
                 f"rank correlation {'n/a (' + _esc(rc.reason) + ')' if rc.reason else f'{rc.rho:.2f}'}</p>")
    lines = "".join(f"<p>{_esc(line.strip())}</p>" for line in overfit_lines(v))
    return _section("validation", "Is the winner real?", body + f'<div class="lines">{lines}</div>')


# ------------------------------------------------------------------ page


def render_comparison_html(runs, title=None, paper="a4", sweep=None, notes=()):
    """The comparison page as one HTML string.

    Parameters
    ----------
    runs : list of ComparedRun
        From :func:`pvr_plugin.views.comparison.load_runs`.
    title : str, optional
    paper : {'a4', 'letter'}
        Print page size.
    sweep : pvr_plugin.sweep.report.SweepReport, optional
        Adds the sweep's parameter views and validation.
    notes : iterable of str
        Lines added to the footer.
    """
    paper = check_paper(paper)
    order = cmp.ranked_table(runs)["run"].tolist()
    by_name = {r.name: r for r in runs}
    ordered = [by_name[n] for n in order]
    colors = cmp.run_colors([r.name for r in ordered if r.series is not None])
    title = title or (f"Sweep {sweep.sweep_id}" if sweep is not None else f"Comparison of {len(runs)} runs")
    sections = [_ranked_section(ordered, colors), *_chart_sections(ordered, colors), _settings_section(ordered)]
    if sweep is not None:
        sections += _sweep_sections(sweep)
    kept = [r for r in ordered if r.series is not None]
    firsts = [r.series.index[0] for r in kept]
    lasts = [r.series.index[-1] for r in kept]
    span = f" &middot; sessions {min(firsts):%Y-%m-%d} to {max(lasts):%Y-%m-%d}" if kept else ""
    meta = f"{len(runs)} runs, best PvR %/day first{span}"
    foot = [f"<p>{_esc(n)}</p>" for n in (*notes, *cmp.comparison_notes(ordered))]
    foot.append("<p>PvR % is profit over the capital put to work (the larger of the deepest cash dip and the "
                "largest short book, or the run's risk model); QRet % is profit over the starting capital. "
                "Curves are drawn as the low and high of short time spans; tables use every session. "
                "Generated by pvr-plugin.</p>")
    size = "A4" if paper == "a4" else "letter"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<style>{CSS}{EXTRA_CSS}@page{{size:{size};margin:{MARGIN_MM}mm}}</style></head>"
        f'<body><div class="page"><header><h1>{_esc(title)}</h1><p class="meta">{meta}</p></header>'
        f'<main class="grid">{"".join(sections)}</main>'
        f'<footer>{"".join(foot)}</footer></div></body></html>\n'
    )


def write_comparison_html(runs, path, **kwargs):
    """Write :func:`render_comparison_html` to ``path`` atomically; return the path."""
    return atomic_write(path, render_comparison_html(runs, **kwargs))
