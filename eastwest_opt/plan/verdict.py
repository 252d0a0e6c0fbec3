"""The verifier's verdict: violations and the recomputed costs (data only, shared by plans and the verifier)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

RECORD_FIELDS = ("family", "file", "row", "column", "written", "recomputed", "value", "limit", "message")


@dataclass(frozen=True)
class Violation:
    """One broken rule of a plan: a constraint, a written figure that disagrees with its
    recomputation, or the objective.

    ``family`` names the rule (a constraint family, ``figures`` or ``objective``); ``message`` says
    what is wrong, beginning with where (``placements.csv row j1, column it_mw: written 3.2,
    recomputed 2.2``). ``file``, ``row`` (the row's id, see :class:`~eastwest_opt.plan.schema.PlanTable`)
    and ``column`` locate it; a figure has the number ``written`` and the number ``recomputed``; a
    constraint the plan's ``value`` and the scenario's ``limit``.
    """

    family: str
    message: str
    file: str | None = None
    row: str | None = None
    column: str | None = None
    written: Any = None
    recomputed: Any = None
    value: Any = None
    limit: Any = None

    def __str__(self) -> str:
        return f"[{self.family}] {self.message}"

    def record(self) -> dict[str, Any]:
        """The violation as a JSON-ready record (numbers as numbers, NaN and infinities as text)."""
        return {name: _json_value(getattr(self, name)) for name in RECORD_FIELDS}


def _json_value(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or infinity
    return value


@dataclass
class VerificationReport:
    """The verifier's verdict: the violations found, the objective it recomputed, and warnings
    that do not fail a plan (it was solved for another version of the scenario)."""

    violations: list[Violation] = field(default_factory=list)
    costs_cny: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_family(self) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            out[v.family].append(v)
        return dict(out)

    def table(self) -> pd.DataFrame:
        """One row per violation, with the columns of :meth:`Violation.record`."""
        return pd.DataFrame([v.record() for v in self.violations], columns=list(RECORD_FIELDS))
