"""Text in images: Tesseract (Indonesian + English), through pytesseract. Needs the `tesseract` binary
and its `ind` and `eng` data (Debian: tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng)."""

from __future__ import annotations

from PIL import Image, ImageOps

LANGUAGES = "ind+eng"
MIN_WIDTH = 1400
"""Tesseract reads best at ~300 dpi; smaller images (phone screenshots, thumbnails) are scaled up."""


class OcrUnavailableError(RuntimeError):
    """Tesseract (or its language data) is not installed where this runs."""


def recognise(image: Image.Image) -> str:
    import pytesseract  # type: ignore[import-untyped]

    page = ImageOps.exif_transpose(image) or image
    page = page.convert("L")
    if page.width < MIN_WIDTH:
        scale = MIN_WIDTH / page.width
        page = page.resize((MIN_WIDTH, max(1, round(page.height * scale))), Image.Resampling.LANCZOS)
    try:
        text: str = pytesseract.image_to_string(page, lang=LANGUAGES, config="--psm 3")
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError) as error:
        raise OcrUnavailableError(str(error)) from error
    return text
