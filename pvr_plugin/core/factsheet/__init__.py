"""Factsheet statistics (defined in ``docs/definitions.md``): inputs, statistics, report.

Pure numeric core (numpy, pandas, empyrical); no zipline, no plotting.

>>> from pvr_plugin.core.factsheet import factsheet
>>> report = factsheet(returns_series, benchmarks=["SP500", "SPY"])  # doctest: +SKIP

Files (CSV, saved frames, yields) are read by :mod:`pvr_plugin.store.inputs`,
which has the same functions taking paths.
>>> report.to_dict()["risk_statistics"]["sharpe"]                    # doctest: +SKIP
"""
from pvr_plugin.core.factsheet.drawdowns import Drawdown, drawdown_series, top_drawdowns
from pvr_plugin.core.factsheet.inputs import (
    FactsheetInputs,
    LoadedReturns,
    prepare_inputs,
    read_benchmark,
    read_returns,
    slice_range,
    sp500_returns,
)
from pvr_plugin.core.periods import DAILY, MONTHLY, WEEKLY, infer_period
from pvr_plugin.core.factsheet.report import (
    ANALYTICS_WIDGETS,
    FactsheetReport,
    WidgetResult,
    build_report,
    factsheet,
)
from pvr_plugin.core.factsheet.riskfree import RiskFree, read_risk_free
from pvr_plugin.data import spy_returns, treasury_3m_yields

__all__ = [
    "ANALYTICS_WIDGETS", "DAILY", "MONTHLY", "WEEKLY", "Drawdown", "FactsheetInputs",
    "FactsheetReport", "LoadedReturns", "RiskFree", "WidgetResult", "build_report",
    "drawdown_series", "factsheet", "infer_period", "prepare_inputs", "read_benchmark",
    "read_returns", "read_risk_free", "slice_range", "sp500_returns", "spy_returns",
    "top_drawdowns", "treasury_3m_yields",
]
