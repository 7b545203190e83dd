"""Who chooses the models: the controller in one call, or the ranking for embedded controllers."""

import json
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.controller import ControllerEngine
from tests.unit_tests.fakes import (
    RecordingEngine,
    ScriptedChatModel,
    cards,
    scripted_embedded_controller,
)

PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long story"}},
            {"id": 2, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        ]
    }
)


def packaged(tmp_path: Path, model_id: str, task: str) -> ModelCard:
    folder = tmp_path / model_id.replace("/", "--")
    folder.mkdir(parents=True, exist_ok=True)
    return ModelCard(id=model_id, task=task, source="packaged", path=str(folder))


def catalog(tmp_path: Path) -> Catalog:
    return Catalog(
        cards=[
            *cards("summarization", "sum/hub-a", "sum/hub-b"),
            packaged(tmp_path, "sum/packaged", "summarization"),
            *cards("text-classification", "cls/a", "cls/b"),
        ]
    )


def test_none_policy_takes_the_ranking_without_a_call(tmp_path: Path) -> None:
    llm = ScriptedChatModel(script=[PLAN, "Done."])
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog(tmp_path),
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        selection_calls="none",
    )
    state = graph.invoke({"messages": [HumanMessage("summarise and classify")]})
    assert len(llm.calls) == 2, "plan and answer only"
    first, second = state["selections"]["1"], state["selections"]["2"]
    assert first["model"] == "sum/packaged" and first["decided_by"] == "ranking"
    assert first["reason"].startswith("the top-ranked candidate (on this machine)")
    assert second["model"] == "cls/a"
    assert second["reason"].startswith("the top-ranked candidate (2,000 downloads)")


def test_auto_policy_asks_a_capable_controller(tmp_path: Path) -> None:
    select = json.dumps(
        {
            "selections": [
                {"id": 1, "model": "sum/hub-b", "reason": "news"},
                {"id": 2, "model": "cls/b", "reason": "finance"},
            ]
        }
    )
    llm = ScriptedChatModel(script=[PLAN, select, "Done."])
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog(tmp_path),
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
    )
    state = graph.invoke({"messages": [HumanMessage("summarise and classify")]})
    assert state["selections"]["1"]["model"] == "sum/hub-b"
    assert state["selections"]["1"]["decided_by"] == "llm"


def test_embedded_controller_ranks_local_experts_first_and_itself_next(tmp_path: Path) -> None:
    llm = scripted_embedded_controller([PLAN])
    recording = RecordingEngine()
    state: dict[str, Any] = create_hugginggpt_graph(
        llm,
        catalog=catalog(tmp_path),
        engines=[ControllerEngine(lambda _: llm), recording],
        artifacts_dir=tmp_path / "runs",
        planner="free",
        plan_demos=0,
    ).invoke({"messages": [HumanMessage("summarise and classify")]})
    ladder = [c["id"] for c in state["selections"]["1"]["candidates"]]
    assert ladder == ["sum/packaged", "controller-llm", "sum/hub-a", "sum/hub-b"]
    assert state["selections"]["1"]["decided_by"] == "ranking"
    assert state["results"]["1"]["model"] == "sum/packaged"
    # One call in all: the plan. No selection call, and the answer is composed from results.
    assert len(llm.calls) == 1
    assert state["messages"][-1].response_metadata["answer"] == "facts"


def _ocr_and_captioner(tmp_path: Path) -> Catalog:
    ocr = ModelCard(
        id="tesseract-ocr/tesseract",
        task="image-to-text",
        source="packaged",
        library_name="tesseract",
        path=str(tmp_path),
    )
    return Catalog(cards=[ocr, *cards("image-to-text", "Salesforce/blip-image-captioning-base")])


def test_ocr_comes_first_only_when_the_request_is_about_text(tmp_path: Path) -> None:
    orders = {}
    for request in ("read the text on this sign in photo.png", "describe the scene in photo.png"):
        plan = json.dumps(
            {"tasks": [{"id": 1, "task": "image-to-text", "dep": [], "args": {"image": "x.png"}}]}
        )
        graph = create_hugginggpt_graph(
            ScriptedChatModel(script=[plan, "ok"]),
            catalog=_ocr_and_captioner(tmp_path),
            engines=[RecordingEngine()],
            artifacts_dir=tmp_path / "runs",
            selection_calls="none",
        )
        state = graph.invoke({"messages": [HumanMessage(request)]})
        orders[request] = [c["id"] for c in state["selections"]["1"]["candidates"]]
    assert orders["read the text on this sign in photo.png"][0] == "tesseract-ocr/tesseract"
    assert orders["describe the scene in photo.png"] == [
        "Salesforce/blip-image-captioning-base",
        "tesseract-ocr/tesseract",
    ]
