"""The independent verifier catches a deliberately broken plan in every family it checks.

One small scenario exercises every family: a dataset with replicas in two grid regions and a
staged copy, an origin-only dataset, a must-place and an optional job, artifacts over a 2-hop
route within a latency bound, a hub whose grid allocation and storage bind, a link loaded to
three quarters of its capacity, a carbon price and a loose carbon budget. Its verified optimum
is broken one family at a time, and the verifier must name that family (and, where a decision was
changed, the written figures that no longer follow from the decisions). Tampered copies of the
shipped plan, file by file, are in ``tests/test_tampered_plans.py``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_scenario, write_scenario
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import ScenarioError
from eastwest_opt.plan.facts import Facts
from eastwest_opt.plan.figures import recompute
from eastwest_opt.plan.plan import read_plan
from eastwest_opt.plan.schema import PLAN_SCHEMAS
from eastwest_opt.plan.verify import FAMILIES, verify_plan

# a (origin, R1, 0.6 CNY/kWh, 0.6 kg/kWh), b (R2, 0.55, 0.3 kg/kWh, storage 73 CNY/TB-month),
# c (R1, 0.4, grid 1.2 MW, storage 10 TB), s (serving hub, 0.9). Links a-b 10 CNY/TB at 0.3 Gbit/s
# (13.5 TB over 100 h), b-c 10, a-c 50, b-s 5; every link 5 ms.
HUBS = [
    {"hub_id": "a", "price_cny_per_kwh": 0.6, "carbon_kg_per_kwh": 0.6},
    {
        "hub_id": "b",
        "price_cny_per_kwh": 0.55,
        "grid_region": "R2",
        "carbon_kg_per_kwh": 0.3,
        "storage_price_cny_per_tb_month": 73.0,
    },
    {"hub_id": "c", "price_cny_per_kwh": 0.4, "grid_mw": 1.2, "storage_tb": 10.0},
    {"hub_id": "s", "price_cny_per_kwh": 0.9},
]
LINKS = [
    {"link_id": "ab", "hub_a": "a", "hub_b": "b", "cost_cny_per_tb": 10, "capacity_gbps": 0.3},
    {"link_id": "bc", "hub_a": "b", "hub_b": "c", "cost_cny_per_tb": 10},
    {"link_id": "ac", "hub_a": "a", "hub_b": "c", "cost_cny_per_tb": 50},
    {"link_id": "bs", "hub_a": "b", "hub_b": "s", "cost_cny_per_tb": 5},
]
ACCELS = [
    {"accel_id": "gpu", "name": "GPU", "kw_per_accel": 1.0},
    {"accel_id": "npu", "name": "NPU", "kw_per_accel": 1.0},
]
INVENTORY = [{"hub_id": h, "accel_id": "gpu", "count": 2000} for h in "abcs"] + [
    {"hub_id": "a", "accel_id": "npu", "count": 100}
]
CLASSES = [
    {"class_id": "public", "allowed_hubs": "*", "staging_allowed": True},
    {"class_id": "local", "allowed_hubs": "origin", "staging_allowed": False},
]
DATASETS = [
    {"dataset_id": "d", "origin_hub": "a", "min_grid_regions": 2},
    {"dataset_id": "d2", "origin_hub": "a", "class_id": "local", "size_tb": 5.0},
]
JOBS = [
    {"job_id": "j1", "dataset_id": "d", "artifact_tb": 1.0, "serving_hubs": "s", "max_latency_ms": 12.0},
    {"job_id": "j2", "dataset_id": "d2", "accel_count": 500},
    {"job_id": "j3", "dataset_id": "d", "accel_id": "npu", "accel_count": 100, "unplaced_penalty_cny": 1000},
    {"job_id": "j4", "dataset_id": "d", "accel_count": 500},
]
SETTINGS = {"carbon_budget_t": 200.0, "carbon_price_cny_per_t": 50.0}

# The optimum, by hand (carbon price 50 CNY/t):
#   j1 at c (staged copy of d from b): 100 MWh * 400 = 40,000; 50 t -> 2,500
#   j2 at a (d2 may not leave a): 50 MWh * 600 = 30,000; 30 t -> 1,500
#   j4 at b (c has 0.2 MW left; b holds a replica): 50 MWh * 550 = 27,500; 15 t -> 750
#   j3 unplaced (100 NPUs exist only at a: 10 MWh * 600 = 6,000 > penalty 1,000): 1,000
#   storage: d at b, 10 TB * 73 * 100/730 = 100
#   transfer: replication a->b 10 TB * 10 = 100, staging b->c 10 * 10 = 100,
#             artifacts c->b->s 1 TB * (10 + 5) = 15                           -> 215
#   total 97,500 + 4,750 + 100 + 215 + 1,000 = 103,565; emissions 95 t <= 200 t
OBJECTIVE = 103565.0


def _write(folder: Path) -> Path:
    return write_scenario(
        folder,
        hubs=HUBS,
        links=LINKS,
        accelerators=ACCELS,
        inventory=INVENTORY,
        classes=CLASSES,
        datasets=DATASETS,
        jobs=JOBS,
        settings=SETTINGS,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("verifier") / "s")


@pytest.fixture(scope="module")
def scenario(folder: Path) -> ew.Scenario:
    return ew.load_scenario(folder)


@pytest.fixture(scope="module")
def plan(scenario: ew.Scenario) -> ew.Plan:
    return ew.solve(scenario)


def _rows(frame: pd.DataFrame, **match: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, value in match.items():
        mask &= frame[col] == value
    assert mask.sum() == 1, (match, frame)
    return mask


def test_the_plan_exercises_every_family_and_verifies(scenario: ew.Scenario, plan: ew.Plan) -> None:
    assert plan.status == "optimal"
    assert plan.verified
    assert plan.objective_cny == pytest.approx(OBJECTIVE, rel=1e-9)
    report = verify_plan(scenario, plan)
    assert report.ok, report.violations
    assert report.by_family() == {}
    assert report.costs_cny["total"] == pytest.approx(OBJECTIVE, rel=1e-9)
    hubs = dict(zip(plan.placements["job_id"], plan.placements["hub_id"], strict=True))
    assert hubs == {"j1": "c", "j2": "a", "j3": "", "j4": "b"}
    durable = plan.replicas[plan.replicas["kind"] == "durable"]
    assert set(durable.loc[durable["dataset_id"] == "d", "grid_region"]) == {"R1", "R2"}
    assert plan.staging[["dataset_id", "to_hub", "from_hub"]].values.tolist() == [["d", "c", "b"]]
    assert plan.artifact_routes["route"].tolist() == ["c>b>s"]
    usage = plan.hub_usage.set_index("hub_id")
    assert usage.at["c", "storage_used_tb"] == pytest.approx(usage.at["c", "storage_tb"])  # storage binds
    assert usage.at["c", "meter_mw"] == pytest.approx(1.0)  # j4 (0.5 MW) no longer fits in 1.2 MW
    flows = plan.link_flows.set_index(["from_hub", "to_hub"])
    assert flows.at[("a", "b"), "total_tb"] == pytest.approx(10.0)
    assert flows.at[("a", "b"), "capacity_tb"] == pytest.approx(13.5)
    assert plan.placements["carbon_t"].sum() == pytest.approx(95.0)


# ---------------------------------------------------------------------------------
# breaks, one (or two) per verifier family
# ---------------------------------------------------------------------------------
Break = Callable[[ew.Scenario, ew.Plan], ew.Scenario]


def _move(job: str, hub: str) -> Break:
    def edit(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
        pl = p.placements
        row = _rows(pl, job_id=job)
        pl.loc[row, "hub_id"] = hub
        pl.loc[row, "status"] = "placed"
        pl.loc[row, "start_period"] = "window"
        return sc

    return edit


def _start_nowhere(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    p.placements.loc[_rows(p.placements, job_id="j1"), "start_period"] = ""
    return sc


def _unplace_must_job(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    pl = p.placements
    row = _rows(pl, job_id="j2")
    pl.loc[row, "hub_id"] = ""
    pl.loc[row, "status"] = "unplaced"
    return sc


def _drop_replica(dataset: str, hub: str) -> Break:
    def edit(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
        r = p.replicas
        p.tables["replicas"] = r[~_rows(r, dataset_id=dataset, hub_id=hub, kind="durable")].reset_index(drop=True)
        return sc

    return edit


def _drop_staged_copy(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    r = p.replicas
    p.tables["replicas"] = r[~_rows(r, dataset_id="d", hub_id="c", kind="staged")].reset_index(drop=True)
    return sc


def _extra_replica_at_c(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    r = p.replicas
    extra = r[_rows(r, dataset_id="d", hub_id="b", kind="durable")].assign(hub_id="c", grid_region="R1")
    p.tables["replicas"] = pd.concat([r, extra], ignore_index=True)
    return sc


def _scale_traffic(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    t = p.traffic
    t.loc[_rows(t, kind="staging", from_hub="b", to_hub="c"), "tb"] *= 2.0
    return sc


def _slow_route(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    # c>a>b>s joins c to s over real links but takes 15 ms against the bound of 12 ms
    ar = p.artifact_routes
    row = _rows(ar, route="c>b>s")
    ar.loc[row, "route"] = "c>a>b>s"
    ar.loc[row, "latency_ms"] = 15.0
    return sc


def _tamper_objective(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    p.objective_cny += 50.0
    return sc


def _tamper_cost_term(sc: ew.Scenario, p: ew.Plan) -> ew.Scenario:
    c = p.costs
    c.loc[_rows(c, term="energy"), "cost_cny"] -= 50.0
    return sc


BREAKS: list[tuple[str, str, Break, set[str]]] = [
    # (family, what, break, every family the broken plan violates)
    ("assignment", "must-place job j2 left unplaced", _unplace_must_job, {"assignment", "figures", "objective"}),
    # d2 may live only at a; b has no copy of d2 either
    ("localization", "j2 moved to b", _move("j2", "b"), {"localization", "staging", "figures", "objective"}),
    # d spans one grid region only; b is still the staging source, j4 trains there, a->b traffic dangles
    (
        "durable_replicas",
        "replica of d at b dropped",
        _drop_replica("d", "b"),
        {"durable_replicas", "staging", "flow_conservation", "figures", "objective"},
    ),
    (
        "durable_replicas",
        "origin replica of d2 dropped",
        _drop_replica("d2", "a"),
        {"durable_replicas", "staging", "figures"},
    ),
    ("staging", "staged copy of d at c dropped", _drop_staged_copy, {"staging", "figures"}),
    # c: j1 (1.0 MW) + j4 (0.5 MW) = 1.5 MW > 1.2 MW; j4 costs 20,000 there instead of 27,500
    ("hub_power", "j4 moved to c", _move("j4", "c"), {"hub_power", "figures", "objective"}),
    # 100 NPUs at c, which has none; 1.1 MW still fits
    ("accelerator_inventory", "j3 placed at c", _move("j3", "c"), {"accelerator_inventory", "figures", "objective"}),
    # 10 TB staged + 10 TB durable at c > 10 TB; no replication traffic carries the new replica
    ("storage", "durable replica of d added at c", _extra_replica_at_c, {"storage", "flow_conservation", "figures"}),
    # the traffic tables change but link_flows (what the planner reads) does not: its figures are wrong too
    ("flow_conservation", "staging b->c doubled", _scale_traffic, {"flow_conservation", "figures", "objective"}),
    ("artifact_delivery", "artifacts over c>a>b>s", _slow_route, {"artifact_delivery", "figures", "objective"}),
    ("objective", "objective + 50 CNY", _tamper_objective, {"objective"}),
    ("figures", "energy term - 50 CNY", _tamper_cost_term, {"figures"}),
    # the old plan against a tightened scenario: the capacities it writes are no longer the scenario's
    ("storage", "c storage 9 TB", lambda sc, p: sc.update("hubs", "c", storage_tb=9.0), {"storage", "figures"}),
    (
        "link_capacity",
        "a-b derated to 0.2 Gbit/s = 9 TB < 10 TB",
        lambda sc, p: sc.update("links", "ab", capacity_gbps=0.2),
        {"link_capacity", "figures"},
    ),
    # a placed job starts at the start of a period
    ("timing", "j1 starts in no period", _start_nowhere, {"timing"}),
    (
        "carbon_budget",
        "budget 90 t < 95 t",
        lambda sc, p: sc.with_settings(carbon_budget_t=90.0),
        {"carbon_budget"},
    ),
]


def test_every_verifier_family_has_a_break() -> None:
    assert {family for family, *_ in BREAKS} == set(FAMILIES)


@pytest.mark.parametrize(("family", "what", "breaker", "expected"), BREAKS, ids=[f"{b[0]}: {b[1]}" for b in BREAKS])
def test_broken_plan_is_caught(
    scenario: ew.Scenario, plan: ew.Plan, family: str, what: str, breaker: Break, expected: set[str]
) -> None:
    broken = copy.deepcopy(plan)
    sc = breaker(scenario, broken)
    report = verify_plan(sc, broken)
    assert not report.ok, what
    assert family in report.by_family(), report.violations
    assert set(report.by_family()) == expected, report.violations
    # the break did not touch the solved plan
    assert verify_plan(scenario, plan).ok


def test_violation_messages_name_what_is_wrong(scenario: ew.Scenario, plan: ew.Plan) -> None:
    broken = copy.deepcopy(plan)
    _move("j4", "c")(scenario, broken)
    (power,) = verify_plan(scenario, broken).by_family()["hub_power"]
    assert str(power) == (
        "[hub_power] hub_usage.csv row c, column meter_mw: hub c draws 1.5000 MW (IT x PUE), "
        "its grid allocation is 1.2 MW"
    )
    assert (power.file, power.row, power.column, power.value, power.limit) == (
        "hub_usage.csv",
        "c",
        "meter_mw",
        1.5,
        1.2,
    )
    (link,) = verify_plan(scenario.update("links", "ab", capacity_gbps=0.2), plan).by_family()["link_capacity"]
    assert link.message == "link_flows.csv row a->b, column total_tb: arc a->b carries 10 TB, capacity 9 TB"
    (budget,) = verify_plan(scenario.with_settings(carbon_budget_t=90.0), plan).by_family()["carbon_budget"]
    assert budget.message == "summary.json, key emissions_t: emissions 95.000 t exceed the budget 90 t"
    broken = copy.deepcopy(plan)
    _slow_route(scenario, broken)
    latency = [v.message for v in verify_plan(scenario, broken).by_family()["artifact_delivery"]]
    assert latency == [
        "artifact_routes.csv row c>a>b>s bound 12, column route: route 'c>a>b>s' takes 15.00 ms, the bound is 12 ms"
    ]
    broken = copy.deepcopy(plan)
    _move("j4", "c")(scenario, broken)
    figures = {v.message for v in verify_plan(scenario, broken).by_family()["figures"]}
    assert "placements.csv row j4, column energy_cost_cny: written 27500, recomputed 20000" in figures
    assert "hub_usage.csv row c, column meter_mw: written 1, recomputed 1.5" in figures
    assert "costs.csv row total, column cost_cny: written 103565, recomputed 96565" in figures


def test_a_wrong_figure_is_one_violation_with_its_numbers(scenario: ew.Scenario, plan: ew.Plan) -> None:
    broken = copy.deepcopy(plan)
    pl = broken.placements
    pl.loc[_rows(pl, job_id="j1"), "it_mw"] += 1.0  # j1 draws 1.0 MW at c
    (wrong,) = verify_plan(scenario, broken).violations
    assert str(wrong) == "[figures] placements.csv row j1, column it_mw: written 2, recomputed 1"
    assert wrong.record() == {
        "family": "figures",
        "file": "placements.csv",
        "row": "j1",
        "column": "it_mw",
        "written": 2.0,
        "recomputed": 1.0,
        "value": None,
        "limit": None,
        "message": "placements.csv row j1, column it_mw: written 2, recomputed 1",
    }
    broken = copy.deepcopy(plan)
    ar = broken.artifact_routes
    ar.loc[_rows(ar, route="c>b>s"), "max_latency_ms"] = 13.0  # no job at c serving s has that bound
    said = [str(v) for v in verify_plan(scenario, broken).violations]
    assert said == [
        "[figures] artifact_routes.csv row c>b>s bound 13, column max_latency_ms: written 13, recomputed '12'",
        "[artifact_delivery] artifact_routes.csv row c->s bound 12, column tb: routes carry 0 TB of artifacts from c "
        "to s, the jobs placed at c need 1 TB",
        "[artifact_delivery] artifact_routes.csv row c->s bound 13, column tb: routes carry 1 TB of artifacts from c "
        "to s, the jobs placed at c need 0 TB",
    ]


# ---------------------------------------------------------------------------------
# the plan's form: its schema, read by read_plan, written by extract
# ---------------------------------------------------------------------------------
def test_the_plan_tables_have_the_schemas_columns(plan: ew.Plan) -> None:
    """plan/extract.py writes exactly the columns PLAN_SCHEMAS defines, in its order."""
    assert set(plan.tables) == set(PLAN_SCHEMAS)
    for name, schema in PLAN_SCHEMAS.items():
        assert list(plan.tables[name].columns) == schema.column_names, name


def test_every_figure_column_is_recomputed(scenario: ew.Scenario, plan: ew.Plan) -> None:
    """Every column of every table that is neither key nor decision has its recomputation."""
    rebuilt = recompute(Facts(scenario), plan.tables)
    for name, schema in PLAN_SCHEMAS.items():
        missing = [c for c in schema.figures if name not in rebuilt or c not in rebuilt[name].columns]
        assert not missing, f"{name}: {missing} are not recomputed"
    assert set(PLAN_SCHEMAS) - set(rebuilt) == {"staging", "traffic"}  # decisions only
    assert not PLAN_SCHEMAS["staging"].figures and not PLAN_SCHEMAS["traffic"].figures


def test_a_duplicated_job_is_an_input_error(scenario: ew.Scenario, plan: ew.Plan) -> None:
    broken = copy.deepcopy(plan)
    pl = broken.placements
    broken.tables["placements"] = pd.concat([pl, pl[pl["job_id"] == "j4"]], ignore_index=True)
    with pytest.raises(ScenarioError) as err:
        verify_plan(scenario, broken)
    assert [str(p) for p in err.value.problems] == ["placements.csv, row 6: duplicate row j4 (first in row 5)"]


# ---------------------------------------------------------------------------------
# written plans
# ---------------------------------------------------------------------------------
def test_written_plan_reread_verifies(scenario: ew.Scenario, plan: ew.Plan, tmp_path: Path) -> None:
    again = read_plan(plan.write(tmp_path / "plan"))
    report = verify_plan(scenario, again)
    assert report.ok, report.violations
    assert report.warnings == []
    assert again.objective_cny == pytest.approx(OBJECTIVE, rel=1e-9)
    # the re-read tables still expose a break
    _scale_traffic(scenario, again)
    assert "flow_conservation" in verify_plan(scenario, again).by_family()


def test_cli_written_plan_reread_verifies(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli-plan"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    again = read_plan(out)
    report = verify_plan(ew.load_scenario(folder), again)
    assert report.ok, report.violations
    assert again.status == "optimal"
    assert again.objective_cny == pytest.approx(OBJECTIVE, rel=1e-9)
    assert report.costs_cny["total"] == pytest.approx(OBJECTIVE, rel=1e-9)


def test_unrelated_scenario_rejects_the_plan(plan: ew.Plan, tmp_path: Path) -> None:
    # the same plan against a scenario where b is dearer: the written costs no longer add up
    dearer = tiny_scenario(
        tmp_path / "s",
        hubs=[dict(h, price_cny_per_kwh=0.65) if h["hub_id"] == "b" else h for h in HUBS],
        links=LINKS,
        accelerators=ACCELS,
        inventory=INVENTORY,
        classes=CLASSES,
        datasets=DATASETS,
        jobs=JOBS,
        settings=SETTINGS,
    )
    warned: list[str] = []
    report = verify_plan(dearer, plan, warn=warned.append)
    assert set(report.by_family()) == {"figures", "objective"}
    assert "placements.csv row j4, column energy_cost_cny: written 27500, recomputed 32500" in [
        v.message for v in report.violations
    ]
    assert warned == report.warnings
    (line,) = warned
    assert line.startswith("the plan was solved for another version of this scenario (fingerprint ")
    assert line.endswith("); checking anyway")


def test_written_plan_with_numeric_looking_ids_reread_verifies(tmp_path: Path) -> None:
    sc = tiny_scenario(
        tmp_path / "s",
        hubs=[{"hub_id": "01"}],
        datasets=[{"dataset_id": "d", "origin_hub": "01"}],
        jobs=[{"job_id": "001", "dataset_id": "d"}],
    )
    plan = ew.solve(sc)
    assert plan.verified
    report = verify_plan(sc, read_plan(plan.write(tmp_path / "plan")))
    assert report.ok, report.violations


def test_reported_link_flows_must_match_the_traffic(scenario: ew.Scenario, plan: ew.Plan) -> None:
    """The link_flows table a planner reads (and the report draws) is checked against the traffic."""
    emptied = copy.deepcopy(plan)
    emptied.tables["link_flows"] = emptied.link_flows.iloc[0:0]
    with pytest.raises(ScenarioError) as err:
        verify_plan(scenario, emptied)
    assert [str(p) for p in err.value.problems] == [
        "link_flows.csv: no row for 8 directions of links.csv (every link with capacity, both ways): a->b, b->a, "
        "b->c, c->b, a->c and 3 more (the table has 0 rows)"
    ]
    halved = copy.deepcopy(plan)
    halved.tables["link_flows"] = halved.link_flows.assign(total_tb=halved.link_flows["total_tb"] / 2)
    said = [v.message for v in verify_plan(scenario, halved).violations]
    assert said == [
        "link_flows.csv row a->b, column total_tb: written 5, recomputed 10",
        "link_flows.csv row b->c, column total_tb: written 5, recomputed 10",
        "link_flows.csv row c->b, column total_tb: written 0.5, recomputed 1",
        "link_flows.csv row b->s, column total_tb: written 0.5, recomputed 1",
    ]
