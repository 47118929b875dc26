"""Long answers as several WhatsApp messages, cut where a reader would pause.

Paragraphs are kept together when they fit; a paragraph that does not is cut between lines, then
sentences, then words; only a single "word" longer than the limit (a long URL) is cut inside."""

from __future__ import annotations

import re
from collections.abc import Callable

from sapa.assistant.types import WHATSAPP_LIMIT

_PARAGRAPHS = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_message(text: str, limit: int = WHATSAPP_LIMIT) -> list[str]:
    """Parts of at most `limit` characters, in order; [] for blank text."""
    if limit < 1:
        raise ValueError("limit must be positive")
    return _pack(_PARAGRAPHS.split(text.strip()), "\n\n", limit, _split_paragraph)


def _split_paragraph(paragraph: str, limit: int) -> list[str]:
    return _pack(paragraph.split("\n"), "\n", limit, _split_line)


def _split_line(line: str, limit: int) -> list[str]:
    return _pack(_SENTENCE_END.split(line), " ", limit, _split_sentence)


def _split_sentence(sentence: str, limit: int) -> list[str]:
    return _pack(sentence.split(), " ", limit, _split_word)


def _split_word(word: str, limit: int) -> list[str]:
    return [word[i : i + limit] for i in range(0, len(word), limit)]


def _pack(pieces: list[str], joiner: str, limit: int, smaller: Callable[[str, int], list[str]]) -> list[str]:
    """Greedily join pieces into parts of at most `limit`; a piece too long alone is cut smaller."""
    parts: list[str] = []
    current = ""
    for raw in pieces:
        piece = raw.strip()
        if not piece:
            continue
        if current and len(current) + len(joiner) + len(piece) <= limit:
            current += joiner + piece
            continue
        if current:
            parts.append(current)
        if len(piece) <= limit:
            current = piece
        else:
            *whole, current = smaller(piece, limit)
            parts.extend(whole)
    if current:
        parts.append(current)
    return parts
