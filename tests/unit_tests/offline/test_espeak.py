"""The eSpeak NG engine on the real espeak-ng binary (Debian package `espeak-ng`)."""

from __future__ import annotations

import io
import subprocess
import time
import wave
from pathlib import Path

import pytest

from langchain_hugginggpt.artifacts.language import language_code
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.offline import espeak_tts
from langchain_hugginggpt.engines.offline.espeak_tts import (
    ESPEAK_LANGUAGES,
    ESPEAK_LIBRARY,
    ESPEAK_MAX_CHARS,
    ESPEAK_MODEL_ID,
    EspeakEngine,
    espeak_binary,
    espeak_card,
)
from langchain_hugginggpt.tasks import TASKS

CHINESE = "今天天气很好，我们一起去公园散步吧。"
ENGLISH = "The weather is lovely today, and we are going for a walk in the park."

needs_espeak = pytest.mark.skipif(
    espeak_binary() is None, reason="the Debian package espeak-ng is not installed"
)


def request(tmp_path: Path, card: ModelCard | None = None, **inputs: str) -> EngineRequest:
    return EngineRequest(
        task=TASKS["text-to-speech"],
        model=card or espeak_card(),
        inputs=inputs,
        run_dir=tmp_path / "run",
        timeout_s=60,
    )


def wav_seconds(path: str) -> float:
    with wave.open(path) as audio:
        assert audio.getnchannels() == 1 and audio.getsampwidth() == 2
        return audio.getnframes() / float(audio.getframerate())


@needs_espeak
def test_speaks_chinese_with_the_mandarin_voice(tmp_path: Path) -> None:
    start = time.perf_counter()
    out = EspeakEngine().run(request(tmp_path, text=CHINESE))
    elapsed = time.perf_counter() - start
    assert out["type"] == "audio" and out["mime_type"] == "audio/wav"
    assert Path(out["path"]).parent == tmp_path / "run"
    assert wav_seconds(out["path"]) > 0.5
    assert out["data"]["language"] == "zh" and out["data"]["detected"] is True
    assert out["data"]["voice"].startswith("cmn")
    assert out["data"]["voice"] == ESPEAK_LANGUAGES["zh"]
    assert ", zh)" in out["text"]
    assert elapsed < 10


@needs_espeak
def test_the_mandarin_voice_reads_characters_as_mandarin_not_english(tmp_path: Path) -> None:
    phonemes = subprocess.run(
        [str(espeak_binary()), "-b", "1", "-q", "-x", "-v", ESPEAK_LANGUAGES["zh"], "--stdin"],
        input="你好".encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    # `cmn` in espeak-ng 1.51 reads 你好 as the English letters of "ni3 hao3": "(en)...".
    assert phonemes.strip() and "(en)" not in phonemes


@needs_espeak
def test_speaks_english_with_the_american_voice(tmp_path: Path) -> None:
    out = EspeakEngine().run(request(tmp_path, text=ENGLISH))
    assert wav_seconds(out["path"]) > 0.5
    assert out["data"] == {
        "language": "en",
        "voice": "en-us",
        "detected": True,
        "seconds": out["data"]["seconds"],
        "truncated": False,
    }
    assert abs(out["data"]["seconds"] - wav_seconds(out["path"])) < 0.01


@needs_espeak
def test_an_explicit_language_wins_over_detection(tmp_path: Path) -> None:
    out = EspeakEngine().run(request(tmp_path, text="Bonjour", language="French"))
    assert out["data"]["language"] == "fr" and out["data"]["detected"] is False
    assert wav_seconds(out["path"]) > 0.2


@needs_espeak
def test_undetectable_text_is_spoken_in_english(tmp_path: Path) -> None:
    out = EspeakEngine().run(request(tmp_path, text="OK"))
    assert out["data"]["language"] == "en" and out["data"]["detected"] is False


@needs_espeak
def test_long_text_is_cut_and_says_so(tmp_path: Path) -> None:
    text = " ".join([ENGLISH] * 100)
    out = EspeakEngine().run(request(tmp_path, text=text))
    assert out["data"]["truncated"] is True
    assert f"of {len(text):,} characters" in out["text"]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"text": CHINESE, "language": "Klingon"}, "Klingon"),
        (
            {"text": "今日はとても良い天気ですね。公園に行きましょう。"},
            "'ja'",
        ),  # detected, no voice
        ({"text": ENGLISH, "language": "th"}, "'th'"),
        ({"text": "   "}, "needs argument 'text'"),
        ({}, "needs argument 'text'"),
    ],
)
def test_refuses_unknown_languages_and_empty_text(
    tmp_path: Path, inputs: dict[str, str], message: str
) -> None:
    with pytest.raises(EngineError, match=message):
        EspeakEngine().run(request(tmp_path, **inputs))


def test_missing_binary_names_the_debian_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGGINGGPT_ESPEAK", str(tmp_path / "no-such-espeak"))
    assert espeak_binary() is None
    assert not EspeakEngine().supports(espeak_card(), "local")
    with pytest.raises(EngineError, match="Debian package `espeak-ng`"):
        EspeakEngine().run(request(tmp_path, text=ENGLISH))


@needs_espeak
def test_the_binary_can_be_set_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = str(espeak_binary())
    monkeypatch.setenv("HUGGINGGPT_ESPEAK", real)
    monkeypatch.setenv("PATH", str(tmp_path))  # not on the PATH any more
    assert espeak_binary() == real
    out = EspeakEngine().run(request(tmp_path, text=ENGLISH))
    assert wav_seconds(out["path"]) > 0.5


def test_a_failing_binary_reports_its_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "espeak-ng"
    broken.write_text("#!/bin/sh\necho 'voice data missing' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("HUGGINGGPT_ESPEAK", str(broken))
    with pytest.raises(EngineError, match=r"exit 3\): voice data missing"):
        EspeakEngine().run(request(tmp_path, text=ENGLISH))


@pytest.mark.parametrize(
    ("card", "mode", "expected"),
    [
        (espeak_card(), "local", True),
        (espeak_card(), "auto", True),
        (espeak_card(), "remote", False),
        (
            ModelCard(id=ESPEAK_MODEL_ID, task="text-to-speech", library_name="piper"),
            "local",
            False,
        ),
        (ModelCard(id=ESPEAK_MODEL_ID, task="text-to-speech"), "local", False),
        (espeak_card("summarization"), "local", False),
    ],
)
def test_supports(card: ModelCard, mode: str, expected: bool) -> None:
    if espeak_binary() is None:
        pytest.skip("the Debian package espeak-ng is not installed")
    assert EspeakEngine().supports(card, mode) is expected  # type: ignore[arg-type]


def test_the_card() -> None:
    card = espeak_card()
    assert (card.id, card.task, card.library_name) == (
        ESPEAK_MODEL_ID,
        "text-to-speech",
        ESPEAK_LIBRARY,
    )
    assert set(card.languages) == set(ESPEAK_LANGUAGES) and card.path is None
    assert {"zh", "en", "fr", "de", "es", "ru", "ko", "ar"} <= set(card.languages)
    assert not {"ja", "th", "he"} & set(card.languages)  # voices too poor to list
    assert all(language_code(code) == code for code in ESPEAK_LANGUAGES)
    assert ESPEAK_MAX_CHARS == 5_000
    assert espeak_tts.__all__ == sorted(espeak_tts.__all__)


@needs_espeak
def test_every_listed_voice_exists() -> None:
    binary = str(espeak_binary())
    for code, voice in ESPEAK_LANGUAGES.items():
        done = subprocess.run(
            [binary, "-q", "-x", "-v", voice, "--stdin"],
            input=b"a",
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0 and not done.stderr, (code, voice, done.stderr)


@needs_espeak
def test_the_wav_is_valid(tmp_path: Path) -> None:
    out = EspeakEngine().run(request(tmp_path, text="Привет, как дела? Всё хорошо."))
    data = Path(out["path"]).read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data)) as audio:
        assert audio.getframerate() == 22050
    assert out["data"]["language"] == "ru"
