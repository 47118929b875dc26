"""The inbox API on the running stack (FUNCTIONS_URL), as the dashboard uses it: a customer writes
through a signed Twilio webhook, the bot answers and the summary job summarises the conversation in
the background; the demo agent, signed in through the auth stand-in, takes over, replies (sandbox),
hands back and resolves; an agent of the other demo store can do none of it."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from supabase import create_client

from sapa.channels.twilio.signature import sign
from sapa.local.seed.stores import DEMO
from tests.conftest import Stack


def _sign_in(stack: Stack, email: str, password: str) -> dict[str, str]:
    session = (
        create_client(stack.api_url, stack.anon_key)
        .auth.sign_in_with_password({"email": email, "password": password})
        .session
    )
    assert session is not None
    return {"Authorization": f"Bearer {session.access_token}"}


@pytest.fixture
def db(stack: Stack) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def _wait_for(read: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := read():
            return value
        time.sleep(0.1)
    raise AssertionError(f"nothing after {timeout} s")


def _customer_writes(stack: Stack, phone: str, body: str) -> str:
    url = f"{stack.functions_url}/webhooks/twilio"
    sid = "SM" + secrets.token_hex(16)
    form = {
        "MessageSid": sid,
        "AccountSid": "AC" + "1" * 32,
        "From": f"whatsapp:{phone}",
        "To": f"whatsapp:{stack.demo_whatsapp_number}",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Wulan Live",
    }
    response = httpx.post(
        url, data=form, headers={"X-Twilio-Signature": sign(url, form, stack.twilio_auth_token)}
    )
    assert response.status_code == 200, response.text
    return sid


def test_an_agent_works_a_conversation_end_to_end(
    stack: Stack, db: psycopg.Connection[dict[str, Any]]
) -> None:
    phone = "+6289977" + str(secrets.randbelow(10**6)).zfill(6)
    sid = _customer_writes(stack, phone, "Halo kak, pesanan saya belum sampai. Ongkir ke Medan berapa?")
    conversation_id = _wait_for(
        lambda: db.execute(
            "select m.conversation_id::text as id from messages m join reply_jobs j on j.message_id = m.id"
            " where m.provider_message_id = %s and j.status = 'done'",
            (sid,),
        ).fetchone()
    )["id"]
    summarised = _wait_for(
        lambda: db.execute(
            "select summary, summary_data from conversations where id = %s and summary is not null",
            (conversation_id,),
        ).fetchone()
    )
    assert summarised["summary"].startswith("Wulan Live wants")
    assert summarised["summary_data"]["responder"] == "offline"  # the stack has no OpenAI key

    agent = _sign_in(stack, stack.demo_agent_email, stack.demo_agent_password)
    stranger = _sign_in(stack, DEMO.other_agent_email, DEMO.other_agent_password)
    base = f"{stack.functions_url}/api/stores/{stack.demo_store_id}/conversations/{conversation_id}"

    refused = httpx.post(f"{base}/take-over", headers=stranger)
    taken = httpx.post(f"{base}/take-over", headers=agent)
    replied = httpx.post(
        f"{base}/messages", headers=agent, json={"body": "Halo kak Wulan, saya cek dulu ya."}
    )
    handed_back = httpx.post(f"{base}/hand-back", headers=agent)
    resolved = httpx.post(f"{base}/resolve", headers=agent)

    assert refused.status_code == 403
    assert (taken.status_code, taken.json()["status"]) == (200, "human")
    assert (replied.status_code, replied.json()["status"], replied.json()["sender"]) == (
        201,
        "sandbox",
        "agent",
    )
    assert (handed_back.status_code, handed_back.json()["status"]) == (200, "bot")
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    actions = db.execute(
        "select action from audit_log where store_id = %s and target_id in (%s, %s) order by id",
        (stack.demo_store_id, conversation_id, replied.json()["id"]),
    ).fetchall()
    assert [row["action"] for row in actions] == [
        "conversation.taken_over",
        "conversation.agent_replied",
        "conversation.handed_back",
        "conversation.resolved",
    ]


def test_the_dashboard_origin_may_call_the_api_from_the_browser(stack: Stack) -> None:
    origin = os.environ["DASHBOARD_URL"].rstrip("/")
    response = httpx.options(
        f"{stack.functions_url}/api/stores/{stack.demo_store_id}/templates",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
