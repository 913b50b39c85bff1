"""zipline Pipelines outside an algorithm: factor values and prices from a bundle, for alphalens.

:func:`run_pipeline` computes a :class:`zipline.pipeline.Pipeline` over a
date range from an ingested bundle (``pvr-demo`` by default, ingested on
first use), the way an algorithm's ``attach_pipeline`` would see it on each
session. :func:`pricing` gives the bundle's daily closes (split- and
dividend-adjusted as of the last date) for the same assets, which is what
``alphalens.utils.get_clean_factor_and_forward_returns`` needs::

    from alphalens.utils import get_clean_factor_and_forward_returns
    from zipline.pipeline import Pipeline
    from zipline.pipeline.factors import Returns

    factor = run_pipeline(Pipeline(columns={"momentum": Returns(window_length=252)}), start, end)["momentum"]
    factor_data = get_clean_factor_and_forward_returns(factor, pricing(start, later), periods=(21,))
"""
import os

import pandas as pd

from pvr_plugin.adapters import bundle_info
from pvr_plugin.adapters.bundle import BUNDLE_NAME, ensure_ingested
from pvr_plugin.errors import PvrInputError


def _bundle(bundle, environ):
    from zipline.data import bundles

    environ = os.environ if environ is None else environ
    if bundle == BUNDLE_NAME:
        ensure_ingested(environ=environ)
    try:
        return bundles.load(bundle, environ)
    except (ValueError, OSError) as exc:
        raise PvrInputError(f"bundle {bundle!r} cannot be loaded ({exc}); ingest it first") from None


def _sessions(calendar, start, end, bundle):
    # run_sessions refuses a range outside the bundle or without a session; the
    # sessions returned are those of the calendar the pipeline engine runs on.
    bundle_info.run_sessions(bundle, start, end, "daily")
    return calendar.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))


def run_pipeline(pipeline, start, end, bundle=BUNDLE_NAME, environ=None):
    """The pipeline's output on every session from ``start`` to ``end``.

    Parameters
    ----------
    pipeline : zipline.pipeline.Pipeline
        Built from the daily pricing columns (``EquityPricing``) and the
        factors on them.
    start, end : date-like
        First and last session computed; the factors' look-back windows read
        the bundle's data before ``start``.
    bundle : str
    environ : mapping, optional
        Where ``ZIPLINE_ROOT`` is read (default ``os.environ``).

    Returns
    -------
    pandas.DataFrame
        Index ``(date, asset)`` (naive session dates, zipline ``Equity``
        objects), one column per pipeline column: the ``factor`` alphalens takes.
    """
    from zipline.pipeline.data import EquityPricing
    from zipline.pipeline.domain import US_EQUITIES
    from zipline.pipeline.engine import SimplePipelineEngine
    from zipline.pipeline.loaders import USEquityPricingLoader

    data = _bundle(bundle, environ)
    sessions = _sessions(US_EQUITIES.calendar, start, end, bundle)
    loader = USEquityPricingLoader.without_fx(data.equity_daily_bar_reader, data.adjustment_reader)

    def get_loader(column):
        if column.unspecialize() in EquityPricing.columns:
            return loader
        raise PvrInputError(f"the pipeline reads {column}: only daily pricing columns (EquityPricing) "
                            f"are in bundle {bundle!r}")

    engine = SimplePipelineEngine(get_loader, data.asset_finder, default_domain=US_EQUITIES)
    out = engine.run_pipeline(pipeline, sessions[0], sessions[-1])
    out.index = out.index.set_names(["date", "asset"])
    return out


def pricing(start, end, assets=None, field="close", bundle=BUNDLE_NAME, environ=None):
    """Daily prices of ``assets`` (all of the bundle's by default), adjusted as of ``end``.

    Returns
    -------
    pandas.DataFrame
        Index naive session dates, columns zipline ``Equity`` objects (the
        assets of :func:`run_pipeline`'s output).
    """
    from zipline.data.data_portal import DataPortal
    from zipline.pipeline.domain import US_EQUITIES

    data = _bundle(bundle, environ)
    calendar = US_EQUITIES.calendar
    sessions = _sessions(calendar, start, end, bundle)
    finder = data.asset_finder
    if assets is None:
        assets = finder.retrieve_all(finder.sids)
    portal = DataPortal(finder, trading_calendar=calendar,
                        first_trading_day=data.equity_daily_bar_reader.first_trading_day,
                        equity_daily_reader=data.equity_daily_bar_reader,
                        adjustment_reader=data.adjustment_reader)
    frame = portal.get_history_window(list(assets), sessions[-1], len(sessions), "1d", field, "daily")
    frame.index = pd.DatetimeIndex(frame.index).tz_localize(None) if frame.index.tz is not None else frame.index
    frame.index.name = "date"
    return frame
