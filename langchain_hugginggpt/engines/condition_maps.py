"""ControlNet condition maps computed from an image with OpenCV, no learned model involved.

Three conditions are honest to compute this way: canny (the Canny edge detector is what the
canny ControlNet was trained on), mlsd (white straight line segments on black; M-LSD is a
learned line detector, and OpenCV's probabilistic Hough transform on Canny edges finds the same
kind of segments, less completely) and scribble (thick white strokes on black: a drawing's own
dark lines, or a photo's simplified edges, as the scribble ControlNet expects hand-drawn
strokes). HED soft edges, poses, surface normals and ADE20K segmentation colours come from
learned networks and are not faked here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from langchain_hugginggpt.engines.base import EngineError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["EXTRACTORS", "canny_map", "mlsd_map", "scribble_map"]

_CANNY_LOW, _CANNY_HIGH = 100, 200
"""The thresholds the canny ControlNet's training maps were made with."""
_DRAWING_LIGHT_SHARE = 0.85
"""An image whose pixels are mostly this light is a drawing: its dark lines are the strokes."""


def _gray(image: Image.Image) -> Any:
    import cv2
    import numpy as np

    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)


def _as_image(mask: Any, condition: str) -> Image.Image:
    """White-on-black RGB map; a map without a white pixel conveys nothing and is an error."""
    from PIL import Image

    if not mask.any():
        raise EngineError(f"no {condition} found in the image: its {condition} map would be empty")
    return Image.fromarray(mask).convert("RGB")


def canny_map(image: Image.Image) -> Image.Image:
    """Canny edges: white one-pixel edges on black."""
    import cv2

    return _as_image(cv2.Canny(_gray(image), _CANNY_LOW, _CANNY_HIGH), "edges")


def mlsd_map(image: Image.Image) -> Image.Image:
    """Straight line segments (probabilistic Hough on Canny edges): white lines on black."""
    import cv2
    import numpy as np

    gray = _gray(image)
    edges = cv2.Canny(cv2.GaussianBlur(gray, (3, 3), 0), 50, 150)
    short = min(gray.shape)
    segments = cv2.HoughLinesP(
        edges,
        rho=1,
        theta=np.pi / 180,
        threshold=max(10, short // 10),
        minLineLength=max(8, short // 12),
        maxLineGap=max(2, short // 60),
    )
    canvas = np.zeros_like(gray)
    for x1, y1, x2, y2 in () if segments is None else segments.reshape(-1, 4):
        cv2.line(canvas, (int(x1), int(y1)), (int(x2), int(y2)), 255, max(1, short // 256))
    return _as_image(canvas, "straight lines")


def scribble_map(image: Image.Image) -> Image.Image:
    """Thick white strokes on black: a drawing's lines, or a photo's simplified edges."""
    import cv2
    import numpy as np

    gray = _gray(image)
    if float((gray > 200).mean()) >= _DRAWING_LIGHT_SHARE:
        strokes = np.where(gray < 128, 255, 0).astype("uint8")
    else:
        strokes = cv2.Canny(cv2.GaussianBlur(gray, (7, 7), 0), 60, 160)
    width = max(3, min(gray.shape) // 128)
    kernel = np.ones((width, width), dtype="uint8")
    return _as_image(cv2.dilate(strokes, kernel), "strokes")


EXTRACTORS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "canny": canny_map,
    "mlsd": mlsd_map,
    "scribble": scribble_map,
}
"""Condition -> the function computing its map from an image."""
