"""Plan streaming, planning side: each streamed task read as whole plans are, checked on its own."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from langchain_hugginggpt.plan import PlannedTask
from langchain_hugginggpt.planning.stream import (
    PlanTap,
    StreamedTasks,
    can_stream,
    with_stream_usage,
)
from tests.unit_tests.fakes import ScriptedChatModel, StreamingScriptedModel


def accepted(items: list[Any], max_tasks: int = 64) -> list[PlannedTask | None]:
    reader = StreamedTasks(max_tasks=max_tasks)
    return [reader.accept(item) for item in items]


def test_ids_from_zero_dep_minus_one_and_generated_zero_become_canonical() -> None:
    got = accepted(
        [
            {"id": 0, "task": "image-to-text", "dep": [-1], "args": {"image": "a.jpg"}},
            {"id": 1, "task": "translation", "dep": [0], "args": {"text": "<GENERATED>-0"}},
        ]
    )
    assert got == [
        PlannedTask(1, "image-to-text", (), {"image": "a.jpg"}),
        PlannedTask(2, "translation", (1,), {"text": "<GENERATED>-1"}),
    ]


def test_spellings_the_parser_accepts_are_accepted() -> None:
    (task,) = accepted([{"id": "1", "task": "Text_To_Speech", "deps": "-1", "args": "hello"}])
    assert task == PlannedTask(1, "text-to-speech", (), {"text": "hello"})


def test_a_task_invalid_on_its_own_is_not_accepted() -> None:
    got = accepted(
        [
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "x"}},
            {"id": 2, "task": "book-flight", "dep": [], "args": {}},  # unknown type
            {"id": 3, "task": "summarization", "dep": [9], "args": {"text": "x"}},  # no task 9
            {"id": 4, "task": "summarization", "dep": [], "args": {"text": "<GENERATED>-1"}},
            {"id": 5, "task": "summarization", "dep": [], "args": {}},  # required text missing
            {"id": 1, "task": "summarization", "dep": [], "args": {"text": "y"}},  # id reused
            {
                "id": 6,
                "task": "image-classification",
                "dep": [1],
                "args": {"image": "<GENERATED>-1"},
            },
            {"id": 7, "task": "translation", "dep": [1], "args": {"text": "<GENERATED>-1"}},
            ["not", "an", "object"],
        ]
    )
    # 4 uses 1 without depending on it; 6 takes an image, and 1 makes text.
    assert [t.id if t else None for t in got] == [1, None, None, None, None, None, None, 7, None]


def test_a_zero_id_after_the_first_task_is_not_accepted_and_the_limit_holds() -> None:
    item = {"task": "summarization", "dep": [], "args": {"text": "x"}}
    assert [t.id if t else None for t in accepted([{**item, "id": 1}, {**item, "id": 0}])] == [
        1,
        None,
    ]
    assert [t.id if t else None for t in accepted([item, item, item], max_tasks=2)] == [1, 2, None]


def plan_text(tasks: list[dict[str, Any]]) -> str:
    return json.dumps({"tasks": tasks})


TASKS = [
    {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a"}},
    {"id": 2, "task": "translation", "dep": [1], "args": {"text": "<GENERATED>-1"}},
]


def test_the_tap_hands_over_tasks_while_the_reply_streams() -> None:
    seen: list[tuple[int, int]] = []
    pieces: list[int] = []
    llm = StreamingScriptedModel(
        script=[plan_text(TASKS)], on_piece=lambda index, _piece: pieces.append(index)
    )
    tap = PlanTap(lambda task: seen.append((task.id, len(pieces))), max_tasks=64)
    reply = llm.invoke([HumanMessage("plan")], config={"callbacks": [tap]})
    assert reply.text == plan_text(TASKS)
    assert [task_id for task_id, _ in seen] == [1, 2]
    # Task 1 arrived while later pieces were still to come.
    assert seen[0][1] < len(pieces)


def test_the_tap_reads_only_the_first_call() -> None:
    seen: list[int] = []
    llm = StreamingScriptedModel(script=[plan_text(TASKS[:1]), plan_text(TASKS)])
    tap = PlanTap(lambda task: seen.append(task.id), max_tasks=64)
    llm.invoke([HumanMessage("plan")], config={"callbacks": [tap]})
    llm.invoke([HumanMessage("again")], config={"callbacks": [tap]})
    assert seen == [1]


def test_the_tap_stops_when_the_first_call_fails() -> None:
    seen: list[int] = []
    tap = PlanTap(lambda task: seen.append(task.id), max_tasks=64)
    failing = StreamingScriptedModel(script=[RuntimeError("down")])
    with pytest.raises(RuntimeError, match="down"):
        failing.invoke([HumanMessage("plan")], config={"callbacks": [tap]})
    StreamingScriptedModel(script=[plan_text(TASKS)]).invoke(
        [HumanMessage("plan")], config={"callbacks": [tap]}
    )
    assert seen == []


def test_the_tap_reads_tool_call_arguments() -> None:
    seen: list[int] = []
    tap = PlanTap(lambda task: seen.append(task.id), max_tasks=64)
    run = uuid.uuid4()
    tap.on_chat_model_start({}, [], run_id=run)
    text = plan_text(TASKS)
    for start in range(0, len(text), 7):
        chunk = ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {"name": None, "args": text[start : start + 7], "id": None, "index": 0}
                ],
            )
        )
        tap.on_llm_new_token("", chunk=chunk, run_id=run)
    tap.on_llm_new_token([{"type": "text", "text": "ignored after the array"}], run_id=run)
    assert seen == [1, 2]


def test_which_controllers_stream() -> None:
    assert can_stream(StreamingScriptedModel(script=[]))
    assert not can_stream(ScriptedChatModel(script=[]))
    assert can_stream(GenericFakeChatModel(messages=iter([])))
    assert not can_stream(GenericFakeChatModel(messages=iter([]), disable_streaming=True))
    openai = ChatOpenAI(model="m", api_key=SecretStr("k"), base_url="http://127.0.0.1:9/v1")
    assert can_stream(openai)
    assert not can_stream(
        ChatOpenAI(
            model="m", api_key=SecretStr("k"), base_url="http://127.0.0.1:9/v1", streaming=False
        )
    )


def test_usage_is_asked_of_a_streamed_reply_only_where_it_was_left_unset() -> None:
    local = ChatOpenAI(model="m", api_key=SecretStr("k"), base_url="http://127.0.0.1:9/v1")
    assert local.stream_usage is None
    asked = with_stream_usage(local)
    assert isinstance(asked, ChatOpenAI) and asked.stream_usage is True
    assert local.stream_usage is None  # a copy; the graph's controller is unchanged
    chosen = ChatOpenAI(
        model="m", api_key=SecretStr("k"), base_url="http://x/v1", stream_usage=False
    )
    assert with_stream_usage(chosen) is chosen
    other = StreamingScriptedModel(script=[])
    assert with_stream_usage(other) is other
