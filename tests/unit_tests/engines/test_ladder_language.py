"""The fallback ladder puts the models that serve the text's language first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt.artifacts.outputs import media_bytes_output, text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, Engines
from langchain_hugginggpt.engines.controller import controller_card
from langchain_hugginggpt.engines.ladder import order_by_language, run_ladder
from langchain_hugginggpt.engines.offline.espeak_tts import EspeakEngine, espeak_binary
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines.tiny_models import write_wav

CHINESE = "今天天气很好，我们一起去公园散步吧。"
ENGLISH = "The weather is lovely today, and we are going for a walk in the park."

PIPER = ModelCard(
    id="rhasspy/piper-voices", task="text-to-speech", library_name="piper", languages=("en",)
)
ESPEAK = ModelCard(
    id="espeak-ng/espeak-ng",
    task="text-to-speech",
    library_name="espeak-ng",
    languages=("ar", "de", "en", "es", "fr", "ru", "zh"),
)


@dataclass
class RecordingTTS(Engine):
    """Test double of a speech engine: records the cards it ran, returns a real WAV output."""

    name: str = "recording-tts"
    failing: set[str] = field(default_factory=set)
    called: list[str] = field(default_factory=list)

    def supports(self, model: ModelCard, mode: Any) -> bool:
        return model.task == "text-to-speech"

    def run(self, request: EngineRequest) -> TaskOutput:
        self.called.append(request.model.id)
        if request.model.id in self.failing:
            raise EngineError(f"{request.model.id} is broken today")
        wav = write_wav(request.run_dir / "tone.wav", seconds=0.2).read_bytes()
        return media_bytes_output(request.run_dir, wav, f"speech by {request.model.id}")


@dataclass
class RecordingText(Engine):
    """Test double of a text engine: records the cards it ran, returns a real text output."""

    name: str = "recording-text"
    called: list[str] = field(default_factory=list)

    def supports(self, model: ModelCard, mode: Any) -> bool:
        return model.task != "text-to-speech"

    def run(self, request: EngineRequest) -> TaskOutput:
        self.called.append(request.model.id)
        return text_output(f"{request.task.name} by {request.model.id}")


def ladder(
    task: str, cards: list[ModelCard], engine: Engine, tmp_path: Path, **inputs: str
) -> dict[str, Any]:
    return run_ladder(
        TASKS[task],
        cards,
        inputs,
        engines=Engines([engine]),
        mode="local",
        run_dir=tmp_path,
        timeout_s=30,
    )


def card(model_id: str, task: str, *languages: str) -> ModelCard:
    return ModelCard(id=model_id, task=task, languages=languages)


def test_chinese_text_is_spoken_by_the_model_that_speaks_chinese(tmp_path: Path) -> None:
    engine = RecordingTTS()
    result = ladder("text-to-speech", [PIPER, ESPEAK], engine, tmp_path, text=CHINESE)
    assert engine.called == [ESPEAK.id]
    assert result["status"] == "ok" and result["model"] == ESPEAK.id
    assert result["language"] == "zh"
    assert result["output"]["type"] == "audio"
    assert "note" not in result["attempts"][0]


def test_english_text_keeps_piper_first(tmp_path: Path) -> None:
    engine = RecordingTTS()
    result = ladder("text-to-speech", [PIPER, ESPEAK], engine, tmp_path, text=ENGLISH)
    assert engine.called == [PIPER.id]
    assert result["model"] == PIPER.id and result["language"] == "en"


def test_a_model_for_another_language_is_still_tried_last_with_a_note(tmp_path: Path) -> None:
    engine = RecordingTTS(failing={ESPEAK.id})
    result = ladder("text-to-speech", [PIPER, ESPEAK], engine, tmp_path, text=CHINESE)
    assert engine.called == [ESPEAK.id, PIPER.id]
    assert result["status"] == "ok" and result["model"] == PIPER.id
    first, second = result["attempts"]
    assert first["status"] == "error" and "note" not in first
    assert second == {
        "model": PIPER.id,
        "engine": "recording-tts",
        "status": "ok",
        "seconds": second["seconds"],
        "note": "serves en only; the text is zh",
    }


def test_failures_keep_the_language_and_the_notes(tmp_path: Path) -> None:
    engine = RecordingTTS(failing={ESPEAK.id, PIPER.id})
    result = ladder("text-to-speech", [PIPER, ESPEAK], engine, tmp_path, text=CHINESE)
    assert result["status"] == "error" and result["language"] == "zh"
    assert [a["model"] for a in result["attempts"]] == [ESPEAK.id, PIPER.id]
    assert result["attempts"][1]["note"] == "serves en only; the text is zh"


def test_undetectable_text_keeps_the_order(tmp_path: Path) -> None:
    engine = RecordingTTS()
    result = ladder("text-to-speech", [PIPER, ESPEAK], engine, tmp_path, text="OK 42")
    assert engine.called == [PIPER.id]
    assert "language" not in result


def test_translation_runs_only_models_of_its_pair(tmp_path: Path) -> None:
    # Chinese text into German: neither en->de nor zh->en translates that pair (issue 15.3).
    engine = RecordingText()
    english_only = card("opus-mt-en-de", "translation", "en", "de")
    chinese = card("opus-mt-zh-en", "translation", "zh", "en")
    result = ladder(
        "translation",
        [english_only, chinese],
        engine,
        tmp_path,
        text=CHINESE,
        target_language="German",
    )
    assert engine.called == []
    assert result["status"] == "error" and result["language"] == "zh"
    assert result["error"].startswith("no translation model here translates Chinese to German")
    assert result["attempts"][0]["error"] == (
        "translates English to German only, not Chinese to German"
    )


def test_unknown_and_multilingual_models_count_as_serving(tmp_path: Path) -> None:
    engine = RecordingText()
    english = card("bart-large-cnn", "summarization", "en")
    french = card("barthez", "summarization", "fr")
    multilingual = card("mt5-multilingual-xlsum", "summarization", "multilingual")
    controller = controller_card("summarization")  # no languages: unknown, may serve any
    mandarin = card("mandarin-summarizer", "summarization", "zh-CN")
    cards = [english, controller, french, multilingual, mandarin]
    result = ladder("summarization", cards, engine, tmp_path, text=CHINESE * 3)
    assert engine.called == [controller.id]
    ordered, language, notes = order_by_language("summarization", cards, {"text": CHINESE})
    assert [c.id for c in ordered] == [
        controller.id,
        multilingual.id,
        mandarin.id,
        english.id,
        french.id,
    ]
    assert language == "zh" and result["language"] == "zh"
    assert notes == {
        english.id: "serves en only; the text is zh",
        french.id: "serves fr only; the text is zh",
    }


def test_question_answering_reads_the_context() -> None:
    english = card("roberta-base-squad2", "question-answering", "en")
    chinese = card("roberta-base-chinese-extractive-qa", "question-answering", "zh")
    inputs = {"question": "Where did they go?", "context": CHINESE}
    ordered, language, _ = order_by_language("question-answering", [english, chinese], inputs)
    assert language == "zh" and ordered == [chinese, english]


@pytest.mark.parametrize("text", [CHINESE, ENGLISH, "OK"])
def test_the_order_is_a_permutation(text: str) -> None:
    cards = [PIPER, ESPEAK, controller_card("text-to-speech")]
    ordered, _, _ = order_by_language("text-to-speech", cards, {"text": text})
    assert sorted(c.id for c in ordered) == sorted(c.id for c in cards)


@pytest.mark.skipif(espeak_binary() is None, reason="the Debian package espeak-ng is not installed")
def test_real_espeak_speaks_chinese_ahead_of_an_english_voice(tmp_path: Path) -> None:
    piper_double = RecordingTTS()
    result = run_ladder(
        TASKS["text-to-speech"],
        [PIPER, ESPEAK],
        {"text": CHINESE},
        engines=Engines([EspeakEngine(), piper_double]),
        mode="local",
        run_dir=tmp_path,
        timeout_s=60,
    )
    assert result["status"] == "ok" and result["engine"] == "espeak-ng"
    assert result["language"] == "zh" and result["output"]["data"]["language"] == "zh"
    assert piper_double.called == []
