"""pvr-plugin: Profit vs Risk (PvR) for zipline-reloaded backtests.

``from pvr_plugin import pvr`` gives the one-line in-algorithm tracker. Names
that need zipline are imported on first use, so the numeric core
(``pvr_plugin.core``) stays importable without it.
"""
import importlib

#: The package version; setup.cfg reads it from here (the one place it is written).
__version__ = "0.1.0"

_LAZY = {
    "pvr": "pvr_plugin.adapters.algo",
    "schedule_pvr": "pvr_plugin.adapters.algo",
    "PvROptions": "pvr_plugin.adapters.algo",
    "run_algorithm_file": "pvr_plugin.adapters.runner",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pvr_plugin' has no attribute {name!r}")
