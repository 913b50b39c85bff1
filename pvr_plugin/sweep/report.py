"""Everything a sweep's report shows, from its id: runs, parameter views, out-of-sample figures.

:func:`sweep_report` reads the sweep's runs from the run ledger and, when the
sweep's spec was recorded (sweeps run by this version record it,
:mod:`pvr_plugin.sweep.recorded`), its out-of-sample ranks, probability of
backtest overfitting and deflated ratios
(:func:`pvr_plugin.sweep.validation.validate_sweep`), computed from the
series the ledger keeps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pvr_plugin.core.overfit import DEFAULT_PARTITIONS
from pvr_plugin.errors import PvrInputError
from pvr_plugin.sweep.recorded import recorded_spec

#: Said when a sweep's spec was not recorded.
NO_SPEC = ("the sweep's spec is not in the ledger (recorded by an older version): run `pvr sweep SPEC` "
           "again to record it; its finished runs are skipped")


@dataclass(frozen=True)
class SweepReport:
    """A sweep as its report shows it.

    Attributes
    ----------
    sweep_id : str
    results : pandas.DataFrame
        The sweep's ledger rows, best PvR %/day first.
    spec : SweepSpec or None
        The recorded spec.
    validation : pvr_plugin.sweep.validation.SweepValidation or None
    note : str
        Why there is no validation, else empty.
    """

    sweep_id: str
    results: pd.DataFrame = field(repr=False)
    spec: object = None
    validation: object = None
    note: str = ""

    @property
    def ok_run_ids(self):
        """Ids of the successful runs, best PvR %/day first."""
        ok = self.results[self.results["status"] == "ok"]
        return [int(i) for i in ok["run_id"]]


def sweep_report(ledger, sweep_id, partitions=DEFAULT_PARTITIONS):
    """The report of sweep ``sweep_id`` of ``ledger`` (a RunLedger).

    Raises
    ------
    PvrInputError
        When the ledger has no run of that sweep.
    """
    results = ledger.query(sweep_id=str(sweep_id))
    if results.empty:
        raise PvrInputError(f"no runs of sweep {sweep_id!r} in the run ledger {ledger.path} "
                            "(pvr runs lists the sweep ids)")
    spec = recorded_spec(ledger, sweep_id)
    if spec is None:
        return SweepReport(str(sweep_id), results, note=NO_SPEC)
    from pvr_plugin.sweep.validation import validate_sweep

    validation = validate_sweep(spec, results, ledger=ledger, partitions=partitions)
    return SweepReport(str(sweep_id), results, spec, validation)
