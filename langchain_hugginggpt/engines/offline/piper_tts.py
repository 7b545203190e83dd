"""The Piper engine: fast text-to-speech with ONNX voices."""

from __future__ import annotations

import io
import wave
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from langchain_hugginggpt.artifacts.outputs import media_bytes_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.shared import shared_cache

__all__ = ["PiperEngine", "voice_files"]


def voice_files(card: ModelCard) -> tuple[Path, Path]:
    """The voice's `.onnx` model and its `.onnx.json` config, from a file or a folder."""
    if not card.path:
        raise EngineError(f"{card.id}: Piper voices run from local files; none given")
    base = Path(card.path)
    folder = base / "data" if (base / "data").is_dir() else base
    models = sorted(folder.glob("*.onnx")) if folder.is_dir() else [base]
    if not models or not models[0].is_file():
        raise EngineError(f"{card.id}: no .onnx voice in {base}")
    config = models[0].with_name(models[0].name + ".json")
    if not config.is_file():
        raise EngineError(f"{card.id}: the voice has no config {config.name}")
    return models[0], config


class PiperEngine(Engine):
    """Speaks text with a Piper voice; writes 16-bit WAV."""

    name = "piper"

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """A local Piper voice and piper-tts installed."""
        return (
            mode != "remote"
            and model.task == "text-to-speech"
            and model.library_name == "piper"
            and model.path is not None
            and Path(model.path).exists()
            and find_spec("piper") is not None
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Synthesize the `text` argument."""
        text = request.inputs.get("text", "").strip()
        if not text:
            raise EngineError("text-to-speech needs argument 'text'")
        model, config = voice_files(request.model)
        voice = shared_cache().get(("piper", str(model)), lambda: _load(model, config))
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            voice.synthesize_wav(text, out)
        with wave.open(io.BytesIO(buffer.getvalue())) as check:
            seconds = check.getnframes() / float(check.getframerate())
        return media_bytes_output(request.run_dir, buffer.getvalue(), f"speech ({seconds:.1f} s)")


def _load(model: Path, config: Path) -> Any:
    from piper import PiperVoice

    # No process-wide lock: this builds no torch model, and the cache loads each once.
    return PiperVoice.load(str(model), config_path=str(config))
