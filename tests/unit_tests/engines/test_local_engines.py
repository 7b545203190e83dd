"""The transformers and diffusers engines on tiny random models saved by the tests."""

from pathlib import Path

import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.diffusion import DiffusersEngine
from langchain_hugginggpt.engines.transformers import TransformersEngine
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines.tiny_models import write_png, write_wav


def local(task: str, path: Path, library: str | None = None) -> ModelCard:
    return ModelCard(
        id=f"local/{path.name}", task=task, source="local", path=str(path), library_name=library
    )


def request(task: str, card: ModelCard, tmp_path: Path, **inputs: str) -> EngineRequest:
    return EngineRequest(
        task=TASKS[task], model=card, inputs=inputs, run_dir=tmp_path / "run", timeout_s=60
    )


@pytest.fixture
def engine() -> TransformersEngine:
    return TransformersEngine(device="cpu", cache=ModelCache(max_items=4))


def test_text_classification(
    engine: TransformersEngine, tiny_text_classifier: Path, tmp_path: Path
) -> None:
    card = local("text-classification", tiny_text_classifier)
    out = engine.run(request("text-classification", card, tmp_path, text="the movie was great"))
    assert out["type"] == "labels"
    assert {x["label"] for x in out["data"]} == {"POSITIVE", "NEGATIVE"}
    assert abs(sum(x["score"] for x in out["data"]) - 1.0) < 1e-3
    assert out["data"][0]["score"] >= out["data"][1]["score"]
    assert out["text"].startswith(out["data"][0]["label"])


def test_summarization_and_translation_through_the_seq2seq_adapter(
    engine: TransformersEngine, tiny_seq2seq: Path, tmp_path: Path
) -> None:
    for task, inputs in (
        ("summarization", {"text": "the cat is good"}),
        ("translation", {"text": "hello world", "target_language": "French"}),
    ):
        out = engine.run(request(task, local(task, tiny_seq2seq), tmp_path, **inputs))
        assert out["type"] == "text" and isinstance(out["text"], str)
    assert engine.cache.loads == 1  # summarization and translation share one loaded model


def test_image_classification(
    engine: TransformersEngine, tiny_image_classifier: Path, tmp_path: Path
) -> None:
    image = write_png(tmp_path / "red.png")
    card = local("image-classification", tiny_image_classifier)
    out = engine.run(request("image-classification", card, tmp_path, image=str(image)))
    assert out["type"] == "labels" and {x["label"] for x in out["data"]} == {"cat", "dog", "car"}


def test_speech_recognition(
    engine: TransformersEngine, tiny_speech_recognizer: Path, tmp_path: Path
) -> None:
    audio = write_wav(tmp_path / "tone.wav", seconds=0.5, rate=8000)  # resampled to 16 kHz
    card = local("automatic-speech-recognition", tiny_speech_recognizer)
    out = engine.run(request("automatic-speech-recognition", card, tmp_path, audio=str(audio)))
    assert out["type"] == "text" and isinstance(out["text"], str)


def test_missing_argument_and_bad_file(
    engine: TransformersEngine, tiny_image_classifier: Path, tmp_path: Path
) -> None:
    card = local("image-classification", tiny_image_classifier)
    with pytest.raises(EngineError, match="needs argument 'image'"):
        engine.run(request("image-classification", card, tmp_path))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(EngineError, match=r"cannot open image bad\.png"):
        engine.run(request("image-classification", card, tmp_path, image=str(bad)))


def test_supports(engine: TransformersEngine, tiny_text_classifier: Path) -> None:
    card = local("text-classification", tiny_text_classifier)
    assert engine.supports(card, "local") and engine.supports(card, "auto")
    assert not engine.supports(card, "remote")
    assert not engine.supports(local("text-to-image", tiny_text_classifier), "auto")
    assert not engine.supports(
        local("text-classification", tiny_text_classifier, "speechbrain"), "auto"
    )
    missing = ModelCard(
        id="local/gone", task="text-classification", source="local", path="/nonexistent"
    )
    assert not engine.supports(missing, "auto")
    # a Hub model that is not cached, with the Hub unreachable (HF_HUB_OFFLINE in tests)
    assert not engine.supports(
        ModelCard(id="org/never-downloaded", task="text-classification"), "auto"
    )


def test_pickled_weights_are_refused_unless_allowed(
    tiny_text_classifier: Path, tmp_path: Path
) -> None:
    import shutil

    import torch
    from safetensors.torch import load_file

    pickled = tmp_path / "pickled-bert"
    shutil.copytree(tiny_text_classifier, pickled)
    weights = load_file(pickled / "model.safetensors")
    (pickled / "model.safetensors").unlink()
    torch.save(weights, pickled / "pytorch_model.bin")
    card = local("text-classification", pickled)
    strict = TransformersEngine(device="cpu", allow_pickle=False, cache=ModelCache())
    with pytest.raises(EngineError, match="no safetensors weights"):
        strict.run(request("text-classification", card, tmp_path, text="great"))
    trusting = TransformersEngine(device="cpu", allow_pickle=True, cache=ModelCache())
    assert (
        trusting.run(request("text-classification", card, tmp_path, text="great"))["type"]
        == "labels"
    )


def test_remote_code_is_never_trusted(tiny_text_classifier: Path, tmp_path: Path) -> None:
    import json
    import shutil

    custom = tmp_path / "custom-code"
    shutil.copytree(tiny_text_classifier, custom)
    (custom / "evil.py").write_text("raise SystemExit('remote code ran')\n")
    config = json.loads((custom / "config.json").read_text())
    config["auto_map"] = {
        "AutoModelForSequenceClassification": "evil.EvilModel",
        "AutoConfig": "evil.EvilConfig",
    }
    (custom / "config.json").write_text(json.dumps(config))
    engine = TransformersEngine(device="cpu", cache=ModelCache())
    # Either the built-in class loads or loading fails; the custom module never runs.
    try:
        out = engine.run(
            request("text-classification", local("text-classification", custom), tmp_path, text="x")
        )
        assert out["type"] == "labels"
    except EngineError as exc:
        assert "remote code ran" not in str(exc)


def test_text_to_image_on_tiny_stable_diffusion(
    tiny_stable_diffusion: Path, tmp_path: Path
) -> None:
    engine = DiffusersEngine(device="cpu", steps=2, cache=ModelCache())
    card = local("text-to-image", tiny_stable_diffusion, "diffusers")
    assert engine.supports(card, "local") and not engine.supports(card, "remote")
    out = engine.run(request("text-to-image", card, tmp_path, text="a red square"))
    assert out["type"] == "image" and out["mime_type"] == "image/png"
    from PIL import Image

    with Image.open(out["path"]) as image:
        assert image.size[0] > 0 and image.mode == "RGB"
    assert Path(out["path"]).parent == tmp_path / "run"


def test_image_to_image_reuses_the_weights_folder(
    tiny_stable_diffusion: Path, tmp_path: Path
) -> None:
    engine = DiffusersEngine(device="cpu", steps=2, cache=ModelCache())
    source = write_png(tmp_path / "in.png", size=32)
    card = local("image-to-image", tiny_stable_diffusion, "diffusers")
    out = engine.run(request("image-to-image", card, tmp_path, image=str(source), text="blue sky"))
    assert out["type"] == "image"


def test_diffusers_errors(tiny_stable_diffusion: Path, tmp_path: Path) -> None:
    engine = DiffusersEngine(device="cpu", steps=1, cache=ModelCache())
    card = local("text-to-image", tiny_stable_diffusion, "diffusers")
    with pytest.raises(EngineError, match="needs argument 'text'"):
        engine.run(request("text-to-image", card, tmp_path))
    broken = tmp_path / "broken-sd"
    broken.mkdir()
    (broken / "model_index.json").write_text("{}")
    with pytest.raises(EngineError, match="cannot load"):
        engine.run(
            request(
                "text-to-image", local("text-to-image", broken, "diffusers"), tmp_path, text="a"
            )
        )
    with pytest.raises(ValueError, match="steps must be at least 1"):
        DiffusersEngine(steps=0)


def test_controlnet_conditioned_generation(tiny_stable_diffusion: Path, tmp_path: Path) -> None:
    from diffusers import ControlNetModel, UNet2DConditionModel

    unet = UNet2DConditionModel.from_pretrained(tiny_stable_diffusion / "unet")
    controlnet_dir = tmp_path / "tiny-controlnet-canny"
    ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(16, 32)).save_pretrained(
        controlnet_dir
    )
    engine = DiffusersEngine(
        device="cpu", steps=2, controlnet_base=str(tiny_stable_diffusion), cache=ModelCache()
    )
    card = local("canny-text-to-image", controlnet_dir, "diffusers")
    edges = write_png(tmp_path / "edges.png", size=32, colour="white")
    out = engine.run(request("canny-text-to-image", card, tmp_path, text="a cat", image=str(edges)))
    assert out["type"] == "image" and "guided by canny-text-to-image" in out["text"]
    with pytest.raises(EngineError, match="needs argument 'image'"):
        engine.run(request("canny-text-to-image", card, tmp_path, text="a cat"))
