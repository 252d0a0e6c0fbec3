"""The problems of a sweep file as the parser finds them, each naming its key path and line.

A :class:`Reporter` is handed to every parsing function: it records a
:class:`~eastwest_opt.errors.Problem` per mistake, with the key path written as the file's
reader writes it (``grid[0].overrides[1].scale``) and the line of that key (or of its nearest
ancestor that has one) in the YAML file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eastwest_opt.sweeps.core import KeyPath, Problem, key_path_text

__all__ = ["KeyPath", "Reporter", "fmt_path", "show"]
fmt_path = key_path_text  # a key path as the sweep file's reader writes it: grid[0].overrides[1].scale


def show(v: Any) -> str:
    """A value for a message, cut to 60 characters."""
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


class Reporter:
    """Collects every problem of one sweep file, with its key path and line."""

    def __init__(self, file: str, lines: dict[KeyPath, int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def err(self, path: KeyPath, message: str, line_path: KeyPath | None = None) -> None:
        """Record a problem at ``path`` (its line from ``line_path`` if given)."""
        row = self.line(line_path if line_path is not None else path)
        self.problems.append(Problem(self.file, f"{fmt_path(path)}: {message}", row=row))

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path`` in the file, or of its nearest ancestor that has one."""
        while path:
            key = tuple(str(p) if not isinstance(p, int) else p for p in path)
            if key in self.lines:
                return self.lines[key]
            path = path[:-1]
        return self.lines.get(())

    def keys(self, data: Mapping[str, Any], path: KeyPath, known: Sequence[str], what: str) -> None:
        """Report every key of ``data`` not in ``known``."""
        for key in data:
            if key not in known:
                self.err((*path, key), f"unknown key {str(key)!r} in {what}; known keys: {', '.join(known)}")
