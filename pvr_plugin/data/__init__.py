"""Embedded market data (pandas only; see PROVENANCE.md for source and licence)."""
from pvr_plugin.data.prices import (
    FIRST_SESSION,
    LAST_SESSION,
    TICKERS,
    load_closes,
    load_index,
    index_returns,
)
from pvr_plugin.data.zipline_files import spy_returns, treasury_3m_yields

__all__ = [
    "FIRST_SESSION", "LAST_SESSION", "TICKERS", "index_returns", "load_closes", "load_index",
    "spy_returns", "treasury_3m_yields",
]
