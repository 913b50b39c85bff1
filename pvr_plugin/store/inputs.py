"""Inputs from files: the path-taking front of the factsheet and inversion readers.

The numeric core reads pandas objects and CSV bytes; these functions open the
files a user names (:mod:`pvr_plugin.store.files`) and hand their contents to
it, so every reader takes a path as well as what the core takes::

    from pvr_plugin.store.inputs import factsheet, load_bucket_returns

    buckets = load_bucket_returns("rank_perf.csv")
    report = factsheet("returns.csv", benchmarks=["SP500", "SPY"])
"""
import os

from pvr_plugin.core import inversion_io
from pvr_plugin.core.factsheet import inputs as core_inputs
from pvr_plugin.core.factsheet import report as core_report
from pvr_plugin.core.factsheet import riskfree
from pvr_plugin.store.files import FRAME_SUFFIXES, read_bytes, read_frame


def is_path(source):
    """Whether ``source`` names a file (a path object, or text naming an existing file)."""
    if hasattr(source, "__fspath__"):
        return True
    return isinstance(source, str) and "\x00" not in source and os.path.exists(source)


def _stem(path):
    return os.path.splitext(os.path.basename(os.fspath(path)))[0]


def load_bucket_returns(source, **options):
    """:func:`pvr_plugin.core.inversion_io.load_bucket_returns`, also from a file path.

    A path is read (at most ``max_bytes``, one line for a missing, folder,
    unreadable or oversized file) and named by its file name in messages.
    """
    if isinstance(source, str) or hasattr(source, "__fspath__"):
        path = os.fspath(source)
        label = options.pop("name", None) or os.path.basename(path) or path
        max_bytes = options.get("max_bytes", inversion_io.MAX_FILE_BYTES)
        source = read_bytes(path, label, max_bytes)
        options["name"] = label
    return inversion_io.load_bucket_returns(source, **options)


def read_returns(source, column=None, kind="auto", unit="auto", name=None):
    """:func:`pvr_plugin.core.factsheet.series.read_returns`, also from a file.

    A ``.pkl``/``.pickle``/``.parquet`` file (e.g. a zipline performance
    frame saved by ``pvr run --out``; a pickle can run code when read: only
    load your own files) or a CSV (a date column and a returns or price/NAV
    column). The display name defaults to the file stem.
    """
    if not (isinstance(source, str) or hasattr(source, "__fspath__")):
        return core_inputs.read_returns(source, column=column, kind=kind, unit=unit, name=name)
    path = os.fspath(source)
    if path.lower().endswith(FRAME_SUFFIXES):
        obj = read_frame(path)
        if hasattr(obj, "to_frame") and not hasattr(obj, "columns"):
            obj = obj.to_frame(name=obj.name if obj.name is not None else "returns")
        if not hasattr(obj, "columns"):
            from pvr_plugin.errors import PvrInputError

            raise PvrInputError(f"{path}: pickle holds a {type(obj).__name__}, not a DataFrame or Series")
        return core_inputs.read_returns(obj, column=column, kind=kind, unit=unit,
                                        name=name or _stem(path), label=path)
    data = read_bytes(path, path)
    return core_inputs.read_returns(data, column=column, kind=kind, unit=unit,
                                    name=name or _stem(path), label=path)


def read_benchmark(spec, name=None):
    """:func:`pvr_plugin.core.factsheet.series.read_benchmark`, also from a file (named by its stem)."""
    if is_path(spec):
        loaded = read_returns(spec, name=name)
        return core_inputs.LoadedReturns(loaded.returns, loaded.name, loaded.notes, None)
    return core_inputs.read_benchmark(spec, name=name)


def read_risk_free(spec=None, unit="auto"):
    """:func:`pvr_plugin.core.factsheet.riskfree.read_risk_free`, also from a CSV file of yields."""
    if is_path(spec):
        path = os.fspath(spec)
        return riskfree.read_risk_free(read_bytes(path, path), unit=unit, label=path)
    return riskfree.read_risk_free(spec, unit=unit)


def _resolve(returns, benchmarks, risk_free, read):
    """Open the files among the returns, the benchmarks and the risk-free rate."""
    if isinstance(returns, str) or hasattr(returns, "__fspath__"):
        returns = read_returns(returns, **{k: read[k] for k in ("column", "kind", "unit", "name") if k in read})
    if isinstance(benchmarks, (str, os.PathLike)):
        benchmarks = [benchmarks]
    if isinstance(benchmarks, dict):
        benchmarks = {k: read_benchmark(v, name=k) if is_path(v) else v for k, v in benchmarks.items()}
    elif benchmarks is not None and not hasattr(benchmarks, "columns"):
        benchmarks = [read_benchmark(b) if is_path(b) else b for b in benchmarks]
    if is_path(risk_free):
        risk_free = read_risk_free(risk_free, unit=read.get("risk_free_unit", "auto"))
    return returns, benchmarks, risk_free


def prepare_inputs(returns, benchmarks=core_inputs.DEFAULT_BENCHMARKS, risk_free=None, **options):
    """:func:`pvr_plugin.core.factsheet.inputs.prepare_inputs` with files for any input.

    ``returns``, each benchmark and ``risk_free`` may be paths; the options
    are passed on unchanged.
    """
    returns, benchmarks, risk_free = _resolve(returns, benchmarks, risk_free, options)
    return core_inputs.prepare_inputs(returns, benchmarks=benchmarks, risk_free=risk_free, **options)


def factsheet(returns, benchmarks=core_inputs.DEFAULT_BENCHMARKS, risk_free=None, **options):
    """:func:`pvr_plugin.core.factsheet.report.factsheet` with files for any input."""
    returns, benchmarks, risk_free = _resolve(returns, benchmarks, risk_free, options)
    return core_report.factsheet(returns, benchmarks=benchmarks, risk_free=risk_free, **options)
