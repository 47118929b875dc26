"""Benchmark of the KPI functions through PostgREST on this machine. Run it against a fresh local stack:

    .venv/bin/sapa exec --profile test --reset -- .venv/bin/python scripts/bench_kpis.py

1. Seeds a store of its own (Asia/Jakarta, IDR) with 1,000,000 messages in 200,000 conversations of 50,000
   customers and 100,000 orders over the last six months, in SQL (generate_series). The rows are written
   with triggers off, as a restore would be, then `private.kpi_rebuild` recomputes the KPI rollups from
   them and VACUUM ANALYZE does what autovacuum would do after a bulk load. Each step is timed.
2. Signs in as an agent of that store through the auth stand-in (a real JWT) and calls every KPI function
   through the gateway and PostgREST (/rest/v1/rpc/...), RLS on, for a 30-day and a 6-month window ending
   now; prints p50/p95 per function and window, and a baseline in the same run: the trivial RPC
   has_role_on_store (same path: gateway, JWT, role switch, one indexed lookup).
3. The write cost the rollup triggers add: single-message inserts into one conversation with the KPI
   triggers on and off.
"""

from __future__ import annotations

import os
import secrets
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from sapa.local.auth import create_user

DB_URL, API_URL, ANON_KEY = os.environ["DB_URL"], os.environ["API_URL"], os.environ["ANON_KEY"]
MESSAGES, CONVERSATIONS, CUSTOMERS, ORDERS = 1_000_000, 200_000, 50_000, 100_000
PER_CONVERSATION = MESSAGES // CONVERSATIONS  # customer, bot, customer, bot or handoff note, last word
HISTORY = timedelta(days=182)
REPETITIONS = 15
TARGET_MS = 200.0

# Customers: phones +62813 + 8 digits; first seen over the six months (some of them before).
SEED_CUSTOMERS = [
    """
create temporary table bench_customers on commit drop as
select n, gen_random_uuid() as id, '+62813' || lpad(n::text, 8, '0') as phone,
       %(start)s - interval '60 days' + random() * (%(now)s - %(start)s + interval '60 days') as first_seen_at
from generate_series(1, %(customers)s) as n
""",
    """
insert into public.customers (id, store_id, phone, name, first_seen_at, created_at)
select id, %(store)s, phone, 'Bench customer ' || n, first_seen_at, first_seen_at from bench_customers
""",
]

# Conversations: uniformly over the six months; customer number 1 + i % customers. Outcomes: 45 %
# bot_confirmed, 25 % bot_assumed, 30 % handed off (resolved by a person); 5 % of the first `customers`
# conversations (one per customer, as the one-open-conversation rule wants) are still open.
SEED_CONVERSATIONS = [
    """
create temporary table bench_conversations on commit drop as
select i, gen_random_uuid() as id, c.id as customer_id,
       %(start)s + random() * (%(now)s - %(start)s - interval '3 hours') as created_at,
       random() as outcome, random() as jitter
from generate_series(1, %(conversations)s) as i
join bench_customers c on c.n = 1 + i %% %(customers)s
""",
    """
insert into public.conversations (id, store_id, customer_id, status, handed_off_at, resolved_at, resolution,
                                  last_message_at, last_inbound_at, created_at, updated_at)
select b.id, %(store)s, b.customer_id,
       case when b.open then (case when b.outcome < 0.7 then 'bot' else 'human' end) else 'resolved' end
         ::public.conversation_status,
       case when b.outcome >= 0.7 then b.created_at + interval '25 minutes' end,
       case when not b.open then b.created_at + interval '2 days' end,
       case when b.open then null
            when b.outcome < 0.45 then 'bot_confirmed' when b.outcome < 0.7 then 'bot_assumed'
            else 'human' end::public.conversation_resolution,
       b.created_at + interval '1 hour', b.created_at + interval '30 minutes', b.created_at, b.created_at
from (select *, i <= %(customers)s and jitter < 0.05 as open from bench_conversations) b
""",
]

# Five messages a conversation: the customer asks, the bot answers within seconds, the customer follows
# up, then either the bot again and a last word (thanks, or the bot's closing) or a handoff note and an
# agent's first reply minutes later. Inbound messages carry classifier labels.
SEED_MESSAGES = """
insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status,
                             category, urgency, label_confidence, created_at)
select %(store)s, b.id,
       case when s.sender = 'customer' then 'inbound' else 'outbound' end::public.message_direction,
       s.sender::public.message_sender, 'bench message ' || s.step,
       case when s.sender = 'system' then null else 'SMbench' || b.i || '_' || s.step end,
       case when s.sender = 'customer' then 'received' when s.sender = 'system' then 'sent' else 'read' end
         ::public.message_status,
       case when s.sender = 'customer'
            then (array['delivery', 'order', 'payment', 'refund', 'other'])[1 + (b.i + s.step) %% 5] end
         ::public.issue_category,
       case when s.sender = 'customer' then (array['low', 'medium', 'high'])[1 + (b.i * 7 + s.step) %% 3] end
         ::public.urgency,
       case when s.sender = 'customer' then 0.9 end,
       b.created_at + s.after
from bench_conversations b
cross join lateral (values
  (1, 'customer', interval '0'),
  (2, 'bot', make_interval(secs => 2 + 28 * b.jitter)),
  (3, 'customer', make_interval(secs => 60 + 1100 * b.jitter)),
  (4, case when b.outcome >= 0.7 then 'system' else 'bot' end, interval '25 minutes'),
  (5, case when b.outcome >= 0.7 then 'agent' when b.outcome < 0.45 then 'customer' else 'bot' end,
      interval '25 minutes' + make_interval(secs => 60 + 3000 * b.jitter))
) as s (step, sender, after)
"""

# Orders: uniformly over the six months, customers spread by a stride; 75 % completed, 10 % processing,
# then cancelled, refunded and failed.
SEED_ORDERS = """
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, billing_phone,
                           date_paid, created_at, date_modified)
select %(store)s, i, i::text, o.status::public.order_status, round((50000 + random() * 1450000)::numeric, -3),
       'IDR', c.id, c.phone, case when o.status in ('completed', 'processing') then o.created_at end,
       o.created_at, o.created_at
from generate_series(1, %(orders)s) as i
cross join lateral (
  select %(start)s + random() * (%(now)s - %(start)s) as created_at,
         case when i %% 20 < 15 then 'completed' when i %% 20 < 17 then 'processing'
              when i %% 20 = 17 then 'cancelled' when i %% 20 = 18 then 'refunded' else 'failed' end as status
) o
join bench_customers c on c.n = 1 + (i * 7919) %% %(customers)s
"""

# PostgREST returns at most 1,000 rows (Supabase's default max rows): hourly buckets suit a month, not six.
VOLUME_BUCKETS = {"30 days": ["hour", "day"], "6 months": ["day", "week"]}
KPI_CALLS: list[tuple[str, dict[str, str]]] = [
    ("kpi_bot_first_response", {}),
    ("kpi_human_first_response", {}),
    ("kpi_bot_resolution", {}),
    ("kpi_escalation", {}),
    ("kpi_conversion", {}),
    ("kpi_retention", {}),
    ("kpi_aov", {}),
    ("kpi_acquisition", {}),
    ("kpi_label_mix", {}),
]


@contextmanager
def timed(label: str) -> Iterator[None]:
    began = time.perf_counter()
    yield
    print(f"  {label:<58} {time.perf_counter() - began:7.1f} s", flush=True)


def seed(conn: psycopg.Connection[Any], now: datetime) -> tuple[str, str, str]:
    """The bench store, an agent of it (email, password), all rows. Returns (store_id, email, password)."""
    number = "+62819" + str(secrets.randbelow(10**8)).zfill(8)
    email, password = f"bench-{secrets.token_hex(4)}@bench.sapa.local", secrets.token_urlsafe(16)
    params = {
        "now": now,
        "start": now - HISTORY,
        "customers": CUSTOMERS,
        "conversations": CONVERSATIONS,
        "orders": ORDERS,
    }
    print("Seeding the bench store:", flush=True)
    began = time.perf_counter()
    with conn.transaction():
        store_id = bench_store(conn, "Bench KPI", number, email, password)
        params["store"] = store_id
        conn.execute("set local session_replication_role = replica")  # triggers off, as in a restore
        with timed(f"{CUSTOMERS:,} customers"):
            for statement in SEED_CUSTOMERS:
                conn.execute(statement, params)
        with timed(f"{CONVERSATIONS:,} conversations"):
            for statement in SEED_CONVERSATIONS:
                conn.execute(statement, params)
        with timed(f"{CONVERSATIONS * PER_CONVERSATION:,} messages"):
            conn.execute(SEED_MESSAGES, params)
        with timed(f"{ORDERS:,} orders"):
            conn.execute(SEED_ORDERS, params)
        conn.execute("set local session_replication_role = origin")
        with timed("private.kpi_rebuild (the KPI rollups from the rows)"):
            conn.execute("select private.kpi_rebuild(%s)", (store_id,))
    with timed("vacuum analyze"):
        for table in (
            "customers",
            "conversations",
            "messages",
            "orders",
            "private.kpi_message_slots",
            "private.kpi_label_hours",
            "private.kpi_conversations",
            "private.kpi_customers",
        ):
            conn.execute(f"vacuum analyze {table}")
    print(f"  {'seeding, total':<58} {time.perf_counter() - began:7.1f} s")
    counts = conn.execute(
        "select (select count(*) from public.messages where store_id = %(s)s),"
        " (select count(*) from public.conversations where store_id = %(s)s),"
        " (select count(*) from public.orders where store_id = %(s)s),"
        " (select count(*) from public.customers where store_id = %(s)s)",
        {"s": store_id},
    ).fetchone()
    assert counts is not None
    print(
        f"  rows: {counts[0]:,} messages, {counts[1]:,} conversations,"
        f" {counts[2]:,} orders, {counts[3]:,} customers"
    )
    return store_id, email, password


def bench_store(conn: psycopg.Connection[Any], name: str, number: str, email: str, password: str) -> str:
    """A new store (Jakarta, IDR) with one agent who signs in with `email` / `password`: its id."""
    (store_id,) = conn.execute(  # type: ignore[misc]
        "insert into public.stores (name, whatsapp_number, timezone, currency)"
        " values (%s, %s, 'Asia/Jakarta', 'IDR') returning id::text",
        (name, number),
    ).fetchone()
    conn.execute(
        "insert into public.store_members (store_id, user_id, role) values (%s, %s, 'agent')",
        (store_id, create_user(conn, email, password)),
    )
    return str(store_id)


def sign_in(client: httpx.Client, email: str, password: str) -> str:
    response = client.post(
        f"{API_URL}/auth/v1/token",
        params={"grant_type": "password"},
        json={"email": email, "password": password},
        headers={"apikey": ANON_KEY},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def measure(call: Callable[[], httpx.Response]) -> list[float]:
    for _ in range(2):  # warm the connection and PostgREST's schema cache
        call().raise_for_status()
    samples = []
    for _ in range(REPETITIONS):
        began = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return samples


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def bench_rpc(store_id: str, token: str, now: datetime) -> bool:
    headers = {"apikey": ANON_KEY, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    windows = {"30 days": now - timedelta(days=30), "6 months": now - HISTORY}
    met = True
    with httpx.Client(base_url=f"{API_URL}/rest/v1", headers=headers, timeout=60) as client:

        def rpc(name: str, body: dict[str, Any]) -> Callable[[], httpx.Response]:
            return lambda: client.post(f"/rpc/{name}", json=body)

        baseline = measure(rpc("has_role_on_store", {"p_store_id": store_id}))
        base50 = percentile(baseline, 50)
        print(
            f"\nThrough PostgREST as an agent of the store (RLS on),"
            f" {REPETITIONS} calls each after 2 warm-ups:"
        )
        print(f"{'function':<40} {'window':<9} {'p50 ms':>8} {'p95 ms':>8} {'p50/baseline':>13}  rows")
        base95 = percentile(baseline, 95)
        print(f"{'baseline: rpc/has_role_on_store':<40} {'-':<9} {base50:8.1f} {base95:8.1f} {1:13.1f}")
        for window, start in windows.items():
            volume = [("kpi_message_volume", {"p_bucket": b}) for b in VOLUME_BUCKETS[window]]
            for name, extra in volume + KPI_CALLS:
                body = {"p_store_id": store_id, "p_from": start.isoformat(), "p_to": now.isoformat(), **extra}
                call = rpc(name, body)
                samples = measure(call)
                rows = call().json()
                label = name + (f" ({extra['p_bucket']})" if extra else "")
                p50, p95 = percentile(samples, 50), percentile(samples, 95)
                met = met and p95 < TARGET_MS
                summary = f"{len(rows)} rows" if len(rows) != 1 else str(rows[0])
                print(f"{label:<40} {window:<9} {p50:8.1f} {p95:8.1f} {p50 / base50:13.1f}  {summary[:90]}")
    return met


def bench_writes(conn: psycopg.Connection[Any], store_id: str) -> None:
    """Milliseconds per single-message insert (its own transaction) with the KPI triggers on and off."""
    conversation = conn.execute(
        "select id from public.conversations where store_id = %s and status = 'bot' limit 1", (store_id,)
    ).fetchone()
    assert conversation is not None

    def insert_many(n: int) -> list[float]:
        samples = []
        for _ in range(n):
            began = time.perf_counter()
            with conn.transaction():
                conn.execute(
                    "insert into public.messages (store_id, conversation_id, direction, sender, body,"
                    " provider_message_id, status)"
                    " values (%s, %s, 'inbound', 'customer', 'bench', %s, 'received')",
                    (store_id, conversation[0], "SMwrite" + uuid.uuid4().hex),
                )
            samples.append((time.perf_counter() - began) * 1000)
        return samples

    with_triggers = insert_many(300)
    conn.execute("alter table public.messages disable trigger kpi_rollups")
    try:
        without = insert_many(300)
    finally:
        conn.execute("alter table public.messages enable trigger kpi_rollups")
    print("\nWrite cost of the rollups: one inbound message per transaction, 300 each")
    for label, samples in (("with the KPI triggers", with_triggers), ("without them", without)):
        print(f"  {label:<24} p50 {percentile(samples, 50):6.2f} ms   p95 {percentile(samples, 95):6.2f} ms")


def main() -> int:
    now = datetime.now(UTC)
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        store_id, email, password = seed(conn, now)
        with httpx.Client(timeout=30) as client:
            token = sign_in(client, email, password)
        met = bench_rpc(store_id, token, now)
        bench_writes(conn, store_id)
    print(f"\nTarget: every KPI call under {TARGET_MS:.0f} ms (p95): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
