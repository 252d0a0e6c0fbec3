"""Writing a scenario as a folder that :func:`~eastwest_opt.scenario.load_scenario` reads back unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from eastwest_opt.generate.core import LIST_SEP, SCENARIO_FILE, SCHEMAS, TABLE_ORDER, Scenario, write_folder


def write_scenario(scenario: Scenario, folder: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``scenario`` as a folder (``scenario.yaml`` and one CSV per table), atomically.

    Everything goes into a temporary sibling folder first, which is then moved into place with
    ``os.replace``: an interrupted write leaves the old folder or the new one, never a mix. An
    existing folder is replaced only with ``overwrite=True``. Lists are joined with ``;``,
    booleans written ``true``/``false``, missing values left empty, floats written exactly.
    """

    def fill(tmp: Path) -> None:
        """Write the tables and the settings into the temporary folder ``tmp``."""
        for name in TABLE_ORDER:
            csv_frame(name, scenario.tables[name]).to_csv(tmp / f"{name}.csv", index=False, na_rep="")
        (tmp / SCENARIO_FILE).write_text(yaml.safe_dump(settings(scenario), sort_keys=False, allow_unicode=True))

    return write_folder(folder, fill, overwrite=overwrite)


def csv_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
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
        "tables": {name: f"{name}.csv" for name in TABLE_ORDER},
    }
