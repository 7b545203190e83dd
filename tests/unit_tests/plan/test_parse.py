import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_hugginggpt.plan import MAX_PLAN_TASKS, PlannedTask, PlanParseError, parse_plan
from langchain_hugginggpt.tasks import TASKS

CHAIN = [
    {"id": 1, "task": "image-to-text", "dep": [-1], "args": {"image": "a.jpg"}},
    {"id": 2, "task": "translation", "dep": [1], "args": {"text": "<GENERATED>-1"}},
]


def test_plain_json_list() -> None:
    tasks = parse_plan(json.dumps(CHAIN))
    assert tasks == [
        PlannedTask(1, "image-to-text", (), {"image": "a.jpg"}),
        PlannedTask(2, "translation", (1,), {"text": "<GENERATED>-1"}),
    ]


def test_code_fence_and_prose_around() -> None:
    text = "Here is my plan:\n```json\n" + json.dumps(CHAIN) + "\n```\nLet me know!"
    assert [t.id for t in parse_plan(text)] == [1, 2]


def test_prose_with_braces_before_the_json() -> None:
    text = "I will use {image} then: " + json.dumps(CHAIN)
    assert [t.task for t in parse_plan(text)] == ["image-to-text", "translation"]


def test_single_quotes_and_trailing_commas() -> None:
    text = "[{'id': 1, 'task': 'summarization', 'dep': [-1], 'args': {'text': 'x'},},]"
    assert parse_plan(text) == [PlannedTask(1, "summarization", (), {"text": "x"})]


def test_object_with_tasks_key_and_decoded_input() -> None:
    assert parse_plan({"tasks": CHAIN})[1].dep == (1,)
    assert parse_plan(CHAIN)[0].task == "image-to-text"


def test_single_task_object() -> None:
    assert (
        parse_plan('{"id": 1, "task": "summarization", "dep": [], "args": {"text": "x"}}')[0].id
        == 1
    )


def test_empty_plan_is_valid() -> None:
    assert parse_plan("[]") == []
    assert parse_plan('{"tasks": []}') == []


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("<GENERATED>-1", "<GENERATED>-1"),
        ("<resource-1>", "<GENERATED>-1"),
        ("<generated>-1", "<GENERATED>-1"),
        ("<GENERATED-1>", "<GENERATED>-1"),
        ("<resource>-1", "<GENERATED>-1"),
        ("the text <GENERATED> - 1 here", "the text <GENERATED>-1 here"),
    ],
)
def test_reference_spellings_are_normalised(spelling: str, canonical: str) -> None:
    plan = [
        dict(CHAIN[0]),
        {"id": 2, "task": "summarization", "dep": [1], "args": {"text": spelling}},
    ]
    assert parse_plan(plan)[1].args["text"] == canonical


def test_string_ids_and_deps_and_task_spelling() -> None:
    text = (
        '[{"id": "1", "task": "Text_Classification", "dep": "-1", "args": {"text": "hi"}},'
        ' {"id": "2", "task": "text to speech", "dep": ["1", 1],'
        ' "args": {"text": "<GENERATED>-1"}}]'
    )
    tasks = parse_plan(text)
    assert tasks[0] == PlannedTask(1, "text-classification", (), {"text": "hi"})
    assert tasks[1].task == "text-to-speech"
    assert tasks[1].dep == (1,)


def test_argument_aliases_become_canonical_names() -> None:
    plan = [
        {
            "id": 1,
            "task": "visual-question-answering",
            "dep": [],
            "args": {"image_url": "x.png", "text": "what is it?"},
        }
    ]
    assert parse_plan(plan)[0].args == {"image": "x.png", "question": "what is it?"}


def test_non_string_argument_values_are_rendered() -> None:
    plan = [
        {
            "id": 1,
            "task": "zero-shot-classification",
            "dep": [],
            "args": {"text": "t", "labels": ["a", "b"], "extra": {"k": 1}, "n": 3, "none": None},
        }
    ]
    assert parse_plan(plan)[0].args == {
        "text": "t",
        "labels": "a, b",
        "extra": '{"k": 1}',
        "n": "3",
        "none": "",
    }


def test_missing_id_takes_the_position_and_missing_fields_default() -> None:
    assert parse_plan([{"task": "summarization", "args": "some text"}]) == [
        PlannedTask(1, "summarization", (), {"text": "some text"})
    ]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("", "no text"),
        (None, "no text"),
        ("I cannot help with that.", "cannot read a plan"),
        ('"just a string"', "cannot read a plan"),
        ("42", "cannot read a plan"),
        ('{"answer": 42}', "expected a list of tasks"),
        ("[1, 2]", "step 1 of the plan is int"),
        ('[{"id": 1}]', "has no task name"),
        ('[{"id": true, "task": "summarization"}]', "ids are integers"),
        ('[{"id": "one", "task": "summarization"}]', "ids are integers"),
        ('[{"id": 1, "task": "summarization", "dep": [{"x": 1}]}]', "dependency"),
        ('[{"id": 1, "task": "summarization", "args": 5}]', "args is an object"),
        ("x" * 200_000, "at most"),
    ],
)
def test_unreadable_output_raises_parse_error(output: str | None, message: str) -> None:
    with pytest.raises(PlanParseError, match=message):
        parse_plan(output)


def test_too_many_tasks() -> None:
    plan = [{"id": i, "task": "summarization", "args": {"text": "x"}} for i in range(1, 70)]
    with pytest.raises(PlanParseError, match=f"at most {MAX_PLAN_TASKS}"):
        parse_plan(plan)


def test_task_limit_is_a_parameter() -> None:
    plan = [{"id": i, "task": "summarization", "args": {"text": "x"}} for i in range(1, 301)]
    assert len(parse_plan(plan, max_tasks=300)) == 300
    assert len(parse_plan(json.dumps(plan), max_tasks=300)) == 300  # longer text allowed too
    with pytest.raises(PlanParseError, match="at most 299"):
        parse_plan(plan, max_tasks=299)


def test_max_plan_tasks_setting_is_checked() -> None:
    from langchain_hugginggpt import Context

    assert Context(max_plan_tasks=1000).max_plan_tasks == 1000
    with pytest.raises(ValueError, match="max_plan_tasks must be 1 to 10000, got 0"):
        Context(max_plan_tasks=0)


# --- property-based: the parser never raises anything but PlanParseError and never hangs ---

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 100)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_task_dicts = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(-3, 10), st.text(max_size=3), st.booleans(), st.none()),
        "task": st.one_of(st.sampled_from(sorted(TASKS)), st.text(max_size=12), st.integers()),
        "dep": st.one_of(
            st.lists(st.integers(-2, 10), max_size=4), st.integers(), st.text(max_size=6), _values
        ),
        "args": st.one_of(
            st.dictionaries(
                st.sampled_from(["text", "image", "audio", "question", "labels", "junk"]),
                st.one_of(
                    st.text(max_size=12), st.just("<GENERATED>-1"), st.just("<resource-2>"), _values
                ),
                max_size=3,
            ),
            _values,
        ),
    },
)


@settings(max_examples=300, deadline=2000)
@given(st.text(max_size=400))
def test_random_text_only_raises_parse_error(text: str) -> None:
    try:
        tasks = parse_plan(text)
    except PlanParseError:
        return
    assert all(isinstance(t, PlannedTask) for t in tasks)


@settings(max_examples=300, deadline=2000)
@given(st.lists(_task_dicts, max_size=6), st.sampled_from(["json", "python", "fenced", "decoded"]))
def test_mutated_plans_only_raise_parse_error(items: list[dict], form: str) -> None:
    if form == "json":
        output: object = json.dumps(items)
    elif form == "python":
        output = repr(items)
    elif form == "fenced":
        output = "Plan:\n```json\n" + json.dumps(items) + "\n```"
    else:
        output = items
    try:
        tasks = parse_plan(output)  # type: ignore[arg-type]
    except PlanParseError:
        return
    for t in tasks:
        assert isinstance(t.id, int) and isinstance(t.task, str)
        assert all(isinstance(d, int) and d != -1 for d in t.dep)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in t.args.items())


@settings(max_examples=200, deadline=2000)
@given(st.text(alphabet="[]{}\"',:\\ ab1", max_size=300))
def test_bracket_soup_terminates(text: str) -> None:
    with contextlib.suppress(PlanParseError):
        parse_plan(text)
