"""A user's own prices as a registered zipline bundle, in one call.

``ingest_csvdir(DIR, NAME)`` (``pvr ingest --csvdir DIR --name NAME``) and
``ingest_frames(NAME, daily={...}, minute={...})`` check every file or frame
first (see ``bundle_frames`` for the input convention and the checks), then
write the bundle with zipline's own writers and register it in
``$ZIPLINE_ROOT/extension.py``, so that ``pvr run --bundle NAME``, sweeps,
``run_algorithm(bundle=NAME)`` and ``zipline run -b NAME`` all find it.

Ingesting again replaces the bundle (the older ingestion is removed after the
new one is complete). A failed ingest leaves nothing behind: no new folder
under ``$ZIPLINE_ROOT/data/NAME`` and no registration line.
"""
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from zipline.data import bundles
from zipline.utils.calendar_utils import get_calendar

from pvr_plugin.adapters import bundle_frames as bf
from pvr_plugin.adapters import zipline_setup
from pvr_plugin.errors import PvrInputError

INFO_FILE = "pvr_bundle.json"
RESERVED = ("pvr-demo",)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_OHLCV = ["open", "high", "low", "close", "volume"]
# Country of an exchange calendar, for zipline's asset database (pipeline
# looks equities up by country); the common US calendars, else unknown.
_COUNTRY = {"XNYS": "US", "NYSE": "US", "XNAS": "US", "NASDAQ": "US", "XASE": "US", "ARCX": "US", "BATS": "US"}


@dataclass
class Prepared:
    """Checked data, shaped for zipline's writers."""

    symbols: list
    daily: dict          # sid -> OHLCV frame on every session of its span (0 = no trade)
    minute: dict         # sid -> OHLCV frame on every minute of its sessions (UTC)
    equities: pd.DataFrame
    splits: pd.DataFrame
    dividends: pd.DataFrame
    first_session: pd.Timestamp
    last_session: pd.Timestamp
    spans: dict          # frequency -> (first, last) session, or None


@dataclass
class IngestResult:
    name: str
    path: Path
    symbols: list
    first_session: pd.Timestamp
    last_session: pd.Timestamp
    spans: dict
    seconds: float
    replaced: bool


def check_name(name):
    if not isinstance(name, str) or not _NAME.match(name):
        raise PvrInputError(f"--name {name!r}: a bundle name is letters, digits, '.', '_' or '-'")
    if name in RESERVED:
        raise PvrInputError(f"--name {name}: reserved for the embedded bundle; choose another name")
    return name


def load_calendar(name):
    try:
        return get_calendar(name)
    except Exception:  # exchange_calendars' InvalidCalendarName
        raise PvrInputError(f"--calendar {name!r}: unknown trading calendar (e.g. XNYS, XNAS, XLON, XTKS)") from None


def _day(value, option):
    if value is None:
        return None
    try:
        return pd.Timestamp(value).tz_localize(None).normalize() if pd.Timestamp(value).tzinfo else \
            pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise PvrInputError(f"{option} {value!r} is not a date") from None


def _per_session(table):
    """Daily OHLCV of a minute table (UTC minutes -> sessions), with the last minute's row."""
    frame = pd.DataFrame({k: table.columns[k] for k in _OHLCV})
    frame["row"] = table.rows
    frame["session"] = table.sessions
    return frame.groupby("session").agg(
        open=("open", "first"), high=("high", "max"), low=("low", "min"), close=("close", "last"),
        volume=("volume", "sum"), row=("row", "last"))


def prepare(daily_tables, minute_tables, calendar, start=None, end=None):
    """Check every table and shape the bundle; raises PvrInputError on the first problem."""
    for tables in (daily_tables, minute_tables):
        for symbol in list(tables):
            if not bf.check_table(tables[symbol], calendar, start, end):
                del tables[symbol]  # no rows between start and end: not in this bundle
    if not daily_tables and not minute_tables:
        raise PvrInputError(f"no rows between {start.date() if start is not None else 'the first date'} and "
                            f"{end.date() if end is not None else 'the last date'} in any file")
    for table in minute_tables.values():
        for name in ("split", "dividend"):
            col = table.columns.get(name)
            if col is not None and (col != (1.0 if name == "split" else 0.0)).any():
                i = np.flatnonzero(col != (1.0 if name == "split" else 0.0))[0]
                raise PvrInputError(f"{table.where(i)}: {name} in a minute file; give splits and dividends "
                                    f"in daily/{table.symbol}.csv")
        table.sessions = calendar.minutes_to_sessions(table.dates)
    sessions = calendar.sessions
    symbols = sorted(set(daily_tables) | set(minute_tables))
    daily, minute, rows, split_rows, div_rows = {}, {}, [], [], []
    spans = {"daily": None, "minute": None}
    for sid, symbol in enumerate(symbols):
        d_table, m_table = daily_tables.get(symbol), minute_tables.get(symbol)
        per_session = _per_session(m_table) if m_table is not None else None
        if d_table is not None:
            frame = pd.DataFrame({k: d_table.columns[k] for k in _OHLCV}, index=d_table.dates)
            if per_session is not None:
                _check_closes(d_table, m_table, frame, per_session)
        else:
            frame = per_session[_OHLCV]
            bad = np.flatnonzero(frame["volume"].to_numpy() > bf.MAX_VOLUME)
            if len(bad):
                raise PvrInputError(f"{m_table.label}: volume of session {frame.index[bad[0]].date()} sums to "
                                    f"{frame['volume'].iloc[bad[0]]:g}, above zipline's daily limit {bf.MAX_VOLUME}")
        full = sessions[sessions.slice_indexer(frame.index[0], frame.index[-1])]
        daily[sid] = frame.reindex(full).fillna(0.0)
        if d_table is not None:
            splits, divs = bf.check_actions(d_table, calendar, daily[sid]["close"].replace(0.0, np.nan))
            split_rows += [(sid, ratio, day) for ratio, day in splits]
            div_rows += [(sid, amount, ex, pay) for amount, ex, pay in divs]
        first, last = full[0], full[-1]
        if m_table is not None:
            m_sessions = per_session.index
            minutes = calendar.sessions_minutes(m_sessions[0], m_sessions[-1])
            values = pd.DataFrame({k: m_table.columns[k] for k in _OHLCV}, index=m_table.dates)
            minute[sid] = values.reindex(minutes).fillna(0.0)
            spans["minute"] = _widen(spans["minute"], m_sessions[0], m_sessions[-1])
            first, last = min(first, m_sessions[0]), max(last, m_sessions[-1])
        if d_table is not None:
            spans["daily"] = _widen(spans["daily"], full[0], full[-1])
        rows.append((symbol, first, last))
    if minute_tables and not daily_tables:
        spans["daily"] = spans["minute"]
    elif minute_tables:  # minute-only symbols give daily bars too
        for table in minute_tables.values():
            if table.symbol not in daily_tables:
                spans["daily"] = _widen(spans["daily"], table.sessions[0], table.sessions[-1])
    equities = pd.DataFrame(rows, columns=["symbol", "start_date", "end_date"])
    equities["asset_name"] = equities["symbol"]
    equities["first_traded"] = equities["start_date"]
    # zipline's csvdir convention: positions still held are closed the day after the last row.
    equities["auto_close_date"] = equities["end_date"] + pd.Timedelta(days=1)
    equities["exchange"] = calendar.name
    equities.index.name = "sid"
    first, last = equities["start_date"].min(), equities["end_date"].max()
    if start is not None or end is not None:
        # the bundle covers the sessions asked for, also where no symbol trades
        if start is not None:
            first = sessions[min(sessions.searchsorted(start), len(sessions) - 1)]
        if end is not None:
            last = sessions[max(sessions.searchsorted(end, side="right") - 1, 0)]
        spans = {k: None if v is None else (first, last) for k, v in spans.items()}
    return Prepared(
        symbols=symbols, daily=daily, minute=minute, equities=equities,
        splits=pd.DataFrame(split_rows, columns=["sid", "ratio", "effective_date"]).astype(
            {"sid": "int64", "ratio": "float64", "effective_date": "datetime64[ns]"}),
        dividends=pd.DataFrame(div_rows, columns=["sid", "amount", "ex_date", "pay_date"]).astype(
            {"sid": "int64", "amount": "float64", "ex_date": "datetime64[ns]", "pay_date": "datetime64[ns]"}
        ).assign(record_date=pd.NaT, declared_date=pd.NaT),
        first_session=first, last_session=last, spans=spans,
    )


def _widen(span, first, last):
    return (first, last) if span is None else (min(span[0], first), max(span[1], last))


def _check_closes(d_table, m_table, frame, per_session):
    """A daily close must equal the session's last minute close (both stored at 1/1000)."""
    daily_close = frame["close"].reindex(per_session.index)
    no_row = np.flatnonzero(daily_close.isna().to_numpy())
    if len(no_row):
        s = per_session.index[no_row[0]]
        raise PvrInputError(f"{m_table.label} {m_table.unit} {m_table.number(per_session['row'].iloc[no_row[0]])}: "
                            f"minute bars on {s.date()} but {d_table.label} has no row for that session")
    diff = np.abs(daily_close.to_numpy() - per_session["close"].to_numpy())
    bad = np.flatnonzero(diff > bf.CLOSE_TOLERANCE)
    if len(bad):
        s = per_session.index[bad[0]]
        i = int(np.flatnonzero(d_table.dates == s)[0])
        raise PvrInputError(
            f"{d_table.where(i)}: close {daily_close.iloc[bad[0]]:g} on {s.date()} differs from the session's "
            f"last minute close {per_session['close'].iloc[bad[0]]:g} ({m_table.label} {m_table.unit} "
            f"{m_table.number(per_session['row'].iloc[bad[0]])})")


def _tables_from_csvdir(folder, calendar):
    tables = {"daily": {}, "minute": {}}
    for freq, files in bf.csvdir_files(folder).items():
        for symbol, path in files.items():
            tables[freq][symbol] = bf.read_csv_table(path, symbol, freq, calendar)
    return tables["daily"], tables["minute"]


def _tables_from_frames(daily, minute, calendar):
    out = []
    for freq, frames in (("daily", daily), ("minute", minute)):
        if frames is None:
            frames = {}
        if not isinstance(frames, dict):
            raise PvrInputError(f"{freq}: expected a dict of symbol -> DataFrame, got {type(frames).__name__}")
        tables = {}
        for symbol, frame in frames.items():
            if not isinstance(symbol, str) or not symbol.strip():
                raise PvrInputError(f"{freq}: symbol {symbol!r} is not a non-empty string")
            tables[symbol] = bf.frame_table(frame, symbol, freq, calendar)
        out.append(tables)
    if not out[0] and not out[1]:
        raise PvrInputError("no frames given: pass daily={symbol: frame} and/or minute={symbol: frame}")
    return out


def ingest_csvdir(folder, name, calendar="XNYS", start=None, end=None, environ=None):
    """Check a csvdir folder and make it the bundle ``name``; returns an :class:`IngestResult`."""
    check_name(name)
    cal = load_calendar(calendar)
    daily, minute = _tables_from_csvdir(folder, cal)
    prepared = prepare(daily, minute, cal, _day(start, "--start"), _day(end, "--end"))
    return _write(name, prepared, cal, os.path.abspath(folder), environ)


def ingest_frames(name, daily=None, minute=None, calendar="XNYS", start=None, end=None, environ=None):
    """The same from DataFrames: ``daily``/``minute`` map symbol -> frame (``date``
    column or a DatetimeIndex, then ``open, high, low, close, volume`` and optional
    ``dividend, split, pay_date``). Returns an :class:`IngestResult`."""
    check_name(name)
    cal = load_calendar(calendar)
    d_tables, m_tables = _tables_from_frames(daily, minute, cal)
    prepared = prepare(d_tables, m_tables, cal, _day(start, "start"), _day(end, "end"))
    return _write(name, prepared, cal, None, environ)


def _ingest_function(prepared, info):
    def ingest(environ, asset_db_writer, minute_bar_writer, daily_bar_writer, adjustment_writer,
               calendar, start_session, end_session, cache, show_progress, output_dir):
        asset_db_writer.write(
            equities=prepared.equities,
            exchanges=pd.DataFrame({"exchange": [calendar.name], "canonical_name": [calendar.name],
                                    "country_code": [_COUNTRY.get(calendar.name, "??")]}),
        )
        daily_bar_writer.write(prepared.daily.items(), show_progress=show_progress)
        if prepared.minute:
            minute_bar_writer.write(prepared.minute.items(), show_progress=show_progress)
        adjustment_writer.write(splits=prepared.splits, dividends=prepared.dividends)
        Path(output_dir, INFO_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")

    return ingest


def _write(name, prepared, calendar, csvdir, environ):
    environ = os.environ if environ is None else environ
    t0 = time.perf_counter()
    root = zipline_setup.zipline_root(environ) / "data" / name
    before = set(os.listdir(root)) if root.is_dir() else None
    info = {
        "name": name, "calendar": calendar.name, "source": csvdir or "frames",
        "first_session": str(prepared.first_session.date()), "last_session": str(prepared.last_session.date()),
        "spans": {k: None if v is None else [str(v[0].date()), str(v[1].date())] for k, v in prepared.spans.items()},
        "symbols": prepared.symbols,
    }
    previous = bundles.bundles.get(name)
    register_user_bundle(name, calendar.name, info["first_session"], info["last_session"], csvdir,
                         _ingest_function(prepared, info))
    try:
        bundles.ingest(name, environ, show_progress=False)
        zipline_setup.set_bundle_line(name, registration_line(name, calendar.name, info["first_session"],
                                                              info["last_session"], csvdir), environ)
    except BaseException:
        _remove_new(root, before)
        bundles.unregister(name)
        if previous is not None:
            bundles.register(name, previous.ingest, calendar_name=previous.calendar_name,
                             start_session=previous.start_session, end_session=previous.end_session,
                             minutes_per_day=previous.minutes_per_day)
        raise
    new = sorted(set(os.listdir(root)) - (before or set()) - {".cache"})
    for old in before or ():
        if not old.startswith(".") and old not in new:
            shutil.rmtree(root / old, ignore_errors=True)
    return IngestResult(name=name, path=root / new[-1], symbols=prepared.symbols,
                        first_session=prepared.first_session, last_session=prepared.last_session,
                        spans=prepared.spans, seconds=time.perf_counter() - t0, replaced=bool(before))


def _remove_new(root, before):
    if before is None:
        shutil.rmtree(root, ignore_errors=True)
        return
    for entry in set(os.listdir(root)) - before if root.is_dir() else ():
        path = root / entry
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def registration_line(name, calendar, first, last, csvdir):
    args = f"{name!r}, {calendar!r}, {first!r}, {last!r}" + (f", csvdir={csvdir!r}" if csvdir else "")
    return f"from pvr_plugin.adapters.user_bundle import register_user_bundle; register_user_bundle({args})"


def register_user_bundle(name, calendar, first_session, last_session, csvdir=None, ingest=None):
    """Register (or re-register) a bundle made by this module; called from extension.py.

    Without ``ingest`` the bundle's ingest function re-reads ``csvdir`` (so
    ``zipline ingest -b NAME`` works for a csvdir bundle) or, for a bundle made
    from DataFrames, says how to remake it.
    """
    if ingest is None:
        ingest = _reingest(name, calendar, csvdir)
    if name in bundles.bundles:
        bundles.unregister(name)
    bundles.register(name, ingest, calendar_name=calendar, start_session=pd.Timestamp(first_session),
                     end_session=pd.Timestamp(last_session), minutes_per_day=390)


def _reingest(name, calendar, csvdir):
    def ingest(environ, *args):
        if csvdir is None:
            raise PvrInputError(f"bundle {name} was made from DataFrames; make it again with "
                                "pvr_plugin.adapters.user_bundle.ingest_frames")
        cal = load_calendar(calendar)
        daily, minute = _tables_from_csvdir(csvdir, cal)
        prepared = prepare(daily, minute, cal)
        info = {"name": name, "calendar": calendar, "source": csvdir, "symbols": prepared.symbols}
        _ingest_function(prepared, info)(environ, *args)

    return ingest


def read_info(name, environ=None):
    """The ``pvr_bundle.json`` of the newest ingestion of ``name``, or None."""
    environ = os.environ if environ is None else environ
    try:
        found = bundles.ingestions_for_bundle(name, environ=environ)
    except OSError:
        return None
    if not found:
        return None
    newest = bundles.to_bundle_ingest_dirname(found[0])
    path = zipline_setup.zipline_root(environ) / "data" / name / newest / INFO_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
