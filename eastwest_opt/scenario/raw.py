"""A scenario as read, before parsing: its settings and each table's cells as text.

Both readers produce a :class:`RawScenario`: the folder reader (``scenario.yaml`` and CSV files,
:mod:`~eastwest_opt.scenario.load`) and the workbook reader (one ``.xlsx`` file,
:mod:`~eastwest_opt.scenario.workbook`). The loader then parses and checks both alike, so that a
cell is held to the same rules, and reported in the same words, wherever it was written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.schema import SCHEMAS


@dataclass
class TableSource:
    """One table as read: where it came from and its cells as text.

    ``name`` is the table's name in the schema; ``label`` names it in messages (``jobs.csv``,
    ``portfolio.xlsx, sheet jobs``); ``raw`` is ``None`` when the table is missing or unreadable.
    ``rows`` holds the spreadsheet row of each raw row when it is not simply ``i + 2`` (a sheet
    whose empty rows were skipped); ``header`` maps each column name to its header cell (``E1``)
    for a sheet; ``reported`` holds the ``(row, column)`` cells the reader has already reported
    (a formula, a merged cell), so that the parser's second opinion on them is dropped.
    """

    name: str
    label: str
    raw: pd.DataFrame | None
    rows: list[int] | None = None
    header: dict[str, str] | None = None
    reported: set[tuple[int, str]] = field(default_factory=set)


@dataclass
class RawScenario:
    """Settings and tables of a scenario as read, with the reader's own problems.

    ``config`` is shaped like ``scenario.yaml`` (``solver`` a nested mapping), as read;
    ``settings`` holds the settings by dotted key (``solver.threads``) as the reader checked
    them with :func:`~eastwest_opt.scenario.settings.read_settings` (its problems are among
    ``problems``; an invalid or missing setting is absent or its default); ``config_rows`` gives
    the line (or sheet row) of each setting given. ``broken`` lists the
    tables that could not be read, so that checks across tables skip them.
    """

    path: Path
    default_name: str
    config: dict[str, Any]
    config_label: str
    tables: dict[str, TableSource]
    problems: list[Problem] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    settings: dict[str, Any] = field(default_factory=dict)
    config_rows: dict[str, int] = field(default_factory=dict)


def locate(problems: list[Problem], sources: dict[str, TableSource]) -> list[Problem]:
    """The parser's and the checks' problems, located as the planner sees the table.

    Rows are moved to the sheet rows they came from; a sheet's header problems (a missing
    column) name the header row, and a missing required column names the header cells that
    hold unknown names (the likeliest renamed column); problems on cells the reader reported
    already are dropped, so that each bad cell gives one message.
    """
    by_label = {src.label: src for src in sources.values()}
    out: list[Problem] = []
    for p in problems:
        src = by_label.get(p.file)
        if src is None:
            out.append(p)
            continue
        if p.row is not None and src.rows is not None and 0 <= p.row - 2 < len(src.rows):
            p = dataclasses.replace(p, row=src.rows[p.row - 2])
        if src.header is not None and p.row is None and p.column is not None:
            p = dataclasses.replace(p, row=1, message=_header_message(p, src))
        if p.row is not None and p.column is not None and (p.row, p.column) in src.reported:
            continue
        out.append(p)
    return out


def _header_message(p: Problem, src: TableSource) -> str:
    """A header problem of a sheet, with the header cells of unknown columns when one is missing."""
    if p.message != "required column is missing" or src.raw is None or src.header is None:
        return p.message
    known = set(SCHEMAS[src.name].column_names)
    unknown = [f"{src.header[c]} holds {c!r}" for c in src.raw.columns if c not in known and c in src.header]
    if not unknown:
        return p.message
    return f"{p.message} (header cell {', '.join(unknown)}, which is not a column of this table: renamed?)"
