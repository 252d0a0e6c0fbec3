"""Plans: the solver's decisions as pandas tables, written and read atomically.

A plan folder holds one CSV per table and ``summary.json`` (their columns and keys are defined
once, in :mod:`eastwest_opt.plan.schema` and :mod:`eastwest_opt.plan.summary`). The tables are
enough for the verifier to recompute every constraint, every written figure and the objective
against the raw scenario. :func:`read_plan` refuses a malformed folder with every problem, each
naming the file, row and column (:class:`~eastwest_opt.errors.ScenarioError`, exit code 2).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.plan.schema import COST_TERMS, PLAN_SCHEMAS, ROUTE_SEP, TABLES, parse_plan_table
from eastwest_opt.plan.summary import SUMMARY_FILE, parse_summary
from eastwest_opt.plan.verdict import VerificationReport

__all__ = ["COST_TERMS", "PLAN_SCHEMAS", "ROUTE_SEP", "TABLES", "TB_TOL", "Plan", "read_plan"]
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
    scenario_fingerprint: str | None = None  # of the scenario it was solved for (scenario/fingerprint.py)
    written_summary: dict[str, Any] | None = field(default=None, repr=False)  # summary.json, for a plan read back

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
            "scenario_fingerprint": self.scenario_fingerprint,
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


def read_plan(folder: str | Path) -> Plan:
    """Read a plan folder written by :meth:`Plan.write`.

    Every table and ``summary.json`` is read and checked before anything is returned: a missing,
    empty, undecodable or malformed file, a missing (or renamed) column, a cell that is not of its
    column's kind, a duplicate row, a summary value of the wrong type. All of them are raised at
    once as a :class:`~eastwest_opt.errors.ScenarioError` (exit code 2), each naming the file, row
    and column (or key); a folder whose ``summary.json`` is missing or not a JSON object is refused
    on that alone. Ids stay text: ``'001'`` is not ``1``.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ScenarioError([Problem(str(path), "plan folder does not exist")])
    problems: list[Problem] = []
    text = _read_text(path / SUMMARY_FILE, problems)
    summary: dict[str, Any] = {}
    if text is not None:
        summary, problems = parse_summary(text)
    if text is None or not summary:  # no summary.json, or not a JSON object: not a plan folder to read further
        raise ScenarioError(problems)
    tables: dict[str, pd.DataFrame] = {}
    for name, schema in PLAN_SCHEMAS.items():
        raw = _read_csv(path / schema.filename, problems, numeric={c.name for c in schema.columns if c.numeric})
        if raw is not None:
            tables[name], found = parse_plan_table(raw, schema)
            problems += found
    if problems:
        raise ScenarioError(problems)
    return Plan(
        scenario_name=str(summary["scenario"]),
        status=str(summary["status"]),
        objective_cny=float(summary["objective_cny"]),
        bound_cny=_optional_float(summary["bound_cny"]),
        gap=_optional_float(summary["gap"]),
        tables=tables,
        timings={k: float(v) for k, v in summary["seconds"].items()},
        solver=dict(summary["solver"]),
        scenario_path=summary["scenario_path"],
        scenario_fingerprint=summary.get("scenario_fingerprint"),
        written_summary=summary,
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _read_text(file: Path, problems: list[Problem]) -> str | None:
    """A file's text (UTF-8, a byte-order mark dropped), or None with the problem recorded."""
    if not file.is_file():
        problems.append(Problem(str(file), "file not found"))
        return None
    try:
        blob = file.read_bytes()
    except OSError as exc:
        problems.append(Problem(str(file), f"cannot be read: {exc.strerror or exc}"))
        return None
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(file.name, f"not UTF-8 text (byte {exc.start})"))
        return None


def _read_csv(file: Path, problems: list[Problem], *, numeric: set[str]) -> pd.DataFrame | None:
    """A table's cells (text, an empty cell missing; the ``numeric`` columns parsed as numbers by the
    CSV reader when every cell is one, else text too), or None with the problem recorded."""
    text = _read_text(file, problems)
    if text is None:
        return None
    if not text.strip():
        problems.append(Problem(file.name, "empty file: no header row"))
        return None
    if not text.endswith(("\n", "\r")):  # a plan is written with a line break after every row
        lines = text.count("\n") + 1
        problems.append(
            Problem(file.name, "the last row ends without a line break: the file looks cut short", row=lines)
        )
        return None
    header = next(csv.reader(io.StringIO(text)), [])
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        problems += [Problem(file.name, "column appears twice", row=1, column=c) for c in twice]
        return None
    try:
        return pd.read_csv(
            io.StringIO(text),
            dtype={c: object for c in header if c not in numeric},
            keep_default_na=False,
            na_values=[""],
        )
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        problems.append(Problem(file.name, f"malformed CSV: {str(exc).strip()}"))
        return None
