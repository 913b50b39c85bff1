"""A sweep's spec kept in the run ledger, and read back to report on the sweep later.

:func:`record_spec` is called when a sweep starts; :func:`recorded_spec`
gives the spec of a sweep id back (with that id, even if the algorithm file
has changed since), so ``pvr compare --sweep ID`` and the run explorer can
show the sweep's parameter views and its out-of-sample and overfitting
figures (:func:`pvr_plugin.sweep.validation.validate_sweep`).
"""
from __future__ import annotations

from dataclasses import dataclass

from pvr_plugin.store.sweeps import record_sweep, sweep_spec
from pvr_plugin.sweep.folds import Fold
from pvr_plugin.sweep.spec import SweepSpec


@dataclass(frozen=True)
class RecordedSpec(SweepSpec):
    """A :class:`SweepSpec` read from the ledger: its id is the recorded one."""

    recorded_id: str = ""

    @property
    def sweep_id(self):
        return self.recorded_id


def spec_dict(spec):
    """The JSON-ready dict of a spec."""
    return {
        "algorithm": spec.algorithm, "start": spec.start, "end": spec.end, "grid": spec.grid,
        "capital_bases": list(spec.capital_bases), "data_frequency": spec.data_frequency,
        "bundle": spec.bundle, "metrics_set": spec.metrics_set,
        "folds": [f.as_dict() for f in spec.folds],
    }


def record_spec(ledger, spec):
    """Keep ``spec`` in the ledger under its sweep id."""
    record_sweep(ledger, spec.sweep_id, spec_dict(spec))


def recorded_spec(ledger, sweep_id):
    """The spec recorded for ``sweep_id`` (a :class:`RecordedSpec`), or None."""
    data = sweep_spec(ledger, sweep_id)
    if not data:
        return None
    try:
        folds = tuple(Fold(*f["in_sample"], *f["out_of_sample"]) for f in data.get("folds", ()))
        return RecordedSpec(
            algorithm=data["algorithm"], start=data["start"], end=data["end"], grid=dict(data["grid"]),
            capital_bases=tuple(float(c) for c in data["capital_bases"]),
            data_frequency=data["data_frequency"], bundle=data["bundle"], metrics_set=data["metrics_set"],
            folds=folds, recorded_id=str(sweep_id),
        )
    except (KeyError, TypeError, ValueError):
        return None  # written by another version: the report goes without it
