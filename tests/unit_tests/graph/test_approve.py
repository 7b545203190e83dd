"""Plan approval: the graph pauses after selection; the user approves, edits or cancels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long report"}},
            {"id": 2, "task": "text-to-speech", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        ]
    }
)
SELECT = json.dumps({"selections": [{"id": 2, "model": "tts/b", "reason": "warm voice"}]})
ANSWER = "Here it is."
CONFIG = {"configurable": {"thread_id": "t"}}


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


def build(engine: RecordingEngine, tmp_path: Path, script: list[Any], **settings: Any) -> Any:
    catalog = Catalog(
        cards=[
            *cards("summarization", "sum/only"),
            *cards("text-to-speech", "tts/a", "tts/b", "tts/c"),
            *cards("translation", "tr/a", "tr/b"),
        ]
    )
    llm = ScriptedChatModel(script=script)
    settings.setdefault("approve_plan", True)
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[engine],
        checkpointer=InMemorySaver(),
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        **settings,
    )
    return graph


def start(graph: Any) -> dict[str, Any]:
    state = graph.invoke({"messages": [HumanMessage(content="summarise and read it")]}, CONFIG)
    (pending,) = state["__interrupt__"]
    value: dict[str, Any] = pending.value
    return value


def resume(graph: Any, decision: Any) -> dict[str, Any]:
    state: dict[str, Any] = graph.invoke(Command(resume=decision), CONFIG)
    return state


def test_review_shows_plan_models_candidates_and_estimate(
    engine: RecordingEngine, tmp_path: Path
) -> None:
    graph = build(engine, tmp_path, [PLAN, SELECT, ANSWER])
    review = start(graph)
    assert engine.calls == []  # nothing ran before approval
    assert review["kind"] == "plan_approval"
    assert [(t["id"], t["task"], t["model"]) for t in review["tasks"]] == [
        (1, "summarization", "sum/only"),
        (2, "text-to-speech", "tts/b"),
    ]
    assert review["tasks"][1]["reason"] == "warm voice"
    assert review["tasks"][1]["candidates"] == ["tts/b", "tts/a", "tts/c"]
    assert review["estimate"]["tasks"] == 2
    assert review["estimate"]["longest_chain"] == 2
    assert review["estimate"]["llm_calls"] == 1  # only the answer is left
    assert review["estimate"]["models"] == ["sum/only", "tts/b"]
    assert "problems" not in review

    state = resume(graph, {"action": "approve"})
    assert [c.model for c in engine.calls] == ["sum/only", "tts/b"]
    assert state["messages"][-1].text.startswith(ANSWER)
    assert not state.get("error")


def test_cancel_runs_nothing(engine: RecordingEngine, tmp_path: Path) -> None:
    graph = build(engine, tmp_path, [PLAN, SELECT])
    start(graph)
    state = resume(graph, "cancel")
    assert engine.calls == []
    assert "cancelled" in state["error"]
    assert "cancelled" in state["messages"][-1].text
    assert state["results"] == {}


def test_edit_models_runs_the_users_choice(engine: RecordingEngine, tmp_path: Path) -> None:
    graph = build(engine, tmp_path, [PLAN, SELECT, ANSWER])
    start(graph)
    state = resume(graph, {"action": "edit", "models": {"2": "tts/c"}})
    assert [c.model for c in engine.calls] == ["sum/only", "tts/c"]
    sel = state["selections"]["2"]
    assert sel["decided_by"] == "user"
    assert [c["id"] for c in sel["candidates"]] == ["tts/c", "tts/b", "tts/a"]


def test_a_model_that_is_not_a_candidate_is_refused_and_asked_again(
    engine: RecordingEngine, tmp_path: Path
) -> None:
    graph = build(engine, tmp_path, [PLAN, SELECT, ANSWER])
    start(graph)
    state = resume(graph, {"action": "edit", "models": {"2": "tr/a", "9": "tts/a"}})
    (pending,) = state["__interrupt__"]
    problems = pending.value["problems"]
    assert any("'tr/a' is not a text-to-speech model" in p for p in problems)
    assert any("no task 9" in p for p in problems)
    assert engine.calls == []
    state = resume(graph, "approve")
    assert [c.model for c in engine.calls] == ["sum/only", "tts/b"]


def test_edit_plan_reselects_and_asks_again(engine: RecordingEngine, tmp_path: Path) -> None:
    select_again = json.dumps({"selections": [{"id": 1, "model": "tr/b", "reason": "better"}]})
    graph = build(engine, tmp_path, [PLAN, SELECT, select_again, ANSWER])
    start(graph)
    new_plan = [{"id": 1, "task": "translation", "dep": [], "args": {"text": "hello"}}]
    state = resume(graph, {"action": "edit", "plan": new_plan})
    (pending,) = state["__interrupt__"]
    assert [(t["task"], t["model"]) for t in pending.value["tasks"]] == [("translation", "tr/b")]
    state = resume(graph, {"action": "approve"})
    assert [c.model for c in engine.calls] == ["tr/b"]
    assert list(state["results"]) == ["1"]


@pytest.mark.parametrize(
    ("decision", "problem"),
    [
        (42, "must be an object with an action"),
        ({"action": "maybe"}, "unknown action 'maybe'"),
        ({"action": "edit"}, "an edit needs `plan`"),
        ({"action": "edit", "plan": [], "models": {"1": "x"}}, "not both"),
        ({"action": "edit", "plan": []}, "has no tasks"),
        ({"action": "edit", "plan": [{"id": 1, "task": "no-such-task"}]}, "edited plan:"),
        ({"action": "edit", "plan": "not json"}, "cannot be read"),
        ({"action": "edit", "models": ["tts/a"]}, "must map task ids"),
    ],
)
def test_bad_decisions_are_explained_and_asked_again(
    engine: RecordingEngine, tmp_path: Path, decision: Any, problem: str
) -> None:
    graph = build(engine, tmp_path, [PLAN, SELECT, ANSWER])
    start(graph)
    state = resume(graph, decision)
    (pending,) = state["__interrupt__"]
    assert any(problem in p for p in pending.value["problems"]), pending.value["problems"]
    assert engine.calls == []
    resume(graph, "approve")
    assert len(engine.calls) == 2


def test_without_approval_nothing_pauses(engine: RecordingEngine, tmp_path: Path) -> None:
    graph = build(engine, tmp_path, [PLAN, SELECT, ANSWER], approve_plan=False)
    state = graph.invoke({"messages": [HumanMessage(content="summarise and read it")]}, CONFIG)
    assert "__interrupt__" not in state
    assert len(engine.calls) == 2


def test_approval_without_a_checkpointer_stops_with_a_reason(
    engine: RecordingEngine, tmp_path: Path
) -> None:
    catalog = Catalog(cards=[*cards("summarization", "sum/only"), *cards("text-to-speech", "t")])
    graph = create_hugginggpt_graph(
        ScriptedChatModel(script=[PLAN]),
        catalog=catalog,
        engines=[engine],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        approve_plan=True,
    )
    state = graph.invoke({"messages": [HumanMessage(content="summarise and read it")]})
    assert "__interrupt__" not in state
    assert "needs a checkpointer" in state["error"]
    assert engine.calls == []
