"""The knowledge issue's "done" end to end on the local stack: the owner uploads the demo store's return
policy through the API (what the dashboard's upload does), it becomes ready, a customer asks about
returns on the WhatsApp simulator (its signed webhook), and the bot's reply quotes the policy and cites
the document in its metadata. No OpenAI key is set in the stack: the offline responder answers."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from sapa.local.seed.documents import DEMO_RETURN_POLICY
from tests.conftest import Stack

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def owner_headers(stack: Stack) -> dict[str, str]:
    response = httpx.post(
        f"{stack.api_url}/auth/v1/token?grant_type=password",
        headers={"apikey": stack.anon_key},
        json={"email": stack.demo_admin_email, "password": stack.demo_admin_password},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def return_policy(stack: Stack, owner_headers: dict[str, str]) -> Iterator[str]:
    """The demo return policy uploaded as the owner and processed; its document id. Deleted afterwards."""
    url = f"{stack.functions_url}/api/stores/{stack.demo_store_id}/knowledge"
    files = {"file": (DEMO_RETURN_POLICY.name, DEMO_RETURN_POLICY.read_bytes(), "text/markdown")}
    created = httpx.post(url, headers=owner_headers, files=files, timeout=30)
    assert created.status_code == 201, created.text
    document_id = str(created.json()["id"])
    deadline = time.monotonic() + 120
    while (status := _document(url, document_id, owner_headers)["status"]) == "processing":
        assert time.monotonic() < deadline, "the document was not processed within 120 s"
        time.sleep(0.25)
    assert status == "ready", _document(url, document_id, owner_headers)
    yield document_id
    httpx.delete(f"{url}/{document_id}", headers=owner_headers, timeout=10)


def _document(url: str, document_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = httpx.get(f"{url}/{document_id}", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _reply_to(db: Db, message_sid: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = db.execute(
            "select j.status::text as status, j.last_error from reply_jobs j"
            " join messages m on m.id = j.message_id"
            " where m.provider_message_id = %s and j.status <> 'working'",
            (message_sid,),
        ).fetchone()
        if job:
            assert job["status"] == "done", job
            return db.execute(
                "select r.body, r.metadata from messages r join messages m on r.reply_to = m.id"
                " where m.provider_message_id = %s order by r.created_at",
                (message_sid,),
            ).fetchall()
        time.sleep(0.2)
    raise AssertionError(f"no reply to {message_sid} after {timeout} s")


def _policy_sentences() -> list[str]:
    """The policy's sentences (headings dropped), for spotting a quote in the reply."""
    text = DEMO_RETURN_POLICY.read_text()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [s.strip() for line in lines for s in re.split(r"(?<=[.;])\s+", line) if len(s.strip()) >= 30]


def test_a_customer_asking_about_returns_on_whatsapp_gets_the_uploaded_policy(
    stack: Stack, db: Db, return_policy: str
) -> None:
    phone = "+62896" + "".join(secrets.choice("0123456789") for _ in range(7))
    sent = httpx.post(
        f"{stack.functions_url}/simulator/api/send",
        json={
            "store_id": stack.demo_store_id,
            "phone": phone,
            "name": "Rina",
            "body": "Kak, kalau mau retur barang caranya gimana ya?",
        },
        timeout=15,
    )
    assert sent.status_code == 200, sent.text

    replies = _reply_to(db, sent.json()["message_sid"])

    text = " ".join(reply["body"] for reply in replies)
    quoted = [sentence for sentence in _policy_sentences() if sentence in text]
    assert quoted, f"the reply quotes no sentence of the policy: {text!r}"
    assert f"document:{return_policy}" in replies[0]["metadata"]["sources"]
    assert replies[0]["metadata"]["responder"] == "offline"
