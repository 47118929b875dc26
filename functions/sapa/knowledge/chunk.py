"""Sections → passages of about 500-800 characters for retrieval. A passage never mixes two sections
(its heading travels with it), never cuts a line in two when it can avoid it (a table row is one line,
see extract._table_rows), and repeats the previous line of its section so that a sentence split across
two passages is whole in one of them."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from sapa.knowledge.extract import Section

TARGET_CHARS = 700
MAX_CHARS = 800
OVERLAP_CHARS = 200
"""The previous line is repeated at the start of the next passage when it is at most this long."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class Chunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    ordinal: int
    heading: str | None
    page: int | None
    content: str


def chunk_sections(sections: list[Section]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        for content in _pack(_units(section.text)):
            chunk = Chunk(ordinal=len(chunks), heading=section.heading, page=section.page, content=content)
            chunks.append(chunk)
    return chunks


def _units(text: str) -> list[str]:
    """Lines; a line longer than MAX_CHARS in sentences; a sentence still longer in words."""
    units: list[str] = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if len(line) <= MAX_CHARS:
            units.append(line)
            continue
        for sentence in _SENTENCE_END.split(line):
            units += _split_words(sentence) if len(sentence) > MAX_CHARS else [sentence]
    return units


def _split_words(text: str) -> list[str]:
    pieces: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > TARGET_CHARS:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        pieces.append(current)
    return pieces


def _pack(units: list[str]) -> list[str]:
    passages: list[str] = []
    current: list[str] = []
    size = 0
    fresh = 0  # units in `current` that no earlier passage holds
    for unit in units:
        if current and size + 1 + len(unit) > TARGET_CHARS:
            passages.append("\n".join(current))
            previous = current[-1]
            current, size, fresh = [], 0, 0
            if len(previous) <= OVERLAP_CHARS and len(previous) + 1 + len(unit) <= MAX_CHARS:
                current, size = [previous], len(previous)
        current.append(unit)
        size += len(unit) + (1 if size else 0)
        fresh += 1
    if current and fresh:
        passages.append("\n".join(current))
    return passages
