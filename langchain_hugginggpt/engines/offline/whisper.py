"""The CTranslate2 engine: speech recognition with faster-whisper models."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from importlib.util import find_spec
from typing import Any

from langchain_hugginggpt.artifacts.outputs import text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.availability import weights_available
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.shared import shared_cache
from langchain_hugginggpt.offline.weights import assemble_whisper

__all__ = ["UNSURE_LOGPROB", "FasterWhisperEngine", "transcript_caution"]

UNSURE_LOGPROB = -1.0
"""Mean token log-probability below which a transcript is unsure (Whisper's own threshold for
falling back to sampling): music, noise or speech too faint to make out."""
_NON_SPEECH = re.compile(r"\[[^\]]*\]?|\([^)]*\)?|[♪♫*]")
"""What Whisper writes for sounds that are not words: `[BLANK_AUDIO]`, `(music)`, `♪`."""


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
        segments = list(segments)
        text = " ".join(s.text.strip() for s in segments).strip()
        if not re.search(r"\w", _NON_SPEECH.sub(" ", text)):
            heard = f" (the model heard only: {text})" if text else ""
            raise EngineError(f"no speech found in the recording{heard}")
        data: dict[str, Any] = {
            "language": info.language,
            "duration_s": round(float(info.duration), 2),
        }
        caution = transcript_caution(
            [(float(s.end) - float(s.start), float(s.avg_logprob)) for s in segments]
        )
        if caution:
            data["caution"] = caution
        return text_output(text, data=data)

    def _load(self, where: str) -> Any:
        from faster_whisper import WhisperModel

        # No process-wide lock: this builds no torch model, and the cache loads each once.
        return WhisperModel(
            where, device=self.device, compute_type=self.compute_type, cpu_threads=self.threads
        )


def transcript_caution(segments: Sequence[tuple[float, float]]) -> str | None:
    """A warning for the answer when the model was unsure of what it heard, else None.

    Args:
        segments: Each segment's length in seconds and mean token log-probability.
    """
    total = sum(max(seconds, 0.0) for seconds, _ in segments)
    if not segments:
        return None
    if total > 0:
        mean = sum(max(seconds, 0.0) * logprob for seconds, logprob in segments) / total
    else:
        mean = sum(logprob for _, logprob in segments) / len(segments)
    if mean >= UNSURE_LOGPROB:
        return None
    return (
        f"the model was unsure of this transcript, at a mean token log-probability of "
        f"{mean:.2f}; the recording may be unclear or hold little speech"
    )
