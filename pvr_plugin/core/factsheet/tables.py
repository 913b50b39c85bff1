"""DataFrame views of the statistics, for notebooks, tear sheets and the HTML page.

Values stay fractions; formatting as percent is the presentation layer's job.
"""
import numpy as np
import pandas as pd

from pvr_plugin.core.factsheet.returns import MONTH_NAMES

def monthly_table(monthly, yearly=None):
    """Year-by-month grid of monthly returns with a ``Year`` column (fractions).

    Parameters
    ----------
    monthly : pd.Series
        Monthly returns on a monthly ``PeriodIndex``.
    yearly : pd.Series, optional
        Calendar-year returns on a yearly ``PeriodIndex``; compounded from
        ``monthly`` when not given.
    """
    if len(monthly) == 0:
        return pd.DataFrame(columns=list(MONTH_NAMES) + ["Year"], dtype=float)
    years = monthly.index.year
    grid = pd.DataFrame(np.nan, index=pd.Index(sorted(set(years)), name="year"),
                        columns=list(MONTH_NAMES), dtype=float)
    grid.values[np.searchsorted(grid.index, years), monthly.index.month - 1] = monthly.to_numpy()
    if yearly is None:
        yearly = (1.0 + monthly).groupby(years).prod() - 1.0
    else:
        yearly = pd.Series(yearly.to_numpy(), index=yearly.index.year)
    grid["Year"] = yearly.reindex(grid.index).to_numpy()
    return grid


def statistics_table(stats_by_series, keys):
    """One column per series, one row per statistic key.

    Parameters
    ----------
    stats_by_series : dict
        Series name -> {key: value}.
    keys : sequence of str
    """
    frame = pd.DataFrame({name: [stats.get(k, np.nan) for k in keys]
                          for name, stats in stats_by_series.items()}, index=list(keys), dtype=float)
    frame.index.name = "statistic"
    return frame
