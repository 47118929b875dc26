"""POST /webhooks/woocommerce/{store_id} against the local stack: the ping, signatures, unknown stores,
malformed bodies (nothing stored for any refusal), and signed deliveries applied idempotently: out of
order, duplicated, failing, for orders, customers and products."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from sapa.api.routes.woocommerce import MAX_BODY_BYTES
from sapa.commerce.woocommerce.signature import sign
from tests.commerce.conftest import Db, RecordingQueue, Shop, deliver
from tests.commerce.payloads import customer, line_item, order, product


def new_id() -> int:
    return 10_000 + secrets.randbelow(9_000_000)


def local(phone: str) -> str:
    """+6285712345678 as an Indonesian shopper types it at checkout: 0857-1234-5678."""
    digits = "0" + phone.removeprefix("+62")
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


def counts(db: Db, store_id: str) -> dict[str, int]:
    row = db.execute(
        "select (select count(*) from orders where store_id = %(s)s) as orders,"
        " (select count(*) from order_items where store_id = %(s)s) as order_items,"
        " (select count(*) from customers where store_id = %(s)s) as customers,"
        " (select count(*) from products where store_id = %(s)s) as products,"
        " (select count(*) from woocommerce_deliveries where store_id = %(s)s) as deliveries,"
        " (select count(*) from audit_log where store_id = %(s)s) as audits",
        {"s": store_id},
    ).fetchone()
    assert row is not None
    return dict(row)


def test_the_activation_ping_gets_200_and_nothing_else(client: TestClient, shop: Shop, db: Db) -> None:
    before = counts(db, shop.id)
    response = client.post(
        f"/webhooks/woocommerce/{shop.id}",
        content=b"webhook_id=17",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "ping"
    assert counts(db, shop.id) == before


def test_a_signed_order_is_stored_for_the_customer_who_chatted(
    client: TestClient, shop: Shop, db: Db
) -> None:
    order_id = new_id()
    payload = order(
        order_id, phone=local(shop.customer_phone), items=[line_item(1, 93, "Kemeja Batik", 2, 150000)]
    )

    response = deliver(client, shop.id, shop.secret, "order.created", payload, delivery_id="d-1")

    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert response.json()["outcome"] == "created"
    stored = db.execute(
        "select o.customer_id::text, o.billing_phone, o.total, o.status::text, count(i.*) as lines"
        " from orders o join order_items i on i.order_id = o.id"
        " where o.store_id = %s and o.external_id = %s group by o.id",
        (shop.id, order_id),
    ).fetchone()
    assert stored == {
        "customer_id": shop.customer_id,
        "billing_phone": shop.customer_phone,
        "total": 325000,
        "status": "processing",
        "lines": 1,
    }
    logged = db.execute(
        "select topic, resource_id, status::text, outcome, delivery_id, webhook_id"
        " from woocommerce_deliveries where store_id = %s",
        (shop.id,),
    ).fetchall()
    assert logged == [
        {
            "topic": "order.created",
            "resource_id": order_id,
            "status": "processed",
            "outcome": "created",
            "delivery_id": "d-1",
            "webhook_id": 17,
        }
    ]


def test_a_block_checkout_order_recorded_from_woocommerce_carries_the_number_and_the_opt_in(
    client: TestClient, shop: Shop, db: Db
) -> None:
    """The order a real block checkout placed (WooCommerce 11.0.1, Store API, bank transfer; recorded by
    `SAPA_E2E_RECORD=dir make e2e-woocommerce`): its meta has the plugin's `sapa_whatsapp` /
    `sapa_whatsapp_opt_in` beside WooCommerce's own `_wc_other/sapa/...` copies, and a place-order debug
    key. The WhatsApp number, not the billing phone, identifies the customer; the opt-in is recorded."""
    payload = json.loads((Path(__file__).parent / "recorded" / "block-checkout-order.json").read_text())
    assert payload["created_via"] == "store-api"

    response = deliver(client, shop.id, shop.secret, "order.created", payload)

    assert response.status_code == 200, response.text
    row = db.execute(
        "select o.status::text, o.whatsapp_number_given, o.billing_phone, c.phone, c.marketing_opt_in"
        " from orders o join customers c on c.id = o.customer_id"
        " where o.store_id = %s and o.external_id = %s",
        (shop.id, payload["id"]),
    ).fetchone()
    assert row == {
        "status": "on-hold",
        "whatsapp_number_given": True,
        "billing_phone": "+62274555123",
        "phone": "+6285711103562",
        "marketing_opt_in": True,
    }


def test_a_wrong_or_missing_signature_is_refused_and_nothing_stored(
    client: TestClient, shop: Shop, db: Db
) -> None:
    before = counts(db, shop.id)
    payload = order(new_id(), phone=local(shop.customer_phone))

    wrong = deliver(client, shop.id, "not-the-secret", "order.created", payload)
    unsigned = deliver(client, shop.id, None, "order.created", payload)
    raw = b'{"id": 5}'
    tampered = client.post(
        f"/webhooks/woocommerce/{shop.id}",
        content=raw + b" ",
        headers={"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Signature": sign(raw, shop.secret)},
    )

    assert [r.status_code for r in (wrong, unsigned, tampered)] == [401, 401, 401]
    assert counts(db, shop.id) == before


def test_an_unknown_store_is_404(client: TestClient, shop: Shop) -> None:
    payload = order(new_id())
    assert deliver(client, str(uuid.uuid4()), shop.secret, "order.created", payload).status_code == 404
    assert deliver(client, "not-a-store", shop.secret, "order.created", payload).status_code == 404


def test_a_store_pinged_before_it_exists_takes_deliveries_once_it_does(client: TestClient, db: Db) -> None:
    """WooCommerce pings each webhook as Sapa creates it during connect, before the store row exists."""
    store_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(24)
    ping = client.post(
        f"/webhooks/woocommerce/{store_id}",
        content=b"webhook_id=17",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ping.status_code == 200
    assert ping.json()["status"] == "ping"
    db.execute("insert into stores (id, name) values (%s, 'Toko Baru')", (store_id,))
    try:
        db.execute(
            "insert into store_credentials (store_id, woocommerce_webhook_secret) values (%s, %s)",
            (store_id, secret),
        )
        response = deliver(client, store_id, secret, "product.created", product(new_id()))
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "processed"
    finally:
        db.execute("delete from stores where id = %s", (store_id,))


def test_malformed_deliveries_are_400_and_store_nothing(client: TestClient, shop: Shop, db: Db) -> None:
    before = counts(db, shop.id)
    not_json = deliver(client, shop.id, shop.secret, "order.created", None, raw=b"{not json")
    no_id = deliver(client, shop.id, shop.secret, "order.created", {"status": "processing"})
    a_list = deliver(client, shop.id, shop.secret, "order.created", [1, 2])
    no_topic = client.post(
        f"/webhooks/woocommerce/{shop.id}",
        content=b'{"id": 1}',
        headers={"X-WC-Webhook-Signature": sign(b'{"id": 1}', shop.secret)},
    )
    assert [r.status_code for r in (not_json, no_id, a_list, no_topic)] == [400, 400, 400, 400]
    assert "detail" in not_json.json()
    assert counts(db, shop.id) == before


def test_a_topic_sapa_does_not_subscribe_to_is_acknowledged_and_ignored(
    client: TestClient, shop: Shop, db: Db
) -> None:
    before = counts(db, shop.id)
    response = deliver(client, shop.id, shop.secret, "coupon.created", {"id": 12, "code": "DISKON10"})
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert counts(db, shop.id) == before


def test_a_replay_changes_nothing_whatever_its_delivery_id(client: TestClient, shop: Shop, db: Db) -> None:
    payload = order(new_id(), phone=local(shop.customer_phone))
    deliver(client, shop.id, shop.secret, "order.created", payload, delivery_id="first")
    before = counts(db, shop.id)
    synced = db.execute(
        "select synced_at, date_modified from orders where store_id = %s", (shop.id,)
    ).fetchall()
    customer_updated = db.execute(
        "select updated_at from customers where id = %s", (shop.customer_id,)
    ).fetchone()

    replay = deliver(client, shop.id, shop.secret, "order.created", payload, delivery_id="second-attempt")

    assert replay.status_code == 200
    assert replay.json()["status"] == "replay"
    assert counts(db, shop.id) == before
    assert (
        db.execute("select synced_at, date_modified from orders where store_id = %s", (shop.id,)).fetchall()
        == synced
    )
    assert (
        db.execute("select updated_at from customers where id = %s", (shop.customer_id,)).fetchone()
        == customer_updated
    )
    assert db.execute(
        "select delivery_id, attempts from woocommerce_deliveries where store_id = %s", (shop.id,)
    ).fetchall() == [{"delivery_id": "first", "attempts": 1}]


def test_an_older_delivery_never_overwrites_a_newer_one(
    client: TestClient, shop: Shop, db: Db, jobs: RecordingQueue
) -> None:
    order_id = new_id()
    created = datetime.now(UTC) - timedelta(hours=3)
    completed = order(order_id, status="completed", created=created, modified=created + timedelta(hours=2))
    first = order(order_id, status="processing", created=created, modified=created)

    newer = deliver(client, shop.id, shop.secret, "order.updated", completed)
    older = deliver(client, shop.id, shop.secret, "order.created", first)  # arrives late

    assert newer.json()["outcome"] == "created"
    assert older.json()["outcome"] == "conflict"  # content never applied: the shop is asked
    assert [(j.type, j.resource, j.external_id) for j in jobs.jobs] == [
        ("woocommerce_refetch", "order", order_id)
    ]
    row = db.execute(
        "select status::text from orders where store_id = %s and external_id = %s", (shop.id, order_id)
    )
    assert row.fetchone() == {"status": "completed"}


def test_an_order_sapa_cannot_apply_is_stored_with_its_error_and_acknowledged(
    client: TestClient, shop: Shop, db: Db
) -> None:
    order_id = new_id()
    response = deliver(client, shop.id, shop.secret, "order.created", order(order_id, status="shipped"))

    assert response.status_code == 200  # WooCommerce would disable the webhook after 5 failures in a row
    assert response.json()["status"] == "failed"
    logged = db.execute(
        "select status::text, error from woocommerce_deliveries where store_id = %s", (shop.id,)
    ).fetchone()
    assert logged is not None and logged["status"] == "failed"
    assert "shipped" in logged["error"]
    assert db.execute("select count(*) as n from orders where store_id = %s", (shop.id,)).fetchone() == {
        "n": 0
    }


def test_checkout_whatsapp_field_and_opt_in_reach_the_customer(
    client: TestClient, shop: Shop, db: Db
) -> None:
    payload = order(new_id(), phone="021-555-0199", whatsapp=local(shop.customer_phone), opt_in="yes")
    deliver(client, shop.id, shop.secret, "order.created", payload)
    row = db.execute(
        "select o.customer_id::text, o.billing_phone, c.marketing_opt_in from orders o"
        " join customers c on c.id = o.customer_id where o.store_id = %s",
        (shop.id,),
    ).fetchone()
    assert row == {"customer_id": shop.customer_id, "billing_phone": "+62215550199", "marketing_opt_in": True}

    later = datetime.now(UTC)
    deliver(
        client,
        shop.id,
        shop.secret,
        "order.created",
        order(new_id(), whatsapp=shop.customer_phone, opt_in="no", created=later),
    )
    row = db.execute(
        "select marketing_opt_in, opted_out_at from customers where id = %s", (shop.customer_id,)
    ).fetchone()
    assert row is not None and row["marketing_opt_in"] is False and row["opted_out_at"] is not None


def test_customers_and_products_are_mirrored_and_deleted_products_trashed(
    client: TestClient, shop: Shop, db: Db
) -> None:
    customer_id, product_id = new_id(), new_id()
    linked = deliver(
        client, shop.id, shop.secret, "customer.created", customer(customer_id, whatsapp=shop.customer_phone)
    )
    created = deliver(
        client, shop.id, shop.secret, "product.created", product(product_id, name="Selendang Sutra")
    )
    deleted = deliver(client, shop.id, shop.secret, "product.deleted", {"id": product_id})

    assert [r.json()["outcome"] for r in (linked, created, deleted)] == ["updated", "created", "deleted"]
    row = db.execute("select external_id, email from customers where id = %s", (shop.customer_id,)).fetchone()
    assert row == {"external_id": customer_id, "email": f"siti.{customer_id}@example.com"}
    row = db.execute("select name, status from products where store_id = %s", (shop.id,)).fetchone()
    assert row == {"name": "Selendang Sutra", "status": "trash"}


def test_an_oversized_delivery_is_413_and_stores_nothing(client: TestClient, shop: Shop, db: Db) -> None:
    before = counts(db, shop.id)
    huge = b'{"id": 1, "note": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = deliver(client, shop.id, shop.secret, "order.created", None, raw=huge)
    assert response.status_code == 413
    assert response.json()["detail"] == "body too large"
    assert counts(db, shop.id) == before
