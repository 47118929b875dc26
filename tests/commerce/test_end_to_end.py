"""Done means (issue 5): on the local stack, a signed `order.created` for the billing phone of a demo
customer who has chatted with the demo store makes that order visible to the assistant's order tool
(ShopData → customer_orders, what the assistant calls) and to the KPI functions (kpi_aov), and a replay of
the same delivery changes nothing: row counts, updated_at and synced_at, audit rows."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa.assistant.shop import ShopData
from sapa.local.seed import DEMO
from tests.commerce.conftest import Db, deliver
from tests.commerce.payloads import line_item, order
from tests.conftest import Stack

TABLES = ("orders", "order_items", "customers", "products", "audit_log", "woocommerce_deliveries")


@pytest.fixture
def demo_secret() -> str:
    """The demo store's webhook secret, as `sapa status -o env` tells it (the seed writes the same)."""
    return os.environ.get("WOOCOMMERCE_WEBHOOK_SECRET", DEMO.woocommerce_webhook_secret)


@pytest.fixture
def order_id(db: Db, stack: Stack) -> Iterator[int]:
    """An order id the demo store does not have; the order and its log rows are removed afterwards, so
    the demo data other tests read is left as it was."""
    new = 90_000_000 + secrets.randbelow(9_000_000)
    yield new
    db.execute("delete from orders where store_id = %s and external_id = %s", (stack.demo_store_id, new))
    db.execute(
        "delete from woocommerce_deliveries where store_id = %s and resource_id = %s",
        (stack.demo_store_id, new),
    )


def snapshot(db: Db, store_id: str, order_id: int) -> dict[str, object]:
    counts = {
        table: db.execute(f"select count(*) as n from {table} where store_id = %s", (store_id,)).fetchone()
        for table in TABLES
    }
    row = db.execute(
        "select o.synced_at, o.date_modified, c.updated_at as customer_updated_at from orders o"
        " left join customers c on c.id = o.customer_id where o.store_id = %s and o.external_id = %s",
        (store_id, order_id),
    ).fetchone()
    return {"counts": counts, "order": row}


def aov(db: Db, store_id: str) -> dict[str, object]:
    now = datetime.now(UTC)
    row = db.execute(
        "select value, revenue, orders from kpi_aov(%s, %s, %s)",
        (store_id, now - timedelta(days=1), now + timedelta(minutes=1)),
    ).fetchone()
    assert row is not None
    return dict(row)


def test_a_signed_order_reaches_the_assistant_and_the_kpis_and_a_replay_changes_nothing(
    client: TestClient, db: Db, stack: Stack, supabase: Client, demo_secret: str, order_id: int
) -> None:
    store_id = stack.demo_store_id
    chatted = db.execute(
        "select c.phone from customers c where c.store_id = %s and c.phone like '+628%%'"
        " and exists (select from conversations v where v.customer_id = c.id) order by c.phone limit 1",
        (store_id,),
    ).fetchone()
    assert chatted is not None, "the demo store has customers who chatted"
    phone = chatted["phone"]
    typed = "0" + phone.removeprefix("+62")  # as the customer typed it at checkout
    shop = ShopData(supabase, store_id, phone)
    assert all(o.number != str(order_id) for o in shop.orders_of_customer(limit=20))
    kpi_before = aov(db, store_id)

    payload = order(
        order_id,
        phone=typed,
        created=datetime.now(UTC) - timedelta(minutes=2),
        items=[line_item(order_id * 10, 93, "Kemeja Batik Parang", 2, 175000)],
    )
    first = deliver(client, store_id, demo_secret, "order.created", payload, delivery_id="e2e-1")

    assert first.status_code == 200 and first.json()["outcome"] == "created"
    mine = shop.order_by_number(str(order_id))
    assert mine is not None, "the assistant's order tool finds the order for the customer's phone"
    assert (mine.status, mine.total) == ("processing", 375000)
    assert ShopData(supabase, store_id, "+6289900000000").order_by_number(str(order_id)) is None
    kpi_after = aov(db, store_id)
    assert kpi_after["orders"] == kpi_before["orders"] + 1  # type: ignore[operator]
    assert kpi_after["revenue"] == kpi_before["revenue"] + 375000  # type: ignore[operator]

    before = snapshot(db, store_id, order_id)
    replay = deliver(client, store_id, demo_secret, "order.created", payload, delivery_id="e2e-2")

    assert replay.status_code == 200 and replay.json()["status"] == "replay"
    assert snapshot(db, store_id, order_id) == before
    assert aov(db, store_id) == kpi_after
