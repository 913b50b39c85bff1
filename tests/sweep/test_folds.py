"""In-sample / out-of-sample ranges in a sweep spec: parsed to sessions, bad ones refused in one line."""
import subprocess
import sys

import pytest

from pvr_plugin.errors import PvrInputError
from pvr_plugin.sweep.folds import Fold
from pvr_plugin.sweep.spec import load_spec
from tests.conftest import REPO as ROOT

ALGO = ROOT / "tests" / "algos" / "hold_one.py"


def write_spec(tmp_path, extra, start="2021-01-04", end="2021-12-31"):
    spec = tmp_path / "s.toml"
    spec.write_text(f'algorithm = "{ALGO}"\nstart = "{start}"\nend = "{end}"\n{extra}\n[grid]\nticker = ["KO", "AAPL"]\n')
    return spec


def test_one_date_splits_the_backtest_at_sessions(tmp_path):
    # 2021-07-03 is a Saturday and 2021-07-05 the Independence Day holiday:
    # out of sample starts on the next session, in sample ends on the one before.
    spec = load_spec(write_spec(tmp_path, 'out_of_sample = "2021-07-03"'))
    assert spec.folds == (Fold("2021-01-04", "2021-07-02", "2021-07-06", "2021-12-31"),)


def test_explicit_ranges_with_a_gap_and_walk_forward_folds(tmp_path):
    spec = load_spec(write_spec(tmp_path, 'in_sample = ["2021-02-01", "2021-05-28"]\n'
                                          'out_of_sample = ["2021-06-07", "2021-09-30"]'))
    assert spec.folds == (Fold("2021-02-01", "2021-05-28", "2021-06-07", "2021-09-30"),)
    folds = ('[[folds]]\nin_sample = ["2021-01-04", "2021-03-31"]\nout_of_sample = ["2021-04-01", "2021-06-30"]\n'
             '[[folds]]\nin_sample = ["2021-04-01", "2021-06-30"]\nout_of_sample = [2021-07-01, 2021-09-30]\n')
    spec = load_spec(write_spec(tmp_path, folds))
    assert spec.folds == (Fold("2021-01-04", "2021-03-31", "2021-04-01", "2021-06-30"),
                          Fold("2021-04-01", "2021-06-30", "2021-07-01", "2021-09-30"))


def test_ranges_do_not_change_the_sweep_id(tmp_path):
    # the runs are the same backtests; only their series are split afterwards
    plain = load_spec(write_spec(tmp_path, ""))
    split = load_spec(write_spec(tmp_path, 'out_of_sample = "2021-10-01"'))
    assert plain.folds == () and plain.sweep_id == split.sweep_id


@pytest.mark.parametrize("extra,message", [
    ('out_of_sample = ["2022-12-01", "2023-03-31"]', "outside the pvr-demo daily data (1990-01-02 to 2022-12-28)"),
    ('out_of_sample = ["2021-12-01", "2021-10-01"]', "reversed: 2021-12-01 is after 2021-10-01"),
    ('in_sample = ["2021-01-04", "2021-08-31"]\nout_of_sample = ["2021-08-02", "2021-12-31"]',
     "overlaps the in-sample range 2021-01-04 to 2021-08-31"),
    ('in_sample = ["2021-07-01", "2021-12-31"]\nout_of_sample = ["2021-01-04", "2021-06-30"]',
     "comes before the in-sample range"),
    ('out_of_sample = ["2021-10-01", "2022-03-31"]', "outside the sweep's backtest 2021-01-04 to 2021-12-31"),
    ('out_of_sample = ["2021-12-31", "2021-12-31"]', "has 1 trading session(s); it needs at least 2"),
    ('out_of_sample = ["2021-12-25", "2021-12-26"]', "has 0 trading session(s)"),
    ('in_sample = ["2021-01-04", "2021-06-30"]', "in_sample is given without out_of_sample"),
    ('out_of_sample = ["2021-10-01"]', "must be [first, last]: two dates"),
    ('out_of_sample = ["soon", "2021-12-31"]', "'soon' is not a date"),
    ('out_of_sample = "2021-10-01"\n[[folds]]\nin_sample = ["2021-01-04", "2021-03-31"]\n'
     'out_of_sample = ["2021-04-01", "2021-06-30"]', "either [[folds]] or in_sample/out_of_sample"),
    ('[[folds]]\nin_sample = ["2021-01-04", "2021-03-31"]', "folds[1] needs exactly in_sample and out_of_sample"),
])
def test_bad_ranges_refused(tmp_path, extra, message):
    with pytest.raises(PvrInputError) as info:
        load_spec(write_spec(tmp_path, extra))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_cli_refuses_an_out_of_sample_range_outside_the_bundle_before_any_run(tmp_path, pvr_home):
    spec = write_spec(tmp_path, 'out_of_sample = ["2022-10-03", "2023-02-28"]', end="2022-12-28")
    proc = subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(spec), "--workers", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("pvr: error: ") and proc.stderr.count("\n") == 1
    assert "out_of_sample 2022-10-03 to 2023-02-28" in proc.stderr and "outside the pvr-demo daily data" in proc.stderr
    assert not pvr_home.exists()  # no ledger, no series: nothing ran


def test_cli_refuses_odd_partitions_in_one_line(tmp_path, pvr_home):
    proc = subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(write_spec(tmp_path, "")),
                           "--partitions", "7"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "pvr: error: --partitions must be an even number from 2 to 20, not 7" in proc.stderr
    assert not pvr_home.exists()
