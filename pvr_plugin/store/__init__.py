"""Storage on top of the numeric core: the run ledger (SQLite, standard library).

Names are imported on first use, so that reading the ledger (``pvr runs``)
does not pay for importing the statistics libraries that recording needs.
"""
import importlib

_LAZY = {
    "LEDGER_COLUMNS": "pvr_plugin.store.run_ledger",
    "RunLedger": "pvr_plugin.store.run_ledger",
    "default_ledger_path": "pvr_plugin.store.run_ledger",
    "params_key": "pvr_plugin.store.run_ledger",
    "pvr_home": "pvr_plugin.store.run_ledger",
    "record_failed_run": "pvr_plugin.store.recording",
    "record_run": "pvr_plugin.store.recording",
    "run_record": "pvr_plugin.store.recording",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pvr_plugin.store' has no attribute {name!r}")
