"""Long answers become several WhatsApp messages, cut where a reader would pause."""

from __future__ import annotations

import re

import pytest

from sapa.assistant.split import split_message


def _words(text: str) -> list[str]:
    return text.split()


def test_a_short_answer_is_one_part() -> None:
    assert split_message("  Halo kak! Pesanan sudah dikirim.  ") == ["Halo kak! Pesanan sudah dikirim."]
    assert split_message("") == []
    assert split_message(" \n\n ") == []


def test_paragraphs_stay_whole_and_nothing_is_lost() -> None:
    paragraphs = [f"Paragraf {i}. " + "kata " * 70 + "selesai." for i in range(12)]  # ~370 chars each
    text = "\n\n".join(paragraphs)

    parts = split_message(text, limit=1600)

    assert len(parts) == 3 and all(len(part) <= 1600 for part in parts)
    assert all(part.startswith("Paragraf") and part.endswith("selesai.") for part in parts)
    assert "\n\n".join(parts) == text


def test_a_long_paragraph_is_cut_between_sentences() -> None:
    sentences = [f"Kalimat nomor {i} menjelaskan kebijakan pengiriman kami." for i in range(60)]
    text = " ".join(sentences)

    parts = split_message(text, limit=500)

    assert all(len(part) <= 500 for part in parts)
    assert all(re.fullmatch(r"Kalimat nomor \d+ .*\.", part) for part in parts)
    assert _words(" ".join(parts)) == _words(text)


def test_lines_are_kept_before_sentences_are_cut() -> None:
    lines = [f"• Produk {i}: Kemeja Batik (Rp 289.000, ready)" for i in range(10)]

    parts = split_message("\n".join(lines), limit=150)

    assert all(len(part) <= 150 for part in parts)
    assert [line for part in parts for line in part.split("\n")] == lines


def test_a_sentence_longer_than_the_limit_is_cut_between_words() -> None:
    text = "kata " * 100

    parts = split_message(text, limit=52)

    assert all(len(part) <= 52 for part in parts)
    assert all(part.split() == ["kata"] * len(part.split()) for part in parts)
    assert sum(len(part.split()) for part in parts) == 100


def test_only_a_word_longer_than_the_limit_is_cut_inside() -> None:
    url = "https://demo.sapa.local/produk/" + "x" * 100

    parts = split_message(f"Link: {url}", limit=40)

    assert all(len(part) <= 40 for part in parts)
    assert parts[0] == "Link:"
    assert "".join(parts[1:]) == url


@pytest.mark.parametrize("limit", [0, -1])
def test_the_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        split_message("text", limit=limit)
