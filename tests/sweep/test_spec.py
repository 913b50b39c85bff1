"""Sweep specs: grid expansion from TOML and flags; bad specs refused in one line."""
import subprocess
import sys
from pathlib import Path

import pytest

from pvr_plugin.errors import PvrInputError
from pvr_plugin.sweep.spec import load_spec, parse_param_flag, run_key
from tests.conftest import REPO as ROOT

ALGO = ROOT / "strategies" / "long_short.py"


def write_spec(tmp_path, grid_lines, extra=""):
    spec = tmp_path / "s.toml"
    spec.write_text(f'algorithm = "{ALGO}"\nstart = "2021-01-04"\nend = "2021-03-31"\n{extra}\n[grid]\n{grid_lines}\n')
    return spec


def test_product_of_grid_and_capitals(tmp_path):
    spec = load_spec(write_spec(tmp_path, 'lookback = [63, 126]\nrebalance = ["weekly", "monthly", "weekly2"]',
                                "capital_base = [1e5, 1e6]"))
    combos = spec.combinations()
    assert len(combos) == 2 * 3 * 2
    assert {(c["params"]["lookback"], c["params"]["rebalance"], c["capital_base"]) for c in combos} == {
        (lb, rb, cb) for lb in (63, 126) for rb in ("weekly", "monthly", "weekly2") for cb in (1e5, 1e6)}
    assert len({run_key(c) for c in combos}) == 12


def test_flags_add_and_replace(tmp_path):
    spec = load_spec(write_spec(tmp_path, "lookback = [63, 126]"), ["lookback=21,42,84", "n_per_side=2,3"])
    assert spec.grid == {"lookback": [21, 42, 84], "n_per_side": [2, 3]}
    assert len(spec.combinations()) == 6


def test_sweep_id_stable_and_sensitive(tmp_path):
    a = load_spec(write_spec(tmp_path, "lookback = [63, 126]"))
    b = load_spec(write_spec(tmp_path, "lookback = [63, 126]"))
    c = load_spec(write_spec(tmp_path, "lookback = [63, 127]"))
    assert a.sweep_id == b.sweep_id != c.sweep_id


def test_example_spec_loads():
    spec = load_spec(ROOT / "strategies" / "long_short_sweep.toml")
    assert len(spec.combinations()) == 6 and Path(spec.algorithm) == ALGO


@pytest.mark.parametrize("grid,flags,message", [
    ("nope = [1, 2]", [], "no parameter(s) nope"),
    ("lookback = []", [], "'lookback' is empty"),
    ("lookback = [63]", ["lookback="], "is not NAME=V1,V2"),
    ("lookback = [63]", ["lookback=1,,2"], "empty value"),
])
def test_bad_grids(tmp_path, grid, flags, message):
    with pytest.raises(PvrInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_spec(write_spec(tmp_path, grid), flags)


def test_bad_files(tmp_path):
    with pytest.raises(PvrInputError, match="not found"):
        load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("algorithm = \n")
    with pytest.raises(PvrInputError, match="not valid TOML"):
        load_spec(bad)
    typo = tmp_path / "typo.toml"
    typo.write_text(f'algorithm = "{ALGO}"\nstart = "2021-01-04"\nend = "2021-03-31"\ngird = 1\n')
    with pytest.raises(PvrInputError, match="unknown key"):
        load_spec(typo)


def test_parse_param_flag_literals():
    assert parse_param_flag("x=1,2.5,abc,'q'") == ("x", [1, 2.5, "abc", "q"])


def test_cli_rejects_bad_name_in_one_line(tmp_path):
    spec = write_spec(tmp_path, "lookback = [63]")
    proc = subprocess.run([sys.executable, "-m", "pvr_plugin.cli.main", "sweep", str(spec), "--param", "bogus=1,2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "bogus" in proc.stderr and "Traceback" not in proc.stderr


def test_size_of_a_huge_grid_known_without_listing_it(tmp_path):
    algo = tmp_path / "many.py"
    params = ", ".join(f"'{c}': 1" for c in "abcdefghij")
    algo.write_text(f"PARAMS = {{{params}}}\n\ndef initialize(context):\n    pass\n")
    grid = "\n".join(f"{c} = {list(range(10))}" for c in "abcdefghij")
    path = tmp_path / "huge.toml"
    path.write_text(f'algorithm = "many.py"\nstart = "2021-01-04"\nend = "2021-01-08"\ncapital_base = [1e5, 1e6]\n'
                    f"[grid]\n{grid}\n")
    spec = load_spec(path)
    assert spec.size == 2 * 10 ** 10
    first = next(spec.iter_combinations())  # the runs come one at a time
    assert first == {"params": dict.fromkeys("abcdefghij", 0), "capital_base": 1e5}
    with pytest.raises(PvrInputError, match=r"^the sweep has 20,000,000,000 runs \(2 capital_base x 10 a x .* "
                                            r"x 10 j\), more than --max-runs 10,000"):
        spec.check_size()
    spec.check_size(2 * 10 ** 10)  # allowed when asked for
