import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from langchain_hugginggpt.artifacts.outputs import (
    audio_array_output,
    detection_output,
    entities_output,
    labels_output,
    media_bytes_output,
    pil_image_output,
    segmentation_output,
    text_output,
)
from langchain_hugginggpt.artifacts.store import save_bytes
from langchain_hugginggpt.artifacts.types import OutputTypeError, as_input


def test_labels_are_sorted_and_rendered() -> None:
    out = labels_output([{"label": "cat", "score": 0.2}, {"label": "dog", "score": 0.7123456}])
    assert out["type"] == "labels" and out["text"] == "dog (0.71), cat (0.20)"
    assert out["data"] == [{"label": "dog", "score": 0.7123}, {"label": "cat", "score": 0.2}]
    assert labels_output([])["text"] == "no label"


def test_entities() -> None:
    out = entities_output(
        [
            {"entity_group": "PER", "word": " Ada", "score": 0.9, "start": 0, "end": 3},
            {"entity": "LOC", "word": "London", "start": 12, "end": 18},
        ]
    )
    assert out["text"] == "Ada (PER), London (LOC)"
    assert out["data"][1]["score"] == 1.0
    assert entities_output([])["text"] == "no entities found"


def test_content_addressed_files(tmp_path: Path) -> None:
    a = save_bytes(tmp_path, b"same", suffix=".bin")
    b = save_bytes(tmp_path, b"same", suffix=".bin")
    c = save_bytes(tmp_path, b"other", suffix=".bin")
    assert a == b != c and a.read_bytes() == b"same"
    assert not list(tmp_path.glob(".tmp-*"))
    with pytest.raises(ValueError, match="suffix must start with a dot"):
        save_bytes(tmp_path, b"x", suffix="png")


def test_media_kind_comes_from_the_bytes(tmp_path: Path) -> None:
    image = Image.new("RGB", (4, 4), "blue")
    out = pil_image_output(tmp_path, image, "a blue square")
    assert (out["type"], out["mime_type"], Path(out["path"]).suffix) == (
        "image",
        "image/png",
        ".png",
    )
    with pytest.raises(ValueError, match="unknown media format"):
        media_bytes_output(tmp_path, b"plain text, not media", "x")


def test_audio_array_becomes_a_wav(tmp_path: Path) -> None:
    samples = np.sin(np.linspace(0, 100, 8000)).astype(np.float32)
    out = audio_array_output(tmp_path, samples, 16000, "speech")
    assert out["type"] == "audio" and out["text"] == "speech (0.5 s of audio)"
    with wave.open(out["path"]) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (16000, 1, 8000)
    stereo = audio_array_output(tmp_path, np.zeros((2, 1600), dtype=np.float32), 16000, "x")
    with wave.open(stereo["path"]) as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() == 1600


def test_detection_draws_boxes(tmp_path: Path) -> None:
    image = Image.new("RGB", (64, 64), "white")
    boxes = [{"label": "cat", "score": 0.9, "box": {"xmin": 5, "ymin": 5, "xmax": 40, "ymax": 40}}]
    out = detection_output(tmp_path, image, boxes)
    assert out["type"] == "image" and out["text"] == "1 object found: cat (0.90)"
    with Image.open(out["path"]) as drawn:
        assert drawn.getpixel((5, 20)) != (255, 255, 255)  # the box edge
        assert drawn.getpixel((60, 60)) == (255, 255, 255)
    assert detection_output(tmp_path, image, [])["text"] == "0 objects found"


def test_segmentation_overlays_masks(tmp_path: Path) -> None:
    image = Image.new("RGB", (16, 16), "white")
    mask = Image.new("L", (16, 16), 0)
    mask.paste(255, (0, 0, 8, 16))
    out = segmentation_output(tmp_path, image, [{"label": "sky", "score": 0.8, "mask": mask}])
    assert out["text"] == "1 segment: sky" and out["data"] == [{"label": "sky", "score": 0.8}]
    with Image.open(out["path"]) as overlay:
        assert overlay.getpixel((2, 2)) != (255, 255, 255) and overlay.getpixel((12, 2)) == (
            255,
            255,
            255,
        )


def test_outputs_feed_inputs(tmp_path: Path) -> None:
    image = pil_image_output(tmp_path, Image.new("RGB", (2, 2)), "x")
    assert as_input(image, "image") == image["path"]
    assert as_input(image, "text") == "x"
    assert as_input(text_output("hello"), "text") == "hello"
    with pytest.raises(OutputTypeError, match="a image output cannot be used as audio input"):
        as_input(image, "audio")


def test_media_blocks_embed_small_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_hugginggpt.artifacts import blocks

    image = pil_image_output(tmp_path, Image.new("RGB", (2, 2)), "x")
    block = blocks.media_block(image)
    assert block is not None and block["type"] == "image" and block["mime_type"] == "image/png"
    assert blocks.media_block(text_output("hi")) is None
    assert blocks.media_block({**image, "mime_type": ""}) is None
    assert blocks.media_block({**image, "path": str(tmp_path / "gone.png")}) is None
    monkeypatch.setattr(blocks, "MAX_INLINE_BYTES", 10)
    assert blocks.media_block(image) is None


def test_load_inputs_replaces_only_media_arguments(tmp_path: Path) -> None:
    from langchain_hugginggpt.artifacts.inputs import InputError, InputPolicy, load_inputs

    photo = tmp_path / "cat.png"
    Image.new("RGB", (4, 4)).save(photo)
    policy = InputPolicy(roots=(tmp_path,))
    out = load_inputs(
        {"image": str(photo), "question": "what?"},
        {"image": "image"},
        policy=policy,
        dest_dir=tmp_path / "in",
    )
    assert out == {"image": str(photo.resolve()), "question": "what?"}
    with pytest.raises(InputError, match=r"gone\.png"):
        load_inputs(
            {"image": str(tmp_path / "gone.png")},
            {"image": "image"},
            policy=policy,
            dest_dir=tmp_path / "in",
        )
