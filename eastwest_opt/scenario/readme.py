"""The README.md of a template scenario and the commented ``scenario.yaml``: written from the schema,
the settings and their descriptions (:mod:`~eastwest_opt.scenario.docs`), so that neither can drift.
"""

from __future__ import annotations

import math

import yaml

from eastwest_opt.scenario.core import SCENARIO_FILE, Scenario
from eastwest_opt.scenario.docs import column_doc, table_doc
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, Column
from eastwest_opt.scenario.settings import SETTINGS, SOLVER
from eastwest_opt.scenario.write import written_tables

SCHEMA_COMMENT = "# yaml-language-server: $schema=scenario.schema.json"


def column_holds(col: Column) -> str:
    """What a cell of the column holds, with its range: ``number >= 0``, ``id of hubs``, ..."""
    base = {
        "id": "id (letters, digits, `-`, `_`, `.`)",
        "text": "text",
        "float": "number",
        "int": "integer",
        "bool": "`true`/`false`",
        "ref": f"id of {col.ref}",
        "list": f"`;`-list of ids of {col.ref}",
        "hubset": "`*`, `origin` or a `;`-list of hub ids",
    }[col.kind]
    if col.choices:
        base = " or ".join(f"`{c}`" for c in col.choices)
    bounds = col.bound_text()
    return f"{base} {bounds}" if bounds else base


def _default_text(col: Column) -> str:
    """What an empty optional cell means, for the README's tables."""
    if col.required:
        return "required"
    default = col.default
    if default in ("", (), None) or (isinstance(default, float) and math.isnan(default)):
        return "optional"
    return f"optional (empty: {str(default).lower() if isinstance(default, bool) else default})"


def table_section(name: str, *, present: bool) -> list[str]:
    """The README's section on one table: what it is for, then each column."""
    schema = SCHEMAS[name]
    where = f"`{schema.filename}`" if present else f"`{schema.filename}`, not in this folder (add it to use it)"
    lines = [f"### {name}", "", f"{table_doc(name)} File: {where}.", ""]
    lines += ["| column | holds | cell | meaning |", "|---|---|---|---|"]
    for col in schema.columns:
        lines.append(f"| `{col.name}` | {column_holds(col)} | {_default_text(col)} | {column_doc(name, col.name)} |")
    return [*lines, ""]


def readme_text(sc: Scenario, *, template: str, empty: bool) -> str:
    """The README.md of a template folder: how to use it, the settings, and every table's columns."""
    present = set(written_tables(sc))
    lines = [
        f"# {sc.name}",
        "",
        f"A scenario for eastwest-opt, written by `eastwest-opt init` from the shipped scenario `{template}`"
        + (", without datasets or jobs." if empty else "."),
        "Edit the CSV files in any spreadsheet or text editor (UTF-8, a header row, `;` between the items",
        "of a list, `true`/`false` for booleans; every column name carries its unit), then:",
        "",
        "```bash",
        "eastwest-opt validate .     # every problem at once, with file, row and column",
        "eastwest-opt solve .        # a verified plan; --out plan/ (or plan.xlsx) writes it",
        "```",
        "",
    ]
    if empty:
        lines += [
            "**No datasets or jobs yet.** The hubs, backbone, accelerators and data classes are the shipped",
            "ones; `datasets.csv` and `jobs.csv` hold only their headers. Until they have rows, `validate`",
            "says so (`table has no rows: no jobs yet; ...`) and exits 2, and `solve` refuses: add at least",
            "one dataset and one job that trains on it.",
            "",
        ]
    lines += [
        f"`scenario.schema.json` is the JSON Schema of `{SCENARIO_FILE}`: editors with the YAML language",
        "server (VS Code's YAML extension, for one) read the first line of the file and complete and check",
        "the settings as you type.",
        "",
        f"## Settings ({SCENARIO_FILE})",
        "",
        "| setting | holds | default | meaning |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        holds = {"text": "text", "number": "a number", "integer": "an integer", "bool": "`true`/`false`"}[s.kind]
        holds += f" {s.range_text()}" if s.range_text() else ""
        holds += ", or null" if s.nullable and s.kind != "text" else ""
        default = "null" if s.default is None else str(s.default).lower() if isinstance(s.default, bool) else s.default
        lines.append(f"| `{s.key}` | {holds} | {default} | {s.about} |")
    lines += ["", "## Tables", ""]
    for name in TABLE_ORDER:
        lines += table_section(name, present=name in present)
    return "\n".join(lines).rstrip() + "\n"


def settings_yaml(sc: Scenario) -> str:
    """``scenario.yaml`` for a template: every setting with its meaning as a comment, then the tables."""
    lines = [SCHEMA_COMMENT, "# What each setting means is in README.md; what each table holds, too."]
    solver_lines: list[str] = []
    for s in SETTINGS:
        top, _, sub = s.key.partition(".")
        value = getattr(getattr(sc, top), sub) if sub else getattr(sc, top)
        text = yaml.safe_dump({sub or top: value}, allow_unicode=True, width=100, sort_keys=False).rstrip()
        block = [f"# {s.about}", *text.splitlines()]
        if sub:
            solver_lines += ["  " + line for line in block]
        else:
            lines += block
    lines += [f"{SOLVER}:", *solver_lines, "tables:"]
    lines += [f"  {name}: {SCHEMAS[name].filename}" for name in written_tables(sc)]
    return "\n".join(lines) + "\n"
