"""Notebooks: plans, scenarios and sweep results show as HTML, and examples/planner.ipynb runs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

import eastwest_opt as ew
from eastwest_opt.plan.plan import read_plan
from eastwest_opt.sweeps import SweepResult

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "planner.ipynb"
PNG = 'src="data:image/png;base64,'


@pytest.fixture(scope="module")
def plan() -> ew.Plan:
    return ew.solve()


def test_a_plan_shows_its_facts_costs_hubs_and_map(plan: ew.Plan) -> None:
    page = plan._repr_html_()
    assert "<h3>Plan: eight-hubs</h3>" in page
    assert "<b>Status:</b> optimal, verified by the independent checker" in page
    assert "<h3>Costs over the planning window (CNY)</h3>" in page
    assert "<h4>Hub usage: what each hub uses of what it has</h4>" in page
    gansu = plan.hub_usage.set_index("hub_id").loc["gs"]
    assert f"<td>Gansu (W)</td><td>0.398</td><td>{int(gansu['jobs'])}</td>" in page
    assert page.count(PNG) == 1 and "No map" not in page


def test_a_plan_read_back_finds_its_scenario_and_one_without_shows_its_tables(plan: ew.Plan, tmp_path: Path) -> None:
    plan.write(tmp_path / "plan")
    back = read_plan(tmp_path / "plan")
    assert back.scenario is None and back.scenario_path is not None
    assert back._repr_html_().count(PNG) == 1
    back.scenario_path = None
    page = back._repr_html_()
    assert PNG not in page
    assert "No map: the plan carries no scenario" in page
    assert "<td>Total</td>" in page and "Hub usage" in page


def test_a_scenario_shows_its_counts_settings_and_hubs() -> None:
    page = ew.load_scenario()._repr_html_()
    assert "<h3>Scenario: eight-hubs</h3>" in page
    assert "<b>Tables:</b> 8 hubs, 15 links, 4 accelerators, " in page
    assert "51 jobs, " in page and "<h4>Settings</h4>" in page and "<h4>Hubs</h4>" in page
    assert "<td>carbon_budget_t</td>" in page and "<td>Ningxia</td>" in page
    assert "<summary>Jobs (51)</summary>" in page


def test_a_sweep_result_is_a_dataframe_that_shows_its_variants_and_plots(tmp_path: Path) -> None:
    spec = {
        "name": "gansu",
        "solver": {"threads": 1},
        "grid": [
            {
                "name": "gs_price",
                "values": [0.3, 0.4],
                "overrides": [{"table": "hubs", "id": "gs", "set": {"price_cny_per_kwh": "$value"}}],
            }
        ],
    }
    summary = ew.sweep(spec, out=tmp_path / "out", workers=1, progress=False)
    assert isinstance(summary, SweepResult) and isinstance(summary, pd.DataFrame)
    assert list(summary["variant_id"]) == ["gs_price=0.3", "gs_price=0.4"]
    assert type(summary[["variant_id", "status"]]) is pd.DataFrame  # what is computed from it is plain
    page = summary._repr_html_()
    outcome = summary.attrs["outcome"]
    assert (
        f"<h3>Sweep: gansu</h3><p>2 variants (2 optimal); 2 solved now, 0 kept from before, in {outcome.seconds:.1f}"
        in page
    )
    cheaper = summary.iloc[0]
    assert f"<td>gs_price=0.3</td><td>0.3</td><td>optimal</td><td>{cheaper['objective_cny'] / 1e6:,.3f}</td>" in page
    assert page.count(PNG) == min(len(outcome.plots), 4) >= 2


def _kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec that runs this very interpreter (the venv's python), found first on JUPYTER_PATH."""
    spec = tmp_path / "jupyter" / "kernels" / "eastwest-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "eastwest-opt", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return "eastwest-test"


def _html(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def test_the_example_notebook_runs_a_base_plan_and_two_what_ifs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "ship the notebook without outputs"
    client = NotebookClient(
        nb, kernel_name=_kernel(tmp_path, monkeypatch), timeout=600, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert "<h3>Scenario: eight-hubs</h3>" in _html(code[0])
    plans = [_html(c) for c in code[1:4]]
    for page in plans:
        assert "<h3>Plan: eight-hubs</h3>" in page and "optimal, verified by the independent checker" in page
        assert "Hub usage" in page and page.count(PNG) == 1
    assert "<td>Gansu (W)</td><td>0.320</td>" in plans[1]
    table = code[4].outputs[0]["data"]["text/plain"]
    costs = {
        name: float(re.search(rf"^{re.escape(name)}\s+([\d.]+)", table, re.M).group(1))
        for name in ("base", "Gansu at 0.32 CNY/kWh", "yrd-gz cut")
    }
    assert costs["Gansu at 0.32 CNY/kWh"] < costs["base"] <= costs["yrd-gz cut"]
