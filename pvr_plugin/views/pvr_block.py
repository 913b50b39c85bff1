"""The factsheet's PvR block from any input that has one: pyfolio's or a zipline frame.

The factsheet reads the PvR block from the ``pvr`` metrics set's columns of a
zipline frame. :func:`with_pvr_block` also makes it from pyfolio's
``returns`` and ``positions`` (the closes: ``daily bars``) and from a zipline
frame run without the ``pvr`` metrics set (its ``ending_cash``,
``long_value`` and ``short_value`` at the closes), and adds a note saying
what the extremes were measured from; :func:`resolution_of` reads it back.
"""
import dataclasses
import os

import pandas as pd

from pvr_plugin.core import fields, research
from pvr_plugin.core.factsheet.series import PVR_COLUMNS, read_returns
from pvr_plugin.store.files import FRAME_SUFFIXES, read_frame

_NOTE = "PvR resolution: "


def with_pvr_block(returns, positions=None, transactions=None):
    """``returns`` ready for the factsheet, carrying the PvR block when the input allows.

    Parameters
    ----------
    returns : pd.Series, pd.DataFrame or path
        pyfolio's ``returns`` (with ``positions``), a zipline frame (or a
        saved ``.pkl``/``.parquet`` one), or anything else the factsheet
        reads, which is passed on unchanged.
    positions, transactions : pd.DataFrame, optional
        pyfolio's, as in :func:`pvr_plugin.core.research.pvr_from_pyfolio`.

    Returns
    -------
    LoadedReturns or the input unchanged
    """
    if positions is not None or transactions is not None:
        daily = research.pvr_daily(returns, positions, transactions)
        loaded = read_returns(returns)
        why = "pyfolio's positions are end-of-day values"
        return _attach(loaded, _block(daily), daily.attrs["resolution"], why)
    frame, name, label = _zipline_frame(returns)
    if frame is None:
        return returns
    loaded = read_returns(frame, name=name, label=label)
    if loaded.pvr is not None:
        resolution = research.measured_at(frame)
        why = "the pvr metrics set's extremes" + (" over every minute" if resolution == fields.INTRADAY
                                                   else " at each close of a daily run")
        return _attach(loaded, loaded.pvr, resolution, why)
    daily = research.pvr_from_perf(frame, resolution=fields.DAILY_BARS)
    why = "the frame has no pvr metrics-set columns; its ending cash and books at the closes"
    return _attach(loaded, _block(daily), fields.DAILY_BARS, why)


def resolution_of(report):
    """What a factsheet report's PvR block was measured from (``''`` when it does not say)."""
    for note in report.notes:
        if note.startswith(_NOTE):
            return note[len(_NOTE):].split(" (", 1)[0]
    return ""


def _block(daily):
    """The last day's PvR figures under the metrics set's column names (the field table's)."""
    last = daily.iloc[-1]
    return {col: float(last[fields.BY_COLUMN[col].name]) for col in PVR_COLUMNS}


def _attach(loaded, block, resolution, why):
    note = f"{_NOTE}{resolution} ({why})"
    return dataclasses.replace(loaded, pvr=block, notes=tuple(loaded.notes) + (note,))


def _zipline_frame(source):
    """(frame, name, label) when ``source`` is a zipline performance frame or a saved one."""
    name = label = None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not path.lower().endswith(FRAME_SUFFIXES):
            return None, None, None
        source = read_frame(path)
        name, label = os.path.splitext(os.path.basename(path))[0], path
    if isinstance(source, pd.DataFrame) and set(research.EOD_COLUMNS) <= set(source.columns) \
            and "returns" in source.columns:
        return source, name, label
    return None, None, None
