"""The plan node: asks the planner (`langchain_hugginggpt.planning`) for the run's plan.

With a controller that streams (and `plan_streaming` on, plan approval off), the tasks are read
as the controller writes them and those ready to run start at once (`graph.session`).
"""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import Emit, emitter, stage_events
from langchain_hugginggpt.graph.execute import Jobs
from langchain_hugginggpt.graph.select import decide_alone
from langchain_hugginggpt.graph.services import Node, Services
from langchain_hugginggpt.graph.session import Session, open_session
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.planning.request import request_text
from langchain_hugginggpt.planning.stream import can_stream, with_stream_usage

__all__ = ["make_plan_node", "streams_plan"]


def make_plan_node(services: Services) -> Node:
    """Build the plan node over the graph's services."""

    def plan(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = services.context(runtime)
        emit = emitter()
        meter = StageMeter()
        run_id = uuid.uuid4().hex[:12]
        with stage_events(emit, "plan"), meter.timed():
            tasks, error = _plan(state, ctx, services, meter, emit, run_id)
        update: dict[str, Any] = {
            "plan": [t.to_dict() for t in tasks],
            "selections": {},
            "results": {},
            "usage": with_stage(None, "plan", meter.as_dict()),
            "error": error,
            "run_id": run_id,
        }
        if error:
            update["messages"] = [AIMessage(content=error, name="hugginggpt")]
        else:
            emit({"event": "plan", "tasks": update["plan"]})
        return update

    return plan


def streams_plan(ctx: Context, llm: BaseChatModel) -> bool:
    """Whether this run's tasks start while the plan is written (see `graph.session`).

    Only with `plan_streaming` on, nothing to approve or stop at first (`approve_plan`,
    `plan_only`), and a controller that streams.
    """
    return ctx.plan_streaming and not ctx.approve_plan and not ctx.plan_only and can_stream(llm)


def _plan(
    state: State, ctx: Context, services: Services, meter: StageMeter, emit: Emit, run_id: str
) -> tuple[list[PlannedTask], str | None]:
    messages = state.get("messages", [])
    try:
        request = request_text(messages)
        llm = services.controllers.get(ctx.controller)
    except Exception as exc:  # noqa: BLE001 - the run ends with the reason, not a traceback
        return [], f"Cannot plan: {exc}"
    session = None
    if streams_plan(ctx, llm):
        llm = with_stream_usage(llm)
        last = messages[-1].text if messages else ""
        session = Session(
            run_id,
            jobs=Jobs.of(services, ctx, messages, run_id),
            decide=lambda task: decide_alone(task.to_dict(), ctx, services, last),
            max_concurrency=ctx.max_concurrency,
            emit=emit,
        )
    try:
        tasks, error = services.planner.plan(
            request,
            llm,
            ctx,
            messages=messages,
            artifacts=state.get("artifacts", []),
            callbacks=[meter],
            emit=emit,
            on_task=session.offer if session is not None else None,
        )
    except BaseException:
        if session is not None:
            session.cancel()
        raise
    if session is not None:
        if tasks and not error and session.settle(tasks):
            open_session(session)
        else:
            session.cancel()
    return tasks, error
