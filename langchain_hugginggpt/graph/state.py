"""The graph's state: the conversation and what each stage adds to it."""

from __future__ import annotations

import operator
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

__all__ = ["InputState", "State"]


class InputState(TypedDict):
    """What a caller passes in: the conversation, the last message being the request."""

    messages: Annotated[list[AnyMessage], add_messages]


class State(InputState, total=False):
    """Everything a run holds. Each stage writes its own keys; later stages only read them.

    - `plan`: the validated tasks, as `{"id", "task", "dep", "args"}` dicts.
    - `selections`: task id (string) -> `{"model", "engine", "reason", "decided_by", "candidates"}`.
    - `results`: task id (string) -> `{"status": "ok"|"error"|"skipped", "model", "engine",
      "output" or "error", "started_at", "ended_at", "seconds", "attempts"}`; with plan
      streaming, `"started_during_planning": true` on a task started while the plan was still
      being written, and `"rerun"` (why) on one run again because the validated plan changed it.
    - `usage`: stage name and `total` -> `{"llm_calls", "input_tokens", "output_tokens",
      "seconds"}` (the execute stage also has `engine_seconds`).
    - `error`: why the run stopped early, when it did.
    - `run_id`: names the folder holding this run's files.
    - `artifacts`: files made by every finished turn of the thread (`turn`, `task_id`, `task`,
      `type`, `path`), so a follow-up request can use them. Appended to, never replaced.
    """

    plan: list[dict[str, Any]]
    selections: dict[str, dict[str, Any]]
    results: dict[str, dict[str, Any]]
    usage: dict[str, dict[str, float]]
    error: str | None
    run_id: str
    artifacts: Annotated[list[dict[str, Any]], operator.add]
