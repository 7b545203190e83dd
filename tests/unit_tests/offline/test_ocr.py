"""The Tesseract OCR engine on real Tesseract: sign photos, screenshots, images without text."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from langchain_hugginggpt.catalog.card import ModelCard
from langchain_hugginggpt.engines.base import EngineError, EngineRequest
from langchain_hugginggpt.engines.offline import tesseract_ocr
from langchain_hugginggpt.engines.offline.tesseract_ocr import (
    TESSERACT_LIBRARY,
    TESSERACT_MODEL_ID,
    TesseractEngine,
    ocr_image,
    tesseract_path,
)
from langchain_hugginggpt.tasks import TASKS
from tests.unit_tests.offline.images import (
    find_font,
    labels_photo,
    sign_photo,
    text_screenshot,
    textless_photo,
)

needs_tesseract = pytest.mark.skipif(
    tesseract_path() is None,
    reason="Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng",
)

DOOR = "PLEASE KEEP THIS DOOR CLOSED"
PLATFORM = "Platform 4 for trains to Brighton"
SHOT = [
    "Your order has shipped and will arrive on Tuesday.",
    "Track the parcel from your account page.",
]
WORD_KEYS = {"text", "left", "top", "width", "height", "conf"}


def card(task: str = "image-to-text", library: str | None = TESSERACT_LIBRARY) -> ModelCard:
    return ModelCard(
        id=TESSERACT_MODEL_ID,
        task=task,
        library_name=library,
        source="packaged",
        license="apache-2.0",
    )


def request(image: str, tmp_path: Path) -> EngineRequest:
    return EngineRequest(
        task=TASKS["image-to-text"],
        model=card(),
        inputs={"image": image},
        run_dir=tmp_path,
        timeout_s=60,
    )


def words_of(text: str) -> list[str]:
    return [w for w in (re.sub(r"[^a-z0-9]", "", t.lower()) for t in text.split()) if w]


def overlap(expected: str, found: str) -> float:
    """Share of the expected words that were read (one misread word in four is allowed)."""
    want, got = words_of(expected), set(words_of(found))
    return sum(w in got for w in want) / len(want)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ocr-images")
    return {
        "door": sign_photo(folder / "door.jpg", DOOR, angle=3.0),
        "platform": sign_photo(
            folder / "platform.jpg", PLATFORM, angle=-2.5, board=(0, 100, 60), seed=11
        ),
        "yellow": sign_photo(
            folder / "yellow.jpg",
            "Fire exit keep clear",
            angle=-4.0,
            board=(240, 200, 0),
            ink=(20, 20, 20),
            seed=19,
        ),
        "shot": text_screenshot(folder / "shot.png", SHOT),
        "plain": textless_photo(folder / "plain.jpg"),
    }


def test_the_sign_photos_are_photos_not_clean_renders(images: dict[str, Path]) -> None:
    # Guards the helper: lossy JPEG, colour, a busy background, large like a phone picture.
    with Image.open(images["door"]) as photo:
        assert photo.format == "JPEG" and photo.mode == "RGB"
        assert photo.width >= 1280 and photo.height >= 900
        colours = photo.convert("RGB").resize((64, 48)).getcolors(64 * 48) or []
    assert len(colours) > 1000  # texture and noise everywhere, not flat fills


@needs_tesseract
@pytest.mark.parametrize(
    ("name", "sentence"),
    [("door", DOOR), ("platform", PLATFORM), ("yellow", "Fire exit keep clear")],
)
def test_reads_a_photographed_sign(
    images: dict[str, Path], tmp_path: Path, name: str, sentence: str
) -> None:
    out = TesseractEngine().run(request(str(images[name]), tmp_path))
    assert out["type"] == "text"
    assert overlap(sentence, out["text"]) >= 0.75, out["text"]
    # Nothing but the sign: the brick wall around it is not read as letters.
    assert len(words_of(out["text"])) <= len(words_of(sentence)) + 1, out["text"]
    assert set(out["data"]) == {"words", "mean_confidence"}
    assert out["data"]["words"] >= 0.75 * len(words_of(sentence))
    assert 60 <= out["data"]["mean_confidence"] <= 100


@needs_tesseract
def test_a_sign_four_degrees_off_level_keeps_its_words_whole(tmp_path: Path) -> None:
    # Read as it is, Tesseract splits these lines and the words at the splits ("changin" +
    # "g"); straightened, every word comes out whole and in order.
    sentence = "Toilets and baby changing on the first floor"
    path = sign_photo(
        tmp_path / "toilets.jpg", sentence, angle=4.0, board=(250, 250, 245), ink=(30, 30, 30)
    )
    assert words_of(ocr_image(path).text) == words_of(sentence)


@needs_tesseract
def test_word_boxes_of_a_slanted_sign_hold_their_words(
    images: dict[str, Path], tmp_path: Path
) -> None:
    result = ocr_image(images["door"])
    with Image.open(images["door"]) as photo:
        size = photo.size
        assert result.words and all(set(w) == WORD_KEYS for w in result.words)
        for w in result.words:
            assert w["left"] >= 0 and w["left"] + w["width"] <= size[0] + 1
            assert w["top"] >= 0 and w["top"] + w["height"] <= size[1] + 1
            assert 0 <= w["conf"] <= 100
        # Each box, cut out of the original photo, reads as its word again.
        reread = 0
        for i, w in enumerate(result.words):
            pad = w["height"] // 3
            crop = photo.crop(
                (
                    w["left"] - pad,
                    w["top"] - pad,
                    w["left"] + w["width"] + pad,
                    w["top"] + w["height"] + pad,
                )
            )
            cut = tmp_path / f"word{i}.png"
            crop.save(cut)
            reread += words_of(ocr_image(cut, psm=8).text) == words_of(w["text"])
    assert reread >= 0.75 * len(result.words)
    lines = {w["text"]: w["top"] for w in result.words}
    if "PLEASE" in lines and "CLOSED" in lines:
        assert lines["CLOSED"] > lines["PLEASE"]  # the second line of the sign is lower


@needs_tesseract
def test_reads_a_screenshot_line_by_line(images: dict[str, Path]) -> None:
    result = ocr_image(images["shot"])
    lines = [line for line in result.text.splitlines() if line.strip()]
    assert len(lines) == 2
    for expected, found in zip(SHOT, lines, strict=True):
        assert overlap(expected, found) >= 0.75, found
    assert result.text == result.text.strip() and "  " not in result.text
    assert len(result.words) == len(result.text.split())
    assert result.mean_confidence == pytest.approx(
        sum(w["conf"] for w in result.words) / len(result.words), abs=0.01
    )
    # Boxes are in the screenshot's own pixels, though Tesseract read it scaled up 4x:
    # text_screenshot draws at x=24, lines 16 and 16+26 px from the top.
    first = result.words[0]
    assert abs(first["left"] - 24) <= 4
    assert 10 <= first["top"] <= 24 and 8 <= first["height"] <= 20
    second = next(w for w in result.words if w["text"] == lines[1].split()[0])
    assert 34 <= second["top"] <= 50


@needs_tesseract
def test_reads_a_transparent_screenshot(tmp_path: Path) -> None:
    # Black text on a transparent background (an exported figure, a logo): every pixel is
    # black underneath, so the text only shows once laid on white.
    font = find_font(18)
    image = Image.new("RGBA", (520, 60), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((16, 18), "Meeting moved to room twelve", font=font, fill=(0, 0, 0, 255))
    path = tmp_path / "transparent.png"
    image.save(path)
    assert overlap("Meeting moved to room twelve", ocr_image(path).text) >= 0.75


@needs_tesseract
def test_turns_a_phone_photo_upright_from_its_exif(images: dict[str, Path], tmp_path: Path) -> None:
    # Phones store pictures sideways and say so in EXIF (orientation 6: turn 90 degrees clockwise).
    with Image.open(images["shot"]) as upright:
        sideways = upright.convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    sideways.save(path, format="JPEG", quality=90, exif=exif)
    result = ocr_image(path)
    assert overlap(" ".join(SHOT), result.text) >= 0.75, result.text
    with Image.open(images["shot"]) as upright:
        width = upright.width
    assert max(w["left"] + w["width"] for w in result.words) <= width + 1  # upright pixels


@needs_tesseract
def test_an_image_without_text_is_no_text(images: dict[str, Path], tmp_path: Path) -> None:
    result = ocr_image(images["plain"])
    assert result.text == "" and result.words == [] and result.mean_confidence == 0.0
    with pytest.raises(EngineError, match="no text found in the image"):
        TesseractEngine().run(request(str(images["plain"]), tmp_path))


@needs_tesseract
@pytest.mark.parametrize("seed", [2, 4, 6])
def test_texture_read_as_letters_is_dropped(tmp_path: Path, seed: int) -> None:
    # Tesseract reads these walls and skies as a few unsure "words" ("wie x £4", "sada. Ah"):
    # they must not come out as text.
    path = textless_photo(tmp_path / f"plain{seed}.jpg", seed=seed)
    with pytest.raises(EngineError, match="no text found in the image"):
        TesseractEngine().run(request(str(path), tmp_path))


@needs_tesseract
def test_noise_is_no_text(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    path = tmp_path / "noise.png"
    Image.fromarray(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)).save(path)
    with pytest.raises(EngineError, match="no text"):
        TesseractEngine().run(request(str(path), tmp_path))


def test_missing_tesseract_names_the_debian_packages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, images: dict[str, Path]
) -> None:
    monkeypatch.setenv("HUGGINGGPT_TESSERACT", str(tmp_path / "no-such-tesseract"))
    assert tesseract_path() is None  # a wrong setting is not silently replaced by PATH
    assert not TesseractEngine().supports(card(), "local")
    with pytest.raises(EngineError, match="tesseract-ocr tesseract-ocr-eng") as error:
        ocr_image(images["shot"])
    assert "make system-packages" in str(error.value)

    monkeypatch.delenv("HUGGINGGPT_TESSERACT")
    monkeypatch.setattr(tesseract_ocr, "tesseract_path", lambda: None)
    with pytest.raises(EngineError, match="install the Debian packages tesseract-ocr"):
        TesseractEngine().run(request(str(images["shot"]), tmp_path))


@needs_tesseract
def test_the_setting_picks_the_executable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = tesseract_path()
    assert real is not None
    monkeypatch.setenv("HUGGINGGPT_TESSERACT", real)
    assert tesseract_path() == real
    # A failing executable: its stderr's last line is the reason.
    fake = tmp_path / "tesseract"
    fake.write_text(
        "#!/bin/sh\necho 'Tesseract 9.9' >&2\necho 'Error: the disk is on fire' >&2\nexit 3\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("HUGGINGGPT_TESSERACT", str(fake))
    assert tesseract_path() == str(fake)
    shot = text_screenshot(tmp_path / "shot.png", SHOT)
    with pytest.raises(
        EngineError, match=r"Tesseract failed on shot\.png: Error: the disk is on fire"
    ):
        ocr_image(shot)


@needs_tesseract
def test_a_missing_language_names_its_package(images: dict[str, Path]) -> None:
    # Alone, Tesseract fails; beside English, it would quietly read English only.
    for languages in ("zzz", "eng+zzz"):
        with pytest.raises(EngineError, match=r"no language data for zzz: .* tesseract-ocr-zzz"):
            ocr_image(images["shot"], languages=languages)
    with pytest.raises(EngineError, match="invalid Tesseract languages"):
        ocr_image(images["shot"], languages="--psm 0")
    with pytest.raises(EngineError, match="page segmentation mode 0"):
        ocr_image(images["shot"], psm=0)


@needs_tesseract
def test_a_slow_run_is_stopped(images: dict[str, Path]) -> None:
    with pytest.raises(EngineError, match=r"took longer than 0\.001 s reading door\.jpg"):
        ocr_image(images["door"], timeout_s=0.001)


@needs_tesseract
def test_corrupt_and_missing_images_fail_with_the_reason(
    images: dict[str, Path], tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(images["door"].read_bytes()[:5000])  # an interrupted download
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("just some text, saved with the wrong name\n")
    for path in (truncated, garbage, not_an_image, tmp_path / "missing.png"):
        with pytest.raises(EngineError, match=f"cannot read image {re.escape(path.name)}"):
            TesseractEngine().run(request(str(path), tmp_path))
    with pytest.raises(EngineError, match="needs argument 'image'"):
        TesseractEngine().run(request("  ", tmp_path))


@needs_tesseract
def test_supports_only_local_tesseract_image_to_text() -> None:
    engine = TesseractEngine()
    assert engine.name == "tesseract"
    assert engine.supports(card(), "local")
    assert engine.supports(card(), "auto")
    assert not engine.supports(card(), "remote")
    assert not engine.supports(card(library="transformers"), "local")
    assert not engine.supports(card(library=None), "local")
    assert not engine.supports(card(task="document-question-answering"), "local")
    assert not engine.supports(card(task="image-classification"), "auto")


def test_unsure_lines_edge_marks_and_stray_letters_are_dropped() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t"
    header += "left\ttop\twidth\theight\tconf\ttext"

    def row(block: int, line: int, word: int, conf: float, text: str) -> str:
        return f"5\t1\t{block}\t1\t{line}\t{word}\t{10 * word}\t{20 * line}\t8\t12\t{conf}\t{text}"

    table = "\n".join(
        [
            header,
            "1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t",
            row(1, 1, 1, 91.0, "|"),
            row(1, 1, 2, 95.5, "Mind"),
            row(1, 1, 3, 38.0, "~"),
            row(1, 1, 4, 96.0, "the"),
            row(1, 1, 5, 94.0, "gap"),
            row(1, 1, 6, 90.0, "]"),
            row(2, 2, 1, 55.0, "wie"),  # a line Tesseract is unsure of: texture
            row(2, 2, 2, 30.0, "£4"),
        ]
    )
    lines = tesseract_ocr._trusted_lines(table)
    assert [[w["text"] for w in words] for _, words in lines] == [["Mind", "the", "gap"]]
    assert lines[0][1][0] == {
        "text": "Mind",
        "left": 20,
        "top": 20,
        "width": 8,
        "height": 12,
        "conf": 95.5,
    }
    stray = "\n".join([header, row(1, 1, 1, 67.0, "a"), row(1, 1, 2, 61.0, "a")])
    assert tesseract_ocr._trusted_lines(stray) == []


def test_lines_without_a_word_are_dropped() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t"
    header += "left\ttop\twidth\theight\tconf\ttext"

    def row(line: int, word: int, conf: float, text: str) -> str:
        return f"5\t1\t{line}\t1\t{line}\t{word}\t{10 * word}\t{20 * line}\t8\t12\t{conf}\t{text}"

    # A photo's texture read as sure marks (i=], > &, ©), beside a code, a word and a number.
    table = "\n".join(
        [
            header,
            row(1, 1, 90.0, "i=]"),
            row(2, 1, 88.0, ">"),
            row(2, 2, 86.0, "&"),
            row(3, 1, 92.0, "©"),
            row(4, 1, 93.0, "5V"),
            row(5, 1, 95.0, "RESET"),
            row(6, 1, 91.0, "125"),
        ]
    )
    lines = tesseract_ocr._trusted_lines(table)
    assert [[w["text"] for w in words] for _, words in lines] == [["5V"], ["RESET"], ["125"]]


class _SparseReader:
    """A `_Reader` stand-in whose sparse reading is given."""

    def __init__(self, lines: list[tuple[tuple[str, ...], list[dict[str, object]]]]) -> None:
        self.lines = lines
        self.psms: list[int | None] = []

    def read(
        self, image: object, tag: str, options: tuple[str, ...] = (), *, psm: int | None = None
    ) -> list[tuple[tuple[str, ...], list[dict[str, object]]]]:
        self.psms.append(psm)
        return self.lines


def _word(text: str, conf: float, left: int, top: int = 10) -> dict[str, object]:
    return {"text": text, "left": left, "top": top, "width": 40, "height": 12, "conf": conf}


def test_a_sparse_reading_adds_new_lines_with_a_sure_word() -> None:
    page = [(("1", "1", "1"), [_word("USB", 95.0, 0), _word("USER", 96.0, 50)])]
    reader = _SparseReader(
        [
            (("1", "1", "1"), [_word("USER", 97.0, 52)]),  # already read: same place
            (("2", "1", "1"), [_word("DISCOVERY", 96.0, 300)]),  # new and sure
            (("3", "1", "1"), [_word("arg", 81.0, 500), _word("ait", 67.0, 560)]),  # short
            (("4", "1", "1"), [_word("ST-UNK", 77.0, 700)]),  # unsure
        ]
    )
    extra = tesseract_ocr._sparse_extra(reader, None, page)  # type: ignore[arg-type]
    assert reader.psms == [11]
    assert [[w["text"] for w in words] for _, words in extra] == [["DISCOVERY"]]
    assert extra[0][0] == ("sparse", "2", "1", "1")


@needs_tesseract
def test_reads_the_labels_scattered_over_a_board_photo(tmp_path: Path) -> None:
    labels = ["RESET", "USER", "GND", "POWER 5V", "BOOT0", "DISCOVERY"]
    path = labels_photo(tmp_path / "board.jpg", labels, seed=6)
    found = set(words_of(ocr_image(path).text.replace("BOOTO", "BOOT0")))
    wanted = set(words_of(" ".join(labels)))
    assert len(wanted & found) >= len(wanted) - 1, found
    # Nothing else: the traces, pads and chips are not read as letters.
    assert len(found - wanted) <= 1, found


@needs_tesseract
@pytest.mark.parametrize(("confidence", "cautious"), [(62.0, True), (70.0, False)])
def test_a_hard_reading_carries_a_caution(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, confidence: float, cautious: bool
) -> None:
    word = {"text": "EXIT", "left": 0, "top": 0, "width": 9, "height": 9, "conf": confidence}
    result = tesseract_ocr.OcrResult(text="EXIT", words=[word], mean_confidence=confidence)
    monkeypatch.setattr(tesseract_ocr, "ocr_image", lambda *a, **k: result)
    data = TesseractEngine().run(request(str(tmp_path / "sign.jpg"), tmp_path))["data"]
    assert data["mean_confidence"] == confidence
    if cautious:
        assert data["caution"] == (
            "the text was hard to read, at a mean confidence of 62 of 100; some words may be wrong"
        )
    else:
        assert "caution" not in data
