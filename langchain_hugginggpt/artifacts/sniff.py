"""What a file really is, from its first bytes, whatever its name says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MediaType", "sniff"]


@dataclass(frozen=True)
class MediaType:
    """A recognised format: its modality, MIME type and usual file suffix."""

    modality: Literal["image", "audio", "video", "table"]
    mime_type: str
    suffix: str


_PNG = MediaType("image", "image/png", ".png")
_JPEG = MediaType("image", "image/jpeg", ".jpg")
_GIF = MediaType("image", "image/gif", ".gif")
_WEBP = MediaType("image", "image/webp", ".webp")
_BMP = MediaType("image", "image/bmp", ".bmp")
_TIFF = MediaType("image", "image/tiff", ".tiff")
_WAV = MediaType("audio", "audio/wav", ".wav")
_FLAC = MediaType("audio", "audio/flac", ".flac")
_OGG = MediaType("audio", "audio/ogg", ".ogg")
_MP3 = MediaType("audio", "audio/mpeg", ".mp3")
_MP4 = MediaType("video", "video/mp4", ".mp4")
_WEBM = MediaType("video", "video/webm", ".webm")
_AVI = MediaType("video", "video/x-msvideo", ".avi")
_M4A = MediaType("audio", "audio/mp4", ".m4a")


def sniff(head: bytes) -> MediaType | None:
    """Return the media type of a file starting with `head` (16+ bytes), or None if unknown."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _GIF
    if head.startswith(b"BM") and len(head) >= 14:
        return _BMP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _TIFF
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": _WEBP, b"WAVE": _WAV, b"AVI ": _AVI}.get(head[8:12])
    if head.startswith(b"fLaC"):
        return _FLAC
    if head.startswith(b"OggS"):
        return _OGG
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return _MP3
    if head[4:8] == b"ftyp":
        return _M4A if head[8:11] in (b"M4A", b"M4B") else _MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _WEBM
    return None
