"""The passages of a long text that bear on a question, when the whole text does not fit.

A model with a 4,096-token window cannot take a 30-page PDF as the context of a question: the
call fails ("Requested tokens (8176) exceed context window"). The text is cut into passages
(paragraphs, long ones at sentence ends), each scored against the question with BM25 (word
overlap weighted by how rare the word is in the text), and the best-scoring passages are kept,
in the text's own order, up to the budget. No model is involved, so the choice is fast and
the same every time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["Passages", "relevant_passages"]

_PASSAGE_CHARS = 800
"""Paragraphs longer than this are cut at sentence ends into passages of about this size."""
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_GAP = "\n\n[...]\n\n"
_K1, _B = 1.2, 0.75
"""BM25's usual constants: term-frequency saturation and length normalisation."""


@dataclass(frozen=True)
class Passages:
    """The text handed on, and how much of the original it is."""

    text: str
    kept: int
    """Passages kept (all of them when the text fit)."""
    total: int
    """Passages the text was cut into (1 when it fit whole)."""

    @property
    def whole(self) -> bool:
        """Whether the text is the original, uncut."""
        return self.kept == self.total


def relevant_passages(text: str, question: str, budget_chars: int) -> Passages:
    """`text` itself when it fits `budget_chars`, else its passages most related to `question`.

    The passages kept are those of highest BM25 score against the question's words, taken while
    they fit, and joined in their original order with "[...]" between them. When no passage
    shares a word with the question, the text's beginning is kept.

    Raises:
        ValueError: `budget_chars` is below 1.
    """
    if budget_chars < 1:
        raise ValueError(f"budget_chars must be at least 1, got {budget_chars}")
    if len(text) <= budget_chars:
        return Passages(text, 1, 1)
    pieces = _passages(text)
    scores = _bm25(pieces, question)
    order = sorted(range(len(pieces)), key=lambda i: (-scores[i], i))
    if not any(scores):
        order = list(range(len(pieces)))
    chosen: list[int] = []
    used = 0
    for i in order:
        cost = len(pieces[i]) + (len(_GAP) if chosen else 0)
        if used + cost > budget_chars:
            continue
        chosen.append(i)
        used += cost
    if not chosen:  # not even one passage fits: the best one, cut to the budget
        best = pieces[order[0]][:budget_chars]
        return Passages(best, 1, len(pieces))
    return Passages(_GAP.join(pieces[i] for i in sorted(chosen)), len(chosen), len(pieces))


def _passages(text: str) -> list[str]:
    """Paragraphs, with those over `_PASSAGE_CHARS` cut at sentence ends (or hard, if none)."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        current = ""
        for sentence in _SENTENCE_END.split(paragraph):
            while len(sentence) > _PASSAGE_CHARS:  # a sentence with no end in sight
                if current:
                    out.append(current)
                    current = ""
                out.append(sentence[:_PASSAGE_CHARS])
                sentence = sentence[_PASSAGE_CHARS:]
            if current and len(current) + 1 + len(sentence) > _PASSAGE_CHARS:
                out.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}" if current else sentence
        if current:
            out.append(current)
    return out


def _bm25(pieces: list[str], question: str) -> list[float]:
    words = [[w.lower() for w in _WORD.findall(p)] for p in pieces]
    asked = {w.lower() for w in _WORD.findall(question)}
    holding = Counter(w for ws in words for w in set(ws) if w in asked)
    n = len(pieces)
    mean_length = sum(len(ws) for ws in words) / n if n else 0.0
    scores = []
    for ws in words:
        counts = Counter(w for w in ws if w in asked)
        norm = _K1 * (1 - _B + _B * len(ws) / mean_length) if mean_length else _K1
        score = 0.0
        for word, count in counts.items():
            idf = math.log(1 + (n - holding[word] + 0.5) / (holding[word] + 0.5))
            score += idf * count * (_K1 + 1) / (count + norm)
        scores.append(score)
    return scores
