"""A document's bytes → its text in sections (heading, text, page). PDF with pypdf (pages without a text
layer are rendered with pypdfium2 and read by OCR), Word with python-docx (headings from paragraph
styles, tables as "Header: value; ..." rows), plain text and Markdown, and images by OCR.

`inspect` is the cheap check the upload route makes before anything is stored (type, size, and that the
file opens); `extract` reads everything (in the job). Both raise a `DocumentError` whose message is
written for a shop owner."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath
from typing import Literal

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict

from sapa.knowledge import limits
from sapa.knowledge.limits import DocumentKind
from sapa.knowledge.ocr import OcrUnavailableError, recognise

Method = Literal["text", "pdf", "docx", "ocr", "pdf+ocr"]
MIN_PAGE_TEXT = 20
"""A PDF page with fewer characters of text than this is treated as scanned and read by OCR."""
RENDER_SCALE = 300 / 72
"""PDF points → pixels at 300 dpi, the resolution Tesseract is tuned for."""


class DocumentError(Exception):
    """The document cannot be used; str() says why in plain words."""


class UnsupportedDocument(DocumentError):
    """A type that is not accepted."""


class UnreadableDocument(DocumentError):
    """Accepted type, but corrupt, empty, encrypted or without any text."""


class TooLargeDocument(DocumentError):
    """Over the size (or page) limit."""


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    heading: str | None
    text: str
    page: int | None = None


class Extraction(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    pages: int
    method: Method
    sections: list[Section]


def kind_of(content_type: str, filename: str) -> DocumentKind:
    """How a file is read, from its content type (or, when that is generic, its name)."""
    media_type = content_type.split(";")[0].strip().lower()
    kind = limits.ACCEPTED_TYPES.get(media_type)
    if kind is None and media_type in limits.GENERIC_TYPES:
        kind = limits.ACCEPTED_EXTENSIONS.get(PurePath(filename).suffix.lower())
    if kind is None:
        raise UnsupportedDocument(
            f"“{filename}” is not a file type Sapa can read. Upload a {limits.ACCEPTED_DESCRIPTION}."
        )
    return kind


def _checked_kind(data: bytes, content_type: str, filename: str) -> DocumentKind:
    """Type and size, before the file is opened."""
    kind = kind_of(content_type, filename)
    if len(data) > limits.MAX_UPLOAD_BYTES:
        mib = limits.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise TooLargeDocument(f"“{filename}” is larger than {mib} MB. Upload a smaller file.")
    if not data.strip():
        raise UnreadableDocument(f"“{filename}” is empty.")
    return kind


def inspect(data: bytes, content_type: str, filename: str) -> DocumentKind:
    """Checks type, size and that the file opens, without reading it all. Raises DocumentError."""
    kind = _checked_kind(data, content_type, filename)
    match kind:
        case "pdf":
            _open_pdf(data, filename)
        case "docx":
            _open_docx(data, filename)
        case "image":
            _open_image(data, filename).close()
        case "text":
            _decode_text(data, filename)
    return kind


def extract(data: bytes, content_type: str, filename: str) -> Extraction:
    # Each reader opens the file (with inspect's checks and messages); opening it first would parse it twice.
    kind = _checked_kind(data, content_type, filename)
    match kind:
        case "pdf":
            extraction = _extract_pdf(data, filename)
        case "docx":
            extraction = _extract_docx(data, filename)
        case "image":
            extraction = _extract_image(data, filename)
        case "text":
            sections = _sections_from_lines(_decode_text(data, filename).splitlines(), page=None)
            extraction = Extraction(text=_joined(sections), pages=1, method="text", sections=sections)
    if not extraction.text.strip():
        raise UnreadableDocument(f"No text was found in “{filename}”.")
    return extraction


# PDF -------------------------------------------------------------------------------------------------
def _open_pdf(data: bytes, filename: str) -> object:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableDocument(f"“{filename}” is not a PDF file (it may be damaged or renamed).")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(
                f"“{filename}” is protected with a password. Save it without a password and upload it again."
            )
        pages = len(reader.pages)
    except PdfReadError as error:
        raise UnreadableDocument(f"“{filename}” is damaged and cannot be opened as a PDF.") from error
    except (ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as error:
        # pypdf raises plain Python errors on some malformed files
        raise UnreadableDocument(f"“{filename}” is damaged and cannot be opened as a PDF.") from error
    if pages == 0:
        raise UnreadableDocument(f"“{filename}” has no pages.")
    if pages > limits.MAX_PAGES:
        raise TooLargeDocument(
            f"“{filename}” has {pages} pages; at most {limits.MAX_PAGES} can be read. Split it into parts."
        )
    return reader


def _extract_pdf(data: bytes, filename: str) -> Extraction:
    from pypdf import PdfReader

    reader = _open_pdf(data, filename)
    assert isinstance(reader, PdfReader)
    sections: list[Section] = []
    ocr_pages = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as error:  # pypdf's errors on a broken page are not all PdfReadError
            raise UnreadableDocument(f"Page {number} of “{filename}” is damaged.") from error
        if len(text.strip()) < MIN_PAGE_TEXT:
            ocr_pages += 1
            if ocr_pages > limits.MAX_OCR_PAGES:
                raise TooLargeDocument(
                    f"“{filename}” has more than {limits.MAX_OCR_PAGES} scanned pages. Split it into parts."
                )
            text = _ocr(_render_pdf_page(data, number - 1), filename)
        sections += _sections_from_lines(text.splitlines(), page=number)
    method: Method = "pdf+ocr" if ocr_pages else "pdf"
    return Extraction(text=_joined(sections), pages=len(reader.pages), method=method, sections=sections)


def _render_pdf_page(data: bytes, index: int) -> Image.Image:
    import pypdfium2  # type: ignore[import-untyped]

    document = pypdfium2.PdfDocument(data)
    try:
        bitmap = document[index].render(scale=RENDER_SCALE)
        image: Image.Image = bitmap.to_pil()
        return image
    finally:
        document.close()


# Word ------------------------------------------------------------------------------------------------
def _open_docx(data: bytes, filename: str) -> object:
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as error:  # PackageNotFoundError, BadZipFile, KeyError, ValueError, lxml's XML errors
        raise UnreadableDocument(f"“{filename}” is damaged and cannot be opened as a Word file.") from error


def _extract_docx(data: bytes, filename: str) -> Extraction:
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = _open_docx(data, filename)
    assert isinstance(document, Document)
    sections: list[Section] = []
    heading: str | None = None
    lines: list[str] = []

    def close_section() -> None:
        if lines:
            sections.append(Section(heading=heading, text="\n".join(lines), page=None))
            lines.clear()

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            style = (block.style.name if block.style is not None else "") or ""
            if text and (style.startswith("Heading") or style == "Title"):
                close_section()
                heading = text
            elif text:
                lines.append(text)
        elif isinstance(block, Table):
            lines += _table_rows(block)
    close_section()
    return Extraction(text=_joined(sections), pages=_docx_pages(data), method="docx", sections=sections)


def _table_rows(table: object) -> list[str]:
    """Each row as one line, "Header: value; Header: value", so a row keeps its meaning on its own."""
    from docx.table import Table

    assert isinstance(table, Table)
    grid = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
    if not grid:
        return []
    header, body = grid[0], grid[1:]
    if not body:
        return ["; ".join(v for v in header if v)]
    rows = []
    for values in body:
        pairs = [f"{h}: {v}" if h else v for h, v in zip(header, values, strict=False) if v]
        if pairs:
            rows.append("; ".join(dict.fromkeys(pairs)))  # merged cells repeat their text
    return rows


def _docx_pages(data: bytes) -> int:
    """Word records the page count of its last save in docProps/app.xml; 1 when it is not there."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            app = archive.read("docProps/app.xml").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile):
        return 1
    match = re.search(r"<Pages>(\d+)</Pages>", app)
    return max(1, int(match.group(1))) if match else 1


# Images ----------------------------------------------------------------------------------------------
def _open_image(data: bytes, filename: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > limits.MAX_IMAGE_PIXELS:
            raise TooLargeDocument(f"“{filename}” has too many pixels. Upload a smaller photo.")
        image.verify()  # checks the file's structure; the image must be opened again to be read
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise UnreadableDocument(f"“{filename}” is damaged and cannot be opened as an image.") from error
    return Image.open(io.BytesIO(data))


def _extract_image(data: bytes, filename: str) -> Extraction:
    with _open_image(data, filename) as image:
        image.load()
        text = _ocr(image, filename)
    sections = _sections_from_lines(text.splitlines(), page=1)
    return Extraction(text=_joined(sections), pages=1, method="ocr", sections=sections)


def _ocr(image: Image.Image, filename: str) -> str:
    try:
        return recognise(image)
    except OcrUnavailableError as error:
        raise UnreadableDocument(
            f"Text in “{filename}” could not be recognised: text recognition (OCR) is not available on this "
            "server. Ask your administrator, or upload the document as text."
        ) from error


# Text ------------------------------------------------------------------------------------------------
def _decode_text(data: bytes, filename: str) -> str:
    if b"\x00" in data[:4096]:
        raise UnreadableDocument(f"“{filename}” is not a text file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # older Windows editors
    if not text.strip():
        raise UnreadableDocument(f"“{filename}” is empty.")
    return text


_AMOUNT = re.compile(r"\d{3}|\brp\.?\s?\d|[$€£]\s?\d", re.IGNORECASE)
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def _is_heading(line: str, following: str | None) -> bool:
    """A short line that introduces text: a Markdown heading, or a title-like line (no closing
    punctuation, few words, capitalised) followed by more text."""
    if _MARKDOWN_HEADING.match(line):
        return True
    words = line.split()
    if not following or not words or len(words) > 10 or len(line) > 80:
        return False
    if line[-1] in ".,;!?" or "|" in line or ": " in line or _AMOUNT.search(line):
        return False  # a sentence, a table row, or a price-list line ("Kemeja Batik Rp 350.000")
    capitalised = sum(w[:1].isupper() or w[:1].isdigit() for w in words)
    short_title = len(words) <= 5 and words[0][:1].isupper()
    return line.isupper() or line.endswith(":") or short_title or capitalised >= max(1, len(words) * 0.6)


def _reflow(lines: list[str]) -> list[str]:
    """Joins the lines a PDF or a scan wrapped in the middle of a sentence: a line that does not end a
    sentence, followed by one that starts in lower case, continues on it."""
    joined: list[str] = []
    for line in lines:
        if joined and joined[-1][-1] not in ".!?:;" and line[:1].islower():
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def _sections_from_lines(raw_lines: list[str], page: int | None) -> list[Section]:
    lines = [" ".join(line.split()) for line in raw_lines]
    lines = _reflow([line for line in lines if line])
    sections: list[Section] = []
    heading: str | None = None
    body: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if _is_heading(line, following):
            markdown = _MARKDOWN_HEADING.match(line)
            title = (markdown.group(1) if markdown else line).rstrip(":").strip()
            if body:
                sections.append(Section(heading=heading, text="\n".join(body), page=page))
                body, heading = [], title
            else:  # a heading right under another one: keep both ("Policy — Refunds")
                heading = f"{heading} — {title}" if heading else title
        else:
            body.append(line)
    if body:
        sections.append(Section(heading=heading, text="\n".join(body), page=page))
    elif heading:  # a page that is only a title
        sections.append(Section(heading=None, text=heading, page=page))
    return sections


def _joined(sections: list[Section]) -> str:
    parts = [f"{s.heading}\n{s.text}" if s.heading else s.text for s in sections]
    return "\n\n".join(parts).strip()
