"""Retrieval for planning: demonstrations and task types most relevant to a request."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from langchain_hugginggpt.tasks import TASKS, TaskSpec

__all__ = ["Demo", "DemoBank", "TaskIndex", "bundled_demos", "tokens"]

_WORD_RE = re.compile(r"[a-z0-9]+")
_KINDS = {
    "image": ("png", "jpg", "jpeg", "gif", "bmp", "webp", "picture", "photo", "image"),
    "audio": ("wav", "mp3", "flac", "ogg", "m4a", "recording", "audio", "speech"),
    "video": ("mp4", "webm", "avi", "mov", "video"),
    "table": ("csv", "tsv", "table"),
}
_KIND_OF = {word: f"__{kind}__" for kind, words in _KINDS.items() for word in words}
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "it",
        "is",
        "this",
        "that",
        "me",
        "my",
        "for",
        "with",
        "then",
        "please",
    ]
)


@dataclass(frozen=True)
class Demo:
    """One demonstration: a request and the plan that fulfils it."""

    request: str
    tasks: list[dict[str, Any]]


def tokens(text: str) -> list[str]:
    """Lower-case words without stop words, plus a kind marker for media words and extensions."""
    words = [w for w in _WORD_RE.findall(text.lower()) if w not in _STOP]
    return words + [_KIND_OF[w] for w in words if w in _KIND_OF]


@cache
def bundled_demos() -> tuple[Demo, ...]:
    """The demonstrations shipped with the package."""
    text = files("langchain_hugginggpt").joinpath("data/plan_demos.jsonl").read_text("utf-8")
    return tuple(Demo(**json.loads(line)) for line in text.splitlines() if line.strip())


class _TfIdf:
    """TF-IDF cosine over `tokens`, for a fixed set of documents."""

    def __init__(self, documents: Sequence[str]) -> None:
        counts = [Counter(tokens(d)) for d in documents]
        seen = Counter(word for c in counts for word in c)
        total = len(counts) or 1
        self._idf = {w: math.log((1 + total) / (1 + n)) + 1.0 for w, n in seen.items()}
        self._docs = [self._weigh(c) for c in counts]

    def _weigh(self, counts: Counter[str]) -> dict[str, float]:
        weights = {w: n * self._idf.get(w, 1.0) for w, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        return {w: v / norm for w, v in weights.items()}

    def scores(self, query: str) -> list[float]:
        weights = self._weigh(Counter(tokens(query)))
        return [sum(q * doc.get(w, 0.0) for w, q in weights.items()) for doc in self._docs]


class DemoBank:
    """Picks the demonstrations most similar to a request.

    Similarity is TF-IDF cosine over words (media words and file extensions also count as their
    kind, so "clip.wav" is near "recording"), or an embedding model's cosine when `embed` is
    given (a function from texts to unit vectors).
    """

    def __init__(
        self,
        demos: Sequence[Demo] | None = None,
        embed: Callable[[list[str]], Sequence[Sequence[float]]] | None = None,
    ) -> None:
        """Index the demonstrations (default: the bundled bank)."""
        self.demos = tuple(demos if demos is not None else bundled_demos())
        self._embed = embed
        self._vectors: list[Sequence[float]] | None = None
        self._index = _TfIdf([d.request for d in self.demos])

    def scores(self, request: str) -> list[float]:
        """Similarity of `request` to each demonstration, in bank order."""
        if self._embed is not None:
            if self._vectors is None:
                self._vectors = list(self._embed([d.request for d in self.demos]))
            query = self._embed([request])[0]
            return [float(sum(a * b for a, b in zip(query, v, strict=True))) for v in self._vectors]
        return self._index.scores(request)

    def select(self, request: str, k: int = 3) -> list[Demo]:
        """The `k` most similar demonstrations, least similar first.

        The closest one sits last, right before the request, where small models heed it most.
        """
        if k <= 0 or not self.demos:
            return []
        scores = self.scores(request)
        ranked = sorted(range(len(self.demos)), key=lambda i: -scores[i])
        return [self.demos[i] for i in reversed(ranked[:k])]


class TaskIndex:
    """Ranks task types by relevance to a request.

    A task's document is its name, its description and the bank's requests whose plans use it,
    so "transcribe this recording" ranks automatic-speech-recognition above audio-to-audio.
    """

    def __init__(
        self, vocabulary: Mapping[str, TaskSpec] | None = None, demos: Sequence[Demo] | None = None
    ) -> None:
        """Index the vocabulary (default: all tasks) with the bank (default: the bundled one)."""
        vocab = vocabulary if vocabulary is not None else TASKS
        examples: dict[str, list[str]] = {name: [] for name in vocab}
        for demo in demos if demos is not None else bundled_demos():
            for task in demo.tasks:
                examples.setdefault(task["task"], []).append(demo.request)
        self.names = list(vocab)
        self._index = _TfIdf([
            " ".join([name.replace("-", " "), vocab[name].description, *examples.get(name, [])])
            for name in self.names
        ])  # fmt: skip

    def scores(self, request: str) -> dict[str, float]:
        """Relevance of every task type to `request`."""
        return dict(zip(self.names, self._index.scores(request), strict=True))

    def shortlist(self, request: str, n: int) -> list[str]:
        """The `n` most relevant task types, in vocabulary order."""
        scores = self.scores(request)
        best = set(sorted(self.names, key=lambda name: -scores[name])[:n])
        return [name for name in self.names if name in best]
