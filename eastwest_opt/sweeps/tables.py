"""The tables of a finished sweep, from the variants' records (their ``result.json``).

:func:`summary_table`: one row per variant, its parameters and outcomes (``summary.csv``);
:func:`hub_table`: one row per solved variant and hub (``hubs.csv``); :class:`SweepOutcome`:
the counts of the run, kept in ``summary.attrs['outcome']``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.sweeps.core import COST_TERMS, Scenario
from eastwest_opt.sweeps.solve import FAILED
from eastwest_opt.sweeps.spec import SweepSpec

_OUTCOME_COLUMNS = (
    "emissions_t",
    "energy_mwh",
    "west_energy_share",
    "jobs",
    "jobs_placed",
    "jobs_unplaced",
    "transfer_tb",
    "max_link_utilisation",
    "busiest_link",
)
HUB_COLUMNS = [
    "variant_id",
    "hub_id",
    "name",
    "macro_region",
    "jobs",
    "it_mw",
    "meter_mw",
    "grid_mw",
    "power_utilisation",
    "accelerators_used",
    "storage_used_tb",
    "energy_mwh",
    "carbon_t",
]


@dataclass
class SweepOutcome:
    """Counts of a finished sweep run (also in ``summary.attrs['outcome']``)."""

    name: str
    out: Path
    total: int
    skipped: int
    ran: int
    counts: dict[str, int]
    seconds: float
    plots: list[Path]

    @property
    def failed(self) -> int:
        """Variants that ended without a plan: infeasible, no solution in time, or an error."""
        return sum(self.counts.get(s, 0) for s in FAILED)


def status_counts(summary: pd.DataFrame) -> dict[str, int]:
    """How many variants of the summary ended in each status, in the order first met."""
    counts: dict[str, int] = {}
    for status in summary["status"]:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def summary_table(records: Sequence[Mapping[str, Any]], spec: SweepSpec | None = None) -> pd.DataFrame:
    """One row per variant: id, label, kind, its parameters, and its outcomes."""
    params = _keys_in_order(record.get("parameters") or {} for record in records)
    hubs = _keys_in_order(record.get("hubs") or {} for record in records)
    frame = pd.DataFrame([_summary_row(r, params, hubs) for r in records])
    if frame.empty:
        return frame
    for col in ("objective_cny", "bound_cny", "gap", "emissions_t", "energy_mwh", "west_energy_share", "transfer_tb"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in [c for c in frame.columns if c.startswith(("cost_", "mw_at_"))] + ["max_link_utilisation"]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in ["jobs", "jobs_placed", "jobs_unplaced", *[c for c in frame.columns if c.startswith("jobs_at_")]]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    return frame


def _keys_in_order(mappings: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of the mappings, each once, in the order first met."""
    keys: list[str] = []
    for mapping in mappings:
        for key in mapping:
            if key not in keys:
                keys.append(key)
    return keys


def _summary_row(r: Mapping[str, Any], params: list[str], hubs: list[str]) -> dict[str, Any]:
    """The summary row of one variant's record."""
    cost = r.get("cost_cny") or {}
    row: dict[str, Any] = {"variant_id": r["variant_id"], "label": r.get("label"), "kind": r.get("kind")}
    row.update({p: (r.get("parameters") or {}).get(p) for p in params})
    row.update(
        status=r.get("status"),
        verified=bool(r.get("verified")),
        objective_cny=r.get("objective_cny"),
        bound_cny=r.get("bound_cny"),
        gap=r.get("gap"),
    )
    row.update({f"cost_{t}_cny": cost.get(t) for t in (*COST_TERMS, "total")})
    row.update({k: r.get(k) for k in _OUTCOME_COLUMNS})
    hub_data = r.get("hubs") or {}
    row.update({f"jobs_at_{h}": (hub_data.get(h) or {}).get("jobs") for h in hubs})
    row.update({f"mw_at_{h}": (hub_data.get(h) or {}).get("meter_mw") for h in hubs})
    row.update(
        seconds=r.get("seconds"),
        solve_seconds=r.get("solve_seconds"),
        resolved_in_place=bool(r.get("resolved_in_place")),
        unplaced_jobs=";".join(r.get("unplaced_jobs") or []),
        error=r.get("message") if r.get("status") in FAILED else None,
    )
    return row


def hub_table(records: Sequence[Mapping[str, Any]], base: Scenario) -> pd.DataFrame:
    """One row per solved variant and hub: jobs, power, utilisation, energy, carbon, storage."""
    names = dict(zip(base.hubs["hub_id"], base.hubs["name"], strict=True))
    regions = dict(zip(base.hubs["hub_id"], base.hubs["macro_region"], strict=True))
    rows = []
    for r in records:
        for hub, data in (r.get("hubs") or {}).items():
            rows.append(
                {"variant_id": r["variant_id"], "hub_id": hub, "name": names.get(hub, hub)}
                | {"macro_region": regions.get(hub, "")}
                | dict(data)
            )
    return pd.DataFrame(rows, columns=HUB_COLUMNS)


def parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Parameter columns that mix numbers and text become text, so Parquet can store them."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col] if v is not None and not (isinstance(v, float) and math.isnan(v))}
            if len(kinds) > 1:
                out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out
