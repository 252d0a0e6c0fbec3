"""The names the generator takes from the eastwest_opt core modules, imported here and only here.

Every other module of :mod:`eastwest_opt.generate` imports them from this one, so that a move of
a core module changes the import lines of this file and nothing else. None of the modules named
here imports :mod:`eastwest_opt.generate`, so there is no cycle.
"""

from __future__ import annotations

from eastwest_opt.atomic import write_folder
from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.model.data import job_groups
from eastwest_opt.scenario import (
    SCENARIO_FILE,
    TB_PER_GBPS_HOUR,
    Scenario,
    SolverSettings,
    allowed_hub_set,
    check_references,
    check_routes,
    load_scenario,
)
from eastwest_opt.scenario.cells import parse_table
from eastwest_opt.scenario.network import Network, build_network, route_arcs
from eastwest_opt.scenario.schema import LIST_SEP, SCHEMAS, TABLE_ORDER

__all__ = [
    "LIST_SEP",
    "SCENARIO_FILE",
    "SCHEMAS",
    "TABLE_ORDER",
    "TB_PER_GBPS_HOUR",
    "Network",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolverSettings",
    "allowed_hub_set",
    "build_network",
    "check_references",
    "check_routes",
    "job_groups",
    "load_scenario",
    "parse_table",
    "route_arcs",
    "write_folder",
]
