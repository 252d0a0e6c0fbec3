"""Re-solving a built model after parameter changes gives the same plan as building anew."""

from __future__ import annotations

import pytest

import eastwest_opt as ew
from eastwest_opt.api import solve_model
from eastwest_opt.solver.placement import PlacementModel
from eastwest_opt.solver.status import SolveOptions

OPTS = SolveOptions(time_limit_s=60, mip_rel_gap=0.0)


@pytest.fixture(scope="module")
def base() -> ew.Scenario:
    return ew.load_scenario()


def _variants(base: ew.Scenario) -> list[tuple[str, ew.Scenario]]:
    west = ["cc", "imo", "gz", "gs", "nx"]
    cheap = base
    for h in west:
        price = float(base.hubs.loc[base.hubs["hub_id"] == h, "price_cny_per_kwh"].iloc[0])
        cheap = cheap.update("hubs", h, price_cny_per_kwh=round(price * 0.8, 4))
    return [
        ("western power -20%", cheap),
        ("Ningxia grid 4 MW", base.update("hubs", "nx", grid_mw=4.0)),
        ("bth-nx derated to 1 Gbps", base.update("links", "bth-nx", capacity_gbps=1.0)),
        ("carbon 600 CNY/t", base.with_settings(carbon_price_cny_per_t=600)),
        ("gs H800 inventory 0", base.update("hub_accelerators", ("gs", "h800"), count=0)),
        ("storage at yrd 5,000 TB", base.update("hubs", "yrd", storage_tb=5000.0)),
    ]


@pytest.mark.parametrize("warm", [False, True])
def test_parameter_changes_resolve_in_place_and_match_a_fresh_build(base: ew.Scenario, warm: bool) -> None:
    pm = PlacementModel.build(base)
    first = solve_model(pm, OPTS)
    model_id = id(pm.model)
    objectives = {first.objective_cny}
    for label, variant in _variants(base):
        assert pm.update(variant), label
        pm.timings.clear()
        plan = solve_model(pm, OPTS, warm_start=warm)
        fresh = ew.solve(variant, mip_rel_gap=0.0)
        assert plan.verified, label
        assert plan.objective_cny == pytest.approx(fresh.objective_cny, rel=1e-9), label
        assert id(pm.model) == model_id
        objectives.add(round(plan.objective_cny))
    assert len(objectives) == len(_variants(base)) + 1, "every variant changes the optimum"


def test_structural_changes_are_refused(base: ew.Scenario) -> None:
    pm = PlacementModel.build(base)
    assert not pm.update(base.remove("links", "yrd-gz"))
    assert not pm.update(base.update("links", "yrd-gz", capacity_gbps=0))
    assert not pm.update(base.update("hubs", "gs", pue=1.3))
    job = base.jobs.iloc[0]
    assert not pm.update(base.update("jobs", job["job_id"], runtime_h=float(job["runtime_h"]) + 1))
    assert not pm.update(base.with_settings(carbon_budget_t=1e6))
    assert pm.scenario is base
