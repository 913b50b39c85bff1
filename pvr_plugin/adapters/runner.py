"""Run a zipline algorithm file on a bundle and return its performance frame.

Algorithm files are plain zipline algorithms (``initialize`` required;
``handle_data``, ``before_trading_start``, ``analyze`` optional). Parameters: a
file may define a module-level ``PARAMS`` dict of defaults; callers override
entries by name (unknown names are refused), so the same file runs alone with
its defaults and in a sweep with other values.
"""
import os
import time
from dataclasses import dataclass, field

import pandas as pd
from zipline import run_algorithm
from zipline.errors import SymbolNotFound
from zipline.finance import metrics

from pvr_plugin.adapters import bundle as demo
from pvr_plugin.adapters import bundle_info
from pvr_plugin.adapters.metric import pvr_metric, register_metrics_sets
from pvr_plugin.adapters.run_settings import check_capital, check_params
from pvr_plugin.core import research
from pvr_plugin.core.summary import RunSummary
from pvr_plugin.data import FIRST_SESSION, LAST_SESSION, index_returns
from pvr_plugin import examples
from pvr_plugin.errors import PvrInputError
from pvr_plugin.quiet import library_warnings_hidden

ALGO_FUNCTIONS = ("initialize", "handle_data", "before_trading_start", "analyze")
DEFAULT_DAILY_START = pd.Timestamp("2020-01-02")


class AlgorithmExit(RuntimeError):
    """The algorithm raised SystemExit: a failed run (recorded with its code), not an exit of pvr."""

    def __init__(self, path, code):
        super().__init__(f"{path}: the algorithm raised SystemExit({code!r}) (sys.exit) and stopped the run")
        self.path, self.code = path, code

    def __reduce__(self):  # picklable, for runs on Dask workers
        return type(self), (self.path, self.code)


@dataclass
class Algorithm:
    """An algorithm file loaded into its own namespace."""

    path: str
    source: str
    namespace: dict = field(repr=False)

    def functions(self):
        return {name: self.namespace.get(name) for name in ALGO_FUNCTIONS}


def load_algorithm(path, params=None, source=None):
    """Execute an algorithm file in a fresh namespace, applying ``params``.

    ``source``, when given, is the file's text (a sweep ships the text to
    workers that may not have the file); ``path`` then only names it.
    Raises PvrInputError for a missing, unreadable or non-UTF-8 file, a
    syntax error, a file without ``initialize``, or a parameter the file does
    not declare in ``PARAMS`` or of another type than its default there
    (:func:`~pvr_plugin.adapters.run_settings.check_params`);
    :class:`AlgorithmExit` when the file calls ``sys.exit`` as it loads.
    """
    path = os.fspath(path)
    if source is None:
        path = examples.resolve(path)  # `pvr run long_short` finds the shipped example
        source = _read_source(path)
    try:
        code = compile(source, path, "exec")
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte in the text
        where = f"{path}:{exc.lineno}" if getattr(exc, "lineno", None) else path
        raise PvrInputError(f"{where}: syntax error: {getattr(exc, 'msg', exc)}") from None
    namespace = {"__name__": "pvr_algorithm", "__file__": os.path.abspath(path)}
    try:
        exec(code, namespace)  # the user's own algorithm, run as zipline would run it
    except SystemExit as exc:
        raise AlgorithmExit(path, exc.code) from None
    if not callable(namespace.get("initialize")):
        raise PvrInputError(f"{path} defines no initialize(context) function")
    if params:
        defaults = namespace.get("PARAMS")
        check_params(params, defaults, path)
        namespace["PARAMS"] = {**defaults, **params}
    return Algorithm(path=path, source=source, namespace=namespace)


def _read_source(path):
    if not os.path.isfile(path):
        if os.path.isdir(path):
            raise PvrInputError(f"{path}: is a folder, not an algorithm file")
        shipped = ", ".join(e.name for e in examples.examples() if e.kind == "strategy")
        raise PvrInputError(f"algorithm file not found: {path} (nor an example strategy: {shipped})")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise PvrInputError(f"{path}: cannot read the algorithm file ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise PvrInputError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def default_dates(data_frequency, bundle=demo.BUNDLE_NAME):
    if bundle != demo.BUNDLE_NAME:
        return bundle_info.whole_span(bundle, data_frequency)
    if data_frequency == "minute":
        return demo.MINUTE_START, demo.MINUTE_END
    return DEFAULT_DAILY_START, LAST_SESSION


def check_bundle(bundle):
    bundle_info.ensure_bundle(bundle)


def check_settings(start, end, data_frequency, bundle, metrics_set):
    """The sessions of a run from ``start`` to ``end``, after checking everything
    but the algorithm: frequency, bundle, metrics set and dates. One line for
    what is wrong; a sweep calls it once before any of its runs."""
    if data_frequency not in ("daily", "minute"):
        raise PvrInputError(f"data frequency must be 'daily' or 'minute', not {data_frequency!r}")
    check_bundle(bundle)
    register_metrics_sets()
    if metrics_set not in metrics.metrics_sets:
        known = ", ".join(sorted(metrics.metrics_sets))
        raise PvrInputError(f"unknown metrics set {metrics_set!r}; registered: {known}")
    return bundle_info.run_sessions(bundle, start, end, data_frequency)


def benchmark_for(start, end):
    """Embedded S&P 500 daily returns over [start, end] (UTC index)."""
    if start < FIRST_SESSION or end > LAST_SESSION:
        raise PvrInputError(
            f"no embedded benchmark for {start.date()} to {end.date()} "
            f"(S&P 500 data covers {FIRST_SESSION.date()} to {LAST_SESSION.date()}); "
            "use --no-benchmark (Python: benchmark=None)"
        )
    return index_returns(start, end)


@dataclass
class RunResult:
    """A finished backtest: the performance frame, its summary, and how it was produced.

    ``summary`` is made once, when the run ends, and is what the report, the
    run ledger and comparisons show: the ``pvr`` metrics set's own summary
    (``tracked`` is True) completed with zipline's return statistics, or,
    for another metrics set, the summary of the frame's end-of-day values.
    """

    perf: pd.DataFrame
    algorithm: Algorithm
    start: pd.Timestamp
    end: pd.Timestamp
    capital_base: float
    data_frequency: str
    bundle: str
    metrics_set: str
    params: dict
    runtime_s: float
    summary: RunSummary = None
    tracked: bool = False


def _parse_date(value, name):
    try:
        return pd.Timestamp(value).tz_localize(None).normalize()
    except (ValueError, TypeError):
        raise PvrInputError(f"{name} date {value!r} is not a date") from None


def run_algorithm_file(path, **kwargs):
    """Run an algorithm file; return zipline's performance DataFrame.

    Takes the same arguments as :func:`run_file`.
    """
    return run_file(path, **kwargs).perf


def run_file(path, start=None, end=None, capital_base=1_000_000.0,
             data_frequency="daily", bundle=demo.BUNDLE_NAME,
             metrics_set="default", benchmark="SP500", params=None,
             progress=False, source=None):
    """Run an algorithm file; return a :class:`RunResult`.

    Parameters
    ----------
    path : str
        The algorithm file.
    start, end : date-like, optional
        Defaults: 2020-01-02 to 2022-12-28 for daily runs, the bundle's minute
        window for minute runs.
    capital_base : float
        Starting capital in dollars.
    data_frequency : {'daily', 'minute'}
    bundle : str
        A registered zipline bundle; ``pvr-demo`` is ingested on first use.
    metrics_set : str
        A registered zipline metrics set.
    benchmark : 'SP500', pandas.Series or None
        'SP500' uses the embedded index returns; None runs without a benchmark
        (zipline then reports a zero benchmark, so alpha and beta are meaningless).
    params : dict, optional
        Overrides for the file's ``PARAMS``.
    progress : bool
        Show a progress bar (one tick per session) on stderr.
    source : str, optional
        The algorithm's text, if it should not be read from ``path``.
    """
    if data_frequency not in ("daily", "minute"):
        raise PvrInputError(f"data frequency must be 'daily' or 'minute', not {data_frequency!r}")
    capital_base = check_capital(capital_base)
    algorithm = load_algorithm(path, params, source)
    check_bundle(bundle)
    d_start, d_end = default_dates(data_frequency, bundle)
    start = d_start if start is None else _parse_date(start, "start")
    end = d_end if end is None else _parse_date(end, "end")
    sessions = check_settings(start, end, data_frequency, bundle, metrics_set)
    start, end = sessions[0], sessions[-1]
    if isinstance(benchmark, str):
        if benchmark != "SP500":
            raise PvrInputError(f"unknown benchmark {benchmark!r}; use 'SP500', a Series, or None")
        benchmark = benchmark_for(start, end)
    elif benchmark is not None:
        benchmark = _naive_sessions(benchmark)

    funcs = algorithm.functions()
    loaded_metrics = metrics.load(metrics_set)
    metric = pvr_metric(loaded_metrics)
    bar = None
    if progress and len(sessions) > 60:
        from tqdm import tqdm

        bar = tqdm(total=len(sessions), unit="session", leave=False)
        funcs["before_trading_start"] = _ticking(funcs["before_trading_start"], bar)
    t0 = time.perf_counter()
    try:
        with library_warnings_hidden():
            perf = run_algorithm(
                start=start, end=end, capital_base=float(capital_base),
                data_frequency=data_frequency, bundle=bundle, metrics_set=loaded_metrics,
                benchmark_returns=benchmark, trading_calendar=bundle_info.calendar_of(bundle),
                **funcs,
            )
    except SymbolNotFound as exc:
        raise bundle_info.unknown_symbol_error(exc.kwargs.get("symbol"), bundle, path) from None
    except SystemExit as exc:  # not an exit of the caller: a failed run, with its code
        raise AlgorithmExit(path, exc.code) from None
    finally:
        if bar is not None:
            bar.close()
    runtime_s = time.perf_counter() - t0
    tracked = metric is not None and metric.summary is not None
    if tracked:
        summary = research.with_return_figures(metric.summary, perf)
    else:
        summary = research.run_summary(perf, start_usd=float(capital_base))
    return RunResult(
        perf=perf, algorithm=algorithm, start=start, end=end,
        capital_base=float(capital_base), data_frequency=data_frequency,
        bundle=bundle, metrics_set=metrics_set, params=dict(params or {}),
        runtime_s=runtime_s, summary=summary, tracked=tracked,
    )


def _ticking(before_trading_start, bar):
    def wrapped(context, data):
        bar.update(1)
        if before_trading_start is not None:
            before_trading_start(context, data)

    return wrapped


def _naive_sessions(returns):
    """zipline reindexes benchmark returns on naive sessions; a tz-aware index
    would match nothing and silently become a zero benchmark."""
    returns = returns.copy()
    if getattr(returns.index, "tz", None) is not None:
        returns.index = returns.index.tz_convert("UTC").tz_localize(None).normalize()
    return returns
