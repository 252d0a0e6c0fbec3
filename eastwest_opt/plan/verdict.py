"""The verifier's verdict: violations and the recomputed costs (data only, shared by plans and the verifier)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Violation:
    """One violated constraint (or objective mismatch) of a plan."""

    family: str
    message: str

    def __str__(self) -> str:
        return f"[{self.family}] {self.message}"


@dataclass
class VerificationReport:
    """The verifier's verdict: the violations found and the objective it recomputed."""

    violations: list[Violation] = field(default_factory=list)
    costs_cny: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_family(self) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            out[v.family].append(v)
        return dict(out)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"family": v.family, "message": v.message} for v in self.violations], columns=["family", "message"]
        )
