"""Writing workbooks: a scenario as the workbook :mod:`~eastwest_opt.scenario.workbook` reads back
unchanged, and any set of tables as sheets (a plan's, see :meth:`~eastwest_opt.plan.plan.Plan.write`).

Every workbook is written into a temporary file beside the target and moved into place
(:func:`~eastwest_opt.atomic.write_file`): an interrupted write leaves the old file or the new
one. Numbers are written as numbers, booleans as TRUE/FALSE, lists as ``a;b``, missing values as
empty cells; each header is bold, frozen, and (for a scenario) carries a note saying what the
column means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eastwest_opt.atomic import write_file
from eastwest_opt.scenario.core import Scenario
from eastwest_opt.scenario.docs import column_doc, table_doc
from eastwest_opt.scenario.schema import LIST_SEP, SCHEMAS
from eastwest_opt.scenario.settings import SETTINGS
from eastwest_opt.scenario.workbook import SETTINGS_HEADER, SETTINGS_SHEET
from eastwest_opt.scenario.write import csv_frame, written_tables

Sheet = tuple[list[str], list[list[Any]]]  # header, rows


def write_scenario_workbook(scenario: Scenario, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``scenario`` as one workbook: the ``scenario`` sheet of settings, then a sheet per table.

    Tables written are those :func:`~eastwest_opt.scenario.write.written_tables` writes to a
    folder (every required table, optional ones with rows), with the same columns.
    """
    sheets: dict[str, Sheet] = {SETTINGS_SHEET: (list(SETTINGS_HEADER), settings_rows(scenario))}
    notes: dict[str, dict[str, str]] = {SETTINGS_SHEET: {}}
    for name in written_tables(scenario):
        frame = csv_frame(name, scenario.tables[name])
        schema = SCHEMAS[name]
        kinds = {c.name: c.kind for c in schema.columns}
        rows = [
            [scenario_cell(v, kinds.get(c, "text")) for c, v in zip(frame.columns, values, strict=True)]
            for values in frame.itertuples(index=False, name=None)
        ]
        sheets[name] = (list(frame.columns), rows)
        notes[name] = {c: f"{column_doc(name, c)}\n\n({table_doc(name)})" for c in frame.columns}
    return write_sheets(path, sheets, notes=notes, overwrite=overwrite)


def settings_rows(scenario: Scenario) -> list[list[Any]]:
    """The rows of the ``scenario`` sheet: key, value, what the setting means."""
    rows = []
    for setting in SETTINGS:
        top, _, sub = setting.key.partition(".")
        value = getattr(getattr(scenario, top), sub) if sub else getattr(scenario, top)
        rows.append([setting.key, value, setting.about])
    return rows


def scenario_cell(value: Any, kind: str) -> Any:
    """A scenario cell for a sheet: what :mod:`~eastwest_opt.scenario.workbook` reads back as the same value."""
    if kind == "bool":
        return value in (True, "true") if not _missing(value) else None
    if isinstance(value, tuple | list):
        return LIST_SEP.join(str(v) for v in value) or None
    return plain_cell(value)


def plain_cell(value: Any) -> Any:
    """Any table cell for a sheet: numpy scalars as Python numbers, missing as empty, infinity as text."""
    if _missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, tuple | list):
        return LIST_SEP.join(str(v) for v in value)
    if isinstance(value, str) and value == "":
        return None
    return value


def frame_sheet(frame: pd.DataFrame) -> Sheet:
    """A DataFrame as a sheet's header and rows."""
    rows = [[plain_cell(v) for v in values] for values in frame.itertuples(index=False, name=None)]
    return [str(c) for c in frame.columns], rows


def write_sheets(
    path: str | Path,
    sheets: Mapping[str, Sheet],
    *,
    notes: Mapping[str, Mapping[str, str]] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write one workbook, a sheet per entry of ``sheets`` in order, atomically.

    ``notes[sheet][column]`` becomes a note on that column's header cell.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def fill(tmp: Path) -> None:
        """Build the workbook and save it to the temporary file ``tmp``."""
        book = Workbook()
        book.remove(book.active)
        for title, (header, rows) in sheets.items():
            ws = book.create_sheet(title)
            ws.append(header)
            for row in rows:
                ws.append(row)
            sheet_notes = (notes or {}).get(title, {})
            for i, name in enumerate(header, start=1):
                cell = ws.cell(row=1, column=i)
                cell.font = Font(bold=True)
                if name in sheet_notes:
                    cell.comment = Comment(sheet_notes[name], "eastwest-opt", width=320, height=140)
                width = max([len(str(name)), *(len(str(r[i - 1])) for r in rows[:200] if r[i - 1] is not None)])
                ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
            ws.freeze_panes = "A2"
        book.save(tmp)

    return write_file(path, fill, overwrite=overwrite)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)
