"""Benchmark of the Customers page's list on this machine. Run it against a fresh local stack:

    .venv/bin/sapa exec --profile test --reset -- .venv/bin/python scripts/bench_customers.py

1. Seeds a store of its own with 100,000 customers (names, emails, numbers, consent, labels on some),
   300,000 orders (every status, checkout drafts and trash included) and 100,000 conversations, in SQL
   with triggers off as a restore would be; then `private.kpi_rebuild` and `private.customer_list_rebuild`
   recompute what the triggers would have kept, and VACUUM ANALYZE does what autovacuum would do.
2. Signs in as an agent of that store (a real JWT) and asks PostgREST for the page's first page the way the
   dashboard does (customer_directory, or rpc/customer_search for a search; filters,
   `order=<column>.<dir>.nullslast,id`, 25 rows, `Prefer: count=exact`): by total spent, last order, name,
   the default (last seen), a search by name, by a local number (0813… finds +62813…) and by one letter,
   a label and a consent filter, and two ascending sorts. Median of 3 each (after a warm-up), beside, in
   the same run, the baseline (the trivial rpc/has_role_on_store) and the aggregation the page read before
   migration 660 (the same query on a copy of customer_list's old definition, created for the run and
   dropped after); the rows of both must be the same.
3. The write cost of keeping the list: 10,000 orders upserted as the sync applies them
   (`private.woocommerce_apply`, 100 a transaction like a sync page), new then paid, with the list's
   triggers off (as before migration 660) and on, in alternating rounds; then the stored rows compared
   with the view. And single inbound messages (each moves its conversation's clock), triggers off and on.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.bench_kpis import bench_store, sign_in, timed
from tests.commerce import payloads

from sapa.commerce.woocommerce.parse import record

DB_URL, API_URL, ANON_KEY = os.environ["DB_URL"], os.environ["API_URL"], os.environ["ANON_KEY"]
CUSTOMERS, ORDERS, CONVERSATIONS = 100_000, 300_000, 100_000
RUNS = 3
TARGET_MS = 300.0
WRITES, PAGE, ROUND = 10_000, 100, 1_000
_TRIGGERS = ("customer_list_insert", "customer_list_update", "customer_list_delete")
LIST_TRIGGERS = {"public.orders": _TRIGGERS, "public.customers": _TRIGGERS, "public.conversations": _TRIGGERS}

SEED = [
    """
create temporary table bench_customers on commit drop as
select n, gen_random_uuid() as id, '+62813' || lpad(n::text, 8, '0') as phone,
       (array['Ani', 'Budi', 'Citra', 'Dewi', 'Eko', 'Fajar', 'Gita', 'Hadi'])[1 + n %% 8] || ' '
         || (array['Lestari', 'Santoso', 'Wijaya', 'Saputra', 'Hidayat', 'Pratama'])[1 + (n / 8) %% 6]
         || ' ' || n as name,
       %(now)s - interval '400 days' + random() * interval '390 days' as first_seen_at
from generate_series(1, %(customers)s) as n
""",
    """
insert into public.customers (id, store_id, phone, name, email, marketing_opt_in, marketing_opt_in_at,
                              opted_out_at, first_seen_at, created_at)
select id, %(store)s, phone, case when n %% 50 = 0 then null else name end,
       case when n %% 3 = 0 then 'c' || n || '@example.com' end,
       n %% 10 < 6, case when n %% 10 < 6 then first_seen_at end,
       case when n %% 10 = 9 then first_seen_at + interval '1 day' end, first_seen_at, first_seen_at
from bench_customers
""",
    """
insert into public.customer_labels (store_id, customer_id, label)
select %(store)s, id, l.label from bench_customers
cross join lateral (values ('vip', n %% 20 = 0), ('reseller', n %% 5 = 1)) as l (label, has)
where l.has
""",
    """
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at,
                           date_modified)
select %(store)s, i, i::text,
       (array['completed', 'completed', 'completed', 'processing', 'pending', 'on-hold', 'cancelled',
              'refunded', 'failed', 'checkout-draft', 'trash'])[1 + i %% 11]::public.order_status,
       round((20000 + random() * 980000)::numeric, -2), 'IDR', c.id, o.at, o.at
from (select i, 1 + (hashint4(i) & 2147483647) %% %(customers)s as n,
             %(now)s - random() * interval '380 days' as at
      from generate_series(1, %(orders)s) as i) o
join bench_customers c on c.n = o.n
""",
    """
insert into public.conversations (store_id, customer_id, status, resolved_at, resolution, last_message_at,
                                  created_at, updated_at)
select %(store)s, c.id, 'resolved', v.at + interval '1 day', 'bot_assumed', v.at, v.at, v.at
from (select 1 + (hashint4(-i) & 2147483647) %% %(customers)s as n,
             %(now)s - random() * interval '380 days' as at
      from generate_series(1, %(conversations)s) as i) v
join bench_customers c on c.n = v.n
""",
]

# customer_list as it was before migration 660: customer_overview aggregated for one store.
OLD_LIST = """
create function public.bench_customer_list_aggregated(p_store_id uuid) returns setof public.customer_overview
language sql stable security definer
set search_path = ''
as $$
  select * from public.customer_overview o
  where o.store_id = p_store_id and (select public.has_role_on_store(p_store_id))
$$;
grant execute on function public.bench_customer_list_aggregated to authenticated;
"""

# (what, the PostgREST query string of the dashboard's first page, for a search the dashboard's
# customer_search arguments). Before migration 660 a search was an `or` filter on customer_list's rows.
LAST_SEEN = "last_seen_at.desc.nullslast,id.asc"
PAGES: list[tuple[str, dict[str, str], dict[str, str] | None]] = [
    ("by total spent", {"order": "total_spent.desc.nullslast,id.asc"}, None),
    ("by last order", {"order": "last_order_at.desc.nullslast,id.asc"}, None),
    ("by name", {"order": "name.asc.nullslast,id.asc"}, None),
    ("default: by last seen", {"order": LAST_SEEN}, None),
    ("search 'lestari 42'", {"order": LAST_SEEN}, {"p_term": "lestari 42"}),
    (
        "search '0813000042' (a local number)",
        {"order": LAST_SEEN},
        {"p_term": "0813000042", "p_digits": "813000042"},
    ),
    ("search 'a' (nearly everyone)", {"order": LAST_SEEN}, {"p_term": "a"}),
    ("label vip, by total spent", {"labels": "cs.{vip}", "order": "total_spent.desc.nullslast,id.asc"}, None),
    ("consent opted in, by last seen", {"consent": "eq.opted_in", "order": LAST_SEEN}, None),
    ("by orders, ascending", {"order": "orders.asc.nullslast,id.asc"}, None),
    ("by first seen, ascending", {"order": "first_seen_at.asc.nullslast,id.asc"}, None),
]


def old_search_filter(search: dict[str, str]) -> dict[str, str]:
    """The dashboard's search before migration 660: PostgREST's `or` over the aggregated rows."""
    term = search["p_term"]
    parts = [f'name.ilike."*{term}*"', f'email.ilike."*{term}*"']
    if "p_digits" in search:
        parts.append(f'phone.like."*{search["p_digits"]}*"')
    return {"or": f"({','.join(parts)})"}


def seed(conn: psycopg.Connection[Any], now: datetime) -> tuple[str, str, str]:
    """The bench store, an agent of it, its rows. Returns (store_id, email, password)."""
    number = "+62817" + str(secrets.randbelow(10**8)).zfill(8)
    email, password = f"bench-{secrets.token_hex(4)}@bench.sapa.local", secrets.token_urlsafe(16)
    params: dict[str, Any] = {
        "now": now,
        "customers": CUSTOMERS,
        "orders": ORDERS,
        "conversations": CONVERSATIONS,
    }
    print("Seeding the bench store:", flush=True)
    with conn.transaction():
        store_id = bench_store(conn, "Bench customers", number, email, password)
        params["store"] = store_id
        conn.execute("set local session_replication_role = replica")  # triggers off, as in a restore
        with timed(f"{CUSTOMERS:,} customers, {ORDERS:,} orders, {CONVERSATIONS:,} conversations"):
            for statement in SEED:
                conn.execute(statement, params)
        conn.execute("set local session_replication_role = origin")
        with timed("private.kpi_rebuild"):
            conn.execute("select private.kpi_rebuild(%s)", (store_id,))
        with timed("private.customer_list_rebuild (the stored list from the rows)"):
            conn.execute("select private.customer_list_rebuild(%s)", (store_id,))
    with timed("vacuum analyze"):
        for table in (
            "customers",
            "orders",
            "conversations",
            "customer_labels",
            "private.customer_list_rows",
        ):
            conn.execute(f"vacuum analyze {table}")
    return store_id, email, password


def median_ms(call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    call().raise_for_status()  # warm-up: the connection, PostgREST's schema cache, the plan
    samples, response = [], None
    for _ in range(RUNS):
        began = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    assert response is not None
    return statistics.median(samples), response


def bench_pages(store_id: str, token: str) -> bool:
    headers = {"apikey": ANON_KEY, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = {"p_store_id": store_id}
    count = {"Prefer": "count=exact"}
    met = True
    missed: list[str] = []
    with httpx.Client(base_url=f"{API_URL}/rest/v1", headers=headers, timeout=120) as client:

        def page(query: dict[str, str], search: dict[str, str] | None) -> Callable[[], httpx.Response]:
            params = {"select": "*", **query, "offset": "0", "limit": "25"}
            if search is not None:
                return lambda: client.post(
                    "/rpc/customer_search", params=params, json=body | search, headers=count
                )
            params["store_id"] = f"eq.{store_id}"
            return lambda: client.get("/customer_directory", params=params, headers=count)

        def aggregated(query: dict[str, str], search: dict[str, str] | None) -> Callable[[], httpx.Response]:
            params = {"select": "*", **query, **(old_search_filter(search) if search else {})}
            params |= {"offset": "0", "limit": "25"}
            return lambda: client.post(
                "/rpc/bench_customer_list_aggregated", params=params, json=body, headers=count
            )

        baseline, _ = median_ms(lambda: client.post("/rpc/has_role_on_store", json=body))
        print(
            "\nThrough PostgREST as an agent of the store, first page (25 rows, count=exact),"
            f" median of {RUNS}:"
        )
        print(
            f"{'page':<40} {'stored ms':>10} {'/baseline':>10} {'aggregated ms':>14} {'rows':>7}  same rows"
        )
        print(f"{'baseline: rpc/has_role_on_store':<40} {baseline:10.1f} {1:10.1f}")
        for label, query, search in PAGES:
            fast, fast_response = median_ms(page(query, search))
            slow, slow_response = median_ms(aggregated(query, search))
            same = fast_response.json() == slow_response.json()
            total = fast_response.headers["content-range"].split("/")[-1]
            met = met and same
            if fast >= TARGET_MS:
                missed.append(label)
            print(
                f"{label:<40} {fast:10.1f} {fast / baseline:10.1f} {slow:14.1f} {total:>7}  {same}",
                flush=True,
            )
    print(f"pages at or over {TARGET_MS:.0f} ms: {', '.join(missed) or 'none'}")
    return met


def order_records(phones: list[str], first_id: int, status: str, now: datetime) -> list[dict[str, Any]]:
    """The sync's records of these orders in this status, each status a minute newer than the one before (an
    older date_modified would be skipped as stale)."""
    modified = now - timedelta(days=1) + timedelta(minutes=("pending", "processing").index(status))
    return [
        record(
            "order",
            payloads.order(
                first_id + i, status=status, phone=phone, whatsapp=phone, created=now - timedelta(days=1),
                modified=modified,
            ),
            "ID",
        )
        for i, phone in enumerate(phones)
    ]  # fmt: skip


def apply_orders(conn: psycopg.Connection[Any], store_id: str, records: list[dict[str, Any]]) -> float:
    """Seconds to apply the records as a sync does: each through private.woocommerce_apply, a page a
    transaction."""
    began = time.perf_counter()
    for start in range(0, len(records), PAGE):
        with conn.transaction():
            conn.execute(
                "select private.woocommerce_apply(%s, 'orders', r) from jsonb_array_elements(%s) as r",
                (store_id, Jsonb(records[start : start + PAGE])),
            )
    return time.perf_counter() - began


def set_list_triggers(conn: psycopg.Connection[Any], enabled: bool) -> None:
    for table in ("public.orders", "public.customers"):
        triggers = LIST_TRIGGERS[table]
        for trigger in triggers:
            conn.execute(f"alter table {table} {'enable' if enabled else 'disable'} trigger {trigger}")


def bench_writes(conn: psycopg.Connection[Any], store_id: str, now: datetime) -> bool:
    """Rounds alternate the list's triggers off and on (so the machine's drift falls on both alike); each
    round applies ROUND orders new, then the same orders paid, to customers of its own."""
    phones = [
        r[0]
        for r in conn.execute(
            "select phone from public.customers where store_id = %s order by phone limit %s",
            (store_id, 2 * WRITES),
        ).fetchall()
    ]
    seconds = {False: [0.0, 0.0], True: [0.0, 0.0]}
    for round_number in range(2 * WRITES // ROUND):
        enabled = round_number % 2 == 1
        batch = phones[round_number * ROUND : (round_number + 1) * ROUND]
        first_id = 90_000_000 + round_number * ROUND
        set_list_triggers(conn, enabled)
        try:
            seconds[enabled][0] += apply_orders(
                conn, store_id, order_records(batch, first_id, "pending", now)
            )
            seconds[enabled][1] += apply_orders(
                conn, store_id, order_records(batch, first_id, "processing", now)
            )
        finally:
            set_list_triggers(conn, True)
    print(
        f"\nWrite cost: {WRITES:,} orders upserted each way as a sync applies them ({PAGE} a transaction),"
        f" in rounds of {ROUND:,} alternating, seconds:"
    )
    print(f"{'':<44} {'new (pending)':>14} {'paid (processing)':>18}")
    for enabled, label in ((False, "list triggers off (before migration 660)"), (True, "list triggers on")):
        print(f"{label:<44} {seconds[enabled][0]:14.1f} {seconds[enabled][1]:18.1f}")
    added = [(seconds[True][i] - seconds[False][i]) / WRITES * 1000 for i in (0, 1)]
    print(f"{'per order, the triggers add (ms)':<44} {added[0]:14.2f} {added[1]:18.2f}")
    # The triggers-off rounds left their customers' stored rows behind: the on rounds must not have.
    on_phones = [p for i, p in enumerate(phones) if (i // ROUND) % 2 == 1]
    differing = conn.execute(
        "select count(*) from public.customer_overview v"
        " join private.customer_list_rows r on r.id = v.id"
        " where v.store_id = %s and to_jsonb(r) is distinct from to_jsonb(v) and v.phone = any(%s)",
        (store_id, on_phones),
    ).fetchone()
    assert differing is not None
    print(f"stored rows that differ from the view after the triggers-on rounds: {differing[0]}")
    return bool(differing[0] == 0)


def bench_messages(conn: psycopg.Connection[Any], store_id: str) -> None:
    """Milliseconds per inbound message (its own transaction, as the webhook stores one): each moves its
    conversation's last_message_at, so the customer's stored row is recomputed at commit."""
    conversation = conn.execute(
        "select id from public.conversations where store_id = %s limit 1", (store_id,)
    ).fetchone()
    assert conversation is not None

    def insert(n: int) -> list[float]:
        samples = []
        for _ in range(n):
            began = time.perf_counter()
            with conn.transaction():
                conn.execute(
                    "insert into public.messages (store_id, conversation_id, direction, sender, body,"
                    " provider_message_id, status)"
                    " values (%s, %s, 'inbound', 'customer', 'bench', %s, 'received')",
                    (store_id, conversation[0], "SMlist" + secrets.token_hex(8)),
                )
            samples.append((time.perf_counter() - began) * 1000)
        return samples

    samples: dict[bool, list[float]] = {False: [], True: []}
    for round_number in range(6):  # alternating, 100 a round
        enabled = round_number % 2 == 1
        for trigger in LIST_TRIGGERS["public.conversations"]:
            conn.execute(
                f"alter table public.conversations {'enable' if enabled else 'disable'} trigger {trigger}"
            )
        samples[enabled] += insert(100)
    print("\nOne inbound message a transaction, 300 each, alternating:")
    for enabled, label in ((False, "list triggers off"), (True, "list triggers on")):
        values = sorted(samples[enabled])
        p50, p95 = statistics.median(values), values[int(0.95 * len(values))]
        print(f"  {label:<20} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")


def main() -> int:
    now = datetime.now(UTC)
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        load = os.getloadavg()[0]
        store_id, email, password = seed(conn, now)
        conn.execute(OLD_LIST)
        conn.execute("notify pgrst, 'reload schema'")
        time.sleep(2)
        try:
            with httpx.Client(timeout=30) as client:
                token = sign_in(client, email, password)
            met = bench_pages(store_id, token)
            exact = bench_writes(conn, store_id, now)
            bench_messages(conn, store_id)
        finally:
            conn.execute("drop function public.bench_customer_list_aggregated")
            conn.execute("notify pgrst, 'reload schema'")
        print(f"\nload average at the start {load:.1f}, at the end {os.getloadavg()[0]:.1f}")
    print(f"The same rows as the aggregation: {met}; the stored rows after the writes as the view: {exact}")
    return 0 if met and exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
