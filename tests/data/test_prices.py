"""The embedded closes are the source's numbers."""
import pandas as pd
import pytest

from pvr_plugin.data import TICKERS, index_returns, load_closes, load_index
from pvr_plugin.errors import PvrInputError


def test_spot_values_from_source():
    # Values as published in the source data set (adjusted closes, dollars).
    closes = load_closes(["AAPL", "KO"], "1990-01-02", "2020-03-17")
    assert closes.at[pd.Timestamp("2020-03-16"), "AAPL"] == pytest.approx(59.290)
    assert closes.at[pd.Timestamp("2020-03-17"), "AAPL"] == pytest.approx(61.897)
    assert closes.at[pd.Timestamp("1990-01-03"), "KO"] == pytest.approx(2.203)
    assert load_index().iloc[0] == pytest.approx(359.69)


def test_shape_and_sessions():
    closes = load_closes()
    assert list(closes.columns) == list(TICKERS)
    assert len(closes) == 8313
    assert closes.index[0] == pd.Timestamp("1990-01-02") and closes.index[-1] == pd.Timestamp("2022-12-28")
    assert not closes.isna().any().any()


def test_index_returns_naive_and_by_hand():
    r = index_returns("1990-01-03", "1990-01-04")
    assert r.index.tz is None
    assert r.iloc[0] == pytest.approx(358.76 / 359.69 - 1)
    assert r.iloc[1] == pytest.approx(355.67 / 358.76 - 1)


def test_unknown_ticker():
    with pytest.raises(PvrInputError, match="ZZZZ"):
        load_closes(["ZZZZ"])
