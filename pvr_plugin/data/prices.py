"""Read the embedded daily closes of 20 large US stocks and the S&P 500 index.

Prices are split- and dividend-adjusted closes in dollars, one row per XNYS
session from 1990-01-02 to 2022-12-28 (see ``files/PROVENANCE.md``).
"""
from functools import lru_cache
from importlib import resources

import pandas as pd

from pvr_plugin.errors import PvrInputError

TICKERS = (
    "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO",
    "LLY", "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM",
)
INDEX_NAME = "SP500"
FIRST_SESSION = pd.Timestamp("1990-01-02")
LAST_SESSION = pd.Timestamp("2022-12-28")
_FILE = "sp500_daily_closes.csv.gz"


@lru_cache(maxsize=1)
def _read_all():
    # Cached read-only frame: callers get copies, so nothing shared is mutable.
    with resources.files("pvr_plugin.data").joinpath("files", _FILE).open("rb") as fh:
        frame = pd.read_csv(fh, index_col="date", parse_dates=["date"], compression="gzip")
    frame.index.name = "date"
    return frame


def load_closes(tickers=None, start=None, end=None):
    """Daily adjusted closes in dollars, a DataFrame indexed by naive session date.

    Parameters
    ----------
    tickers : sequence of str, optional
        Subset of :data:`TICKERS`; all 20 by default.
    start, end : date-like, optional
        Inclusive bounds.
    """
    names = list(TICKERS if tickers is None else tickers)
    unknown = sorted(set(names) - set(TICKERS))
    if unknown:
        raise PvrInputError(f"unknown ticker(s) {unknown}; embedded tickers are {', '.join(TICKERS)}")
    return _read_all().loc[start:end, names].copy()


def load_index(start=None, end=None):
    """Daily close of the S&P 500 index (points), a Series named ``SP500``."""
    return _read_all().loc[start:end, INDEX_NAME].copy()


def index_returns(start=None, end=None, tz=None):
    """Daily simple returns (fractions) of the S&P 500 index.

    The first session's return is 0 when ``start`` is the first embedded
    session, otherwise it is computed from the previous embedded close. The
    index is naive session dates, which is what zipline's benchmark source
    matches against (a UTC index silently matches nothing: a zero benchmark);
    pass ``tz`` to localize it.
    """
    closes = _read_all()[INDEX_NAME]
    rets = closes.pct_change().fillna(0.0).loc[start:end].copy()
    rets.name = "SP500"
    if tz is not None:
        rets.index = rets.index.tz_localize(tz)
    return rets
