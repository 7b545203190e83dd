"""Text arguments that name a file: a document is read as text, an image of text through OCR.

"Summarise notes.txt" must summarise what notes.txt says, never the words "notes.txt". A text
argument whose whole value is a path or URL of a document (`.txt`, `.md`, `.pdf`, `.docx`,
`.html`) or of an image is loaded under the same rules as media inputs (allowed folders, public
URLs only, size limits) and replaced by the text it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePath

from langchain_hugginggpt.artifacts.documents import load_document, looks_like_document
from langchain_hugginggpt.artifacts.inputs import InputError, InputPolicy, load_input
from langchain_hugginggpt.plan.repair import value_modality

__all__ = [
    "SUPPORTED_KINDS",
    "Ocr",
    "UNSUPPORTED_DOCUMENTS",
    "names_text_file",
    "read_text_input",
    "readable_kind",
]

Ocr = Callable[[Path], str]
UNSUPPORTED_DOCUMENTS = (".doc", ".odt", ".rtf", ".epub", ".ppt", ".pptx", ".xls", ".xlsx",
                         ".odp", ".ods")  # fmt: skip
"""Document types people name that are not read here: refused with what to convert them to."""
SUPPORTED_KINDS = (
    "an image, a recording, a video, a table (.csv, .tsv) or a document (.txt, .md, .pdf, "
    ".docx, .html)"
)


def readable_kind(path: PurePath) -> bool:
    """Whether a file's name says it is of a kind some task reads (media, table, document)."""
    return value_modality(path.name, {}) is not None and not _unsupported(path.name)


def _unsupported(value: str) -> str | None:
    suffix = PurePath(value.split("?", 1)[0]).suffix.lower()
    return suffix if suffix in UNSUPPORTED_DOCUMENTS else None


def names_text_file(value: str) -> bool:
    """Whether a text argument's whole value is a document or an image to be read as text."""
    value = value.strip()
    return looks_like_document(value) or (
        " " not in value
        and (value_modality(value, {}) == "image" or _unsupported(value) is not None)
    )


def read_text_input(
    value: str, *, policy: InputPolicy, dest_dir: Path, ocr: Ocr | None, max_chars: int
) -> str:
    """The text a document or image holds, loaded safely.

    Raises:
        InputError: the file is refused, unreadable, or holds no text (the message says which).
    """
    value = value.strip()
    unsupported = _unsupported(value)
    if unsupported:
        raise InputError(
            f"{value} is a {unsupported} document, which is not read here; save it as PDF, "
            "DOCX, HTML, Markdown or plain text"
        )
    if looks_like_document(value):
        return load_document(
            value, policy=policy, dest_dir=dest_dir, ocr=ocr, max_chars=max_chars
        ).text
    image = load_input(value, "image", policy=policy, dest_dir=dest_dir)
    if ocr is None:
        raise InputError(
            f"{value} is an image, and reading its text needs OCR: install the Debian packages "
            "tesseract-ocr and tesseract-ocr-eng"
        )
    text = ocr(image.path).strip()
    if not text:
        raise InputError(f"{value} is an image in which OCR found no text")
    return text[:max_chars]
