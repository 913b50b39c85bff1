"""Storage on top of the numeric core: the run ledger (SQLite, standard library)."""
from pvr_plugin.store.run_ledger import LEDGER_COLUMNS, RunLedger, default_ledger_path, params_key, pvr_home
from pvr_plugin.store.recording import record_failed_run, record_run, run_record

__all__ = [
    "LEDGER_COLUMNS", "RunLedger", "default_ledger_path", "params_key", "pvr_home",
    "record_failed_run", "record_run", "run_record",
]
