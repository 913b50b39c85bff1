"""Factor -> alphalens -> inversion: the same statistics as the equivalent bucket CSV."""
import numpy as np
import pandas as pd
import pytest
from alphalens.performance import mean_return_by_quantile
from alphalens.utils import get_clean_factor_and_forward_returns

from pvr_plugin.core.inversion import analyze_inversions
from pvr_plugin.data import load_closes
from pvr_plugin.errors import PvrInputError
from pvr_plugin.views.inversion_inputs import bucket_returns
from pvr_plugin.views.inversion_tear import create_inversion_tear_sheet


@pytest.fixture(scope="module")
def factor_data():
    closes = load_closes(start="2015-01-02", end="2019-12-31")
    momentum = closes.pct_change(252, fill_method=None).loc["2016-01-04":"2019-06-28"]
    factor = momentum.stack()
    factor.index.names = ["date", "asset"]
    return get_clean_factor_and_forward_returns(factor, closes, quantiles=5, periods=(1, 5), max_loss=0.0)


def by_hand(factor_data, period, step):
    """Quantile means of demeaned forward returns per date, one date in ``step`` kept, as a wide frame."""
    r = factor_data[period]
    demeaned = r - r.groupby(level="date").transform("mean")
    means = demeaned.groupby([factor_data.index.get_level_values("date"), factor_data["factor_quantile"]]).mean()
    wide = means.unstack("factor_quantile").sort_index(axis=1)
    return wide.iloc[::step]


def same_statistics(a, b):
    assert a.periods == b.periods and a.inversions == b.inversions and a.periods_per_year == b.periods_per_year
    np.testing.assert_allclose(a.spread.to_numpy(), b.spread.to_numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(a.spread.index, b.spread.index)
    for x, y in ((a.significance, b.significance), (a.runs_test, b.runs_test), (a.all_bucket, b.all_bucket)):
        for name, value in vars(x).items():
            if isinstance(value, str):  # a note saying why a figure is undefined
                assert value == vars(y)[name], name
            else:
                assert value == pytest.approx(vars(y)[name], rel=1e-10, abs=1e-14, nan_ok=True), name
    pd.testing.assert_frame_equal(a.episodes.reset_index(drop=True), b.episodes.reset_index(drop=True),
                                  check_exact=False, rtol=1e-10)
    np.testing.assert_allclose(a.mean_by_bucket.to_numpy(), b.mean_by_bucket.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("period, step", [("1D", 1), ("5D", 5)])
def test_alphalens_factor_data_gives_the_bucket_csv_statistics(factor_data, tmp_path, period, step):
    wide = by_hand(factor_data, period, step)
    csv = tmp_path / "buckets.csv"
    pd.DataFrame({"Date": wide.index.strftime("%Y-%m-%d"),
                  **{f"Ret{q}": wide[q].to_numpy() for q in wide.columns}}).to_csv(csv, index=False)
    from_csv = create_inversion_tear_sheet(str(csv), rolling=0)
    from_alphalens = create_inversion_tear_sheet(factor_data, period=period, rolling=0)
    same_statistics(from_alphalens.result, from_csv.result)
    # alphalens' own by-date means, as a frame and as the (mean, std_err) tuple it returns
    means = mean_return_by_quantile(factor_data, by_date=True)
    for given in (means, means[0]):
        same_statistics(create_inversion_tear_sheet(given, period=period, rolling=0).result, from_csv.result)
    noted = [n for n in from_alphalens.result.notes if "overlap" in n]
    if step == 1:
        assert noted == []
    else:
        # 5-session returns on every session: one date in five kept, so the periods do not overlap
        assert noted and "kept one date in 5" in noted[0]
        assert from_alphalens.result.periods == len(wide)
        assert from_alphalens.result.periods_per_year == 52  # dates a week apart


def test_alphalens_layout_csv_is_sampled_the_same_way(factor_data, tmp_path):
    means, _ = mean_return_by_quantile(factor_data, by_date=True)
    path = tmp_path / "alphalens.csv"
    means.reset_index().to_csv(path, index=False)
    from_file = create_inversion_tear_sheet(path, period="5D", rolling=0)
    same_statistics(from_file.result, create_inversion_tear_sheet(factor_data, period="5D", rolling=0).result)


def test_undemeaned_buckets_change_the_bucket_means_not_the_spread(factor_data):
    plain = analyze_inversions(bucket_returns(factor_data, period="1D", demeaned=False))
    demeaned = analyze_inversions(bucket_returns(factor_data, period="1D"))
    np.testing.assert_allclose(plain.spread.to_numpy(), demeaned.spread.to_numpy(), rtol=1e-9, atol=1e-15)
    assert plain.inversions == demeaned.inversions
    assert not np.allclose(plain.mean_by_bucket.to_numpy(), demeaned.mean_by_bucket.to_numpy())
    # each bucket's mean over dates of its per-date mean, by hand
    per_date = factor_data.groupby([factor_data.index.get_level_values("date"), "factor_quantile"])["1D"].mean()
    np.testing.assert_allclose(plain.mean_by_bucket.to_numpy(), per_date.groupby(level=1).mean().to_numpy(),
                               rtol=1e-10)


def test_bad_alphalens_inputs(factor_data):
    with pytest.raises(PvrInputError, match="no period column '21D'"):
        create_inversion_tear_sheet(factor_data, period="21D")


def test_command_and_app_sample_an_alphalens_csv_as_the_tear_sheet_does(factor_data, tmp_path):
    import json

    from pvr_plugin.core.inversion_io import load_bucket_returns
    from tests.conftest import run_pvr

    means, _ = mean_return_by_quantile(factor_data, by_date=True)
    path = tmp_path / "alphalens.csv"
    means[["5D"]].reset_index().to_csv(path, index=False)
    dates = means.index.get_level_values("date").unique()
    expected = dates[::5]  # one date in five, the first kept (worked out from the dates alone)
    # the web app reads the uploaded file's bytes
    uploaded = load_bucket_returns(path.read_bytes(), name="alphalens.csv")
    assert list(uploaded.returns.index) == list(expected)
    proc = run_pvr("inversions", path, "--json", "--out-dir", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["periods"] == len(expected)
    assert any("kept one date in 5" in n for n in out["notes"])
