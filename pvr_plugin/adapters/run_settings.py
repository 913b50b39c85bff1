"""A run's settings checked before it starts: the capital base and parameter values.

One checker for ``pvr run``, the Python API and every combination of a sweep,
so that a value the backtest cannot use is one ``pvr: error:`` line before
any work instead of a TypeError deep inside zipline (or a run recorded with
silently wrong numbers, as a NaN, infinite or boolean capital would give).

A parameter's type is the type of its default in the algorithm's ``PARAMS``:
an int default takes whole numbers, a float default any real number, a
boolean default only True or False, a text default only text, a list or tuple
default a list or tuple, a dict default a dict; a None default takes anything.
"""
import numbers

import numpy as np

from pvr_plugin.core.inputs import positive_dollars
from pvr_plugin.errors import PvrInputError

# (test, name shown, how to write one) per kind of default, first match wins;
# bool before int because bool is an int in Python.
_KINDS = (
    (lambda v: isinstance(v, (bool, np.bool_)), "a boolean", "True or False"),
    (lambda v: isinstance(v, numbers.Integral), "an int", "a whole number such as 5"),
    (lambda v: isinstance(v, numbers.Real), "a float", "a number such as 0.5"),
    (lambda v: isinstance(v, str), "text", "text; quote it on the command line, e.g. name='123'"),
    (lambda v: isinstance(v, (list, tuple)), "a list", "a list such as [1, 2]"),
    (lambda v: isinstance(v, dict), "a dict", "a dict such as {'a': 1}"),
)
_KNOWN = {name for _, name, _ in _KINDS}


def _kind(value):
    for test, name, how in _KINDS:
        if test(value):
            return name, how
    return f"a {type(value).__name__}", f"a {type(value).__name__}"


def check_capital(value, where="capital base"):
    """``value`` as float dollars if it is a finite positive number (not a boolean).

    ``where`` names the setting in the message (``--capital-base``,
    ``sweep.toml: capital_base``).
    """
    return positive_dollars(value, where)


def fits_default(value, default):
    """Whether ``value`` is of the type of the ``PARAMS`` default ``default``."""
    if default is None:
        return True
    kind, got = _kind(default)[0], _kind(value)[0]
    if kind not in _KNOWN:  # e.g. a date default: the same class
        return isinstance(value, type(default))
    if kind == "a float":
        return got in ("a float", "an int")
    return got == kind


def check_param_names(names, defaults, algorithm):
    """Refuse names the algorithm's ``PARAMS`` (``defaults``) lacks, listing the ones it has."""
    if not isinstance(defaults, dict):
        raise PvrInputError(f"{algorithm} has no PARAMS dict, so it takes no parameters")
    unknown = sorted(set(names) - set(defaults))
    if unknown:
        raise PvrInputError(
            f"{algorithm} has no parameter(s) {', '.join(map(str, unknown))}; "
            f"it has {', '.join(sorted(map(str, defaults))) or 'none'}"
        )


def check_params(params, defaults, algorithm, where=None):
    """Refuse parameter names ``PARAMS`` lacks and values not of their default's type.

    Parameters
    ----------
    params : dict
        name -> value, as given (command line, sweep grid, Python).
    defaults : dict or None
        The algorithm's ``PARAMS`` (None when it has none).
    algorithm : str
        The algorithm file, for messages.
    where : str, optional
        Where the values came from (``sweep.toml: grid``); default the algorithm.
    """
    if not params:
        return
    check_param_names(params, defaults, algorithm)
    for name, value in params.items():
        default = defaults[name]
        if not fits_default(value, default):
            kind, how = _kind(default)
            raise PvrInputError(
                f"{where or algorithm}: parameter {name} = {value!r} is {_kind(value)[0]}, but its "
                f"PARAMS default {default!r} is {kind}: give {how}"
            )
