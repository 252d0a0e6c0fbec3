"""Parsing the settings of a sweep file: ``base``, ``solver``, ``pareto`` and ``parameter_labels``.

Each function checks one top-level key and returns its value (or a default), recording
problems on the :class:`~eastwest_opt.sweeps.problems.Reporter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eastwest_opt.sweeps.problems import Reporter, show
from eastwest_opt.sweeps.spec import PARETO_KEYS, SOLVER_KEYS, is_number


def parse_base(log: Reporter, base: Any, folder: Path) -> Path | None:
    """The base scenario folder or workbook (relative to the sweep file's folder), or None for the shipped one."""
    if base is None:
        return None
    if not isinstance(base, str) or not base.strip():
        log.err(("base",), f"expected a scenario folder path or null (the shipped scenario), got {show(base)}")
        return None
    path = Path(base).expanduser()
    path = (folder / path).resolve() if not path.is_absolute() else path
    if not path.is_dir() and not (path.suffix.lower() == ".xlsx" and path.is_file()):
        log.err(("base",), f"scenario folder {path} not found (a relative path starts at the sweep file's folder)")
    return path


def parse_solver(log: Reporter, solver: Any) -> tuple[float | None, float | None, int | None]:
    """Time limit, relative gap and HiGHS threads per variant (threads default to 1)."""
    if solver is None:
        return None, None, 1
    if not isinstance(solver, Mapping):
        log.err(("solver",), f"expected a mapping with {', '.join(SOLVER_KEYS)}, got {show(solver)}")
        return None, None, 1
    log.keys(solver, ("solver",), SOLVER_KEYS, "solver")
    limit = solver.get("time_limit_s")
    gap = solver.get("mip_rel_gap")
    threads = solver.get("threads", 1)
    if limit is not None and not (is_number(limit) and limit > 0):
        log.err(("solver", "time_limit_s"), f"must be a number > 0 or null, got {show(limit)}")
        limit = None
    if gap is not None and not (is_number(gap) and 0 <= gap < 1):
        log.err(("solver", "mip_rel_gap"), f"must be a number in [0, 1) or null, got {show(gap)}")
        gap = None
    if threads is not None and not (isinstance(threads, int) and not isinstance(threads, bool) and threads >= 1):
        log.err(("solver", "threads"), f"must be an integer >= 1 or null (HiGHS default), got {show(threads)}")
        threads = 1
    return (
        float(limit) if limit is not None else None,
        float(gap) if gap is not None else None,
        threads,
    )


def parse_pareto(log: Reporter, pareto: Any) -> int | None:
    """The number of budget steps of a Pareto sweep, or None."""
    if pareto is None:
        return None
    if not isinstance(pareto, Mapping):
        log.err(("pareto",), f"expected a mapping like {{steps: 10}}, got {show(pareto)}")
        return None
    log.keys(pareto, ("pareto",), PARETO_KEYS, "pareto")
    steps = pareto.get("steps", 10)
    if not (isinstance(steps, int) and not isinstance(steps, bool) and 1 <= steps <= 1000):
        log.err(("pareto", "steps"), f"must be an integer from 1 to 1000, got {show(steps)}")
        return None
    return int(steps)


def parse_labels(log: Reporter, given: Any, labels: dict[str, str]) -> None:
    """Plot labels for the parameters of named variants (grid axes carry their own), into ``labels``."""
    if given is None:
        return
    if not isinstance(given, Mapping):
        log.err(("parameter_labels",), f"expected a mapping of parameter to label, got {show(given)}")
        return
    for key, text in given.items():
        if str(key) not in labels:
            known = ", ".join(labels) or "none"
            log.err(("parameter_labels", key), f"no variant has a parameter {str(key)!r}; parameters: {known}")
        elif not isinstance(text, str):
            log.err(("parameter_labels", key), f"expected a label text, got {show(text)}")
        else:
            labels[str(key)] = text
