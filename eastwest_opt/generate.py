"""Realistic large portfolios over the shipped hubs and backbone, deterministic for a seed.

:func:`generate_scenario` draws a portfolio of ``jobs`` training jobs over ``datasets`` datasets
and scales the shipped eight-hub scenario's capacities to it; :func:`write_scenario` writes any
scenario as a folder that :func:`~eastwest_opt.scenario.load_scenario` reads back unchanged.

The portfolio
-------------
*Datasets* are born about 80% in the East (bth 35%, yrd 40%, gba 25% of those), the rest in the
five western hubs. Classes: 55% public, 25% personal information, 10% origin-only, 10% northern
gov-cloud (born at bth or imo). Sizes are lognormal (median 25 TB), clipped to 1 TB .. 5 PB.
Replicas: public 1-3 (mostly 2), personal information 2-3, gov-north 2, origin-only 1; two
grid regions when a dataset keeps two or more replicas (most of them). Popularity is Zipf-like,
so a few datasets carry many jobs.

*Jobs* are drawn from a limited catalogue of shapes: 160 fine-tune shapes (8-256 accelerators,
2-72 h), 48 mid-size shapes (512-1,024, 48-240 h) and 16 pre-training shapes (2,048-8,192,
240-700 h). A shape fixes the accelerator type and count, runtime, artifact size, serving hubs,
latency bound, hub restriction (5% of shapes) and penalty rule: must-place (1% of fine-tune,
5% of mid-size and 35% of pre-training shapes) or a penalty of 2-4 times the shape's energy
cost at the dearest hub. Jobs come in campaigns of one shape on one dataset: 12% of fine-tune
campaigns are hyper-parameter sweeps of 5-50 identical jobs, 20% of mid-size campaigns are
seed repeats of 2-8; pre-training runs are single. About 80% / 17% / 3% of jobs are fine-tune /
mid-size / pre-training. Jobs are shuffled, so repeats are not adjacent in ``jobs.csv``.
About 55% of all jobs repeat an earlier job exactly (same shape on the same dataset): that is
what exact aggregation of identical jobs removes (at 1,000 jobs about 53%, at 100,000 about 56%).
A few non-must-place pre-training jobs get an override at one western hub (Ascend 910B,
1.5 times the accelerators, 1.4 times the runtime), like the shipped scenario's.

Capacities, tight but feasible
------------------------------
Hub grid allocations sum to the portfolio's meter MW divided by 0.7; each accelerator type's
inventory is 1.3 times its demand; storage is 2.5 times the minimum replica needs; each
distributed over the hubs in the shipped scenario's proportions. Link capacities scale with
the data volume. Feasibility is guaranteed by construction: a witness plan places every
must-place job at an allowed hub (balancing load), keeps a replica of its dataset there, and
gives every dataset its minimum replicas over its allowed grid regions with replication routed
over the fastest path inside its zone; every capacity is raised to at least what that witness
uses. Every other job may stay unplaced at its penalty, so the witness is a feasible plan.
Finally every job, alone, fits at one hub it may train at (small portfolios would otherwise
leave no hub with 8,192 accelerators of one type).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from eastwest_opt.atomic import write_folder
from eastwest_opt.errors import ScenarioError
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
from eastwest_opt.scenario.network import build_network, route_arcs
from eastwest_opt.scenario.schema import LIST_SEP, SCHEMAS, TABLE_ORDER, parse_table

EAST_ORIGINS = {"bth": 0.35, "yrd": 0.40, "gba": 0.25}
EAST_SHARE = 0.8
CLASS_MIX = {"public": 0.55, "personal-info": 0.25, "origin-only": 0.10, "gov-north": 0.10}
GOV_ORIGINS = {"bth": 0.8, "imo": 0.2}
SIZE_MEDIAN_TB, SIZE_SIGMA, SIZE_MIN_TB, SIZE_MAX_TB = 25.0, 1.9, 1.0, 5000.0
KIND_SHARE = {"ft": 0.80, "mid": 0.17, "pt": 0.03}
N_SHAPES = {"ft": 160, "mid": 48, "pt": 16}
POWER_UTILISATION = 0.70  # total meter MW of the portfolio / total grid allocation
ACCEL_HEADROOM = 1.3  # inventory per accelerator type / demand for it
STORAGE_HEADROOM = 2.5  # storage / minimum replica needs
SERVING_SETS: list[tuple[str, ...]] = [
    (),
    ("bth",),
    ("yrd",),
    ("gba",),
    ("bth", "yrd"),
    ("yrd", "gba"),
    ("bth", "gba"),
    ("bth", "yrd", "gba"),
]
PURPOSES = (
    "chat",
    "code",
    "search",
    "ads",
    "speech",
    "vision",
    "safety",
    "embedding",
    "summarise",
    "translate",
    "rerank",
    "agent",
    "math",
    "recsys",
    "forecast",
    "ocr",
)
TOPICS = (
    "web text",
    "code",
    "short video",
    "speech",
    "images",
    "clickstream",
    "transactions",
    "telemetry",
    "documents",
    "imaging",
    "maps",
    "dialogue",
    "news",
    "satellite",
    "trips",
    "reviews",
)


@dataclass(frozen=True)
class _KindSpec:
    """How shapes and campaigns of one kind of job are drawn."""

    counts: tuple[int, ...]
    count_p: tuple[float, ...]
    runtime_h: tuple[float, float]
    log_runtime: bool
    artifact_tb: tuple[float, float]
    accel_p: dict[str, float]
    serving_p: tuple[float, ...]
    must_place: float
    repeat_p: float
    repeat_range: tuple[int, int]
    label: str


KINDS: dict[str, _KindSpec] = {
    "ft": _KindSpec(
        counts=(8, 16, 32, 64, 128, 256),
        count_p=(0.22, 0.22, 0.20, 0.16, 0.12, 0.08),
        runtime_h=(2.0, 72.0),
        log_runtime=True,
        artifact_tb=(0.01, 0.5),
        accel_p={"h800": 0.30, "h20": 0.30, "ascend-910b": 0.30, "ascend-910c": 0.10},
        serving_p=(0.10, 0.20, 0.25, 0.15, 0.10, 0.08, 0.04, 0.08),
        must_place=0.01,
        repeat_p=0.12,
        repeat_range=(5, 50),
        label="fine-tune",
    ),
    "mid": _KindSpec(
        counts=(512, 768, 1024),
        count_p=(0.45, 0.25, 0.30),
        runtime_h=(48.0, 240.0),
        log_runtime=True,
        artifact_tb=(0.5, 3.0),
        accel_p={"h800": 0.35, "h20": 0.15, "ascend-910b": 0.30, "ascend-910c": 0.20},
        serving_p=(0.25, 0.15, 0.20, 0.10, 0.10, 0.08, 0.04, 0.08),
        must_place=0.05,
        repeat_p=0.20,
        repeat_range=(2, 8),
        label="mid-size run",
    ),
    "pt": _KindSpec(
        counts=(2048, 4096, 8192),
        count_p=(0.45, 0.40, 0.15),
        runtime_h=(240.0, 700.0),
        log_runtime=False,
        artifact_tb=(4.0, 20.0),
        accel_p={"h800": 0.40, "ascend-910b": 0.40, "ascend-910c": 0.20},
        serving_p=(0.15, 0.10, 0.10, 0.05, 0.15, 0.10, 0.05, 0.30),
        must_place=0.35,
        repeat_p=0.0,
        repeat_range=(1, 1),
        label="pre-training",
    ),
}


# ---------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------
def write_scenario(scenario: Scenario, folder: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``scenario`` as a folder (``scenario.yaml`` and one CSV per table), atomically.

    Everything goes into a temporary sibling folder first, which is then moved into place with
    ``os.replace``: an interrupted write leaves the old folder or the new one, never a mix. An
    existing folder is replaced only with ``overwrite=True``. Lists are joined with ``;``,
    booleans written ``true``/``false``, missing values left empty, floats written exactly.
    """

    def fill(tmp: Path) -> None:
        for name in TABLE_ORDER:
            _csv_frame(name, scenario.tables[name]).to_csv(tmp / f"{name}.csv", index=False, na_rep="")
        (tmp / SCENARIO_FILE).write_text(yaml.safe_dump(_settings(scenario), sort_keys=False, allow_unicode=True))

    return write_folder(folder, fill, overwrite=overwrite)


def _csv_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A table with its cells as the loader reads them: lists joined, booleans as words."""
    out = frame.copy()
    for col in SCHEMAS[name].columns:
        if col.name not in out.columns:
            continue
        if col.kind == "list":
            out[col.name] = out[col.name].map(lambda v: LIST_SEP.join(v) if isinstance(v, tuple | list) else v)
        elif col.kind == "bool":
            out[col.name] = out[col.name].map(lambda v: "true" if v else "false")
        elif col.kind == "int":
            out[col.name] = out[col.name].astype("Int64")
    return out


def _settings(scenario: Scenario) -> dict[str, object]:
    return {
        "name": scenario.name,
        "description": scenario.description,
        "planning_window_hours": scenario.planning_window_hours,
        "carbon_price_cny_per_t": scenario.carbon_price_cny_per_t,
        "carbon_budget_t": scenario.carbon_budget_t,
        "allow_unplaced": scenario.allow_unplaced,
        "artifact_paths_k": scenario.artifact_paths_k,
        "solver": {
            "time_limit_s": scenario.solver.time_limit_s,
            "mip_rel_gap": scenario.solver.mip_rel_gap,
            "threads": scenario.solver.threads,
        },
        "tables": {name: f"{name}.csv" for name in TABLE_ORDER},
    }


# ---------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------
def generate_scenario(jobs: int, datasets: int, seed: int, *, check: bool = True) -> Scenario:
    """A realistic portfolio of ``jobs`` jobs over ``datasets`` datasets on the shipped hubs.

    Deterministic for ``seed`` (numpy ``Generator``). See the module docstring for the
    portfolio's make-up and how capacities are scaled so that the scenario is tight but
    feasible. With ``check=True`` the tables pass the same cross-table checks as a loaded
    scenario (a failure is a bug of the generator). The result equals what
    ``load_scenario(write_scenario(result, folder))`` reads back.
    """
    if jobs < 1 or datasets < 1:
        raise ValueError("jobs and datasets must be at least 1")
    rng = np.random.default_rng(seed)
    base = load_scenario()
    g = _Generator(base, rng)
    ds = g.datasets(datasets)
    shapes = g.shapes()
    job_table, overrides = g.jobs(jobs, ds, shapes)
    hubs, links, inventory = g.capacities(ds, job_table, shapes)
    raw = {
        "hubs": hubs,
        "links": links,
        "accelerators": base.accelerators,
        "hub_accelerators": inventory,
        "data_classes": base.data_classes,
        "datasets": ds.drop(columns=["mask", "popularity"]),
        "jobs": job_table.drop(columns=["shape", "kind", "must"]),
        "overrides": overrides,
    }
    tables: dict[str, pd.DataFrame] = {}
    problems = []
    for name in TABLE_ORDER:
        typed, found = parse_table(raw[name].reset_index(drop=True), SCHEMAS[name], f"{name}.csv")
        tables[name] = typed
        problems += found
    scenario = Scenario(
        name=f"generated-{jobs}j-{datasets}d-s{seed}",
        description=(
            f"Generated portfolio of {jobs:,} training jobs over {datasets:,} datasets (seed {seed}) on the shipped "
            "eight hubs and backbone, capacities scaled to the portfolio (eastwest_opt.generate)."
        ),
        planning_window_hours=base.planning_window_hours,
        carbon_price_cny_per_t=0.0,
        carbon_budget_t=None,
        allow_unplaced=True,
        artifact_paths_k=base.artifact_paths_k,
        solver=SolverSettings(time_limit_s=120.0, mip_rel_gap=1e-3, threads=None),
        tables=tables,
        path=None,
        sources={name: f"{name}.csv" for name in TABLE_ORDER},
    )
    if check:
        problems += check_references(scenario)
        if not any(p.severity == "error" for p in problems):
            # routes depend only on (dataset, serving hubs, hub restriction): check each once
            distinct = tables["jobs"].drop_duplicates(["dataset_id", "serving_hubs", "allowed_hubs"])
            sample = dataclasses.replace(scenario, tables={**tables, "jobs": distinct.reset_index(drop=True)})
            problems += check_routes(sample)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    return scenario


def repeat_fraction(scenario: Scenario) -> float:
    """Share of jobs identical to an earlier job in every column the model reads (see prepare.GROUP_KEY)."""
    from eastwest_opt.model.data import job_groups

    jobs = len(scenario.jobs)
    return 1.0 - len(job_groups(scenario)) / jobs if jobs else 0.0


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _two_figures(values: np.ndarray) -> np.ndarray:
    """Round to two significant figures (penalties read like a planner's numbers)."""
    v = np.asarray(values, dtype=float)
    mag = np.floor(np.log10(np.maximum(v, 1.0))) - 1
    return np.round(v / 10.0**mag) * 10.0**mag


class _Generator:
    """The drawing steps of :func:`generate_scenario`, sharing the base scenario and the RNG."""

    def __init__(self, base: Scenario, rng: np.random.Generator) -> None:
        self.base = base
        self.rng = rng
        self.hubs = list(base.hubs["hub_id"])
        self.bit = {h: 1 << i for i, h in enumerate(self.hubs)}
        self.network = build_network(base)
        self.latency = {(a, b): self.network.fastest_latency_ms(a, b) for a in self.hubs for b in self.hubs}
        ha = base.hub_accelerators
        self.accel_mask = {k: 0 for k in base.accelerators["accel_id"]}
        for h, k, c in zip(ha["hub_id"], ha["accel_id"], ha["count"], strict=True):
            if c > 0:
                self.accel_mask[k] |= self.bit[h]
        self.kw = dict(zip(base.accelerators["accel_id"], base.accelerators["kw_per_accel"], strict=True))
        self.pue = dict(zip(base.hubs["hub_id"], base.hubs["pue"], strict=True))
        self.dearest_kwh = float((base.hubs["pue"] * base.hubs["price_cny_per_kwh"]).max())
        self.classes = base.data_classes.set_index("class_id")
        self.region = dict(zip(base.hubs["hub_id"], base.hubs["grid_region"], strict=True))
        self.west = tuple(h for h, r in zip(base.hubs["hub_id"], base.hubs["macro_region"], strict=True) if r == "west")

    def mask_of(self, hubs: frozenset[str] | None) -> int:
        return sum(self.bit[h] for h in (self.hubs if hubs is None else hubs) if h in self.bit)

    def hubs_of(self, mask: int) -> list[str]:
        return [h for h in self.hubs if mask & self.bit[h]]

    # -- datasets -------------------------------------------------------------------
    def datasets(self, n: int) -> pd.DataFrame:
        rng = self.rng
        west = [h for h in self.hubs if h not in EAST_ORIGINS]
        east = rng.random(n) < EAST_SHARE
        origin = np.where(east, _choice(rng, EAST_ORIGINS, n), _choice(rng, dict.fromkeys(west, 1.0), n))
        cls = _choice(rng, CLASS_MIX, n)
        gov = cls == "gov-north"
        origin[gov] = _choice(rng, GOV_ORIGINS, int(gov.sum()))
        size = np.exp(rng.normal(math.log(SIZE_MEDIAN_TB), SIZE_SIGMA, n))
        size = np.round(np.clip(size, SIZE_MIN_TB, SIZE_MAX_TB), 1)
        replicas = np.select(
            [cls == "public", cls == "personal-info", cls == "gov-north"],
            [
                rng.choice([1, 2, 3], size=n, p=[0.15, 0.65, 0.20]),
                rng.choice([2, 3], size=n, p=[0.7, 0.3]),
                np.full(n, 2),
            ],
            default=1,
        )
        regions = np.where((replicas >= 2) & (cls != "gov-north") & (rng.random(n) < 0.85), 2, 1)
        topic = np.array(TOPICS, dtype=object)[rng.integers(0, len(TOPICS), n)]
        ids = pd.Series(np.arange(n)).map("ds-{:05d}".format)
        masks = []
        for c, o in zip(cls, origin, strict=True):
            masks.append(self.mask_of(allowed_hub_set(str(self.classes.at[c, "allowed_hubs"]), o)))
        popularity = np.empty(n)
        popularity[rng.permutation(n)] = np.arange(1, n + 1, dtype=float) ** -0.8
        return pd.DataFrame(
            {
                "dataset_id": ids,
                "name": pd.Series(topic).str.capitalize() + " data born at " + pd.Series(origin),
                "origin_hub": origin.astype(object),
                "class_id": cls,
                "size_tb": size,
                "min_replicas": replicas.astype(int),
                "min_grid_regions": regions.astype(int),
                "mask": np.array(masks, dtype=np.int64),
                "popularity": popularity,
            }
        )

    # -- the shape catalogue ---------------------------------------------------------
    def shapes(self) -> pd.DataFrame:
        rng = self.rng
        frames = []
        for kind, spec in KINDS.items():
            n = N_SHAPES[kind]
            accel = _choice(rng, spec.accel_p, n)
            count = rng.choice(np.array(spec.counts), size=n, p=np.array(spec.count_p))
            lo, hi = spec.runtime_h
            if spec.log_runtime:
                runtime = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
            else:
                runtime = rng.uniform(lo, hi, n)
            runtime = np.maximum(np.round(runtime), 1.0)
            alo, ahi = spec.artifact_tb
            artifact = np.exp(rng.uniform(math.log(alo), math.log(ahi), n))
            if kind == "ft":
                artifact = artifact * np.sqrt(count / 64.0)
            artifact = np.round(np.clip(artifact, 0.005, 25.0), 3)
            serving = rng.choice(len(SERVING_SETS), size=n, p=np.array(spec.serving_p))
            bound = rng.choice(np.array([20.0, 25.0, 12.0, 8.0]), size=n, p=[0.7, 0.15, 0.1, 0.05])
            restrict = rng.random(n) < 0.05
            must = rng.random(n) < spec.must_place
            multiplier = rng.uniform(2.0, 4.0, n)
            purpose = np.array(PURPOSES, dtype=object)[rng.integers(0, len(PURPOSES), n)]
            rows = []
            for i in range(n):
                serve = SERVING_SETS[serving[i]]
                b = float(bound[i]) if serve else math.nan
                allowed: tuple[str, ...] = ()
                if restrict[i]:  # a hub policy: this shape trains in the West only
                    allowed = self.west
                mask = self.accel_mask[accel[i]] & (self.mask_of(frozenset(allowed)) if allowed else ~0)
                if serve and not self._within(mask, serve, b):
                    b = 25.0 if self._within(mask, serve, 25.0) else math.nan
                mask &= self._latency_mask(serve, b)
                if not mask:  # the restriction excludes every hub with this accelerator type
                    allowed = ()
                    mask = self.accel_mask[accel[i]] & self._latency_mask(serve, b)
                energy_cny = int(count[i]) * self.kw[accel[i]] * float(runtime[i]) * self.dearest_kwh
                penalty = math.nan if must[i] else float(_two_figures(multiplier[i] * energy_cny))
                rows.append(
                    {
                        "kind": kind,
                        "shape_name": f"{purpose[i]} {spec.label} ({int(count[i])} x {accel[i]}, {runtime[i]:g} h)",
                        "accel_id": accel[i],
                        "accel_count": int(count[i]),
                        "runtime_h": float(runtime[i]),
                        "artifact_tb": float(artifact[i]),
                        "serving_hubs": serve,
                        "max_latency_ms": b,
                        "allowed_hubs": allowed,
                        "must": bool(must[i]),
                        "unplaced_penalty_cny": penalty,
                        "mask": int(mask),
                    }
                )
            frames.append(pd.DataFrame(rows))
        return pd.concat(frames, ignore_index=True)

    def _latency_mask(self, serve: tuple[str, ...], bound: float) -> int:
        if not serve or math.isnan(bound):
            return self.mask_of(None)
        return sum(self.bit[h] for h in self.hubs if all(self.latency[h, t] <= bound + 1e-9 for t in serve))

    def _within(self, mask: int, serve: tuple[str, ...], bound: float) -> bool:
        return bool(mask & self._latency_mask(serve, bound))

    # -- jobs -------------------------------------------------------------------------
    def jobs(self, n: int, ds: pd.DataFrame, shapes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng = self.rng
        counts = {"pt": round(KIND_SHARE["pt"] * n), "mid": round(KIND_SHARE["mid"] * n)}
        counts["ft"] = n - counts["pt"] - counts["mid"]
        campaign_shape: list[np.ndarray] = []
        campaign_ds: list[np.ndarray] = []
        campaign_size: list[np.ndarray] = []
        ds_mask = ds["mask"].to_numpy()
        shape_mask = shapes["mask"].to_numpy()
        big = ds["size_tb"].to_numpy() >= min(100.0, float(np.sort(ds["size_tb"].to_numpy())[-min(3, len(ds))]))
        for kind in ("pt", "mid", "ft"):
            total = counts[kind]
            if total <= 0:
                continue
            spec = KINDS[kind]
            sizes = self._campaign_sizes(spec, total)
            kind_shapes = np.flatnonzero(shapes["kind"].to_numpy() == kind)
            # which datasets can host some shape of this kind at all
            fits = np.array([(shape_mask[kind_shapes] & m).any() for m in ds_mask])
            weight = ds["popularity"].to_numpy() * fits * (big if kind == "pt" else 1.0)
            if weight.sum() == 0:
                weight = ds["popularity"].to_numpy() * fits
            d = rng.choice(len(ds), size=len(sizes), p=weight / weight.sum())
            shape_popularity = np.arange(1, len(kind_shapes) + 1, dtype=float) ** -0.7
            s = np.empty(len(sizes), dtype=np.int64)
            for m in np.unique(ds_mask[d]):
                rows = np.flatnonzero(ds_mask[d] == m)
                ok = kind_shapes[(shape_mask[kind_shapes] & m) != 0]
                p = shape_popularity[np.searchsorted(kind_shapes, ok)]
                s[rows] = ok[rng.choice(len(ok), size=len(rows), p=p / p.sum())]
            campaign_shape.append(s)
            campaign_ds.append(d)
            campaign_size.append(sizes)
        shape_of = np.concatenate(campaign_shape)
        ds_of = np.concatenate(campaign_ds)
        size_of = np.concatenate(campaign_size)
        campaign = np.repeat(np.arange(len(size_of)), size_of)
        run = np.arange(len(campaign)) - np.repeat(np.cumsum(size_of) - size_of, size_of)
        order = rng.permutation(len(campaign))
        campaign, run = campaign[order], run[order]
        sh = shapes.iloc[shape_of[campaign]].reset_index(drop=True)
        dataset_id = ds["dataset_id"].to_numpy()[ds_of[campaign]]
        kind = sh["kind"].to_numpy()
        ids = pd.Series(kind, dtype=object) + "-" + pd.Series(np.arange(len(kind))).map("{:06d}".format)
        sweep = size_of[campaign] > 1
        suffix = np.where(sweep, " #" + pd.Series(run + 1).astype(str), "")
        name = sh["shape_name"] + " on " + pd.Series(dataset_id, dtype=object) + suffix
        table = pd.DataFrame(
            {
                "job_id": ids,
                "name": name,
                "dataset_id": dataset_id,
                "accel_id": sh["accel_id"],
                "accel_count": sh["accel_count"],
                "runtime_h": sh["runtime_h"],
                "artifact_tb": sh["artifact_tb"],
                "serving_hubs": sh["serving_hubs"],
                "max_latency_ms": sh["max_latency_ms"],
                "unplaced_penalty_cny": sh["unplaced_penalty_cny"],
                "allowed_hubs": sh["allowed_hubs"],
                "shape": shape_of[campaign],
                "kind": kind,
                "must": sh["must"],
            }
        )
        return table, self._overrides(table, ds, shapes)

    def _campaign_sizes(self, spec: _KindSpec, total: int) -> np.ndarray:
        rng = self.rng
        lo, hi = spec.repeat_range
        draw = int(total / (1 + spec.repeat_p * (lo - 1))) + 16  # enough campaigns, usually at once
        parts: list[np.ndarray] = []
        drawn = 0
        while drawn < total:
            sweep = rng.random(draw) < spec.repeat_p
            size = np.exp(rng.uniform(math.log(lo), math.log(hi + 0.5), draw))
            parts.append(np.where(sweep, np.round(size), 1).astype(int))
            drawn += int(parts[-1].sum())
        sizes = np.concatenate(parts)
        cum = np.cumsum(sizes)
        last = int(np.searchsorted(cum, total))
        sizes = sizes[: last + 1].copy()
        sizes[-1] -= int(cum[last]) - total
        return sizes[sizes > 0]

    def _overrides(self, jobs: pd.DataFrame, ds: pd.DataFrame, shapes: pd.DataFrame) -> pd.DataFrame:
        """A Ascend 910B override at one allowed western hub for about a third of optional pre-training runs."""
        rng = self.rng
        cols = ["job_id", "hub_id", "accel_id", "accel_count", "it_mw", "runtime_h", "fixed_cost_cny"]
        pick = np.flatnonzero((jobs["kind"].to_numpy() == "pt") & ~jobs["must"].to_numpy().astype(bool))
        pick = pick[rng.random(len(pick)) < 0.3]
        mask_of_ds = dict(zip(ds["dataset_id"], ds["mask"], strict=True))
        shape_mask = shapes["mask"].to_numpy()
        domestic = self.accel_mask.get("ascend-910b", 0)
        rows = []
        for i in pick:
            ok = mask_of_ds[jobs.at[i, "dataset_id"]] & int(shape_mask[jobs.at[i, "shape"]]) & domestic
            west = [h for h in self.hubs_of(ok) if h in self.west]
            if not west or jobs.at[i, "accel_id"] == "ascend-910b":
                continue
            h = west[int(rng.integers(len(west)))]
            rows.append(
                {
                    "job_id": jobs.at[i, "job_id"],
                    "hub_id": h,
                    "accel_id": "ascend-910b",
                    "accel_count": round(int(jobs.at[i, "accel_count"]) * 1.5),
                    "it_mw": math.nan,
                    "runtime_h": float(min(720.0, round(jobs.at[i, "runtime_h"] * 1.4))),
                    "fixed_cost_cny": math.nan,
                }
            )
        return pd.DataFrame(rows, columns=cols)

    # -- capacities ---------------------------------------------------------------------
    def capacities(
        self, ds: pd.DataFrame, jobs: pd.DataFrame, shapes: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        base = self.base
        hubs = base.hubs.copy()
        grid_share = (hubs["grid_mw"] / hubs["grid_mw"].sum()).to_numpy()
        mean_pue = float((hubs["pue"] * grid_share).sum())
        it_mw = jobs["accel_count"].to_numpy() * jobs["accel_id"].map(self.kw).to_numpy() / 1000.0
        grid = grid_share * it_mw.sum() * mean_pue / POWER_UTILISATION
        ha = base.hub_accelerators.copy()
        demand = pd.Series(jobs["accel_count"].to_numpy(), index=jobs["accel_id"].to_numpy()).groupby(level=0).sum()
        type_total = ha.groupby("accel_id")["count"].transform("sum")
        need = ha["accel_id"].map(demand).fillna(0.0) * ACCEL_HEADROOM
        inventory = (need * ha["count"] / type_total).to_numpy(dtype=float, copy=True)
        size = ds["size_tb"].to_numpy()
        storage_share = (hubs["storage_tb"] / hubs["storage_tb"].sum()).to_numpy()
        storage = storage_share * float((size * ds["min_replicas"].to_numpy()).sum()) * STORAGE_HEADROOM

        w = self._witness(ds, jobs, shapes, grid, inventory, ha)
        grid = np.maximum(grid, w["power"] * 1.001)
        self._fit_alone(ds, jobs, shapes, grid, inventory, ha)
        storage = np.maximum(storage, w["storage"] * 1.001)
        hubs["grid_mw"] = np.ceil(grid * 10.0) / 10.0
        hubs["storage_tb"] = np.ceil(storage / 10.0) * 10.0
        floor = np.array([w["accel"].get((h, k), 0) for h, k in zip(ha["hub_id"], ha["accel_id"], strict=True)])
        ha["count"] = (np.ceil(np.maximum(inventory, floor) / 8.0) * 8).astype(int)

        links = base.links.copy()
        volume = float(size.sum())
        scale = max(1.0, volume / float(base.datasets["size_tb"].sum()))
        tb_per_gbps = base.planning_window_hours * TB_PER_GBPS_HOUR
        need_gbps = np.array(
            [
                max(w["flow"].get((a, b), 0.0), w["flow"].get((b, a), 0.0)) / tb_per_gbps * 1.05
                for a, b in zip(links["hub_a"], links["hub_b"], strict=True)
            ]
        )
        links["capacity_gbps"] = np.ceil(np.maximum(links["capacity_gbps"].to_numpy() * scale, need_gbps))
        return hubs, links, ha

    def _fit_alone(
        self,
        ds: pd.DataFrame,
        jobs: pd.DataFrame,
        shapes: pd.DataFrame,
        grid: np.ndarray,
        inventory: np.ndarray,
        ha: pd.DataFrame,
    ) -> None:
        """Raise capacities (in place) so that every job, alone, fits at one hub it may train at.

        Small portfolios spread over eight hubs leave no hub with 8,192 accelerators of one type
        or the power for them; a real planner would not own such a fleet. The hub raised is the
        candidate with the largest inventory of the job's accelerator type.
        """
        hub_index = {h: i for i, h in enumerate(self.hubs)}
        row_of = {(h, k): i for i, (h, k) in enumerate(zip(ha["hub_id"], ha["accel_id"], strict=True))}
        mask_of_ds = dict(zip(ds["dataset_id"], ds["mask"], strict=True))
        combos = pd.DataFrame({"shape": jobs["shape"], "mask": jobs["dataset_id"].map(mask_of_ds)}).drop_duplicates()
        shape_mask = shapes["mask"].to_numpy()
        for shape, mask in zip(combos["shape"], combos["mask"], strict=True):
            k = shapes.at[shape, "accel_id"]
            count = float(shapes.at[shape, "accel_count"])
            it = count * self.kw[k] / 1000.0
            candidates = [h for h in self.hubs_of(int(mask) & int(shape_mask[shape])) if (h, k) in row_of]
            if not candidates or any(
                inventory[row_of[h, k]] >= count and grid[hub_index[h]] >= it * self.pue[h] for h in candidates
            ):
                continue
            h = max(candidates, key=lambda c: inventory[row_of[c, k]])
            inventory[row_of[h, k]] = max(inventory[row_of[h, k]], count)
            grid[hub_index[h]] = max(grid[hub_index[h]], it * self.pue[h] * 1.001)

    def _witness(
        self,
        ds: pd.DataFrame,
        jobs: pd.DataFrame,
        shapes: pd.DataFrame,
        grid: np.ndarray,
        inventory: np.ndarray,
        ha: pd.DataFrame,
    ) -> dict[str, object]:
        """A feasible plan: must-place jobs placed, every other job unplaced, minimum replicas kept.

        Returns the power, accelerators, storage and per-arc traffic it uses; capacities are
        then raised to at least these, which makes the scenario feasible by construction.
        """
        rng = self.rng
        hub_index = {h: i for i, h in enumerate(self.hubs)}
        power = np.zeros(len(self.hubs))
        accel: dict[tuple[str, str], float] = {}
        target_accel = {
            (h, k): max(float(c), 1.0) for h, k, c in zip(ha["hub_id"], ha["accel_id"], inventory, strict=True)
        }
        ds_row = {d: i for i, d in enumerate(ds["dataset_id"])}
        ds_mask = ds["mask"].to_numpy()
        shape_mask = shapes["mask"].to_numpy()
        extra: dict[int, set[str]] = {}
        flow: dict[tuple[str, str], float] = {}
        must = np.flatnonzero(jobs["must"].to_numpy().astype(bool))
        must = must[np.argsort(-jobs["accel_count"].to_numpy()[must], kind="stable")]
        picked = jobs.iloc[must]
        routes: dict[tuple[str, str, float], list[tuple[str, str]]] = {}
        for dataset_id, k, count, shape, serve, bound, artifact in zip(
            picked["dataset_id"],
            picked["accel_id"],
            picked["accel_count"].astype(float),
            picked["shape"],
            picked["serving_hubs"],
            picked["max_latency_ms"].astype(float),
            picked["artifact_tb"].astype(float),
            strict=True,
        ):
            d = ds_row[dataset_id]
            it = count * self.kw[k] / 1000.0
            candidates = self.hubs_of(int(ds_mask[d]) & int(shape_mask[shape]))
            load = [
                (power[hub_index[h]] + it * self.pue[h]) / max(grid[hub_index[h]], 1e-9)
                + (accel.get((h, k), 0.0) + count) / target_accel.get((h, k), 1.0)
                + 1e-6 * rng.random()
                for h in candidates
            ]
            h = candidates[int(np.argmin(load))]
            power[hub_index[h]] += it * self.pue[h]
            accel[h, k] = accel.get((h, k), 0.0) + count
            extra.setdefault(d, set()).add(h)
            bound = math.inf if math.isnan(bound) else bound
            for t in serve:
                if t == h:
                    continue
                key = (h, t, bound)
                if key not in routes:  # the fastest route, the first candidate the model offers
                    routes[key] = route_arcs(self.network.candidate_routes(h, t, bound, self.base.artifact_paths_k)[0])
                for arc in routes[key]:
                    flow[arc] = flow.get(arc, 0.0) + artifact
        storage = np.zeros(len(self.hubs))
        storage_weight = self.base.hubs["storage_tb"].to_numpy(dtype=float)
        zone_paths: dict[int, dict[str, dict[str, list[str]]]] = {}
        for d, row in enumerate(ds.itertuples(index=False)):
            allowed = self.hubs_of(int(ds_mask[d]))
            chosen = {row.origin_hub} | extra.get(d, set())
            regions = {self.region[h] for h in chosen}
            while len(chosen) < row.min_replicas or len(regions) < row.min_grid_regions:
                pool = [h for h in allowed if h not in chosen]
                fresh = [h for h in pool if self.region[h] not in regions]
                pool = fresh if len(regions) < row.min_grid_regions and fresh else pool
                p = storage_weight[[hub_index[h] for h in pool]]
                h = pool[int(rng.choice(len(pool), p=p / p.sum()))]
                chosen.add(h)
                regions.add(self.region[h])
            mask = int(ds_mask[d])
            if mask not in zone_paths:
                zone_paths[mask] = self._zone_paths(allowed)
            for h in chosen:
                storage[hub_index[h]] += row.size_tb
                if h != row.origin_hub:
                    for arc in route_arcs(zone_paths[mask][row.origin_hub][h]):
                        flow[arc] = flow.get(arc, 0.0) + float(row.size_tb)
        return {"power": power, "accel": accel, "storage": storage, "flow": flow}

    def _zone_paths(self, zone: list[str]) -> dict[str, dict[str, list[str]]]:
        import networkx as nx

        sub = self.network.graph.subgraph(zone)
        return dict(nx.all_pairs_dijkstra_path(sub, weight="latency_ms"))
