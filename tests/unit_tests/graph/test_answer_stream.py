"""The answer streams: a written answer's pieces reach the `messages` and `custom` streams as
the controller makes them, before the final state; a composed answer arrives whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from langchain_hugginggpt import Catalog, create_hugginggpt_graph
from tests.unit_tests.fakes import RecordingEngine, StreamingScriptedModel, cards

PLAN = json.dumps(
    {"tasks": [{"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long text"}}]}
)
ANSWER = "The text says the library opens at nine."


def _graph(tmp_path: Path, llm: Any, style: str) -> Any:
    return create_hugginggpt_graph(
        llm,
        catalog=Catalog(cards=cards("summarization", "sum/a")),
        engines=[RecordingEngine()],
        artifacts_dir=tmp_path / "runs",
        controller_tasks="",
        answer_style=style,
    )


def _stream(graph: Any) -> list[tuple[str, Any]]:
    return list(
        graph.stream(
            {"messages": [HumanMessage("summarise a long text")]},
            stream_mode=["messages", "custom", "values"],
        )
    )


def test_a_written_answer_streams_through_the_messages_mode_before_the_final_state(
    tmp_path: Path,
) -> None:
    replies: list[list[str]] = []

    def record(index: int, piece: str) -> None:
        if index == 0:
            replies.append([])
        replies[-1].append(piece)

    llm = StreamingScriptedModel(script=[PLAN, ANSWER], on_piece=record)
    items = _stream(_graph(tmp_path, llm, "written"))
    # The plan streams too (plan streaming reads it as it is written); the answer is the last.
    made = replies[-1]
    assert "".join(made) == ANSWER
    assert len(made) > 3, "the scripted controller sends the answer a word at a time"
    respond_chunks = [
        (i, msg.text)
        for i, (mode, (msg, meta)) in enumerate(x for x in items if x[0] == "messages")
        if isinstance(msg, AIMessageChunk) and meta["langgraph_node"] == "respond"
    ]
    assert "".join(text for _, text in respond_chunks) == ANSWER
    assert len([t for _, t in respond_chunks if t]) == len(made)
    # The pieces come before the final state holding the whole answer.
    positions = [i for i, (mode, _) in enumerate(items) if mode == "messages"]
    last_values = max(i for i, (mode, _) in enumerate(items) if mode == "values")
    first_piece = positions[respond_chunks[0][0]]
    assert first_piece < last_values
    final = items[last_values][1]
    assert final["messages"][-1].text == ANSWER
    # Planning's JSON is never tagged as the respond node's.
    assert all(PLAN not in text for _, text in respond_chunks)
    # The same pieces are on the custom stream, in order, for clients that read only that.
    tokens = [c["text"] for mode, c in items if mode == "custom" and c["event"] == "answer_token"]
    assert tokens == [p for p in made if p]
    assert final["usage"]["respond"]["llm_calls"] == 1
    assert final["usage"]["respond"]["output_tokens"] == len(ANSWER.split())


def test_a_composed_answer_arrives_whole_on_both_streams(tmp_path: Path) -> None:
    llm = StreamingScriptedModel(script=[PLAN])
    items = _stream(_graph(tmp_path, llm, "facts"))
    final = [c for mode, c in items if mode == "values"][-1]
    answer = final["messages"][-1].text
    assert answer.startswith("Done: 1 task ran.")
    tokens = [c["text"] for mode, c in items if mode == "custom" and c["event"] == "answer_token"]
    assert tokens == [answer]
    from_respond = [
        msg
        for mode, (msg, meta) in (x for x in items if x[0] == "messages")
        if meta["langgraph_node"] == "respond"
    ]
    assert len(from_respond) == 1 and isinstance(from_respond[0], AIMessage)
    assert from_respond[0].text == answer
    assert len(llm.calls) == 1, "the composed answer asks the controller nothing"
