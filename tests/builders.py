"""Build small scenario folders for tests from Python rows, with sensible defaults.

Every row is a dict; missing optional columns take the defaults below. ``write_scenario``
returns the folder; ``tiny_scenario`` loads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import eastwest_opt as ew

HUB_DEFAULTS: dict[str, Any] = {
    "name": None,
    "macro_region": "west",
    "grid_region": "R1",
    "lat_deg": 30.0,
    "lon_deg": 110.0,
    "price_cny_per_kwh": 0.5,
    "pue": 1.0,
    "grid_mw": 1000.0,
    "storage_tb": 1e6,
    "carbon_kg_per_kwh": 0.5,
    "storage_price_cny_per_tb_month": 0.0,
}
LINK_DEFAULTS: dict[str, Any] = {"capacity_gbps": 1000.0, "latency_ms": 5.0, "cost_cny_per_tb": 0.0}
JOB_DEFAULTS: dict[str, Any] = {
    "accel_id": "gpu",
    "accel_count": 1000,
    "runtime_h": 100.0,
    "artifact_tb": 0.0,
    "serving_hubs": "",
    "max_latency_ms": "",
    "unplaced_penalty_cny": "",
    "allowed_hubs": "",
}
DATASET_DEFAULTS: dict[str, Any] = {"class_id": "public", "size_tb": 10.0, "min_replicas": 1, "min_grid_regions": 1}


def _frame(rows: list[dict[str, Any]], defaults: dict[str, Any]) -> pd.DataFrame:
    out = []
    for row in rows:
        full = dict(defaults)
        full.update(row)
        out.append(full)
    return pd.DataFrame(out)


def write_scenario(
    folder: Path,
    *,
    hubs: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    datasets: list[dict[str, Any]],
    links: list[dict[str, Any]] | None = None,
    accelerators: list[dict[str, Any]] | None = None,
    inventory: list[dict[str, Any]] | None = None,
    classes: list[dict[str, Any]] | None = None,
    overrides: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    periods: list[dict[str, Any]] | None = None,
    hub_periods: list[dict[str, Any]] | None = None,
    link_periods: list[dict[str, Any]] | None = None,
) -> Path:
    """Write a scenario folder. By default: one accelerator type ``gpu`` of 1 kW, 10,000 of
    them at every hub, one class ``public`` (any hub, staging allowed), window 100 h (or the
    ``periods`` given, with optional ``hub_periods`` and ``link_periods`` rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    hub_rows = []
    for h in hubs:
        row = dict(HUB_DEFAULTS)
        row.update(h)
        row["name"] = row["name"] or row["hub_id"]
        hub_rows.append(row)
    pd.DataFrame(hub_rows).to_csv(folder / "hubs.csv", index=False)
    _frame(links or [], LINK_DEFAULTS).reindex(
        columns=["link_id", "hub_a", "hub_b", "capacity_gbps", "latency_ms", "cost_cny_per_tb"]
    ).to_csv(folder / "links.csv", index=False)
    pd.DataFrame(accelerators or [{"accel_id": "gpu", "name": "GPU", "kw_per_accel": 1.0}]).to_csv(
        folder / "accelerators.csv", index=False
    )
    if inventory is None:
        inventory = [{"hub_id": h["hub_id"], "accel_id": "gpu", "count": 10000} for h in hubs]
    pd.DataFrame(inventory).to_csv(folder / "hub_accelerators.csv", index=False)
    pd.DataFrame(classes or [{"class_id": "public", "allowed_hubs": "*", "staging_allowed": True}]).to_csv(
        folder / "data_classes.csv", index=False
    )
    _frame(datasets, DATASET_DEFAULTS).to_csv(folder / "datasets.csv", index=False)
    _frame(jobs, JOB_DEFAULTS).to_csv(folder / "jobs.csv", index=False)
    if overrides:
        cols = ["job_id", "hub_id", "accel_id", "accel_count", "it_mw", "runtime_h", "fixed_cost_cny"]
        pd.DataFrame(overrides).reindex(columns=cols).to_csv(folder / "overrides.csv", index=False)
    for name, rows in (("periods", periods), ("hub_periods", hub_periods), ("link_periods", link_periods)):
        if rows:
            pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    config = {
        "name": folder.name,
        "planning_window_hours": 100,
        "carbon_price_cny_per_t": 0,
        "allow_unplaced": True,
        "solver": {"time_limit_s": 30, "mip_rel_gap": 0.0, "threads": 1},
    }
    if periods:
        del config["planning_window_hours"]  # the periods make the window
    config.update(settings or {})
    (folder / "scenario.yaml").write_text(yaml.safe_dump(config))
    return folder


def tiny_scenario(folder: Path, **kwargs: Any) -> ew.Scenario:
    """Write and load a scenario (see :func:`write_scenario`)."""
    return ew.load_scenario(write_scenario(folder, **kwargs))
