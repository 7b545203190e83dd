import json
from pathlib import Path

import pytest

from langchain_hugginggpt.tasks import (
    CONTROL_CONDITIONS,
    MODALITIES,
    TASKS,
    UnknownTaskError,
    get_task,
)

SNAPSHOT = (
    Path(__file__).resolve().parents[2] / "langchain_hugginggpt/catalog/data/hub-models-2023.jsonl"
)


def test_every_catalog_task_is_in_the_vocabulary() -> None:
    catalog_tasks = {json.loads(line)["task"] for line in SNAPSHOT.read_text().splitlines()}
    assert len(catalog_tasks) == 24
    assert catalog_tasks <= set(TASKS)


def test_the_planner_tasks_beyond_the_catalog() -> None:
    for name in (
        "text-classification",
        "zero-shot-classification",
        "image-to-image",
        "text-to-video",
    ):
        assert name in TASKS
    for cond in CONTROL_CONDITIONS:
        assert TASKS[f"{cond}-control"].output == "image"
        assert [a.modality for a in TASKS[f"{cond}-text-to-image"].args] == ["text", "image"]


def test_every_task_is_typed() -> None:
    for spec in TASKS.values():
        assert spec.args, spec.name
        assert spec.output in MODALITIES
        assert all(a.modality in MODALITIES for a in spec.args)
        assert spec.pipeline_tag and spec.description
        names = [a.name for a in spec.args]
        assert len(names) == len(set(names))


def test_modalities_of_representative_tasks() -> None:
    assert get_task("image-to-text").input_modalities == ("image",)
    assert get_task("image-to-text").output == "text"
    assert get_task("text-to-speech").output == "audio"
    assert get_task("visual-question-answering").input_modalities == ("image", "text")
    assert get_task("automatic-speech-recognition").input_modalities == ("audio",)
    assert get_task("text-to-video").output == "video"


def test_argument_aliases() -> None:
    vqa = get_task("visual-question-answering")
    assert vqa.arg("text").name == "question"
    assert vqa.arg("image_url").name == "image"
    assert vqa.arg("colour") is None


def test_unknown_task() -> None:
    with pytest.raises(UnknownTaskError, match="unknown task 'paint'; known tasks: "):
        get_task("paint")
