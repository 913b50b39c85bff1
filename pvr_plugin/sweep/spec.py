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
The grid's product is the list of runs; its size is known without listing it
(:attr:`SweepSpec.size`) and capped (:data:`MAX_RUNS`, ``--max-runs``), so a
typo that asks for a billion runs is one line, not a machine out of memory.
Everything a run needs is checked before any run starts: each capital base
(a finite positive number), each grid value (the type of its ``PARAMS``
default), the dates (in order, inside the bundle), the bundle and metrics set
(:func:`check_data`). The sweep's id is a hash of everything that defines it,
so running the same spec again finds its earlier runs.
"""
import ast
import datetime as dt
import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pvr_plugin.adapters.run_settings import check_capital, check_param_names, check_params
from pvr_plugin import examples
from pvr_plugin.errors import PvrInputError
from pvr_plugin.store.files import read_toml
from pvr_plugin.sweep.folds import FOLD_KEYS, parse_folds

#: Most runs a sweep may have unless told otherwise (``--max-runs``).
MAX_RUNS = 10_000

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

    @property
    def size(self):
        """How many runs the sweep has (computed, not listed)."""
        return len(self.capital_bases) * math.prod(len(values) for values in self.grid.values())

    def check_size(self, max_runs=MAX_RUNS, flag="--max-runs"):
        """Refuse a sweep of more than ``max_runs`` runs, in one line giving its size."""
        if self.size > max_runs:
            factors = " x ".join([f"{len(self.capital_bases)} capital_base"] +
                                 [f"{len(v)} {n}" for n, v in sorted(self.grid.items())])
            raise PvrInputError(f"the sweep has {self.size:,} runs ({factors}), more than {flag} {max_runs:,}; "
                                f"narrow the grid or raise {flag}")

    def iter_combinations(self):
        """The runs of the sweep one by one, without listing them all."""
        names = sorted(self.grid)
        for capital in self.capital_bases:
            for values in itertools.product(*(self.grid[n] for n in names)):
                yield {"params": dict(zip(names, values)), "capital_base": float(capital)}

    def combinations(self):
        """Every run of the sweep: a list of dicts ``{'params': {...}, 'capital_base': x}``
        (check :meth:`check_size` first)."""
        return list(self.iter_combinations())

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


def load_spec(path, param_flags=(), algorithm=None, check_bundle=True):
    """Read a TOML sweep spec, apply ``--param`` flags and check it against the algorithm.

    ``path`` may be None when ``algorithm`` is given (a sweep from flags only).
    ``check_bundle`` False leaves out :func:`check_data` (the bundle, metrics
    set and dates against the bundle), for a sweep whose workers are on
    other machines: :func:`pvr_plugin.sweep.engine.run_sweep` checks them there.
    The grid's size is not checked here: see :meth:`SweepSpec.check_size`.
    """
    data, base = {}, Path.cwd()
    where = os.fspath(path) if path is not None else "sweep"
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise PvrInputError(f"sweep spec not found: {path}")
        data = read_toml(path)
        base = path.parent
        unknown = sorted(set(data) - SPEC_KEYS)
        if unknown:
            raise PvrInputError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(SPEC_KEYS))}")
    algo = algorithm or data.get("algorithm")
    if not algo or not isinstance(algo, (str, os.PathLike)):
        raise PvrInputError(f"{where}: no algorithm given (algorithm = \"file.py\")")
    algo_path = Path(algo) if Path(algo).is_absolute() or algorithm else base / algo
    if not algo_path.exists():
        # `algorithm = "long_short"` (or a bare name on the command line): a shipped example
        algo_path = Path(examples.resolve(algo))
    if not algo_path.is_file():
        raise PvrInputError(f"algorithm file not found: {algo_path}")

    grid, origin = {}, {}
    raw_grid = data.get("grid", {})
    if not isinstance(raw_grid, dict):
        raise PvrInputError(f"{where}: [grid] must be a table of name = [values]")
    for name, value in raw_grid.items():
        grid[name], origin[name] = _as_list(name, value), f"{where}: grid"
    for flag in param_flags:
        name, values = parse_param_flag(flag)
        grid[name], origin[name] = values, f"--param {name}"

    freq = data.get("data_frequency", "daily")
    if freq not in ("daily", "minute"):
        raise PvrInputError(f"{where}: data_frequency must be 'daily' or 'minute', not {freq!r}")
    capitals = tuple(check_capital(c, f"{where}: capital_base")
                     for c in _as_list("capital_base", data.get("capital_base", 1_000_000.0)))
    dates = {key: _spec_date(data, key, where) for key in ("start", "end")}
    if dates["start"] > dates["end"]:
        raise PvrInputError(f"{where}: start {dates['start']} is after end {dates['end']}")
    for key in ("bundle", "metrics_set"):
        if not isinstance(data.get(key, ""), str):
            raise PvrInputError(f"{where}: {key} must be a name in quotes, not {data[key]!r}")

    from pvr_plugin.adapters.runner import load_algorithm

    defaults = load_algorithm(algo_path).namespace.get("PARAMS")
    if grid:  # names first, then every value of every entry: a sum of the entries, not their product
        check_param_names(grid, defaults, os.fspath(algo_path))
    for name, values in grid.items():
        for value in values:
            check_params({name: value}, defaults, os.fspath(algo_path), where=origin[name])

    bundle = data.get("bundle", "pvr-demo")
    folds = parse_folds(data, where, dates["start"], dates["end"], freq, bundle)
    spec = SweepSpec(
        algorithm=os.fspath(algo_path.resolve()), start=dates["start"], end=dates["end"], grid=grid,
        capital_bases=capitals, data_frequency=freq,
        bundle=bundle, metrics_set=data.get("metrics_set", "pvr"), folds=folds,
    )
    if check_bundle:
        check_data(spec, where)
    return spec


def _spec_date(data, key, where):
    if key not in data:
        raise PvrInputError(f"{where}: missing {key} date")
    value = data[key]
    try:
        if isinstance(value, (str, dt.date)):
            ts = pd.Timestamp(str(value))
            if ts is not pd.NaT:
                return str(ts.date())
    except ValueError:
        pass
    raise PvrInputError(f"{where}: {key} {value!r} is not a date (write \"YYYY-MM-DD\")")


def check_data(spec, where="sweep"):
    """Refuse a spec whose bundle, metrics set or dates no run could use, before any run.

    One call for the whole sweep: every combination shares them (only the
    parameters and capital differ, and those are checked by :func:`load_spec`).
    """
    from pvr_plugin.adapters.runner import check_settings

    try:
        check_settings(pd.Timestamp(spec.start), pd.Timestamp(spec.end), spec.data_frequency, spec.bundle,
                       spec.metrics_set)
    except PvrInputError as exc:
        raise PvrInputError(f"{where}: {exc}") from None
