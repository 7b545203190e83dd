"""TaskBench's Hugging Face requests as planning items, and TaskBench's own scores.

TaskBench (Shen et al., 2023) names tools in words ("Image-to-Text", "Automatic Speech
Recognition"); the project's task types are the same words, lower case and hyphenated
(`image-to-text`, `automatic-speech-recognition`). Its gold plans list nodes with positional
arguments, where `<node-j>` is node j's output, and links between tool names.

TaskBench scores a planner by node F1 over the set of tool names of each request and edge F1
over the set of (source, target) name pairs of chain and DAG requests, both micro-averaged:
true and false positives and negatives are summed over the requests before one F1 is taken.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from langchain_hugginggpt.plan.formats import taskbench_items
from langchain_hugginggpt.tasks import TASKS

__all__ = ["TASKBENCH_DEV", "load_taskbench", "micro_scores", "task_type", "tool_name"]

TASKBENCH_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "taskbench-hf-dev.jsonl"


def task_type(tool: str) -> str:
    """The project's task type for a TaskBench tool name, by its words."""
    return "-".join(tool.strip().lower().split())


def tool_name(task: str) -> str:
    """The TaskBench-style name of a task type (for reports)."""
    return " ".join(w.capitalize() for w in task.split("-"))


def load_taskbench(path: str | Path = TASKBENCH_DEV) -> list[dict[str, Any]]:
    """TaskBench rows as planning items: `id`, `shape`, `request` and the gold `plan`.

    The gold plan is read as the planner reads TaskBench's own format (`plan.formats`):
    positional arguments named in the task's order, `<node-j>` becoming `<GENERATED>-(j+1)`,
    `dep` from the references and the links.
    """
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        plan = taskbench_items({"task_nodes": row["nodes"], "task_links": row["links"]})
        unknown = sorted({t["task"] for t in plan} - set(TASKS))
        if unknown:
            raise ValueError(f"TaskBench row {row['id']} names unknown task types: {unknown}")
        plan = [t | {"args": {k: str(v) for k, v in t["args"].items()}} for t in plan]
        items.append(
            {"id": row["id"], "shape": row["type"], "request": row["request"], "plan": plan}
        )
    return items


def _names(plan: Iterable[dict[str, Any]]) -> set[str]:
    return {t["task"] for t in plan}


def _links(plan: list[dict[str, Any]]) -> set[tuple[str, str]]:
    names = {int(t["id"]): t["task"] for t in plan}
    return {(names.get(int(d), "?"), t["task"]) for t in plan for d in t.get("dep", [])}


def _f1(tp: int, fp: int, fn: int) -> float:
    return round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0


def micro_scores(rows: list[dict[str, Any]]) -> dict[str, float]:
    """TaskBench's node and edge F1 over `rows` (each with `plan`, `gold` and `shape`)."""
    counts = {"node": [0, 0, 0], "edge": [0, 0, 0]}
    for row in rows:
        pairs = [("node", _names(row["plan"]), _names(row["gold"]))]
        if row["shape"] != "single":
            pairs.append(("edge", _links(row["plan"]), _links(row["gold"])))
        for key, predicted, gold in pairs:
            counts[key][0] += len(predicted & gold)
            counts[key][1] += len(predicted - gold)
            counts[key][2] += len(gold - predicted)
    return {
        "node_f1_micro": _f1(*counts["node"]),
        "edge_f1_micro": _f1(*counts["edge"]),
    }
