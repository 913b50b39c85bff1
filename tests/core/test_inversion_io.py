"""Reading bucket returns: layouts, units, frequencies and bad input."""

import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core.inversion import analyze_inversions
from pvr_plugin.core.inversion_io import detect_units, infer_periods_per_year
from pvr_plugin.store.inputs import load_bucket_returns
from pvr_plugin.data import load_closes
from pvr_plugin.errors import PvrInputError
from tests.conftest import INVERSION_CSV as FIXTURE



def write(tmp_path, text, name="rank.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------ layouts


def test_rank_performance_columns_ordered_by_number(tmp_path):
    path = write(tmp_path, (
        "Period,Ret10,Ret2,Ret1,Bench\n"
        "2021-01-31,3.0,2.0,1.0,0.5\n"
        "2021-02-28,-1.0,2.5,4.0,0.5\n"
    ))
    data = load_bucket_returns(path)
    assert list(data.returns.columns) == ["Ret1", "Ret2", "Ret10"]
    assert data.returns.loc["2021-02-28", "Ret10"] == pytest.approx(-0.01)
    assert data.units == "percent" and data.units_source == "detected"
    assert any("Bench" in note for note in data.notes)
    assert data.source == "rank.csv"
    res = analyze_inversions(data)
    assert res.top == "Ret10" and res.bottom == "Ret1"
    assert res.spread.tolist() == pytest.approx([0.02, -0.05])


def test_byte_order_mark_and_windows_line_ends(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfPeriod,Ret1,Ret2\r\n2021-01-31,1,2\r\n2021-02-28,3,1\r\n")
    data = load_bucket_returns(path, units="percent")
    assert list(data.returns.columns) == ["Ret1", "Ret2"]
    assert data.returns.index[1] == pd.Timestamp("2021-02-28")
    assert data.returns.iloc[1].tolist() == pytest.approx([0.03, 0.01])


def test_bucket_number_header_variants(tmp_path):
    path = write(tmp_path, "date,RET_3,Ret 1,ret2 (%),Ret4%\n2021-01-31,3,1,2,4\n2021-02-28,1,2,3,4\n")
    data = load_bucket_returns(path)
    assert list(data.returns.columns) == ["Ret 1", "ret2 (%)", "RET_3", "Ret4%"]
    assert data.returns.iloc[0].tolist() == pytest.approx([0.01, 0.02, 0.03, 0.04])


def test_fixture_matches_a_rebuild_from_embedded_prices():
    # The CSV used by the command-line and browser tests: monthly quintiles of
    # the 20 embedded stocks by trailing 12-month return, held one month.
    closes = load_closes()
    month_end = closes.resample("ME").last()
    monthly, trailing = month_end.pct_change(), month_end.pct_change(12)
    rows = {}
    for i in range(12, len(month_end) - 1):
        quintile = np.ceil(trailing.iloc[i].rank(method="first") / 4).astype(int)
        rows[month_end.index[i + 1]] = monthly.iloc[i + 1].groupby(quintile).mean()
    rebuilt = pd.DataFrame(rows).T

    data = load_bucket_returns(FIXTURE)
    assert data.units == "percent" and data.units_source == "detected"
    np.testing.assert_allclose(data.returns.to_numpy(), rebuilt.to_numpy(), atol=5.1e-7)
    assert (data.returns.index == rebuilt.index).all()


def test_wide_csv_with_any_date_column_and_file_order(tmp_path):
    path = write(tmp_path, (
        "when,low,mid,high\n"
        "2022-01-07,0.01,0.02,0.03\n"
        "2022-01-14,0.02,0.00,-0.01\n"
        "2022-01-21,0.00,0.01,0.02\n"
    ))
    data = load_bucket_returns(path)
    assert list(data.returns.columns) == ["low", "mid", "high"]
    assert data.units == "fraction"
    assert infer_periods_per_year(data.returns.index) == (52.0, "weekly")
    assert analyze_inversions(data).inversions == 1


def test_explicit_columns_and_date_column(tmp_path):
    path = write(tmp_path, (
        "id,asof,b,a,c\n"
        "1,2022-01-31,0.01,0.02,0.03\n"
        "2,2022-02-28,0.02,0.00,-0.01\n"
    ))
    data = load_bucket_returns(path, date_column="asof", bucket_columns=["a", "b"], units="fraction")
    assert list(data.returns.columns) == ["a", "b"]
    assert analyze_inversions(data).spread.tolist() == pytest.approx([-0.01, 0.02])
    with pytest.raises(PvrInputError, match="no column 'z'"):
        load_bucket_returns(path, date_column="asof", bucket_columns=["a", "z"])
    with pytest.raises(PvrInputError, match="no date column 'when'"):
        load_bucket_returns(path, date_column="when")


def test_units_override_and_report(tmp_path):
    path = write(tmp_path, "Date,Ret1,Ret2\n2022-01-31,0.5,0.2\n2022-02-28,0.4,0.9\n")
    detected = load_bucket_returns(path)
    assert detected.units == "fraction" and detected.returns.iloc[0, 0] == 0.5
    forced = load_bucket_returns(path, units="percent")
    assert forced.units == "percent" and forced.units_source == "given"
    assert forced.returns.iloc[0, 0] == pytest.approx(0.005)
    assert "values read as percent (given)" in forced.notes
    with pytest.raises(PvrInputError, match="units"):
        load_bucket_returns(path, units="basis points")


def test_detect_units():
    assert detect_units([0.01, -0.02, 0.005, np.nan]) == "fraction"
    assert detect_units([1.2, -3.5, 0.4, 2.2]) == "percent"
    assert detect_units([0.3, -1.5, 0.2]) == "percent"  # below -100 % cannot be a fraction
    assert detect_units([0.3, 0.5] * 50 + [1.2]) == "fraction"  # one big value is not enough


@pytest.mark.parametrize("freq, expected", [
    ("B", 252.0), ("D", 252.0), ("W-FRI", 52.0), ("4W-FRI", 13.0), ("ME", 12.0),
    ("BME", 12.0), ("QE", 4.0), ("YE", 1.0),
])
def test_periods_per_year(freq, expected):
    idx = pd.date_range("2015-01-01", periods=60, freq=freq)
    assert infer_periods_per_year(idx)[0] == expected


def test_periods_per_year_override():
    frame = pd.DataFrame({"a": [0.01, 0.02, 0.0], "b": [0.02, 0.01, 0.03]},
                         index=pd.date_range("2020-01-31", periods=3, freq="ME"))
    res = analyze_inversions(frame, periods_per_year=52)
    assert res.periods_per_year == 52.0 and res.periods_per_year_source == "given"
    spread = np.array([0.01, -0.01, 0.03])
    assert res.significance.information_ratio == pytest.approx(
        spread.mean() / spread.std(ddof=1) * np.sqrt(52))


def test_alphalens_frame_in_memory_and_as_csv(tmp_path):
    dates = pd.date_range("2021-01-04", periods=4, freq="B", tz="UTC")
    index = pd.MultiIndex.from_product([[1, 2, 3], dates], names=["factor_quantile", "date"])
    values = np.array([0.01, -0.02, 0.0, 0.01,      # quantile 1
                       0.00, 0.00, 0.01, 0.02,      # quantile 2
                       0.02, -0.03, 0.01, 0.03])    # quantile 3
    frame = pd.DataFrame({"1D": values, "5D": values * 2}, index=index)
    data = load_bucket_returns((frame, frame * 0))  # the (mean, std_err) pair works too
    assert list(data.returns.columns) == ["Q1", "Q2", "Q3"]
    assert data.returns.index[0] == pd.Timestamp("2021-01-04")  # naive
    assert data.units == "fraction"
    res = analyze_inversions(data)
    assert res.spread.tolist() == pytest.approx([0.01, -0.01, 0.01, 0.02])
    assert res.periods_per_year == 252.0
    five = load_bucket_returns(frame, period="5D")
    assert five.returns.iloc[0, 2] == pytest.approx(0.04)
    with pytest.raises(PvrInputError, match="no period column '10D'"):
        load_bucket_returns(frame, period="10D")
    path = tmp_path / "al.csv"
    frame.to_csv(path)
    from_csv = load_bucket_returns(path, units="fraction")
    np.testing.assert_allclose(from_csv.returns.to_numpy(), data.returns.to_numpy())


def test_wide_frame_with_date_index():
    frame = pd.DataFrame([[0.01, 0.02], [0.03, -0.01]], columns=[1, 2],
                         index=pd.to_datetime(["2020-02-29", "2020-01-31"]))
    data = load_bucket_returns(frame, units="fraction")
    assert data.returns.index.is_monotonic_increasing
    assert "dates were not in order; sorted them" in data.notes


def test_unsorted_dates_sorted_and_said(tmp_path):
    path = write(tmp_path, "Period,Ret1,Ret2\n03/31/2020,1,2\n01/31/2020,2,1\n02/29/2020,1,3\n")
    data = load_bucket_returns(path)
    assert list(data.returns.index.strftime("%Y-%m-%d")) == ["2020-01-31", "2020-02-29", "2020-03-31"]
    assert "dates were not in order; sorted them" in data.notes
    assert analyze_inversions(data).episodes["start"].iloc[0] == pd.Timestamp("2020-01-31")


def test_empty_cells_are_nan(tmp_path):
    path = write(tmp_path, "Period,Ret1,Ret2,Ret3\n2020-01-31,1,,3\n2020-02-29,2,1,NA\n")
    data = load_bucket_returns(path, units="percent")
    assert data.returns.isna().sum().sum() == 2
    res = analyze_inversions(data)
    assert res.skipped_periods == 1 and res.all_bucket.skipped_periods == 2


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize("text, message", [
    ("", "rank.csv: the file is empty"),
    ("Period,Ret1,Ret2\n", "rank.csv: the file has a header but no data rows"),
    ("Ret1,Ret2\n1,2\n3,4\n", "rank.csv: no date column"),
    ("Period,Ret1\n2020-01-31,1\n", "rank.csv: need at least 2 bucket columns, found 1 (Ret1)"),
    ("Period\n2020-01-31\n", "rank.csv: need at least 2 bucket columns, found 0"),
    ("Period,Ret1,Ret2\n2020-01-31,1,2\n2020-02-29,x%,2\n",
     "rank.csv: column 'Ret1' line 3 (date 2020-02-29): 'x%' is not a number"),
    ("Period,Ret1,Ret2\n2020-01-31,1,2\n2020-01-31,2,2\n",
     "rank.csv: date 2020-01-31 appears 2 times (lines 2, 3)"),
    ("Period,Ret1,Ret2\nsoon,1,2\n", "rank.csv: column 'Period' line 2: 'soon' is not a date"),
    ("Period,Ret1,Ret2\n,1,2\n", "rank.csv: column 'Period' line 2: empty is not a date"),
    ("Period,Ret1,Ret2\n2020-01-31,1,2\n2020-02-29,inf,2\n", "'inf' is not a number"),
    ("Period,Ret1,Ret01\n2020-01-31,1,2\n", "two columns are numbered as bucket 1"),
])
def test_bad_files_raise_one_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(PvrInputError) as info:
        load_bucket_returns(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file_binary_file_and_size_limit(tmp_path):
    with pytest.raises(PvrInputError, match="nothere.csv: no such file"):
        load_bucket_returns(tmp_path / "nothere.csv")
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 20)
    with pytest.raises(PvrInputError, match="image.csv: not a readable CSV"):
        load_bucket_returns(binary)
    big = write(tmp_path, "Period,Ret1,Ret2\n" + "2020-01-31,1,2\n" * 200, name="big.csv")
    with pytest.raises(PvrInputError, match=r"big.csv: file is 0.0\d* MB; the limit is 0.0\d* MB"):
        load_bucket_returns(big, max_bytes=1000)
    with open(big, "rb") as stream:  # a stream is cut off after the limit, not read whole
        with pytest.raises(PvrInputError, match="more than"):
            load_bucket_returns(stream, max_bytes=1000)
    with pytest.raises(PvrInputError, match="upload: the file is empty"):
        load_bucket_returns(b"")
