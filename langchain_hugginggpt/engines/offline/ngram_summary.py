"""Extractive summaries in any language: sentences ranked by character n-gram similarity.

The packaged MiniLM reads English only. Character n-grams (TF-IDF weighted, fitted on the text
itself) need no weights and no word splitting, so they rank the sentences of a Chinese, Russian
or Arabic text as well as an English one. The summary is made of the text's own sentences, by
the same selection as the MiniLM summariser (`extractive.summarise`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from importlib.util import find_spec
from typing import TYPE_CHECKING

from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.offline.extractive import summarise, summary_output

if TYPE_CHECKING:
    import numpy as np

__all__ = ["NGRAM_LIBRARY", "NGRAM_MODEL_ID", "NgramSummaryEngine", "ngram_card", "ngram_vectors"]

NGRAM_MODEL_ID = "langchain-hugginggpt/extractive-ngrams"
NGRAM_LIBRARY = "langchain-hugginggpt"
_SIZES = (2, 3)


def _grams(text: str) -> Counter[str]:
    flat = " ".join(text.lower().split())
    return Counter(flat[i : i + n] for n in _SIZES for i in range(len(flat) - n + 1))


def ngram_vectors(texts: Sequence[str]) -> np.ndarray:
    """TF-IDF rows of character 2- and 3-grams over `texts` themselves, L2-normalised."""
    import numpy as np

    counts = [_grams(t) for t in texts]
    vocabulary: dict[str, int] = {}
    for grams in counts:
        for gram in grams:
            vocabulary.setdefault(gram, len(vocabulary))
    frequency = Counter(gram for grams in counts for gram in grams)
    rows = np.zeros((len(texts), len(vocabulary)))
    for row, grams in enumerate(counts):
        for gram, count in grams.items():
            idf = math.log((1 + len(texts)) / (1 + frequency[gram])) + 1
            rows[row, vocabulary[gram]] = (1 + math.log(count)) * idf
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def ngram_card() -> ModelCard:
    """The catalog entry of this summariser: no weights, every language."""
    return ModelCard(
        id=NGRAM_MODEL_ID,
        task="summarization",
        source="packaged",
        library_name=NGRAM_LIBRARY,
        license="mit",
        languages=("multilingual",),
        description="extractive summary by character n-gram centrality: the text's most "
        "central sentences, in order, in any language (it writes no new sentence)",
        # After summarisers that read the words' meaning, where one serves the language.
        extra={"rank": "fallback"},
    )


class NgramSummaryEngine(Engine):
    """Summarises a text of any language by picking its most central sentences."""

    name = "extractive-ngrams"

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """This project's own summariser card, with numpy installed."""
        return (
            mode != "remote"
            and model.task == "summarization"
            and model.library_name == NGRAM_LIBRARY
            and find_spec("numpy") is not None
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Summarise the `text` argument; the request's words may ask for a sentence count."""
        text = request.inputs.get("text", "").strip()
        if not text:
            raise EngineError("summarization needs argument 'text'")
        summary = summarise(text, ngram_vectors, length_hint=request.extra.get("request", ""))
        return summary_output(summary)
