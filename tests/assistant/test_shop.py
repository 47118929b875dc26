"""ShopData against the stack's demo data: always one store, and only the writing customer's orders."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from sapa.assistant.shop import ShopData, StoreNotFoundError
from sapa.local.seed import DEMO
from tests.assistant.conftest import DemoOrder
from tests.conftest import Stack

ShopFor = Callable[..., ShopData]


def test_store_facts_come_from_the_store_row(shop_for: ShopFor, shipped_order: DemoOrder) -> None:
    shop = shop_for(shipped_order.phone)

    assert (shop.name, shop.currency, shop.timezone) == ("Batik Sapa Demo", "IDR", "Asia/Jakarta")
    assert shop.persona is not None and "Batik Sapa" in shop.persona
    assert shop.facts.site_url == "https://demo.sapa.local"


def test_an_unknown_store_is_an_error(shop_for: ShopFor, shipped_order: DemoOrder) -> None:
    shop = shop_for(shipped_order.phone, "00000000-0000-4000-8000-0000000000ee")

    with pytest.raises(StoreNotFoundError):
        _ = shop.facts


def test_orders_of_customer_are_theirs_newest_first(
    stack: Stack, shop_for: ShopFor, shipped_order: DemoOrder
) -> None:
    with psycopg.connect(stack.db_url) as conn:
        expected = [number for (number,) in conn.execute(
            "select number from orders where store_id = %s and billing_phone = %s order by created_at desc",
            (stack.demo_store_id, shipped_order.phone),
        )]  # fmt: skip

    orders = shop_for(shipped_order.phone).orders_of_customer(limit=20)

    assert [o.number for o in orders] == expected
    assert shipped_order.number in expected
    assert [o.number for o in shop_for(shipped_order.phone).orders_of_customer(limit=1)] == expected[:1]


def test_order_by_number_returns_the_customers_own_order_with_its_lines(
    shop_for: ShopFor, shipped_order: DemoOrder
) -> None:
    shop = shop_for(shipped_order.phone)

    for written in (shipped_order.number, f"#{shipped_order.number}", f" # {shipped_order.number} "):
        order = shop.order_by_number(written)
        assert order is not None, written
        assert (order.number, order.status, order.total) == (
            shipped_order.number, shipped_order.status, shipped_order.total,
        )  # fmt: skip
        assert order.tracking_number == shipped_order.tracking_number
        assert order.items and sum(i.total for i in order.items) == order.total


def test_another_customers_order_is_never_returned(
    shop_for: ShopFor, shipped_order: DemoOrder, other_order: DemoOrder
) -> None:
    shop = shop_for(shipped_order.phone)

    assert shop.order_by_number(other_order.number) is None
    assert other_order.number not in {o.number for o in shop.orders_of_customer(limit=20)}
    assert shop_for(other_order.phone).order_by_number(other_order.number) is not None  # it does exist


@pytest.mark.parametrize("number", ["", "#", "1042; drop table orders", "1 or 1=1", "*", "%"])
def test_odd_order_numbers_find_nothing(shop_for: ShopFor, shipped_order: DemoOrder, number: str) -> None:
    assert shop_for(shipped_order.phone).order_by_number(number) is None


def test_a_customer_of_another_store_sees_nothing_here(stack: Stack, shop_for: ShopFor) -> None:
    with psycopg.connect(stack.db_url) as conn:
        row = conn.execute(
            """select o.billing_phone, o.number from orders o
               where o.store_id = %s and not exists (select from orders d where d.store_id = %s
                                                     and d.billing_phone = o.billing_phone)
               order by o.created_at limit 1""",
            (DEMO.other_store_id, DEMO.store_id),
        ).fetchone()
    assert row is not None
    phone, number = row

    assert shop_for(phone, DEMO.other_store_id).order_by_number(number) is not None
    assert shop_for(phone).order_by_number(number) is None
    assert shop_for(phone).orders_of_customer(limit=20) == []


def test_product_search_ranks_name_matches_first(shop_for: ShopFor, shipped_order: DemoOrder) -> None:
    shop = shop_for(shipped_order.phone)

    products = shop.search_products("kemeja parang")

    assert products[0].name in {"Kemeja Batik Parang Lengan Panjang", "Kemeja Batik Anak Parang"}
    assert {p.name for p in products[:2]} == {
        "Kemeja Batik Parang Lengan Panjang",
        "Kemeja Batik Anak Parang",
    }
    assert products[0].price is not None and products[0].permalink
    assert len(shop.search_products("batik", limit=3)) == 3
    assert shop.search_products("") == []
    assert shop.search_products("zzzqqq") == []


def test_product_search_stays_in_the_store(stack: Stack, shop_for: ShopFor, shipped_order: DemoOrder) -> None:
    def skus(store_id: str) -> set[str]:
        with psycopg.connect(stack.db_url) as conn:
            rows = conn.execute("select sku from products where store_id = %s", (store_id,))
            return {sku for (sku,) in rows}

    demo, other = skus(DEMO.store_id), skus(DEMO.other_store_id)
    here = shop_for(shipped_order.phone).search_products("batik kain kemeja tas", limit=20)
    there = shop_for(shipped_order.phone, DEMO.other_store_id).search_products("batik", limit=20)
    found, found_other = {p.sku for p in here}, {p.sku for p in there}

    assert found and found <= demo
    assert found_other and found_other <= other


def test_policies_by_topic_in_both_languages(shop_for: ShopFor, shipped_order: DemoOrder) -> None:
    shop = shop_for(shipped_order.phone)

    shipping = shop.policies("shipping")

    assert {(p.topic, p.language) for p in shipping} == {("shipping", "id"), ("shipping", "en")}
    assert any("Rp 500.000" in p.body for p in shipping)
    assert {p.topic for p in shop.policies()} >= {"shipping", "returns", "payment", "hours"}
    other_store = shop_for(shipped_order.phone, DEMO.other_store_id).policies()
    assert other_store and not any("Kauman" in p.body for p in other_store)
