"""The offline responder (no OpenAI key) answers from the stack's real demo data, in the customer's
language, and hands off what it cannot answer."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from sapa.assistant import AssistantReply, answer
from sapa.assistant.money import format_money
from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantRequest, Turn
from sapa.settings import Settings
from tests.assistant.conftest import DemoOrder

Ask = Callable[..., AssistantRequest]
ShopFor = Callable[..., ShopData]


@pytest.fixture
def reply_to(ask: Ask, shop_for: ShopFor, offline_settings: Settings) -> Callable[..., AssistantReply]:
    def run(
        text: str, phone: str, name: str | None = None, history: list[Turn] | None = None
    ) -> AssistantReply:
        result = answer(ask(text, phone, name, history), shop_for(phone), offline_settings)
        assert result.responder == "offline" and result.fallback_reason is None
        assert result.parts and all(0 < len(part) <= 1600 for part in result.parts)
        return result

    return run


def _text(reply: AssistantReply) -> str:
    return "\n".join(reply.parts)


def _status_words(order: DemoOrder, language: str) -> list[str]:
    if order.status == "processing":
        assert order.tracking_number and order.shipping_method
        return [order.tracking_number, order.shipping_method]
    return ["sudah selesai" if language == "id" else "is completed"]


def test_money_reads_like_rupiah() -> None:
    assert format_money(Decimal("150000.00"), "IDR") == "Rp 150.000"
    assert format_money(1_250_000, "IDR") == "Rp 1.250.000"
    assert format_money(Decimal("999.5"), "IDR") == "Rp 1.000"
    assert format_money(Decimal("12.5"), "USD") == "USD 12.50"


@pytest.mark.parametrize(
    ("text", "language"),
    [("Halo kak, pesanan saya #{n} sudah dikirim belum ya?", "id"), ("Hi, where is my order #{n}?", "en")],
)
def test_order_status_by_number(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder, text: str, language: str
) -> None:
    result = reply_to(text.format(n=shipped_order.number), shipped_order.phone, shipped_order.customer_name)

    body = _text(result)
    assert result.language == language and not result.handoff
    assert f"#{shipped_order.number}" in body
    assert format_money(shipped_order.total, "IDR") in body
    assert all(word in body for word in _status_words(shipped_order, language))
    assert result.sources == [f"order:{shipped_order.number}"]
    assert result.tool_calls == [{"name": "order_status", "args": {"order_number": shipped_order.number}}]


def test_order_status_without_a_number_lists_the_customers_latest_orders(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder, other_order: DemoOrder
) -> None:
    result = reply_to("Kak, pesanan saya sudah sampai mana ya?", shipped_order.phone)

    assert result.tool_calls == [{"name": "my_orders", "args": {"limit": 3}}]
    assert result.sources and all(source.startswith("order:") for source in result.sources)
    assert f"order:{other_order.number}" not in result.sources
    assert all(f"#{source.split(':')[1]}" in _text(result) for source in result.sources)


def test_another_customers_order_number_reveals_nothing(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder, other_order: DemoOrder
) -> None:
    result = reply_to(f"Pesanan #{other_order.number} sudah dikirim?", shipped_order.phone)

    body = _text(result)
    assert "tidak menemukan pesanan" in body
    assert other_order.tracking_number and other_order.tracking_number not in body
    assert format_money(other_order.total, "IDR") not in body
    assert other_order.customer_name not in body
    assert f"order:{other_order.number}" not in result.sources


def test_a_customer_without_orders_is_asked_for_the_number(
    reply_to: Callable[..., AssistantReply], customer_without_orders: tuple[str, str]
) -> None:
    phone, name = customer_without_orders

    result = reply_to("Hi, where is my order?", phone, name)

    assert "couldn't find any orders for this WhatsApp number" in _text(result)
    assert (result.language, result.handoff, result.sources) == ("en", False, [])


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Kak, Kemeja Batik Parang Lengan Panjang masih ready?", "id", "Ini yang saya temukan"),
        ("Is the Kemeja Batik Parang Lengan Panjang still available?", "en", "Here's what I found"),
    ],
)
def test_product_questions_are_answered_from_the_catalogue(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder, text: str, language: str, expected: str
) -> None:
    result = reply_to(text, shipped_order.phone)

    body = _text(result)
    assert result.language == language and not result.handoff
    assert expected in body
    assert "Kemeja Batik Parang Lengan Panjang (Rp 289.000" in body
    assert "https://demo.sapa.local/produk/kemeja-batik-parang-lengan-panjang/" in body
    assert "Kawung" not in body  # only the products the question names


@pytest.mark.parametrize(
    ("text", "language", "topic", "expected"),
    [
        (
            "Kak, ongkir ke Bandung berapa ya?",
            "id",
            "shipping",
            "Gratis ongkir untuk belanja di atas Rp 500.000",
        ),
        ("How much is shipping to Bandung?", "en", "shipping", "free for orders above Rp 500.000"),
        ("Kalau tidak cocok bisa retur kak?", "id", "returns", "dalam 7 hari setelah diterima"),
        ("Can I return an item?", "en", "returns", "within 7 days of delivery"),
        ("Bisa bayar pakai QRIS atau COD kak?", "id", "payment", "COD untuk area Jabodetabek"),
        ("Do you accept credit cards?", "en", "payment", "credit cards via Midtrans"),
        ("Jam operasional toko sampai jam berapa kak?", "id", "hours", "Senin-Sabtu 09.00-17.00 WIB"),
        ("What are your opening hours?", "en", "hours", "Monday-Saturday 9 am-5 pm"),
    ],
)
def test_policy_questions_quote_the_stores_policy_in_the_customers_language(
    reply_to: Callable[..., AssistantReply],
    shipped_order: DemoOrder,
    text: str,
    language: str,
    topic: str,
    expected: str,
) -> None:
    result = reply_to(text, shipped_order.phone)

    assert result.language == language and not result.handoff
    assert expected in _text(result)
    assert result.sources == [f"policy:{topic}"]


def test_greetings_and_thanks_are_answered_by_name(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder
) -> None:
    first_name = shipped_order.customer_name.split()[0]

    hello = reply_to("Halo kak", shipped_order.phone, shipped_order.customer_name)
    thanks = reply_to("Great, thank you!", shipped_order.phone, shipped_order.customer_name)

    assert _text(hello).startswith(f"Halo kak {first_name}") and "Batik Sapa Demo" in _text(hello)
    assert _text(thanks).startswith(f"You're welcome {first_name}")
    assert not hello.handoff and not thanks.handoff


@pytest.mark.parametrize(
    ("text", "language", "reason", "told"),
    [
        ("Bisa bicara langsung dengan admin kak?", "id", "the customer asked for a person", "sambungkan"),
        ("Can I talk to a person please?", "en", "the customer asked for a person", "connecting you"),
        ("Saya kecewa banget, sudah seminggu belum sampai!!!", "id", "the customer is upset", "Mohon maaf"),
        ("What do you think about the election?", "en",
         "the offline responder could not answer this question", "passing your question"),
        ("Kak, mau 50 pcs buat seragam kantor bisa?", "id", "wholesale enquiry", "mulai 12 pcs"),
    ],
)  # fmt: skip
def test_what_it_cannot_answer_goes_to_a_person(
    reply_to: Callable[..., AssistantReply],
    shipped_order: DemoOrder,
    text: str,
    language: str,
    reason: str,
    told: str,
) -> None:
    result = reply_to(text, shipped_order.phone)

    assert (result.handoff, result.handoff_reason, result.language) == (True, reason, language)
    assert told in _text(result)


def test_a_damaged_item_gets_the_returns_policy_and_a_person(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder
) -> None:
    result = reply_to(
        f"Barang dari pesanan #{shipped_order.number} jahitannya lepas kak 😞", shipped_order.phone
    )

    assert result.handoff and result.handoff_reason == "the customer reports a damaged or wrong item"
    assert _text(result).startswith(f"Pesanan #{shipped_order.number}")
    assert "kirimkan foto barangnya" in _text(result) and "Mohon maaf" in _text(result)
    assert result.sources == [f"order:{shipped_order.number}", "policy:returns"]


def test_a_change_to_someone_elses_order_is_handed_off_without_showing_it(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder, other_order: DemoOrder
) -> None:
    result = reply_to(f"Please cancel order #{other_order.number}", shipped_order.phone)

    assert result.handoff and result.handoff_reason == "the customer wants to change or cancel an order"
    assert f"#{other_order.number}" not in _text(result)
    assert f"order:{other_order.number}" not in result.sources


def test_a_bare_order_number_continues_in_the_language_of_the_conversation(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder
) -> None:
    history = [Turn(role="customer", text="Hi, where is my order?"), Turn(role="bot", text="Which number?")]

    result = reply_to(shipped_order.number, shipped_order.phone, history=history)

    assert result.language == "en"
    assert _text(result).startswith(f"Order #{shipped_order.number}")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("kak mau tuker ukuran, kebesaran… returnya brp hari?", "id", "dalam 7 hari"),
        ("min klo barangnya ga cocok bs dibalikin gk?", "id", "dalam 7 hari"),
        ("How many working days does delivery to Surabaya take?", "en", "2-4 working days on Java"),
        ("Can I send it back if it doesn't fit?", "en", "within 7 days of delivery"),
    ],
)
def test_chat_indonesian_and_common_english_phrasings_are_answered(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder, text: str, language: str, expected: str
) -> None:
    result = reply_to(text, shipped_order.phone)

    assert (result.language, result.handoff) == (language, False)
    assert expected in _text(result)


def test_short_words_do_not_pull_in_the_catalogue(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder
) -> None:
    result = reply_to("udh langganan dr thn lalu", shipped_order.phone)

    assert not any(call["name"] == "search_products" and "dr" in call["args"]["query"].split()
                   for call in result.tool_calls)  # fmt: skip
    assert not any(source.startswith("product:") for source in result.sources)


def test_a_money_amount_is_not_read_as_an_order_number(
    reply_to: Callable[..., AssistantReply], shipped_order: DemoOrder
) -> None:
    result = reply_to("My order is only Rp 200.000, why is shipping so expensive?", shipped_order.phone)

    assert "#200" not in _text(result) and "order_status" not in [c["name"] for c in result.tool_calls]
