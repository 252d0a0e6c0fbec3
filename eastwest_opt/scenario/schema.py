"""Table schemas of a scenario: every table's columns, their units, kinds and ranges.

Every column name carries its unit. Every numeric column states two ranges:

- the **admissible** range (``gt``/``ge``/``lt``/``le``): a value outside it is an error. Its
  lower end is physical (a price is not negative, a PUE not below 1); its upper end is where
  the value stops being a quantity any hub, link, dataset or job can have, far enough below
  where the model's coefficients would leave what HiGHS solves reliably in double precision
  (see :mod:`~eastwest_opt.scenario.magnitudes`, which also bounds the products of columns);
- the **plausible** range: a value outside it is a warning (a unit slip, W for kW, a price
  per MWh for one per kWh), and the scenario still loads.

``why`` says where the plausible range comes from, ``limit_why`` why the admissible one ends
where it does (both appear in the messages and in README's "Errors a scenario can have").
:mod:`~eastwest_opt.scenario.cells` parses raw cells by these schemas.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Kind = Literal["id", "ref", "text", "float", "int", "bool", "list", "hubset"]
NUMERIC_KINDS = ("float", "int")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
LIST_SEP = ";"
ANY_HUB = "*"
ORIGIN_HUB = "origin"
TB_PER_GBPS_HOUR = 0.45  # 1 Gbit/s for 3,600 s = 3,600 Gbit = 450 GB = 0.45 TB
HOURS_PER_MONTH = 730.0  # 8,760 h / 12, for storage priced per TB-month


@dataclass(frozen=True)
class Column:
    """One column of a table: its kind, whether a value is required, its ranges and why."""

    name: str
    kind: Kind
    required: bool = True
    ref: str | None = None  # for kind "ref"/"list"/"hubset": the table referenced
    ge: float | None = None  # value >= ge
    gt: float | None = None  # value > gt
    le: float | None = None  # value <= le
    lt: float | None = None  # value < lt
    default: object = None  # value used when an optional cell is empty
    choices: tuple[str, ...] = ()
    plausible: tuple[float, float] | None = None  # a warning outside [lo, hi]
    why: str = ""  # why values outside the plausible range are suspect
    limit_why: str = ""  # why the admissible range ends where it does (its upper end)

    def bound_text(self) -> str:
        """The admissible range in words, for error messages."""
        parts = []
        if self.gt is not None:
            parts.append(f"> {self.gt:g}")
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.lt is not None:
            parts.append(f"< {self.lt:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class TableSchema:
    """A table: its name, default file, key columns and columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    optional_table: bool = False
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: Kind, **kw: Any) -> Column:
    return Column(name, kind, **kw)


# -- ranges of the numeric columns: admissible (errors) and plausible (warnings), and why -----------
def _range(gt: float | None, ge: float | None, le: float | None, lo: float, hi: float, why: str, limit: str) -> Any:
    """The range keywords of a numeric column (``lt`` is given where a column needs it)."""
    return {"gt": gt, "ge": ge, "le": le, "plausible": (lo, hi), "why": why, "limit_why": limit}


PRICE = _range(
    None, 0, 1_000, 0, 10, "tariffs are 0.3-1.2 CNY/kWh; above 10 is likely per MWh", "no tariff is that high"
)
PUE = _range(None, 1, 10, 1, 3, "data centres run at a PUE of 1.05-2", "no data centre uses ten times its IT power")
GRID_MW = _range(
    None, 0, 1e7, 0, 50_000, "50 GW is a whole province's peak load", "more than the world's generating capacity"
)
STORAGE_TB = _range(None, 0, 1e10, 0, 1e7, "1e7 TB is 10 EB at one hub", "more than all the storage in the world")
CARBON = _range(None, 0, 10, 0, 1.5, "grid factors are 0-1.2 kg/kWh (lignite)", "no fuel emits that much")
STORAGE_PRICE = _range(
    None, 0, 1e6, 0, 5_000, "storage lists at 100-1,000 CNY/TB-month; above is likely per GB", "no storage is that dear"
)
LAT = _range(None, -90, 90, 3, 54, "China spans about 4-53.6 degrees N", "")
LON = _range(None, -180, 180, 73, 136, "China spans about 73-135 degrees E", "")
DISTANCE = _range(0, None, 100_000, 1, 10_000, "China's hubs lie at most about 5,000 km apart", "twice round the Earth")
GBPS = _range(
    None, 0, 1e9, 0, 1e6, "a corridor carries up to about 100 Tbit/s today", "a million times today's largest corridor"
)
LATENCY = _range(0, None, 1e6, 0.01, 500, "fibre adds about 5 ms per 1,000 km", "a thousand seconds is no network")
TRANSFER = _range(
    None, 0, 1e6, 0, 10_000, "transfer lists at about 500 CNY/TB; above is likely per GB", "no transfer costs that much"
)
KW = _range(
    0,
    None,
    10_000,
    0.05,
    20,
    "an accelerator draws 0.3-2 kW all-in (a 72-accelerator rack about 130 kW); above 20 is likely W",
    "10 MW per accelerator is no accelerator",
)
INVENTORY = _range(
    None, 0, 1e9, 0, 1e7, "the world's data centres hold about 10 million accelerators", "more than any supply"
)
SUBSIDY = {"ge": 0, "lt": 1, "plausible": (0, 0.8), "why": "western hubs cut bills by up to half"}
SIZE_TB = _range(
    0, None, 1e7, 1e-3, 1e5, "training sets are GB to PB; above 100 PB is likely GB", "10 EB is no dataset"
)
REPLICAS = _range(None, 1, 1_000, 1, 10, "a dataset keeps 1-3 replicas", "more copies than any backbone has hubs")
REGIONS = _range(None, 1, 1_000, 1, 10, "China has six regional grids", "more regions than any grid has")
ACCEL_COUNT = _range(
    0, None, 1e8, 1, 200_000, "the largest clusters hold 100,000-200,000 accelerators", "more than the world has"
)
RUNTIME_H = _range(
    0,
    None,
    876_000,
    0.01,
    8_784,
    "runs last hours to months; above a leap year is likely minutes",
    "a century is no run",
)
PERIOD_H = _range(0, None, 876_000, 0.01, 8_784, "a period is hours to months of the window", "a century is no period")
ARTIFACT_TB = _range(None, 0, 1e5, 0, 1_000, "weights and checkpoints are GB to hundreds of TB", "100 PB is no model")
LATENCY_BOUND = _range(
    0, None, 1e6, 0.01, 1_000, "serving bounds are 5-100 ms; above a second is likely us", "a bound of 1,000 s is none"
)
CNY = _range(
    None,
    0,
    1e12,
    0,
    1e10,
    "a job's energy bill is thousands to millions of CNY; 1e10 is a national programme",
    "the largest cost the model holds",
)
IT_MW = _range(
    0,
    None,
    1e6,
    1e-4,
    1_000,
    "the largest AI campuses draw up to a few GW; above 1,000 MW is likely kW",
    "a terawatt is no job",
)
OPTIONAL_NUMBER: dict[str, Any] = {"required": False, "default": math.nan}


SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in (
        TableSchema(
            "hubs",
            ("hub_id",),
            (
                _c("hub_id", "id"),
                _c("name", "text"),
                _c("clusters", "text", required=False, default=""),
                _c("province", "text", required=False, default=""),
                _c("macro_region", "text", required=False, default="", choices=("east", "west")),
                _c("grid_region", "text"),
                _c("lat_deg", "float", **LAT),
                _c("lon_deg", "float", **LON),
                _c("price_cny_per_kwh", "float", **PRICE),
                _c("pue", "float", **PUE),
                _c("grid_mw", "float", **GRID_MW),
                _c("storage_tb", "float", **STORAGE_TB),
                _c("carbon_kg_per_kwh", "float", **CARBON),
                _c("storage_price_cny_per_tb_month", "float", **STORAGE_PRICE),
            ),
        ),
        TableSchema(
            "links",
            ("link_id",),
            (
                _c("link_id", "id"),
                _c("hub_a", "ref", ref="hubs"),
                _c("hub_b", "ref", ref="hubs"),
                _c("distance_km", "float", **OPTIONAL_NUMBER, **DISTANCE),
                _c("capacity_gbps", "float", **GBPS),
                _c("latency_ms", "float", **LATENCY),
                _c("cost_cny_per_tb", "float", **TRANSFER),
            ),
        ),
        TableSchema(
            "accelerators",
            ("accel_id",),
            (
                _c("accel_id", "id"),
                _c("name", "text"),
                _c("vendor", "text", required=False, default=""),
                _c("origin", "text", required=False, default="", choices=("imported", "domestic")),
                _c("kw_per_accel", "float", **KW),
            ),
        ),
        TableSchema(
            "hub_accelerators",
            ("hub_id", "accel_id"),
            (
                _c("hub_id", "ref", ref="hubs"),
                _c("accel_id", "ref", ref="accelerators"),
                _c("count", "int", **INVENTORY),
                _c("energy_subsidy_share", "float", required=False, default=0.0, **SUBSIDY),
            ),
        ),
        TableSchema(
            "data_classes",
            ("class_id",),
            (
                _c("class_id", "id"),
                _c("name", "text", required=False, default=""),
                _c("allowed_hubs", "hubset", ref="hubs"),
                _c("staging_allowed", "bool"),
                _c("legal_basis", "text", required=False, default=""),
            ),
        ),
        TableSchema(
            "datasets",
            ("dataset_id",),
            (
                _c("dataset_id", "id"),
                _c("name", "text", required=False, default=""),
                _c("origin_hub", "ref", ref="hubs"),
                _c("class_id", "ref", ref="data_classes"),
                _c("size_tb", "float", **SIZE_TB),
                _c("min_replicas", "int", **REPLICAS),
                _c("min_grid_regions", "int", **REGIONS),
            ),
        ),
        TableSchema(
            "jobs",
            ("job_id",),
            (
                _c("job_id", "id"),
                _c("name", "text", required=False, default=""),
                _c("dataset_id", "ref", ref="datasets"),
                _c("accel_id", "ref", ref="accelerators"),
                _c("accel_count", "int", **ACCEL_COUNT),
                _c("runtime_h", "float", **RUNTIME_H),
                _c("artifact_tb", "float", **ARTIFACT_TB),
                _c("serving_hubs", "list", ref="hubs", required=False, default=()),
                _c("max_latency_ms", "float", **OPTIONAL_NUMBER, **LATENCY_BOUND),
                _c("unplaced_penalty_cny", "float", **OPTIONAL_NUMBER, **CNY),
                _c("allowed_hubs", "list", ref="hubs", required=False, default=()),
                _c("release_period", "ref", ref="periods", required=False, default=""),
                _c("deadline_period", "ref", ref="periods", required=False, default=""),
                _c("preemptible", "bool", required=False, default=False),
            ),
        ),
        TableSchema(
            "overrides",
            ("job_id", "hub_id"),
            (
                _c("job_id", "ref", ref="jobs"),
                _c("hub_id", "ref", ref="hubs"),
                _c("accel_id", "ref", ref="accelerators", required=False, default=""),
                _c("accel_count", "int", **OPTIONAL_NUMBER, **ACCEL_COUNT),
                _c("it_mw", "float", **OPTIONAL_NUMBER, **IT_MW),
                _c("runtime_h", "float", **OPTIONAL_NUMBER, **RUNTIME_H),
                _c("fixed_cost_cny", "float", **OPTIONAL_NUMBER, **CNY),
            ),
            optional_table=True,
        ),
        TableSchema(
            "periods",
            ("period_id",),
            (
                _c("period_id", "id"),
                _c("label", "text", required=False, default=""),
                _c("hours", "float", **PERIOD_H),
                _c("start_time", "text", required=False, default=""),
            ),
            optional_table=True,
        ),
        TableSchema(
            "hub_periods",
            ("hub_id", "period_id"),
            (
                _c("hub_id", "ref", ref="hubs"),
                _c("period_id", "ref", ref="periods"),
                _c("price_cny_per_kwh", "float", **OPTIONAL_NUMBER, **PRICE),
                _c("grid_mw", "float", **OPTIONAL_NUMBER, **GRID_MW),
                _c("carbon_kg_per_kwh", "float", **OPTIONAL_NUMBER, **CARBON),
                _c("storage_tb", "float", **OPTIONAL_NUMBER, **STORAGE_TB),
            ),
            optional_table=True,
        ),
        TableSchema(
            "link_periods",
            ("link_id", "period_id"),
            (
                _c("link_id", "ref", ref="links"),
                _c("period_id", "ref", ref="periods"),
                _c("capacity_gbps", "float", **OPTIONAL_NUMBER, **GBPS),
            ),
            optional_table=True,
        ),
    )
}

TABLE_ORDER: tuple[str, ...] = tuple(SCHEMAS)


def empty_table(name: str) -> pd.DataFrame:
    """A typed, empty table with the schema's columns."""
    schema = SCHEMAS[name]
    return pd.DataFrame({c.name: pd.Series([], dtype=dtype_of(c)) for c in schema.columns})


def dtype_of(col: Column) -> str:
    """The dtype of a parsed column."""
    if col.kind in ("float",):
        return "float64"
    if col.kind == "int":
        return "float64" if not col.required else "int64"
    if col.kind == "bool":
        return "bool"
    return "object"


def split_list(value: object) -> tuple[str, ...]:
    """Split a ``;``-separated cell (or pass through a list/tuple) into a tuple of ids."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(str(v).strip() for v in value if str(v).strip())
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    return tuple(part.strip() for part in str(value).split(LIST_SEP) if part.strip())
