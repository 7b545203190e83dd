"""The placeholder grammar: how one task's argument names another task's output."""

from __future__ import annotations

import re

__all__ = [
    "REFERENCE_RE",
    "canonical",
    "find_references",
    "normalize_references",
    "whole_reference",
]

REFERENCE_RE = re.compile(
    r"<\s*(?:GENERATED|resource)\s*(?:>\s*-\s*|-\s*)(-?\d{1,9})(?:\s*>)?", re.IGNORECASE
)
"""`<GENERATED>-k` as HuggingGPT writes it, `<resource-k>` as its prompts also do, and the
near misses small models produce (`<generated>-2`, `<GENERATED-2>`, `<resource>-2`)."""


def canonical(task_id: int) -> str:
    """Return the canonical reference to task `task_id`'s output."""
    return f"<GENERATED>-{task_id}"


def find_references(value: str) -> list[int]:
    """Return the task ids referenced in `value`, in order of appearance."""
    return [int(m.group(1)) for m in REFERENCE_RE.finditer(value)]


def normalize_references(value: str) -> str:
    """Rewrite every reference in `value` to the canonical `<GENERATED>-k` form."""
    return REFERENCE_RE.sub(lambda m: canonical(int(m.group(1))), value)


def whole_reference(value: str) -> int | None:
    """Return k when `value` is nothing but one reference to task k, else None."""
    match = REFERENCE_RE.fullmatch(value.strip())
    return int(match.group(1)) if match else None
