"""PvR (Profit vs Risk): risk models and running statistics, numpy only.

Every function here works on arrays whose first axis is time (bars) and whose
other axes, if any, are independent accounts (e.g. many backtests at once).
Dollar amounts end in ``_usd``; percents in ``_pct``; leverage is a ratio.

Sign conventions follow zipline: ``short_usd <= 0`` is the dollar value of the
short book, ``long_usd >= 0`` the long book, ``value_usd`` the portfolio value
``cash + long + short``.
"""
from dataclasses import dataclass, replace

import numpy as np

from pvr_plugin.core.stats import annualized_growth
from pvr_plugin.errors import PvrInputError

#: What each risk model counts as the capital at risk in one bar (dollars),
#: with S the starting capital, ``cash``, ``long >= 0``, ``short <= 0`` and
#: value ``V`` at the bar; max risk is its running maximum.
RISK_MODEL_DEFINITIONS = {
    "cash_or_short": "max(0, S - cash, -short): the deepest dip of cash below the start (into margin, too) "
                     "or the short book, whichever is larger. The default; the same PvR at any S for the "
                     "same trades",
    "gross": "long - short, the longs plus the shorts shown positive; the same PvR at any S for the same trades",
    "margin": "with a leverage limit L (default 1): borrowed = running max of (leverage - L) * V over the bars "
              "where leverage > L; risk = S + borrowed once anything was borrowed, else S - cash low. "
              "Depends on S by design",
    "proportional": "as cash_or_short, but while cash is below zero the dip is scaled by S / V (V > 0), so "
                    "margin taken after large gains counts less (PvRp). Depends on S by design",
}
#: The risk models' names, the default first.
RISK_MODELS = tuple(RISK_MODEL_DEFINITIONS)
TRADING_DAYS_PER_YEAR = 252
# Below a cent, "capital at risk" is float residue (zipline keeps cash as one
# running float), not capital: dividing by it would give a huge, meaningless PvR.
#: Smallest capital at risk PvR divides by (dollars); below it PvR is NaN.
MIN_RISK_USD = 0.01


def check_model(model):
    """``model`` if it is one of :data:`RISK_MODELS`; else a one-line :class:`~pvr_plugin.errors.PvrInputError`.

    The one check of a risk-model name: every entry point (``pvr()``, the
    metrics sets, research, the command line) reaches it through
    :class:`PvRState`.
    """
    if model not in RISK_MODELS:
        raise PvrInputError(f"unknown risk model {model!r}; choose one of {', '.join(RISK_MODELS)}")
    return model


@dataclass(frozen=True)
class PvRState:
    """Running PvR state after some bars; immutable, so runs never share it.

    Attributes
    ----------
    start_usd : starting capital S (or manual cash: deposits minus withdrawals).
    model : risk model name, one of :data:`RISK_MODELS`.
    leverage_limit : L for the ``margin`` model.
    cash_low_usd : ``min(S, lowest cash seen)``.
    max_short_usd : largest short book seen, as a positive number.
    max_leverage : highest gross leverage seen.
    max_risk_usd : running maximum of the model's risk.
    borrowed_usd : ``margin`` model only: running max of ``(lev - L) * V``.
    """

    start_usd: float
    model: str = "cash_or_short"
    leverage_limit: float = 1.0
    cash_low_usd: float = np.nan
    max_short_usd: float = 0.0
    max_leverage: float = 0.0
    max_risk_usd: float = 0.0
    borrowed_usd: float = 0.0

    def __post_init__(self):
        check_model(self.model)
        if np.all(np.isnan(self.cash_low_usd)):
            object.__setattr__(self, "cash_low_usd", self.start_usd)


def _acc(ufunc, x, prior):
    """Running ufunc (maximum/minimum) along axis 0, seeded with ``prior``."""
    return ufunc(ufunc.accumulate(x, axis=0), prior)


def gross_leverage(long_usd, short_usd, value_usd):
    """Gross leverage ``(long - short) / value``; NaN where value is 0."""
    gross = np.asarray(long_usd, float) - np.asarray(short_usd, float)
    value = np.asarray(value_usd, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(value != 0, gross / np.where(value != 0, value, 1.0), np.nan)


def risk_usd(model, start_usd, cash_usd, long_usd, short_usd, value_usd, cash_low_usd=None,
             borrowed_usd=None):
    """Capital at risk in each bar under ``model`` (dollars).

    ``cash_low_usd`` and ``borrowed_usd`` (running values) are needed by the
    ``margin`` model only.
    """
    if model == "cash_or_short":
        return np.maximum(np.maximum(start_usd - cash_usd, -short_usd), 0.0)
    if model == "gross":
        return long_usd - short_usd
    if model == "proportional":
        dip = np.maximum(start_usd - cash_usd, 0.0)
        # Margin taken after large gains counts less: scale the dip by S / V.
        # A non-positive V would flip the sign, so the dip stays unscaled there.
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(value_usd > 0, start_usd / np.where(value_usd > 0, value_usd, 1.0), 1.0)
        dip = np.where(cash_usd < 0, np.maximum(dip * scale, 0.0), dip)
        return np.maximum(dip, -short_usd)
    if model == "margin":
        return np.where(borrowed_usd > 0, start_usd + borrowed_usd, start_usd - cash_low_usd)
    raise ValueError(f"unknown risk model {model!r}")


@dataclass(frozen=True)
class Bars:
    """Per-bar running values produced by :func:`advance` (arrays, time first)."""

    cash_low_usd: np.ndarray
    max_short_usd: np.ndarray
    max_leverage: np.ndarray
    risk_usd: np.ndarray
    max_risk_usd: np.ndarray
    pvr_pct: np.ndarray


def advance(state, cash_usd, long_usd, short_usd, value_usd, leverage=None):
    """Run the PvR recurrences over a block of bars.

    Parameters
    ----------
    state : PvRState
        State before the first bar of the block.
    cash_usd, long_usd, short_usd, value_usd : array_like
        Per-bar account values, time on axis 0.
    leverage : array_like, optional
        Gross leverage per bar; computed from the books when omitted.

    Returns
    -------
    (PvRState, Bars)
        The state after the last bar, and per-bar running values.
    """
    cash = np.asarray(cash_usd, float)
    long_ = np.asarray(long_usd, float)
    short = np.asarray(short_usd, float)
    value = np.asarray(value_usd, float)
    lev = gross_leverage(long_, short, value) if leverage is None else np.asarray(leverage, float)
    s = state.start_usd

    cash_low = _acc(np.minimum, cash, state.cash_low_usd)
    max_short = _acc(np.maximum, np.maximum(-short, 0.0), state.max_short_usd)
    # fmax ignores NaN leverage (a zero-value account has no defined leverage).
    max_lev = np.fmax.accumulate(np.fmax(lev, state.max_leverage), axis=0)
    borrowed = None
    if state.model == "margin":
        excess = np.where(lev > state.leverage_limit, (lev - state.leverage_limit) * value, 0.0)
        borrowed = _acc(np.maximum, np.nan_to_num(excess, nan=0.0), state.borrowed_usd)
    risk = risk_usd(state.model, s, cash, long_, short, value, cash_low, borrowed)
    max_risk = _acc(np.maximum, risk, state.max_risk_usd)
    bars = Bars(
        cash_low_usd=cash_low,
        max_short_usd=max_short,
        max_leverage=max_lev,
        risk_usd=risk,
        max_risk_usd=max_risk,
        pvr_pct=pvr_pct(value, s, max_risk),
    )
    new_state = replace(
        state,
        cash_low_usd=cash_low[-1],
        max_short_usd=max_short[-1],
        max_leverage=max_lev[-1],
        max_risk_usd=max_risk[-1],
        borrowed_usd=state.borrowed_usd if borrowed is None else borrowed[-1],
    )
    return new_state, bars


def pvr_pct(value_usd, start_usd, max_risk_usd):
    """PvR in percent: ``100 * (V - S) / max_risk``.

    NaN (never inf or a huge number) while max risk is below :data:`MIN_RISK_USD`.
    """
    value = np.asarray(value_usd, float)
    risk = np.asarray(max_risk_usd, float)
    used = risk >= MIN_RISK_USD
    return np.where(used, 100.0 * (value - start_usd) / np.where(used, risk, 1.0), np.nan)


def qret_pct(value_usd, start_usd):
    """The platform's return in percent: ``100 * (V - S) / S``."""
    return 100.0 * (np.asarray(value_usd, float) - start_usd) / start_usd


def cagr(value_usd, start_usd, days):
    """Compound annual growth rate (fraction) after ``days`` sessions; NaN if undefined.

    ``(V / S) ** (252 / days) - 1`` (:func:`pvr_plugin.core.stats.annualized_growth`).
    """
    return annualized_growth(np.asarray(value_usd, float) / start_usd, days, TRADING_DAYS_PER_YEAR)


def per_day(pvr_value_pct, days):
    """PvR per trading day (percent per day); NaN before the first day."""
    days = np.asarray(days, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(days > 0, np.asarray(pvr_value_pct, float) / np.where(days > 0, days, 1.0), np.nan)
