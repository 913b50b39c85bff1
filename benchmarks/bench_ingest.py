"""Time of ``pvr ingest --csvdir`` on generated files, against zipline's own csvdir bundle.

Two folders are generated in a temporary directory (raw prices with a few
splits and dividends):

* 500 symbols x 10 years of daily bars (2013-2022);
* 20 symbols x 3 months of minute bars (2022-10-03 to 2022-12-30), with daily files.

Each is ingested with ``ingest_csvdir`` (reading, every check, zipline's writers,
registration), best of ``--repeat``. The daily folder is also ingested by
zipline's ``csvdir_equities`` bundle, which does no checking, for the ratio.
zipline's csvdir cannot take the minute folder as written (it wants UTC
stamps), so that one is timed alone.

    python benchmarks/bench_ingest.py [--repeat 2]
"""
import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ["ZIPLINE_ROOT"] = tempfile.mkdtemp(prefix="pvr-bench-ingest-")

from zipline.data import bundles  # noqa: E402
from zipline.data.bundles.csvdir import csvdir_equities  # noqa: E402
from zipline.utils.calendar_utils import get_calendar  # noqa: E402

from pvr_plugin.adapters.user_bundle import ingest_csvdir  # noqa: E402
from pvr_plugin.quiet import quiet_library_warnings  # noqa: E402

CAL = get_calendar("XNYS")


def write_daily(folder, n_symbols, first, last, seed=1):
    sessions = CAL.sessions_in_range(first, last)
    rng = np.random.default_rng(seed)
    (folder / "daily").mkdir(parents=True, exist_ok=True)
    dates = sessions.strftime("%Y-%m-%d")
    for i in range(n_symbols):
        close = np.round(40 * np.exp(np.cumsum(rng.normal(0, 0.015, len(sessions)))), 3) + 0.01
        spread = np.round(close * 0.01, 3)
        split = np.ones(len(sessions))
        dividend = np.zeros(len(sessions))
        if i % 10 == 0:
            split[len(sessions) // 2] = 2.0
        if i % 4 == 0:
            dividend[len(sessions) // 3] = round(0.01 * close[len(sessions) // 3 - 1], 3)
        pd.DataFrame({"date": dates, "open": close, "high": close + spread, "low": close - spread / 2,
                      "close": close, "volume": rng.integers(1e5, 1e7, len(sessions)),
                      "dividend": dividend, "split": split}).to_csv(folder / "daily" / f"S{i:03d}.csv", index=False)
    return folder


def write_minute(folder, n_symbols, first, last, seed=2):
    sessions = CAL.sessions_in_range(first, last)
    minutes = CAL.sessions_minutes(first, last)
    rng = np.random.default_rng(seed)
    (folder / "minute").mkdir(parents=True, exist_ok=True)
    (folder / "daily").mkdir(parents=True, exist_ok=True)
    local = minutes.tz_convert(CAL.tz).tz_localize(None).strftime("%Y-%m-%d %H:%M")
    session_of = CAL.minutes_to_sessions(minutes)
    for i in range(n_symbols):
        close = np.round(40 * np.exp(np.cumsum(rng.normal(0, 0.0008, len(minutes)))), 3) + 0.01
        volume = rng.integers(100, 5000, len(minutes))
        frame = pd.DataFrame({"date": local, "open": close, "high": close + 0.01, "low": close - 0.005,
                              "close": close, "volume": volume})
        frame.to_csv(folder / "minute" / f"M{i:02d}.csv", index=False)
        g = frame.assign(session=session_of).groupby("session")
        daily = pd.DataFrame({"open": g["open"].first(), "high": g["high"].max(), "low": g["low"].min(),
                              "close": g["close"].last(), "volume": g["volume"].sum()})
        daily.index = sessions.strftime("%Y-%m-%d")
        daily.rename_axis("date").to_csv(folder / "daily" / f"M{i:02d}.csv")
    return folder


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def zipline_csvdir(folder, name, first, last):
    if name not in bundles.bundles:
        bundles.register(name, csvdir_equities(["daily"], str(folder)), calendar_name="XNYS",
                         start_session=pd.Timestamp(first), end_session=pd.Timestamp(last))
    bundles.ingest(name, os.environ)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    quiet_library_warnings()
    tmp = Path(tempfile.mkdtemp(prefix="pvr-bench-csv-"))
    t0 = time.perf_counter()
    daily = write_daily(tmp / "daily500", 500, "2013-01-02", "2022-12-30")
    minute = write_minute(tmp / "minute20", 20, "2022-10-03", "2022-12-30")
    print(f"generated the files in {time.perf_counter() - t0:.1f} s ({tmp})")

    ours = best(lambda: ingest_csvdir(daily, "bench-daily"), args.repeat)
    theirs = best(lambda: zipline_csvdir(daily, "bench-zipline-csvdir", "2013-01-02", "2022-12-30"), args.repeat)
    print(f"500 symbols x 10 years daily: pvr ingest --csvdir {ours:.1f} s, "
          f"zipline csvdir (no checks) {theirs:.1f} s, ratio {ours / theirs:.2f}x")
    ours_minute = best(lambda: ingest_csvdir(minute, "bench-minute"), args.repeat)
    print(f"20 symbols x 3 months minute (and daily files): pvr ingest --csvdir {ours_minute:.1f} s")


if __name__ == "__main__":
    main()
