"""Cost of PvR tracking, as wall-time ratios against the same backtest without it.

Runs every variant in this one process, best of ``--repeat`` runs each, and prints
the ratio to the baseline. Variants:

* baseline: the algorithm with an empty ``handle_data`` and the default metrics;
* naive (reference row): reads ``context.portfolio`` and sums shorts every minute
  and records five series, the straightforward way;
* pvr(): ``pvr(context, data)`` from ``handle_data`` every bar;
* metrics set ``pvr``: no code change, exact intraday.

Backtests: one month (November 2022) of minute bars with a daily rebalance, on the
embedded 20-ticker bundle and on a synthetic 100-ticker bundle this script builds
in a temporary ZIPLINE_ROOT; and a daily backtest (2017-2022, 20 tickers).

    python benchmarks/bench_tracker.py [--repeat 5]
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd

# Keep the benchmark's bundles away from the user's ZIPLINE_ROOT unless asked.
os.environ.setdefault("ZIPLINE_ROOT", os.path.join(tempfile.gettempdir(), "pvr-bench-zipline"))

from zipline import run_algorithm  # noqa: E402
from zipline.api import (  # noqa: E402
    date_rules, order_target_percent, record, schedule_function, symbols, time_rules,
)
from zipline.data import bundles  # noqa: E402

from pvr_plugin import pvr  # noqa: E402
from pvr_plugin.adapters import bars, bundle as demo  # noqa: E402
import pvr_plugin.adapters.metric  # noqa: E402,F401  (registers the 'pvr' metrics set)

SYNTH = "pvr-bench-100"
MONTH = (pd.Timestamp("2022-11-01"), pd.Timestamp("2022-11-30"))
DAILY = (pd.Timestamp("2017-01-03"), pd.Timestamp("2022-12-28"))


def register_synthetic(n_tickers=100):
    tickers = [f"S{i:03d}" for i in range(n_tickers)]
    cal = demo.calendar()
    first, last = pd.Timestamp("2022-10-31"), pd.Timestamp("2022-11-30")
    sessions = cal.sessions_in_range(first, last)

    def ingest(environ, asset_db_writer, minute_bar_writer, daily_bar_writer, adjustment_writer,
               calendar, start_session, end_session, cache, show_progress, output_dir):
        rng = np.random.default_rng(7)
        daily_frames, minute_frames = {}, {}
        for sid in range(n_tickers):
            close = pd.Series(50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(sessions)))).round(3), index=sessions)
            daily = bars.daily_bars(close, sid)
            minutes, daily = bars.minute_bars(daily, sid, calendar, sessions)
            daily_frames[sid], minute_frames[sid] = daily, minutes
        asset_db_writer.write(
            equities=pd.DataFrame({
                "symbol": tickers, "asset_name": tickers, "start_date": sessions[0],
                "end_date": sessions[-1], "first_traded": sessions[0],
                "auto_close_date": sessions[-1] + pd.Timedelta(days=1), "exchange": "NYSE",
            }),
            exchanges=pd.DataFrame({"exchange": ["NYSE"], "canonical_name": ["NYSE"], "country_code": ["US"]}),
        )
        daily_bar_writer.write(daily_frames.items())
        minute_bar_writer.write(minute_frames.items())
        adjustment_writer.write()

    if SYNTH not in bundles.bundles:
        bundles.register(SYNTH, ingest, calendar_name="XNYS", start_session=first, end_session=last)
    if not demo.is_ingested(SYNTH):
        bundles.ingest(SYNTH, os.environ)
    return tickers


def make_algo(tickers, variant):
    def initialize(context):
        context.stocks = symbols(*tickers)
        context.flip = False
        schedule_function(rebalance, date_rules.every_day(), time_rules.market_open(minutes=30))

    def rebalance(context, data):
        context.flip = not context.flip
        n = len(context.stocks)
        for i, stock in enumerate(context.stocks):
            w = (1.2 if context.flip else 0.6) / n
            order_target_percent(stock, w if i % 4 else -w)

    def naive(context, data):
        c = context
        if "naive" not in c.__dict__:
            c.naive = {"start": c.portfolio.starting_cash, "cash_low": c.portfolio.starting_cash,
                       "max_shrt": 0.0, "max_risk": 0.0, "max_lvrg": 0.0}
        p, pf = c.naive, c.portfolio
        shorts = sum(z.amount * z.last_sale_price for z in pf.positions.values() if z.amount < 0)
        p["cash_low"] = min(p["cash_low"], pf.cash)
        p["max_shrt"] = max(p["max_shrt"], -shorts)
        p["max_lvrg"] = max(p["max_lvrg"], c.account.leverage)
        p["max_risk"] = max(p["max_risk"], p["start"] - p["cash_low"], p["max_shrt"])
        pvr_value = 100 * (pf.portfolio_value - p["start"]) / p["max_risk"] if p["max_risk"] else 0.0
        record(PvR=pvr_value, CashLow=p["cash_low"], MxShrt=p["max_shrt"], MxRisk=p["max_risk"],
               MxLv=p["max_lvrg"])

    handle = {
        "baseline": lambda context, data: None,
        "naive": naive,
        "pvr()": lambda context, data: pvr(context, data),
        "metrics set pvr": lambda context, data: None,
    }[variant]
    return initialize, handle


def timed(tickers, variant, bundle, freq, span, capital=1e7):
    initialize, handle = make_algo(tickers, variant)
    t0 = time.perf_counter()
    run_algorithm(
        start=span[0], end=span[1], initialize=initialize, handle_data=handle,
        capital_base=capital, data_frequency=freq, bundle=bundle,
        metrics_set="pvr" if variant == "metrics set pvr" else "default",
        benchmark_returns=pd.Series(0.0, index=demo.calendar().sessions_in_range(*span).tz_localize("UTC")),
        trading_calendar=demo.calendar(),
    )
    return time.perf_counter() - t0


def table(title, tickers, bundle, freq, span, variants, repeat):
    timed(tickers, "baseline", bundle, freq, span)  # warm caches and imports
    best = {}
    for _ in range(repeat):  # interleave variants so drift hits all alike
        for v in variants:
            best[v] = min(best.get(v, np.inf), timed(tickers, v, bundle, freq, span))
    base = best["baseline"]
    print(f"\n{title}")
    print(f"  {'variant':<18}{'best s':>9}{'ratio':>8}")
    for v in variants:
        print(f"  {v:<18}{best[v]:>9.3f}{best[v] / base:>7.2f}x")
    return {v: best[v] / base for v in variants}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    demo.ensure_ingested()
    synth = register_synthetic()
    minute_variants = ["baseline", "naive", "pvr()", "metrics set pvr"]
    table("Minute, 20 tickers (pvr-demo), Nov 2022", list(demo.TICKERS), demo.BUNDLE_NAME,
          "minute", MONTH, minute_variants, args.repeat)
    table("Minute, 100 tickers (synthetic), Nov 2022", synth, SYNTH, "minute", MONTH, minute_variants, args.repeat)
    table("Daily, 20 tickers (pvr-demo), 2017-2022", list(demo.TICKERS), demo.BUNDLE_NAME, "daily", DAILY,
          ["baseline", "pvr()", "metrics set pvr"], max(1, args.repeat // 2))
    print("\ntargets: metrics set <= 1.10x, pvr() <= 1.25x (minute); <= 1.05x (daily)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
