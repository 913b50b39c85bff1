"""The one checker of run settings: capital bases and parameter values against PARAMS defaults."""
import datetime as dt

import numpy as np
import pytest

from pvr_plugin.adapters.run_settings import check_capital, check_params, fits_default
from pvr_plugin.errors import PvrInputError


@pytest.mark.parametrize("value,dollars", [(1, 1.0), (2.5e6, 2.5e6), (np.float64(7.0), 7.0), (np.int64(3), 3.0)])
def test_capital_accepted_as_float_dollars(value, dollars):
    got = check_capital(value)
    assert got == dollars and type(got) is float


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 0, -1.0, True, False, "1e6", None,
                                   [1e6]])
def test_capital_refused_naming_the_setting_and_value(value):
    with pytest.raises(PvrInputError) as info:
        check_capital(value, "--capital-base")
    assert str(info.value).startswith(f"--capital-base {value!r} is not a")


# (default, accepted values, refused values), worked out from the rule "the type of the default"
TYPES = [
    (5, [0, -3, np.int64(4)], [2.5, "5", True, [1], None]),
    (0.5, [1, 0.25, np.float32(2.0), float("inf")], ["0.5", False, [0.5]]),
    (False, [True, False, np.bool_(True)], [0, 1, "true", None]),
    ("KO", ["AAPL", ""], [3, 1.5, ["KO"], None]),
    ([1, 2], [[3], (4, 5), []], [3, "1,2", {"a": 1}]),
    ((1, 2), [[3], (4,)], [3]),
    ({"a": 1}, [{}, {"b": 2}], [[("a", 1)], "a=1"]),
    (None, [1, "x", [1], None], []),
    (dt.date(2021, 1, 4), [dt.date(2022, 1, 3)], ["2022-01-03", 20220103]),
]


@pytest.mark.parametrize("default,good,bad", TYPES)
def test_values_fit_the_type_of_their_default(default, good, bad):
    assert all(fits_default(v, default) for v in good)
    assert not any(fits_default(v, default) for v in bad)


def test_check_params_names_parameter_value_and_expected_type():
    defaults = {"n": 5, "ticker": "KO"}
    check_params({"n": 7, "ticker": "PEP"}, defaults, "algo.py")  # fine
    with pytest.raises(PvrInputError, match=r"^algo\.py: parameter n = 'abc' is text, but its PARAMS default 5 "
                                            r"is an int: give a whole number"):
        check_params({"n": "abc"}, defaults, "algo.py")
    with pytest.raises(PvrInputError, match=r"^spec\.toml: grid: parameter n = \[1, 2\] is a list"):
        check_params({"n": [1, 2]}, defaults, "algo.py", where="spec.toml: grid")
    with pytest.raises(PvrInputError, match=r"algo\.py has no parameter\(s\) m, z; it has n, ticker"):
        check_params({"z": 1, "m": 2}, defaults, "algo.py")
    with pytest.raises(PvrInputError, match="no PARAMS dict"):
        check_params({"n": 1}, None, "algo.py")
    check_params({}, None, "algo.py")  # no parameters asked: nothing to check
