"""Plain JSON values from numpy, pandas and dataclass results (the one JSON cleaner)."""
import math

import numpy as np
import pandas as pd


def iso(value):
    """A date as ISO text: ``2021-01-04``, or with the time when it has one; None for NaT."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def jsonable(obj):
    """Plain JSON types: NaN/inf/NA/NaT -> None, numpy scalars -> Python, dates -> ISO text.

    Dicts and lists are cleaned recursively (keys become text); periods
    become their text (``2021-03``); anything else is returned as is.
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, np.datetime64)):
        return iso(obj)
    if isinstance(obj, pd.Period):
        return str(obj)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


def records(frame):
    """Rows of a DataFrame as a list of JSON-ready dicts."""
    return [jsonable(dict(zip(frame.columns, row))) for row in frame.itertuples(index=False)]
