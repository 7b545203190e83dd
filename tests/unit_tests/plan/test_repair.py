from langchain_hugginggpt.plan import PlannedTask, validate_plan
from langchain_hugginggpt.plan.repair import repair_plan, value_modality


def T(i: int, task: str, dep: tuple[int, ...] = (), **args: str) -> PlannedTask:
    return PlannedTask(i, task, dep, args)


def test_sound_plan_is_untouched() -> None:
    plan = [
        T(1, "automatic-speech-recognition", audio="a.wav"),
        T(2, "summarization", (1,), text="<GENERATED>-1"),
    ]
    assert repair_plan(plan) == (plan, [])


def test_self_reference_points_at_the_earlier_producer() -> None:
    plan = [
        T(1, "automatic-speech-recognition", audio="a.wav"),
        T(2, "summarization", (1,), text="<GENERATED>-2"),
        T(3, "text-to-speech", (2,), text="<GENERATED>-3"),
    ]
    fixed, fixes = repair_plan(plan)
    assert fixed[1].args["text"] == "<GENERATED>-1" and fixed[2].args["text"] == "<GENERATED>-2"
    assert validate_plan(fixed) == []
    assert "task 2: 'text' used its own output; now uses task 1's" in fixes


def test_reference_missing_from_dep_is_added() -> None:
    fixed, fixes = repair_plan(
        [T(1, "image-to-text", image="x.png"), T(2, "translation", text="<GENERATED>-1")]
    )
    assert fixed[1].dep == (1,) and fixes == ["task 2: added 1 to dep (its output is used)"]


def test_misnamed_argument_moves_to_the_slot_its_value_fits() -> None:
    fixed, fixes = repair_plan([T(1, "image-classification", text="cat.jpg")])
    assert fixed[0].args == {"image": "cat.jpg"}
    assert fixes == ["task 1: argument 'text' renamed to 'image'"]


def test_extra_argument_is_dropped_when_the_task_is_complete() -> None:
    fixed, _ = repair_plan([T(1, "summarization", text="long text", max_length="50")])
    assert fixed[0].args == {"text": "long text"}


def test_empty_required_argument_is_linked_to_the_only_producer() -> None:
    plan = [T(1, "automatic-speech-recognition", audio="a.wav"), T(2, "text-to-speech")]
    fixed, fixes = repair_plan(plan)
    assert fixed[1].args == {"text": "<GENERATED>-1"} and fixed[1].dep == (1,)
    assert "task 2: empty 'text' linked to task 1's output" in fixes
    assert validate_plan(fixed) == []


def test_ambiguous_links_are_left_for_validation() -> None:
    plan = [
        T(1, "image-to-text", image="a.png"),
        T(2, "image-to-text", image="b.png"),
        T(3, "text-to-speech"),
    ]
    fixed, fixes = repair_plan(plan)
    assert fixed[2].args == {} and fixes == []
    assert "task 3 (text-to-speech) needs argument 'text' (text)" in validate_plan(fixed)


def test_dependencies_on_itself_or_missing_tasks_are_removed() -> None:
    fixed, fixes = repair_plan([T(1, "summarization", (1, 9), text="x")])
    assert fixed[0].dep == () and fixes == [
        "task 1: removed dependencies on itself or on missing tasks"
    ]


def test_unknown_tasks_pass_through_for_validation() -> None:
    plan = [T(1, "paint", image="x.png")]
    assert repair_plan(plan) == (plan, [])


def test_value_modality() -> None:
    outputs = {1: "image"}
    assert value_modality("<GENERATED>-1", outputs) == "image"
    assert value_modality("/data/clip.WAV", outputs) == "audio"
    assert value_modality("https://x.org/a.png?size=2", outputs) == "image"
    assert value_modality("a sentence ending in photo.jpg", outputs) is None
    assert value_modality("hello", outputs) is None


def test_producer_of_the_wrong_kind_is_swapped_for_the_most_relevant_fit() -> None:
    plan = [
        T(1, "audio-to-audio", audio="talk.wav"),
        T(2, "summarization", (1,), text="<GENERATED>-1"),
    ]
    relevance = {"automatic-speech-recognition": 0.4, "audio-classification": 0.1}
    fixed, fixes = repair_plan(plan, relevance=relevance)
    assert fixed[0] == T(1, "automatic-speech-recognition", audio="talk.wav")
    assert fixes == [
        "task 1: audio-to-audio makes audio but text is needed; now automatic-speech-recognition"
    ]
    assert validate_plan(fixed) == []


def test_no_swap_without_evidence_when_several_tasks_fit() -> None:
    plan = [
        T(1, "audio-to-audio", audio="talk.wav"),
        T(2, "summarization", (1,), text="<GENERATED>-1"),
    ]
    fixed, _ = repair_plan(plan)
    assert fixed[0].task == "audio-to-audio"
    assert validate_plan(fixed)  # still invalid: left to the controller


def test_a_text_task_fed_by_detection_labels_keeps_the_detection() -> None:
    """Repair does not swap object detection for a text-making task when text reads its labels."""
    plan = [
        PlannedTask(id=1, task="object-detection", args={"image": "park.jpg"}),
        PlannedTask(id=2, task="summarization", dep=(1,), args={"text": "<GENERATED>-1"}),
    ]
    repaired, fixes = repair_plan(plan, relevance={"image-classification": 1.0})
    assert repaired == plan and fixes == []
