"""The other canonical plan formats, read into tasks: their edge cases."""

import json

from langchain_hugginggpt.plan import parse_plan
from langchain_hugginggpt.plan.formats import (
    dollar_reference,
    llmcompiler_items,
    taskbench_items,
    zero_based,
)


def test_zero_based_shifts_ids_deps_and_references() -> None:
    items = [
        {"id": 0, "task": "a", "dep": [-1], "args": {"x": "<resource>-0 and <GENERATED>-1"}},
        {"id": "1", "task": "b", "dep": "0", "args": {}},
    ]
    shifted = zero_based(items)
    assert shifted is not None
    assert [(i["id"], i["dep"]) for i in shifted] == [(1, []), (2, [1])]
    assert shifted[0]["args"] == {"x": "<GENERATED>-1 and <GENERATED>-2"}


def test_plans_from_one_are_left_alone() -> None:
    assert zero_based([{"id": 1}, {"id": 2}]) is None
    assert zero_based([{"id": 0}, {"id": 0}]) is None, "duplicate ids: validation says so"
    assert zero_based([{"id": 0}, {"id": "x"}]) is None


def test_taskbench_positional_arguments_and_link_only_dependencies() -> None:
    items = taskbench_items(
        {
            "task_nodes": [
                {"task": "Automatic Speech Recognition", "arguments": ["a.wav"]},
                {"task": "Question Answering", "arguments": ["<node-0>", "Who spoke?"]},
                {"task": "Summarization", "arguments": ["notes"]},
            ],
            "task_links": [{"source": "Question Answering", "target": "Summarization"}],
        }
    )
    assert items == [
        {"id": 1, "task": "automatic-speech-recognition", "dep": [], "args": {"audio": "a.wav"}},
        {
            "id": 2,
            "task": "question-answering",
            "dep": [1],
            "args": {"context": "<GENERATED>-1", "question": "Who spoke?"},
        },
        {"id": 3, "task": "summarization", "dep": [2], "args": {"text": "notes"}},
    ]


def test_llmcompiler_lines() -> None:
    text = '1. summarization("a long text")\n2. text_to_speech(text=$1)\n3. join()\n4. x()'
    assert llmcompiler_items(text) == [
        {"id": 1, "task": "summarization", "dep": [], "args": {"text": "a long text"}},
        {"id": 2, "task": "text-to-speech", "dep": [1], "args": {"text": "<GENERATED>-1"}},
    ]
    assert llmcompiler_items("1. search(query='x')") is None, "not our tasks: not this format"
    assert llmcompiler_items("just prose") is None


def test_dollar_is_a_reference_only_as_a_whole_value() -> None:
    assert dollar_reference(" $3 ") == "<GENERATED>-3"
    assert dollar_reference("${12}") == "<GENERATED>-12"
    assert dollar_reference("it costs $1 now") is None
    plan = parse_plan(
        json.dumps([{"id": 1, "task": "summarization", "dep": [], "args": {"text": "costs $1"}}])
    )
    assert plan[0].args == {"text": "costs $1"}


def test_integers_from_model_json() -> None:
    from langchain_hugginggpt.graph.select import read_choices
    from langchain_hugginggpt.jsontext import as_int

    assert [as_int(v) for v in (3, "4", " -1 ", "¹", "1.5", True, None)] == [
        3,
        4,
        -1,
        None,
        None,
        None,
        None,
    ]
    assert read_choices({"¹": "m/x", "2": "m/y"}) == {2: ("m/y", "")}
