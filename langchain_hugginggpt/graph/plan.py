"""The plan node: asks the planner (`langchain_hugginggpt.planning`) for the run's plan."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import emitter, stage_events
from langchain_hugginggpt.graph.services import Node, Services
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.plan.types import PlannedTask
from langchain_hugginggpt.planning.request import request_text

__all__ = ["make_plan_node"]


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
    state: State, ctx: Context, services: Services, meter: StageMeter, emit: Any
) -> tuple[list[PlannedTask], str | None]:
    messages = state.get("messages", [])
    try:
        request = request_text(messages)
        llm = services.controllers.get(ctx.controller)
    except Exception as exc:  # noqa: BLE001 - the run ends with the reason, not a traceback
        return [], f"Cannot plan: {exc}"
    return services.planner.plan(
        request,
        llm,
        ctx,
        messages=messages,
        artifacts=state.get("artifacts", []),
        callbacks=[meter],
        emit=emit,
    )
