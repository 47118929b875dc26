"""Broadcasts through the functions API against the local stack: create with its recipient list and
who is skipped, send (twice: nobody twice), pause, cancel, the report; roles; the sandbox sender; status
callbacks through the signed Twilio webhook move recipients forward only."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sapa.broadcasts.worker import BroadcastDeps, run_due
from sapa.channels.twilio.signature import sign
from sapa.db import get_supabase
from sapa.jobs import sqs_handler
from sapa.settings import get_settings
from tests.api.inbox import Db, Shop
from tests.aws_lambda.context import CONTEXT
from tests.broadcasts.factories import (
    add_customers,
    add_template,
    broadcast_body,
    give_twilio_account,
    recipients,
)
from tests.broadcasts.fake_twilio import FakeTwilioMessages

WEBHOOK = "http://testserver/webhooks/twilio"


def _deps(fake: FakeTwilioMessages, **overrides: object) -> BroadcastDeps:
    settings = get_settings().model_copy(
        update={"twilio_api_base_url": fake.url, "broadcast_messages_per_second": 200.0} | overrides
    )
    return BroadcastDeps.from_settings(get_supabase(), settings)


def test_a_broadcast_is_created_with_its_recipients_and_who_is_skipped(
    api: TestClient, shop: Shop, db: Db
) -> None:
    add_customers(db, shop.id, 3)
    add_customers(db, shop.id, 2, opted_out=True)
    add_customers(db, shop.id, 4, opted_in=False)
    template = add_template(db, shop.id)

    everyone = api.post(
        shop.url("segments"), json={"name": "All", "rules": {"all": []}}, headers=shop.admin.headers
    )
    with_consent = api.post(shop.url("broadcasts"), json=broadcast_body(template), headers=shop.admin.headers)
    assert (with_consent.json()["recipients"], with_consent.json()["skipped"]) == (3, 0), (
        "no segment: who consented"
    )

    created = api.post(
        shop.url("broadcasts"),
        json=broadcast_body(template, everyone.json()["id"]),
        headers=shop.admin.headers,
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["recipients"], body["skipped"], body["skipped_by_reason"]) == (
        3,
        6,
        {"opted_out": 2, "no_consent": 4},
    )
    report = api.get(shop.url(f"broadcasts/{body['id']}"), headers=shop.agent.headers)
    assert report.status_code == 200
    assert report.json()["status"] == "draft"
    assert report.json()["counts"] == {
        "total": 9, "queued": 3, "sent": 0, "delivered": 0, "read": 0, "failed": 0, "skipped": 6,
    }  # fmt: skip
    preview = api.get(shop.url(f"broadcasts/{body['id']}/preview"), headers=shop.agent.headers).json()
    assert preview["messages"][0]["body"] == "Halo Pelanggan, ada promo untuk pesanan #- kamu!"
    assert sorted(s["reason"] for s in preview["skipped_customers"]) == ["no_consent"] * 4 + ["opted_out"] * 2


def test_bad_broadcasts_are_refused_and_store_nothing(api: TestClient, shop: Shop, db: Db) -> None:
    template = add_template(db, shop.id)
    bad = [
        broadcast_body(str(uuid.uuid4())),
        broadcast_body(template, variables={"1": "x"}),
        broadcast_body(template, variables={"1": "{{shoe_size}}", "2": "x"}),
        broadcast_body(template, segment_id=str(uuid.uuid4())),
        broadcast_body(template, send_at="2020-01-01T00:00:00Z"),
    ]
    for body in bad:
        response = api.post(shop.url("broadcasts"), json=body, headers=shop.owner.headers)
        assert response.status_code == 422, (body, response.text)
    assert (
        api.post(
            shop.url("broadcasts"), json=broadcast_body(template), headers=shop.agent.headers
        ).status_code
        == 403
    )
    assert db.execute("select count(*) as n from broadcasts where store_id = %s", (shop.id,)).fetchone() == {
        "n": 0
    }


def test_send_pause_cancel_and_roles(api: TestClient, shop: Shop, db: Db) -> None:
    add_customers(db, shop.id, 2)
    template = add_template(db, shop.id)
    broadcast = api.post(
        shop.url("broadcasts"), json=broadcast_body(template), headers=shop.owner.headers
    ).json()["id"]

    assert api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.agent.headers).status_code == 403
    assert (
        api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.stranger.headers).status_code == 403
    )
    assert api.post(shop.url(f"broadcasts/{broadcast}/pause"), headers=shop.admin.headers).status_code == 409
    assert api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.admin.headers).json() == {
        "status": "sending"
    }
    assert api.post(shop.url(f"broadcasts/{broadcast}/pause"), headers=shop.admin.headers).json() == {
        "status": "paused"
    }
    assert api.post(shop.url(f"broadcasts/{broadcast}/cancel"), headers=shop.admin.headers).json() == {
        "status": "cancelled"
    }
    assert api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.admin.headers).status_code == 409
    report = api.get(shop.url(f"broadcasts/{broadcast}"), headers=shop.admin.headers).json()
    assert report["counts"]["skipped"] == 2 and report["counts"]["queued"] == 0


def test_a_sandbox_sender_stores_the_messages_as_sandbox(
    api: TestClient, shop: Shop, db: Db, fake_twilio: FakeTwilioMessages
) -> None:
    add_customers(db, shop.id, 5)
    template = add_template(db, shop.id)
    broadcast = api.post(
        shop.url("broadcasts"), json=broadcast_body(template), headers=shop.owner.headers
    ).json()["id"]
    api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.owner.headers)

    run_due(_deps(fake_twilio))
    api.post(
        shop.url(f"broadcasts/{broadcast}/send"), headers=shop.owner.headers
    )  # a second send: nobody twice
    run_due(_deps(fake_twilio))

    assert fake_twilio.sent == [], "a store without a Twilio account sends nothing"

    def statuses() -> list[dict[str, Any]]:
        return db.execute(
            "select status::text, count(*) as n from messages"
            " where metadata ->> 'broadcast_id' = %s group by 1",
            (broadcast,),
        ).fetchall()

    # The stack's own sender sends sandbox stores every few seconds too: it may hold some of these.
    deadline = time.monotonic() + 15
    while statuses() != [{"status": "sandbox", "n": 5}] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert statuses() == [{"status": "sandbox", "n": 5}]
    report = api.get(shop.url(f"broadcasts/{broadcast}"), headers=shop.owner.headers).json()
    assert report["status"] == "completed" or report["counts"]["sent"] == 5
    assert report["counts"]["sent"] == 5


def test_status_callbacks_move_recipients_forward_only(
    api: TestClient, shop: Shop, db: Db, fake_twilio: FakeTwilioMessages
) -> None:
    give_twilio_account(db, shop)
    add_customers(db, shop.id, 2)
    template = add_template(db, shop.id)
    broadcast = api.post(
        shop.url("broadcasts"), json=broadcast_body(template), headers=shop.owner.headers
    ).json()["id"]
    api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.owner.headers)
    run_due(_deps(fake_twilio))
    first, second = recipients(db, broadcast)
    assert (first["status"], second["status"]) == ("queued", "queued")

    def callback(recipient: dict[str, object], status: str, **extra: str) -> None:
        form = {
            "MessageSid": str(recipient["provider_message_id"]),
            "AccountSid": "AC" + "0" * 32,
            "From": f"whatsapp:{shop.number}",
            "To": f"whatsapp:{recipient['phone']}",
            "MessageStatus": status,
            "ApiVersion": "2010-04-01",
        } | extra
        headers = {"X-Twilio-Signature": sign(WEBHOOK, form, "inbox-test-token")}
        assert api.post("/webhooks/twilio", data=form, headers=headers).status_code == 200

    callback(first, "delivered")
    callback(first, "sent")  # late, out of order
    callback(first, "read")
    callback(first, "failed", ErrorCode="30008")  # after read: ignored
    callback(second, "failed", ErrorCode="63016")
    first, second = recipients(db, broadcast)
    assert first["status"] == "read"
    assert (second["status"], second["error"]) == ("failed", "Twilio error 63016")
    counts = api.get(shop.url(f"broadcasts/{broadcast}"), headers=shop.owner.headers).json()["counts"]
    assert (counts["read"], counts["failed"], counts["queued"]) == (1, 1, 0)


def test_the_background_lambda_sends_due_broadcasts_on_its_schedule(
    api: TestClient, shop: Shop, db: Db, fake_twilio: FakeTwilioMessages, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_twilio_account(db, shop)
    add_customers(db, shop.id, 3)
    template = add_template(db, shop.id)
    broadcast = api.post(
        shop.url("broadcasts"), json=broadcast_body(template), headers=shop.owner.headers
    ).json()["id"]
    api.post(shop.url(f"broadcasts/{broadcast}/send"), headers=shop.owner.headers)
    monkeypatch.setenv("TWILIO_API_BASE_URL", fake_twilio.url)
    monkeypatch.setenv("BROADCAST_MESSAGES_PER_SECOND", "200")
    get_settings.cache_clear()
    try:
        # What serverless.yml's EventBridge schedule sends the background function every minute.
        assert sqs_handler.handler({"scheduled": "broadcasts"}, CONTEXT) == {"batchItemFailures": []}
    finally:
        get_settings.cache_clear()

    assert sorted(fake_twilio.to_numbers()) == sorted(r["phone"] for r in recipients(db, broadcast))
    assert {r["status"] for r in recipients(db, broadcast)} == {"queued"}
