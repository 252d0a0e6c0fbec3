"""Scenarios: a folder with ``scenario.yaml`` and CSV tables, loaded and checked.

A :class:`Scenario` is immutable in spirit: :meth:`Scenario.update`, :meth:`Scenario.add`,
:meth:`Scenario.remove` and :meth:`Scenario.with_settings` return a new, re-validated
scenario and never change the one they are called on.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.schema import ANY_HUB, ORIGIN_HUB, SCHEMAS, TABLE_ORDER, empty_table, parse_table

SCENARIO_FILE = "scenario.yaml"
TB_PER_GBPS_HOUR = 0.45  # 1 Gbit/s for 3,600 s = 3,600 Gbit = 450 GB = 0.45 TB
HOURS_PER_MONTH = 730.0  # 8,760 h / 12, for storage priced per TB-month

_TOP_KEYS = {
    "name",
    "description",
    "planning_window_hours",
    "carbon_price_cny_per_t",
    "carbon_budget_t",
    "allow_unplaced",
    "artifact_paths_k",
    "solver",
    "tables",
}
_SOLVER_KEYS = {"time_limit_s", "mip_rel_gap", "threads"}


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
    def storage_months(self) -> float:
        """Length of the planning window in months, for storage priced per TB-month."""
        return self.planning_window_hours / HOURS_PER_MONTH

    def table(self, name: str) -> pd.DataFrame:
        """A copy of one table, safe to modify."""
        if name not in self.tables:
            raise KeyError(f"no table {name!r}; tables are {', '.join(TABLE_ORDER)}")
        return self.tables[name].copy()

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
        problems = _check_settings(changed, "scenario settings")
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
        problems += check_references(new)
        if any(p.severity == "error" for p in problems):
            raise ScenarioError(problems)
        return new


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


# ---------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------
def shipped_scenario_path() -> Path:
    """Folder of the shipped eight-hub scenario (inside the installed package)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / "eight-hubs"
    if packaged.is_dir():
        return packaged
    return here.parent / "data" / "eight-hubs"  # source checkout / editable install


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and validate a scenario folder; ``None`` loads the shipped eight-hub scenario.

    Raises :class:`~eastwest_opt.errors.ScenarioError` listing every problem found. Warnings
    (unknown columns) do not stop loading; :func:`validate_scenario` lists them too.
    """
    scenario, problems = _collect(path)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    return scenario


def validate_scenario(path: str | Path | None = None) -> list[Problem]:
    """Every problem of a scenario folder, errors and warnings, without solving."""
    try:
        _scenario, problems = _collect(path)
    except ScenarioError as exc:
        return exc.problems
    return problems


def _collect(path: str | Path | None) -> tuple[Scenario, list[Problem]]:
    """Read and check a scenario folder; raise only when nothing further can be read."""
    folder = Path(path) if path is not None else shipped_scenario_path()
    problems: list[Problem] = []
    broken: set[str] = set()
    if not folder.exists():
        raise ScenarioError([Problem(str(folder), "scenario folder does not exist")])
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), "not a folder; a scenario is a folder with scenario.yaml")])
    config_path = folder / SCENARIO_FILE
    if not config_path.is_file():
        raise ScenarioError([Problem(str(config_path), "file not found")])
    config = _read_yaml(config_path)
    problems += _check_yaml(config, SCENARIO_FILE)
    table_files = _table_files(folder, config.get("tables") or {}, problems)
    broken.update(name for name in TABLE_ORDER if name not in table_files)
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for name in TABLE_ORDER:
        schema = SCHEMAS[name]
        file = table_files.get(name)
        if file is None:
            tables[name] = empty_table(name)
            continue
        sources[name] = file.name
        if not file.is_file():
            listed = config.get("tables") if isinstance(config.get("tables"), dict) else {}
            if schema.optional_table and name not in listed:
                tables[name] = empty_table(name)
                continue
            problems.append(Problem(file.name, "file not found"))
            tables[name] = empty_table(name)
            broken.add(name)
            continue
        raw, read_problem = _read_csv(file)
        if read_problem is not None:
            problems.append(read_problem)
            tables[name] = empty_table(name)
            broken.add(name)
            continue
        typed, table_problems = parse_table(raw, schema, file.name)
        tables[name] = typed
        problems += table_problems
        if any(c.required and c.name not in raw.columns for c in schema.columns):
            broken.add(name)  # checks across tables would only repeat "required column is missing"
    solver_cfg = config.get("solver") if isinstance(config.get("solver"), dict) else {}
    scenario = Scenario(
        name=str(config.get("name") or folder.name),
        description=str(config.get("description") or ""),
        planning_window_hours=_num(config.get("planning_window_hours", 720.0), 720.0),
        carbon_price_cny_per_t=_num(config.get("carbon_price_cny_per_t", 0.0), 0.0),
        carbon_budget_t=_opt_num(config.get("carbon_budget_t")),
        allow_unplaced=bool(config.get("allow_unplaced", True)),
        artifact_paths_k=int(_num(config.get("artifact_paths_k", 4), 4)),
        solver=SolverSettings(
            time_limit_s=_opt_num(solver_cfg.get("time_limit_s", 60.0)),
            mip_rel_gap=_opt_num(solver_cfg.get("mip_rel_gap", 1e-4)),
            threads=_opt_int(solver_cfg.get("threads")),
        ),
        tables=tables,
        path=folder.resolve(),
        sources=sources,
    )
    problems += _check_settings(scenario, SCENARIO_FILE)
    problems += check_references(scenario, broken)
    if not any(p.severity == "error" for p in problems):
        problems += check_routes(scenario)
    return scenario, problems


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(path.name, f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "malformed YAML"
        raise ScenarioError([Problem(path.name, f"malformed YAML: {reason}", row=row)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(path.name, "expected a mapping of settings at the top level")])
    return data


def _check_yaml(config: dict[str, Any], file: str) -> list[Problem]:
    problems: list[Problem] = []
    for key in config:
        if key not in _TOP_KEYS:
            problems.append(Problem(file, f"unknown key {key!r}; known keys: {', '.join(sorted(_TOP_KEYS))}"))
    solver = config.get("solver")
    if solver is not None and not isinstance(solver, dict):
        problems.append(Problem(file, "'solver' must be a mapping"))
    elif isinstance(solver, dict):
        for key in solver:
            if key not in _SOLVER_KEYS:
                problems.append(Problem(file, f"unknown key solver.{key}; known: {', '.join(sorted(_SOLVER_KEYS))}"))
    tables = config.get("tables")
    if tables is not None and not isinstance(tables, dict):
        problems.append(Problem(file, "'tables' must be a mapping of table name to CSV file"))
    elif isinstance(tables, dict):
        for key in tables:
            if key not in SCHEMAS:
                problems.append(Problem(file, f"unknown table tables.{key}; known: {', '.join(TABLE_ORDER)}"))
    for key in ("planning_window_hours", "carbon_price_cny_per_t", "artifact_paths_k"):
        if key in config and not _is_number(config[key]):
            problems.append(Problem(file, f"{key} must be a number, got {config[key]!r}"))
    if config.get("carbon_budget_t") is not None and not _is_number(config["carbon_budget_t"]):
        problems.append(Problem(file, f"carbon_budget_t must be a number or null, got {config['carbon_budget_t']!r}"))
    if "allow_unplaced" in config and not isinstance(config["allow_unplaced"], bool):
        problems.append(Problem(file, f"allow_unplaced must be true or false, got {config['allow_unplaced']!r}"))
    if isinstance(solver, dict):
        for key in _SOLVER_KEYS:
            if solver.get(key) is not None and not _is_number(solver[key]):
                problems.append(Problem(file, f"solver.{key} must be a number or null, got {solver[key]!r}"))
    return problems


def _table_files(folder: Path, tables: Any, problems: list[Problem]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    root = folder.resolve()
    for name in TABLE_ORDER:
        given = tables.get(name) if isinstance(tables, dict) else None
        rel = str(given) if given is not None else SCHEMAS[name].filename
        candidate = (folder / rel).resolve()
        if not candidate.is_relative_to(root):
            problems.append(
                Problem(SCENARIO_FILE, f"tables.{name} = {rel!r} points outside the scenario folder; refused")
            )
            continue
        files[name] = candidate
    return files


def _read_csv(path: Path) -> tuple[pd.DataFrame, Problem | None]:
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return pd.DataFrame(), Problem(path.name, f"not UTF-8 text (byte {exc.start})")
    if not data.strip():
        return pd.DataFrame(), Problem(path.name, "file is empty; expected a header row")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
    except pd.errors.ParserError as exc:
        return pd.DataFrame(), Problem(path.name, f"malformed CSV: {_first_line(str(exc))}")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unreadable"


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _num(v: Any, default: float) -> float:
    return float(v) if _is_number(v) else default


def _opt_num(v: Any) -> float | None:
    return float(v) if _is_number(v) else None


def _opt_int(v: Any) -> int | None:
    return int(v) if _is_number(v) else None


# ---------------------------------------------------------------------------------
# checks across tables
# ---------------------------------------------------------------------------------
def _check_settings(s: Scenario, file: str) -> list[Problem]:
    problems: list[Problem] = []
    if not s.planning_window_hours > 0:
        problems.append(Problem(file, f"planning_window_hours must be > 0, got {s.planning_window_hours:g}"))
    if s.carbon_price_cny_per_t < 0:
        problems.append(Problem(file, f"carbon_price_cny_per_t must be >= 0, got {s.carbon_price_cny_per_t:g}"))
    if s.carbon_budget_t is not None and s.carbon_budget_t < 0:
        problems.append(Problem(file, f"carbon_budget_t must be >= 0, got {s.carbon_budget_t:g}"))
    if s.artifact_paths_k < 1:
        problems.append(Problem(file, f"artifact_paths_k must be >= 1, got {s.artifact_paths_k}"))
    if s.solver.time_limit_s is not None and s.solver.time_limit_s <= 0:
        problems.append(Problem(file, f"solver.time_limit_s must be > 0, got {s.solver.time_limit_s:g}"))
    if s.solver.mip_rel_gap is not None and not 0 <= s.solver.mip_rel_gap < 1:
        problems.append(Problem(file, f"solver.mip_rel_gap must be in [0, 1), got {s.solver.mip_rel_gap:g}"))
    if s.solver.threads is not None and s.solver.threads < 1:
        problems.append(Problem(file, f"solver.threads must be >= 1, got {s.solver.threads}"))
    return problems


def check_references(s: Scenario, broken: set[str] | None = None) -> list[Problem]:
    """Duplicate ids and every cross-reference between tables, with file, row and column.

    Tables in ``broken`` (missing or unreadable) are not checked, and references into them are
    not reported, so that one missing file gives one message.
    """
    broken = broken or set()
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for name in TABLE_ORDER:
        if name in broken:
            continue
        schema = SCHEMAS[name]
        frame = s.tables[name]
        file = s.sources.get(name, schema.filename)
        keys = list(schema.key)
        dup = frame.duplicated(subset=keys, keep="first")
        for i in frame.index[dup]:
            value = ", ".join(str(frame.at[i, k]) for k in keys)
            problems.append(Problem(file, f"duplicate id {value!r}", row=int(i) + 2, column=keys[-1]))
        if len(keys) == 1:
            ids[name] = set(frame[keys[0]].astype(str))
    for name in ("hubs", "accelerators", "datasets", "jobs"):
        if s.tables[name].empty and name not in broken:
            problems.append(Problem(s.sources.get(name, SCHEMAS[name].filename), "table has no rows"))
    for name in TABLE_ORDER:
        schema = SCHEMAS[name]
        frame = s.tables[name]
        file = s.sources.get(name, schema.filename)
        if name in broken:
            continue
        for col in schema.columns:
            if col.ref is None or col.ref not in ids:
                continue
            known = ids[col.ref]
            what = col.ref.rstrip("s").replace("_", " ").replace("accelerator", "accelerator type")
            for i, value in frame[col.name].items():
                for item in _refs(value, col.kind):
                    if item not in known:
                        problems.append(Problem(file, f"unknown {what} {item!r}", row=int(i) + 2, column=col.name))
    links = s.links
    lfile = s.sources.get("links", "links.csv")
    for i, row in links.iterrows():
        if row["hub_a"] and row["hub_a"] == row["hub_b"]:
            problems.append(
                Problem(lfile, f"link joins hub {row['hub_a']!r} to itself", row=int(i) + 2, column="hub_b")
            )
    pairs = links.apply(lambda r: tuple(sorted((r["hub_a"], r["hub_b"]))), axis=1) if len(links) else []
    seen: dict[tuple[str, str], int] = {}
    for i, pair in zip(links.index, pairs, strict=False):
        if pair in seen:
            problems.append(
                Problem(
                    lfile,
                    f"a second link between {pair[0]} and {pair[1]} (first in row {seen[pair] + 2}); "
                    "give one link its summed capacity",
                    row=int(i) + 2,
                    column="hub_b",
                )
            )
        else:
            seen[pair] = int(i)
    classes = s.data_classes
    cfile = s.sources.get("data_classes", "data_classes.csv")
    for i, value in classes["allowed_hubs"].items():
        if not str(value).strip():
            problems.append(Problem(cfile, "class allows no hub", row=int(i) + 2, column="allowed_hubs"))
    class_hubs = dict(zip(classes["class_id"], classes["allowed_hubs"], strict=True))
    dfile = s.sources.get("datasets", "datasets.csv")
    for i, row in s.datasets.iterrows():
        allowed = class_hubs.get(row["class_id"])
        if allowed is None:
            continue
        hubs = allowed_hub_set(str(allowed), str(row["origin_hub"]))
        if hubs is not None and row["origin_hub"] not in hubs:
            problems.append(
                Problem(
                    dfile,
                    f"origin hub {row['origin_hub']!r} is not among the hubs class "
                    f"{row['class_id']!r} allows ({allowed})",
                    row=int(i) + 2,
                    column="origin_hub",
                )
            )
    return problems


def check_routes(s: Scenario) -> list[Problem]:
    """Routes the scenario requires but its backbone cannot offer, ignoring capacities and latency.

    A dataset's replicas travel only over links between hubs its class allows, so its origin
    must reach at least ``min_replicas - 1`` other allowed hubs that way; every serving hub of
    a job must be reachable from at least one hub the job may train at.
    """
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(s.hubs["hub_id"])
    graph.add_edges_from(
        (a, b) for a, b, c in zip(s.links["hub_a"], s.links["hub_b"], s.links["capacity_gbps"], strict=True) if c > 0
    )
    problems: list[Problem] = []
    classes = s.data_classes.set_index("class_id")
    dfile = s.sources.get("datasets", "datasets.csv")
    allowed_of: dict[str, set[str]] = {}
    for i, ds in s.datasets.iterrows():
        hubs = allowed_hub_set(str(classes.at[ds["class_id"], "allowed_hubs"]), ds["origin_hub"])
        zone = set(graph.nodes) if hubs is None else set(hubs) & set(graph.nodes)
        allowed_of[ds["dataset_id"]] = zone
        reach = (
            nx.node_connected_component(graph.subgraph(zone), ds["origin_hub"]) if ds["origin_hub"] in zone else set()
        )
        if int(ds["min_replicas"]) > len(reach) and len(zone) >= int(ds["min_replicas"]):
            problems.append(
                Problem(
                    dfile,
                    f"dataset {ds['dataset_id']!r} needs {int(ds['min_replicas'])} replicas but its origin "
                    f"{ds['origin_hub']!r} reaches only {len(reach)} hub(s) over links inside the hubs its class "
                    f"allows ({', '.join(sorted(reach))}): no route can carry the copies",
                    row=int(i) + 2,
                    column="min_replicas",
                )
            )
    jfile = s.sources.get("jobs", "jobs.csv")
    for i, job in s.jobs.iterrows():
        train = allowed_of.get(job["dataset_id"], set())
        if job["allowed_hubs"]:
            train = train & set(job["allowed_hubs"])
        for t in job["serving_hubs"]:
            if t in graph and train and not any(nx.has_path(graph, h, t) for h in train):
                problems.append(
                    Problem(
                        jfile,
                        f"serving hub {t!r} cannot be reached over the backbone from any hub job "
                        f"{job['job_id']!r} may train at ({', '.join(sorted(train))})",
                        row=int(i) + 2,
                        column="serving_hubs",
                    )
                )
    return problems


def _refs(value: Any, kind: str) -> Iterable[str]:
    if kind == "ref":
        return [value] if isinstance(value, str) and value else []
    if kind == "list":
        return list(value)
    if kind == "hubset":
        text = str(value).strip()
        if text in (ANY_HUB, ORIGIN_HUB, ""):
            return []
        return [p.strip() for p in text.split(";") if p.strip()]
    return []


def allowed_hub_set(allowed: str, origin: str) -> frozenset[str] | None:
    """Hubs a class allows for a dataset born at ``origin``; ``None`` means every hub."""
    text = allowed.strip()
    if text == ANY_HUB:
        return None
    if text == ORIGIN_HUB:
        return frozenset({origin})
    return frozenset(p.strip() for p in text.split(";") if p.strip())


def is_missing(value: Any) -> bool:
    """True for an empty optional numeric cell."""
    return value is None or (isinstance(value, float) and math.isnan(value))
