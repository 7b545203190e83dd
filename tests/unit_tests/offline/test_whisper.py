"""The faster-whisper engine's reading of what it heard: no speech, and unsure transcripts."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.offline import FasterWhisperEngine
from langchain_hugginggpt.engines.offline.whisper import transcript_caution
from langchain_hugginggpt.offline.catalog import packaged_cards
from langchain_hugginggpt.tasks import TASKS


def _request(card: ModelCard, audio: Path, tmp_path: Path) -> EngineRequest:
    return EngineRequest(
        task=TASKS["automatic-speech-recognition"],
        model=card,
        inputs={"audio": str(audio)},
        run_dir=tmp_path,
        timeout_s=120,
    )


def _silence(path: Path, seconds: float = 3.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(np.zeros(int(16000 * seconds), dtype=np.int16).tobytes())
    return path


def test_a_silent_recording_is_no_speech_on_the_real_model(tmp_path: Path) -> None:
    card = next(c for c in packaged_cards() if c.task == "automatic-speech-recognition")
    with pytest.raises(EngineError, match="no speech found in the recording"):
        FasterWhisperEngine().run(
            _request(card, _silence(tmp_path / "quiet.wav", seconds=1.0), tmp_path)
        )


@dataclass
class _Segment:
    text: str
    start: float
    end: float
    avg_logprob: float


@dataclass
class _Info:
    language: str = "en"
    duration: float = 4.0


class _Model:
    """A WhisperModel stand-in that hears the given segments."""

    def __init__(self, segments: list[_Segment]) -> None:
        self.segments = segments

    def transcribe(self, audio: str, **options: Any) -> tuple[Any, _Info]:
        return iter(self.segments), _Info()


def _heard(segments: list[_Segment], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    # A card of its own folder, so the shared model cache holds this stand-in only.
    folder = tmp_path / "model"
    folder.mkdir()
    card = ModelCard(
        id="test/whisper",
        task="automatic-speech-recognition",
        library_name="ctranslate2",
        source="local",
        path=str(folder),
    )
    monkeypatch.setattr(FasterWhisperEngine, "_load", lambda self, where: _Model(segments))
    return FasterWhisperEngine().run(_request(card, _silence(tmp_path / "a.wav"), tmp_path))


def test_music_tags_alone_are_no_speech(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(EngineError, match=r"the model heard only: \[♪ OUTRO MUSIC PLAYS"):
        _heard([_Segment(" [♪ OUTRO MUSIC PLAYS", 0.0, 3.0, -1.36)], tmp_path, monkeypatch)


def test_sung_words_are_speech(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _heard([_Segment(" ♪ I love you ♪", 0.0, 3.0, -0.4)], tmp_path, monkeypatch)
    assert out["text"] == "♪ I love you ♪"
    assert "caution" not in out["data"]


def test_an_unsure_transcript_carries_a_caution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _heard([_Segment(" Oh", 0.0, 3.3, -1.03)], tmp_path, monkeypatch)
    assert out["text"] == "Oh"
    assert out["data"]["caution"].startswith("the model was unsure of this transcript")
    assert "-1.03" in out["data"]["caution"]


def test_the_caution_weighs_segments_by_length() -> None:
    assert transcript_caution([]) is None
    assert transcript_caution([(5.0, -0.3)]) is None
    # A long clear stretch outweighs a short unsure one, and the other way round.
    assert transcript_caution([(9.0, -0.3), (1.0, -2.0)]) is None
    assert transcript_caution([(1.0, -0.3), (9.0, -2.0)]) is not None
    # Segments without a length are averaged plainly.
    assert transcript_caution([(0.0, -1.5), (0.0, -0.9)]) is not None
