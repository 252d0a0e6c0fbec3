"""A plan for planners: the terminal summary, and a report with a hub map, the costs, the hubs'
utilisation and the placements.

:func:`figures` draws four matplotlib figures of a plan:

- ``map``: the hubs at their coordinates over an outline of China, markers sized by the
  training power placed and coloured by the electricity price, eastern and western hubs in
  different shapes; the backbone links with one curved arrow per direction and kind of traffic
  (data West: replication and staging, solid; artifacts East: trained models, dashed), width by
  TB carried and colour by the link's utilisation;
- ``costs``: energy, carbon and storage cost by hub, and every cost term of the plan;
- ``utilisation``: power, accelerators and storage used at each hub against what is available;
- ``placements``: jobs trained at each hub by data class.

:func:`write_report` writes them as PNG files and as one self-contained HTML page (figures
embedded as base64 data, no external references), each file atomically; :func:`report_folder`
does so for a plan folder written by ``solve --out``. :func:`print_plan` prints the terminal
summary of a plan.

matplotlib is imported only inside the drawing functions and drawn through its Agg canvas
without pyplot, so a report never changes the backend of a notebook that imports eastwest_opt.

The modules, each importing only those listed before it:

- ``style``: figure names, titles, colours and sizes; ``formats``: numbers as text;
  ``geo``: the shipped outline of China (``_geo/china_outline.geojson``);
- ``canvas``: new Agg figures and their PNG bytes;
- ``data``: the plan joined with its scenario and checked, and the placements table;
- ``labels``: hub labels placed where they collide least; ``map``: the hub map;
- ``charts``: the costs, utilisation and placements figures, and :func:`figures`;
- ``page``: the HTML page and its tables; ``write``: writing the files;
- ``terminal``: the terminal summary (rich only; no drawing module).

The public names (``__all__``) are read from their modules on first use, so that ``import
eastwest_opt.report`` (and the terminal summary, ``eastwest_opt.report.terminal``) stays cheap;
no submodule may share a name with one of them (hence ``charts``, not ``figures``).
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import Any

_EXPORTS = {
    "figures": "eastwest_opt.report.charts",
    "write_report": "eastwest_opt.report.write",
    "report_folder": "eastwest_opt.report.write",
    "REPORT_FILE": "eastwest_opt.report.write",
    "placement_table": "eastwest_opt.report.data",
    "PLACED_TOTAL": "eastwest_opt.report.data",
    "UNPLACED_ROW": "eastwest_opt.report.data",
    "ALL_JOBS": "eastwest_opt.report.data",
    "PLAN_COLUMNS": "eastwest_opt.report.data",
    "FIGURES": "eastwest_opt.report.style",
    "DPI": "eastwest_opt.report.style",
    "TITLES": "eastwest_opt.report.style",
    "JOB_TABLE_MAX": "eastwest_opt.report.page",
    "print_plan": "eastwest_opt.report.terminal",
}

__all__ = sorted(_EXPORTS)


class _Package(ModuleType):
    """This package's module type. Each name of ``_EXPORTS`` is a property of it that reads, and
    assigns, the name in the module that defines it: imported on first use, and an assignment
    such as ``eastwest_opt.report.JOB_TABLE_MAX = 50`` (or a test's ``monkeypatch.setattr``)
    changes what the code reading it does, as when the report was one module."""


def _view(name: str, module: str) -> property:
    """A property reading and assigning ``name`` in ``module``."""

    def get(_package: ModuleType) -> Any:
        return getattr(import_module(module), name)

    def put(_package: ModuleType, value: Any) -> None:
        setattr(import_module(module), name, value)

    return property(get, put, doc=f"``{module}.{name}``")


for _name, _module in _EXPORTS.items():
    setattr(_Package, _name, _view(_name, _module))
del _name, _module


def __dir__() -> list[str]:
    """The module's own names and the re-exported ones."""
    return sorted({*globals(), *_EXPORTS})


sys.modules[__name__].__class__ = _Package
