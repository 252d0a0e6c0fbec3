"""A scenario in a notebook: the HTML by which a :class:`~eastwest_opt.scenario.core.Scenario` shows in Jupyter.

Its name and description, how many rows each table has, the settings, the hubs, and the jobs
(folded, the first :data:`JOBS_SHOWN`).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from eastwest_opt.scenario.schema import TABLE_ORDER
from eastwest_opt.scenario.settings import SETTINGS

if TYPE_CHECKING:
    from eastwest_opt.scenario.core import Scenario

JOBS_SHOWN = 200
HUB_COLUMNS = (
    "hub_id",
    "name",
    "macro_region",
    "grid_region",
    "price_cny_per_kwh",
    "pue",
    "grid_mw",
    "storage_tb",
    "carbon_kg_per_kwh",
)


def scenario_html(sc: Scenario) -> str:
    """The scenario as HTML: name, description, counts, settings, hubs and (folded) jobs."""
    esc = html.escape
    counts = ", ".join(f"{len(sc.tables[n]):,} {n.replace('_', ' ')}" for n in TABLE_ORDER if len(sc.tables[n]))
    parts = [f'<div class="ew-scenario"><h3>Scenario: {esc(sc.name)}</h3>']
    if sc.description.strip():
        parts.append(f"<p>{esc(' '.join(sc.description.split()))}</p>")
    source = f" Read from {esc(str(sc.path))}." if sc.path is not None else ""
    parts.append(f"<p><b>Tables:</b> {esc(counts)}.{source}</p>")
    settings = []
    for setting in SETTINGS[2:]:  # name and description are above
        top, _, sub = setting.key.partition(".")
        value = getattr(getattr(sc, top), sub) if sub else getattr(sc, top)
        shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else f"{value:g}"
        settings.append({"setting": setting.key, "value": shown, "meaning": setting.about})
    parts.append("<h4>Settings</h4>" + _table(pd.DataFrame(settings)))
    hubs = sc.hubs[[c for c in HUB_COLUMNS if c in sc.hubs.columns]]
    parts.append("<h4>Hubs</h4>" + _table(hubs))
    jobs = sc.jobs.head(JOBS_SHOWN).copy()
    for col in ("serving_hubs", "allowed_hubs"):
        jobs[col] = jobs[col].map(lambda v: ";".join(v) if isinstance(v, tuple | list) else v)
    more = f", the first {JOBS_SHOWN:,}" if len(sc.jobs) > JOBS_SHOWN else ""
    parts.append(f"<details><summary>Jobs ({len(sc.jobs):,}{more})</summary>{_table(jobs)}</details>")
    parts.append("</div>")
    return "\n".join(parts)


def _table(frame: pd.DataFrame) -> str:
    """A table without its index, numbers as written, missing values empty."""
    return frame.to_html(index=False, na_rep="", border=0, float_format=lambda v: f"{v:,.10g}")
