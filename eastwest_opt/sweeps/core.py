"""The names the sweep package takes from eastwest_opt's core modules, imported here and nowhere else.

Every module of :mod:`eastwest_opt.sweeps` imports the core's errors, plan, scenario and schema
names from this module, so that when a core module moves only these lines change. The solver
(``eastwest_opt.solver``, which imports Pyomo and HiGHS) is imported inside the functions that
solve, and ``eastwest_opt.explain`` inside the one function that explains a cut route, so that
reading and checking a sweep file stays cheap.
"""

from __future__ import annotations

from eastwest_opt.errors import (
    EastWestError,
    InfeasibleError,
    NoSolutionError,
    OutputExistsError,
    Problem,
    ScenarioError,
    VerificationError,
)
from eastwest_opt.plan.plan import COST_TERMS, TABLES, Plan
from eastwest_opt.scenario import Scenario, check_references, check_routes, load_scenario
from eastwest_opt.scenario.cells import parse_table
from eastwest_opt.scenario.fingerprint import scenario_fingerprint
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, Column, TableSchema, split_list
from eastwest_opt.scenario.yaml_reader import KeyPath, key_path_text, read_yaml

__all__ = [
    "COST_TERMS",
    "SCHEMAS",
    "TABLES",
    "TABLE_ORDER",
    "Column",
    "EastWestError",
    "InfeasibleError",
    "KeyPath",
    "NoSolutionError",
    "OutputExistsError",
    "Plan",
    "Problem",
    "Scenario",
    "ScenarioError",
    "TableSchema",
    "VerificationError",
    "check_references",
    "check_routes",
    "key_path_text",
    "load_scenario",
    "parse_table",
    "read_yaml",
    "scenario_fingerprint",
    "split_list",
]
