"""The typed plan: one `PlannedTask` per step, and the errors of parsing and validating plans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PlanError", "PlanParseError", "PlanValidationError", "PlannedTask", "chain_depths"]


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


def chain_depths(plan: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """Each task's place in its longest dependency chain (1 for a task without `dep`).

    `plan` is in the form kept in the state (`{"id", "dep", ...}` dicts), validated, so every
    dependency comes before its dependents.
    """
    depth: dict[int, int] = {}
    for task in plan:
        depth[task["id"]] = 1 + max((depth[d] for d in task["dep"]), default=0)
    return depth
