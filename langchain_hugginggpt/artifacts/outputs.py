"""Normalised task outputs: text, labels, entities, and media saved as files of the run.

Every engine builds its results here, so any output chains into any fitting input the same way
whichever engine made it.
"""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_hugginggpt.artifacts.sniff import sniff
from langchain_hugginggpt.artifacts.store import save_bytes
from langchain_hugginggpt.artifacts.types import TaskOutput

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

__all__ = [
    "audio_array_output",
    "detection_output",
    "entities_output",
    "json_output",
    "labels_output",
    "media_bytes_output",
    "pil_image_output",
    "segmentation_output",
    "text_output",
]

_PALETTE = [
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
]


def text_output(text: str, data: Any = None) -> TaskOutput:
    """A text result."""
    out: TaskOutput = {"type": "text", "text": text}
    if data is not None:
        out["data"] = data
    return out


def labels_output(labels: Sequence[Mapping[str, Any]], top: int = 5) -> TaskOutput:
    """Labels with scores, best first; the text names the top ones."""
    ranked: list[dict[str, Any]] = sorted(
        ({"label": str(x["label"]), "score": round(float(x.get("score", 0.0)), 4)} for x in labels),
        key=lambda x: -x["score"],
    )
    text = ", ".join(f"{x['label']} ({x['score']:.2f})" for x in ranked[:top]) or "no label"
    return {"type": "labels", "text": text, "data": ranked}


def entities_output(entities: Sequence[Mapping[str, Any]]) -> TaskOutput:
    """Named entities: word, group, score, span; the text lists them as `word (GROUP)`."""
    items = [
        {
            "word": str(e.get("word", "")).strip(),
            "entity": str(e.get("entity_group") or e.get("entity") or e.get("label") or ""),
            "score": round(float(e.get("score", 1.0)), 4),
            "start": e.get("start"),
            "end": e.get("end"),
        }
        for e in entities
    ]
    text = ", ".join(f"{e['word']} ({e['entity']})" for e in items) or "no entities found"
    return {"type": "json", "text": text, "data": items}


def json_output(data: Any, text: str | None = None) -> TaskOutput:
    """Structured data; the text is given or the JSON itself."""
    rendered = text if text is not None else json.dumps(data, ensure_ascii=False, default=str)
    return {"type": "json", "text": rendered, "data": data}


def media_bytes_output(run_dir: Path, data: bytes, description: str) -> TaskOutput:
    """Save encoded media (PNG, WAV, MP4, ...) as a run file; its kind comes from its bytes."""
    media = sniff(data[:32])
    if media is None:
        raise ValueError("the model returned bytes of an unknown media format")
    path = save_bytes(run_dir, data, suffix=media.suffix)
    return {
        "type": media.modality,
        "text": description,
        "path": str(path),
        "mime_type": media.mime_type,
    }


def pil_image_output(
    run_dir: Path, image: Image.Image, description: str, data: Any = None
) -> TaskOutput:
    """Save a PIL image as PNG in the run folder."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    out = media_bytes_output(run_dir, buffer.getvalue(), description)
    if data is not None:
        out["data"] = data
    return out


def audio_array_output(
    run_dir: Path, samples: np.ndarray, sampling_rate: int, description: str
) -> TaskOutput:
    """Save float samples in [-1, 1] (mono, or channels last) as 16-bit PCM WAV."""
    import numpy as np

    array = np.asarray(samples, dtype=np.float32)
    if array.ndim == 2 and array.shape[0] < array.shape[1] and array.shape[0] <= 8:
        array = array.T  # channels first -> frames first
    channels = 1 if array.ndim == 1 else array.shape[1]
    pcm = (np.clip(array, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(int(sampling_rate))
        out.writeframes(pcm.tobytes())
    seconds = len(pcm) / float(sampling_rate)
    return media_bytes_output(
        run_dir, buffer.getvalue(), f"{description} ({seconds:.1f} s of audio)"
    )


def detection_output(
    run_dir: Path, image: Image.Image, boxes: Sequence[Mapping[str, Any]]
) -> TaskOutput:
    """Boxes drawn on the image; `data` keeps label, score and box of each object."""
    from PIL import ImageDraw

    canvas = image.convert("RGB").copy()
    draw = ImageDraw.Draw(canvas)
    items = []
    for i, b in enumerate(sorted(boxes, key=lambda b: -float(b.get("score", 0.0)))):
        box = {k: float(b["box"][k]) for k in ("xmin", "ymin", "xmax", "ymax")}
        colour = _PALETTE[i % len(_PALETTE)]
        draw.rectangle(
            [box["xmin"], box["ymin"], box["xmax"], box["ymax"]], outline=colour, width=3
        )
        draw.text((box["xmin"] + 3, box["ymin"] + 2), str(b["label"]), fill=colour)
        items.append(
            {"label": str(b["label"]), "score": round(float(b.get("score", 0.0)), 4), "box": box}
        )
    listed = ", ".join(f"{x['label']} ({x['score']:.2f})" for x in items)
    text = f"{len(items)} object{'s' if len(items) != 1 else ''} found" + (
        f": {listed}" if listed else ""
    )
    return pil_image_output(run_dir, canvas, text, data=items)


def segmentation_output(
    run_dir: Path, image: Image.Image, segments: Sequence[Mapping[str, Any]]
) -> TaskOutput:
    """Masks overlaid in colour on the image; `data` keeps label and score of each segment."""
    from PIL import Image as PILImage

    base = image.convert("RGBA")
    items: list[dict[str, Any]] = []
    for i, seg in enumerate(segments):
        mask = seg["mask"].convert("L").resize(base.size)
        layer = PILImage.new("RGBA", base.size, _PALETTE[i % len(_PALETTE)] + (0,))
        layer.putalpha(mask.point(lambda v: 110 if v > 127 else 0))
        base = PILImage.alpha_composite(base, layer)
        score = seg.get("score")
        items.append(
            {
                "label": str(seg.get("label", f"segment {i + 1}")),
                "score": None if score is None else round(float(score), 4),
            }
        )
    text = f"{len(items)} segment{'s' if len(items) != 1 else ''}: " + ", ".join(
        x["label"] for x in items
    )
    return pil_image_output(run_dir, base.convert("RGB"), text, data=items)
