"""Test images with text in them, made the way users have them: sign photos and screenshots.

A sign photo is a coloured board with a real TrueType font on a noisy textured wall, turned a
few degrees, softened, lit unevenly and saved as a lossy JPEG; a labels photo is a circuit board
with short printed labels scattered over it (as on a dev board); a screenshot is dark UI text on
white, small as on a screen. Reused by the OCR tests, the "read this sign aloud" end-to-end test
and the scanned-PDF test.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = ["find_font", "labels_photo", "sign_photo", "text_screenshot", "textless_photo"]

_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


def find_font(size: int, *, bold: bool = False) -> _FontType:
    """DejaVu Sans (bold or regular) if installed, else any TrueType font, else Pillow's own."""
    wanted = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for root in _FONT_DIRS:
        if not root.is_dir():
            continue
        for found in sorted(root.rglob(wanted)) or sorted(root.rglob("*.ttf")):
            try:
                return ImageFont.truetype(str(found), size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)  # scalable since Pillow 10.1


def _wall(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    """A brick wall: bricks of varying reddish-brown tone, dark mortar joints, grain and grime."""
    width, height = size
    course, brick = 46, 110
    pixels = np.empty((height, width, 3), dtype=np.float32)
    for row, y in enumerate(range(0, height, course)):
        offset = (brick // 2) * (row % 2)
        for x in range(-offset, width, brick):
            tone = np.array([150.0, 78.0, 58.0]) * rng.uniform(0.75, 1.15)
            pixels[y : y + course, max(0, x) : x + brick] = tone
            pixels[y : y + course, max(0, x) : max(0, x) + 4] = (95.0, 88.0, 80.0)
        pixels[y : y + 5] = (95.0, 88.0, 80.0)
    grime = rng.normal(0.0, 1.0, (height // 60 + 2, width // 60 + 2))
    low = Image.fromarray(np.clip(128 + 50 * grime, 0, 255).astype(np.uint8), mode="L")
    shade = np.asarray(low.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 128.0
    grain = rng.normal(0.0, 22.0, (height, width, 1))
    wall = np.clip(pixels * (0.55 + 0.45 * shade[..., None]) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(wall, mode="RGB").filter(ImageFilter.GaussianBlur(0.6))


def sign_photo(
    path: Path,
    text: str,
    *,
    angle: float = 3.0,
    board: tuple[int, int, int] = (20, 70, 140),
    ink: tuple[int, int, int] = (245, 245, 240),
    seed: int = 7,
) -> Path:
    """Save a JPEG "photo" of a sign showing `text` and return its path.

    Args:
        path: Where to write the JPEG (quality 70).
        text: The sign's words; wrapped to at most about 22 characters a line.
        angle: How far the sign is turned, in degrees (counter-clockwise).
        board: The sign's colour.
        ink: The letters' colour.
        seed: Seed of the wall texture and sensor noise, so the image is reproducible.

    Returns:
        `path`.
    """
    rng = np.random.default_rng(seed)
    font = find_font(58, bold=True)
    lines = textwrap.wrap(text, width=22) or [text]
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    boxes = [measure.textbbox((0, 0), line, font=font) for line in lines]
    line_height = max(b[3] - b[1] for b in boxes)
    gap = line_height // 2
    text_w = max(b[2] - b[0] for b in boxes)
    text_h = len(lines) * line_height + (len(lines) - 1) * gap
    pad_x, pad_y = 60, 50
    sign_w, sign_h = text_w + 2 * pad_x, text_h + 2 * pad_y

    sign = Image.new("RGBA", (sign_w, sign_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sign)
    draw.rounded_rectangle(
        [0, 0, sign_w - 1, sign_h - 1], radius=28, fill=(*board, 255), outline=(*ink, 255), width=6
    )
    y = pad_y
    for line, box in zip(lines, boxes, strict=True):
        x = (sign_w - (box[2] - box[0])) // 2 - box[0]
        draw.text((x, y - box[1]), line, font=font, fill=(*ink, 255))
        y += line_height + gap
    sign = sign.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)

    size = (max(1280, sign.width + 240), max(900, sign.height + 360))
    photo = _wall(size, rng)
    # A little off-centre, as someone holding a phone would frame it.
    at = ((size[0] - sign.width) // 2 + 35, (size[1] - sign.height) // 2 - 25)
    shadow = Image.new("RGBA", sign.size, (0, 0, 0, 0))
    shadow.putalpha(sign.getchannel("A").point(lambda a: a // 2))
    photo.paste(shadow, (at[0] + 12, at[1] + 14), shadow.filter(ImageFilter.GaussianBlur(8)))
    photo.paste(sign, at, sign)

    # Uneven light (brighter top left), sensor noise, a soft lens, then lossy JPEG.
    pixels = np.asarray(photo, dtype=np.float32)
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
    light = 1.1 - 0.3 * (xx / size[0] + yy / size[1]) / 2
    pixels = pixels * light[..., None] + rng.normal(0.0, 9.0, pixels.shape)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")
    photo = photo.filter(ImageFilter.GaussianBlur(1.1))
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.save(path, format="JPEG", quality=70)
    return path


def text_screenshot(path: Path, lines: list[str], *, size: int = 16) -> Path:
    """Save a screenshot-like PNG: `lines` of dark text on white at screen size; return `path`."""
    font = find_font(size)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    boxes = [measure.textbbox((0, 0), line, font=font) for line in lines]
    line_height = round(size * 1.6)
    width = max(b[2] for b in boxes) + 2 * 24
    height = line_height * len(lines) + 2 * 16
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((24, 16 + i * line_height), line, font=font, fill=(32, 33, 36))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path


def textless_photo(path: Path, *, seed: int = 3) -> Path:
    """Save a JPEG with no text at all: a sky-like gradient over a textured wall; return `path`."""
    rng = np.random.default_rng(seed)
    size = (1024, 768)
    wall = np.asarray(_wall(size, rng), dtype=np.float32)
    yy = np.linspace(0.0, 1.0, size[1])[:, None, None]
    sky = np.array([110.0, 160.0, 230.0]) * (1 - yy) + np.array([230.0, 230.0, 240.0]) * yy
    pixels = np.where(yy < 0.45, sky + rng.normal(0.0, 6.0, (size[1], size[0], 3)), wall)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.filter(ImageFilter.GaussianBlur(1.0)).save(path, format="JPEG", quality=70)
    return path


def labels_photo(path: Path, labels: list[str], *, seed: int = 5) -> Path:
    """Save a JPEG "photo" of a green circuit board with short white `labels` far apart.

    Traces, pads and chips fill the board around the labels, the light is uneven and the JPEG
    lossy, as in a phone picture of a dev board. Returns `path`.
    """
    rng = np.random.default_rng(seed)
    size = (1280, 860)
    board = Image.new("RGB", size, (28, 110, 52))
    draw = ImageDraw.Draw(board)
    for _ in range(90):  # copper traces
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        dx, dy = (
            (int(rng.integers(60, 400)), 0)
            if rng.random() < 0.5
            else (0, int(rng.integers(60, 300)))
        )
        draw.line([x, y, x + dx, y + dy], fill=(40, 140, 70), width=int(rng.integers(3, 8)))
    for _ in range(140):  # pads and small parts
        x, y = int(rng.integers(0, size[0])), int(rng.integers(0, size[1]))
        w, h = int(rng.integers(8, 30)), int(rng.integers(8, 30))
        tone = (200, 170, 90) if rng.random() < 0.6 else (40, 40, 40)
        draw.rectangle([x, y, x + w, y + h], fill=tone)
    for _ in range(3):  # chips
        x, y = int(rng.integers(100, size[0] - 250)), int(rng.integers(100, size[1] - 250))
        draw.rectangle([x, y, x + 150, y + 150], fill=(30, 30, 32))
    font = find_font(30, bold=True)
    cells = [(c, r) for r in range(3) for c in range(3)]
    for label, (c, r) in zip(labels, cells, strict=False):
        x = 60 + c * (size[0] // 3) + int(rng.integers(0, 60))
        y = 60 + r * (size[1] // 3) + int(rng.integers(0, 60))
        box = draw.textbbox((x, y), label, font=font)
        draw.rectangle([box[0] - 8, box[1] - 6, box[2] + 8, box[3] + 6], fill=(28, 110, 52))
        draw.text((x, y), label, font=font, fill=(235, 235, 225))
    pixels = np.asarray(board, dtype=np.float32)
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
    light = 1.1 - 0.3 * (xx / size[0] + yy / size[1]) / 2
    pixels = pixels * light[..., None] + rng.normal(0.0, 8.0, pixels.shape)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.filter(ImageFilter.GaussianBlur(0.9)).save(path, format="JPEG", quality=72)
    return path
