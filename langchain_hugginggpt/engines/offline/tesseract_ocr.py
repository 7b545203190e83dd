"""The Tesseract engine: reads the text in an image (OCR) with Debian's `tesseract` command.

The image is prepared with Pillow first (turned upright from its EXIF orientation, flattened
onto white, made grayscale, scaled so letters are near the size Tesseract reads best). Tesseract
runs as a subprocess with an argument list (no shell) and writes its word table (TSV) into a
temporary folder; the text is built from the words it is sure of, so noise read as letters
stays out. A page without trusted text is read once more, inverted and locally thresholded,
which finds signs on busy backgrounds; text found at a slant (a sign photographed a few
degrees off) is straightened and read again, which keeps its lines and words whole. A page with
little text (a photo: labels on a board, a shop front) is read once more as sparse text, which
finds short labels the page layout analysis misses; only lines with a word Tesseract is sure of
are taken from that reading.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_hugginggpt.artifacts.outputs import text_output
from langchain_hugginggpt.artifacts.types import TaskOutput
from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import Engine, EngineError, EngineRequest, InferenceMode

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "TESSERACT_LIBRARY",
    "TESSERACT_MODEL_ID",
    "UNSURE_CONFIDENCE",
    "OcrResult",
    "TesseractEngine",
    "ocr_image",
    "tesseract_path",
]

TESSERACT_MODEL_ID = "tesseract-ocr/tesseract"
"""The catalog id of the Tesseract OCR "model" (the command and its language data)."""
TESSERACT_LIBRARY = "tesseract"
"""The `library_name` the Tesseract engine keys on."""

MISSING_TESSERACT = (
    "image-to-text OCR needs Tesseract: install the Debian packages tesseract-ocr "
    "tesseract-ocr-eng (or run `make system-packages`)"
)
NO_TEXT = "no text found in the image"

_ENV_PATH = "HUGGINGGPT_TESSERACT"
_MIN_SHORT_SIDE = 1000
"""Smaller images are scaled up to this shorter side: Tesseract reads letters ~30 px tall best."""
_MAX_UPSCALE = 4.0
_MAX_LONG_SIDE = 4200
"""Larger images are scaled down to this longer side (an A4 page at ~360 dpi)."""
_MAX_PIXELS = 64_000_000
"""Bigger images are refused before decoding, as the graph refuses them as inputs."""
UNSURE_CONFIDENCE = 70.0
"""Mean word confidence (0-100) below which a reading's result carries a caution."""
_MIN_WORD_CONF = 40.0
"""Words Tesseract is less sure of (0-100) are dropped."""
_MIN_LINE_CONF = 60.0
"""Lines whose words Tesseract is less sure of on average are dropped: noise read as letters."""
_SKEW_STEP = 0.5
_MAX_SKEW = 10.0
"""Slants searched, in degrees either way; a slant at the edge of the search is not trusted."""
_MIN_SKEW = 1.0
"""Text slanted less than this is read as it is (Tesseract copes with small skew itself)."""
_PSMS = frozenset({1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
"""Page segmentation modes that recognise text (0 and 2 only analyse the layout)."""
_LANGUAGES = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z][A-Za-z0-9_]*)*")
_FAILED_LANGUAGE = re.compile(r"Failed loading language '([^']+)'")
_EDGES = "|¦[]{}_"
"""Marks Tesseract reads in the edges of signs, boxes and frames."""
_SAUVOLA = ("-c", "thresholding_method=2")
"""Tesseract's option for Sauvola's local threshold (Tesseract 5; older ones ignore it)."""
_SPARSE_PSM = 11
"""Tesseract's sparse-text mode: as much text as it finds, in no particular order."""
_SPARSE_BELOW = 40
"""A reading in the automatic mode with fewer words than this is read again as sparse text."""
_STRONG_CHARS = 4
_STRONG_CONF = 80.0
"""A sparse reading adds a line only if it has a word of this many letters or digits, read
with this confidence: junk read in texture is short and unsure (`arg`, `ait`, `w2`)."""

_Word = dict[str, Any]
_Line = tuple[tuple[str, ...], list[_Word]]
"""A line of words and the (page, block, paragraph) it belongs to."""


@dataclass(frozen=True)
class OcrResult:
    """What Tesseract read in one image."""

    text: str
    """The text in reading order, a line per line, a blank line between paragraphs, single
    spaces; empty when none was found."""
    words: list[dict[str, Any]] = field(default_factory=list)
    """Each word of `text`: `text`, its box (`left`, `top`, `width`, `height`, in pixels of
    the upright original image) and `conf` (0-100)."""
    mean_confidence: float = 0.0
    """Mean of the words' confidences (0-100); 0 when there are no words."""


def tesseract_path() -> str | None:
    """The `tesseract` executable: `HUGGINGGPT_TESSERACT` if set (a path or a name), else PATH.

    Returns:
        The executable's path, or None when it is not there (a set but wrong
        `HUGGINGGPT_TESSERACT` is None too, not a fallback to PATH).
    """
    wanted = os.environ.get(_ENV_PATH, "").strip()
    return shutil.which(wanted or "tesseract")


def ocr_image(
    path: Path, *, languages: str = "eng", psm: int = 3, timeout_s: float = 60.0
) -> OcrResult:
    """Read the text in an image with Tesseract.

    Tesseract reads the prepared grayscale image first. When it finds nothing it trusts there (a
    sign on a busy wall, light letters on a dark board), it reads the image once more, inverted
    and binarised with Sauvola's local threshold, which separates text from textured
    backgrounds and uneven light. When the text it found is slanted by a degree or more, the
    region around it is straightened and read again, and that reading is kept unless it is
    clearly worse. Words on lines Tesseract is unsure of (noise and texture read as letters)
    are dropped from both the text and the words.

    Args:
        path: The image file (any format Pillow opens).
        languages: Tesseract language codes joined by `+` (`eng`, `eng+deu`); each needs its
            Debian package (`tesseract-ocr-eng`, ...).
        psm: Tesseract's page segmentation mode: 3 (automatic, the default) for pages, photos
            and screenshots, 6 for one block of text, 7 for one line, 11 for sparse text.
        timeout_s: Seconds Tesseract may take in all; it is killed after that.

    Returns:
        The text, the words with their boxes and confidences, and the mean confidence.

    Raises:
        EngineError: Tesseract is missing, fails or takes too long, the image cannot be read,
            or an argument is invalid. An image without text is not an error here: its result
            has empty text and no words.
    """
    from PIL import ImageOps

    executable = tesseract_path()
    if executable is None:
        raise EngineError(MISSING_TESSERACT)
    if not _LANGUAGES.fullmatch(languages):
        raise EngineError(f"invalid Tesseract languages {languages!r}: codes joined by '+'")
    if psm not in _PSMS:
        raise EngineError(f"invalid Tesseract page segmentation mode {psm}: one of {sorted(_PSMS)}")
    path = Path(path)
    deadline = time.monotonic() + timeout_s
    gray, scale = _prepare(path)
    with tempfile.TemporaryDirectory(prefix="hugginggpt-ocr-") as tmp:
        reader = _Reader(executable, languages, psm, Path(tmp), path.name, timeout_s, deadline)
        inverted = False
        lines = reader.read(gray, "page")
        if not lines:
            inverted = True
            lines = reader.read(ImageOps.invert(gray), "inverted", _SAUVOLA)
        if lines:
            lines = _straightened(reader, gray, lines, inverted)
        if psm == 3 and sum(len(line) for _, line in lines) < _SPARSE_BELOW:
            lines += _sparse_extra(reader, gray, lines)
    words = [_rescale(word, scale) for _, line in lines for word in line]
    mean = sum(w["conf"] for w in words) / len(words) if words else 0.0
    return OcrResult(text=_text(lines), words=words, mean_confidence=round(mean, 2))


class TesseractEngine(Engine):
    """Reads the text in images (signs, screenshots, scans) with Tesseract, on this machine."""

    name = "tesseract"

    def __init__(self, *, languages: str = "eng", psm: int = 3) -> None:
        """Which languages Tesseract reads and how it segments the page (see `ocr_image`)."""
        self.languages = languages
        self.psm = psm

    def supports(self, model: ModelCard, mode: InferenceMode) -> bool:
        """A Tesseract card for image-to-text, Pillow installed and the command on this machine."""
        return (
            mode != "remote"
            and model.task == "image-to-text"
            and model.library_name == TESSERACT_LIBRARY
            and find_spec("PIL") is not None
            and tesseract_path() is not None
        )

    def run(self, request: EngineRequest) -> TaskOutput:
        """Read the text in the `image` argument; an image without text is an `EngineError`."""
        image = request.inputs.get("image", "").strip()
        if not image:
            raise EngineError("image-to-text needs argument 'image'")
        result = ocr_image(
            Path(image), languages=self.languages, psm=self.psm, timeout_s=request.timeout_s
        )
        if not result.text:
            raise EngineError(NO_TEXT)
        data: dict[str, Any] = {
            "words": len(result.words),
            "mean_confidence": round(result.mean_confidence, 1),
        }
        if result.mean_confidence < UNSURE_CONFIDENCE:
            data["caution"] = (
                f"the text was hard to read, at a mean confidence of "
                f"{result.mean_confidence:.0f} of 100; some words may be wrong"
            )
        return text_output(result.text, data=data)


class _Reader:
    """Runs Tesseract on images of one request, within one deadline, in one temporary folder."""

    def __init__(
        self,
        executable: str,
        languages: str,
        psm: int,
        folder: Path,
        name: str,
        timeout_s: float,
        deadline: float,
    ) -> None:
        self.executable = executable
        self.languages = languages
        self.psm = psm
        self.folder = folder
        self.name = name
        self.timeout_s = timeout_s
        self.deadline = deadline

    def read(
        self,
        image: Image.Image,
        tag: str,
        options: tuple[str, ...] = (),
        *,
        psm: int | None = None,
    ) -> list[_Line]:
        """The trusted lines Tesseract reads in `image`, boxes in that image's pixels."""
        page = self.folder / f"{tag}.png"
        image.save(page, format="PNG")
        out_base = self.folder / tag
        command = [self.executable, str(page), str(out_base), "-l", self.languages]
        command += ["--psm", str(psm or self.psm), *options, "tsv"]
        self._run(command)
        try:
            table = out_base.with_suffix(".tsv").read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise EngineError(f"Tesseract wrote no word table for {self.name}: {exc}") from exc
        return _trusted_lines(table)

    def _run(self, command: list[str]) -> None:
        env = dict(os.environ)
        # Tesseract's OpenMP threads make one small image slower, not faster, and fight each
        # other when the graph runs tasks in parallel; the user may still set it.
        env.setdefault("OMP_THREAD_LIMIT", "1")
        try:
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=max(0.001, self.deadline - time.monotonic()),
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            # subprocess.run has killed and reaped Tesseract before raising.
            raise EngineError(
                f"Tesseract took longer than {self.timeout_s:g} s reading {self.name} and was "
                "stopped"
            ) from None
        except OSError as exc:
            raise EngineError(f"cannot run Tesseract ({self.executable}): {exc}") from exc
        stderr = done.stderr.decode("utf-8", errors="replace")
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        # Tesseract carries on without a language it cannot load when it has another one: the
        # text would come out in the wrong script, so that is an error too.
        missing = sorted({m for line in lines for m in _FAILED_LANGUAGE.findall(line)})
        if missing:
            packages = " ".join(f"tesseract-ocr-{m.lower().replace('_', '-')}" for m in missing)
            raise EngineError(
                f"Tesseract has no language data for {'+'.join(missing)}: install the Debian "
                f"package{'s' if len(missing) > 1 else ''} {packages}"
            )
        if done.returncode == 0:
            return
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise EngineError(f"Tesseract failed on {self.name}: {last}")


def _prepare(source: Path) -> tuple[Image.Image, float]:
    """Open `source` upright and grayscale, sized for Tesseract; return it and the scale applied."""
    from PIL import Image, ImageOps

    try:
        with Image.open(source) as opened:
            width, height = opened.size
            if width * height > _MAX_PIXELS:
                raise EngineError(
                    f"{source.name} is too large to read ({width}x{height}, over "
                    f"{_MAX_PIXELS // 1_000_000} Mpx)"
                )
            gray = _flatten_gray(ImageOps.exif_transpose(opened))
    except EngineError:
        raise
    except Exception as exc:  # decoders raise OSError, SyntaxError, ValueError, struct.error...
        raise EngineError(f"cannot read image {source.name}: {exc}") from exc
    if gray.width == 0 or gray.height == 0:
        raise EngineError(f"cannot read image {source.name}: it is empty")
    scale = _scale(gray.width, gray.height)
    if scale != 1.0:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        resample = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
        gray = gray.resize(size, resample)
    return gray, scale


def _flatten_gray(image: Image.Image) -> Image.Image:
    """Grayscale, with any transparency laid over white (transparent screenshots stay legible)."""
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit and float scans: stretch to 8 bits rather than clip.
        low, high = image.getextrema()
        span = float(high - low) or 1.0
        return image.point(lambda v: (v - low) * 255.0 / span).convert("L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return image.convert("L")


def _scale(width: int, height: int) -> float:
    """How much to scale an image: up to a readable size, down from a huge one."""
    short, long = min(width, height), max(width, height)
    scale = min(_MIN_SHORT_SIDE / short, _MAX_UPSCALE) if short < _MIN_SHORT_SIDE else 1.0
    return min(scale, _MAX_LONG_SIDE / long)


def _straightened(
    reader: _Reader, gray: Image.Image, lines: list[_Line], inverted: bool
) -> list[_Line]:
    """Read slanted text again, straightened; keep the first reading when that is better.

    Tesseract splits the lines of text slanted by a few degrees (a sign photographed off
    level) and cuts words at the splits. The slant is measured on the region around the words
    found: the angle that makes its row profile sharpest, as text lines are then level.
    """
    from PIL import Image, ImageOps, ImageStat

    words = [w for _, line in lines for w in line]
    margin = 1.5 * max(w["height"] for w in words)
    box = (
        max(0, math.floor(min(w["left"] for w in words) - margin)),
        max(0, math.floor(min(w["top"] for w in words) - margin)),
        min(gray.width, math.ceil(max(w["left"] + w["width"] for w in words) + margin)),
        min(gray.height, math.ceil(max(w["top"] + w["height"] for w in words) + margin)),
    )
    region = gray.crop(box)
    angle = _slant(region)
    if abs(angle) < _MIN_SKEW or abs(angle) >= _MAX_SKEW:
        return lines
    fill = int(ImageStat.Stat(region).median[0])
    level = region.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    try:
        if inverted:
            again = reader.read(ImageOps.invert(level), "level-inverted", _SAUVOLA)
        else:
            again = reader.read(level, "level")
    except EngineError:
        return lines  # out of time, say: the first reading stands
    if _weight(again) < 0.9 * _weight(lines):
        return lines
    unrotate = _Unrotate(angle, region.size, level.size, box[:2])
    return [(paragraph, [unrotate(w) for w in line]) for paragraph, line in again]


def _slant(region: Image.Image) -> float:
    """The rotation (degrees, counter-clockwise) that levels the text lines in `region`."""
    from PIL import Image, ImageStat

    shrink = min(1.0, 600 / max(1, region.width))
    small = region.resize(
        (max(1, round(region.width * shrink)), max(1, round(region.height * shrink))),
        Image.Resampling.BOX,
    )
    fill = int(ImageStat.Stat(small).median[0])
    steps = round(_MAX_SKEW / _SKEW_STEP)
    best, best_angle = -1.0, 0.0
    for step in range(-steps, steps + 1):
        angle = step * _SKEW_STEP
        turned = small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=fill)
        # Row means in one resize: level text makes dark and light rows alternate sharply.
        rows = turned.resize((1, turned.height), Image.Resampling.BOX)
        sharpness = ImageStat.Stat(rows).var[0]
        if sharpness > best or (sharpness == best and abs(angle) < abs(best_angle)):
            best, best_angle = sharpness, angle
    return best_angle


class _Unrotate:
    """Maps word boxes of a straightened region back to the page the region was cut from."""

    def __init__(
        self,
        angle: float,
        size: tuple[int, int],
        level_size: tuple[int, int],
        offset: tuple[int, int],
    ) -> None:
        self.cos = math.cos(math.radians(angle))
        self.sin = math.sin(math.radians(angle))
        self.centre = (size[0] / 2, size[1] / 2)
        self.level_centre = (level_size[0] / 2, level_size[1] / 2)
        self.offset = offset

    def __call__(self, word: _Word) -> _Word:
        left, top = word["left"], word["top"]
        right, bottom = left + word["width"], top + word["height"]
        xs, ys = [], []
        for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
            # Pillow turns counter-clockwise on screen; with y pointing down that is
            # x' = x cos + y sin, y' = -x sin + y cos about the centre. Undo it.
            dx, dy = x - self.level_centre[0], y - self.level_centre[1]
            xs.append(dx * self.cos - dy * self.sin + self.centre[0] + self.offset[0])
            ys.append(dx * self.sin + dy * self.cos + self.centre[1] + self.offset[1])
        return {
            **word,
            "left": round(min(xs)),
            "top": round(min(ys)),
            "width": round(max(xs) - min(xs)),
            "height": round(max(ys) - min(ys)),
        }


def _sparse_extra(reader: _Reader, gray: Image.Image, lines: list[_Line]) -> list[_Line]:
    """Lines a sparse-text reading finds where `lines` have none, each with a sure word.

    A photo's labels (a board's silk-screen, a price tag beside a sign) are often missed by
    the automatic layout analysis, which looks for blocks of text. Out of time, nothing is
    added: the first reading stands.
    """
    try:
        sparse = reader.read(gray, "sparse", psm=_SPARSE_PSM)
    except EngineError:
        return []
    taken = [w for _, line in lines for w in line]
    extra: list[_Line] = []
    for paragraph, words in sparse:
        strong = any(
            w["conf"] >= _STRONG_CONF and _alnum(w["text"]) >= _STRONG_CHARS for w in words
        )
        if strong and not any(_overlap(w, t) for w in words for t in taken):
            extra.append((("sparse", *paragraph), words))
            taken += words
    return extra


def _overlap(a: _Word, b: _Word) -> bool:
    """Whether two word boxes share more than half of the smaller one's area."""
    width = min(a["left"] + a["width"], b["left"] + b["width"]) - max(a["left"], b["left"])
    height = min(a["top"] + a["height"], b["top"] + b["height"]) - max(a["top"], b["top"])
    if width <= 0 or height <= 0:
        return False
    smaller = min(a["width"] * a["height"], b["width"] * b["height"]) or 1
    return width * height > smaller / 2


def _weight(lines: list[_Line]) -> float:
    """How much trusted text a reading holds: letters and digits weighted by confidence."""
    return sum(w["conf"] * _alnum(w["text"]) for _, line in lines for w in line)


def _rescale(word: _Word, scale: float) -> _Word:
    """A word's box in pixels of the original image rather than the prepared one."""
    box = {k: max(0, round(word[k] / scale)) for k in ("left", "top", "width", "height")}
    return {"text": word["text"], **box, "conf": word["conf"]}


def _trusted_lines(table: str) -> list[_Line]:
    """The lines of Tesseract's TSV word table it is sure of.

    A word needs a confidence of at least `_MIN_WORD_CONF`, and its line a mean confidence of
    at least `_MIN_LINE_CONF`: texture and noise read as letters score well below both. Edge
    marks at either end of a line go, and so does a line without a word (`_wordlike`): a photo's
    texture read as `i=]`, `> &` or `©`. A reading without any word of two letters or digits is
    no text at all.
    """
    rows = table.splitlines()
    if not rows:
        return []
    header = rows[0].split("\t")
    keys = ("page_num", "block_num", "par_num", "line_num", "left", "top", "width", "height")
    try:
        at = {key: header.index(key) for key in (*keys, "conf", "text")}
    except ValueError as exc:
        raise EngineError(f"Tesseract wrote an unexpected word table header: {rows[0]!r}") from exc
    grouped: dict[tuple[str, ...], list[_Word]] = {}
    for row in rows[1:]:
        cells = row.split("\t", len(header) - 1)
        if len(cells) < len(header):
            continue
        text = " ".join(cells[at["text"]].split())
        try:
            conf = float(cells[at["conf"]])
            box = {k: int(cells[at[k]]) for k in ("left", "top", "width", "height")}
        except ValueError:
            continue
        if conf < 0 or not text:
            continue
        line = tuple(cells[at[k]] for k in ("page_num", "block_num", "par_num", "line_num"))
        grouped.setdefault(line, []).append({"text": text, **box, "conf": round(conf, 2)})
    trusted: list[_Line] = []
    for line, words in grouped.items():
        if sum(w["conf"] for w in words) / len(words) < _MIN_LINE_CONF:
            continue
        kept = [w for w in words if w["conf"] >= _MIN_WORD_CONF]
        # A sign's or a box's edge read as `|` at either end of a line.
        while kept and not kept[0]["text"].strip(_EDGES):
            kept.pop(0)
        while kept and not kept[-1]["text"].strip(_EDGES):
            kept.pop()
        if any(_wordlike(w["text"]) for w in kept):
            trusted.append((line[:3], kept))
    # A stray letter or two is what noise looks like; text has a word of two characters at least.
    if not any(_alnum(w["text"]) >= 2 for _, line in trusted for w in line):
        return []
    return trusted


def _wordlike(text: str) -> bool:
    """Three letters or digits, or two mixing both ("5V", "A4"): a word, a number or a code."""
    count = _alnum(text)
    if count >= 3:
        return True
    return count == 2 and any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def _alnum(text: str) -> int:
    """How many letters and digits `text` holds."""
    return sum(ch.isalnum() for ch in text)


def _text(lines: list[_Line]) -> str:
    """Words joined by single spaces, a line per line, a blank line between paragraphs."""
    out: list[str] = []
    previous: tuple[str, ...] | None = None
    for paragraph, words in lines:
        if previous is not None and paragraph != previous:
            out.append("")
        out.append(" ".join(w["text"] for w in words))
        previous = paragraph
    return "\n".join(out)
