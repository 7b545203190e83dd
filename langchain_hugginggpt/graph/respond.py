"""The respond node: one controller call over a compact record of the run, media as blocks.

The answer streams. A written answer's pieces are sent, as the controller makes them, on the
`custom` stream as `{"event": "answer_token", "text": piece}` and, because the call runs under
the node's own callbacks, on LangGraph's `messages` stream as `AIMessageChunk`s tagged
`langgraph_node == "respond"`. A composed ("facts") answer has no model call: it is sent whole
as one `answer_token` event, and reaches the `messages` stream as the node's returned
`AIMessage`. The pieces are the controller's raw text; the answer kept in the state is that text
cut where it repeats itself and bounded, with what code adds ("Not done:", "Files:") after it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.messages.content import create_text_block
from langchain_core.runnables.config import RunnableConfig, ensure_config, merge_configs
from langgraph.runtime import Runtime

from langchain_hugginggpt.artifacts.blocks import media_block
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.graph.answer import (
    bound_prose,
    caution_lines,
    compose_facts,
    failure_lines,
    output_caution,
)
from langchain_hugginggpt.graph.context import Context
from langchain_hugginggpt.graph.events import Emit, emitter, stage_events
from langchain_hugginggpt.graph.history import turn_artifacts
from langchain_hugginggpt.graph.llm import embedded_controller
from langchain_hugginggpt.graph.services import Node, Services
from langchain_hugginggpt.graph.state import State
from langchain_hugginggpt.graph.usage import StageMeter, with_stage
from langchain_hugginggpt.planning.request import request_text
from langchain_hugginggpt.prompts import RESPOND_SYSTEM

__all__ = ["file_outputs", "make_respond_node", "run_record"]


def make_respond_node(services: Services) -> Node:
    """Build the respond node over the graph's services."""

    def respond(state: State, *, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = services.context(runtime)
        emit = emitter()
        meter = StageMeter()
        error = state.get("error")
        plan = state.get("plan", [])
        results = state.get("results", {})
        with stage_events(emit, "respond"), meter.timed():
            try:
                llm = services.controllers.get(ctx.controller)
            except Exception as exc:  # noqa: BLE001 - the facts need no controller
                llm, error = None, f"the controller is not available: {exc}"
            if llm is None or (plan and _facts_only(ctx, llm)):
                text, kind = compose_facts(plan, results, max_chars=ctx.max_result_chars), "facts"
                emit({"event": "answer_token", "text": text})
            else:
                try:
                    text = _written(state, ctx, llm, meter, emit)
                    kind = "written"
                except Exception as exc:  # noqa: BLE001 - the run still ends with an answer
                    error = f"the controller failed while answering: {type(exc).__name__}: {exc}"
                    text = f"I could not write the answer ({error}).\n\n" + compose_facts(
                        plan, results, max_chars=ctx.max_result_chars
                    )
                    kind = "facts"
        if kind == "written":
            cautions = caution_lines(plan, results)
            if cautions:
                text += "\n\nCaution:\n" + "\n".join(f"- {line}" for line in cautions)
            failures = failure_lines(plan, results)
            if failures:
                text += "\n\nNot done:\n" + "\n".join(f"- {line}" for line in failures)
        outputs = file_outputs(results)
        if kind == "written" and outputs:
            text += "\n\nFiles:\n" + "\n".join(f"- {o['path']}" for o in outputs)
        blocks = [b for b in map(media_block, outputs) if b is not None]
        message = AIMessage(
            content=[create_text_block(text), *blocks],  # type: ignore[list-item]
            name="hugginggpt",
            response_metadata={"answer": kind},
        )
        messages = state.get("messages", [])
        turn = sum(1 for m in messages if isinstance(m, HumanMessage))
        return {
            "messages": [message],
            "artifacts": turn_artifacts(
                results, plan, turn, services.run_dir(state.get("run_id", ""))
            ),
            "error": error,
            "usage": with_stage(state.get("usage"), "respond", meter.as_dict()),
        }

    return respond


def _facts_only(ctx: Context, llm: BaseChatModel) -> bool:
    if ctx.answer_style != "auto":
        return ctx.answer_style == "facts"
    return embedded_controller(llm)


def _written(state: State, ctx: Context, llm: BaseChatModel, meter: StageMeter, emit: Emit) -> str:
    """The controller's answer over the run record, streamed, then repetition cut and bounded."""
    record = run_record(state, ctx.max_result_chars)
    prompt = SystemMessage(
        content=RESPOND_SYSTEM.format(record=json.dumps(record, ensure_ascii=False, indent=1))
    )
    request = HumanMessage(content=request_text(state.get("messages", [])))
    reply = _streamed(llm, [prompt, request], meter, emit)
    text = bound_prose(reply.strip(), ctx.max_answer_chars)
    return text or "(the controller returned an empty answer)"


def _streamed(llm: BaseChatModel, messages: list[Any], meter: StageMeter, emit: Emit) -> str:
    """The controller's reply, each piece sent on as an `answer_token` event as it comes.

    The call keeps the run's callbacks (so LangGraph's `messages` stream sees its pieces) and
    adds the stage meter. A model that cannot stream gives its whole reply as one piece; one
    that can report usage while streaming (a `stream_usage` setting) is asked to.
    """
    config: RunnableConfig = merge_configs(ensure_config(), {"callbacks": [meter]})
    options: dict[str, Any] = {"stream_usage": True} if _reports_usage(llm) else {}
    pieces: list[str] = []
    for chunk in llm.stream(messages, config=config, **options):
        piece = chunk.text
        if piece:
            pieces.append(piece)
            emit({"event": "answer_token", "text": piece})
    return "".join(pieces)


def _reports_usage(llm: BaseChatModel) -> bool:
    """Whether the model has a `stream_usage` setting (OpenAI-style models do)."""
    return "stream_usage" in type(llm).model_fields


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
            caution = output_caution(output)
            if caution:
                entry["caution"] = caution
        if res.get("error"):
            entry["error"] = _truncate(res["error"], max_chars)
        tasks.append(entry)
    return {"tasks": tasks}


def file_outputs(results: Mapping[str, Mapping[str, Any]] | None) -> list[TaskOutput]:
    """The outputs of the finished tasks that made a file (image, audio, video, table).

    Each file once, in task order.
    """
    outputs: dict[str, TaskOutput] = {}
    for _, res in sorted((results or {}).items(), key=lambda kv: int(kv[0])):
        output = res.get("output") or {}
        if res.get("status") == "ok" and output.get("path"):
            outputs.setdefault(output["path"], output)  # type: ignore[arg-type]
    return list(outputs.values())
