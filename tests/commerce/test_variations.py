"""Product variations against the local stack: the recorded deliveries of a real WooCommerce 11.0.1 (a
variable product with Size S/M/L/XL, one variation changed, an order with a variation line) replayed
through the webhook route as they were signed, in order and shuffled; deleted variations; the backfill
reading each variable product's variations from the fake WooCommerce, paged and resumable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa.commerce.woocommerce.backfill import BackfillDeps, run_backfill
from sapa.commerce.woocommerce.client import WooCommerceClient
from sapa.settings import Settings
from tests.commerce.conftest import Db, Shop, connect_to, deliver
from tests.commerce.corpus import Delivery, replay, rest_body, scenario
from tests.commerce.fake_variations import listing, offer_variations
from tests.commerce.fake_woocommerce import FakeWooCommerce
from tests.commerce.payloads import line_item, order

SITE = "hpos-on"
PARENT, S, M, L, XL = 11, 12, 13, 14, 15


@pytest.fixture
def recorded_shop(shop: Shop, db: Db) -> Shop:
    """The test shop with the recorded shop's webhook secret, so that recorded signatures verify."""
    (secret,) = {d.secret for d in scenario(SITE, "04-variable-product-created")}
    db.execute(
        "update store_credentials set woocommerce_webhook_secret = %s where store_id = %s", (secret, shop.id)
    )
    return Shop(shop.id, secret, shop.customer_id, shop.customer_phone)


def replay_all(client: TestClient, store_id: str, deliveries: list[Delivery]) -> list[dict[str, Any]]:
    answers = []
    for delivery in deliveries:
        response = replay(client, store_id, delivery)
        assert response.status_code == 200, (delivery.file, response.text)
        answers.append(response.json())
    return answers


def products(db: Db, store_id: str) -> list[dict[str, Any]]:
    return db.execute(
        "select external_id, name, type, status from products where store_id = %s order by external_id",
        (store_id,),
    ).fetchall()


def variations(db: Db, store_id: str) -> dict[int, dict[str, Any]]:
    rows = db.execute(
        "select v.external_id, v.parent_external_id, p.external_id as linked_parent, v.label, v.attributes,"
        " v.sku, v.price::text, v.stock_status, v.stock_quantity, v.status"
        " from product_variations v left join products p on p.id = v.product_id"
        " where v.store_id = %s order by v.external_id",
        (store_id,),
    ).fetchall()
    return {row.pop("external_id"): row for row in rows}


def stock(db: Db, store_id: str) -> dict[str, tuple[str, int | None, str]]:
    return {
        v["label"]: (v["stock_status"], v["stock_quantity"], v["price"])
        for v in variations(db, store_id).values()
    }


# Webhooks ------------------------------------------------------------------------------------------
def test_the_recorded_variable_product_is_one_product_with_four_linked_variations(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    answers = replay_all(client, recorded_shop.id, scenario(SITE, "04-variable-product-created"))

    assert [a["outcome"] for a in answers] == ["created"] * 5 + ["unchanged"]
    assert products(db, recorded_shop.id) == [
        {"external_id": PARENT, "name": "Kaos Batik Kawung", "type": "variable", "status": "publish"}
    ], "no variation is stored as a product of its own"
    found = variations(db, recorded_shop.id)
    assert set(found) == {S, M, L, XL}
    assert {v["linked_parent"] for v in found.values()} == {PARENT}
    assert found[XL] == {
        "parent_external_id": PARENT,
        "linked_parent": PARENT,
        "label": "Size: XL",
        "attributes": [{"name": "Size", "option": "XL"}],
        "sku": "WCS-KAOS-XL",
        "price": "130000.00",
        "stock_status": "outofstock",
        "stock_quantity": 0,
        "status": "publish",
    }
    assert stock(db, recorded_shop.id) == {
        "Size: S": ("instock", 5, "120000.00"),
        "Size: M": ("instock", 8, "120000.00"),
        "Size: L": ("instock", 3, "125000.00"),
        "Size: XL": ("outofstock", 0, "130000.00"),
    }


def test_a_change_to_one_variation_updates_that_variation_only(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    replay_all(client, recorded_shop.id, scenario(SITE, "04-variable-product-created"))
    before = variations(db, recorded_shop.id)

    (answer,) = replay_all(client, recorded_shop.id, scenario(SITE, "05-one-variation-changed"))

    assert answer["outcome"] == "updated"
    after = variations(db, recorded_shop.id)
    assert after[L] == before[L] | {"price": "135000.00", "stock_quantity": 2}
    assert {k: v for k, v in after.items() if k != L} == {k: v for k, v in before.items() if k != L}
    assert len(products(db, recorded_shop.id)) == 1


def test_variations_delivered_before_their_parent_are_linked_when_it_arrives(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    parent_created, *sizes, parent_updated = scenario(SITE, "04-variable-product-created")
    # WooCommerce's queue runners do not keep order: the variations first, shuffled, then their parent.
    shuffled = [sizes[2], sizes[0], sizes[3], sizes[1], parent_created, parent_updated]

    replay_all(client, recorded_shop.id, shuffled)

    found = variations(db, recorded_shop.id)
    assert set(found) == {S, M, L, XL}
    assert {v["linked_parent"] for v in found.values()} == {PARENT}
    assert [p["external_id"] for p in products(db, recorded_shop.id)] == [PARENT]


def test_the_recorded_order_records_the_variation_bought(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    replay_all(client, recorded_shop.id, scenario(SITE, "04-variable-product-created"))

    answers = replay_all(client, recorded_shop.id, scenario(SITE, "08-order-created-processing"))

    assert [a["outcome"] for a in answers] == ["created", "unchanged", "updated"]
    line = db.execute(
        "select i.name, i.quantity, p.external_id as product, v.external_id as variation,"
        " i.variation_external_id, i.variation_attributes, i.variation_label"
        " from order_items i join orders o on o.id = i.order_id"
        " left join products p on p.id = i.product_id left join product_variations v on v.id = i.variation_id"
        " where o.store_id = %s and o.external_id = 16",
        (recorded_shop.id,),
    ).fetchone()
    assert line == {
        "name": "Kaos Batik Kawung - M",
        "quantity": 2,
        "product": PARENT,
        "variation": M,
        "variation_external_id": M,
        "variation_attributes": [{"name": "Size", "option": "M"}],
        "variation_label": "Size: M",
    }
    assert stock(db, recorded_shop.id)["Size: M"] == ("instock", 6, "120000.00")  # the order took 2 of 8


def test_an_order_line_is_linked_to_its_variation_when_the_variation_arrives_later(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    order_created, *_ = scenario(SITE, "08-order-created-processing")
    replay_all(client, recorded_shop.id, [order_created])
    unlinked = db.execute(
        "select variation_id, variation_label from order_items where store_id = %s", (recorded_shop.id,)
    ).fetchone()
    assert unlinked == {"variation_id": None, "variation_label": "Size: M"}, "what was bought is kept at once"

    replay_all(client, recorded_shop.id, scenario(SITE, "04-variable-product-created"))

    linked = db.execute(
        "select v.external_id from order_items i join product_variations v on v.id = i.variation_id"
        " where i.store_id = %s",
        (recorded_shop.id,),
    ).fetchone()
    assert linked == {"external_id": M}


def test_a_variation_the_parent_no_longer_lists_or_a_deleted_one_goes_to_the_trash(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    deliveries = scenario(SITE, "04-variable-product-created")
    replay_all(client, recorded_shop.id, deliveries)
    parent = deliveries[-1].payload  # the parent's product.updated, as recorded
    later = (datetime.fromisoformat(parent["date_modified_gmt"]) + timedelta(minutes=5)).isoformat()
    without_xl = parent | {"variations": [S, M, L], "date_modified_gmt": later}

    removed = deliver(client, recorded_shop.id, recorded_shop.secret, "product.updated", without_xl)
    trashed = deliver(client, recorded_shop.id, recorded_shop.secret, "product.deleted", {"id": L})
    again = deliver(client, recorded_shop.id, recorded_shop.secret, "product.deleted", {"id": L})

    assert (removed.json()["outcome"], trashed.json()["outcome"]) == ("updated", "deleted")
    assert again.json()["status"] == "replay"
    assert {k: v["status"] for k, v in variations(db, recorded_shop.id).items()} == {
        S: "publish",
        M: "publish",
        L: "trash",
        XL: "trash",
    }
    assert [p["status"] for p in products(db, recorded_shop.id)] == ["publish"], "the parent stays"


def test_a_variation_stored_as_a_product_by_an_older_sapa_becomes_a_variation(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    db.execute(
        "insert into products (store_id, external_id, name, price, date_modified)"
        " values (%s, %s, 'Kaos Batik Kawung - XL', 130000, '2026-12-03T06:00:00Z')",
        (recorded_shop.id, XL),
    )

    replay_all(client, recorded_shop.id, scenario(SITE, "04-variable-product-created"))

    assert [p["external_id"] for p in products(db, recorded_shop.id)] == [PARENT]
    assert variations(db, recorded_shop.id)[XL]["linked_parent"] == PARENT


def test_a_variation_without_its_parent_id_is_refused_with_a_clear_error(
    client: TestClient, recorded_shop: Shop, db: Db
) -> None:
    orphan = scenario(SITE, "04-variable-product-created")[4].payload | {"parent_id": 0}

    answer = deliver(client, recorded_shop.id, recorded_shop.secret, "product.created", orphan).json()

    assert answer["status"] == "failed"
    assert answer["error"] == f"variation {XL} has no parent_id"
    assert products(db, recorded_shop.id) == [] and variations(db, recorded_shop.id) == {}


# Backfill ------------------------------------------------------------------------------------------
@pytest.fixture
def connected(shop: Shop, db: Db, settings: Settings, woo: FakeWooCommerce) -> Shop:
    """The shop connected to the fake WooCommerce, which answers the recorded product listing (a simple
    and a variable product) and the variable product's variations; its backfill started."""
    connect_to(db, settings, shop, woo)
    woo.resources["products"] = rest_body(SITE, "products-list")
    offer_variations(woo, PARENT, rest_body(SITE, "products-variations"))
    return shop


def backfill(supabase: Client, settings: Settings) -> BackfillDeps:
    def client(site: str, key: str, secret: str) -> WooCommerceClient:
        return WooCommerceClient(
            site, key, secret, sleep=lambda _: None, min_interval_seconds=0.0, max_attempts=2
        )

    return BackfillDeps(supabase, settings, client_factory=client)


def progress(db: Db, store_id: str) -> dict[str, Any]:
    row = db.execute(
        "select s.status::text, s.error, r.next_page, r.items_done, r.items_total, r.items_failed"
        " from woocommerce_syncs s join woocommerce_sync_resources r using (store_id)"
        " where s.store_id = %s and r.resource = 'products'",
        (store_id,),
    ).fetchone()
    assert row is not None
    return dict(row)


def test_the_backfill_reads_the_variations_of_each_variable_product(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    assert run_backfill(backfill(supabase, settings), connected.id, max_pages=10) is False

    assert woo.pages_fetched(listing(PARENT)) == [1]
    assert woo.pages_fetched(listing(10)) == [], "a simple product has no variations to read"
    assert [(p["external_id"], p["type"]) for p in products(db, connected.id)] == [
        (10, "simple"),
        (PARENT, "variable"),
    ]
    assert stock(db, connected.id) == {  # the shop's stock when the listing was recorded
        "Size: S": ("instock", 4, "120000.00"),
        "Size: M": ("instock", 6, "120000.00"),
        "Size: L": ("instock", 1, "135000.00"),
        "Size: XL": ("outofstock", 0, "130000.00"),
    }
    assert {v["linked_parent"] for v in variations(db, connected.id).values()} == {PARENT}
    assert progress(db, connected.id) | {"error": None} == {
        "status": "done",
        "error": None,
        "next_page": 2,
        "items_done": 2,  # products, not variations
        "items_total": 2,
        "items_failed": 0,
    }


def test_many_variations_are_read_page_by_page(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    (template, *_) = rest_body(SITE, "products-variations")
    sizes = [f"{n} cm" for n in range(1000, 1150)]  # 150 variations: two pages of 100
    offer_variations(
        woo,
        PARENT,
        [
            template
            | {"id": 1000 + n, "sku": f"KAOS-{n}", "attributes": [{"id": 0, "name": "Panjang", "option": s}]}
            for n, s in enumerate(sizes)
        ],
    )
    woo.resources["products"][1]["variations"] = [1000 + n for n in range(len(sizes))]

    assert run_backfill(backfill(supabase, settings), connected.id, max_pages=10) is False

    assert woo.pages_fetched(listing(PARENT)) == [1, 2]
    assert len(variations(db, connected.id)) == 150
    assert progress(db, connected.id)["status"] == "done"


def test_a_failed_variations_read_fails_the_sync_and_the_next_run_resumes_at_that_page(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    woo.fail("GET", f"/{listing(PARENT)}", 500, times=2)  # the client's 2 tries

    assert run_backfill(backfill(supabase, settings), connected.id, max_pages=10) is False

    failed = progress(db, connected.id)
    assert failed["status"] == "failed" and "products page 1" in failed["error"] and "500" in failed["error"]
    assert (failed["next_page"], failed["items_done"]) == (1, 0), "nothing of the page was applied"
    assert products(db, connected.id) == [] and variations(db, connected.id) == {}

    db.execute("select * from start_woocommerce_sync(%s, now())", (connected.id,))
    assert run_backfill(backfill(supabase, settings), connected.id, max_pages=10) is False

    assert woo.pages_fetched("products") == [1, 1]
    assert len(variations(db, connected.id)) == 4
    assert progress(db, connected.id)["status"] == "done"


def test_an_unreadable_variation_is_reported_and_the_others_are_applied(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    recorded = rest_body(SITE, "products-variations")
    offer_variations(
        woo, PARENT, [*recorded[:3], recorded[3] | {"date_created_gmt": None, "date_modified_gmt": None}]
    )

    assert run_backfill(backfill(supabase, settings), connected.id, max_pages=10) is False

    assert len(variations(db, connected.id)) == 3
    done = progress(db, connected.id)
    assert done["status"] == "done"
    assert done["error"] is None
    last_error = db.execute(
        "select last_error from woocommerce_sync_resources where store_id = %s and resource = 'products'",
        (connected.id,),
    ).fetchone()
    assert last_error == {
        "last_error": f"variations {S}: product {S} has no date_created_gmt or date_modified_gmt"
    }


def test_a_backfilled_order_records_its_variation(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    line = line_item(7, PARENT, "Kaos Batik Kawung - XL", 1, 130000) | {
        "variation_id": XL,
        "meta_data": [{"id": 1, "key": "size", "value": "XL", "display_key": "Size", "display_value": "XL"},
                      {"id": 2, "key": "_reduced_stock", "value": "1", "display_key": "_reduced_stock",
                       "display_value": "1"}],
    }  # fmt: skip
    woo.resources["orders"] = [order(501, created=datetime.now(UTC) - timedelta(days=3), items=[line])]

    assert run_backfill(backfill(supabase, settings), connected.id, max_pages=10) is False

    row = db.execute(
        "select v.external_id as variation, i.variation_label from order_items i"
        " join product_variations v on v.id = i.variation_id where i.store_id = %s",
        (connected.id,),
    ).fetchone()
    assert row == {"variation": XL, "variation_label": "Size: XL"}
