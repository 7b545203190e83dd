"""Plans for the scheduling benchmarks: layered random DAGs of text tasks."""

from __future__ import annotations

import random
from typing import Any

__all__ = ["layered_plan", "longest_path"]


def layered_plan(width: int, depth: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """`depth` layers of `width` summarization tasks; each task after the first layer uses the
    outputs of one or two random tasks of the layer before (so the graph is `depth` deep)."""
    rng = random.Random(seed)
    plan: list[dict[str, Any]] = []
    previous: list[int] = []
    for _ in range(depth):
        layer = []
        for _ in range(width):
            task_id = len(plan) + 1
            deps = sorted(rng.sample(previous, min(len(previous), rng.choice((1, 2)))))
            refs = " ".join(f"<GENERATED>-{d}" for d in deps)
            text = f"task-{task_id}" + (f" <- {refs}" if refs else "")
            plan.append(
                {"id": task_id, "task": "summarization", "dep": deps, "args": {"text": text}}
            )
            layer.append(task_id)
        previous = layer
    return plan


def longest_path(plan: list[dict[str, Any]], seconds: dict[str, float]) -> float:
    """The critical path: the longest chain of task durations through the dependencies."""
    finish: dict[int, float] = {}
    for task in plan:  # dependencies come first
        start = max((finish[d] for d in task["dep"]), default=0.0)
        finish[task["id"]] = start + seconds[f"task-{task['id']}"]
    return max(finish.values(), default=0.0)
