"""Sending through Meta's Cloud API (the Graph API stand-in at the HTTP boundary): agents' text and
templates through the inbox API with the right JSON and bearer token, media by link or id, Meta's
refusals and outages classified as Twilio's are, and templates synced from the WABA page by page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sapa.channels.base import ChannelUnavailable, OutboundMedia
from sapa.channels.meta.channel import MetaChannel
from sapa.channels.meta.graph import GraphApi, MetaCredentials
from tests.api.inbox import Db, new_phone
from tests.channels.fake_graph import VERSION, FakeGraph, graph_error
from tests.channels.meta import payloads
from tests.channels.meta.conftest import ACCESS_TOKEN, MetaShop, messages_of, post_webhook

TEMPLATES = [
    {
        "name": "order_shipped",
        "language": "id",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "1000000000000001",
        "components": [
            {
                "type": "BODY",
                "text": "Halo {{1}}, pesanan #{{2}} sudah dikirim.",
                "example": {"body_text": [["Budi", "1042"]]},
            }
        ],
    },
    {
        "name": "order_shipped",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "1000000000000002",
        "components": [{"type": "BODY", "text": "Hi {{1}}, order #{{2}} is on its way."}],
    },
    {
        "name": "cart_reminder",
        "language": "id",
        "status": "PENDING",
        "category": "MARKETING",
        "id": "1000000000000003",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Keranjang"},
            {"type": "BODY", "text": "Masih mau {{1}}?"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop promotions"}]},
        ],
    },
]


def _conversation(api: TestClient, meta_shop: MetaShop, db: Db) -> tuple[str, str]:
    wa_id = new_phone("+62858").removeprefix("+")
    payload = payloads.inbound(meta_shop.phone_number_id, wa_id, payloads.TEXT)
    assert post_webhook(api, payload, meta_shop.app_secret).status_code == 200
    return messages_of(db, meta_shop.id)[0]["conversation_id"], wa_id


def _send(api: TestClient, meta_shop: MetaShop, conversation: str, message: dict[str, Any]) -> Any:
    shop = meta_shop.shop
    return api.post(
        shop.url(f"conversations/{conversation}/messages"), headers=shop.agent.headers, json=message
    )


def test_an_agents_text_goes_to_the_phone_number_ids_messages_with_the_stores_token(
    api: TestClient, meta_shop: MetaShop, db: Db, graph: FakeGraph
) -> None:
    conversation, wa_id = _conversation(api, meta_shop, db)
    answer = _send(api, meta_shop, conversation, {"body": "Ada warna biru, kak."})
    assert answer.status_code == 201, answer.text
    (request,) = graph.sent
    assert request["path"] == f"/{VERSION}/{meta_shop.phone_number_id}/messages"
    assert request["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": "text",
        "text": {"preview_url": False, "body": "Ada warna biru, kak."},
    }
    (sent,) = [row for row in messages_of(db, meta_shop.id) if row["direction"] == "outbound"]
    assert sent["status"] == "queued" and sent["provider_message_id"].startswith("wamid.")


def test_templates_sync_every_page_and_send_by_name_and_language(
    api: TestClient, meta_shop: MetaShop, db: Db, graph: FakeGraph
) -> None:
    graph.templates = TEMPLATES
    shop = meta_shop.shop
    synced = api.post(shop.url("whatsapp-sender/templates/sync"), headers=shop.admin.headers)
    assert synced.status_code == 200, synced.text
    assert synced.json() == {"synced": 3}
    assert len(graph.template_requests) == 2  # two per page: the second page came from paging.next
    assert graph.template_requests[0].startswith(f"/{VERSION}/{meta_shop.waba_id}/message_templates?")
    rows = db.execute(
        "select content_sid, name, language, status, category, body, provider from whatsapp_templates"
        " where store_id = %s order by content_sid",
        (meta_shop.id,),
    ).fetchall()
    assert [(r["content_sid"], r["language"], r["status"], r["provider"]) for r in rows] == [
        ("1000000000000001", "id", "approved", "meta"),
        ("1000000000000002", "en_US", "approved", "meta"),
        ("1000000000000003", "id", "pending", "meta"),
    ]
    assert rows[0]["body"] == "Halo {{1}}, pesanan #{{2}} sudah dikirim."
    listed = api.get(shop.url("templates"), headers=shop.agent.headers).json()
    assert {t["content_sid"] for t in listed} == {"1000000000000001", "1000000000000002"}  # approved only

    conversation, wa_id = _conversation(api, meta_shop, db)
    answer = _send(
        api,
        meta_shop,
        conversation,
        {"content_sid": "1000000000000001", "variables": {"1": "Budi", "2": "1042"}},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["body"] == "Halo Budi, pesanan #1042 sudah dikirim."
    assert graph.sent[-1]["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": "template",
        "template": {
            "name": "order_shipped",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "Budi"}, {"type": "text", "text": "1042"}],
                }
            ],
        },
    }

    graph.templates = TEMPLATES[:1]  # the others were deleted at Meta
    assert api.post(shop.url("whatsapp-sender/templates/sync"), headers=shop.admin.headers).json() == {
        "synced": 1
    }
    left = db.execute(
        "select content_sid from whatsapp_templates where store_id = %s", (meta_shop.id,)
    ).fetchall()
    assert left == [{"content_sid": "1000000000000001"}]


def test_only_admins_configure_the_sender_and_secrets_are_never_returned(
    api: TestClient, meta_shop: MetaShop, db: Db
) -> None:
    shop = meta_shop.shop
    assert api.get(shop.url("whatsapp-sender"), headers=shop.agent.headers).status_code == 403
    seen = api.get(shop.url("whatsapp-sender"), headers=shop.admin.headers).json()
    assert seen == {
        "provider": "meta",
        "meta": {
            "phone_number_id": meta_shop.phone_number_id,
            "waba_id": meta_shop.waba_id,
            "has_access_token": True,
            "has_app_secret": True,
        },
    }
    stored = db.execute("select * from store_credentials where store_id = %s", (shop.id,)).fetchone()
    assert stored is not None
    assert ACCESS_TOKEN not in stored["meta_access_token_encrypted"]
    assert meta_shop.app_secret not in stored["meta_app_secret_encrypted"]
    on_store_page = api.get(shop.url("settings"), headers=shop.owner.headers).json()
    assert (on_store_page["whatsapp_provider"], on_store_page["whatsapp_state"]) == ("meta", "live")
    back = api.put(shop.url("whatsapp-sender"), headers=shop.admin.headers, json={"provider": "twilio"})
    assert back.status_code == 200 and back.json()["provider"] == "twilio"
    on_store_page = api.get(shop.url("settings"), headers=shop.owner.headers).json()
    assert (on_store_page["whatsapp_provider"], on_store_page["whatsapp_state"]) == ("twilio", "sandbox")


def test_a_new_meta_sender_without_its_secrets_is_refused(
    api: TestClient, db: Db, meta_shop: MetaShop
) -> None:
    other = meta_shop.shop.other_store_id
    db.execute(
        "insert into store_members (store_id, user_id, role) values (%s, %s, 'admin')",
        (other, meta_shop.shop.admin.id),
    )
    answer = api.put(
        f"/api/stores/{other}/whatsapp-sender",
        headers=meta_shop.shop.admin.headers,
        json={"provider": "meta", "meta": {"phone_number_id": "123", "waba_id": "456"}},
    )
    assert answer.status_code == 422
    row = db.execute("select whatsapp_provider from stores where id = %s", (other,)).fetchone()
    assert row == {"whatsapp_provider": "twilio"}


# The channel directly, against the stand-in ----------------------------------------------------------
@pytest.fixture
def channel(graph: FakeGraph) -> Any:
    api = GraphApi(graph.url, VERSION)
    yield MetaChannel(
        api, MetaCredentials("106540352242922", "102290129340398", ACCESS_TOKEN), lambda _: None
    )
    api.close()


def test_media_goes_by_link_or_by_uploaded_id(channel: MetaChannel, graph: FakeGraph) -> None:
    channel.send_media(
        "6281234567890", OutboundMedia("image", link="https://shop.example/batik.jpg"), "Batik biru"
    )
    channel.send_media(
        "6281234567890", OutboundMedia("document", media_id="1234567890", filename="invoice.pdf"), "Invoice"
    )
    assert [r["json"]["type"] for r in graph.sent] == ["image", "document"]
    assert graph.sent[0]["json"]["image"] == {
        "link": "https://shop.example/batik.jpg",
        "caption": "Batik biru",
    }
    assert graph.sent[1]["json"]["document"] == {
        "id": "1234567890",
        "caption": "Invoice",
        "filename": "invoice.pdf",
    }


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            graph_error(400, 131047, "Re-engagement message", "more than 24 hours have passed"),
            "Meta error 131047: Re-engagement message (more than 24 hours have passed)",
        ),
        (graph_error(400, 131026, "Message undeliverable"), "Meta error 131026: Message undeliverable"),
        (
            graph_error(401, 190, "Error validating access token"),
            "Meta error 190: Error validating access token",
        ),
    ],
)
def test_metas_refusals_are_failed_sends_with_its_code(
    channel: MetaChannel, graph: FakeGraph, answer: tuple[int, dict[str, Any]], error: str
) -> None:
    graph.answer(*answer)
    result = channel.send_text("6281234567890", "Halo")
    assert (result.status, result.provider_message_id, result.error) == ("failed", None, error)


@pytest.mark.parametrize(
    "answer",
    [
        graph_error(400, 130429, "Rate limit hit"),
        graph_error(400, 131000, "Something went wrong"),
        graph_error(503, 2, "Service temporarily unavailable"),
        (429, {}),
    ],
)
def test_metas_outages_and_throttling_are_retried_later(
    channel: MetaChannel, graph: FakeGraph, answer: tuple[int, dict[str, Any]]
) -> None:
    graph.answer(*answer)
    with pytest.raises(ChannelUnavailable):
        channel.send_text("6281234567890", "Halo")


def test_meta_unreachable_is_retried_later() -> None:
    api = GraphApi("http://127.0.0.1:9", VERSION, timeout_seconds=2)
    channel = MetaChannel(api, MetaCredentials("1", "2", ACCESS_TOKEN), lambda _: None)
    with pytest.raises(ChannelUnavailable):
        channel.send_text("6281234567890", "Halo")
    api.close()
