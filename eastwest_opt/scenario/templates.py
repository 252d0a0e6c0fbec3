"""Templates a planner starts a scenario from: the shipped scenarios, whole or without a portfolio.

``eastwest-opt init DIR`` (:func:`write_template`) writes a complete, valid scenario folder: the
tables as CSV, a commented ``scenario.yaml`` whose first line points editors at
``scenario.schema.json`` (written beside it), and a ``README.md`` that says what each table and
column is for (:mod:`~eastwest_opt.scenario.readme`, written from the schema). ``--xlsx FILE``
writes the same scenario as one workbook. The templates are the shipped scenarios of
:data:`TEMPLATES`: a template whose scenario this version does not ship is a clean error.

The empty template (``--empty``) keeps the hubs, links, accelerators, hub inventories and data
classes and has no datasets, jobs or overrides: ``datasets.csv`` and ``jobs.csv`` hold their
header rows only. It is not a valid scenario until the planner adds rows, and the loader says
so in the planner's words (``table has no rows: no jobs yet; ...``), exit code 2: a plan of
nothing would only hide a forgotten file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from eastwest_opt.atomic import write_folder
from eastwest_opt.errors import OutputExistsError, Problem, ScenarioError
from eastwest_opt.scenario.core import SCENARIO_FILE, Scenario
from eastwest_opt.scenario.json_schema import SCHEMA_FILE
from eastwest_opt.scenario.load import is_shipped, load_scenario, shipped_scenario_path
from eastwest_opt.scenario.readme import readme_text, settings_yaml
from eastwest_opt.scenario.schema import empty_table
from eastwest_opt.scenario.write import csv_frame, written_tables

# template -> the shipped scenario it copies (eastwest_opt.scenario.load.SHIPPED_SCENARIOS)
TEMPLATES = {"eight-hubs": "eight-hubs", "year": "eight-hubs-year"}
PORTFOLIO_TABLES = ("datasets", "jobs", "overrides")
README_FILE = "README.md"
EDITOR_SCHEMA_FILE = "scenario.schema.json"


def template_scenario(template: str = "eight-hubs", *, empty: bool = False, name: str | None = None) -> Scenario:
    """The scenario a template holds, named ``name`` (default: the shipped one's name).

    Raises :class:`ScenarioError` for a template whose scenario this version does not ship.
    """
    shipped = TEMPLATES[template]
    if not is_shipped(shipped):
        flag = f"--{template}" if template != "eight-hubs" else template
        raise ScenarioError(
            [Problem(flag, f"the {template} scenario ({shipped}) is not shipped in this version of eastwest-opt")]
        )
    sc = load_scenario(shipped_scenario_path(shipped))
    description = " ".join(sc.description.split())
    if empty:
        tables = dict(sc.tables) | {t: empty_table(t) for t in PORTFOLIO_TABLES}
        description = (
            f"The hubs, backbone, accelerators and data classes of the shipped {sc.name} scenario, "
            "with no datasets or jobs yet: add them to datasets.csv and jobs.csv."
        )
        sc = dataclasses.replace(sc, tables=tables)
    else:
        description = f"Started from the shipped {sc.name} scenario. {description}"
    return dataclasses.replace(sc, name=name or sc.name, description=description, path=None, sources={})


def write_template(
    folder: str | Path | None = None,
    workbook: str | Path | None = None,
    *,
    template: str = "eight-hubs",
    empty: bool = False,
    overwrite: bool = False,
) -> Scenario:
    """Write a template scenario as a folder, a workbook, or both; return the scenario written.

    Existing outputs are refused (:class:`OutputExistsError`) unless ``overwrite``, before
    anything is written.
    """
    if folder is None and workbook is None:
        raise ScenarioError([Problem("init", "give a folder to write, or --xlsx FILE for a workbook")])
    for target in (folder, workbook):
        if target is not None and Path(target).exists() and not overwrite:
            raise OutputExistsError(f"{target}: exists; pass --overwrite to replace it")
    if folder is not None and Path(folder).is_dir() and not (Path(folder) / SCENARIO_FILE).is_file():
        if any(Path(folder).iterdir()):  # never replace a folder of other things, --overwrite or not
            raise OutputExistsError(f"{folder}: exists and is not a scenario folder (no {SCENARIO_FILE}); refused")
    stem = Path(folder if folder is not None else str(workbook)).resolve().stem
    sc = template_scenario(template, empty=empty, name=stem or "my-scenario")
    if folder is not None:
        write_folder(folder, lambda tmp: _fill(tmp, sc, template=TEMPLATES[template], empty=empty), overwrite=True)
    if workbook is not None:
        from eastwest_opt.scenario.workbook_write import write_scenario_workbook

        write_scenario_workbook(dataclasses.replace(sc, name=Path(workbook).stem), workbook, overwrite=True)
    return sc


def _fill(tmp: Path, sc: Scenario, *, template: str, empty: bool) -> None:
    """Write the template's files into the temporary folder ``tmp``."""
    for name in written_tables(sc):
        csv_frame(name, sc.tables[name]).to_csv(tmp / f"{name}.csv", index=False, na_rep="")
    text = settings_yaml(sc)
    yaml.safe_load(text)  # what is written parses, comments and all
    (tmp / SCENARIO_FILE).write_text(text, encoding="utf-8")
    (tmp / README_FILE).write_text(readme_text(sc, template=template, empty=empty), encoding="utf-8")
    (tmp / EDITOR_SCHEMA_FILE).write_text(SCHEMA_FILE.read_text(encoding="utf-8"), encoding="utf-8")
