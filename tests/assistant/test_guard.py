"""The output guard on its own: which answers it lets through and why it refuses the others. The order
facts are checked against tool results in the exact JSON the tools give the model (tools.order_json)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sapa.assistant.guard import Grounding, GuardRecord, answer_language, check, correction
from sapa.assistant.prompt import RULES
from sapa.assistant.tools import order_json
from sapa.assistant.types import Order, OrderLine

OWN = Order(
    number="1107",
    status="processing",
    total=Decimal("385000"),
    currency="IDR",
    created_at=datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
    date_paid=datetime(2026, 11, 28, 4, 0, tzinfo=UTC),
    shipping_method="JNE REG",
    tracking_number="JP4417720315",
    items=[OrderLine(name="Kemeja Batik Parang Slim", quantity=1, total=Decimal("385000"))],
)
POLICY = "Gratis ongkir untuk belanja di atas Rp 500.000. Cicilan 0% 3 bulan. Retur dalam 7 hari."


def _grounding(*, own: bool = True, not_found: str | None = None, customer: str = "") -> Grounding:
    grounding = Grounding(texts=[POLICY], private_texts=[RULES], max_chars=600)
    if own:
        grounding.add_tool_result(json.dumps({"order": order_json(OWN, "IDR")}))
    if not_found:
        grounding.add_tool_result(json.dumps({"result": "not_found", "order_number": not_found}))
    if customer:
        grounding.add_customer_text(customer)
    return grounding


def _codes(answer: str, grounding: Grounding | None = None) -> set[str]:
    return {refusal.code for refusal in check(answer, grounding or _grounding())}


@pytest.mark.parametrize(
    "answer",
    [
        "Pesanan #1107 kakak sudah dikirim via JNE REG dengan nomor resi JP4417720315 😊",
        "Order #1107 (total Rp 385.000) has been paid and shipped, tracking number JP4417720315.",
        "Pesanan #1107 tanggal 28 Nov 2026 sudah dibayar. Isi pesanan: Kemeja Batik Parang Slim x1.",
        "Pesanan kakak belum selesai, masih dalam pengiriman ya kak.",
        "Gratis ongkir untuk belanja di atas Rp 500.000 kak, estimasi 2-4 hari kerja.",
        "Maaf kak, saya tidak menemukan pesanan #2001 untuk nomor WhatsApp ini.",
        "Halo kak! Ada yang bisa dibantu? 😊",
        "Sorry, I cannot find that order for this WhatsApp number; a person from the team will reply here.",
        "Barang bisa ditukar dalam 7 hari setelah diterima, pesanan dikirim dalam 1-2 hari kerja.",
        "Menurut Return policy: Items can be returned within 7 days of delivery if unworn.",
        "Your order contains Kemeja Batik Parang Slim.",
    ],
)
def test_grounded_answers_pass(answer: str) -> None:
    assert check(answer, _grounding(not_found="2001")) == []


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ('{"name": "hand_off", "arguments": {"reason": "customer asks"}}', "tool_syntax"),
        ("<tools></tools>", "tool_syntax"),
        ('<tool_call>{"name": "my_orders"}</tool_call>', "tool_syntax"),
        ("Call_hand_off: hand_off(reason='angry')", "tool_syntax"),
        ("You can use the `search_products` function to find it.", "tool_name"),
        ("Saya akan memanggil order_status dulu ya kak.", "tool_name"),
        ("Halo {customer_name}, pesanan kakak sedang diproses.", "placeholder"),
        ("Halo [Nama Pelanggan], terima kasih sudah belanja.", "placeholder"),
        ("<|im_start|>assistant\nHalo kak", "role_marker"),
        ("Assistant: Halo kak, ada yang bisa dibantu?", "role_marker"),
        ("Here you go:\n```python\ndef reverse(s):\n    return s[::-1]\n```", "code"),
        ("The key is sk-live-8f7a6b5c4d3e2f1a0b9c", "secret"),
        ("Su pedido está en camino y llegará mañana por la tarde, gracias.", "language"),
        ("您的订单已经发货了请耐心等待。", "language"),
        ("Kak, " + "kemeja batik kami sangat bagus. " * 30, "too_long"),
        (
            "My rules: the tools only ever return orders of the WhatsApp number that is writing.",
            "prompt_leak",
        ),
    ],
)
def test_text_that_is_not_an_answer_is_refused(answer: str, code: str) -> None:
    assert code in _codes(answer)


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        # An order number no tool returned, the customer never wrote: invented.
        ("Pesanan #1042 kakak sudah dikirim ya.", "order_number"),
        # The sender's order, a status the tool did not return.
        ("Pesanan #1107 sudah dibatalkan kak.", "order_status"),
        ("Your order has been delivered.", "order_status"),
        # Another customer's total (the tool said not_found for #2001).
        ("Total pesanan #2001 Rp 250.000 dan sudah dikirim.", "foreign_order"),
        ("Total pesanan kakak Rp 250.000.", "order_total"),
        ("Pesanan #1107 dipesan tanggal 3 Des 2026.", "order_date"),
        ("Nomor resi pesanan kakak JP9999999999.", "tracking_number"),
        ("Isi pesanan: Dress Mega Mendung x2.", "order_items"),
        ("Kakak dapat diskon 50% untuk pesanan berikutnya!", "amount"),
        ("Ongkir ke Bali Rp 45.000 kak.", "amount"),
    ],
)
def test_order_facts_no_tool_returned_are_refused(answer: str, code: str) -> None:
    assert code in _codes(answer, _grounding(not_found="2001"))


def test_without_any_order_look_up_no_order_fact_may_be_stated() -> None:
    grounding = _grounding(own=False)

    assert _codes("Pesanan kakak sudah dikirim dan akan sampai besok.", grounding) == {"order_status"}
    assert _codes("Pesanan kakak belum dikirim.", grounding) == {"order_status"}


def test_a_number_the_customer_wrote_may_be_repeated_but_nothing_said_about_it() -> None:
    grounding = _grounding(own=False, customer="Pesanan 1043 saya mana kak?")

    assert check("Baik kak, saya cek pesanan #1043 dulu ya.", grounding) == []
    assert "foreign_order" in _codes("Pesanan #1043 sudah dikirim kak.", grounding)


def test_money_in_a_customer_message_is_not_an_order_number() -> None:
    grounding = _grounding(own=False, customer="My order is only Rp 200.000, why so expensive?")

    assert grounding.customer_numbers == set()
    assert check("Shipping is free above Rp 500.000, so yours is Rp 200.000 plus shipping.", grounding) == []


def test_languages_are_read_from_the_words() -> None:
    assert answer_language("Pesanan kakak sudah dikirim ya kak") == "id"
    assert answer_language("Your order has been shipped, thanks!") == "en"
    assert answer_language("Votre commande a été expédiée hier, merci beaucoup pour votre achat") is None
    assert "language" in _codes("Your order has been shipped.", Grounding(languages=("id",)))


def test_the_record_and_the_correction_say_why() -> None:
    refusals = check('{"name": "order_status", "arguments": {}}', _grounding())
    record = GuardRecord("retried", refusals).as_json()

    assert record["decision"] == "retried" and "tool_syntax" in record["reasons"]
    assert all(set(r) == {"code", "detail"} for r in record["refusals"])
    message = correction(refusals, "id", 600)
    assert "tool-call syntax" in message and "Indonesian" in message and "600" in message
