"""Extraction and chunking on real files made here: pypdf, OCR of a scanned page (pypdfium2 + Tesseract),
python-docx headings and tables, OCR of a PNG, Markdown; and the plain-words errors for bad files."""

from __future__ import annotations

import io
import itertools

import pytest
from pypdf import PdfWriter

from sapa.knowledge import limits
from sapa.knowledge.chunk import MAX_CHARS, chunk_sections
from sapa.knowledge.extract import (
    DocumentError,
    Section,
    TooLargeDocument,
    UnreadableDocument,
    UnsupportedDocument,
    extract,
    inspect,
)
from tests.knowledge.files import docx_with_table, pdf_with_text, png_with_text, scanned_pdf

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_pdf_is_read_page_by_page_from_its_text_layer() -> None:
    data = pdf_with_text([
        ["Kebijakan Retur", "Barang bisa dikembalikan dalam 7 hari setelah diterima."],
        ["Refunds", "Refunds are transferred within 1-3 working days after we receive the item."],
    ])  # fmt: skip

    result = extract(data, PDF, "retur.pdf")

    assert (result.method, result.pages) == ("pdf", 2)
    assert [(s.heading, s.page) for s in result.sections] == [("Kebijakan Retur", 1), ("Refunds", 2)]
    assert "dikembalikan dalam 7 hari" in result.sections[0].text


def test_a_scanned_pdf_page_is_read_by_ocr() -> None:
    data = scanned_pdf(["Pengembalian barang", "maksimal 7 hari setelah diterima"])

    result = extract(data, PDF, "scan.pdf")

    assert (result.method, result.pages) == ("pdf+ocr", 1)
    words = result.text.lower()
    assert "pengembalian" in words and "diterima" in words


def test_a_word_file_keeps_its_headings_and_reads_table_rows_with_their_headers() -> None:
    data = docx_with_table(
        "Info Pengiriman",
        [("Jadwal", ["Pesanan dikirim setiap hari Senin sampai Sabtu."])],
        [
            ["Kota", "Ongkir", "Estimasi"],
            ["Medan", "Rp 42.000", "4-6 hari"],
            ["Jakarta", "Rp 18.000", "2-3 hari"],
        ],
    )

    result = extract(data, DOCX, "ongkir.docx")

    assert result.method == "docx"
    assert [s.heading for s in result.sections] == ["Jadwal", "Tabel ongkir"]
    assert result.sections[1].text.splitlines() == [
        "Kota: Medan; Ongkir: Rp 42.000; Estimasi: 4-6 hari",
        "Kota: Jakarta; Ongkir: Rp 18.000; Estimasi: 2-3 hari",
    ]


def test_text_in_a_photo_is_read_by_ocr_in_indonesian_and_english() -> None:
    data = png_with_text(
        ["Daftar Harga", "Kemeja batik tulis Rp 350.000", "Shipping is free above Rp 500.000"]
    )

    result = extract(data, "image/png", "harga.png")

    assert (result.method, result.pages) == ("ocr", 1)
    text = result.text.lower()
    assert "kemeja batik tulis" in text and "350.000" in text and "shipping is free" in text


def test_markdown_headings_become_sections() -> None:
    data = b"# Policy\n## Returns\nWithin 7 days.\n## Refunds\nIn 3 days.\n"

    result = extract(data, "text/markdown", "policy.md")

    assert [(s.heading, s.text) for s in result.sections] == [
        ("Policy — Returns", "Within 7 days."),
        ("Refunds", "In 3 days."),
    ]


@pytest.mark.parametrize(
    ("data", "content_type", "filename", "error", "words"),
    [
        (b"%PDF-1.7\n1 0 obj <<garbage", PDF, "rusak.pdf", UnreadableDocument, "damaged"),
        (b"PK\x03\x04 not really a zip", DOCX, "rusak.docx", UnreadableDocument, "damaged"),
        (b"\x89PNG\r\n\x1a\nnot an image", "image/png", "foto.png", UnreadableDocument, "damaged"),
        (b"just text", PDF, "renamed.pdf", UnreadableDocument, "not a PDF"),
        (b"   \n", "text/plain", "kosong.txt", UnreadableDocument, "empty"),
        (b"MZ\x90\x00", "application/x-msdownload", "virus.exe", UnsupportedDocument, "not a file type"),
        (b"ID3", "audio/mpeg", "lagu.mp3", UnsupportedDocument, "not a file type"),
        (b"x" * (limits.MAX_UPLOAD_BYTES + 1), "text/plain", "besar.txt", TooLargeDocument, "larger than"),
    ],
)
def test_bad_files_are_refused_in_plain_words(
    data: bytes, content_type: str, filename: str, error: type[DocumentError], words: str
) -> None:
    with pytest.raises(error) as refused:
        inspect(data, content_type, filename)
    assert words in str(refused.value) and filename in str(refused.value)
    assert "Traceback" not in str(refused.value)


def test_a_password_protected_pdf_is_refused() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_with_text([["Rahasia"]])))
    writer.encrypt(user_password="rahasia", owner_password="pemilik")
    buffer = io.BytesIO()
    writer.write(buffer)

    with pytest.raises(UnreadableDocument, match="password"):
        inspect(buffer.getvalue(), PDF, "rahasia.pdf")


def test_the_type_comes_from_the_name_when_the_browser_sends_a_generic_one() -> None:
    assert inspect(b"Jam buka 9-17", "application/octet-stream", "jam.txt") == "text"
    with pytest.raises(UnsupportedDocument):
        inspect(b"Jam buka 9-17", "application/octet-stream", "jam.xyz")


def test_chunks_keep_their_heading_never_cut_a_table_row_and_overlap() -> None:
    rows = [f"Kota: Kota {i:02d}; Ongkir: Rp {i * 1000}; Estimasi: {i % 5 + 1} hari kerja" for i in range(40)]
    sections = [Section(heading="Tabel ongkir", text="\n".join(rows), page=2)]

    chunks = chunk_sections(sections)

    assert len(chunks) > 2
    assert all(c.heading == "Tabel ongkir" and c.page == 2 and len(c.content) <= MAX_CHARS for c in chunks)
    assert all(line in rows for c in chunks for line in c.content.splitlines())  # rows are whole
    assert set(rows) == {line for c in chunks for line in c.content.splitlines()}  # and all there
    for first, second in itertools.pairwise(chunks):  # the last row is repeated next time
        assert first.content.splitlines()[-1] == second.content.splitlines()[0]
