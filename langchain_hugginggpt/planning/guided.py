"""Guided planning: the skeleton fixes tasks and links; the controller only fills in the words.

For a small controller, choosing task types is the hard part and copying text is the easy part.
So the skeleton (`planning/sketch.py`) decides the tasks and their links, and the controller
is asked, under a JSON schema that admits nothing else, for the open arguments only: the text
to work on, a question, labels, a target language. If it fails, the words come from the request
by rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_hugginggpt.graph.llm import ask_json
from langchain_hugginggpt.plan import validate_plan
from langchain_hugginggpt.plan.repair import repair_plan
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.planning.prompts import FILL_SYSTEM
from langchain_hugginggpt.planning.sketch import TARGET_LANGUAGE_RE, SketchedTask, Sketcher

__all__ = ["fill_open_args", "fill_schema", "guided_plan", "rule_fill"]

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|'([^']{6,})'")
_MAX_VALUE = 2000
# Tokens for the fill answer: the JSON around the values, and each open value. A value is a
# phrase drawn from the request; a small model that starts repeating itself is cut off here
# (the rule fill stands in) instead of writing its whole token budget twice.
_FILL_TOKENS = 48
_ARG_TOKENS = 96


def fill_schema(tasks: Sequence[SketchedTask]) -> dict[str, Any]:
    """A schema admitting exactly the open arguments of each task with any, in order."""
    items = [
        {
            "type": "object",
            "properties": {
                "id": {"const": t.id},
                "args": {
                    "type": "object",
                    "properties": {a: {"type": "string"} for a in t.open_args},
                    "required": list(t.open_args),
                    "additionalProperties": False,
                },
            },
            "required": ["id", "args"],
            "additionalProperties": False,
        }
        for t in tasks
        if t.open_args
    ]
    return {
        "title": "arguments",
        "type": "object",
        "properties": {
            "tasks": {
                "type": "array",
                "prefixItems": items,
                "minItems": len(items),
                "maxItems": len(items),
            }
        },
        "required": ["tasks"],
    }


def _show(tasks: Sequence[SketchedTask]) -> str:
    lines = []
    for t in tasks:
        args = {**t.args, **dict.fromkeys(t.open_args, "?")}
        lines.append(f"{t.id}. {t.task} {json.dumps(args, ensure_ascii=False)}  (step: {t.step})")
    return "\n".join(lines)


def fill_open_args(
    llm: BaseChatModel,
    request: str,
    tasks: Sequence[SketchedTask],
    callbacks: list[BaseCallbackHandler],
) -> tuple[list[PlannedTask], str | None]:
    """The plan with open arguments filled by the controller; rule-filled where it fails.

    Returns:
        The tasks, and why the controller's answer was not used (None when it was).
    """
    if not any(t.open_args for t in tasks):
        return [t.planned() for t in tasks], None
    messages = [
        SystemMessage(content=FILL_SYSTEM),
        HumanMessage(content=f"Request: {request}\n\nPlan:\n{_show(tasks)}"),
    ]
    problem: str | None = None
    values: dict[int, dict[str, str]] = {}
    try:
        budget = _FILL_TOKENS + _ARG_TOKENS * sum(len(t.open_args) for t in tasks)
        decoded, raw = ask_json(llm, messages, fill_schema(tasks), callbacks, max_tokens=budget)
        answer = decoded if decoded is not None else json.loads(raw)
        for item in answer.get("tasks", []):
            args = item.get("args") or {}
            values[int(item["id"])] = {
                k: str(v)[:_MAX_VALUE] for k, v in args.items() if isinstance(v, str | int | float)
            }
    except Exception as exc:  # noqa: BLE001 - the rule fill stands in
        problem = f"the controller could not fill the arguments ({type(exc).__name__}: {exc})"
    planned = []
    for t in tasks:
        args = dict(t.args)
        given = values.get(t.id, {})
        for name in t.open_args:
            value = given.get(name, "").strip()
            # A small model may echo the placeholder back.
            args[name] = value if value.strip("?_ .") else rule_fill(name, t, request)
        planned.append(PlannedTask(id=t.id, task=t.task, dep=tuple(t.dep), args=args))
    return planned, problem


def rule_fill(name: str, task: SketchedTask, request: str) -> str:
    """An argument's words from the request by rule: quotes, a target language, the step."""
    if name == "target_language":
        match = TARGET_LANGUAGE_RE.search(task.step) or TARGET_LANGUAGE_RE.search(request)
        return match.group(1).capitalize() if match else "English"
    quotes = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(task.step)]
    if name in ("text", "context") and quotes:
        return quotes[0]
    if name == "text2" and len(quotes) > 1:
        return quotes[1]
    if ":" in task.step and name in ("text", "context", "labels"):
        return task.step.split(":", 1)[1].strip().strip("\"'")
    return task.step


def guided_plan(
    llm: BaseChatModel,
    request: str,
    *,
    sketcher: Sketcher,
    asked: str,
    max_tasks: int,
    auto_repair: bool,
    relevance: Mapping[str, float],
    callbacks: list[BaseCallbackHandler],
    emit: Callable[[dict[str, Any]], None],
) -> list[PlannedTask] | None:
    """The guided plan, or None to plan freely (no step recognised, or it does not validate).

    `request` is what the skeleton is built from (with the files of earlier turns for a
    follow-up); `asked` is what the controller sees when it fills in the words (with the
    earlier turns themselves).
    """
    try:
        skeleton = sketcher.sketch(request)
    except Exception as exc:  # noqa: BLE001 - free planning is the fallback
        emit({"event": "plan_guided", "status": "failed", "reason": f"{type(exc).__name__}: {exc}"})
        return None
    if not skeleton or len(skeleton) > max_tasks:
        emit({"event": "plan_guided", "status": "no steps recognised"})
        return None
    tasks, problem = fill_open_args(llm, asked, skeleton, callbacks)
    if auto_repair:
        tasks, fixes = repair_plan(tasks, relevance=relevance)
        if fixes:
            emit({"event": "plan_repaired", "attempt": 0, "fixes": fixes})
    problems = validate_plan(tasks)
    emit(
        {
            "event": "plan_guided",
            "status": "invalid" if problems else "ok",
            "steps": [t.step for t in skeleton if not t.inserted],
            "scorer": sketcher.scorer,
            "fill_problem": problem,
            "problems": problems,
        }
    )
    return None if problems else tasks
