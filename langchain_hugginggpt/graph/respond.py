"""The respond node: one controller call over a compact record of the run, media as blocks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.messages.content import create_text_block
from langgraph.runtime import Runtime

from langchain_hugginggpt.artifacts.blocks import media_block
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import emitter, stage_events
from langchain_hugginggpt.graph.history import turn_artifacts
from langchain_hugginggpt.graph.plan import request_text
from langchain_hugginggpt.graph.services import Node, Services
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.prompts import RESPOND_SYSTEM

__all__ = ["file_outputs", "make_respond_node", "run_record"]


def make_respond_node(services: Services) -> Node:
    """Build the respond node over the graph's services."""

    def respond(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = services.context(runtime)
        emit = emitter()
        meter = StageMeter()
        error = state.get("error")
        with stage_events(emit, "respond"), meter.timed():
            record = run_record(state, ctx.max_result_chars)
            prompt = SystemMessage(
                content=RESPOND_SYSTEM.format(
                    record=json.dumps(record, ensure_ascii=False, indent=1)
                )
            )
            try:
                llm = services.controllers.get(ctx.controller)
                request = HumanMessage(content=request_text(state.get("messages", [])))
                reply = llm.invoke([prompt, request], config={"callbacks": [meter]})
                text = reply.text.strip() or "(the controller returned an empty answer)"
            except Exception as exc:  # noqa: BLE001 - the run still ends with an answer
                error = f"the controller failed while answering: {type(exc).__name__}: {exc}"
                text = _plain_report(record, error)
        outputs = file_outputs(state.get("results"))
        if outputs:
            text += "\n\nFiles:\n" + "\n".join(f"- {o['path']}" for o in outputs)
        blocks = [b for b in map(media_block, outputs) if b is not None]
        message = AIMessage(
            content=[create_text_block(text), *blocks],  # type: ignore[list-item]
            name="hugginggpt",
        )
        messages = state.get("messages", [])
        turn = sum(1 for m in messages if isinstance(m, HumanMessage))
        return {
            "messages": [message],
            "artifacts": turn_artifacts(state.get("results", {}), state.get("plan", []), turn),
            "error": error,
            "usage": with_stage(state.get("usage"), "respond", meter.as_dict()),
        }

    return respond


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def run_record(state: State, max_chars: int) -> dict[str, Any]:
    """A compact record of the run for the controller: no candidates lists, long text cut."""
    selections = state.get("selections", {})
    results = state.get("results", {})
    tasks = []
    for task in state.get("plan", []):
        key = str(task["id"])
        sel = selections.get(key, {})
        res = results.get(key, {})
        entry: dict[str, Any] = {
            "id": task["id"],
            "task": task["task"],
            "dep": task["dep"],
            "args": {k: _truncate(v, max_chars) for k, v in task["args"].items()},
            "model": res.get("model") or sel.get("model"),
            "why_this_model": sel.get("reason"),
            "status": res.get("status", "not run"),
        }
        output = res.get("output")
        if output:
            entry["output"] = _truncate(output.get("text", ""), max_chars)
            if output.get("path"):
                entry["file"] = output["path"]
        if res.get("error"):
            entry["error"] = _truncate(res["error"], max_chars)
        tasks.append(entry)
    return {"tasks": tasks}


def _plain_report(record: Mapping[str, Any], error: str) -> str:
    lines = [f"I could not write the answer ({error}). What the tasks returned:"]
    for t in record["tasks"]:
        detail = t.get("output") or t.get("error") or ""
        lines.append(f"- task {t['id']} {t['task']} on {t['model']}: {t['status']}. {detail}")
    return "\n".join(lines)


def file_outputs(results: Mapping[str, Mapping[str, Any]] | None) -> list[TaskOutput]:
    """The outputs of the finished tasks that made a file (image, audio, video, table)."""
    return [
        res["output"]
        for res in (results or {}).values()
        if res.get("status") == "ok" and (res.get("output") or {}).get("path")
    ]
