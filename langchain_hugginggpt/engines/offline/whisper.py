"""The CTranslate2 engine: speech recognition with faster-whisper models."""

from __future__ import annotations

import os
from importlib.util import find_spec
from typing import Any

from langchain_hugginggpt.artifacts.outputs import text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.availability import weights_available
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.shared import shared_cache
from langchain_hugginggpt.offline.weights import assemble_whisper

__all__ = ["FasterWhisperEngine"]


class FasterWhisperEngine(Engine):
    """Transcribes audio with faster-whisper (int8 on CPU)."""

    name = "ctranslate2"

    def __init__(
        self, *, device: str = "cpu", compute_type: str = "int8", threads: int | None = None
    ):
        """Where and how the model runs."""
        self.device = device
        self.compute_type = compute_type
        self.threads = threads or min(4, os.cpu_count() or 1)

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """A CTranslate2 speech model to be had here, and faster-whisper installed."""
        return (
            mode != "remote"
            and model.task == "automatic-speech-recognition"
            and model.library_name == "ctranslate2"
            and find_spec("faster_whisper") is not None
            and weights_available(model)
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Transcribe the `audio` argument."""
        audio = request.inputs.get("audio", "")
        if not audio:
            raise EngineError("automatic-speech-recognition needs argument 'audio'")
        card = request.model
        where = str(assemble_whisper()) if card.source == "packaged" else (card.path or card.id)
        model = shared_cache().get(("ctranslate2", where), lambda: self._load(where))
        segments, info = model.transcribe(audio, beam_size=5, vad_filter=False)
        text = " ".join(s.text.strip() for s in segments).strip()
        data = {"language": info.language, "duration_s": round(float(info.duration), 2)}
        return text_output(text, data=data)

    def _load(self, where: str) -> Any:
        from faster_whisper import WhisperModel

        # No process-wide lock: this builds no torch model, and the cache loads each once.
        return WhisperModel(
            where, device=self.device, compute_type=self.compute_type, cpu_threads=self.threads
        )
