"""Typed task outputs: what an engine returns and how one output feeds another task's input."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from langchain_hugginggpt.tasks import Modality

__all__ = ["MEDIA_TYPES", "OutputType", "OutputTypeError", "TaskOutput", "as_input"]

OutputType = Literal["text", "labels", "json", "image", "audio", "video", "table"]
MEDIA_TYPES: frozenset[str] = frozenset({"image", "audio", "video", "table"})


class TaskOutput(TypedDict, total=False):
    """One task's result, JSON-ready so the checkpointer can store it.

    `text` is always present: the output itself for text tasks, a readable rendering for labels
    and JSON, a one-line description for media. Media outputs carry `path` and `mime_type`.
    """

    type: OutputType
    text: str
    path: str
    mime_type: str
    data: Any


class OutputTypeError(TypeError):
    """An output cannot feed an argument of the requested modality."""


def as_input(output: TaskOutput, modality: Modality) -> str:
    """Return the value an argument of `modality` receives from `output`.

    Text arguments get the output's text; media arguments get the file path of a media output of
    the same kind (a detection's annotated image feeds an image argument, for instance).
    """
    if modality == "text":
        return output.get("text", "")
    kind = output.get("type")
    path = output.get("path")
    if kind == modality and path:
        return path
    raise OutputTypeError(f"a {kind} output cannot be used as {modality} input")
