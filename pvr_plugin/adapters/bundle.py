"""The ``pvr-demo`` zipline bundle: embedded real daily closes, simulated minutes.

Daily bars cover every XNYS session from 1990-01-02 to 2022-12-28; minute bars
cover :data:`MINUTE_START` to :data:`MINUTE_END` only (see ``bars.py`` for how
they are derived). Registering is cheap and happens when this module is
imported; ingesting takes a few seconds and happens once, on first use.
"""
import os

import pandas as pd
from zipline.data import bundles
from zipline.utils.calendar_utils import get_calendar

from pvr_plugin.adapters import bars
from pvr_plugin.data import FIRST_SESSION, LAST_SESSION, TICKERS, load_closes

BUNDLE_NAME = "pvr-demo"
CALENDAR_NAME = "XNYS"
MINUTE_START = pd.Timestamp("2022-10-03")
MINUTE_END = LAST_SESSION
EXCHANGE = "NYSE"


def _asset_frame(sessions):
    start, end = sessions[0], sessions[-1]
    return pd.DataFrame(
        {
            "symbol": list(TICKERS),
            "asset_name": list(TICKERS),
            "start_date": start,
            "end_date": end,
            "first_traded": start,
            "auto_close_date": end + pd.Timedelta(days=1),
            "exchange": EXCHANGE,
        },
        index=pd.RangeIndex(len(TICKERS), name="sid"),
    )


def ingest_pvr_demo(environ, asset_db_writer, minute_bar_writer, daily_bar_writer,
                    adjustment_writer, calendar, start_session, end_session, cache,
                    show_progress, output_dir):
    """zipline ingest function for ``pvr-demo`` (signature fixed by zipline)."""
    closes = load_closes(start=start_session, end=end_session)
    minute_sessions = calendar.sessions_in_range(MINUTE_START, MINUTE_END)
    daily_frames, minute_frames = {}, {}
    for sid, ticker in enumerate(TICKERS):
        daily = bars.daily_bars(closes[ticker], sid)
        minutes, daily = bars.minute_bars(daily, sid, calendar, minute_sessions)
        daily_frames[sid], minute_frames[sid] = daily, minutes

    asset_db_writer.write(
        equities=_asset_frame(closes.index),
        exchanges=pd.DataFrame(
            {"exchange": [EXCHANGE], "canonical_name": [EXCHANGE], "country_code": ["US"]}
        ),
    )
    daily_bar_writer.write(daily_frames.items(), show_progress=show_progress)
    minute_bar_writer.write(minute_frames.items(), show_progress=show_progress)
    adjustment_writer.write()


def register_bundle():
    """Register ``pvr-demo`` with zipline (idempotent)."""
    if BUNDLE_NAME in bundles.bundles:
        return
    bundles.register(
        BUNDLE_NAME,
        ingest_pvr_demo,
        calendar_name=CALENDAR_NAME,
        start_session=FIRST_SESSION,
        end_session=LAST_SESSION,
        minutes_per_day=390,
    )


def calendar():
    # zipline's wrapper reaches back to 1990; plain exchange_calendars does not.
    return get_calendar(CALENDAR_NAME)


def is_ingested(bundle=BUNDLE_NAME, environ=None):
    environ = os.environ if environ is None else environ
    try:
        return bool(bundles.ingestions_for_bundle(bundle, environ=environ))
    except OSError:
        return False


def ensure_ingested(force=False, environ=None, show_progress=False):
    """Ingest ``pvr-demo`` unless an ingestion exists; return True if it ingested."""
    register_bundle()
    environ = os.environ if environ is None else environ
    if not force and is_ingested(BUNDLE_NAME, environ):
        return False
    bundles.ingest(BUNDLE_NAME, environ, show_progress=show_progress)
    return True


register_bundle()
