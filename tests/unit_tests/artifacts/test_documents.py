"""Tests of reading user-named documents as text: PDF, Word, HTML and plain text.

The documents are made the way a user's software makes them: PDFs with fpdf2, a scan with
Pillow, an encrypted PDF with pypdf, Word files with python-docx, text with Python's codecs.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import struct
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PIL import Image, ImageDraw, ImageFont

from langchain_hugginggpt.artifacts import documents
from langchain_hugginggpt.artifacts.documents import (
    DocumentError,
    LoadedDocument,
    load_document,
    looks_like_document,
)
from langchain_hugginggpt.artifacts.inputs import InputError, InputPolicy
from tests.unit_tests.artifacts.conftest import write

fpdf = pytest.importorskip("fpdf", reason="fpdf2 makes the test PDFs")
pypdf = pytest.importorskip("pypdf")
docx = pytest.importorskip("docx", reason="python-docx makes the test Word files")

PAGE_TEXT = "Page {n} of the quarterly report: revenue grew in every region."
SCANNED_TEXT = "HELLO SCANNED WORLD"
CP1252_TEXTS = [
    "café, naïve – “quotes”",
    "Le café, naïve – “quotes” and déjà vu for the façade of the hôtel.\n",
]


# Documents, made by the software users make them with.


def two_page_pdf() -> bytes:
    pdf = fpdf.FPDF()
    pdf.set_font("helvetica", size=12)
    for number in (1, 2):
        pdf.add_page()
        pdf.multi_cell(0, 10, PAGE_TEXT.format(n=number))
    return bytes(pdf.output())


def scanned_pdf(path: Path, text: str = SCANNED_TEXT) -> Path:
    """A page of text as a scanner gives it: an image saved into a PDF by Pillow."""
    image = Image.new("L", (1000, 200), 255)
    try:
        font: Any = ImageFont.load_default(size=64)
    except TypeError:  # Pillow before 10.1 has one bitmap size
        font = ImageFont.load_default()
    ImageDraw.Draw(image).text((30, 60), text, fill=0, font=font)
    image.save(path)  # Pillow writes the image as the only content of a PDF page
    return path


def encrypted_pdf(
    user_password: str, owner_password: str | None = None, algorithm: str | None = None
) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(two_page_pdf()))
    writer.encrypt(user_password, owner_password, algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def word_document() -> bytes:
    document = docx.Document()
    document.add_heading("Trip report", level=1)
    document.add_paragraph("We visited Lyon and Geneva in March.")
    paragraph = document.add_paragraph("Budget:")
    paragraph.add_run().add_tab()
    paragraph.add_run("on track")
    paragraph.add_run().add_break()
    paragraph.add_run("second line")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("City", "Nights"), ("Lyon", "3")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("Closing paragraph.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def with_member(data: bytes, name: str, content: bytes | None) -> bytes:
    """A copy of a ZIP (a .docx) with one member replaced, or dropped when `content` is None."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
            elif content is not None:
                target.writestr(name, content)
    return out.getvalue()


HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <title>Page title in the head</title>
  <style>body { color: red; } .secret-style { display: none; }</style>
  <script>var trackingCode = "secret-script";</script>
</head>
<body>
  <h1>Caf&eacute; news</h1>
  <p>Fish &amp; chips
     are back.</p>
  <noscript>Enable JavaScript, secret-noscript</noscript>
  <table><tr><th>Dish</th><th>Price</th></tr><tr><td>Soup</td><td>4 &euro;</td></tr></table>
  <script type="module">import("secret-module")</script>
  <p>Last<br>line</p>
</body>
</html>
"""


# Fixtures and helpers.


def load(path: Path | str, policy: InputPolicy, dest: Path, **kwargs: Any) -> LoadedDocument:
    return load_document(str(path), policy=policy, dest_dir=dest, **kwargs)


def refused(path: Path | str, policy: InputPolicy, dest: Path, **kwargs: Any) -> str:
    with pytest.raises(InputError) as caught:
        load(path, policy, dest, **kwargs)
    return str(caught.value)


def refused_document(path: Path | str, policy: InputPolicy, dest: Path, **kwargs: Any) -> str:
    with pytest.raises(DocumentError) as caught:
        load(path, policy, dest, **kwargs)
    return str(caught.value)


# Which values name documents.


@pytest.mark.parametrize(
    "value",
    [
        "notes.txt",
        "./docs/report.PDF",
        "/abs/x.md",
        "README.markdown",
        "guide.rst",
        "letter.docx",
        "page.HTM",
        "~/papers/draft.text",
        "https://example.com/a.pdf?x=1",
        "http://example.com/page.html#top",
        "file:///home/me/my%20notes.txt",
        "  notes.txt  ",
        "./my notes.txt",
        "/home/me/My Documents/report.pdf",
        r"C:\Users\me\report.docx",
        "data:application/pdf;base64,JVBERi0=",
        "data:text/plain,hello",
    ],
)
def test_values_that_name_documents(value: str) -> None:
    assert looks_like_document(value)


@pytest.mark.parametrize(
    "value",
    [
        "summarise notes.txt",
        "my notes.txt",
        "notes.txt.",
        "notes",
        "table.csv",
        "photo.png",
        "https://example.com/",
        "https://example.com/a.pdf/view",
        "ftp://example.com/a.pdf",
        "notes:v2.txt",
        "two\nlines.txt",
        "data:image/png;base64,iVBORw0KGgo=",
        "",
        ".md",
    ],
)
def test_values_that_do_not_name_documents(value: str) -> None:
    assert not looks_like_document(value)


# Plain text and Markdown.


def test_utf8_markdown_is_read_in_place(root: Path, policy: InputPolicy, dest: Path) -> None:
    text = "# Notes\n\nMeet at the café at 10:00 — bring the 📎 clips.\n"
    path = write(root, "notes.md", text.encode())
    loaded = load(path, policy, dest)
    assert loaded == LoadedDocument(
        text=text.strip(),
        path=path.resolve(),
        mime_type="text/markdown",
        size=len(text.encode()),
        source=str(path),
        pages=None,
        ocr=False,
        truncated=False,
    )
    assert not dest.exists()  # a local document is read where it is


def test_utf16_with_byte_order_mark(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = root / "notes.txt"
    path.write_text("Windows Notepad wrote this: Zürich, Ελλάδα.\r\nSecond line.\r\n", "utf-16")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    loaded = load(path, policy, dest)
    assert loaded.text == "Windows Notepad wrote this: Zürich, Ελλάδα.\nSecond line."
    assert loaded.mime_type == "text/plain"


def test_utf8_with_byte_order_mark(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = root / "notes.txt"
    path.write_text("Excel and Notepad add a mark.", "utf-8-sig")
    assert load(path, policy, dest).text == "Excel and Notepad add a mark."


@pytest.mark.parametrize("text", CP1252_TEXTS, ids=["short", "sentence"])
@pytest.mark.parametrize("detector", ["charset_normalizer", "none"])
def test_cp1252_text_with_accents_and_quotes(
    root: Path,
    policy: InputPolicy,
    dest: Path,
    monkeypatch: pytest.MonkeyPatch,
    detector: str,
    text: str,
) -> None:
    if detector == "none":
        monkeypatch.setitem(sys.modules, "charset_normalizer", None)
    else:
        pytest.importorskip("charset_normalizer")
    path = root / "legacy.txt"
    path.write_text(text, "cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert load(path, policy, dest).text == text.strip()


def test_cyrillic_in_a_windows_code_page_is_detected(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    pytest.importorskip("charset_normalizer")
    text = (
        "Съешь же ещё этих мягких французских булок, да выпей чаю. "
        "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства."
    )
    path = write(root, "russian.txt", text.encode("cp1251"))
    assert load(path, policy, dest).text == text


def test_binary_content_is_not_text(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "notes.txt", gzip.compress(b"some compressed words " * 50))
    assert refused_document(path, policy, dest) == (
        f"{path} is not a text document (binary content); give a document"
    )


def test_binary_content_without_nul_bytes_is_not_text(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "notes.txt", bytes(range(1, 256)) * 40)
    assert refused_document(path, policy, dest) == (
        f"{path} is not a text document (binary content); give a document"
    )


def test_image_named_as_text_names_what_it_is(root: Path, policy: InputPolicy, dest: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, "PNG")
    path = write(root, "notes.txt", buffer.getvalue())
    assert refused_document(path, policy, dest) == (
        f"{path} is not a text document (its content is an image, image/png); give a document"
    )


def test_broken_utf16_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "notes.txt", "ok".encode("utf-16") + b"\x00\xd8")  # a lone surrogate
    message = refused_document(path, policy, dest)
    assert message.startswith(f"{path} starts with a UTF-16 byte-order mark but is not valid")
    assert message.endswith("save it again as UTF-8")


def test_whitespace_only_text_has_no_text(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "blank.md", b"\n  \n\t\n")
    assert refused_document(path, policy, dest) == (
        f"{path} has no text; give a document that has some"
    )


# PDF.


def test_two_page_pdf(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "report.pdf", two_page_pdf())
    loaded = load(path, policy, dest)
    assert loaded.text == f"{PAGE_TEXT.format(n=1)}\n\n{PAGE_TEXT.format(n=2)}"
    assert (loaded.mime_type, loaded.pages, loaded.ocr, loaded.truncated) == (
        "application/pdf",
        2,
        False,
        False,
    )
    assert loaded.path == path.resolve() and loaded.size == path.stat().st_size


def test_pdf_page_limit(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "report.pdf", two_page_pdf())
    loaded = load(path, policy, dest, max_pages=1)
    assert loaded.text == PAGE_TEXT.format(n=1)
    assert (loaded.pages, loaded.truncated) == (2, True)


@pytest.mark.parametrize("algorithm", [None, "AES-256"], ids=["rc4-default", "aes-256"])
def test_encrypted_pdf_is_refused(
    root: Path, policy: InputPolicy, dest: Path, algorithm: str | None
) -> None:
    if algorithm is not None:
        pytest.importorskip("cryptography", reason="pypdf needs it for AES")
    path = write(root, "locked.pdf", encrypted_pdf("secret", algorithm=algorithm))
    assert refused_document(path, policy, dest) == (
        f"{path} is encrypted (password-protected); decrypt it first"
    )


def test_pdf_encrypted_with_an_empty_password_opens(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    # Only the owner has a password (to restrict printing...): anyone may read it.
    path = write(root, "restricted.pdf", encrypted_pdf("", owner_password="owner"))
    assert load(path, policy, dest).text.startswith(PAGE_TEXT.format(n=1))


def test_scanned_pdf_without_ocr_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = scanned_pdf(root / "scan.pdf")
    assert refused_document(path, policy, dest) == (
        f"{path} has no text layer (a scan) and no OCR is available: install tesseract-ocr"
    )


def test_scanned_pdf_is_read_by_the_ocr_callable(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = scanned_pdf(root / "scan.pdf")
    seen: list[Path] = []

    def fake_ocr_callable(image: Path) -> str:
        """Test double for the `ocr` argument: records the image, returns known text."""
        seen.append(image)
        return f"  {SCANNED_TEXT}\n"

    loaded = load(path, policy, dest, ocr=fake_ocr_callable)
    assert (loaded.text, loaded.ocr, loaded.pages, loaded.mime_type) == (
        SCANNED_TEXT,
        True,
        1,
        "application/pdf",
    )
    assert len(seen) == 1 and seen[0].parent == dest
    with Image.open(seen[0]) as image:  # the page image itself, saved for the OCR
        assert image.size == (1000, 200)


def test_scanned_pdf_where_ocr_finds_nothing_is_refused(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = scanned_pdf(root / "scan.pdf")
    message = refused_document(path, policy, dest, ocr=lambda image: "")
    assert message == (
        f"{path} has no text layer (a scan) and OCR found no text; give a clearer scan or a "
        "PDF with text"
    )


def test_scan_image_over_the_pixel_limit_is_refused(root: Path, dest: Path) -> None:
    path = scanned_pdf(root / "scan.pdf")
    small = InputPolicy(roots=(root,), max_image_pixels=1000)
    message = refused_document(path, small, dest, ocr=lambda image: "text")
    assert message.startswith(f"{path} has an image of 1000x200 pixels on page 1, over the limit")


def test_pdf_that_is_text_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "x.pdf", b"Just some words that someone saved with the wrong name.\n")
    assert refused_document(path, policy, dest) == (
        f"{path} is not a PDF (its content is text); give the file its right name, or the right "
        "file"
    )


def test_pdf_url_that_answers_with_a_web_page_is_refused(
    server: _Server, root: Path, dest: Path
) -> None:
    trusted = InputPolicy(roots=(root,), allow_private_urls=True)
    url = f"{base(server)}/login.pdf"
    assert refused_document(url, trusted, dest).startswith(
        f"{url} is not a PDF (its content is HTML); "
    )


def test_pdf_that_is_a_word_document_is_refused(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "x.pdf", word_document())
    assert refused_document(path, policy, dest).startswith(
        f"{path} is not a PDF (its content is a Word document); "
    )


def test_text_file_that_is_a_pdf_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "notes.txt", two_page_pdf())
    assert refused_document(path, policy, dest).startswith(
        f"{path} is not a text document (its content is a PDF); "
    )


def test_text_that_mentions_the_pdf_header_is_text(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "pdf-notes.md", b"# PDF\n\nEvery PDF starts with %PDF-1.7 or so.\n")
    assert load(path, policy, dest).text.endswith("starts with %PDF-1.7 or so.")


def test_damaged_pdf_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "cut.pdf", two_page_pdf()[:300])
    message = refused_document(path, policy, dest)
    assert message.startswith(f"{path} is not a valid PDF: ")
    assert message.endswith("; give a sound copy")


def test_pdf_without_pypdf_says_what_to_install(
    root: Path, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)
    path = write(root, "report.pdf", two_page_pdf())
    assert refused_document(path, policy, dest) == (
        f"{path} is a PDF, and reading PDFs needs pypdf: pip install pypdf"
    )


# Word.


def test_word_document(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "trip.docx", word_document())
    loaded = load(path, policy, dest)
    assert loaded.text == (
        "Trip report\n"
        "We visited Lyon and Geneva in March.\n"
        "Budget:\ton track\n"
        "second line\n"
        "City | Nights\n"
        "Lyon | 3\n"
        "\n"
        "Closing paragraph."
    )
    assert loaded.mime_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert (loaded.pages, loaded.ocr, loaded.truncated) == (None, False, False)


def test_word_zip_bomb_is_refused_before_unpacking(
    root: Path, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 MiB of markup that deflates to about 40 KiB: over the limit once unpacked.
    xml = b'<?xml version="1.0"?><w:document>' + b" " * (40 << 20) + b"</w:document>"
    path = write(root, "bomb.docx", with_member(word_document(), "word/document.xml", xml))
    assert path.stat().st_size < 1 << 20
    read_sizes: list[int] = []
    real_open = zipfile.ZipFile.open

    def watched_open(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        member = real_open(self, name, *args, **kwargs)
        real_read = member.read

        def read(n: int = -1) -> bytes:
            read_sizes.append(n)
            return real_read(n)

        member.read = read  # type: ignore[method-assign]
        return member

    monkeypatch.setattr(zipfile.ZipFile, "open", watched_open)
    message = refused_document(path, policy, dest)
    assert message == (
        f"{path} unpacks to 40.0 MiB of document text, over the 32.0 MiB limit (a ZIP bomb, or a "
        "huge document); give a smaller document"
    )
    assert read_sizes == []  # refused from the declared size, nothing unpacked


def understate_size(data: bytes, name: str, size: int) -> bytes:
    """A ZIP whose headers declare `size` bytes for `name`, whatever it unpacks to."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        central = archive.start_dir
    packed = size.to_bytes(4, "little")
    patched[info.header_offset + 22 : info.header_offset + 26] = packed  # local header
    offset = central
    while patched[offset : offset + 4] == b"PK\x01\x02":  # central directory entries
        name_length, extra_length, comment_length = struct.unpack(
            "<HHH", patched[offset + 28 : offset + 34]
        )
        if patched[offset + 46 : offset + 46 + name_length] == name.encode():
            patched[offset + 24 : offset + 28] = packed
        offset += 46 + name_length + extra_length + comment_length
    return bytes(patched)


def test_word_member_that_understates_its_size_is_refused(
    root: Path, policy: InputPolicy, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "_MAX_DOCX_XML", 1000)
    xml = b"<w:document>" + b" " * 5000 + b"</w:document>"
    bomb = with_member(word_document(), "word/document.xml", xml)
    path = write(root, "liar.docx", understate_size(bomb, "word/document.xml", 900))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size == 900
    message = refused_document(path, policy, dest)
    # zipfile stops at the declared size, then finds the checksum wrong: never more is read.
    assert message == (
        f"{path} is not a valid Word document (.docx): Bad CRC-32 for file 'word/document.xml'; "
        "give a sound copy"
    )


def test_word_markup_with_a_dtd_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><w:document>&lol2;</w:document>'
    )
    path = write(root, "laughs.docx", with_member(word_document(), "word/document.xml", laughs))
    assert refused_document(path, policy, dest).startswith(f"{path} declares a DTD")


def test_zip_that_is_not_a_word_document_is_refused(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "x.docx", with_member(word_document(), "word/document.xml", None))
    assert refused_document(path, policy, dest) == (
        f"{path} is not a Word document (.docx) (its content is a ZIP archive); give a PDF, a "
        "Word (.docx), HTML or text document"
    )


def test_word_document_named_as_text_is_refused(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "notes.md", word_document())
    assert refused_document(path, policy, dest).startswith(
        f"{path} is not a text document (its content is a Word document); "
    )


# HTML.


def test_html_page_keeps_the_visible_text(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "news.html", HTML_PAGE.encode())
    loaded = load(path, policy, dest)
    assert (
        loaded.text
        == "Café news\n\nFish & chips are back.\n\nDish | Price\nSoup | 4 €\n\nLast\nline"
    )
    assert "secret" not in loaded.text and "color" not in loaded.text
    assert "Page title" not in loaded.text
    assert loaded.mime_type == "text/html"


def test_html_is_recognised_without_a_suffix(policy: InputPolicy, dest: Path) -> None:
    url = "data:application/octet-stream," + "".join(
        f"%{byte:02X}" for byte in HTML_PAGE.encode("utf-8")
    )
    loaded = load_document(url, policy=policy, dest_dir=dest)
    assert loaded.mime_type == "text/html" and "secret" not in loaded.text
    assert loaded.path.parent == dest and loaded.path.suffix == ".html"


def test_html_in_a_declared_legacy_charset(root: Path, policy: InputPolicy, dest: Path) -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Façade été</p></body></html>'
    path = write(root, "old.htm", page.encode("latin-1"))
    assert load(path, policy, dest).text == "Façade été"


def test_html_without_closing_head(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "short.html", b"<html><head><title>T</title><p>Body text")
    assert load(path, policy, dest).text == "Body text"


# Where documents come from: the rules of media inputs.


def test_document_outside_the_roots_is_refused(
    tmp_path: Path, root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(tmp_path, "secret.txt", b"not for the model")
    assert refused(path, policy, dest) == (
        f"{path} is outside the allowed folders ({root.resolve()}); move it into one of them or "
        "add its folder to HUGGINGGPT_INPUT_ROOTS"
    )


def test_missing_document_outside_the_roots_is_reported_as_outside(
    tmp_path: Path, policy: InputPolicy, dest: Path
) -> None:
    message = refused(tmp_path / "nowhere.pdf", policy, dest)
    assert "outside the allowed folders" in message and "does not exist" not in message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_out_of_the_roots_is_refused(
    tmp_path: Path, root: Path, policy: InputPolicy, dest: Path
) -> None:
    target = write(tmp_path, "secret.md", b"# not for the model")
    (root / "link.md").symlink_to(target)
    message = refused(root / "link.md", policy, dest)
    assert f"resolves to {target.resolve()}, which is outside" in message


def test_missing_document_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = root / "missing.pdf"
    assert refused(path, policy, dest) == f"{path} does not exist"


def test_empty_document_is_refused(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "empty.txt", b"")
    message = refused(path, policy, dest)
    assert message == f"{path} is empty"


def test_too_large_document_is_refused(root: Path, dest: Path) -> None:
    path = write(root, "report.pdf", two_page_pdf())
    small = InputPolicy(roots=(root,), max_bytes=1024)
    assert refused(path, small, dest).startswith(f"{path} is ")
    assert refused(path, small, dest).endswith(", over the 1.0 KiB limit")


def test_file_url(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "my notes.txt", b"hello from a file URL")
    url = path.resolve().as_uri()
    loaded = load_document(url, policy=policy, dest_dir=dest)
    assert (loaded.text, loaded.path, loaded.source) == ("hello from a file URL", path, url)


def test_data_url_is_saved_in_the_run_folder(policy: InputPolicy, dest: Path) -> None:
    loaded = load_document("data:text/plain,Hello%20there%0A", policy=policy, dest_dir=dest)
    assert (loaded.text, loaded.mime_type) == ("Hello there", "text/plain")
    assert loaded.path.parent == dest and loaded.path.read_bytes() == b"Hello there\n"


# Truncation.


def test_long_text_is_cut_at_a_word_boundary(root: Path, policy: InputPolicy, dest: Path) -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda"
    path = write(root, "greek.txt", text.encode())
    loaded = load(path, policy, dest, max_chars=25)
    assert (loaded.text, loaded.truncated) == ("alpha beta gamma delta", True)
    assert load(path, policy, dest, max_chars=len(text)).truncated is False


def test_one_long_word_is_cut_at_the_limit(root: Path, policy: InputPolicy, dest: Path) -> None:
    path = write(root, "blob.txt", b"x " + b"y" * 100)
    loaded = load(path, policy, dest, max_chars=30)
    assert (loaded.text, loaded.truncated) == ("x " + "y" * 28, True)


def test_long_pdf_stops_reading_pages_once_the_text_is_full(
    root: Path, policy: InputPolicy, dest: Path
) -> None:
    path = write(root, "report.pdf", two_page_pdf())
    loaded = load(path, policy, dest, max_chars=40)
    assert loaded.truncated and len(loaded.text) <= 40
    assert PAGE_TEXT.format(n=1).startswith(loaded.text)


@pytest.mark.parametrize("limits", [{"max_chars": 0}, {"max_pages": 0}])
def test_limits_below_one_are_a_programming_error(
    root: Path, policy: InputPolicy, dest: Path, limits: dict[str, int]
) -> None:
    path = write(root, "notes.txt", b"words")
    with pytest.raises(ValueError, match="must be 1 or more") as caught:
        load(path, policy, dest, **limits)
    assert not isinstance(caught.value, InputError)


# URLs, against a server on loopback.


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        body = self.files.get(self.path.partition("?")[0])
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def server() -> Iterator[_Server]:
    _Handler.files = {
        "/report.pdf": two_page_pdf(),
        "/article": HTML_PAGE.encode(),
        "/login.pdf": b"<!doctype html><html><body><form>Sign in</form></body></html>",
    }
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def base(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_private_url_is_refused(server: _Server, policy: InputPolicy, dest: Path) -> None:
    url = f"{base(server)}/report.pdf"
    assert refused(url, policy, dest) == (
        f"{url}: 127.0.0.1 is a local or private address; only public addresses are fetched "
        "(allow_private_urls lifts this for trusted local setups)"
    )
    assert server.requests == []


def test_url_is_downloaded_into_the_run_folder(server: _Server, root: Path, dest: Path) -> None:
    trusted = InputPolicy(roots=(root,), allow_private_urls=True)
    url = f"{base(server)}/report.pdf?download=1"
    loaded = load_document(url, policy=trusted, dest_dir=dest)
    assert (loaded.pages, loaded.source, loaded.path.parent) == (2, url, dest)
    assert loaded.path.suffix == ".pdf" and loaded.path.read_bytes() == two_page_pdf()
    html = load_document(f"{base(server)}/article", policy=trusted, dest_dir=dest)
    assert html.mime_type == "text/html" and html.text.startswith("Café news")


# Real OCR, when another engine and Tesseract are there.


def test_scanned_pdf_with_tesseract(root: Path, policy: InputPolicy, dest: Path) -> None:
    if not Path("/usr/bin/tesseract").exists():
        pytest.skip("needs /usr/bin/tesseract")
    tesseract_ocr = pytest.importorskip("langchain_hugginggpt.engines.offline.tesseract_ocr")
    path = scanned_pdf(root / "scan.pdf")
    loaded = load(path, policy, dest, ocr=lambda image: tesseract_ocr.ocr_image(image).text)
    assert (loaded.text, loaded.ocr) == (SCANNED_TEXT, True)
