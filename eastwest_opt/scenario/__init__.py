"""Scenarios: what a planner gives the optimiser, read and checked before anything is built.

- :mod:`~eastwest_opt.scenario.schema`: the tables, their columns, units and ranges (admissible
  and plausible, and why);
- :mod:`~eastwest_opt.scenario.cells`: the parsing of raw cells into typed columns;
- :mod:`~eastwest_opt.scenario.core`: the :class:`Scenario` and its changes in code;
- :mod:`~eastwest_opt.scenario.yaml_reader`: YAML read safely (aliases capped, duplicate keys and
  tags refused) with the line of every key, for ``scenario.yaml`` and sweep files;
- :mod:`~eastwest_opt.scenario.settings`: the settings of ``scenario.yaml`` (or a workbook's
  ``scenario`` sheet), their types, ranges and meanings;
- :mod:`~eastwest_opt.scenario.load`: reading a folder or a workbook, every problem with file (or
  sheet), row and column; :mod:`~eastwest_opt.scenario.raw` the tables as read,
  :mod:`~eastwest_opt.scenario.workbook` the workbook reader;
- :mod:`~eastwest_opt.scenario.checks`: checks across tables (references, duplicates, routes);
  :mod:`~eastwest_opt.scenario.timing` the periods and the jobs' releases and deadlines;
- :mod:`~eastwest_opt.scenario.magnitudes`: the products of columns the solver can work with;
- :mod:`~eastwest_opt.scenario.network`: the backbone as a networkx graph, its arcs and routes;
- :mod:`~eastwest_opt.scenario.write` and :mod:`~eastwest_opt.scenario.workbook_write`: a scenario
  written as a folder or a workbook;
- :mod:`~eastwest_opt.scenario.templates`: the templates of ``eastwest-opt init``, with the README
  of :mod:`~eastwest_opt.scenario.readme` and the descriptions of :mod:`~eastwest_opt.scenario.docs`;
- :mod:`~eastwest_opt.scenario.json_schema`: the JSON Schema of ``scenario.yaml`` for editors;
- :mod:`~eastwest_opt.scenario.html`: a scenario as HTML in a notebook.
"""

from __future__ import annotations

from eastwest_opt.scenario.checks import allowed_hub_set, check_references, check_routes, is_missing
from eastwest_opt.scenario.core import HOURS_PER_MONTH, SCENARIO_FILE, TB_PER_GBPS_HOUR, Scenario, SolverSettings
from eastwest_opt.scenario.load import load_scenario, shipped_scenario_path, validate_scenario

__all__ = [
    "HOURS_PER_MONTH",
    "SCENARIO_FILE",
    "TB_PER_GBPS_HOUR",
    "Scenario",
    "SolverSettings",
    "allowed_hub_set",
    "check_references",
    "check_routes",
    "is_missing",
    "load_scenario",
    "shipped_scenario_path",
    "validate_scenario",
]
