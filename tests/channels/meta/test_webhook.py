"""GET/POST /webhooks/whatsapp-cloud against the local stack: Meta's subscription check, signatures over
the raw body, every documented customer message type stored like Twilio's, redeliveries stored once,
statuses moving messages forward with Meta's error kept where the inbox shows it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from supabase import create_client

from sapa.stores.crypto import CredentialsCipher
from tests.api.conftest import RecordingQueue
from tests.api.inbox import Db, new_phone
from tests.channels.fake_graph import FakeGraph, signed
from tests.channels.meta import payloads
from tests.channels.meta.conftest import ENCRYPTION_KEY, VERIFY_TOKEN, MetaShop, messages_of, post_webhook
from tests.conftest import Stack

URL = "/webhooks/whatsapp-cloud"


def customer() -> str:
    return new_phone("+62857").removeprefix("+")


# GET: Meta's subscription check ----------------------------------------------------------------------
def test_the_subscription_check_echoes_the_challenge_for_the_configured_token(api: TestClient) -> None:
    answer = api.get(
        URL, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert answer.status_code == 200
    assert answer.text == "1158201444"
    assert answer.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong-token", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_the_subscription_check_refuses_anything_else(api: TestClient, params: dict[str, str]) -> None:
    answer = api.get(URL, params=params)
    assert answer.status_code == 403
    assert answer.text != "1"


# POST: signatures ------------------------------------------------------------------------------------
def test_a_forged_or_missing_signature_is_refused_and_nothing_is_stored(
    api: TestClient, meta_shop: MetaShop, db: Db, jobs: RecordingQueue
) -> None:
    payload = payloads.inbound(meta_shop.phone_number_id, customer(), payloads.TEXT)
    raw, headers = signed(payload, "not-the-app-secret")
    assert api.post(URL, content=raw, headers=headers).status_code == 403
    unsigned = {"Content-Type": "application/json"}
    assert api.post(URL, content=raw, headers=unsigned).status_code == 403
    # The right signature over other bytes (the body changed on the way) is refused too.
    _, good = signed(payload, meta_shop.app_secret)
    tampered = json.dumps(payload).replace("another color", "a discount").encode()
    assert api.post(URL, content=tampered, headers=good).status_code == 403
    assert messages_of(db, meta_shop.id) == []
    assert jobs.replies == []


def test_a_body_naming_two_stores_is_refused_whole_unless_both_secrets_signed_it(
    api: TestClient, meta_shop: MetaShop, db: Db
) -> None:
    """Meta signs with the app's one secret; a body that also names a store of another app (whose secret
    did not sign it) stores nothing for either."""
    cipher = CredentialsCipher(ENCRYPTION_KEY)
    other = meta_shop.shop.other_store_id
    other_number_id = str(int(meta_shop.phone_number_id) + 1)
    db.execute("update stores set whatsapp_number = %s where id = %s", (new_phone("+62814"), other))
    db.execute(
        "select configure_whatsapp_sender(%s, 'meta', %s, '1', %s, %s)",
        (other, other_number_id, cipher.encrypt("other-token"), cipher.encrypt("other-app-secret")),
    )
    first = payloads.inbound(meta_shop.phone_number_id, customer(), payloads.TEXT)
    second = payloads.inbound(other_number_id, customer(), payloads.TEXT)
    first["entry"] += second["entry"]
    assert post_webhook(api, first, meta_shop.app_secret).status_code == 403
    assert messages_of(db, meta_shop.id) == [] and messages_of(db, other) == []


def test_a_phone_number_id_no_store_has_is_not_found(api: TestClient, meta_shop: MetaShop, db: Db) -> None:
    payload = payloads.inbound("999000111222333", customer(), payloads.TEXT)
    assert post_webhook(api, payload, meta_shop.app_secret).status_code == 404


# POST: every type a customer sends -------------------------------------------------------------------
def _stored(api: TestClient, meta_shop: MetaShop, db: Db, message: dict[str, Any]) -> dict[str, Any]:
    payload = payloads.inbound(meta_shop.phone_number_id, customer(), message)
    answer = post_webhook(api, payload, meta_shop.app_secret)
    assert answer.status_code == 200, answer.text
    (row,) = messages_of(db, meta_shop.id)
    assert row["provider_message_id"] == payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert (row["direction"], row["sender"], row["status"]) == ("inbound", "customer", "received")
    return row


def test_a_text_is_stored_with_the_customer_and_a_reply_enqueued(
    api: TestClient, meta_shop: MetaShop, db: Db, jobs: RecordingQueue
) -> None:
    row = _stored(api, meta_shop, db, payloads.TEXT)
    assert row["body"] == "Does it come in another color?"
    assert row["media"] == []
    assert "whatsapp" not in row["metadata"]
    person = db.execute(
        "select cu.phone, cu.name from customers cu"
        " join conversations c on c.customer_id = cu.id where c.id = %s",
        (row["conversation_id"],),
    ).fetchone()
    assert person is not None and person["name"] == "Sheena Nelson" and person["phone"].startswith("+62857")
    assert jobs.replies == [(meta_shop.id, row["id"])]


@pytest.mark.parametrize(
    ("message", "caption", "content_type"),
    [
        (payloads.IMAGE, "Is this the batik I ordered?", "image/jpeg"),
        (payloads.DOCUMENT, "Receipt", "application/pdf"),
        (payloads.AUDIO, "", "audio/ogg; codecs=opus"),
        (payloads.VIDEO, "unboxing", "video/mp4"),
        (payloads.STICKER, "", "image/webp"),
    ],
)
def test_media_is_stored_as_a_graph_media_url_for_the_reply_job_to_fetch(
    api: TestClient,
    meta_shop: MetaShop,
    db: Db,
    graph: FakeGraph,
    message: dict[str, Any],
    caption: str,
    content_type: str,
) -> None:
    row = _stored(api, meta_shop, db, message)
    kind = message["type"]
    assert row["body"] == caption
    assert row["media"] == [{"url": f"{graph.url}/v23.0/{message[kind]['id']}", "content_type": content_type}]
    assert row["metadata"]["whatsapp"]["type"] == kind


def test_a_location_is_stored_as_readable_text_with_its_coordinates(
    api: TestClient, meta_shop: MetaShop, db: Db
) -> None:
    row = _stored(api, meta_shop, db, payloads.LOCATION)
    assert row["body"] == "📍 Main Street Beach, 1 Hacker Way, Menlo Park, CA 94025 (37.483307, -122.148981)"
    assert row["metadata"]["whatsapp"]["location"]["latitude"] == 37.483307


def test_shared_contacts_are_stored_with_name_and_number(
    api: TestClient, meta_shop: MetaShop, db: Db
) -> None:
    row = _stored(api, meta_shop, db, payloads.CONTACTS)
    assert row["body"] == "👤 Barbara J. Johnson +1 (940) 555-1234"
    assert row["metadata"]["whatsapp"]["contacts"][0]["phones"][0]["wa_id"] == "19405551234"


@pytest.mark.parametrize(
    ("message", "body", "details"),
    [
        (
            payloads.LIST_REPLY,
            "Priority Mail Express",
            {"reply_type": "list_reply", "id": "priority_express", "description": "Next Day to 2 Days"},
        ),
        (payloads.BUTTON_REPLY, "Cancel", {"reply_type": "button_reply", "id": "cancel-button"}),
        (payloads.TEMPLATE_BUTTON, "Stop promotions", {"type": "button", "payload": "STOP_PROMOTIONS"}),
    ],
)
def test_a_tapped_button_or_row_is_stored_as_its_title_with_its_id(
    api: TestClient, meta_shop: MetaShop, db: Db, message: dict[str, Any], body: str, details: dict[str, str]
) -> None:
    row = _stored(api, meta_shop, db, message)
    assert row["body"] == body
    assert details.items() <= row["metadata"]["whatsapp"].items()
    assert row["metadata"]["whatsapp"]["context_id"] == message["context"]["id"]


def test_a_reaction_is_stored_but_not_answered(
    api: TestClient, meta_shop: MetaShop, db: Db, jobs: RecordingQueue
) -> None:
    row = _stored(api, meta_shop, db, payloads.REACTION)
    assert row["body"] == "\U0001f44d"
    assert row["metadata"]["whatsapp"] == {
        "type": "reaction",
        "reacted_to": payloads.REACTION["reaction"]["message_id"],
        "emoji": "\U0001f44d",
    }
    assert jobs.replies == []


def test_an_unsupported_message_is_stored_as_such_with_metas_error(
    api: TestClient, meta_shop: MetaShop, db: Db, jobs: RecordingQueue
) -> None:
    row = _stored(api, meta_shop, db, payloads.UNSUPPORTED)
    assert row["body"] == ""
    assert row["metadata"]["whatsapp"] == {
        "type": "unsupported",
        "unsupported_type": "poll_update",
        "error_code": "131051",
        "error_title": "Message type unknown",
        "error_details": "Message type is currently not supported.",
    }
    assert jobs.replies == []


def test_a_redelivered_message_is_stored_once(api: TestClient, meta_shop: MetaShop, db: Db) -> None:
    payload = payloads.inbound(meta_shop.phone_number_id, customer(), payloads.LIST_REPLY)
    for _ in range(3):
        assert post_webhook(api, payload, meta_shop.app_secret).status_code == 200
    rows = messages_of(db, meta_shop.id)
    assert len(rows) == 1
    assert rows[0]["metadata"]["whatsapp"]["id"] == "priority_express"


def test_a_malformed_body_is_refused_before_anything_is_stored(
    api: TestClient, meta_shop: MetaShop, db: Db
) -> None:
    payload = payloads.inbound(meta_shop.phone_number_id, "not-a-number", payloads.TEXT)
    assert post_webhook(api, payload, meta_shop.app_secret).status_code == 400
    raw, headers = signed({"object": "page", "entry": []}, meta_shop.app_secret)
    assert api.post(URL, content=raw, headers=headers).status_code == 400
    assert messages_of(db, meta_shop.id) == []


# POST: statuses --------------------------------------------------------------------------------------
def _agent_reply(api: TestClient, meta_shop: MetaShop, db: Db, wa_id: str) -> dict[str, Any]:
    """A customer writes, an agent answers through the API (sent through the Graph stand-in)."""
    assert (
        post_webhook(
            api, payloads.inbound(meta_shop.phone_number_id, wa_id, payloads.TEXT), meta_shop.app_secret
        ).status_code
        == 200
    )
    conversation = messages_of(db, meta_shop.id)[0]["conversation_id"]
    shop = meta_shop.shop
    answer = api.post(
        shop.url(f"conversations/{conversation}/messages"),
        headers=shop.agent.headers,
        json={"body": "Ada, kak: biru dan merah."},
    )
    assert answer.status_code == 201, answer.text
    (sent,) = [row for row in messages_of(db, meta_shop.id) if row["direction"] == "outbound"]
    return sent


def test_statuses_move_the_message_forward_only(api: TestClient, meta_shop: MetaShop, db: Db) -> None:
    wa_id = customer()
    sent = _agent_reply(api, meta_shop, db, wa_id)
    wamid = sent["provider_message_id"]
    assert wamid.startswith("wamid.") and sent["status"] == "queued"
    for state, expected in (("read", "read"), ("delivered", "read"), ("sent", "read")):
        assert (
            post_webhook(
                api, payloads.status(meta_shop.phone_number_id, wamid, wa_id, state), meta_shop.app_secret
            ).status_code
            == 200
        )
        assert db.execute("select status::text from messages where id = %s", (sent["id"],)).fetchone() == {
            "status": expected
        }


def test_a_failed_status_keeps_metas_error_where_the_inbox_shows_it(
    api: TestClient, meta_shop: MetaShop, db: Db, stack: Stack
) -> None:
    wa_id = customer()
    sent = _agent_reply(api, meta_shop, db, wa_id)
    for state, error in (("sent", None), ("failed", payloads.RE_ENGAGEMENT), ("delivered", None)):
        update = payloads.status(meta_shop.phone_number_id, sent["provider_message_id"], wa_id, state, error)
        assert post_webhook(api, update, meta_shop.app_secret).status_code == 200
    # What the inbox reads: the message under RLS as the store's agent (Thread shows metadata.error).
    agent = create_client(stack.api_url, stack.anon_key)
    agent.postgrest.auth(meta_shop.shop.agent.token)
    (seen,) = agent.table("messages").select("status, metadata").eq("id", sent["id"]).execute().data
    assert seen["status"] == "failed"
    assert seen["metadata"]["error"] == "WhatsApp error 131047: Re-engagement message"
    assert seen["metadata"]["provider_error_code"] == "131047"
    assert "twilio_error_code" not in seen["metadata"]


def test_an_undeliverable_status_fails_the_message_once(api: TestClient, meta_shop: MetaShop, db: Db) -> None:
    wa_id = customer()
    sent = _agent_reply(api, meta_shop, db, wa_id)
    update = payloads.status(
        meta_shop.phone_number_id, sent["provider_message_id"], wa_id, "failed", payloads.UNDELIVERABLE
    )
    for _ in range(2):  # Meta redelivers
        assert post_webhook(api, update, meta_shop.app_secret).status_code == 200
    row = db.execute("select status::text, metadata from messages where id = %s", (sent["id"],)).fetchone()
    assert row is not None and row["status"] == "failed"
    assert row["metadata"]["error"] == "WhatsApp error 131026: Message undeliverable"
