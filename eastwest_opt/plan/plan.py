"""Plans: the solver's decisions as pandas tables, written and read atomically.

A plan folder holds one CSV per table and ``summary.json``. The tables are enough for the
verifier to recompute every constraint and the objective against the raw scenario.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.plan.verdict import VerificationReport

ROUTE_SEP = ">"
COST_TERMS = ("energy", "carbon", "storage", "transfer", "unplaced_penalty")
TABLES = (
    "placements",
    "replicas",
    "staging",
    "traffic",
    "artifact_routes",
    "link_flows",
    "hub_usage",
    "accelerator_usage",
    "costs",
    "job_periods",
    "hub_periods",
)
TB_TOL = 1e-6  # flows below this many TB are treated as zero in the plan tables


@dataclass
class Plan:
    """A solved plan: status, objective, bound, gap, timings and its tables."""

    scenario_name: str
    status: str
    objective_cny: float
    bound_cny: float | None
    gap: float | None
    tables: dict[str, pd.DataFrame]
    timings: dict[str, float] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    verification: VerificationReport | None = None
    scenario_path: str | None = None  # folder the scenario was loaded from; None if changed in code
    scenario: Any = field(default=None, repr=False, compare=False)  # the Scenario solved, when in memory

    # tables as attributes, for notebooks
    @property
    def placements(self) -> pd.DataFrame:
        return self.tables["placements"]

    @property
    def replicas(self) -> pd.DataFrame:
        return self.tables["replicas"]

    @property
    def staging(self) -> pd.DataFrame:
        return self.tables["staging"]

    @property
    def traffic(self) -> pd.DataFrame:
        return self.tables["traffic"]

    @property
    def artifact_routes(self) -> pd.DataFrame:
        return self.tables["artifact_routes"]

    @property
    def link_flows(self) -> pd.DataFrame:
        return self.tables["link_flows"]

    @property
    def hub_usage(self) -> pd.DataFrame:
        return self.tables["hub_usage"]

    @property
    def accelerator_usage(self) -> pd.DataFrame:
        return self.tables["accelerator_usage"]

    @property
    def costs(self) -> pd.DataFrame:
        return self.tables["costs"]

    @property
    def job_periods(self) -> pd.DataFrame:
        """Hours, energy, cost and emissions of every placed job in each period it runs."""
        return self.tables["job_periods"]

    @property
    def hub_periods(self) -> pd.DataFrame:
        """Per hub and period: power against the grid, accelerators, storage, energy."""
        return self.tables["hub_periods"]

    @property
    def verified(self) -> bool:
        return self.verification is not None and self.verification.ok

    def summary(self) -> dict[str, Any]:
        """Status, objective, bound, gap, seconds and the headline figures, JSON-ready."""
        p = self.placements
        placed = p[p["status"] == "placed"]
        costs = dict(zip(self.costs["term"], self.costs["cost_cny"], strict=True))
        hubs = self.hub_usage
        west = hubs.loc[hubs["macro_region"] == "west", "energy_mwh"].sum()
        total_energy = hubs["energy_mwh"].sum()
        return {
            "scenario": self.scenario_name,
            "scenario_path": self.scenario_path,
            "status": self.status,
            "verified": self.verified,
            "objective_cny": _num(self.objective_cny),
            "bound_cny": _num(self.bound_cny),
            "gap": _num(self.gap),
            "cost_cny": {t: _num(costs.get(t, 0.0)) for t in (*COST_TERMS, "total")},
            "jobs": len(p),
            "jobs_placed": len(placed),
            "jobs_unplaced": len(p) - len(placed),
            "energy_mwh": _num(total_energy),
            "west_energy_share": _num(west / total_energy) if total_energy > 0 else None,
            "emissions_t": _num(placed["carbon_t"].sum()),
            "transfer_tb": _num(self.link_flows["total_tb"].sum()) if len(self.link_flows) else 0.0,
            "seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "solver": self.solver,
            "violations": [str(v) for v in self.verification.violations] if self.verification else None,
        }

    def write(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the plan atomically: every table as CSV and ``summary.json`` into the folder ``path``,
        or, for a path ending in ``.xlsx``, one workbook with a ``summary`` sheet and a sheet per table.

        Everything is written into a temporary sibling (folder or file) first and moved into
        place, so an interrupted write leaves the old output or the new one, never a mix. An
        existing output is replaced only with ``overwrite=True``.
        """
        if Path(path).suffix.lower() == ".xlsx":
            from eastwest_opt.scenario.workbook_write import frame_sheet, write_sheets

            sheets = {"summary": (["key", "value"], summary_rows(self.summary()))}
            sheets |= {name: frame_sheet(self.tables[name]) for name in TABLES}
            return write_sheets(path, sheets, overwrite=overwrite)
        from eastwest_opt.atomic import write_folder

        def fill(tmp: Path) -> None:
            for name in TABLES:
                self.tables[name].to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
            (tmp / "summary.json").write_text(json.dumps(self.summary(), indent=2) + "\n")

        return write_folder(path, fill, overwrite=overwrite)

    def _repr_html_(self) -> str:
        """The plan in a notebook: headline, cost table, hub usage and the hub map.

        Drawn by ``eastwest_opt.report.notebook``; the report is a later stage than the plan, so
        the package root, which wires the stages together, looks the drawing function up by name.
        """
        from eastwest_opt import notebook_html

        return notebook_html("plan", self)


def summary_rows(summary: dict[str, Any], prefix: str = "") -> list[list[Any]]:
    """A plan summary as ``key, value`` rows: nested keys joined with dots, lists with ``; ``."""
    rows: list[list[Any]] = []
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += summary_rows(value, f"{name}.")
        elif isinstance(value, list | tuple):
            rows.append([name, "; ".join(str(v) for v in value)])
        else:
            rows.append([name, value])
    return rows


def _num(v: float | None) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


_TEXT_COLUMNS = frozenset(
    {"zone", "route", "kind", "status", "name", "data_source", "scenario", "term", "accelerator", "class"}
)


def _is_text_column(col: str) -> bool:
    """Whether a plan column holds ids or labels (read as text) rather than numbers."""
    return col in _TEXT_COLUMNS or col.endswith(("_id", "_hub", "_hubs", "_type", "_class", "_region", "_period"))


def read_plan(folder: str | Path) -> Plan:
    """Read a plan folder written by :meth:`Plan.write`."""
    path = Path(folder)
    if not path.is_dir():
        raise ScenarioError([Problem(str(path), "plan folder does not exist")])
    summary_path = path / "summary.json"
    if not summary_path.is_file():
        raise ScenarioError([Problem(str(summary_path), "file not found")])
    try:
        summary = json.loads(summary_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem("summary.json", f"not valid JSON: {exc}")]) from None
    tables = {}
    for name in TABLES:
        file = path / f"{name}.csv"
        if not file.is_file():
            raise ScenarioError([Problem(str(file), "file not found")])
        try:
            header = pd.read_csv(file, nrows=0).columns
            text = [c for c in header if _is_text_column(c)]
            # ids are text: '001' stays '001' and hub '1' does not become 1.0; only an empty cell is missing
            frame = pd.read_csv(file, dtype=dict.fromkeys(text, str), keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame()
        except pd.errors.ParserError as exc:
            raise ScenarioError([Problem(file.name, f"malformed CSV: {exc}")]) from None
        for col in frame.columns:
            if _is_text_column(col):
                frame[col] = frame[col].fillna("").astype(str)
        tables[name] = frame
    return Plan(
        scenario_name=str(summary.get("scenario", "")),
        status=str(summary.get("status", "")),
        objective_cny=float(summary.get("objective_cny") or math.nan),
        bound_cny=summary.get("bound_cny"),
        gap=summary.get("gap"),
        tables=tables,
        timings=dict(summary.get("seconds") or {}),
        solver=dict(summary.get("solver") or {}),
        scenario_path=str(summary["scenario_path"]) if summary.get("scenario_path") else None,
    )
