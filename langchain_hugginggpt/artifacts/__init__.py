"""Typed media and the files of one run."""

from langchain_hugginggpt.artifacts.types import (
    MEDIA_TYPES,
    OutputType,
    OutputTypeError,
    TaskOutput,
    as_input,
)

__all__ = ["MEDIA_TYPES", "OutputType", "OutputTypeError", "TaskOutput", "as_input"]
