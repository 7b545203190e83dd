"""Guided planning in the graph: the skeleton decides tasks and links, the controller the words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage

from langchain_hugginggpt import Catalog, Context, create_hugginggpt_graph
from langchain_hugginggpt.planning.guided import fill_open_args, fill_schema, rule_fill
from langchain_hugginggpt.planning.sketch import SketchedTask
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards


def sketched(task: str, open_args: list[str], step: str, **args: str) -> SketchedTask:
    return SketchedTask(
        id=1, task=task, dep=[], args=dict(args), open_args=open_args, step=step, score=1.0
    )


def test_fill_schema_admits_only_the_open_arguments() -> None:
    tasks = [
        sketched("translation", ["text", "target_language"], "translate x"),
        SketchedTask(2, "text-to-speech", [1], {"text": "<GENERATED>-1"}, [], "read it", 1.0),
    ]
    schema = fill_schema(tasks)
    (item,) = schema["properties"]["tasks"]["prefixItems"]
    assert item["properties"]["id"] == {"const": 1}
    assert item["properties"]["args"]["required"] == ["text", "target_language"]
    assert item["properties"]["args"]["additionalProperties"] is False
    assert schema["properties"]["tasks"]["minItems"] == 1


def test_controller_values_are_used() -> None:
    llm = ScriptedChatModel(
        script=[
            json.dumps(
                {"tasks": [{"id": 1, "args": {"text": "Hello", "target_language": "German"}}]}
            )
        ]
    )
    task = sketched("translation", ["text", "target_language"], 'translate "Hello" into German')
    (planned,), problem = fill_open_args(llm, 'translate "Hello" into German', [task], [])
    assert problem is None
    assert planned.args == {"text": "Hello", "target_language": "German"}
    prompt = llm.calls[0][-1].text
    assert '1. translation {"text": "?", "target_language": "?"}' in prompt


def test_echoed_placeholders_and_failures_fall_back_to_rules() -> None:
    request = 'Translate "Good morning" into Italian'
    task = sketched("translation", ["text", "target_language"], request)
    echo = ScriptedChatModel(
        script=[json.dumps({"tasks": [{"id": 1, "args": {"text": "?", "target_language": "?"}}]})]
    )
    (planned,), problem = fill_open_args(echo, request, [task], [])
    assert problem is None
    assert planned.args == {"text": "Good morning", "target_language": "Italian"}

    broken = ScriptedChatModel(script=[RuntimeError("model crashed")])
    (planned,), problem = fill_open_args(broken, request, [task], [])
    assert problem is not None and "model crashed" in problem
    assert planned.args == {"text": "Good morning", "target_language": "Italian"}


def test_no_open_arguments_needs_no_call() -> None:
    llm = ScriptedChatModel(script=[])
    task = sketched("automatic-speech-recognition", [], "transcribe a.wav", audio="a.wav")
    (planned,), problem = fill_open_args(llm, "transcribe a.wav", [task], [])
    assert planned.args == {"audio": "a.wav"} and problem is None and llm.calls == []


@pytest.mark.parametrize(
    ("name", "step", "value"),
    [
        ("target_language", "say it in japanese", "Japanese"),
        ("target_language", "translate it", "English"),
        ("text", 'classify "great movie" please', "great movie"),
        ("text2", 'compare "a b c" and "d e f"', "d e f"),
        ("labels", "pick one: sports, politics", "sports, politics"),
        ("question", "what colour is the car?", "what colour is the car?"),
    ],
)
def test_rule_fill(name: str, step: str, value: str) -> None:
    assert rule_fill(name, sketched("translation", [name], step), step) == value


def _graph(llm: Any, tmp_path: Path, **settings: Any) -> Any:
    catalog = Catalog(
        cards=[
            *cards("automatic-speech-recognition", "asr/only"),
            *cards("summarization", "sum/only"),
            *cards("text-to-speech", "tts/only"),
        ]
    )
    return create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        plan_only=True,
        **settings,
    )


def test_guided_planner_in_the_graph(tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[])  # every argument comes from the request: no call at all
    graph = _graph(llm, tmp_path, planner="guided")
    events: list[dict[str, Any]] = []
    state: dict[str, Any] = {}
    request = "Transcribe meeting.wav, summarise it and then read the summary aloud"
    for mode, chunk in graph.stream(
        {"messages": [HumanMessage(request)]}, stream_mode=["custom", "values"]
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            state = chunk
    assert [(t["task"], t["dep"]) for t in state["plan"]] == [
        ("automatic-speech-recognition", []),
        ("summarization", [1]),
        ("text-to-speech", [2]),
    ]
    assert llm.calls == []
    (guided,) = [e for e in events if e["event"] == "plan_guided"]
    assert guided["status"] == "ok"
    assert guided["steps"] == ["Transcribe meeting.wav", "summarise it", "read the summary aloud"]


def test_unrecognised_request_falls_back_to_free_planning(tmp_path: Path) -> None:
    def free_plan(messages: list[BaseMessage]) -> str:
        assert "planning stage" in str(messages[0].content)
        return json.dumps({"tasks": []})

    llm = ScriptedChatModel(script=[free_plan])
    graph = _graph(llm, tmp_path, planner="guided")
    graph.invoke({"messages": [HumanMessage("hm")]})
    assert len(llm.calls) == 1


def test_free_planner_never_sketches(tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[json.dumps({"tasks": []})])
    graph = _graph(llm, tmp_path, planner="free")
    graph.invoke({"messages": [HumanMessage("Transcribe meeting.wav and summarise it")]})
    assert "planning stage" in str(llm.calls[0][0].content)


def test_auto_is_free_for_a_chat_model_that_is_not_the_embedded_one(tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[json.dumps({"tasks": []})])
    _graph(llm, tmp_path).invoke({"messages": [HumanMessage("Transcribe meeting.wav")]})
    assert "planning stage" in str(llm.calls[0][0].content)


def test_planner_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="planner must be auto, free or guided"):
        Context(planner="magic")
