"""The shipped eight-hub scenario: it loads, solves to a verified optimal plan, and tells the
true story of East Data, West Computing."""

from __future__ import annotations

import pytest

import eastwest_opt as ew
from eastwest_opt.scenario.schema import SCHEMAS


@pytest.fixture(scope="module")
def scenario() -> ew.Scenario:
    return ew.load_scenario()


@pytest.fixture(scope="module")
def plan(scenario: ew.Scenario) -> ew.Plan:
    return ew.solve(scenario)


def test_shipped_scenario_has_the_promised_content(scenario: ew.Scenario) -> None:
    assert len(scenario.hubs) == 8
    assert set(scenario.hubs["hub_id"]) == {"bth", "yrd", "gba", "cc", "imo", "gz", "gs", "nx"}
    assert len(scenario.links) >= 12
    assert len(scenario.accelerators) >= 3
    assert set(scenario.accelerators["origin"]) == {"imported", "domestic"}
    assert len(scenario.jobs) >= 40
    assert len(scenario.datasets) >= 12
    assert len(scenario.data_classes) >= 4
    east = set(scenario.hubs.loc[scenario.hubs["macro_region"] == "east", "hub_id"])
    born_east = scenario.datasets["origin_hub"].isin(east).mean()
    assert born_east > 0.7, "datasets are born mostly in the eastern hubs"
    assert len(scenario.overrides) >= 1


def test_every_column_carries_a_unit_or_is_an_id_or_label() -> None:
    unitless = {
        "name",
        "label",
        "clusters",
        "province",
        "macro_region",
        "grid_region",
        "vendor",
        "origin",
        "count",
        "accel_count",
        "pue",
        "allowed_hubs",
        "staging_allowed",
        "legal_basis",
        "serving_hubs",
        "min_replicas",
        "min_grid_regions",
        "energy_subsidy_share",
        "hub_a",
        "hub_b",
        "origin_hub",
        "hours",  # a period's length: the name is the unit
        "start_time",
        "release_period",
        "deadline_period",
        "preemptible",
    }
    for schema in SCHEMAS.values():
        for col in schema.columns:
            if col.name.endswith("_id") or col.name in unitless:
                continue
            assert col.name.split("_")[-1] in {
                "kwh",
                "mw",
                "tb",
                "deg",
                "gbps",
                "ms",
                "km",
                "cny",
                "h",
                "accel",
                "month",
                "t",
            }, col.name


def test_shipped_plan_is_optimal_and_verified(plan: ew.Plan) -> None:
    assert plan.status == "optimal"
    assert plan.verified
    assert plan.gap is not None and plan.gap <= 1e-4
    assert plan.objective_cny == pytest.approx(plan.verification.costs_cny["total"], rel=1e-9)


def test_optimum_tells_the_east_data_west_computing_story(scenario: ew.Scenario, plan: ew.Plan) -> None:
    placed = plan.placements[plan.placements["status"] == "placed"]
    region = dict(zip(scenario.hubs["hub_id"], scenario.hubs["macro_region"], strict=True))
    classes = scenario.data_classes.set_index("class_id")
    public = placed[
        placed["class_id"].map(
            lambda c: classes.at[c, "allowed_hubs"] == "*" and bool(classes.at[c, "staging_allowed"])
        )
    ]
    west_share = (public["hub_id"].map(region) == "west").mean()
    assert west_share > 0.6, f"unrestricted training should move West, got {west_share:.0%}"
    origin_only = [c for c in classes.index if classes.at[c, "allowed_hubs"] == "origin"]
    origin = dict(zip(scenario.datasets["dataset_id"], scenario.datasets["origin_hub"], strict=True))
    confined = placed[placed["class_id"].isin(origin_only)]
    assert len(confined) > 0
    assert (confined["hub_id"] == confined["dataset_id"].map(origin)).all(), "confined data stays put"
    flows = plan.link_flows
    east_bound = flows[(flows["to_hub"].map(region) == "east") & (flows["from_hub"].map(region) == "west")]
    assert east_bound["artifact_tb"].sum() > 0, "trained artifacts travel back East"
    west_bound = flows[(flows["to_hub"].map(region) == "west") & (flows["from_hub"].map(region) == "east")]
    assert (west_bound["replication_tb"] + west_bound["staging_tb"]).sum() > 0, "data travels West"


def test_removing_a_link_changes_the_routes(scenario: ew.Scenario, plan: ew.Plan) -> None:
    flows = plan.link_flows
    restricted = plan.traffic[plan.traffic["zone"] != "*"]
    confined_arcs = set(zip(restricted["from_hub"], restricted["to_hub"], strict=True))
    free = flows[
        [
            (u, v) not in confined_arcs and (v, u) not in confined_arcs
            for u, v in zip(flows["from_hub"], flows["to_hub"], strict=True)
        ]
    ]
    busiest = free.sort_values("total_tb", ascending=False).iloc[0]
    cut = scenario.remove("links", busiest["link_id"])
    replanned = ew.solve(cut)
    assert replanned.verified
    assert busiest["link_id"] not in set(replanned.link_flows["link_id"])
    assert replanned.objective_cny >= plan.objective_cny - 1e-6
