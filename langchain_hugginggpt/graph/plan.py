"""The plan node: the controller turns the request into validated tasks, repairing on errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from langchain_hugginggpt.demos import Demo
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import Emit, emitter, stage_events
from langchain_hugginggpt.graph.guided import fill_open_args
from langchain_hugginggpt.graph.history import request_with_history
from langchain_hugginggpt.graph.llm import ask_json, embedded_controller
from langchain_hugginggpt.graph.services import Node, Services
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.plan import PlannedTask, PlanParseError, parse_plan, validate_plan
from langchain_hugginggpt.plan.repair import repair_plan
from langchain_hugginggpt.prompts import (
    PLAN_REPAIR,
    PLAN_SYSTEM,
    demo_plan_json,
    plan_schema,
    render_task_list,
)
from langchain_hugginggpt.tasks import TASKS

__all__ = ["make_plan_node", "request_text"]


def request_text(messages: Sequence[BaseMessage]) -> str:
    """Return the text of the last message, which must be the user's."""
    if not messages or not isinstance(messages[-1], HumanMessage):
        raise ValueError("the last message must be the user's request (a HumanMessage)")
    text = messages[-1].text.strip()
    if not text:
        raise ValueError("the user's request is empty")
    return text


def make_plan_node(services: Services) -> Node:
    """Build the plan node over the graph's services."""

    def plan(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = services.context(runtime)
        emit = emitter()
        meter = StageMeter()
        with stage_events(emit, "plan"), meter.timed():
            tasks, error = _plan(state, ctx, services, meter, emit)
        update: dict[str, Any] = {
            "plan": [t.to_dict() for t in tasks],
            "selections": {},
            "results": {},
            "usage": with_stage(None, "plan", meter.as_dict()),
            "error": error,
            "run_id": uuid.uuid4().hex[:12],
        }
        if error:
            update["messages"] = [AIMessage(content=error, name="hugginggpt")]
        else:
            emit({"event": "plan", "tasks": update["plan"]})
        return update

    return plan


def _plan(
    state: State,
    ctx: Context,
    services: Services,
    meter: StageMeter,
    emit: Emit,
) -> tuple[list[PlannedTask], str | None]:
    messages = state.get("messages", [])
    try:
        request = request_text(messages)
        llm = services.controllers.get(ctx.controller)
    except Exception as exc:  # noqa: BLE001 - the run ends with the reason, not a traceback
        return [], f"Cannot plan: {exc}"
    asked = request_with_history(request, messages, state.get("artifacts", []))
    # A follow-up is planned freely: the skeleton sees only the request, not earlier turns.
    if _guided(ctx, llm) and asked == request:
        tasks = _guided_plan(request, llm, ctx, services, meter, emit)
        if tasks is not None:
            return tasks, None
    listed = services.tasks.shortlist(request, ctx.plan_task_list) if ctx.plan_task_list else None
    prompt = _plan_messages(asked, services.demos.select(request, ctx.plan_demos), listed)
    schema = plan_schema()
    problems: list[str] = []
    for attempt in range(ctx.max_repairs + 1):
        try:
            decoded, raw = ask_json(llm, prompt, schema, [meter])
        except Exception as exc:  # noqa: BLE001 - the run ends with the reason, not a traceback
            return [], f"The controller failed while planning: {type(exc).__name__}: {exc}"
        try:
            tasks = parse_plan(
                decoded if decoded is not None else raw, max_tasks=ctx.max_plan_tasks
            )
        except PlanParseError as exc:
            tasks, problems = [], [str(exc)]
        else:
            if ctx.auto_repair:
                tasks, fixes = repair_plan(tasks, relevance=services.tasks.scores(request))
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
    attempts = ctx.max_repairs + 1
    bullets = "\n".join(f"- {p}" for p in problems)
    return [], (
        f"I could not turn the request into a valid plan after {attempts} "
        f"attempt{'s' if attempts > 1 else ''}. Problems with the last plan:\n{bullets}"
    )


def _guided(ctx: Context, llm: Any) -> bool:
    if ctx.planner != "auto":
        return ctx.planner == "guided"
    return embedded_controller(llm)


def _guided_plan(
    request: str, llm: Any, ctx: Context, services: Services, meter: StageMeter, emit: Emit
) -> list[PlannedTask] | None:
    """The guided plan, or None to plan freely (no step recognised, or it does not validate)."""
    try:
        skeleton = services.sketcher.sketch(request)
    except Exception as exc:  # noqa: BLE001 - free planning is the fallback
        emit({"event": "plan_guided", "status": "failed", "reason": f"{type(exc).__name__}: {exc}"})
        return None
    if not skeleton or len(skeleton) > ctx.max_plan_tasks:
        emit({"event": "plan_guided", "status": "no steps recognised"})
        return None
    tasks, problem = fill_open_args(llm, request, skeleton, [meter])
    if ctx.auto_repair:
        tasks, fixes = repair_plan(tasks, relevance=services.tasks.scores(request))
        if fixes:
            emit({"event": "plan_repaired", "attempt": 0, "fixes": fixes})
    problems = validate_plan(tasks)
    emit(
        {
            "event": "plan_guided",
            "status": "invalid" if problems else "ok",
            "steps": [t.step for t in skeleton if not t.inserted],
            "fill_problem": problem,
            "problems": problems,
        }
    )
    return None if problems else tasks


def _plan_messages(
    request: str, demos: Sequence[Demo], listed: Sequence[str] | None = None
) -> list[BaseMessage]:
    vocabulary = {name: TASKS[name] for name in listed} if listed else TASKS
    system = PLAN_SYSTEM.format(task_list=render_task_list(vocabulary))
    prompt: list[BaseMessage] = [SystemMessage(content=system)]
    for demo in demos:
        prompt.append(HumanMessage(content=demo.request))
        prompt.append(AIMessage(content=demo_plan_json(demo.tasks)))
    prompt.append(HumanMessage(content=request))
    return prompt
