"""Sweep parameter views on the shipped example: the same winners as the ledger rows, readable text, the report."""
import json
import re
import statistics

import numpy as np
import pytest

from pvr_plugin.store import RunLedger
from pvr_plugin.sweep.parameters import (
    best_run, heatmap_pair, heatmap_table, parameter_effects, parameter_winners,
)
from pvr_plugin.sweep.recorded import recorded_spec
from pvr_plugin.sweep.spec import load_spec
from pvr_plugin.views.sweep_views import effects_text, plot_parallel, plot_sweep_views, runs_text
from pvr_plugin.views.text_table import WIDTH
from tests.conftest import STRATEGIES, run_pvr
from tests.print_check import check_print

SWEEP_SPEC = STRATEGIES / "long_short_sweep.toml"


@pytest.fixture(scope="module")
def sweep(shipped_sweep):
    path, stdout = shipped_sweep
    spec = load_spec(SWEEP_SPEC)
    ledger = RunLedger(path)
    return spec, ledger, ledger.query(sweep_id=spec.sweep_id), stdout


def by_hand(results):
    """{parameter: {value: [PvR %/day, ...]}} from the ledger rows, plain Python."""
    groups = {}
    for params, figure, status in zip(results["params"], results["pvr_per_day_pct"], results["status"]):
        if status != "ok":
            continue
        for name, value in json.loads(params).items():
            groups.setdefault(name, {}).setdefault(value, []).append(figure)
    return groups


def test_views_pick_the_same_winners_as_the_ledger_rows(sweep):
    spec, ledger, results, _ = sweep
    assert len(results) == 6 and (results["status"] == "ok").all()
    groups = by_hand(results)
    expected = {name: max(values, key=lambda v: statistics.mean(values[v])) for name, values in groups.items()}
    assert parameter_winners(results) == expected
    effects = parameter_effects(results)
    assert effects["parameter"].tolist() == ["lookback"] * 3 + ["rebalance"] * 2
    assert effects.loc[effects["parameter"] == "lookback", "value"].tolist() == [63, 126, 252]
    for row in effects.itertuples(index=False):
        values = groups[row.parameter][row.value]
        assert row.runs == len(values) == (2 if row.parameter == "lookback" else 3)
        assert row.mean_pvr_per_day_pct == pytest.approx(statistics.mean(values), rel=1e-12)
        assert row.median_pvr_per_day_pct == pytest.approx(statistics.median(values), rel=1e-12)
        assert (row.worst_pvr_per_day_pct, row.best_pvr_per_day_pct) == (min(values), max(values))
    # the best run is the ledger's first row (ranked by PvR %/day), and its values
    top = results.iloc[0]
    assert best_run(results) == (int(top["run_id"]), json.loads(top["params"]))
    # the heat map: each cell one run here (2 parameters), its PvR %/day
    assert heatmap_pair(results) == ("lookback", "rebalance")
    table = heatmap_table(results)
    for params, figure in zip(results["params"], results["pvr_per_day_pct"]):
        p = json.loads(params)
        assert table.loc[p["lookback"], p["rebalance"]] == figure
    # the recorded spec gives the same sweep back
    again = recorded_spec(ledger, spec.sweep_id)
    assert again.sweep_id == spec.sweep_id and again.grid == spec.grid and again.folds == spec.folds
    assert again.combinations() == spec.combinations()


def test_end_of_pvr_sweep_is_readable(sweep):
    _, _, results, stdout = sweep
    assert "None" not in stdout and "error" not in stdout.split("\n\n")[0]
    lines = stdout.splitlines()
    header = next(ln for ln in lines if ln.startswith("run "))
    assert header.split()[:5] == ["run", "lookback", "rebalance", "PvR", "%/day"]
    rows = lines[lines.index(header) + 1:lines.index(header) + 7]
    assert [int(r.split()[0]) for r in rows] == [int(i) for i in results["run_id"]]  # best first
    for row, figure in zip(rows, results["pvr_per_day_pct"]):
        assert f" {figure:.4f} " in row and not re.search(r"\d\.\d{5,}", row)
    assert runs_text(results) in stdout and effects_text(results) in stdout
    assert max(len(line) for line in stdout.splitlines()) <= WIDTH
    # figures by unit: PvR % and QRet % with their sign, max risk in dollars
    top = results.iloc[0]
    assert f" {top['pvr_pct']:.2f}% " in rows[0] and f" ${top['max_risk_usd']:,.0f} " in rows[0]
    means = {name: {v: statistics.mean(f) for v, f in values.items()} for name, values in by_hand(results).items()}
    for line in effects_text(results).splitlines()[2:7]:
        name, value, runs, mean = line.split()[:4]
        key = int(value) if value.isdigit() else value
        assert mean == f"{means[name][key]:.4f}" and int(runs) == len(by_hand(results)[name][key])
    winner_line = [ln for ln in effects_text(results).splitlines() if "<- wins" in ln]
    assert [ln.split()[:2] for ln in winner_line] == [[k, str(v)] for k, v in parameter_winners(results).items()]
    assert "PBO of the PvR %/day ranking" in stdout


def test_failed_runs_are_listed_with_their_error_not_a_column():
    import pandas as pd

    results = pd.DataFrame({
        "run_id": [1, 2], "status": ["ok", "failed"], "params": ['{"k":1}', '{"k":2}'],
        "pvr_per_day_pct": [0.0123456, np.nan], "pvr_pct": [1.5, np.nan], "qret_pct": [0.5, np.nan],
        "max_risk_usd": [12345.6, np.nan], "max_leverage": [1.0, np.nan], "sharpe": [0.5, np.nan],
        "tag": ["0.0123 r0.5", None], "error": [None, "KeyError: 'k'"], "capital_usd": [1e6, 1e6],
    })
    text = runs_text(results)
    assert text.splitlines()[1].split()[:3] == ["1", "1", "0.0123"] and "12,346" in text
    assert "failed (1):\n  run 2 k=2: KeyError: 'k'" in text and "None" not in text and "nan" not in text


def test_many_parameters_float_values_and_long_errors_stay_within_120_columns():
    import pandas as pd

    grid = {f"parameter_number_{i}": 0.1 + 0.2 for i in range(9)}  # 0.30000000000000004
    params = json.dumps({**grid, "universe": "a very long universe name " * 3})
    results = pd.DataFrame({
        "run_id": [1, 2], "status": ["ok", "failed"], "params": [params, params],
        "pvr_per_day_pct": [0.0123456, np.nan], "pvr_pct": [1.5, np.nan], "qret_pct": [0.5, np.nan],
        "max_risk_usd": [1234567.8, np.nan], "max_leverage": [1.0, np.nan], "sharpe": [0.5, np.nan],
        "tag": ["0.0123 r0.5 a0.01 b0.20 s0.50 d-1.0", None], "capital_usd": [1e6, 1e6],
        "error": [None, "ValueError: " + "the data of this asset end before the session asked for; " * 4],
    })
    text = runs_text(results)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert "0.30000000000000004" not in text and " 0.3 " in text
    assert "$1,234,568" in text and "1.50%" in text and " 0.0123 " in text
    # the error is wrapped, not cut: all of it is there
    failed = " ".join(line.strip() for line in text.split("failed (1):\n")[1].splitlines())
    assert failed.endswith("the data of this asset end before the session asked for;")


def test_parallel_coordinates_and_heat_map_of_three_parameters(tmp_path):
    ledger = RunLedger(tmp_path / "runs.sqlite")
    rng = np.random.default_rng(5)
    for a in (1, 2, 3):
        for b in ("x", "y"):
            for c in (10, 20):
                figure = 0.01 * a + (0.02 if b == "y" else 0.0) + 0.001 * c + rng.normal(0, 1e-4)
                ledger.record({"sweep_id": "sw-three", "params": {"a": a, "b": b, "c": c},
                               "pvr_per_day_pct": figure})
    results = ledger.query(sweep_id="sw-three")
    # mean spreads by hand: a 0.02, b 0.02 (+ noise), c 0.01: the heat map takes a and b
    assert heatmap_pair(results) == ("a", "b")
    assert parameter_winners(results) == {"a": 3, "b": "y", "c": 20}
    fig = plot_sweep_views(results)
    assert len(fig.subfigs) == 3  # effects, heat map, parallel coordinates
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    plot_parallel(results, ax)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 4]
    assert len(lines) == 12
    best = max(lines, key=lambda ln: ln.get_linewidth())
    assert best.get_ydata()[-1] == 1.0  # the best run tops the PvR %/day axis
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "PvR %/day"]


def test_sweep_report_page(sweep, tmp_path, browser):
    spec, ledger, results, _ = sweep
    out = tmp_path / "sweep.html"
    proc = run_pvr("compare", "--sweep", spec.sweep_id, "--html", out, "--top", "4", "--ledger", ledger.path)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    for kind in ("ranked", "chart-pvr_pct", "settings", "parameters", "validation"):
        assert f'data-widget="{kind}"' in page
    assert "the best 4 of the sweep&#x27;s 6 successful runs are compared" in page
    ranked = page[page.index('data-widget="ranked"'):page.index('data-widget="chart-pvr_pct"')]
    assert [f"#{i} long_short" in ranked for i in results["run_id"]] == [True] * 4 + [False] * 2
    assert "PBO of the PvR %/day ranking (risked returns)" in page
    assert "Out of sample: in sample 2021-01-04 to 2021-12-31, out of sample 2022-01-03 to 2022-06-30" in page
    assert page.count("<svg") >= 5 + 2 + 4  # charts, the effects and the heat map, run swatches
    text = run_pvr("compare", "--sweep", spec.sweep_id, "--ledger", ledger.path)
    assert text.returncode == 0 and effects_text(results) in text.stdout and "in-sample winner" in text.stdout
    assert max(len(line) for line in text.stdout.splitlines()) <= WIDTH
    printed = check_print(browser, out, "a4")
    assert printed.overflows == [] and printed.pages >= 1
