"""sapa.chatwords: the one normaliser of chat Indonesian, read by the classifier in training and in
serving, and the colloquial table the knowledge search shares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sapa.chatwords import COLLOQUIAL, is_shouting, normalise_message
from sapa.classify.model import METADATA_FILE, NORMALISER, ExportedClassifier
from sapa.knowledge import words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("udh blm nyampe kak", "sudah belum sampai kak"),  # abbreviations and chat verbs
        ("gmn dong, brp hari lg?", "bagaimana dong, berapa hari lagi?"),  # punctuation kept
        ("jugaaa bgtttt", "juga banget"),  # stretched letters
        ("ga dateng2 dr kmrn", "tidak datang datang dari kemarin"),  # kata2 doubled, then mapped
        ("aku ke-charge 2x", "aku ke charge 2x"),  # the English word stands apart; 2x stays
        ("kecewa 😡😡", "kecewa marah marah"),  # mood emoji as words
        ("makasih, terima kasih ya", "makasih, terima kasih ya"),  # "kasih" in thanks is not "beri"
        ("kasih tau dong", "beri tau dong"),  # elsewhere it is
        ("Order #48213 to Jakarta, size 42", "order #48213 to jakarta, size 42"),  # English untouched
        ("kk pkt sy kpn smpe? gw udh byr", "kk paket saya kapan sampai? saya sudah bayar"),  # vowels dropped
    ],
)
def test_chat_spellings_become_written_ones(text: str, expected: str) -> None:
    assert normalise_message(text) == expected


def test_shouting_is_said_in_words() -> None:
    assert is_shouting("PAKET HARUS SAMPE HARI INI")
    assert not is_shouting("OK kak")  # too few letters to be shouting
    assert not is_shouting("Halo Kak, Pesanan Saya")
    assert normalise_message("PAKET HARUS SAMPE HARI INI!!") == "shouting paket harus sampai hari ini!!"


def test_english_words_are_never_rewritten() -> None:
    # What a PyPI slang list got wrong (to → tapi, do → di, item → hitam, money → uang).
    for word in ("to", "do", "item", "money", "wrong", "cs", "in", "it", "see", "name"):
        assert word not in COLLOQUIAL
    sentence = "do you want to see the wrong item in it? money back"
    assert normalise_message(sentence) == sentence


def test_the_knowledge_search_reads_the_same_table() -> None:
    assert words._COLLOQUIAL is COLLOQUIAL
    assert words.normal_words("udh dateng") == words.normal_words("sudah datang")


def test_serving_reads_normalised_text_like_training(tiny_export: Path) -> None:
    classifier = ExportedClassifier(tiny_export)
    assert classifier.metadata["normaliser"] == NORMALISER
    slang, written = (
        classifier.encode(["udh blm nyampe kak 😡"]),
        classifier.encode(["sudah belum sampai kak marah"]),
    )
    assert (slang[0] == written[0]).all()
    assert classifier.predict(["udh blm nyampe kak 😡"]) == classifier.predict(
        ["sudah belum sampai kak marah"]
    )


def test_an_unknown_normaliser_is_refused(tiny_export: Path, tmp_path: Path) -> None:
    copy = tmp_path / "classifier"
    copy.mkdir()
    for item in tiny_export.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    metadata = json.loads((copy / METADATA_FILE).read_text())
    metadata["normaliser"] = "something.else"
    (copy / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match="unknown text normaliser"):
        ExportedClassifier(copy)
