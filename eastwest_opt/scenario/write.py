"""Writing a scenario as a folder that :func:`~eastwest_opt.scenario.load_scenario` reads back unchanged.

Optional tables without rows are left out, and so are the jobs' time columns (release,
deadline, preemptible) when every job holds their defaults: a scenario without periods is
written as it always was.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import yaml

from eastwest_opt.atomic import write_folder
from eastwest_opt.scenario.core import SCENARIO_FILE, Scenario
from eastwest_opt.scenario.schema import LIST_SEP, SCHEMAS, TABLE_ORDER


def write_scenario(scenario: Scenario, folder: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``scenario`` as a folder (``scenario.yaml`` and one CSV per table), atomically.

    Everything goes into a temporary sibling folder first, which is then moved into place with
    ``os.replace``: an interrupted write leaves the old folder or the new one, never a mix. An
    existing folder is replaced only with ``overwrite=True``. Lists are joined with ``;``,
    booleans written ``true``/``false``, missing values left empty, floats written exactly.
    """

    def fill(tmp: Path) -> None:
        """Write the tables and the settings into the temporary folder ``tmp``."""
        for name in written_tables(scenario):
            csv_frame(name, scenario.tables[name]).to_csv(tmp / f"{name}.csv", index=False, na_rep="")
        (tmp / SCENARIO_FILE).write_text(yaml.safe_dump(settings(scenario), sort_keys=False, allow_unicode=True))

    return write_folder(folder, fill, overwrite=overwrite)


def written_tables(scenario: Scenario) -> list[str]:
    """The tables a scenario folder holds: every required table, and optional ones with rows."""
    return [n for n in TABLE_ORDER if not SCHEMAS[n].optional_table or len(scenario.tables[n])]


def _is_default(series: pd.Series, default: object) -> bool:
    if isinstance(default, float) and math.isnan(default):
        return bool(series.isna().all())
    if isinstance(default, tuple):
        return bool(series.map(lambda v: len(v) == 0 if isinstance(v, tuple | list) else v in ("", None)).all())
    return bool((series == default).all())


def csv_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A table with its cells as the loader reads them: lists joined, booleans as words; the
    jobs' time columns left out when they hold only their defaults."""
    out = frame.copy()
    for col in SCHEMAS[name].columns:
        if col.name not in out.columns:
            continue
        if not col.required and col.name in ("release_period", "deadline_period", "preemptible"):
            if _is_default(out[col.name], col.default):
                out = out.drop(columns=col.name)
                continue
        if col.kind == "list":
            out[col.name] = out[col.name].map(lambda v: LIST_SEP.join(v) if isinstance(v, tuple | list) else v)
        elif col.kind == "bool":
            out[col.name] = out[col.name].map(lambda v: "true" if v else "false")
        elif col.kind == "int":
            out[col.name] = out[col.name].astype("Int64")
    return out


def settings(scenario: Scenario) -> dict[str, object]:
    """The contents of ``scenario.yaml``: the scenario's settings and one CSV file per table."""
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
        "tables": {name: f"{name}.csv" for name in written_tables(scenario)},
    }
