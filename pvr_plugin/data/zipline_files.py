"""Market data shipped inside zipline-reloaded: SPY daily returns and 3-month T-bill yields.

Located with ``importlib.util.find_spec`` and read with pandas, so the
factsheet does not import zipline. Each file is read once per process and
handed out as copies, so the cache is never mutated by callers.
"""
import importlib.util
import os
from functools import lru_cache

import pandas as pd

from pvr_plugin.errors import PvrInputError


def zipline_resource(name):
    """Path of a file in zipline/resources/market_data, without importing zipline."""
    spec = importlib.util.find_spec("zipline")
    if spec is None or not spec.submodule_search_locations:
        raise PvrInputError(f"built-in data {name} needs zipline-reloaded installed")
    for base in spec.submodule_search_locations:
        path = os.path.join(base, "resources", "market_data", name)
        if os.path.exists(path):
            return path
    raise PvrInputError(f"built-in data file {name} not found in the zipline package")


def _utc_dates(index):
    return pd.DatetimeIndex(pd.to_datetime(index, utc=True)).tz_localize(None).normalize()


@lru_cache(maxsize=None)
def _spy():
    frame = pd.read_csv(zipline_resource("SPY_benchmark.csv"), index_col=0)
    series = frame["return"].astype(float)
    series.index = _utc_dates(series.index)
    series.index.name = "date"
    return series.rename("SPY")


@lru_cache(maxsize=None)
def _treasury_3m():
    frame = pd.read_csv(zipline_resource("treasury_curves.csv"), index_col=0)
    series = frame["3month"].astype(float).dropna()
    series.index = _utc_dates(series.index)
    series.index.name = "date"
    return series


def spy_returns():
    """SPY daily returns (fractions) shipped with zipline, 1993-02-01 to 2018-04-27."""
    return _spy().copy()


def treasury_3m_yields():
    """3-month T-bill yields (decimal annual) shipped with zipline, 1990-01-02 to 2017-03-29."""
    return _treasury_3m().copy()
