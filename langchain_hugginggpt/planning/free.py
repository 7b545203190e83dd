"""Free planning: the controller writes the whole plan, repaired and validated, retried on errors.

The prompt lists the task types and a few worked plans retrieved for the request; the answer is
decoded under the plan's JSON schema where the model supports it. Mechanical mistakes are fixed
from the task types (`plan.repair`); what remains goes back to the controller with the exact
problems, up to `max_repairs` times.

With `on_task`, the first answer is also read while it is written (`planning.stream`): each task
valid on its own goes to `on_task` at once, and the whole plan is still parsed, repaired and
validated when the answer ends, exactly as without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from langchain_hugginggpt.graph.llm import ask_json
from langchain_hugginggpt.plan import PlannedTask, PlanParseError, parse_plan, validate_plan
from langchain_hugginggpt.plan.repair import repair_plan
from langchain_hugginggpt.planning.demos import Demo
from langchain_hugginggpt.planning.prompts import (
    PLAN_REPAIR,
    PLAN_SYSTEM,
    demo_plan_json,
    plan_schema,
    render_task_list,
)
from langchain_hugginggpt.planning.stream import OnTask, PlanTap
from langchain_hugginggpt.tasks import TASKS

__all__ = ["free_plan", "plan_messages"]


def free_plan(
    llm: BaseChatModel,
    prompt: list[BaseMessage],
    *,
    max_repairs: int,
    max_tasks: int,
    auto_repair: bool,
    relevance: dict[str, float],
    callbacks: list[BaseCallbackHandler],
    emit: Callable[[dict[str, Any]], None],
    on_task: OnTask | None = None,
) -> tuple[list[PlannedTask], str | None]:
    """The controller's plan for `prompt`, or no tasks and why none could be had.

    `on_task` receives each task of the first answer as soon as it is written and valid on its
    own (plan streaming); the plan returned is the validated whole, whatever was streamed.
    """
    schema = plan_schema()
    problems: list[str] = []
    for attempt in range(max_repairs + 1):
        tap = [PlanTap(on_task, max_tasks=max_tasks)] if on_task and attempt == 0 else []
        try:
            decoded, raw = ask_json(llm, prompt, schema, [*callbacks, *tap])
        except Exception as exc:  # noqa: BLE001 - the run ends with the reason, not a traceback
            return [], f"The controller failed while planning: {type(exc).__name__}: {exc}"
        try:
            tasks = parse_plan(decoded if decoded is not None else raw, max_tasks=max_tasks)
        except PlanParseError as exc:
            tasks, problems = [], [str(exc)]
        else:
            if auto_repair:
                tasks, fixes = repair_plan(tasks, relevance=relevance)
                if fixes:
                    emit({"event": "plan_repaired", "attempt": attempt + 1, "fixes": fixes})
            problems = validate_plan(tasks)
        if not problems:
            return tasks, None
        emit({"event": "plan_invalid", "attempt": attempt + 1, "problems": problems})
        shown = raw if raw.strip() else json.dumps(decoded)
        prompt = [
            *prompt,
            AIMessage(content=shown),
            HumanMessage(
                content=PLAN_REPAIR.format(problems="\n".join(f"- {p}" for p in problems))
            ),
        ]
    attempts = max_repairs + 1
    bullets = "\n".join(f"- {p}" for p in problems)
    return [], (
        f"I could not turn the request into a valid plan after {attempts} "
        f"attempt{'s' if attempts > 1 else ''}. Problems with the last plan:\n{bullets}"
    )


def plan_messages(
    request: str, demos: Sequence[Demo], listed: Sequence[str] | None = None
) -> list[BaseMessage]:
    """The free planner's prompt: task types (all, or those `listed`), worked plans, request."""
    vocabulary = {name: TASKS[name] for name in listed} if listed else TASKS
    system = PLAN_SYSTEM.format(task_list=render_task_list(vocabulary))
    prompt: list[BaseMessage] = [SystemMessage(content=system)]
    for demo in demos:
        prompt.append(HumanMessage(content=demo.request))
        prompt.append(AIMessage(content=demo_plan_json(demo.tasks)))
    prompt.append(HumanMessage(content=request))
    return prompt
