"""Text to speech on tiny random models: SpeechT5 with its vocoder and speaker, and VITS."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from langchain_hugginggpt.catalog import Catalog
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.engines.transformers.speakers import default_speaker_values
from langchain_hugginggpt.engines.transformers.vocoders import DEFAULT_VOCODER
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_models


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-speech")


@pytest.fixture(scope="module")
def speecht5(root: Path) -> Path:
    return tiny_models.speecht5(root)


@pytest.fixture(scope="module")
def vocoder(root: Path) -> Path:
    return tiny_models.hifigan(root)


@pytest.fixture
def engine() -> TransformersEngine:
    return TransformersEngine(device="cpu", cache=ModelCache(max_items=4))


@pytest.fixture
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty Hugging Face cache, so no vocoder can be found there (the Hub is offline)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))


def card_for(path: Path, **extra: object) -> ModelCard:
    return Catalog(hub=None).register_local(path, "text-to-speech", extra=extra)


def speak(
    engine: TransformersEngine, card: ModelCard, tmp_path: Path, **inputs: str
) -> tuple[dict[str, object], np.ndarray, int]:
    request = EngineRequest(
        task=TASKS["text-to-speech"],
        model=card,
        inputs={"text": "hello world", **inputs},
        run_dir=tmp_path / "run",
        timeout_s=60,
    )
    out = engine.run(request)
    with wave.open(str(out["path"]), "rb") as audio:
        frames = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
        return dict(out), frames, audio.getframerate()


def test_speecht5_speaks_through_the_vocoder_its_card_names(
    engine: TransformersEngine, speecht5: Path, vocoder: Path, tmp_path: Path
) -> None:
    card = card_for(speecht5, vocoder=str(vocoder))
    assert card.extra == {"vocoder": str(vocoder)}
    out, frames, rate = speak(engine, card, tmp_path)
    assert out["type"] == "audio" and out["mime_type"] == "audio/wav"
    assert rate == 16000  # the vocoder's rate
    # The tiny vocoder upsamples each mel frame 16 times: a whole number of frames came out.
    assert frames.size > 0 and frames.size % 16 == 0 and np.any(frames)


def test_the_default_speaker_is_bundled_and_a_request_can_override_it(
    engine: TransformersEngine, speecht5: Path, vocoder: Path, tmp_path: Path
) -> None:
    expected = np.random.default_rng(0).standard_normal(512)
    expected /= np.linalg.norm(expected)
    assert np.allclose(default_speaker_values(), expected, atol=1e-6)  # what its doc says

    card = card_for(speecht5, vocoder=str(vocoder))
    _, default_voice, _ = speak(engine, card, tmp_path)
    again = tmp_path / "again"
    _, same_voice, _ = speak(engine, card, again)
    np.save(tmp_path / "voice.npy", -np.asarray(default_speaker_values(), dtype=np.float32))
    _, other_voice, _ = speak(engine, card, tmp_path, speaker_embedding=str(tmp_path / "voice.npy"))
    assert np.array_equal(default_voice, same_voice)
    assert not np.array_equal(default_voice, other_voice)

    on_card = card_for(
        speecht5, vocoder=str(vocoder), speaker_embedding=str(tmp_path / "voice.npy")
    )
    _, card_voice, _ = speak(engine, on_card, tmp_path)
    assert np.array_equal(card_voice, other_voice)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps([0.1] * 3), "has 3 values; the model needs 512"),
        (json.dumps({"values": ["a"] * 512}), "is not a list of numbers"),
        (json.dumps([float("nan")] * 512), "512 finite numbers"),
        ("{not json", "cannot read speaker embedding"),
    ],
)
def test_a_bad_speaker_embedding_is_an_error_naming_it(
    engine: TransformersEngine,
    speecht5: Path,
    vocoder: Path,
    tmp_path: Path,
    content: str,
    message: str,
) -> None:
    voice = tmp_path / "voice.json"
    voice.write_text(content)
    with pytest.raises(EngineError, match=message) as caught:
        speak(
            engine, card_for(speecht5, vocoder=str(vocoder)), tmp_path, speaker_embedding=str(voice)
        )
    assert "voice.json" in str(caught.value)


def test_a_missing_speaker_embedding_file_is_an_error(
    engine: TransformersEngine, speecht5: Path, vocoder: Path, tmp_path: Path
) -> None:
    card = card_for(speecht5, vocoder=str(vocoder))
    with pytest.raises(
        EngineError, match=r"speaker embedding file '.*nowhere\.npy' does not exist"
    ):
        speak(engine, card, tmp_path, speaker_embedding=str(tmp_path / "nowhere.npy"))


@pytest.mark.usefixtures("empty_hf_cache")
def test_without_a_vocoder_the_error_names_the_default_vocoder_and_the_model(
    engine: TransformersEngine, speecht5: Path, tmp_path: Path
) -> None:
    card = card_for(speecht5)
    with pytest.raises(EngineError) as caught:
        speak(engine, card, tmp_path)
    message = str(caught.value)
    assert f"vocoder {DEFAULT_VOCODER} for {card.id} not found" in message
    assert "Hugging Face cache" in message


@pytest.mark.usefixtures("empty_hf_cache")
def test_a_named_vocoder_that_is_nowhere_is_an_error_naming_it(
    engine: TransformersEngine, speecht5: Path, tmp_path: Path
) -> None:
    card = card_for(speecht5, vocoder="example-org/no-such-vocoder")
    with pytest.raises(EngineError, match="vocoder example-org/no-such-vocoder for local/"):
        speak(engine, card, tmp_path)


def test_a_vocoder_folder_holding_another_model_is_an_error_naming_it(
    engine: TransformersEngine, speecht5: Path, tmp_path: Path
) -> None:
    card = card_for(speecht5, vocoder=str(speecht5))  # a SpeechT5 model, not a HiFi-GAN
    with pytest.raises(EngineError, match=f"vocoder {speecht5} for {card.id} could not be loaded"):
        speak(engine, card, tmp_path)


def test_vits_speaks_without_vocoder_or_speaker(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    card = card_for(tiny_models.vits(root))
    out, frames, rate = speak(engine, card, tmp_path)
    assert out["type"] == "audio" and rate == 16000
    assert frames.size > 0 and frames.size % 16 == 0  # 16 samples per spectrogram frame
    assert np.any(frames)


def test_bark_generates_a_waveform_at_its_codec_rate(
    engine: TransformersEngine, root: Path, tmp_path: Path
) -> None:
    card = card_for(tiny_models.bark(root))
    out, frames, rate = speak(engine, card, tmp_path)
    assert out["type"] == "audio" and rate == 24000
    assert frames.size > 0 and frames.size % 320 == 0  # 320 samples per codec frame
