"""Plans: the solver's decisions as pandas tables, written and read atomically.

A plan folder holds one CSV per table and ``summary.json``. The tables are enough for the
verifier to recompute every constraint and the objective against the raw scenario.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.network import route_arcs

if TYPE_CHECKING:
    from eastwest_opt.solver import PlacementModel, SolveOptions, SolveResult
    from eastwest_opt.verify import VerificationReport

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

    def write(self, folder: str | Path, *, overwrite: bool = False) -> Path:
        """Write every table as CSV and ``summary.json`` into ``folder``, atomically.

        Everything is written into a temporary sibling folder first and moved into place, so
        an interrupted write leaves the old folder or the new one, never a mix. An existing
        folder is replaced only with ``overwrite=True``.
        """
        from eastwest_opt.atomic import write_folder

        def fill(tmp: Path) -> None:
            for name in TABLES:
                self.tables[name].to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
            (tmp / "summary.json").write_text(json.dumps(self.summary(), indent=2) + "\n")

        return write_folder(folder, fill, overwrite=overwrite)


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
    return col in _TEXT_COLUMNS or col.endswith(("_id", "_hub", "_hubs", "_type", "_class", "_region"))


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


# ---------------------------------------------------------------------------------
# extraction from a solved model
# ---------------------------------------------------------------------------------
def extract_plan(pm: PlacementModel, result: SolveResult, options: SolveOptions) -> Plan:
    """Read the solution out of a solved :class:`PlacementModel` (either builder) into plan tables."""
    data, sc, net = pm.data, pm.scenario, pm.network
    values = pm.solution_values()
    commodities = list(data.commodities)
    groups = list(data.artifact_routes)
    storage_price = dict(zip(sc.hubs["hub_id"], sc.hubs["storage_price_cny_per_tb_month"].astype(float), strict=True))

    staged = {dh for dh, v in values["s"].items() if v > 0.5}
    placements = _placements(pm, values["x"], staged)

    months = data.storage_months
    rep_rows = []
    for (d, h), kind in [(dh, "durable") for dh, v in values["y"].items() if v > 0.5] + [
        (dh, "staged") for dh in sorted(staged)
    ]:
        price = storage_price[h]
        rep_rows.append(
            {
                "dataset_id": d,
                "hub_id": h,
                "kind": kind,
                "is_origin": h == data.origin[d],
                "grid_region": data.hub_region[h],
                "size_tb": data.size_tb[d],
                "storage_cost_cny": data.size_tb[d] * price * months,
            }
        )
    replicas = pd.DataFrame(
        rep_rows,
        columns=["dataset_id", "hub_id", "kind", "is_origin", "grid_region", "size_tb", "storage_cost_cny"],
    )

    staging = pd.DataFrame(
        [
            {"dataset_id": d, "to_hub": h, "from_hub": r, "tb": tb}
            for (d, r, h), tb in values["q"].items()
            if tb > TB_TOL
        ],
        columns=["dataset_id", "to_hub", "from_hub", "tb"],
    )
    traffic = pd.DataFrame(
        [
            {
                "kind": commodities[c][0],
                "source_hub": commodities[c][1],
                "zone": commodities[c][2],
                "from_hub": u,
                "to_hub": v,
                "tb": tb,
            }
            for (c, u, v), tb in values["f"].items()
            if tb > TB_TOL
        ],
        columns=["kind", "source_hub", "zone", "from_hub", "to_hub", "tb"],
    )
    route_rows = []
    for (g, p), tb in values["w"].items():
        if tb <= TB_TOL:
            continue
        h, t, bound = groups[g]
        route = data.artifact_routes[groups[g]][p]
        route_rows.append(
            {
                "from_hub": h,
                "to_hub": t,
                "max_latency_ms": bound if math.isfinite(bound) else math.nan,
                "route": ROUTE_SEP.join(route),
                "latency_ms": net.route_latency_ms(route),
                "tb": tb,
            }
        )
    artifact_routes = pd.DataFrame(
        route_rows, columns=["from_hub", "to_hub", "max_latency_ms", "route", "latency_ms", "tb"]
    )

    link_flows = link_flow_table(net.arcs, traffic, artifact_routes)
    hub_usage, accel_usage = usage_tables(sc, placements, replicas)
    costs = cost_table(
        energy=float(placements["energy_cost_cny"].sum()),
        carbon=float(placements["carbon_cost_cny"].sum()),
        storage=float(replicas["storage_cost_cny"].sum()),
        transfer=float(link_flows["cost_cny"].sum()) if len(link_flows) else 0.0,
        unplaced=float(placements["unplaced_penalty_cny"].sum()),
    )
    return Plan(
        scenario_name=sc.name,
        status=result.status.value,
        objective_cny=float(result.objective) if result.objective is not None else math.nan,
        bound_cny=result.bound,
        gap=result.gap,
        tables={
            "placements": placements,
            "replicas": replicas,
            "staging": staging,
            "traffic": traffic,
            "artifact_routes": artifact_routes,
            "link_flows": link_flows,
            "hub_usage": hub_usage,
            "accelerator_usage": accel_usage,
            "costs": costs,
        },
        timings=dict(pm.timings),
        solver={
            "name": "highs",
            "builder": pm.builder,
            "termination": result.termination,
            "time_limit_s": options.time_limit_s,
            "mip_rel_gap": options.mip_rel_gap,
            "threads": options.threads,
        },
        scenario_path=scenario_folder(sc),
    )


def scenario_folder(sc: Any) -> str | None:
    """The folder a scenario was loaded from, or ``None`` when a table was changed in code (the
    folder would no longer describe it)."""
    if sc.path is None or any("changed in code" in str(label) for label in sc.sources.values()):
        return None
    return str(sc.path)


def _placements(pm: PlacementModel, x: dict[tuple[str, str], float], staged: set[tuple[str, str]]) -> pd.DataFrame:
    """One row per job: where it trains (or that it is unplaced) and its figures there.

    A group of ``n`` identical jobs placed as integer counts ``x[g,h]`` is handed back to its
    members in file order: the first ``x[g,h1]`` members train at ``h1``, and so on.
    """
    from eastwest_opt.prepare import energy_cost_cny

    data, sc = pm.data, pm.scenario
    hub_of: dict[str, str] = {}
    taken: dict[str, int] = {}
    for (g, h), value in x.items():
        count = round(value)
        if count <= 0:
            continue
        start = taken.get(g, 0)
        for job in data.group_members[g][start : start + count]:
            hub_of[job] = h
        taken[g] = start + count
    group_of = {job: g for g, members in data.group_members.items() for job in members}
    jobs = sc.jobs
    out = pd.DataFrame(
        {
            "job_id": jobs["job_id"],
            "name": jobs["name"],
            "dataset_id": jobs["dataset_id"],
            "class_id": jobs["dataset_id"].map(
                dict(zip(sc.datasets["dataset_id"], sc.datasets["class_id"], strict=True))
            ),
            "group_id": jobs["job_id"].map(group_of),
            "hub_id": jobs["job_id"].map(lambda j: hub_of.get(j, "")),
        }
    )
    out["status"] = out["hub_id"].map(lambda h: "placed" if h else "unplaced")
    pairs = data.pairs.copy()
    prices = dict(zip(sc.hubs["hub_id"], sc.hubs["price_cny_per_kwh"].astype(float), strict=True))
    pairs["energy_cost_cny"] = energy_cost_cny(pairs, prices)
    cols = ["accel_id", "accel_count", "it_mw", "meter_mw", "runtime_h", "energy_mwh", "energy_cost_cny", "carbon_t"]
    out = out.merge(pairs[["group_id", "hub_id", *cols]], on=["group_id", "hub_id"], how="left")
    placed = out["status"] == "placed"
    out.loc[~placed, "accel_id"] = out.loc[~placed, "job_id"].map(
        dict(zip(jobs["job_id"], jobs["accel_id"], strict=True))
    )
    out.loc[~placed, "accel_count"] = out.loc[~placed, "job_id"].map(
        dict(zip(jobs["job_id"], jobs["accel_count"], strict=True))
    )
    for col in ("it_mw", "meter_mw", "runtime_h", "energy_mwh", "energy_cost_cny", "carbon_t"):
        out[col] = out[col].fillna(0.0).astype(float)
    out["accel_count"] = out["accel_count"].astype(int)
    out["carbon_cost_cny"] = out["carbon_t"] * float(sc.carbon_price_cny_per_t)
    out["data_source"] = [
        ("staged" if (d, h) in staged else "replica") if h else ""
        for d, h in zip(out["dataset_id"], out["hub_id"], strict=True)
    ]
    out["unplaced_penalty_cny"] = [
        0.0 if ok else data.unplaceable_penalty.get(g, 0.0) for ok, g in zip(placed, out["group_id"], strict=True)
    ]
    order = [
        "job_id",
        "name",
        "dataset_id",
        "class_id",
        "status",
        "hub_id",
        "accel_id",
        "accel_count",
        "it_mw",
        "meter_mw",
        "runtime_h",
        "energy_mwh",
        "energy_cost_cny",
        "carbon_t",
        "carbon_cost_cny",
        "data_source",
        "unplaced_penalty_cny",
        "group_id",
    ]
    return out[order]


def link_flow_table(arcs: pd.DataFrame, traffic: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """Per directed arc: TB by kind, total, capacity, utilisation and transfer cost."""
    load: dict[tuple[str, str], dict[str, float]] = {
        arc: {"replication_tb": 0.0, "staging_tb": 0.0, "artifact_tb": 0.0} for arc in arcs.index
    }
    for row in traffic.itertuples(index=False):
        load.setdefault((row.from_hub, row.to_hub), {"replication_tb": 0.0, "staging_tb": 0.0, "artifact_tb": 0.0})
        load[row.from_hub, row.to_hub][f"{row.kind}_tb"] += float(row.tb)
    for row in routes.itertuples(index=False):
        for arc in route_arcs(str(row.route).split(ROUTE_SEP)):
            load.setdefault(arc, {"replication_tb": 0.0, "staging_tb": 0.0, "artifact_tb": 0.0})
            load[arc]["artifact_tb"] += float(row.tb)
    rows = []
    for (u, v), kinds in load.items():
        known = (u, v) in arcs.index
        cap = float(arcs.at[(u, v), "capacity_tb"]) if known else 0.0
        cost = float(arcs.at[(u, v), "cost_cny_per_tb"]) if known else math.nan
        total = sum(kinds.values())
        rows.append(
            {
                "link_id": arcs.at[(u, v), "link_id"] if known else "",
                "from_hub": u,
                "to_hub": v,
                **kinds,
                "total_tb": total,
                "capacity_tb": cap,
                "utilisation": total / cap if cap > 0 else (math.inf if total > 0 else 0.0),
                "cost_cny": total * cost if total > 0 else 0.0,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "link_id",
            "from_hub",
            "to_hub",
            "replication_tb",
            "staging_tb",
            "artifact_tb",
            "total_tb",
            "capacity_tb",
            "utilisation",
            "cost_cny",
        ],
    )


def usage_tables(sc: Any, placements: pd.DataFrame, replicas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hub usage (power, storage, energy, costs) and accelerator usage by hub and type."""
    hubs = sc.hubs
    placed = placements[placements["status"] == "placed"]
    by_hub = placed.groupby("hub_id").agg(
        jobs=("job_id", "count"),
        it_mw=("it_mw", "sum"),
        meter_mw=("meter_mw", "sum"),
        energy_mwh=("energy_mwh", "sum"),
        energy_cost_cny=("energy_cost_cny", "sum"),
        carbon_t=("carbon_t", "sum"),
        carbon_cost_cny=("carbon_cost_cny", "sum"),
        accelerators=("accel_count", "sum"),
    )
    store = replicas.groupby("hub_id").agg(
        storage_used_tb=("size_tb", "sum"), storage_cost_cny=("storage_cost_cny", "sum")
    )
    inventory = sc.hub_accelerators.groupby("hub_id")["count"].sum()
    rows = []
    for hub in hubs.itertuples(index=False):
        h = hub.hub_id
        r = by_hub.loc[h] if h in by_hub.index else None
        st = store.loc[h] if h in store.index else None
        meter = float(r["meter_mw"]) if r is not None else 0.0
        used_tb = float(st["storage_used_tb"]) if st is not None else 0.0
        acc = int(r["accelerators"]) if r is not None else 0
        inv = float(inventory.get(h, 0))
        rows.append(
            {
                "hub_id": h,
                "name": hub.name,
                "macro_region": hub.macro_region,
                "grid_region": hub.grid_region,
                "jobs": int(r["jobs"]) if r is not None else 0,
                "it_mw": float(r["it_mw"]) if r is not None else 0.0,
                "meter_mw": meter,
                "grid_mw": float(hub.grid_mw),
                "power_utilisation": meter / hub.grid_mw if hub.grid_mw > 0 else 0.0,
                "accelerators_used": acc,
                "accelerators": inv,
                "accelerator_utilisation": acc / inv if inv > 0 else 0.0,
                "storage_used_tb": used_tb,
                "storage_tb": float(hub.storage_tb),
                "storage_utilisation": used_tb / hub.storage_tb if hub.storage_tb > 0 else 0.0,
                "energy_mwh": float(r["energy_mwh"]) if r is not None else 0.0,
                "energy_cost_cny": float(r["energy_cost_cny"]) if r is not None else 0.0,
                "carbon_t": float(r["carbon_t"]) if r is not None else 0.0,
                "carbon_cost_cny": float(r["carbon_cost_cny"]) if r is not None else 0.0,
                "storage_cost_cny": float(st["storage_cost_cny"]) if st is not None else 0.0,
            }
        )
    hub_usage = pd.DataFrame(rows)
    used = placed.groupby(["hub_id", "accel_id"])["accel_count"].sum()
    acc_rows = []
    for row in sc.hub_accelerators.itertuples(index=False):
        n = int(used.get((row.hub_id, row.accel_id), 0))
        acc_rows.append(
            {
                "hub_id": row.hub_id,
                "accel_id": row.accel_id,
                "used": n,
                "count": int(row.count),
                "utilisation": n / row.count if row.count > 0 else (math.inf if n else 0.0),
            }
        )
    for (h, k), n in used.items():
        if not ((sc.hub_accelerators["hub_id"] == h) & (sc.hub_accelerators["accel_id"] == k)).any():
            acc_rows.append({"hub_id": h, "accel_id": k, "used": int(n), "count": 0, "utilisation": math.inf})
    accel_usage = pd.DataFrame(acc_rows, columns=["hub_id", "accel_id", "used", "count", "utilisation"])
    return hub_usage, accel_usage


def cost_table(*, energy: float, carbon: float, storage: float, transfer: float, unplaced: float) -> pd.DataFrame:
    """The cost breakdown by term, with the total and each term's share."""
    values = dict(zip(COST_TERMS, (energy, carbon, storage, transfer, unplaced), strict=True))
    total = sum(values.values())
    rows = [{"term": k, "cost_cny": v, "share": v / total if total else 0.0} for k, v in values.items()]
    rows.append({"term": "total", "cost_cny": total, "share": 1.0 if total else 0.0})
    return pd.DataFrame(rows)
