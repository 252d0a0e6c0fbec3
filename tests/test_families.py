"""One tiny instance per constraint family, solved and checked against a hand-computed optimum.

Each family is exercised twice: once where its constraint is slack (the cheap choice is taken)
and once where it binds (a dearer choice is forced). Every expected objective is worked out by
hand in a comment next to the scenario, and every plan must pass the independent verifier.

Arithmetic shared by every test (the defaults of ``builders.py``): a default job runs 1,000
accelerators of 1 kW for 100 h, i.e. 1 MW IT, so at PUE 1.0 it uses E = 100 MWh, and trains
for E * 1,000 kWh/MWh * price = 100,000 * price CNY. Carbon intensity defaults to 0.5 kg/kWh
(= t/MWh). A dataset is 10 TB. The window is 100 h, so storage lasts 100/730 months and a link
of C Gbit/s carries C * 100 * 0.45 = 45 * C TB per direction. Link costs default to 0.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from builders import tiny_scenario

import eastwest_opt as ew

REL = 1e-9
MONTHS = 100.0 / 730.0


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------
def run(sc: ew.Scenario) -> ew.Plan:
    """Solve and insist on an optimal, verified plan."""
    plan = ew.solve(sc)
    assert plan.status == "optimal"
    assert plan.verified, plan.verification.violations if plan.verification else "not verified"
    return plan


def scenario(tmp_path: Path, **kw: Any) -> ew.Scenario:
    kw.setdefault("datasets", [{"dataset_id": "d", "origin_hub": "a"}])
    kw.setdefault("jobs", [{"job_id": "j", "dataset_id": "d"}])
    return tiny_scenario(tmp_path / "s", **kw)


def hub_of(plan: ew.Plan, job: str) -> str | None:
    row = plan.placements.set_index("job_id").loc[job]
    return str(row["hub_id"]) if row["status"] == "placed" else None


def replicas(plan: ew.Plan, dataset: str = "d", kind: str = "durable") -> set[str]:
    r = plan.replicas
    return set(r.loc[(r["dataset_id"] == dataset) & (r["kind"] == kind), "hub_id"])


def arcs(plan: ew.Plan) -> dict[tuple[str, str], float]:
    """TB per directed arc, all kinds together; arcs that carry nothing are left out."""
    lf = plan.link_flows
    return {(u, v): float(t) for u, v, t in zip(lf["from_hub"], lf["to_hub"], lf["total_tb"], strict=True) if t > 1e-9}


def traffic(plan: ew.Plan) -> dict[tuple[str, str, str], float]:
    """Replication and staging TB per (kind, from, to)."""
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for t in plan.traffic.itertuples(index=False):
        out[t.kind, t.from_hub, t.to_hub] += float(t.tb)
    return dict(out)


def routes(plan: ew.Plan) -> dict[str, float]:
    """Artifact TB per route ("t>m>s")."""
    ar = plan.artifact_routes
    return {str(r): float(tb) for r, tb in zip(ar["route"], ar["tb"], strict=True)}


def cost(plan: ew.Plan, term: str) -> float:
    c = plan.costs
    return float(c.loc[c["term"] == term, "cost_cny"].iloc[0])


def gbps_for(tb: float) -> float:
    """Link speed that carries ``tb`` TB per direction over the 100 h window."""
    return tb / 45.0


def assert_flow_balance(plan: ew.Plan, sc: ew.Scenario) -> None:
    """Per traffic commodity, every hub but the source receives net exactly what it needs."""
    size = dict(zip(sc.datasets["dataset_id"], sc.datasets["size_tb"], strict=True))
    origin = dict(zip(sc.datasets["dataset_id"], sc.datasets["origin_hub"], strict=True))
    need: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in plan.replicas.itertuples(index=False):
        if r.kind == "durable" and r.hub_id != origin[r.dataset_id]:
            need["replication", origin[r.dataset_id]][r.hub_id] += size[r.dataset_id]
    for s in plan.staging.itertuples(index=False):
        need["staging", s.from_hub][s.to_hub] += float(s.tb)
    net: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for t in plan.traffic.itertuples(index=False):
        net[t.kind, t.source_hub][t.to_hub] += float(t.tb)
        net[t.kind, t.source_hub][t.from_hub] -= float(t.tb)
    for key in set(need) | set(net):
        source = key[1]
        for hub in set(need[key]) | set(net[key]):
            if hub != source:
                assert net[key][hub] == pytest.approx(need[key][hub], abs=1e-6), (key, hub)


# ---------------------------------------------------------------------------------
# assignment
# ---------------------------------------------------------------------------------
ONE_HUB = [{"hub_id": "a"}]


def test_assignment_job_is_placed_when_its_penalty_is_dearer(tmp_path: Path) -> None:
    # training at a: 100,000 * 0.5 = 50,000 < penalty 60,000 -> placed
    plan = run(
        scenario(tmp_path, hubs=ONE_HUB, jobs=[{"job_id": "j", "dataset_id": "d", "unplaced_penalty_cny": 60000}])
    )
    assert plan.objective_cny == pytest.approx(50000.0, rel=REL)
    assert hub_of(plan, "j") == "a"
    assert cost(plan, "unplaced_penalty") == 0.0


def test_assignment_job_is_left_unplaced_when_its_penalty_is_cheaper(tmp_path: Path) -> None:
    # training at a: 50,000 > penalty 30,000 -> unplaced, objective = 30,000; the origin replica stays
    plan = run(
        scenario(tmp_path, hubs=ONE_HUB, jobs=[{"job_id": "j", "dataset_id": "d", "unplaced_penalty_cny": 30000}])
    )
    assert plan.objective_cny == pytest.approx(30000.0, rel=REL)
    assert hub_of(plan, "j") is None
    assert plan.placements.set_index("job_id").at["j", "status"] == "unplaced"
    assert cost(plan, "unplaced_penalty") == pytest.approx(30000.0, rel=REL)
    assert cost(plan, "energy") == 0.0
    assert replicas(plan) == {"a"}


def test_assignment_allow_unplaced_false_ignores_the_penalty(tmp_path: Path) -> None:
    # same job, but leaving jobs unplaced is switched off: it must train, 50,000
    sc = scenario(tmp_path, hubs=ONE_HUB, jobs=[{"job_id": "j", "dataset_id": "d", "unplaced_penalty_cny": 30000}])
    plan = run(sc.with_settings(allow_unplaced=False))
    assert plan.objective_cny == pytest.approx(50000.0, rel=REL)
    assert hub_of(plan, "j") == "a"


def test_assignment_must_place_job_is_placed_at_any_price(tmp_path: Path) -> None:
    # price 2.0: each job costs 200,000 to train. "opt" has a 30,000 penalty -> unplaced;
    # "must" has no penalty -> placed anyway. Objective = 30,000 + 200,000 = 230,000
    jobs = [
        {"job_id": "opt", "dataset_id": "d", "unplaced_penalty_cny": 30000},
        {"job_id": "must", "dataset_id": "d"},
    ]
    plan = run(scenario(tmp_path, hubs=[{"hub_id": "a", "price_cny_per_kwh": 2.0}], jobs=jobs))
    assert plan.objective_cny == pytest.approx(230000.0, rel=REL)
    assert hub_of(plan, "opt") is None
    assert hub_of(plan, "must") == "a"
    assert cost(plan, "energy") == pytest.approx(200000.0, rel=REL)
    assert cost(plan, "unplaced_penalty") == pytest.approx(30000.0, rel=REL)


# ---------------------------------------------------------------------------------
# durable_replicas
# ---------------------------------------------------------------------------------
# a (origin, R1, 0.4) -- 20 CNY/TB -- b (R1), a -- 30 CNY/TB -- c (R2); the job trains at a.
REPLICA_HUBS = [
    {"hub_id": "a", "price_cny_per_kwh": 0.4},
    {"hub_id": "b"},
    {"hub_id": "c", "grid_region": "R2"},
]
REPLICA_LINKS = [
    {"link_id": "ab", "hub_a": "a", "hub_b": "b", "cost_cny_per_tb": 20},
    {"link_id": "ac", "hub_a": "a", "hub_b": "c", "cost_cny_per_tb": 30},
]


@pytest.mark.parametrize(
    ("min_replicas", "expected", "hubs"),
    [
        (1, 40000.0, {"a"}),  # energy 100,000 * 0.4 = 40,000; the origin replica suffices
        (2, 40200.0, {"a", "b"}),  # + 10 TB * 20 to the cheaper second hub b
        (3, 40500.0, {"a", "b", "c"}),  # + 10 TB * 20 + 10 TB * 30
    ],
)
def test_durable_replicas_count(tmp_path: Path, min_replicas: int, expected: float, hubs: set[str]) -> None:
    ds = [{"dataset_id": "d", "origin_hub": "a", "min_replicas": min_replicas}]
    plan = run(scenario(tmp_path, hubs=REPLICA_HUBS, links=REPLICA_LINKS, datasets=ds))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j") == "a"
    assert replicas(plan) == hubs
    assert replicas(plan, kind="staged") == set()


@pytest.mark.parametrize(
    ("regions", "expected", "hubs"),
    [
        (1, 40200.0, {"a", "b"}),  # two replicas, second at b in the same region: 40,000 + 10 * 20
        (2, 40300.0, {"a", "c"}),  # second region forced: c, 40,000 + 10 * 30
    ],
)
def test_durable_replicas_spread_over_grid_regions(
    tmp_path: Path, regions: int, expected: float, hubs: set[str]
) -> None:
    ds = [{"dataset_id": "d", "origin_hub": "a", "min_replicas": 2, "min_grid_regions": regions}]
    plan = run(scenario(tmp_path, hubs=REPLICA_HUBS, links=REPLICA_LINKS, datasets=ds))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert replicas(plan) == hubs
    assert arcs(plan) == pytest.approx({("a", next(iter(hubs - {"a"}))): 10.0})


def test_durable_replicas_region_spread_alone_forces_a_second_replica(tmp_path: Path) -> None:
    # min_replicas 1 but two grid regions: a (R1) alone does not do; cheapest R2 hub is c -> 40,300
    ds = [{"dataset_id": "d", "origin_hub": "a", "min_replicas": 1, "min_grid_regions": 2}]
    plan = run(scenario(tmp_path, hubs=REPLICA_HUBS, links=REPLICA_LINKS, datasets=ds))
    assert plan.objective_cny == pytest.approx(40300.0, rel=REL)
    assert replicas(plan) == {"a", "c"}
    assert set(plan.replicas["grid_region"]) == {"R1", "R2"}


def test_durable_replicas_origin_is_always_kept(tmp_path: Path) -> None:
    # the job trains at b (100,000 * 0.4 = 40,000; at a it would cost 60,000). Storage at the
    # origin a costs 730 CNY/TB-month: 10 TB * 730 * 100/730 = 1,000. Dropping the origin replica
    # would save it, but the origin always keeps one: 40,000 + 1,000 = 41,000 (b's storage is free)
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.6, "storage_price_cny_per_tb_month": 730.0},
        {"hub_id": "b", "price_cny_per_kwh": 0.4},
    ]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    plan = run(scenario(tmp_path, hubs=hubs, links=links))
    assert plan.objective_cny == pytest.approx(41000.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    assert "a" in replicas(plan)
    origin = plan.replicas[plan.replicas["is_origin"].astype(bool)]
    assert list(origin["hub_id"]) == ["a"] and list(origin["kind"]) == ["durable"]
    assert cost(plan, "storage") == pytest.approx(1000.0, rel=REL)


# ---------------------------------------------------------------------------------
# staging
# ---------------------------------------------------------------------------------
# a (origin, R1, 0.6), b (R2, 0.55), c (R1, 0.4); links a-b 10, b-c 10, a-c 50 CNY/TB.
# The dataset needs two grid regions, so b (the only R2 hub) keeps a durable replica:
# replication a->b costs 10 TB * 10 = 100.
STAGING_HUBS = [
    {"hub_id": "a", "price_cny_per_kwh": 0.6},
    {"hub_id": "b", "price_cny_per_kwh": 0.55, "grid_region": "R2"},
    {"hub_id": "c", "price_cny_per_kwh": 0.4},
]
STAGING_LINKS = [
    {"link_id": "ab", "hub_a": "a", "hub_b": "b", "cost_cny_per_tb": 10},
    {"link_id": "bc", "hub_a": "b", "hub_b": "c", "cost_cny_per_tb": 10},
    {"link_id": "ac", "hub_a": "a", "hub_b": "c", "cost_cny_per_tb": 50},
]
STAGING_DATASET = [{"dataset_id": "d", "origin_hub": "a", "class_id": "cls", "min_grid_regions": 2}]


def _staging(tmp_path: Path, staging_allowed: bool, **hub_changes: Any) -> ew.Scenario:
    hubs = [dict(h, **hub_changes) if h["hub_id"] == "c" else h for h in STAGING_HUBS]
    classes = [{"class_id": "cls", "allowed_hubs": "*", "staging_allowed": staging_allowed}]
    return scenario(tmp_path, hubs=hubs, links=STAGING_LINKS, datasets=STAGING_DATASET, classes=classes)


def test_staging_copy_comes_from_the_cheapest_replica_hub(tmp_path: Path) -> None:
    # train at c (40,000). Options for the data at c:
    #   staged from b:          b->c 10 * 10 = 100            -> 40,000 + 100 + 100 = 40,200  <- optimum
    #   staged from a:          a->b->c 10 * 20 = 200          -> 40,300
    #   durable replica at c:   from the origin, a->b->c: 200  -> 40,300
    # training at b costs 55,000 + 100, at a 60,000 + 100.
    sc = _staging(tmp_path, staging_allowed=True)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(40200.0, rel=REL)
    assert hub_of(plan, "j") == "c"
    assert replicas(plan) == {"a", "b"}
    assert replicas(plan, kind="staged") == {"c"}
    assert plan.staging[["dataset_id", "to_hub", "from_hub"]].values.tolist() == [["d", "c", "b"]]
    assert float(plan.staging["tb"].iloc[0]) == pytest.approx(10.0)
    assert plan.placements.set_index("job_id").at["j", "data_source"] == "staged"
    assert traffic(plan) == pytest.approx({("replication", "a", "b"): 10.0, ("staging", "b", "c"): 10.0})
    assert_flow_balance(plan, sc)


def test_staging_forbidden_forces_a_durable_replica(tmp_path: Path) -> None:
    # the class forbids staging: c must hold a durable replica, copied from the origin over
    # a->b->c (a->b carries 20 TB, b->c 10 TB): 40,000 + 200 + 100 = 40,300
    plan = run(_staging(tmp_path, staging_allowed=False))
    assert plan.objective_cny == pytest.approx(40300.0, rel=REL)
    assert hub_of(plan, "j") == "c"
    assert replicas(plan) == {"a", "b", "c"}
    assert replicas(plan, kind="staged") == set()
    assert plan.staging.empty
    assert arcs(plan) == pytest.approx({("a", "b"): 20.0, ("b", "c"): 10.0})
    assert cost(plan, "transfer") == pytest.approx(300.0, rel=REL)


def test_staging_forbidden_and_no_room_forces_training_at_a_replica_hub(tmp_path: Path) -> None:
    # as above, but c stores only 5 TB: no replica there, so the job trains at a replica hub,
    # the cheaper of a (60,000) and b (55,000): 55,000 + 100 (replication a->b) = 55,100
    plan = run(_staging(tmp_path, staging_allowed=False, storage_tb=5.0))
    assert plan.objective_cny == pytest.approx(55100.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    assert replicas(plan) == {"a", "b"}
    assert plan.placements.set_index("job_id").at["j", "data_source"] == "replica"


# ---------------------------------------------------------------------------------
# hub_power
# ---------------------------------------------------------------------------------
def _power(tmp_path: Path, grid_mw: float, pue: float = 1.0, jobs: int = 1) -> ew.Scenario:
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.6},
        {"hub_id": "b", "price_cny_per_kwh": 0.4, "grid_mw": grid_mw, "pue": pue},
    ]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    job_rows = [{"job_id": f"j{i}", "dataset_id": "d"} for i in range(jobs)]
    return scenario(tmp_path, hubs=hubs, links=links, jobs=job_rows)


@pytest.mark.parametrize(
    ("grid_mw", "pue", "expected", "hub"),
    [
        (1.0, 1.0, 40000.0, "b"),  # 1 MW IT * 1.0 = 1.0 MW fits 1.0 MW: 100,000 * 0.4
        (0.99, 1.0, 60000.0, "a"),  # 1.0 MW > 0.99 MW: trains at a, 100,000 * 0.6
        (1.2, 1.2, 48000.0, "b"),  # 1 MW * PUE 1.2 = 1.2 MW fits: 120 MWh * 400 = 48,000
        (1.19, 1.2, 60000.0, "a"),  # PUE makes it 1.2 MW > 1.19 MW: a
    ],
)
def test_hub_power(tmp_path: Path, grid_mw: float, pue: float, expected: float, hub: str) -> None:
    plan = run(_power(tmp_path, grid_mw, pue))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j0") == hub
    usage = plan.hub_usage.set_index("hub_id")
    assert usage.at[hub, "meter_mw"] == pytest.approx(pue if hub == "b" else 1.0)


def test_hub_power_splits_two_jobs(tmp_path: Path) -> None:
    # two 1 MW jobs, b has 1.5 MW: one at b (40,000), one at a (60,000) = 100,000; with 2 MW both at b
    plan = run(_power(tmp_path, 1.5, jobs=2))
    assert plan.objective_cny == pytest.approx(100000.0, rel=REL)
    assert sorted([hub_of(plan, "j0"), hub_of(plan, "j1")]) == ["a", "b"]
    plan = run(_power(tmp_path / "two", 2.0, jobs=2))
    assert plan.objective_cny == pytest.approx(80000.0, rel=REL)
    assert [hub_of(plan, "j0"), hub_of(plan, "j1")] == ["b", "b"]


# ---------------------------------------------------------------------------------
# accelerator_inventory
# ---------------------------------------------------------------------------------
ACCELS = [
    {"accel_id": "gpu", "name": "GPU", "origin": "imported", "kw_per_accel": 1.0},
    {"accel_id": "npu", "name": "NPU", "origin": "domestic", "kw_per_accel": 0.8},
]
NPU_OVERRIDE = [{"job_id": "j", "hub_id": "b", "accel_id": "npu", "accel_count": 1000, "runtime_h": 140.0}]


def _inventory(tmp_path: Path, gpu_b: int, npu_b: int, overrides: list[dict[str, Any]] | None = None) -> ew.Scenario:
    hubs = [{"hub_id": "a", "price_cny_per_kwh": 0.6}, {"hub_id": "b", "price_cny_per_kwh": 0.4}]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    inventory = [
        {"hub_id": "a", "accel_id": "gpu", "count": 10000},
        {"hub_id": "b", "accel_id": "gpu", "count": gpu_b},
        {"hub_id": "b", "accel_id": "npu", "count": npu_b},
    ]
    return scenario(tmp_path, hubs=hubs, links=links, accelerators=ACCELS, inventory=inventory, overrides=overrides)


@pytest.mark.parametrize(
    ("gpu_b", "expected", "hub"),
    [
        (1000, 40000.0, "b"),  # 1,000 GPUs needed, 1,000 at b: 100,000 * 0.4
        (999, 60000.0, "a"),  # one GPU short at b (10,000 NPUs do not help without an override): a
    ],
)
def test_accelerator_inventory_per_type(tmp_path: Path, gpu_b: int, expected: float, hub: str) -> None:
    plan = run(_inventory(tmp_path, gpu_b, 10000))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j") == hub
    used = plan.accelerator_usage.set_index(["hub_id", "accel_id"])["used"]
    assert used[hub, "gpu"] == 1000
    assert used["b", "npu"] == 0


def test_accelerator_inventory_override_switches_to_a_domestic_type(tmp_path: Path) -> None:
    # at b the job runs on 1,000 NPUs of 0.8 kW for 140 h: 0.8 MW * 140 h = 112 MWh * 400 = 44,800,
    # cheaper than 60,000 at a (b has no spare GPUs anyway)
    plan = run(_inventory(tmp_path, 0, 10000, NPU_OVERRIDE))
    assert plan.objective_cny == pytest.approx(44800.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    row = plan.placements.set_index("job_id").loc["j"]
    assert (row["accel_id"], int(row["accel_count"])) == ("npu", 1000)
    assert float(row["runtime_h"]) == pytest.approx(140.0)
    assert float(row["energy_mwh"]) == pytest.approx(112.0)
    assert float(row["meter_mw"]) == pytest.approx(0.8)


def test_accelerator_inventory_domestic_type_short_sends_the_job_back(tmp_path: Path) -> None:
    # the override asks for 1,000 NPUs at b, b has 999: the job trains on GPUs at a, 60,000
    plan = run(_inventory(tmp_path, 10000, 999, NPU_OVERRIDE))
    assert plan.objective_cny == pytest.approx(60000.0, rel=REL)
    assert hub_of(plan, "j") == "a"
    assert plan.placements.set_index("job_id").at["j", "accel_id"] == "gpu"


# ---------------------------------------------------------------------------------
# storage
# ---------------------------------------------------------------------------------
def _storage(tmp_path: Path, storage_b: float, two: bool = False) -> ew.Scenario:
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.6},
        {"hub_id": "b", "price_cny_per_kwh": 0.4, "storage_tb": storage_b},
    ]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    if not two:
        return scenario(tmp_path, hubs=hubs, links=links)
    datasets = [{"dataset_id": "d1", "origin_hub": "a"}, {"dataset_id": "d2", "origin_hub": "a"}]
    jobs = [{"job_id": "j1", "dataset_id": "d1"}, {"job_id": "j2", "dataset_id": "d2", "accel_count": 2000}]
    return scenario(tmp_path, hubs=hubs, links=links, datasets=datasets, jobs=jobs)


@pytest.mark.parametrize(
    ("storage_b", "expected", "hub"),
    [
        (10.0, 40000.0, "b"),  # the 10 TB copy fits exactly at b: 100,000 * 0.4
        (9.5, 60000.0, "a"),  # no room for the data at b: trains at the origin a, 60,000
    ],
)
def test_storage(tmp_path: Path, storage_b: float, expected: float, hub: str) -> None:
    plan = run(_storage(tmp_path, storage_b))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j") == hub
    on_b = plan.replicas[plan.replicas["hub_id"] == "b"]
    assert len(on_b) == (1 if hub == "b" else 0)


@pytest.mark.parametrize(
    ("storage_b", "expected", "at_b"),
    [
        # both copies fit (20 TB): j1 40,000 + j2 (2 MW) 80,000 = 120,000
        (20.0, 120000.0, {"j1", "j2"}),
        # one copy only: the bigger job j2 goes to b: 80,000 + j1 at a 60,000 = 140,000
        # (the other way round: 40,000 + 120,000 = 160,000)
        (15.0, 140000.0, {"j2"}),
    ],
)
def test_storage_shared_by_two_datasets(tmp_path: Path, storage_b: float, expected: float, at_b: set[str]) -> None:
    plan = run(_storage(tmp_path, storage_b, two=True))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert {j for j in ("j1", "j2") if hub_of(plan, j) == "b"} == at_b
    assert plan.hub_usage.set_index("hub_id").at["b", "storage_used_tb"] == pytest.approx(10.0 * len(at_b))


# ---------------------------------------------------------------------------------
# link_capacity and flow_conservation
# ---------------------------------------------------------------------------------
# a (origin, 0.6), m (0.6), b (0.4). Direct a-b at 10 CNY/TB; a-m and m-b at 15 each (30 over 2 hops).
ROUTING_HUBS = [
    {"hub_id": "a", "price_cny_per_kwh": 0.6},
    {"hub_id": "m", "price_cny_per_kwh": 0.6},
    {"hub_id": "b", "price_cny_per_kwh": 0.4},
]
ROUTING_LINKS = [
    {"link_id": "ab", "hub_a": "a", "hub_b": "b", "cost_cny_per_tb": 10},
    {"link_id": "am", "hub_a": "a", "hub_b": "m", "cost_cny_per_tb": 15},
    {"link_id": "mb", "hub_a": "m", "hub_b": "b", "cost_cny_per_tb": 15},
]


@pytest.fixture
def routing(tmp_path: Path) -> ew.Scenario:
    return scenario(tmp_path, hubs=ROUTING_HUBS, links=ROUTING_LINKS)


def test_link_capacity_not_binding_takes_the_direct_link(routing: ew.Scenario) -> None:
    # 10 TB a->b direct: 100; energy at b 40,000 -> 40,100
    plan = run(routing)
    assert plan.objective_cny == pytest.approx(40100.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    assert arcs(plan) == pytest.approx({("a", "b"): 10.0})
    assert_flow_balance(plan, routing)


def test_link_capacity_derated_splits_over_two_hops(routing: ew.Scenario) -> None:
    # a-b derated to 0.1 Gbit/s = 0.1 * 100 h * 0.45 = 4.5 TB: 4.5 TB direct (45) and
    # 5.5 TB over a->m->b (5.5 * 30 = 165): 40,000 + 210 = 40,210
    sc = routing.update("links", "ab", capacity_gbps=0.1)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(40210.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    assert arcs(plan) == pytest.approx({("a", "b"): 4.5, ("a", "m"): 5.5, ("m", "b"): 5.5})
    flows = plan.link_flows.set_index(["from_hub", "to_hub"])
    assert flows.at[("a", "b"), "utilisation"] == pytest.approx(1.0)
    assert flows.at[("a", "b"), "capacity_tb"] == pytest.approx(4.5)
    # flow conservation at the transit hub m: in = out
    assert flows.at[("a", "m"), "total_tb"] == pytest.approx(flows.at[("m", "b"), "total_tb"])
    assert_flow_balance(plan, sc)


@pytest.mark.parametrize("cut", ["remove", "zero"])
def test_link_capacity_cut_link_reroutes(routing: ew.Scenario, cut: str) -> None:
    # without a-b all 10 TB go a->m->b: 10 * 30 = 300 -> 40,300
    sc = routing.remove("links", "ab") if cut == "remove" else routing.update("links", "ab", capacity_gbps=0)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(40300.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    assert arcs(plan) == pytest.approx({("a", "m"): 10.0, ("m", "b"): 10.0})
    assert_flow_balance(plan, sc)


def test_link_capacity_too_small_everywhere_keeps_the_job_home(routing: ew.Scenario) -> None:
    # a-b 4.5 TB and a-m 0.1 Gbit/s = 4.5 TB: at most 9 TB reach b, the copy is 10 TB, so the job
    # trains at the origin (60,000); m cannot be reached with 10 TB either (4.5 + 4.5 via b)
    sc = routing.update("links", "ab", capacity_gbps=0.1).update("links", "am", capacity_gbps=0.1)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(60000.0, rel=REL)
    assert hub_of(plan, "j") == "a"
    assert arcs(plan) == {}


# ---------------------------------------------------------------------------------
# localization
# ---------------------------------------------------------------------------------
def test_localization_origin_only_class_keeps_the_job_at_the_origin(tmp_path: Path) -> None:
    # public: job at b, 40,000 (free link). Origin-only class: job at a, 60,000; no copy leaves a
    hubs = [{"hub_id": "a", "price_cny_per_kwh": 0.6}, {"hub_id": "b", "price_cny_per_kwh": 0.4}]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    classes = [
        {"class_id": "public", "allowed_hubs": "*", "staging_allowed": True},
        {"class_id": "local", "allowed_hubs": "origin", "staging_allowed": True},
    ]
    sc = scenario(tmp_path, hubs=hubs, links=links, classes=classes)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(40000.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    plan = run(sc.update("datasets", "d", class_id="local"))
    assert plan.objective_cny == pytest.approx(60000.0, rel=REL)
    assert hub_of(plan, "j") == "a"
    assert set(plan.replicas["hub_id"]) == {"a"}
    assert plan.traffic.empty


def test_localization_job_restriction(tmp_path: Path) -> None:
    # the job itself may train only at a: 60,000 although b would cost 40,000
    hubs = [{"hub_id": "a", "price_cny_per_kwh": 0.6}, {"hub_id": "b", "price_cny_per_kwh": 0.4}]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    plan = run(
        scenario(tmp_path, hubs=hubs, links=links, jobs=[{"job_id": "j", "dataset_id": "d", "allowed_hubs": "a"}])
    )
    assert plan.objective_cny == pytest.approx(60000.0, rel=REL)
    assert hub_of(plan, "j") == "a"


# a (origin, 0.6), b (0.4), x (outside the class's set); a-b direct 50 CNY/TB, a-x-b 5 + 5.
SET_LINKS = [
    {"link_id": "ab", "hub_a": "a", "hub_b": "b", "cost_cny_per_tb": 50},
    {"link_id": "ax", "hub_a": "a", "hub_b": "x", "cost_cny_per_tb": 5},
    {"link_id": "xb", "hub_a": "x", "hub_b": "b", "cost_cny_per_tb": 5},
]
SET_CLASSES = [
    {"class_id": "public", "allowed_hubs": "*", "staging_allowed": True},
    {"class_id": "pair", "allowed_hubs": "a;b", "staging_allowed": True},
]


def _hub_set(tmp_path: Path, price_x: float) -> ew.Scenario:
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.6},
        {"hub_id": "b", "price_cny_per_kwh": 0.4},
        {"hub_id": "x", "price_cny_per_kwh": price_x},
    ]
    return scenario(tmp_path, hubs=hubs, links=SET_LINKS, classes=SET_CLASSES)


def test_localization_hub_set_keeps_traffic_inside_the_set(tmp_path: Path) -> None:
    # public: job at b, data a->x->b at 10 * 10 = 100 -> 40,100
    # class a;b: the copy may not cross x: a->b direct 10 * 50 = 500 -> 40,500
    sc = _hub_set(tmp_path, 0.5)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(40100.0, rel=REL)
    assert arcs(plan) == pytest.approx({("a", "x"): 10.0, ("x", "b"): 10.0})
    plan = run(sc.update("datasets", "d", class_id="pair"))
    assert plan.objective_cny == pytest.approx(40500.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    assert arcs(plan) == pytest.approx({("a", "b"): 10.0})
    assert set(plan.traffic["zone"]) == {"pair"}


def test_localization_hub_set_excludes_a_cheaper_outside_hub(tmp_path: Path) -> None:
    # x at 0.3: public trains at x, 30,000 + a->x 10 * 5 = 30,050; class a;b: b at 40,500
    sc = _hub_set(tmp_path, 0.3)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(30050.0, rel=REL)
    assert hub_of(plan, "j") == "x"
    plan = run(sc.update("datasets", "d", class_id="pair"))
    assert plan.objective_cny == pytest.approx(40500.0, rel=REL)
    assert hub_of(plan, "j") == "b"
    assert "x" not in set(plan.replicas["hub_id"])


# ---------------------------------------------------------------------------------
# artifact_delivery
# ---------------------------------------------------------------------------------
def _far(tmp_path: Path, bound: float | str) -> ew.Scenario:
    # a (origin, 0.6), f (far, 0.3), s (serving, 0.7). a-f 40 ms free, f-s 40 ms free,
    # a-s 5 ms at 100 CNY/TB. The job sends 1 TB of artifacts to s.
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.6},
        {"hub_id": "f", "price_cny_per_kwh": 0.3},
        {"hub_id": "s", "price_cny_per_kwh": 0.7},
    ]
    links = [
        {"link_id": "af", "hub_a": "a", "hub_b": "f", "latency_ms": 40.0},
        {"link_id": "fs", "hub_a": "f", "hub_b": "s", "latency_ms": 40.0},
        {"link_id": "as", "hub_a": "a", "hub_b": "s", "latency_ms": 5.0, "cost_cny_per_tb": 100},
    ]
    job = {"job_id": "j", "dataset_id": "d", "artifact_tb": 1.0, "serving_hubs": "s", "max_latency_ms": bound}
    return scenario(tmp_path, hubs=hubs, links=links, jobs=[job])


@pytest.mark.parametrize("bound", ["", 50.0])
def test_artifact_delivery_bound_not_binding(tmp_path: Path, bound: float | str) -> None:
    # f->s takes 40 ms (<= 50 or no bound): train at f, 30,000; data and artifacts on free links
    plan = run(_far(tmp_path, bound))
    assert plan.objective_cny == pytest.approx(30000.0, rel=REL)
    assert hub_of(plan, "j") == "f"
    assert routes(plan) == pytest.approx({"f>s": 1.0})


def test_artifact_delivery_bound_excludes_the_far_cheap_hub(tmp_path: Path) -> None:
    # bound 30 ms: f->s (40) and f->a->s (45) too slow, f is out. At a the only route within
    # 30 ms is a->s (5 ms, 100 CNY/TB; a->f->s is free but 80 ms): 60,000 + 100 = 60,100.
    # At s no artifacts travel but energy is 70,000.
    plan = run(_far(tmp_path, 30.0))
    assert plan.objective_cny == pytest.approx(60100.0, rel=REL)
    assert hub_of(plan, "j") == "a"
    assert routes(plan) == pytest.approx({"a>s": 1.0})
    row = plan.artifact_routes.iloc[0]
    assert float(row["latency_ms"]) == pytest.approx(5.0)
    assert float(row["max_latency_ms"]) == pytest.approx(30.0)


def _artifacts(tmp_path: Path, bound: float | str = "") -> ew.Scenario:
    # t (origin, 0.4), m (0.5), s (0.6). t-s 5 ms at 10 CNY/TB; t-m and m-s 5 ms at 15 each.
    # The job sends 10 TB of artifacts to s.
    hubs = [
        {"hub_id": "t", "price_cny_per_kwh": 0.4},
        {"hub_id": "m", "price_cny_per_kwh": 0.5},
        {"hub_id": "s", "price_cny_per_kwh": 0.6},
    ]
    links = [
        {"link_id": "ts", "hub_a": "t", "hub_b": "s", "cost_cny_per_tb": 10},
        {"link_id": "tm", "hub_a": "t", "hub_b": "m", "cost_cny_per_tb": 15},
        {"link_id": "ms", "hub_a": "m", "hub_b": "s", "cost_cny_per_tb": 15},
    ]
    job = {"job_id": "j", "dataset_id": "d", "artifact_tb": 10.0, "serving_hubs": "s", "max_latency_ms": bound}
    return scenario(tmp_path, hubs=hubs, links=links, jobs=[job], datasets=[{"dataset_id": "d", "origin_hub": "t"}])


def test_artifact_delivery_direct_route(tmp_path: Path) -> None:
    # train at the origin t (40,000, no data moves); 10 TB t->s direct: 100 -> 40,100
    plan = run(_artifacts(tmp_path))
    assert plan.objective_cny == pytest.approx(40100.0, rel=REL)
    assert hub_of(plan, "j") == "t"
    assert routes(plan) == pytest.approx({"t>s": 10.0})


def test_artifact_delivery_split_over_a_two_hop_route(tmp_path: Path) -> None:
    # t-s derated to 4.5 TB: 4.5 TB direct (45) + 5.5 TB over t->m->s (165): 40,000 + 210 = 40,210
    plan = run(_artifacts(tmp_path).update("links", "ts", capacity_gbps=0.1))
    assert plan.objective_cny == pytest.approx(40210.0, rel=REL)
    assert hub_of(plan, "j") == "t"
    assert routes(plan) == pytest.approx({"t>s": 4.5, "t>m>s": 5.5})
    assert arcs(plan) == pytest.approx({("t", "s"): 4.5, ("t", "m"): 5.5, ("m", "s"): 5.5})


def test_artifact_delivery_removed_link_routes_over_two_hops(tmp_path: Path) -> None:
    # without t-s: 10 TB over t->m->s at 30 = 300 -> 40,300
    plan = run(_artifacts(tmp_path).remove("links", "ts"))
    assert plan.objective_cny == pytest.approx(40300.0, rel=REL)
    assert routes(plan) == pytest.approx({"t>m>s": 10.0})
    assert float(plan.artifact_routes["latency_ms"].iloc[0]) == pytest.approx(10.0)


def test_artifact_delivery_bound_and_capacity_move_the_job(tmp_path: Path) -> None:
    # t-s holds 4.5 TB and the bound of 8 ms rules out t->m->s (10 ms): from t only 4.5 of the
    # 10 TB arrive in time. At m: 50,000 + data t->m 10 * 15 + artifacts m->s (5 ms) 10 * 15
    # = 50,300. At s: 60,000 + data t->s 4.5 * 10 + 5.5 * 30 = 60,210. Optimum: m, 50,300
    plan = run(_artifacts(tmp_path, 8.0).update("links", "ts", capacity_gbps=0.1))
    assert plan.objective_cny == pytest.approx(50300.0, rel=REL)
    assert hub_of(plan, "j") == "m"
    assert routes(plan) == pytest.approx({"m>s": 10.0})
    assert arcs(plan) == pytest.approx({("t", "m"): 10.0, ("m", "s"): 10.0})


# ---------------------------------------------------------------------------------
# carbon_budget
# ---------------------------------------------------------------------------------
def _carbon(tmp_path: Path, jobs: int = 1) -> ew.Scenario:
    # a (origin, 0.4, 0.9 kg/kWh): 40,000 and 90 t per job; b (0.5, 0.1 kg/kWh): 50,000 and 10 t
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.4, "carbon_kg_per_kwh": 0.9},
        {"hub_id": "b", "price_cny_per_kwh": 0.5, "carbon_kg_per_kwh": 0.1},
    ]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    return scenario(
        tmp_path, hubs=hubs, links=links, jobs=[{"job_id": f"j{i}", "dataset_id": "d"} for i in range(jobs)]
    )


@pytest.mark.parametrize(
    ("budget", "expected", "hub", "emissions"),
    [
        (None, 40000.0, "a", 90.0),  # no budget: the cheap dirty hub
        (90.0, 40000.0, "a", 90.0),  # 90 t <= 90 t: still a
        (89.0, 50000.0, "b", 10.0),  # 90 t > 89 t: the cleaner hub b
    ],
)
def test_carbon_budget(tmp_path: Path, budget: float | None, expected: float, hub: str, emissions: float) -> None:
    sc = _carbon(tmp_path)
    if budget is not None:
        sc = sc.with_settings(carbon_budget_t=budget)
    plan = run(sc)
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j0") == hub
    assert plan.placements["carbon_t"].sum() == pytest.approx(emissions)


@pytest.mark.parametrize(
    ("budget", "expected", "hubs"),
    [
        (100.0, 90000.0, ["a", "b"]),  # 90 + 10 = 100 t: 40,000 + 50,000
        (99.0, 100000.0, ["b", "b"]),  # 20 t: 2 * 50,000
    ],
)
def test_carbon_budget_two_jobs(tmp_path: Path, budget: float, expected: float, hubs: list[str]) -> None:
    plan = run(_carbon(tmp_path, jobs=2).with_settings(carbon_budget_t=budget))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert sorted([hub_of(plan, "j0"), hub_of(plan, "j1")]) == hubs


# ---------------------------------------------------------------------------------
# objective terms
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("price", "expected", "hub", "carbon"),
    [
        # a: 40,000 + 90 t * 100 = 49,000; b: 50,000 + 10 t * 100 = 51,000 -> a
        (100.0, 49000.0, "a", 9000.0),
        # a: 40,000 + 90 * 200 = 58,000; b: 50,000 + 10 * 200 = 52,000 -> b
        (200.0, 52000.0, "b", 2000.0),
    ],
)
def test_objective_carbon_price(tmp_path: Path, price: float, expected: float, hub: str, carbon: float) -> None:
    plan = run(_carbon(tmp_path).with_settings(carbon_price_cny_per_t=price))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j0") == hub
    assert cost(plan, "carbon") == pytest.approx(carbon, rel=REL)
    assert cost(plan, "energy") == pytest.approx(expected - carbon, rel=REL)


def _two_hubs(tmp_path: Path, **kw: Any) -> ew.Scenario:
    # a (origin, 0.4): 40,000; b (0.5): 50,000 before subsidies, fixed costs or storage
    hubs = kw.pop("hubs", [{"hub_id": "a", "price_cny_per_kwh": 0.4}, {"hub_id": "b", "price_cny_per_kwh": 0.5}])
    return scenario(tmp_path, hubs=hubs, links=[{"link_id": "ab", "hub_a": "a", "hub_b": "b"}], **kw)


@pytest.mark.parametrize(
    ("share", "expected", "hub"),
    [
        (0.15, 40000.0, "a"),  # b: 50,000 * 0.85 = 42,500 > 40,000
        (0.25, 37500.0, "b"),  # b: 50,000 * 0.75 = 37,500 < 40,000
    ],
)
def test_objective_energy_subsidy(tmp_path: Path, share: float, expected: float, hub: str) -> None:
    inventory = [
        {"hub_id": "a", "accel_id": "gpu", "count": 10000, "energy_subsidy_share": 0.0},
        {"hub_id": "b", "accel_id": "gpu", "count": 10000, "energy_subsidy_share": share},
    ]
    plan = run(_two_hubs(tmp_path, inventory=inventory))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j") == hub
    assert cost(plan, "energy") == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize(
    ("fixed", "expected", "hub"),
    [
        (45000.0, 40000.0, "a"),  # the negotiated 45,000 at b loses to 40,000 at a
        (35000.0, 35000.0, "b"),  # 35,000 at b replaces 50,000 and wins
    ],
)
def test_objective_fixed_cost_override(tmp_path: Path, fixed: float, expected: float, hub: str) -> None:
    overrides = [{"job_id": "j", "hub_id": "b", "fixed_cost_cny": fixed}]
    plan = run(_two_hubs(tmp_path, overrides=overrides))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j") == hub
    assert plan.placements.set_index("job_id").at["j", "energy_cost_cny"] == pytest.approx(expected, rel=REL)


def test_objective_fixed_cost_override_ignores_the_subsidy(tmp_path: Path) -> None:
    # a fixed cost is the cost: b's 50 % subsidy does not halve it. b at 35,000 (not 17,500)
    inventory = [
        {"hub_id": "a", "accel_id": "gpu", "count": 10000},
        {"hub_id": "b", "accel_id": "gpu", "count": 10000, "energy_subsidy_share": 0.5},
    ]
    overrides = [{"job_id": "j", "hub_id": "b", "fixed_cost_cny": 35000.0}]
    plan = run(_two_hubs(tmp_path, inventory=inventory, overrides=overrides))
    assert plan.objective_cny == pytest.approx(35000.0, rel=REL)
    assert hub_of(plan, "j") == "b"


@pytest.mark.parametrize(
    ("storage_price", "expected", "hub"),
    [
        # a copy at b for 100/730 months: 10 TB * 730 * 100/730 = 1,000 -> 40,000 + 1,000 = 41,000
        (730.0, 41000.0, "b"),
        # 10 * 8,030 * 100/730 = 11,000 -> b would cost 51,000 > 50,000 at a
        (8030.0, 50000.0, "a"),
    ],
)
def test_objective_storage_price(tmp_path: Path, storage_price: float, expected: float, hub: str) -> None:
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.5},
        {"hub_id": "b", "price_cny_per_kwh": 0.4, "storage_price_cny_per_tb_month": storage_price},
    ]
    plan = run(_two_hubs(tmp_path, hubs=hubs))
    assert plan.objective_cny == pytest.approx(expected, rel=REL)
    assert hub_of(plan, "j") == hub
    assert cost(plan, "storage") == pytest.approx(10.0 * storage_price * MONTHS if hub == "b" else 0.0, rel=REL)


def test_objective_transfer_is_summed_over_every_link_crossed(tmp_path: Path) -> None:
    # data goes a->m->b (no direct link): 10 TB * (7 + 11) = 180; 40,000 + 180 = 40,180
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.6},
        {"hub_id": "m", "price_cny_per_kwh": 0.6},
        {"hub_id": "b", "price_cny_per_kwh": 0.4},
    ]
    links = [
        {"link_id": "am", "hub_a": "a", "hub_b": "m", "cost_cny_per_tb": 7},
        {"link_id": "mb", "hub_a": "m", "hub_b": "b", "cost_cny_per_tb": 11},
    ]
    plan = run(scenario(tmp_path, hubs=hubs, links=links))
    assert plan.objective_cny == pytest.approx(40180.0, rel=REL)
    assert cost(plan, "transfer") == pytest.approx(180.0, rel=REL)
