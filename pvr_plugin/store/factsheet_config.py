"""The factsheet configuration file (TOML): title, data options and widgets.

Read with the standard library's :mod:`tomllib`. Every mistake raises
:class:`~pvr_plugin.errors.PvrInputError` with one line naming the key
(``widgets[2].path``) and the problem. Files named in the config are read
here, relative to the config file's folder, so that a bad file is reported
before anything is written. Widget files (tables, key-value lists, time
series, images) must lie inside that folder unless ``allow_outside``: a
config shared with someone cannot embed any other file of their machine.

See docs/factsheet.md for the format.
"""
import os
from dataclasses import dataclass, field

import pandas as pd

from pvr_plugin.core.factsheet.widgets import ANALYTICS_WIDGETS, BASIC_WIDGETS, WIDGETS, check_option_names
from pvr_plugin.core.inputs import DATE_COLUMN_NAMES, parse_csv, parse_dates, parse_numbers
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.files import inside, read_bytes, read_image, read_toml

TOP_KEYS = ("title", "description", "paper", "data", "widgets")
DATA_KEYS = ("returns", "column", "benchmarks", "primary", "risk_free", "risk_free_unit",
             "start", "end", "period", "returns_unit", "name")
MAX_TEXT = 200
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_TABLE_ROWS = 50
MAX_TABLE_BYTES = 1_000_000


@dataclass(frozen=True)
class Widget:
    """One widget of the page.

    Attributes
    ----------
    type : str
        An analytics widget (:data:`~.report.ANALYTICS_WIDGETS`) or a basic
        one (``free_text``, ``key_value``, ``table``, ``image``,
        ``time_series``).
    options : dict
        As written in the config (analytics options are checked when the
        report is built).
    content : object
        Basic widgets only: the text, a list of (key, value) pairs, a
        DataFrame, ``(bytes, mime type)`` for an image.
    """

    type: str
    options: dict = field(default_factory=dict)
    content: object = None

    @property
    def is_analytics(self):
        return self.type in ANALYTICS_WIDGETS


@dataclass(frozen=True)
class FactsheetConfig:
    """A parsed, checked configuration.

    Attributes
    ----------
    title, description : str or None
    paper : str
        The page size of the PDF and print CSS as written (``'a4'``,
        ``'letter'``); the page renderer checks it against its sizes.
    data : dict
        Data options (returns, benchmarks, primary, risk_free, start, end...).
    widgets : tuple of Widget
        In page order; empty means the default set.
    path : str or None
        The file read.
    """

    title: str = None
    description: str = None
    paper: str = "a4"
    data: dict = field(default_factory=dict)
    widgets: tuple = ()
    path: str = None


def _str(value, key, limit=None):
    if not isinstance(value, str):
        raise PvrInputError(f"{key}: give a text, got {type(value).__name__}")
    if limit is not None and len(value) > limit:
        raise PvrInputError(f"{key}: {len(value)} characters, at most {limit}")
    return value


def _path(base, value, key, allow_outside=True):
    _str(value, key)
    path = inside(base, value, key, allow_outside)
    if not os.path.isfile(path):
        raise PvrInputError(f"{key}: no such file {value!r}")
    return path


def _read_csv(path, key):
    frame = parse_csv(read_bytes(path, key, MAX_TABLE_BYTES), f"{key}: {os.path.basename(path)}")
    return frame.fillna("")


def _key_value(path, key):
    frame = _read_csv(path, key)
    lower = {c.strip().lower(): c for c in frame.columns}
    if "key" in lower and "value" in lower:
        k, v = lower["key"], lower["value"]
    elif frame.shape[1] == 2:
        k, v = frame.columns
    else:
        raise PvrInputError(
            f"{key}: {os.path.basename(path)} needs two columns, key and value; "
            f"found {', '.join(frame.columns)}"
        )
    if len(frame) > MAX_TABLE_ROWS:
        raise PvrInputError(f"{key}: {len(frame)} rows, at most {MAX_TABLE_ROWS} fit the page")
    return [(str(a), str(b)) for a, b in zip(frame[k], frame[v])]


def _table(path, key):
    frame = _read_csv(path, key)
    if len(frame) > MAX_TABLE_ROWS:
        raise PvrInputError(f"{key}: {len(frame)} rows, at most {MAX_TABLE_ROWS} fit the page")
    return frame


def _time_series(path, key):
    label = f"{key} ({os.path.basename(path)})"
    frame = parse_csv(read_bytes(path, key, MAX_TABLE_BYTES), label)
    if frame.shape[1] < 2:
        raise PvrInputError(f"{key}: {os.path.basename(path)} needs a date column and at least one value column")
    lower = {str(c).strip().lower(): c for c in frame.columns}
    date_col = next((lower[d] for d in DATE_COLUMN_NAMES if d in lower), frame.columns[0])
    dates = parse_dates(frame[date_col], label, str(date_col), first_line=2).normalize()
    out = {}
    for col in frame.columns:
        if col != date_col:
            out[str(col)] = parse_numbers(frame[col], label, str(col), dates, first_line=2)
    series = pd.DataFrame(out, index=pd.DatetimeIndex(dates, name="date")).sort_index()
    if series.index.duplicated().any():
        raise PvrInputError(f"{label}: duplicate date {series.index[series.index.duplicated()][0]:%Y-%m-%d}")
    return series


def _image(path, key):
    return read_image(path, key, MAX_IMAGE_BYTES)


def _basic(wtype, opts, base, key, allow_outside):
    check_option_names(WIDGETS[wtype], opts, key)
    for k in ("title", "caption"):
        if k in opts:
            _str(opts[k], f"{key}.{k}", 120)
    if wtype == "free_text":
        if "text" not in opts:
            raise PvrInputError(f"{key}.text: missing (free text, up to {MAX_TEXT} characters)")
        return _str(opts["text"], f"{key}.text", MAX_TEXT)
    field_name = "path" if wtype == "image" else "csv"
    if field_name not in opts:
        raise PvrInputError(f"{key}.{field_name}: missing")
    path = _path(base, opts[field_name], f"{key}.{field_name}", allow_outside)
    reader = {"key_value": _key_value, "table": _table, "image": _image, "time_series": _time_series}[wtype]
    return reader(path, f"{key}.{field_name}")


def parse_config(doc, base=".", allow_outside=False):
    """Check a config document (already parsed TOML) and load the files it names.

    Parameters
    ----------
    doc : dict
    base : str
        Folder that relative paths start from.
    allow_outside : bool
        Let widget files lie outside ``base`` (refused by default).

    Returns
    -------
    FactsheetConfig
    """
    unknown = sorted(set(doc) - set(TOP_KEYS))
    if unknown:
        raise PvrInputError(f"{unknown[0]}: unknown key (top-level keys: {', '.join(TOP_KEYS)})")
    title = _str(doc["title"], "title", 120) if "title" in doc else None
    description = _str(doc["description"], "description", 400) if "description" in doc else None
    paper = _str(doc.get("paper", "a4"), "paper", 20)
    data = doc.get("data", {})
    if not isinstance(data, dict):
        raise PvrInputError("data: give a table ([data])")
    bad = sorted(set(data) - set(DATA_KEYS))
    if bad:
        raise PvrInputError(f"data.{bad[0]}: unknown key (keys: {', '.join(DATA_KEYS)})")
    data = dict(data)
    if "returns" in data:
        data["returns"] = _path(base, data["returns"], "data.returns")
    if "benchmarks" in data:
        bms = data["benchmarks"]
        if isinstance(bms, str):
            bms = [bms]
        if not isinstance(bms, list) or not all(isinstance(b, str) for b in bms):
            raise PvrInputError("data.benchmarks: give a list of names or CSV paths")
        data["benchmarks"] = [
            os.path.join(base, b) if not os.path.isabs(b) and os.path.exists(os.path.join(base, b)) else b
            for b in bms
        ]
    rf = data.get("risk_free")
    if isinstance(rf, str) and os.path.exists(os.path.join(base, rf)):
        data["risk_free"] = os.path.join(base, rf)
    for k in ("start", "end"):
        if k in data and not isinstance(data[k], str):
            data[k] = str(data[k])  # TOML dates arrive as datetime.date

    widgets = doc.get("widgets", [])
    if not isinstance(widgets, list):
        raise PvrInputError("widgets: give an array of tables ([[widgets]])")
    out = []
    for i, item in enumerate(widgets):
        key = f"widgets[{i}]"
        if not isinstance(item, dict):
            raise PvrInputError(f"{key}: give a table with a type")
        wtype = item.get("type")
        if wtype is None:
            raise PvrInputError(f"{key}.type: missing")
        opts = {k: v for k, v in item.items() if k != "type"}
        for k in ("start", "end"):
            if k in opts and not isinstance(opts[k], str):
                opts[k] = str(opts[k])
        if wtype in BASIC_WIDGETS:
            out.append(Widget(wtype, opts, _basic(wtype, opts, base, key, allow_outside)))
        elif wtype in ANALYTICS_WIDGETS:
            check_option_names(WIDGETS[wtype], opts, key)
            out.append(Widget(wtype, opts))
        else:
            raise PvrInputError(
                f"{key}.type: unknown widget {wtype!r}; one of "
                f"{', '.join(list(BASIC_WIDGETS) + list(ANALYTICS_WIDGETS))}"
            )
    return FactsheetConfig(title=title, description=description, paper=paper, data=data,
                           widgets=tuple(out))


def load_config(path, allow_outside=False):
    """Read and check a factsheet TOML file; see :func:`parse_config`."""
    path = os.fspath(path)
    doc = read_toml(path)
    cfg = parse_config(doc, base=os.path.dirname(os.path.abspath(path)), allow_outside=allow_outside)
    return FactsheetConfig(title=cfg.title, description=cfg.description, paper=cfg.paper,
                           data=cfg.data, widgets=cfg.widgets, path=path)


def analytics_requests(config):
    """``(type, options)`` of the config's analytics widgets, in page order, for the report."""
    return [(w.type, dict(w.options)) for w in config.widgets if w.is_analytics]


__all__ = ["FactsheetConfig", "Widget", "analytics_requests", "load_config",
           "parse_config"]
