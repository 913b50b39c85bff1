"""PvR, factor-inversion and factsheet extensions in pyfolio's shape, under one name.

For a pyfolio user who has ``returns, positions, transactions`` (from
``pyfolio.utils.extract_rets_pos_txn_from_zipline`` or any engine)::

    import pvr_plugin.pyfolio as pvf

    sheet = pvf.create_full_tear_sheet(returns, positions, transactions, benchmark_rets=spy)
    sheet.tables["perf_stats"]          # pyfolio's rows, then PvR's and the factsheet's
    sheet.figures["pvr"].savefig("pvr.png")
    pvf.perf_stats(returns, spy, positions, transactions)
    pvf.create_pvr_tear_sheet(returns, positions, transactions)
    pvf.create_factsheet_tear_sheet(returns, positions, transactions, benchmark_rets=["SP500", "SPY"])
    pvf.create_inversion_tear_sheet(factor_data)    # alphalens' factor_data, or a bucket CSV

Every function also takes a zipline performance frame in place of the three
inputs. Arguments keep pyfolio's names and order; see docs/pyfolio.md.
"""
from pvr_plugin.views.factsheet_tear import create_factsheet_tear_sheet
from pvr_plugin.views.inversion_inputs import bucket_returns
from pvr_plugin.views.inversion_tear import create_inversion_tear_sheet
from pvr_plugin.views.pvr_tear import create_pvr_tear_sheet
from pvr_plugin.views.pyfolio_stats import perf_stats
from pvr_plugin.views.pyfolio_tears import FullTearSheet, create_full_tear_sheet

__all__ = [
    "FullTearSheet", "bucket_returns", "create_factsheet_tear_sheet", "create_full_tear_sheet",
    "create_inversion_tear_sheet", "create_pvr_tear_sheet", "perf_stats",
]
