"""What each table and column of a scenario is for, in a planner's words.

The schema (:mod:`~eastwest_opt.scenario.schema`) says what a cell may hold; this module says
what it means. :func:`column_doc` and :func:`table_doc` raise for a table or column without a
description, and a test checks that every column of the schema has one and that no description
names a column the schema lacks, so the README of a template (and the notes on a workbook's
header cells) cannot drift from the schema.
"""

from __future__ import annotations

TABLE_DOCS: dict[str, str] = {
    "hubs": "The computing hubs: where jobs may train and data may be kept, with their power, storage and prices.",
    "links": "The backbone: undirected, full-duplex links between two hubs; traffic routes over paths of links.",
    "accelerators": "The accelerator types and the IT power each draws.",
    "hub_accelerators": "How many accelerators of each type each hub has for this portfolio.",
    "data_classes": "Data classes: where a dataset of the class may be kept and trained on, by law or policy.",
    "datasets": "The datasets the jobs train on: where each is born, its class, size and replica rules.",
    "jobs": "The training jobs to place: one row per job, the dataset it trains on and what it needs.",
    "overrides": "Optional: how a job differs at one hub (another accelerator, a measured power draw, a contract).",
    "periods": "Optional: planning periods (not used by the model yet).",
    "hub_periods": "Optional: a hub's figures in one period, where they differ from the hubs table.",
    "link_periods": "Optional: a link's capacity in one period, where it differs from the links table.",
}

COLUMN_DOCS: dict[str, dict[str, str]] = {
    "hubs": {
        "hub_id": "Short id other tables use (`bth`, `nx`).",
        "name": "The planner's name of the hub.",
        "clusters": "`;`-list of the hub's data-centre clusters.",
        "province": "`;`-list of the provinces the clusters lie in.",
        "macro_region": "`east` (data and serving side) or `west` (compute side).",
        "grid_region": "Regional grid; durable replicas of a dataset must span `min_grid_regions` of them.",
        "lat_deg": "Latitude of the hub, degrees (for the map).",
        "lon_deg": "Longitude of the hub, degrees (for the map).",
        "price_cny_per_kwh": "Electricity price at the meter, CNY/kWh.",
        "pue": "Power usage effectiveness: meter power / IT power.",
        "grid_mw": "Grid allocation at the meter for this portfolio, MW: the placed jobs' IT MW x PUE fit under it.",
        "storage_tb": "Storage for this portfolio (durable replicas and staged copies), TB.",
        "carbon_kg_per_kwh": "Grid emission factor, kgCO2/kWh.",
        "storage_price_cny_per_tb_month": "Storage price, CNY per TB-month.",
    },
    "links": {
        "link_id": "Short id of the link (`yrd-gz`).",
        "hub_a": "One end of the link (a hub_id).",
        "hub_b": "The other end (a hub_id).",
        "distance_km": "Great-circle distance, km (for information).",
        "capacity_gbps": "Capacity per direction for this portfolio, Gbit/s.",
        "latency_ms": "One-way latency of the link, ms; adds up along a path.",
        "cost_cny_per_tb": "Transfer cost per TB carried, CNY; adds up along a path.",
    },
    "accelerators": {
        "accel_id": "Short id of the accelerator type (`h800`).",
        "name": "Its name.",
        "vendor": "Its vendor.",
        "origin": "`imported` or `domestic`.",
        "kw_per_accel": "IT power per accelerator, all-in (server, host, network share), kW.",
    },
    "hub_accelerators": {
        "hub_id": "The hub.",
        "accel_id": "The accelerator type.",
        "count": "Accelerators of that type at that hub available to this portfolio.",
        "energy_subsidy_share": "Share in [0, 1) of the energy bill cut for jobs on that type at that hub.",
    },
    "data_classes": {
        "class_id": "Short id of the class (`public`, `pi`).",
        "name": "Its description.",
        "allowed_hubs": "`*` (any hub), `origin` (only the dataset's origin hub) or a `;`-list of hub ids.",
        "staging_allowed": "`true`: a job may train where only a temporary staged copy is kept; `false`: only "
        "where a durable replica is.",
        "legal_basis": "The law or policy behind the class (text).",
    },
    "datasets": {
        "dataset_id": "Short id of the dataset.",
        "name": "Its description.",
        "origin_hub": "Hub where the data is born; it always keeps a durable replica.",
        "class_id": "Its data class (a class_id).",
        "size_tb": "Size, TB.",
        "min_replicas": "Durable replicas to keep, the origin's included.",
        "min_grid_regions": "Distinct grid regions the durable replicas must span.",
    },
    "jobs": {
        "job_id": "Short id of the job.",
        "name": "Its description.",
        "dataset_id": "The dataset it trains on.",
        "accel_id": "The accelerator type it runs on.",
        "accel_count": "Number of accelerators.",
        "runtime_h": "Wall-clock runtime, h (within the planning window).",
        "artifact_tb": "Size of the trained model delivered to each serving hub, TB.",
        "serving_hubs": "`;`-list of hubs that serve the model (empty: a research job).",
        "max_latency_ms": "Bound on the one-way latency from the training hub to every serving hub, ms (empty: none).",
        "unplaced_penalty_cny": "Cost of leaving the job unplaced, CNY (empty: it must be placed).",
        "allowed_hubs": "`;`-list of the only hubs the job may train at (empty: any its data allows).",
        "release_period": "First period the job may run in (a period_id; empty: the first).",
        "deadline_period": "Last period the job may run in (a period_id; empty: the last).",
        "preemptible": "`true`: the job may pause and resume between periods.",
    },
    "overrides": {
        "job_id": "The job.",
        "hub_id": "The hub where it differs.",
        "accel_id": "Accelerator type it uses there (empty: the job's).",
        "accel_count": "Accelerators it uses there (empty: the job's).",
        "it_mw": "Measured IT power there, MW; replaces accel_count x kw_per_accel / 1000.",
        "runtime_h": "Runtime there, h (empty: the job's).",
        "fixed_cost_cny": "Negotiated energy cost there, CNY; replaces the derived one.",
    },
    "periods": {
        "period_id": "Short id of the period.",
        "label": "Its name (`2025-Q1`).",
        "hours": "Length of the period, h.",
        "start_time": "When it starts (text, e.g. an ISO date).",
    },
    "hub_periods": {
        "hub_id": "The hub.",
        "period_id": "The period.",
        "price_cny_per_kwh": "Electricity price in that period, CNY/kWh (empty: the hub's).",
        "grid_mw": "Grid allocation in that period, MW (empty: the hub's).",
        "carbon_kg_per_kwh": "Emission factor in that period, kgCO2/kWh (empty: the hub's).",
        "storage_tb": "Storage in that period, TB (empty: the hub's).",
    },
    "link_periods": {
        "link_id": "The link.",
        "period_id": "The period.",
        "capacity_gbps": "Capacity per direction in that period, Gbit/s.",
    },
}


def table_doc(table: str) -> str:
    """What a table is for; raises ``KeyError`` for a table without a description."""
    return TABLE_DOCS[table]


def column_doc(table: str, column: str) -> str:
    """What a column means; raises ``KeyError`` for a column without a description."""
    return COLUMN_DOCS[table][column]
