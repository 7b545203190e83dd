"""ControlNet condition maps: computed with OpenCV, depth by a model, the rest not offered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from langchain_hugginggpt.artifacts.outputs import pil_image_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines import conditions
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode
from langchain_hugginggpt.engines.condition_maps import canny_map, mlsd_map, scribble_map
from langchain_hugginggpt.engines.conditions import (
    CONDITIONS_LIBRARY,
    UNAVAILABLE_CONDITIONS,
    ConditionEngine,
    condition_cards,
    depth_condition_card,
    unavailable_reason,
)
from langchain_hugginggpt.tasks import CONTROL_CONDITIONS, TASKS
from tests.unit_tests.engines.tiny_models import write_png


def shapes(path: Path) -> Path:
    """A grey square and a diagonal line on white: edges, straight lines and a drawing."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (128, 128), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 100, 100), fill=(90, 90, 90))
    draw.line((0, 127, 127, 0), fill="black", width=3)
    image.save(path)
    return path


def request(task: str, model: ModelCard, tmp_path: Path, **inputs: str) -> EngineRequest:
    return EngineRequest(
        task=TASKS[task], model=model, inputs=inputs, run_dir=tmp_path / "run", timeout_s=30
    )


def own_card(condition: str) -> ModelCard:
    return next(c for c in condition_cards() if c.task == f"{condition}-control")


def white_pixels(path: str) -> float:
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        assert image.mode == "RGB"
        return float((np.asarray(image.convert("L")) > 127).mean())


def test_every_condition_is_computed_by_model_or_declared_unavailable() -> None:
    offered = set(conditions.COMPUTED_CONDITIONS) | set(conditions.MODEL_CONDITIONS)
    assert offered | set(UNAVAILABLE_CONDITIONS) == set(CONTROL_CONDITIONS)
    assert not offered & set(UNAVAILABLE_CONDITIONS)
    assert set(conditions.COMPUTED_CONDITIONS) == {"canny", "mlsd", "scribble"}


@pytest.mark.parametrize("condition", ["canny", "mlsd", "scribble"])
def test_computed_conditions_make_white_on_black_maps(condition: str, tmp_path: Path) -> None:
    engine = ConditionEngine()
    model = own_card(condition)
    assert model.library_name == CONDITIONS_LIBRARY and model.source == "packaged"
    assert engine.supports(model, "local") and engine.supports(model, "auto")
    assert not engine.supports(model, "remote")
    out = engine.run(
        request(f"{condition}-control", model, tmp_path, image=str(shapes(tmp_path / "in.png")))
    )
    assert out["type"] == "image" and out["text"].startswith(f"{condition} condition map")
    assert out["data"] == {"condition": condition}
    share = white_pixels(out["path"])
    assert 0.0 < share < 0.5, "a sparse map of lines, not a copy of the image"


def test_canny_finds_the_square_edges_and_mlsd_the_straight_lines(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    image = Image.open(shapes(tmp_path / "in.png"))
    edges = np.asarray(canny_map(image).convert("L")) > 127
    assert edges[18:23, 40:80].any() and not edges[30:45, 30:45].any()  # border yes, inside no
    lines = np.asarray(mlsd_map(image).convert("L")) > 127
    assert lines[18:23, 40:80].any(axis=0).mean() > 0.5, (
        "the square's top edge is a straight segment"
    )


def test_scribble_of_a_drawing_keeps_its_strokes_thick(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image, ImageDraw

    drawing = Image.new("RGB", (128, 128), "white")
    ImageDraw.Draw(drawing).line((10, 64, 118, 64), fill="black", width=1)
    strokes = np.asarray(scribble_map(drawing).convert("L")) > 127
    assert strokes[63:66, 64].all(), "a one-pixel line becomes a stroke three pixels wide"
    assert not strokes[10, 64]


@pytest.mark.parametrize("extract", [canny_map, mlsd_map, scribble_map])
def test_a_featureless_image_has_no_map(extract: Any, tmp_path: Path) -> None:
    from PIL import Image

    with pytest.raises(EngineError, match=r"no .* found in the image"):
        extract(Image.new("RGB", (64, 64), "grey"))


@pytest.mark.parametrize("condition", sorted(UNAVAILABLE_CONDITIONS))
def test_conditions_needing_missing_models_are_not_offered(condition: str, tmp_path: Path) -> None:
    task = f"{condition}-control"
    reason = unavailable_reason(task)
    assert reason and "no local" in reason
    assert not any(c.task == task for c in condition_cards())
    fake = ModelCard(id=f"x/{condition}", task=task, library_name=CONDITIONS_LIBRARY)
    engine = ConditionEngine()
    assert not engine.supports(fake, "local")
    with pytest.raises(EngineError, match=reason):
        engine.run(request(task, fake, tmp_path, image=str(write_png(tmp_path / "in.png"))))


def test_unavailable_reason_is_none_for_offered_and_other_tasks() -> None:
    assert unavailable_reason("canny-control") is None
    assert unavailable_reason("depth-control") is None
    assert unavailable_reason("canny-text-to-image") is None
    assert unavailable_reason("object-detection") is None


def test_without_opencv_computed_conditions_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model = own_card("canny")
    monkeypatch.setattr(conditions, "_opencv", lambda: False)
    assert condition_cards() == []
    assert "opencv-python-headless" in (unavailable_reason("canny-control") or "")
    engine = ConditionEngine()
    assert not engine.supports(model, "local")
    with pytest.raises(EngineError, match="needs OpenCV"):
        engine.run(
            request("canny-control", model, tmp_path, image=str(write_png(tmp_path / "a.png")))
        )


def test_missing_image_and_other_cards(tmp_path: Path) -> None:
    engine = ConditionEngine()
    with pytest.raises(EngineError, match="needs argument 'image'"):
        engine.run(request("canny-control", own_card("canny"), tmp_path))
    # A Hub ControlNet's card (a generator, not an extractor) is not this engine's.
    hub = ModelCard(
        id="lllyasviel/sd-controlnet-canny", task="canny-control", library_name="diffusers"
    )
    assert not engine.supports(hub, "local")
    generation = ModelCard(id="x", task="canny-text-to-image", library_name=CONDITIONS_LIBRARY)
    assert not engine.supports(generation, "local")


class DepthEngine(Engine):
    """Stands in for the transformers engine's depth-estimation runner."""

    name = "depth"

    def __init__(self) -> None:
        self.seen: list[EngineRequest] = []

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        return model.task == "depth-estimation" and model.library_name == "transformers"

    def run(self, request: EngineRequest) -> TaskOutput:
        from PIL import Image

        self.seen.append(request)
        depth = Image.new("L", (16, 16), 128)
        return pil_image_output(request.run_dir, depth, "depth map (brighter is nearer)")


def test_depth_condition_comes_from_a_depth_estimation_model(tmp_path: Path) -> None:
    depth_model = ModelCard(
        id="Intel/dpt-hybrid-midas", task="depth-estimation", library_name="transformers"
    )
    model = depth_condition_card(depth_model)
    assert model.task == "depth-control" and model.id == depth_model.id
    delegate = DepthEngine()
    engine = ConditionEngine(delegate=delegate)
    assert engine.supports(model, "local")
    assert not ConditionEngine().supports(model, "local"), "no delegate, no depth"
    out = engine.run(
        request("depth-control", model, tmp_path, image=str(write_png(tmp_path / "a.png")))
    )
    assert out["type"] == "image" and out["text"].startswith("depth condition map")
    assert out["data"] == {"condition": "depth", "model": "Intel/dpt-hybrid-midas"}
    (inner,) = delegate.seen
    assert inner.task.name == "depth-estimation" and inner.model.task == "depth-estimation"
    with pytest.raises(ValueError, match="not depth-estimation"):
        depth_condition_card(ModelCard(id="x", task="image-segmentation"))


def test_depth_condition_on_the_real_transformers_runner(tmp_path: Path) -> None:
    """A tiny DPT saved here, run by the transformers engine's depth-estimation runner."""
    import torch
    from transformers import DPTConfig, DPTForDepthEstimation, DPTImageProcessor

    from langchain_hugginggpt.engines.cache import ModelCache
    from langchain_hugginggpt.engines.transformers import TransformersEngine

    torch.manual_seed(0)
    folder = tmp_path / "tiny-dpt"
    config = DPTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=37,
        neck_hidden_sizes=[8, 8, 16, 16],
        fusion_hidden_size=16,
        backbone_out_indices=[0, 1, 2, 3],
    )
    DPTForDepthEstimation(config).save_pretrained(folder)
    DPTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    depth_model = ModelCard(
        id="local/tiny-dpt",
        task="depth-estimation",
        source="local",
        path=str(folder),
        library_name="transformers",
    )
    engine = ConditionEngine(delegate=TransformersEngine(device="cpu", cache=ModelCache()))
    model = depth_condition_card(depth_model)
    assert engine.supports(model, "local")
    out = engine.run(
        request("depth-control", model, tmp_path, image=str(write_png(tmp_path / "a.png", size=32)))
    )
    assert out["type"] == "image" and Path(out["path"]).is_file()
    assert out["text"].startswith("depth condition map")


def test_the_default_catalog_offers_the_computed_and_depth_conditions() -> None:
    """Computed maps have their own cards; the depth map comes from the top bundled depth models."""
    from langchain_hugginggpt import Catalog
    from langchain_hugginggpt.graph.builder import default_catalog

    catalog = default_catalog(hub_timeout_s=0.01)
    depth = [c.id for c in Catalog().models("depth-estimation")[:3]]
    assert [c.id for c in catalog.models("depth-control")] == depth
    assert [c.id for c in catalog.models("canny-control")] == ["hugginggpt/canny-condition"]
    assert catalog.models("openpose-control") == []
