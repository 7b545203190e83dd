"""Reading a plan while it is written: each task object as soon as its closing brace arrives."""

from __future__ import annotations

import json
from typing import Any

from langchain_hugginggpt.planning.incremental import TaskObjectReader

TASKS = [
    {"id": 1, "task": "image-to-text", "dep": [], "args": {"image": "a {b} [c].jpg"}},
    {"id": 2, "task": "translation", "dep": [1], "args": {"text": 'say "}" and \\ it\'s'}},
]


def feed_by_char(reader: TaskObjectReader, text: str) -> list[tuple[int, dict[str, Any]]]:
    """Each object found, with the index of the character that completed it."""
    found = []
    for index, char in enumerate(text):
        found += [(index, item) for item in reader.feed(char)]
    return found


def test_each_object_comes_with_its_closing_brace_not_at_the_end() -> None:
    text = json.dumps({"tasks": TASKS})
    found = feed_by_char(TaskObjectReader(), text)
    assert [item for _, item in found] == TASKS
    first_end = text.index("}}") + 1  # the first task's args, then the task itself
    assert found[0][0] == first_end
    assert found[1][0] < len(text) - 1  # before the wrapper closes


def test_a_bare_array_after_prose_and_a_code_fence() -> None:
    text = "Here's the plan (see [1]):\n```json\n" + json.dumps(TASKS) + "\n```\nDone."
    reader = TaskObjectReader()
    assert [item for _, item in feed_by_char(reader, text)] == TASKS
    assert reader.done


def test_python_quoting_and_trailing_commas_are_read_as_the_planner_reads_them() -> None:
    text = "[{'id': 1, 'task': 'summarization', 'args': {'text': 'x'},}, 3, {\"id\": 2}]"
    reader = TaskObjectReader()
    assert reader.feed(text[:40]) == []
    assert reader.feed(text[40:]) == [
        {"id": 1, "task": "summarization", "args": {"text": "x"}},
        {"id": 2},
    ]


def test_objects_outside_the_task_array_are_not_tasks() -> None:
    text = json.dumps({"note": {"id": 9}, "tasks": [TASKS[0]], "extra": [{"id": 8}]})
    reader = TaskObjectReader()
    assert reader.feed(text) == [TASKS[0]]


def test_a_wrapper_under_another_key_or_garbage_gives_nothing() -> None:
    assert TaskObjectReader().feed(json.dumps({"task_nodes": TASKS})) == []
    assert TaskObjectReader().feed("[{'id': 1, 'task': }]") == []
    assert TaskObjectReader().feed("") == []


def test_text_after_the_array_and_past_the_limit_is_ignored() -> None:
    reader = TaskObjectReader()
    assert reader.feed(json.dumps([TASKS[0]])) == [TASKS[0]]
    assert reader.feed(json.dumps([TASKS[1]])) == []
    small = TaskObjectReader(max_chars=10)
    assert small.feed(json.dumps(TASKS)) == []
    assert small.done
