"""Plan streaming through the graph: tasks start while the controller is still writing the plan.

Orderings are proved with events, never clocks: the streaming controller waits, before it sends
a chosen piece of the plan, for an event a task's engine sets when that task starts.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from langchain_hugginggpt import Catalog, Context, create_hugginggpt_graph
from langchain_hugginggpt.engines import EngineRequest
from langchain_hugginggpt.graph.session import find_session
from tests.unit_tests.fakes import (
    RecordingEngine,
    ScriptedChatModel,
    StreamingScriptedModel,
    cards,
    word_pieces,
)

GUARD_S = 10
"""Hang guard only: a wait that times out fails the test, it never decides an ordering."""

SUM = {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long report"}}
CLS = {"id": 2, "task": "text-classification", "dep": [], "args": {"text": "a short note"}}
TTS = {"id": 3, "task": "text-to-speech", "dep": [1], "args": {"text": "<GENERATED>-1"}}
ANSWER = "Done."


def plan(*tasks: dict[str, Any]) -> str:
    return json.dumps({"tasks": list(tasks)})


def before_task(text: str, number: int) -> int:
    """The index of the piece of `text` (as the fake streams it) that starts task `number`."""
    starts = [i for i, p in enumerate(word_pieces(text)) if p.lstrip("[").startswith('{"id":')]
    return starts[number - 1]


class Gate:
    """Before piece `index` of the first reply (the plan), waits for `event` and records it."""

    def __init__(self, index: int, event: threading.Event) -> None:
        self.index, self.event = index, event
        self.replies = 0
        self.order: list[str] = []

    def __call__(self, index: int, piece: str) -> None:
        if index == 0:
            self.replies += 1
        if self.replies == 1 and index == self.index:
            waited = self.event.wait(GUARD_S)
            self.order.append("task started" if waited else "timed out")
            self.order.append("piece sent")


def starts(event: threading.Event, order: list[str], name: str) -> Callable[[EngineRequest], None]:
    def action(request: EngineRequest) -> None:
        order.append(f"{name} started")
        event.set()

    return action


def catalog(*extra: Any) -> Catalog:
    return Catalog(
        cards=[
            *cards("summarization", "sum/only"),
            *cards("text-classification", "cls/only"),
            *cards("text-to-speech", "tts/only"),
            *extra,
        ]
    )


def graph(llm: Any, engine: RecordingEngine, tmp_path: Path, **settings: Any) -> Any:
    return create_hugginggpt_graph(
        llm,
        catalog=settings.pop("catalog", None) or catalog(),
        engines=[engine],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        planner="free",
        plan_demos=0,
        **settings,
    )


def run(g: Any, config: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict]]:
    events: list[dict[str, Any]] = []
    state: dict[str, Any] = {}
    for mode, chunk in g.stream(
        {"messages": [HumanMessage("summarise the report, classify the note, read it aloud")]},
        config,
        stream_mode=["custom", "values"],
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            state = chunk
    return state, events


def test_the_first_task_starts_before_the_last_task_is_written(tmp_path: Path) -> None:
    text = plan(SUM, CLS, TTS)
    started = threading.Event()
    gate = Gate(before_task(text, 3), started)
    engine = RecordingEngine(behaviour={"summarization": starts(started, gate.order, "sum")})
    llm = StreamingScriptedModel(script=[text, ANSWER], on_piece=gate)
    state, events = run(graph(llm, engine, tmp_path))
    assert gate.order == ["sum started", "task started", "piece sent"]
    assert {k: r["status"] for k, r in state["results"].items()} == {
        "1": "ok",
        "2": "ok",
        "3": "ok",
    }
    assert state["results"]["1"]["started_during_planning"] is True
    assert [e["id"] for e in events if e["event"] == "plan_task"] == [1, 2, 3]
    (streamed,) = [e for e in events if e["event"] == "plan_streamed"]
    assert streamed == {"event": "plan_streamed", "kept": [1, 2, 3], "rerun": [], "dropped": []}
    # The plan is still one controller call, and the answer another.
    assert len(llm.calls) == 2 and state["usage"]["total"]["llm_calls"] == 2
    assert find_session(state["run_id"]) is None  # the execute node took it


def test_a_task_invalid_on_its_own_is_not_started_until_the_plan_is_repaired(
    tmp_path: Path,
) -> None:
    # Task 3 uses task 1's output without depending on it: invalid on its own; the repair
    # adds the dependency when the plan ends.
    loose = {**TTS, "dep": []}
    text = plan(SUM, CLS, loose)
    plan_seen: list[str] = []
    engine = RecordingEngine(behaviour={"text-to-speech": lambda r: plan_seen.append("tts")})
    llm = StreamingScriptedModel(script=[text, ANSWER])
    state, events = run(graph(llm, engine, tmp_path))
    assert [e["id"] for e in events if e["event"] == "plan_task"] == [1, 2]
    kinds = [e["event"] for e in events]
    tts_start = next(i for i, e in enumerate(events) if e["event"] == "task" and e["task_id"] == 3)
    assert kinds.index("plan") < tts_start
    assert state["plan"][2]["dep"] == [1]
    assert state["results"]["3"]["status"] == "ok"
    assert "started_during_planning" not in state["results"]["3"]
    assert len(engine.calls_for("text-to-speech")) == 1


def test_a_started_task_the_repaired_plan_changes_runs_again(tmp_path: Path) -> None:
    unknown = {"id": 3, "task": "book-flight", "dep": [], "args": {"text": "to Paris"}}
    first = plan(SUM, CLS, unknown)
    revised = {**CLS, "args": {"text": "a short note, revised"}}
    second = plan(SUM, revised, TTS)
    cls_started = threading.Event()
    gate = Gate(before_task(first, 3), cls_started)
    engine = RecordingEngine(
        behaviour={"text-classification": starts(cls_started, gate.order, "cls")}
    )
    llm = StreamingScriptedModel(script=[first, second, ANSWER], on_piece=gate)
    state, events = run(graph(llm, engine, tmp_path))
    assert gate.order[:3] == ["cls started", "task started", "piece sent"]
    assert [c.inputs["text"] for c in engine.calls_for("text-classification")] == [
        "a short note",
        "a short note, revised",
    ]
    assert len(engine.calls_for("summarization")) == 1  # kept: ran once
    result = state["results"]["2"]
    assert "revised" in result["output"]["text"]
    assert "its first result was discarded and it ran again" in result["rerun"]
    assert state["results"]["1"]["started_during_planning"] is True
    (streamed,) = [e for e in events if e["event"] == "plan_streamed"]
    assert streamed["kept"] == [1] and streamed["rerun"] == [2]
    assert any(e["event"] == "plan_invalid" for e in events)


def test_a_plan_that_fails_drops_what_started(tmp_path: Path) -> None:
    unknown = {"id": 3, "task": "book-flight", "dep": [], "args": {"text": "to Paris"}}
    text = plan(SUM, CLS, unknown)
    started = threading.Event()
    gate = Gate(before_task(text, 3), started)
    engine = RecordingEngine(behaviour={"summarization": starts(started, gate.order, "sum")})
    llm = StreamingScriptedModel(script=[text], on_piece=gate)
    state, _ = run(graph(llm, engine, tmp_path, max_repairs=0))
    assert gate.order == ["sum started", "task started", "piece sent"]
    assert "could not turn the request into a valid plan" in state["error"]
    assert state["results"] == {}
    assert find_session(state["run_id"]) is None


def test_a_model_the_controller_chooses_waits_for_the_one_selection_call(tmp_path: Path) -> None:
    classify = {**CLS, "id": 1}
    summarise = {**SUM, "id": 2}
    text = plan(classify, summarise)
    select = json.dumps({"selections": [{"id": 2, "model": "sum/b", "reason": "news"}]})
    cls_started = threading.Event()
    gate = Gate(before_task(text, 2), cls_started)
    engine = RecordingEngine(
        behaviour={"text-classification": starts(cls_started, gate.order, "cls")}
    )
    llm = StreamingScriptedModel(script=[text, select, ANSWER], on_piece=gate)
    two_summarisers = Catalog(
        cards=[
            *cards("summarization", "sum/a", "sum/b"),
            *cards("text-classification", "cls/only"),
        ]
    )
    state, events = run(graph(llm, engine, tmp_path, catalog=two_summarisers))
    assert gate.order == ["cls started", "task started", "piece sent"]
    # plan, one selection call, answer: three, as without streaming.
    assert len(llm.calls) == 3
    assert state["usage"]["total"]["llm_calls"] == 3
    assert "Task 2: summarization" in str(llm.calls[1][0].content)
    assert "Task 1" not in str(llm.calls[1][0].content)
    waits = {e["id"]: e["waits_for_selection"] for e in events if e["event"] == "plan_task"}
    assert waits == {1: False, 2: True}
    assert state["selections"]["2"]["decided_by"] == "llm"
    assert state["results"]["2"]["model"] == "sum/b"
    assert "started_during_planning" not in state["results"]["2"]
    assert state["results"]["1"]["started_during_planning"] is True
    assert state["selections"]["1"]["decided_by"] == "only-candidate"


def test_nothing_streams_when_the_plan_is_to_be_approved(tmp_path: Path) -> None:
    engine = RecordingEngine()
    pieces: list[int] = []
    llm = StreamingScriptedModel(
        script=[plan(SUM, CLS), ANSWER], on_piece=lambda index, _: pieces.append(index)
    )
    g = graph(llm, engine, tmp_path, approve_plan=True, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    _, events = run(g, config)
    assert g.get_state(config).next == ("approve",)
    assert engine.calls == []
    assert not [e for e in events if e["event"] in ("plan_task", "plan_streamed")]
    assert pieces == []  # the plan call did not even stream
    final = g.invoke(Command(resume={"action": "approve"}), config)
    assert {k: r["status"] for k, r in final["results"].items()} == {"1": "ok", "2": "ok"}


def test_a_controller_that_cannot_stream_plans_as_before(tmp_path: Path) -> None:
    engine = RecordingEngine()
    llm = ScriptedChatModel(script=[plan(SUM, CLS, TTS), ANSWER])
    state, events = run(graph(llm, engine, tmp_path))
    assert not [e for e in events if e["event"] in ("plan_task", "plan_streamed")]
    plan_at = [e["event"] for e in events].index("plan")
    first_task = next(i for i, e in enumerate(events) if e["event"] == "task")
    assert plan_at < first_task
    assert all("started_during_planning" not in r for r in state["results"].values())
    assert {k: r["status"] for k, r in state["results"].items()} == {
        "1": "ok",
        "2": "ok",
        "3": "ok",
    }


def test_streaming_can_be_turned_off(tmp_path: Path) -> None:
    pieces: list[int] = []
    llm = StreamingScriptedModel(
        script=[plan(SUM, CLS), ANSWER], on_piece=lambda index, _: pieces.append(index)
    )
    state, events = run(graph(llm, RecordingEngine(), tmp_path, plan_streaming=False))
    assert not [e for e in events if e["event"] == "plan_task"]
    assert len(pieces) == len(word_pieces(ANSWER))  # only the answer streamed
    assert {k: r["status"] for k, r in state["results"].items()} == {"1": "ok", "2": "ok"}


def test_a_streamed_run_with_a_checkpointer_saves_its_results(tmp_path: Path) -> None:
    text = plan(SUM, CLS, TTS)
    started = threading.Event()
    gate = Gate(before_task(text, 3), started)
    engine = RecordingEngine(behaviour={"summarization": starts(started, gate.order, "sum")})
    llm = StreamingScriptedModel(script=[text, ANSWER], on_piece=gate)
    saver = InMemorySaver()
    g = graph(llm, engine, tmp_path, checkpointer=saver)
    config = {"configurable": {"thread_id": "durable"}}
    state, _ = run(g, config)
    assert gate.order == ["sum started", "task started", "piece sent"]
    assert state["results"]["1"]["started_during_planning"] is True
    # Each result was saved through the execute node's `save_result` task.
    saved = [
        saver.serde.loads_typed(value)
        for writes in saver.writes.values()
        for _, channel, value, *_ in writes.values()
        if channel == "__return__"
    ]
    assert sorted(v["task_id"] for v in saved if "task_id" in v) == [1, 2, 3]


def test_a_streamed_plan_runs_under_ainvoke(tmp_path: Path) -> None:
    text = plan(SUM, CLS, TTS)
    started = threading.Event()
    gate = Gate(before_task(text, 3), started)
    engine = RecordingEngine(behaviour={"summarization": starts(started, gate.order, "sum")})
    llm = StreamingScriptedModel(script=[text, ANSWER], on_piece=gate)
    g = graph(llm, engine, tmp_path)
    state = asyncio.run(g.ainvoke({"messages": [HumanMessage("summarise, classify, read")]}))
    assert gate.order == ["sum started", "task started", "piece sent"]
    assert {k: r["status"] for k, r in state["results"].items()} == {
        "1": "ok",
        "2": "ok",
        "3": "ok",
    }


def test_nothing_starts_when_the_run_stops_after_planning(tmp_path: Path) -> None:
    engine = RecordingEngine()
    llm = StreamingScriptedModel(script=[plan(SUM, CLS)])
    state, events = run(graph(llm, engine, tmp_path, plan_only=True))
    assert engine.calls == []
    assert not [e for e in events if e["event"] == "plan_task"]
    assert len(state["plan"]) == 2


def test_the_setting_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Context().plan_streaming is True
    monkeypatch.setenv("HUGGINGGPT_PLAN_STREAMING", "off")
    assert Context().plan_streaming is False
    assert Context(plan_streaming=True).plan_streaming is True
    monkeypatch.setenv("HUGGINGGPT_PLAN_STREAMING", "sometimes")
    with pytest.raises(ValueError, match="HUGGINGGPT_PLAN_STREAMING='sometimes'"):
        Context()
