"""The risk-free rate: the built-in 3-month T-bill, a constant, or a CSV of yields.

Every source is held as annual yields (fractions) and converted to a
per-period rate with ``(1 + y) ** (1 / periods_per_year) - 1``.
"""
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pvr_plugin.core.inputs import DATE_COLUMN_NAMES, parse_csv, parse_dates, parse_numbers
from pvr_plugin.data import treasury_3m_yields
from pvr_plugin.errors import PvrInputError

TREASURY = "treasury"
GRACE_DAYS = 7  # a quote stays in force for a week after the last date


@dataclass(frozen=True)
class RiskFree:
    """The risk-free rate as an annual yield (fraction), constant or dated.

    Attributes
    ----------
    source : str
        Human-readable origin, shown on the factsheet and in the JSON.
    constant : float or None
        Constant annual yield, when not dated.
    yields : pd.Series or None
        Annual yields (fractions) on a naive DatetimeIndex.
    """

    source: str
    constant: float = None
    yields: pd.Series = field(default=None, repr=False)
    fill: float = None  # annual yield used outside the dated yields' span (None: none is)

    def per_period(self, index, annualization):
        """Per-period risk-free returns on ``index``.

        The annual yield ``y`` in force on each date (the latest quote at or
        before it) becomes ``(1 + y) ** (1 / annualization) - 1``, the
        per-period rate that compounds to ``y`` over a year.

        Parameters
        ----------
        index : pd.DatetimeIndex
        annualization : int
            Periods per year (252 for daily returns).

        Returns
        -------
        np.ndarray
        """
        if self.yields is None:
            y = np.full(len(index), float(self.constant))
        else:
            pos = self.yields.index.searchsorted(index, side="right") - 1
            y = self.yields.to_numpy()[np.clip(pos, 0, None)]
            y[pos < 0] = np.nan
            if self.fill is not None:
                y[~self._dated(index)] = self.fill
        return np.power(1.0 + y, 1.0 / annualization) - 1.0

    def _dated(self, index):
        """Which dates the dated yields cover (a week of grace after the last quote)."""
        first, last = self.yields.index[0], self.yields.index[-1] + pd.Timedelta(days=GRACE_DAYS)
        index = pd.DatetimeIndex(index)
        return np.asarray((index >= first) & (index <= last))

    def coverage(self, index):
        """Where each rate applies over ``index``, for the page and the JSON.

        Returns
        -------
        dict
            ``dated_from``/``dated_to``: the first and last date of ``index``
            on which the dated yields apply (None for a constant);
            ``fill_yield``: the annual yield used elsewhere (None when unused);
            ``filled_periods``: how many dates of ``index`` it applies to.
        """
        index = pd.DatetimeIndex(index)
        if self.yields is None:
            return {"dated_from": None, "dated_to": None, "fill_yield": float(self.constant),
                    "filled_periods": int(len(index))}
        dated = self._dated(index)
        inside = index[dated]
        return {
            "dated_from": inside[0] if len(inside) else None,
            "dated_to": inside[-1] if len(inside) else None,
            "fill_yield": self.fill if (~dated).any() else None,
            "filled_periods": int((~dated).sum()),
        }

    def covers(self, first, last):
        """True when dated yields exist from ``first`` to ``last`` (a week of grace at the end)."""
        if self.yields is None:
            return True
        return (self.yields.index[0] <= first) and (
            last <= self.yields.index[-1] + pd.Timedelta(days=GRACE_DAYS)
        )

    def overlaps(self, first, last):
        """True when some dated yield applies inside ``first`` to ``last``."""
        if self.yields is None:
            return True
        return self.yields.index[0] <= last and first <= self.yields.index[-1] + pd.Timedelta(days=GRACE_DAYS)


def _parse_rate(text):
    """'0.02' -> 0.02; '2%' -> 0.02; None when not a number."""
    t = text.strip()
    pct = t.endswith("%")
    try:
        val = float(t[:-1] if pct else t)
    except ValueError:
        return None
    return val / 100.0 if pct else val


def read_risk_free(spec=None, unit="auto", label=None):
    """Load the risk-free rate as annual yields.

    Parameters
    ----------
    spec : None, 'auto', 'treasury', float, str, bytes or pd.Series
        ``'treasury'``: the 3-month T-bill (``3month`` column of zipline's
        ``treasury_curves.csv``, decimal annual yields, 1990-01-02 to
        2017-03-29). A number is a constant annual yield as a fraction
        (``0.02``; the string ``'2%'`` also works; values above 1 are
        refused as ambiguous). CSV bytes have a date column and one yield
        column, annual (files are opened by
        :func:`pvr_plugin.store.inputs.read_risk_free`). A Series holds dated
        annual yields. ``None``/``'auto'`` is
        resolved by :func:`~pvr_plugin.core.factsheet.inputs.prepare_inputs` (the T-bill when it covers the
        returns, else zero, said loudly).
    label : str, optional
        Names CSV bytes in messages and in the source (the file's path).
    unit : {'auto', 'fraction', 'percent'}
        Unit of a CSV or Series of yields. ``'auto'``: percent when a yield
        is above 0.25 (25% a year, never reached by T-bills), or when the
        column name ends in ``%`` or ``_pct``.

    Returns
    -------
    RiskFree or None
        None for ``'auto'``.
    """
    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "auto"):
        return None
    if isinstance(spec, RiskFree):
        return spec
    if isinstance(spec, (int, float, np.floating)) and not isinstance(spec, bool):
        val = float(spec)
        if not np.isfinite(val) or val > 1 or val < -0.5:
            raise PvrInputError(
                f"risk-free {spec!r}: give an annual yield as a fraction (0.02) or with % (2%)"
            )
        return RiskFree(source=f"constant {val:.4%} a year (user)", constant=val)
    if isinstance(spec, pd.Series):
        return _yields_from_series(spec, "risk-free series", str(spec.name), unit)
    if isinstance(spec, (bytes, bytearray)):
        return _yields_from_csv(label or "risk-free CSV", bytes(spec), unit)
    text = str(spec)
    if text.strip().lower() in (TREASURY, "tbill", "t-bill", "3month"):
        return RiskFree(
            source="3-month T-bill (zipline treasury_curves.csv, 3month column)",
            yields=treasury_3m_yields(),
        )
    rate = _parse_rate(text)
    if rate is not None:
        if not text.strip().endswith("%") and (rate > 1 or rate < -0.5):
            raise PvrInputError(
                f"risk-free {text!r}: above 1 (100% a year); write {text}% for percent"
            )
        return RiskFree(source=f"constant {rate:.4%} a year (user)", constant=rate)
    raise PvrInputError(f"risk-free {text!r}: not a number, not 'treasury' and not a file")


def _yields_from_csv(label, data, unit):
    """Dated annual yields from a CSV's bytes: a date column and one yield column."""
    frame = parse_csv(data, label)
    if frame.shape[1] < 2:
        raise PvrInputError(f"{label}: need a date column and a yield column")
    lower = {str(c).strip().lower(): c for c in frame.columns}
    date_col = next((lower[d] for d in DATE_COLUMN_NAMES if d in lower), frame.columns[0])
    rest = [c for c in frame.columns if c != date_col]
    if len(rest) != 1:
        raise PvrInputError(
            f"{label}: need exactly one yield column besides {date_col!r}, found {', '.join(map(str, rest))}"
        )
    series = pd.Series(frame[rest[0]].to_numpy(), index=frame[date_col].to_numpy(), name=str(rest[0]))
    return _yields_from_series(series, label, str(rest[0]), unit, first_line=2)


def _yields_from_series(series, label, column, unit, first_line=None):
    dates = parse_dates(series.index, label, "date", first_line).normalize()
    vals = parse_numbers(series.reset_index(drop=True), label, column, dates, first_line)
    order = np.argsort(dates.asi8, kind="stable")
    dates, vals = dates[order], vals[order]
    dup = dates.duplicated()
    if dup.any():
        raise PvrInputError(f"{label}: duplicate date {dates[dup][0]:%Y-%m-%d}")
    name = column.strip().lower()
    note = ""
    if unit == "percent" or (unit == "auto" and (
            name.endswith("%") or name.endswith("_pct") or np.nanmax(np.abs(vals)) > 0.25)):
        vals = vals / 100.0
        note = ", percent divided by 100"
    elif unit not in ("auto", "fraction", "percent"):
        raise PvrInputError(f"{label}: unit must be auto, fraction or percent, got {unit!r}")
    yields = pd.Series(vals, index=pd.DatetimeIndex(dates, name="date"), name="yield")
    return RiskFree(source=f"{label} column {column!r} (annual yields{note})", yields=yields)
