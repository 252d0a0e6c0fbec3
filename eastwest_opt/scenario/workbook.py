"""Reading a scenario from one Excel workbook: a sheet per table and a ``scenario`` sheet of settings.

The workbook's layout:

- one sheet per table, named as the table (``hubs``, ``links``, ..., ``jobs``; ``overrides`` and
  the period tables may be left out), its header in row 1 and one row per record below, the
  cells as in the CSV files (a list as ``a;b``; a boolean as TRUE/FALSE or the words);
- a ``scenario`` sheet of settings: a header row ``key | value`` and one row per setting, the
  solver's as ``solver.time_limit_s``, ``solver.mip_rel_gap`` and ``solver.threads``; an empty
  value is null. Other columns (``about``) are for the reader and ignored. The values are held
  to the rules of ``scenario.yaml`` (:func:`~eastwest_opt.scenario.settings.read_settings`:
  types, admissible and plausible ranges, finite numbers, texts of bounded length).

:func:`read_workbook` turns it into a :class:`~eastwest_opt.scenario.raw.RawScenario` whose cells
are text, as a CSV file's are, so that the loader parses and checks them with the same rules and
words. A problem names ``portfolio.xlsx, sheet jobs``, the row as the sheet shows it and the
column by its header. Cells that only a spreadsheet can hold are refused here, each once: a
formula (the scenario reads values), a spreadsheet error (``#DIV/0!``), a date where a number or
an id belongs, and merged cells. Empty rows are skipped; row numbers stay those of the sheet.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.scenario.raw import RawScenario, TableSource
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, Column
from eastwest_opt.scenario.settings import BY_KEY, SETTINGS, SOLVER, read_settings

SETTINGS_SHEET = "scenario"
SETTINGS_HEADER = ("key", "value", "about")
_DATES = (dt.datetime, dt.date, dt.time, dt.timedelta)


def sheet_label(workbook: str, sheet: str) -> str:
    """How messages name a sheet: ``portfolio.xlsx, sheet jobs``."""
    return f"{workbook}, sheet {sheet}"


def read_workbook(path: Path) -> RawScenario:
    """Read a scenario workbook's settings and tables as text; raise only when the file cannot be read."""
    book = _open(path)
    name = path.name
    sheets = {ws.title: ws for ws in book.worksheets}
    problems: list[Problem] = []
    config_label = sheet_label(name, SETTINGS_SHEET)
    config: dict[str, Any] = {}
    rows: dict[str, int] = {}
    settings_ws = _find(sheets, SETTINGS_SHEET)
    if settings_ws is None:
        problems.append(Problem(config_label, f"sheet not found; the workbook has sheets {', '.join(sheets)}"))
    else:
        config, rows = _read_settings(settings_ws, config_label, problems)
    # the settings' types and ranges, checked as scenario.yaml's are, each problem at its row
    settings, _, found = read_settings(config, {tuple(k.split(".")): r for k, r in rows.items()}, config_label)
    problems += found
    tables: dict[str, TableSource] = {}
    broken: set[str] = set()
    for table in TABLE_ORDER:
        label = sheet_label(name, table)
        ws = _find(sheets, table)
        if ws is None:
            tables[table] = TableSource(table, label, None)
            if not SCHEMAS[table].optional_table:
                problems.append(Problem(label, f"sheet not found; the workbook has sheets {', '.join(sheets)}"))
                broken.add(table)
            continue
        tables[table] = _read_table(ws, table, label, problems)
        if tables[table].raw is None:
            broken.add(table)
    known = {SETTINGS_SHEET, *TABLE_ORDER}
    for title in sheets:
        if title.strip().lower() not in known:
            problems.append(Problem(sheet_label(name, title), "unknown sheet, ignored", severity="warning"))
    return RawScenario(path, path.stem, config, config_label, tables, problems, broken, settings, rows)


def _open(path: Path) -> Any:
    """The workbook, formulas kept as formulas (so that they can be refused, not silently read)."""
    if not path.exists():
        raise ScenarioError([Problem(str(path), "workbook does not exist")])
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "not a file; a scenario workbook is one .xlsx file")])
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScenarioError([Problem(path.name, f"not a readable Excel workbook (.xlsx): {reason}")]) from None


def _find(sheets: dict[str, Any], name: str) -> Any:
    """The sheet called ``name``: exactly, else ignoring case and surrounding spaces."""
    if name in sheets:
        return sheets[name]
    for title, ws in sheets.items():
        if title.strip().lower() == name:
            return ws
    return None


def _read_settings(ws: Any, label: str, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]]:
    """The settings sheet as a mapping shaped like ``scenario.yaml``, and the row of each key."""
    config: dict[str, Any] = {}
    rows: dict[str, int] = {}
    known = [s.key for s in SETTINGS]
    for cells in ws.iter_rows(min_row=1, max_col=2):
        r = cells[0].row
        key_cell, value_cell = cells[0], cells[1] if len(cells) > 1 else None
        key = "" if key_cell.value is None else str(key_cell.value).strip()
        if r == 1 and key.lower() == SETTINGS_HEADER[0]:
            continue
        value = None if value_cell is None else value_cell.value
        if not key:
            if not _blank(value):
                problems.append(Problem(label, "a value without a key; write the setting's name in column A", row=r))
            continue
        if key not in BY_KEY:
            problems.append(Problem(label, f"unknown key {key!r}; known keys: {', '.join(known)}", row=r))
            continue
        if key in rows:
            problems.append(Problem(label, f"{key} is given twice (first in row {rows[key]})", row=r))
            continue
        rows[key] = r
        if value_cell is not None and value_cell.data_type in ("f", "e"):
            problems.append(Problem(label, f"{key}: {_special(value_cell)}", row=r))
            continue
        if isinstance(value, _DATES):
            problems.append(Problem(label, f"{key} must be {BY_KEY[key].what}, got the date {_iso(value)}", row=r))
            continue
        top, _, sub = key.partition(".")
        if sub:
            config.setdefault(SOLVER, {})[sub] = _setting_value(key, value)
        else:
            config[top] = _setting_value(key, value)
    return config, rows


def _setting_value(key: str, value: Any) -> Any:
    """A settings cell as YAML would give it: empty is null; text that spells a number or a
    boolean is one, for the settings that hold numbers or booleans."""
    if _blank(value):
        return None
    if not isinstance(value, str) or BY_KEY[key].kind == "text":
        return value
    text = value.strip()
    if BY_KEY[key].kind == "bool":
        return {"true": True, "false": False}.get(text.lower(), value)
    if text.lower() == "null":
        return None
    try:
        number = float(text)
    except ValueError:
        return value
    return int(number) if number.is_integer() and BY_KEY[key].kind == "integer" else number


def _read_table(ws: Any, table: str, label: str, problems: list[Problem]) -> TableSource:
    """One table sheet: header row 1, then every row that is not empty, its cells as text."""
    from openpyxl.utils import get_column_letter

    grid = list(ws.iter_rows())
    if not grid or all(_blank(c.value) for c in grid[0]):
        problems.append(Problem(label, "sheet is empty; expected a header row (row 1) with the column names"))
        return TableSource(table, label, None)
    schema = SCHEMAS[table]
    header: dict[str, str] = {}
    columns: list[tuple[int, str]] = []
    for i, cell in enumerate(grid[0]):
        name = "" if cell.value is None else str(cell.value).strip()
        if name:
            columns.append((i, name))
            header.setdefault(name, f"{get_column_letter(i + 1)}1")
    sheet_rows: list[int] = []
    source = TableSource(table, label, None, rows=sheet_rows, header=header)
    names = {i: name for i, name in columns}
    _merged(ws, names, source, problems)
    data: list[list[str]] = []
    for cells in grid[1:]:
        if all(_blank(c.value) for c in cells):
            continue
        r = cells[0].row
        _headless(cells, names, label, r, problems)
        row = []
        for i, name in columns:
            cell = cells[i] if i < len(cells) else None
            col = schema.column(name) if name in schema.column_names else None
            row.append(_cell_text(cell, col, source, problems) if cell is not None else "")
        data.append(row)
        sheet_rows.append(r)
    source.raw = pd.DataFrame(data, columns=[name for _, name in columns], dtype=object)
    return source


def _merged(ws: Any, names: dict[int, str], source: TableSource, problems: list[Problem]) -> None:
    """Report each merged range over the table once, at its first cell; its cells are not reported again."""
    for merged in ws.merged_cells.ranges:
        first = names.get(merged.min_col - 1)
        problems.append(
            Problem(
                source.label,
                f"merged cells {merged.coord}; unmerge them so that every cell holds its own value",
                row=merged.min_row,
                column=first,
            )
        )
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                if col - 1 in names:
                    source.reported.add((row, names[col - 1]))


def _headless(cells: Any, names: dict[int, str], label: str, row: int, problems: list[Problem]) -> None:
    """Warn of values in a column that has no header (they are ignored)."""
    for i, cell in enumerate(cells):
        if i not in names and not _blank(cell.value):
            problems.append(
                Problem(
                    label,
                    f"cell {cell.coordinate} is in a column without a header, ignored",
                    row=row,
                    severity="warning",
                )
            )
            return


def _cell_text(cell: Any, col: Column | None, source: TableSource, problems: list[Problem]) -> str:
    """A cell as the CSV reader would give it, or ``""`` after reporting a cell no CSV can hold."""
    value = cell.value
    if col is None:  # an unknown column: ignored, with a warning from the parser
        return "" if value is None else str(value)
    where = (cell.row, col.name)
    if cell.data_type in ("f", "e"):
        problems.append(Problem(source.label, _special(cell), row=cell.row, column=col.name))
        source.reported.add(where)
        return ""
    if isinstance(value, _DATES):
        if col.kind == "text":
            return _iso(value)
        what = {"float": "a number", "int": "an integer", "bool": "true or false"}.get(col.kind, "an id or a list")
        problems.append(
            Problem(
                source.label,
                f"expected {what}, got the date {_iso(value)} (cell {cell.coordinate}); format the cell as "
                + ("a number" if col.kind in ("float", "int") else "text"),
                row=cell.row,
                column=col.name,
            )
        )
        source.reported.add(where)
        return ""
    return cell_text(value)


def cell_text(value: Any) -> str:
    """A plain cell value as text: booleans as ``true``/``false``, numbers exactly."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def _special(cell: Any) -> str:
    """The message for a formula or a spreadsheet error in a cell."""
    text = str(cell.value) if not hasattr(cell.value, "text") else str(cell.value.text)
    if cell.data_type == "e":
        return f"cell {cell.coordinate} holds the spreadsheet error {text}; give it a value"
    if len(text) > 40:
        text = text[:37] + "..."
    return f"cell {cell.coordinate} holds a formula ({text}); the scenario reads values: paste the value instead"


def _iso(value: Any) -> str:
    """A date or time as ISO text (``2024-03-01`` for a midnight)."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
