"""The object names a text-prompted vision model looks for, taken from the task or the request.

Open-vocabulary detectors (OWL-ViT, OWLv2) and text-prompted segmenters (CLIPSeg) find only
what they are told to find. The names come from the task's arguments when the plan gave them
(`labels`, `candidate_labels`, `text`, `query`, `prompt`: "cat, dog"), else from the user's
request: quoted phrases, or the objects named after a verb such as "find", "detect" or
"segment" ("find the cats and the red ball in a.jpg" -> cats, red ball).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["LABEL_ARGS", "prompt_labels"]

LABEL_ARGS: tuple[str, ...] = ("labels", "candidate_labels", "text", "query", "prompt")
"""Task arguments that may carry the names, in the order they are looked at."""

_MAX_LABELS = 8
_MAX_WORDS = 4
"""A longer "name" is a clause the pattern caught, not an object."""
_QUOTED = re.compile(r"[\"“]([^\"”]{2,40})[\"”]")
_VERBS = (
    r"find|detect|locate|spot|box|outline|mark|highlight|segment|mask|cut out|isolate|"
    r"separate|count|show me|point out|where (?:is|are)"
)
_NAMED = re.compile(
    rf"\b(?:{_VERBS})\s+(?:(?:all|every|each|any|the|a|an|of)\s+)*"
    r"(?P<names>[a-z][a-z0-9 ,'-]*?)"
    r"(?=\s+(?:in|on|from|within|inside|at|of|that|which|and then|then)\b|[.;:!?\n]|$)",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:,|\band\b|\bor\b|&|/)\s*", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|a|an|all|every|each|any|some)\s+", re.IGNORECASE)
_NOT_OBJECTS = frozenset(
    {"it", "them", "this", "that", "objects", "object", "things", "everything", "image"}
)


def prompt_labels(inputs: Mapping[str, str], request: str = "") -> list[str]:
    """The object names to look for: from the task's arguments, else from the request.

    Args:
        inputs: the task's arguments (media arguments are paths and are not looked at).
        request: the user's request, read when no argument names the objects.

    Returns:
        Up to eight distinct names, in the order given; empty when none is named.
    """
    for name in LABEL_ARGS:
        value = inputs.get(name, "")
        labels = _named(value) or _split(value)
        if labels:
            return labels
    return _clean(_QUOTED.findall(request)) or _named(request)


def _named(text: str) -> list[str]:
    """Quoted names, else the objects named after a verb ("detect the cats" -> cats)."""
    found: list[str] = []
    for match in _NAMED.finditer(text):
        found.extend(_split(match.group("names")))
    return _clean(found)


def _split(text: str) -> list[str]:
    return _clean(_SPLIT.split(text.strip()))


def _clean(names: list[str]) -> list[str]:
    kept: list[str] = []
    for raw in names:
        name = _ARTICLE.sub("", " ".join(raw.split())).strip(" .,;:'\"").lower()
        if (
            name
            and name not in _NOT_OBJECTS
            and len(name.split()) <= _MAX_WORDS
            and name not in kept
        ):
            kept.append(name)
    return kept[:_MAX_LABELS]
