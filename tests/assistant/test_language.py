"""Language detection on what customers really write: every seeded customer, bot and agent text."""

from __future__ import annotations

import pytest

from sapa.assistant.language import conversation_language, detect_language
from sapa.assistant.types import Language
from sapa.local.seed import MESSAGES

# Placeholders as the seed fills them: product names stay Indonesian in English messages.
VALUES = {
    "order": "1042", "product": "Kemeja Batik Parang Lengan Panjang", "city": "Jakarta Selatan",
    "name": "Budi", "full_name": "Budi Santoso", "shop": "Batik Sapa", "site": "demo.sapa.local",
    "price": "Rp 289.000",
    "agent": "Dimas", "bank": "BCA", "street": "Jl. Melati No. 3", "total": "Rp 450.000",
    "courier": "J&T Express", "resi": "JP1234567890", "days": "5", "status": "processing",
}  # fmt: skip
SEEDED = [
    pytest.param(text.format(**VALUES), language, id=f"{key}.{language}.{index}")
    for key, by_language in MESSAGES.items()
    for language, texts in by_language.items()
    for index, text in enumerate(texts)
]


@pytest.mark.parametrize(("text", "language"), SEEDED)
def test_every_seeded_message_is_recognised(text: str, language: str) -> None:
    other: Language = "en" if language == "id" else "id"
    assert detect_language(text, default=other) == language  # a clue, not the default, decides


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("min paket #1042 udah dikirim?", "id"),
        ("kak, bisa COD gak", "id"),
        ("Where is my order 1042?", "en"),
        ("Do you ship to Bali?", "en"),
        ("Is the Kemeja Batik Parang available in XL?", "en"),
    ],
)
def test_short_informal_messages(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_without_clues_the_default_or_the_earlier_messages_decide() -> None:
    assert detect_language("#1042", default="en") == "en"
    assert detect_language("👍") == "id"
    assert conversation_language("1042", ["Hi, where is my order?"]) == "en"
    assert conversation_language("1042", ["Kak, pesanan saya belum sampai"]) == "id"
    assert conversation_language("Thanks!", ["Kak, pesanan saya belum sampai"]) == "en"
