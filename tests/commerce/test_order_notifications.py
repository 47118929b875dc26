"""Order updates and abandoned-checkout recovery (migrations 600 and 610, sapa.broadcasts.worker): orders
arrive through the signed WooCommerce webhook (real recorded deliveries, and documented payloads), the
proactive sender runs through the real twilio SDK against a fake Twilio, and every event reaches the
customer exactly once — or not at all, with the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa.broadcasts.worker import BroadcastDeps, RunReport, run_due
from sapa.settings import Settings
from tests.broadcasts.factories import add_template
from tests.broadcasts.fake_twilio import FakeTwilioMessages
from tests.commerce import corpus, payloads
from tests.commerce import test_corpus_deliveries as recorded
from tests.commerce.conftest import Db, Shop, deliver, new_phone
from tests.commerce.test_corpus_deliveries import Replayer, State

replayer = recorded.replayer
recorded_store = recorded.recorded_store
"""The recorded store and its replayer (fixtures of the corpus tests)."""

BODY = "Halo {{1}}, pesanan #{{2}} {{3}}"
VARIABLES = {"1": "{{first_name}}", "2": "{{order_number}}", "3": "{{total}}"}
RECORDED_FROM = "2026-12-03T00:00:00Z"
"""The recorded deliveries were made on 2026-12-03 from 06:04 UTC: events turned on before that."""
NOW = "now"
"""turn_on's enabled_at for "turned on at this moment" (the default is a day ago: the orders the tests
post are a few minutes old, and WooCommerce's dates have whole seconds)."""


def yesterday() -> str:
    return (datetime.now(UTC) - timedelta(days=1)).isoformat()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioMessages]:
    with FakeTwilioMessages().running() as fake:
        yield fake


def sender_of(db: Db, store_id: str) -> None:
    """The store sends through a Twilio account (the fake) from its own number."""
    db.execute("update stores set whatsapp_number = %s where id = %s", (new_phone(), store_id))
    db.execute(
        "insert into store_credentials (store_id, twilio_account_sid, twilio_auth_token)"
        " values (%s, %s, 'token') on conflict (store_id) do update"
        " set twilio_account_sid = excluded.twilio_account_sid,"
        " twilio_auth_token = excluded.twilio_auth_token",
        (store_id, "AC" + "0" * 32),
    )


def turn_on(db: Db, store_id: str, *events: str, enabled_at: str | None = None, **extra: Any) -> str:
    """The events (and abandoned_checkout when named) on with one template; returns its id."""
    template = add_template(db, store_id, BODY)
    kind: dict[str, Any] = {"enabled": True, "template_id": template, "variables": VARIABLES}
    if enabled_at != NOW:
        kind["enabled_at"] = enabled_at or yesterday()
    settings: dict[str, Any] = {"events": {event: kind for event in events if event != "abandoned_checkout"}}
    if "abandoned_checkout" in events:
        settings["abandoned_checkout"] = kind | {"after_minutes": 60, "second_after_hours": None} | extra
    db.execute("select set_notification_settings(%s, %s)", (store_id, json.dumps(settings)))
    return template


Sends = FakeTwilioMessages


def send_due(supabase: Client, settings: Settings, fake: FakeTwilioMessages) -> RunReport:
    updated = settings.model_copy(
        update={"twilio_api_base_url": fake.url, "broadcast_messages_per_second": 200.0}
    )
    return run_due(BroadcastDeps.from_settings(supabase, updated))


def sent(db: Db, store_id: str) -> list[dict[str, Any]]:
    """The notifications' messages of the store, oldest first."""
    return [
        dict(row)
        for row in db.execute(
            "select m.body, m.status::text, m.metadata -> 'notification' as notification, c.customer_id::text"
            " from messages m join conversations c on c.id = m.conversation_id"
            " where m.store_id = %s and m.metadata ? 'notification' order by m.created_at",
            (store_id,),
        )
    ]


def notifications(db: Db, store_id: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in db.execute(
            "select n.event, n.step, n.status::text, n.skip_reason, o.external_id from order_notifications n"
            " join orders o on o.id = n.order_id where n.store_id = %s"
            " order by n.created_at, n.event, n.step",
            (store_id,),
        )
    ]


def has_written(db: Db, store_id: str, external_order_id: int) -> None:
    """The order's customer has written to the shop on WhatsApp (consent for updates of their orders)."""
    row = db.execute(
        "select customer_id::text from orders where store_id = %s and external_id = %s",
        (store_id, external_order_id),
    ).fetchone()
    assert row is not None and row["customer_id"], "the order has a customer"
    conversation = db.execute(
        "insert into conversations (store_id, customer_id) values (%s, %s) returning id::text",
        (store_id, row["customer_id"]),
    ).fetchone()
    assert conversation is not None
    db.execute(
        "insert into messages (store_id, conversation_id, direction, sender, body, status)"
        " values (%s, %s, 'inbound', 'customer', 'halo kak', 'received')",
        (store_id, conversation["id"]),
    )


# Real deliveries ---------------------------------------------------------------------------------------
def test_each_recorded_status_change_sends_once_through_redeliveries_and_a_resync(
    replayer: Replayer, db: Db, supabase: Client, settings: Settings, fake_twilio: Sends
) -> None:
    """Order 16 of the recorded shop (HPOS): created processing, completed, refunded — each delivery
    posted as recorded, then all of them three times more, then refetched from the shop."""
    store = replayer.store_id
    sender_of(db, store)
    turn_on(db, store, "processing", "completed", "refunded", enabled_at=RECORDED_FROM)
    recorded = corpus.deliveries("hpos-on")
    scenarios = ["08-order-created-processing", "09-order-completed", "11-order-refunded"]
    state: State = {}
    for number, name in enumerate(scenarios):
        for delivery in recorded[name]:
            corpus.fold(state, delivery)
            replayer.post(delivery)
        if number == 0:
            has_written(db, store, 16)
        send_due(supabase, settings, fake_twilio)
    for _ in range(3):
        for name in scenarios:
            for delivery in recorded[name]:
                replayer.post(delivery)
    replayer.shop_holds(state, "orders", "products")
    replayer.db.execute(
        "select woocommerce_apply_from_shop(%s, 'order', %s)",
        (store, json.dumps(_recorded_record(state["orders"][16]), default=str)),
    )
    send_due(supabase, settings, fake_twilio)

    messages = sent(db, store)
    assert [m["notification"]["event"] for m in messages] == ["processing", "completed", "refunded"]
    assert len(fake_twilio.sent) == 3
    assert {m["status"] for m in messages} == {"queued"}
    assert all(m["body"].startswith("Halo ") and "#16" in m["body"] for m in messages), messages
    assert [n["status"] for n in notifications(db, store)] == ["sent", "sent", "sent"]


def _recorded_record(payload: dict[str, Any]) -> dict[str, Any]:
    from sapa.commerce.woocommerce.parse import Order

    return Order.model_validate(payload).record("ID")


def test_the_same_second_create_and_pay_pair_sends_the_order_update_and_no_recovery(
    replayer: Replayer, db: Db, supabase: Client, settings: Settings, fake_twilio: Sends
) -> None:
    """Order 19: created pending and paid 0.3 s later, one date_modified for both (the refetch settles
    it). The recovery scheduled for the pending order is cancelled as paid; one "processing" goes out."""
    store = replayer.store_id
    sender_of(db, store)
    turn_on(db, store, "processing", "abandoned_checkout", enabled_at=RECORDED_FROM)
    recorded = corpus.deliveries("hpos-on")
    pair = recorded["13a-same-second-created-pending"] + recorded["13b-same-second-set-processing"]
    state: State = {}
    for delivery in pair[:2]:
        corpus.fold(state, delivery)
        replayer.post(delivery)
    assert [(n["event"], n["status"]) for n in notifications(db, store)] == [
        ("abandoned_checkout", "scheduled")
    ]
    corpus.fold(state, pair[2])
    replayer.post(pair[2])
    replayer.shop_holds(state, "orders", "products")
    assert replayer.refetch() == 1
    has_written(db, store, 19)
    send_due(supabase, settings, fake_twilio)

    assert [m["notification"] for m in sent(db, store)] == [
        {"event": "processing", "order_id": _order_id(db, store, 19)}
    ]
    assert {(n["event"], n["status"], n["skip_reason"]) for n in notifications(db, store)} == {
        ("abandoned_checkout", "cancelled", "order_paid"),
        ("processing", "sent", None),
    }


def test_events_turned_on_after_the_change_send_nothing(
    replayer: Replayer, db: Db, supabase: Client, settings: Settings, fake_twilio: Sends
) -> None:
    """The recorded changes are older than the moment the events are turned on: a resync or a late
    delivery never tells a customer about the past."""
    store = replayer.store_id
    sender_of(db, store)
    turn_on(db, store, "processing", "completed", enabled_at=NOW)
    for delivery in corpus.deliveries("hpos-on")["08-order-created-processing"]:
        replayer.post(delivery)
    send_due(supabase, settings, fake_twilio)
    assert notifications(db, store) == []
    assert fake_twilio.sent == []


def _order_id(db: Db, store_id: str, external_id: int) -> str:
    row = db.execute(
        "select id::text from orders where store_id = %s and external_id = %s", (store_id, external_id)
    ).fetchone()
    assert row is not None
    return str(row["id"])


# Documented payloads -----------------------------------------------------------------------------------
def post_order(client: TestClient, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
    response = deliver(client, shop.id, shop.secret, topic, payload)
    assert response.status_code == 200, response.text


def test_consent_decides_who_gets_an_update(
    client: TestClient, shop: Shop, db: Db, supabase: Client, settings: Settings, fake_twilio: Sends
) -> None:
    """Four paid orders: a WhatsApp number given at checkout (sent), marketing opt-in at checkout (sent),
    neither (skipped: no consent), and a customer who sent STOP (skipped: opted out)."""
    sender_of(db, shop.id)
    turn_on(db, shop.id, "processing")
    stopped = new_phone()
    db.execute(
        "insert into customers (store_id, phone, name, opted_out_at) values (%s, %s, 'Tono', now())",
        (shop.id, stopped),
    )
    post_order(client, shop, "order.created", payloads.order(501, whatsapp=new_phone()))
    post_order(client, shop, "order.created", payloads.order(502, phone=new_phone(), opt_in="yes"))
    post_order(client, shop, "order.created", payloads.order(503, phone=new_phone(), opt_in="no"))
    post_order(client, shop, "order.created", payloads.order(504, phone=stopped, whatsapp=stopped))
    report = send_due(supabase, settings, fake_twilio)

    assert {n["external_id"]: (n["status"], n["skip_reason"]) for n in notifications(db, shop.id)} == {
        501: ("sent", None),
        502: ("sent", None),
        503: ("skipped", "no_consent"),
        504: ("skipped", "opted_out"),
    }
    assert report.outcomes["skipped"] == 2
    assert len(fake_twilio.sent) == 2


def test_quiet_hours_hold_an_update_until_they_end_in_the_store_time_zone(
    client: TestClient, shop: Shop, db: Db, supabase: Client, settings: Settings, fake_twilio: Sends
) -> None:
    sender_of(db, shop.id)
    turn_on(db, shop.id, "completed")
    zone = ZoneInfo("Asia/Jakarta")
    local = datetime.now(zone)
    start, end = (
        (local - timedelta(hours=1)).strftime("%H:%M"),
        (local + timedelta(hours=2)).strftime("%H:%M"),
    )
    db.execute(
        "select set_notification_settings(%s, %s)",
        (shop.id, json.dumps({"quiet_hours": {"start": start, "end": end}})),
    )
    post_order(client, shop, "order.updated", payloads.order(601, status="completed", whatsapp=new_phone()))
    send_due(supabase, settings, fake_twilio)
    assert fake_twilio.sent == []

    row = db.execute("select due_at from order_notifications where store_id = %s", (shop.id,)).fetchone()
    assert row is not None
    expected_end = (local + timedelta(hours=2)).replace(second=0, microsecond=0)
    assert row["due_at"].astimezone(zone) == expected_end
    # The quiet hours end: the update goes out.
    db.execute("update order_notifications set due_at = now() where store_id = %s", (shop.id,))
    send_due(supabase, settings, fake_twilio)
    assert [m["notification"]["event"] for m in sent(db, shop.id)] == ["completed"]


@pytest.mark.parametrize("source", ["shipment_tracking", "note_to_customer"])
def test_a_tracking_number_sends_shipped_with_its_number_and_link(
    source: str,
    client: TestClient,
    shop: Shop,
    db: Db,
    supabase: Client,
    settings: Settings,
    fake_twilio: Sends,
) -> None:
    """From WooCommerce Shipment Tracking (number and the custom carrier's link), or from the Sapa plugin's
    meta for a note to the customer that announces the number (no link: the text's default)."""
    sender_of(db, shop.id)
    template = add_template(db, shop.id, "Pesanan #{{1}} dikirim: {{2}} {{3}}")
    db.execute(
        "select set_notification_settings(%s, %s)",
        (
            shop.id,
            json.dumps(
                {
                    "events": {
                        "shipped": {
                            "enabled": True,
                            "template_id": template,
                            "enabled_at": yesterday(),
                            "variables": {
                                "1": "{{order_number}}",
                                "2": "{{tracking_number}}",
                                "3": "{{tracking_url|cek di toko}}",
                            },
                        }
                    }
                }
            ),
        ),
    )
    created = datetime.now(UTC) - timedelta(minutes=30)
    whatsapp = new_phone()
    post_order(client, shop, "order.created", payloads.order(701, whatsapp=whatsapp, created=created))
    link = "https://jne.example/track?awb=JNE0123456789"
    meta = (
        payloads.shipment_tracking(701, "JNE0123456789", link)
        if source == "shipment_tracking"
        else payloads.note_tracking(701, "JNE0123456789")
    )
    shipped = payloads.order(
        701, whatsapp=whatsapp, created=created, modified=created + timedelta(minutes=20), extra_meta=(meta,)
    )
    for _ in range(3):
        post_order(client, shop, "order.updated", shipped)
    send_due(supabase, settings, fake_twilio)

    (message,) = sent(db, shop.id)
    shown = link if source == "shipment_tracking" else "cek di toko"
    assert message["body"] == f"Pesanan #701 dikirim: JNE0123456789 {shown}"

    # The customer answers (a new conversation: the update's was resolved): the order is pinned on it.
    conversation = db.execute(
        "insert into conversations (store_id, customer_id) values (%s, %s) returning id::text",
        (shop.id, message["customer_id"]),
    ).fetchone()
    assert conversation is not None
    db.execute(
        "insert into messages (store_id, conversation_id, direction, sender, body, status)"
        " values (%s, %s, 'inbound', 'customer', 'kak kapan sampainya?', 'received')",
        (shop.id, conversation["id"]),
    )
    pinned = db.execute(
        "select pinned_order_id::text from conversations where id = %s", (conversation["id"],)
    ).fetchone()
    assert pinned == {"pinned_order_id": _order_id(db, shop.id, 701)}


def test_a_recovery_carries_the_pay_link_and_payment_before_sending_cancels_it(
    client: TestClient, shop: Shop, db: Db, supabase: Client, settings: Settings, fake_twilio: Sends
) -> None:
    """Two pending checkouts older than after_minutes: one is recovered (the message carries WooCommerce's
    order-pay link); the other is paid after the sender claimed it and before its check — not sent, and
    its second step is cancelled."""
    sender_of(db, shop.id)
    template = add_template(db, shop.id, "Halo {{1}}, selesaikan pembayaran pesanan #{{2}}: {{3}}")
    db.execute(
        "select set_notification_settings(%s, %s)",
        (
            shop.id,
            json.dumps(
                {
                    "abandoned_checkout": {
                        "enabled": True,
                        "template_id": template,
                        "after_minutes": 60,
                        "second_after_hours": 24,
                        "enabled_at": yesterday(),
                        "variables": {"1": "{{first_name}}", "2": "{{order_number}}", "3": "{{pay_url}}"},
                    }
                }
            ),
        ),
    )
    created = datetime.now(UTC) - timedelta(minutes=90)
    first, second = new_phone(), new_phone()
    post_order(
        client, shop, "order.created", payloads.order(801, status="pending", whatsapp=first, created=created)
    )
    post_order(
        client, shop, "order.created", payloads.order(802, status="pending", whatsapp=second, created=created)
    )
    claimed = db.execute(
        "select recipient_id::text from claim_order_notifications(10, 100, 60) c"
        " join order_notifications n on n.id = c.recipient_id join orders o on o.id = n.order_id"
        " where o.external_id = 802"
    ).fetchall()
    assert len(claimed) == 1, "step 1 of each is due, step 2 is not"
    post_order(
        client,
        shop,
        "order.updated",
        payloads.order(
            802,
            status="processing",
            whatsapp=second,
            created=created,
            modified=created + timedelta(minutes=80),
        ),
    )
    decisions = db.execute(
        "select order_notification_send_checks(array[%s]::uuid[]) as d", (claimed[0]["recipient_id"],)
    ).fetchall()
    assert decisions[0]["d"]["decision"] == "skipped" and decisions[0]["d"]["reason"] == "order_paid"
    db.execute(
        "update order_notifications set lease_until = now() - interval '1 second' where status = 'sending'"
        " and store_id = %s",
        (shop.id,),
    )
    send_due(supabase, settings, fake_twilio)

    messages = sent(db, shop.id)
    assert [m["body"] for m in messages] == [
        "Halo Budi, selesaikan pembayaran pesanan #801: "
        "https://toko.example/checkout/order-pay/801/?pay_for_order=true&key=wc_order_321"
    ]
    assert messages[0]["notification"] == {"abandoned_checkout": _order_id(db, shop.id, 801), "step": 1}
    assert [
        (n["external_id"], n["step"], n["status"], n["skip_reason"])
        for n in notifications(db, shop.id)
        if n["external_id"] == 802
    ] == [(802, 1, "skipped", "order_paid"), (802, 2, "cancelled", "order_paid")]


def test_updates_are_no_bot_replies_in_the_kpis(db: Db) -> None:
    row = db.execute(
        'select private.kpi_is_reply(\'bot\', \'{"notification": {"event": "completed"}}\') as update,'
        " private.kpi_is_reply('bot', '{}') as reply"
    ).fetchone()
    assert row == {"update": False, "reply": True}


def test_an_update_goes_in_the_language_the_assistant_speaks_with_the_customer(
    client: TestClient, shop: Shop, db: Db, supabase: Client, settings: Settings, fake_twilio: Sends
) -> None:
    """The event names the Indonesian template; the shop has it approved in English too, and the assistant
    last answered this customer in English: the English one goes out. A customer the assistant never
    answered gets the one chosen."""
    sender_of(db, shop.id)
    name = "pesanan_selesai"
    chosen = db.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, language, body) values"
        " (%s, %s, %s, 'id', 'Halo {{1}}, pesanan #{{2}} sudah selesai.'),"
        " (%s, %s, %s, 'en', 'Hi {{1}}, your order #{{2}} is complete.') returning id::text, language",
        (shop.id, name, "HX" + "1" * 32, shop.id, name, "HX" + "2" * 32),
    ).fetchall()
    indonesian = next(row["id"] for row in chosen if row["language"] == "id")
    db.execute("select set_notification_settings(%s, %s)", (shop.id, json.dumps({"events": {"completed": {
        "enabled": True, "template_id": indonesian, "enabled_at": yesterday(),
        "variables": {"1": "{{first_name}}", "2": "{{order_number}}"}}}})))  # fmt: skip
    english_speaker, other = new_phone(), new_phone()
    post_order(
        client, shop, "order.created", payloads.order(901, whatsapp=english_speaker, first_name="Maya")
    )
    post_order(client, shop, "order.created", payloads.order(902, whatsapp=other, first_name="Joko"))
    conversation = db.execute(
        "insert into conversations (store_id, customer_id) select store_id, customer_id from orders"
        " where store_id = %s and external_id = 901 returning id::text",
        (shop.id,),
    ).fetchone()
    assert conversation is not None
    db.execute(
        "insert into messages (store_id, conversation_id, direction, sender, body, status, metadata) values"
        " (%s, %s, 'outbound', 'bot', 'Sure, let me check.', 'sent', '{\"language\": \"en\"}')",
        (shop.id, conversation["id"]),
    )
    for external in (901, 902):
        completed = payloads.order(
            external,
            status="completed",
            whatsapp=english_speaker if external == 901 else other,
            first_name="Maya" if external == 901 else "Joko",
            modified=datetime.now(UTC) - timedelta(minutes=1),
        )
        post_order(client, shop, "order.updated", completed)
    send_due(supabase, settings, fake_twilio)

    assert sorted(m["body"] for m in sent(db, shop.id)) == [
        "Halo Joko, pesanan #902 sudah selesai.",
        "Hi Maya, your order #901 is complete.",
    ]
