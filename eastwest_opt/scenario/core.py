"""The :class:`Scenario`: settings from ``scenario.yaml`` and one typed table per CSV.

A scenario is immutable in spirit: :meth:`Scenario.update`, :meth:`Scenario.add`,
:meth:`Scenario.remove` and :meth:`Scenario.with_settings` return a new, re-validated
scenario and never change the one they are called on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.scenario.cells import parse_table
from eastwest_opt.scenario.checks import check_references, check_settings
from eastwest_opt.scenario.magnitudes import check_magnitudes
from eastwest_opt.scenario.schema import HOURS_PER_MONTH, SCHEMAS, TABLE_ORDER, TB_PER_GBPS_HOUR
from eastwest_opt.scenario.timing import horizon_hours

__all__ = ["HOURS_PER_MONTH", "SCENARIO_FILE", "TB_PER_GBPS_HOUR", "Scenario", "SolverSettings"]
SCENARIO_FILE = "scenario.yaml"


@dataclass(frozen=True)
class SolverSettings:
    """Solver defaults of a scenario; the caller may override each one."""

    time_limit_s: float | None = 60.0
    mip_rel_gap: float | None = 1e-4
    threads: int | None = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: settings from ``scenario.yaml`` and one typed table per CSV."""

    name: str
    description: str
    planning_window_hours: float
    carbon_price_cny_per_t: float
    carbon_budget_t: float | None
    allow_unplaced: bool
    artifact_paths_k: int
    solver: SolverSettings
    tables: dict[str, pd.DataFrame] = field(repr=False)
    path: Path | None = None
    sources: dict[str, str] = field(default_factory=dict, repr=False)

    # -- table access -------------------------------------------------------------
    @property
    def hubs(self) -> pd.DataFrame:
        return self.tables["hubs"]

    @property
    def links(self) -> pd.DataFrame:
        return self.tables["links"]

    @property
    def accelerators(self) -> pd.DataFrame:
        return self.tables["accelerators"]

    @property
    def hub_accelerators(self) -> pd.DataFrame:
        return self.tables["hub_accelerators"]

    @property
    def data_classes(self) -> pd.DataFrame:
        return self.tables["data_classes"]

    @property
    def datasets(self) -> pd.DataFrame:
        return self.tables["datasets"]

    @property
    def jobs(self) -> pd.DataFrame:
        return self.tables["jobs"]

    @property
    def overrides(self) -> pd.DataFrame:
        return self.tables["overrides"]

    @property
    def periods(self) -> pd.DataFrame:
        return self.tables["periods"]

    @property
    def hub_periods(self) -> pd.DataFrame:
        return self.tables["hub_periods"]

    @property
    def link_periods(self) -> pd.DataFrame:
        return self.tables["link_periods"]

    @property
    def storage_months(self) -> float:
        """Length of the planning window in months, for storage priced per TB-month."""
        return self.planning_window_hours / HOURS_PER_MONTH

    def table(self, name: str) -> pd.DataFrame:
        """A copy of one table, safe to modify. ``hub_periods`` and ``link_periods`` come with a
        row for every hub (or link) and period, blank where the table gives no value (blank:
        the hub's or link's own value), so that any of them can be changed or scaled."""
        if name not in self.tables:
            raise KeyError(f"no table {name!r}; tables are {', '.join(TABLE_ORDER)}")
        if name in PERIOD_TABLES and len(self.periods):
            return _every_period(self, name)
        return self.tables[name].copy()

    def period_values(self, name: str, column: str, frame: pd.DataFrame) -> pd.Series:
        """The value ``column`` of each row of the per-period table ``name`` takes: the row's own,
        else its hub's (or link's) value."""
        owner, key = ("hubs", "hub_id") if name == "hub_periods" else ("links", "link_id")
        base = dict(zip(self.tables[owner][key], self.tables[owner][column].astype(float), strict=True))
        own = frame[column].astype(float)
        return own.where(own.notna(), frame[key].map(base))

    def _repr_html_(self) -> str:
        """The scenario in a notebook: name, counts, settings, hubs and jobs."""
        from eastwest_opt.scenario.html import scenario_html

        return scenario_html(self)

    # -- changes in code ----------------------------------------------------------
    def update(self, table: str, key: str | tuple[str, ...], **values: Any) -> Scenario:
        """A new scenario with the given columns of one row changed.

        ``key`` is the row's id (a tuple for the two-key tables ``hub_accelerators`` and
        ``overrides``). Example: ``scenario.update("hubs", "gs", price_cny_per_kwh=0.30)``.
        """
        frame = self.table(table)
        mask = _key_mask(frame, table, key)
        for column, value in values.items():
            _check_column(table, column)
            frame[column] = frame[column].astype(object)
            for i in frame.index[mask]:
                frame.at[i, column] = value
        return self._replace_table(table, frame)

    def add(self, table: str, **values: Any) -> Scenario:
        """A new scenario with one row added, e.g. a new job: ``scenario.add("jobs", job_id=...)``."""
        for column in values:
            _check_column(table, column)
        frame = self.table(table).astype(object)
        row = {c: values.get(c, None) for c in frame.columns}
        frame = pd.concat([frame, pd.DataFrame([row], dtype=object)], ignore_index=True)
        return self._replace_table(table, frame)

    def remove(self, table: str, key: str | tuple[str, ...]) -> Scenario:
        """A new scenario without one row, e.g. a cut link: ``scenario.remove("links", "bth-imo")``."""
        frame = self.table(table)
        mask = _key_mask(frame, table, key)
        return self._replace_table(table, frame.loc[~mask].reset_index(drop=True))

    def with_settings(self, **settings: Any) -> Scenario:
        """A new scenario with scenario-level settings changed (``carbon_price_cny_per_t=200``)."""
        known = {f.name for f in dataclasses.fields(self)} - {"tables", "path", "sources"}
        for key in settings:
            if key not in known:
                raise ScenarioError(
                    [Problem("scenario settings", f"unknown setting {key!r}; known: {', '.join(sorted(known))}")]
                )
        if "solver" in settings and isinstance(settings["solver"], dict):
            settings["solver"] = dataclasses.replace(self.solver, **settings["solver"])
        changed = dataclasses.replace(self, **settings)
        problems = check_settings(changed, "scenario settings")
        hours = horizon_hours(changed)
        if "planning_window_hours" in settings and hours is not None and changed.planning_window_hours != hours:
            problems.append(
                Problem(
                    "scenario settings", f"planning_window_hours is set by the periods ({hours:g} h) in this scenario"
                )
            )
        if not any(p.severity == "error" for p in problems):
            problems += check_magnitudes(changed)
        if any(p.severity == "error" for p in problems):
            raise ScenarioError(problems)
        return changed

    def _replace_table(self, name: str, frame: pd.DataFrame) -> Scenario:
        label = f"{name} table (changed in code)"
        typed, problems = parse_table(frame, SCHEMAS[name], label)
        tables = dict(self.tables)
        tables[name] = typed
        sources = dict(self.sources)
        sources[name] = label
        new = dataclasses.replace(self, tables=tables, sources=sources)
        hours = horizon_hours(new)
        if name == "periods" and hours is not None:
            new = dataclasses.replace(new, planning_window_hours=hours)
        problems += check_references(new)
        if any(p.severity == "error" for p in problems):
            raise ScenarioError(problems)
        return new


PERIOD_TABLES = ("hub_periods", "link_periods")


def _every_period(s: Scenario, name: str) -> pd.DataFrame:
    """``name`` (a per-period table) with a row for every hub or link and period, in that order."""
    owner, key = ("hubs", "hub_id") if name == "hub_periods" else ("links", "link_id")
    grid = pd.DataFrame(
        [(o, p) for o in s.tables[owner][key] for p in s.periods["period_id"]], columns=[key, "period_id"]
    )
    full = grid.merge(s.tables[name], on=[key, "period_id"], how="left")
    return full[list(s.tables[name].columns)]


def _check_column(table: str, column: str) -> None:
    if table not in SCHEMAS:
        raise KeyError(f"no table {table!r}; tables are {', '.join(TABLE_ORDER)}")
    if column not in SCHEMAS[table].column_names:
        raise ScenarioError([Problem(f"{table} table", f"no column {column!r}", column=column)])


def _key_mask(frame: pd.DataFrame, table: str, key: str | tuple[str, ...]) -> pd.Series:
    schema = SCHEMAS[table]
    keys = (key,) if isinstance(key, str) else tuple(key)
    if len(keys) != len(schema.key):
        raise ScenarioError([Problem(f"{table} table", f"a row is named by {', '.join(schema.key)}; got {key!r}")])
    mask = pd.Series(True, index=frame.index)
    for col, value in zip(schema.key, keys, strict=True):
        mask &= frame[col] == value
    if not mask.any():
        raise ScenarioError([Problem(f"{table} table", f"no row with {', '.join(schema.key)} = {key!r}")])
    return mask
