"""Canonical plan formats of the field are accepted as written: no repair call is spent."""

import json
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from PIL import Image

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, cards

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16
JARVIS = json.dumps(
    [
        {"task": "image-to-text", "id": 0, "dep": [-1], "args": {"image": "photo.png"}},
        {
            "task": "translation",
            "id": 1,
            "dep": [0],
            "args": {"text": "<GENERATED>-0", "target_language": "French"},
        },
        {"task": "text-to-speech", "id": 2, "dep": [1], "args": {"text": "<GENERATED>-1"}},
    ]
)
TASKBENCH = json.dumps(
    {
        "task_nodes": [
            {"task": "Image-to-Text", "arguments": ["photo.png"]},
            {"task": "Translation", "arguments": ["<node-0>", "French"]},
            {"task": "Text-to-Speech", "arguments": ["<node-1>"]},
        ],
        "task_links": [
            {"source": "Image-to-Text", "target": "Translation"},
            {"source": "Translation", "target": "Text-to-Speech"},
        ],
    }
)
LLMCOMPILER = """1. image_to_text(image="photo.png")
2. translation(text=$1, target_language="French")
3. text_to_speech(text=${2})
Thought: I can answer now.
4. join()<END_OF_PLAN>"""
OURS_WITH_DOLLARS = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "image-to-text", "dep": [], "args": {"image": "photo.png"}},
            {
                "id": 2,
                "task": "translation",
                "dep": [1],
                "args": {"text": "$1", "target_language": "French"},
            },
            {"id": 3, "task": "text-to-speech", "dep": [2], "args": {"text": "$2"}},
        ]
    }
)


@pytest.mark.parametrize(
    "plan",
    [JARVIS, TASKBENCH, LLMCOMPILER, OURS_WITH_DOLLARS],
    ids=["jarvis-from-0", "taskbench-nodes", "llmcompiler-calls", "dollar-references"],
)
def test_plan_format_runs_without_repair(
    plan: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (8, 8), "white").save(tmp_path / "photo.png")
    llm = ScriptedChatModel(script=[plan, "Here it is."])
    engine = RecordingEngine(
        runnable={"i2t/a", "mt/a", "tts/a"}, media={"text-to-speech": (".wav", WAV)}
    )
    catalog = Catalog(
        cards=[
            *cards("image-to-text", "i2t/a"),
            *cards("translation", "mt/a"),
            *cards("text-to-speech", "tts/a"),
        ]
    )
    events: list[dict] = []
    graph = create_hugginggpt_graph(
        llm, catalog=catalog, engines=[engine], artifacts_dir=tmp_path / "runs", controller_tasks=""
    )
    state = None
    for mode, chunk in graph.stream(
        {"messages": [HumanMessage("describe photo.png in French, aloud")]},
        stream_mode=["custom", "values"],
    ):
        if mode == "custom":
            events.append(chunk)
        else:
            state = chunk
    assert state is not None
    assert not [e for e in events if e.get("event") in ("plan_invalid", "plan_repaired")]
    assert [(t["id"], t["task"], t["dep"]) for t in state["plan"]] == [
        (1, "image-to-text", []),
        (2, "translation", [1]),
        (3, "text-to-speech", [2]),
    ]
    assert state["plan"][1]["args"] == {"text": "<GENERATED>-1", "target_language": "French"}
    assert len(llm.calls) == 2, "plan and answer: no repair call"
    spoken = engine.calls_for("translation")[0].inputs["text"]
    assert spoken.startswith("[image-to-text by i2t/a]"), "task 1's output reached task 2"
    assert {r["status"] for r in state["results"].values()} == {"ok"}
