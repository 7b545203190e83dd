"""Drop-in use: the task tools inside `langchain.agents.create_agent` on real tiny models, and
the whole HuggingGPT graph as one tool of another agent. The agents' chat models are scripted
(they stand in for an LLM that calls tools); the tools and models they call are real."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph, create_hugginggpt_tool
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.diffusion import DiffusersEngine
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.tools import HuggingGPTTool, hf_task_tools
from tests.unit_tests.engines.tiny_models import write_wav
from tests.unit_tests.fakes import RecordingEngine, ScriptedChatModel, ToolCallingScriptedModel


def call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


def tool_messages(state: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def test_task_tools_in_create_agent_on_real_tiny_models(
    tiny_stable_diffusion: Path, tiny_image_classifier: Path, tmp_path: Path
) -> None:
    catalog = Catalog(
        cards=[
            ModelCard(
                id="local/tiny-sd",
                task="text-to-image",
                source="local",
                path=str(tiny_stable_diffusion),
                library_name="diffusers",
            ),
            ModelCard(
                id="local/tiny-vit",
                task="image-classification",
                source="local",
                path=str(tiny_image_classifier),
            ),
        ]
    )
    cache = ModelCache(max_items=4)
    tools = hf_task_tools(
        ["text-to-image", "image-classification"],
        catalog=catalog,
        engines=[
            TransformersEngine(device="cpu", cache=cache),
            DiffusersEngine(device="cpu", steps=2, cache=cache),
        ],
        artifacts_dir=tmp_path / "tools",
    )

    def classify_the_picture(messages: list[BaseMessage]) -> AIMessage:
        made = [m for m in messages if isinstance(m, ToolMessage)][-1]
        path = made.text.split("File: ")[1].strip()
        return call("image_classification", {"image": path}, "c2")

    model = ToolCallingScriptedModel(
        script=[
            call("text_to_image", {"text": "a red square"}, "c1"),
            classify_the_picture,
            "I drew it and classified it.",
        ]
    )
    agent = create_agent(model, tools)
    state = agent.invoke(
        {"messages": [HumanMessage(content="draw a red square, then classify it")]}
    )

    # The agent binds the tools on each of its three model calls.
    assert model.bound == [["text_to_image", "image_classification"]] * 3
    drawn, classified = tool_messages(state)
    assert drawn.status == "success" and classified.status == "success", [drawn, classified]
    # Media come back as a standard image block and as the artifact's file.
    image_blocks = [b for b in drawn.content if isinstance(b, dict) and b.get("type") == "image"]
    assert len(image_blocks) == 1 and image_blocks[0]["mime_type"] == "image/png"
    assert drawn.artifact["model"] == "local/tiny-sd"
    assert Path(drawn.artifact["output"]["path"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The second tool got the first one's file and ran the real classifier on it.
    assert classified.artifact["model"] == "local/tiny-vit"
    assert classified.artifact["output"]["type"] == "labels"
    assert {"cat", "car", "dog"} <= set(classified.text.replace(",", " ").split())
    assert state["messages"][-1].text == "I drew it and classified it."


def test_a_bad_tool_argument_is_a_tool_error_the_agent_sees(tmp_path: Path) -> None:
    tools = hf_task_tools(
        ["image-classification"],
        catalog=Catalog(cards=[ModelCard(id="m/x", task="image-classification")]),
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path / "tools",
    )
    model = ToolCallingScriptedModel(
        script=[call("image_classification", {"image": "/etc/passwd"}, "c1"), "It failed."]
    )
    state = create_agent(model, tools).invoke({"messages": [HumanMessage(content="classify")]})
    (message,) = tool_messages(state)
    assert message.status == "error"
    assert "bad input" in message.text and "/etc/passwd" in message.text


PLAN = json.dumps(
    {
        "tasks": [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long text"}},
            {"id": 2, "task": "text-to-speech", "dep": [1], "args": {"text": "<GENERATED>-1"}},
        ]
    }
)


@pytest.fixture
def inner_graph(tmp_path: Path) -> Any:
    write_wav(tmp_path / "voice.wav", seconds=0.2)
    engine = RecordingEngine(
        media={"text-to-speech": (".wav", (tmp_path / "voice.wav").read_bytes())}
    )
    catalog = Catalog(
        cards=[
            ModelCard(id="sum/only", task="summarization"),
            ModelCard(id="tts/only", task="text-to-speech"),
        ]
    )
    return create_hugginggpt_graph(
        ScriptedChatModel(script=[PLAN, "Summarised and read aloud."]),
        catalog=catalog,
        engines=[engine],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
    )


def test_the_graph_as_one_tool_of_another_agent(inner_graph: Any) -> None:
    tool = create_hugginggpt_tool(inner_graph)
    outer = ToolCallingScriptedModel(
        script=[
            call("hugginggpt", {"request": "summarise this and read it aloud"}, "h1"),
            "Your audio summary is ready.",
        ]
    )
    state = create_agent(outer, [tool]).invoke(
        {"messages": [HumanMessage(content="I need an audio summary")]}
    )
    assert outer.bound == [["hugginggpt"]] * 2
    (message,) = tool_messages(state)
    assert message.status == "success", message.artifact
    assert message.content[0]["text"] == "Summarised and read aloud.\n\nFiles:\n" + (
        "- " + message.artifact["results"]["2"]["output"]["path"]
    )
    # Audio travels as a file block: a tool message keeps only text/image/file/... blocks.
    audio = [b for b in message.content if isinstance(b, dict) and b.get("type") == "file"]
    assert len(audio) == 1 and audio[0]["mime_type"] == "audio/wav"
    assert audio[0]["base64"]
    assert [t["task"] for t in message.artifact["plan"]] == ["summarization", "text-to-speech"]
    assert message.artifact["usage"]["total"]["llm_calls"] == 2
    assert state["messages"][-1].text == "Your audio summary is ready."


def test_a_failed_graph_run_is_a_tool_error(tmp_path: Path) -> None:
    graph = create_hugginggpt_graph(
        ScriptedChatModel(script=["not a plan"] * 3),
        catalog=Catalog(cards=[]),
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path / "runs",
        max_repairs=2,
    )
    outer = ToolCallingScriptedModel(
        script=[call("hugginggpt", {"request": "do it"}, "h1"), "Sorry."]
    )
    state = create_agent(outer, [HuggingGPTTool(graph=graph)]).invoke(
        {"messages": [HumanMessage(content="do it")]}
    )
    (message,) = tool_messages(state)
    assert message.status == "error"
    assert "could not turn the request into a valid plan after 3 attempts" in message.text


def test_empty_request_and_mixed_arguments_are_refused(inner_graph: Any) -> None:
    tool = HuggingGPTTool(graph=inner_graph)
    result = tool.invoke({"request": "   "})
    assert result == "the request is empty"
    with pytest.raises(ValueError, match="not both"):
        create_hugginggpt_tool(inner_graph, top_k=2)


def test_generated_audio_reaches_the_agent_as_a_file_block(tmp_path: Path) -> None:
    write_wav(tmp_path / "voice.wav", seconds=0.2)
    wav = (tmp_path / "voice.wav").read_bytes()
    tools = hf_task_tools(
        ["text-to-speech"],
        catalog=Catalog(cards=[ModelCard(id="tts/x", task="text-to-speech")]),
        engines=[RecordingEngine(media={"text-to-speech": (".wav", wav)})],
        artifacts_dir=tmp_path / "tools",
    )
    model = ToolCallingScriptedModel(
        script=[call("text_to_speech", {"text": "hello"}, "c1"), "Listen."]
    )
    state = create_agent(model, tools).invoke({"messages": [HumanMessage(content="say hello")]})
    (message,) = tool_messages(state)
    # A list of blocks, not the JSON string LangChain makes of blocks it does not accept.
    assert isinstance(message.content, list)
    text, audio = message.content
    assert text["type"] == "text" and "File: " in text["text"]
    assert audio["type"] == "file" and audio["mime_type"] == "audio/wav"
    assert Path(message.artifact["output"]["path"]).read_bytes() == wav
