import pytest

from langchain_hugginggpt.plan import (
    PlannedTask,
    PlanValidationError,
    check_plan,
    find_cycle,
    parse_plan,
    validate_plan,
)


def T(i: int, task: str, dep: tuple[int, ...] = (), **args: str) -> PlannedTask:
    return PlannedTask(i, task, dep, args)


def test_valid_chain_and_dag() -> None:
    plan = [
        T(1, "automatic-speech-recognition", audio="a.wav"),
        T(2, "summarization", (1,), text="<GENERATED>-1"),
        T(3, "text-to-speech", (2,), text="<GENERATED>-2"),
        T(4, "token-classification", (1,), text="<GENERATED>-1"),
        T(5, "text-to-image", (2, 4), text="a picture of <GENERATED>-2 with <GENERATED>-4"),
    ]
    assert validate_plan(plan) == []
    check_plan(plan)


def test_empty_plan_is_valid() -> None:
    assert validate_plan([]) == []


def test_unknown_task_suggests_the_closest() -> None:
    (problem,) = validate_plan([T(1, "text2image", text="x")])
    assert problem == "task 1: unknown task type 'text2image'; did you mean 'text-to-image'?"


def test_unknown_task_without_close_match() -> None:
    (problem,) = validate_plan([T(1, "make-coffee")])
    assert problem == "task 1: unknown task type 'make-coffee'"


def test_duplicate_id() -> None:
    problems = validate_plan([T(1, "summarization", text="a"), T(1, "summarization", text="b")])
    assert "id 1 is used by 2 tasks; ids must be unique" in problems


def test_non_positive_id() -> None:
    assert validate_plan([T(0, "summarization", text="a")]) == [
        "task 0: ids must be positive integers (1, 2, 3, ...)"
    ]


def test_missing_dependency() -> None:
    assert validate_plan([T(1, "summarization", (7,), text="a")]) == [
        "task 1 depends on task 7, which is not in the plan"
    ]


def test_self_dependency_and_self_reference() -> None:
    problems = validate_plan([T(1, "summarization", (1,), text="<GENERATED>-1")])
    assert "task 1 depends on itself; remove 1 from its dep" in problems
    assert any("references <GENERATED>-1, its own output" in p for p in problems)


def test_cycle() -> None:
    plan = [
        T(1, "summarization", (2,), text="<GENERATED>-2"),
        T(2, "summarization", (1,), text="<GENERATED>-1"),
    ]
    problems = validate_plan(plan)
    assert any(p.startswith("tasks 1 -> 2 -> 1 form a cycle") for p in problems)
    assert find_cycle(plan) == [1, 2, 1]


def test_longer_cycle_is_found_and_acyclic_is_not() -> None:
    plan = [
        T(1, "summarization", (3,)),
        T(2, "summarization", (1,)),
        T(3, "summarization", (2,)),
        T(4, "summarization", (1,)),
    ]
    cycle = find_cycle(plan)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {1, 2, 3}
    assert find_cycle([T(1, "summarization"), T(2, "summarization", (1,))]) is None


def test_reference_to_task_not_in_dep() -> None:
    plan = [T(1, "image-to-text", image="a.jpg"), T(2, "translation", text="<GENERATED>-1")]
    assert validate_plan(plan) == [
        "task 2 (translation) argument 'text' references <GENERATED>-1, but 1 is not among its "
        "dependencies; add it to dep"
    ]


def test_reference_to_missing_task() -> None:
    (problem,) = validate_plan([T(1, "summarization", text="<GENERATED>-5")])
    assert (
        problem
        == "task 1 (summarization) argument 'text' references <GENERATED>-5, but there is no task 5"
    )


def test_output_type_must_fit_the_argument() -> None:
    plan = [
        T(1, "text-classification", text="hi"),
        T(2, "image-to-text", (1,), image="<GENERATED>-1"),
    ]
    assert validate_plan(plan) == [
        "task 2 (image-to-text) argument 'image' references <GENERATED>-1, but task 1 "
        "(text-classification) produces text and 'image' takes image"
    ]


def test_media_output_into_text_argument_is_refused() -> None:
    plan = [T(1, "text-to-image", text="a cat"), T(2, "summarization", (1,), text="<GENERATED>-1")]
    (problem,) = validate_plan(plan)
    assert "produces image and 'text' takes text" in problem


def test_unknown_and_missing_arguments() -> None:
    problems = validate_plan([T(1, "visual-question-answering", image="x.png", colour="red")])
    assert (
        "task 1 (visual-question-answering) has no argument 'colour'; it takes: image, question"
        in problems
    )
    assert "task 1 (visual-question-answering) needs argument 'question' (text)" in problems


def test_optional_argument_may_be_absent() -> None:
    assert validate_plan([T(1, "translation", text="hello")]) == []


def test_every_problem_is_reported_at_once() -> None:
    plan = parse_plan(
        '[{"id": 1, "task": "summarization", "dep": [3], "args": {"text": "<GENERATED>-1"}},'
        ' {"id": 1, "task": "paint", "dep": [], "args": {}}]'
    )
    with pytest.raises(PlanValidationError) as info:
        check_plan(plan)
    assert len(info.value.problems) >= 3
    assert str(info.value).startswith("invalid plan:\n- ")


def test_a_detections_labels_feed_text_but_a_depth_map_does_not() -> None:
    """Object detection's result carries the labels found; depth estimation's is only a map."""

    def chain(first: str) -> list[PlannedTask]:
        return [
            PlannedTask(id=1, task=first, args={"image": "park.jpg"}),
            PlannedTask(id=2, task="text-generation", dep=(1,), args={"text": "<GENERATED>-1"}),
        ]

    assert validate_plan(chain("object-detection")) == []
    (problem,) = validate_plan(chain("depth-estimation"))
    assert "produces image and 'text' takes text" in problem
