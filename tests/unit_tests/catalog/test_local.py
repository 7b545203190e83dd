"""Tests of cards for the user's own model directories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from langchain_hugginggpt.catalog import local_card

MakeDir = Callable[..., Path]


def test_transformers_directory(model_dir: MakeDir) -> None:
    directory = model_dir("config.json", "model.safetensors", name="my-bert")
    card = local_card(directory, "text-classification")
    assert card.id == "local/my-bert"
    assert card.task == "text-classification"
    assert card.source == "local"
    assert card.is_local
    assert card.path == str(directory.resolve())
    assert card.library_name == "transformers"
    assert card.license is None
    assert card.description == ""
    assert (card.downloads, card.likes, card.gated) == (0, 0, False)


@pytest.mark.parametrize(
    ("files", "library"),
    [
        (("model_index.json",), "diffusers"),
        (
            ("config.json", "config_sentence_transformers.json", "modules.json"),
            "sentence-transformers",
        ),
        (("config.json",), "transformers"),
        (("model.safetensors",), None),
        (("model.Q4_K_M.gguf",), None),
        (("pytorch_model.bin",), None),
        (("model.onnx",), None),
        (("MODEL.SAFETENSORS",), None),
    ],
)
def test_model_files_and_library_inference(
    model_dir: MakeDir, files: tuple[str, ...], library: str | None
) -> None:
    card = local_card(model_dir(*files), "text-to-image")
    assert card.library_name == library


def test_explicit_fields_win(model_dir: MakeDir) -> None:
    card = local_card(
        model_dir("config.json"),
        "summarization",
        model_id="me/summariser-v2",
        library_name="onnxruntime",
        description="fine-tuned on our tickets",
        license="MIT",
    )
    assert card.id == "me/summariser-v2"
    assert card.library_name == "onnxruntime"
    assert card.description == "fine-tuned on our tickets"
    assert card.license == "MIT"


def test_path_as_string_symlink_and_home_are_resolved(
    model_dir: MakeDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = model_dir("config.json", name="real-model")
    link = tmp_path / "link-to-model"
    link.symlink_to(real, target_is_directory=True)
    card = local_card(str(link), "translation")
    assert card.path == str(real.resolve())
    assert card.id == "local/real-model"

    monkeypatch.setenv("HOME", str(tmp_path))
    assert local_card("~/real-model", "translation").path == str(real.resolve())


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist") as info:
        local_card(tmp_path / "nowhere", "summarization")
    assert "nowhere" in str(info.value)


def test_file_instead_of_directory(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\0")
    with pytest.raises(NotADirectoryError, match="is not a directory") as info:
        local_card(weights, "summarization")
    assert "model.safetensors" in str(info.value)


@pytest.mark.parametrize(
    "files",
    [(), ("README.md",), ("tokenizer.json", "weights.pt.txt")],
)
def test_directory_without_model_files(model_dir: MakeDir, files: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="holds no model files") as info:
        local_card(model_dir(*files), "summarization")
    assert "config.json" in str(info.value)
    assert "*.safetensors" in str(info.value)


def test_a_subdirectory_named_like_weights_does_not_count(model_dir: MakeDir) -> None:
    directory = model_dir()
    (directory / "model.safetensors").mkdir()
    with pytest.raises(ValueError, match="holds no model files"):
        local_card(directory, "summarization")


def test_unknown_task(model_dir: MakeDir) -> None:
    with pytest.raises(ValueError, match="unknown task 'summarise'") as info:
        local_card(model_dir("config.json"), "summarise")
    assert "summarization" in str(info.value)
    assert "text-to-image" in str(info.value)


def test_unknown_task_is_reported_before_touching_the_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown task"):
        local_card(tmp_path / "nowhere", "no-such-task")


@pytest.mark.parametrize("model_id", ["", "   "])
def test_empty_model_id(model_dir: MakeDir, model_id: str) -> None:
    with pytest.raises(ValueError, match="model_id"):
        local_card(model_dir("config.json"), "summarization", model_id=model_id)
