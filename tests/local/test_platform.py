"""Supabase fidelity seen through the Data API: the local stack's PostgREST refuses what Supabase's
refuses (an UPDATE or DELETE of a whole table; a request of `anon` that runs over 3 s), and the
platform keeps realtime.messages partitioned as Supabase Realtime does. pgTAP (21_supabase_platform)
asserts the facts themselves; these tests watch them from a client's side, with the real supabase-py."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import psycopg
import pytest
from postgrest.exceptions import APIError
from supabase import Client, create_client

from sapa.local.config import StackConfig, as_role
from sapa.local.realtime import create_message_partitions, message_partitions
from tests.conftest import Stack

PROBE = f"platform_probe_{uuid.uuid4().hex[:8]}"


def _reload_schema(stack: Stack) -> None:
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        conn.execute("notify pgrst, 'reload schema'")


def _wait_for_schema_cache(client: Client) -> None:
    """Wait until PostgREST's schema cache has the probe. A function is looked up in the cache (a
    table is not, for a plain GET), so the probe's function tells when the reload is done."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            client.rpc(f"{PROBE}_sleep", {"seconds": 0}).execute()
            return
        except APIError:
            time.sleep(0.2)
    raise AssertionError("PostgREST did not reload its schema cache")


@pytest.fixture(scope="module")
def probe(stack: Stack) -> Iterator[Client]:
    """A table and a sleeping function of the tests' own in `public`, visible through PostgREST."""
    service = create_client(stack.api_url, stack.service_role_key)
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        conn.execute(f"create table public.{PROBE} (id int primary key, note text)")
        conn.execute(
            f"create function public.{PROBE}_sleep(seconds float8) returns boolean language sql"
            " as $$ select pg_sleep(seconds) is not null $$"
        )
    try:
        _reload_schema(stack)
        _wait_for_schema_cache(service)
        yield service
    finally:
        with psycopg.connect(stack.db_url, autocommit=True) as conn:
            conn.execute(f"drop table public.{PROBE}")
            conn.execute(f"drop function public.{PROBE}_sleep")
        _reload_schema(stack)


def _rows(client: Client) -> list[dict[str, object]]:
    return client.table(PROBE).select("id, note").order("id").execute().data


def test_a_delete_without_a_filter_is_refused_and_deletes_nothing(probe: Client) -> None:
    probe.table(PROBE).upsert([{"id": 1, "note": "a"}, {"id": 2, "note": "b"}]).execute()

    with pytest.raises(APIError) as refused:
        probe.table(PROBE).delete().execute()

    assert refused.value.code == "21000"
    assert refused.value.message == "DELETE requires a WHERE clause"
    assert len(_rows(probe)) == 2


def test_an_update_without_a_filter_is_refused_and_changes_nothing(probe: Client) -> None:
    probe.table(PROBE).upsert([{"id": 1, "note": "a"}, {"id": 2, "note": "b"}]).execute()

    with pytest.raises(APIError) as refused:
        probe.table(PROBE).update({"note": "everything"}).execute()

    assert refused.value.code == "21000"
    assert refused.value.message == "UPDATE requires a WHERE clause"
    assert [row["note"] for row in _rows(probe)] == ["a", "b"]


def test_filtered_updates_and_deletes_still_run(probe: Client) -> None:
    probe.table(PROBE).upsert([{"id": 1, "note": "a"}, {"id": 2, "note": "b"}]).execute()

    probe.table(PROBE).update({"note": "changed"}).eq("id", 1).execute()
    probe.table(PROBE).delete().eq("id", 2).execute()

    assert _rows(probe) == [{"id": 1, "note": "changed"}]


def test_anon_requests_stop_after_three_seconds(stack: Stack, probe: Client) -> None:
    anon = create_client(stack.api_url, stack.anon_key)

    started = time.monotonic()
    with pytest.raises(APIError) as cancelled:
        anon.rpc(f"{PROBE}_sleep", {"seconds": 4}).execute()

    assert cancelled.value.code == "57014"  # query_canceled: canceling statement due to statement timeout
    assert 2.5 < time.monotonic() - started < 4


def test_the_service_role_runs_under_authenticators_eight_seconds(probe: Client) -> None:
    assert probe.rpc(f"{PROBE}_sleep", {"seconds": 4}).execute().data is True


def test_realtime_partitions_are_made_as_realtime_makes_them(local_config: StackConfig) -> None:
    later = date.today() + timedelta(days=40)
    names = [name for name, _, _ in message_partitions(later)]
    with psycopg.connect(local_config.admin_db_url) as admin:
        try:
            create_message_partitions(admin, later)
            create_message_partitions(admin, later)  # again: nothing to do
            rows = admin.execute(
                "select c.relname, pg_get_userbyid(c.relowner), pg_get_expr(c.relpartbound, c.oid)"
                " from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                " where i.inhparent = 'realtime.messages'::regclass and c.relname = any(%s) order by 1",
                [names],
            ).fetchall()
        finally:
            admin.rollback()

    first = later - timedelta(days=1)
    assert [name for name, _, _ in rows] == [
        f"messages_{first + timedelta(days=n):%Y_%m_%d}" for n in range(5)
    ]
    assert {owner for _, owner, _ in rows} == {"supabase_realtime_admin"}
    assert rows[0][2] == (f"FOR VALUES FROM ('{first} 00:00:00') TO ('{first + timedelta(days=1)} 00:00:00')")


def test_the_project_role_is_not_a_superuser(stack: Stack) -> None:
    with psycopg.connect(stack.db_url) as conn:
        row = conn.execute("select current_user, current_setting('is_superuser')").fetchone()
    assert row == ("postgres", "off")
    with psycopg.connect(as_role(stack.db_url, "supabase_admin")) as admin:
        assert admin.execute("select current_setting('is_superuser')").fetchone() == ("on",)
