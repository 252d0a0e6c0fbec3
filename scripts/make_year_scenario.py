"""Write ``data/eight-hubs-year/``, the shipped year scenario, from ``data/eight-hubs/``.

The eight hubs over the twelve months of 2026. The hubs, backbone, accelerators, inventories,
data classes and datasets are the one-window scenario's, copied byte for byte. What this script
adds, every rule documented in ``data/README.md`` (section "The year scenario"):

- ``periods.csv``: m01..m12, January..December, hours = days x 24 (8,760 h in all), start dates.
- ``hub_periods.csv``: each hub's monthly price, grid allocation for new AI load and carbon
  factor. Each hub follows one seasonal shape (an index with mean 1 over the twelve months):
  Sichuan's hydropower (Chengdu-Chongqing; Guizhou and the southern and eastern grids weaker),
  northern wind (Inner Mongolia, Zhangjiakou: more in spring and winter), north-western solar
  (Gansu, Ningxia: more in summer). A hub value in month m is ``base * (1 + a * (idx[m] - 1))``
  with the hub's one-window value as ``base`` and an amplitude ``a`` per hub and column, so the
  twelve months average to the one-window value. Chengdu-Chongqing's and Guizhou's prices follow
  the wet/flat/dry tariff seasons (丰枯电价) instead of the index.
- ``jobs.csv`` and ``overrides.csv``: a portfolio of a few hundred jobs with release dates and
  deadlines, built from the 51 one-window jobs by fixed rules (no random numbers): each job kind
  recurs over the year (fine-tunes every two months, production mid-size runs every quarter,
  online-learning models every two months), and the pre-training runs and a few deadline
  stories are listed by hand in :data:`STORY_JOBS`. Penalties follow the one-window rule
  (3 x the energy cost at 0.75 CNY per IT kWh, two significant digits, rounded up).

Run from the repository root: ``python scripts/make_year_scenario.py``. It reads only
``data/eight-hubs`` and overwrites ``data/eight-hubs-year``; running it again writes the same
files, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "eight-hubs"
TARGET = ROOT / "data" / "eight-hubs-year"
COPIED = ["hubs.csv", "links.csv", "accelerators.csv", "hub_accelerators.csv", "data_classes.csv", "datasets.csv"]

MONTHS = [
    ("m01", "January", 31),
    ("m02", "February", 28),
    ("m03", "March", 31),
    ("m04", "April", 30),
    ("m05", "May", 31),
    ("m06", "June", 30),
    ("m07", "July", 31),
    ("m08", "August", 31),
    ("m09", "September", 30),
    ("m10", "October", 31),
    ("m11", "November", 30),
    ("m12", "December", 31),
]
IDS = [m[0] for m in MONTHS]

# -- Seasonal shapes: one value per month, January first, mean 1 (see data/README.md) --------
SHAPES: dict[str, list[float]] = {
    # Sichuan hydro output: low December-April (dry season), rising in May, highest July-August,
    # falling through October (wet season June-October), flat November. Wet months ~2x dry.
    "hydro": [0.68, 0.64, 0.66, 0.72, 0.95, 1.25, 1.45, 1.45, 1.40, 1.20, 0.90, 0.70],
    # Northern wind: fitted to the NEA's 2014 national utilisation hours (H1 979 h, Q3 357 h,
    # Q4 557 h of 1,893 h): H1 1.03, Q3 0.75, Q4 1.18 of the monthly mean; spring peak.
    "wind": [0.95, 0.95, 1.15, 1.20, 1.10, 0.85, 0.70, 0.70, 0.86, 1.05, 1.25, 1.23],
    # North-western solar output: summer ~1.6x winter (horizontal irradiance in China is ~2.1x,
    # tilted panels in the north-west see less of the swing).
    "solar": [0.70, 0.85, 1.00, 1.10, 1.20, 1.25, 1.25, 1.15, 1.05, 0.95, 0.80, 0.70],
    # Eastern load: summer (July, August) and winter (January, December) peaks leave less
    # headroom for new load; used for grid_mw only (index of headroom, not of load).
    "east-load": [0.96, 1.03, 1.04, 1.05, 1.04, 1.00, 0.90, 0.88, 1.02, 1.05, 1.04, 0.99],
}

# Tariff seasons of Chengdu-Chongqing and Guizhou: wet June-October, dry December-April, flat
# May and November. Factors on the flat level (the one-window price): estimates, see README.
TARIFF_SEASON = ["dry", "dry", "dry", "dry", "flat", "wet", "wet", "wet", "wet", "wet", "flat", "dry"]
TARIFF_FACTOR = {"cc": {"wet": 0.80, "flat": 1.00, "dry": 1.20}, "gz": {"wet": 0.90, "flat": 1.00, "dry": 1.10}}

# Per hub: (shape, price amplitude, grid amplitude, carbon amplitude). A positive price or
# carbon amplitude makes the value FALL when the shape is high (more cheap clean power).
HUB_SEASONS: dict[str, tuple[str, float, float, float]] = {
    "cc": ("hydro", 0.0, 1.00, 0.50),  # price from TARIFF_FACTOR
    "gz": ("hydro", 0.0, 0.50, 0.25),  # price from TARIFF_FACTOR; half of Sichuan's swing
    "imo": ("wind", 0.20, 0.50, 0.25),
    "bth": ("wind", 0.15, 0.40, 0.20),
    "gs": ("solar", 0.20, 0.50, 0.20),
    "nx": ("solar", 0.20, 0.50, 0.20),
    "gba": ("hydro", 0.0, 0.0, 0.15),  # South grid region: western hydro sent east
    "yrd": ("hydro", 0.0, 0.0, 0.08),  # East grid: Sichuan hydro over UHV lines in summer
}
EAST_LOAD_GRID = {"yrd": 1.0, "gba": 1.0}  # grid amplitude on the east-load shape
SUMMER_PEAK_PRICE = {"yrd": 0.03, "gba": 0.03}  # critical-peak months July and August

# -- The portfolio ----------------------------------------------------------------------------
PENALTY_CNY_PER_IT_KWH = 0.75  # the one-window rule: yrd 0.60 CNY/kWh x PUE 1.25
QUARTERS = [(1, 3), (4, 6), (7, 9), (10, 12)]
# Kinds of recurring jobs (template ids of data/eight-hubs/jobs.csv).
ONLINE = {"mid-recsys-ecom", "mid-shortvideo-rank", "mid-ride-eta"}  # retrained every two months
ONCE_A_QUARTER = {"mid-fin-risk"}  # the regulator's quarterly refresh; other mid kinds run twice a quarter
RESEARCH = {"mid-moe-ablation", "mid-domestic-ablation"}  # three a year, preemptible, no deadline
MONTHLY = {"ft-gov-hotline"}  # every month, due the month it is released
BATCH = {"ft-code-completion", "ft-video-safety", "ft-llm-longctx", "ft-agri-yield"}  # checkpointed: preemptible
MID_RUNTIME = 2.5  # a mid-size run in the year: 2.5x its one-window hours (two to six weeks)
# Hand-picked jobs: (template, job id suffix, runtime h, release, deadline, preemptible, must,
# what it stands for). ``must`` True: must-place (no penalty).
STORY_JOBS: list[tuple[str, str, float, int, int, bool, bool, str]] = [
    ("pt-llm-base", "2026", 2800, 1, 8, True, True, "Flagship LLM v4, due before the September launch"),
    ("pt-llm-base", "h2", 2100, 8, 12, False, False, "Next flagship base, started after the launch"),
    ("pt-llm-domestic", "2026", 2800, 1, 12, True, False, "Domestic-stack LLM, any time this year"),
    ("pt-llm-domestic", "h2", 2100, 7, 12, False, False, "Domestic-stack LLM, second run in the second half"),
    ("pt-video-gen", "2026", 2100, 2, 9, False, True, "Video model, due before the Golden Week campaign"),
    ("pt-video-gen", "h2", 1400, 8, 12, False, False, "Video model refresh, second half"),
    ("pt-code", "h1", 2100, 1, 6, False, False, "Code model, due for the mid-year release"),
    ("pt-code", "h2", 2100, 7, 12, False, False, "Code model, due for the year-end release"),
    ("pt-gov-rs", "2026", 2100, 4, 10, False, True, "Gov remote-sensing model, funded in April, due in October"),
    ("ft-chat-general", "launch", 120, 8, 8, False, False, "Chat fine-tune of the flagship for the launch"),
    ("ft-ecom-copywriter", "d11", 48, 10, 10, False, False, "Copywriting model for Double 11"),
    ("ft-ecom-search", "d11", 72, 10, 10, False, False, "Search relevance for Double 11"),
]
PPA_CNY_PER_KWH = {("pt-llm-base", "nx"): 0.28, ("pt-gov-rs", "imo"): 0.20}  # fixed-cost overrides


def _read(name: str) -> list[dict[str, str]]:
    with (SOURCE / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(out: Path, name: str, header: list[str], rows: list[dict[str, object]]) -> None:
    with (out / name).open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k, "")) for k in header})


def _cell(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}" if abs(v) < 1e6 else f"{v:.0f}"
    return str(v)


def periods() -> list[dict[str, object]]:
    """m01..m12 of 2026: hours = days x 24, each starting where the one before ends."""
    return [
        {"period_id": pid, "label": label, "hours": float(days * 24), "start_time": f"2026-{i + 1:02d}-01"}
        for i, (pid, label, days) in enumerate(MONTHS)
    ]


def hub_periods(hubs: list[dict[str, str]]) -> list[dict[str, object]]:
    """Each hub's price, grid allocation and carbon factor in each month (module docstring)."""
    rows = []
    for hub in hubs:
        h = hub["hub_id"]
        shape, a_price, a_grid, a_carbon = HUB_SEASONS[h]
        idx = SHAPES[shape]
        price, grid, carbon = (float(hub[c]) for c in ("price_cny_per_kwh", "grid_mw", "carbon_kg_per_kwh"))
        load = SHAPES["east-load"]
        for m, pid in enumerate(IDS):
            if h in TARIFF_FACTOR:
                p = price * TARIFF_FACTOR[h][TARIFF_SEASON[m]]
            else:
                p = price * (1 - a_price * (idx[m] - 1)) * (1 + (SUMMER_PEAK_PRICE.get(h, 0.0) if m in (6, 7) else 0))
            g = grid * (1 + a_grid * (idx[m] - 1)) * (1 + EAST_LOAD_GRID.get(h, 0.0) * (load[m] - 1))
            c = carbon * (1 - a_carbon * (idx[m] - 1))
            rows.append(
                {
                    "hub_id": h,
                    "period_id": pid,
                    "price_cny_per_kwh": round(p, 3),
                    "grid_mw": round(g, 2),
                    "carbon_kg_per_kwh": round(c, 4),
                }
            )
    return rows


def penalty(accel_count: int, kw: float, runtime_h: float) -> float:
    """3 x the energy cost at 0.75 CNY per IT kWh, rounded up to two significant digits."""
    raw = 3 * accel_count * kw * runtime_h * PENALTY_CNY_PER_IT_KWH
    step = 10 ** (math.floor(math.log10(raw)) - 1)
    return float(math.ceil(raw / step - 1e-9) * step)


def _job(t: dict[str, str], suffix: str, runtime: float, release: int, deadline: int, kw: float) -> dict[str, object]:
    """One job from template ``t``: its columns, with a new id, runtime, window and penalty."""
    job: dict[str, object] = dict(t)
    job["job_id"] = f"{t['job_id']}-{suffix}"
    job["runtime_h"] = float(runtime)
    job["release_period"] = IDS[release - 1]
    job["deadline_period"] = IDS[deadline - 1]
    job["preemptible"] = False
    if t["unplaced_penalty_cny"]:
        job["unplaced_penalty_cny"] = penalty(int(t["accel_count"]), kw, runtime)
    return job


def recurring(t: dict[str, str], position: int, kw: float, public: set[str]) -> list[dict[str, object]]:
    """The instances of one recurring job kind over the year (module docstring)."""
    tid, base = t["job_id"], float(t["runtime_h"])
    out = []
    if tid in MONTHLY:
        out = [_job(t, IDS[m - 1], base, m, m, kw) for m in range(1, 13)]
    elif tid in RESEARCH:
        out = [_job(t, f"r{i + 1}", base * MID_RUNTIME, r, 12, kw) for i, r in enumerate((1, 5, 9))]
        for job in out:
            job["preemptible"] = True
    elif tid in ONLINE:
        out = [_job(t, IDS[m - 1], base * MID_RUNTIME, m, m, kw) for m in range(1 + position % 2, 13, 2)]
    elif tid.startswith("mid-"):
        out = [_job(t, f"q{q + 1}", base * MID_RUNTIME, a, b, kw) for q, (a, b) in enumerate(QUARTERS)]
        if tid not in ONCE_A_QUARTER:  # a campaign of two: the main run and a variant, same window
            out += [_job(t, f"q{q + 1}b", base * MID_RUNTIME, a, b, kw) for q, (a, b) in enumerate(QUARTERS)]
    elif tid.startswith("ft-"):
        first, slack = 1 + position % 2, int(t["dataset_id"] in public)
        out = [_job(t, IDS[m - 1], base, m, min(m + slack, 12), kw) for m in range(first, 13, 2)]
        for job in out:
            job["preemptible"] = tid in BATCH
    return out


def portfolio(templates: list[dict[str, str]], kw: dict[str, float], public: set[str]) -> list[dict[str, object]]:
    """Story jobs first (pre-training runs and deadline stories), then the recurring ones, in the
    order of the one-window jobs."""
    by_id = {t["job_id"]: t for t in templates}
    jobs = []
    for tid, suffix, runtime, release, deadline, preempt, must, what in STORY_JOBS:
        t = by_id[tid]
        job = _job(t, suffix, runtime, release, deadline, kw[t["accel_id"]])
        job["preemptible"] = preempt
        job["name"] = what
        if must:
            job["unplaced_penalty_cny"] = ""
        elif not job["unplaced_penalty_cny"]:
            job["unplaced_penalty_cny"] = penalty(int(t["accel_count"]), kw[t["accel_id"]], runtime)
        jobs.append(job)
    for position, t in enumerate(templates):
        if not t["job_id"].startswith("pt-"):
            jobs.extend(recurring(t, position, kw[t["accel_id"]], public))
    return jobs


def overrides(
    rows: list[dict[str, str]], jobs: list[dict[str, object]], kw: dict[str, float], pue: dict[str, float]
) -> list[dict[str, object]]:
    """The one-window override rows for every job made from an overridden template: accelerator
    ports keep their ratios (1.4x the hours), green-power contracts their price per kWh."""
    out = []
    for job in jobs:
        tid = str(job["job_id"]).rsplit("-", 1)[0]
        for row in rows:
            if row["job_id"] != tid:
                continue
            new: dict[str, object] = {**row, "job_id": job["job_id"]}
            if row["runtime_h"]:
                new["runtime_h"] = float(round(float(job["runtime_h"]) * 1.4))
            if row["fixed_cost_cny"]:
                hub = row["hub_id"]
                kwh = int(job["accel_count"]) * kw[str(job["accel_id"])] * float(job["runtime_h"]) * pue[hub]
                new["fixed_cost_cny"] = float(round(PPA_CNY_PER_KWH[tid, hub] * kwh, -3))
            out.append(new)
    return out


def scenario_yaml() -> str:
    return """name: eight-hubs-year
description: >-
  The eight national computing hubs of "East Data, West Computing" over the twelve months of
  2026. Hubs, backbone, accelerators, data classes and datasets are those of the one-window
  eight-hubs scenario; each hub's price, grid allocation for new AI load and carbon factor
  change by month with its season (the Southwest's wet and dry hydro seasons, northern wind,
  north-western solar). A portfolio of recurring fine-tunes, quarterly mid-size runs and
  pre-training runs of two to four months carries release dates and deadlines (a flagship due
  before a September launch, quarter-end refreshes, Double 11 models); some jobs checkpoint and
  may pause between months. Written by scripts/make_year_scenario.py; see data/README.md.
planning_window_hours: 8760       # the twelve months of periods.csv (2026 is not a leap year)
carbon_price_cny_per_t: 0         # carbon price applied to emissions (0 = off by default)
carbon_budget_t: null             # optional cap on total emissions, tCO2
allow_unplaced: true              # jobs with an unplaced_penalty_cny may be left unplaced at that penalty
artifact_paths_k: 4               # candidate paths per (training hub, serving hub) for artifact routing
solver:
  time_limit_s: 120
  mip_rel_gap: 0.001
  threads: null
tables:
  hubs: hubs.csv
  links: links.csv
  accelerators: accelerators.csv
  hub_accelerators: hub_accelerators.csv
  data_classes: data_classes.csv
  datasets: datasets.csv
  jobs: jobs.csv
  overrides: overrides.csv
  periods: periods.csv
  hub_periods: hub_periods.csv
"""


def main() -> None:
    """Write data/eight-hubs-year (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="folder to write (default data/eight-hubs-year)")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(SOURCE / name, out / name)
    hubs = _read("hubs.csv")
    kw = {a["accel_id"]: float(a["kw_per_accel"]) for a in _read("accelerators.csv")}
    pue = {h["hub_id"]: float(h["pue"]) for h in hubs}
    templates = _read("jobs.csv")
    public = {d["dataset_id"] for d in _read("datasets.csv") if d["class_id"] == "public"}
    jobs = portfolio(templates, kw, public)
    header = [*templates[0].keys(), "release_period", "deadline_period", "preemptible"]
    _write(out, "periods.csv", ["period_id", "label", "hours", "start_time"], periods())
    _write(
        out,
        "hub_periods.csv",
        ["hub_id", "period_id", "price_cny_per_kwh", "grid_mw", "carbon_kg_per_kwh"],
        hub_periods(hubs),
    )
    _write(out, "jobs.csv", header, jobs)
    source_overrides = _read("overrides.csv")
    _write(out, "overrides.csv", list(source_overrides[0].keys()), overrides(source_overrides, jobs, kw, pue))
    (out / "scenario.yaml").write_text(scenario_yaml(), encoding="utf-8")
    print(f"wrote {out}: {len(jobs)} jobs, {len(hubs) * len(MONTHS)} hub-months")


if __name__ == "__main__":
    main()
