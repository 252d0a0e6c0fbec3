"""eastwest-opt: placement optimiser for China's East Data, West Computing strategy.

Load a scenario, solve the placement MIP with HiGHS, get a verified plan as pandas tables::

    import eastwest_opt as ew
    scenario = ew.load_scenario()              # the shipped eight-hub scenario
    cheaper = scenario.update("hubs", "gs", price_cny_per_kwh=0.30)
    plan = ew.solve(cheaper)
    plan.placements, plan.costs, plan.summary()
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_scenario": "eastwest_opt.scenario.load",
    "validate_scenario": "eastwest_opt.scenario.load",
    "Scenario": "eastwest_opt.scenario.core",
    "solve": "eastwest_opt.api",
    "capacity_values": "eastwest_opt.sweeps.values",
    "solve_model": "eastwest_opt.api",
    "Status": "eastwest_opt.solver.status",
    "SolveOptions": "eastwest_opt.solver.status",
    "PlacementModel": "eastwest_opt.solver.placement",
    "Plan": "eastwest_opt.plan.plan",
    "read_plan": "eastwest_opt.plan.plan",
    "verify_plan": "eastwest_opt.plan.verify",
    "generate_scenario": "eastwest_opt.generate",
    "sweep": "eastwest_opt.sweeps",
    "load_sweep": "eastwest_opt.sweeps",
    "ScenarioError": "eastwest_opt.errors",
    "InfeasibleError": "eastwest_opt.errors",
    "NoSolutionError": "eastwest_opt.errors",
    "VerificationError": "eastwest_opt.errors",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    """Import the public API lazily, so that ``eastwest-opt --help`` starts fast."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eastwest_opt' has no attribute {name!r}")
    return getattr(import_module(module), name)


# How the package's objects show in a notebook: kind -> "module:function" returning HTML. The root
# wires the stages together, as _EXPORTS does: a plan's view is drawn by the report, a later stage
# than the plan, so the plan looks it up here by name and never imports the report.
_NOTEBOOK_VIEWS = {"plan": "eastwest_opt.report.notebook:plan_html"}


def notebook_html(kind: str, obj: Any) -> str:
    """The HTML by which ``obj`` (a ``kind`` of :data:`_NOTEBOOK_VIEWS`) shows in a notebook."""
    module, _, name = _NOTEBOOK_VIEWS[kind].partition(":")
    return str(getattr(import_module(module), name)(obj))
