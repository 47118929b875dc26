"""The demo seed: believable, consistent, repeatable data that gives every KPI something to measure."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import bcrypt
import psycopg
import pytest
from psycopg import sql

from sapa.local.migrate import apply_migrations
from sapa.local.seed import DEMO, seed_demo
from tests.conftest import Stack

NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
DEMO_STORE = DEMO.store_id
OTHER_STORE = DEMO.other_store_id
TABLES = ["stores", "store_members", "products", "customers", "orders", "order_items", "conversations",
          "messages", "tickets", "audit_log", "store_policies"]  # fmt: skip


class Db:
    """A seeded throwaway database, queried with test-local SQL."""

    def __init__(self, url: str, seed_seconds: float) -> None:
        self.url, self.seed_seconds = url, seed_seconds

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(query, params or None).fetchall()

    def value(self, query: str, *params: Any) -> Any:
        return self.rows(query, *params)[0][0]

    def count(self, table: str, store_id: str | None = None) -> int:
        where = sql.SQL(" where store_id = {}").format(store_id) if store_id else sql.SQL("")
        query = sql.SQL("select count(*) from public.{}{}").format(sql.Identifier(table), where)
        with psycopg.connect(self.url) as conn:
            row = conn.execute(query).fetchone()
        assert row is not None
        return int(row[0])

    def counts(self) -> dict[str, int]:
        return {table: self.count(table) for table in TABLES} | {
            "users": self.value("select count(*) from auth.users")
        }


@pytest.fixture(scope="module")
def db(stack: Stack) -> Iterator[Db]:
    """A new database on the stack's Postgres, migrated and seeded once with a fixed `now`; dropped after."""
    name = f"sapa_seed_test_{uuid.uuid4().hex[:12]}"
    database = sql.Identifier(name)
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(database))
        conn.execute(
            sql.SQL('alter database {} set search_path to "$user", public, extensions').format(database)
        )
    url = stack.db_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        apply_migrations(url)
        started = time.perf_counter()
        seed_demo(url, now=NOW)
        yield Db(url, time.perf_counter() - started)
    finally:
        with psycopg.connect(stack.db_url, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database {} with (force)").format(database))


def test_the_seed_is_fast(db: Db) -> None:
    assert db.seed_seconds < 15


def test_counts_are_in_the_expected_ranges(db: Db) -> None:
    assert 35 <= db.count("products", DEMO_STORE) <= 45
    assert 180 <= db.count("customers", DEMO_STORE) <= 220
    assert 300 <= db.count("orders", DEMO_STORE) <= 700
    assert db.count("order_items", DEMO_STORE) >= db.count("orders", DEMO_STORE)
    assert 400 <= db.count("conversations", DEMO_STORE) <= 600
    assert db.count("messages", DEMO_STORE) >= 3 * db.count("conversations", DEMO_STORE)
    assert db.count("tickets", DEMO_STORE) >= 5
    assert 3 <= db.count("customers", OTHER_STORE) <= 20
    assert db.count("conversations", OTHER_STORE) >= 3
    assert db.rows("select id::text, name, whatsapp_number, timezone, currency from stores order by id") == [
        (DEMO_STORE, "Batik Sapa Demo", "+6281100000001", "Asia/Jakarta", "IDR"),
        (OTHER_STORE, "Toko Lain Demo", "+6281100000002", "Asia/Jakarta", "IDR"),
    ]


def test_customer_phones_are_e164_and_unique_per_store(db: Db) -> None:
    phones = [(str(store), phone) for store, phone in db.rows("select store_id, phone from customers")]

    assert all(p[0] == "+" and p[1] != "0" and p[1:].isdigit() and 8 <= len(p) <= 16 for _, p in phones)
    assert len(set(phones)) == len(phones)
    demo_phones = [p for store, p in phones if store == DEMO_STORE]
    assert sum(p.startswith("+628") for p in demo_phones) >= 0.95 * len(demo_phones)
    assert db.value("select count(*) from customers where marketing_opt_in") > 50
    assert db.value("select count(*) from customers where email is null") > 0


def test_order_totals_equal_their_items_and_orders_belong_to_their_customers(db: Db) -> None:
    assert db.value("""
        select count(*) from orders o
        where o.total <> (select sum(i.total) from order_items i where i.order_id = o.id)
           or exists (select from order_items i
                      where i.order_id = o.id and i.total <> i.quantity * i.unit_price)
    """) == 0  # fmt: skip
    assert db.value("""
        select count(*) from orders o left join customers c on c.id = o.customer_id
        where c.id is null or o.billing_phone is distinct from c.phone or o.store_id <> c.store_id
    """) == 0  # fmt: skip
    assert db.value("""
        select count(*) from orders
        where (status in ('processing', 'completed', 'refunded')) <> (date_paid is not null)
           or date_modified < created_at or date_paid < created_at or date_completed < date_paid
           or date_modified > %s
    """, NOW) == 0  # fmt: skip
    statuses = {status for (status,) in db.rows("select distinct status::text from orders")}
    assert {"completed", "processing", "on-hold", "pending", "cancelled", "refunded", "failed"} <= statuses
    numbers = db.rows("select number from orders where store_id = %s order by created_at", DEMO_STORE)
    assert [int(n) for (n,) in numbers] == list(range(1001, 1001 + len(numbers)))


def test_conversation_clocks_match_their_messages(db: Db) -> None:
    assert db.value("""
        select count(*) from conversations c
        left join lateral (
          select min(m.created_at) as first, max(m.created_at) as last,
                 max(m.created_at) filter (where m.direction = 'inbound') as last_inbound
          from messages m where m.conversation_id = c.id
        ) m on true
        where c.last_message_at is distinct from m.last or c.last_inbound_at is distinct from m.last_inbound
           or c.created_at is distinct from m.first
    """) == 0  # fmt: skip
    first_senders = db.rows("""
        select distinct on (conversation_id) sender::text from messages order by conversation_id, created_at
    """)
    assert set(first_senders) == {("customer",)}
    assert db.value("select count(*) from messages where created_at > %s", NOW) == 0


def test_the_rows_hang_together(db: Db) -> None:
    # The history is bulk-copied with triggers off, so check what the foreign keys would have.
    orphans = {
        "messages": """select count(*) from messages m left join conversations c
                       on c.id = m.conversation_id and c.store_id = m.store_id where c.id is null""",
        "conversations": """select count(*) from conversations c left join customers u
                            on u.id = c.customer_id and u.store_id = c.store_id where u.id is null""",
        "order_items": """select count(*) from order_items i
                          left join orders o on o.id = i.order_id and o.store_id = i.store_id
                          left join products p on p.id = i.product_id and p.store_id = i.store_id
                          where o.id is null or p.id is null""",
        "tickets": """select count(*) from tickets t left join conversations c
                      on c.id = t.conversation_id and c.store_id = t.store_id
                      where c.id is null or c.handed_off_at is null""",
    }
    assert {table: db.value(query) for table, query in orphans.items()} == dict.fromkeys(orphans, 0)
    assert db.value("select count(*) from messages where sender <> 'system'") == db.value(
        "select count(distinct provider_message_id) from messages"
        " where provider_message_id ~ '^SM[0-9a-f]{32}$'"
    )
    assert db.value("select count(*) from realtime.messages") == 0  # no broadcast per seeded row


def test_demo_logins_exist_with_working_passwords(db: Db) -> None:
    logins = [
        (DEMO.admin_email, DEMO.admin_password, f"{DEMO_STORE}:owner"),
        (DEMO.agent_email, DEMO.agent_password, f"{DEMO_STORE}:agent"),
        (DEMO.other_agent_email, DEMO.other_agent_password, f"{OTHER_STORE}:agent"),
    ]
    for email, password, membership in logins:
        [(hashed, confirmed, aud, role, provider, memberships)] = db.rows("""
            select u.encrypted_password, u.email_confirmed_at is not null, u.aud, u.role,
                   u.raw_app_meta_data ->> 'provider', array_agg(m.store_id || ':' || m.role)
            from auth.users u join store_members m on m.user_id = u.id
            where u.email = %s group by u.id
        """, email)  # fmt: skip
        assert bcrypt.checkpw(password.encode(), hashed.encode())
        assert not bcrypt.checkpw(b"not the password", hashed.encode())
        assert (confirmed, aud, role, provider) == (True, "authenticated", "authenticated", "email")
        assert memberships == [membership]


def test_inbound_messages_are_classified_in_all_five_categories(db: Db) -> None:
    mix = dict(db.rows("""
        select category::text, count(*) from messages where store_id = %s and direction = 'inbound' group by 1
    """, DEMO_STORE))  # fmt: skip
    assert set(mix) == {"delivery", "order", "payment", "refund", "other"}
    assert min(mix.values()) >= 20
    assert db.value("""
        select count(*) from messages
        where (direction = 'inbound')
              <> (category is not null and urgency is not null and label_confidence is not null)
    """) == 0  # fmt: skip
    english = db.value("select count(*) from messages where direction = 'inbound' and body ilike '%thank%'")
    indonesian = db.value("select count(*) from messages where direction = 'inbound' and body ilike '%kak%'")
    assert 0 < english < indonesian


def test_each_conversation_carries_its_most_urgent_label(db: Db) -> None:
    """The history is copied with triggers off; the seed rebuilds the conversations' labels after it."""
    high = "select count(*) from conversations where store_id = %s and label_urgency = 'high'"
    assert db.value(high, DEMO_STORE) > 0
    assert db.value("""
        select count(*) from conversations c
        where c.store_id = %s
          and (c.label_urgency is distinct from (
                 select max(m.urgency) from messages m
                 where m.conversation_id = c.id and m.direction = 'inbound' and m.category is not null)
               or c.label_message_id is distinct from (
                 select m.id from messages m
                 where m.conversation_id = c.id and m.direction = 'inbound' and m.category is not null
                 order by m.urgency desc, coalesce(m.label_unsure, false), m.created_at desc, m.id desc
                 limit 1))
    """, DEMO_STORE) == 0  # fmt: skip


def test_every_kind_of_ending_is_there(db: Db) -> None:
    endings = dict(db.rows("""
        select coalesce(resolution::text, status::text), count(*) from conversations
        where store_id = %s group by 1
    """, DEMO_STORE))  # fmt: skip
    assert {"bot_confirmed", "bot_assumed", "human", "bot"} <= set(endings)
    assert db.value("select count(*) from conversations where handed_off_at is not null") > 40
    recent = NOW - timedelta(days=1)
    still_open = db.rows(
        "select status::text from conversations where status <> 'resolved' and created_at > %s", recent
    )
    assert len(still_open) >= 3 and set(still_open) == {("bot",), ("human",)}
    # Bot resolutions never involve a person; human ones always do, after the handoff.
    assert db.value("""
        select count(*) from conversations c
        where (c.resolution in ('bot_confirmed', 'bot_assumed')
               and (c.handed_off_at is not null
                    or exists (select from messages m where m.conversation_id = c.id and m.sender = 'agent')))
           or (c.resolution = 'human'
               and not exists (select from messages m where m.conversation_id = c.id and m.sender = 'agent'
                               and m.created_at > c.handed_off_at))
    """) == 0  # fmt: skip
    # Assumed: no customer message for 24 hours after the last bot answer.
    assert db.value("""
        select count(*) from conversations c
        where c.resolution = 'bot_assumed'
          and c.resolved_at < (select max(m.created_at) from messages m
                               where m.conversation_id = c.id and m.sender = 'bot') + interval '24 hours'
    """) == 0  # fmt: skip
    assert db.rows("select distinct metadata ->> 'responder' from messages where sender = 'bot'") == [
        ("seed",)
    ]


def test_six_months_of_history_in_which_customers_convert_and_return(db: Db) -> None:
    span = db.value("select max(created_at) - min(created_at) from messages where store_id = %s", DEMO_STORE)
    assert span >= timedelta(days=150)
    converted = db.value("""
        select count(distinct c.customer_id)
        from conversations c join orders o on o.customer_id = c.customer_id
        where c.store_id = %s and o.status in ('processing', 'completed')
          and o.created_at > c.last_message_at and o.created_at <= c.last_message_at + interval '7 days'
    """, DEMO_STORE)  # fmt: skip
    talked = db.value("select count(distinct customer_id) from conversations where store_id = %s", DEMO_STORE)
    assert 0.1 * talked <= converted <= 0.6 * talked
    assert db.value("""
        select count(*) from (select from orders where store_id = %s and status in ('processing', 'completed')
                              group by customer_id having count(*) > 1) returning_customers
    """, DEMO_STORE) >= 30  # fmt: skip
    before_the_history = NOW - timedelta(days=182)
    assert db.value("select count(*) from customers where first_seen_at < %s", before_the_history) >= 5
    assert db.value("""
        select count(*) from customers c
        where c.first_seen_at <> least(
          (select min(o.created_at) from orders o where o.customer_id = c.id),
          (select min(v.created_at) from conversations v where v.customer_id = c.id))
    """) == 0  # fmt: skip


def test_seeding_again_changes_nothing(db: Db) -> None:
    before = db.counts()

    assert seed_demo(db.url) == DEMO
    assert seed_demo(db.url, now=NOW + timedelta(days=30), random_seed=8) == DEMO

    assert db.counts() == before


def test_reset_rebuilds_the_same_history_and_leaves_other_stores_alone(db: Db) -> None:
    fingerprint = """
        select md5(string_agg(id::text || body || created_at::text || status::text, ',' order by id))
        from messages
    """
    history = db.value(fingerprint)
    with psycopg.connect(db.url) as conn:
        conn.execute(
            "insert into stores (id, name) values ('00000000-0000-4000-8000-0000000000ff', 'Real Shop')"
        )
        conn.execute("""insert into customers (store_id, phone, name)
                        values ('00000000-0000-4000-8000-0000000000ff', '+6281234500000',
                                'Pelanggan Asli')""")
    before = db.counts()

    seed_demo(db.url, now=NOW, reset=True)

    assert db.value(fingerprint) == history
    assert db.counts() == before
    assert db.value("select count(*) from customers where name = 'Pelanggan Asli'") == 1
