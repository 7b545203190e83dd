"""Text embeddings for planning: the packaged MiniLM when installed, else TF-IDF vectors."""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from langchain_hugginggpt.atomic import staged_file

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Embedder", "TfIdfEmbedder", "cached_encode", "default_embedder"]


def _numpy() -> ModuleType:
    """numpy, imported on first use: the `local` extra brings it, a remote-only install lacks it."""
    try:
        import numpy
    except ImportError as exc:
        raise ImportError(
            "planning from the request's steps (the guided planner) needs numpy: "
            "install langchain-hugginggpt[local]"
        ) from exc
    return numpy


class Embedder(Protocol):
    """Turns texts into unit-length vectors; similar meaning, high dot product."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, L2-normalised."""
        ...


_WORD = re.compile(r"[a-z0-9]+")


class TfIdfEmbedder:
    """Bag-of-words vectors over a fixed vocabulary: the fallback without sentence-transformers."""

    name = "tf-idf"

    def __init__(self, corpus: Sequence[str]) -> None:
        """Vocabulary and inverse document frequencies from `corpus`."""
        np = _numpy()
        docs = [set(_WORD.findall(t.lower())) for t in corpus]
        vocab = sorted(set().union(*docs)) if docs else []
        self.index = {w: i for i, w in enumerate(vocab)}
        n = len(docs)
        self.idf = np.array(
            [math.log((1 + n) / (1 + sum(w in d for d in docs))) + 1 for w in vocab]
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """TF-IDF rows, normalised."""
        np = _numpy()
        out = np.zeros((len(texts), len(self.index)))
        for row, text in enumerate(texts):
            for word, count in Counter(_WORD.findall(text.lower())).items():
                col = self.index.get(word)
                if col is not None:
                    out[row, col] = count * self.idf[col]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


class _SentenceTransformer:
    name = "all-MiniLM-L6-v2"

    def __init__(self, path: str) -> None:
        weights = Path(path) / "model.safetensors"
        stamp = weights.stat().st_mtime_ns if weights.is_file() else 0
        self.cache_key = f"{self.name}\n{Path(path).resolve()}\n{stamp}"
        """Names these exact weights: vectors cached under it are valid for them only."""
        from sentence_transformers import SentenceTransformer

        from langchain_hugginggpt.engines.shared import BUILD_LOCK

        with BUILD_LOCK:
            self.model = SentenceTransformer(path, device="cpu")
        self.lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self.lock:
            vectors: np.ndarray = self.model.encode(list(texts), normalize_embeddings=True)
        return vectors


def cached_encode(embedder: Embedder, texts: Sequence[str], folder: Path | None) -> np.ndarray:
    """`embedder.encode(texts)`, kept on disk under `folder` for the next process.

    Only embedders that name their weights (`cache_key`) are cached; the file's name is a hash
    of that key and the texts, so changed phrases or weights are encoded afresh. A cache that
    cannot be read or written is ignored: the texts are encoded as without it.
    """
    key = getattr(embedder, "cache_key", None)
    if folder is None or not isinstance(key, str):
        return embedder.encode(texts)
    np = _numpy()
    digest = hashlib.sha256("\x00".join([key, *texts]).encode()).hexdigest()[:32]
    path = folder / f"{digest}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape[0] == len(texts):
            return vectors
    except (OSError, ValueError):
        pass
    vectors = embedder.encode(texts)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with staged_file(path, suffix=".npy.tmp") as handle:  # never left half-written
            np.save(handle, vectors, allow_pickle=False)
    except OSError:
        pass
    return vectors


_DEFAULT: Embedder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_embedder(corpus: Sequence[str]) -> Embedder:
    """The packaged all-MiniLM-L6-v2 (offline extra), loaded once; else TF-IDF over `corpus`."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            from langchain_hugginggpt.offline.catalog import packaged_cards

            for card in packaged_cards():
                if card.library_name == "sentence-transformers" and card.path:
                    model_dir = Path(card.path) / "model"
                    try:
                        _DEFAULT = _SentenceTransformer(
                            str(model_dir if model_dir.is_dir() else card.path)
                        )
                    except ImportError:
                        _DEFAULT = None
                    break
        return _DEFAULT if _DEFAULT is not None else TfIdfEmbedder(corpus)
