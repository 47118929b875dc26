"""The offline summary: deterministic, from the labels, the status and the customer's last messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sapa.conversations.summary.context import ContextMessage, OrderRef, SummaryContext
from sapa.conversations.summary.offline import summarize_offline

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def context(*messages: tuple[str, str] | tuple[str, str, int], **fields: Any) -> SummaryContext:
    """A conversation of (sender, body[, attachments]) messages, a minute apart."""
    thread = [
        ContextMessage(
            sender=m[0], body=m[1], media=m[2] if len(m) > 2 else 0, created_at=START + timedelta(minutes=i)
        )
        for i, m in enumerate(messages)
    ]
    defaults: dict[str, Any] = {
        "conversation_id": uuid.uuid4(),
        "store_id": uuid.uuid4(),
        "store_name": "Batik Sapa",
        "status": "human",
        "assigned": False,
        "customer_name": "Budi Santoso",
        "customer_phone": "+6281234567890",
        "message_count": len(thread),
        "messages": thread,
        "orders": [OrderRef(number="1042", status="processing")],
    }
    return SummaryContext.model_validate(defaults | fields)


def test_a_late_delivery_handed_to_the_team_reads_as_such() -> None:
    summary = summarize_offline(
        context(
            ("customer", "Halo kak"),
            ("bot", "Halo kak Budi, ada yang bisa dibantu?"),
            ("customer", "Paket pesanan #1042 saya belum sampai, sudah seminggu!!!"),
            category="delivery",
            urgency="high",
        )
    )

    assert summary.data.model_dump() == {
        "want": "News on the delivery of order #1042",
        "order_number": "1042",
        "sentiment": "negative",
        "next_step": "Take over, then check the courier's tracking for order #1042 and tell the customer "
        "when it arrives.",
        "responder": "offline",
    }
    assert summary.text == (
        "Budi Santoso wants news on the delivery of order #1042 (delivery, high urgency). "
        "Last message: “Paket pesanan #1042 saya belum sampai, sudah seminggu!!!”. Waiting for the team."
    )


def test_the_same_conversation_gives_the_same_summary() -> None:
    conversation = context(
        ("customer", "Refund untuk pesanan 1042 kapan ya?"), category="refund", urgency="medium"
    )

    assert summarize_offline(conversation) == summarize_offline(conversation)


def test_the_customers_own_order_wins_over_another_number_they_mention() -> None:
    summary = summarize_offline(
        context(
            ("customer", "Pesanan 1042 sudah dibayar"),
            ("customer", "Eh maksud saya order #7777"),
            category="order",
        )
    )
    assert summary.data.order_number == "1042"

    summary = summarize_offline(context(("customer", "Order #7777 where is it?"), orders=[]))
    assert summary.data.order_number == "7777"
    assert summary.data.want == "The status of order #7777"


def test_without_labels_the_words_say_what_the_customer_wants() -> None:
    shipping = summarize_offline(context(("customer", "Berapa ongkir ke Medan kak?")))
    person = summarize_offline(context(("customer", "Saya mau bicara dengan admin")))

    assert shipping.data.want == "Information on shipping"
    assert person.data.want == "To talk to a person"


def test_thanks_is_positive_and_a_bot_conversation_needs_nothing_yet() -> None:
    summary = summarize_offline(
        context(
            ("customer", "Kemeja batiknya ready ukuran L?"),
            ("bot", "Ready kak"),
            ("customer", "Oke makasih kak"),
            status="bot",
        )
    )

    assert summary.data.sentiment == "positive"
    assert summary.data.want == "Product information"
    assert summary.data.next_step.startswith("Nothing for now: the assistant is answering")
    assert summary.text.endswith("The assistant is answering.")


def test_an_assigned_conversation_gets_the_action_and_a_resolved_one_nothing() -> None:
    payment = context(("customer", "Sudah transfer untuk pesanan 1042"), category="payment", assigned=True)
    resolved = context(("customer", "Sudah sampai, terima kasih"), category="delivery", status="resolved")

    assert summarize_offline(payment).data.next_step == (
        "Verify the payment for order #1042 and confirm it to the customer."
    )
    assert summarize_offline(resolved).data.next_step == "Nothing: the conversation is resolved."


def test_a_photo_without_words_is_quoted_as_an_attachment() -> None:
    summary = summarize_offline(context(("customer", "", 1), category="refund", customer_name=None))

    assert summary.text.startswith("+6281234567890 wants a refund or return (refund).")
    assert "Last message: “[1 attachment]”" in summary.text
