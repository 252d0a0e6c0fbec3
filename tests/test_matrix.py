"""One definition, two ways to HiGHS: the Pyomo model made from the families' rows is the array
model, family by family and entry by entry, and both solve to the same plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest
from test_bruteforce import make_instance, write_instance

import eastwest_opt as ew
from eastwest_opt.api import solve_model
from eastwest_opt.generate import generate_scenario
from eastwest_opt.model.arrays import build_arrays
from eastwest_opt.model.data import prepare
from eastwest_opt.model.families import FAMILIES
from eastwest_opt.model.pyomo import to_pyomo
from eastwest_opt.scenario.network import build_network
from eastwest_opt.solver.placement import PlacementModel
from eastwest_opt.solver.status import SolveOptions

Entry = tuple[str, str, float]


def _name(family: str, key: Any) -> str:
    key = key if isinstance(key, tuple) else (key,)
    return f"{family}[{','.join(map(str, key))}]"


Columns = dict[str, tuple[float, float, float, bool]]
Rows = dict[str, list[tuple[tuple[tuple[str, float], ...], float, float]]]


def pyomo_matrix(scenario: ew.Scenario) -> tuple[Columns, Rows]:
    """Columns (cost, lower, upper, integer) and rows (coefficients, lower, upper) by family of
    the Pyomo model as HiGHS receives it from Pyomo's persistent interface."""
    import pyomo.environ as pyo
    from pyomo.contrib.solver.solvers.highs import Highs

    data = prepare(scenario, build_network(scenario))
    m = to_pyomo(build_arrays(data))
    opt = Highs()
    opt.set_instance(m)
    lp = opt._solver_model.getLp()
    col_name = {}
    for var in m.component_data_objects(pyo.Var):
        col = opt._pyomo_var_to_solver_var_map.get(id(var))
        if col is not None:
            col_name[col] = _name(var.parent_component().local_name, var.index())
    row_family = {}
    for con in m.component_data_objects(pyo.Constraint, active=True):
        row = opt._pyomo_con_to_solver_con_map.get(con)
        if row is not None:
            row_family[row] = con.parent_component().local_name
    cols = {}
    integrality = list(lp.integrality_) if len(lp.integrality_) else [0] * lp.num_col_
    for j in range(lp.num_col_):
        cols[col_name[j]] = (lp.col_cost_[j], lp.col_lower_[j], lp.col_upper_[j], int(integrality[j]) != 0)
    matrix = lp.a_matrix_
    starts, index, value = list(matrix.start_), list(matrix.index_), list(matrix.value_)
    by_row: dict[int, list[tuple[str, float]]] = {i: [] for i in range(lp.num_row_)}
    if matrix.format_ == highspy.MatrixFormat.kColwise:
        for j in range(lp.num_col_):
            for k in range(starts[j], starts[j + 1]):
                by_row[index[k]].append((col_name[j], value[k]))
    else:
        for i in range(lp.num_row_):
            for k in range(starts[i], starts[i + 1]):
                by_row[i].append((col_name[index[k]], value[k]))
    rows: Rows = {}
    for i, entries in by_row.items():
        rows.setdefault(row_family[i], []).append(_row(lp.row_lower_[i], lp.row_upper_[i], entries))
    return cols, {f: sorted(r) for f, r in rows.items()}


def array_matrix(scenario: ew.Scenario) -> tuple[Columns, Rows]:
    """The same for the array model."""
    data = prepare(scenario, build_network(scenario))
    am = build_arrays(data)
    names = [""] * am.num_col
    for family, (first, _end) in am.col_blocks.items():
        for k, key in enumerate(am.col_keys[family]):
            names[first + k] = _name(family, key)
    cols = {
        names[j]: (am.col_cost[j], am.col_lower[j], am.col_upper[j], bool(am.integer[j])) for j in range(am.num_col)
    }
    rows: Rows = {}
    for family, (first, end) in am.row_blocks.items():
        for i in range(first, end):
            lo, hi = am.start[i], am.start[i + 1]
            entries = [(names[j], v) for j, v in zip(am.index[lo:hi], am.value[lo:hi], strict=True)]
            rows.setdefault(family, []).append(_row(am.row_lower[i], am.row_upper[i], entries))
    return cols, {f: sorted(r) for f, r in rows.items()}


def _row(
    lower: float, upper: float, entries: list[tuple[str, float]]
) -> tuple[tuple[tuple[str, float], ...], float, float]:
    """A row exactly: its entries sorted by column, and its bounds (infinite as +-inf)."""
    return tuple(sorted((n, float(v)) for n, v in entries)), _inf(lower), _inf(upper)


def _inf(v: float) -> float:
    return float(np.sign(v) * np.inf) if (not np.isfinite(v) or abs(v) >= 1e20) else float(v) + 0.0


def _assert_same(scenario: ew.Scenario) -> set[str]:
    """The two models are identical; returns the families that had rows."""
    pc, pr = pyomo_matrix(scenario)
    ac, ar = array_matrix(scenario)
    assert set(pc) == set(ac)
    for name, (cost, lo, up, integer) in pc.items():
        assert ac[name] == (cost, lo, _inf(up), integer), name
    assert set(pr) == set(ar)
    for family in pr:
        assert pr[family] == ar[family], family
    return set(ar)


def _instances(tmp_path: Path) -> dict[str, ew.Scenario]:
    shipped = ew.load_scenario()
    out = {"shipped": shipped, "shipped-carbon-budget": shipped.with_settings(carbon_budget_t=7000.0)}
    out["generated"] = generate_scenario(300, 20, seed=3)
    out["periods"] = _timed(tmp_path / "timed")
    for seed in range(8):
        out[f"tiny-{seed}"] = ew.load_scenario(write_instance(make_instance(seed), tmp_path / f"t{seed}"))
    return out


def _timed(folder: Path) -> ew.Scenario:
    """Three periods with seasonal prices and a drought, jobs released and due, one preemptible,
    one running over two periods, a copy staged at b for jobs in two periods, artifacts served."""
    from builders import tiny_scenario

    periods = [{"period_id": f"p{i}", "hours": 100.0} for i in (1, 2, 3)]
    hubs = [{"hub_id": "a", "price_cny_per_kwh": 0.9}, {"hub_id": "b", "price_cny_per_kwh": 0.3, "grid_mw": 2.0}]
    jobs = [
        {"job_id": "j1", "dataset_id": "d", "deadline_period": "p1"},
        {"job_id": "j2", "dataset_id": "d", "release_period": "p3", "artifact_tb": 1.0, "serving_hubs": "a"},
        {"job_id": "j3", "dataset_id": "d", "runtime_h": 150.0, "preemptible": True},
        {"job_id": "j4", "dataset_id": "d", "runtime_h": 150.0, "unplaced_penalty_cny": 1e6},
    ]
    return tiny_scenario(
        folder,
        hubs=hubs,
        jobs=jobs,
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        links=[{"link_id": "ab", "hub_a": "a", "hub_b": "b", "cost_cny_per_tb": 1.0}],
        periods=periods,
        hub_periods=[{"hub_id": "b", "period_id": "p2", "grid_mw": 1.0, "price_cny_per_kwh": 0.2}],
        link_periods=[{"link_id": "ab", "period_id": "p1", "capacity_gbps": 100.0}],
        settings={"carbon_budget_t": 1000.0},
    )


def test_every_family_is_the_same_both_ways_on_instances_that_exercise_it(tmp_path: Path) -> None:
    """HiGHS receives the same columns, costs, bounds and rows, family by family, from the Pyomo
    model and from the arrays; and between them the instances give every family rows."""
    exercised: set[str] = set()
    for name, scenario in _instances(tmp_path).items():
        try:
            exercised |= _assert_same(scenario)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
    assert exercised == {family.__name__ for family in FAMILIES}


def test_a_broken_array_model_is_caught() -> None:
    """The comparison is not blind: a changed coefficient makes it fail."""
    sc = ew.load_scenario()
    _pc, pr = pyomo_matrix(sc)
    _ac, ar = array_matrix(sc)
    entries, lower, upper = ar["hub_power"][0]
    (col, value), *rest = entries
    ar["hub_power"][0] = (((col, value * (1 + 1e-12)), *rest), lower, upper)
    assert pr["hub_power"] != ar["hub_power"]
    assert pr["storage"] == ar["storage"]


@pytest.mark.parametrize("builder", ["pyomo", "arrays"])
def test_both_builders_give_the_same_verified_optimum(builder: str) -> None:
    sc = generate_scenario(400, 30, seed=5)
    pm = PlacementModel.build(sc, builder=builder)
    assert pm.builder == builder
    plan = solve_model(pm, SolveOptions(mip_rel_gap=0.0, threads=1, time_limit_s=120))
    assert plan.verified
    reference = ew.solve(sc, mip_rel_gap=0.0, threads=1)
    assert plan.objective_cny == pytest.approx(reference.objective_cny, rel=1e-7)


def test_large_solve_shows_progress_and_quiet_silences_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from eastwest_opt.cli import app
    from eastwest_opt.generate import write_scenario

    folder = write_scenario(generate_scenario(1200, 60, seed=2), tmp_path / "g")
    runner = CliRunner()
    loud = runner.invoke(app, ["solve", str(folder), "--gap", "0.001", "--threads", "1"])
    assert loud.exit_code == 0, loud.output
    stages = [line.split()[2] for line in loud.stderr.splitlines() if line.strip()]
    assert stages[:3] == ["load", "prepare", "build"]
    assert {"solve", "plan", "verify"} <= set(stages)
    assert "optimal, verified" in loud.stdout
    quiet = runner.invoke(app, ["solve", str(folder), "--gap", "0.001", "--threads", "1", "--quiet"])
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert "optimal, verified" in quiet.stdout


def test_unknown_builder_is_a_clean_error() -> None:
    from typer.testing import CliRunner

    from eastwest_opt.cli import app

    result = CliRunner().invoke(app, ["solve", "--builder", "magic"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --builder: unknown builder 'magic'; choose auto, pyomo or arrays"


def test_the_guard_stops_highs_past_its_limit_and_keeps_the_best_plan() -> None:
    """HiGHS is given 60 s, the guard 4 s: the guard stops it and returns what was streamed."""
    from eastwest_opt.solver.guard import GUARD_STATUS, solve_guarded

    sc = generate_scenario(10000, 500, seed=0)
    am = build_arrays(prepare(sc, build_network(sc)))
    out = solve_guarded(am, time_limit_s=4.0, grace_s=0.0, child_time_limit_s=60.0, mip_rel_gap=1e-6, threads=1)
    assert out.model_status == GUARD_STATUS  # the guard, not HiGHS (given 60 s), ended the solve
    assert not out.optimal
    if out.objective is not None:  # a streamed plan satisfies every row and bound
        x = out.col_value
        assert np.all(x >= am.col_lower - 1e-6) and np.all(x <= am.col_upper + 1e-6)
        rows = np.add.reduceat(am.value * x[am.index], am.start[:-1]) if am.num_nz else np.zeros(am.num_row)
        rows[np.diff(am.start) == 0] = 0.0
        scale = 1e-6 * np.maximum(1.0, np.abs(am.row_upper[np.isfinite(am.row_upper)]).max())
        assert np.all(rows >= am.row_lower - scale) and np.all(rows <= am.row_upper + scale)
        assert float(am.col_cost @ x) == pytest.approx(out.objective, rel=1e-6)


def _satisfies_every_row(am: Any, x: np.ndarray) -> bool:
    rows = np.add.reduceat(am.value * x[am.index], am.start[:-1]) if am.num_nz else np.zeros(am.num_row)
    rows[np.diff(am.start) == 0] = 0.0
    tol = 1e-6 * np.maximum(1.0, np.abs(np.where(np.isfinite(am.row_upper), am.row_upper, am.row_lower)))
    bounds = np.all(x >= am.col_lower - 1e-6) and np.all(x <= am.col_upper + 1e-6)
    integral = np.all(np.abs(x[am.integer] - np.round(x[am.integer])) < 1e-6)
    return bool(bounds and integral and np.all(rows >= am.row_lower - tol) and np.all(rows <= am.row_upper + tol))


@pytest.mark.parametrize("seed", [0, 1])
def test_lp_guided_start_is_a_feasible_plan_above_the_lp_bound(seed: int) -> None:
    from eastwest_opt.solver.heuristic import lp_guided_start

    sc = generate_scenario(3000, 150, seed=seed)
    data = prepare(sc, build_network(sc))
    am = build_arrays(data)
    start, info = lp_guided_start(am, data, threads=1)
    assert start is not None
    assert _satisfies_every_row(am, start)
    objective = float(am.col_cost @ start)
    assert objective == pytest.approx(info["start_objective"], rel=1e-6)
    assert objective >= info["lp_bound"] * (1 - 1e-9)  # no plan beats the relaxation; quality is benchmarked


def test_a_large_solve_starts_from_the_rounded_lp_and_verifies() -> None:
    """Above HEURISTIC_MIN_COLUMNS, when the whole model is searched (here without the
    decomposition), the array path hands HiGHS the LP-guided start (forced small here)."""
    import eastwest_opt.solver.bulk as solver_module

    sc = generate_scenario(3000, 150, seed=1)
    old = solver_module.HEURISTIC_MIN_COLUMNS, solver_module.DECOMPOSITION
    solver_module.HEURISTIC_MIN_COLUMNS, solver_module.DECOMPOSITION = 1, False
    try:
        pm = PlacementModel.build(sc, builder="arrays")
        plan = solve_model(pm, SolveOptions(mip_rel_gap=1e-3, threads=1, time_limit_s=60))
    finally:
        solver_module.HEURISTIC_MIN_COLUMNS, solver_module.DECOMPOSITION = old
    assert plan.verified
    assert pm.timings["heuristic_s"] > 0
    assert plan.gap is not None and plan.gap <= 1e-3


def test_without_fork_the_array_model_solves_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Platforms without fork (Windows) solve in this process, to the same optimum."""
    import multiprocessing

    from eastwest_opt.solver.guard import solve_guarded

    sc = generate_scenario(300, 20, seed=3)
    am = build_arrays(prepare(sc, build_network(sc)))
    forked = solve_guarded(am, time_limit_s=60.0, mip_rel_gap=1e-3, threads=1)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    here = solve_guarded(am, time_limit_s=60.0, mip_rel_gap=1e-3, threads=1)
    assert forked.optimal and here.optimal
    assert here.objective == pytest.approx(forked.objective, rel=2e-3)  # each within 0.1% of the optimum
    assert _satisfies_every_row(am, here.col_value)
