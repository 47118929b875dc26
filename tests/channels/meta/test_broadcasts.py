"""Broadcasts of a store that sends through Meta: the broadcast sender goes through the store's provider
(the Graph API stand-in), Meta's status webhooks move the recipients, and a recipient whose worker died
mid-send is not sent again (Meta keeps no message list to ask, as Twilio does)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from sapa.broadcasts.worker import UNKNOWN_AT_META, BroadcastDeps, run_due
from sapa.db import get_supabase
from sapa.settings import Settings
from tests.api.inbox import Db
from tests.broadcasts.factories import add_customers, add_template, broadcast_body, recipients
from tests.channels.fake_graph import VERSION, FakeGraph
from tests.channels.meta import payloads
from tests.channels.meta.conftest import MetaShop, post_webhook

PROMO_ID = "1000000000000009"
COMPONENTS = [{"type": "BODY", "text": "Halo {{1}}, ada promo untuk pesanan #{{2}} kamu!"}]


def _meta_template(db: Db, store_id: str) -> str:
    row = db.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, language, body, provider, components,"
        " category) values (%s, 'promo_desember', %s, 'id', %s, 'meta', %s, 'marketing') returning id::text",
        (store_id, PROMO_ID, COMPONENTS[0]["text"], json.dumps(COMPONENTS)),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def _broadcast(api: TestClient, meta_shop: MetaShop, db: Db, customers: int) -> str:
    shop = meta_shop.shop
    add_customers(db, shop.id, customers)
    created = api.post(
        shop.url("broadcasts"), json=broadcast_body(_meta_template(db, shop.id)), headers=shop.owner.headers
    )
    assert created.status_code == 201, created.text
    broadcast = str(created.json()["id"])
    assert api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.owner.headers).status_code == 200
    return broadcast


def _deps(settings: Settings) -> BroadcastDeps:
    fast = settings.model_copy(update={"broadcast_messages_per_second": 200.0})
    return BroadcastDeps.from_settings(get_supabase(), fast)


def test_a_meta_stores_broadcast_goes_out_through_the_graph_api_and_follows_metas_statuses(
    api: TestClient, meta_shop: MetaShop, db: Db, graph: FakeGraph, meta_settings: Settings
) -> None:
    broadcast = _broadcast(api, meta_shop, db, 2)
    report = run_due(_deps(meta_settings))
    assert report.outcomes["queued"] == 2, report.as_dict()

    assert {request["path"] for request in graph.sent} == {f"/{VERSION}/{meta_shop.phone_number_id}/messages"}
    first, second = recipients(db, broadcast)
    sent: dict[str, Any] = {request["json"]["to"]: request["json"] for request in graph.sent}
    assert sent[first["phone"].removeprefix("+")]["template"] == {
        "name": "promo_desember",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Pelanggan"}, {"type": "text", "text": "-"}],
            }
        ],
    }
    assert first["status"] == "queued" and first["provider_message_id"].startswith("wamid.")

    for state in ("delivered", "read"):
        update = payloads.status(
            meta_shop.phone_number_id, first["provider_message_id"], first["phone"].removeprefix("+"), state
        )
        assert post_webhook(api, update, meta_shop.app_secret).status_code == 200
    failed = payloads.status(
        meta_shop.phone_number_id,
        second["provider_message_id"],
        second["phone"].removeprefix("+"),
        "failed",
        {"code": 131026, "title": "Message undeliverable"},
    )
    assert post_webhook(api, failed, meta_shop.app_secret).status_code == 200
    first, second = recipients(db, broadcast)
    assert (first["status"], second["status"]) == ("read", "failed")
    assert second["error"] == "WhatsApp error 131026: Message undeliverable", "Meta's error, not Twilio's"


def test_a_recipient_whose_worker_died_mid_send_is_not_sent_again_through_meta(
    api: TestClient, meta_shop: MetaShop, db: Db, graph: FakeGraph, meta_settings: Settings
) -> None:
    broadcast = _broadcast(api, meta_shop, db, 3)
    # A worker claims everyone, stores the first message (the step right before Meta's call), and dies.
    claimed = db.execute(
        "select recipient_id::text from claim_broadcast_recipients(10, 200, 60) where broadcast_id = %s",
        (broadcast,),
    ).fetchall()
    assert len(claimed) == 3
    died_on = recipients(db, broadcast)[0]
    decision = db.execute("select broadcast_send_check(%s) as d", (died_on["id"],)).fetchone()
    assert decision is not None and decision["d"]["decision"] == "send"
    db.execute(
        "update broadcast_recipients set lease_until = now() - interval '1 second' where broadcast_id = %s",
        (broadcast,),
    )

    report = run_due(_deps(meta_settings))

    assert report.outcomes["failed"] == 1 and report.outcomes["queued"] == 2, report.as_dict()
    assert died_on["phone"].removeprefix("+") not in {request["json"]["to"] for request in graph.sent}
    assert len(graph.sent) == 2
    after = {row["id"]: row for row in recipients(db, broadcast)}
    assert (after[died_on["id"]]["status"], after[died_on["id"]]["error"]) == ("failed", UNKNOWN_AT_META)
    messages = db.execute(
        "select count(*) as n from messages where metadata ->> 'broadcast_id' = %s", (broadcast,)
    ).fetchone()
    assert messages == {"n": 3}, "one stored message per recipient, none twice"


def test_a_meta_store_is_offered_and_broadcasts_only_its_meta_templates(
    api: TestClient, meta_shop: MetaShop, db: Db
) -> None:
    shop = meta_shop.shop
    twilio_template = add_template(db, shop.id)  # left from when the store sent through Twilio
    meta_template = _meta_template(db, shop.id)

    listed = api.get(shop.url("templates"), headers=shop.agent.headers).json()
    assert [template["id"] for template in listed] == [meta_template]
    refused = api.post(
        shop.url("broadcasts"), json=broadcast_body(twilio_template), headers=shop.owner.headers
    )
    assert refused.status_code == 422, refused.text
    assert "is a twilio template and the store sends through meta" in refused.text
    stored = db.execute("select count(*) as n from broadcasts where store_id = %s", (shop.id,)).fetchone()
    assert stored == {"n": 0}
