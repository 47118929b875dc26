"""Fixtures for the assistant: the stack's demo data (read, never changed), ShopData for a demo
customer, settings with or without an LLM, and the fake OpenAI server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from supabase import Client

from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantRequest, Turn
from tests.conftest import Stack


@dataclass(frozen=True)
class DemoOrder:
    number: str
    status: str
    total: Decimal
    tracking_number: str | None
    shipping_method: str | None
    phone: str
    customer_name: str


def _one(stack: Stack, query: str, *params: Any) -> tuple[Any, ...]:
    with psycopg.connect(stack.db_url) as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None, f"the demo seed has no row for: {query}"
    return tuple(row)


_SHIPPED = """
    select o.number, o.status::text, o.total, o.tracking_number, o.shipping_method, c.phone, c.name
    from orders o join customers c on c.id = o.customer_id
    where o.store_id = %s and o.status in ('processing', 'completed') and o.tracking_number is not null
      and c.phone is not null and not exists (select from orders x where x.customer_id = c.id
                                              and x.billing_phone is distinct from c.phone)
    order by (o.status = 'processing') desc, c.phone {direction}, o.created_at desc
    limit 1
"""


@pytest.fixture(scope="session")
def shipped_order(stack: Stack) -> DemoOrder:
    """A demo customer's shipped order (processing with a tracking number where the seed has one)."""
    return DemoOrder(*_one(stack, _SHIPPED.format(direction="asc"), stack.demo_store_id))


@pytest.fixture(scope="session")
def other_order(stack: Stack, shipped_order: DemoOrder) -> DemoOrder:
    """A shipped order of another customer of the same store: never to be shown to the first."""
    order = DemoOrder(*_one(stack, _SHIPPED.format(direction="desc"), stack.demo_store_id))
    assert order.phone != shipped_order.phone
    return order


@pytest.fixture(scope="session")
def customer_without_orders(stack: Stack) -> tuple[str, str]:
    phone, name = _one(
        stack,
        """select c.phone, c.name from customers c
           where c.store_id = %s and c.phone is not null
             and not exists (select from orders o where o.store_id = c.store_id
                             and (o.customer_id = c.id or o.billing_phone = c.phone))
           order by c.phone limit 1""",
        stack.demo_store_id,
    )
    return phone, name


@pytest.fixture
def shop_for(service_client: Client, stack: Stack) -> Callable[[str], ShopData]:
    def make(phone: str, store_id: str | None = None) -> ShopData:
        return ShopData(service_client, store_id or stack.demo_store_id, phone)

    return make


@pytest.fixture
def ask(stack: Stack) -> Callable[..., AssistantRequest]:
    """An AssistantRequest from a demo customer."""

    def make(
        text: str, phone: str, name: str | None = None, history: list[Turn] | None = None
    ) -> AssistantRequest:
        return AssistantRequest(
            store_id=stack.demo_store_id,
            customer_phone=phone,
            customer_name=name,
            conversation_id="00000000-0000-4000-8000-00000000c0de",
            history=history or [],
            text=text,
        )

    return make
