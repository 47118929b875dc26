"""Opt-out that always holds, through the signed Twilio webhook of the running stack: STOP/BERHENTI set
opted_out_at and are confirmed once (not answered by the assistant), START/MULAI opt in again, and the
consent history records how. Signatures are computed with the twilio SDK's RequestValidator."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped, unused-ignore]

from tests.conftest import Stack

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def new_phone() -> str:
    return "+62898" + "".join(secrets.choice("0123456789") for _ in range(7))


def send(stack: Stack, phone: str, body: str, sid: str | None = None) -> str:
    """What Twilio posts for a WhatsApp message to the demo store, signed like Twilio signs it."""
    url = f"{stack.functions_url}/webhooks/twilio"
    sid = sid or "SM" + secrets.token_hex(16)
    form = {
        "MessageSid": sid,
        "AccountSid": "AC" + "1" * 32,
        "From": f"whatsapp:{phone}",
        "To": f"whatsapp:{stack.demo_whatsapp_number}",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Rina",
        "WaId": phone.lstrip("+"),
    }
    signature = RequestValidator(stack.twilio_auth_token).compute_signature(url, form)
    response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200, response.text
    return sid


def finished_replies(db: Db, sid: str, timeout: float = 20.0) -> list[dict[str, Any]]:
    """The replies to an inbound message once its reply job has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = db.execute(
            "select j.status::text from reply_jobs j join messages m on m.id = j.message_id"
            " where m.provider_message_id = %s and j.status <> 'working'",
            (sid,),
        ).fetchone()
        if job:
            assert job["status"] == "done", job
            return db.execute(
                "select r.* from messages r join messages m on r.reply_to = m.id"
                " where m.provider_message_id = %s order by r.created_at",
                (sid,),
            ).fetchall()
        time.sleep(0.1)
    raise AssertionError(f"no finished reply job for {sid}")


def customer(db: Db, stack: Stack, phone: str) -> dict[str, Any]:
    row = db.execute(
        "select * from customers where store_id = %s and phone = %s", (stack.demo_store_id, phone)
    ).fetchone()
    assert row is not None
    return row


def consent_history(db: Db, customer_id: str) -> list[tuple[bool, str]]:
    rows = db.execute(
        "select given, source::text from customer_consent_events where customer_id = %s order by id",
        (customer_id,),
    ).fetchall()
    return [(row["given"], row["source"]) for row in rows]


def test_stop_opts_out_and_is_confirmed_once_without_the_assistant(stack: Stack, db: Db) -> None:
    phone = new_phone()
    first = send(stack, phone, "Hi, do you have the blue batik shirt in size L?")
    assert {r["metadata"]["responder"] for r in finished_replies(db, first)} == {"offline"}
    db.execute(
        "update customers set marketing_opt_in = true, marketing_opt_in_at = now()"
        " where store_id = %s and phone = %s",
        (stack.demo_store_id, phone),
    )

    stop = send(stack, phone, "Stop!")
    send(stack, phone, "Stop!", sid=stop)  # Twilio redelivers

    (reply,) = finished_replies(db, stop)
    assert reply["metadata"]["responder"] == "consent"
    assert reply["status"] == "sandbox"  # the demo store has no Twilio account: recorded, not sent
    assert reply["metadata"]["language"] == "en"  # the language the bot answered this customer in
    assert reply["body"].startswith("Done: you will not receive promotional messages")
    row = customer(db, stack, phone)
    assert row["opted_out_at"] is not None
    assert not (row["marketing_opt_in"] and row["opted_out_at"] is None)  # no marketing may reach them
    assert consent_history(db, row["id"]) == [(True, "system"), (False, "whatsapp_stop")]


def test_berhenti_while_a_person_has_the_conversation_is_still_confirmed_in_indonesian(
    stack: Stack, db: Db
) -> None:
    phone = new_phone()
    first = send(stack, phone, "Kak, pesanan saya belum sampai")
    finished_replies(db, first)
    db.execute(
        "update conversations set status = 'human', handed_off_at = now()"
        " where customer_id = (select id from customers where store_id = %s and phone = %s)",
        (stack.demo_store_id, phone),
    )

    stop = send(stack, phone, "BERHENTI.")

    (reply,) = finished_replies(db, stop)
    assert reply["metadata"]["language"] == "id"
    assert reply["body"].startswith("Baik, Anda tidak akan menerima pesan promosi")
    assert reply["status"] == "sandbox"
    assert customer(db, stack, phone)["opted_out_at"] is not None


def test_start_opts_in_again(stack: Stack, db: Db) -> None:
    phone = new_phone()
    finished_replies(db, send(stack, phone, "STOP PROMO"))
    assert customer(db, stack, phone)["opted_out_at"] is not None

    (reply,) = finished_replies(db, send(stack, phone, "start"))

    row = customer(db, stack, phone)
    assert row["marketing_opt_in"] is True
    assert row["opted_out_at"] is None
    assert row["marketing_opt_in_at"] is not None
    assert reply["body"].startswith("Thank you! You will receive promotions")
    assert consent_history(db, row["id"]) == [(False, "whatsapp_stop"), (True, "whatsapp_start")]


def test_a_sentence_with_stop_in_it_goes_to_the_assistant(stack: Stack, db: Db) -> None:
    phone = new_phone()
    (reply,) = finished_replies(db, send(stack, phone, "Please stop the delivery of order 1042"))

    assert reply["metadata"]["responder"] != "consent"
    assert customer(db, stack, phone)["opted_out_at"] is None
