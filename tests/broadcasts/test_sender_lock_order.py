"""Both queues of the proactive sender due for the same customers at once (migration 640): a broadcast and
an order update for each, checked and stored by two transactions at the same time (the worker checks a
group of each queue concurrently). Each check writes into the customer's conversation (the message, the
conversation's clock, its KPI facts); two groups that reach the same customers in different orders used
to deadlock (40P01), and the group Postgres chose as the victim was rolled back and not sent until its
claims ran out. Now each group first locks its customers in id order, so the second waits for the first."""

from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import psycopg
from psycopg.rows import dict_row
from supabase import Client

from sapa.broadcasts.worker import BroadcastDeps, run_due
from tests.api.inbox import Db, Shop
from tests.broadcasts.factories import VARIABLES, add_customers, add_template, give_twilio_account
from tests.broadcasts.fake_twilio import FakeTwilioMessages
from tests.conftest import Stack, make_settings

ORDER_VARIABLES = {"1": "{{first_name}}", "2": "{{order_number}}"}


def _due_for_both(db: Db, shop: Shop, count: int) -> list[str]:
    """`count` customers with marketing consent, each with an order update (processing) and a broadcast
    due now; every other one has a conversation already (the others get one from the first message)."""
    customers = add_customers(db, shop.id, count)
    for customer in customers[::2]:
        db.execute("insert into conversations (store_id, customer_id) values (%s, %s)", (shop.id, customer))
    template = add_template(db, shop.id)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    kind = {"enabled": True, "template_id": template, "variables": ORDER_VARIABLES, "enabled_at": yesterday}
    db.execute(
        "select set_notification_settings(%s, %s)", (shop.id, json.dumps({"events": {"processing": kind}}))
    )
    db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id, created_at,"
        " date_modified) select %s, 7000 + n, (7000 + n)::text, 'processing', 99000, 'IDR', c, now(), now()"
        " from unnest(%s::uuid[]) with ordinality as x (c, n)",
        (shop.id, customers),
    )
    created = db.execute(
        "select create_broadcast(%s, %s, 'Promo', %s, null, %s, null) ->> 'id' as id",
        (shop.id, shop.owner.id, template, json.dumps(VARIABLES)),
    ).fetchone()
    assert created is not None
    db.execute("select send_broadcast(%s, %s, %s)", (shop.id, shop.owner.id, created["id"]))
    return customers


def _proactive_messages(db: Db, store_id: str) -> dict[str, Counter[str]]:
    """Per customer: their conversations and their broadcast and order-update messages."""
    found: dict[str, Counter[str]] = {}
    for row in db.execute(
        "select c.customer_id::text, c.id::text as conversation,"
        " count(*) filter (where m.metadata ? 'broadcast_id') as broadcast,"
        " count(*) filter (where m.metadata ? 'notification') as notification"
        " from conversations c left join messages m on m.conversation_id = c.id"
        " where c.store_id = %s group by c.customer_id, c.id",
        (store_id,),
    ):
        counts = found.setdefault(row["customer_id"], Counter())
        counts.update(conversations=1, broadcast=row["broadcast"], notification=row["notification"])
    return found


def test_a_broadcast_and_order_updates_to_the_same_customers_go_out_in_one_run(
    db: Db, shop: Shop, stack: Stack, service_client: Client, fake_twilio: FakeTwilioMessages
) -> None:
    give_twilio_account(db, shop)
    db.execute("update stores set whatsapp_number = '+6281100007777' where id = %s", (shop.id,))
    customers = _due_for_both(db, shop, 120)
    settings = make_settings(stack, twilio_api_base_url=fake_twilio.url, broadcast_messages_per_second=1000.0)

    report = run_due(BroadcastDeps.from_settings(service_client, settings))

    assert report.outcomes["error"] == 0, report.as_dict()
    one_each = Counter(conversations=1, broadcast=1, notification=1)
    assert _proactive_messages(db, shop.id) == dict.fromkeys(customers, one_each)
    assert Counter(fake_twilio.to_numbers()).most_common(1)[0][1] == 2


def _claimed(db: Db, store_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """The store's due notifications and recipients taken as a claim takes them: by customer."""
    notifications = db.execute(
        "update order_notifications n set status = 'sending', slot_at = now(),"
        " lease_until = now() + interval '1 minute', attempts = 1 from orders o"
        " where o.id = n.order_id and n.store_id = %s returning n.id::text, o.customer_id::text",
        (store_id,),
    ).fetchall()
    recipients = db.execute(
        "update broadcast_recipients r set status = 'sending', slot_at = now(),"
        " lease_until = now() + interval '1 minute', attempts = 1"
        " where r.store_id = %s and r.status = 'pending' returning r.id::text, r.customer_id::text",
        (store_id,),
    ).fetchall()
    return (
        {row["customer_id"]: row["id"] for row in notifications},
        {row["customer_id"]: row["id"] for row in recipients},
    )


def _waiting_for_a_lock(db: Db, pids: list[int]) -> bool:
    row = db.execute(
        "select count(*) as n from pg_stat_activity where pid = any(%s) and wait_event_type = 'Lock'", (pids,)
    ).fetchone()
    return row is not None and row["n"] == len(pids)


def test_two_groups_reaching_the_same_customers_in_opposite_orders_both_go_out(
    db: Db, shop: Shop, stack: Stack
) -> None:
    """Customers a and b: the order updates' group checks b then a, the broadcast's a then b. A third
    session holds the second of each group (its row lock) until both groups have done their first and
    wait, then lets go: each group goes on to the customer the other one has written to."""
    a, b = _due_for_both(db, shop, 2)
    notifications, recipients = _claimed(db, shop.id)
    connect = partial(psycopg.connect, stack.db_url, autocommit=True, row_factory=dict_row)
    with connect() as gate, connect() as updates, connect() as broadcast, ThreadPoolExecutor(2) as pool:
        pids = [updates.info.backend_pid, broadcast.info.backend_pid]
        with gate.transaction():
            gate.execute("select from order_notifications where id = %s for update", (notifications[a],))
            gate.execute("select from broadcast_recipients where id = %s for update", (recipients[b],))
            checked: list[Future[list[dict[str, Any]]]] = [
                pool.submit(_checks, updates, "order_notification", [notifications[b], notifications[a]]),
                pool.submit(_checks, broadcast, "broadcast", [recipients[a], recipients[b]]),
            ]
            deadline = time.monotonic() + 10
            while not _waiting_for_a_lock(db, pids):
                assert time.monotonic() < deadline, "both groups wait"
                time.sleep(0.05)
        decisions = [[row["decision"] for row in done.result(timeout=30)] for done in checked]

    assert decisions == [["send", "send"], ["send", "send"]]
    one_each = Counter(conversations=1, broadcast=1, notification=1)
    assert _proactive_messages(db, shop.id) == {a: one_each, b: one_each}


def _checks(session: psycopg.Connection[dict[str, Any]], queue: str, ids: list[str]) -> list[dict[str, Any]]:
    """The worker's check of a group, as it calls it: `{queue}_send_checks`."""
    query = f"select {queue}_send_checks(%s::uuid[]) as check"
    return [row["check"] for row in session.execute(query, (ids,)).fetchall()]
