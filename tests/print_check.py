"""A page as it prints, checked in real headless Chromium.

:func:`check_print` lays a page out at the printed width of a paper size (the
paper less its margins, as the screen viewport), once with the screen styles
and once with the print styles, and lists every element that does not fit its
box: a table, cell, chart or section whose content is wider than it
(``scrollWidth > clientWidth``), or a table, chart or image that reaches past
the section holding it. Then it prints the page with ``page.pdf`` at that
paper size and counts the pages. Any report page can be checked the same way::

    result = check_print(browser, "report.html", "letter")
    assert result.overflows == [] and result.pages == 1

``browser`` is a playwright Chromium (the ``browser`` fixture of
:mod:`tests.app.live`: Debian's ``/usr/bin/chromium``; a missing browser
fails, never skips).
"""
import re
from dataclasses import dataclass
from pathlib import Path

#: Paper sizes (width, height) in millimetres and playwright's names for them.
PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
PAPER_FORMAT = {"a4": "A4", "letter": "Letter"}
#: Print margin on every side, as the pages' own ``@page`` rule has it.
MARGIN_MM = 10.0
PX_PER_MM = 96 / 25.4
# Elements whose content must fit inside them, and those that must stay inside their section.
_BOXES = "html, body, .page, header, main, footer, section, table, thead, tbody, tr, th, td, p, h1, h2, h3, div"
_PARTS = "table, svg, img"

_OVERFLOWS = """([boxes, parts]) => {
  const name = (el) => {
    const sec = el.closest('[data-widget]');
    const where = sec ? `[${sec.dataset.widget}] ` : '';
    const cls = el.getAttribute('class') ? '.' + el.getAttribute('class').split(' ').join('.') : '';
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${where}${el.tagName.toLowerCase()}${cls} "${text}"`;
  };
  const out = [];
  for (const el of document.querySelectorAll(boxes)) {
    const over = el.scrollWidth - el.clientWidth;
    if (el.clientWidth > 0 && over > 1) out.push(`${name(el)} is ${over}px wider inside than its box`);
  }
  for (const el of document.querySelectorAll(parts)) {
    const box = el.closest('section') || el.closest('header, footer, .page');
    if (!box) continue;
    const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
    const past = Math.max(r.right - b.right, b.left - r.left);
    if (r.width > 0 && past > 1) out.push(`${name(el)} reaches ${past.toFixed(1)}px past its section`);
  }
  return out;
}"""


@dataclass
class PrintCheck:
    """What :func:`check_print` found.

    Attributes
    ----------
    overflows : list of str
        One line per element that does not fit (``screen:`` or ``print:`` first).
    pages : int
        Pages of the printed PDF.
    pdf : bytes
        The PDF.
    widths : dict
        ``{'screen': px, 'print': px}``: the widest element's right edge, for messages.
    """

    overflows: list
    pages: int
    pdf: bytes
    widths: dict


def pdf_pages(pdf_bytes):
    """Page objects of a PDF (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf_bytes))


def check_print(browser, html_path, paper):
    """Lay out and print ``html_path`` on ``paper`` ('a4' or 'letter'); return a :class:`PrintCheck`."""
    width_mm, _ = PAPER_MM[paper]
    viewport = {"width": round((width_mm - 2 * MARGIN_MM) * PX_PER_MM), "height": 1100}
    page = browser.new_page(viewport=viewport)
    try:
        page.goto(Path(html_path).resolve().as_uri())
        page.wait_for_load_state("load")
        overflows, widths = [], {}
        for media in ("screen", "print"):
            page.emulate_media(media=media)
            overflows += [f"{media}: {line}" for line in page.evaluate(_OVERFLOWS, [_BOXES, _PARTS])]
            widths[media] = page.evaluate("() => document.documentElement.scrollWidth")
        page.emulate_media(media="print")
        margin = f"{MARGIN_MM:g}mm"
        pdf = page.pdf(format=PAPER_FORMAT[paper], print_background=True,
                       margin={"top": margin, "right": margin, "bottom": margin, "left": margin})
    finally:
        page.close()
    return PrintCheck(overflows, pdf_pages(pdf), pdf, widths)
