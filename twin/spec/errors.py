"""User-facing spec errors: one line per problem, naming file, line, field path, found and expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's file."""

    file: str
    path: str
    found: str
    expected: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} found {self.found}; expected {self.expected}"


class SpecError(Exception):
    """Raised when a model or scenario file cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(loc: tuple[str | int, ...]) -> str:
    """``('stations', 3, 'failures', 'ttr_min')`` -> ``stations[3].failures.ttr_min``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class RunError(Exception):
    """A run that stopped for a reason the user can act on (e.g. an exploding event count); one line."""
