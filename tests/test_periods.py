"""Planning over periods: jobs in time, seasonal values, release dates, deadlines, preemption.

Arithmetic shared by the tests (builders.py defaults): a default job runs 1,000 accelerators of
1 kW at PUE 1.0, i.e. 1 MW IT and meter; for ``h`` hours it uses ``h`` MWh and pays
``1,000 * h * price`` CNY. Periods here are 100 h each unless a test says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import tiny_scenario

import eastwest_opt as ew
from eastwest_opt.errors import ScenarioError

P3 = [{"period_id": f"p{i}", "label": f"Period {i}", "hours": 100.0} for i in (1, 2, 3)]


def scenario(tmp_path: Path, **kw: Any) -> ew.Scenario:
    kw.setdefault("hubs", [{"hub_id": "a"}])
    kw.setdefault("datasets", [{"dataset_id": "d", "origin_hub": "a"}])
    kw.setdefault("jobs", [{"job_id": "j", "dataset_id": "d"}])
    kw.setdefault("periods", P3)
    return tiny_scenario(tmp_path / "s", **kw)


def run(sc: ew.Scenario) -> ew.Plan:
    plan = ew.solve(sc)
    assert plan.status == "optimal"
    assert plan.verified, plan.verification.violations if plan.verification else "not verified"
    return plan


def placed(plan: ew.Plan, job: str = "j") -> tuple[str, str, str]:
    row = plan.placements.set_index("job_id").loc[job]
    return str(row["hub_id"]), str(row["start_period"]), str(row["end_period"])


def prices(hub: str, **by_period: float) -> list[dict[str, Any]]:
    return [{"hub_id": hub, "period_id": p, "price_cny_per_kwh": v} for p, v in by_period.items()]


def test_a_job_runs_in_the_cheapest_period(tmp_path: Path) -> None:
    """0.5 CNY/kWh, but 0.3 in p2: the 100 h job starts in p2 and pays 1,000 * 100 * 0.3."""
    plan = run(scenario(tmp_path, hub_periods=prices("a", p2=0.3)))
    assert placed(plan) == ("a", "p2", "p2")
    assert plan.objective_cny == pytest.approx(30_000.0)
    jp = plan.job_periods
    assert list(jp["period_id"]) == ["p2"] and jp["hours"].iloc[0] == pytest.approx(100.0)


def test_a_deadline_costs_what_the_cheaper_season_saved(tmp_path: Path) -> None:
    """With a deadline of p1 the job cannot wait for p2's 0.3: it pays 0.5 (50,000 CNY), and the
    deadline costs 20,000 CNY."""
    free = run(scenario(tmp_path / "free", hub_periods=prices("a", p2=0.3)))
    due = run(
        scenario(
            tmp_path / "due",
            hub_periods=prices("a", p2=0.3),
            jobs=[{"job_id": "j", "dataset_id": "d", "deadline_period": "p1"}],
        )
    )
    assert placed(due) == ("a", "p1", "p1")
    assert due.objective_cny - free.objective_cny == pytest.approx(20_000.0)


def test_a_release_date_keeps_a_job_out_of_earlier_periods(tmp_path: Path) -> None:
    """p1 is cheapest (0.2) but the job is released in p2; p3 at 0.4 beats p2 at 0.5."""
    plan = run(
        scenario(
            tmp_path,
            hub_periods=prices("a", p1=0.2, p3=0.4),
            jobs=[{"job_id": "j", "dataset_id": "d", "release_period": "p2"}],
        )
    )
    assert placed(plan) == ("a", "p3", "p3")
    assert plan.objective_cny == pytest.approx(40_000.0)


def test_a_long_job_spans_periods_and_pays_each_periods_price(tmp_path: Path) -> None:
    """A 150 h job from p1 runs 100 h in p1 (0.3) and 50 h in p2 (0.6): 30,000 + 30,000; from p2
    it would run 100 h at 0.6 and 50 h at 0.5: 85,000; it cannot start in p3 (only 100 h left)."""
    plan = run(
        scenario(
            tmp_path,
            hub_periods=prices("a", p1=0.3, p2=0.6),
            jobs=[{"job_id": "j", "dataset_id": "d", "runtime_h": 150.0}],
        )
    )
    assert placed(plan) == ("a", "p1", "p2")
    assert plan.objective_cny == pytest.approx(60_000.0)
    jp = plan.job_periods.set_index("period_id")
    assert jp.loc["p1", "hours"] == pytest.approx(100.0) and jp.loc["p2", "hours"] == pytest.approx(50.0)


def test_hub_power_binds_per_period(tmp_path: Path) -> None:
    """Two 1 MW jobs, a grid of 1 MW in every period: they cannot share a period. p1 costs 0.3,
    p2 0.4, p3 0.5: one runs in p1, the other in p2 (30,000 + 40,000)."""
    hubs = [{"hub_id": "a", "grid_mw": 1.0}]
    jobs = [{"job_id": "j1", "dataset_id": "d"}, {"job_id": "j2", "dataset_id": "d"}]
    plan = run(scenario(tmp_path, hubs=hubs, jobs=jobs, hub_periods=prices("a", p1=0.3, p2=0.4)))
    starts = sorted(placed(plan, j)[1] for j in ("j1", "j2"))
    assert starts == ["p1", "p2"]
    assert plan.objective_cny == pytest.approx(70_000.0)
    hp = plan.hub_periods.set_index("period_id")
    assert list(hp["meter_mw"]) == pytest.approx([1.0, 1.0, 0.0])


def test_a_drought_month_moves_work_to_another_hub(tmp_path: Path) -> None:
    """Hub w is cheap (0.3) but has no grid in p2 (a drought); the job must finish by p2 and is
    released in p2: it stays at hub e at 0.6, although its data could travel to w."""
    hubs = [{"hub_id": "w", "price_cny_per_kwh": 0.3}, {"hub_id": "e", "price_cny_per_kwh": 0.6}]
    links = [{"link_id": "we", "hub_a": "w", "hub_b": "e"}]
    jobs = [{"job_id": "j", "dataset_id": "d", "release_period": "p2", "deadline_period": "p2"}]
    datasets = [{"dataset_id": "d", "origin_hub": "e"}]
    drought = [{"hub_id": "w", "period_id": "p2", "grid_mw": 0.0}]
    assert placed(run(scenario(tmp_path / "wet", hubs=hubs, links=links, jobs=jobs, datasets=datasets)))[0] == "w"
    plan = run(scenario(tmp_path, hubs=hubs, links=links, jobs=jobs, hub_periods=drought, datasets=datasets))
    assert placed(plan) == ("e", "p2", "p2")
    assert plan.objective_cny == pytest.approx(60_000.0)


def test_a_preemptible_job_splits_its_hours_over_cheap_periods(tmp_path: Path) -> None:
    """A 150 h job; p1 and p3 at 0.3, p2 at 0.8. Without interruption the best is from p1:
    100 h at 0.3 + 50 h at 0.8 = 70,000. Preemptible, it runs 150 h in p1 and p3 at 0.3: 45,000."""
    hp = prices("a", p1=0.3, p2=0.8, p3=0.3)
    whole = run(
        scenario(tmp_path / "whole", hub_periods=hp, jobs=[{"job_id": "j", "dataset_id": "d", "runtime_h": 150}])
    )
    assert whole.objective_cny == pytest.approx(70_000.0)
    flex = run(
        scenario(
            tmp_path / "flex",
            hub_periods=hp,
            jobs=[{"job_id": "j", "dataset_id": "d", "runtime_h": 150, "preemptible": True}],
        )
    )
    assert flex.objective_cny == pytest.approx(45_000.0)
    jp = flex.job_periods.set_index("period_id")
    assert set(jp.index) == {"p1", "p3"} and jp["hours"].sum() == pytest.approx(150.0)


def test_a_staged_copy_is_held_from_the_first_job_to_the_last(tmp_path: Path) -> None:
    """Dataset d (10 TB) is born at a (dear); two jobs train at b (cheap), one due in p1, one
    released in p3 of four periods: one staged copy at b, held p1..p3 (3 x 100 h of storage at
    730 CNY/TB-month = 3,000 CNY, where a durable replica would be charged for all four), copied
    once (10 TB at 1 CNY/TB)."""
    hubs = [
        {"hub_id": "a", "price_cny_per_kwh": 0.9},
        {"hub_id": "b", "price_cny_per_kwh": 0.3, "storage_price_cny_per_tb_month": 730.0},
    ]
    jobs = [
        {"job_id": "j1", "dataset_id": "d", "deadline_period": "p1"},
        {"job_id": "j2", "dataset_id": "d", "release_period": "p3"},
    ]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b", "cost_cny_per_tb": 1.0}]
    periods = [*P3, {"period_id": "p4", "hours": 100.0}]
    plan = run(scenario(tmp_path, hubs=hubs, jobs=jobs, links=links, periods=periods))
    assert placed(plan, "j1")[:2] == ("b", "p1") and placed(plan, "j2")[:2] == ("b", "p3")
    staged = plan.replicas[plan.replicas["kind"] == "staged"]
    assert list(zip(staged["hub_id"], staged["from_period"], staged["to_period"], strict=True)) == [("b", "p1", "p3")]
    assert float(staged["storage_cost_cny"].iloc[0]) == pytest.approx(3_000.0)
    assert float(plan.staging["tb"].sum()) == pytest.approx(10.0)  # copied once
    assert plan.objective_cny == pytest.approx(2 * 30_000.0 + 3_000.0 + 10.0)


def test_link_capacity_per_period_decides_when_artifacts_travel(tmp_path: Path) -> None:
    """Artifacts (9 TB) travel in the period the job ends. Link w-e carries 0.1 Gbps x 100 h x
    0.45 = 4.5 TB per period, 1 Gbps (45 TB) in p3 only: the job at w must end in p3 although p1 is
    cheaper there... unless it trains at e (0.6)."""
    hubs = [{"hub_id": "w", "price_cny_per_kwh": 0.3}, {"hub_id": "e", "price_cny_per_kwh": 0.6}]
    links = [{"link_id": "we", "hub_a": "w", "hub_b": "e", "capacity_gbps": 0.1}]
    jobs = [{"job_id": "j", "dataset_id": "d", "artifact_tb": 9.0, "serving_hubs": "e"}]
    plan = run(
        scenario(
            tmp_path,
            hubs=hubs,
            links=links,
            jobs=jobs,
            hub_periods=prices("w", p3=0.35),
            link_periods=[{"link_id": "we", "period_id": "p3", "capacity_gbps": 1.0}],
            datasets=[{"dataset_id": "d", "origin_hub": "w"}],
        )
    )
    assert placed(plan) == ("w", "p3", "p3")
    assert plan.objective_cny == pytest.approx(35_000.0)
    assert set(plan.artifact_routes["period_id"]) == {"p3"}


def test_one_period_of_the_window_is_the_one_window_model(tmp_path: Path) -> None:
    """The shipped scenario with a periods table of one 720 h period has the same optimum."""
    base = ew.load_scenario()
    one = base.add("periods", period_id="all", label="The window", hours=720.0)
    a, b = ew.solve(base, mip_rel_gap=0.0), ew.solve(one, mip_rel_gap=0.0)
    assert b.verified and b.objective_cny == pytest.approx(a.objective_cny, rel=1e-9)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {"jobs": [{"job_id": "j", "dataset_id": "d", "release_period": "p3", "deadline_period": "p1"}]},
            "jobs.csv, row 2, column deadline_period: deadline 'p1' comes before release 'p3'",
        ),
        (
            {"jobs": [{"job_id": "j", "dataset_id": "d", "runtime_h": 250.0, "release_period": "p2"}]},
            "jobs.csv, row 2, column runtime_h: job 'j' runs 250 h but its periods p2..p3 hold only 200 h: "
            "it cannot be placed in time",
        ),
        (
            {"jobs": [{"job_id": "j", "dataset_id": "d", "release_period": "p9"}]},
            "jobs.csv, row 2, column release_period: unknown period 'p9'",
        ),
        (
            {"hub_periods": [{"hub_id": "zz", "period_id": "p1", "grid_mw": 1.0}]},
            "hub_periods.csv, row 2, column hub_id: unknown hub 'zz'",
        ),
        (
            {"link_periods": [{"link_id": "nope", "period_id": "p1", "capacity_gbps": 1.0}]},
            "link_periods.csv, row 2, column link_id: unknown link 'nope'",
        ),
        (
            {"periods": [{"period_id": "p1", "hours": 100.0}, {"period_id": "p2", "hours": 0.0}]},
            "periods.csv, row 3, column hours: must be > 0, got 0",
        ),
        (
            {
                "periods": [
                    {"period_id": "p1", "hours": 744.0, "start_time": "2026-01-01"},
                    {"period_id": "p2", "hours": 672.0, "start_time": "2026-03-01"},
                ]
            },
            "periods.csv, row 3, column start_time: periods out of order: this period starts 2026-03-01T00:00:00, "
            "but the one before it (row 2) ends 2026-02-01T00:00:00; periods are consecutive blocks, in order",
        ),
        (
            {"settings": {"planning_window_hours": 720}},
            "scenario.yaml, row 4: planning_window_hours is 720 but the periods add up to 300 h; leave it out "
            "(the periods make the window) or make them agree",
        ),
    ],
)
def test_bad_time_input_is_one_clear_error(tmp_path: Path, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario(tmp_path, **kw)
    assert message in [str(p) for p in info.value.problems]


def test_a_periods_value_changes_in_code_and_in_a_sweep(tmp_path: Path) -> None:
    """``update("hub_periods", (hub, period), ...)`` works for a period the table does not list,
    and a sweep can scale the prices of chosen months, blank cells counting as the hub's price."""
    sc = scenario(tmp_path, hub_periods=prices("a", p1=0.4))
    dearer = sc.update("hub_periods", ("a", "p3"), price_cny_per_kwh=0.2)  # p3 had no row
    assert placed(run(dearer))[1] == "p3"
    spec = {
        "base": str(sc.path),
        "variants": [
            {
                "name": "dry",
                "overrides": [
                    {
                        "table": "hub_periods",
                        "where": {"period_id": {"in": ["p1", "p2"]}},
                        "scale": {"price_cny_per_kwh": 2.0},
                    }
                ],
            }
        ],
    }
    summary = ew.sweep(spec, out=tmp_path / "out", workers=1, progress=False, plots=False)
    # p1 0.4 -> 0.8, p2 (blank: 0.5) -> 1.0, p3 stays 0.5: the job moves to p3
    assert summary["status"].iloc[0] == "optimal"
    assert summary["cost_total_cny"].iloc[0] == pytest.approx(50_000.0)


def _tampered(plan: ew.Plan, table: str, where: dict[str, str], **values: Any) -> ew.Plan:
    import copy

    other = copy.copy(plan)
    other.tables = {k: v.copy() for k, v in plan.tables.items()}
    frame = other.tables[table]
    mask = pd.Series(True, index=frame.index)
    for col, v in where.items():
        mask &= frame[col] == v
    assert mask.any(), f"no row of {table} with {where}"
    for col, v in values.items():
        frame.loc[mask, col] = v
    return other


def _messages(sc: ew.Scenario, plan: ew.Plan) -> list[str]:
    return [v.message for v in ew.verify_plan(sc, plan).violations]


def test_the_verifier_checks_power_in_every_period(tmp_path: Path) -> None:
    """Two 1 MW jobs on a 1 MW grid run in p1 and p2; a plan that starts both in p1 draws 2 MW there."""
    hubs = [{"hub_id": "a", "grid_mw": 1.0}]
    jobs = [{"job_id": "j1", "dataset_id": "d"}, {"job_id": "j2", "dataset_id": "d"}]
    sc = scenario(tmp_path, hubs=hubs, jobs=jobs, hub_periods=prices("a", p1=0.3, p2=0.4))
    plan = run(sc)
    late = next(j for j in ("j1", "j2") if placed(plan, j)[1] == "p2")
    broken = _tampered(plan, "placements", {"job_id": late}, start_period="p1")
    messages = _messages(sc, broken)
    assert (
        "hub_periods.csv row a p1, column meter_mw: hub a draws 2.0000 MW (IT x PUE) in p1, "
        "its grid allocation is 1 MW" in messages
    )


def test_the_verifier_checks_deadlines_and_preemptible_hours(tmp_path: Path) -> None:
    due = scenario(
        tmp_path / "due",
        hub_periods=prices("a", p2=0.3),
        jobs=[{"job_id": "j", "dataset_id": "d", "deadline_period": "p1"}],
    )
    plan = run(due)
    late = _tampered(plan, "placements", {"job_id": "j"}, start_period="p2")
    assert "placements.csv row j, column end_period: job j runs until p2, after its deadline period p1" in _messages(
        due, late
    )
    flex_sc = scenario(
        tmp_path / "flex",
        hub_periods=prices("a", p1=0.3, p2=0.8, p3=0.3),
        jobs=[{"job_id": "j", "dataset_id": "d", "runtime_h": 150, "preemptible": True}],
    )
    flex = run(flex_sc)
    first = str(flex.job_periods["period_id"].iloc[0])
    greedy = _tampered(flex, "job_periods", {"job_id": "j", "period_id": first}, hours=120.0)
    messages = _messages(flex_sc, greedy)
    assert f"job_periods.csv row j {first}, column hours: job j runs 120 h in {first}, which has 100 h" in messages
    assert any("preemptible job j runs" in m and "its runtime is 150 h" in m for m in messages)


def test_per_period_values_enter_the_products_the_model_holds(tmp_path: Path) -> None:
    """Each value is admissible, but a hub's price in one period makes a job's energy cost, and a
    link's capacity over one long period its TB, more than the model holds: each is named in the
    per-period table's terms."""
    periods = [{"period_id": "p1", "hours": 8000.0}, {"period_id": "p2", "hours": 100.0}]
    hubs = [{"hub_id": "a"}, {"hub_id": "b"}]
    links = [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}]
    jobs = [{"job_id": "j", "dataset_id": "d", "accel_count": 1_000_000, "runtime_h": 8000.0}]
    hub_periods = [{"hub_id": "b", "period_id": "p2", "price_cny_per_kwh": 900.0}]
    link_periods = [{"link_id": "ab", "period_id": "p1", "capacity_gbps": 5e8}]
    kw = {"hubs": hubs, "links": links, "jobs": jobs, "periods": periods}
    with pytest.raises(ScenarioError) as info:
        scenario(tmp_path, **kw, hub_periods=hub_periods, link_periods=link_periods)
    assert [str(p) for p in info.value.problems if p.severity == "error"] == [
        "jobs.csv, row 2, column runtime_h: job 'j' would cost 7.2e+12 CNY of energy at hub 'b' "
        "(IT MW x runtime_h x pue x 1000 x price_cny_per_kwh): more than the 1e+12 CNY a cost of the model may hold",
        "link_periods.csv, row 2, column capacity_gbps: link 'ab' carries up to 1.8e+12 TB in period 'p1' "
        "(capacity_gbps x hours x 0.45): more than the 1e+12 TB a bound of the model may hold",
    ]
    assert len(scenario(tmp_path / "fine", **kw).jobs) == 1  # the hubs' and links' own values are fine


def test_periods_with_start_times_and_refused_hours_are_one_error_each(tmp_path: Path) -> None:
    """Hours the parser refuses are reported once; the start times and the window are not then
    checked against them (no crash, no second opinion)."""
    periods = [
        {"period_id": "p1", "hours": "lots", "start_time": "2026-01-01"},
        {"period_id": "p2", "hours": -5, "start_time": "2026-02-01"},
        {"period_id": "p3", "hours": 100.0, "start_time": "2026-02-05"},
    ]
    with pytest.raises(ScenarioError) as info:
        scenario(tmp_path, periods=periods, settings={"planning_window_hours": 720})
    assert [str(p) for p in info.value.problems] == [
        'periods.csv, row 2, column hours: expected a number, got "lots"',
        "periods.csv, row 3, column hours: must be > 0, got -5",
    ]
