"""Tests of the bundled 2023 Hub snapshot."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from langchain_hugginggpt.catalog import bundled, load_bundled
from langchain_hugginggpt.catalog.metadata import infer_library_name, join_licenses, languages
from langchain_hugginggpt.tasks import TASKS

EXPECTED_COUNTS = {
    **{
        task: 30
        for task in (
            "audio-classification",
            "audio-to-audio",
            "automatic-speech-recognition",
            "conversational",
            "depth-estimation",
            "image-classification",
            "image-segmentation",
            "image-to-image",
            "image-to-text",
            "object-detection",
            "question-answering",
            "sentence-similarity",
            "summarization",
            "tabular-classification",
            "text-classification",
            "text-generation",
            "text-to-image",
            "text-to-speech",
            "text2text-generation",
            "token-classification",
            "translation",
        )
    },
    "document-question-answering": 22,
    "visual-question-answering": 13,
    "text-to-video": 8,
}


def _raw_rows() -> list[dict[str, object]]:
    data = resources.files("langchain_hugginggpt.catalog").joinpath("data", "hub-models-2023.jsonl")
    return [json.loads(line) for line in data.read_text().splitlines() if line.strip()]


def test_loads_every_row_as_a_bundled_card() -> None:
    cards = load_bundled()
    assert len(cards) == 673
    assert {card.source for card in cards} == {"bundled"}
    assert Counter(card.task for card in cards) == EXPECTED_COUNTS
    assert len(EXPECTED_COUNTS) == 24
    assert all(card.task in TASKS for card in cards)


def test_keeps_the_snapshot_fields() -> None:
    by_id = {(card.id, card.task): card for card in load_bundled()}
    for row in _raw_rows():
        card = by_id[(str(row["id"]), str(row["task"]))]
        assert card.downloads == row["downloads"]
        assert card.likes == row["likes"]
        assert list(card.tags) == row["tags"]
        assert isinstance(row["languages"], list)
        norwegian = ["no" if code is False else code for code in row["languages"]]
        assert list(card.languages) == norwegian
        datasets = row["datasets"]
        datasets = [datasets] if isinstance(datasets, str) else datasets
        assert card.extra.get("datasets", []) == datasets
        assert card.path is None
        assert card.gated is False


def test_license_lists_are_joined_and_nulls_kept() -> None:
    cards = load_bundled()
    licenses = Counter(card.license for card in cards)
    assert licenses[None] == 164
    assert licenses["apache-2.0,bsd-3-clause"] == 5
    assert licenses["cc-by-nc-sa-4.0,apache-2.0"] == 1
    # A one-item list is just that license.
    assert "cc0-1.0" in licenses
    assert all(card.license is None or isinstance(card.license, str) for card in cards)


def test_snapshot_is_sorted_by_task_then_downloads() -> None:
    cards = load_bundled()
    for task in EXPECTED_COUNTS:
        downloads = [card.downloads for card in cards if card.task == task]
        assert downloads == sorted(downloads, reverse=True)


def test_library_name_inferred_from_tags() -> None:
    by_library = Counter(card.library_name for card in load_bundled())
    assert by_library["sentence-transformers"] == 29
    assert by_library["speechbrain"] == 20
    assert by_library["diffusers"] == 20
    assert by_library["espnet"] == 8
    runwayml = next(c for c in load_bundled() if c.id == "runwayml/stable-diffusion-v1-5")
    assert runwayml.library_name == "diffusers"


@pytest.mark.parametrize(
    ("tags", "library"),
    [
        (["transformers", "sentence-transformers"], "sentence-transformers"),
        (["diffusers", "transformers"], "diffusers"),
        (["stable-diffusion-diffusers"], "diffusers"),
        (["Keras"], "keras"),
        (["NeMo", "pytorch"], "nemo"),
        (["ultralyticsplus", "yolov8"], "ultralyticsplus"),
        (["pytorch", "vision"], None),
        ([], None),
    ],
)
def test_infer_library_name(tags: list[str], library: str | None) -> None:
    assert infer_library_name(tags) == library


def test_load_is_cached_but_returns_a_new_list() -> None:
    first, second = load_bundled(), load_bundled()
    assert first is not second
    assert first[0] is second[0]
    first.clear()
    assert len(load_bundled()) == 673


def test_yaml_false_language_is_norwegian() -> None:
    whisper = next(c for c in load_bundled() if c.id == "openai/whisper-tiny")
    assert "no" in whisper.languages
    assert all(isinstance(code, str) for card in load_bundled() for code in card.languages)


def test_bare_string_dataset_becomes_a_list() -> None:
    model_id = "BlackSamorez/rudialogpt3_medium_based_on_gpt2_2ch"
    card = next(c for c in load_bundled() if c.id == model_id)
    assert card.extra["datasets"] == ["BlackSamorez/2ch_b_dialogues"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("mit", "mit"), (["cc0-1.0"], "cc0-1.0"), (["a", "b"], "a,b"), ([], None), (None, None)],
)
def test_join_licenses(value: object, expected: str | None) -> None:
    assert join_licenses(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ()), ("en", ("en",)), (["en", False, "nn"], ("en", "no", "nn"))],
)
def test_languages(value: object, expected: tuple[str, ...]) -> None:
    assert languages(value) == expected


def test_malformed_snapshot_line_names_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    good = '{"id": "a/b", "task": "summarization", "downloads": 1, "likes": 0, "tags": []}'
    (data / "hub-models-2023.jsonl").write_text(good + "\n\n" + '{"task": "summarization"}\n')
    monkeypatch.setattr(bundled.resources, "files", lambda package: tmp_path)
    with pytest.raises(ValueError, match="line 3 is not a valid model row"):
        bundled._load.__wrapped__()
