"""What a sweep runs: an algorithm file, a parameter grid, dates and capital bases.

A sweep spec is a TOML file::

    algorithm = "long_short.py"        # relative to this file
    start = "2019-01-02"
    end = "2020-12-31"
    capital_base = [1_000_000]         # one value or a list: swept like a parameter
    data_frequency = "daily"           # or "minute"
    bundle = "pvr-demo"

    [grid]                             # names must be keys of the algorithm's PARAMS
    lookback = [63, 126, 252]
    rebalance = ["weekly", "monthly"]

Optional ``out_of_sample`` / ``in_sample`` ranges or ``[[folds]]`` split each
run's series afterwards (see :mod:`pvr_plugin.sweep.folds`).

``--param name=v1,v2`` on the command line adds or replaces one grid entry.
The grid's product is the list of runs. The sweep's id is a hash of everything
that defines it, so running the same spec again finds its earlier runs.
"""
import ast
import hashlib
import itertools
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pvr_plugin.errors import PvrInputError
from pvr_plugin.sweep.folds import FOLD_KEYS, parse_folds

SPEC_KEYS = {"algorithm", "start", "end", "capital_base", "data_frequency", "bundle", "metrics_set", "grid",
             *FOLD_KEYS}


def canonical(obj):
    """Deterministic JSON text of a combination (sorted keys, no spaces)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class SweepSpec:
    algorithm: str
    start: str
    end: str
    grid: dict = field(default_factory=dict)
    capital_bases: tuple = (1_000_000.0,)
    data_frequency: str = "daily"
    bundle: str = "pvr-demo"
    metrics_set: str = "pvr"
    # In-sample / out-of-sample ranges (pvr_plugin.sweep.folds.Fold). Not part
    # of the sweep id: the runs are the same, only their series are split.
    folds: tuple = ()

    def combinations(self):
        """Every run of the sweep: a list of dicts ``{'params': {...}, 'capital_base': x}``."""
        names = sorted(self.grid)
        runs = []
        for capital in self.capital_bases:
            for values in itertools.product(*(self.grid[n] for n in names)):
                runs.append({"params": dict(zip(names, values)), "capital_base": float(capital)})
        return runs

    @property
    def algorithm_sha256(self):
        return hashlib.sha256(Path(self.algorithm).read_bytes()).hexdigest()

    @property
    def sweep_id(self):
        """Stable id: same algorithm text, grid, dates and settings -> same id."""
        key = canonical({
            "algorithm": self.algorithm_sha256, "grid": self.grid, "start": self.start, "end": self.end,
            "capital_bases": list(self.capital_bases), "data_frequency": self.data_frequency,
            "bundle": self.bundle, "metrics_set": self.metrics_set,
        })
        return "sw-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def run_key(combination):
    """The ledger's ``params_key`` of one run: its parameters and capital base."""
    return canonical({**combination["params"], "__capital_base__": combination["capital_base"]})


def _as_list(name, value):
    values = value if isinstance(value, list) else [value]
    if not values:
        raise PvrInputError(f"grid entry {name!r} is empty: give at least one value")
    return values


def parse_param_flag(text):
    """``name=v1,v2,...`` -> (name, [values]); values are Python literals or bare words."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name or not raw.strip():
        raise PvrInputError(f"--param {text!r} is not NAME=V1,V2,...")
    values = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            raise PvrInputError(f"--param {text!r} has an empty value")
        try:
            values.append(ast.literal_eval(item))
        except (ValueError, SyntaxError):
            values.append(item)
    return name, values


def load_spec(path, param_flags=(), algorithm=None):
    """Read a TOML sweep spec, apply ``--param`` flags and check it against the algorithm.

    ``path`` may be None when ``algorithm`` is given (a sweep from flags only).
    """
    data, base = {}, Path.cwd()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise PvrInputError(f"sweep spec not found: {path}")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise PvrInputError(f"{path}: not valid TOML: {exc}") from None
        base = path.parent
        unknown = sorted(set(data) - SPEC_KEYS)
        if unknown:
            raise PvrInputError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(SPEC_KEYS))}")
    algo = algorithm or data.get("algorithm")
    if not algo:
        raise PvrInputError(f"{path or 'sweep'}: no algorithm given")
    algo_path = Path(algo) if Path(algo).is_absolute() or algorithm else base / algo
    if not algo_path.is_file():
        raise PvrInputError(f"algorithm file not found: {algo_path}")

    grid = {}
    raw_grid = data.get("grid", {})
    if not isinstance(raw_grid, dict):
        raise PvrInputError(f"{path}: [grid] must be a table of name = [values]")
    for name, value in raw_grid.items():
        grid[name] = _as_list(name, value)
    for flag in param_flags:
        name, values = parse_param_flag(flag)
        grid[name] = values

    from pvr_plugin.adapters.runner import load_algorithm

    # Loading with one value per grid entry refuses names the file's PARAMS lacks.
    load_algorithm(algo_path, {name: values[0] for name, values in grid.items()})

    capitals = _as_list("capital_base", data.get("capital_base", 1_000_000.0))
    for c in capitals:
        if not isinstance(c, (int, float)) or c <= 0:
            raise PvrInputError(f"capital_base {c!r} is not a positive number of dollars")
    freq = data.get("data_frequency", "daily")
    if freq not in ("daily", "minute"):
        raise PvrInputError(f"data_frequency must be 'daily' or 'minute', not {freq!r}")
    dates = {}
    for key in ("start", "end"):
        if key not in data:
            raise PvrInputError(f"{path or 'sweep'}: missing {key} date")
        try:
            dates[key] = str(pd.Timestamp(str(data[key])).date())
        except ValueError:
            raise PvrInputError(f"{path}: {key} {data[key]!r} is not a date") from None
    bundle = str(data.get("bundle", "pvr-demo"))
    folds = parse_folds(data, path or "sweep", dates["start"], dates["end"], freq, bundle)
    spec = SweepSpec(
        algorithm=os.fspath(algo_path.resolve()), start=dates["start"], end=dates["end"], grid=grid,
        capital_bases=tuple(float(c) for c in capitals), data_frequency=freq,
        bundle=bundle, metrics_set=str(data.get("metrics_set", "pvr")), folds=folds,
    )
    if not spec.combinations():
        raise PvrInputError("the sweep has no runs")
    return spec
