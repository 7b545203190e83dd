"""The sentence-transformers engine: similarity, zero-shot labels and extractive summaries.

All three come from sentence embeddings: cosine similarity of two texts; candidate labels ranked
by similarity to the text; and a summary made of the text's most central sentences, kept word for
word (see `langchain_hugginggpt.engines.offline.extractive`). The summary's length follows the
sentence count the user's request asks for ("in two sentences"), else about a third of the
sentences, never more than half the words.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from langchain_hugginggpt.artifacts.outputs import labels_output, text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.availability import model_ref, weights_available
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.offline.extractive import summarise, summary_output
from langchain_hugginggpt.engines.shared import BUILD_LOCK, shared_cache

__all__ = ["SentenceTransformersEngine"]

_TASKS = ("sentence-similarity", "zero-shot-classification", "summarization")


def _where(card: ModelCard) -> str:
    if card.source == "packaged" and card.path and (Path(card.path) / "model").is_dir():
        return str(Path(card.path) / "model")
    return model_ref(card)


class SentenceTransformersEngine(Engine):
    """Embeds texts with a sentence-transformers model."""

    name = "sentence-transformers"

    def __init__(self, *, device: str = "cpu") -> None:
        """Device the models run on."""
        self.device = device

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """A sentence-transformers model to be had here and the library installed."""
        return (
            mode != "remote"
            and model.task in _TASKS
            and model.library_name == "sentence-transformers"
            and find_spec("sentence_transformers") is not None
            and weights_available(model)
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Score similarity, rank the candidate labels by similarity, or summarise the text."""
        where = _where(request.model)
        model = shared_cache().get(("sbert", where, self.device), lambda: self._load(where))
        text = request.inputs.get("text", "").strip()
        if not text:
            raise EngineError(f"{request.task.name} needs argument 'text'")
        if request.task.name == "summarization":
            summary = summarise(
                text,
                lambda sentences: model.encode(sentences, normalize_embeddings=True),
                length_hint=request.extra.get("request", ""),
            )
            return summary_output(summary)
        if request.task.name == "sentence-similarity":
            other = request.inputs.get("text2", "").strip()
            if not other:
                raise EngineError("sentence-similarity needs argument 'text2'")
            a, b = model.encode([text, other], normalize_embeddings=True)
            score = float(a @ b)
            return text_output(
                f"cosine similarity {score:.3f}", data={"similarity": round(score, 4)}
            )
        labels = [x.strip() for x in request.inputs.get("labels", "").split(",") if x.strip()]
        if len(labels) < 2:
            raise EngineError("zero-shot-classification needs at least two comma-separated labels")
        vectors = model.encode([text, *labels], normalize_embeddings=True)
        scores = vectors[1:] @ vectors[0]
        weights = _softmax([float(s) * 20.0 for s in scores])  # cosine spreads are small
        return labels_output(
            [{"label": lab, "score": w} for lab, w in zip(labels, weights, strict=True)]
        )

    def _load(self, where: str) -> Any:
        from sentence_transformers import SentenceTransformer

        with BUILD_LOCK:
            return SentenceTransformer(where, device=self.device, trust_remote_code=False)


def _softmax(values: list[float]) -> list[float]:
    import math

    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]
