"""Ways to corrupt a valid scenario folder, shared by the fuzz tests and benchmarks/fuzz_inputs.py.

Each corruption changes the folder in place and returns what it did. Besides broken cells, rows,
bytes and files: a column given twice, emptied tables (no header, a lone byte-order mark, a
header and blank lines), extreme numbers (beyond the admissible range, or just inside it, where
the solver must still give a plan that verifies), and in scenario.yaml alias bombs, keys given
twice, explicit tags, values of the wrong type and table entries that are no file name.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable
from pathlib import Path

import yaml

from eastwest_opt.scenario.schema import SCHEMAS

CSV_FILES = (
    "hubs.csv",
    "links.csv",
    "accelerators.csv",
    "hub_accelerators.csv",
    "data_classes.csv",
    "datasets.csv",
    "jobs.csv",
    "overrides.csv",
)


def _rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def drop_column(folder: Path, rng: random.Random) -> str:
    path = folder / rng.choice(CSV_FILES)
    rows = _rows(path)
    col = rng.randrange(len(rows[0]))
    name = rows[0][col]
    _write(path, [r[:col] + r[col + 1 :] for r in rows])
    return f"dropped column {name} of {path.name}"


def wrong_type(folder: Path, rng: random.Random) -> str:
    path = folder / rng.choice(CSV_FILES)
    rows = _rows(path)
    if len(rows) < 2:
        return "no rows"
    r = rng.randrange(1, len(rows))
    c = rng.randrange(len(rows[0]))
    rows[r][c] = rng.choice(["abc", "-1", "0", "1e999", "nan", "", "true", "3.5", " ", "1,000", "NULL", "∞"])
    _write(path, rows)
    return f"set {path.name} row {r + 1} column {rows[0][c]} to {rows[r][c]!r}"


def delete_row(folder: Path, rng: random.Random) -> str:
    path = folder / rng.choice(CSV_FILES)
    rows = _rows(path)
    if len(rows) < 2:
        return "no rows"
    r = rng.randrange(1, len(rows))
    del rows[r]
    _write(path, rows)
    return f"deleted {path.name} row {r + 1}"


def garbage_bytes(folder: Path, rng: random.Random) -> str:
    path = folder / rng.choice((*CSV_FILES, "scenario.yaml"))
    data = bytearray(path.read_bytes())
    pos = rng.randrange(len(data) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 12)))
    data[pos:pos] = junk
    path.write_bytes(bytes(data))
    return f"inserted {len(junk)} garbage bytes into {path.name} at {pos}"


def swap_ids(folder: Path, rng: random.Random) -> str:
    a, b = rng.sample(list(CSV_FILES), 2)
    ra, rb = _rows(folder / a), _rows(folder / b)
    if len(ra) < 2 or len(rb) < 2:
        return "no rows"
    i, j = rng.randrange(1, len(ra)), rng.randrange(1, len(rb))
    ca, cb = rng.randrange(len(ra[0])), rng.randrange(len(rb[0]))
    if ca >= len(ra[i]) or cb >= len(rb[j]):
        return "short row"
    ra[i][ca], rb[j][cb] = rb[j][cb], ra[i][ca]
    _write(folder / a, ra)
    _write(folder / b, rb)
    return f"swapped {a}[{i},{ra[0][ca]}] with {b}[{j},{rb[0][cb]}]"


def truncate(folder: Path, rng: random.Random) -> str:
    path = folder / rng.choice((*CSV_FILES, "scenario.yaml"))
    data = path.read_bytes()
    cut = rng.randrange(len(data) + 1)
    path.write_bytes(data[:cut])
    return f"truncated {path.name} at byte {cut}"


def remove_file(folder: Path, rng: random.Random) -> str:
    path = folder / rng.choice((*CSV_FILES, "scenario.yaml"))
    path.unlink()
    return f"removed {path.name}"


def duplicate_row(folder: Path, rng: random.Random) -> str:
    path = folder / rng.choice(CSV_FILES)
    rows = _rows(path)
    if len(rows) < 2:
        return "no rows"
    rows.append(list(rows[rng.randrange(1, len(rows))]))
    _write(path, rows)
    return f"duplicated a row of {path.name}"


def duplicate_column(folder: Path, rng: random.Random) -> str:
    """A column given twice, the copy holding other values (pandas would rename it ``name.1``)."""
    path = folder / rng.choice(CSV_FILES)
    rows = _rows(path)
    col = rng.randrange(len(rows[0]))
    where = rng.randrange(len(rows[0]) + 1)
    copied = [
        (r[col] if col < len(r) else "") + ("" if i == 0 else rng.choice(["0", "x", ""])) for i, r in enumerate(rows)
    ]
    _write(path, [[*r[:where], c, *r[where:]] for r, c in zip(rows, copied, strict=True)])
    return f"gave column {rows[0][col]} of {path.name} twice"


def empty_table(folder: Path, rng: random.Random) -> str:
    """A table emptied: no bytes, a lone byte-order mark, blank lines, or its header and blank lines."""
    path = folder / rng.choice(CSV_FILES)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    kind = rng.choice(["nothing", "bom", "blank lines", "header", "header and blank lines", "bom and header"])
    data = {
        "nothing": b"",
        "bom": b"\xef\xbb\xbf",
        "blank lines": b"\n\n\r\n",
        "header": header.encode() + b"\n",
        "header and blank lines": header.encode() + b"\n\n\n",
        "bom and header": b"\xef\xbb\xbf" + header.encode() + b"\r\n",
    }[kind]
    path.write_bytes(data)
    return f"emptied {path.name} ({kind})"


def extreme_value(folder: Path, rng: random.Random) -> str:
    """A numeric cell set to an extreme: beyond any admissible value, or just inside the limits."""
    path = folder / rng.choice(CSV_FILES)
    rows = _rows(path)
    schema = SCHEMAS[path.stem]
    numeric = [
        i
        for i, name in enumerate(rows[0])
        if name in schema.column_names and schema.column(name).kind in ("float", "int")
    ]
    if len(rows) < 2 or not numeric:
        return "no numeric cell"
    c = rng.choice(numeric)
    col = schema.column(rows[0][c])
    top = col.le if col.le is not None else (col.lt if col.lt is not None else 1e6)
    low = col.gt if col.gt is not None else (col.ge if col.ge is not None else 0.0)
    choices = [
        "9223372036854775807",
        "1e300",
        "-1e300",
        "5e-324",
        "1e-300",
        repr(top),  # the largest admissible value
        repr(top * rng.uniform(0.1, 1.0)),
        repr(top * 1.0000001),
        repr(low + 1e-12),
        repr(math.nextafter(low, math.inf)),
    ]
    if col.kind == "int":
        choices = [str(int(float(v))) if abs(float(v)) < 1e18 else v for v in choices]
    r = rng.randrange(1, len(rows))
    if c >= len(rows[r]):
        return "short row"
    rows[r][c] = rng.choice(choices)
    _write(path, rows)
    return f"set {path.name} row {r + 1} column {rows[0][c]} to {rows[r][c]}"


def _bomb(depth: int = 9) -> str:
    """A flow list of anchors, each naming the one before nine times: 9**depth values expanded."""
    items = ["&a0 [x, x, x, x, x, x, x, x, x]"]
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth)]
    return "[" + ", ".join(items) + "]"


def yaml_bomb(folder: Path, rng: random.Random) -> str:
    """An alias bomb nested 9 deep under a known key of scenario.yaml."""
    path = folder / "scenario.yaml"
    lines = path.read_text().splitlines()
    keys = [i for i, ln in enumerate(lines) if ln.startswith(("name:", "allow_unplaced:", "  hubs:", "  jobs:"))]
    i = rng.choice(keys)
    key = lines[i].split(":")[0]
    lines[i] = f"{key}: {_bomb(rng.randint(6, 9))}"
    path.write_text("\n".join(lines) + "\n")
    return f"alias bomb under {key.strip()}"


def yaml_duplicate_key(folder: Path, rng: random.Random) -> str:
    """A key of scenario.yaml given again further down (YAML would keep the last silently)."""
    path = folder / "scenario.yaml"
    key = rng.choice(["artifact_paths_k: 5", "planning_window_hours: 100", "name: again", "allow_unplaced: false"])
    path.write_text(path.read_text() + key + "\n")
    return f"gave {key.split(':')[0]} twice"


def yaml_tag(folder: Path, rng: random.Random) -> str:
    """An explicit YAML tag, with a value it cannot build or one that runs code in an unsafe loader."""
    path = folder / "scenario.yaml"
    key = rng.choice(["artifact_paths_k", "planning_window_hours", "name", "carbon_budget_t", "allow_unplaced"])
    value = rng.choice(
        ["!!int abc", "!!timestamp 2024-13-45", "!!python/object/apply:os.system ['true']", "!!float 1", "!custom x"]
    )
    lines = [f"{key}: {value}" if ln.startswith(f"{key}:") else ln for ln in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return f"set {key} to {value}"


def yaml_bad_value(folder: Path, rng: random.Random) -> str:
    """A setting of the wrong type or out of range, as YAML writes it."""
    path = folder / "scenario.yaml"
    key = rng.choice(
        ["planning_window_hours", "carbon_price_cny_per_t", "carbon_budget_t", "artifact_paths_k", "name", "threads"]
    )
    value = rng.choice([".nan", ".inf", "-.inf", "2.5", "[a, b]", "{x: 1}", "2024-13-45", "2024-01-31", "1e400", "''"])
    lines = [
        f"{ln.split(':')[0]}: {value}" if ln.strip().startswith(f"{key}:") else ln
        for ln in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
    return f"set {key} to {value}"


def table_entry(folder: Path, rng: random.Random) -> str:
    """A table entry of scenario.yaml that is no file name: a list, a mapping, a date, a NUL, a
    very long path, a symlink loop."""
    path = folder / "scenario.yaml"
    table = rng.choice(["hubs", "links", "jobs", "datasets", "overrides"])
    kind = rng.choice(["list", "mapping", "date", "nul", "long", "long name", "loop", "folder", "empty"])
    if kind == "loop":
        os.symlink("loop-b.csv", folder / "loop-a.csv")
        os.symlink("loop-a.csv", folder / "loop-b.csv")
    value = {
        "list": f"[{table}.csv]",
        "mapping": f"{{file: {table}.csv}}",
        "date": "2024-01-31",
        "nul": '"hu\\0bs.csv"',
        "long": "a/" * 2500 + "x.csv",
        "long name": "y" * 300 + ".csv",
        "loop": "loop-a.csv",
        "folder": ".",
        "empty": "''",
    }[kind]
    lines = [f"  {table}: {value}" if ln.startswith(f"  {table}:") else ln for ln in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return f"set tables.{table} to a {kind}"


def yaml_edit(folder: Path, rng: random.Random) -> str:
    path = folder / "scenario.yaml"
    config = yaml.safe_load(path.read_text())
    key = rng.choice(["planning_window_hours", "carbon_price_cny_per_t", "solver", "tables", "extra_key", "name"])
    config[key] = rng.choice([-5, "abc", None, [1, 2], {"x": 1}, 0, "../../outside.csv"])
    path.write_text(yaml.safe_dump(config))
    return f"set scenario.yaml {key} to {config[key]!r}"


CORRUPTIONS: dict[str, Callable[[Path, random.Random], str]] = {
    f.__name__: f
    for f in (
        drop_column,
        wrong_type,
        delete_row,
        garbage_bytes,
        swap_ids,
        truncate,
        remove_file,
        duplicate_row,
        yaml_edit,
        duplicate_column,
        empty_table,
        extreme_value,
        yaml_bomb,
        yaml_duplicate_key,
        yaml_tag,
        yaml_bad_value,
        table_entry,
    )
}
