"""Order updates of a store that sends through Meta: the proactive sender sends the approved template
through the Graph API stand-in with the order's fields, and Meta's later "failed" status (131047, outside
the 24-hour window) marks the update failed with Meta's error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from sapa.broadcasts.worker import BroadcastDeps, run_due
from sapa.db import get_supabase
from sapa.settings import Settings
from tests.api.inbox import Db
from tests.channels.fake_graph import VERSION, FakeGraph
from tests.channels.meta import payloads
from tests.channels.meta.conftest import MetaShop, post_webhook

TEMPLATE_ID = "1000000000000010"
BODY = "Halo {{1}}, pesanan #{{2}} sudah selesai. Total {{3}}."


def test_an_order_update_goes_out_through_the_graph_api_and_follows_metas_failure(
    api: TestClient, meta_shop: MetaShop, db: Db, graph: FakeGraph, meta_settings: Settings
) -> None:
    shop = meta_shop.shop
    template = db.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, language, body, provider, components,"
        " category) values (%s, 'order_completed', %s, 'id', %s, 'meta', %s, 'utility') returning id::text",
        (shop.id, TEMPLATE_ID, BODY, json.dumps([{"type": "BODY", "text": BODY}])),
    ).fetchone()
    assert template is not None
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    settings = {"events": {"completed": {
        "enabled": True, "template_id": template["id"], "enabled_at": yesterday,
        "variables": {"1": "{{first_name}}", "2": "{{order_number}}", "3": "{{total}}"}}}}  # fmt: skip
    db.execute("select set_notification_settings(%s, %s)", (shop.id, json.dumps(settings)))
    customer = db.execute(
        "insert into customers (store_id, phone, name, marketing_opt_in)"
        " values (%s, '+6281399887766', 'Sari Dewi', true) returning id::text",
        (shop.id,),
    ).fetchone()
    assert customer is not None
    db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id, created_at,"
        " date_modified) values (%s, 4242, '4242', 'processing', 1250000, 'IDR', %s,"
        " now() - interval '1 day', now() - interval '1 hour')",
        (shop.id, customer["id"]),
    )
    # What WooCommerce's order.updated "completed" does to the mirror.
    db.execute(
        "update orders set status = 'completed', date_modified = now()"
        " where store_id = %s and external_id = 4242",
        (shop.id,),
    )

    report = run_due(BroadcastDeps.from_settings(get_supabase(), meta_settings))
    assert report.outcomes["queued"] == 1, report.as_dict()
    (request,) = graph.sent
    assert request["path"] == f"/{VERSION}/{meta_shop.phone_number_id}/messages"
    assert request["json"]["to"] == "6281399887766"
    assert request["json"]["template"] == {
        "name": "order_completed",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Sari"},
                    {"type": "text", "text": "4242"},
                    {"type": "text", "text": "Rp 1.250.000"},
                ],
            }
        ],
    }
    sent = db.execute(
        "select provider_message_id, status::text from order_notifications where store_id = %s", (shop.id,)
    ).fetchone()
    assert sent is not None and sent["status"] == "sent" and sent["provider_message_id"].startswith("wamid.")

    failed = payloads.status(
        meta_shop.phone_number_id,
        sent["provider_message_id"],
        "6281399887766",
        "failed",
        payloads.RE_ENGAGEMENT,
    )
    assert post_webhook(api, failed, meta_shop.app_secret).status_code == 200
    row = db.execute("select status::text, error from order_notifications where store_id = %s", (shop.id,))
    assert row.fetchone() == {"status": "failed", "error": "WhatsApp error 131047: Re-engagement message"}
