"""Errors and exit codes shared by the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Process exit codes of the ``eastwest-opt`` command."""

    OK = 0
    ERROR = 1  # unexpected internal error
    INVALID_INPUT = 2  # the scenario (or a plan folder) is malformed
    INFEASIBLE = 3  # the scenario has no feasible plan
    NO_SOLUTION = 4  # the solver found no plan within its limits
    VERIFICATION_FAILED = 5  # a plan failed the independent verifier
    OUTPUT_EXISTS = 6  # refused to overwrite an existing output folder


@dataclass(frozen=True)
class Problem:
    """One problem found in the input, located by file, row and column.

    ``row`` is the row number as a spreadsheet shows it: the header is row 1,
    the first data row is row 2. ``None`` means the problem is not tied to a row.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = [_printable(self.file)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{', '.join(where)}: {_printable(self.message)}"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class EastWestError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: ExitCode = ExitCode.ERROR


class ScenarioError(EastWestError):
    """The scenario is invalid; ``problems`` lists every problem found."""

    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = [p for p in problems if p.severity == "error"] or problems
        first = str(self.problems[0]) if self.problems else "invalid scenario"
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        super().__init__(first + suffix)


class InfeasibleError(EastWestError):
    """The scenario has no feasible plan; ``explanation`` is a DataFrame saying why.

    Its columns are cause, subject, amount, unit, current and sentence: one row per
    relaxation the scenario needs (see :mod:`eastwest_opt.plan.explain`).
    """

    exit_code = ExitCode.INFEASIBLE

    def __init__(self, message: str, explanation: Any = None) -> None:
        super().__init__(message)
        self.explanation = explanation


class NoSolutionError(EastWestError):
    """The solver stopped (time limit) before it found any feasible plan."""

    exit_code = ExitCode.NO_SOLUTION


class VerificationError(EastWestError):
    """A plan failed the independent verifier."""

    exit_code = ExitCode.VERIFICATION_FAILED


class OutputExistsError(EastWestError):
    """The output folder exists and overwriting was not asked for."""

    exit_code = ExitCode.OUTPUT_EXISTS
