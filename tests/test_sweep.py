"""What-if sweeps: the sweep file and its errors, override semantics, local and Dask runs giving
the same results, resume after a kill, the cost-carbon front, and the command line."""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import write_scenario
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import InfeasibleError, OutputExistsError, ScenarioError
from eastwest_opt.scenario.schema import TABLE_ORDER
from eastwest_opt.sweeps import SelectionError, Variant, VariantResult, apply_overrides, check_selections, load_sweep

runner = CliRunner()
TABLES = ", ".join(TABLE_ORDER)


@pytest.fixture(scope="module")
def shipped() -> ew.Scenario:
    return ew.load_scenario()


def _two_hubs(folder: Path) -> Path:
    """East hub 'e' (dear, clean power) and west hub 'w' (cheap, dirty), one link, three jobs."""
    return write_scenario(
        folder,
        hubs=[
            {"hub_id": "e", "macro_region": "east", "price_cny_per_kwh": 0.8, "carbon_kg_per_kwh": 0.1},
            {"hub_id": "w", "macro_region": "west", "grid_region": "R2", "price_cny_per_kwh": 0.3},
        ],
        links=[{"link_id": "e-w", "hub_a": "e", "hub_b": "w", "cost_cny_per_tb": 1.0}],
        datasets=[{"dataset_id": "d", "origin_hub": "e"}],
        jobs=[
            {"job_id": "pt-a", "dataset_id": "d", "accel_count": 1000},
            {"job_id": "ft-b", "dataset_id": "d", "accel_count": 400, "unplaced_penalty_cny": 1e6},
            {"job_id": "ft-c", "dataset_id": "d", "accel_count": 200},
        ],
        overrides=[{"job_id": "ft-c", "hub_id": "w", "runtime_h": 120}],
    )


def _problems(spec: dict, base: ew.Scenario | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parsed = load_sweep(spec)
        if base is not None:
            check_selections(base, parsed)
    return [str(p) for p in info.value.problems]


def _variant(*overrides: dict) -> dict:
    return {"variants": [{"name": "v", "overrides": list(overrides)}]}


# ---------------------------------------------------------------------------------
# the sweep file
# ---------------------------------------------------------------------------------
def test_grid_and_named_variants_have_stable_ids_and_parameters() -> None:
    spec = load_sweep(
        {
            "variants": [{"name": "Drought in CC!", "parameters": {"cc_grid": 0.5}, "overrides": []}],
            "grid": [
                {
                    "name": "west_price",
                    "values": [0.8, 1.0],
                    "overrides": [
                        {"table": "hubs", "where": {"macro_region": "west"}, "scale": {"price_cny_per_kwh": "$value"}}
                    ],
                },
                {"name": "carbon", "values": [0, 200], "overrides": {"settings": {"carbon_price_cny_per_t": "$value"}}},
            ],
        }
    )
    assert [v.id for v in spec.variants] == [
        "Drought-in-CC",
        "west_price=0.8__carbon=0",
        "west_price=0.8__carbon=200",
        "west_price=1__carbon=0",
        "west_price=1__carbon=200",
    ]
    grid = spec.variants[2]
    assert grid.parameters == {"west_price": 0.8, "carbon": 200}
    assert [o.op for o in grid.overrides] == ["scale", "settings"]
    assert grid.overrides[0].values == {"price_cny_per_kwh": 0.8}
    assert grid.overrides[1].values == {"carbon_price_cny_per_t": 200.0}
    assert spec.variants[0].parameters == {"cc_grid": 0.5}
    assert load_sweep({"grid": spec_grid()}).canonical == load_sweep({"grid": spec_grid()}).canonical


def spec_grid() -> list[dict]:
    return [{"name": "p", "values": [1, 2], "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}]}]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"variants": [], "colour": 1},
            "sweep: colour: unknown key 'colour' in a sweep; known keys: name, description, base, base_overrides, "
            "solver, parameter_labels, variants, grid, pareto",
        ),
        (
            _variant({"table": "hub", "id": "gs", "set": {"price_cny_per_kwh": 0.3}}),
            f"sweep: variants[0].overrides[0].table: table 'hub' unknown; tables are {TABLES}",
        ),
        (
            _variant({"table": "hubs", "id": "gs", "set": {"price": 0.3}}),
            "sweep: variants[0].overrides[0].set.price: column 'price' unknown in table 'hubs'; columns are hub_id, "
            "name, clusters, province, macro_region, grid_region, lat_deg, lon_deg, price_cny_per_kwh, pue, grid_mw, "
            "storage_tb, carbon_kg_per_kwh, storage_price_cny_per_tb_month",
        ),
        (
            _variant({"table": "hubs", "id": "gs", "multiply": {"grid_mw": 2}}),
            "sweep: variants[0].overrides[0].multiply: unknown key 'multiply' in an override; known keys: table, id, "
            "ids, where, set, scale, add, remove, duplicate, append, settings",
        ),
        (
            _variant({"table": "hubs", "id": "gs", "set": {"grid_mw": 1}, "scale": {"pue": 2}}),
            "sweep: variants[0].overrides[0]: give exactly one operation of set, scale, add, remove, duplicate, "
            "append; got set, scale",
        ),
        (
            _variant({"table": "hubs", "where": {"grid_mw": {"~": 3}}, "scale": {"grid_mw": 2}}),
            "sweep: variants[0].overrides[0].where.grid_mw: operator '~' unknown; operators are ==, !=, <, <=, >, "
            ">=, in, not_in, like",
        ),
        (
            _variant({"table": "hubs", "where": {"name": {">": 3}}, "scale": {"grid_mw": 2}}),
            "sweep: variants[0].overrides[0].where.name: '>' compares a number column with a number; got 3",
        ),
        (
            _variant({"table": "hubs", "scale": {"name": 2}}),
            "sweep: variants[0].overrides[0].scale.name: cannot scale column 'name': it holds text, not numbers",
        ),
        (
            _variant({"table": "jobs", "add": {"accel_count": 0.5}}),
            "sweep: variants[0].overrides[0].add.accel_count: column 'accel_count' holds integers; add an integer, "
            "got 0.5",
        ),
        (
            _variant({"table": "hubs", "id": "gs", "set": {"hub_id": "x"}}),
            "sweep: variants[0].overrides[0].set.hub_id: column 'hub_id' is the key of table 'hubs'; remove and "
            "append rows instead",
        ),
        (
            _variant({"table": "hubs", "id": "gs", "remove": "yes"}),
            "sweep: variants[0].overrides[0].remove: write 'remove: true' to remove the selected rows, got 'yes'",
        ),
        (
            _variant({"table": "links", "duplicate": 2}),
            "sweep: variants[0].overrides[0].duplicate: duplicate works on the jobs table only (copies jobs with "
            "their override rows)",
        ),
        (
            _variant({"settings": {"carbon_prise": 200}}),
            "sweep: variants[0].overrides[0].settings.carbon_prise: setting 'carbon_prise' unknown; settings are "
            "planning_window_hours, carbon_price_cny_per_t, carbon_budget_t, allow_unplaced, artifact_paths_k",
        ),
        (
            {"grid": [{"name": "p", "values": [1, 2], "overrides": [{"settings": {"carbon_price_cny_per_t": 5}}]}]},
            "sweep: grid[0].overrides: the overrides of an axis must use '$value' for the axis value",
        ),
        (
            {
                "grid": [
                    {"name": "p", "values": [1, "x"], "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}]}
                ]
            },
            "sweep: grid[0].overrides[0].settings.carbon_price_cny_per_t: expected number, got 'x' (axis value 'x')",
        ),
        (
            {"variants": [{"name": "a b"}, {"name": "a-b"}]},
            "sweep: (top level): two variants have the id 'a-b' (variants 1 and 2); rename one",
        ),
        (
            {"variants": [{"name": "x", "parameters": {"status": 1}}]},
            "sweep: variants[0].parameters.status: parameter name 'status' is taken by a summary column; "
            "choose another",
        ),
        ({}, "sweep: (top level): the sweep has no variants: give 'variants', 'grid' or 'pareto'"),
        (
            {"base": "/no/such/scenario", "variants": [{"name": "a"}]},
            "sweep: base: scenario folder /no/such/scenario not found (a relative path starts at the sweep file's "
            "folder)",
        ),
        (
            {"variants": [{"name": "x", "parameters": {"a": 1}}], "parameter_labels": {"b": "B"}},
            "sweep: parameter_labels.b: no variant has a parameter 'b'; parameters: a",
        ),
    ],
)
def test_spec_errors_name_the_key_path(spec: dict, message: str) -> None:
    assert message in _problems(spec)


def test_selections_that_match_nothing_are_errors_before_anything_runs(shipped: ew.Scenario) -> None:
    problems = _problems(
        {
            "variants": [
                {"name": "a", "overrides": [{"table": "hubs", "ids": ["gs", "zz"], "scale": {"grid_mw": 2}}]},
                {"name": "b", "overrides": [{"table": "hubs", "where": {"macro_region": "middle"}, "remove": True}]},
                {"name": "c", "overrides": [{"table": "hub_accelerators", "id": ["gs", "h20"], "set": {"count": 1}}]},
            ]
        },
        shipped,
    )
    assert problems == [
        "sweep: variants[0].overrides[0]: no row of table 'hubs' has hub_id zz",
        "sweep: variants[1].overrides[0]: the selection (macro_region == 'middle') matches no row of table 'hubs'",
        "sweep: variants[2].overrides[0]: no row of table 'hub_accelerators' has hub_id/accel_id gs/h20",
    ]


def test_errors_in_a_file_carry_its_line(tmp_path: Path) -> None:
    path = tmp_path / "what-if.yaml"
    path.write_text(
        "name: t\n"
        "variants:\n"
        "  - name: cheap\n"
        "    overrides:\n"
        "      - table: hubs\n"
        "        id: gs\n"
        "        scale: {price_cny_per_kwhh: 0.8}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert str(info.value.problems[0]).startswith(
        "what-if.yaml, row 7: variants[0].overrides[0].scale.price_cny_per_kwhh: column 'price_cny_per_kwhh' unknown"
    )
    path.write_text("variants: [\n")
    with pytest.raises(ScenarioError, match=r"what-if.yaml, row 2: malformed YAML"):
        load_sweep(path)


# ---------------------------------------------------------------------------------
# selections and operations
# ---------------------------------------------------------------------------------
def _apply(base: ew.Scenario, *overrides: dict) -> ew.Scenario:
    (variant,) = load_sweep(_variant(*overrides)).variants
    return apply_overrides(base, variant.overrides)


def test_selection_by_id_ids_and_where(shipped: ew.Scenario) -> None:
    def hubs_changed(selection: dict) -> list[str]:
        new = _apply(shipped, {"table": "hubs", **selection, "scale": {"grid_mw": 2}})
        changed = new.hubs["grid_mw"] != shipped.hubs["grid_mw"]
        return list(new.hubs.loc[changed, "hub_id"])

    assert hubs_changed({"id": "gs"}) == ["gs"]
    assert hubs_changed({"ids": ["gs", "nx"]}) == ["gs", "nx"]
    assert hubs_changed({"where": {"macro_region": "west"}}) == ["cc", "imo", "gz", "gs", "nx"]
    assert hubs_changed({"where": {"grid_region": ["North", "South"]}}) == ["bth", "gba", "imo", "gz"]
    assert hubs_changed({"where": {"price_cny_per_kwh": {"<": 0.4}, "macro_region": "west"}}) == [
        "imo",
        "gz",
        "gs",
        "nx",
    ]
    assert hubs_changed({"where": {"name": {"like": "G*"}}}) == ["gba", "gz", "gs"]
    assert hubs_changed({}) == list(shipped.hubs["hub_id"])

    def jobs_changed(where: dict) -> set[str]:
        new = _apply(shipped, {"table": "jobs", "where": where, "scale": {"runtime_h": 2}})
        return set(new.jobs.loc[new.jobs["runtime_h"] != shipped.jobs["runtime_h"], "job_id"])

    gov = jobs_changed({"class_id": "gov-north"})  # derived from the job's dataset
    assert gov == {"pt-gov-rs", "mid-gov-llm", "ft-gov-hotline", "ft-gov-rs-change"}
    assert jobs_changed({"serving_hubs": "gba", "job_id": {"like": "pt-*"}}) == {"pt-llm-base", "pt-video-gen"}
    within_20_ms = set(shipped.jobs.loc[shipped.jobs["max_latency_ms"] == 20, "job_id"])
    assert shipped.jobs["max_latency_ms"].isna().any(), "the pattern below must meet empty cells"
    assert jobs_changed({"max_latency_ms": {"like": "2*"}}) == within_20_ms
    east_west = _apply(shipped, {"table": "links", "where": {"corridor": "east-west"}, "scale": {"capacity_gbps": 0.5}})
    halved = east_west.links.loc[east_west.links["capacity_gbps"] != shipped.links["capacity_gbps"], "link_id"]
    assert set(halved) == {"bth-imo", "bth-nx", "yrd-gs", "yrd-cc", "yrd-gz", "gba-gz", "gba-cc"}
    with pytest.raises(InfeasibleError, match="dataset 'gov-services' needs 2 replicas"):  # cut them all
        _apply(shipped, {"table": "links", "where": {"corridor": "east-west"}, "set": {"capacity_gbps": 0}})


def test_set_scale_add_remove_duplicate_append_and_settings(tmp_path: Path) -> None:
    base = ew.load_scenario(_two_hubs(tmp_path / "s"))
    hubs_before = base.hubs.copy()
    new = _apply(
        base,
        {"table": "hubs", "id": "w", "set": {"price_cny_per_kwh": 0.25}},
        {"table": "hubs", "id": "e", "scale": {"grid_mw": 0.5}},
        {"table": "hubs", "id": "e", "add": {"storage_tb": -1000}},
        {"table": "jobs", "id": "pt-a", "scale": {"accel_count": 1.0005}},  # 1000.5 rounds half away from zero
        {"table": "jobs", "id": "ft-c", "scale": {"unplaced_penalty_cny": 2}},  # empty stays empty
        {"table": "jobs", "id": "ft-b", "set": {"unplaced_penalty_cny": None, "serving_hubs": "e;w"}},
        {"settings": {"carbon_price_cny_per_t": 200, "carbon_budget_t": None}},
    )
    hubs = new.hubs.set_index("hub_id")
    assert hubs.at["w", "price_cny_per_kwh"] == 0.25
    assert hubs.at["e", "grid_mw"] == 500.0
    assert hubs.at["e", "storage_tb"] == 1e6 - 1000
    jobs = new.jobs.set_index("job_id")
    assert jobs.at["pt-a", "accel_count"] == 1001 and new.jobs["accel_count"].dtype == "int64"
    assert math.isnan(jobs.at["ft-c", "unplaced_penalty_cny"])
    assert math.isnan(jobs.at["ft-b", "unplaced_penalty_cny"])
    assert jobs.at["ft-b", "serving_hubs"] == ("e", "w")
    assert new.carbon_price_cny_per_t == 200 and new.carbon_budget_t is None
    pd.testing.assert_frame_equal(base.hubs, hubs_before)  # the base is never changed

    cut = _apply(base, {"table": "links", "id": "e-w", "remove": True})
    assert cut.links.empty and len(base.links) == 1
    doubled = _apply(base, {"table": "jobs", "duplicate": 2})
    assert list(doubled.jobs["job_id"]) == ["pt-a", "ft-b", "ft-c", "pt-a.2", "ft-b.2", "ft-c.2"]
    assert list(doubled.overrides["job_id"]) == ["ft-c", "ft-c.2"]  # copies keep their override rows
    appended = _apply(
        base,
        {
            "table": "jobs",
            "append": [
                {
                    "job_id": "new",
                    "dataset_id": "d",
                    "accel_id": "gpu",
                    "accel_count": 8,
                    "runtime_h": 10,
                    "artifact_tb": 0,
                }
            ],
        },
    )
    assert list(appended.jobs["job_id"]) == ["pt-a", "ft-b", "ft-c", "new"]


def test_values_the_schema_refuses_fail_at_apply_time(tmp_path: Path) -> None:
    base = ew.load_scenario(_two_hubs(tmp_path / "s"))
    with pytest.raises(ScenarioError, match=r"hubs table \(after overrides\), row 2, column grid_mw: must be >= 0"):
        _apply(base, {"table": "hubs", "id": "e", "add": {"grid_mw": -2000}})
    with pytest.raises(ScenarioError, match=r"unknown dataset 'nope'"):
        _apply(base, {"table": "jobs", "id": "pt-a", "set": {"dataset_id": "nope"}})
    two_replicas = _apply(base, {"table": "datasets", "id": "d", "set": {"min_replicas": 2, "min_grid_regions": 2}})
    assert int(two_replicas.datasets.at[0, "min_replicas"]) == 2
    with pytest.raises(InfeasibleError, match=r"needs 2 replicas but its origin 'e' reaches only 1 hub"):
        apply_overrides(
            two_replicas,
            load_sweep(_variant({"table": "links", "id": "e-w", "remove": True})).variants[0].overrides,
        )
    with pytest.raises(SelectionError):
        _apply(base, {"table": "jobs", "where": {"job_id": {"like": "zz*"}}, "remove": True})


# ---------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------
def _shipped_sweep() -> dict:
    """Six parameter variants, a cut link, an infeasible variant and an invalid one (gap 0)."""
    return {
        "name": "same-everywhere",
        "solver": {"mip_rel_gap": 0.0, "threads": 1},
        "variants": [
            {"name": "cut-yrd-gz", "overrides": [{"table": "links", "id": "yrd-gz", "remove": True}]},
            {
                "name": "blackout",
                "overrides": [
                    {"table": "hubs", "scale": {"grid_mw": 0.1}},
                    {"table": "jobs", "where": {"job_id": {"like": "pt-*"}}, "set": {"unplaced_penalty_cny": None}},
                ],
            },
            {"name": "negative", "overrides": [{"table": "hubs", "id": "gs", "add": {"price_cny_per_kwh": -1}}]},
        ],
        "grid": [
            {
                "name": "west_price",
                "values": [0.7, 1.0, 1.4],
                "overrides": [
                    {"table": "hubs", "where": {"macro_region": "west"}, "scale": {"price_cny_per_kwh": "$value"}}
                ],
            },
            {
                "name": "nx_grid_mw",
                "values": [4, 8],
                "overrides": [{"table": "hubs", "id": "nx", "set": {"grid_mw": "$value"}}],
            },
        ],
    }


def _key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["variant_id", "status", "objective_cny", "cost_total_cny", "emissions_t", "jobs_unplaced"]]


def test_local_processes_and_a_dask_cluster_give_identical_results(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = _shipped_sweep()
    local = ew.sweep(spec, out=tmp_path / "local", workers=2, progress=False, plots=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        dask = ew.sweep(spec, out=tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False, plots=False)
    assert list(local["variant_id"]) == list(dask["variant_id"]) == [v.id for v in load_sweep(spec).variants]
    assert list(local["status"]) == list(dask["status"])
    statuses = dict(zip(local["variant_id"], local["status"], strict=True))
    assert statuses["blackout"] == "infeasible" and statuses["negative"] == "error"
    assert sum(s == "optimal" for s in statuses.values()) == 7
    solved = local["status"] == "optimal"
    for col in ("objective_cny", "cost_total_cny", "emissions_t"):
        assert local.loc[solved, col].to_numpy() == pytest.approx(dask.loc[solved, col].to_numpy(), rel=1e-9)
    assert (local["jobs_unplaced"].fillna(-1) == dask["jobs_unplaced"].fillna(-1)).all()
    assert local["resolved_in_place"].sum() >= 3, "parameter variants re-solve built models"
    # a failed variant records why and the sweep went on
    blackout = json.loads((tmp_path / "local" / "variants" / "blackout" / "result.json").read_text())
    assert blackout["status"] == "infeasible" and "needs" in blackout["explanation"][0]
    assert (tmp_path / "local" / "variants" / "blackout" / "explanation.csv").is_file()
    negative = json.loads((tmp_path / "local" / "variants" / "negative" / "result.json").read_text())
    assert negative["message"] == (
        "invalid variant: hubs table (after overrides), row 8, column price_cny_per_kwh: must be >= 0, got -0.602"
    )
    # each solved variant folder is a plan folder the verifier accepts
    plan = ew.read_plan(tmp_path / "local" / "variants" / "west_price=0.7__nx_grid_mw=4")
    variant = load_sweep(spec).variants[3]
    assert ew.verify_plan(apply_overrides(ew.load_scenario(), variant.overrides), plan).ok
    parquet = pd.read_parquet(tmp_path / "local" / "summary.parquet")
    assert list(parquet["variant_id"]) == list(local["variant_id"])


def _count_sweep(folder: Path) -> Path:
    path = folder / "carbon.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "carbon-steps",
                "solver": {"mip_rel_gap": 0.0},
                "grid": [
                    {
                        "name": "carbon_price",
                        "values": [0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550],
                        "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}],
                    }
                ],
            }
        )
    )
    return path


def _finished_results(out: Path) -> list[Path]:
    """Result files of finished variants; a variant's temporary folder (``.<id>.tmp-*``, which also
    holds a result.json just before it is renamed into place) does not count."""
    try:
        return [p for p in out.glob("variants/*/result.json") if not p.parent.name.startswith(".")]
    except FileNotFoundError:  # a temporary folder renamed while we looked
        return []


def test_a_killed_sweep_resumes_and_every_variant_is_there_once(tmp_path: Path) -> None:
    sweep_file = _count_sweep(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "from eastwest_opt.cli import main; main()", "sweep", str(sweep_file)]
    cmd += ["--out", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while not _finished_results(out):
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes
        proc.wait()
    time.sleep(0.5)  # the workers die a moment after the sweep's main process
    finished = {p.parent.name: p.stat().st_mtime_ns for p in _finished_results(out)}
    assert 1 <= len(finished) < 12
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "12 variants, 0 without a plan" in result.stdout
    folders = sorted(p.name for p in (out / "variants").iterdir())
    ids = [v.id for v in load_sweep(sweep_file).variants]
    assert folders == sorted(ids), "every variant exactly once, no temporary folders left"
    for vid, mtime in finished.items():
        assert (out / "variants" / vid / "result.json").stat().st_mtime_ns == mtime, f"{vid} was recomputed"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["finished"] == manifest["total"] == 12
    assert [v["id"] for v in manifest["variants"]] == ids
    for entry in manifest["variants"]:
        record = json.loads((out / "variants" / entry["id"] / "result.json").read_text())
        assert record["status"] == entry["status"] == "optimal"
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["variant_id"]) == ids
    costs = summary.set_index("carbon_price")["cost_carbon_cny"]
    assert costs.loc[0] == 0 and costs.loc[550] > costs.loc[50] > 0


def test_workers_that_cannot_start_stop_the_sweep_before_any_variant_is_recorded(tmp_path: Path) -> None:
    script = tmp_path / "no_guard.py"  # calls the sweep at import time: every spawned worker would too
    script.write_text(
        "import eastwest_opt as ew\n"
        f"spec = {{'base': {str(_two_hubs(tmp_path / 's'))!r}, 'variants': [{{'name': 'a'}}, {{'name': 'b'}}]}}\n"
        f"ew.sweep(spec, out={str(tmp_path / 'out')!r}, workers=2, progress=False, plots=False)\n"
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "WorkerStartError: the sweep's worker processes could not start" in result.stderr
    assert 'under `if __name__ == "__main__":`' in result.stderr
    assert list((tmp_path / "out" / "variants").iterdir()) == [], "no variant is recorded as failed"


def _dies_on_poison(variant: Variant) -> VariantResult:
    """A pool task whose worker process dies (as if killed for memory) on the variant 'poison'."""
    from eastwest_opt.sweeps import run as sweep_run

    if variant.id == "poison":
        os._exit(9)
    return sweep_run._pool_task(variant)


def test_a_variant_that_kills_its_worker_is_an_error_and_the_others_go_on(tmp_path: Path) -> None:
    from eastwest_opt.solver.status import SolveOptions
    from eastwest_opt.sweeps import RunSettings, run_local

    base = ew.load_scenario(_two_hubs(tmp_path / "s"))
    names = ["a", "b", "poison", "c", "d", "e", "f"]
    spec = load_sweep({"variants": [{"name": n} for n in names]})
    run = RunSettings(options=SolveOptions(mip_rel_gap=0.0, threads=1))
    results = {v.id: r for v, r in run_local(base, spec.variants, run, 2, task=_dies_on_poison)}
    assert sorted(results) == sorted(names), "every variant exactly once"
    poison = results.pop("poison")
    assert poison.status == "error"
    assert poison.record["message"] == "its worker process died while solving it (out of memory, or killed)"
    assert {r.status for r in results.values()} == {"optimal"}, "the variants beside it are solved again, not lost"


def test_pareto_front_is_monotone_and_within_budget(tmp_path: Path) -> None:
    folder = _two_hubs(tmp_path / "s")
    spec = {"base": str(folder), "solver": {"mip_rel_gap": 0.0}, "pareto": {"steps": 4}}
    summary = ew.sweep(spec, out=tmp_path / "front", workers=1, progress=False)
    front = pd.read_csv(tmp_path / "front" / "pareto.csv")
    assert list(front["variant_id"]) == ["budget-00", "budget-01", "budget-02", "budget-03", "budget-04"]
    assert (front["status"] == "optimal").all() and front["on_front"].all()
    assert (front["emissions_t"] <= front["carbon_budget_t"] + 1e-6).all()
    costs = front["cost_total_cny"].to_numpy()
    assert all(a >= b - 1e-6 for a, b in itertools.pairwise(costs)), "cost falls as the budget grows"
    assert front["emissions_t"].iloc[0] < front["emissions_t"].iloc[-1]
    ends = json.loads((tmp_path / "front" / "pareto_ends.json").read_text())
    assert front["cost_total_cny"].iloc[-1] == pytest.approx(ends["min_cost_cny"], rel=1e-9)
    assert front["emissions_t"].iloc[0] == pytest.approx(ends["min_emissions_t"], rel=1e-6)
    assert summary["resolved_in_place"].sum() == 4, "budget steps re-solve one model"
    assert (tmp_path / "front" / "plots" / "pareto_front.png").stat().st_size > 10_000


def test_a_changed_sweep_file_is_refused_unless_overwrite(tmp_path: Path) -> None:
    folder = _two_hubs(tmp_path / "s")
    spec = {
        "base": str(folder),
        "grid": [{"name": "p", "values": [0, 100], "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}]}],
    }
    out = tmp_path / "out"
    first = ew.sweep(spec, out=out, workers=1, progress=False, plots=False)
    assert first.attrs["outcome"].ran == 2
    again = ew.sweep(spec, out=out, workers=1, progress=False, plots=False)
    assert again.attrs["outcome"].ran == 0 and again.attrs["outcome"].skipped == 2
    spec["grid"][0]["values"] = [0, 200]
    with pytest.raises(OutputExistsError, match="holds the results of a different sweep"):
        ew.sweep(spec, out=out, workers=1, progress=False, plots=False)
    fresh = ew.sweep(spec, out=out, workers=1, progress=False, plots=False, overwrite=True)
    assert list(fresh["variant_id"]) == ["p=0", "p=200"] and fresh.attrs["outcome"].ran == 2
    assert sorted(p.name for p in (out / "variants").iterdir()) == ["p=0", "p=200"]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(OutputExistsError, match="holds no sweep results"):
        ew.sweep(spec, out=tmp_path / "mine", workers=1, progress=False, overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_plots_for_each_swept_parameter(tmp_path: Path) -> None:
    folder = _two_hubs(tmp_path / "s")
    spec = {
        "base": str(folder),
        "grid": [
            {
                "name": "west_price",
                "label": "West price (x today)",
                "values": [0.5, 1.0, 3.0],
                "overrides": [{"table": "hubs", "id": "w", "scale": {"price_cny_per_kwh": "$value"}}],
            },
            {"name": "carbon", "values": [0, 500], "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}]},
        ],
    }
    summary = ew.sweep(spec, out=tmp_path / "out", workers=1, progress=False)
    names = sorted(p.name for p in summary.attrs["outcome"].plots)
    assert names == sorted(
        [
            "cost_vs_west_price.png",
            "cost_vs_carbon.png",
            "west_share_vs_west_price.png",
            "west_share_vs_carbon.png",
            "hub_utilisation.png",
            "hub_power.png",
            "costs_by_variant.png",
        ]
    )
    share = summary.set_index(["west_price", "carbon"])["west_energy_share"]
    assert share.loc[(0.5, 0)] == 1.0 and share.loc[(3.0, 0)] == 0.0, "dear western power sends training East"
    hubs = pd.read_parquet(tmp_path / "out" / "hubs.parquet")
    assert len(hubs) == 2 * len(summary) and set(hubs["hub_id"]) == {"e", "w"}


# ---------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------
def test_cli_sweep(tmp_path: Path) -> None:
    folder = _two_hubs(tmp_path / "s")
    good = tmp_path / "good.yaml"
    good.write_text(
        yaml.safe_dump(
            {
                "base": str(folder),
                "variants": [
                    {"name": "base"},
                    {"name": "no-grid", "overrides": [{"table": "hubs", "scale": {"grid_mw": 0}}]},
                ],
            }
        )
    )
    result = runner.invoke(app, ["sweep", str(good), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "2 variants (1 optimal, 1 infeasible)" in result.output
    assert "no-grid: infeasible: scenario" in result.output
    result = runner.invoke(app, ["sweep", str(good), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0 and result.output.strip().startswith("2 variants, 1 without a plan")
    bad = tmp_path / "bad.yaml"
    bad.write_text("variants:\n  - name: x\n    overrides: [{table: hub, id: e, remove: true}]\n")
    result = runner.invoke(app, ["sweep", str(bad), "--out", str(tmp_path / "bad-out")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: bad.yaml, row 3: variants[0].overrides[0].table: table 'hub' unknown; tables are {TABLES}"
    )
    assert not (tmp_path / "bad-out").exists(), "nothing runs for a bad sweep file"
    result = runner.invoke(app, ["sweep", "--help"])
    for option in ("--out", "--workers", "--scheduler", "--overwrite", "--quiet", "--time-limit", "--debug"):
        assert option in result.output


def test_a_plan_the_verifier_rejects_is_an_error_not_a_solution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eastwest_opt.api as api_module
    import eastwest_opt.plan.verify as verify_module
    from eastwest_opt.plan.verdict import VerificationReport, Violation

    real = verify_module.verify_plan

    def strict(scenario: ew.Scenario, plan: ew.Plan) -> VerificationReport:
        report = real(scenario, plan)
        if scenario.carbon_price_cny_per_t > 0:  # pretend the solver broke a constraint in these variants
            report.violations.append(Violation("power", "hub w draws 1 MW over its grid allocation"))
        return report

    monkeypatch.setattr(api_module, "verify_plan", strict)
    spec = {
        "base": str(_two_hubs(tmp_path / "s")),
        "grid": [
            {"name": "p", "values": [0, 100, 200], "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}]}
        ],
    }
    summary = ew.sweep(spec, out=tmp_path / "out", workers=1, progress=False, plots=False)
    assert list(summary["status"]) == ["optimal", "error", "error"]
    assert list(summary["verified"]) == [True, False, False]
    assert summary["error"].iloc[1].startswith("the solver's plan failed verification: [power] hub w draws 1 MW")
    assert summary["cost_total_cny"].iloc[1:].isna().all(), "a rejected plan reports no outcomes"
    assert not (tmp_path / "out" / "variants" / "p=100" / "placements.csv").exists()
    assert (tmp_path / "out" / "summary.csv").stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert (tmp_path / "out" / "variants" / "p=0").stat().st_mode & 0o777 == 0o777 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_plot_lines_are_named_by_the_other_parameters_label_and_sorted_by_value() -> None:
    from eastwest_opt.sweeps.plot_lines import _series_groups

    frame = pd.DataFrame({"price": [1.0, 2.0, 1.0, 2.0, 1.0], "grid": [10, 10, 2, 2, None], "y": [1, 2, 3, 4, 5]})
    groups, title = _series_groups(frame, "price", ["grid"], {"grid": "Western grid (MW)"})
    assert title == "Western grid (MW)"
    assert [name for name, _ in groups] == ["2", "10", "not set"]
    assert [list(part["y"]) for _, part in groups] == [[3, 4], [1, 2], [5]]
    frame["carbon"] = [0, 0, 0, 0, 100]
    groups, title = _series_groups(frame, "price", ["grid", "carbon"], {"grid": "Grid", "carbon": "Carbon"})
    assert title is None and groups[0][0] == "Grid: 2; Carbon: 0"


def test_api_is_exported() -> None:
    assert callable(ew.sweep) and callable(ew.load_sweep)
    assert ew.sweep.__module__ == "eastwest_opt.sweeps"
