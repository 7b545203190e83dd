"""Read the documents a user names in a request as text, under the same safety rules as media.

A text argument of a task may name a document: a local path, a `file://`, `http(s)://` or
`data:` URL. Its bytes are fetched by `inputs.read_input`, with the rules of media inputs:
local files must resolve (symlinks and `..` included) inside the allowed folders, checked
before their existence, and are opened without following a final symlink; URLs must reach
public addresses only, vetted again at every redirect; every input is size-capped.

What a document is comes from its bytes, not its name, and a name that says otherwise is
refused (a `.pdf` that holds text is not read as text):

- PDF (`%PDF-`), read with pypdf: an encrypted one only if it opens with the empty password;
  at most `max_pages` pages. Pages without a text layer (scans) have their images saved in the
  run folder and read by the `ocr` callable, when there is one.
- Word (a ZIP holding `word/document.xml`), read with the standard library: paragraphs, tabs,
  line breaks and table cells, in order. The markup is size-capped before and while it is
  unpacked (no zip bombs), and a DTD is refused (no entity expansion).
- HTML (by its suffix, or a `<!doctype html` / `<html` start), read with `html.parser`:
  script, style, head, noscript and template content dropped, blocks kept as lines.
- Plain text and Markdown: decoded by byte-order mark, then strict UTF-8, then
  `charset_normalizer` when installed, then cp1252 or Latin-1; binary content is refused.

The text is cut at `max_chars`, at a word boundary, and then says so (`truncated`). Every
refusal is a `DocumentError` (an `InputError`) naming the input and saying what to do.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from langchain_hugginggpt.artifacts.inputs import InputError, InputPolicy, read_input
from langchain_hugginggpt.artifacts.sniff import sniff
from langchain_hugginggpt.artifacts.store import save_bytes

__all__ = [
    "DOCUMENT_SUFFIXES",
    "MAX_PAGES",
    "DocumentError",
    "LoadedDocument",
    "load_document",
    "looks_like_document",
]

DOCUMENT_SUFFIXES: tuple[str, ...] = (
    ".txt",
    ".text",
    ".md",
    ".markdown",
    ".rst",
    ".pdf",
    ".docx",
    ".html",
    ".htm",
)
MAX_PAGES = 200
"""Most PDF pages read by default; the text of a longer PDF is marked `truncated`."""

_Kind = Literal["pdf", "docx", "html", "text"]
_PDF_MIME = "application/pdf"
_DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_HTML_MIME = "text/html"
_TEXT_MIMES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".rst": "text/x-rst",
}
_SUFFIX_KIND: dict[str, _Kind] = {
    **dict.fromkeys(_TEXT_MIMES, "text"),
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
_KIND_NAME: dict[_Kind, str] = {
    "pdf": "a PDF",
    "docx": "a Word document (.docx)",
    "html": "an HTML page",
    "text": "a text document",
}
_CONTENT_NAME: dict[_Kind, str] = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "html": "HTML",
    "text": "text",
}
_KIND_SUFFIX: dict[_Kind, str] = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt"}
_DATA_MIMES = frozenset(
    {*_TEXT_MIMES.values(), "text/x-markdown", _PDF_MIME, _DOCX_MIME, _HTML_MIME}
)
_MEDIA_NAME = {"image": "an image", "audio": "audio", "video": "a video", "table": "a table"}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")  # as in inputs: `C:\x` is a path
# Prose mentions files too ("summarise notes.txt"): a value with spaces counts as a path only
# when it starts like one.
_PATH_START = re.compile(r"(?:~|/|\\\\|\.{1,2}[/\\]|[A-Za-z]:[/\\])")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark starts it
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than whitespace, C1 controls (what Latin-1 makes of binary bytes)
# and replacement characters: more than a few in a text means it is not one.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_BINARY_SAMPLE = 100_000
_BINARY_SHARE = 0.05
_WESTERN_MARGIN = 0.1  # how much more mess than the best guess cp1252 may show and still win
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
# A real document.xml is rarely over a few MiB; parsing costs several times its size in memory.
_MAX_DOCX_XML = 32 * 1024 * 1024
_MAX_IMAGES_PER_PAGE = 64
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocumentError(InputError):
    """A user-named document was refused: the message says which one, why, and what to do."""


@dataclass(frozen=True)
class LoadedDocument:
    """The text of a document that passed every check.

    Attributes:
        text: The text, at most `max_chars` characters.
        path: The user's own file (resolved), or the copy of downloaded and data-URL content
            saved in the run folder.
        mime_type: MIME type found from the content (and, for text, the suffix: Markdown).
        size: Size of the document in bytes.
        source: The value as the user gave it.
        pages: Number of pages of a PDF, None for other documents.
        ocr: Whether some of the text was read from page images by OCR.
        truncated: Whether the text was cut: longer than `max_chars`, or a PDF over the page
            limit.
    """

    text: str
    path: Path
    mime_type: str
    size: int
    source: str
    pages: int | None
    ocr: bool
    truncated: bool


def looks_like_document(value: str) -> bool:
    r"""Tell whether a whole text value names a document rather than being text itself.

    True for a path or a `file://` or `http(s)://` URL whose name ends in one of
    `DOCUMENT_SUFFIXES` (any case; a URL's query and fragment do not count), and for a
    `data:` URL of a document type. A value with spaces is a path only if it starts like one
    (`/`, `~`, `./`, `../`, `C:\\`): "summarise notes.txt" is prose, "./my notes.txt" a path.
    """
    text = value.strip()
    if not text or any(char in text for char in "\r\n\t\x00"):
        return False
    if text[:5].lower() == "data:":
        declared = text[5:].partition(",")[0].partition(";")[0].strip().lower()
        return declared in _DATA_MIMES
    match = _SCHEME.match(text)
    if match:
        if match.group(1).lower() not in ("http", "https", "file") or " " in text:
            return False
        try:
            path = unquote(urlsplit(text).path)
        except ValueError:
            return False
        return _suffix(path) in DOCUMENT_SUFFIXES
    if " " in text and not _PATH_START.match(text):
        return False
    return _suffix(text) in DOCUMENT_SUFFIXES


def load_document(
    value: str,
    *,
    policy: InputPolicy,
    dest_dir: Path,
    max_chars: int = 200_000,
    ocr: Callable[[Path], str] | None = None,
    max_pages: int = MAX_PAGES,
) -> LoadedDocument:
    """Check a document named by the user and return its text.

    Args:
        value: A local path, a `file://`, `http(s)://` or `data:` URL, as the user wrote it.
        policy: Folders, limits and URL rules to enforce, as for media inputs.
        dest_dir: Folder of the run where downloaded and data-URL documents, and the page
            images of scanned PDFs, are saved.
        max_chars: Longest text returned; longer text is cut at a word boundary.
        ocr: Reads the text of an image file, for PDF pages without a text layer (scans).
            Its exceptions are not caught.
        max_pages: Most PDF pages read.

    Returns:
        The document's text and what it is.

    Raises:
        DocumentError: The document is refused; the message names it and says why.
        InputError: The input is refused before its content is looked at (outside the
            allowed folders, missing, empty, too large, a private URL...).
        ValueError: `max_chars` or `max_pages` is below 1, a mistake of the caller.
        OSError: `dest_dir` cannot be written.
    """
    if max_chars < 1 or max_pages < 1:
        raise ValueError(f"max_chars and max_pages must be 1 or more, not {max_chars}, {max_pages}")
    data, local, label = read_input(value, policy=policy)
    declared = _declared_kind(value)
    found = _content_kind(data, label, declared)
    if declared is not None and found != declared and {found, declared} != {"text", "html"}:
        # A `.pdf` URL that answers with a web page (a login, an error) is the common case.
        html = found == "text" and _HTML_START.match(data[:4096].decode("utf-8", "replace"))
        raise DocumentError(
            f"{label} is not {_KIND_NAME[declared]} (its content is "
            f"{'HTML' if html else _CONTENT_NAME[found]}); give the file its right name, or the "
            "right file"
        )
    pages: int | None = None
    used_ocr = cut_pages = False
    if found == "pdf":
        text, pages, used_ocr, cut_pages = _read_pdf(
            data, label, dest_dir=dest_dir, ocr=ocr, policy=policy, limits=(max_pages, max_chars)
        )
        mime_type = _PDF_MIME
    elif found == "docx":
        text, mime_type = _read_docx(data, label), _DOCX_MIME
    else:
        decoded = _decode(data, label)
        kind = declared or ("html" if _HTML_START.match(decoded[:4096]) else "text")
        if kind == "html":
            text, mime_type = _html_text(decoded), _HTML_MIME
        else:
            text = _tidy(decoded)
            mime_type = _TEXT_MIMES.get(_declared_suffix(value), "text/plain")
        found = kind
    if not text.strip():
        raise DocumentError(f"{label} has no text; give a document that has some")
    text, cut_chars = _truncate(text, max_chars)
    path = local or save_bytes(dest_dir, data, suffix=_KIND_SUFFIX[found])
    return LoadedDocument(
        text, path, mime_type, len(data), value, pages, used_ocr, cut_pages or cut_chars
    )


# Names and content.


def _suffix(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _declared_suffix(value: str) -> str:
    """The suffix of the file a value names, or "" for data URLs and names without one."""
    if value[:5].lower() == "data:":
        return ""
    if _SCHEME.match(value):
        with contextlib.suppress(ValueError):
            return _suffix(unquote(urlsplit(value).path))
        return ""
    return _suffix(value)


def _declared_kind(value: str) -> _Kind | None:
    return _SUFFIX_KIND.get(_declared_suffix(value))


def _content_kind(data: bytes, label: str, declared: _Kind | None) -> _Kind:
    """What the bytes are: PDF, Word or text (HTML is told from text later)."""
    # Readers accept a little junk before the header, but so mention texts about PDFs.
    start = data[:1024]
    if start.lstrip().startswith(b"%PDF-") or (declared == "pdf" and b"%PDF-" in start):
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data, label, declared)
    if data.startswith(tuple(bom for bom, _ in _BOMS)) or b"\x00" not in data[:8192]:
        return "text"
    media = sniff(data[:64])
    what = (
        f"its content is {_MEDIA_NAME[media.modality]}, {media.mime_type}"
        if media
        else "binary content"
    )
    expected = _KIND_NAME[declared] if declared else "a document"
    raise DocumentError(f"{label} is not {expected} ({what}); give a document")


def _zip_kind(data: bytes, label: str, declared: _Kind | None) -> _Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(f"{label} is a damaged ZIP archive: {exc}; give a sound copy") from exc
    if "word/document.xml" in names:
        return "docx"
    expected = _KIND_NAME[declared] if declared else "a document"
    kind = "an OpenDocument file" if "content.xml" in names else "a ZIP archive"
    raise DocumentError(
        f"{label} is not {expected} (its content is {kind}); "
        "give a PDF, a Word (.docx), HTML or text document"
    )


def _decode(data: bytes, label: str) -> str:
    """Decode text by its byte-order mark, else as UTF-8, else by guessing; refuse binary."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"{label} starts with a {codec.upper()} byte-order mark but is not valid "
                    f"{codec.upper()}: {exc.reason}; save it again as UTF-8"
                ) from exc
            return _refuse_binary(text.removeprefix("\ufeff"), label)
    if b"\x00" in data:
        raise DocumentError(f"{label} is not a text document (binary content); give a document")
    try:
        return _refuse_binary(data.decode("utf-8"), label)
    except UnicodeDecodeError:
        pass
    guessed = _declared_charset(data) or _guess_charset(data)
    if guessed is None:
        try:
            guessed = data.decode("cp1252")
        except UnicodeDecodeError:
            guessed = data.decode("latin-1")  # decodes anything
    return _refuse_binary(guessed, label)


def _declared_charset(data: bytes) -> str | None:
    """Decode with the charset an HTML page declares in a `<meta>`, if it names a known one."""
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    try:
        return data.decode(match.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None


def _guess_charset(data: bytes) -> str | None:
    """Decode with the encoding `charset_normalizer` finds likeliest, Western first on a tie.

    On short texts it often takes Western accents for Baltic or Central European ones (`ï` for
    `ļ`): cp1252, by far the commonest legacy encoding, wins when it reads about as well.
    """
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # optional: without it, cp1252 then Latin-1
        return None
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if "cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + _WESTERN_MARGIN:
            return data.decode("cp1252")
    return str(best)


def _refuse_binary(text: str, label: str) -> str:
    sample = text[:_BINARY_SAMPLE]
    if len(_NOT_PRINTABLE.findall(sample)) > _BINARY_SHARE * len(sample):
        raise DocumentError(f"{label} is not a text document (binary content); give a document")
    return text


def _tidy(text: str) -> str:
    """One newline convention, no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _truncate(text: str, max_chars: int) -> tuple[str, bool]:
    if len(text) <= max_chars:
        return text, False
    if text[max_chars].isspace():
        return text[:max_chars].rstrip(), True
    head = text[:max_chars]
    boundary = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    # A "word" longer than half the limit (a base64 blob, say) is cut where the limit falls.
    return (head[:boundary].rstrip() if boundary > max_chars // 2 else head), True


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


# PDF.


@contextlib.contextmanager
def _pdf_errors(label: str) -> Iterator[None]:
    """Refuse what pypdf cannot read as the document's fault, naming it."""
    from pypdf.errors import DependencyError

    try:
        yield
    except DocumentError:
        raise
    except DependencyError as exc:  # AES without the cryptography package
        raise DocumentError(
            f"{label} is encrypted with AES, and reading it needs the cryptography package: "
            "pip install cryptography"
        ) from exc
    # pypdf raises many types on malformed files (PdfReadError, ValueError, KeyError,
    # AttributeError, RecursionError...); any of them means the PDF cannot be read.
    except Exception as exc:
        raise DocumentError(
            f"{label} is not a valid PDF: {exc or type(exc).__name__}; give a sound copy"
        ) from exc


def _read_pdf(
    data: bytes,
    label: str,
    *,
    dest_dir: Path,
    ocr: Callable[[Path], str] | None,
    policy: InputPolicy,
    limits: tuple[int, int],
) -> tuple[str, int, bool, bool]:
    """Text, page count, whether OCR gave some text, whether pages were left unread."""
    try:
        import pypdf
    except ImportError as exc:
        raise DocumentError(
            f"{label} is a PDF, and reading PDFs needs pypdf: pip install pypdf"
        ) from exc
    max_pages, max_chars = limits
    with _pdf_errors(label):
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{label} is encrypted (password-protected); decrypt it first")
        total = len(reader.pages)
    texts: list[str] = []
    chars = scans = 0
    used_ocr = False
    read = 0
    for index in range(min(total, max_pages)):
        read = index + 1
        with _pdf_errors(label):
            page = reader.pages[index]
            text = (page.extract_text() or "").strip()
            scanned = not text and len(page.images) > 0
        if scanned:
            scans += 1
            if ocr is not None:
                images = _page_images(page, label, index + 1, dest_dir, policy)
                text = "\n".join(found for path in images if (found := ocr(path).strip()))
                used_ocr = used_ocr or bool(text)
        if text:
            texts.append(text)
            chars += len(text)
            if chars > max_chars:  # enough to fill the text: the rest would be cut anyway
                break
    if not texts and scans:
        if ocr is None:
            raise DocumentError(
                f"{label} has no text layer (a scan) and no OCR is available: install tesseract-ocr"
            )
        raise DocumentError(
            f"{label} has no text layer (a scan) and OCR found no text; give a clearer scan "
            "or a PDF with text"
        )
    return _tidy("\n\n".join(texts)), total, used_ocr, read < total


def _page_images(
    page: Any, label: str, number: int, dest_dir: Path, policy: InputPolicy
) -> list[Path]:
    """Save the images of a page (a scan) in the run folder, for OCR."""
    paths: list[Path] = []
    with _pdf_errors(label):
        count = min(len(page.images), _MAX_IMAGES_PER_PAGE)
    for index in range(count):
        with _pdf_errors(label):
            image = page.images[index]
            width, height = image.image.size if image.image is not None else (0, 0)
            if width * height > policy.max_image_pixels:
                raise DocumentError(
                    f"{label} has an image of {width}x{height} pixels on page {number}, over "
                    f"the limit of {policy.max_image_pixels:,} pixels; give a smaller scan"
                )
            suffix = _suffix(image.name)
            data = image.data
            if suffix not in (".png", ".jpg", ".jpeg") and image.image is not None:
                buffer = io.BytesIO()  # JPEG 2000, TIFF...: not every OCR reads them
                image.image.save(buffer, "PNG")
                data, suffix = buffer.getvalue(), ".png"
        paths.append(save_bytes(dest_dir, data, suffix=suffix or ".png"))
    return paths


# Word (.docx).


def _read_docx(data: bytes, label: str) -> str:
    limit = _MAX_DOCX_XML
    too_big = (
        f"over the {_size(limit)} limit (a ZIP bomb, or a huge document); give a smaller document"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > limit:
                raise DocumentError(
                    f"{label} unpacks to {_size(info.file_size)} of document text, {too_big}"
                )
            with archive.open(info) as member:
                xml = member.read(limit + 1)  # the declared size may lie
    # BadZipFile (a bad CRC too), RuntimeError (encrypted), NotImplementedError (an unsupported
    # compression), EOFError and zlib.error (damaged data).
    except (
        zipfile.BadZipFile,
        RuntimeError,
        NotImplementedError,
        EOFError,
        OSError,
        zlib.error,
    ) as exc:
        raise DocumentError(
            f"{label} is not a valid Word document (.docx): {exc}; give a sound copy"
        ) from exc
    if len(xml) > limit:
        raise DocumentError(f"{label} unpacks to more document text than it declares, {too_big}")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # Word never writes one; expansion attacks do
        raise DocumentError(
            f"{label} declares a DTD, which Word documents never do; give a document saved by "
            "a word processor"
        )
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise DocumentError(
            f"{label} is not a valid Word document (.docx): {exc}; give a sound copy"
        ) from exc
    lines: list[str] = []
    body = root.find(f"{_W}body")
    if body is not None:
        _docx_blocks(body, lines)
    return _tidy("\n".join(lines))


def _docx_blocks(parent: ET.Element, lines: list[str]) -> None:
    """Paragraphs and tables of `parent`, in order, a line each (a table row is a line)."""
    for child in parent:
        if child.tag == f"{_W}p":
            lines.append(_docx_paragraph(child))
        elif child.tag == f"{_W}tbl":
            for row in child.iter(f"{_W}tr"):
                cells = []
                for cell in row.findall(f"{_W}tc"):
                    inner: list[str] = []
                    _docx_blocks(cell, inner)
                    cells.append(" ".join(line.strip() for line in inner if line.strip()))
                lines.append(" | ".join(cells))
            lines.append("")
        else:  # content controls, custom XML, inserted text...: containers of blocks
            _docx_blocks(child, lines)


def _docx_paragraph(paragraph: ET.Element) -> str:
    pieces: list[str] = []
    for run in paragraph.iter(f"{_W}r"):  # in hyperlinks, insertions and fields too
        for item in run:
            tag = item.tag
            if tag == f"{_W}t":
                pieces.append(item.text or "")
            elif tag == f"{_W}tab":
                pieces.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                pieces.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                pieces.append("-")
    return "".join(pieces)


# HTML.

_SKIPPED = frozenset({"script", "style", "noscript", "template"})
_HEAD_TAGS = frozenset({"title", "meta", "link", "base", "style", "script", "noscript", "template"})
_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div"),
        *("dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3"),
        *("h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section"),
        *("summary", "table", "ul"),
    }
)
_LINES = frozenset({"br", "dd", "dt", "li", "tr"})  # start a line; blocks are lines apart


class _HTMLText(HTMLParser):
    """The visible text of a page, a line per block; entities are unescaped by the parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.in_head = False
        self.in_pre = 0
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self.in_head = True
        elif tag == "body" or tag not in _HEAD_TAGS:  # `</head>` may be left out
            self.in_head = False
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in ("td", "th"):
            self.parts.append(" | " if self.cells else "")
            self.cells += 1
        elif tag in _BLOCKS or tag in _LINES:
            self.parts.append("\n")
            self.cells = 0
            self.in_pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS or tag in _LINES:  # `<br/>`; a self-closed `<script/>` skips nothing
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        elif tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
            self.in_pre = max(0, self.in_pre - (tag == "pre"))

    def handle_data(self, data: str) -> None:
        if self.skipping or self.in_head:
            return
        self.parts.append(data if self.in_pre else re.sub(r"\s+", " ", data))


def _html_text(page: str) -> str:
    parser = _HTMLText()
    parser.feed(page)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
