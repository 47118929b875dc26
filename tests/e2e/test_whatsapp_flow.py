"""End to end on the local stack: a signed Twilio webhook → stored → the worker's reply recorded
(sandbox: the demo store has no Twilio account) with the order's real status. No OpenAI key is set in
the stack, so the offline responder answers; the LLM path is tested in tests/assistant."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from sapa.channels.twilio.signature import sign
from tests.conftest import Stack


@dataclass(frozen=True)
class Customer:
    phone: str
    name: str


class WhatsApp:
    """Sends what Twilio would send for the demo store's number, and reads what the stack stored."""

    def __init__(self, stack: Stack, db: psycopg.Connection[dict[str, Any]]) -> None:
        self.stack = stack
        self.db = db
        self.url = f"{stack.functions_url}/webhooks/twilio"

    def send(self, customer: Customer, body: str, message_sid: str | None = None) -> str:
        sid = message_sid or "SM" + secrets.token_hex(16)
        form = {
            "MessageSid": sid,
            "AccountSid": "AC" + "1" * 32,
            "From": f"whatsapp:{customer.phone}",
            "To": f"whatsapp:{self.stack.demo_whatsapp_number}",
            "Body": body,
            "NumMedia": "0",
            "ProfileName": customer.name,
            "WaId": customer.phone.lstrip("+"),
        }
        signature = sign(self.url, form, self.stack.twilio_auth_token)
        response = httpx.post(self.url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
        assert response.status_code == 200, response.text
        assert "<Response></Response>" in response.text
        return sid

    def inbound(self, sid: str) -> dict[str, Any]:
        row = self.db.execute("select * from messages where provider_message_id = %s", (sid,)).fetchone()
        assert row is not None, f"{sid} was not stored"
        return row

    def job_status(self, sid: str, timeout: float = 15.0) -> str:
        """Wait until the reply job of an inbound message has finished; its status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.db.execute(
                "select j.status::text from reply_jobs j join messages m on m.id = j.message_id"
                " where m.provider_message_id = %s and j.status <> 'working'",
                (sid,),
            ).fetchone()
            if row:
                return str(row["status"])
            time.sleep(0.1)
        raise AssertionError(f"no finished reply job for {sid} after {timeout} s")

    def replies(self, sid: str) -> list[dict[str, Any]]:
        return self.db.execute(
            "select r.* from messages r join messages m on r.reply_to = m.id"
            " where m.provider_message_id = %s order by r.created_at",
            (sid,),
        ).fetchall()


@pytest.fixture
def db(stack: Stack) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def whatsapp(stack: Stack, db: psycopg.Connection[dict[str, Any]]) -> WhatsApp:
    return WhatsApp(stack, db)


def _customer_with_order(
    db: psycopg.Connection[dict[str, Any]], store_id: str, status: str
) -> dict[str, Any]:
    """A demo customer with an order in `status` and no open conversation (so the bot answers)."""
    row = db.execute(
        """
        select c.phone, c.name, o.number, o.status::text as status, o.total
        from orders o join customers c on c.id = o.customer_id
        where o.store_id = %s and o.status = %s
          and not exists (select 1 from conversations v where v.customer_id = c.id and v.status <> 'resolved')
        order by o.created_at desc limit 1
        """,
        (store_id, status),
    ).fetchone()
    assert row is not None
    return row


def test_a_customer_asking_about_their_order_gets_its_real_status(
    whatsapp: WhatsApp, db: psycopg.Connection[dict[str, Any]], stack: Stack
) -> None:
    order = _customer_with_order(db, stack.demo_store_id, "cancelled")
    customer = Customer(order["phone"], order["name"])

    sid = whatsapp.send(customer, f"Hi, what is the status of my order #{order['number']}?")

    assert whatsapp.inbound(sid)["body"].endswith(f"#{order['number']}?")
    assert whatsapp.job_status(sid) == "done"
    (reply,) = whatsapp.replies(sid)
    assert reply["status"] == "sandbox"  # no Twilio account: recorded, shown in the simulator
    assert reply["metadata"]["responder"] == "offline"
    assert order["number"] in reply["body"]
    assert "was cancelled" in reply["body"]
    assert reply["metadata"]["latency_ms"] >= 0


def test_the_same_message_sid_twice_gives_one_message_and_one_reply(
    whatsapp: WhatsApp, db: psycopg.Connection[dict[str, Any]], stack: Stack
) -> None:
    order = _customer_with_order(db, stack.demo_store_id, "completed")
    customer = Customer(order["phone"], order["name"])

    sid = whatsapp.send(customer, f"Pesanan #{order['number']} sudah sampai belum ya?")
    whatsapp.job_status(sid)
    whatsapp.send(customer, f"Pesanan #{order['number']} sudah sampai belum ya?", message_sid=sid)
    time.sleep(1.0)  # the redelivery's job runs too, and must find the reply already done

    stored = db.execute(
        "select count(*) as n from messages where provider_message_id = %s", (sid,)
    ).fetchone()
    assert stored == {"n": 1}
    (reply,) = whatsapp.replies(sid)
    assert "sudah selesai" in reply["body"]


def test_another_customers_order_number_reveals_nothing(
    whatsapp: WhatsApp, db: psycopg.Connection[dict[str, Any]], stack: Stack
) -> None:
    theirs = _customer_with_order(db, stack.demo_store_id, "refunded")
    asker = Customer("+6289900" + str(secrets.randbelow(10**6)).zfill(6), "Penanya Baru")

    sid = whatsapp.send(asker, f"What is the status of order #{theirs['number']}?")

    whatsapp.job_status(sid)
    bodies = " ".join(reply["body"] for reply in whatsapp.replies(sid))
    assert bodies
    assert "refunded" not in bodies
    assert theirs["name"] not in bodies
    assert f"{int(theirs['total']):,}".replace(",", ".") not in bodies


def test_asking_for_a_person_hands_off_and_the_bot_stays_silent(
    whatsapp: WhatsApp, db: psycopg.Connection[dict[str, Any]]
) -> None:
    customer = Customer("+6289911" + str(secrets.randbelow(10**6)).zfill(6), "Pelanggan Kesal")

    first = whatsapp.send(customer, "Saya mau bicara dengan admin sekarang, barang saya rusak!")
    assert whatsapp.job_status(first) == "done"
    conversation = db.execute(
        "select c.status::text as status, c.handed_off_at from conversations c"
        " join messages m on m.conversation_id = c.id where m.provider_message_id = %s",
        (first,),
    ).fetchone()
    assert conversation is not None and conversation["status"] == "human"
    tickets = db.execute(
        "select count(*) as n from tickets t join messages m on m.conversation_id = t.conversation_id"
        " where m.provider_message_id = %s and t.status = 'open'",
        (first,),
    ).fetchone()
    assert tickets == {"n": 1}

    second = whatsapp.send(customer, "Halo? Ada orang?")
    assert whatsapp.job_status(second) == "skipped"
    assert whatsapp.replies(second) == []


def test_inbound_messages_get_the_classifiers_labels(whatsapp: WhatsApp) -> None:
    customer = Customer("+6289944" + str(secrets.randbelow(10**6)).zfill(6), "Minta Refund")

    sid = whatsapp.send(customer, "I want my money back, please refund my order, the item never arrived")
    whatsapp.job_status(sid)

    labelled = whatsapp.inbound(sid)
    assert labelled["category"] == "refund"
    assert labelled["urgency"] in {"low", "medium", "high"}
    assert 0.5 < labelled["label_confidence"] <= 1
