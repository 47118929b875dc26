"""What an owner may upload as knowledge, and how big. The same limits serve the upload route, the
extraction job and inbound WhatsApp media."""

from __future__ import annotations

from typing import Literal

DocumentKind = Literal["pdf", "docx", "text", "image"]

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
"""4 MiB. Uploads pass through API Gateway to the API Lambda, whose request limit is 6 MB after API
Gateway's base64 encoding of binary bodies (x 4/3): 4 MiB is what fits. A long policy PDF or a phone
photo fits; a scanned catalogue should be split (or, later, uploaded straight to S3 with a presigned URL)."""
MAX_PAGES = 300
"""Pages of a PDF that are read; a longer file is refused as a whole rather than half-read."""
MAX_OCR_PAGES = 30
"""PDF pages without a text layer that are recognised by OCR (a few seconds each)."""
MAX_IMAGE_PIXELS = 40_000_000
"""Larger images are refused before decoding (a decompression bomb would exhaust the worker)."""

ACCEPTED_TYPES: dict[str, DocumentKind] = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "text",
    "text/markdown": "text",
    "text/x-markdown": "text",
    "image/png": "image",
    "image/jpeg": "image",
    "image/webp": "image",
}
"""Content types accepted, and how each is read."""
ACCEPTED_EXTENSIONS: dict[str, DocumentKind] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".webp": "image",
}
"""File name endings accepted when the content type says nothing (application/octet-stream)."""
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

ACCEPTED_DESCRIPTION = "PDF, Word (.docx), text (.txt, .md) or a photo (PNG, JPEG, WebP)"
"""The accepted types in words, for error messages."""
