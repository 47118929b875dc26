"""Keyword normalisation (sapa.knowledge.words): chat Indonesian and English find the written words."""

from __future__ import annotations

import pytest

from sapa.knowledge.words import keywords, search_terms


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("barangnya mau dikembaliin", "Barang bisa dikembalikan"),  # -in for -kan, -nya
        ("kak kalau mau balikin baju", "pengembalian barang"),  # chat word, confix pe-an
        ("cara nyuci batik", "Cuci dengan tangan"),  # nasal chat prefix ny- for c
        ("nyetrikanya gimana", "setrika dari bagian dalam"),  # ny- for s, with -nya
        ("siapa yang nanggung ongkirnya?", "ongkir kami tanggung"),  # n- for t
        ("poin bisa dituker?", "100 poin bisa ditukar"),  # chat spelling
        ("refundnya kapan?", "Refund ditransfer"),  # a loanword with -nya
        ("Can the items be returned?", "Items can be exchanged or returned"),  # English stems
        ("How are refunds paid?", "The refund is paid"),
    ],
)
def test_a_chat_keyword_matches_the_written_word(question: str, passage: str) -> None:
    asked = set(keywords(question).split())
    written = set(search_terms(passage).split())
    assert asked & written, (asked, written)


def test_common_words_and_ignored_words_are_no_keywords() -> None:
    assert keywords("Kak, gimana caranya ya? nggak bisa?") == ""
    assert keywords("batik sapa retur", ignore=["batik", "sapa"]) == "retur"


def test_words_unknown_to_both_stemmers_stay_as_they_are() -> None:
    assert keywords("ongkir ke Jayapura") == "ongkir jayapura"
    assert search_terms("Kota tujuan: Makassar; Rp 45.000") == "kota tuju makassar rp 45 000"


def test_an_unrelated_word_does_not_become_a_keyword_of_another() -> None:
    assert not set(keywords("kain meteran").split()) & set(search_terms("main ingin mesin").split())
