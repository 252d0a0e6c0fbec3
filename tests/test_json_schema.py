"""The JSON Schemas for editors: shipped as generated, printed by `eastwest-opt schema`, valid for every
shipped file, and in agreement with the loaders on good and bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import ScenarioError
from eastwest_opt.scenario import shipped_scenario_path
from eastwest_opt.scenario.json_schema import SCHEMA_FILE as SCENARIO_SCHEMA_FILE
from eastwest_opt.scenario.json_schema import scenario_json_schema, schema_text
from eastwest_opt.sweeps.json_schema import SCHEMA_FILE as SWEEP_SCHEMA_FILE
from eastwest_opt.sweeps.json_schema import sweep_json_schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "sweeps").glob("*.yaml"))
runner = CliRunner()
SCENARIO = jsonschema.Draft202012Validator(scenario_json_schema())
SWEEP = jsonschema.Draft202012Validator(sweep_json_schema())


def _schema_errors(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [e.message for e in validator.iter_errors(data)]


def test_the_shipped_schemas_are_the_generated_ones() -> None:
    """Regenerate with `eastwest-opt schema scenario > eastwest_opt/scenario/scenario.schema.json`
    (and `schema sweep > eastwest_opt/sweeps/sweep.schema.json`)."""
    for generated, file in ((scenario_json_schema(), SCENARIO_SCHEMA_FILE), (sweep_json_schema(), SWEEP_SCHEMA_FILE)):
        jsonschema.Draft202012Validator.check_schema(generated)
        assert file.read_text() == schema_text(generated), f"{file.name} is stale; regenerate it"


@pytest.mark.parametrize("kind", ["scenario", "sweep"])
def test_the_schema_command_prints_them(kind: str) -> None:
    result = runner.invoke(app, ["schema", kind])
    assert result.exit_code == 0
    file = SCENARIO_SCHEMA_FILE if kind == "scenario" else SWEEP_SCHEMA_FILE
    assert json.loads(result.output) == json.loads(file.read_text())
    bad = runner.invoke(app, ["schema", "plan"])
    assert bad.exit_code == 2 and bad.output == "error: unknown schema 'plan'; choose scenario or sweep\n"


def test_the_shipped_scenario_and_every_example_sweep_validate() -> None:
    assert _schema_errors(SCENARIO, yaml.safe_load((shipped_scenario_path() / "scenario.yaml").read_text())) == []
    assert len(EXAMPLES) >= 6
    for path in EXAMPLES:
        assert _schema_errors(SWEEP, yaml.safe_load(path.read_text())) == [], path.name
        ew.load_sweep(path)  # and the parser takes them


# ------------------------------------------------------------------------------------------------
# scenario.yaml: the schema and the loader agree
# ------------------------------------------------------------------------------------------------
BAD_SETTINGS: list[dict[str, Any]] = [
    {"carbon_prise": 3},
    {"planning_window_hours": "lots"},
    {"planning_window_hours": 0},
    {"planning_window_hours": None},
    {"carbon_price_cny_per_t": -1},
    {"carbon_budget_t": -5},
    {"allow_unplaced": "yes"},
    {"artifact_paths_k": 2.5},
    {"artifact_paths_k": 0},
    {"name": ["a", "b"]},
    {"description": True},
    {"solver": 5},
    {"solver": {"colour": 1}},
    {"solver": {"time_limit_s": 0}},
    {"solver": {"mip_rel_gap": 1}},
    {"solver": {"threads": 0}},
    {"solver": {"threads": 1.5}},
    {"solver": {"time_limit_s": "fast"}},
    {"tables": ["hubs.csv"]},
    {"tables": {"jobz": "jobs.csv"}},
    # the loader's upper ends and text limits, stated in the schema too
    {"planning_window_hours": 1e7},
    {"carbon_price_cny_per_t": 2e6},
    {"artifact_paths_k": 101},
    {"solver": {"threads": 5000}},
    {"name": "x" * 201},
    {"name": 20.5},
    {"tables": {"hubs": ""}},
    {"tables": {"hubs": "   "}},
    {"tables": {"hubs": "x" * 1001}},
]
GOOD_SETTINGS: list[dict[str, Any]] = [
    {},
    {"carbon_budget_t": 0},
    {"carbon_budget_t": None, "carbon_price_cny_per_t": 200},
    {"artifact_paths_k": 4.0},
    {"name": 2030, "description": None},
    {"solver": None},
    {"solver": {"threads": 1, "mip_rel_gap": 0, "time_limit_s": None}},
    {"allow_unplaced": False},
    {"planning_window_hours": 876_000, "solver": {"threads": 1024}},
    {"tables": {"overrides": None}},
]


@pytest.fixture(scope="module")
def scenario_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("s") / "s"
    shutil.copytree(shipped_scenario_path(), folder)
    return folder


def _loader_errors(folder: Path, change: dict[str, Any]) -> list[str]:
    config = yaml.safe_load((shipped_scenario_path() / "scenario.yaml").read_text())
    config.update(change)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(config))
    return [str(p) for p in ew.validate_scenario(folder) if p.severity == "error"]


@pytest.mark.parametrize("change", BAD_SETTINGS, ids=[json.dumps(c) for c in BAD_SETTINGS])
def test_bad_scenario_settings_are_rejected_by_both(change: dict[str, Any], scenario_folder: Path) -> None:
    config = yaml.safe_load((shipped_scenario_path() / "scenario.yaml").read_text()) | change
    assert _schema_errors(SCENARIO, config), "the schema accepts it"
    assert _loader_errors(scenario_folder, change), "the loader accepts it"


@pytest.mark.parametrize("change", GOOD_SETTINGS, ids=[json.dumps(c) for c in GOOD_SETTINGS])
def test_good_scenario_settings_are_accepted_by_both(change: dict[str, Any], scenario_folder: Path) -> None:
    config = yaml.safe_load((shipped_scenario_path() / "scenario.yaml").read_text()) | change
    assert _schema_errors(SCENARIO, config) == []
    assert _loader_errors(scenario_folder, change) == []


def test_an_unknown_key_is_named_alike() -> None:
    errors = _schema_errors(SCENARIO, {"carbon_prise": 3})
    assert errors == ["Additional properties are not allowed ('carbon_prise' was unexpected)"]


# ------------------------------------------------------------------------------------------------
# sweep files: the schema and the parser agree
# ------------------------------------------------------------------------------------------------
PRICE = {"table": "hubs", "where": {"macro_region": "west"}, "scale": {"price_cny_per_kwh": 0.8}}


def _named(*overrides: dict[str, Any]) -> dict[str, Any]:
    return {"variants": [{"name": "v", "overrides": list(overrides)}]}


BAD_SWEEPS: dict[str, dict[str, Any]] = {
    "unknown top key": {"colour": 1, **_named(PRICE)},
    "unknown variant key": {"variants": [{"name": "v", "label": "x", "colour": 2, "overrides": [PRICE]}]},
    "variant without a name": {"variants": [{"overrides": [PRICE]}]},
    "unknown table": _named({"table": "hubz", "scale": {"grid_mw": 2}}),
    "unknown column": _named({"table": "hubs", "scale": {"price_cny_per_kwhh": 0.8}}),
    "scale by text": _named({"table": "hubs", "scale": {"grid_mw": "double"}}),
    "scale a text column": _named({"table": "hubs", "scale": {"name": 2}}),
    "set the key": _named({"table": "hubs", "id": "gs", "set": {"hub_id": "gs2"}}),
    "set a wrong type": _named({"table": "hubs", "id": "gs", "set": {"grid_mw": "lots"}}),
    "null in a required column": _named({"table": "hubs", "id": "gs", "set": {"grid_mw": None}}),
    "two operations": _named({"table": "hubs", "set": {"pue": 1.2}, "scale": {"grid_mw": 2}}),
    "no operation": _named({"table": "hubs", "id": "gs"}),
    "two selections": _named({"table": "hubs", "id": "gs", "where": {"macro_region": "west"}, "remove": True}),
    "unknown where operator": _named({"table": "hubs", "where": {"pue": {"~": 1}}, "scale": {"grid_mw": 2}}),
    "compare a text column": _named({"table": "hubs", "where": {"name": {"<": 3}}, "scale": {"grid_mw": 2}}),
    "where on an unknown column": _named({"table": "hubs", "where": {"colour": "red"}, "scale": {"grid_mw": 2}}),
    "remove false": _named({"table": "links", "id": "yrd-gz", "remove": False}),
    "duplicate hubs": _named({"table": "hubs", "duplicate": 2}),
    "duplicate zero": _named({"table": "jobs", "duplicate": 0}),
    "append with a selection": _named({"table": "hubs", "id": "gs", "append": [{"hub_id": "x"}]}),
    "append without required columns": _named({"table": "links", "append": [{"link_id": "a-b"}]}),
    "id of a two-column key": _named({"table": "hub_accelerators", "id": "gs", "scale": {"count": 2}}),
    "unknown setting": _named({"settings": {"carbon_prise": 1}}),
    "setting of the wrong type": _named({"settings": {"allow_unplaced": "yes"}}),
    "settings with a table": _named({"settings": {"carbon_price_cny_per_t": 1}, "table": "hubs"}),
    "solver threads zero": {"solver": {"threads": 0}, **_named(PRICE)},
    "solver gap one": {"solver": {"mip_rel_gap": 1}, **_named(PRICE)},
    "unknown solver key": {"solver": {"gap": 0.1}, **_named(PRICE)},
    "pareto steps zero": {"pareto": {"steps": 0}},
    "pareto with variants": {"pareto": {"steps": 3}, **_named(PRICE)},
    "axis without overrides": {"grid": [{"name": "p", "values": [1, 2]}]},
    "axis without values": {"grid": [{"name": "p", "values": [], "overrides": [PRICE]}]},
    "axis named like a summary column": {
        "grid": [{"name": "status", "values": [1], "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}]}]
    },
    "axis with a bad name": {
        "grid": [{"name": "1p", "values": [1], "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}]}]
    },
    "$value outside a grid": _named({"table": "hubs", "scale": {"grid_mw": "$value"}}),
    "no variants": {"name": "nothing"},
    "empty grid": {"grid": []},
    "base of the wrong type": {"base": 5, **_named(PRICE)},
}
GOOD_SWEEPS: dict[str, dict[str, Any]] = {
    "append a row": _named({"table": "hub_accelerators", "append": {"hub_id": "gs", "accel_id": "h20", "count": 64}}),
    "like and in": _named(
        {"table": "jobs", "where": {"job_id": {"like": "pt-*"}, "accel_id": ["h800"]}, "scale": {"runtime_h": 1.1}}
    ),
    "two-column id": _named({"table": "hub_accelerators", "id": ["gs", "ascend-910b"], "add": {"count": 100}}),
    "null in an optional column": _named({"table": "jobs", "id": "pt-llm-base", "set": {"max_latency_ms": None}}),
    "settings": _named({"settings": {"carbon_budget_t": None, "artifact_paths_k": 3}}),
    "single override": {"variants": [{"name": "cut", "overrides": {"table": "links", "id": "yrd-gz", "remove": True}}]},
    "axis": {
        "grid": [
            {
                "name": "f",
                "values": [1, 2],
                "overrides": [
                    {"table": "jobs", "duplicate": "$value"},
                    {"table": "hubs", "where": {"grid_mw": {">": "$value"}}, "scale": {"grid_mw": "$value"}},
                ],
            }
        ]
    },
    "pareto": {"pareto": {"steps": 4}, "solver": {"threads": 1, "time_limit_s": None}},
}


def _parser_rejects(data: dict[str, Any], tmp_path: Path) -> bool:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data))
    try:
        ew.load_sweep(path)
    except ScenarioError:
        return True
    return False


@pytest.mark.parametrize("name", list(BAD_SWEEPS))
def test_bad_sweeps_are_rejected_by_both(name: str, tmp_path: Path) -> None:
    data = BAD_SWEEPS[name]
    assert _schema_errors(SWEEP, data), "the schema accepts it"
    assert _parser_rejects(data, tmp_path), "the parser accepts it"


@pytest.mark.parametrize("name", list(GOOD_SWEEPS))
def test_good_sweeps_are_accepted_by_both(name: str, tmp_path: Path) -> None:
    data = GOOD_SWEEPS[name]
    assert _schema_errors(SWEEP, data) == []
    assert not _parser_rejects(data, tmp_path)
