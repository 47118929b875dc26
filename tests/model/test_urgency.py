"""The rubric's weak labeller (model/URGENCY.md): base level by intent, cues in English and Indonesian."""

from __future__ import annotations

import pytest
from sapa_model.urgency import INTENT_BASE, weak_urgency


@pytest.mark.parametrize(
    ("intent", "text", "expected"),
    [
        ("check_payment_methods", "can I pay with a credit card?", "low"),
        ("track_order", "where is order 12345", "medium"),
        ("payment_issue", "I have a problem with a payment", "high"),
        ("track_order", "where is order 12345? I need it today", "high"),  # pressure: +1
        ("delivery_options", "what bloody delivery options do you have", "medium"),  # anger: +1
        ("get_refund", "refund please, no rush", "low"),  # calm: -1
        ("get_refund", "the item arrived damaged, refund", "high"),  # harm
        ("track_order", "kak pesanan saya belum sampai, tolong segera dicek", "high"),
        ("delivery_period", "kapan sampai ya kak? santai aja", "low"),
        ("get_refund", "barangnya rusak kak", "high"),
        ("check_refund_policy", "bisa retur gak!!!", "high"),  # shouting
    ],
)
def test_weak_urgency(intent: str, text: str, expected: str) -> None:
    assert weak_urgency(intent, text) == expected


def test_words_inside_other_words_are_not_cues() -> None:
    assert weak_urgency("check_invoice", "I do not know how to see my invoice") == "low"  # "now" in "know"


def test_every_bitext_intent_has_a_base_level() -> None:
    assert len(INTENT_BASE) == 27
    assert set(INTENT_BASE.values()) == {"low", "medium", "high"}
