"""Typed media and the files of one run."""

from langchain_hugginggpt.artifacts.documents import (
    DOCUMENT_SUFFIXES,
    DocumentError,
    LoadedDocument,
    load_document,
    looks_like_document,
)
from langchain_hugginggpt.artifacts.types import (
    MEDIA_TYPES,
    OutputType,
    OutputTypeError,
    TaskOutput,
    as_input,
)

__all__ = [
    "DOCUMENT_SUFFIXES",
    "MEDIA_TYPES",
    "DocumentError",
    "LoadedDocument",
    "OutputType",
    "OutputTypeError",
    "TaskOutput",
    "as_input",
    "load_document",
    "looks_like_document",
]
