"""Embedded market data (pandas only; see PROVENANCE.md for source and licence)."""
from pvr_plugin.data.prices import (
    FIRST_SESSION,
    LAST_SESSION,
    TICKERS,
    load_closes,
    load_index,
    index_returns,
)

__all__ = ["FIRST_SESSION", "LAST_SESSION", "TICKERS", "load_closes", "load_index", "index_returns"]
