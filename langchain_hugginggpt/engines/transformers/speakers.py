"""Speaker embeddings for SpeechT5: the voice a text-to-speech model reads with.

SpeechT5 conditions its speech on a speaker vector (an x-vector, 512 values). A request argument
`speaker_embedding` or a card's `extra["speaker_embedding"]` names one (a `.npy` or `.json`
file, or, on a card, the values themselves); otherwise the bundled default voice is used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from langchain_hugginggpt.engines.base import EngineError

__all__ = ["DEFAULT_SPEAKER_FILE", "SpeakerSource", "default_speaker_values", "speaker_embedding"]

DEFAULT_SPEAKER_FILE = "speecht5_default_speaker.json"
"""In `langchain_hugginggpt/data/`: a fixed pseudo-random unit vector of 512 values (made by
`numpy.random.default_rng(0).standard_normal(512)`, scaled to length 1, rounded to 6 decimals),
not taken from any recording or model. It gives SpeechT5 a steady, neutral voice."""

SpeakerSource = str | Sequence[float] | None
"""A speaker embedding file path, its values, or None for the default."""


def default_speaker_values() -> list[float]:
    """The bundled default speaker vector."""
    text = resources.files("langchain_hugginggpt.data").joinpath(DEFAULT_SPEAKER_FILE).read_text()
    return [float(x) for x in json.loads(text)["values"]]


def _read(source: str) -> Any:
    import numpy as np

    path = Path(source).expanduser()
    if not path.is_file():
        raise EngineError(f"speaker embedding file {source!r} does not exist")
    try:
        if path.suffix.lower() == ".npy":
            return np.load(path, allow_pickle=False)
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise EngineError(f"cannot read speaker embedding {source!r}: {exc}") from exc
    return data.get("values") if isinstance(data, dict) else data


def speaker_embedding(source: SpeakerSource, dim: int) -> Any:
    """A `(1, dim)` float tensor from `source` (file path or values), or the bundled default.

    Raises:
        EngineError: the file is missing or unreadable, or the values are not `dim` finite
            numbers.
    """
    import numpy as np
    import torch

    raw = default_speaker_values() if source is None else source
    where = "the default speaker embedding" if source is None else "the speaker embedding"
    if isinstance(raw, str):
        where = f"speaker embedding {raw!r}"
        raw = _read(raw)
    try:
        values = np.asarray(raw, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{where} is not a list of numbers: {exc}") from exc
    if values.size != dim or not np.isfinite(values).all():
        raise EngineError(f"{where} has {values.size} values; the model needs {dim} finite numbers")
    return torch.from_numpy(values).unsqueeze(0)
