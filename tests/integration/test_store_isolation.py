"""The same PostgREST queries, through the gateway with the real supabase-py client, as the demo agent
and as another store's agent: each sees only their own store's rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from postgrest.exceptions import APIError
from supabase import Client, create_client

from sapa.local.seed import DEMO
from tests.conftest import Stack

TABLES = [
    "stores",
    "store_members",
    "customers",
    "conversations",
    "messages",
    "products",
    "orders",
    "order_items",
    "tickets",
]


def _signed_in(stack: Stack, email: str, password: str) -> Iterator[Client]:
    client = create_client(stack.api_url, stack.anon_key)
    client.auth.sign_in_with_password({"email": email, "password": password})
    try:
        yield client
    finally:
        client.auth.sign_out()


@pytest.fixture
def demo_agent(stack: Stack) -> Iterator[Client]:
    yield from _signed_in(stack, stack.demo_agent_email, stack.demo_agent_password)


@pytest.fixture
def demo_owner(stack: Stack) -> Iterator[Client]:
    yield from _signed_in(stack, stack.demo_admin_email, stack.demo_admin_password)


@pytest.fixture
def other_agent(stack: Stack) -> Iterator[Client]:
    yield from _signed_in(stack, DEMO.other_agent_email, DEMO.other_agent_password)


def _store_ids(client: Client, table: str) -> set[str]:
    column = "id" if table == "stores" else "store_id"
    rows = client.table(table).select(column).limit(1000).execute().data
    return {row[column] for row in rows}


@pytest.mark.parametrize("table", TABLES)
def test_each_agent_reads_only_their_own_store(demo_agent: Client, other_agent: Client, table: str) -> None:
    demo_rows = _store_ids(demo_agent, table)
    other_rows = _store_ids(other_agent, table)

    assert demo_rows <= {DEMO.store_id}
    assert other_rows <= {DEMO.other_store_id}
    assert demo_rows == {DEMO.store_id}
    if table != "tickets":  # whether the small store has a ticket depends on the day the seed ran
        assert other_rows == {DEMO.other_store_id}


def test_a_direct_query_for_another_store_returns_nothing(other_agent: Client) -> None:
    rows = other_agent.table("conversations").select("id").eq("store_id", DEMO.store_id).execute().data
    assert rows == []


@pytest.mark.parametrize("table", [*TABLES, "audit_log"])
def test_anon_is_refused_every_table(stack: Stack, table: str) -> None:
    anon = create_client(stack.api_url, stack.anon_key)
    with pytest.raises(APIError) as refused:
        anon.table(table).select("*").limit(5).execute()
    assert refused.value.code == "42501"  # permission denied: anon has no grants at all


def test_the_owner_reads_the_audit_log_and_the_agent_does_not(demo_owner: Client, demo_agent: Client) -> None:
    assert _store_ids(demo_owner, "audit_log") == {DEMO.store_id}
    assert _store_ids(demo_agent, "audit_log") == set()


def test_the_service_role_sees_every_store(stack: Stack) -> None:
    service = create_client(stack.api_url, stack.service_role_key)
    assert {DEMO.store_id, DEMO.other_store_id} <= _store_ids(service, "conversations")
