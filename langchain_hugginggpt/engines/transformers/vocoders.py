"""Finding and loading the vocoder a spectrogram text-to-speech model (SpeechT5) speaks through.

A card names its vocoder in `extra["vocoder"]` (a local folder or a Hub id; `register_local(...,
vocoder=...)` sets it); otherwise SpeechT5's usual HiFi-GAN, `microsoft/speecht5_hifigan`. A Hub
id is used from the Hugging Face cache when it is there, and fetched only when the Hub answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.availability import hub_reachable
from langchain_hugginggpt.engines.base import EngineError
from langchain_hugginggpt.engines.transformers.loading import LoadOptions, load_model

__all__ = ["DEFAULT_VOCODER", "load_vocoder", "vocoder_name", "vocoder_ref"]

DEFAULT_VOCODER = "microsoft/speecht5_hifigan"
"""SpeechT5's HiFi-GAN vocoder on the Hub, used when a card names none."""


def vocoder_name(card: ModelCard) -> str:
    """The vocoder `card` names (`extra["vocoder"]`), else `DEFAULT_VOCODER`."""
    named = card.extra.get("vocoder")
    return str(named).strip() if isinstance(named, str) and named.strip() else DEFAULT_VOCODER


def _cached_snapshot(repo_id: str) -> str | None:
    from huggingface_hub import snapshot_download

    try:
        return str(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached (or not a valid id): the caller says so
        return None


def vocoder_ref(name: str, model_id: str) -> str:
    """What to load for vocoder `name`: its folder, its cached snapshot, or its Hub id.

    Raises:
        EngineError: naming the vocoder and the model, when it is none of these.
    """
    folder = Path(name).expanduser()
    if folder.is_dir():
        return str(folder)
    cached = _cached_snapshot(name)
    if cached is not None:
        return cached
    if not folder.is_absolute() and name.count("/") <= 1 and hub_reachable():
        return name
    raise EngineError(
        f"vocoder {name} for {model_id} not found: it is not a local folder, not in the "
        "Hugging Face cache, and the Hub cannot be reached; name a local vocoder folder in the "
        "card's extra['vocoder'] (register_local(..., vocoder=...))"
    )


def load_vocoder(name: str, model_id: str, options: LoadOptions) -> Any:
    """The SpeechT5 HiFi-GAN vocoder `name`, loaded safely; failures name it and the model."""
    from transformers import SpeechT5HifiGan

    ref = vocoder_ref(name, model_id)
    try:
        return load_model(SpeechT5HifiGan, ref, options)
    except EngineError as exc:
        raise EngineError(f"vocoder {name} for {model_id} could not be loaded: {exc}") from exc
