"""docs/definitions.md is generated from the declarations, and they name exactly what the code outputs."""
import importlib.util

import numpy as np
import pandas as pd
import pytest

from pvr_plugin.core import fields, overfit
from pvr_plugin.core.factsheet import drawdowns, returns
from pvr_plugin.core.factsheet.report import factsheet
from pvr_plugin.core.factsheet.statistics import RISK_STAT_KEYS, RETURN_STAT_KEYS, STATISTICS
from pvr_plugin.core.inversion import DEFINITIONS as INVERSION_DEFINITIONS
from pvr_plugin.core.inversion import analyze_inversions
from pvr_plugin.core.pvr import RISK_MODELS
from pvr_plugin.store.inputs import load_bucket_returns
from tests.conftest import INVERSION_CSV, REPO


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def names(definitions):
    return [d.name for d in definitions]


def flat_keys(doc, by_label=(), prefix=""):
    """Leaf keys of a JSON document, dotted; a list of records contributes its records' keys.

    ``by_label`` names the mappings keyed by data (bucket, month), which count as one leaf.
    """
    out = set()
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key not in by_label:
            out |= flat_keys(value, by_label, path + ".")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out |= {f"{path}.{k}" for k in value[0]}
        else:
            out.add(path)
    return out


def test_the_committed_page_is_the_generated_one():
    page = (REPO / "docs" / "definitions.md").read_text(encoding="utf-8")
    assert page == load_script("make_definitions").render(), "run: python docs/make_definitions.py"


def test_every_declared_name_has_a_row_and_an_anchor():
    page = (REPO / "docs" / "definitions.md").read_text(encoding="utf-8")
    rows = {line.split("</a>`", 1)[1].split("`", 1)[0] for line in page.splitlines() if line.startswith("| <a id=")}
    expected = {q.name for q in fields.QUANTITIES} | set(RISK_MODELS)
    expected |= {f"{s.group}_statistics.{s.key}" for s in STATISTICS}
    expected |= set(names(drawdowns.DEFINITIONS) + names(returns.DEFINITIONS))
    expected |= set(names(INVERSION_DEFINITIONS) + names(overfit.DEFINITIONS))
    assert rows == expected
    for q in fields.QUANTITIES:
        assert q.doc and f'<a id="{q.name}"></a>' in page, q.name


def test_inversion_definitions_are_the_json_keys():
    result = analyze_inversions(load_bucket_returns(INVERSION_CSV), rolling=12)
    assert len(result.episodes) and len(result.drawdowns)  # the table keys are seen
    declared = names(INVERSION_DEFINITIONS)
    assert len(declared) == len(set(declared))
    assert set(declared) == flat_keys(result.to_dict(), by_label=("mean_by_bucket",))


def test_factsheet_definitions_are_the_json_keys():
    rng = np.random.default_rng(3)
    r = pd.Series(rng.normal(0.0004, 0.01, 800), index=pd.bdate_range("2015-01-02", periods=800))
    doc = factsheet(r, benchmarks=["SP500"]).to_dict()
    assert [s.key for s in STATISTICS if s.group == "return"] == list(doc["return_statistics"])
    risk = {k for k in doc["risk_statistics"] if k not in ("primary_benchmark", "alpha_level")}
    assert set(RISK_STAT_KEYS) == risk and set(RETURN_STAT_KEYS) | risk == {s.key for s in STATISTICS}
    assert set(names(drawdowns.DEFINITIONS)) == {f"drawdowns.{k}" for k in doc["drawdowns"][0]}
    report_keys = {f"return_report.{k}" for k in next(iter(doc["return_report"].values()))}
    worst_keys = {f"worst_months.{k}" for k in doc["worst_months"][0]}
    assert set(names(returns.DEFINITIONS)) == {"monthly_returns", "yearly_returns"} | report_keys | worst_keys
    assert doc["monthly_returns"] and doc["yearly_returns"]


def test_overfitting_definitions_are_the_json_keys():
    rng = np.random.default_rng(5)
    m = pd.DataFrame(rng.normal(0.0005, 0.01, (160, 4)), columns=list("abcd"))
    pbo = overfit.probability_of_backtest_overfitting(m, partitions=8)
    deflated = overfit.deflated_sharpe(m)
    rank = overfit.rank_correlation([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0])
    assert np.isfinite(pbo.pbo) and np.isfinite(deflated.value) and np.isfinite(rank.rho)
    outputs = {"risked_returns"} | {f"pbo.{k}" for k in pbo.as_dict()}
    outputs |= {f"deflated.{k}" for k in deflated.as_dict()} | {f"rank_correlation.{k}" for k in vars(rank)}
    assert set(names(overfit.DEFINITIONS)) == outputs


@pytest.mark.parametrize("definitions", [INVERSION_DEFINITIONS, overfit.DEFINITIONS, drawdowns.DEFINITIONS,
                                         returns.DEFINITIONS], ids=["inversion", "overfit", "drawdowns", "returns"])
def test_definitions_are_complete(definitions):
    for d in definitions:
        assert d.unit in fields.UNITS and d.formula, d
