"""Price files and frames checked and shaped for a zipline bundle.

The input convention is zipline's ``csvdir`` one, so existing folders work:

* ``DIR/daily/SYMBOL.csv`` and/or ``DIR/minute/SYMBOL.csv`` (``.csv.gz`` too);
  the symbol is the file name without ``.csv``/``.csv.gz``, dots kept (``BRK.B``).
* Columns ``date, open, high, low, close, volume`` and optional ``dividend``,
  ``split`` and ``pay_date``; other columns are ignored.
* **Prices are raw** (as traded on that day, not back-adjusted). ``split`` on a
  row is a split effective at that session's open, new shares per old share:
  ``2.0`` is a 2-for-1 split, ``0.5`` a 1-for-2 reverse split (empty or 1: none).
  ``dividend`` on a row is cash per share with that session as ex-date, paid on
  ``pay_date`` (a session; default the ex-date itself). zipline adjusts history
  from these and applies them to held positions (share counts, cash).
* Daily dates are sessions of the calendar. Minute dates are the *end* of each
  one-minute bar, as zipline labels bars (09:31 ... 16:00 New York for XNYS):
  without a UTC offset they are read in the calendar's time zone.
* A session (or minute) missing between a symbol's first and last row is one
  with no trade: zipline carries the last price forward. A symbol's last row is
  its last trading day; zipline closes positions still held the day after.

Everything is checked before anything is written; the first problem raises
:class:`PvrInputError` naming the file (or frame), line (or row) and value.
"""
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pvr_plugin.errors import PvrInputError

REQUIRED = ("date", "open", "high", "low", "close", "volume")
OPTIONAL = ("dividend", "split", "pay_date")
PRICES = ("open", "high", "low", "close")
FREQUENCIES = ("daily", "minute")
# zipline stores prices as uint32 thousandths and volume as uint32.
MAX_PRICE = (2**32 - 1) / 1000
MAX_VOLUME = 2**32 - 1
# Stored at 1/1000: a daily and a minute close further apart than this disagree.
CLOSE_TOLERANCE = 0.0011
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


@dataclass
class Table:
    """One symbol's rows at one frequency, parsed; ``where(i)`` names row i."""

    symbol: str
    frequency: str
    label: str          # the file path, or "daily frame 'AAPL'"
    unit: str           # "line" or "row"
    rows: np.ndarray    # position of each remaining row among the input's data rows
    dates: pd.DatetimeIndex  # naive sessions (daily) or UTC minutes
    columns: dict       # name -> float array (open..volume, dividend, split)
    pay_dates: pd.DatetimeIndex = None
    sessions: pd.DatetimeIndex = None  # minute tables: the session of each row
    path: str = None    # the file, for line numbers (looked up only for a message)
    _line_numbers: list = None

    def number(self, row):
        """The file line (or 1-based frame row) of data row ``row``."""
        if self.path is None:
            return int(row) + 1
        if self._line_numbers is None:
            self._line_numbers = _data_lines(self.path)
        return self._line_numbers[int(row)]

    def where(self, i):
        return f"{self.label} {self.unit} {self.number(self.rows[i])}"

    def take(self, keep):
        self.rows, self.dates = self.rows[keep], self.dates[keep]
        self.columns = {k: v[keep] for k, v in self.columns.items()}
        if self.pay_dates is not None:
            self.pay_dates = self.pay_dates[keep]


def _data_lines(path):
    """Line numbers of the data rows of a CSV file (after the header, blank lines skipped)."""
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        numbers = [k for k, line in enumerate(fh, start=1) if line.strip()]
    return numbers[1:]


def symbol_of(path):
    name = Path(path).name
    for suffix in (".csv.gz", ".csv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


def csvdir_files(folder):
    """{frequency: {symbol: path}} of a csvdir folder; refuses an empty or ambiguous one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PvrInputError(f"--csvdir {folder}: no such folder")
    found = {}
    for freq in FREQUENCIES:
        sub = folder / freq
        if not sub.is_dir():
            continue
        files = {}
        for path in sorted(sub.iterdir()):
            symbol = symbol_of(path)
            if symbol is None or not path.is_file():
                continue
            if not symbol:
                raise PvrInputError(f"{path}: the file name gives no symbol")
            other = next((p for s, p in files.items() if s.upper() == symbol.upper()), None)
            if other is not None:
                raise PvrInputError(f"{path}: symbol {symbol} also given by {other}")
            files[symbol] = path
        if files:
            found[freq] = files
    if not found:
        raise PvrInputError(f"{folder} has no daily/SYMBOL.csv or minute/SYMBOL.csv files (.csv or .csv.gz)")
    return found


def read_csv_table(path, symbol, frequency, calendar):
    # Numbers are parsed by pandas' C reader (a column with a bad cell comes back
    # as text and takes the slow path): parsing every cell as text first was
    # measured 4x slower on 500 symbols x 10 years.
    try:
        raw = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as exc:
        raise PvrInputError(f"{path}: cannot read as CSV: {str(exc).strip().splitlines()[0]}") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    for name in ("date", "pay_date"):  # 20210104 is a date, not a number of nanoseconds
        if name in raw.columns and raw[name].dtype != object:
            raw[name] = pd.Series([str(int(v)) if pd.notna(v) else np.nan for v in raw[name]], dtype=object)
    return _table(raw, symbol, frequency, str(path), "line", calendar, path=str(path))


def frame_table(frame, symbol, frequency, calendar):
    """A Table from a user's DataFrame: a ``date`` column or a DatetimeIndex."""
    label = f"{frequency} frame {symbol!r}"
    if not isinstance(frame, pd.DataFrame):
        raise PvrInputError(f"{label}: expected a pandas DataFrame, got {type(frame).__name__}")
    df = frame.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "date" not in df.columns:
        df = df.reset_index()
        df.columns = ["date", *df.columns[1:]]
    return _table(df, symbol, frequency, label, "row", calendar)


def _shown(value):
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _table(df, symbol, frequency, label, unit, calendar, path=None):
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise PvrInputError(f"{label}: missing column(s) {', '.join(missing)} (needs {', '.join(REQUIRED)})")
    near = [c for c in df.columns if c not in REQUIRED + OPTIONAL and ("split" in c or "div" in c)]
    if near:
        raise PvrInputError(f"{label}: unknown column {near[0]!r}; split and dividend columns are named "
                            f"{', '.join(OPTIONAL)}")
    if len(df) == 0:
        raise PvrInputError(f"{label}: no rows")
    table = Table(symbol, frequency, label, unit, np.arange(len(df)), None, {}, path=path)
    table.dates = _parse_dates(df["date"], table, frequency, calendar, "date")
    for name in PRICES + ("volume", "dividend", "split"):
        if name not in df.columns:
            continue
        values = df[name]
        if values.dtype == object:  # not all numbers: the slow path, with the text for the message
            values = values.map(lambda v: v.strip() if isinstance(v, str) else v).replace("", np.nan)
        number = pd.to_numeric(values, errors="coerce").to_numpy(float)
        if name in ("dividend", "split"):
            number[pd.isna(values).to_numpy()] = 0.0 if name == "dividend" else 1.0
        bad = np.flatnonzero(~np.isfinite(number))
        if len(bad):
            raise PvrInputError(f"{table.where(bad[0])}: {name} {_shown(values.iloc[bad[0]])!r} is not a number")
        table.columns[name] = number
    if "pay_date" in df.columns:
        table.pay_dates = _parse_dates(df["pay_date"], table, "daily", calendar, "pay_date", allow_empty=True)
    return table


def _parse_dates(values, table, frequency, calendar, name, allow_empty=False):
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = pd.DatetimeIndex(values)
        if dates.tz is not None and frequency == "daily":
            dates = dates.tz_convert("UTC").tz_localize(None)
    else:
        first = next((t.strip() for t in values if isinstance(t, str) and t.strip()), "")
        aware = bool(_OFFSET.search(first))
        dates = pd.DatetimeIndex(pd.to_datetime(values, errors="coerce", utc=aware))
        retry = np.flatnonzero(dates.isna() & values.notna().to_numpy())
        if len(retry):  # surrounding spaces, or a format other than the first row's
            stripped = values.iloc[retry].map(lambda v: v.strip() if isinstance(v, str) else v)
            stamps = dates.asi8.copy()
            stamps[retry] = pd.DatetimeIndex(pd.to_datetime(stripped, errors="coerce", utc=aware)).asi8
            dates = pd.DatetimeIndex(stamps, tz=dates.tz)
        if aware and frequency == "daily":
            dates = dates.tz_localize(None)
    if frequency == "minute" and dates.tz is None:
        dates = _local_to_utc(dates, calendar.tz)
    if frequency == "minute":
        dates = dates.tz_convert("UTC")
    bad = np.flatnonzero(dates.isna() & (values.notna().to_numpy() | (not allow_empty)))
    if len(bad):
        raise PvrInputError(f"{table.where(bad[0])}: {name} {_shown(values.iloc[bad[0]])!r} is not a date")
    return dates


def _local_to_utc(naive, tz):
    """Exchange-local wall times to UTC, a UTC offset per calendar day.

    pandas' ``tz_localize`` with ``ambiguous``/``nonexistent`` handling took 7 of
    20 s on 20 symbols x 3 months of minutes; trading minutes never fall in a
    daylight-saving jump, so one offset per day is exact for them. Rows whose
    round trip differs (the jump itself) go through pandas and become NaT there.
    """
    ok = ~naive.isna()
    days = naive[ok].normalize()
    unique, inverse = np.unique(days.asi8, return_inverse=True)
    offsets = np.array([pd.Timedelta(pd.Timestamp(d + 12 * 3_600_000_000_000).tz_localize(tz).utcoffset()).value
                        for d in unique], dtype=np.int64)
    out = np.full(len(naive), np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    out[ok] = naive[ok].asi8 - offsets[inverse]
    utc = pd.DatetimeIndex(out, tz="UTC")
    back = utc.tz_convert(tz).tz_localize(None)
    odd = np.flatnonzero(ok & np.asarray(back != naive))
    if len(odd):
        fixed = naive[odd].tz_localize(tz, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
        out[odd] = fixed.asi8
        utc = pd.DatetimeIndex(out, tz="UTC")
    return utc


def check_table(table, calendar, start=None, end=None):
    """Refuse bad rows of one table (dates, prices, volume, splits); sort it by date.

    Returns False when ``start``/``end`` leave the table no rows (a symbol that
    does not trade in that window), else True.
    """
    dates = table.dates
    if start is not None or end is not None:
        local = dates.tz_convert(calendar.tz).tz_localize(None).normalize() if dates.tz is not None else dates
        keep = np.ones(len(dates), bool)
        if start is not None:
            keep &= np.asarray(local >= start)
        if end is not None:
            keep &= np.asarray(local <= end)
        if not keep.any():
            return False
        table.take(keep)
        dates = table.dates
    dup = np.flatnonzero(dates.duplicated())
    if len(dup):
        first = np.flatnonzero(dates == dates[dup[0]])[0]
        raise PvrInputError(f"{table.where(dup[0])}: date {_show(dates[dup[0]], calendar)} repeats "
                            f"{table.unit} {table.number(table.rows[first])}")
    if table.frequency == "daily":
        on = _on_calendar(dates, calendar.sessions)
        what = "session"
    else:
        on = _on_calendar(dates, calendar.minutes)
        what = "trading minute (minute dates are the end of each bar)"
    off = np.flatnonzero(~on)
    if len(off):
        raise PvrInputError(f"{table.where(off[0])}: {_show(dates[off[0]], calendar)} is not a {calendar.name} {what}")
    cols = table.columns
    for name in PRICES:
        bad = np.flatnonzero(cols[name] <= 0)
        if len(bad):
            raise PvrInputError(f"{table.where(bad[0])}: {name} {cols[name][bad[0]]:g} is not a positive price")
        bad = np.flatnonzero(cols[name] > MAX_PRICE)
        if len(bad):
            raise PvrInputError(f"{table.where(bad[0])}: {name} {cols[name][bad[0]]:g} is above {MAX_PRICE:g}, "
                                "the largest price a zipline bundle stores")
    bad = np.flatnonzero(cols["high"] < cols["low"])
    if len(bad):
        i = bad[0]
        raise PvrInputError(f"{table.where(i)}: high {cols['high'][i]:g} is below low {cols['low'][i]:g}")
    vol = cols["volume"]
    for mask, why in [(vol < 0, "is negative"), (vol > MAX_VOLUME, f"is above {MAX_VOLUME}, zipline's limit")]:
        bad = np.flatnonzero(mask)
        if len(bad):
            raise PvrInputError(f"{table.where(bad[0])}: volume {vol[bad[0]]:g} {why}")
    if "split" in cols:
        bad = np.flatnonzero(cols["split"] <= 0)
        if len(bad):
            raise PvrInputError(f"{table.where(bad[0])}: split ratio {cols['split'][bad[0]]:g} is not positive")
    if "dividend" in cols:
        bad = np.flatnonzero(cols["dividend"] < 0)
        if len(bad):
            raise PvrInputError(f"{table.where(bad[0])}: dividend {cols['dividend'][bad[0]]:g} is negative")
    order = np.argsort(dates.asi8, kind="stable")
    if (np.diff(order) != 1).any():
        table.take(order)
    return True


def _on_calendar(dates, index):
    # searchsorted on the int64 stamps: get_indexer re-checked the calendar's
    # 3-million-minute index for uniqueness on every call
    stamps, known = dates.asi8, index.asi8
    at = np.minimum(np.searchsorted(known, stamps), len(known) - 1)
    return (known[at] == stamps) if len(known) else np.zeros(len(dates), bool)


def _show(ts, calendar):
    if ts.tzinfo is None:
        return str(ts.date()) if ts == ts.normalize() else str(ts)
    return str(ts.tz_convert(calendar.tz).tz_localize(None))


def check_actions(table, calendar, daily_closes):
    """Splits and dividends of a daily table: (split rows, dividend rows) for the writer.

    ``daily_closes`` is the symbol's close on every session of its span (NaN:
    no trade), for the dividend ratio zipline derives from the previous close.
    """
    cols = table.columns
    splits, divs = [], []
    split = cols.get("split", np.ones(len(table.dates)))
    div = cols.get("dividend", np.zeros(len(table.dates)))
    sessions = calendar.sessions
    for i in np.flatnonzero((split != 1.0) | (div != 0.0)):
        day = table.dates[i]
        if split[i] != 1.0 and div[i] != 0.0:
            raise PvrInputError(f"{table.where(i)}: a split and a dividend on the same session ({day.date()}); "
                                "give the dividend on its own ex-date")
        if split[i] != 1.0:
            splits.append((1.0 / split[i], day))
            continue
        # zipline adjusts history by 1 - dividend / (the previous session's close)
        before = daily_closes[daily_closes.index < day]
        if before.empty or np.isnan(before.iloc[-1]):
            raise PvrInputError(f"{table.where(i)}: dividend {div[i]:g} on {day.date()} needs a trade on the "
                                "session before its ex-date (zipline adjusts prices by that close)")
        if div[i] >= before.iloc[-1]:
            raise PvrInputError(f"{table.where(i)}: dividend {div[i]:g} is not below the previous close "
                                f"{before.iloc[-1]:g}")
        pay = day
        if table.pay_dates is not None and not pd.isna(table.pay_dates[i]):
            pay = table.pay_dates[i]
            if pay < day or sessions.get_indexer([pay])[0] < 0:
                raise PvrInputError(f"{table.where(i)}: pay_date {pay.date()} is not a {calendar.name} session "
                                    f"on or after the ex-date {day.date()}")
        divs.append((div[i], day, pay))
    return splits, divs
