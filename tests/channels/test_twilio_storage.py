"""Storing Twilio webhooks through the service-role client: concurrent deliveries of one customer's
messages, and Twilio's redeliveries racing the first delivery, end as one customer, one open
conversation and one message per MessageSid."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
from supabase import create_client

from sapa.channels.twilio import storage
from sapa.channels.twilio.inbound import InboundMessage, Media, StatusCallback
from tests.conftest import Stack


def inbound(phone: str, sid: str, to: str) -> InboundMessage:
    return InboundMessage(
        message_sid=sid,
        account_sid="AC" + "0" * 32,
        from_phone=phone,
        to_phone=to,
        body="Ada ukuran L?",
        profile_name="Sari",
        wa_id=phone.lstrip("+"),
        media=[Media(url="https://api.twilio.com/media/ME1", content_type="image/png")],
    )


def test_concurrent_deliveries_store_each_message_once_in_one_conversation(stack: Stack) -> None:
    store_number = stack.demo_whatsapp_number
    phone = "+62877" + "".join(secrets.choice("0123456789") for _ in range(7))
    sids = ["SM" + secrets.token_hex(16) for _ in range(8)]
    deliveries = [sid for sid in sids for _ in range(3)]  # every message delivered three times at once
    start = threading.Barrier(len(deliveries))

    def deliver(sid: str) -> storage.IngestedMessage:
        supabase = create_client(stack.api_url, stack.service_role_key)
        start.wait()
        return storage.ingest_message(supabase, inbound(phone, sid, store_number))

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        results = list(pool.map(deliver, deliveries))

    with psycopg.connect(stack.db_url) as conn:
        customers = conn.execute(
            "select id::text from public.customers where phone = %s", (phone,)
        ).fetchall()
        conversations = conn.execute(
            "select c.id::text, count(m.id) from public.conversations c join public.customers cu"
            " on cu.id = c.customer_id left join public.messages m on m.conversation_id = c.id"
            " where cu.phone = %s group by c.id",
            (phone,),
        ).fetchall()
    assert len(customers) == 1
    assert [count for _, count in conversations] == [len(sids)]
    for sid in sids:
        of_sid = [r for r, s in zip(results, deliveries, strict=True) if s == sid]
        assert sorted(r.created for r in of_sid) == [False, False, True]
        assert len({r.message_id for r in of_sid}) == 1
    assert {r.conversation_id for r in results} == {conversations[0][0]}
    assert {r.customer_id for r in results} == {customers[0][0]}


def test_the_store_of_a_number_comes_with_its_auth_token(stack: Stack) -> None:
    supabase = create_client(stack.api_url, stack.service_role_key)

    demo = storage.find_store(supabase, stack.demo_whatsapp_number)
    other = storage.find_store(supabase, "+6281100000002")

    assert demo is not None and demo.id == stack.demo_store_id
    assert demo.auth_token == stack.twilio_auth_token
    assert other is not None and other.auth_token is None
    assert storage.find_store(supabase, "+6281100009999") is None


def test_a_status_is_recorded_for_the_store_that_sent_the_message(stack: Stack) -> None:
    supabase = create_client(stack.api_url, stack.service_role_key)
    store_id, sid = stack.demo_store_id, "SM" + secrets.token_hex(16)
    with psycopg.connect(stack.db_url) as conn:
        conn.execute(
            "insert into public.messages (store_id, conversation_id, direction, sender, body,"
            " provider_message_id, status)"
            " select store_id, id, 'outbound', 'bot', 'Ada kak.', %s, 'sent'"
            " from public.conversations where store_id = %s limit 1",
            (sid, store_id),
        )

    def callback(message_sid: str, status: str) -> StatusCallback:
        return StatusCallback(
            message_sid=message_sid,
            account_sid="AC" + "0" * 32,
            from_phone=stack.demo_whatsapp_number,
            to_phone="+6287700000000",
            status=status,
        )

    assert storage.record_status(supabase, store_id, callback(sid, "delivered")) == "delivered"
    assert storage.record_status(supabase, store_id, callback(sid, "sent")) == "delivered"
    assert (
        storage.record_status(supabase, "00000000-0000-4000-8000-000000000002", callback(sid, "read")) is None
    )
    assert storage.record_status(supabase, store_id, callback("SM" + secrets.token_hex(16), "read")) is None
