"""Tests of loading user-named media inputs: local paths, data URLs and loopback HTTP(S)."""

from __future__ import annotations

import base64
import contextlib
import io
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from langchain_hugginggpt.artifacts import inputs
from langchain_hugginggpt.artifacts.inputs import (
    InputError,
    InputPolicy,
    LoadedInput,
    default_roots,
    load_input,
)
from tests.unit_tests.artifacts.conftest import write

PUBLIC_IP = "93.184.216.34"

# Sample files, all made here.


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that only declares its size: what a decompression bomb looks like at first."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def riff_wav(*chunks: tuple[bytes, bytes]) -> bytes:
    """A WAV from its chunks, each padded to an even length as RIFF requires."""
    body = b"WAVE" + b"".join(
        struct.pack("<4sI", kind, len(data)) + data + bytes(len(data) & 1) for kind, data in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def float_fmt(rate: int = 8000) -> bytes:
    """A `fmt ` chunk of 32-bit float mono audio, which the `wave` module cannot read."""
    return struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4_bytes(
    seconds: float | None,
    *,
    brand: bytes = b"isom",
    version: int = 0,
    moov_last: bool = False,
    large_mdat: bool = False,
) -> bytes:
    ftyp = box(b"ftyp", brand + b"\x00\x00\x02\x00isomiso2mp41")
    if seconds is None:
        return ftyp + box(b"free", bytes(16))
    duration = int(seconds * 1000)
    if version == 0:
        mvhd = b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, 1000, duration)
    else:
        mvhd = b"\x01\x00\x00\x00" + struct.pack(">QQIQ", 0, 0, 1000, duration)
    moov = box(b"moov", box(b"mvhd", mvhd + bytes(80)))
    payload = bytes(64)
    if large_mdat:
        mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + len(payload)) + payload
    else:
        mdat = box(b"mdat", payload)
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def data_url(data: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


# Fixtures and helpers.


def refused(value: str, modality: Any, policy: InputPolicy, dest: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_input(value, modality, policy=policy, dest_dir=dest)
    return str(caught.value)


def saved(dest: Path) -> list[Path]:
    return sorted(dest.iterdir()) if dest.exists() else []


# Local files.


def test_local_image_inside_roots_is_used_in_place(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "photo.png", png_bytes())
    loaded = load_input(str(path), "image", policy=policy, dest_dir=dest)
    assert loaded == LoadedInput(
        path.resolve(), "image", "image/png", path.stat().st_size, str(path)
    )
    assert saved(dest) == []


def test_relative_path_resolves_against_the_working_directory(
    root: Path, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(root, "photo.jpg", jpeg_bytes())
    monkeypatch.chdir(root)
    loaded = load_input("photo.jpg", "image", policy=policy, dest_dir=dest)
    assert (loaded.path, loaded.mime_type, loaded.source) == (
        root.resolve() / "photo.jpg",
        "image/jpeg",
        "photo.jpg",
    )


def test_home_relative_path(
    root: Path, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(root, "clip.wav", wav_bytes(0.5))
    monkeypatch.setenv("HOME", str(root))
    loaded = load_input("~/clip.wav", "audio", policy=policy, dest_dir=dest)
    assert (loaded.path, loaded.mime_type) == (root.resolve() / "clip.wav", "audio/wav")


def test_file_url_with_escaped_name(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "my photo.png", png_bytes())
    url = path.resolve().as_uri()
    assert "%20" in url
    loaded = load_input(url, "image", policy=policy, dest_dir=dest)
    assert (loaded.path, loaded.source) == (path.resolve(), url)


def test_file_url_of_another_machine_is_refused(policy: InputPolicy, dest: Path) -> None:
    message = refused("file://fileserver/share/photo.png", "image", policy, dest)
    assert "another machine (fileserver)" in message


def test_file_outside_the_roots_is_refused(
    tmp_path: Path, policy: InputPolicy, root: Path, dest: Path
) -> None:
    path = write(tmp_path, "photo.png", png_bytes())
    message = refused(str(path), "image", policy, dest)
    assert message == (
        f"{path} is outside the allowed folders ({root.resolve()}); move it into one of them or "
        "add its folder to HUGGINGGPT_INPUT_ROOTS"
    )


def test_file_url_outside_the_roots_is_refused(
    tmp_path: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(tmp_path, "photo.png", png_bytes())
    message = refused(path.resolve().as_uri(), "image", policy, dest)
    assert f"resolves to {path.resolve()}, which is outside the allowed folders" in message


def test_dotdot_escape_is_refused(
    tmp_path: Path, root: Path, policy: InputPolicy, dest: Path
) -> None:
    write(tmp_path, "secret.png", png_bytes())
    message = refused(f"{root}/../secret.png", "image", policy, dest)
    assert f"resolves to {(tmp_path / 'secret.png').resolve()}" in message
    assert "outside the allowed folders" in message


def test_missing_file_outside_the_roots_is_reported_as_outside(
    tmp_path: Path, policy: InputPolicy, dest: Path
) -> None:
    message = refused(str(tmp_path / "nowhere.png"), "image", policy, dest)
    assert "outside the allowed folders" in message and "does not exist" not in message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_pointing_outside_the_roots_is_refused(
    tmp_path: Path, root: Path, policy: InputPolicy, dest: Path
) -> None:
    target = write(tmp_path, "secret.png", png_bytes())
    (root / "link.png").symlink_to(target)
    message = refused(str(root / "link.png"), "image", policy, dest)
    assert f"resolves to {target.resolve()}, which is outside" in message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    (root / "a.png").symlink_to(root / "b.png")
    (root / "b.png").symlink_to(root / "a.png")
    message = refused(str(root / "a.png"), "image", policy, dest)
    assert message.startswith(f"{root / 'a.png'} cannot be ")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_inside_the_roots_loads_its_target(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    target = write(root, "real.png", png_bytes())
    (root / "link.png").symlink_to(target)
    loaded = load_input(str(root / "link.png"), "image", policy=policy, dest_dir=dest)
    assert loaded.path == target.resolve()


def test_no_roots_refuses_every_local_path(root: Path, dest: Path) -> None:
    path = write(root, "photo.png", png_bytes())
    message = refused(str(path), "image", InputPolicy(roots=()), dest)
    assert "outside the allowed folders (none)" in message


def test_missing_file_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = root / "missing.png"
    assert refused(str(path), "image", policy, dest) == f"{path} does not exist"


def test_folder_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    (root / "album").mkdir()
    message = refused(str(root / "album"), "image", policy, dest)
    assert message.endswith("album is a folder, not a file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(root: Path, policy: InputPolicy, dest: Path) -> None:
    os.mkfifo(root / "pipe")
    message = refused(str(root / "pipe"), "audio", policy, dest)
    assert message.endswith("pipe is not a regular file")


def test_empty_file_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "empty.png", b"")
    assert refused(str(path), "image", policy, dest) == f"{path} is empty"


def test_oversize_file_is_refused(root: Path, dest: Path) -> None:
    path = write(root, "photo.png", png_bytes() + bytes(3000 - len(png_bytes())))
    message = refused(str(path), "image", InputPolicy(roots=(root,), max_bytes=1024), dest)
    assert message == f"{path} is 2.9 KiB, over the 1.0 KiB limit"
    at_limit = InputPolicy(roots=(root,), max_bytes=3000)
    assert load_input(str(path), "image", policy=at_limit, dest_dir=dest).size == 3000


def test_nul_character_is_refused(policy: InputPolicy, dest: Path) -> None:
    assert "contains a NUL character" in refused("photo\x00.png", "image", policy, dest)


# What the content really is.


def test_wrong_modality_names_both(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "photo.jpg", wav_bytes(0.1))
    message = refused(str(path), "image", policy, dest)
    assert message == f"{path} is audio (audio/wav), not an image"


def test_unknown_format_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "photo.png", b"definitely not a picture\njust some words\n")
    message = refused(str(path), "image", policy, dest)
    assert message == f"{path} is not image format that can be recognised"


@pytest.mark.parametrize("modality", ["text", "labels"])
def test_text_modality_is_a_programming_error(
    policy: InputPolicy, dest: Path, modality: Any
) -> None:
    with pytest.raises(ValueError, match=f"not '{modality}' arguments") as caught:
        load_input("hello", modality, policy=policy, dest_dir=dest)
    assert not isinstance(caught.value, InputError)


def test_long_values_are_cut_in_messages(tmp_path: Path, policy: InputPolicy, dest: Path) -> None:
    value = str(tmp_path / ("x" * 300))
    message = refused(value, "image", policy, dest)
    assert message.startswith(f"{value[:200]}... is outside the allowed folders")
    assert value not in message


@pytest.mark.parametrize(
    ("name", "data", "mime_type"),
    [
        ("photo.png", png_bytes(), "image/png"),
        ("photo.jpg", jpeg_bytes(), "image/jpeg"),
    ],
)
def test_images_load(
    root: Path, policy: InputPolicy, dest: Path, name: str, data: bytes, mime_type: str
) -> None:
    loaded = load_input(str(write(root, name, data)), "image", policy=policy, dest_dir=dest)
    assert (loaded.modality, loaded.mime_type, loaded.size) == ("image", mime_type, len(data))


def test_truncated_image_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    data = png_bytes((32, 32))
    path = write(root, "cut.png", data[: len(data) - 20])
    assert refused(str(path), "image", policy, dest).startswith(f"{path} is not a valid image: ")


def test_unparseable_image_header_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "bad.jpg", b"\xff\xd8\xff" + bytes(100))
    assert refused(str(path), "image", policy, dest).startswith(f"{path} is not a valid image: ")


def test_decompression_bomb_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "bomb.png", png_header(100_000, 100_000))
    message = refused(str(path), "image", policy, dest)
    assert message.startswith(f"{path} declares too many pixels to open safely: ")


def test_pillow_bomb_warning_becomes_a_refusal(root: Path, dest: Path) -> None:
    # Between Pillow's warning and error thresholds, and under this policy's own limit.
    pixels = 10_000 * 10_000
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS < pixels < 2 * Image.MAX_IMAGE_PIXELS
    path = write(root, "bomb.png", png_header(10_000, 10_000))
    generous = InputPolicy(roots=(root,), max_image_pixels=10**9)
    assert "declares too many pixels to open safely" in refused(str(path), "image", generous, dest)


def test_image_over_the_pixel_limit_is_refused(root: Path, dest: Path) -> None:
    path = write(root, "photo.png", png_bytes((20, 10)))
    small = InputPolicy(roots=(root,), max_image_pixels=199)
    message = refused(str(path), "image", small, dest)
    assert message == f"{path} is 20x10 pixels, over the limit of 199 pixels"
    exact = InputPolicy(roots=(root,), max_image_pixels=200)
    assert load_input(str(path), "image", policy=exact, dest_dir=dest).mime_type == "image/png"


def test_without_pillow_only_magic_bytes_are_checked(
    root: Path, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    path = write(root, "cut.png", png_header(100_000, 100_000)[:30])
    assert load_input(str(path), "image", policy=policy, dest_dir=dest).mime_type == "image/png"


def test_wav_loads(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "clip.wav", wav_bytes(1.0))
    loaded = load_input(str(path), "audio", policy=policy, dest_dir=dest)
    assert (loaded.modality, loaded.mime_type, loaded.path) == ("audio", "audio/wav", path)


def test_wav_too_long_is_refused(root: Path, dest: Path) -> None:
    path = write(root, "clip.wav", wav_bytes(2.0))
    short = InputPolicy(roots=(root,), max_audio_seconds=1.5)
    assert refused(str(path), "audio", short, dest) == f"{path} lasts 2.0 s, over the 1.5 s limit"


def test_float_wav_the_wave_module_cannot_read_is_measured(root: Path, dest: Path) -> None:
    path = write(
        root, "float.wav", riff_wav((b"fmt ", float_fmt()), (b"data", bytes(8000 * 4 * 3)))
    )
    with pytest.raises(wave.Error):
        wave.open(str(path)).close()
    two_seconds = InputPolicy(roots=(root,), max_audio_seconds=2.0)
    assert "lasts 3.0 s" in refused(str(path), "audio", two_seconds, dest)
    four_seconds = InputPolicy(roots=(root,), max_audio_seconds=4.0)
    assert load_input(str(path), "audio", policy=four_seconds, dest_dir=dest).size > 0


def test_wav_with_odd_chunks_and_a_long_format_chunk_is_measured(root: Path, dest: Path) -> None:
    data = riff_wav(
        (b"junk", b"odd"), (b"fmt ", float_fmt() + b"\x00\x00"), (b"data", bytes(8000 * 4 * 2))
    )
    path = write(root, "extra.wav", data)
    short = InputPolicy(roots=(root,), max_audio_seconds=1.5)
    assert refused(str(path), "audio", short, dest) == f"{path} lasts 2.0 s, over the 1.5 s limit"


def test_streamed_wav_is_measured_by_the_bytes_present(root: Path, dest: Path) -> None:
    # A streamed WAV declares the largest data size; only what is there counts.
    data = riff_wav((b"LIST", b"INFOxx"), (b"fmt ", float_fmt()), (b"data", bytes(8000 * 4)))
    data = data[: -(8000 * 4) - 4] + struct.pack("<I", 0xFFFFFFFF) + bytes(8000 * 4)
    path = write(root, "live.wav", data)
    one_second = InputPolicy(roots=(root,), max_audio_seconds=1.0)
    assert load_input(str(path), "audio", policy=one_second, dest_dir=dest).mime_type == "audio/wav"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (riff_wav((b"data", bytes(16)), (b"fmt ", float_fmt())), "no byte rate before its data"),
        (riff_wav((b"fmt ", float_fmt()[:10])), "its format chunk is cut short"),
        (riff_wav((b"fmt ", float_fmt())), "it has no audio data chunk"),
        (wav_bytes(0.1)[:12] + b"junk", "it has no audio data chunk"),
    ],
)
def test_corrupt_wav_is_refused(
    root: Path, policy: InputPolicy, dest: Path, data: bytes, reason: str
) -> None:
    path = write(root, "bad.wav", data)
    assert refused(str(path), "audio", policy, dest) == f"{path} is not a valid WAV file: {reason}"


@pytest.mark.parametrize(
    "data",
    [
        mp4_bytes(5.0),
        mp4_bytes(5.0, version=1, moov_last=True),
        mp4_bytes(5.0, large_mdat=True, moov_last=True),
        mp4_bytes(None),
    ],
    ids=["mvhd-v0", "mvhd-v1-moov-last", "64-bit-box", "no-moov"],
)
def test_mp4_video_loads(root: Path, dest: Path, data: bytes) -> None:
    path = write(root, "clip.mp4", data)
    ten_seconds = InputPolicy(roots=(root,), max_video_seconds=10.0)
    loaded = load_input(str(path), "video", policy=ten_seconds, dest_dir=dest)
    assert (loaded.modality, loaded.mime_type) == ("video", "video/mp4")


@pytest.mark.parametrize(
    "data",
    [mp4_bytes(30.0), mp4_bytes(30.0, version=1, moov_last=True), mp4_bytes(30, large_mdat=True)],
)
def test_mp4_video_too_long_is_refused(root: Path, dest: Path, data: bytes) -> None:
    path = write(root, "clip.mp4", data)
    ten_seconds = InputPolicy(roots=(root,), max_video_seconds=10.0, max_audio_seconds=60.0)
    assert (
        refused(str(path), "video", ten_seconds, dest)
        == f"{path} lasts 30.0 s, over the 10 s limit"
    )


def test_m4a_duration_uses_the_audio_limit(root: Path, dest: Path) -> None:
    path = write(root, "song.m4a", mp4_bytes(30.0, brand=b"M4A "))
    policy = InputPolicy(roots=(root,), max_audio_seconds=10.0, max_video_seconds=60.0)
    assert "lasts 30.0 s, over the 10 s limit" in refused(str(path), "audio", policy, dest)
    assert "is audio (audio/mp4), not a video" in refused(str(path), "video", policy, dest)


def test_webm_video_loads_without_a_duration_check(root: Path, dest: Path) -> None:
    path = write(root, "clip.webm", b"\x1a\x45\xdf\xa3" + bytes(60))
    no_time = InputPolicy(roots=(root,), max_video_seconds=0.0)
    assert load_input(str(path), "video", policy=no_time, dest_dir=dest).mime_type == "video/webm"


def fake_soundfile(info: Callable[[Any], Any], formats: tuple[str, ...] = ("FLAC",)) -> Any:
    return SimpleNamespace(available_formats=lambda: dict.fromkeys(formats, ""), info=info)


def test_flac_duration_comes_from_soundfile(
    root: Path, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[bytes] = []

    def info(stream: Any) -> Any:
        opened.append(stream.read(4))
        return SimpleNamespace(duration=90.0)

    monkeypatch.setitem(sys.modules, "soundfile", fake_soundfile(info))
    path = write(root, "song.flac", b"fLaC" + bytes(60))
    one_minute = InputPolicy(roots=(root,), max_audio_seconds=60.0)
    assert (
        refused(str(path), "audio", one_minute, dest) == f"{path} lasts 90.0 s, over the 60 s limit"
    )
    assert opened == [b"fLaC"]
    two_minutes = InputPolicy(roots=(root,), max_audio_seconds=120.0)
    assert (
        load_input(str(path), "audio", policy=two_minutes, dest_dir=dest).mime_type == "audio/flac"
    )


def test_audio_soundfile_cannot_read_is_refused(
    root: Path, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def info(stream: Any) -> Any:
        raise RuntimeError("Error opening <_io.BufferedReader>: Format not recognised.")

    monkeypatch.setitem(sys.modules, "soundfile", fake_soundfile(info))
    path = write(root, "song.flac", b"fLaC" + bytes(60))
    message = refused(str(path), "audio", policy, dest)
    assert message.startswith(f"{path} is not a valid audio/flac file: Error opening")


@pytest.mark.parametrize(
    "soundfile",
    [None, fake_soundfile(lambda stream: SimpleNamespace(duration=1e9), formats=("WAV",))],
    ids=["not-installed", "format-unavailable"],
)
def test_audio_duration_is_skipped_when_soundfile_cannot_tell(
    root: Path, dest: Path, monkeypatch: pytest.MonkeyPatch, soundfile: Any
) -> None:
    monkeypatch.setitem(sys.modules, "soundfile", soundfile)
    path = write(root, "song.mp3", b"ID3" + bytes(60))
    no_time = InputPolicy(roots=(root,), max_audio_seconds=0.0)
    assert load_input(str(path), "audio", policy=no_time, dest_dir=dest).mime_type == "audio/mpeg"


@pytest.mark.parametrize(
    ("name", "text", "mime_type"),
    [
        ("scores.csv", "name,score\nada,3\nbob,4\n", "text/csv"),
        ("scores.csv", "\ufeffname;score\r\nada;3\r\nbob;4\r\n", "text/csv"),
        ("scores.csv", 'name,note\nada,"likes, commas"\nbob,"two\nlines"\n', "text/csv"),
        ("scores.csv", "[id],value\n1,2\n", "text/csv"),
        ("scores.tsv", "name\tscore\nada\t3\n", "text/tab-separated-values"),
        ("big.csv", "a,b\n" + "1,2\n" * 30_000, "text/csv"),
        ("rows.json", ' [{"name": "ada", "score": 3}, {"name": "bob"}]', "application/json"),
    ],
)
def test_tables_load(
    root: Path, policy: InputPolicy, dest: Path, name: str, text: str, mime_type: str
) -> None:
    path = write(root, name, text.encode())
    loaded = load_input(str(path), "table", policy=policy, dest_dir=dest)
    assert (loaded.modality, loaded.mime_type) == ("table", mime_type)


@pytest.mark.parametrize(
    "data",
    [
        b"just one line, with a comma",
        b"a,b\n1,2,3\n4\n",
        b'{"name": "ada", "score": 3}',
        "caf\xe9,b\n1,2\n".encode("latin-1"),
        b"a,b\n1,\x00\n",
        png_bytes(),
    ],
    ids=["one-row", "ragged", "json-object", "not-utf8", "nul", "png"],
)
def test_non_tables_are_refused(root: Path, policy: InputPolicy, dest: Path, data: bytes) -> None:
    path = write(root, "table.csv", data)
    message = refused(str(path), "table", policy, dest)
    expected = "is not a CSV/TSV table or a JSON array that can be recognised"
    if data.startswith(b"\x89PNG"):
        expected = "is an image (image/png), not a table"
    assert message == f"{path} {expected}"


def test_broken_json_array_is_refused_with_the_parse_error(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "rows.json", b'[{"name": "ada"},\n {"name": }]')
    message = refused(str(path), "table", policy, dest)
    assert message.startswith(f"{path} starts like a JSON array but is not valid JSON: ")
    assert "line 2" in message


def test_deeply_nested_json_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "deep.json", b"[" * 100_000 + b"]" * 100_000)
    assert "is not valid JSON" in refused(str(path), "table", policy, dest)


def test_table_given_to_an_image_argument_names_both(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "photo.png", b"a,b\n1,2\n")
    assert (
        refused(str(path), "image", policy, dest) == f"{path} is a table (text/csv), not an image"
    )


# data: URLs.


def test_data_url_is_saved_in_the_run_folder(policy: InputPolicy, dest: Path) -> None:
    data = png_bytes()
    url = data_url(data, "image/jpeg")  # the declared type is not trusted: the bytes are PNG
    loaded = load_input(url, "image", policy=policy, dest_dir=dest)
    assert (loaded.mime_type, loaded.size, loaded.source) == ("image/png", len(data), url)
    assert loaded.path.parent == dest and loaded.path.suffix == ".png"
    assert loaded.path.read_bytes() == data


def test_data_url_with_line_breaks_and_escapes(policy: InputPolicy, dest: Path) -> None:
    data = wav_bytes(0.0125)
    encoded = base64.b64encode(data).decode()
    assert encoded.endswith("=")
    wrapped = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    url = "DATA:audio/wav;BASE64," + wrapped.replace("=", "%3D")
    assert load_input(url, "audio", policy=policy, dest_dir=dest).path.read_bytes() == data


def test_percent_encoded_data_url(policy: InputPolicy, dest: Path) -> None:
    loaded = load_input("data:text/csv,a%2Cb%0A1%2C2%0A", "table", policy=policy, dest_dir=dest)
    assert loaded.mime_type == "text/csv" and loaded.path.read_bytes() == b"a,b\n1,2\n"
    assert loaded.path.suffix == ".csv"


@pytest.mark.parametrize("payload", ["iVBORw0KGgo!!!!", "iVBORw0KGgoAA", "ïVBORw0KGgo="])
def test_bad_base64_is_refused(policy: InputPolicy, dest: Path, payload: str) -> None:
    message = refused(f"data:image/png;base64,{payload}", "image", policy, dest)
    assert message.startswith("the data URL data:image/png;base64,... (")
    assert "is not valid base64: " in message
    assert saved(dest) == []


def test_oversize_data_url_is_refused_before_decoding(
    root: Path, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("decoded an oversize data URL")

    monkeypatch.setattr(inputs.base64, "b64decode", no_decoding)
    url = data_url(bytes(300_000))
    message = refused(url, "image", InputPolicy(roots=(root,), max_bytes=1 << 20 >> 2), dest)
    assert message == (
        f"the data URL data:application/octet-stream;base64,... ({len(url):,} characters) "
        "holds about 293.0 KiB, over the 256.0 KiB limit"
    )


def test_oversize_percent_encoded_data_url_is_refused(root: Path, dest: Path) -> None:
    message = refused(
        "data:," + "a,b%0A" * 100, "table", InputPolicy(roots=(root,), max_bytes=200), dest
    )
    assert message.endswith("holds about 400 bytes, over the 200 bytes limit")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("data:image/png;base64", "is not a valid data URL"),
        ("data:,", "is empty"),
        ("data:image/png;base64,", "is empty"),
    ],
)
def test_malformed_or_empty_data_url_is_refused(
    policy: InputPolicy, dest: Path, url: str, problem: str
) -> None:
    assert problem in refused(url, "image", policy, dest)


def test_data_url_of_the_wrong_modality_is_not_saved(policy: InputPolicy, dest: Path) -> None:
    message = refused(data_url(wav_bytes(0.1)), "image", policy, dest)
    assert message.endswith("is audio (audio/wav), not an image")
    assert saved(dest) == []


MAGIC = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"\xff\xd8\xff",
    b"GIF89a",
    b"BM",
    b"RIFF\x00\x00\x00\x00WAVE",
    b"RIFF\x00\x00\x00\x00WAVEfmt ",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x10ftypM4A \x00\x00\x00\x00\x00\x00\x00\x10moov",
    b"fLaC",
    b"ID3",
    b"[",
    b"a,b\n",
]


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(MAGIC),
    body=st.binary(max_size=200),
    modality=st.sampled_from(["image", "audio", "video", "table"]),
)
def test_any_content_is_loaded_or_refused_with_input_error(
    prefix: bytes, body: bytes, modality: Any
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        try:
            loaded = load_input(
                data_url(prefix + body),
                modality,
                policy=InputPolicy(roots=()),
                dest_dir=Path(folder),
            )
        except InputError as exc:
            assert str(exc).startswith("the data URL data:application/octet-stream;base64,... (")
        else:
            assert loaded.modality == modality
            assert loaded.path.read_bytes() == prefix + body


# Schemes.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "ftp://example.com/photo.png",
            "ftp://example.com/photo.png uses the unsupported scheme ftp:; give a local path, "
            "an http(s) URL or a data: URL",
        ),
        (
            "notes:v2.png",
            "notes:v2.png uses the unsupported scheme notes: (write ./name for a file); give a "
            "local path, an http(s) URL or a data: URL",
        ),
    ],
)
def test_unsupported_scheme_is_refused(
    policy: InputPolicy, dest: Path, value: str, expected: str
) -> None:
    assert refused(value, "image", policy, dest) == expected


# default_roots.


def test_default_roots_is_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUGGINGGPT_INPUT_ROOTS", raising=False)
    assert default_roots() == (tmp_path.resolve(),)


def test_default_roots_adds_the_environment_and_extra_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, media, extra, home = (tmp_path / name for name in ("work", "media", "extra", "home"))
    for folder in (work, media, extra, home):
        folder.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    listed = [str(media), "", str(work), "~", f"{media}/../media"]
    monkeypatch.setenv("HUGGINGGPT_INPUT_ROOTS", os.pathsep.join(listed))
    roots = default_roots([extra, str(media), "relative"])
    expected = (work, media, home, extra, work / "relative")
    assert roots == tuple(folder.resolve() for folder in expected)


def test_default_roots_work_as_a_policy(
    tmp_path: Path, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    path = write(media, "clip.wav", wav_bytes(0.1))
    monkeypatch.chdir(tmp_path / "media")
    monkeypatch.setenv("HUGGINGGPT_INPUT_ROOTS", str(media))
    policy = InputPolicy(roots=default_roots())
    assert load_input("clip.wav", "audio", policy=policy, dest_dir=dest).path == path.resolve()


# http(s) URLs, against servers on loopback.


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Host", "")))
        port = self.server.server_address[1]
        path = urlsplit(self.path).path
        if path == "/photo.png":
            self._send(200, png_bytes())
        elif path == "/clip.wav":
            self._send(200, wav_bytes(0.1))
        elif path == "/empty":
            self._send(200, b"")
        elif path == "/declared-huge":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self._write(png_bytes())
        elif path == "/endless":
            self.send_response(200)  # no Content-Length: the body ends when the server closes
            self.end_headers()
            self._write(png_bytes() + bytes(40_000))
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = f"/hop/{left - 1}" if left else f"http://127.0.0.1:{port}/photo.png"
            self._redirect(target)
        elif path == "/to-loopback":
            self._redirect(f"http://127.0.0.1:{port}/photo.png")
        elif path == "/to-ftp":
            self._redirect("ftp://example.com/photo.png")
        elif path == "/no-location":
            self.send_response(302)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404, "Not Found")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _write(self, body: bytes) -> None:
        # The client may stop reading at its size limit.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


def _serve(wrap: Callable[[socket.socket], socket.socket] | None = None) -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    if wrap is not None:
        server.socket = wrap(server.socket)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _serve()


@pytest.fixture
def local(root: Path) -> InputPolicy:
    return InputPolicy(roots=(root,), allow_private_urls=True, url_timeout_s=5.0)


def base(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_url_is_downloaded_into_the_run_folder(
    server: _Server, local: InputPolicy, dest: Path
) -> None:
    url = f"{base(server)}/photo.png"
    loaded = load_input(url, "image", policy=local, dest_dir=dest)
    assert (loaded.source, loaded.mime_type, loaded.path.parent) == (url, "image/png", dest)
    assert loaded.path.read_bytes() == png_bytes() and loaded.size == len(png_bytes())


def test_url_not_found_is_refused_with_the_status(
    server: _Server, local: InputPolicy, dest: Path
) -> None:
    url = f"{base(server)}/missing.png"
    assert (
        refused(url, "image", local, dest) == f"{url} could not be downloaded: HTTP 404 Not Found"
    )


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/declared-huge", "is 953.7 MiB, over the 10.0 KiB limit"),
        ("/endless", "is over the 10.0 KiB limit"),
    ],
    ids=["content-length", "streaming"],
)
def test_oversize_download_is_refused(
    server: _Server, root: Path, dest: Path, path: str, problem: str
) -> None:
    small = InputPolicy(roots=(root,), allow_private_urls=True, max_bytes=10 * 1024)
    url = f"{base(server)}{path}"
    assert refused(url, "image", small, dest) == f"{url} {problem}"
    assert saved(dest) == []


def test_empty_download_is_refused(server: _Server, local: InputPolicy, dest: Path) -> None:
    url = f"{base(server)}/empty"
    assert refused(url, "image", local, dest) == f"{url} is empty"


def test_downloaded_content_of_the_wrong_modality_is_refused(
    server: _Server, local: InputPolicy, dest: Path
) -> None:
    url = f"{base(server)}/clip.wav"
    assert refused(url, "image", local, dest) == f"{url} is audio (audio/wav), not an image"
    assert saved(dest) == []


def test_redirect_chain_is_followed_up_to_the_limit(
    server: _Server, local: InputPolicy, dest: Path
) -> None:
    loaded = load_input(f"{base(server)}/hop/4", "image", policy=local, dest_dir=dest)
    assert loaded.path.read_bytes() == png_bytes()
    assert [path for path, _ in server.requests] == [
        "/hop/4",
        "/hop/3",
        "/hop/2",
        "/hop/1",
        "/hop/0",
        "/photo.png",
    ]


def test_url_path_and_query_are_escaped(server: _Server, local: InputPolicy, dest: Path) -> None:
    url = f"{base(server)}/photo.png?name=my photo&city=Zürich#top"
    assert load_input(url, "image", policy=local, dest_dir=dest).source == url
    assert server.requests[0][0] == "/photo.png?name=my%20photo&city=Z%C3%BCrich"


def test_too_many_redirects_are_refused(server: _Server, local: InputPolicy, dest: Path) -> None:
    url = f"{base(server)}/hop/5"
    assert refused(url, "image", local, dest) == f"{url} redirects more than 5 times"
    assert len(server.requests) == 6


def test_no_redirects_allowed(server: _Server, root: Path, dest: Path) -> None:
    strict = InputPolicy(roots=(root,), allow_private_urls=True, max_redirects=0)
    url = f"{base(server)}/hop/0"
    assert refused(url, "image", strict, dest) == f"{url} redirects more than 0 times"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/to-ftp", "(redirected to ftp://example.com/photo.png) uses the unsupported scheme ftp:"),
        ("/no-location", "redirects (HTTP 302) to no location"),
    ],
)
def test_bad_redirects_are_refused(
    server: _Server, local: InputPolicy, dest: Path, path: str, problem: str
) -> None:
    assert problem in refused(f"{base(server)}{path}", "image", local, dest)


def test_server_that_never_answers_times_out(root: Path, dest: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # connections queue up and are never accepted nor answered
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/photo.png"
        quick = InputPolicy(roots=(root,), allow_private_urls=True, url_timeout_s=0.2)
        started = time.monotonic()
        message = refused(url, "image", quick, dest)
    assert message == f"{url} could not be downloaded: no answer within 0.2 s"
    assert time.monotonic() - started < 5


def test_closed_port_is_refused(root: Path, local: InputPolicy, dest: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    message = refused(f"http://127.0.0.1:{port}/photo.png", "image", local, dest)
    assert "could not be downloaded: " in message


def test_loopback_is_refused_by_default(server: _Server, policy: InputPolicy, dest: Path) -> None:
    url = f"{base(server)}/photo.png"
    message = refused(url, "image", policy, dest)
    assert message == (
        f"{url}: 127.0.0.1 is a local or private address; only public addresses are fetched "
        "(allow_private_urls lifts this for trusted local setups)"
    )
    assert server.requests == []


class FakeNetwork:
    """DNS answers by name, and connections to PUBLIC_IP sent to a loopback server instead."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]], port: int):
        self.names = names
        self.port = port
        self.lookups: list[str] = []
        self.connections: list[tuple[str, int]] = []
        self._resolve = socket.getaddrinfo
        self._connect = socket.create_connection
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", self.create_connection)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.names:
            return self._resolve(host, port, *args, **kwargs)
        self.lookups.append(host)
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [
            (family[":" in ip], socket.SOCK_STREAM, 6, "", (ip, port)) for ip in self.names[host]
        ]

    def create_connection(self, address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        self.connections.append(address)
        if address[0] == PUBLIC_IP:
            return self._connect(("127.0.0.1", self.port), *args, **kwargs)
        return self._connect(address, *args, **kwargs)


def test_public_host_is_fetched_from_the_vetted_address(
    server: _Server, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server.server_address[1]
    network = FakeNetwork(monkeypatch, {"public.test": [PUBLIC_IP]}, port)
    loaded = load_input(
        f"http://public.test:{port}/photo.png", "image", policy=policy, dest_dir=dest
    )
    assert loaded.mime_type == "image/png"
    assert network.lookups == ["public.test"]  # resolved once: no second answer to rebind to
    assert network.connections == [(PUBLIC_IP, port)]
    assert server.requests == [("/photo.png", f"public.test:{port}")]


def test_redirect_from_a_public_host_to_loopback_is_refused(
    server: _Server, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server.server_address[1]
    FakeNetwork(monkeypatch, {"public.test": [PUBLIC_IP]}, port)
    url = f"http://public.test:{port}/to-loopback"
    message = refused(url, "image", policy, dest)
    assert message.startswith(
        f"{url} (redirected to http://127.0.0.1:{port}/photo.png): 127.0.0.1 is a local or "
        "private address"
    )
    assert [path for path, _ in server.requests] == ["/to-loopback"]


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "127.0.0.2",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.5",
        "::ffff:127.0.0.1",
        "2002:7f00:1::1",
    ],
)
def test_non_public_addresses_are_refused(
    policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    network = FakeNetwork(monkeypatch, {"internal.test": [address]}, 9)
    message = refused("http://internal.test/photo.png", "image", policy, dest)
    assert f"internal.test resolves to {address}, a local or private address" in message
    assert network.connections == []


def test_one_private_address_among_public_ones_is_refused(
    policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    network = FakeNetwork(monkeypatch, {"mixed.test": [PUBLIC_IP, "2606:4700::1", "10.0.0.5"]}, 9)
    message = refused("https://mixed.test/photo.png", "image", policy, dest)
    assert "mixed.test resolves to 10.0.0.5, a local or private address" in message
    assert network.connections == []


def test_unresolvable_host_is_refused(
    policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    message = refused("https://nowhere.test/photo.png", "image", policy, dest)
    assert message.startswith("https://nowhere.test/photo.png: the host nowhere.test cannot be")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://user:hunter2@example.com/a.png", "http://***@example.com/a.png carries a user"),
        ("http://example.com:99999/a.png", "is not a valid URL: Port out of range"),
        ("https:///a.png", "https:///a.png names no host"),
    ],
)
def test_malformed_urls_are_refused(
    policy: InputPolicy, dest: Path, url: str, problem: str
) -> None:
    message = refused(url, "image", policy, dest)
    assert problem in message and "hunter2" not in message


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for public.test, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=public.test"),
            *("-addext", "subjectAltName=DNS:public.test"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[_Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    yield from _serve(lambda sock: context.wrap_socket(sock, server_side=True))


@pytest.fixture
def trust(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    default = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda: default(cafile=str(certificate[0])))


@pytest.mark.usefixtures("trust")
def test_https_is_fetched_with_the_host_name_checked(
    tls_server: _Server, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = tls_server.server_address[1]
    network = FakeNetwork(monkeypatch, {"public.test": [PUBLIC_IP]}, port)
    url = f"https://public.test:{port}/photo.png"
    assert load_input(url, "image", policy=policy, dest_dir=dest).path.read_bytes() == png_bytes()
    assert network.connections == [(PUBLIC_IP, port)]
    assert tls_server.requests == [("/photo.png", f"public.test:{port}")]


@pytest.mark.usefixtures("trust")
def test_https_certificate_for_another_name_is_refused(
    tls_server: _Server, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = tls_server.server_address[1]
    FakeNetwork(monkeypatch, {"other.test": [PUBLIC_IP]}, port)
    message = refused(f"https://other.test:{port}/photo.png", "image", policy, dest)
    assert "could not be downloaded" in message and "certificate verify failed" in message
    assert tls_server.requests == []


def test_https_untrusted_certificate_is_refused(
    tls_server: _Server, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = tls_server.server_address[1]
    FakeNetwork(monkeypatch, {"public.test": [PUBLIC_IP]}, port)
    message = refused(f"https://public.test:{port}/photo.png", "image", policy, dest)
    assert "certificate verify failed" in message
    assert tls_server.requests == []
