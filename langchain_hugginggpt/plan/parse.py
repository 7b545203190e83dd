"""Tolerant reading of a controller's output into `PlannedTask`s.

Models wrap JSON in code fences, put prose around it, use Python quoting, trailing commas, string
ids, `dep: [-1]` and assorted spellings of `<GENERATED>-k`. Plans in the field's other canonical
formats are read as written (`formats`): JARVIS's ids from 0, TaskBench's `task_nodes`, and
LLMCompiler's numbered calls with `$k`. All of that is accepted here; whether the plan makes
sense is `validate`'s job.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from langchain_hugginggpt.jsontext import JSONNotFoundError, extract_json
from langchain_hugginggpt.plan.formats import (
    dollar_reference,
    llmcompiler_items,
    taskbench_items,
    zero_based,
)
from langchain_hugginggpt.plan.references import normalize_references
from langchain_hugginggpt.plan.types import PlannedTask, PlanParseError
from langchain_hugginggpt.tasks import TASKS

__all__ = ["MAX_PLAN_CHARS", "MAX_PLAN_TASKS", "parse_plan"]

MAX_PLAN_CHARS = 100_000
MAX_PLAN_TASKS = 64
_INT_RE = re.compile(r"-?\d{1,9}")


def parse_plan(
    output: str | list[Any] | Mapping[str, Any] | None, *, max_tasks: int = MAX_PLAN_TASKS
) -> list[PlannedTask]:
    """Read a plan from a controller's output.

    Args:
        output: the model's text, or JSON already decoded (a list of tasks, or an object with a
            `tasks` list, as structured output returns).
        max_tasks: more tasks than this is an error (a runaway or hostile plan); the text may
            be up to `max(MAX_PLAN_CHARS, 400 * max_tasks)` characters.

    Returns:
        The tasks in the order given. An empty list means the controller planned no task.

    Raises:
        PlanParseError: nothing in `output` reads as a list of tasks; the message says why.
    """
    limit = max(MAX_PLAN_CHARS, 400 * max_tasks)
    data = _decode(output, limit) if isinstance(output, str) or output is None else output
    items = _task_items(data)
    items = zero_based(items) or items
    if len(items) > max_tasks:
        raise PlanParseError(f"the plan has {len(items)} tasks; at most {max_tasks} are allowed")
    return [_coerce_task(i, item) for i, item in enumerate(items)]


def _decode(text: str | None, limit: int) -> Any:
    if text is None or not text.strip():
        raise PlanParseError("the controller returned no text; expected a JSON list of tasks")
    calls = llmcompiler_items(text[:limit])
    if calls is not None:
        return calls
    try:
        return extract_json(text, limit)
    except JSONNotFoundError as exc:
        raise PlanParseError(f"cannot read a plan from the controller's output: {exc}") from None


def _task_items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        if isinstance(data.get("task_nodes"), list):
            return taskbench_items(data)
        for key in ("tasks", "plan", "steps"):
            if isinstance(data.get(key), list):
                return list(data[key])
        if "task" in data:
            return [data]
    raise PlanParseError(
        f"expected a list of tasks, got {type(data).__name__}; "
        'write [{"id": 1, "task": ..., "dep": [-1], "args": {...}}]'
    )


def _coerce_task(index: int, item: Any) -> PlannedTask:
    where = f"step {index + 1} of the plan"
    if not isinstance(item, Mapping):
        raise PlanParseError(
            f"{where} is {type(item).__name__}, not an object with id/task/dep/args"
        )
    task_id = _coerce_id(item.get("id", index + 1), where)
    name = item.get("task")
    if not isinstance(name, str) or not name.strip():
        raise PlanParseError(f"{where} (id {task_id}) has no task name")
    task = re.sub(r"[\s_]+", "-", name.strip().lower())
    dep = _coerce_dep(item.get("dep", item.get("deps", [])), f"{where} (id {task_id})")
    args = _coerce_args(task, item.get("args", {}), f"{where} (id {task_id})")
    return PlannedTask(id=task_id, task=task, dep=dep, args=args)


def _coerce_id(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise PlanParseError(f"{where} has id {value!r}; ids are integers")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value.strip())
    raise PlanParseError(f"{where} has id {value!r}; ids are integers")


def _coerce_dep(value: Any, where: str) -> tuple[int, ...]:
    if value is None:
        return ()
    raw: list[Any]
    if isinstance(value, str):
        raw = _INT_RE.findall(value)
    elif isinstance(value, (list, tuple)):
        raw = list(value)
    else:
        raw = [value]
    deps: list[int] = []
    for entry in raw:
        dep = _coerce_id(entry, f"{where}, dependency")
        if dep != -1 and dep not in deps:
            deps.append(dep)
    return tuple(deps)


def _coerce_args(task: str, value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        value = {"text": value}
    if not isinstance(value, Mapping):
        raise PlanParseError(f"{where} has args of type {type(value).__name__}; args is an object")
    spec = TASKS.get(task)
    args: dict[str, str] = {}
    for key, raw in value.items():
        name = str(key).strip()
        arg = spec.arg(name) if spec else None
        name = arg.name if arg else name
        if name not in args:
            text = _as_text(raw)
            args[name] = dollar_reference(text) or normalize_references(text)
    return args


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
