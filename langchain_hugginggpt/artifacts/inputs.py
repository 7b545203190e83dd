"""Load the media files a user names in a request safely, before any model sees them.

A value may be a local path (absolute, relative to the working directory, `~/...` or a `file://`
URL), an `http(s)://` URL or a `data:` URL. Local files must stay inside the allowed folders and
are used in place; URLs must reach public addresses only (vetted again at every redirect) and are
downloaded into the run folder, as are data URLs. Every input is size-capped, and its real bytes,
not its name, must be of the modality the task argument expects. Proxy settings are not used
for URLs: the address that was checked must be the one connected to.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import csv
import http.client
import io
import ipaddress
import itertools
import json
import os
import re
import socket
import ssl
import stat
import struct
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, unquote, unquote_to_bytes, urljoin, urlsplit
from urllib.request import url2pathname

from langchain_hugginggpt.artifacts.sniff import MediaType, sniff
from langchain_hugginggpt.artifacts.store import save_bytes
from langchain_hugginggpt.tasks import Modality

__all__ = [
    "InputError",
    "InputPolicy",
    "LoadedInput",
    "default_roots",
    "load_input",
    "load_inputs",
    "read_input",
]

_ROOTS_ENV = "HUGGINGGPT_INPUT_ROOTS"
_KIND = {"image": "an image", "audio": "audio", "video": "a video", "table": "a table"}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")  # two letters at least: `C:\x` is a path
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "langchain-hugginggpt"
# What `requests` leaves unescaped when it re-quotes a URL: reserved characters and `%`.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
_TABLE_SAMPLE = 64 * 1024
_TABLE_ROWS = 50
_DELIMITERS = ("\t", ",", ";")
_CSV = MediaType("table", "text/csv", ".csv")
_TSV = MediaType("table", "text/tab-separated-values", ".tsv")
_JSON = MediaType("table", "application/json", ".json")
_SOUNDFILE_FORMATS = {"audio/flac": "FLAC", "audio/ogg": "OGG", "audio/mpeg": "MP3"}
# A real MP4 has a handful of top-level boxes; a file of millions of tiny ones is hostile.
_MAX_BOXES = 10_000


class InputError(ValueError):
    """A user-named input was refused: the message says which one, why, and what to do."""


@dataclass(frozen=True)
class InputPolicy:
    """What `load_input` accepts.

    Attributes:
        roots: Folders local paths must stay inside once symlinks and `..` are resolved.
        max_bytes: Largest file accepted, from any source.
        max_audio_seconds: Longest audio accepted. Checked for WAV, MP4 audio (M4A), and FLAC,
            OGG and MP3 when `soundfile` is installed; other audio is not checked.
        max_video_seconds: Longest video accepted. Checked for MP4 (from its `mvhd` box) only;
            WebM and AVI durations are not checked.
        max_image_pixels: Most pixels (width x height) an image may declare. Checked only when
            Pillow is installed, like image integrity.
        allow_private_urls: Fetch URLs that resolve to loopback, private or other non-public
            addresses (only for trusted local setups: it exposes the local network).
        url_timeout_s: Timeout in seconds of each connection attempt and each read (a server
            that keeps sending slowly is not cut off as a whole; `max_bytes` bounds it).
        max_redirects: Most HTTP redirects followed for one URL.
    """

    roots: tuple[Path, ...]
    max_bytes: int = 50 * 1024 * 1024
    max_audio_seconds: float = 600.0
    max_video_seconds: float = 600.0
    max_image_pixels: int = 64_000_000
    allow_private_urls: bool = False
    url_timeout_s: float = 20.0
    max_redirects: int = 5


@dataclass(frozen=True)
class LoadedInput:
    """An input that passed every check.

    Attributes:
        path: Local file the engine may read: the user's own file, or a downloaded copy.
        modality: Modality of the content, the one that was asked for.
        mime_type: MIME type found from the content itself.
        size: Size of the file in bytes.
        source: The value as the user gave it.
    """

    path: Path
    modality: Modality
    mime_type: str
    size: int
    source: str


def default_roots(extra: Iterable[str | Path] = ()) -> tuple[Path, ...]:
    """Return the folders local inputs may come from by default.

    Args:
        extra: More folders, such as those named on the command line.

    Returns:
        The current working directory, the folders in `HUGGINGGPT_INPUT_ROOTS`
        (`os.pathsep`-separated) and `extra`, resolved, without duplicates, in that order.
    """
    listed = [entry for entry in os.environ.get(_ROOTS_ENV, "").split(os.pathsep) if entry.strip()]
    folders = [Path.cwd(), *listed, *extra]
    return tuple(dict.fromkeys(Path(folder).expanduser().resolve() for folder in folders))


def load_input(
    value: str, modality: Modality, *, policy: InputPolicy, dest_dir: Path
) -> LoadedInput:
    """Check a media input named by the user and return a local file an engine may read.

    Args:
        value: A local path, a `file://`, `http(s)://` or `data:` URL, as the user wrote it.
        modality: What the task argument expects: "image", "audio", "video" or "table".
        policy: Folders, limits and URL rules to enforce.
        dest_dir: Folder of the run where downloaded and data-URL content is saved.

    Returns:
        The loaded input; local files are used in place, other content is saved in `dest_dir`.

    Raises:
        InputError: The input is refused; the message names it and says why.
        ValueError: `modality` is "text" or unknown, a mistake of the caller, not the user.
        OSError: `dest_dir` cannot be written.
    """
    if modality not in _KIND:
        raise ValueError(f"load_input loads media files, not {modality!r} arguments")
    label = _describe(value)
    source = _fetch(value, label, policy)
    if isinstance(source, Path):
        with _open_local(source, label, policy) as (handle, size):
            media = _inspect(label, handle, size, modality, policy)
        return LoadedInput(source, modality, media.mime_type, size, value)
    media = _inspect(label, io.BytesIO(source), len(source), modality, policy)
    path = save_bytes(dest_dir, source, suffix=media.suffix)
    return LoadedInput(path, modality, media.mime_type, len(source), value)


def read_input(value: str, *, policy: InputPolicy) -> tuple[bytes, Path | None, str]:
    """Read the bytes of an input named by the user, under the same rules as `load_input`.

    For inputs whose content is checked by other means than `load_input`'s media checks, such
    as documents: the roots, URL, redirect and size rules are the same, the content is not
    looked at.

    Args:
        value: A local path, a `file://`, `http(s)://` or `data:` URL, as the user wrote it.
        policy: Folders, limits and URL rules to enforce.

    Returns:
        The content (never empty, at most `policy.max_bytes`), the resolved local file it was
        read from (None for URLs and data URLs, whose content is only in memory), and the
        label naming the input in messages.

    Raises:
        InputError: The input is refused; the message names it and says why.
    """
    label = _describe(value)
    source = _fetch(value, label, policy)
    if not isinstance(source, Path):
        return source, None, label
    with _open_local(source, label, policy) as (handle, size):
        data = handle.read(size)
    _check_size(label, len(data), policy)  # the file may have shrunk since it was measured
    return data, source, label


def _fetch(value: str, label: str, policy: InputPolicy) -> bytes | Path:
    """The checked content of a URL or data URL, or the local file inside the roots to open."""
    if "\x00" in value:
        raise InputError(f"{label} contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no file or URL can be named by it
            raise InputError(f"{label!a} contains characters that are not valid text") from None
    if value[:5].lower() == "data:":
        data = _decode_data_url(value, label, policy)
    else:
        match = _SCHEME.match(value)
        scheme = match.group(1).lower() if match else ""
        if scheme in ("http", "https"):
            data = _download(value, label, policy)
        elif scheme in ("", "file"):
            return _resolve_local(value, label, policy)
        else:
            hint = "" if value[len(scheme) + 1 :].startswith("//") else " (write ./name for a file)"
            raise InputError(
                f"{label} uses the unsupported scheme {scheme}:{hint}; give a local path, "
                "an http(s) URL or a data: URL"
            )
    _check_size(label, len(data), policy)
    return data


def _describe(value: str) -> str:
    """Name an input in messages: data URLs by their header, URL passwords hidden, long cut."""
    if value[:5].lower() == "data:":
        return f"the data URL {value.partition(',')[0][:60]},... ({len(value):,} characters)"
    with contextlib.suppress(ValueError):
        parts = urlsplit(value)
        if parts.password is not None or parts.username is not None:
            value = parts._replace(netloc=f"***@{parts.netloc.rpartition('@')[2]}").geturl()
    return value if len(value) <= 200 else f"{value[:200]}..."


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _check_size(label: str, size: int, policy: InputPolicy) -> None:
    if size == 0:
        raise InputError(f"{label} is empty")
    if size > policy.max_bytes:
        raise InputError(f"{label} is {_size(size)}, over the {_size(policy.max_bytes)} limit")


# Local files.


def _resolve_local(value: str, label: str, policy: InputPolicy) -> Path:
    """The file a local value names, resolved, once it is known to be inside the roots."""
    if value[:5].lower() == "file:":
        parts = urlsplit(value)
        if parts.netloc not in ("", "localhost"):
            raise InputError(f"{label} names a file on another machine ({parts.netloc})")
        path = Path(url2pathname(parts.path))
    else:
        path = Path(value)
    roots = tuple(Path(root).expanduser().resolve() for root in policy.roots)
    try:
        resolved = path.expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop, before Python 3.13
        raise InputError(f"{label} cannot be resolved: {exc}") from exc
    # Containment is checked before existence, so no one learns which files exist elsewhere.
    if not any(resolved.is_relative_to(root) for root in roots):
        where = f"{label} resolves to {resolved}, which" if str(resolved) != value else label
        allowed = ", ".join(str(root) for root in roots) or "none"
        raise InputError(
            f"{where} is outside the allowed folders ({allowed}); move it into one of them or "
            f"add its folder to {_ROOTS_ENV}"
        )
    return resolved


@contextlib.contextmanager
def _open_local(resolved: Path, label: str, policy: InputPolicy) -> Iterator[tuple[BinaryIO, int]]:
    """Open a resolved local file and check it: yield a binary handle on it and its size.

    Read errors inside the `with` block are refused as the file's own (`cannot be read`).
    """
    # Opened without following a final symlink and without blocking on a FIFO, then checked
    # through the open descriptor, so what is checked is what was opened. The engine reads the
    # path again later, so a folder that others can write to is not safe against swaps anyway.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(resolved, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise InputError(f"{label} does not exist") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{label} is a folder, not a file") from exc
    except OSError as exc:
        raise InputError(f"{label} cannot be opened: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{label} is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{label} is not a regular file")
        _check_size(label, info.st_size, policy)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            yield handle, info.st_size
    except OSError as exc:
        raise InputError(f"{label} cannot be read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


# data: URLs.


def _decode_data_url(value: str, label: str, policy: InputPolicy) -> bytes:
    header, comma, payload = value[5:].partition(",")
    if not comma:
        raise InputError(f"{label} is not a valid data URL: nothing separates the type from data")
    is_base64 = header.lower().endswith(";base64")
    if is_base64:
        # Senders wrap lines and percent-escape `=` or `+`; neither is part of the base64 data.
        compact = "".join(unquote(payload).split())
        estimate = len(compact) * 3 // 4 - compact[-2:].count("=")
    else:
        estimate = len(payload) - 2 * payload.count("%")
    if estimate > policy.max_bytes:
        raise InputError(
            f"{label} holds about {_size(estimate)}, over the {_size(policy.max_bytes)} limit"
        )
    if not is_base64:
        return unquote_to_bytes(payload)
    try:
        return base64.b64decode(compact, validate=True)
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise InputError(f"{label} is not valid base64: {exc}") from exc


# http(s) URLs.


def _download(value: str, label: str, policy: InputPolicy) -> bytes:
    url = value
    for _ in range(policy.max_redirects + 1):
        where = label if url == value else f"{label} (redirected to {_describe(url)})"
        data, location = _get(url, where, policy)
        if location is None:
            return data
        url = urljoin(url, location)
    raise InputError(f"{label} redirects more than {policy.max_redirects} times")


def _get(url: str, label: str, policy: InputPolicy) -> tuple[bytes, str | None]:
    """GET one URL: its body, or the target of its redirect."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"{label} is not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"{label} uses the unsupported scheme {scheme}:; only http(s) is fetched")
    if parts.username is not None or parts.password is not None:
        raise InputError(f"{label} carries a user name or password; download it yourself")
    host = parts.hostname
    if not host:
        raise InputError(f"{label} names no host")
    port = port or (443 if scheme == "https" else 80)
    addresses = _vetted_addresses(host, port, label, policy)
    target = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_URL_SAFE)
    kind = _PinnedTLSConnection if scheme == "https" else _PinnedConnection
    connection = kind(host, port, addresses, policy.url_timeout_s)
    try:
        connection.request("GET", target, headers={"User-Agent": _USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise InputError(f"{label} redirects (HTTP {response.status}) to no location")
            return b"", location
        if not 200 <= response.status < 300:
            raise InputError(
                f"{label} could not be downloaded: HTTP {response.status} {response.reason}"
            )
        if response.length is not None and response.length > policy.max_bytes:
            raise InputError(
                f"{label} is {_size(response.length)}, over the {_size(policy.max_bytes)} limit"
            )
        chunks: list[bytes] = []
        total = 0
        while chunk := response.read(_CHUNK):
            total += len(chunk)
            if total > policy.max_bytes:
                raise InputError(f"{label} is over the {_size(policy.max_bytes)} limit")
            chunks.append(chunk)
        return b"".join(chunks), None
    except TimeoutError as exc:
        raise InputError(
            f"{label} could not be downloaded: no answer within {policy.url_timeout_s:g} s"
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise InputError(f"{label} could not be downloaded: {exc}") from exc
    finally:
        connection.close()


def _vetted_addresses(host: str, port: int, label: str, policy: InputPolicy) -> list[str]:
    """Resolve `host` once; the connection then goes to these very addresses (no DNS rebinding)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InputError(f"{label}: the host {host} cannot be resolved ({exc})") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise InputError(f"{label}: the host {host} resolves to no address")
    if not policy.allow_private_urls:
        blocked = [a for a in addresses if not _is_public(ipaddress.ip_address(a))]
        if blocked:
            found = (
                f"{host} is" if blocked == [host] else f"{host} resolves to {', '.join(blocked)},"
            )
            raise InputError(
                f"{label}: {found} a local or private address; only public addresses are fetched "
                "(allow_private_urls lifts this for trusted local setups)"
            )
    return addresses


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return _is_public(embedded)
    # `is_global` alone lets multicast through, and its lists changed across Python versions.
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to addresses vetted beforehand, still naming the host in its requests."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        """Connect to the first vetted address that answers."""
        for address in self._addresses[:-1]:
            with contextlib.suppress(OSError):
                self.sock = socket.create_connection((address, self.port), self.timeout)
                return
        self.sock = socket.create_connection((self._addresses[-1], self.port), self.timeout)


class _PinnedTLSConnection(_PinnedConnection):
    """HTTPS to vetted addresses; the certificate must still be valid for the host name."""

    default_port = 443

    def connect(self) -> None:
        """Connect, then verify the server against the host name (SNI and certificate)."""
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


# Content checks.


def _inspect(
    label: str, stream: BinaryIO, size: int, modality: Modality, policy: InputPolicy
) -> MediaType:
    """Return what the content really is, refusing it unless it is sound and of `modality`."""
    media = sniff(stream.read(64)) or _sniff_table(label, stream, size)
    if media is None:
        known = "a CSV/TSV table or a JSON array" if modality == "table" else f"{modality} format"
        raise InputError(f"{label} is not {known} that can be recognised")
    if media.modality != modality:
        raise InputError(
            f"{label} is {_KIND[media.modality]} ({media.mime_type}), not {_KIND[modality]}"
        )
    stream.seek(0)
    if modality == "image":
        _check_image(label, stream, policy)
    elif media.mime_type == "audio/wav":
        _check_duration(label, _wav_seconds(label, stream), policy.max_audio_seconds)
    elif media.mime_type in ("audio/mp4", "video/mp4"):
        limit = policy.max_audio_seconds if modality == "audio" else policy.max_video_seconds
        _check_duration(label, _mp4_seconds(stream), limit)
    elif media.mime_type in _SOUNDFILE_FORMATS:
        _check_duration(label, _soundfile_seconds(label, stream, media), policy.max_audio_seconds)
    return media


def _check_duration(label: str, seconds: float | None, limit: float) -> None:
    if seconds is not None and seconds > limit:
        raise InputError(f"{label} lasts {seconds:.1f} s, over the {limit:g} s limit")


def _sniff_table(label: str, stream: BinaryIO, size: int) -> MediaType | None:
    """Recognise UTF-8 CSV/TSV (a steady delimiter over the first rows) or a JSON array."""
    stream.seek(0)
    sample = stream.read(_TABLE_SAMPLE)
    complete = len(sample) >= size
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    if not text.lstrip().startswith("["):
        return _sniff_delimited(text, complete)
    stream.seek(0)
    try:
        json.loads(stream.read().decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        # A CSV may start with `[` too; only if it is not one does the JSON error matter.
        found = _sniff_delimited(text, complete)
        if found is None:
            raise InputError(
                f"{label} starts like a JSON array but is not valid JSON: {exc}"
            ) from exc
        return found
    return _JSON


def _sniff_delimited(text: str, complete: bool) -> MediaType | None:
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            rows = [row for row in itertools.islice(reader, _TABLE_ROWS + 1) if row]
        except csv.Error:
            continue
        if not complete:
            rows = rows[:-1]  # the sample may end mid-row
        widths = {len(row) for row in rows}
        if len(rows) >= 2 and len(widths) == 1 and widths.pop() >= 2:
            return _TSV if delimiter == "\t" else _CSV
    return None


def _check_image(label: str, stream: BinaryIO, policy: InputPolicy) -> None:
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with the `local` extra; without it, magic bytes only
        return
    try:
        # Process-wide, not thread-local, but only while the header is read, and it only turns
        # Pillow's bomb warning into the error it stands for.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
        with image:
            width, height = image.size
            if width * height > policy.max_image_pixels:
                raise InputError(
                    f"{label} is {width}x{height} pixels, over the limit of "
                    f"{policy.max_image_pixels:,} pixels"
                )
            image.verify()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{label} declares too many pixels to open safely: {exc}") from exc
    # Pillow's decoders raise many types on malformed data (OSError, SyntaxError, struct.error,
    # ValueError, EOFError...); any of them means the file is not a sound image.
    except Exception as exc:
        raise InputError(f"{label} is not a valid image: {exc or type(exc).__name__}") from exc


def _wav_seconds(label: str, stream: BinaryIO) -> float:
    """Duration of a WAV file from its RIFF chunks.

    Read by hand rather than with `wave`, which refuses valid float and (before Python 3.12)
    extensible WAVs; the byte rate of the `fmt ` chunk gives the duration of any encoding.
    """
    stream.read(12)  # RIFF, size, WAVE: already checked by sniff
    byte_rate = 0
    while len(header := stream.read(8)) == 8:
        chunk, size = struct.unpack("<4sI", header)
        if chunk == b"fmt ":
            fmt = stream.read(16)
            if size < 16 or len(fmt) < 16:
                raise InputError(f"{label} is not a valid WAV file: its format chunk is cut short")
            byte_rate = struct.unpack("<I", fmt[8:12])[0]
            stream.seek(size - 16 + (size & 1), os.SEEK_CUR)
        elif chunk == b"data":
            if not byte_rate:
                raise InputError(f"{label} is not a valid WAV file: no byte rate before its data")
            start = stream.tell()
            available = stream.seek(0, os.SEEK_END) - start
            # Streamed WAVs declare 0xFFFFFFFF bytes; what is there is what will be decoded.
            return min(size, available) / byte_rate
        else:
            stream.seek(size + (size & 1), os.SEEK_CUR)
    raise InputError(f"{label} is not a valid WAV file: it has no audio data chunk")


def _mp4_seconds(stream: BinaryIO) -> float | None:
    """Duration from the `mvhd` box of an MP4 or M4A, or None if it is not there to read."""
    end = stream.seek(0, os.SEEK_END)
    moov = _find_box(stream, 0, end, b"moov")
    mvhd = moov and _find_box(stream, *moov, b"mvhd")
    if not mvhd:
        return None
    stream.seek(mvhd[0])
    body = stream.read(min(32, mvhd[1] - mvhd[0]))
    if body[:1] == b"\x00" and len(body) >= 20:
        timescale, duration = struct.unpack(">II", body[12:20])
        unknown = duration == 0xFFFFFFFF
    elif body[:1] == b"\x01" and len(body) >= 32:
        timescale, duration = struct.unpack(">IQ", body[20:32])
        unknown = duration == 0xFFFFFFFFFFFFFFFF
    else:
        return None
    return None if unknown or not timescale else duration / timescale


def _find_box(stream: BinaryIO, start: int, stop: int, kind: bytes) -> tuple[int, int] | None:
    """Where the content of the first `kind` box between `start` and `stop` begins and ends."""
    offset = start
    for _ in range(_MAX_BOXES):
        if offset + 8 > stop:
            return None
        stream.seek(offset)
        header = stream.read(16)
        size, box = struct.unpack(">I4s", header[:8])
        body = offset + 8
        if size == 1 and len(header) == 16:
            size, body = struct.unpack(">Q", header[8:])[0], offset + 16
        elif size == 0:  # the box runs to the end
            size = stop - offset
        if size < body - offset:
            return None
        if box == kind:
            return body, min(offset + size, stop)
        offset += size
    return None


def _soundfile_seconds(label: str, stream: BinaryIO, media: MediaType) -> float | None:
    try:
        import soundfile
    except ImportError:  # optional: without it, these formats go unchecked for duration
        return None
    if _SOUNDFILE_FORMATS[media.mime_type] not in soundfile.available_formats():
        return None
    try:
        return float(soundfile.info(stream).duration)
    # libsndfile reports malformed files as RuntimeError, its wrapper may raise others.
    except Exception as exc:
        raise InputError(f"{label} is not a valid {media.mime_type} file: {exc}") from exc


def load_inputs(
    values: Mapping[str, str],
    media: Mapping[str, Modality],
    *,
    policy: InputPolicy,
    dest_dir: Path,
) -> dict[str, str]:
    """Check and load each media argument; return `values` with local paths in their place.

    `media` maps the media arguments' names to their modalities; other values pass unchanged.

    Raises:
        InputError: the first argument that is refused.
    """
    loaded = dict(values)
    for name, modality in media.items():
        loaded[name] = str(
            load_input(values[name], modality, policy=policy, dest_dir=dest_dir).path
        )
    return loaded
