"""Finding the JSON inside a language model's reply: fences, prose around it, Python quoting."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["JSONNotFoundError", "as_int", "extract_json"]

_FENCE_RE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")
_MAX_STARTS = 64
"""How many opening brackets are tried as the start of the JSON; bounds the work on garbage."""


class JSONNotFoundError(ValueError):
    """No JSON array or object could be read from the text."""


def extract_json(text: str, max_chars: int = 100_000) -> list[Any] | dict[str, Any]:
    """Return the first JSON array or object in `text`.

    Looks inside code fences first, then the whole text; accepts strict JSON, JSON with trailing
    commas, and Python literals (single quotes, True/None). The work is bounded: at most
    `max_chars` characters and a fixed number of candidate start positions are tried.

    Raises:
        JSONNotFoundError: nothing in `text` reads as an array or object.
    """
    if not text or not text.strip():
        raise JSONNotFoundError("the text is empty")
    if len(text) > max_chars:
        raise JSONNotFoundError(f"the text is {len(text)} characters; at most {max_chars} are read")
    for candidate in _candidates(text):
        for fragment in _bracketed(candidate):
            value = _load(fragment)
            if isinstance(value, (list, dict)):
                return value
    raise JSONNotFoundError("no JSON array or object found in the text")


def _candidates(text: str) -> Iterator[str]:
    for match in _FENCE_RE.finditer(text):
        yield match.group(1)
    yield text


def _bracketed(text: str) -> Iterator[str]:
    """Yield balanced `[...]`/`{...}` spans in order of their opening bracket, quote-aware."""
    starts = 0
    for i, ch in enumerate(text):
        if starts >= _MAX_STARTS:
            return
        if ch in "[{":
            starts += 1
            end = _matching_close(text, i)
            if end is not None:
                yield text[i : end + 1]


def _matching_close(text: str, start: int) -> int | None:
    depth = 0
    quote: str | None = None
    escaped = False
    for j in range(start, len(text)):
        ch = text[j]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return j
    return None


def _load(fragment: str) -> Any:
    for attempt in (fragment, _TRAILING_COMMA_RE.sub(r"\1", fragment)):
        try:
            return json.loads(attempt)
        except (ValueError, RecursionError):
            pass
    try:
        # Python literals cover single quotes, True/False/None and trailing commas at once.
        return ast.literal_eval(fragment)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def as_int(value: object) -> int | None:
    """An integer from a model's JSON: an int, or a string of ASCII digits; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,9}", value.strip()):
        return int(value)
    return None
