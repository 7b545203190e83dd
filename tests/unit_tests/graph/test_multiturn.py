"""Multi-turn: a follow-up in the same thread sees earlier answers and can use earlier files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.planning.history import earlier_turns, request_with_history
from tests.unit_tests.engines.tiny_models import write_wav
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

CONFIG = {"configurable": {"thread_id": "chat"}}
FIRST_ANSWER = "The photo shows a dog. It is running on a beach."


def plan(*tasks: dict[str, Any]) -> str:
    return json.dumps({"tasks": list(tasks)})


def test_follow_up_uses_earlier_answer_and_files(tmp_path: Path) -> None:
    write_wav(tmp_path / "voice.wav", seconds=0.2)
    engine = RecordingEngine(
        media={"text-to-speech": (".wav", (tmp_path / "voice.wav").read_bytes())}
    )
    prompts: dict[str, list[BaseMessage]] = {}

    def second_plan(messages: list[BaseMessage]) -> str:
        prompts["second"] = messages
        return plan(
            {
                "id": 1,
                "task": "translation",
                "dep": [],
                "args": {"text": "It is running on a beach."},
            },
            {"id": 2, "task": "text-to-speech", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        )

    def third_plan(messages: list[BaseMessage]) -> str:
        prompts["third"] = messages
        earlier = [line for line in messages[-1].text.splitlines() if line.startswith("- /")]
        first_wav = earlier[0].split(" ")[1]
        return plan(
            {
                "id": 1,
                "task": "automatic-speech-recognition",
                "dep": [],
                "args": {"audio": first_wav},
            }
        )

    llm = ScriptedChatModel(
        script=[
            plan({"id": 1, "task": "text-to-speech", "dep": [], "args": {"text": FIRST_ANSWER}}),
            FIRST_ANSWER,
            second_plan,
            "Here it is in French.",
            third_plan,
            "The recording says what I wrote.",
        ]
    )
    catalog = Catalog(
        cards=[
            *cards("text-to-speech", "tts/only"),
            *cards("translation", "fr/only"),
            *cards("automatic-speech-recognition", "asr/only"),
        ]
    )
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[engine],
        checkpointer=InMemorySaver(),
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
    )

    first = graph.invoke({"messages": [HumanMessage(content="describe and read it")]}, CONFIG)
    (wav,) = [a["path"] for a in first["artifacts"]]
    assert Path(wav).is_file() and first["artifacts"][0]["turn"] == 1

    ask = "now read the second sentence in French"
    second = graph.invoke({"messages": [HumanMessage(content=ask)]}, CONFIG)
    shown = prompts["second"][-1].text
    assert f"User: describe and read it\nAssistant: {FIRST_ANSWER}" in shown
    assert wav in shown and "made by text-to-speech in turn 1" in shown
    assert shown.endswith(f"The request to plan now: {ask}")
    assert engine.calls_for("translation")[0].inputs["text"] == "It is running on a beach."
    assert {r["status"] for r in second["results"].values()} == {"ok"}
    # The translation's text is kept as a file too, for a later "read that again".
    assert [(a["turn"], a["type"]) for a in second["artifacts"]] == [
        (1, "audio"),
        (2, "text"),
        (2, "audio"),
    ]
    kept = second["artifacts"][1]
    assert Path(kept["path"]).name == "turn2-task1-translation.txt"
    assert Path(kept["path"]).read_text() == second["results"]["1"]["output"]["text"]

    third = graph.invoke(
        {"messages": [HumanMessage(content="transcribe the first recording")]}, CONFIG
    )
    assert third["results"]["1"]["status"] == "ok", third["results"]["1"]
    (asr,) = engine.calls_for("automatic-speech-recognition")
    assert Path(asr.inputs["audio"]).read_bytes() == Path(wav).read_bytes()
    # The second turn's answer is in the third prompt too; the plan of turn 2 is not kept.
    assert "Assistant: Here it is in French." in prompts["third"][-1].text
    assert f"{kept['path']} (text, made by translation in turn 2)" in prompts["third"][-1].text
    assert list(third["results"]) == ["1"]


def test_first_turn_is_planned_from_the_request_alone() -> None:
    messages = [HumanMessage(content="caption it")]
    assert request_with_history("caption it", messages, []) == "caption it"


def test_history_keeps_the_last_turns_and_cuts_long_answers() -> None:
    from langchain_core.messages import AIMessage

    messages: list[BaseMessage] = []
    for i in range(5):
        messages += [HumanMessage(content=f"q{i}"), AIMessage(content=f"a{i} " + "x" * 900)]
    messages.append(HumanMessage(content="next"))
    assert [q for q, _ in earlier_turns(messages, 3)] == ["q2", "q3", "q4"]
    shown = request_with_history("next", messages, [], max_turns=2, max_chars=50)
    assert "User: q3" in shown and "User: q2" not in shown
    assert "[...]" in shown and "x" * 60 not in shown
    assert earlier_turns(messages, 0) == []


def test_a_text_result_that_cannot_be_kept_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from langchain_hugginggpt.graph.history import turn_artifacts

    blocked = tmp_path / "file"
    blocked.write_text("a file where the run folder should be")
    plan_ = [{"id": 1, "task": "summarization"}, {"id": 2, "task": "translation"}]
    results = {
        "1": {"status": "ok", "output": {"type": "text", "text": "A summary."}},
        "2": {"status": "error", "error": "x"},
    }
    assert turn_artifacts(results, plan_, 1, blocked / "run") == []
    assert "could not keep the text of task 1" in caplog.text
    kept = turn_artifacts(results, plan_, 1, tmp_path / "run")
    assert [(a["task"], Path(a["path"]).read_text()) for a in kept] == [
        ("summarization", "A summary.")
    ]
    # Without a folder (or for an empty text) nothing is written.
    assert turn_artifacts(results, plan_, 1) == []
