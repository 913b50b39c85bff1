"""In-sample and out-of-sample date ranges of a sweep spec, checked before any run.

Spec keys (TOML), all optional::

    start = "2021-01-04"                          # the backtest: one run per variant
    end = "2022-06-30"
    out_of_sample = ["2022-01-03", "2022-06-30"]  # or just "2022-01-03": from there to `end`
    in_sample = ["2021-01-04", "2021-12-31"]      # default: `start` to the session before out_of_sample

or walk-forward folds (instead of the two keys above), each an in-sample and
an out-of-sample range::

    [[folds]]
    in_sample = ["2021-01-04", "2021-06-30"]
    out_of_sample = ["2021-07-01", "2021-12-31"]

Each variant still runs once, over ``start``..``end``; its per-session series
is split at the ranges afterwards (:mod:`pvr_plugin.sweep.series`), so the
ranges are not part of the sweep's id: changing them reuses the recorded runs.

Refused with one line (:class:`~pvr_plugin.errors.PvrInputError`): a range
that is not two dates, reversed, outside the bundle's data, outside
``start``..``end``, with fewer than 2 sessions, or an out-of-sample range
that does not begin after its in-sample range ends (overlapping or earlier:
an out-of-sample test asks how the in-sample choice does *afterwards*; a gap
between the two is allowed).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pvr_plugin.errors import PvrInputError

FOLD_KEYS = ("in_sample", "out_of_sample", "folds")
MIN_SESSIONS = 2  # a Sharpe ratio needs two returns


@dataclass(frozen=True)
class Fold:
    """One in-sample / out-of-sample pair of session ranges (ISO dates, inclusive)."""

    in_first: str
    in_last: str
    oos_first: str
    oos_last: str

    def as_dict(self):
        return {"in_sample": [self.in_first, self.in_last], "out_of_sample": [self.oos_first, self.oos_last]}


def _date(value, where):
    if isinstance(value, (dt.date, dt.datetime)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        try:
            return pd.Timestamp(value).normalize()
        except ValueError:
            pass
    raise PvrInputError(f"{where}: {value!r} is not a date (write \"YYYY-MM-DD\")")


def _range(value, where, default_last=None):
    """[first, last] from a pair, or from one date and ``default_last``."""
    if isinstance(value, list):
        if len(value) != 2:
            raise PvrInputError(f"{where} must be [first, last]: two dates, not {len(value)} value(s)")
        first, last = _date(value[0], where), _date(value[1], where)
    elif default_last is not None and isinstance(value, (str, dt.date)):
        first, last = _date(value, where), default_last
    else:
        raise PvrInputError(f"{where} must be [\"first\", \"last\"] dates, not {value!r}")
    if first > last:
        raise PvrInputError(f"{where} is reversed: {first.date()} is after {last.date()}")
    return first, last


def _sessions(calendar, first, last):
    return calendar.sessions_in_range(first, last)


def _check(where, first, last, span, data_frequency, bundle, calendar):
    from zipline.data import bundles

    from pvr_plugin.adapters import bundle_info

    sessions = _sessions(calendar, first, last)
    if len(sessions) >= MIN_SESSIONS:
        try:
            # Any bundle known here is checked against its own sessions; one known
            # only to a remote cluster is checked there (the sweep's check_data).
            if bundle == bundle_info.demo.BUNDLE_NAME or bundle in bundles.bundles:
                bundle_info.run_sessions(bundle, first, last, data_frequency)
        except PvrInputError as exc:
            raise PvrInputError(f"{where} {first.date()} to {last.date()}: {exc}") from None
    if first < span[0] or last > span[1]:
        raise PvrInputError(
            f"{where} {first.date()} to {last.date()} is outside the sweep's backtest "
            f"{span[0].date()} to {span[1].date()} (start and end): widen them to cover it"
        )
    if len(sessions) < MIN_SESSIONS:
        raise PvrInputError(f"{where} {first.date()} to {last.date()} has {len(sessions)} trading session(s); "
                            f"it needs at least {MIN_SESSIONS}")
    return sessions[0], sessions[-1]


def _fold(where, ins, oos, span, data_frequency, bundle, calendar):
    # The out-of-sample range first: a default in-sample range is derived from it.
    oos_first, oos_last = _check(f"{where}out_of_sample", *oos, span, data_frequency, bundle, calendar)
    in_first, in_last = _check(f"{where}in_sample", *ins, span, data_frequency, bundle, calendar)
    if oos_first <= in_last:
        how = "overlaps" if oos_last >= in_first else "comes before"
        raise PvrInputError(
            f"{where}out_of_sample {oos[0].date()} to {oos[1].date()} {how} the in-sample range "
            f"{in_first.date()} to {in_last.date()}: it must begin after the in-sample range ends"
        )
    iso = lambda ts: ts.date().isoformat()  # noqa: E731
    return Fold(iso(in_first), iso(in_last), iso(oos_first), iso(oos_last))


def parse_folds(data, where, start, end, data_frequency, bundle):
    """The spec's folds (a tuple, empty when it names no ranges).

    Parameters
    ----------
    data : dict
        The parsed TOML.
    where : str
        The spec file, for messages.
    start, end : str
        The sweep's backtest dates (ISO).
    data_frequency, bundle : str
        For the bundle's date check.
    """
    has = [k for k in FOLD_KEYS if k in data]
    if not has:
        return ()
    from pvr_plugin.adapters.bundle_info import calendar_of

    calendar = calendar_of(bundle)
    span = (pd.Timestamp(start), pd.Timestamp(end))
    if "folds" in data:
        if "in_sample" in data or "out_of_sample" in data:
            raise PvrInputError(f"{where}: give either [[folds]] or in_sample/out_of_sample, not both")
        folds = data["folds"]
        if not isinstance(folds, list) or not folds or not all(isinstance(f, dict) for f in folds):
            raise PvrInputError(f"{where}: folds must be [[folds]] tables with in_sample and out_of_sample")
        out = []
        for i, fold in enumerate(folds, 1):
            label = f"{where}: folds[{i}]."
            unknown = sorted(set(fold) - {"in_sample", "out_of_sample"})
            missing = [k for k in ("in_sample", "out_of_sample") if k not in fold]
            if unknown or missing:
                raise PvrInputError(f"{label[:-1]} needs exactly in_sample and out_of_sample "
                                    f"(missing {', '.join(missing) or 'none'}, unknown {', '.join(unknown) or 'none'})")
            out.append(_fold(label, _range(fold["in_sample"], f"{label}in_sample"),
                             _range(fold["out_of_sample"], f"{label}out_of_sample"),
                             span, data_frequency, bundle, calendar))
        return tuple(out)
    if "out_of_sample" not in data:
        raise PvrInputError(f"{where}: in_sample is given without out_of_sample")
    label = f"{where}: "
    oos = _range(data["out_of_sample"], f"{label}out_of_sample", default_last=span[1])
    if "in_sample" in data:
        ins = _range(data["in_sample"], f"{label}in_sample")
    else:
        _check(f"{label}out_of_sample", *oos, span, data_frequency, bundle, calendar)
        before = _sessions(calendar, span[0], oos[0] - pd.Timedelta(days=1))
        if len(before) == 0:
            raise PvrInputError(f"{label}out_of_sample starts {oos[0].date()}, leaving no in-sample sessions "
                                f"after start {span[0].date()}")
        ins = (span[0], before[-1])
    return (_fold(label, ins, oos, span, data_frequency, bundle, calendar),)
