"""Instruction-guided image editing and text-to-video on tiny diffusers pipelines."""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.cache import ModelCache
from langchain_hugginggpt.engines.diffusion import TASKS as DIFFUSION_TASKS
from langchain_hugginggpt.engines.diffusion import DiffusersEngine
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.engines import tiny_models
from tests.unit_tests.engines.tiny_models import write_png


def card(task: str, path: Path) -> ModelCard:
    return ModelCard(
        id=f"local/{path.name}", task=task, source="local", path=str(path), library_name="diffusers"
    )


def request(task: str, model: ModelCard, tmp_path: Path, **inputs: str) -> EngineRequest:
    return EngineRequest(
        task=TASKS[task], model=model, inputs=inputs, run_dir=tmp_path / "run", timeout_s=120
    )


@pytest.fixture
def engine() -> DiffusersEngine:
    return DiffusersEngine(device="cpu", steps=2, cache=ModelCache())


def test_image_editing_runs_instruct_pix2pix(
    engine: DiffusersEngine, tiny_stable_diffusion: Path, tmp_path: Path
) -> None:
    from diffusers import StableDiffusionInstructPix2PixPipeline
    from PIL import Image

    model = card("image-editing", tiny_models.instruct_pix2pix(tmp_path, tiny_stable_diffusion))
    assert "image-editing" in DIFFUSION_TASKS
    assert engine.supports(model, "local") and not engine.supports(model, "remote")
    source = write_png(tmp_path / "in.png", size=32)
    out = engine.run(
        request("image-editing", model, tmp_path, image=str(source), text="make it blue")
    )
    assert out["type"] == "image" and out["text"] == "edited image: make it blue"
    with Image.open(out["path"]) as edited:
        assert edited.mode == "RGB" and edited.size == (32, 32)
    pipe = DiffusersEngine(device="cpu")._load("image-editing", model.path or "", "cpu")
    assert isinstance(pipe, StableDiffusionInstructPix2PixPipeline)


def test_image_editing_needs_an_instruction_and_an_image(
    engine: DiffusersEngine, tiny_stable_diffusion: Path, tmp_path: Path
) -> None:
    model = card("image-editing", tiny_models.instruct_pix2pix(tmp_path, tiny_stable_diffusion))
    source = write_png(tmp_path / "in.png", size=32)
    with pytest.raises(EngineError, match="needs argument 'text'"):
        engine.run(request("image-editing", model, tmp_path, image=str(source)))
    with pytest.raises(EngineError, match="image"):
        engine.run(request("image-editing", model, tmp_path, text="make it blue"))


def test_image_editing_on_a_plain_stable_diffusion_says_it_cannot_load(
    engine: DiffusersEngine, tiny_stable_diffusion: Path, tmp_path: Path
) -> None:
    # A text-to-image UNet reads 4 latent channels; InstructPix2Pix feeds it 8.
    model = card("image-editing", tiny_stable_diffusion)
    source = write_png(tmp_path / "in.png", size=32)
    with pytest.raises(EngineError, match="not an InstructPix2Pix model: its UNet reads 4"):
        engine.run(request("image-editing", model, tmp_path, image=str(source), text="blue"))


def test_text_to_video_writes_an_mp4(
    engine: DiffusersEngine, tiny_stable_diffusion: Path, tmp_path: Path
) -> None:
    import cv2

    model = card("text-to-video", tiny_models.text_to_video(tmp_path, tiny_stable_diffusion))
    out = engine.run(request("text-to-video", model, tmp_path, text="a cat"))
    assert out["type"] == "video" and out["mime_type"] == "video/mp4"
    assert out["text"] == "video of: a cat"
    video = cv2.VideoCapture(out["path"])
    try:
        frames = 0
        while video.read()[0]:
            frames += 1
    finally:
        video.release()
    assert frames > 1
    with pytest.raises(EngineError, match="needs argument 'text'"):
        engine.run(request("text-to-video", model, tmp_path))


def test_text_to_video_without_a_video_writer_says_what_to_install(
    engine: DiffusersEngine,
    tiny_stable_diffusion: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import diffusers.utils

    def no_writer(*args: object, **kwargs: object) -> str:
        raise ImportError("no video backend")

    monkeypatch.setattr(diffusers.utils, "export_to_video", no_writer)
    model = card("text-to-video", tiny_models.text_to_video(tmp_path, tiny_stable_diffusion))
    with pytest.raises(EngineError, match="writing video needs"):
        engine.run(request("text-to-video", model, tmp_path, text="a cat"))
