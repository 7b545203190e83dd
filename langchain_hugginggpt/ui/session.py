"""One conversation with the graph, as a stream of UI updates (no web framework here)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import Command

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.graph.respond import file_outputs
from langchain_hugginggpt.planning.request import request_with_inputs

__all__ = ["Session", "Update"]


@dataclass
class Update:
    """What the page shows after an event: plan, task statuses, models, pause, answer, error."""

    plan: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)
    selections: dict[str, dict[str, Any]] = field(default_factory=dict)
    review: dict[str, Any] | None = None
    answer: str | None = None
    files: list[TaskOutput] = field(default_factory=list)
    error: str | None = None
    done: bool = False


class Session:
    """A thread of the graph (it must have a checkpointer): ask, then maybe decide, repeat."""

    def __init__(self, graph: Any, thread_id: str | None = None) -> None:
        """Talk to `graph` in thread `thread_id` (a new one by default)."""
        self.graph = graph
        self.config: dict[str, Any] = {"configurable": {"thread_id": thread_id or uuid.uuid4().hex}}
        self.view = Update()

    def ask(self, text: str, files: Sequence[str] = ()) -> Iterator[Update]:
        """Run a request (with uploaded files named by path); yield after each event."""
        if not text.strip() and not files:
            self.view.error = "Type a request first."
            yield self.view
            return
        request = request_with_inputs(
            text.strip() or "Describe this file.", [Path(f) for f in files]
        )
        self.view = Update()
        yield from self._run({"messages": [HumanMessage(content=request)]})

    def decide(self, decision: Any) -> Iterator[Update]:
        """Resume a run paused for plan approval with the user's decision."""
        self.view.review = None
        yield from self._run(Command(resume=decision))

    def _run(self, payload: Any) -> Iterator[Update]:
        view = self.view
        view.error, view.done = None, False
        try:
            for mode, chunk in self.graph.stream(
                payload, self.config, stream_mode=["custom", "values"]
            ):
                if mode == "custom" and isinstance(chunk, dict):
                    self._event(chunk)
                    yield view
                elif mode == "values" and isinstance(chunk, dict):
                    self._state(chunk)
            pending = self.graph.get_state(self.config).interrupts
            view.review = pending[0].value if pending else None
        except Exception as exc:  # noqa: BLE001 - shown in the page as a message, not a trace
            view.error = f"{type(exc).__name__}: {exc}"
        view.done = view.review is None
        yield view

    def _event(self, event: dict[str, Any]) -> None:
        view = self.view
        kind = event.get("event")
        if kind == "plan":
            view.plan = event["tasks"]
            view.statuses = {t["id"]: "pending" for t in view.plan}
        elif kind == "selection":
            view.selections[str(event["task_id"])] = event
        elif kind == "task":
            status = event.get("status")
            view.statuses[event["task_id"]] = "running" if status == "start" else str(status)

    def _state(self, state: dict[str, Any]) -> None:
        view = self.view
        if state.get("plan"):
            view.plan = state["plan"]
        for key, sel in (state.get("selections") or {}).items():
            view.selections[key] = {**sel, "candidates": [c["id"] for c in sel["candidates"]]}
        for key, result in (state.get("results") or {}).items():
            view.statuses[int(key)] = result["status"]
        view.files = file_outputs(state.get("results"))
        messages = state.get("messages") or []
        if messages and messages[-1].type == "ai":
            view.answer = messages[-1].text
        if state.get("error"):
            view.error = str(state["error"])
