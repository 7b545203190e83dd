"""Normalise Hub model metadata (tags, licenses, languages) into model-card fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["infer_library_name", "join_licenses", "languages"]

# Checked in order: a sentence-transformers or diffusers model often also carries the
# `transformers` tag, so the more specific library must win.
_LIBRARY_TAGS: tuple[tuple[str, str], ...] = (
    ("diffusers", "diffusers"),
    ("stable-diffusion-diffusers", "diffusers"),
    ("sentence-transformers", "sentence-transformers"),
    ("speechbrain", "speechbrain"),
    ("espnet", "espnet"),
    ("fairseq", "fairseq"),
    ("asteroid", "asteroid"),
    ("sklearn", "sklearn"),
    ("timm", "timm"),
    ("ultralyticsplus", "ultralyticsplus"),
    ("flair", "flair"),
    ("nemo", "nemo"),
    ("tensorflowtts", "tensorflowtts"),
    ("spacy", "spacy"),
    ("fastai", "fastai"),
    ("keras", "keras"),
    ("transformers", "transformers"),
)


def infer_library_name(tags: Iterable[str]) -> str | None:
    """Guess a model's library from its Hub tags.

    Args:
        tags: The model's tags, in any case.

    Returns:
        The Hub `library_name` the tags evidently point to, or None when none does.
    """
    lowered = {tag.lower() for tag in tags}
    for tag, library in _LIBRARY_TAGS:
        if tag in lowered:
            return library
    return None


def join_licenses(value: Any) -> str | None:
    """Return a model card's `license` as one string.

    Args:
        value: The card's license as written in its YAML: a string, a list or null.

    Returns:
        The license, several joined with ",", or None when there is none.
    """
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or None
    return str(value) if value else None


def languages(value: Any) -> tuple[str, ...]:
    """Return a model card's `language` as a tuple of language codes.

    Args:
        value: The card's language as parsed from its YAML: a string, a list or null.

    Returns:
        The codes, in order. YAML 1.1 reads the code `no` (Norwegian) as the boolean false,
        which many cards (e.g. Whisper's) carry, so false is turned back into "no".
    """
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple("no" if item is False else str(item) for item in items)
