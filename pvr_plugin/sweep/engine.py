"""Run every combination of a sweep on Dask, record each finished run, resume.

One process per run: each combination is a Dask task on a worker process
(a local cluster with one single-threaded worker per core by default, or any
existing cluster given by its scheduler address). What is shipped to a worker
is small: the algorithm's text, its parameters, dates, capital and bundle
name. Workers need this package installed and the bundle ingested; they open
the bundle themselves and return the run's headline figures and its per-session
series, compressed as the ledger keeps it (:func:`pvr_plugin.store.series.encode`).

Only this coordinating process writes the run ledger, one transaction per
finished run (its row and its series), as runs finish: killing the sweep (or a
worker) loses no finished run, and rerunning the same spec skips every
combination already recorded as ``ok``. A run that raises is recorded as
``failed`` with its error and does not stop the others; a run whose worker dies
is retried once, then recorded as failed. The spec itself is recorded too
(:mod:`pvr_plugin.sweep.recorded`), so a sweep's report can be made from its id.

Limits: a sweep of more than ``max_runs`` runs (default 10,000) is refused
before anything starts, its settings are checked before any run (see
:mod:`pvr_plugin.sweep.spec`), only a few runs per worker are handed to Dask
at a time, and Ctrl-C kills the local workers mid-run (within a second or
two), keeping every recorded run for the next, resumed, sweep.
"""
import contextlib
import itertools
import os
import time
import traceback
from dataclasses import dataclass


from pvr_plugin.sweep.spec import MAX_RUNS, run_key

# Dask gives up on a task whose worker died more than this many times. We set
# 0 on our local cluster and retry once ourselves: a task that was merely queued
# on a worker killed by another task then gets its one retry too.
ALLOWED_WORKER_FAILURES = 0
RETRIES_AFTER_WORKER_DEATH = 1
# Runs handed to Dask at a time, per worker: enough to keep every worker busy,
# few enough that a 10,000-run sweep holds 10,000 small specs, not 10,000 tasks.
IN_FLIGHT_PER_WORKER = 2


def run_combination(algorithm_path, source, start, end, data_frequency, bundle, metrics_set,
                    params, capital_base):
    """The task a worker runs: one backtest, returned as a flat dict (never raises).

    A successful run's dict is its ledger row plus ``series``, the run's
    per-session series as the ledger stores it (:func:`pvr_plugin.store.series.encode`).
    """
    t0 = time.perf_counter()
    try:
        from pvr_plugin.adapters.runner import run_file
        from pvr_plugin.quiet import quiet_library_warnings
        from pvr_plugin.store.recording import run_record, run_series
        from pvr_plugin.store.series import encode

        quiet_library_warnings()

        result = run_file(
            algorithm_path, start=start, end=end, capital_base=capital_base,
            data_frequency=data_frequency, bundle=bundle, metrics_set=metrics_set,
            params=params, source=source,
        )
        row = run_record(result)
        row["status"] = "ok"
        row["series"] = encode(run_series(result))
    except Exception as exc:  # recorded, not raised: one bad combination must not stop a sweep
        row = {
            "status": "failed",
            "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500],
            "traceback": traceback.format_exc()[-4000:],
        }
    row["worker_pid"] = os.getpid()
    row["task_s"] = time.perf_counter() - t0
    return row


@dataclass
class Progress:
    """Counts a sweep's runs; ``line()`` is the live status text."""

    total: int
    skipped: int
    done: int = 0
    failed: int = 0
    started: float = 0.0

    def line(self):
        finished = self.done + self.failed
        left = self.total - self.skipped - finished
        elapsed = time.perf_counter() - self.started
        eta = (elapsed / finished * left) if finished else float("nan")
        eta_text = "?" if eta != eta else f"{eta:.0f}s"
        return (f"sweep: {self.done} done, {self.failed} failed, {left} to go "
                f"({self.skipped} already in the ledger), {elapsed:.0f}s elapsed, ETA {eta_text}")


def _client(workers, scheduler):
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="20s"), None
    n = workers or os.cpu_count() or 1
    # Forked workers start with zipline and this package already imported
    # (the coordinator imported them to check the spec): measured, a cold
    # sweep of 8 two-year backtests went from 0.99x to 0.62x of sequential.
    import pvr_plugin.adapters.runner  # noqa: F401
    import pvr_plugin.store.run_ledger  # noqa: F401

    config = {
        "distributed.scheduler.allowed-failures": ALLOWED_WORKER_FAILURES,
        "distributed.worker.multiprocessing-method": "fork",
    }
    with dask.config.set(config):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            silence_logs=40,
        )
    return Client(cluster), cluster


def _worker_processes(cluster):
    """The local cluster's worker processes and their children (psutil), for stopping them now."""
    import psutil

    procs = []
    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(nanny, "pid", None)
        try:
            proc = psutil.Process(pid)
            procs += [proc, *proc.children(recursive=True)]
        except (psutil.Error, TypeError, ValueError):
            pass
    return procs


def _stop_now(client, cluster, futures):
    """On Ctrl-C: kill the local workers mid-run (a backtest cannot be asked to stop
    between bars), then cancel what a remote cluster still runs for us."""
    import psutil

    for proc in _worker_processes(cluster) if cluster is not None else ():
        with contextlib.suppress(psutil.Error):  # already gone
            proc.kill()
    if cluster is None and futures:
        # best effort: the scheduler may be unreachable too, failing in any of distributed's ways
        with contextlib.suppress(Exception):
            client.cancel(list(futures), force=True)


def _close(client, cluster, quick):
    timeout = 2 if quick else None
    try:
        client.close(timeout=timeout) if timeout else client.close()
    finally:
        if cluster is not None:
            cluster.close(timeout=timeout) if timeout else cluster.close()


def _remote_check(client, spec):
    """The spec's bundle, metrics set and dates checked where the runs will run."""
    from pvr_plugin.sweep.spec import check_data

    client.submit(check_data, spec, pure=False).result()


def _done_keys(ledger, sweep_id):
    done = ledger.query(sweep_id=sweep_id, status="ok")
    return set(done["params_key"]) if len(done) else set()


def run_sweep(spec, workers=None, scheduler=None, ledger=None, on_progress=None, max_runs=MAX_RUNS):
    """Run (or resume) a sweep; return the ledger's rows for it, best PvR %/day first.

    Parameters
    ----------
    spec : pvr_plugin.sweep.spec.SweepSpec
    workers : int, optional
        Local worker processes (default: one per core). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of an existing Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    ledger : RunLedger, optional
        Default: the run ledger under ``$PVR_HOME``.
    on_progress : callable(Progress), optional
        Called after each finished run (and once at the start).
    max_runs : int
        A sweep of more runs is refused before anything starts.

    Before any run, the spec's size is checked against ``max_runs`` and its
    bundle, metrics set and dates are checked (on the cluster, for a remote
    one). Only a few runs per worker are handed to Dask at a time, so a large
    sweep holds little memory. KeyboardInterrupt (Ctrl-C) kills the local
    workers at once, keeps every run recorded so far and is raised again.
    """
    from distributed import as_completed

    from pvr_plugin.store.run_ledger import RunLedger
    from pvr_plugin.sweep.recorded import record_spec
    from pvr_plugin.sweep.spec import check_data

    spec.check_size(max_runs, "max_runs")
    if not scheduler:
        check_data(spec)
    ledger = ledger or RunLedger()
    sweep_id = spec.sweep_id
    record_spec(ledger, spec)
    done = _done_keys(ledger, sweep_id)  # every ok run of this sweep id is one of its combinations
    pending = (c for c in spec.iter_combinations() if run_key(c) not in done)  # listed as they are handed out
    progress = Progress(total=spec.size, skipped=len(done), started=time.perf_counter())
    if on_progress:
        on_progress(progress)
    if len(done) < spec.size:
        with open(spec.algorithm, encoding="utf-8") as fh:
            source = fh.read()
        sha = spec.algorithm_sha256
        client = cluster = None
        futures = {}
        quick = False
        try:
            client, cluster = _client(workers, scheduler)
            if scheduler:
                _remote_check(client, spec)
            slots = IN_FLIGHT_PER_WORKER * max(1, len(client.scheduler_info().get("workers", ())))

            def submit(combo, retries=0):
                fut = client.submit(
                    run_combination, spec.algorithm, source, spec.start, spec.end,
                    spec.data_frequency, spec.bundle, spec.metrics_set, combo["params"],
                    combo["capital_base"], pure=False,
                )
                futures[fut] = (combo, retries)
                finished.add(fut)

            finished = as_completed()
            for combo in itertools.islice(pending, slots):
                submit(combo)
            for fut in finished:
                combo, retries = futures.pop(fut)
                try:
                    row = fut.result()
                except Exception as exc:  # run_combination never raises: its worker died
                    if retries < RETRIES_AFTER_WORKER_DEATH:
                        submit(combo, retries + 1)
                        continue
                    row = {"status": "failed", "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500]}
                _record(ledger, spec, sweep_id, sha, combo, row)
                if row["status"] == "ok":
                    progress.done += 1
                else:
                    progress.failed += 1
                if on_progress:
                    on_progress(progress)
                nxt = next(pending, None)
                if nxt is not None:
                    submit(nxt)
        except KeyboardInterrupt:
            quick = True
            if client is not None:
                _stop_now(client, cluster, futures)
            raise
        finally:
            if client is not None:
                _close(client, cluster, quick)
    return ledger.query(sweep_id=sweep_id)


def _record(ledger, spec, sweep_id, sha, combo, row):
    """One finished run into the ledger, with its series in the same transaction."""
    for key in ("traceback", "worker_pid", "task_s"):
        row.pop(key, None)
    series = row.pop("series", None)
    ledger.record({
        **row,
        "algorithm": spec.algorithm, "algorithm_sha256": sha,
        "params": combo["params"], "params_key": run_key(combo), "sweep_id": sweep_id,
        "bundle": spec.bundle, "start": spec.start, "end": spec.end,
        "data_frequency": spec.data_frequency, "capital_usd": combo["capital_base"],
    }, series=series)
