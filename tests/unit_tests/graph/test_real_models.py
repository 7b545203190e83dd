"""A multi-task plan through the whole graph on tiny random models: transformers for text, vision
and audio, diffusers for text-to-image, outputs chained from task to task."""

import json
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.diffusion import DiffusersEngine
from langchain_hugginggpt.engines.transformers import TransformersEngine
from tests.unit_tests.engines.tiny_models import write_wav
from tests.unit_tests.fakes import ScriptedChatModel


def local(task: str, path: Path, library: str | None = None) -> ModelCard:
    return ModelCard(
        id=f"local/{path.name}", task=task, source="local", path=str(path), library_name=library
    )


@pytest.fixture
def catalog(
    tiny_text_classifier: Path,
    tiny_image_classifier: Path,
    tiny_speech_recognizer: Path,
    tiny_stable_diffusion: Path,
    tiny_seq2seq: Path,
) -> Catalog:
    return Catalog(
        cards=[
            local("automatic-speech-recognition", tiny_speech_recognizer),
            local("text-classification", tiny_text_classifier),
            local("text-to-image", tiny_stable_diffusion, "diffusers"),
            local("image-classification", tiny_image_classifier),
            local("summarization", tiny_seq2seq),
            # a Hub model that cannot be had here: never a candidate
            ModelCard(id="facebook/bart-large-cnn", task="summarization", downloads=10**7),
        ]
    )


def test_chained_plan_on_real_model_code(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_wav(tmp_path / "meeting.wav", seconds=0.5)
    plan = {
        "tasks": [
            {
                "id": 1,
                "task": "automatic-speech-recognition",
                "dep": [],
                "args": {"audio": "meeting.wav"},
            },
            {"id": 2, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
            {"id": 3, "task": "text-to-image", "dep": [], "args": {"text": "a red square"}},
            {
                "id": 4,
                "task": "image-classification",
                "dep": [3],
                "args": {"image": "<GENERATED>-3"},
            },
            {
                "id": 5,
                "task": "summarization",
                "dep": [],
                "args": {"text": "the cat is good the dog is bad"},
            },
        ]
    }
    llm = ScriptedChatModel(script=[json.dumps(plan), "Done: see the results."])
    cache = ModelCache(max_items=8)
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        engines=[
            TransformersEngine(device="cpu", cache=cache),
            DiffusersEngine(device="cpu", steps=2, cache=cache),
        ],
    )
    state = graph.invoke(
        {"messages": [HumanMessage("transcribe, classify, draw, classify, summarise")]}
    )

    results = state["results"]
    assert {k: r["status"] for k, r in results.items()} == dict.fromkeys("12345", "ok"), [
        r.get("error") for r in results.values()
    ]
    assert len(llm.calls) == 2  # every task had a single runnable candidate: no selection call
    assert state["selections"]["5"]["candidates"][0]["id"] == "local/tiny-bart"
    assert [c["id"] for c in state["selections"]["5"]["candidates"]] == ["local/tiny-bart"]
    assert (results["1"]["engine"], results["3"]["engine"]) == ("transformers", "diffusers")
    assert results["2"]["output"]["type"] == "labels"
    image = results["3"]["output"]
    assert image["type"] == "image" and Path(image["path"]).is_file()
    assert Path(image["path"]).is_relative_to(tmp_path / "runs" / state["run_id"])
    assert {x["label"] for x in results["4"]["output"]["data"]} == {"cat", "dog", "car"}
    answer = state["messages"][-1]
    assert any(block["type"] == "image" for block in answer.content)
    assert image["path"] in answer.content[0]["text"]
    assert cache.loads == 5


def test_missing_input_file_fails_that_task_only(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    plan = {
        "tasks": [
            {
                "id": 1,
                "task": "automatic-speech-recognition",
                "dep": [],
                "args": {"audio": "nowhere.wav"},
            },
            {"id": 2, "task": "text-classification", "dep": [1], "args": {"text": "<GENERATED>-1"}},
            {"id": 3, "task": "summarization", "dep": [], "args": {"text": "the cat is good"}},
        ]
    }
    llm = ScriptedChatModel(script=[json.dumps(plan), "partial"])
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        engines=[TransformersEngine(device="cpu")],
    )
    state = graph.invoke({"messages": [HumanMessage("x")]})
    r = state["results"]
    assert r["1"]["status"] == "error" and r["1"]["error"].startswith("bad input: ")
    assert "nowhere.wav" in r["1"]["error"]
    assert r["2"]["status"] == "skipped" and r["3"]["status"] == "ok"


def test_input_outside_allowed_folders_is_refused(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_wav(outside / "secret.wav", seconds=0.2)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    plan = {
        "tasks": [
            {
                "id": 1,
                "task": "automatic-speech-recognition",
                "dep": [],
                "args": {"audio": str(outside / "secret.wav")},
            }
        ]
    }
    llm = ScriptedChatModel(script=[json.dumps(plan), "no", json.dumps(plan), "yes"])
    graph = create_hugginggpt_graph(
        llm,
        catalog=catalog,
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        engines=[TransformersEngine(device="cpu")],
        input_roots=str(outside),
    )
    # The deployment allows `outside`; a run may narrow that (input_roots="") but not widen it.
    refused = graph.invoke({"messages": [HumanMessage("x")]}, context=_ctx(input_roots=""))
    assert refused["results"]["1"]["status"] == "error"
    assert "outside the allowed folders" in refused["results"]["1"]["error"]
    allowed = graph.invoke({"messages": [HumanMessage("x")]})
    assert allowed["results"]["1"]["status"] == "ok"


def _ctx(**kwargs: object):  # type: ignore[no-untyped-def]
    from langchain_hugginggpt import Context

    return Context(controller_tasks="", **kwargs)  # type: ignore[arg-type]
