"""Object detection and image segmentation, closed-set or prompted with the objects' names.

The model's `config.model_type` decides how it runs. OWL-ViT and OWLv2 are open-vocabulary
detectors: they box the objects named in the request (see `labels.prompt_labels`) through the
zero-shot-object-detection pipeline. CLIPSeg segments the regions the request names, one mask
per name. Every other model runs through its task's pipeline with the labels it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_hugginggpt.artifacts.outputs import (
    detection_output,
    pil_image_output,
    segmentation_output,
)
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.media_io import open_image
from langchain_hugginggpt.engines.transformers.labels import prompt_labels
from langchain_hugginggpt.engines.transformers.loading import (
    LoadOptions,
    load_model,
    load_pipeline,
    load_processor,
)

__all__ = [
    "DETECTION_THRESHOLD",
    "NO_SEGMENTS",
    "OPEN_VOCABULARY_DETECTORS",
    "PROMPTED_SEGMENTERS",
    "Prompted",
    "detect",
    "load_detector",
    "load_segmenter",
    "model_type",
    "segment",
]

OPEN_VOCABULARY_DETECTORS = frozenset({"owlvit", "owlv2"})
"""Model types that detect objects named in a text prompt."""
PROMPTED_SEGMENTERS = frozenset({"clipseg"})
"""Model types that segment regions named in a text prompt."""
NO_SEGMENTS = "no segments found"
DETECTION_THRESHOLD = 0.1
"""Open-vocabulary boxes scoring less than this for every named object are dropped."""
_MASK_THRESHOLD = 0.5
"""CLIPSeg pixels whose sigmoid score is at least this belong to the named region."""
_MIN_AREA = 0.001
"""A region smaller than this share of the image is noise, not a segment."""


@dataclass(frozen=True)
class Prompted:
    """A loaded model that needs the objects' names, and how it runs."""

    model_type: str
    runner: Any
    """The zero-shot-object-detection pipeline, or a `(model, processor)` pair for CLIPSeg."""


def model_type(ref: str, options: LoadOptions) -> str:
    """The `model_type` of the model's config (reads `config.json` only)."""
    from transformers import AutoConfig

    return str(load_processor(AutoConfig, ref, options).model_type)


def load_detector(ref: str, options: LoadOptions) -> Any:
    """OWL-ViT/OWLv2 as a `Prompted` zero-shot detector, any other model as a plain pipeline."""
    kind = model_type(ref, options)
    if kind in OPEN_VOCABULARY_DETECTORS:
        return Prompted(kind, load_pipeline("zero-shot-object-detection", ref, options))
    return load_pipeline("object-detection", ref, options)


def load_segmenter(ref: str, options: LoadOptions) -> Any:
    """CLIPSeg as a `Prompted` segmenter, any other model as a plain pipeline."""
    kind = model_type(ref, options)
    if kind in PROMPTED_SEGMENTERS:
        from transformers import AutoProcessor, CLIPSegForImageSegmentation

        model = load_model(CLIPSegForImageSegmentation, ref, options)
        return Prompted(kind, (model, load_processor(AutoProcessor, ref, options)))
    return load_pipeline("image-segmentation", ref, options)


def _labels(loaded: Prompted, request: EngineRequest) -> list[str]:
    labels = prompt_labels(request.inputs, request.extra.get("request", ""))
    if not labels:
        raise EngineError(
            f"{request.model.id} ({loaded.model_type}) finds only objects named in the request, "
            "and none was named: say what to look for, e.g. 'find the cat and the dog in ...'"
        )
    return labels


def _image(request: EngineRequest) -> Any:
    path = request.inputs.get("image", "").strip()
    if not path:
        raise EngineError(f"{request.task.name} needs argument 'image'")
    return open_image(path)


def detect(loaded: Any, request: EngineRequest) -> TaskOutput:
    """Box the objects in the image: the named ones for open-vocabulary detectors."""
    image = _image(request)
    if isinstance(loaded, Prompted):
        labels = _labels(loaded, request)
        boxes = loaded.runner(image, candidate_labels=labels, threshold=DETECTION_THRESHOLD)
    else:
        boxes = loaded(image)
    return detection_output(request.run_dir, image, boxes)


def segment(loaded: Any, request: EngineRequest) -> TaskOutput:
    """Segment the image: the named regions for CLIPSeg; "no segments found" when none is."""
    image = _image(request)
    if isinstance(loaded, Prompted):
        segments = _clipseg(loaded, image, _labels(loaded, request))
    else:
        segments = list(loaded(image))
    if not segments:
        return pil_image_output(request.run_dir, image.convert("RGB"), NO_SEGMENTS, data=[])
    return segmentation_output(request.run_dir, image, segments)


def _clipseg(loaded: Prompted, image: Any, labels: list[str]) -> list[dict[str, Any]]:
    """One mask per label: the pixels CLIPSeg scores as that label, at the image's size."""
    import torch
    from PIL import Image

    model, processor = loaded.runner
    rgb = image.convert("RGB")
    inputs = processor(text=labels, images=[rgb] * len(labels), padding=True, return_tensors="pt")
    device = next(model.parameters()).device
    with torch.inference_mode():
        logits = model(**{k: v.to(device) for k, v in inputs.items()}).logits
    probs = logits.reshape(len(labels), *logits.shape[-2:]).sigmoid().cpu()
    probs = torch.nn.functional.interpolate(
        probs[:, None], size=(rgb.height, rgb.width), mode="bilinear", align_corners=False
    )[:, 0]
    segments: list[dict[str, Any]] = []
    for label, prob in zip(labels, probs, strict=True):
        inside = prob >= _MASK_THRESHOLD
        if float(inside.float().mean()) < _MIN_AREA:
            continue
        mask = Image.fromarray((inside.numpy() * 255).astype("uint8"))
        segments.append({"label": label, "score": float(prob[inside].mean()), "mask": mask})
    return segments
