"""Derive OHLCV bars from the embedded daily closes (numpy/pandas only).

The source data holds closes only. Everything else is simulated, deterministically
(fixed seed per ticker), so that every ingest produces identical bars:

* daily open: previous close moved by 0.3 of the stock's recent daily volatility;
* daily high/low: the larger/smaller of open and close, pushed out by half a
  volatility unit;
* daily volume: a dollar volume of about $1.5 billion (lognormal noise) divided
  by the close, capped at 2e9 shares (zipline stores volume as uint32);
* minute bars (a bounded window only): a Brownian bridge of log price from the
  day's open to its real close, so each session ends exactly at the real close;
  U-shaped intraday volume that sums to the daily volume.

Inside the minute window the daily bars are the aggregate of the minute bars, so
daily and minute backtests see consistent sessions.
"""
import numpy as np
import pandas as pd

SEED = 20221228
DOLLAR_VOLUME_USD = 1.5e9
MAX_VOLUME_SHARES = 2e9
_VOL_WINDOW = 20


def _daily_vol(closes):
    """Trailing 20-session std of log returns, back-filled, floored at 0.2%."""
    logret = np.log(closes).diff()
    vol = logret.rolling(_VOL_WINDOW, min_periods=2).std().bfill()
    return vol.fillna(0.01).clip(lower=0.002)


def _round_up(x):
    return np.ceil(np.round(x * 1000, 6)) / 1000


def _round_down(x):
    return np.floor(np.round(x * 1000, 6)) / 1000


def daily_bars(close, ticker_index):
    """OHLCV frame for one ticker from its closes (a Series on naive sessions)."""
    rng = np.random.default_rng([SEED, ticker_index, 0])
    n = len(close)
    vol = _daily_vol(close).to_numpy()
    c = close.to_numpy(dtype=float)
    prev = np.concatenate([[c[0]], c[:-1]])
    z = rng.standard_normal((3, n))
    o = np.round(prev * np.exp(0.3 * vol * z[0]), 3)
    o[0] = c[0]
    o = np.maximum(o, 0.001)
    hi = _round_up(np.maximum(o, c) * np.exp(0.5 * vol * np.abs(z[1])))
    lo = np.maximum(_round_down(np.minimum(o, c) * np.exp(-0.5 * vol * np.abs(z[2]))), 0.001)
    lo = np.minimum(lo, np.minimum(o, c))
    dollars = DOLLAR_VOLUME_USD * rng.lognormal(0.0, 0.3, n)
    volume = np.clip(np.round(dollars / c), 1, MAX_VOLUME_SHARES)
    return pd.DataFrame(
        {"open": o, "high": hi, "low": lo, "close": c, "volume": volume},
        index=close.index,
    )


def _volume_profile(n):
    x = (np.arange(n) + 0.5) / n
    w = 1.0 + 2.0 * (2.0 * x - 1.0) ** 2  # heavier at the open and the close
    return w / w.sum()


def minute_bars(daily, ticker_index, calendar, sessions):
    """Minute OHLCV (UTC index equal to the calendar's minutes) for ``sessions``.

    ``daily`` is the ticker's daily frame from :func:`daily_bars`; the bridge runs
    from each session's open to its close, so the last minute closes at the real
    daily close. Returns the minute frame and the daily frame with the window's
    sessions replaced by the aggregate of their minutes.
    """
    rng = np.random.default_rng([SEED, ticker_index, 1])
    vol = _daily_vol(daily["close"])
    frames = []
    daily = daily.copy()
    for session in sessions:
        minutes = calendar.session_minutes(session)
        n = len(minutes)
        o, c = daily.at[session, "open"], daily.at[session, "close"]
        sigma = vol.at[session] / np.sqrt(n)
        walk = np.cumsum(rng.standard_normal(n))
        frac = np.arange(1, n + 1) / n
        bridge = walk - frac * walk[-1]
        path = np.log(o) + frac * (np.log(c) - np.log(o)) + sigma * bridge
        closes = np.maximum(np.round(np.exp(path), 3), 0.001)
        closes[-1] = c
        opens = np.concatenate([[o], closes[:-1]])
        z = np.abs(rng.standard_normal((2, n)))
        highs = _round_up(np.maximum(opens, closes) * np.exp(0.5 * sigma * z[0]))
        lows = np.minimum(
            np.maximum(_round_down(np.minimum(opens, closes) * np.exp(-0.5 * sigma * z[1])), 0.001),
            np.minimum(opens, closes),
        )
        volume = np.maximum(np.round(daily.at[session, "volume"] * _volume_profile(n)), 1)
        frames.append(
            pd.DataFrame(
                {"open": opens, "high": highs, "low": lows, "close": closes, "volume": volume},
                index=minutes,
            )
        )
        daily.loc[session, ["open", "high", "low", "volume"]] = [
            opens[0], highs.max(), lows.min(), volume.sum(),
        ]
    return pd.concat(frames), daily
