"""Real documents made in the tests: a PDF with a text layer (fpdf2), a scanned PDF (an image of text, no
text layer), a Word file with headings and a table (python-docx), and a PNG with text (Pillow + a TTF
font of the machine)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def pdf_with_text(pages: list[list[str]]) -> bytes:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    for lines in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        for line in lines:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf(lines: list[str]) -> bytes:
    """One page that is only a picture of text, like a scan."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png_with_text(lines, width=1700)), x=10, y=10, w=190)
    return bytes(pdf.output())


def docx_with_table(title: str, sections: list[tuple[str, list[str]]], table: list[list[str]]) -> bytes:
    document = docx.Document()
    document.add_heading(title, level=1)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=2)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    document.add_heading("Tabel ongkir", level=2)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def png_with_text(lines: list[str], width: int = 1400) -> bytes:
    font = ImageFont.truetype(str(FONT), 40)
    image = Image.new("RGB", (width, 120 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 70 * i), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
