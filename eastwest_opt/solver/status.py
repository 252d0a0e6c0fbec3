"""What a solve was asked for and what it found: options, status and result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eastwest_opt.scenario.core import Scenario


class Status(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"  # proven within the relative gap asked for
    FEASIBLE = "feasible"  # a plan, but a limit stopped the proof; bound and gap say how good
    INFEASIBLE = "infeasible"  # proven: no plan satisfies every constraint
    NO_SOLUTION = "no_solution"  # a limit stopped the search before any plan was found


@dataclass(frozen=True)
class SolveOptions:
    """Solver controls; ``None`` takes the scenario's default."""

    time_limit_s: float | None = None
    mip_rel_gap: float | None = None
    threads: int | None = None

    def resolved(self, scenario: Scenario) -> SolveOptions:
        """These options with every ``None`` replaced by the scenario's default."""
        d = scenario.solver
        return SolveOptions(
            time_limit_s=self.time_limit_s if self.time_limit_s is not None else d.time_limit_s,
            mip_rel_gap=self.mip_rel_gap if self.mip_rel_gap is not None else d.mip_rel_gap,
            threads=self.threads if self.threads is not None else d.threads,
        )


@dataclass
class SolveResult:
    """What the solver said, before the plan is extracted."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    termination: str

    def timed(self, seconds: float) -> SolveResult:
        """The same result, over ``seconds``."""
        return SolveResult(self.status, self.objective, self.bound, self.gap, seconds, self.termination)


def relative_gap(objective: float, bound: float | None) -> float | None:
    """``(objective - bound) / |objective|``, at least 0; ``None`` without a bound."""
    if bound is None:
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)
