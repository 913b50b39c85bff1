"""The brute-force reference for "exact": read ``context.portfolio`` after every bar.

Reading the portfolio syncs every position's price to the bar, so what it
shows is what zipline itself holds; summing the shorts and reading the
account's leverage after each bar, and keeping running extremes, gives the
values the tracker must reproduce without paying for that sync.
"""
import numpy as np

FIELDS = ("cash", "short", "long", "lev", "value", "dt")


def new_reference():
    return {k: [] for k in FIELDS}


def read_portfolio(context, ref):
    """Append this bar's account values to ``ref`` (call at the end of handle_data)."""
    pf = context.portfolio
    ref["cash"].append(pf.cash)
    ref["short"].append(sum(p.amount * p.last_sale_price for p in pf.positions.values() if p.amount < 0))
    ref["long"].append(sum(p.amount * p.last_sale_price for p in pf.positions.values() if p.amount > 0))
    ref["lev"].append(context.account.leverage)
    ref["value"].append(pf.portfolio_value)
    ref["dt"].append(context.get_datetime())


def reference_extremes(ref, start):
    """Running cash low, max short, max gross leverage and max risk (cash_or_short) per bar."""
    cash, short, lev = (np.asarray(ref[k], float) for k in ("cash", "short", "lev"))
    cash_low = np.minimum.accumulate(np.minimum(cash, start))
    max_short = np.maximum.accumulate(-short)
    max_lev = np.maximum.accumulate(lev)
    max_risk = np.maximum.accumulate(np.maximum(np.maximum(start - cash, -short), 0))
    return cash_low, max_short, max_lev, max_risk


def tracker_bars(tracker):
    """A SessionTracker's kept bars (keep_bars=True) as arrays, plus each session's last index."""
    cash = np.concatenate([b[1] for b in tracker.bars])
    long_ = np.concatenate([b[2] for b in tracker.bars])
    short = np.concatenate([b[3] for b in tracker.bars])
    lev = np.concatenate([b[5] for b in tracker.bars])
    ends = np.cumsum([len(b[1]) for b in tracker.bars]) - 1
    return {"cash": cash, "long": long_, "short": short, "lev": lev, "ends": ends}


def assert_bars_equal(bars, ref, atol=1e-6, where=""):
    """Every bar: the rebuilt account equals what context.portfolio showed."""
    assert len(bars["cash"]) == len(ref["cash"]), f"{where}: {len(bars['cash'])} bars vs {len(ref['cash'])} read"
    for key in ("cash", "short", "long"):
        got, want = bars[key], np.asarray(ref[key], float)
        bad = np.flatnonzero(~np.isclose(got, want, rtol=0, atol=atol))
        assert not len(bad), f"{where} {key} at {ref['dt'][bad[0]]}: rebuilt {got[bad[0]]}, portfolio {want[bad[0]]}"
    got, want = bars["lev"], np.asarray(ref["lev"], float)
    bad = np.flatnonzero(~np.isclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True))
    assert not len(bad), f"{where} leverage at {ref['dt'][bad[0]]}: rebuilt {got[bad[0]]}, account {want[bad[0]]}"


def assert_daily_extremes(perf, ref, start, ends, columns, where=""):
    """Each session: the frame's running extremes equal the reference's at the session's last bar.

    ``columns`` maps "cash_low", "max_short", "max_lev", "max_risk" to frame column names.
    """
    cash_low, max_short, max_lev, max_risk = reference_extremes(ref, start)
    expected = {"cash_low": cash_low, "max_short": max_short, "max_lev": max_lev, "max_risk": max_risk}
    for key, col in columns.items():
        got, want = perf[col].to_numpy(float), expected[key][ends]
        bad = np.flatnonzero(~np.isclose(got, want, rtol=1e-9, atol=1e-6))
        assert not len(bad), f"{where} {col} on {perf.index[bad[0]].date()}: {got[bad[0]]} vs reference {want[bad[0]]}"
