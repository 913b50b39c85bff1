"""What a computed number means, for the pages that explain it.

The field table (:mod:`pvr_plugin.core.fields`) and the factsheet statistics
(:mod:`pvr_plugin.core.factsheet.statistics`) carry this text on their own
declarations. Results without such a table (the factor-inversion statistics,
the overfitting statistics of a sweep, the factsheet's drawdown and return
reports) declare one :class:`Definition` per key next to the code that
computes it; ``docs/make_definitions.py`` writes ``docs/definitions.md`` from
all of them.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    """One number as users see it.

    Attributes
    ----------
    name : str
        JSON key or column (dotted for nested JSON: ``significance.t_stat``).
    unit : str
        A key of :data:`pvr_plugin.core.fields.UNITS`.
    formula : str
        How it is computed, in words and plain-text formulas.
    undefined : str
        When it has no value (shown as NaN in Python, ``null`` in JSON,
        ``n/a`` on pages); empty when it is always defined.
    reference : str
        The library function or paper it agrees with; empty when it is the
        project's own.
    """

    name: str
    unit: str
    formula: str
    undefined: str = ""
    reference: str = ""
