"""The intent phrases' vectors are kept on disk between processes, and never trusted blindly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from langchain_hugginggpt.planning.embed import cached_encode
from langchain_hugginggpt.planning.sketch import Sketcher


class CountingEmbedder:
    """Deterministic vectors from the texts' lengths; counts how often it is asked."""

    name = "counting"

    def __init__(self, key: str | None = "counting-v1") -> None:
        if key is not None:
            self.cache_key = key
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        rows = np.array([[len(t), 1.0, 2.0] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_second_process_reads_the_vectors_instead_of_encoding(tmp_path: Path) -> None:
    first, second = CountingEmbedder(), CountingEmbedder()
    a = cached_encode(first, ["transcribe it", "draw a cat"], tmp_path)
    b = cached_encode(second, ["transcribe it", "draw a cat"], tmp_path)
    assert (first.calls, second.calls) == (1, 0)
    np.testing.assert_array_equal(a, b)


def test_changed_phrases_or_weights_are_encoded_afresh(tmp_path: Path) -> None:
    cached_encode(CountingEmbedder(), ["transcribe it"], tmp_path)
    other_texts, other_weights = CountingEmbedder(), CountingEmbedder(key="counting-v2")
    cached_encode(other_texts, ["transcribe it", "draw a cat"], tmp_path)
    cached_encode(other_weights, ["transcribe it"], tmp_path)
    assert (other_texts.calls, other_weights.calls) == (1, 1)


def test_an_embedder_that_does_not_name_its_weights_is_never_cached(tmp_path: Path) -> None:
    embedder = CountingEmbedder(key=None)
    cached_encode(embedder, ["transcribe it"], tmp_path)
    cached_encode(embedder, ["transcribe it"], tmp_path)
    assert embedder.calls == 2
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_cache_file_is_encoded_again_and_replaced(tmp_path: Path) -> None:
    cached_encode(CountingEmbedder(), ["transcribe it"], tmp_path)
    (saved,) = tmp_path.iterdir()
    saved.write_bytes(b"not an array")
    again = CountingEmbedder()
    vectors = cached_encode(again, ["transcribe it"], tmp_path)
    assert again.calls == 1
    np.testing.assert_array_equal(np.load(saved, allow_pickle=False), vectors)


def test_an_unwritable_cache_still_gives_the_vectors(tmp_path: Path) -> None:
    blocked = tmp_path / "planning"
    blocked.write_text("a file where the folder should be")
    embedder = CountingEmbedder()
    vectors = cached_encode(embedder, ["transcribe it"], blocked)
    assert embedder.calls == 1
    assert vectors.shape == (1, 3)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_packaged_embedder_scores_alike_with_and_without_the_cache(tmp_path: Path) -> None:
    fresh = Sketcher(cache_dir=tmp_path)
    step = "transcribe this recording"
    expected = fresh.task_scores(step)
    assert any(tmp_path.iterdir()), "the packaged MiniLM names its weights, so it is cached"
    reread = Sketcher(embedder=fresh.embedder, cache_dir=tmp_path)
    assert reread.task_scores(step) == pytest.approx(expected)
    assert max(expected, key=lambda k: expected[k]) == "automatic-speech-recognition"


def test_a_failed_write_leaves_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", full_disk)
    embedder = CountingEmbedder()
    vectors = cached_encode(embedder, ["transcribe it"], tmp_path)
    assert vectors.shape == (1, 3)
    assert list(tmp_path.iterdir()) == []
