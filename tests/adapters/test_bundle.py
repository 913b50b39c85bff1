"""The pvr-demo bundle reads back the real closes; minute sessions end at them."""
import numpy as np
import pandas as pd
import pytest
from zipline.data import bundles

from pvr_plugin.adapters import bundle as demo
from pvr_plugin.data import load_closes


@pytest.fixture(scope="module")
def data(zipline_root):
    return bundles.load(demo.BUNDLE_NAME)


def _sid(data, ticker):
    return data.asset_finder.lookup_symbol(ticker, as_of_date=None).sid


def test_daily_closes_are_real(data):
    reader = data.equity_daily_bar_reader
    for ticker, day, close in [("AAPL", "2020-03-16", 59.290), ("KO", "1990-01-03", 2.203),
                               ("XOM", "2022-12-28", None)]:
        expected = close if close is not None else load_closes([ticker]).iloc[-1, 0]
        got = reader.get_value(_sid(data, ticker), pd.Timestamp(day), "close")
        assert got == pytest.approx(expected, abs=5e-4)


def test_daily_bars_consistent(data):
    sid = _sid(data, "MSFT")
    sessions = demo.calendar().sessions_in_range("2015-01-02", "2015-12-31")
    o, h, l, c, v = data.equity_daily_bar_reader.load_raw_arrays(
        ["open", "high", "low", "close", "volume"], sessions[0], sessions[-1], [sid])
    assert (l <= np.minimum(o, c) + 1e-9).all() and (h >= np.maximum(o, c) - 1e-9).all()
    assert (v > 0).all()


@pytest.mark.parametrize("day", ["2022-11-21", "2022-11-25", "2022-12-28"])
def test_minute_session_ends_at_real_close(data, day):
    cal = demo.calendar()
    session = pd.Timestamp(day)
    minutes = cal.session_minutes(session)
    reader = data.equity_minute_bar_reader
    sid = _sid(data, "JPM")
    closes = reader.load_raw_arrays(["close"], minutes[0], minutes[-1], [sid])[0][:, 0]
    assert len(closes) == (210 if day == "2022-11-25" else 390)  # day after Thanksgiving closes at 13:00
    assert closes[-1] == pytest.approx(load_closes(["JPM"]).at[session, "JPM"], abs=5e-4)
    assert not np.isnan(closes).any()
    # daily bar of a minute-window session is the aggregate of its minutes
    daily_high = data.equity_daily_bar_reader.get_value(sid, session, "high")
    highs = reader.load_raw_arrays(["high"], minutes[0], minutes[-1], [sid])[0][:, 0]
    assert daily_high == pytest.approx(highs.max(), abs=5e-4)


def test_minute_volume_lets_orders_fill(data):
    # 2.5% of any minute bar (VolumeShareSlippage's cap) carries at least $25,000 of stock.
    cal = demo.calendar()
    minutes = cal.session_minutes(pd.Timestamp("2022-11-21"))
    sids = [_sid(data, t) for t in demo.TICKERS]
    close, volume = data.equity_minute_bar_reader.load_raw_arrays(["close", "volume"], minutes[0], minutes[-1], sids)
    assert (0.025 * volume * close).min() > 25_000


def test_ingest_is_idempotent(zipline_root):
    assert demo.ensure_ingested() is False


def test_run_sessions_checks_the_range(zipline_root):
    from pvr_plugin.adapters import bundle_info
    from pvr_plugin.errors import PvrInputError

    sessions = bundle_info.run_sessions(demo.BUNDLE_NAME, "2022-11-01", "2022-11-30", "minute")
    # November 2022 on XNYS: 22 weekdays less Thanksgiving (the 24th)
    assert len(sessions) == 21
    with pytest.raises(PvrInputError, match="minute data"):
        bundle_info.run_sessions(demo.BUNDLE_NAME, "2022-06-01", "2022-06-30", "minute")
    with pytest.raises(PvrInputError, match="daily data"):
        bundle_info.run_sessions(demo.BUNDLE_NAME, "1989-01-03", "1990-06-30", "daily")
    with pytest.raises(PvrInputError, match="after end"):
        bundle_info.run_sessions(demo.BUNDLE_NAME, "2022-11-30", "2022-11-01", "minute")
