"""The typed plan: one `PlannedTask` per step, and the errors of parsing and validating plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["PlanError", "PlanParseError", "PlanValidationError", "PlannedTask"]


class PlanError(ValueError):
    """Base class of everything that is wrong with a plan."""


class PlanParseError(PlanError):
    """The controller's output could not be read as a plan at all."""


class PlanValidationError(PlanError):
    """The plan was read but breaks one or more rules; `problems` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        """Keep every problem; the message joins them one per line."""
        self.problems = list(problems)
        super().__init__("invalid plan:\n" + "\n".join(f"- {p}" for p in self.problems))


@dataclass(frozen=True)
class PlannedTask:
    """One step of a plan: which task, which earlier steps it needs, and its arguments."""

    id: int
    task: str
    dep: tuple[int, ...] = ()
    args: dict[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the plan format of HuggingGPT (`dep` as a list, `[-1]` never used)."""
        return {"id": self.id, "task": self.task, "dep": list(self.dep), "args": dict(self.args)}
