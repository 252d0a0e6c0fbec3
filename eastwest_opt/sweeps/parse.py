"""Reading a sweep file: YAML with the line of every key, checked into a :class:`SweepSpec`.

:func:`load_sweep` is the entry point. The YAML is read by the reader ``scenario.yaml`` is read
with (:mod:`eastwest_opt.scenario.yaml_reader`: aliases capped, duplicate keys and explicit tags
refused), which gives every key path its line; :func:`parse_sweep` then checks the
top level and hands each part to its parser (:mod:`~eastwest_opt.sweeps.parse_settings`,
:mod:`~eastwest_opt.sweeps.parse_variants`, :mod:`~eastwest_opt.sweeps.parse_overrides`). Every
unknown key, unknown table or column, wrongly typed value and bad operation is reported as a
:class:`~eastwest_opt.errors.Problem` naming the key path and the line; all of them are raised
at once, in the order of the file's lines, as a :class:`~eastwest_opt.errors.ScenarioError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eastwest_opt.sweeps.core import Problem, ScenarioError, read_yaml
from eastwest_opt.sweeps.parse_overrides import parse_overrides
from eastwest_opt.sweeps.parse_settings import parse_base, parse_labels, parse_pareto, parse_solver
from eastwest_opt.sweeps.parse_variants import parse_grid, parse_named
from eastwest_opt.sweeps.problems import KeyPath, Reporter
from eastwest_opt.sweeps.spec import TOP_KEYS, Axis, Override, SweepSpec, Variant, override_json


def load_sweep(source: str | Path | Mapping[str, Any], *, file: str | None = None) -> SweepSpec:
    """Read and check a sweep: a YAML file path, or an already parsed mapping.

    Raises :class:`ScenarioError` listing every problem, each naming its key path and, for a
    file, its line. Relative ``base`` paths are taken from the sweep file's folder (or the
    working directory for a mapping).
    """
    lines: dict[KeyPath, int] = {}
    if isinstance(source, Mapping):
        data: Any = source
        folder = Path.cwd()
        name = file or "sweep"
        stem = "sweep"
    else:
        path = Path(source)
        name = file or path.name
        stem = path.stem
        folder = path.resolve().parent
        if not path.is_file():
            raise ScenarioError([Problem(str(path), "sweep file not found")])
        data, lines = read_yaml(path, name)
    return parse_sweep(Reporter(name, lines), data, folder, stem)


def parse_sweep(log: Reporter, data: Any, folder: Path, stem: str) -> SweepSpec:
    """Check the whole sweep and return it parsed; raise :class:`ScenarioError` with every problem."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ScenarioError([Problem(log.file, "expected a mapping of sweep settings at the top level", row=1)])
    log.keys(data, (), TOP_KEYS, "a sweep")
    name = str(data.get("name") or stem)
    description = str(data.get("description") or "")
    base = parse_base(log, data.get("base"), folder)
    base_overrides = parse_overrides(log, data.get("base_overrides"), ("base_overrides",))
    solver = parse_solver(log, data.get("solver"))
    variants: list[Variant] = []
    labels: dict[str, str] = {}
    axes: list[Axis] = []
    pareto = parse_pareto(log, data.get("pareto"))
    if pareto is not None and (data.get("variants") or data.get("grid")):
        log.err(("pareto",), "a pareto sweep has no variants or grid of its own; put them in another sweep file")
    if data.get("variants") is not None:
        variants += parse_named(log, data["variants"], labels)
    if data.get("grid") is not None:
        grid_variants, axes = parse_grid(log, data["grid"], labels)
        variants += grid_variants
    parse_labels(log, data.get("parameter_labels"), labels)
    if pareto is None and not variants and not log.problems:
        log.err((), "the sweep has no variants: give 'variants', 'grid' or 'pareto'")
    _check_ids(log, variants)
    if log.problems:  # in the order of the file's lines
        raise ScenarioError(sorted(log.problems, key=lambda p: -1 if p.row is None else p.row))
    time_limit, gap, threads = solver
    return SweepSpec(
        name=name,
        description=description,
        file=log.file,
        base=base,
        base_overrides=tuple(base_overrides),
        time_limit_s=time_limit,
        mip_rel_gap=gap,
        threads=threads,
        variants=tuple(variants),
        axes=tuple(axes),
        parameter_labels=labels,
        pareto_steps=pareto,
        canonical=_canonical(base, base_overrides, solver, variants, pareto),
    )


def _check_ids(log: Reporter, variants: list[Variant]) -> None:
    """Report every variant id given twice."""
    seen: dict[str, int] = {}
    for i, v in enumerate(variants):
        if v.id in seen:
            log.err((), f"two variants have the id {v.id!r} (variants {seen[v.id] + 1} and {i + 1}); rename one")
        seen.setdefault(v.id, i)


def _canonical(
    base: Path | None,
    base_overrides: list[Override],
    solver: tuple[float | None, float | None, int | None],
    variants: list[Variant],
    pareto: int | None,
) -> str:
    """The canonical JSON of the parsed sweep (what decides its results), for the spec hash."""
    return json.dumps(
        {
            "base": str(base) if base is not None else None,
            "base_overrides": [override_json(o) for o in base_overrides],
            "solver": list(solver),
            "variants": [
                {"id": v.id, "label": v.label, "parameters": dict(v.parameters)}
                | {"overrides": [override_json(o) for o in v.overrides]}
                for v in variants
            ],
            "pareto": pareto,
        },
        sort_keys=True,
        default=str,
    )
