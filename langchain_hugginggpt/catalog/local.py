"""Describe a user's own model directory (fine-tuned or downloaded) as a model card."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.tasks import TASKS, UnknownTaskError

__all__ = ["MODEL_FILES", "WEIGHT_SUFFIXES", "local_card"]

MODEL_FILES: tuple[str, ...] = ("config.json", "model_index.json")
"""Files whose presence marks a directory as a model (transformers, diffusers)."""

WEIGHT_SUFFIXES: tuple[str, ...] = (".safetensors", ".gguf", ".bin", ".onnx")
"""Weight-file suffixes that mark a directory as a model even without a config."""

# Most specific marker first: a sentence-transformers or diffusers export also holds
# transformers-style `config.json` files.
_LIBRARY_MARKERS: tuple[tuple[str, str], ...] = (
    ("model_index.json", "diffusers"),
    ("config_sentence_transformers.json", "sentence-transformers"),
    ("config.json", "transformers"),
)


def _has_model_files(directory: Path) -> bool:
    if any((directory / name).is_file() for name in MODEL_FILES):
        return True
    return any(
        entry.is_file() and entry.suffix.lower() in WEIGHT_SUFFIXES for entry in directory.iterdir()
    )


def _infer_library(directory: Path) -> str | None:
    for marker, library in _LIBRARY_MARKERS:
        if (directory / marker).is_file():
            return library
    return None


def local_card(
    path: str | os.PathLike[str],
    task: str,
    *,
    model_id: str | None = None,
    library_name: str | None = None,
    description: str = "",
    license: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> ModelCard:
    """Build the card of a model stored in a local directory.

    Args:
        path: Directory holding the model: a `config.json` or `model_index.json`, or weight
            files (`*.safetensors`, `*.gguf`, `*.bin`, `*.onnx`). `~` is expanded.
        task: Task name the model serves; must be in `langchain_hugginggpt.tasks.TASKS`.
        model_id: Card id; defaults to `local/<directory name>`.
        library_name: Library that loads the model; inferred from the directory's files
            (diffusers, sentence-transformers, transformers) when not given.
        description: Free text shown with the model.
        license: The model's license identifier, if known.
        extra: Engine settings kept on the card, e.g. for a SpeechT5 text-to-speech model
            `vocoder` (a local vocoder folder or Hub id) and `speaker_embedding` (a `.npy` or
            `.json` file of the voice's 512 values).

    Returns:
        A `source="local"` card whose `path` is the resolved directory.

    Raises:
        ValueError: `task` is unknown, `model_id` is empty, or the directory holds no
            model files.
        FileNotFoundError: `path` does not exist.
        NotADirectoryError: `path` is not a directory.
    """
    if task not in TASKS:
        raise ValueError(str(UnknownTaskError(task)))
    if model_id is not None and not model_id.strip():
        raise ValueError("model_id must be a non-empty string when given")
    directory = Path(path).expanduser().resolve()
    if not directory.exists():
        raise FileNotFoundError(f"local model directory {str(directory)!r} does not exist")
    if not directory.is_dir():
        raise NotADirectoryError(f"local model path {str(directory)!r} is not a directory")
    if not _has_model_files(directory):
        raise ValueError(
            f"local model directory {str(directory)!r} holds no model files: expected "
            f"{' or '.join(MODEL_FILES)} or weights (*{', *'.join(WEIGHT_SUFFIXES)})"
        )
    return ModelCard(
        id=model_id if model_id is not None else f"local/{directory.name}",
        task=task,
        license=license,
        library_name=library_name if library_name is not None else _infer_library(directory),
        source="local",
        path=str(directory),
        description=description,
        extra=dict(extra or {}),
    )
