"""Hearing what the offline default said: faster-whisper transcribes a generated WAV back."""

from __future__ import annotations

import re
from pathlib import Path

from langchain_hugginggpt.engines.base import EngineRequest
from langchain_hugginggpt.engines.offline import FasterWhisperEngine
from langchain_hugginggpt.offline.catalog import packaged_cards
from langchain_hugginggpt.tasks import TASKS


def words(text: str) -> set[str]:
    """The words of three letters or more, lower case."""
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2}


def hear(path: str, tmp_path: Path) -> str:
    """What the packaged faster-whisper hears in the audio file at `path`."""
    whisper = next(c for c in packaged_cards() if c.task == "automatic-speech-recognition")
    request = EngineRequest(
        task=TASKS["automatic-speech-recognition"],
        model=whisper,
        inputs={"audio": path},
        run_dir=tmp_path,
        timeout_s=120,
    )
    return FasterWhisperEngine().run(request)["text"]
