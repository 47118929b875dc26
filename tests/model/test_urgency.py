"""The rubric's weak labeller (model/URGENCY.md): base level by intent, cues in English and Indonesian."""

from __future__ import annotations

import pytest
from sapa_model.urgency import INTENT_BASE, weak_urgency


@pytest.mark.parametrize(
    ("intent", "text", "expected"),
    [
        ("check_payment_methods", "can I pay with a credit card?", "low"),
        ("track_order", "where is order 12345", "medium"),
        ("payment_issue", "I have a problem with a payment", "medium"),  # nothing lost yet
        ("payment_issue", "saldo saya kepotong tapi status belum bayar", "high"),  # money gone
        ("payment_issue", "I was double charged for one order", "high"),
        ("track_order", "where is order 12345? I need it today", "high"),  # pressure: +1
        ("delivery_options", "what bloody delivery options do you have", "medium"),  # anger: +1
        ("get_refund", "refund please, no rush", "low"),  # calm: -1
        ("get_refund", "the item arrived damaged, refund", "high"),  # harm
        ("track_order", "kak pesanan saya belum sampai, tolong segera dicek", "high"),
        ("delivery_period", "kapan sampai ya kak? santai aja", "low"),
        ("get_refund", "barangnya rusak kak", "high"),
        ("check_refund_policy", "bisa retur gak!!!", "high"),  # shouting
        # a thank-you note is never high, whatever it mentions
        ("review", "makasih kak paketnya udah sampai, mantap", "low"),
        ("payment_issue", "thanks for fixing the double charge so fast", "low"),
        ("complaint", "terima kasih, tadi sempat panik kirain paketnya hilang", "low"),
        # ... but a request that ends with thanks is judged as the request
        ("cancel_order", "tolong batalin pesanan 4521 makasih", "medium"),
        ("get_refund", "thanks, but where is my refund? still waiting", "high"),
        # a question for information is never high without harm
        ("delivery_options", "ongkir ke medan berapa? urgent banget, hari ini", "medium"),
        ("check_payment_methods", "what bloody payment methods do you take, I need it today", "medium"),
        ("legal", "saya laporkan ke YLKI", "high"),  # harm cues apply to any intent
    ],
)
def test_weak_urgency(intent: str, text: str, expected: str) -> None:
    assert weak_urgency(intent, text) == expected


def test_words_inside_other_words_are_not_cues() -> None:
    assert weak_urgency("check_invoice", "I do not know how to see my invoice") == "low"  # "now" in "know"


def test_payment_problems_without_loss_are_medium() -> None:
    assert INTENT_BASE["payment_issue"] == "medium"


def test_every_bitext_intent_has_a_base_level() -> None:
    assert len(INTENT_BASE) == 27
    assert set(INTENT_BASE.values()) == {"low", "medium", "high"}
