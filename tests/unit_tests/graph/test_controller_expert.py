"""The controller LLM as an expert for text tasks, selected like any model."""

import json
from pathlib import Path

from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.engines.controller import CONTROLLER_MODEL_ID
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

PLAN = json.dumps(
    {
        "tasks": [
            {
                "id": 1,
                "task": "translation",
                "dep": [],
                "args": {"text": "good morning", "target_language": "German"},
            },
            {"id": 2, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        ]
    }
)


def test_controller_is_a_candidate_and_runs_the_task(tmp_path: Path) -> None:
    catalog = Catalog(
        cards=[*cards("translation", "mt/a", "mt/b"), *cards("text-classification", "cls/a")]
    )
    llm = ScriptedChatModel(
        script=[
            PLAN,
            json.dumps(
                {
                    "selections": [
                        {"id": 1, "model": CONTROLLER_MODEL_ID, "reason": "I translate well"}
                    ]
                }
            ),
            "Guten Morgen",  # the controller doing the translation itself
            "It says Guten Morgen.",
        ]
    )
    engine = RecordingEngine()
    graph = create_hugginggpt_graph(llm, catalog=catalog, engines=[engine], artifacts_dir=tmp_path)
    state = graph.invoke(
        {"messages": [HumanMessage("translate good morning to German and classify it")]}
    )
    sel = state["selections"]["1"]
    assert [c["id"] for c in sel["candidates"]] == [CONTROLLER_MODEL_ID, "mt/a", "mt/b"]
    assert (sel["model"], sel["engine"], sel["decided_by"]) == (
        CONTROLLER_MODEL_ID,
        "controller",
        "llm",
    )
    assert sel["candidates"][0]["source"] == "controller"
    assert "you, the controller LLM, do the task yourself" in llm.calls[1][0].content
    res = state["results"]["1"]
    assert (res["status"], res["engine"], res["output"]["text"]) == (
        "ok",
        "controller",
        "Guten Morgen",
    )
    assert "Translate this text into German" in llm.calls[2][-1].content
    assert engine.calls_for("text-classification")[0].inputs["text"] == "Guten Morgen"
    assert engine.calls_for("translation") == []
    usage = state["usage"]
    assert usage["execute"]["llm_calls"] == 1 and res["llm_usage"]["llm_calls"] == 1
    assert usage["total"]["llm_calls"] == 4


def test_controller_tasks_setting_limits_it(tmp_path: Path) -> None:
    catalog = Catalog(cards=[*cards("translation", "mt/a"), *cards("text-classification", "cls/a")])
    llm = ScriptedChatModel(script=[PLAN, "done"])
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path,
        controller_tasks="summarization",
    )
    state = graph.invoke({"messages": [HumanMessage("x")]})
    assert [c["id"] for c in state["selections"]["1"]["candidates"]] == ["mt/a"]
    assert len(llm.calls) == 2


def test_controller_failure_falls_back_to_the_next_model(tmp_path: Path) -> None:
    catalog = Catalog(cards=[*cards("translation", "mt/a"), *cards("text-classification", "cls/a")])
    llm = ScriptedChatModel(
        script=[
            PLAN,
            json.dumps({"selections": [{"id": 1, "model": CONTROLLER_MODEL_ID, "reason": "r"}]}),
            "",  # an empty reply from the controller is a failure
            "answer",
        ]
    )
    state = create_hugginggpt_graph(
        llm, catalog=catalog, engines=[RecordingEngine()], artifacts_dir=tmp_path
    ).invoke({"messages": [HumanMessage("x")]})
    res = state["results"]["1"]
    assert res["status"] == "ok" and res["model"] == "mt/a"
    assert res["attempts"][0] == {
        "model": CONTROLLER_MODEL_ID,
        "engine": "controller",
        "status": "error",
        "error": "EngineError: controller-llm returned an empty reply",
        "seconds": res["attempts"][0]["seconds"],
    }
