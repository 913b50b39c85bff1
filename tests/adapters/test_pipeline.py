"""A zipline Pipeline run on the pvr-demo bundle outside an algorithm, and the bundle's prices."""
import numpy as np
import pandas as pd
import pytest
from zipline.pipeline import Pipeline
from zipline.pipeline.factors import Returns

from pvr_plugin.adapters.pipeline import pricing, run_pipeline
from pvr_plugin.data import TICKERS, load_closes
from pvr_plugin.errors import PvrInputError


def test_pipeline_factor_is_the_return_to_the_previous_close(zipline_root):
    out = run_pipeline(Pipeline(columns={"r21": Returns(window_length=21)}), "2019-03-01", "2019-03-29")
    assert list(out.index.names) == ["date", "asset"] and list(out.columns) == ["r21"]
    dates = out.index.get_level_values("date").unique()
    assert dates[0] == pd.Timestamp("2019-03-01") and dates[-1] == pd.Timestamp("2019-03-29")
    assert dates.tz is None and len(dates) == 21
    # On session d a pipeline sees the closes up to d - 1: Returns(21) = close[d-1] / close[d-21] - 1.
    # The bundle stores prices to 1/1000 of a dollar.
    closes = load_closes(start="2019-01-02", end="2019-03-29").round(3)
    want = closes.shift(1) / closes.shift(21) - 1
    got = out["r21"].unstack()
    got.columns = [a.symbol for a in got.columns]
    np.testing.assert_allclose(got[list(TICKERS)].to_numpy(), want.loc[dates, list(TICKERS)].to_numpy(), rtol=1e-12)


def test_pricing_is_the_bundles_closes(zipline_root):
    prices = pricing("2019-03-01", "2019-03-29")
    assert prices.index[0] == pd.Timestamp("2019-03-01") and prices.index.tz is None
    prices.columns = [a.symbol for a in prices.columns]
    closes = load_closes(start="2019-03-01", end="2019-03-29").round(3)
    np.testing.assert_allclose(prices[list(TICKERS)].to_numpy(), closes[list(TICKERS)].to_numpy(), rtol=1e-12)


def test_dates_outside_the_bundle_are_one_line(zipline_root):
    with pytest.raises(PvrInputError, match="outside the pvr-demo daily data"):
        pricing("2023-01-03", "2023-02-01")
