"""What any registered bundle holds: calendar, sessions served, symbols.

Used before a backtest, so a date range or a symbol the bundle cannot serve is
one ``pvr: error:`` line instead of a zipline traceback. Works for the embedded
``pvr-demo``, bundles made by ``pvr ingest --csvdir`` / ``ingest_frames`` (their
``pvr_bundle.json``), and any other zipline bundle (its bar readers).
"""
import os

import pandas as pd
from zipline.data import bundles
from zipline.utils.calendar_utils import get_calendar
from zipline.utils.run_algo import load_extensions

from pvr_plugin.adapters import bundle as demo
from pvr_plugin.adapters import user_bundle
from pvr_plugin.errors import PvrInputError

MAX_SYMBOLS_SHOWN = 30


def ensure_bundle(bundle, environ=None):
    """Make sure ``bundle`` is registered and ingested (``pvr-demo``: ingest it)."""
    environ = os.environ if environ is None else environ
    demo.register_bundle()
    if bundle not in bundles.bundles:
        # registrations live in $ZIPLINE_ROOT/extension.py, which another
        # process (pvr ingest) may have changed since this one loaded it
        load_extensions(True, (), False, environ, reload=True)
    if bundle not in bundles.bundles:
        known = ", ".join(sorted(b for b in bundles.bundles if not b.startswith(".")))
        raise PvrInputError(f"unknown bundle {bundle!r}; registered bundles: {known}")
    if bundle == demo.BUNDLE_NAME:
        demo.ensure_ingested(environ=environ)
    elif not demo.is_ingested(bundle, environ):
        hint = "pvr ingest --csvdir DIR --name " + bundle if bundle in _pvr_made(environ) else f"zipline ingest -b {bundle}"
        raise PvrInputError(f"bundle {bundle!r} has not been ingested; run `{hint}`")


def _pvr_made(environ):
    from pvr_plugin.adapters.zipline_setup import zipline_root

    path = zipline_root(environ) / "extension.py"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return {ln.rsplit("# pvr-plugin bundle ", 1)[1].strip() for ln in text.splitlines() if "# pvr-plugin bundle " in ln}


def calendar_of(bundle):
    """The trading calendar the bundle was registered with."""
    if bundle == demo.BUNDLE_NAME or bundle not in bundles.bundles:
        return demo.calendar()
    return get_calendar(bundles.bundles[bundle].calendar_name)


def served_span(bundle, data_frequency, environ=None):
    """(first, last) session the bundle has bars for at this frequency, or None."""
    if bundle == demo.BUNDLE_NAME:
        if data_frequency == "minute":
            return demo.MINUTE_START, demo.MINUTE_END
        return demo.FIRST_SESSION, demo.LAST_SESSION
    info = user_bundle.read_info(bundle, environ)
    if info is not None and "spans" in info:
        span = info["spans"].get(data_frequency)
        return None if span is None else (pd.Timestamp(span[0]), pd.Timestamp(span[1]))
    data = bundles.load(bundle, os.environ if environ is None else environ)
    reader = data.equity_minute_bar_reader if data_frequency == "minute" else data.equity_daily_bar_reader
    first, last = pd.Timestamp(reader.first_trading_day), pd.Timestamp(reader.last_available_dt)
    strip = lambda t: (t.tz_convert(None) if t.tzinfo else t).normalize()  # noqa: E731
    return strip(first), strip(last)


def whole_span(bundle, data_frequency, environ=None):
    """Default run dates on a bundle: all of it (from its second session where
    the first cannot start a run, see :func:`run_sessions`)."""
    span = served_span(bundle, data_frequency, environ)
    if span is None:
        return None, None  # run_sessions says why
    calendar = calendar_of(bundle)
    first = span[0]
    if data_frequency == "daily" and first == calendar.first_session:
        first = calendar.next_session(first)
    return first, span[1]


def run_sessions(bundle, start, end, data_frequency, environ=None):
    """The sessions of a run from ``start`` to ``end``, or one line saying why not."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start > end:
        raise PvrInputError(f"start {start.date()} is after end {end.date()}")
    span = served_span(bundle, data_frequency, environ)
    if span is None:
        raise PvrInputError(f"bundle {bundle} has no {data_frequency} bars; use --data-frequency "
                            f"{'daily' if data_frequency == 'minute' else 'minute'}")
    lo, hi = span
    if start < lo or end > hi:
        raise PvrInputError(f"{start.date()} to {end.date()} is outside the {bundle} {data_frequency} data "
                            f"({lo.date()} to {hi.date()})")
    calendar = calendar_of(bundle)
    sessions = calendar.sessions_in_range(start, end)
    if len(sessions) == 0:
        raise PvrInputError(f"no trading sessions between {start.date()} and {end.date()}")
    if data_frequency == "daily" and sessions[0] == calendar.first_session:
        # zipline looks up the session's midnight as a minute, which the calendar
        # does not have on its very first session (MinuteOutOfBounds from data.current)
        raise PvrInputError(
            f"a daily run cannot start on {sessions[0].date()}, the first session of the {calendar.name} "
            f"calendar zipline uses; the first start date that works is {calendar.next_session(sessions[0]).date()}")
    return sessions


def symbols_of(bundle, environ=None):
    """Sorted symbols of a bundle."""
    if bundle == demo.BUNDLE_NAME:
        return sorted(demo.TICKERS)
    info = user_bundle.read_info(bundle, environ)
    if info is not None and "symbols" in info:
        return sorted(info["symbols"])
    finder = bundles.load(bundle, os.environ if environ is None else environ).asset_finder
    return sorted(a.symbol for a in finder.retrieve_all(finder.sids))


def unknown_symbol_error(symbol, bundle, where, environ=None):
    """The PvrInputError for an algorithm asking for a symbol the bundle lacks."""
    have = symbols_of(bundle, environ)
    shown = ", ".join(have[:MAX_SYMBOLS_SHOWN])
    more = f" and {len(have) - MAX_SYMBOLS_SHOWN} more" if len(have) > MAX_SYMBOLS_SHOWN else ""
    return PvrInputError(f"{where}: symbol {symbol!r} is not in bundle {bundle} (it has {shown}{more})")
