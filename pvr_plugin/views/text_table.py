"""Text tables of the command line: every table ``pvr`` prints is made here.

Cells are formatted by the unit of their quantity, from the field table
(:mod:`pvr_plugin.core.fields`); a name the table does not declare gets the
unit of its suffix (``_usd`` dollars, ``_pct`` percent, ``_frac`` fraction):

* dollars ``$1,234,568`` (``-$1,200`` below zero), the header without ``$``;
* percent ``12.34%``, the header without ``%``; percent per day keeps
  ``%/day`` in the header and plain numbers below it;
* ratios and fractions plain, with the field's fixed decimals (three
  significant digits for a number too long to read, such as the alpha of an
  account that went to zero);
* counts as integers;
* a missing or undefined value (None, NaN) as :data:`NA`.

A table fits :data:`WIDTH` columns: long text is cut with :data:`ELLIPSIS`
(widest column first, never below the column's own floor), and a table still
too wide is printed in blocks of columns, one under the other, each repeating
the key columns (the run, the row label). Prose under a table is wrapped to
the same width.

No pandas here: ``pvr runs`` lists 10,000 runs from SQLite's own rows.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from pvr_plugin.core.fields import BY_NAME

#: Widest line of a table, in characters.
WIDTH = 120
#: A value that is missing or undefined.
NA = "n/a"
#: The end of a cut text.
ELLIPSIS = "\u2026"
#: Units whose cells carry their sign ($, %): their headers leave it out.
_SIGNED = ("usd", "pct")
#: Suffixes of names the field table does not declare, and their units.
_SUFFIX_UNITS = (("_usd", "usd"), ("_pct", "pct"), ("_frac", "frac"))
#: Default formats of the units (the field table's own ``fmt`` wins).
_UNIT_FORMATS = {"usd": ",.0f", "pct": ".2f", "pct_per_day": ".4f", "ratio": ".2f", "frac": ".3f"}
#: Headers of the run ledger's own columns (the figures' come from the field table).
_HEADERS = {"run_id": "run", "created_at": "created (UTC)", "algorithm_name": "algorithm",
            "capital_usd": "capital", "runtime_s": "runtime s"}
#: Formats of the run ledger's own number columns.
_FORMATS = {"runtime_s": ".1f"}
#: Longest plain number: a longer one is shown with three significant digits.
_LONGEST_NUMBER = 12
_INFINITE = (math.inf, -math.inf)


def unit_of(name):
    """Unit of a column: the field table's, else its name's suffix, else None."""
    q = BY_NAME.get(name)
    if q is not None:
        return q.unit
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    return "ratio" if name in _FORMATS else None


def header(name):
    """Header of a column: the field table's label, with the unit where the cells do not show it."""
    q = BY_NAME.get(name)
    if q is not None:
        return q.label if q.unit in _SIGNED else q.header
    return _HEADERS.get(name, name)


def missing(value):
    """True for None, NaN and pandas' missing values."""
    if value is None:
        return True
    try:
        return value != value or (isinstance(value, float) and not math.isfinite(value))
    except (TypeError, ValueError):  # pandas.NA refuses a truth value
        return True


def _shown(unit, fmt=""):
    """The function that shows a finite float in ``unit``."""
    fmt = fmt or _UNIT_FORMATS.get(unit, "")
    if unit == "count":
        return lambda x: str(int(round(x)))
    if unit == "usd":
        def usd(x):
            text = format(abs(x), fmt)
            return ("-$" if x < 0 and text.strip("0.,") else "$") + text
        return usd
    if unit == "pct":
        return lambda x: format(x, fmt) + "%"
    fmt = fmt or "g"

    def plain(x):
        text = format(x, fmt)
        return text if len(text) <= _LONGEST_NUMBER else format(x, ".3g")
    return plain


def number(value, unit, fmt=""):
    """One number as text in ``unit`` (a key of :data:`pvr_plugin.core.fields.UNITS`)."""
    return NA if missing(value) else _shown(unit, fmt)(float(value))


def formatter(name):
    """The function that makes the cells of column ``name`` (looked up once for a whole column)."""
    if name == "created_at":
        return lambda value: NA if missing(value) else str(value)[:16].replace("T", " ")
    unit = unit_of(name)
    if unit in (None, "text", "date"):
        return lambda value: value if type(value) is str else NA if missing(value) else str(value)
    q = BY_NAME.get(name)
    shown = _shown(unit, q.fmt if q is not None else _FORMATS.get(name, ""))

    def one(value):
        if type(value) is float:  # SQLite's REAL: the common case first
            return NA if value != value or value in _INFINITE else shown(value)
        if isinstance(value, (str, bool)):
            return value if isinstance(value, str) else str(value)
        try:
            x = float(value)
        except (TypeError, ValueError):
            return NA if missing(value) else str(value)
        return NA if x != x or x in _INFINITE else shown(x)
    return one


def cell(name, value):
    """A cell of column ``name``: a number by its unit, else the value's text (:data:`NA` if missing)."""
    return formatter(name)(value)


def cut(text, width):
    """``text`` of at most ``width`` characters, its end replaced by an ellipsis when cut."""
    text = str(text)
    if len(text) <= width:
        return text
    return text[:max(width - 1, 0)] + ELLIPSIS if width > 0 else ""


def wrap(text, width=WIDTH, indent="", hanging="    "):
    """Prose as lines of at most ``width`` characters (continuation lines indented by ``hanging``)."""
    return textwrap.wrap(str(text), width=width, initial_indent=indent, subsequent_indent=indent + hanging,
                         break_long_words=True, break_on_hyphens=False) or [indent.rstrip()]


@dataclass(frozen=True)
class Column:
    """One column of a text table.

    Attributes
    ----------
    header : str
    cells : tuple of str
    right : bool
        Right-aligned (numbers) or left-aligned (text).
    floor : int
        Narrowest width the column may be cut to with an ellipsis; 0: never cut.
    """

    header: str
    cells: tuple
    right: bool = True
    floor: int = 0

    @property
    def width(self):
        return max([len(self.header), *map(len, self.cells)])


def column(name, values, label=None, floor=None):
    """A :class:`Column` of the values of field or ledger column ``name``.

    Numbers are right-aligned; text is left-aligned and may be cut down to
    ``floor`` characters (default 10; numbers are never cut).
    """
    cells = tuple(map(formatter(name), values))
    text = unit_of(name) in (None, "text", "date") and name != "created_at" and not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values if not missing(v))
    if floor is None:
        floor = 10 if text else 0
    return Column(header(name) if label is None else label, cells, right=not text, floor=floor)


def _cut_widths(widths, floors, budget):
    """Widths after cutting the widest cuttable columns (to their floors at most) towards ``budget``."""
    excess = sum(widths) - budget
    if excess <= 0:
        return list(widths)
    cap = max(widths)
    while cap > 0:
        saved = sum(w - max(cap, f) for w, f in zip(widths, floors) if f and w > max(cap, f))
        if saved >= excess:
            break
        cap -= 1
    return [min(w, max(cap, f)) if f else w for w, f in zip(widths, floors)]


def _lines(columns, widths, gap):
    # one column at a time, each cell cut only where the column was
    def texts(c, w):
        cells = [c.header, *c.cells]
        if w < c.width:
            cells = [cut(t, w) for t in cells]
        return [t.rjust(w) for t in cells] if c.right else [t.ljust(w) for t in cells]
    return [gap.join(parts).rstrip() for parts in zip(*(texts(c, w) for c, w in zip(columns, widths)))]


def render_lines(columns, width=WIDTH, keep=1, gap="  "):
    """The table as lines of at most ``width`` characters.

    ``keep`` first columns are the key (as many of them as fit in half the
    width): when the table does not fit even with its text cut, it is
    printed in blocks of the other columns, each block after the key and
    separated by an empty line.
    """
    columns = list(columns)
    if not columns:
        return []
    widths = _cut_widths([c.width for c in columns], [c.floor for c in columns],
                         width - len(gap) * (len(columns) - 1))
    if sum(widths) + len(gap) * (len(widths) - 1) <= width:
        return _lines(columns, widths, gap)
    widths = [c.width for c in columns]  # in blocks there is room: nothing is cut that need not be
    # the key repeats in every block: at most half the width of it, and never less than one column
    while keep > 1 and sum(widths[:keep]) + len(gap) * keep > width // 2:
        keep -= 1
    keys, rest = columns[:keep], columns[keep:]
    key_widths = widths[:keep]
    room = width - sum(key_widths) - len(gap) * len(keys)
    blocks, block, used = [], [], 0
    for c, w in zip(rest, widths[keep:]):
        w = min(w, room)  # a column wider than the room left is cut to it, even a number
        need = w + (len(gap) if block else 0)
        if block and used + need > room:
            blocks.append(block)
            block, used, need = [], 0, w
        block.append((c, w))
        used += need
    if block:
        blocks.append(block)
    lines = []
    for i, block in enumerate(blocks):
        if i:
            lines.append("")
        lines += _lines(keys + [c for c, _ in block], key_widths + [w for _, w in block], gap)
    return lines


def render(columns, width=WIDTH, keep=1, gap="  "):
    """:func:`render_lines` joined by newlines."""
    return "\n".join(render_lines(columns, width, keep, gap))


def table(names, values, width=WIDTH, keep=1, gap="  ", labels=None, floors=None):
    """A table of named columns: ``values[name]`` is the list of column ``name``'s values."""
    labels, floors = labels or {}, floors or {}
    return render([column(n, values[n], labels.get(n), floors.get(n)) for n in names], width, keep, gap)
