"""Ways to corrupt a valid scenario folder, shared by the fuzz tests and benchmarks/fuzz_inputs.py."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import yaml

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
    )
}
